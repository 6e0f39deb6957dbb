/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Batch jobs in the background of eseal serve (docs/batch-jobs.md):
 *
 * - Workers: job_workers threads, each with its own platform session, look for an
 *   authorised job with an item free to claim (es_platform_job_next) and seal it as the
 *   system account, ES_JOB_SLICE claims at a time, so that a stop waits for at most one
 *   slice. Any node of one store does so: the claims of batch.c make it safe, and a node
 *   killed with -9 leaves its claimed items to whichever worker sees their lease run out.
 *   A job refused as a whole (its seal no longer usable, the owner's role withdrawn) is
 *   left alone for a minute before it is tried again.
 * - The long-poll watcher: a request GET /api/v1/jobs/{id}?wait=S&since=N whose job has
 *   not moved past N is parked here (its connection suspended, no poll thread held);
 *   every job_poll_ms one thread reads the parked jobs' progress from the store (so the
 *   node running the job may be another) and resumes the connections whose job moved,
 *   ended, or whose wait ran out; the handler then answers with the job.
 */
#include "server.h"
#include "estime.h"
#include "eseal/es_jobs.h"
#include <microhttpd.h>
#include <time.h>

#define RETRY_LATER_S 60 /* a job refused as a whole is tried again after this */
#define BACKOFF_SLOTS 16

typedef struct waiter {
	es_req *rq;
	int64_t job, since;
	uint64_t until_ns;
} waiter;

struct es_jobs_bg {
	es_server *srv;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stopping;
	pthread_t *threads;
	unsigned nthreads;
	es_platform **sessions; /* one per worker, then the watcher's */
	unsigned nsessions;
	pthread_t watcher;
	bool have_watcher;
	waiter *w;
	size_t nw;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void bg_log(es_server *s, const char *event, int64_t job, const char *message)
{
	if (!s->log)
		return;
	char at[32];
	es_time_iso(at, (es_time)time(NULL));
	json_t *v = json_pack("{s:s, s:s, s:s, s:I, s:s}", "time", at, "level", "warning", "event", event, "job",
			      (json_int_t)job, "message", message ? message : "");
	char *text = v ? json_dumps(v, JSON_COMPACT) : NULL;
	if (text) {
		pthread_mutex_lock(&s->log_mu);
		fprintf(s->log, "%s\n", text);
		fflush(s->log);
		pthread_mutex_unlock(&s->log_mu);
	}
	free(text);
	json_decref(v);
}

/* Sleep @p ms or until the stop; true when stopping. */
static bool nap(es_jobs_bg *b, unsigned ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&b->mu);
	while (!b->stopping && pthread_cond_timedwait(&b->cv, &b->mu, &ts) == 0)
		;
	bool stop = b->stopping;
	pthread_mutex_unlock(&b->mu);
	return stop;
}

static bool stopping(es_jobs_bg *b)
{
	pthread_mutex_lock(&b->mu);
	bool stop = b->stopping;
	pthread_mutex_unlock(&b->mu);
	return stop;
}

typedef struct worker_arg {
	es_jobs_bg *b;
	es_platform *p;
} worker_arg;

