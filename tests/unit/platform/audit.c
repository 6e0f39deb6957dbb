/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The tamper-evident audit log on both backends: every change, use and sign-in is
 * chained; edits, deletions, reordering and a cut tail made directly in the
 * database are found and the first bad entry named. */
#include "tp.h"
#include "tp.c.inc"

/* Run one statement on the platform's database through a second connection. */
/* One audit entry: a refused sign-in of an unknown login (never locks a real account). */
static int refused_signin(es_platform *p)
{
	es_actor *a = NULL;
	es_credential c = { .kind = ES_AUTH_PASSWORD, .login = "nobody", .password = "Wrong-Passw0rd" };
	int err = es_platform_authenticate(p, &c, &a);
	es_actor_free(a);
	es_error_clear();
	return err;
}

static void tamper(tp_env *e, const char *sql)
{
	es_store *st = NULL;
	TU_OK(es_store_open(&st, e->store));
	TU_OK(es_store_exec(st, sql, NULL, 0, NULL, NULL, NULL));
	es_store_close(st);
}


/* A platform with some history: an active seal, a use, sign-ins. */
static void history(tp_env *e, char esid[15])
{
	int64_t id;
	tp_setup(e);
	tp_seal(e, ES_KIND_OFFICIAL, 0, "福建省测试厅", 0, esid);
	TU_OK(es_platform_seal_use(e->p, e->applicant, esid));
	es_actor *a = tp_actor(e, "applicant");
	id = es_actor_account(a);
	assert_int_equal(id, e->applicant_id);
	assert_int_equal(refused_signin(e->p), ES_EAUTH);
}

static void expect_bad(tp_env *e, int64_t first_bad)
{
	es_audit_report r;
	int err = es_platform_audit_verify(e->p, e->auditor, &r);
	if (err != ES_EVERIFY || r.first_bad != first_bad)
		fail_msg("expected first bad entry %lld, got %d / %lld (%s)", (long long)first_bad, err,
			 (long long)r.first_bad, r.problem);
}

static void t_intact(void **state)
{
	(void)state;
	tp_env e;
	char esid[15];
	es_audit_report r;
	history(&e, esid);
	/* every recorded transition has its audit entry, and so has each use and sign-in */
	assert_int_equal(tp_count(&e, "SELECT COUNT(*) FROM transitions"),
			 tp_count(&e, "SELECT COUNT(*) FROM audit_log WHERE event = 'transition'"));
	assert_int_equal(tp_count(&e, "SELECT COUNT(*) FROM audit_log WHERE event = 'use'"), 1);
	assert_int_equal(tp_count(&e, "SELECT COUNT(*) FROM usage_records"), 1);
	assert_int_equal(tp_count(&e, "SELECT COUNT(*) FROM audit_log WHERE event = 'api-key-created'"), (int64_t)e.nactors);
	assert_int_equal(tp_count(&e, "SELECT COUNT(*) FROM audit_log WHERE event = 'signin-failed'"), 1);
	TU_OK(es_platform_audit_verify(e.p, e.auditor, &r));
	assert_int_equal(r.first_bad, 0);
	assert_true(r.entries >= 8);
	assert_true(r.checkpoints >= 1); /* every 8 entries in the fixture */
	/* only auditors and administrators read it */
	TP_DENIED(es_platform_audit_verify(e.p, e.applicant, &r));
	TP_DENIED(es_platform_audit_verify(e.p, e.maker, &r));
	TU_OK(es_platform_audit_verify(e.p, e.admin, &r));
	/* refusals by the role table are recorded too, after their rollback */
	TP_DENIED(es_platform_region_add(e.p, e.applicant, "350200", "厦门市"));
	assert_true(tp_count(&e, "SELECT COUNT(*) FROM audit_log WHERE event = 'denied' AND actor = " "0") == 0);
	assert_true(tp_count(&e, "SELECT COUNT(*) FROM audit_log WHERE event = 'denied'") >= 3);
	TU_OK(es_platform_audit_verify(e.p, e.auditor, &r));
	/* a checkpoint on close; reopen verifies */
	es_platform_close(e.p);
	tp_open(&e, NULL);
	TU_OK(es_platform_audit_verify(e.p, e.auditor, &r));
	assert_true(tp_count(&e, "SELECT COUNT(*) FROM audit_checkpoints WHERE seq = (SELECT MAX(seq) FROM audit_log)") == 1);
	tp_teardown(&e);
}

