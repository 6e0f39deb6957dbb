/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Batch sealing jobs (es_jobs.h): the manifest and its use request, bad input, the refusals,
 * continue on error, a dead worker's claim taken over (after its lease, or at once with
 * reclaim) with every item sealed exactly once, a lost claim committing nothing, cancel;
 * on both backends. The kill -9 of real processes: tests/cli/platform_batch.sh. */
#include "tp.h"
#include "eseal/es_jobs.h"
#include "eseal/es_read.h"
#include "eseal/es_crypto.h"
#include "eseal/es_pki.h"
#include "eseal/es_ofd.h"
#include "eseal/es_pdf.h"
#include "eseal/es_verify.h"
#include "platform/batch_int.h"
#include "tp.c.inc"

static void make_ofd(es_buf *out, const char *line)
{
	const char *lines[] = { "营业执照", line };
	es_ofd_make_options mo = ES_OFD_MAKE_OPTIONS_INIT;
	mo.lines = lines;
	mo.nlines = 2;
	TU_OK(es_ofd_make(out, &mo));
}

static void sql(tp_env *e, const char *stmt)
{
	es_store *st = NULL;
	TU_OK(es_store_open(&st, e->store));
	TU_OK(es_store_exec(st, stmt, NULL, 0, NULL, NULL, NULL));
	es_store_close(st);
}

typedef struct docs {
	es_buf b[4];
	es_job_doc d[4];
} docs;

/* three licences and one file that is no document */
static void docs_make(docs *x)
{
	static const char *const names[] = { "a.ofd", "b.ofd", "c.ofd", "notes.txt" };
	for (int i = 0; i < 3; i++) {
		char line[32];
		snprintf(line, sizeof(line), "第 %d 号", i + 1);
		es_buf_init(&x->b[i], 0);
		make_ofd(&x->b[i], line);
	}
	es_buf_init(&x->b[3], 0);
	TU_OK(es_buf_puts(&x->b[3], "not a document"));
	for (int i = 0; i < 4; i++) {
		x->d[i].name = names[i];
		x->d[i].doc = x->b[i].ptr;
		x->d[i].len = x->b[i].len;
	}
}

static void docs_free(docs *x)
{
	for (int i = 0; i < 4; i++)
		es_buf_release(&x->b[i]);
}

static int64_t approved_for(tp_env *e, es_actor *appr, const char *esid, const uint8_t h[32])
{
	int64_t req;
	TU_OK(es_platform_use_request(e->p, e->applicant, esid, h, "电子证照批量", &req));
	TU_OK(es_platform_use_decide(e->p, appr, req, true, NULL));
	return req;
}

static int64_t usage_of(tp_env *e, int64_t req)
{
	char q[128];
	snprintf(q, sizeof(q), "SELECT COUNT(*) FROM usage_records WHERE request_id = %lld", (long long)req);
	return tp_count(e, q);
}

