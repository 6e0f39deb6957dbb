/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Many threads on one context (es_platform_context): each thread its own session,
 * mixed operations — apply, the whole review and making of a seal, use requests and
 * their approval, sealing a document under an approved request, reads — at once, on
 * both backends. Afterwards: every operation that said yes left exactly its record,
 * esIDs are unique, and the audit chain is intact. Run under ThreadSanitizer by
 * `make check` (the tsan stage). ESEAL_THREAD_OPS: operations per thread (500).
 */
#include "tp.h"
#include "eseal/es_read.h"
#include "eseal/es_ofd.h"
#include <pthread.h>
#include <stdlib.h>
#include "tp.c.inc"

#define NTHREADS 8

typedef struct worker {
	tp_env *e;
	const es_actor *approver;
	const char *esid; /* the seal every thread uses */
	const es_buf *doc;
	int ops;
	unsigned seed;
	/* what it did, counted when the platform said yes */
	int created, made, requested, sealed, reads;
	char esids[600][15];
	int rc;       /* first unexpected error */
	char why[160];
} worker;

static bool bad(worker *w, int err, const char *what)
{
	if (err == 0)
		return false;
	/* a lost race for the same record is an honest answer under load; anything else is a failure */
	if (err == ES_ECONFLICT)
		return true;
	if (!w->rc) {
		w->rc = err;
		const es_error *le = es_error_last();
		snprintf(w->why, sizeof(w->why), "%s: %d %s", what, err, le ? le->message : "");
	}
	return true;
}

static void *run(void *arg)
{
	worker *w = arg;
	tp_env *e = w->e;
	es_platform *p = NULL;
	es_buf out = ES_BUF_INIT;
	int64_t app = 0, req = 0;
	if (bad(w, es_platform_session(&p, es_platform_context_of(e->p)), "session"))
		return NULL;
	for (int i = 0; i < w->ops && !w->rc; i++) {
		switch ((i + (int)w->seed) % 6) {
		case 0: { /* apply */
			es_app_form f = tp_form(e, ES_BIZ_APPLY, NULL);
			char name[64];
			snprintf(name, sizeof(name), "福建省测试厅合同专用章%u", w->seed * 1000 + (unsigned)i);
			f.kind = ES_KIND_SPECIAL;
			f.function = ES_FUNC_CONTRACT;
			f.seal_name = name;
			if (!bad(w, es_platform_app_create(p, e->applicant, &f, &app), "create"))
				w->created++;
			else
				app = 0;
			break;
		}
		case 1: /* its review and making, by other people than the applicant */
			if (!app)
				break;
			if (bad(w, es_platform_app_submit(p, e->applicant, app), "submit") ||
			    bad(w, es_platform_app_check(p, e->maker, app), "check") ||
			    bad(w, es_platform_app_review(p, e->reviewer, app, true, NULL), "review") ||
			    bad(w, es_platform_app_make(p, e->maker, app, w->esids[w->made]), "make")) {
				app = 0; /* lost a race (ECONFLICT): left where it stopped */
				break;
			}
			w->made++;
			app = 0;
			break;
		case 2: { /* use request and its approval */
			uint8_t h[32];
			TU_OK(es_sm3(h, w->doc->ptr, w->doc->len));
			req = 0;
			if (!bad(w, es_platform_use_request(p, e->applicant, w->esid, h, "合同用印", &req), "use request") &&
			    !bad(w, es_platform_use_decide(p, w->approver, req, true, NULL), "use decide"))
				w->requested++;
			else
				req = 0;
			break;
		}
		case 3: { /* seal the document under it */
			if (!req)
				break;
			es_seal_document_options o = ES_SEAL_DOCUMENT_OPTIONS_INIT;
			es_seal_document_result res;
			o.esid = w->esid;
			o.request = req;
			o.page = 1;
			out.len = 0;
			if (!bad(w, es_platform_seal_document(p, e->applicant, &o, w->doc->ptr, w->doc->len, &out, &res),
				 "seal document"))
				w->sealed++;
			req = 0;
			break;
		}
		default: { /* reads: lists and one record */
			es_buf j = ES_BUF_INIT;
			es_list_query q = ES_LIST_QUERY_INIT;
			q.limit = 20;
			if (!bad(w, es_platform_list(p, e->maker, ES_REC_APPLICATION, &q, &j), "list applications") &&
			    !bad(w, es_platform_get(p, e->unit_admin, ES_REC_SEAL, w->esid, (j.len = 0, &j)), "get seal"))
				w->reads++;
			es_buf_release(&j);
			break;
		}
		}
		if (w->rc == 0)
			es_error_clear();
	}
	es_buf_release(&out);
	es_platform_close(p);
	return NULL;
}

