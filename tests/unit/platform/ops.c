/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Registry import, filing outbox, concurrency and crash consistency, on both backends. */
#include "tp.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "tp.c.inc"

/* ---- registry ------------------------------------------------------------ */

static const char feed_csv[] = "name,credit_code,region,legal_rep\r\n"
			       "\"福州甲有限公司\",91350100100000067Q,350100,赵一\r\n"
			       "福州乙有限公司,91350100100000075K,350100,\n"
			       "\n"
			       "坏代码公司,91350100100000075X,350100,钱二\n";

static void t_registry(void **state)
{
	(void)state;
	tp_env e;
	es_registry_result rr;
	int64_t unit;
	tp_setup(&e);
	TP_DENIED(es_platform_registry_import(e.p, e.maker, (const uint8_t *)feed_csv, strlen(feed_csv), &rr));
	assert_int_equal(es_platform_registry_import(e.p, e.admin, (const uint8_t *)feed_csv, strlen(feed_csv), &rr),
			 ES_EINVAL);
	assert_int_equal(rr.line, 5);
	assert_int_equal(rr.seals_made, 2);
	TU_OK(es_platform_unit_find(e.p, "91350100100000067Q", &unit));
	/* rerun: nothing twice */
	const char *good = "[{\"name\": \"福州甲有限公司\", \"credit_code\": \"91350100100000067Q\", \"region\": \"350100\"},"
			   " {\"name\": \"福州丙有限公司\", \"credit_code\": \"913501001000000326\", \"region\": \"350100\","
			   "  \"legal_rep\": \"孙三\"}]";
	/* 913501001000000326 is the county unit of the fixture: it gets its registry seal too */
	TU_OK(es_platform_registry_import(e.p, e.sys, (const uint8_t *)good, strlen(good), &rr));
	assert_int_equal(rr.entities, 2);
	assert_int_equal(rr.skipped, 1);
	assert_int_equal(rr.seals_made, 1);
	TU_OK(es_platform_registry_import(e.p, e.sys, (const uint8_t *)good, strlen(good), &rr));
	assert_int_equal(rr.skipped, 2);
	const char *bad = "[{\"name\": 1}]";
	assert_int_equal(es_platform_registry_import(e.p, e.sys, (const uint8_t *)bad, strlen(bad), &rr),
			 ES_EMALFORMED);
	tp_teardown(&e);
}

/* ---- outbox ---------------------------------------------------------------- */

/* A tiny HTTP receiver: appends every Idempotency-Key it gets to @p log. */
static void receiver(int lfd, const char *log)
{
	for (;;) {
		int c = accept(lfd, NULL, NULL);
		if (c < 0)
			continue;
		char buf[8192];
		size_t got = 0;
		for (;;) {
			ssize_t r = recv(c, buf + got, sizeof(buf) - 1 - got, 0);
			if (r <= 0)
				break;
			got += (size_t)r;
			buf[got] = 0;
			char *hdr_end = strstr(buf, "\r\n\r\n");
			char *cl = strstr(buf, "Content-Length: ");
			if (hdr_end && cl && got >= (size_t)(hdr_end + 4 - buf) + strtoul(cl + 16, NULL, 10))
				break;
		}
		buf[got] = 0;
		char *k = strstr(buf, "Idempotency-Key: ");
		if (k) {
			k += 17;
			size_t n = strcspn(k, "\r\n");
			FILE *f = fopen(log, "a");
			if (f) {
				fprintf(f, "%.*s\n", (int)n, k);
				fclose(f);
			}
		}
		const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
		(void)!send(c, ok, sizeof(ok) - 1, MSG_NOSIGNAL);
		close(c);
	}
}