static void t_edit(void **state)
{
	(void)state;
	tp_env e;
	char esid[15];
	history(&e, esid);
	tamper(&e, "UPDATE audit_log SET detail = 'nothing happened' WHERE seq = 5");
	expect_bad(&e, 5);
	tp_teardown(&e);
}

static void t_edit_and_rehash(void **state)
{
	(void)state;
	tp_env e;
	char esid[15];
	history(&e, esid);
	/* changing the actor and recomputing is not possible without SM3 in SQL; a copied hash breaks the chain */
	tamper(&e, "UPDATE audit_log SET actor = 999 WHERE seq = 3");
	expect_bad(&e, 3);
	tp_teardown(&e);
}

static void t_delete(void **state)
{
	(void)state;
	tp_env e;
	char esid[15];
	history(&e, esid);
	tamper(&e, "DELETE FROM audit_log WHERE seq = 4");
	expect_bad(&e, 4);
	tp_teardown(&e);
}

static void t_delete_renumbered(void **state)
{
	(void)state;
	tp_env e;
	char esid[15];
	history(&e, esid);
	/* delete entry 4 and close the gap: entry 5 becomes 4 */
	tamper(&e, "DELETE FROM audit_log WHERE seq = 4");
	tamper(&e, "UPDATE audit_log SET seq = seq - 1 WHERE seq = 5");
	expect_bad(&e, 4);
	tp_teardown(&e);
}

static void t_reorder(void **state)
{
	(void)state;
	tp_env e;
	char esid[15];
	history(&e, esid);
	tamper(&e, "UPDATE audit_log SET seq = -6 WHERE seq = 6");
	tamper(&e, "UPDATE audit_log SET seq = 6 WHERE seq = 7");
	tamper(&e, "UPDATE audit_log SET seq = 7 WHERE seq = -6");
	expect_bad(&e, 6);
	tp_teardown(&e);
}

static void t_truncate(void **state)
{
	(void)state;
	tp_env e;
	char esid[15];
	history(&e, esid);
	int64_t last = tp_count(&e, "SELECT MAX(seq) FROM audit_log");
	tamper(&e, "DELETE FROM audit_log WHERE seq > (SELECT MAX(seq) - 3 FROM audit_log)");
	expect_bad(&e, last - 2);
	tp_teardown(&e);
}

static void t_truncate_covered(void **state)
{
	(void)state;
	tp_env e;
	char esid[15];
	history(&e, esid);
	/* shut down (checkpoint over the head), then cut the tail and fix the counter too */
	es_platform_close(e.p);
	e.p = NULL;
	int64_t last = tp_count(&e, "SELECT MAX(seq) FROM audit_log");
	tamper(&e, "DELETE FROM audit_log WHERE seq > (SELECT MAX(seq) - 2 FROM audit_log)");
	tamper(&e, "UPDATE counters SET value = (SELECT MAX(seq) FROM audit_log) WHERE name = 'audit'");
	tp_open(&e, NULL);
	expect_bad(&e, last - 1);
	tp_teardown(&e);
}

static void t_forged_checkpoint(void **state)
{
	(void)state;
	tp_env e;
	char esid[15];
	history(&e, esid);
	tamper(&e, "UPDATE audit_checkpoints SET at = at + 1 WHERE seq = 8");
	expect_bad(&e, 8);
	tp_teardown(&e);
}

/* ---- forgeries by someone who can write the database (and computes SM3) ---- */