static void t_threads(void **state)
{
	(void)state;
	tp_env e;
	char esid[15];
	es_buf doc = ES_BUF_INIT;
	static worker w[NTHREADS];
	pthread_t th[NTHREADS];
	const char *env = getenv("ESEAL_THREAD_OPS");
	int ops = env ? (int)strtol(env, NULL, 10) : 500;
	if (ops < 6 || ops > 3000)
		ops = 500;
	tp_setup(&e);
	es_actor *appr = tp_approver(&e);
	tp_seal(&e, ES_KIND_OFFICIAL, 0, "福建省测试厅", 0, esid);
	es_ofd_make_options mo = ES_OFD_MAKE_OPTIONS_INIT;
	static const char *const lines[] = { "福建省测试厅采购合同", "甲方盖章处：" };
	mo.lines = lines;
	mo.nlines = 2;
	TU_OK(es_ofd_make(&doc, &mo));
	int64_t apps0 = tp_count(&e, "SELECT COUNT(*) FROM applications");
	int64_t seals0 = tp_count(&e, "SELECT COUNT(*) FROM seals");
	for (int i = 0; i < NTHREADS; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].e = &e;
		w[i].approver = appr;
		w[i].esid = esid;
		w[i].doc = &doc;
		w[i].ops = ops;
		w[i].seed = (unsigned)i;
		assert_int_equal(pthread_create(&th[i], NULL, run, &w[i]), 0);
	}
	int created = 0, made = 0, requested = 0, sealed = 0, reads = 0;
	for (int i = 0; i < NTHREADS; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		if (w[i].rc)
			fail_msg("thread %d: %s", i, w[i].why);
		created += w[i].created;
		made += w[i].made;
		requested += w[i].requested;
		sealed += w[i].sealed;
		reads += w[i].reads;
	}
	printf("    %d threads x %d operations (%s): %d applications, %d seals made, %d uses approved, %d documents "
	       "sealed, %d reads\n",
	       NTHREADS, ops, tp_backend, created, made, requested, sealed, reads);
	assert_true(made > 0 && sealed > 0 && reads > 0);
	/* no lost record, no extra one */
	assert_int_equal(tp_count(&e, "SELECT COUNT(*) FROM applications") - apps0, created);
	assert_int_equal(tp_count(&e, "SELECT COUNT(*) FROM seals") - seals0, made);
	assert_int_equal(tp_count(&e, "SELECT COUNT(DISTINCT esid) FROM seals"), tp_count(&e, "SELECT COUNT(*) FROM seals"));
	assert_int_equal(tp_count(&e, "SELECT COUNT(*) FROM use_requests WHERE state = 'used'"), sealed);
	int64_t n;
	TU_OK(es_platform_usage_count(e.p, esid, &n));
	assert_int_equal(n, sealed);
	/* every esID a thread was given is in the store once */
	for (int i = 0; i < NTHREADS; i++)
		for (int k = 0; k < w[i].made; k++) {
			char sql[128];
			snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM seals WHERE esid = '%.14s'", w[i].esids[k]);
			assert_int_equal(tp_count(&e, sql), 1);
		}
	es_audit_report r;
	int err = es_platform_audit_verify(e.p, e.auditor, &r);
	if (err != 0)
		fail_msg("audit: %d %lld %s", err, (long long)r.first_bad, r.problem);
	es_buf_release(&doc);
	tp_teardown(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(t_threads) };
	return tp_main(tests, ES_ARRAY_LEN(tests), "platform-threads");
}