static void t_job(void **state)
{
	(void)state;
	tp_env e;
	char esid[15];
	docs x;
	int64_t job, req, other;
	uint8_t mf[32], want[32];
	es_job_info info;
	es_job_run_result rr;
	tp_setup(&e);
	es_actor *appr = tp_approver(&e);
	tp_seal(&e, ES_KIND_OFFICIAL, 0, "福建省测试厅", 0, esid);
	docs_make(&x);
	es_job_options o = ES_JOB_OPTIONS_INIT;
	o.esid = esid;
	o.x_mm = 100;
	o.y_mm = 120;

	/* bad input */
	assert_int_equal(es_platform_job_create(e.p, e.applicant, &o, x.d, 0, &job, mf), ES_ELIMIT);
	{
		es_job_doc bad[2] = { x.d[0], x.d[1] };
		bad[1].name = "../b.ofd";
		assert_int_equal(es_platform_job_create(e.p, e.applicant, &o, bad, 2, &job, mf), ES_EINVAL);
		bad[1].name = "";
		assert_int_equal(es_platform_job_create(e.p, e.applicant, &o, bad, 2, &job, mf), ES_EINVAL);
		bad[1].name = NULL;
		assert_int_equal(es_platform_job_create(e.p, e.applicant, &o, bad, 2, &job, mf), ES_EINVAL);
		bad[1].name = "tab\there";
		assert_int_equal(es_platform_job_create(e.p, e.applicant, &o, bad, 2, &job, mf), ES_EINVAL);
		bad[1].name = "b.ofd";
		bad[1].len = ES_JOB_MAX_DOC + 1;
		assert_int_equal(es_platform_job_create(e.p, e.applicant, &o, bad, 2, &job, mf), ES_ELIMIT);
		es_job_options bo = o;
		bo.esid = "123";
		assert_int_equal(es_platform_job_create(e.p, e.applicant, &bo, x.d, 4, &job, mf), ES_EINVAL);
		bo = o;
		bo.place = ES_DOC_PLACE_KEYWORD;
		assert_int_equal(es_platform_job_create(e.p, e.applicant, &bo, x.d, 4, &job, mf), ES_EINVAL);
		bo = o;
		bo.place = (es_doc_place)7;
		assert_int_equal(es_platform_job_create(e.p, e.applicant, &bo, x.d, 4, &job, mf), ES_EINVAL);
		bo = o;
		bo.x_mm = -1;
		assert_int_equal(es_platform_job_create(e.p, e.applicant, &bo, x.d, 4, &job, mf), ES_EINVAL);
		bo = o;
		bo.version = 9;
		assert_int_equal(es_platform_job_create(e.p, e.applicant, &bo, x.d, 4, &job, mf), ES_EINVAL);
	}
	/* roles and units */
	TP_DENIED(es_platform_job_create(e.p, e.reviewer, &o, x.d, 4, &job, mf));
	TP_DENIED(es_platform_job_create(e.p, e.applicant_other, &o, x.d, 4, &job, mf));
	assert_int_equal(tp_count(&e, "SELECT COUNT(*) FROM jobs"), 0);

	TU_OK(es_platform_job_create(e.p, e.applicant, &o, x.d, 4, &job, mf));
	TU_OK(es_job_manifest(want, x.d, 4));
	assert_memory_equal(mf, want, 32);
	TU_OK(es_platform_job_get(e.p, e.applicant, job, &info));
	assert_string_equal(info.state, "queued");
	assert_int_equal(info.total, 4);
	assert_int_equal(info.pending, 4);
	assert_int_equal(info.request, 0);
	TP_DENIED(es_platform_job_get(e.p, e.applicant_other, job, &info));
	assert_int_equal(es_platform_job_get(e.p, e.applicant, job + 100, &info), ES_ENOTFOUND);

	/* no request yet; a request of another document; not approved; not the owner */
	assert_int_equal(es_platform_job_run(e.p, e.applicant, job, NULL, false, &rr), ES_ESTATE);
	{
		uint8_t h[32];
		TU_OK(es_sm3(h, x.b[0].ptr, x.b[0].len));
		other = approved_for(&e, appr, esid, h);
	}
	assert_int_equal(es_platform_job_authorise(e.p, e.applicant, job, other), ES_EDENIED);
	assert_non_null(strstr(es_error_last()->message, "manifest"));
	TU_OK(es_platform_use_request(e.p, e.applicant, esid, mf, "电子证照批量", &req));
	assert_int_equal(es_platform_job_authorise(e.p, e.applicant, job, req), ES_ESTATE);
	TU_OK(es_platform_use_decide(e.p, appr, req, true, NULL));
	TP_DENIED(es_platform_job_authorise(e.p, appr, job, req));
	assert_int_equal(es_platform_job_authorise(e.p, e.applicant, job, 0), ES_EINVAL);
	TU_OK(es_platform_job_authorise(e.p, e.applicant, job, req));
	assert_int_equal(es_platform_job_authorise(e.p, e.applicant, job, req), ES_ESTATE);
	{
		char st[16];
		TU_OK(es_platform_use_state(e.p, req, st, sizeof(st)));
		assert_string_equal(st, "used");
	}
	/* the request cannot also seal one document */
	{
		es_seal_document_options so = ES_SEAL_DOCUMENT_OPTIONS_INIT;
		es_buf out = ES_BUF_INIT;
		so.esid = esid;
		so.request = req;
		assert_int_equal(es_platform_seal_document(e.p, e.applicant, &so, x.b[0].ptr, x.b[0].len, &out, NULL),
				 ES_EDENIED);
		es_buf_release(&out);
	}
	/* another account may not run it; the system account (ES_ACT_JOBS) may */
	TP_DENIED(es_platform_job_run(e.p, e.applicant_other, job, NULL, false, &rr));

	/* run: three sealed, the non-document failed alone */
	TU_OK(es_platform_job_run(e.p, e.applicant, job, NULL, false, &rr));
	assert_int_equal(rr.sealed, 3);
	assert_int_equal(rr.failed, 1);
	assert_string_equal(rr.state, "done");
	TU_OK(es_platform_job_get(e.p, e.sys, job, &info));
	assert_int_equal(info.done, 3);
	assert_int_equal(info.failed, 1);
	assert_int_equal(info.pending + info.sealing, 0);
	assert_true(info.finished_at > 0);
	assert_int_equal(usage_of(&e, req), 3);
	for (int64_t seq = 1; seq <= 4; seq++) {
		es_job_item it;
		es_buf sealed = ES_BUF_INIT;
		uint8_t h[32];
		TU_OK(es_platform_job_item(e.p, e.applicant, job, seq, &it, &sealed));
		assert_string_equal(it.name, x.d[seq - 1].name);
		TU_OK(es_sm3(h, x.b[seq - 1].ptr, x.b[seq - 1].len));
		assert_memory_equal(it.in_sm3, h, 32);
		if (seq < 4) {
			assert_string_equal(it.state, "done");
			assert_true(it.usage_id > 0);
			TU_OK(es_sm3(h, sealed.ptr, sealed.len));
			assert_memory_equal(it.out_sm3, h, 32);
			tp_verifies(&e, &sealed, 1);
		} else {
			assert_string_equal(it.state, "failed");
			assert_non_null(strstr(it.error, "neither"));
			assert_int_equal(sealed.len, 0);
		}
		es_buf_release(&sealed);
	}
	assert_int_equal(es_platform_job_item(e.p, e.applicant, job, 5, &(es_job_item){ 0 }, NULL), ES_ENOTFOUND);
	{
		es_buf js = ES_BUF_INIT;
		TU_OK(es_platform_job_json(e.p, e.applicant, job, &js));
		TU_OK(es_buf_put(&js, "", 1));
		assert_non_null(strstr((const char *)js.ptr, "\"state\":\"done\""));
		assert_non_null(strstr((const char *)js.ptr, "\"name\":\"notes.txt\""));
		es_buf_release(&js);
	}
	/* the results as a zip, read back as a job's documents; damaged zips are refused */
	{
		es_buf zip = ES_BUF_INIT;
		es_job_docs d;
		TP_DENIED(es_platform_job_results_zip(e.p, e.applicant_other, job, &zip));
		TU_OK(es_platform_job_results_zip(e.p, e.applicant, job, &zip));
		TU_OK(es_job_docs_from_zip(&d, zip.ptr, zip.len));
		assert_int_equal(d.n, 4); /* three sealed copies and results.json */
		assert_string_equal(d.v[0].name, "a.ofd");
		assert_string_equal(d.v[3].name, "results.json");
		{
			es_job_item it;
			es_buf sealed = ES_BUF_INIT;
			TU_OK(es_platform_job_item(e.p, e.applicant, job, 1, &it, &sealed));
			assert_int_equal(d.v[0].len, sealed.len);
			assert_memory_equal(d.v[0].doc, sealed.ptr, sealed.len);
			es_buf_release(&sealed);
		}
		es_job_docs_free(&d);
		assert_int_equal(es_job_docs_from_zip(&d, zip.ptr, zip.len / 2), ES_EMALFORMED);
		assert_int_equal(es_job_docs_from_zip(&d, zip.ptr, 0), ES_EMALFORMED);
		assert_int_equal(es_job_docs_from_zip(&d, (const uint8_t *)"PK", 2), ES_EMALFORMED);
		assert_int_equal(es_job_docs_from_zip(&d, x.b[3].ptr, x.b[3].len), ES_EMALFORMED);
		/* a byte of the first entry's data changed: its CRC no longer matches */
		zip.ptr[60] ^= 0x55;
		int zerr = es_job_docs_from_zip(&d, zip.ptr, zip.len);
		assert_true(zerr == ES_EMALFORMED);
		es_buf_release(&zip);
	}
	/* again: nothing to do, nothing sealed twice; a finished job is not cancelled */
	TU_OK(es_platform_job_run(e.p, e.sys, job, NULL, false, &rr));
	assert_int_equal(rr.sealed, 0);
	assert_int_equal(usage_of(&e, req), 3);
	assert_int_equal(es_platform_job_cancel(e.p, e.applicant, job), ES_ESTATE);
	assert_int_equal(tp_count(&e, "SELECT COUNT(*) FROM audit_log WHERE event = 'job-finish'"), 1);
	assert_int_equal(tp_count(&e, "SELECT COUNT(*) FROM audit_log WHERE event = 'job-item-failed'"), 1);
	{
		es_audit_report ar;
		TU_OK(es_platform_audit_verify(e.p, e.auditor, &ar));
	}
	docs_free(&x);
	tp_teardown(&e);
}

