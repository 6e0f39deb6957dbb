/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Webhooks (es_webhooks.h): subscriptions and their refusals; events of an application's life,
 * its seal and a batch job, delivered through the outbox to a loopback receiver that is down
 * first and then up: every event arrives once, in order, with a valid HMAC-SM3; another unit's
 * subscription hears nothing; a forged or replayed delivery fails the receiver's check; on
 * both backends. */
#include "tp.h"
#include "eseal/es_webhooks.h"
#include "eseal/es_jobs.h"
#include "platform/batch_int.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/prctl.h>
#include "tp.c.inc"

static char *header(char *buf, const char *name, char *out, size_t cap)
{
	char *h = strstr(buf, name);
	out[0] = 0;
	if (!h)
		return NULL;
	h += strlen(name);
	size_t n = strcspn(h, "\r\n");
	snprintf(out, cap, "%.*s", (int)(n < cap ? n : cap - 1), h);
	return out;
}

/* The receiver: checks each delivery as docs/webhooks.md shows and logs "ok|bad DELIVERY EVENT". */
static void receiver(int lfd, const char *log, const char *secret)
{
	for (;;) {
		int c = accept(lfd, NULL, NULL);
		if (c < 0)
			continue;
		char buf[16384];
		size_t got = 0;
		char *hdr_end = NULL;
		for (;;) {
			ssize_t r = recv(c, buf + got, sizeof(buf) - 1 - got, 0);
			if (r <= 0)
				break;
			got += (size_t)r;
			buf[got] = 0;
			hdr_end = strstr(buf, "\r\n\r\n");
			char *cl = strstr(buf, "Content-Length: ");
			if (hdr_end && cl && got >= (size_t)(hdr_end + 4 - buf) + strtoul(cl + 16, NULL, 10))
				break;
		}
		buf[got] = 0;
		char ts[32], sig[96], dl[96], ev[48];
		header(buf, "X-Eseal-Timestamp: ", ts, sizeof(ts));
		header(buf, "X-Eseal-Signature: ", sig, sizeof(sig));
		header(buf, "X-Eseal-Delivery: ", dl, sizeof(dl));
		header(buf, "X-Eseal-Event: ", ev, sizeof(ev));
		const char *body = hdr_end ? hdr_end + 4 : "";
		int ok = es_webhook_check(secret, ts, sig, (const uint8_t *)body, strlen(body), es_time_now());
		/* the body names the same delivery as the header */
		char want[128];
		snprintf(want, sizeof(want), "\"delivery\":\"%s\"", dl);
		FILE *f = fopen(log, "a");
		if (f) {
			fprintf(f, "%s %s %s\n", ok == 0 && strstr(body, want) ? "ok" : "bad", dl, ev);
			fclose(f);
		}
		const char resp[] = "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
		(void)!send(c, resp, sizeof(resp) - 1, MSG_NOSIGNAL);
		close(c);
	}
}


static int last_error_row(void *ctx, const es_sval *c, size_t n)
{
	if (n && c[0].type == ES_SV_TEXT)
		snprintf(ctx, 300, "%s", c[0].s);
	return 1;
}

static int64_t pending_hooks(tp_env *e)
{
	return tp_count(e, "SELECT COUNT(*) FROM outbox WHERE target = 'webhook' AND state = 'pending'");
}