static void t_outbox(void **state)
{
	(void)state;
	tp_env e;
	char a[15], b[15], url[64], log[600];
	unsigned sent, failed;
	int64_t pending, total;
	tp_setup(&e);
	/* file drop first */
	tp_seal(&e, ES_KIND_OFFICIAL, 0, "福建省测试厅", 0, a);
	TU_OK(es_platform_outbox_count(e.p, "pending", &pending));
	assert_int_equal(pending, 2); /* public security + national platform */
	TU_OK(es_platform_outbox_deliver(e.p, &sent, &failed));
	assert_int_equal(sent, 2);
	TU_OK(es_platform_outbox_deliver(e.p, &sent, &failed));
	assert_int_equal(sent, 0);
	es_buf drop = ES_BUF_INIT;
	assert_int_equal(tu_run(&drop, "ls %s/outbox/psb %s/outbox/national | grep -c json", e.dir, e.dir), 0);
	TU_OK(es_buf_put(&drop, "", 1));
	assert_int_equal(strtol((const char *)drop.ptr, NULL, 10), 2);
	es_buf_release(&drop);
	/* HTTP: receiver down */
	int port = tp_free_port();
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/filing", port);
	snprintf(log, sizeof(log), "%s/received.txt", e.dir);
	es_platform_close(e.p);
	tp_open(&e, url);
	tp_seal(&e, ES_KIND_SPECIAL, ES_FUNC_CONTRACT, "福建省测试厅合同专用章", 0, b);
	char c[15];
	tp_seal(&e, ES_KIND_SPECIAL, ES_FUNC_FINANCE, "福建省测试厅财务专用章", 0, c);
	TU_OK(es_platform_outbox_deliver(e.p, &sent, &failed));
	assert_int_equal(sent, 0);
	assert_true(failed >= 1);
	TU_OK(es_platform_outbox_deliver(e.p, &sent, &failed)); /* backing off: nothing due */
	assert_int_equal(sent + failed, 0);
	/* receiver up; time passes beyond the backoff */
	int lfd = tp_listen_on(port);
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		receiver(lfd, log);
		_exit(0);
	}
	close(lfd);
	tp_now_days(1);
	unsigned total_sent = 0;
	for (int i = 0; i < 5; i++) {
		TU_OK(es_platform_outbox_deliver(e.p, &sent, &failed));
		total_sent += sent;
		assert_int_equal(failed, 0);
	}
	assert_int_equal(total_sent, 4);
	TU_OK(es_platform_outbox_count(e.p, "pending", &pending));
	assert_int_equal(pending, 0);
	TU_OK(es_platform_outbox_count(e.p, "sent", &total));
	assert_int_equal(total, 6);
	kill(child, SIGTERM);
	waitpid(child, NULL, 0);
	/* every filing arrived exactly once */
	es_buf keys = ES_BUF_INIT;
	assert_int_equal(tu_run(&keys, "sort %s | uniq -d | wc -l; wc -l < %s", log, log), 0);
	TU_OK(es_buf_put(&keys, "", 1));
	long dups = -1, lines = -1;
	assert_int_equal(sscanf((const char *)keys.ptr, "%ld %ld", &dups, &lines), 2);
	assert_int_equal(dups, 0);
	assert_int_equal(lines, 4);
	es_buf_release(&keys);
	tp_teardown(&e);
}

/* ---- concurrency ---------------------------------------------------------- */

static int child_make(tp_env *e, int n, int notify_fd)
{
	/* never close a connection inherited across fork (it belongs to the parent) */
	e->p = NULL;
	tp_open(e, NULL);
	for (int i = 0; i < n; i++) {
		es_app_form f = tp_form(e, ES_BIZ_APPLY, NULL);
		int64_t app;
		char esid[15];
		if (es_platform_app_create(e->p, e->applicant, &f, &app) < 0 ||
		    es_platform_app_submit(e->p, e->applicant, app) < 0 || es_platform_app_check(e->p, e->maker, app) < 0 ||
		    es_platform_app_review(e->p, e->reviewer, app, true, NULL) < 0 ||
		    es_platform_app_make(e->p, e->maker, app, esid) < 0) {
			fprintf(stderr, "child %d: %s\n", (int)getpid(), es_error_last()->message);
			return 1;
		}
		if (notify_fd >= 0 && write(notify_fd, "x", 1) != 1)
			return 1;
	}
	es_platform_close(e->p);
	e->p = NULL;
	return 0;
}

typedef struct count_ctx {
	int64_t n;
} count_ctx;

static int64_t count(es_store *st, const char *sql)
{
	int64_t n = -1;
	TU_OK(es_store_int(st, &n, sql, NULL, 0));
	return n;
}

/* Records consistent: every made application has its seal and filings, and vice versa. */
static void check_consistent(tp_env *e)
{
	es_store *st = NULL;
	TU_OK(es_store_open(&st, e->store));
	assert_int_equal(count(st, "SELECT COUNT(*) FROM applications a WHERE a.state IN ('made', 'filed', 'delivered') AND NOT EXISTS "
				   "(SELECT 1 FROM seals s WHERE s.esid = a.result_esid)"),
			 0);
	assert_int_equal(count(st, "SELECT COUNT(*) FROM seals s WHERE s.app_id IS NOT NULL AND NOT EXISTS "
				   "(SELECT 1 FROM applications a WHERE a.id = s.app_id AND a.state IN ('made', 'filed', 'delivered'))"),
			 0);
	assert_int_equal(count(st, "SELECT COUNT(*) FROM seals s WHERE (SELECT COUNT(*) FROM outbox o WHERE o.esid = "
				   "s.esid AND o.event = 'made') <> 2"),
			 0);
	assert_int_equal(count(st, "SELECT COUNT(*) FROM seals s WHERE NOT EXISTS (SELECT 1 FROM transitions t WHERE "
				   "t.object = 'seal' AND t.object_id = s.esid AND t.to_state = 'made')"),
			 0);
	assert_int_equal(count(st, "SELECT COUNT(*) FROM (SELECT esid FROM seals GROUP BY esid HAVING COUNT(*) > 1) d"), 0);
	/* the sequence counter never falls behind the codes handed out (never reused) */
	assert_true(count(st, "SELECT COUNT(*) FROM seals WHERE unit_id IS NOT NULL") <=
		    count(st, "SELECT COALESCE(SUM(value), 0) FROM counters WHERE name LIKE 'esid:%'"));
	es_store_close(st);
}

