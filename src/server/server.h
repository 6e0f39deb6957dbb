/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* eseal serve: the platform over HTTP (docs/server.md). Internal to the server. */
#ifndef ES_SERVER_H
#define ES_SERVER_H
#include "es_int.h"
#include "eseal/es_platform.h"
#include "eseal/es_auth.h"
#include "eseal/es_read.h"
#include "eseal/es_jobs.h"
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>

/* ---- configuration ------------------------------------------------------------ */

typedef struct es_server_config {
	const char *dir;          /* data directory */
	const char *store;        /* NULL: sqlite:DIR/platform.db */
	const char *listen;       /* "127.0.0.1:8080", "[::1]:8080" */
	unsigned threads;         /* poll threads = platform handles */
	unsigned max_connections;
	unsigned per_ip_connections;
	unsigned timeout_s;       /* idle connection timeout */
	const char *public_url;   /* "https://…" makes cookies Secure */
	size_t body_small;        /* body limit before authentication */
	size_t body_large;        /* upload limit after authentication (route may lower it) */
	unsigned signin_per_ip;   /* sign-in attempts per IP per minute */
	bool quiet;               /* no access log */
	const char *web_root;     /* folder of the console's static files, or NULL */
	unsigned workers;         /* threads for slow work (SM2, hashing), 0: on the poll threads */
	const char *trusted_proxies;    /* CIDR list of TLS terminators whose headers are believed, or NULL */
	const char *client_cert_header; /* their header with the client's certificate (URL-encoded PEM) */
	/* public services (docs/public-services.md) */
	size_t body_document;     /* a public route's document upload (POST /api/v1/verify) */
	unsigned keep_s;          /* how long a kept verification lives */
	const char *trust_dir;    /* more anchors for the verify route (peers, other makers), or NULL */
	bool role_verify;         /* --role verify: public reads only, never the master key (es_route_served) */
	bool role_sign;           /* --role sign: every route but the public verification service */
	unsigned peer_fetch_s;    /* fetch the peers' status lists this often (docs/peering.md); 0: never */
	/* batch jobs (jobs_bg.c, docs/batch-jobs.md) */
	unsigned job_workers;     /* background threads sealing authorised jobs, 0: none */
	unsigned job_runs;        /* explicit runs (POST /api/v1/jobs/{id}/run) at once, each on its own thread */
	unsigned job_lease_s;     /* lease of their claims */
	unsigned job_poll_ms;     /* idle workers and long-polls look at the store this often */
	unsigned job_retention_days; /* POST /api/v1/jobs/run purges jobs ended this long ago; 0: kept */
} es_server_config;

/* The defaults, minimums and maximums of every key (eseal serve --print-config). */
void es_server_config_defaults(es_server_config *c);

struct MHD_Connection;
struct MHD_PostProcessor;

/* ---- uploads: multipart/form-data streamed into bounded buffers (upload.c) ---------- */

#define ES_UPLOAD_PARTS 4
typedef struct es_upload_part_spec {
	const char *name;   /* the part's name (Content-Disposition: form-data; name=...) */
	bool file;          /* a file part (filename=...) or a plain field */
	bool required;
	size_t max;         /* bytes */
	const char *what;   /* for the OpenAPI document */
} es_upload_part_spec;

typedef struct es_upload_spec {
	const char *schema; /* the route's request schema */
	bool json_too;      /* the route also takes its schema as application/json */
	es_upload_part_spec parts[ES_UPLOAD_PARTS];
} es_upload_spec;

typedef struct es_upload {
	const es_upload_spec *spec;
	struct MHD_PostProcessor *pp;
	es_buf data[ES_UPLOAD_PARTS];
	bool seen[ES_UPLOAD_PARTS];
	char filename[ES_UPLOAD_PARTS][128];
	size_t last;        /* 1 + the part the last data belonged to */
	unsigned status;    /* the refusal: HTTP status, es_error code, message */
	int code;
	char message[200];
} es_upload;