/* A worker that died holding a claim: its item waits for the lease (or reclaim), then is sealed once. */
static void t_dead_worker(void **state)
{
	(void)state;
	tp_env e;
	char esid[15], q[256];
	docs x;
	int64_t job, req;
	uint8_t mf[32];
	es_job_run_result rr;
	es_job_info info;
	tp_setup(&e);
	es_actor *appr = tp_approver(&e);
	tp_seal(&e, ES_KIND_OFFICIAL, 0, "福建省测试厅", 0, esid);
	docs_make(&x);
	es_job_options o = ES_JOB_OPTIONS_INIT;
	o.esid = esid;
	TU_OK(es_job_manifest(mf, x.d, 3));
	req = approved_for(&e, appr, esid, mf);
	o.request = req;
	TU_OK(es_platform_job_create(e.p, e.applicant, &o, x.d, 3, &job, NULL));
	/* what a worker killed between its claim and its commit leaves behind */
	tp_now_days(2);
	es_time now = es_time_now();
	snprintf(q, sizeof(q),
		 "UPDATE job_items SET state = 'sealing', claim = 'dead', lease_until = %lld, attempts = 1 WHERE job_id = %lld "
		 "AND seq = 2",
		 (long long)(now + ES_JOB_LEASE), (long long)job);
	sql(&e, q);
	snprintf(q, sizeof(q), "UPDATE jobs SET state = 'running' WHERE id = %lld", (long long)job);
	sql(&e, q);
	TU_OK(es_platform_job_run(e.p, e.applicant, job, NULL, false, &rr));
	assert_int_equal(rr.sealed, 2);
	assert_string_equal(rr.state, "running");
	TU_OK(es_platform_job_get(e.p, e.applicant, job, &info));
	assert_int_equal(info.sealing, 1);
	assert_int_equal(usage_of(&e, req), 2);
	/* a lost claim commits nothing: the dead worker's token no longer matches once taken over */
	{
		es_job_claim c = { .job = job, .seq = 2, .request = req };
		snprintf(c.token, sizeof(c.token), "not-the-holder");
		assert_int_equal(es_platform__job_claim_check(e.p, &c), ES_ECONFLICT);
	}
	/* the lease runs out: an ordinary run takes it */
	{
		char iso[32];
		es_time_iso(iso, now + ES_JOB_LEASE + 1);
		tp_now(iso);
	}
	TU_OK(es_platform_job_run(e.p, e.applicant, job, NULL, false, &rr));
	assert_int_equal(rr.sealed, 1);
	assert_string_equal(rr.state, "done");
	assert_int_equal(usage_of(&e, req), 3);
	{
		es_job_item it;
		TU_OK(es_platform_job_item(e.p, e.applicant, job, 2, &it, NULL));
		assert_int_equal(it.attempts, 2);
		assert_string_equal(it.state, "done");
	}

	/* reclaim: at once, without waiting for the lease */
	int64_t job2, req2;
	TU_OK(es_job_manifest(mf, x.d, 2));
	req2 = approved_for(&e, appr, esid, mf);
	o.request = req2;
	TU_OK(es_platform_job_create(e.p, e.applicant, &o, x.d, 2, &job2, NULL));
	snprintf(q, sizeof(q),
		 "UPDATE job_items SET state = 'sealing', claim = 'dead', lease_until = %lld, attempts = 1 WHERE job_id = %lld",
		 (long long)(es_time_now() + ES_JOB_LEASE), (long long)job2);
	sql(&e, q);
	TU_OK(es_platform_job_run(e.p, e.applicant, job2, NULL, false, &rr));
	assert_int_equal(rr.sealed, 0);
	TU_OK(es_platform_job_run(e.p, e.applicant, job2, NULL, true, &rr));
	assert_int_equal(rr.sealed, 2);
	assert_string_equal(rr.state, "done");
	assert_int_equal(usage_of(&e, req2), 2);

	/* cancel: nothing more is sealed, a cancelled job's claim no longer commits */
	int64_t job3, req3;
	TU_OK(es_job_manifest(mf, x.d + 1, 2));
	req3 = approved_for(&e, appr, esid, mf);
	o.request = req3;
	TU_OK(es_platform_job_create(e.p, e.applicant, &o, x.d + 1, 2, &job3, NULL));
	TP_DENIED(es_platform_job_cancel(e.p, e.applicant_other, job3));
	TU_OK(es_platform_job_cancel(e.p, e.applicant, job3));
	TU_OK(es_platform_job_run(e.p, e.applicant, job3, NULL, false, &rr));
	assert_int_equal(rr.sealed, 0);
	assert_string_equal(rr.state, "cancelled");
	assert_int_equal(usage_of(&e, req3), 0);
	{
		es_job_claim c = { .job = job3, .seq = 1, .request = req3 };
		snprintf(c.token, sizeof(c.token), "x");
		assert_int_equal(es_platform__job_claim_check(e.p, &c), ES_ESTATE);
	}
	{
		es_audit_report ar;
		TU_OK(es_platform_audit_verify(e.p, e.auditor, &ar));
	}
	docs_free(&x);
	tp_teardown(&e);
}

