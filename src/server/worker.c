/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The worker pool (SERVICE.md §3): requests whose work is slow (SM2 signing,
 * password and PIN hashing, imports, backups) are suspended on the poll thread
 * (MHD_suspend_connection), run on one of a few worker threads, and resumed
 * (MHD_resume_connection) when answered, so the poll threads never wait on them.
 * The queue is bounded: a full queue is answered 503 at once. */
#include "server.h"
#include <microhttpd.h>

typedef struct route_name {
	const char *method, *pattern;
} route_name;

/* The slow routes: what runs on a worker. */
static const route_name slow_routes[] = {
	{ "POST", "/api/v1/session" },                       /* PBKDF2-HMAC-SM3 */
	{ "POST", "/api/v1/password" },                      /* PBKDF2 twice */
	{ "POST", "/api/v1/session/certificate" },           /* SM2 chain check */
	{ "POST", "/api/v1/applications/{id}/make" },        /* SM2 key, certificate, seal signature */
	{ "POST", "/api/v1/registry/imports" },              /* makes seals */
	{ "POST", "/api/v1/registry/psb-imports" },
	{ "POST", "/api/v1/jobs/run" },
	{ "POST", "/api/v1/backups" },
	{ "POST", "/api/v1/audit/verify" },                  /* SM2 verification of every checkpoint */
	{ "POST", "/api/v1/audit/anchor" },                  /* SM2 signature and time stamp */
	{ "POST", "/api/v1/seals/{esid}/token" },            /* PBKDF2 of two PINs */
	{ "POST", "/api/v1/seals/{esid}/pin" },
	{ "POST", "/api/v1/seals/{esid}/pin-reset" },
	{ "POST", "/api/v1/accounts" },                      /* PBKDF2 of the one-time password */
	{ "POST", "/api/v1/accounts/{login}/one-time-password" },
	{ "POST", "/api/v1/verify" },                        /* a document parsed, SM2 verifications */
	{ "POST", "/api/v1/tsa" },                           /* SM2 signature */
	{ "POST", "/api/v1/documents/seal" },                /* the document parsed and signed */
	{ "POST", "/api/v1/documents/preview" },             /* pages drawn */
	{ "POST", "/api/v1/seals/{esid}/sign-digest" },
	{ "POST", "/api/v1/seals/{esid}/device" },           /* issues a certificate (SM2) */
	{ "POST", "/svs/v1/SignData" },
	{ "POST", "/svs/v1/VerifySignedData" },
	{ "POST", "/svs/v1/SignMessage" },
	{ "POST", "/svs/v1/VerifySignedMessage" },
	{ "POST", "/svs/v1/ValidateCert" },                  /* chain and live CRL */
	{ "POST", "/api/v1/jobs" },                          /* a zip opened, every document hashed */
	{ "GET", "/api/v1/jobs/{id}/results" },              /* a zip written */
	{ "POST", "/api/v1/filings" },                       /* the peer's seal verified */
	{ "POST", "/api/v1/peers" },
	{ "POST", "/api/v1/peers/{id}/fetch" },              /* an outbound HTTP request */
	{ "POST", "/api/v1/impressions/preview" },           /* an impression drawn */
	{ "POST", "/api/v1/impressions/extract" },           /* a scan processed */
	/* Not POST /api/v1/jobs/{id}/run: it seals until the job ends, for minutes; see long_routes */
};

/* The long routes: each on a thread of the job-run pool, so that neither a poll thread (whose
 * other connections would wait, keep-alive ones included) nor a worker (sign-ins wait for them)
 * is held for minutes. */
static const route_name long_routes[] = {
	{ "POST", "/api/v1/jobs/{id}/run" }, /* seals until no item is left to claim */
};

static bool route_known(const route_name *name)
{
	for (size_t j = 0; j < es_nroutes; j++)
		if (strcmp(name->method, es_routes[j].method) == 0 && strcmp(name->pattern, es_routes[j].pattern) == 0)
			return true;
	return false;
}

