/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Benchmark: applications processed end to end per second. */
#include "es_int.h"
#include "platform_int.h"
#include "text.h"
#include <pthread.h>
#include <time.h>

/*
 * The bench's accounts sign in like anyone: a fresh one-time password from the
 * system account, changed to a random password known only to this run.
 */
static int bench_actor(es_platform *p, const es_actor *sys, const char *login, es_actor **out)
{
	char otp[ES_OTP_LEN + 1], pw[40];
	uint8_t r[12];
	int err;
	if ((err = es_random(r, sizeof(r))) < 0)
		return err;
	es_hex(pw, r, sizeof(r));
	memcpy(pw + 24, "Aa1!", 5);
	es_credential c = { .kind = ES_AUTH_PASSWORD, .login = login, .password = pw };
	if ((err = es_platform_account_otp(p, sys, login, otp)) == 0 &&
	    (err = es_platform_password_change(p, login, otp, pw)) == 0)
		err = es_platform_authenticate(p, &c, out);
	es_wipe(otp, sizeof(otp));
	es_wipe(pw, sizeof(pw));
	return err;
}

/* One application end to end (create, submit, check, review, make, file, deliver, confirm). */
static int bench_one(es_platform *p, const es_actor *applicant, const es_actor *maker, const es_actor *reviewer,
		     int64_t unit, const char *name, char esid[15])
{
	es_app_form f = ES_APP_FORM_INIT;
	int64_t app;
	int err;
	f.unit_id = unit;
	f.kind = ES_KIND_OFFICIAL;
	f.seal_name = name;
	f.width_mm = 42;
	f.height_mm = 42;
	f.handler_name = "经办人";
	f.handler_mobile = "13800000000";
	f.handler_id = "11010519491231002X";
	if ((err = es_platform_app_create(p, applicant, &f, &app)) < 0 ||
	    (err = es_platform_app_submit(p, applicant, app)) < 0 || (err = es_platform_app_check(p, maker, app)) < 0 ||
	    (err = es_platform_app_review(p, reviewer, app, true, NULL)) < 0 ||
	    (err = es_platform_app_make(p, maker, app, esid)) < 0 || (err = es_platform_app_file(p, maker, app)) < 0 ||
	    (err = es_platform_app_deliver(p, maker, app)) < 0)
		return err;
	return es_platform_seal_confirm(p, applicant, esid);
}

typedef struct bench_arm {
	es_platform_context *ctx;
	const es_actor *applicant, *maker, *reviewer;
	int64_t unit;
	unsigned n;
	int err;
	char why[200];
} bench_arm;

/* One thread's share: applications end to end on its own session. */
static void *bench_run(void *arg)
{
	bench_arm *b = arg;
	es_platform *p = NULL;
	char esid[15];
	int err = es_platform_session(&p, b->ctx);
	for (unsigned i = 0; err == 0 && i < b->n; i++)
		err = bench_one(p, b->applicant, b->maker, b->reviewer, b->unit, "基准测试单位", esid);
	if (err < 0 && es_error_last())
		snprintf(b->why, sizeof(b->why), "%s", es_error_last()->message);
	b->err = err;
	es_platform_close(p);
	return NULL;
}