static void t_webhooks(void **state)
{
	(void)state;
	tp_env e;
	char url[96], log[600], secret[ES_WEBHOOK_SECRET_LEN + 1], other_secret[ES_WEBHOOK_SECRET_LEN + 1], esid[15];
	int64_t hook, other;
	unsigned sent, failed;
	tp_setup(&e);
	int port = tp_free_port();
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/hooks/eseal", port);
	snprintf(log, sizeof(log), "%s/received.txt", e.dir);

	/* refusals and bad input */
	TP_DENIED(es_platform_webhook_add(e.p, e.applicant, url, "seal.status", e.unit, &hook, secret));
	assert_int_equal(es_platform_webhook_add(e.p, e.admin, "ftp://127.0.0.1/x", "seal.status", 0, &hook, secret), ES_EINVAL);
	assert_int_equal(es_platform_webhook_add(e.p, e.admin, "http://127.0.0.1/a b", "seal.status", 0, &hook, secret),
			 ES_EINVAL);
	assert_int_equal(es_platform_webhook_add(e.p, e.admin, url, "seal.stolen", 0, &hook, secret), ES_EINVAL);
	assert_int_equal(es_platform_webhook_add(e.p, e.admin, url, "", 0, &hook, secret), ES_EINVAL);
	assert_int_equal(es_platform_webhook_add(e.p, e.admin, url, "seal.status,", 0, &hook, secret), 0);
	TU_OK(es_platform_webhook_remove(e.p, e.admin, hook));
	assert_int_equal(es_platform_webhook_add(e.p, e.admin, url, "seal.status", 99999, &hook, secret), ES_ENOTFOUND);
	{
		char longurl[ES_WEBHOOK_URL_MAX + 32];
		memset(longurl, 'a', sizeof(longurl) - 1);
		memcpy(longurl, "http://", 7);
		longurl[sizeof(longurl) - 1] = 0;
		assert_int_equal(es_platform_webhook_add(e.p, e.admin, longurl, "seal.status", 0, &hook, secret), ES_EINVAL);
	}

	/* this unit's events to the receiver; another unit's subscription */
	TU_OK(es_platform_webhook_add(e.p, e.admin, url, "application.state,seal.status,job.finished", e.unit, &hook, secret));
	assert_int_equal(strlen(secret), ES_WEBHOOK_SECRET_LEN);
	assert_int_equal(strncmp(secret, "whsec_", 6), 0);
	TU_OK(es_platform_webhook_add(e.p, e.admin, url, "seal.status", e.unit_other, &other, other_secret));
	/* the secret is not stored in clear */
	{
		char q[200];
		snprintf(q, sizeof(q), "SELECT COUNT(*) FROM webhooks WHERE secret = '%s'", secret);
		assert_int_equal(tp_count(&e, q), 0);
	}
	/* an application through to an active seal, then a batch job of one document */
	tp_seal(&e, ES_KIND_OFFICIAL, 0, "福建省测试厅", 0, esid);
	{
		es_buf doc = ES_BUF_INIT;
		const char *lines[] = { "营业执照" };
		es_ofd_make_options mo = ES_OFD_MAKE_OPTIONS_INIT;
		mo.lines = lines;
		mo.nlines = 1;
		TU_OK(es_ofd_make(&doc, &mo));
		es_job_doc d = { "a.ofd", doc.ptr, doc.len };
		uint8_t mf[32];
		int64_t req, job;
		es_job_run_result rr;
		TU_OK(es_job_manifest(mf, &d, 1));
		TU_OK(es_platform_use_request(e.p, e.applicant, esid, mf, "批量", &req));
		TU_OK(es_platform_use_decide(e.p, tp_approver(&e), req, true, NULL));
		es_job_options o = ES_JOB_OPTIONS_INIT;
		o.esid = esid;
		o.request = req;
		TU_OK(es_platform_job_create(e.p, e.applicant, &o, &d, 1, &job, NULL));
		TU_OK(es_platform_job_run(e.p, e.applicant, job, NULL, false, &rr));
		assert_string_equal(rr.state, "done");
		es_buf_release(&doc);
	}
	int64_t n = pending_hooks(&e);
	char q[160];
	snprintf(q, sizeof(q), "SELECT COUNT(*) FROM outbox WHERE webhook_id = %lld", (long long)other);
	assert_int_equal(tp_count(&e, q), 0); /* another unit's subscription hears nothing */
	assert_true(n >= 6);
	assert_int_equal(tp_count(&e, "SELECT COUNT(*) FROM outbox WHERE target = 'webhook' AND event = 'job.finished'"), 1);
	assert_true(tp_count(&e, "SELECT COUNT(*) FROM outbox WHERE target = 'webhook' AND event = 'seal.status'") >= 2);

	/* the receiver is down: nothing arrives, the first event waits with its backoff */
	TU_OK(es_platform_outbox_deliver(e.p, &sent, &failed));
	assert_true(failed >= 1);
	assert_int_equal(pending_hooks(&e), n);
	TU_OK(es_platform_outbox_deliver(e.p, &sent, &failed));
	assert_int_equal(failed, 0); /* backing off */
	/* later events of the subscription were never tried before the first */
	assert_int_equal(tp_count(&e, "SELECT COUNT(*) FROM outbox WHERE target = 'webhook' AND attempts > 0"), 1);

	/* up, and time passes beyond the backoff */
	tp_now_days(3);
	int lfd = tp_listen_on(port);
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlives a failed test */
		receiver(lfd, log, secret);
		_exit(0);
	}
	close(lfd);
	for (int i = 0; i < n + 4 && pending_hooks(&e) > 0; i++) {
		TU_OK(es_platform_outbox_deliver(e.p, &sent, &failed));
		if (failed) {
			es_store *st = NULL;
			char err[300] = "";
			TU_OK(es_store_open(&st, e.store));
			TU_OK(es_store_exec(st, "SELECT last_error FROM outbox WHERE last_error IS NOT NULL ORDER BY id DESC LIMIT 1",
					    NULL, 0, last_error_row, err, NULL));
			es_store_close(st);
			fail_msg("delivery failed: %s", err);
		}
	}
	assert_int_equal(pending_hooks(&e), 0);
	kill(child, SIGTERM);
	waitpid(child, NULL, 0);

	/* every event once, in the order of the outbox, each with a valid HMAC */
	es_buf got = ES_BUF_INIT;
	TU_OK(es_file_read(&got, log, 1 << 20));
	TU_OK(es_buf_put(&got, "", 1));
	int64_t lines = 0, last = 0;
	for (char *s = (char *)got.ptr; *s;) {
		char *nl = strchr(s, '\n');
		if (!nl)
			break;
		*nl = 0;
		long long wid = 0, oid = 0;
		if (strncmp(s, "ok webhook-", 11) != 0 || sscanf(s + 11, "%lld-%lld", &wid, &oid) != 2)
			fail_msg("receiver: %s", s);
		assert_int_equal(wid, hook);
		if (oid <= last)
			fail_msg("out of order or twice: %lld after %lld", oid, (long long)last);
		last = oid;
		lines++;
		s = nl + 1;
	}
	assert_int_equal(lines, n);
	es_buf_release(&got);

	/* the receiver's check: altered body, wrong secret, old timestamp */
	{
		/* the value of docs/webhooks.md's openssl line:
		 * printf '1767225600.{"a":1}' | openssl mac -digest SM3 -macopt key:whsec_abc -binary HMAC | xxd -p -c 64 */
		char s1[ES_WEBHOOK_SIG_LEN + 1];
		TU_OK(es_webhook_sign(s1, "whsec_abc", "1767225600", (const uint8_t *)"{\"a\":1}", 7));
		assert_string_equal(s1, "hmac-sm3=d3c9c593c7949c2114062ea82c93511988122d6920e90d40b84807dc82cee091");
	}
	{
		char sig[ES_WEBHOOK_SIG_LEN + 1], ts[24];
		const char *body = "{\"event\":\"seal.status\"}";
		es_time now = es_time_now();
		snprintf(ts, sizeof(ts), "%lld", (long long)now);
		TU_OK(es_webhook_sign(sig, secret, ts, (const uint8_t *)body, strlen(body)));
		TU_OK(es_webhook_check(secret, ts, sig, (const uint8_t *)body, strlen(body), now));
		assert_int_equal(es_webhook_check(secret, ts, sig, (const uint8_t *)"{\"event\":\"seal.stolen\"}", 23, now),
				 ES_EVERIFY);
		assert_int_equal(es_webhook_check(other_secret, ts, sig, (const uint8_t *)body, strlen(body), now), ES_EVERIFY);
		assert_int_equal(es_webhook_check(secret, ts, sig, (const uint8_t *)body, strlen(body),
						  now + ES_WEBHOOK_TOLERANCE + 1),
				 ES_EEXPIRED);
		assert_int_equal(es_webhook_check(secret, "12x", sig, (const uint8_t *)body, strlen(body), now), ES_EVERIFY);
		assert_int_equal(es_webhook_check(secret, ts, "hmac-sm3=00", (const uint8_t *)body, strlen(body), now),
				 ES_EVERIFY);
		assert_int_equal(es_webhook_check(secret, NULL, sig, (const uint8_t *)body, strlen(body), now), ES_EVERIFY);
	}

	/* removed: its pending events are dropped */
	TP_DENIED(es_platform_webhook_remove(e.p, e.applicant, hook));
	TU_OK(es_platform_webhook_remove(e.p, e.admin, hook));
	assert_int_equal(es_platform_webhook_remove(e.p, e.admin, hook), ES_ENOTFOUND);
	{
		es_audit_report ar;
		TU_OK(es_platform_audit_verify(e.p, e.auditor, &ar));
	}
	tp_teardown(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_webhooks),
	};
	return tp_main(tests, ES_ARRAY_LEN(tests), "platform-webhooks");
}