static void *worker_main(void *varg)
{
	worker_arg *wa = varg;
	es_jobs_bg *b = wa->b;
	es_platform *p = wa->p;
	es_server *s = b->srv;
	es_actor *sys = NULL;
	struct {
		int64_t job;
		time_t until;
	} backoff[BACKOFF_SLOTS];
	int64_t after = 0;
	memset(backoff, 0, sizeof(backoff));
	es_free(wa);
	if (es_actor_system(&sys) < 0) {
		bg_log(s, "job-worker", 0, "cannot make the system actor: no background sealing");
		return NULL;
	}
	while (!stopping(b)) {
		int64_t job = 0;
		int err = es_platform_job_next(p, sys, after, &job);
		if (err < 0) {
			bg_log(s, "job-worker", 0, es_error_last()->message);
			es_error_clear();
			after = 0;
			if (nap(b, s->cfg.job_poll_ms))
				break;
			continue;
		}
		if (job == 0) {
			after = 0;
			if (nap(b, s->cfg.job_poll_ms))
				break;
			continue;
		}
		time_t now = time(NULL);
		bool later = false;
		for (size_t i = 0; i < BACKOFF_SLOTS; i++)
			if (backoff[i].job == job && backoff[i].until > now)
				later = true;
		if (later) {
			after = job; /* the others first */
			continue;
		}
		es_job_run_options o = ES_JOB_RUN_OPTIONS_INIT;
		es_job_run_result res;
		o.max_items = ES_JOB_SLICE;
		o.lease_s = s->cfg.job_lease_s;
		err = es_platform_job_run_with(p, sys, job, &o, &res);
		if (err < 0) {
			/* a refusal of the whole job: it stays resumable; leave it alone a while */
			bg_log(s, "job-worker", job, es_error_last()->message);
			es_error_clear();
			size_t slot = 0;
			for (size_t i = 0; i < BACKOFF_SLOTS; i++)
				if (backoff[i].job == job || backoff[i].until < backoff[slot].until)
					slot = i;
			backoff[slot].job = job;
			backoff[slot].until = now + RETRY_LATER_S;
			after = job;
			continue;
		}
		after = 0; /* the lowest runnable job again: the one in hand until it is done */
	}
	es_actor_free(sys);
	return NULL;
}

/* ---- the long-poll watcher ---------------------------------------------------------------------- */

static bool job_moved(const es_job_info *j, int64_t since)
{
	return j->done + j->failed + j->cancelled > since ||
	       (strcmp(j->state, "queued") != 0 && strcmp(j->state, "running") != 0);
}

/* Resume waiter @p i (under b->mu): the handler answers when the connection comes back. */
static void wake(es_jobs_bg *b, size_t i)
{
	es_req *rq = b->w[i].rq;
	b->w[i] = b->w[--b->nw];
	atomic_store(&rq->woken, true);
	MHD_resume_connection(rq->conn);
}

static void *watcher_main(void *arg)
{
	es_jobs_bg *b = arg;
	es_server *s = b->srv;
	es_platform *p = b->sessions[b->nsessions - 1];
	es_actor *sys = NULL;
	if (es_actor_system(&sys) < 0)
		bg_log(s, "job-watch", 0, "cannot make the system actor: long-polls wait their whole time");
	int64_t *jobs = es_calloc(ES_JOB_WAITERS_MAX, sizeof(int64_t));
	int64_t *moved = es_calloc(ES_JOB_WAITERS_MAX, sizeof(int64_t)); /* the job's progress, -1 ended or gone */
	unsigned tick = s->cfg.job_poll_ms < 1000 ? s->cfg.job_poll_ms : 1000;
	while (jobs && moved && !nap(b, tick)) {
		size_t n = 0;
		pthread_mutex_lock(&b->mu);
		for (size_t i = 0; i < b->nw; i++) {
			bool seen = false;
			for (size_t k = 0; k < n && !seen; k++)
				seen = jobs[k] == b->w[i].job;
			if (!seen)
				jobs[n++] = b->w[i].job;
		}
		pthread_mutex_unlock(&b->mu);
		/* the store read outside the lock: parking goes on meanwhile */
		for (size_t k = 0; k < n; k++) {
			es_job_info j;
			if (!sys || es_platform_job_get(p, sys, jobs[k], &j) < 0) {
				es_error_clear();
				moved[k] = -1; /* gone (or unreadable): the handler says why */
			} else {
				moved[k] = job_moved(&j, INT64_MAX) ? -1 : j.done + j.failed + j.cancelled;
			}
		}
		uint64_t now = mono_ns();
		pthread_mutex_lock(&b->mu);
		for (size_t i = 0; i < b->nw;) {
			int64_t progress = INT64_MIN;
			for (size_t k = 0; k < n; k++)
				if (jobs[k] == b->w[i].job)
					progress = moved[k];
			bool go = progress == -1 || (progress != INT64_MIN && progress > b->w[i].since) || now >= b->w[i].until_ns;
			if (go)
				wake(b, i); /* the last one moves into slot i */
			else
				i++;
		}
		pthread_mutex_unlock(&b->mu);
	}
	es_free(jobs);
	es_free(moved);
	es_actor_free(sys);
	return NULL;
}