/* The upload spec of a request schema, or NULL: a JSON-only route. */
const es_upload_spec *es_upload_spec_of(const char *schema);
/* The @p i-th upload spec, or NULL past the last. */
const es_upload_spec *es_upload_spec_at(size_t i);
/* The largest body an upload of @p spec can be. */
size_t es_upload_spec_max(const es_upload_spec *spec);
bool es_is_multipart(const char *content_type);
void es_upload_init(es_upload *up, const es_upload_spec *spec);
void es_upload_release(es_upload *up);
/* One piece of a part as the post processor hands it over (what the fuzzer drives): 0 or -1 (up->status set). */
int es_upload_part(es_upload *up, const char *key, const char *filename, const char *data, uint64_t off, size_t size);
/* Every required part there, text parts NUL-terminated: 0 or -1. */
int es_upload_finish(es_upload *up);
/* The libmicrohttpd post processor over the connection's body. */
int es_upload_begin(es_upload *up, struct MHD_Connection *conn);
int es_upload_feed(es_upload *up, const char *data, size_t size);
int es_upload_end(es_upload *up);
/* For handlers: a text part (NUL-terminated) or NULL; a file part's bytes and file name. */
const char *es_upload_text(const es_upload *up, const char *name);
bool es_upload_file(const es_upload *up, const char *name, const uint8_t **data, size_t *len, const char **filename);
/* The multipart/form-data schema of an upload (OpenAPI). */
json_t *es_upload_schema(const es_upload_spec *spec);

/* ---- a request ---------------------------------------------------------------------- */

typedef struct es_route es_route;

typedef struct es_req {
	struct es_server *srv;
	const es_route *route;
	int route_index;
	char method[8];
	const char *url;              /* path without the query */
	char params[4][64];           /* path parameters, in pattern order */
	unsigned nparams;
	struct MHD_Connection *conn;
	char request_id[40];
	char client[64];              /* the caller's address (from a trusted proxy: its X-Forwarded-For) */
	bool from_proxy;              /* the peer is a trusted TLS terminator (config trusted_proxies) */
	es_buf body;
	bool body_too_big;
	size_t received;              /* body bytes seen, kept or not */
	bool authed;                  /* authenticated before the body was read */
	bool multipart;               /* the body goes through rq->upload */
	es_upload upload;
	uint64_t started_ns;
	es_platform *p;               /* taken from the pool for the call */
	es_actor *actor;              /* NULL for public routes */
	char csrf[ES_SESSION_TOKEN_LEN];
	/* the response */
	unsigned status;
	es_buf out;
	const char *content_type;
	char set_cookie[256];
	char extra_header[6][160];    /* "Name: value"; a Cache-Control here replaces no-store */
	int64_t account;              /* for the access log; -1 none */
	bool answered;
	bool queued;                  /* handed to the worker pool, the connection suspended */
	atomic_bool worked;           /* the worker has answered: the connection is resumed */
	bool is_static;               /* a console file (static.c) */
	const char *cache_control;    /* instead of "no-store" (static files) */
	/* a long-poll (GET /api/v1/jobs/{id}?wait=S): parked by the handler, woken by jobs_bg.c */
	unsigned park_wait;           /* seconds; set by the handler when it did not answer */
	int64_t park_job, park_since;
	bool parked;                  /* the connection is suspended in the waiter list */
	atomic_bool woken;            /* progress, the end of the wait or a stop: answer now */
	/* an event stream (GET /api/v1/jobs/{id}/events): the handler sets the job and its state now */
	int64_t sse_job;
	es_job_info sse_info;
} es_req;

/* Handlers return 0 or an es_error code; one place (server.c) writes error bodies. */
typedef int (*es_handler)(es_req *rq);

enum es_route_auth {
	ES_ROUTE_PUBLIC = 0,   /* no credential */
	ES_ROUTE_USER,         /* a session cookie (+ CSRF token on changes) or a Bearer API key */
};

struct es_route {
	const char *method;
	const char *pattern;   /* "/api/v1/seals/{esid}" */
	es_handler handler;
	int auth;              /* enum es_route_auth */
	int action;            /* es_action checked before the handler; 0: the handler checks (reads) */
	size_t max_body;       /* after authentication; 0: no body */
	const char *tag;
	const char *summary;
	const char *request_schema;  /* component name or NULL */
	const char *response_schema; /* component name, "binary" or "text" */
};

extern const es_route es_routes[];
extern const size_t es_nroutes;

/* Match a method and path: the route index, or -1 (and *path_known when another method would match). */
int es_route_match(const char *method, const char *path, es_req *rq, bool *path_known);
/* An OpenAPI object schema: @p props (a reference taken), the comma-separated @p required_csv
 * required, no other property (routes.c). */
json_t *es_schema_object(const char *required_csv, json_t *props);
/* The component schemas of the operations routes (schemas_ops.c). */
void es_schemas_ops(json_t *schemas);
/* Whether a node of @p cfg's role serves route @p r (docs/public-services.md "Roles"). */
bool es_route_served(const es_server_config *cfg, const es_route *r);
/* The OpenAPI 3.1 document of the route table. */
int es_openapi(es_buf *out);
/* The request and response schemas of the sign services (handlers_sign.c). */
int es_sign_schemas(json_t *schemas);