const char *es_slow_long_route_unknown(void)
{
	for (size_t i = 0; i < ES_ARRAY_LEN(slow_routes); i++)
		if (!route_known(&slow_routes[i]))
			return slow_routes[i].pattern;
	for (size_t i = 0; i < ES_ARRAY_LEN(long_routes); i++)
		if (!route_known(&long_routes[i]))
			return long_routes[i].pattern;
	return NULL;
}

static bool route_listed(const route_name *list, size_t n, const es_route *r)
{
	for (size_t i = 0; r && i < n; i++)
		if (strcmp(list[i].method, r->method) == 0 && strcmp(list[i].pattern, r->pattern) == 0)
			return true;
	return false;
}

bool es_route_slow(const es_route *r)
{
	return route_listed(slow_routes, ES_ARRAY_LEN(slow_routes), r);
}

bool es_route_long(const es_route *r)
{
	return route_listed(long_routes, ES_ARRAY_LEN(long_routes), r);
}

static void *worker_main(void *arg)
{
	es_worker_pool *w = arg;
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (w->len == 0 && !w->stopping)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->len == 0 && w->stopping)
			break;
		es_req *rq = w->queue[w->head];
		w->head = (w->head + 1) % w->cap;
		w->len--;
		w->busy++;
		pthread_mutex_unlock(&w->mu);
		w->run(rq);
		/* the answer is in rq: the poll thread sends it when the connection resumes */
		atomic_store(&rq->worked, true);
		MHD_resume_connection(rq->conn);
		pthread_mutex_lock(&w->mu);
		w->busy--;
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

int es_workers_start(es_worker_pool *w, unsigned n, size_t queue, void (*run)(es_req *))
{
	memset(w, 0, sizeof(*w));
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	w->run = run;
	if (n == 0)
		return 0;
	w->queue = es_calloc(queue, sizeof(es_req *));
	w->threads = es_calloc(n, sizeof(pthread_t));
	if (!w->queue || !w->threads) {
		es_free(w->queue);
		es_free(w->threads);
		w->queue = NULL;
		w->threads = NULL;
		return es_error_set(ES_ENOMEM, "out of memory");
	}
	w->cap = queue;
	for (unsigned i = 0; i < n; i++) {
		if (pthread_create(&w->threads[i], NULL, worker_main, w) != 0) {
			es_workers_stop(w, NULL);
			return es_error_set(ES_EINTERNAL, "cannot start worker thread %u", i + 1);
		}
		w->n++;
	}
	return 0;
}

bool es_workers_submit(es_worker_pool *w, es_req *rq)
{
	bool ok = false;
	pthread_mutex_lock(&w->mu);
	if (w->n && !w->stopping && w->len < w->cap) {
		/* suspended before a worker can see it, so its resume always follows */
		rq->queued = true;
		MHD_suspend_connection(rq->conn);
		w->queue[(w->head + w->len) % w->cap] = rq;
		w->len++;
		ok = true;
		pthread_cond_signal(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	return ok;
}

size_t es_workers_depth(es_worker_pool *w)
{
	pthread_mutex_lock(&w->mu);
	size_t n = w->len + w->busy;
	pthread_mutex_unlock(&w->mu);
	return n;
}

void es_workers_stop(es_worker_pool *w, void (*refuse)(es_req *))
{
	pthread_mutex_lock(&w->mu);
	w->stopping = true;
	/* what never started is answered 503 now (the server is stopping) */
	while (refuse && w->len) {
		es_req *rq = w->queue[w->head];
		w->head = (w->head + 1) % w->cap;
		w->len--;
		refuse(rq);
		atomic_store(&rq->worked, true);
		MHD_resume_connection(rq->conn);
	}
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	for (unsigned i = 0; i < w->n; i++)
		pthread_join(w->threads[i], NULL);
	es_free(w->threads);
	es_free(w->queue);
	w->threads = NULL;
	w->queue = NULL;
	w->n = 0;
}