typedef struct row {
	int64_t seq, at, actor;
	char *event, *object, *object_id, *detail;
} row;

typedef struct rows {
	row *v;
	size_t n;
} rows;

static char *dup_col(const es_sval *c)
{
	char *s = calloc(1, c->len + 1);
	assert_non_null(s);
	if (c->type == ES_SV_TEXT)
		memcpy(s, c->s, c->len);
	return s;
}

static int row_fn(void *vctx, const es_sval *c, size_t n)
{
	rows *r = vctx;
	assert_true(n >= 7);
	r->v = realloc(r->v, (r->n + 1) * sizeof(row));
	assert_non_null(r->v);
	row *x = &r->v[r->n++];
	x->seq = c[0].i;
	x->at = c[1].i;
	x->actor = c[2].i;
	x->event = dup_col(&c[3]);
	x->object = dup_col(&c[4]);
	x->object_id = dup_col(&c[5]);
	x->detail = dup_col(&c[6]);
	return 0;
}

static int blob_fn(void *vctx, const es_sval *c, size_t n)
{
	es_buf *b = vctx;
	assert_true(n >= 1 && c[0].type == ES_SV_BLOB);
	TU_OK(es_buf_put(b, c[0].b, c[0].len));
	return 1;
}

/* Recompute the SM3 chain from entry @p from onward, as a forger would. */
static void rehash_from(tp_env *e, int64_t from)
{
	es_store *st = NULL;
	rows r = { NULL, 0 };
	uint8_t prev[32] = { 0 };
	TU_OK(es_store_open(&st, e->store));
	/* from the predecessor on: its hash (recomputed, as it is untouched) starts the chain */
	es_sval fv[1] = { ES_SV_I(from - 1) };
	TU_OK(es_store_exec(st, "SELECT seq, at, actor, event, object, object_id, detail FROM audit_log WHERE seq >= ? "
				"ORDER BY seq",
			    fv, 1, row_fn, &r, NULL));
	assert_true(r.n >= 1);
	for (size_t i = 0; i < r.n; i++) {
		es_audit_entry a;
		es_buf b = ES_BUF_INIT;
		uint8_t h[32];
		memset(&a, 0, sizeof(a));
		a.seq = r.v[i].seq;
		a.at = r.v[i].at;
		a.actor = r.v[i].actor;
		a.event = r.v[i].event;
		a.object = r.v[i].object;
		a.object_id = r.v[i].object_id;
		a.detail = r.v[i].detail;
		memcpy(a.prev_hash, prev, 32);
		if (a.seq < from) {
			/* the untouched predecessor: read its own prev_hash to recompute its hash */
			es_sval pv[1] = { ES_SV_I(a.seq) };
			es_buf ph = ES_BUF_INIT;
			TU_OK(es_store_exec(st, "SELECT prev_hash FROM audit_log WHERE seq = ?", pv, 1, blob_fn, &ph, NULL));
			assert_int_equal(ph.len, 32);
			memcpy(a.prev_hash, ph.ptr, 32);
			es_buf_release(&ph);
		}
		TU_OK(es_audit_entry_encode(&b, &a));
		TU_OK(es_sm3(h, b.ptr, b.len));
		es_buf_release(&b);
		if (a.seq >= from) {
			es_sval pv[3] = { ES_SV_B(prev, 32), ES_SV_B(h, 32), ES_SV_I(a.seq) };
			TU_OK(es_store_exec(st, "UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = ?", pv, 3, NULL, NULL,
					    NULL));
		}
		memcpy(prev, h, 32);
		free(r.v[i].event);
		free(r.v[i].object);
		free(r.v[i].object_id);
		free(r.v[i].detail);
	}
	free(r.v);
	es_store_close(st);
}

static void expect_problem(tp_env *e, int64_t first_bad, const char *words)
{
	es_audit_report r;
	expect_bad(e, first_bad);
	TU_OK(es_platform_audit_verify(e->p, e->admin, &r) == ES_EVERIFY ? 0 : -1);
	if (!strstr(r.problem, words))
		fail_msg("expected '%s' in: %s", words, r.problem);
}