/* ---- helpers for handlers ----------------------------------------------------------- */

/* The session answer: account, login, roles, unit, region, how, must_change_password (+ csrf_token). */
json_t *es_session_json(const es_actor *a, const char *csrf);

/* Reply with a JSON value (reference taken). */
int es_reply_json(es_req *rq, unsigned status, json_t *v);
/* Reply with JSON text already made (the library's record encoders). */
int es_reply_text(es_req *rq, unsigned status, const char *type, const void *data, size_t len);
/* One record of the read side (es_platform_get) as the caller may see it, with @p status. */
int es_reply_record(es_req *rq, unsigned status, es_record_kind kind, const char *id);
/* ES_EINVAL naming the first key of @p obj not in @p allowed (NULL-ended), found in @p where. */
int es_json_known_fields(json_t *obj, const char *const *allowed, const char *where);
/* The request body as a JSON object whose keys are all in @p allowed (NULL-terminated): 422 naming the field. */
int es_body_object(es_req *rq, json_t **out, const char *const *allowed);
/* The same on bytes and a Content-Type (what the fuzzer drives): 0, a negative es_error, or 415. */
int es_body_parse(const uint8_t *body, size_t len, const char *type, const char *const *allowed, json_t **out);
/* The route's first path parameter as a record id: ES_ENOTFOUND unless a positive number. */
int es_req_id(es_req *rq, int64_t *out);
/* A query-string value or NULL. */
const char *es_query(es_req *rq, const char *key);
/* ES_EINVAL naming the first query parameter not in @p allowed (NULL-ended) and the ones allowed, else 0. */
int es_query_known(es_req *rq, const char *const *allowed);
/* The query number @p key in lo..hi into *@p out (left as it is when absent); ES_EINVAL naming it. */
int es_query_int(es_req *rq, const char *key, int64_t lo, int64_t hi, int64_t *out);
/* A header value or NULL. */
const char *es_header(es_req *rq, const char *key);

/* ---- the server ------------------------------------------------------------------------ */

typedef struct es_platform_pool {
	es_platform_context *ctx; /* opened once; each handle below is a session on it */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	es_platform **free;
	size_t nfree, n;
	es_platform **all;
} es_platform_pool;

/* Routes counted one by one in /metrics (a unit test checks the table fits); the last slot: unmatched. */
#define ES_METRIC_ROUTES 192
typedef struct es_metrics {
	atomic_uint_fast64_t requests[ES_METRIC_ROUTES][6]; /* route index × status class 1xx..5xx; the last: unmatched */
	atomic_uint_fast64_t latency_bucket[12];
	atomic_uint_fast64_t latency_sum_us;
	atomic_uint_fast64_t latency_count;
	atomic_int_fast64_t in_flight;
	atomic_uint_fast64_t signin_failures;
} es_metrics;

typedef struct es_signin_limiter {
	pthread_mutex_t mu;
	struct {
		char ip[64];
		int64_t minute;
		unsigned count, previous; /* refusals in this minute and in the one before */
	} slots[256];
} es_signin_limiter;

/* The worker pool (worker.c): a bounded queue of suspended requests and its threads. */
typedef struct es_worker_pool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	es_req **queue;
	size_t cap, head, len, busy;
	pthread_t *threads;
	unsigned n;
	bool stopping;
	void (*run)(es_req *rq);
} es_worker_pool;

#define ES_WORKER_QUEUE 256
#define ES_JOB_RUN_QUEUE 16 /* explicit job runs waiting for a thread of their pool, then 503 */
int es_workers_start(es_worker_pool *w, unsigned n, size_t queue, void (*run)(es_req *));
/* Suspend the request's connection and queue it; false when the queue is full (answer 503). */
bool es_workers_submit(es_worker_pool *w, es_req *rq);
/* Requests queued or being worked on. */
size_t es_workers_depth(es_worker_pool *w);
/* Stop: queued requests are answered by @p refuse (and resumed), running ones finish. */
void es_workers_stop(es_worker_pool *w, void (*refuse)(es_req *));
/* Does this route's work go to the pool? */
bool es_route_slow(const es_route *r);
/* Does this route's work go to the pool of job runs (minutes, not milliseconds: it must hold
 * neither a poll thread nor a worker that sign-ins wait for)? */
bool es_route_long(const es_route *r);
/* The first pattern of the slow or long lists that names no route of the table, or NULL (the route test). */
const char *es_slow_long_route_unknown(void);