static void t_concurrency(void **state)
{
	(void)state;
	tp_env e;
	enum { PER = 6 };
	tp_setup(&e);
	pid_t kids[2];
	for (int k = 0; k < 2; k++) {
		kids[k] = fork();
		assert_true(kids[k] >= 0);
		if (kids[k] == 0)
			_exit(child_make(&e, PER, -1));
	}
	for (int k = 0; k < 2; k++) {
		int st = 0;
		assert_int_equal(waitpid(kids[k], &st, 0), kids[k]);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 0);
	}
	es_store *st = NULL;
	TU_OK(es_store_open(&st, e.store));
	assert_int_equal(count(st, "SELECT COUNT(*) FROM seals"), 2 * PER);
	assert_int_equal(count(st, "SELECT COUNT(DISTINCT esid) FROM seals"), 2 * PER);
	assert_int_equal(count(st, "SELECT COUNT(*) FROM applications WHERE state = 'made'"), 2 * PER);
	assert_int_equal(count(st, "SELECT COUNT(*) FROM outbox"), 4 * PER);
	es_store_close(st);
	check_consistent(&e);
	tp_teardown(&e);
}

/* ---- crash ------------------------------------------------------------------- */

static void t_crash_making(void **state)
{
	(void)state;
	tp_env e;
	int fds[2];
	tp_setup(&e);
	assert_int_equal(pipe(fds), 0);
	pid_t kid = fork();
	assert_true(kid >= 0);
	if (kid == 0) {
		close(fds[0]);
		_exit(child_make(&e, 1000, fds[1]));
	}
	close(fds[1]);
	char x;
	for (int i = 0; i < 3; i++)
		assert_int_equal(read(fds[0], &x, 1), 1);
	kill(kid, SIGKILL); /* somewhere in the middle of the next application */
	waitpid(kid, NULL, 0);
	close(fds[0]);
	check_consistent(&e);
	/* the platform opens and goes on */
	es_platform_close(e.p);
	tp_open(&e, NULL);
	char esid[15];
	tp_seal(&e, ES_KIND_OFFICIAL, 0, "福建省测试厅", 0, esid);
	check_consistent(&e);
	tp_teardown(&e);
}