/* A head that is not on a checkpoint (the fixture checkpoints every 8 entries). */
static int64_t head_off_checkpoint(tp_env *e)
{
	if (tp_count(e, "SELECT MAX(seq) FROM audit_log") % 8 == 0)
		assert_int_equal(refused_signin(e->p), ES_EAUTH);
	return tp_count(e, "SELECT MAX(seq) FROM audit_log");
}

/* Each checkpoint carries the platform TSA's time stamp over its message. */
static void t_checkpoint_time_stamp(void **state)
{
	(void)state;
	tp_env e;
	char esid[15];
	history(&e, esid);
	assert_int_equal(tp_count(&e, "SELECT COUNT(*) FROM audit_checkpoints WHERE tst IS NULL"), 0);
	tamper(&e, "UPDATE audit_checkpoints SET tst = NULL WHERE seq = 8");
	expect_problem(&e, 8, "no time stamp");
	/* another checkpoint's token does not cover this one */
	tamper(&e, "UPDATE audit_checkpoints SET tst = (SELECT tst FROM audit_checkpoints WHERE seq = 16) WHERE seq = 8");
	expect_problem(&e, 8, "a time stamp that does not verify");
	tp_teardown(&e);
}

static void t_forge_delete_checkpoints(void **state)
{
	(void)state;
	tp_env e;
	char esid[15];
	history(&e, esid);
	assert_true(tp_count(&e, "SELECT MAX(seq) FROM audit_log") > 16);
	tamper(&e, "DELETE FROM audit_checkpoints");
	/* one was due over entry 8 */
	expect_problem(&e, 8, "one is due every 8 entries");
	tp_teardown(&e);
}

static void t_forge_rewrite_tail(void **state)
{
	(void)state;
	tp_env e;
	char esid[15];
	history(&e, esid);
	int64_t last = head_off_checkpoint(&e);
	assert_true(last > 16);
	/* edit entry 13, recompute the chain onward, delete the checkpoints from 13 */
	tamper(&e, "UPDATE audit_log SET detail = 'nothing happened' WHERE seq = 13");
	rehash_from(&e, 13);
	tamper(&e, "DELETE FROM audit_checkpoints WHERE seq >= 13");
	/* the checkpoint due over entry 16 is missing (and the anchor file disagrees further on) */
	expect_problem(&e, 16, "one is due every 8 entries");
	tp_teardown(&e);
}

static void t_forge_rewrite_tail_and_close(void **state)
{
	(void)state;
	tp_env e;
	char esid[15];
	history(&e, esid);
	int64_t last = head_off_checkpoint(&e);
	/* cut the log to 12 entries with the checkpoints beyond 8 and fix the counter: what is left is
	 * consistent, only the anchor file beside the database still knows the old head */
	es_platform_close(e.p);
	e.p = NULL;
	int64_t anchored = tp_count(&e, "SELECT MAX(seq) FROM audit_checkpoints");
	assert_true(anchored >= last);
	tamper(&e, "DELETE FROM audit_checkpoints WHERE seq > 8");
	tamper(&e, "DELETE FROM audit_log WHERE seq > 12");
	tamper(&e, "UPDATE counters SET value = 12 WHERE name = 'audit'");
	tp_open(&e, NULL);
	char words[64];
	snprintf(words, sizeof(words), "entries 13 to %lld are missing", (long long)anchored);
	expect_problem(&e, 13, words);
	/* the platform carries on past the anchored entry: the anchor file keeps the evidence */
	for (int64_t i = 0; i <= anchored; i++) {
		assert_int_equal(refused_signin(e.p), ES_EAUTH);
	}
	es_platform_close(e.p);
	tp_open(&e, NULL);
	snprintf(words, sizeof(words), "entry %lld differs from the anchor", (long long)anchored);
	expect_problem(&e, anchored, words);
	tp_teardown(&e);
}

