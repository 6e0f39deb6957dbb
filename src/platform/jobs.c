/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The scheduled job (eseal jobs run): expiry, one-year suspension, filing delivery. */
#include "es_int.h"
#include "platform_int.h"
#include "estime.h"

#define DAY 86400LL

typedef struct esid_list {
	char v[256][15];
	char state[256][16];
	size_t n;
} esid_list;

static int esid_row(void *vctx, const es_sval *c, size_t n)
{
	esid_list *l = vctx;
	if (n < 2 || l->n >= ES_ARRAY_LEN(l->v))
		return 1;
	es_platform__copy(l->v[l->n], sizeof(l->v[0]), &c[0]);
	es_platform__copy(l->state[l->n], sizeof(l->state[0]), &c[1]);
	l->n++;
	return 0;
}

typedef struct job_ctx {
	const char *esid, *from, *to, *why;
} job_ctx;

static int job_tx(es_platform *p, void *vctx)
{
	job_ctx *c = vctx;
	int64_t tid;
	int err = es_platform__transition(p, "seal", c->esid, c->from, c->to, ES_ACCOUNT_SYSTEM, c->why, &tid);
	if (err == ES_ECONFLICT) /* someone else changed it meanwhile */
		return 0;
	if (err < 0)
		return err;
	return es_platform__file(p, c->esid, c->to, tid);
}

static int sweep(es_platform *p, const char *sql, const es_sval *pv, size_t npv, const char *to, const char *why,
		 unsigned *count)
{
	int err;
	for (;;) {
		esid_list *l = es_calloc(1, sizeof(*l));
		if (!l)
			return es_error_set(ES_ENOMEM, "out of memory");
		if ((err = es_store_exec(p->st, sql, pv, npv, esid_row, l, NULL)) < 0) {
			es_free(l);
			return err;
		}
		size_t n = l->n;
		for (size_t i = 0; i < n && err == 0; i++) {
			job_ctx c = { l->v[i], l->state[i], to, why };
			if ((err = es_platform__tx(p, job_tx, &c)) == 0)
				(*count)++;
		}
		es_free(l);
		if (err < 0 || n < 256)
			return err;
	}
}

int es_platform_jobs_run(es_platform *p, const es_actor *who, es_jobs_result *res)
{
	int64_t actor = es_platform__enter(p, who);
	ES_ASSERT_ARG(p && res);
	int err;
	memset(res, 0, sizeof(*res));
	if ((err = es_platform__authorize(p, actor, ES_ACT_JOBS, -1, NULL)) < 0)
		return err;
	es_time now = es_platform__now(p);
	es_sval ev[1] = { ES_SV_I(now) };
	if ((err = sweep(p,
			 "SELECT esid, state FROM seals WHERE state IN ('made', 'active', 'suspended') AND valid_end <= ? "
			 "ORDER BY esid LIMIT 256",
			 ev, 1, "expired", "validity ended", &res->expired)) < 0)
		return err;
	es_sval sv[1] = { ES_SV_I(now - ES_PLAT_UNUSED_DAYS * DAY) };
	if ((err = sweep(p,
			 "SELECT esid, state FROM seals WHERE state = 'active' AND COALESCE(last_used, state_since) <= ? "
			 "ORDER BY esid LIMIT 256",
			 sv, 1, "suspended", "unused for one year within its validity (G§12): re-enable by application",
			 &res->suspended)) < 0)
		return err;
	return es_platform_outbox_deliver(p, &res->delivered, &res->failed);
}