int es_platform_bench_threads(const char *store_uri, const char *dir, unsigned n, unsigned threads, double *per_second)
{
	ES_ASSERT_ARG(store_uri && dir && per_second && n > 0 && threads > 0 && threads <= 64);
	uint8_t master[ES_BOX_KEY_LEN];
	es_platform *p = NULL;
	es_platform_options o = ES_PLATFORM_OPTIONS_INIT;
	int64_t unit = 0, id = 0;
	es_actor *sys = NULL, *maker = NULL, *reviewer = NULL, *applicant = NULL;
	bench_arm arms[64];
	pthread_t th[64];
	unsigned started = 0;
	struct timespec t0, t1;
	int err;
	memset(master, 0x42, sizeof(master));
	o.store = store_uri;
	o.dir = dir;
	o.master_key = master;
	o.render_dpi = 96;
	if ((err = es_platform_open(&p, &o)) < 0)
		return err;
	if ((err = es_actor_system(&sys)) < 0)
		goto done;
	es_unit_info u = { "基准测试单位", "91350100100000083E", "350000", 0, NULL };
	if (es_platform_unit_find(p, u.credit_code, &unit) < 0) {
		es_error_clear();
		if ((err = es_platform_region_add(p, sys, "350000", "福建省")) < 0 && err != ES_EEXISTS)
			goto done;
		if ((err = es_platform_unit_add(p, sys, &u, &unit)) < 0 ||
		    (err = es_platform_account_add(p, sys, "bench-maker", ES_ROLE_MAKER, 0, NULL, &id)) < 0 ||
		    (err = es_platform_account_add(p, sys, "bench-reviewer", ES_ROLE_REVIEWER, 0, NULL, &id)) < 0 ||
		    (err = es_platform_account_add(p, sys, "bench-applicant", ES_ROLE_APPLICANT, unit, NULL, &id)) < 0)
			goto done;
	}
	if ((err = bench_actor(p, sys, "bench-maker", &maker)) < 0 ||
	    (err = bench_actor(p, sys, "bench-reviewer", &reviewer)) < 0 ||
	    (err = bench_actor(p, sys, "bench-applicant", &applicant)) < 0)
		goto done;
	/* n in all, shared out; each thread on its own session of this context */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned i = 0; i < threads; i++) {
		arms[i] = (bench_arm){ es_platform_context_of(p), applicant, maker, reviewer, unit,
				       n / threads + (i < n % threads), 0, "" };
		if (pthread_create(&th[i], NULL, bench_run, &arms[i]) != 0) {
			err = es_error_set(ES_EIO, "cannot start a thread");
			break;
		}
		started++;
	}
	for (unsigned i = 0; i < started; i++) {
		pthread_join(th[i], NULL);
		if (arms[i].err < 0 && err == 0)
			err = es_error_set(arms[i].err, "%s", arms[i].why);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (err == 0) {
		double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		*per_second = secs > 0 ? n / secs : 0;
	}
done:
	es_actor_free(applicant);
	es_actor_free(reviewer);
	es_actor_free(maker);
	es_actor_free(sys);
	es_platform_close(p);
	return err;
}

int es_platform_bench(const char *store_uri, const char *dir, unsigned n, double *per_second)
{
	return es_platform_bench_threads(store_uri, dir, n, 1, per_second);
}

/* ---- documents sealed through the platform, beside es_ofd_sign alone ---------- */

#include "eseal/es_ofd.h"

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