/* A seal that stops being usable stops the run; the job resumes where it stopped. */
static void t_stops(void **state)
{
	(void)state;
	tp_env e;
	char esid[15];
	docs x;
	int64_t job, req;
	uint8_t mf[32];
	es_job_run_result rr;
	tp_setup(&e);
	es_actor *appr = tp_approver(&e);
	tp_seal(&e, ES_KIND_OFFICIAL, 0, "福建省测试厅", 0, esid);
	docs_make(&x);
	es_job_options o = ES_JOB_OPTIONS_INIT;
	o.esid = esid;
	TU_OK(es_job_manifest(mf, x.d, 3));
	req = approved_for(&e, appr, esid, mf);
	o.request = req;
	TU_OK(es_platform_job_create(e.p, e.applicant, &o, x.d, 3, &job, NULL));
	/* the owner loses the role: refused for the whole job, the items stay pending */
	char q[160];
	snprintf(q, sizeof(q), "UPDATE accounts SET roles = 0 WHERE id = %lld", (long long)e.applicant_id);
	sql(&e, q);
	int err = es_platform_job_run(e.p, e.sys, job, NULL, false, &rr);
	assert_int_equal(err, ES_EDENIED);
	assert_int_equal(rr.sealed + rr.failed, 0);
	assert_int_equal(usage_of(&e, req), 0);
	assert_int_equal(tp_count(&e, "SELECT COUNT(*) FROM job_items WHERE state = 'pending'"), 3);
	docs_free(&x);
	tp_teardown(&e);
}

