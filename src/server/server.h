/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* eseal serve: the platform over HTTP (docs/server.md). Internal to the server. */
#ifndef ES_SERVER_H
#define ES_SERVER_H
#include "es_int.h"
#include "eseal/es_platform.h"
#include "eseal/es_auth.h"
#include "eseal/es_read.h"
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
} es_server_config;

/* The defaults, minimums and maximums of every key (eseal serve --print-config). */
void es_server_config_defaults(es_server_config *c);

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
	char client[64];              /* peer address */
	es_buf body;
	bool body_too_big;
	uint64_t started_ns;
	es_platform *p;               /* taken from the pool for the call */
	es_actor *actor;              /* NULL for public routes */
	char csrf[ES_SESSION_TOKEN_LEN];
	/* the response */
	unsigned status;
	es_buf out;
	const char *content_type;
	char set_cookie[256];
	char extra_header[2][160];    /* "Name: value" */
	int64_t account;              /* for the access log; -1 none */
	bool answered;
	bool is_static;               /* a console file (static.c) */
	const char *cache_control;    /* instead of "no-store" (static files) */
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
/* The OpenAPI 3.1 document of the route table. */
int es_openapi(es_buf *out);

/* ---- helpers for handlers ----------------------------------------------------------- */

/* Reply with a JSON value (reference taken). */
int es_reply_json(es_req *rq, unsigned status, json_t *v);
/* Reply with JSON text already made (the library's record encoders). */
int es_reply_text(es_req *rq, unsigned status, const char *type, const void *data, size_t len);
/* The request body as a JSON object whose keys are all in @p allowed (NULL-terminated): 422 naming the field. */
int es_body_object(es_req *rq, json_t **out, const char *const *allowed);
/* The same on bytes and a Content-Type (what the fuzzer drives): 0, a negative es_error, or 415. */
int es_body_parse(const uint8_t *body, size_t len, const char *type, const char *const *allowed, json_t **out);
/* A query-string value or NULL. */
const char *es_query(es_req *rq, const char *key);
/* A header value or NULL. */
const char *es_header(es_req *rq, const char *key);

/* ---- the server ------------------------------------------------------------------------ */

typedef struct es_platform_pool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	es_platform **free;
	size_t nfree, n;
	es_platform **all;
} es_platform_pool;

typedef struct es_metrics {
	atomic_uint_fast64_t requests[64][6]; /* route index × status class 1xx..5xx, [63]: unmatched */
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
		unsigned count;
	} slots[256];
} es_signin_limiter;

typedef struct es_server {
	es_server_config cfg;
	struct MHD_Daemon *daemon;
	es_platform_pool pool;
	es_metrics metrics;
	es_signin_limiter limiter;
	FILE *log;
	pthread_mutex_t log_mu;
	bool secure_cookies;
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

/* The HTTP status of an es_error code (one table). */
unsigned es_http_status(int code);

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