static void t_crash_registry(void **state)
{
	(void)state;
	tp_env e;
	enum { N = 40 };
	tp_setup(&e);
	es_buf feed = ES_BUF_INIT;
	static const char cs[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
	static const int w[] = { 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28 };
	static const int ow[] = { 3, 7, 9, 10, 5, 8, 4, 2 };
	TU_OK(es_buf_puts(&feed, "name,credit_code,region,legal_rep\n"));
	for (int i = 0; i < N; i++) {
		char code[19];
		snprintf(code, sizeof(code), "91350100%08d", 20000000 + i);
		int s = 0;
		for (int k = 0; k < 8; k++)
			s += (code[8 + k] - '0') * ow[k];
		int c = 11 - s % 11;
		code[16] = c == 10 ? 'X' : c == 11 ? '0' : (char)('0' + c);
		s = 0;
		for (int k = 0; k < 17; k++)
			s += (int)(strchr(cs, code[k]) - cs) * w[k];
		code[17] = cs[(31 - s % 31) % 31];
		code[18] = 0;
		TU_OK(es_buf_printf(&feed, "导入公司%d,%s,350100,法人%d\n", i, code, i));
	}
	pid_t kid = fork();
	assert_true(kid >= 0);
	if (kid == 0) {
		es_registry_result rr;
		e.p = NULL; /* the parent's connection: not ours to close */
		tp_open(&e, NULL);
		_exit(es_platform_registry_import(e.p, e.sys, feed.ptr, feed.len, &rr) == 0 ? 0 : 1);
	}
	/* wait until a few entities are in, then kill -9 */
	es_store *st = NULL;
	TU_OK(es_store_open(&st, e.store));
	for (int spin = 0; spin < 100000; spin++) {
		if (count(st, "SELECT COUNT(*) FROM seals") >= 3)
			break;
		usleep(2000);
	}
	kill(kid, SIGKILL);
	waitpid(kid, NULL, 0);
	int64_t before = count(st, "SELECT COUNT(*) FROM seals");
	assert_true(before >= 3);
	assert_int_equal(count(st, "SELECT COUNT(*) FROM units u WHERE u.source = 'registry' AND NOT EXISTS "
				   "(SELECT 1 FROM seals s WHERE s.unit_id = u.id)"),
			 0); /* a unit is never left without its seal */
	es_store_close(st);
	/* rerun completes the import, nothing twice */
	es_registry_result rr;
	TU_OK(es_platform_registry_import(e.p, e.sys, feed.ptr, feed.len, &rr));
	assert_int_equal(rr.entities, N);
	assert_int_equal((int64_t)rr.skipped, before);
	TU_OK(es_store_open(&st, e.store));
	assert_int_equal(count(st, "SELECT COUNT(*) FROM seals WHERE state = 'active'"), N);
	assert_int_equal(count(st, "SELECT COUNT(*) FROM units WHERE source = 'registry'"), N);
	es_store_close(st);
	check_consistent(&e);
	es_buf_release(&feed);
	tp_teardown(&e);
}

static void t_store_basics(void **state)
{
	(void)state;
	tp_env e;
	tp_setup(&e);
	es_store *st = NULL;
	TU_OK(es_store_open(&st, e.store));
	assert_string_equal(es_store_backend(st), tp_backend);
	assert_true(es_store_schema_version(st) >= 1);
	/* a failed transaction leaves nothing */
	TU_OK(es_store_begin(st));
	int64_t v;
	TU_OK(es_store_next(st, &v, "scratch"));
	es_sval pv[2] = { ES_SV_S("k"), ES_SV_B("v", 1) };
	TU_OK(es_store_exec(st, "INSERT INTO settings (name, value) VALUES (?, ?)", pv, 2, NULL, NULL, NULL));
	es_store_rollback(st);
	assert_int_equal(count(st, "SELECT COUNT(*) FROM settings WHERE name = 'k'"), 0);
	/* bound parameters are data, never SQL */
	TU_OK(es_store_begin(st));
	es_sval inj[2] = { ES_SV_S("x'); DROP TABLE seals; --"), ES_SV_B("\0\1\2", 3) };
	TU_OK(es_store_exec(st, "INSERT INTO settings (name, value) VALUES (?, ?)", inj, 2, NULL, NULL, NULL));
	TU_OK(es_store_commit(st));
	assert_int_equal(count(st, "SELECT COUNT(*) FROM seals"), 0);
	/* one text: whole, cut to the buffer, an integer as digits, NULL as "", no row */
	char txt[8];
	es_sval nm[1] = { ES_SV_S("x'); DROP TABLE seals; --") };
	TU_OK(es_store_text(st, txt, sizeof(txt), "SELECT name FROM settings WHERE name = ?", nm, 1));
	assert_string_equal(txt, "x'); DR");
	TU_OK(es_store_text(st, txt, sizeof(txt), "SELECT 42", NULL, 0));
	assert_string_equal(txt, "42");
	TU_OK(es_store_text(st, txt, sizeof(txt), "SELECT NULL", NULL, 0));
	assert_string_equal(txt, "");
	assert_int_equal(es_store_text(st, txt, sizeof(txt), "SELECT name FROM settings WHERE name = 'none'", NULL, 0),
			 ES_ENOTFOUND);
	/* one blob: appended whole (NUL bytes kept), NULL as nothing, a text refused, no row */
	es_buf blob = ES_BUF_INIT;
	TU_OK(es_store_blob(st, &blob, "SELECT value FROM settings WHERE name = ?", nm, 1));
	assert_int_equal(blob.len, 3);
	assert_memory_equal(blob.ptr, "\0\1\2", 3);
	TU_OK(es_store_blob(st, &blob, "SELECT NULL", NULL, 0));
	assert_int_equal(blob.len, 3);
	assert_int_equal(es_store_blob(st, &blob, "SELECT name FROM settings WHERE name = ?", nm, 1), ES_EDB);
	assert_int_equal(es_store_blob(st, &blob, "SELECT value FROM settings WHERE name = 'none'", NULL, 0),
			 ES_ENOTFOUND);
	es_buf_release(&blob);
	/* foreign keys are enforced */
	TU_OK(es_store_begin(st));
	es_sval fk[1] = { ES_SV_S("999999") };
	assert_true(es_store_exec(st, "INSERT INTO regions (code, name, level, parent) VALUES ('350999', 'x', 3, ?)", fk, 1,
				  NULL, NULL, NULL) < 0);
	es_store_rollback(st);
	es_store_close(st);
	tp_teardown(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_store_basics), cmocka_unit_test(t_registry),       cmocka_unit_test(t_outbox),
		cmocka_unit_test(t_concurrency),  cmocka_unit_test(t_crash_making),   cmocka_unit_test(t_crash_registry),
	};
	return tp_main(tests, ES_ARRAY_LEN(tests), "platform-ops");
}
