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
 *   left alone for a minute before it is tried again; a busy store, after job_poll_ms.
 * - The long-poll watcher: a request GET /api/v1/jobs/{id}?wait=S&since=N whose job has
 *   not moved past N is parked here (its connection suspended, no poll thread held);
 *   every job_poll_ms one thread reads the parked jobs' progress from the store (so the
 *   node running the job may be another) and resumes the connections whose job moved,
 *   ended, or whose wait ran out; the handler then answers with the job.
 * - Server-Sent Events (GET /api/v1/jobs/{id}/events): a response whose reader suspends
 *   the connection when it has nothing to send; the same thread appends an event when the
 *   job moves (and a comment every ES_JOB_SSE_BEAT seconds) and resumes it; the stream
 *   ends with an "end" event when the job ends, after ES_JOB_SSE_MAX seconds, or at a stop.
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

/* One event stream; its bytes and flags under b->mu. Listed (in b->streams) only while suspended. */
typedef struct es_sse es_sse;
struct es_sse {
	es_jobs_bg *b;
	struct MHD_Connection *conn;
	int64_t job, last;   /* the finished count last sent */
	char state[12];      /* the state last sent */
	es_buf out;
	size_t off;
	bool ended;          /* the end event is queued: the stream closes once it is sent */
	uint64_t until_ns, beat_ns;
};

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
	es_sse **streams;
	size_t nstreams;
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

bool es_jobs_bg_stopping(es_server *s)
{
	return s->jobs && stopping(s->jobs);
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
		if (err == ES_EDB || err == ES_ECONFLICT || err == ES_EIO) {
			/* the store was busy or away: the others first, then this one again after job_poll_ms */
			bg_log(s, "job-worker", job, es_error_last()->message);
			es_error_clear();
			after = job;
			continue;
		}
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

/* Append to a stream (under b->mu); out of memory closes it (the client reconnects). */
static void sse_put(es_sse *st, const char *text)
{
	if (es_buf_puts(&st->out, text) < 0) {
		es_error_clear();
		st->ended = true;
	}
}

/* Append an SSE event (under b->mu): "event: NAME" and the job's counters as data. */
static void sse_event(es_sse *st, const char *name, const es_job_info *j)
{
	char data[320];
	int64_t fin = j->done + j->failed + j->cancelled;
	snprintf(data, sizeof(data),
		 "event: %s\nid: %lld\ndata: {\"id\":%lld,\"state\":\"%s\",\"total\":%lld,\"done\":%lld,\"failed\":%lld,"
		 "\"cancelled\":%lld,\"finished\":%lld}\n\n",
		 name, (long long)fin, (long long)j->id, j->state, (long long)j->total, (long long)j->done, (long long)j->failed,
		 (long long)j->cancelled, (long long)fin);
	sse_put(st, data);
	st->last = fin;
	snprintf(st->state, sizeof(st->state), "%s", j->state);
}

static void sse_end(es_sse *st, const char *why)
{
	char data[160];
	snprintf(data, sizeof(data), "event: end\ndata: {\"id\":%lld,\"reason\":\"%s\"}\n\n", (long long)st->job, why);
	sse_put(st, data);
	st->ended = true;
}

/* Resume stream @p i of the list (under b->mu): the reader sends what was appended. */
static void sse_wake(es_jobs_bg *b, size_t i)
{
	es_sse *st = b->streams[i];
	b->streams[i] = b->streams[--b->nstreams];
	MHD_resume_connection(st->conn);
}

static ssize_t sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	(void)pos;
	es_sse *st = cls;
	es_jobs_bg *b = st->b;
	ssize_t n = 0;
	pthread_mutex_lock(&b->mu);
	if (st->off == st->out.len && !st->ended && b->stopping)
		sse_end(st, "the server is stopping");
	if (st->off < st->out.len) {
		size_t k = st->out.len - st->off < max ? st->out.len - st->off : max;
		memcpy(buf, st->out.ptr + st->off, k);
		st->off += k;
		if (st->off == st->out.len)
			st->off = st->out.len = 0;
		n = (ssize_t)k;
	} else if (st->ended) {
		n = MHD_CONTENT_READER_END_OF_STREAM;
	} else if (b->nstreams < ES_JOB_WAITERS_MAX) {
		/* nothing to send: the connection waits in the list, no thread does */
		MHD_suspend_connection(st->conn);
		b->streams[b->nstreams++] = st;
	} else {
		sse_end(st, "too many streams: reconnect later");
	}
	pthread_mutex_unlock(&b->mu);
	return n;
}

static void sse_free(void *cls)
{
	es_sse *st = cls;
	es_buf_release(&st->out);
	es_free(st);
}