int es_platform_bench_documents(const char *store_uri, const char *dir, unsigned n, double *platform_per_s,
				double *raw_per_s)
{
	ES_ASSERT_ARG(store_uri && dir && platform_per_s && raw_per_s && n > 0);
	uint8_t master[ES_BOX_KEY_LEN], h[32];
	es_platform *p = NULL;
	es_platform_options o = ES_PLATFORM_OPTIONS_INIT;
	int64_t unit = 0, id = 0, req;
	es_actor *sys = NULL, *maker = NULL, *reviewer = NULL, *applicant = NULL, *approver = NULL;
	es_buf doc = ES_BUF_INIT, out = ES_BUF_INIT;
	es_held_key k;
	bool key_open = false;
	char esid[15];
	struct timespec t0;
	int err;
	memset(&k, 0, sizeof(k));
	memset(master, 0x42, sizeof(master));
	o.store = store_uri;
	o.dir = dir;
	o.master_key = master;
	o.render_dpi = 96;
	if ((err = es_platform_open(&p, &o)) < 0)
		return err;
	es_unit_info u = { "基准用印单位", "91350100100000083E", "350000", 0, NULL };
	if ((err = es_actor_system(&sys)) < 0)
		goto done;
	if ((err = es_platform_region_add(p, sys, "350000", "福建省")) < 0 && err != ES_EEXISTS)
		goto done;
	es_error_clear();
	if ((err = es_platform_unit_add(p, sys, &u, &unit)) < 0 ||
	    (err = es_platform_account_add(p, sys, "docs-maker", ES_ROLE_MAKER, 0, NULL, &id)) < 0 ||
	    (err = es_platform_account_add(p, sys, "docs-reviewer", ES_ROLE_REVIEWER, 0, NULL, &id)) < 0 ||
	    (err = es_platform_account_add(p, sys, "docs-approver", ES_ROLE_USE_APPROVER, 0, NULL, &id)) < 0 ||
	    (err = es_platform_account_add(p, sys, "docs-applicant", ES_ROLE_APPLICANT, unit, NULL, &id)) < 0 ||
	    (err = bench_actor(p, sys, "docs-maker", &maker)) < 0 ||
	    (err = bench_actor(p, sys, "docs-reviewer", &reviewer)) < 0 ||
	    (err = bench_actor(p, sys, "docs-approver", &approver)) < 0 ||
	    (err = bench_actor(p, sys, "docs-applicant", &applicant)) < 0)
		goto done;
	/* one seal, made the platform's way */
	if ((err = bench_one(p, applicant, maker, reviewer, unit, u.name, esid)) < 0)
		goto done;
	static const char *const lines[] = { "基准用印单位采购合同", "甲方盖章处：" };
	es_ofd_make_options mo = ES_OFD_MAKE_OPTIONS_INIT;
	mo.lines = lines;
	mo.nlines = 2;
	if ((err = es_ofd_make(&doc, &mo)) < 0 || (err = es_sm3(h, doc.ptr, doc.len)) < 0)
		goto done;
	/* through the platform: request, approval, sealing with a TSA stamp, usage record, audit */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned i = 0; i < n; i++) {
		es_seal_document_options so = ES_SEAL_DOCUMENT_OPTIONS_INIT;
		es_seal_document_result res;
		so.esid = esid;
		so.page = 1;
		so.x_mm = 120;
		so.y_mm = 200;
		out.len = 0;
		if ((err = es_platform_use_request(p, applicant, esid, h, "基准测试", &req)) < 0 ||
		    (err = es_platform_use_decide(p, approver, req, true, NULL)) < 0)
			goto done;
		so.request = req;
		if ((err = es_platform_seal_document(p, applicant, &so, doc.ptr, doc.len, &out, &res)) < 0)
			goto done;
	}
	*platform_per_s = n / seconds_since(&t0);
	/* es_ofd_sign alone, with the same seal, key, position and time stamp */
	if ((err = es_platform__key_open(p, es_actor_account(applicant), esid, NULL, NULL, NULL, &k)) < 0)
		goto done;
	key_open = true;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned i = 0; i < n; i++) {
		es_ofd_sign_options so = ES_OFD_SIGN_OPTIONS_INIT;
		so.type = ES_OFD_SEAL;
		so.provider = "eseal platform";
		so.tsa_cert = p->tsa;
		so.tsa_key = p->tsa_key;
		so.signer = k.signer;
		so.place = ES_OFD_PLACE_POSITION;
		so.page = 1;
		so.x = 120;
		so.y = 200;
		out.len = 0;
		if ((err = es_ofd_sign(&out, doc.ptr, doc.len, &so, k.seal, k.cert, NULL)) < 0)
			goto done;
	}
	*raw_per_s = n / seconds_since(&t0);
done:
	if (key_open)
		es_platform__key_close(&k);
	es_buf_release(&doc);
	es_buf_release(&out);
	es_actor_free(applicant);
	es_actor_free(approver);
	es_actor_free(reviewer);
	es_actor_free(maker);
	es_actor_free(sys);
	es_platform_close(p);
	return err;
}