bool es_jobs_bg_park(es_server *s, es_req *rq)
{
	es_jobs_bg *b = s->jobs;
	bool ok = false;
	if (!b)
		return false;
	pthread_mutex_lock(&b->mu);
	if (!b->stopping && b->have_watcher && b->nw < ES_JOB_WAITERS_MAX) {
		rq->parked = true;
		MHD_suspend_connection(rq->conn);
		b->w[b->nw++] = (waiter){ rq, rq->park_job, rq->park_since, mono_ns() + (uint64_t)rq->park_wait * 1000000000ull };
		ok = true;
	}
	pthread_mutex_unlock(&b->mu);
	return ok;
}

/* ---- start and stop ----------------------------------------------------------------------------- */

int es_jobs_bg_start(es_server *s)
{
	int err;
	es_jobs_bg *b = es_calloc(1, sizeof(*b));
	if (!b)
		return es_error_set(ES_ENOMEM, "out of memory");
	b->srv = s;
	pthread_mutex_init(&b->mu, NULL);
	pthread_cond_init(&b->cv, NULL);
	s->jobs = b;
	b->w = es_calloc(ES_JOB_WAITERS_MAX, sizeof(*b->w));
	b->threads = es_calloc(s->cfg.job_workers ? s->cfg.job_workers : 1, sizeof(pthread_t));
	b->sessions = es_calloc(s->cfg.job_workers + 1, sizeof(es_platform *));
	if (!b->w || !b->threads || !b->sessions) {
		es_jobs_bg_stop(s);
		return es_error_set(ES_ENOMEM, "out of memory");
	}
	for (unsigned i = 0; i < s->cfg.job_workers + 1; i++) {
		if ((err = es_platform_session(&b->sessions[i], s->pool.ctx)) < 0) {
			es_jobs_bg_stop(s);
			return err;
		}
		b->nsessions++;
	}
	if (pthread_create(&b->watcher, NULL, watcher_main, b) != 0) {
		es_jobs_bg_stop(s);
		return es_error_set(ES_EINTERNAL, "cannot start the long-poll thread");
	}
	b->have_watcher = true;
	for (unsigned i = 0; i < s->cfg.job_workers; i++) {
		worker_arg *wa = es_calloc(1, sizeof(*wa));
		if (wa) {
			wa->b = b;
			wa->p = b->sessions[i];
		}
		if (!wa || pthread_create(&b->threads[i], NULL, worker_main, wa) != 0) {
			es_free(wa);
			es_jobs_bg_stop(s);
			return es_error_set(ES_EINTERNAL, "cannot start job worker %u", i + 1);
		}
		b->nthreads++;
	}
	return 0;
}

void es_jobs_bg_stop(es_server *s)
{
	es_jobs_bg *b = s->jobs;
	if (!b)
		return;
	pthread_mutex_lock(&b->mu);
	b->stopping = true;
	while (b->nw) /* every long-poll answers now (libmicrohttpd stops only with none suspended) */
		wake(b, 0);
	pthread_cond_broadcast(&b->cv);
	pthread_mutex_unlock(&b->mu);
	for (unsigned i = 0; i < b->nthreads; i++)
		pthread_join(b->threads[i], NULL);
	if (b->have_watcher)
		pthread_join(b->watcher, NULL);
	for (unsigned i = 0; i < b->nsessions; i++)
		es_platform_close(b->sessions[i]);
	es_free(b->sessions);
	es_free(b->threads);
	es_free(b->w);
	pthread_mutex_destroy(&b->mu);
	pthread_cond_destroy(&b->cv);
	es_free(b);
	s->jobs = NULL;
}