static void t_forge_backwards_time(void **state)
{
	(void)state;
	tp_env e;
	char esid[15];
	history(&e, esid);
	int64_t last = head_off_checkpoint(&e);
	/* back-date the last entry (after the last checkpoint) and recompute its hash */
	char sql[128];
	snprintf(sql, sizeof(sql), "UPDATE audit_log SET at = at - 86400 WHERE seq = %lld", (long long)last);
	tamper(&e, sql);
	rehash_from(&e, last);
	expect_problem(&e, last, "time never runs backwards");
	tp_teardown(&e);
}

/* The writer keeps time monotonic although the clock steps back. */
static void t_clock_steps_back(void **state)
{
	(void)state;
	tp_env e;
	char esid[15];
	es_audit_report r;
	history(&e, esid);
	tp_now("2025-06-01T00:00:00Z");
	assert_int_equal(refused_signin(e.p), ES_EAUTH);
	TU_OK(es_platform_audit_verify(e.p, e.auditor, &r));
	assert_int_equal(tp_count(&e, "SELECT COUNT(*) FROM audit_log a JOIN audit_log b ON b.seq = a.seq + 1 WHERE b.at < a.at"),
			 0);
	tp_teardown(&e);
}

static void t_anchor(void **state)
{
	(void)state;
	tp_env e, other;
	char esid[15];
	es_audit_report r;
	es_audit_anchor *a = calloc(2, sizeof(*a));
	es_buf json = ES_BUF_INIT;
	assert_non_null(a);
	history(&e, esid);
	TP_DENIED(es_platform_audit_anchor(e.p, e.applicant, &a[0]));
	TU_OK(es_platform_audit_anchor(e.p, e.auditor, &a[0]));
	assert_int_equal(a[0].seq, tp_count(&e, "SELECT MAX(seq) FROM audit_log"));
	assert_true(a[0].tst_len > 0 && a[0].sig_len > 0);
	/* JSON round trip */
	TU_OK(es_audit_anchor_json(&json, &a[0]));
	TU_OK(es_audit_anchor_parse(&a[1], json.ptr, json.len));
	assert_memory_equal(&a[0], &a[1], sizeof(a[0]));
	for (size_t n = 0; n + 1 < json.len; n += 7) /* all but the closing "}\n" */
		assert_true(es_audit_anchor_parse(&a[1], json.ptr, n) < 0);
	TU_OK(es_platform_audit_verify_anchor(e.p, e.auditor, &a[0], &r));
	/* the log grows: it still extends the anchor */
	assert_int_equal(refused_signin(e.p), ES_EAUTH);
	TU_OK(es_platform_audit_verify_anchor(e.p, e.auditor, &a[0], &r));
	/* an edited anchor is refused */
	a[1] = a[0];
	a[1].hash[0] ^= 1;
	assert_int_equal(es_platform_audit_verify_anchor(e.p, e.auditor, &a[1], &r), ES_EVERIFY);
	/* another platform's anchor is refused */
	history(&other, esid);
	assert_int_equal(es_platform_audit_verify_anchor(other.p, other.auditor, &a[0], &r), ES_EVERIFY);
	tp_teardown(&other);
	/* rewritten from entry 13 with the checkpoints and the anchor file gone: the anchor kept elsewhere
	 * still shows it */
	int64_t last = head_off_checkpoint(&e);
	(void)last;
	tamper(&e, "UPDATE audit_log SET detail = 'nothing happened' WHERE seq = 13");
	rehash_from(&e, 13);
	tamper(&e, "DELETE FROM audit_checkpoints WHERE seq >= 13");
	char path[600];
	snprintf(path, sizeof(path), "%s/audit-anchor.json", e.dir);
	assert_int_equal(unlink(path), 0);
	int err = es_platform_audit_verify_anchor(e.p, e.auditor, &a[0], &r);
	assert_int_equal(err, ES_EVERIFY);
	assert_true(r.first_bad >= 13 && r.first_bad <= a[0].seq);
	free(a);
	es_buf_release(&json);
	tp_teardown(&e);
}