/* Batch jobs in the background (jobs_bg.c): sealing workers and the long-poll watcher. */
typedef struct es_jobs_bg es_jobs_bg;
#define ES_JOB_WAIT_MAX 30      /* seconds a long-poll waits at most */
#define ES_JOB_WAITERS_MAX 1024 /* long-polls parked at once, then 503 */
#define ES_JOB_SLICE 8          /* items a background worker claims between looks at a stop */
#define ES_JOB_SSE_MAX 300      /* seconds an event stream lasts, then "end" (the client reconnects) */
#define ES_JOB_SSE_BEAT 15      /* seconds between keep-alive comments of a quiet stream */
int es_jobs_bg_start(struct es_server *s);
/* Wake every long-poll and end every stream (they answer now) and stop the workers after their
 * slice; es_jobs_bg_free() after libmicrohttpd stopped (the streams' readers use it until then). */
void es_jobs_bg_stop(struct es_server *s);
void es_jobs_bg_free(struct es_server *s);
/* Has es_jobs_bg_stop() begun (an explicit run then ends after its slice)? */
bool es_jobs_bg_stopping(struct es_server *s);
/* The text/event-stream response of rq->sse_job (its first event: rq->sse_info), or NULL. */
struct MHD_Response *es_jobs_bg_stream(struct es_server *s, es_req *rq);
/* Suspend @p rq until its job's progress passes rq->park_since, the job ends or rq->park_wait runs out:
 * false when too many wait (answer 503). */
bool es_jobs_bg_park(struct es_server *s, es_req *rq);

typedef struct es_server {
	es_server_config cfg;
	struct MHD_Daemon *daemon;
	es_platform_pool pool;
	es_metrics metrics;
	es_signin_limiter limiter;
	es_worker_pool workers;
	es_worker_pool runs;          /* explicit job runs (es_route_long) */
	FILE *log;
	pthread_mutex_t log_mu;
	bool secure_cookies;
	struct es_public *pub;        /* public services' state (handlers_public.c) */
	struct es_peer_sched *peers;  /* the peers' status-list schedule (handlers_peers.c), or NULL */
	es_jobs_bg *jobs;             /* batch jobs in the background (jobs_bg.c) */
} es_server;

int es_server_start(es_server *s, const es_server_config *cfg);
/* Stop accepting, finish in-flight requests (at most @p drain_s seconds), close. */
void es_server_stop(es_server *s, unsigned drain_s);
/* The port actually bound (for --listen 127.0.0.1:0). */
unsigned es_server_port(es_server *s);

es_platform *es_pool_take(es_platform_pool *pool);
void es_pool_give(es_platform_pool *pool, es_platform *p);

/* Refused sign-ins (passwords, keys) per address per minute: false when over the limit. */
bool es_signin_allowed(es_server *s, const char *ip);
void es_signin_failed(es_server *s, const char *ip);
/* The end of a sign-in, after es_platform_authenticate() returned @p err and @p a (taken):
 * a refusal is counted for the address; else the session is opened, its cookie set and
 * answered with 200. */
int es_session_start(es_req *rq, int err, es_actor *a);

/* The HTTP status of an es_error code (one table). */
unsigned es_http_status(int code);

/* The public services' state: set up after the pool opens, freed at stop (handlers_public.c). */
int es_public_start(es_server *s);
void es_public_stop(es_server *s);
/* Their OpenAPI schemas and media types (routes.c asks): NULL when @p name is not theirs. */
int es_public_schemas(json_t *schemas);
json_t *es_public_content(const char *name);
/* Peering's OpenAPI schemas and its status-list schedule (handlers_peers.c). */
int es_peer_schemas(json_t *schemas);
int es_peers_start(es_server *s);
void es_peers_stop(es_server *s);
/* A route's max_body meaning "the server's document limit" (body_document), at most this. */
#define ES_BODY_DOCUMENT ((size_t)256 * 1024 * 1024)
/* ---- the console's static files (static.c) ------------------------------------------ */

/* Whether a request no route took goes to the web root: GET or HEAD outside /api/. */
bool es_static_wants(const char *method, const char *url);
/* The file a URL names, relative to the web root (or to its node_modules when *vendor):
 * ES_ENOTFOUND for hidden or empty segments, control bytes, backslashes, unknown types. */
int es_static_path(const char *url, char *rel, size_t n, bool *vendor);
/* The Content-Type of a file name, or NULL when such files are not served. */
const char *es_static_type(const char *name);
/* Answer with the file (200, or 304 for a matching If-None-Match). */
int es_static_serve(es_req *rq);

/* Prometheus text. */
int es_metrics_text(es_server *s, es_buf *out);

#endif