struct MHD_Response *es_jobs_bg_stream(es_server *s, es_req *rq)
{
	es_jobs_bg *b = s->jobs;
	es_sse *st = b ? es_calloc(1, sizeof(*st)) : NULL;
	if (!st)
		return NULL;
	st->b = b;
	st->conn = rq->conn;
	st->job = rq->sse_job;
	es_buf_init(&st->out, 1 << 20);
	uint64_t now = mono_ns();
	st->until_ns = now + (uint64_t)ES_JOB_SSE_MAX * 1000000000ull;
	st->beat_ns = now + (uint64_t)ES_JOB_SSE_BEAT * 1000000000ull;
	pthread_mutex_lock(&b->mu);
	sse_event(st, "progress", &rq->sse_info);
	if (job_moved(&rq->sse_info, INT64_MAX))
		sse_end(st, rq->sse_info.state);
	pthread_mutex_unlock(&b->mu);
	struct MHD_Response *r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, sse_read, st, sse_free);
	if (!r)
		sse_free(st);
	return r;
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
	es_job_info *infos = es_calloc(ES_JOB_WAITERS_MAX, sizeof(es_job_info));
	unsigned tick = s->cfg.job_poll_ms < 1000 ? s->cfg.job_poll_ms : 1000;
	while (jobs && moved && infos && !nap(b, tick)) {
		size_t n = 0;
		pthread_mutex_lock(&b->mu);
		for (size_t i = 0; i < b->nw + b->nstreams; i++) {
			int64_t id = i < b->nw ? b->w[i].job : b->streams[i - b->nw]->job;
			bool seen = false;
			for (size_t k = 0; k < n && !seen; k++)
				seen = jobs[k] == id;
			if (!seen && n < ES_JOB_WAITERS_MAX)
				jobs[n++] = id;
		}
		pthread_mutex_unlock(&b->mu);
		/* the store read outside the lock: parking goes on meanwhile */
		for (size_t k = 0; k < n; k++) {
			if (!sys || es_platform_job_get(p, sys, jobs[k], &infos[k]) < 0) {
				es_error_clear();
				moved[k] = -1; /* gone (or unreadable): the handler says why */
				memset(&infos[k], 0, sizeof(infos[k]));
				snprintf(infos[k].state, sizeof(infos[k].state), "unreadable");
			} else {
				moved[k] = job_moved(&infos[k], INT64_MAX) ? -1 : infos[k].done + infos[k].failed + infos[k].cancelled;
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
		for (size_t i = 0; i < b->nstreams;) {
			es_sse *st = b->streams[i];
			const es_job_info *j = NULL;
			for (size_t k = 0; k < n; k++)
				if (jobs[k] == st->job)
					j = &infos[k];
			bool any = false;
			if (j && strcmp(j->state, "unreadable") == 0) {
				sse_end(st, "the store did not answer: reconnect");
				j = NULL;
				any = true;
			} else if (j && (j->done + j->failed + j->cancelled != st->last || strcmp(j->state, st->state) != 0)) {
				sse_event(st, "progress", j);
				any = true;
			}
			if (st->ended) {
				/* the end is queued already */
			} else if (j && job_moved(j, INT64_MAX)) {
				sse_end(st, j->state);
				any = true;
			} else if (now >= st->until_ns) {
				sse_end(st, "the stream's time is up: reconnect");
				any = true;
			} else if (now >= st->beat_ns) {
				sse_put(st, ": keep-alive\n\n");
				st->beat_ns = now + (uint64_t)ES_JOB_SSE_BEAT * 1000000000ull;
				any = true;
			}
			if (any)
				sse_wake(b, i);
			else
				i++;
		}
		pthread_mutex_unlock(&b->mu);
	}
	es_free(jobs);
	es_free(moved);
	es_free(infos);
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
	b->streams = es_calloc(ES_JOB_WAITERS_MAX, sizeof(*b->streams));
	/* a verify node (--role verify) never uses a seal's key: no workers there */
	unsigned nworkers = s->cfg.role_verify ? 0 : s->cfg.job_workers;
	b->threads = es_calloc(nworkers ? nworkers : 1, sizeof(pthread_t));
	b->sessions = es_calloc(nworkers + 1, sizeof(es_platform *));
	if (!b->w || !b->streams || !b->threads || !b->sessions) {
		es_jobs_bg_free(s);
		return es_error_set(ES_ENOMEM, "out of memory");
	}
	for (unsigned i = 0; i < nworkers + 1; i++) {
		if ((err = es_platform_session(&b->sessions[i], s->pool.ctx)) < 0) {
			es_jobs_bg_free(s);
			return err;
		}
		b->nsessions++;
	}
	if (pthread_create(&b->watcher, NULL, watcher_main, b) != 0) {
		es_jobs_bg_free(s);
		return es_error_set(ES_EINTERNAL, "cannot start the long-poll thread");
	}
	b->have_watcher = true;
	for (unsigned i = 0; i < nworkers; i++) {
		worker_arg *wa = es_calloc(1, sizeof(*wa));
		if (wa) {
			wa->b = b;
			wa->p = b->sessions[i];
		}
		if (!wa || pthread_create(&b->threads[i], NULL, worker_main, wa) != 0) {
			es_free(wa);
			es_jobs_bg_free(s);
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
	while (b->nstreams) { /* every stream ends now */
		sse_end(b->streams[0], "the server is stopping");
		sse_wake(b, 0);
	}
	pthread_cond_broadcast(&b->cv);
	pthread_mutex_unlock(&b->mu);
	for (unsigned i = 0; i < b->nthreads; i++)
		pthread_join(b->threads[i], NULL);
	if (b->have_watcher)
		pthread_join(b->watcher, NULL);
	b->nthreads = 0;
	b->have_watcher = false;
	for (unsigned i = 0; i < b->nsessions; i++)
		es_platform_close(b->sessions[i]);
	b->nsessions = 0;
}

void es_jobs_bg_free(es_server *s)
{
	es_jobs_bg *b = s->jobs;
	if (!b)
		return;
	es_jobs_bg_stop(s);
	es_free(b->sessions);
	es_free(b->threads);
	es_free(b->w);
	es_free(b->streams);
	pthread_mutex_destroy(&b->mu);
	pthread_cond_destroy(&b->cv);
	es_free(b);
	s->jobs = NULL;
}