/* The clock is an option of the platform: every date comes from it. */
static es_time fixed_clock(void *ctx)
{
	return *(const es_time *)ctx;
}

static void t_clock_option(void **state)
{
	(void)state;
	tp_env e;
	es_time t;
	int64_t id;
	es_platform_options o = ES_PLATFORM_OPTIONS_INIT;
	memset(&e, 0, sizeof(e));
	assert_int_equal(es_time_parse(&t, "2031-05-06T07:08:09Z"), 0);
	snprintf(e.dir, sizeof(e.dir), "%s", tu_tmpdir());
	tp_store_uri(e.store, sizeof(e.store), e.dir);
	o.store = e.store;
	o.dir = e.dir;
	o.master_key = (const uint8_t *)"0123456789abcdef0123456789abcdef";
	o.clock = fixed_clock;
	o.clock_ctx = &t;
	TU_OK(es_platform_open(&e.p, &o));
	TU_OK(es_actor_system(&e.sys));
	TU_OK(es_platform_account_add(e.p, e.sys, "admin", ES_ROLE_SYSADMIN, 0, NULL, &id));
	assert_int_equal(refused_signin(e.p), ES_EAUTH);
	assert_int_equal(tp_count(&e, "SELECT COUNT(*) FROM audit_log WHERE at <> 1935817689"), 0);
	assert_int_equal(tp_count(&e, "SELECT COUNT(*) FROM accounts WHERE created_at = 1935817689"), 1);
	tp_teardown(&e);
}

static void t_encoding(void **state)
{
	(void)state;
	es_audit_entry a;
	es_audit_view v;
	es_buf b = ES_BUF_INIT;
	memset(&a, 0, sizeof(a));
	a.seq = 42;
	a.at = 1767225600;
	a.actor = 7;
	a.event = "use";
	a.object = "seal";
	a.object_id = "35000000000001";
	a.detail = "";
	memset(a.prev_hash, 0xab, 32);
	TU_OK(es_audit_entry_encode(&b, &a));
	/* "ES-AUDIT-1" + 3 x 8 + 4 x (4 + len) + 32 */
	assert_int_equal(b.len, 10 + 24 + 4 + 3 + 4 + 4 + 4 + 14 + 4 + 0 + 32);
	assert_memory_equal(b.ptr, "ES-AUDIT-1", 10);
	TU_OK(es_audit_entry_decode(&v, b.ptr, b.len));
	assert_int_equal(v.e.seq, 42);
	assert_int_equal(v.e.actor, 7);
	assert_int_equal(v.object_id_len, 14);
	assert_memory_equal(v.e.object_id, "35000000000001", 14);
	assert_memory_equal(v.e.prev_hash, a.prev_hash, 32);
	for (size_t n = 0; n < b.len; n++)
		assert_true(es_audit_entry_decode(&v, b.ptr, n) < 0);
	es_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_encoding),	    cmocka_unit_test(t_intact),	  cmocka_unit_test(t_edit),
		cmocka_unit_test(t_edit_and_rehash), cmocka_unit_test(t_delete),	  cmocka_unit_test(t_delete_renumbered),
		cmocka_unit_test(t_reorder),	    cmocka_unit_test(t_truncate), cmocka_unit_test(t_truncate_covered),
		cmocka_unit_test(t_forged_checkpoint), cmocka_unit_test(t_checkpoint_time_stamp),
		cmocka_unit_test(t_forge_delete_checkpoints),
		cmocka_unit_test(t_forge_rewrite_tail), cmocka_unit_test(t_forge_rewrite_tail_and_close),
		cmocka_unit_test(t_forge_backwards_time), cmocka_unit_test(t_clock_steps_back), cmocka_unit_test(t_anchor),
		cmocka_unit_test(t_clock_option),
	};
	return tp_main(tests, ES_ARRAY_LEN(tests), "platform-audit");
}