/* What the servers' background workers use: the next runnable job, slices, leases, retention. */
static void t_background(void **state)
{
	(void)state;
	tp_env e;
	char esid[15];
	docs x;
	int64_t job, job2, next, req;
	uint8_t mf[32];
	unsigned purged;
	es_job_run_result rr;
	es_job_info info;
	es_job_item it;
	tp_setup(&e);
	es_actor *appr = tp_approver(&e);
	tp_seal(&e, ES_KIND_OFFICIAL, 0, "福建省测试厅", 0, esid);
	docs_make(&x);
	tp_now_days(1);
	es_job_options o = ES_JOB_OPTIONS_INIT;
	o.esid = esid;
	TU_OK(es_platform_job_create(e.p, e.applicant, &o, x.d, 3, &job2, NULL)); /* never authorised */
	TU_OK(es_platform_job_next(e.p, e.sys, 0, &next));
	assert_int_equal(next, 0);
	TU_OK(es_job_manifest(mf, x.d, 3));
	req = approved_for(&e, appr, esid, mf);
	o.request = req;
	TU_OK(es_platform_job_create(e.p, e.applicant, &o, x.d, 3, &job, NULL));
	TU_OK(es_platform_job_next(e.p, e.sys, 0, &next));
	assert_int_equal(next, job);
	TU_OK(es_platform_job_next(e.p, e.sys, job, &next));
	assert_int_equal(next, 0);
	TP_DENIED(es_platform_job_next(e.p, e.applicant, 0, &next));
	/* bad options */
	es_job_run_options ro = ES_JOB_RUN_OPTIONS_INIT;
	ro.version = 99;
	assert_int_equal(es_platform_job_run_with(e.p, e.sys, job, &ro, &rr), ES_EINVAL);
	ro.version = ES_JOB_RUN_OPTIONS_VERSION;
	ro.lease_s = ES_JOB_LEASE_MIN - 1;
	assert_int_equal(es_platform_job_run_with(e.p, e.sys, job, &ro, &rr), ES_EINVAL);
	ro.lease_s = ES_JOB_LEASE_MAX + 1;
	assert_int_equal(es_platform_job_run_with(e.p, e.sys, job, &ro, &rr), ES_EINVAL);
	/* a slice of one claim under a 5 s lease */
	ro.lease_s = ES_JOB_LEASE_MIN;
	ro.max_items = 1;
	TU_OK(es_platform_job_run_with(e.p, e.sys, job, &ro, &rr));
	assert_int_equal(rr.sealed, 1);
	assert_string_equal(rr.state, "running");
	assert_int_equal(tp_count(&e, "SELECT COUNT(*) FROM job_items WHERE claim IS NOT NULL"), 0);
	/* an item claimed by a worker that died: not free before its lease runs out, then free */
	char q[256];
	snprintf(q, sizeof(q),
		 "UPDATE job_items SET state = 'sealing', claim = 'dead', lease_until = %lld WHERE job_id = %lld AND seq > 1",
		 (long long)(es_time_now() + ES_JOB_LEASE_MIN), (long long)job);
	sql(&e, q);
	TU_OK(es_platform_job_next(e.p, e.sys, 0, &next));
	assert_int_equal(next, 0);
	tp_now_days(2);
	TU_OK(es_platform_job_next(e.p, e.sys, 0, &next));
	assert_int_equal(next, job);
	ro.max_items = 0;
	TU_OK(es_platform_job_run_with(e.p, e.sys, job, &ro, &rr));
	assert_int_equal(rr.sealed, 2);
	assert_string_equal(rr.state, "done");
	assert_int_equal(usage_of(&e, req), 3);
	TU_OK(es_platform_job_next(e.p, e.sys, 0, &next));
	assert_int_equal(next, 0);
	/* retention */
	assert_int_equal(es_platform_job_purge(e.p, e.sys, 0, &purged), ES_EINVAL);
	assert_int_equal(es_platform_job_purge(e.p, e.sys, 36501, &purged), ES_EINVAL);
	TP_DENIED(es_platform_job_purge(e.p, e.applicant, 30, &purged));
	TU_OK(es_platform_job_purge(e.p, e.sys, 30, &purged));
	assert_int_equal(purged, 0);
	tp_now_days(33);
	TU_OK(es_platform_job_purge(e.p, e.sys, 30, &purged));
	assert_int_equal(purged, 1); /* the job never authorised is still queued: kept */
	TU_OK(es_platform_job_get(e.p, e.applicant, job, &info));
	assert_true(info.purged_at > 0);
	assert_string_equal(info.state, "done");
	es_buf zip = ES_BUF_INIT, sealed = ES_BUF_INIT, js = ES_BUF_INIT;
	assert_int_equal(es_platform_job_results_zip(e.p, e.applicant, job, &zip), ES_ESTATE);
	assert_non_null(strstr(es_error_last()->message, "purged"));
	assert_int_equal(es_platform_job_item(e.p, e.applicant, job, 1, &it, &sealed), ES_ESTATE);
	TU_OK(es_platform_job_item(e.p, e.applicant, job, 1, &it, NULL));
	assert_string_equal(it.state, "done");
	TU_OK(es_platform_job_json(e.p, e.applicant, job, &js));
	TU_OK(es_buf_put(&js, "", 1));
	assert_null(strstr((const char *)js.ptr, "\"purged_at\":null"));
	snprintf(q, sizeof(q), "SELECT COUNT(*) FROM job_items WHERE job_id = %lld AND (sealed IS NOT NULL OR length(doc) > 0)",
		 (long long)job);
	assert_int_equal(tp_count(&e, q), 0);
	assert_int_equal(usage_of(&e, req), 3);
	assert_int_equal(tp_count(&e, "SELECT COUNT(*) FROM audit_log WHERE event = 'job-purge'"), 1);
	TU_OK(es_platform_job_purge(e.p, e.sys, 30, &purged));
	assert_int_equal(purged, 0);
	/* the list: one's own, all for the system */
	es_buf page = ES_BUF_INIT;
	es_list_query lq = ES_LIST_QUERY_INIT;
	lq.state = "done";
	TU_OK(es_platform_list(e.p, e.applicant, ES_REC_JOB, &lq, &page));
	TU_OK(es_buf_put(&page, "", 1));
	assert_non_null(strstr((const char *)page.ptr, "\"done\":3"));
	page.len = 0;
	TU_OK(es_platform_list(e.p, e.applicant_other, ES_REC_JOB, NULL, &page));
	TU_OK(es_buf_put(&page, "", 1));
	assert_string_equal((const char *)page.ptr, "{\"items\":[],\"next\":null}");
	es_buf_release(&page);
	es_buf_release(&zip);
	es_buf_release(&sealed);
	es_buf_release(&js);
	docs_free(&x);
	tp_teardown(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_job),
		cmocka_unit_test(t_dead_worker),
		cmocka_unit_test(t_stops),
		cmocka_unit_test(t_background),
	};
	return tp_main(tests, ES_ARRAY_LEN(tests), "platform-batch");
}
