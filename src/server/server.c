/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* eseal serve on libmicrohttpd: the request life cycle, authentication, limits,
 * the one error body, security headers, the access log (docs/server.md). */
#include "server.h"
#include "estime.h"
#include "text.h"
#include "eseal/es_jobs.h"
#include <arpa/inet.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <strings.h>
#include <stdarg.h>

#define COOKIE "eseal_session"

void es_server_config_defaults(es_server_config *c)
{
	memset(c, 0, sizeof(*c));
	c->listen = "127.0.0.1:8080";
	c->threads = 4;
	c->max_connections = 512;
	c->per_ip_connections = 64;
	c->timeout_s = 30;
	c->body_small = 16 * 1024;
	c->body_large = 256u * 1024 * 1024;
	c->signin_per_ip = 20;
	c->client_cert_header = "X-SSL-Client-Cert";
	c->workers = 2;
	c->peer_fetch_s = 300;
	c->body_document = 64u * 1024 * 1024;
	c->keep_s = 30 * 86400;
	c->job_workers = 1;
	c->job_runs = 2;
	c->job_lease_s = 120;
	c->job_poll_ms = 1000;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- the platform pool: one handle per poll thread ------------------------------- */

es_platform *es_pool_take(es_platform_pool *pool)
{
	pthread_mutex_lock(&pool->mu);
	while (pool->nfree == 0)
		pthread_cond_wait(&pool->cv, &pool->mu);
	es_platform *p = pool->free[--pool->nfree];
	pthread_mutex_unlock(&pool->mu);
	return p;
}

void es_pool_give(es_platform_pool *pool, es_platform *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&pool->mu);
	pool->free[pool->nfree++] = p;
	pthread_cond_signal(&pool->cv);
	pthread_mutex_unlock(&pool->mu);
}

/* ---- errors ------------------------------------------------------------------------- */

static const struct {
	int code;
	unsigned status;
} status_table[] = {
	{ ES_EINVAL, 422 },   { ES_ENOMEM, 500 },     { ES_EMALFORMED, 400 },    { ES_ETRUNC, 400 },
	{ ES_ELIMIT, 413 },   { ES_EVERIFY, 422 },    { ES_EEXPIRED, 422 },      { ES_EREVOKED, 409 },
	{ ES_ENOTFOUND, 404 }, { ES_EEXISTS, 409 },   { ES_ECRYPTO, 500 },       { ES_EIO, 500 },
	{ ES_EDB, 500 },      { ES_ENOTSUPPORTED, 422 }, { ES_EDENIED, 403 },    { ES_EAUTH, 401 },
	{ ES_ECONFLICT, 409 }, { ES_ESTATE, 409 },    { ES_EINTERNAL, 500 },
};

unsigned es_http_status(int code)
{
	for (size_t i = 0; i < ES_ARRAY_LEN(status_table); i++)
		if (status_table[i].code == code)
			return status_table[i].status;
	return 500;
}

static void log_line(es_server *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void log_line(es_server *s, const char *fmt, ...)
{
	if (!s->log)
		return;
	va_list ap;
	va_start(ap, fmt);
	pthread_mutex_lock(&s->log_mu);
	vfprintf(s->log, fmt, ap);
	fputc('\n', s->log);
	fflush(s->log);
	pthread_mutex_unlock(&s->log_mu);
	va_end(ap);
}

/* The one error body. Server errors say only where to look: the detail goes to the log. */
static void reply_error(es_req *rq, unsigned status, const char *code, const char *message)
{
	char msg[600];
	if (status == 500) {
		json_t *m = json_string(message);
		char *ms = m ? json_dumps(m, JSON_ENCODE_ANY) : NULL;
		log_line(rq->srv, "{\"level\": \"error\", \"request_id\": \"%s\", \"code\": \"%s\", \"message\": %s}",
			 rq->request_id, code, ms ? ms : "\"?\"");
		free(ms);
		json_decref(m);
		snprintf(msg, sizeof(msg), "the server failed (request %s): the operator finds the cause in its log",
			 rq->request_id);
		message = msg;
	}
	json_t *v = json_pack("{s:{s:s, s:s, s:s}}", "error", "code", code, "message", message, "request_id",
			      rq->request_id);
	rq->out.len = 0;
	es_reply_json(rq, status, v);
	json_decref(v);
}

static void reply_es_error(es_req *rq, int err)
{
	const es_error *e = es_error_last();
	reply_error(rq, es_http_status(err), es_error_name(err), e->code ? e->message : "failed");
}

/* ---- helpers for handlers --------------------------------------------------------- */

int es_reply_text(es_req *rq, unsigned status, const char *type, const void *data, size_t len)
{
	rq->status = status;
	rq->content_type = type;
	rq->out.len = 0;
	rq->answered = true;
	return es_buf_put(&rq->out, data, len);
}

int es_reply_json(es_req *rq, unsigned status, json_t *v)
{
	char *s = v ? json_dumps(v, JSON_COMPACT) : NULL;
	if (!s)
		return es_error_set(ES_ENOMEM, "out of memory");
	int err = es_reply_text(rq, status, "application/json; charset=utf-8", s, strlen(s));
	free(s);
	return err;
}

const char *es_query(es_req *rq, const char *key)
{
	return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, key);
}

const char *es_header(es_req *rq, const char *key)
{
	return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, key);
}

/* Nesting of a JSON text, counted before parsing (strings skipped). */
static unsigned json_depth(const uint8_t *b, size_t n)
{
	unsigned depth = 0, max = 0;
	bool str = false;
	for (size_t i = 0; i < n; i++) {
		if (str) {
			if (b[i] == '\\')
				i++;
			else if (b[i] == '"')
				str = false;
		} else if (b[i] == '"') {
			str = true;
		} else if (b[i] == '{' || b[i] == '[') {
			if (++depth > max)
				max = depth;
		} else if ((b[i] == '}' || b[i] == ']') && depth) {
			depth--;
		}
	}
	return max;
}

#define JSON_MAX_DEPTH 16

int es_body_parse(const uint8_t *body, size_t len, const char *type, const char *const *allowed, json_t **out)
{
	*out = NULL;
	if (!type || strncasecmp(type, "application/json", 16) != 0 || (type[16] && type[16] != ';')) {
		es_error_set(ES_ENOTSUPPORTED, "send the body as Content-Type: application/json");
		return 415; /* a bare status: run_handler answers 415 */
	}
	if (json_depth(body, len) > JSON_MAX_DEPTH)
		return es_error_set(ES_EMALFORMED, "the JSON body nests deeper than %d levels", JSON_MAX_DEPTH);
	json_error_t je;
	json_t *v = json_loadb(body ? (const char *)body : "", len, JSON_REJECT_DUPLICATES, &je);
	if (!v)
		return es_error_set(ES_EMALFORMED, "the body is not JSON: %s (line %d, column %d)", je.text, je.line,
				    je.column);
	if (!json_is_object(v)) {
		json_decref(v);
		return es_error_set(ES_EMALFORMED, "the body must be a JSON object");
	}
	int err = es_json_known_fields(v, allowed, "the body");
	if (err < 0) {
		json_decref(v);
		return err;
	}
	*out = v;
	return 0;
}

int es_json_known_fields(json_t *obj, const char *const *allowed, const char *where)
{
	const char *key;
	json_t *val;
	json_object_foreach(obj, key, val)
	{
		bool ok = false;
		for (size_t i = 0; allowed && allowed[i]; i++)
			if (strcmp(allowed[i], key) == 0)
				ok = true;
		if (!ok) {
			char shown[65];
			es_text_copy(shown, sizeof(shown), key);
			return es_error_set(ES_EINVAL, "unknown field '%s' in %s", shown, where);
		}
	}
	return 0;
}

int es_body_object(es_req *rq, json_t **out, const char *const *allowed)
{
	return es_body_parse(rq->body.ptr, rq->body.len, es_header(rq, "Content-Type"), allowed, out);
}

/*
 * ---- sign-in rate per address ------------------------------------------------------
 * A sliding minute: the refusals of this calendar minute plus those of the one before,
 * weighted by how much of it is still inside the last 60 seconds. A fixed minute would
 * let twice the limit through around its turn, and forget a burst just before it.
 */

static __typeof__(((es_signin_limiter *)0)->slots[0]) *limiter_slot(es_server *s, const char *ip, int64_t minute)
{
	size_t h = 5381;
	for (const char *c = ip; *c; c++)
		h = h * 33 + (unsigned char)*c;
	__typeof__(s->limiter.slots[0]) *slot = &s->limiter.slots[h % ES_ARRAY_LEN(s->limiter.slots)];
	if (strcmp(slot->ip, ip) != 0) {
		snprintf(slot->ip, sizeof(slot->ip), "%s", ip);
		slot->minute = minute;
		slot->count = slot->previous = 0;
	} else if (slot->minute != minute) {
		slot->previous = slot->minute + 1 == minute ? slot->count : 0;
		slot->minute = minute;
		slot->count = 0;
	}
	return slot;
}

bool es_signin_allowed(es_server *s, const char *ip)
{
	int64_t now = (int64_t)time(NULL);
	pthread_mutex_lock(&s->limiter.mu);
	__typeof__(s->limiter.slots[0]) *slot = limiter_slot(s, ip, now / 60);
	/* in sixtieths: previous · (60 − seconds into this minute) + count · 60 */
	uint64_t seen = (uint64_t)slot->previous * (uint64_t)(60 - now % 60) + (uint64_t)slot->count * 60;
	bool ok = seen < (uint64_t)s->cfg.signin_per_ip * 60;
	pthread_mutex_unlock(&s->limiter.mu);
	return ok;
}

void es_signin_failed(es_server *s, const char *ip)
{
	int64_t minute = (int64_t)time(NULL) / 60;
	pthread_mutex_lock(&s->limiter.mu);
	limiter_slot(s, ip, minute)->count++;
	pthread_mutex_unlock(&s->limiter.mu);
	atomic_fetch_add(&s->metrics.signin_failures, 1);
}

/* ---- the request life cycle ------------------------------------------------------ */

static const char *const security_headers[][2] = {
	{ "X-Content-Type-Options", "nosniff" },
	{ "Referrer-Policy", "no-referrer" },
	{ "X-Frame-Options", "DENY" },
	{ "Content-Security-Policy",
	  "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; object-src 'none'; "
	  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'" },
	{ "Cross-Origin-Opener-Policy", "same-origin" },
	{ "Cache-Control", "no-store" },
};

static enum MHD_Result send_reply(es_req *rq)
{
	if (!rq->answered)
		reply_error(rq, 500, "EINTERNAL", "the handler gave no answer");
	struct MHD_Response *r =
		rq->sse_job && rq->status == 200
			? es_jobs_bg_stream(rq->srv, rq) /* an event stream (jobs_bg.c) */
			: MHD_create_response_from_buffer(rq->out.len, rq->out.ptr ? rq->out.ptr : (void *)"",
							  MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	/* a route's own Cache-Control (extra header) or a static file's replaces "no-store" */
	bool own_cache = rq->cache_control != NULL;
	for (size_t i = 0; i < ES_ARRAY_LEN(rq->extra_header); i++)
		own_cache |= strncasecmp(rq->extra_header[i], "Cache-Control:", 14) == 0;
	for (size_t i = 0; i < ES_ARRAY_LEN(security_headers); i++) {
		if (own_cache && strcmp(security_headers[i][0], "Cache-Control") == 0) {
			if (rq->cache_control)
				MHD_add_response_header(r, "Cache-Control", rq->cache_control);
			continue;
		}
		MHD_add_response_header(r, security_headers[i][0], security_headers[i][1]);
	}
	if (rq->status != 304)
		MHD_add_response_header(r, "Content-Type", rq->content_type ? rq->content_type : "application/octet-stream");
	MHD_add_response_header(r, "X-Request-Id", rq->request_id);
	if (rq->set_cookie[0])
		MHD_add_response_header(r, "Set-Cookie", rq->set_cookie);
	for (size_t i = 0; i < ES_ARRAY_LEN(rq->extra_header); i++) {
		char *colon = strchr(rq->extra_header[i], ':');
		if (colon) {
			*colon = 0;
			MHD_add_response_header(r, rq->extra_header[i], colon + 2);
		}
	}
	enum MHD_Result ret = MHD_queue_response(rq->conn, rq->status, r);
	MHD_destroy_response(r);
	return ret;
}

static void request_id(es_req *rq)
{
	const char *given = es_header(rq, "X-Request-Id");
	if (given && strlen(given) <= 36 && strspn(given, "0123456789abcdefABCDEF-_") == strlen(given) && given[0]) {
		snprintf(rq->request_id, sizeof(rq->request_id), "%s", given);
		return;
	}
	uint8_t r[8];
	if (es_random(r, sizeof(r)) < 0)
		memset(r, 0, sizeof(r));
	es_hex(rq->request_id, r, sizeof(r));
}

static void client_address(es_req *rq)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(rq->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	rq->client[0] = 0;
	if (!ci || !ci->client_addr)
		return;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, rq->client, sizeof(rq->client));
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, rq->client, sizeof(rq->client));
	/* a trusted TLS terminator: the caller is the address it appended last to X-Forwarded-For */
	const char *proxies = rq->srv->cfg.trusted_proxies;
	if (!proxies || !*proxies || !rq->client[0] || !es_cidr_list_match(proxies, rq->client))
		return;
	rq->from_proxy = true;
	const char *xff = es_header(rq, "X-Forwarded-For");
	if (!xff)
		return;
	const char *last = strrchr(xff, ',');
	last = last ? last + 1 : xff;
	while (*last == ' ' || *last == '\t')
		last++;
	char ip[64];
	size_t n = strcspn(last, " \t");
	uint8_t a[16];
	if (n == 0 || n >= sizeof(ip))
		return;
	memcpy(ip, last, n);
	ip[n] = 0;
	if (inet_pton(AF_INET, ip, a) == 1 || inet_pton(AF_INET6, ip, a) == 1)
		snprintf(rq->client, sizeof(rq->client), "%s", ip);
}

/* Who is calling: a Bearer API key or a session cookie (+ CSRF on changes). */
static int authenticate(es_req *rq)
{
	const char *authz = es_header(rq, "Authorization");
	int err;
	if (authz) {
		if (strncasecmp(authz, "Bearer ", 7) != 0)
			return es_error_set(ES_EAUTH, "use 'Authorization: Bearer API-KEY' or sign in");
		es_credential c = { .kind = ES_AUTH_API_KEY, .api_key = authz + 7, .source_addr = rq->client };
		if (!es_signin_allowed(rq->srv, rq->client)) {
			es_error_set(ES_ELIMIT, "too many refused keys from this address: wait a minute");
			return 429; /* a bare status, answered by run_handler */
		}
		err = es_platform_authenticate(rq->p, &c, &rq->actor);
		if (err == ES_EAUTH)
			es_signin_failed(rq->srv, rq->client);
		return err;
	}
	const char *tok = MHD_lookup_connection_value(rq->conn, MHD_COOKIE_KIND, COOKIE);
	if (!tok)
		return es_error_set(ES_EAUTH, "sign in first (POST /api/v1/session) or send an API key");
	if ((err = es_platform_session_actor(rq->p, tok, &rq->actor, rq->csrf)) < 0)
		return err;
	bool change = strcmp(rq->method, "GET") != 0 && strcmp(rq->method, "HEAD") != 0;
	if (change) {
		const char *given = es_header(rq, "X-CSRF-Token");
		if (!given || strlen(given) != strlen(rq->csrf) || CRYPTO_memcmp(given, rq->csrf, strlen(rq->csrf)) != 0)
			return es_error_set(ES_EDENIED, "missing or wrong X-CSRF-Token header: reload the page");
	}
	return 0;
}

static void access_log(es_req *rq)
{
	if (rq->srv->cfg.quiet)
		return;
	char at[32];
	es_time_iso(at, (es_time)time(NULL));
	uint64_t us = (now_ns() - rq->started_ns) / 1000;
	log_line(rq->srv,
		 "{\"time\": \"%s\", \"request_id\": \"%s\", \"method\": \"%s\", \"route\": \"%s\", \"status\": %u, "
		 "\"bytes\": %zu, \"duration_us\": %llu, \"account\": %lld}",
		 at, rq->request_id, rq->method, rq->route ? rq->route->pattern : rq->is_static ? "(static)" : "(none)", rq->status, rq->out.len,
		 (unsigned long long)us, (long long)rq->account);
}

/*
 * A test build only (ES_TEST_FAULTS): $ESEAL_TEST_ROUTE_LOG names a file to which every
 * answered request appends "METHOD PATTERN STATUS", whatever --quiet says. The route
 * coverage test (tests/routes_covered.sh) reads the files the server tests leave, to show
 * every route was answered with a success and with a refusal. A release build has no such file.
 */
static void test_route_log(const es_req *rq)
{
#ifdef ES_TEST_FAULTS
	const char *path = getenv("ESEAL_TEST_ROUTE_LOG");
	if (!path || !*path || !rq->route)
		return;
	char line[300];
	int n = snprintf(line, sizeof(line), "%s %s %u\n", rq->method, rq->route->pattern, rq->status);
	if (n <= 0 || (size_t)n >= sizeof(line))
		return;
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	ssize_t w = write(fd, line, (size_t)n); /* one write under O_APPEND: lines never interleave */
	(void)w;
	close(fd);
#else
	(void)rq;
#endif
}

static const uint64_t latency_bounds_us[] = { 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000 };

static void count(es_req *rq)
{
	es_metrics *m = &rq->srv->metrics;
	unsigned cls = rq->status / 100;
	if (cls > 5)
		cls = 5;
	int ri = rq->route_index >= 0 && rq->route_index < ES_METRIC_ROUTES - 1 ? rq->route_index : ES_METRIC_ROUTES - 1;
	atomic_fetch_add(&m->requests[ri][cls], 1);
	uint64_t us = (now_ns() - rq->started_ns) / 1000;
	size_t b = 0;
	while (b < ES_ARRAY_LEN(latency_bounds_us) && us > latency_bounds_us[b])
		b++;
	atomic_fetch_add(&m->latency_bucket[b], 1);
	atomic_fetch_add(&m->latency_sum_us, us);
	atomic_fetch_add(&m->latency_count, 1);
}

/* Authentication and the route's es_action, on a platform handle held for the call. */
static int check_caller(es_req *rq)
{
	int err;
	if ((err = authenticate(rq)) != 0)
		return err;
	rq->account = es_actor_account(rq->actor);
	if (rq->route->action &&
	    (err = es_platform_allowed(rq->p, rq->actor, (es_action)rq->route->action, -1)) < 0)
		return err;
	rq->authed = true;
	return 0;
}

static void answer_error(es_req *rq, int err)
{
	if (err > 0) /* a bare HTTP status from a helper (415, 429) */
		reply_error(rq, (unsigned)err, es_error_name(es_error_last()->code), es_error_last()->message);
	else if (err < 0)
		reply_es_error(rq, err);
}

static void run_handler(es_req *rq)
{
	const es_route *r = rq->route;
	int err = 0; /* the refusals below answer themselves and leave it 0 */
	rq->p = es_pool_take(&rq->srv->pool);
	if (r->auth == ES_ROUTE_USER && !rq->authed && (err = check_caller(rq)) != 0)
		goto done;
	if (rq->body_too_big) {
		reply_error(rq, 413, "ELIMIT", "the body is larger than this route accepts");
		goto done;
	}
	if (rq->multipart && es_upload_end(&rq->upload) < 0) {
		reply_error(rq, rq->upload.status, es_error_name(rq->upload.code), rq->upload.message);
		goto done;
	}
	es_error_clear();
	err = r->handler(rq);
done:
	answer_error(rq, err);
	es_actor_free(rq->actor);
	rq->actor = NULL;
	es_pool_give(&rq->srv->pool, rq->p);
	rq->p = NULL;
	OPENSSL_cleanse(rq->csrf, sizeof(rq->csrf));
}

static size_t body_limit(es_req *rq)
{
	if (!rq->route)
		return 0;
	/* before any authentication: sign-in's small limit, or a public route's own (a document: the configured one) */
	if (rq->route->auth == ES_ROUTE_PUBLIC) {
		size_t own = rq->route->max_body;
		if (own == ES_BODY_DOCUMENT)
			return rq->srv->cfg.body_document < own ? rq->srv->cfg.body_document : own;
		return own ? own : rq->srv->cfg.body_small;
	}
	size_t route = rq->multipart ? es_upload_spec_max(rq->upload.spec) : rq->route->max_body;
	/* bodies of authenticated routes: the route's own limit, at most the server's */
	return route < rq->srv->cfg.body_large ? route : rq->srv->cfg.body_large;
}

/*
 * A request that comes with a body is judged on its headers before the body is
 * read: its declared size, its caller (a large body only after authentication)
 * and, for an upload, its Content-Type. A refusal of a client that waits for
 * "100 Continue", or of a body far over the limit, is answered at once: the body
 * is never read and libmicrohttpd closes the connection (*now). Other refused
 * bodies are read and dropped (at most the limit + 1 MiB), then answered, so
 * that a client still sending sees the answer rather than a reset connection.
 */
static bool refuse_before_body(es_req *rq, bool *now)
{
	*now = false;
	const char *cl = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	const char *te = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
	if ((!cl || strcmp(cl, "0") == 0) && !te)
		return false;
	const es_route *r = rq->route;
	const es_upload_spec *spec = es_upload_spec_of(r->request_schema);
	const char *type = es_header(rq, "Content-Type");
	if (spec && r->auth == ES_ROUTE_USER && es_is_multipart(type)) {
		rq->multipart = true;
		es_upload_init(&rq->upload, spec);
	}
	unsigned long long declared = cl ? strtoull(cl, NULL, 10) : 0;
	const char *expect = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_EXPECT);
	*now = (expect && strncasecmp(expect, "100-continue", 12) == 0) || declared > body_limit(rq) + ((size_t)1 << 20);
	if (declared > body_limit(rq)) {
		reply_error(rq, 413, "ELIMIT", "the body is larger than this route accepts");
		return true;
	}
	if (r->auth == ES_ROUTE_USER) {
		es_error_clear();
		rq->p = es_pool_take(&rq->srv->pool);
		int err = check_caller(rq);
		es_pool_give(&rq->srv->pool, rq->p);
		rq->p = NULL;
		if (err != 0) {
			answer_error(rq, err);
			return true;
		}
	}
	if (spec && !rq->multipart && !(spec->json_too && type && strncasecmp(type, "application/json", 16) == 0)) {
		reply_error(rq, 415, "ENOTSUPPORTED",
			    spec->json_too ? "send the body as application/json, or as multipart/form-data with its parts"
					   : "send the file as multipart/form-data (curl -F 'file=@PATH')");
		return true;
	}
	if (rq->multipart && es_upload_begin(&rq->upload, rq->conn) < 0) {
		reply_error(rq, rq->upload.status, es_error_name(rq->upload.code), rq->upload.message);
		return true;
	}
	return false;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				  const char *version, const char *upload, size_t *upload_size, void **req_cls)
{
	(void)version;
	es_server *s = cls;
	es_req *rq = *req_cls;
	if (!rq) {
		/* the first call: set up, answer on a later one (keep-alive, SERVICE.md §3) */
		rq = es_calloc(1, sizeof(*rq));
		if (!rq)
			return MHD_NO;
		rq->srv = s;
		rq->conn = conn;
		rq->url = url;
		rq->account = -1;
		rq->route_index = -1;
		rq->started_ns = now_ns();
		snprintf(rq->method, sizeof(rq->method), "%s", method);
		es_buf_init(&rq->body, s->cfg.body_large + 1);
		es_buf_init(&rq->out, 0);
		request_id(rq);
		client_address(rq);
		atomic_fetch_add(&s->metrics.in_flight, 1);
		*req_cls = rq;
		bool known = false;
		rq->route_index = es_route_match(method, url, rq, &known);
		if (rq->route_index >= 0 && !es_route_served(&s->cfg, &es_routes[rq->route_index])) {
			rq->route_index = -1; /* not served by this node's role (docs/public-services.md "Roles") */
			reply_error(rq, 404, "ENOTFOUND",
				    s->cfg.role_verify ? "this node serves only the public reads (eseal serve --role verify)"
						       : "this node does not verify documents (eseal serve --role sign): ask a "
							 "verify node");
		} else if (rq->route_index >= 0) {
			rq->route = &es_routes[rq->route_index];
			bool now = false;
			if (refuse_before_body(rq, &now) && now)
				return send_reply(rq);
		} else if (s->cfg.web_root && es_static_wants(method, url)) {
			rq->is_static = true; /* the console's files (static.c), answered on the next call */
		} else if (known) {
			reply_error(rq, 405, "EINVAL", "this method is not allowed on this path");
		} else {
			reply_error(rq, 404, "ENOTFOUND", "no such route: see /api/openapi.json");
		}
		return MHD_YES;
	}
	if (*upload_size) {
		size_t limit = body_limit(rq), n = *upload_size;
		rq->received += n;
		*upload_size = 0;
		if (rq->answered || rq->body_too_big) {
			/* a body without a declared size that goes on far past the limit: cut it off */
			return rq->received > limit + ((size_t)1 << 20) ? MHD_NO : MHD_YES;
		}
		if (rq->received > limit) {
			rq->body_too_big = true;
			es_buf_release(&rq->body);
			if (rq->multipart) {
				(void)es_upload_end(&rq->upload);
				es_upload_release(&rq->upload);
				rq->multipart = false;
			}
		} else if (rq->multipart) {
			(void)es_upload_feed(&rq->upload, upload, n); /* a refusal waits in rq->upload.status */
		} else if (es_buf_put(&rq->body, upload, n) < 0) {
			rq->body_too_big = true;
			es_buf_release(&rq->body);
		}
		return MHD_YES;
	}
	if (rq->queued) /* resumed: the worker's answer is ready (or, spuriously, not yet) */
		return atomic_load(&rq->worked) ? send_reply(rq) : MHD_YES;
	if (rq->parked) { /* a long-poll resumed (jobs_bg.c): answer with the job as it is now */
		if (!atomic_load(&rq->woken))
			return MHD_YES;
		rq->parked = false;
		rq->authed = false; /* signed in again: the session may have ended meanwhile */
		run_handler(rq);
		return send_reply(rq);
	}
	if (!rq->answered && rq->is_static) {
		int err = es_static_serve(rq);
		if (err < 0)
			reply_es_error(rq, err);
		return send_reply(rq);
	}
	if (!rq->answered && es_route_long(rq->route)) {
		if (es_workers_submit(&s->runs, rq))
			return MHD_YES;
		snprintf(rq->extra_header[1], sizeof(rq->extra_header[1]), "Retry-After: 5");
		reply_error(rq, 503, "ELIMIT",
			    "as many job runs as the server allows (job_runs) are sealing: try again in a moment; "
			    "authorised jobs are also sealed in the background");
	}
	if (!rq->answered && s->workers.n && es_route_slow(rq->route)) {
		if (es_workers_submit(&s->workers, rq))
			return MHD_YES;
		snprintf(rq->extra_header[1], sizeof(rq->extra_header[1]), "Retry-After: 1");
		reply_error(rq, 503, "ELIMIT", "the server is busy: try again in a moment");
	}
	if (!rq->answered) {
		run_handler(rq);
		if (!rq->answered && rq->park_wait) {
			/* a long-poll (GET /api/v1/jobs/{id}?wait=): the connection waits, no thread does */
			if (es_jobs_bg_park(s, rq))
				return MHD_YES;
			atomic_store(&rq->woken, true); /* too many wait, or stopping: answer now */
			rq->authed = false;
			run_handler(rq);
		}
	}
	return send_reply(rq);
}

static void refuse_stopping(es_req *rq)
{
	reply_error(rq, 503, "ELIMIT", "the server is stopping: try again on another node or in a moment");
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls, enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)conn;
	(void)toe;
	es_req *rq = *req_cls;
	if (!rq)
		return;
	if (!rq->status)
		rq->status = 499; /* the client went away */
	count(rq);
	access_log(rq);
	test_route_log(rq);
	atomic_fetch_sub(&rq->srv->metrics.in_flight, 1);
	es_buf_release(&rq->body);
	es_buf_release(&rq->out);
	if (rq->upload.pp)
		(void)es_upload_end(&rq->upload);
	es_upload_release(&rq->upload);
	es_actor_free(rq->actor);
	OPENSSL_cleanse(rq->csrf, sizeof(rq->csrf));
	es_free(rq);
	*req_cls = NULL;
}

/* ---- start and stop ------------------------------------------------------------------ */

static int parse_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *len, bool *v6)
{
	char host[128];
	const char *colon = strrchr(listen, ':');
	if (!colon || colon == listen)
		return es_error_set(ES_EINVAL, "--listen '%s': give HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:8080", listen);
	size_t hl = (size_t)(colon - listen);
	if (hl >= sizeof(host))
		return es_error_set(ES_EINVAL, "--listen '%s': host too long", listen);
	memcpy(host, listen, hl);
	host[hl] = 0;
	char *end;
	long port = strtol(colon + 1, &end, 10);
	if (*end || port < 0 || port > 65535 || end == colon + 1)
		return es_error_set(ES_EINVAL, "--listen '%s': the port must be 0-65535", listen);
	memset(ss, 0, sizeof(*ss));
	if (host[0] == '[' && host[hl - 1] == ']') {
		host[hl - 1] = 0;
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
		if (inet_pton(AF_INET6, host + 1, &a->sin6_addr) != 1)
			return es_error_set(ES_EINVAL, "--listen '%s': not an IPv6 address", listen);
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		*len = sizeof(*a);
		*v6 = true;
		return 0;
	}
	struct sockaddr_in *a = (struct sockaddr_in *)ss;
	if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
		return es_error_set(ES_EINVAL, "--listen '%s': not an IPv4 address (names are not resolved)", listen);
	a->sin_family = AF_INET;
	a->sin_port = htons((uint16_t)port);
	*len = sizeof(*a);
	*v6 = false;
	return 0;
}

static void pool_close(es_platform_pool *pool)
{
	for (size_t i = 0; i < pool->n; i++)
		es_platform_close(pool->all[i]);
	es_platform_context_close(pool->ctx);
	pool->ctx = NULL;
	es_free(pool->all);
	es_free(pool->free);
	pool->all = pool->free = NULL;
	pool->n = pool->nfree = 0;
}

int es_server_start(es_server *s, const es_server_config *cfg)
{
	struct sockaddr_storage ss;
	socklen_t sl = 0;
	bool v6 = false;
	int err;
	memset(s, 0, sizeof(*s));
	s->cfg = *cfg;
	s->log = cfg->quiet ? NULL : stderr;
	pthread_mutex_init(&s->log_mu, NULL);
	pthread_mutex_init(&s->limiter.mu, NULL);
	pthread_mutex_init(&s->pool.mu, NULL);
	pthread_cond_init(&s->pool.cv, NULL);
	s->secure_cookies = cfg->public_url && strncmp(cfg->public_url, "https://", 8) == 0;
	if (cfg->threads < 1 || cfg->threads > 64)
		return es_error_set(ES_EINVAL, "threads must be 1-64 (got %u)", cfg->threads);
	if ((err = parse_listen(cfg->listen, &ss, &sl, &v6)) < 0)
		return err;
	if (cfg->trusted_proxies && *cfg->trusted_proxies && (err = es_cidr_list_check(cfg->trusted_proxies)) < 0)
		return es_error_wrap(err, "trusted_proxies");
	if (cfg->workers > 64)
		return es_error_set(ES_EINVAL, "workers must be 0-64 (got %u)", cfg->workers);
	if (cfg->job_workers > 16 || cfg->job_poll_ms < 100 || cfg->job_poll_ms > 60000)
		return es_error_set(ES_EINVAL, "job_workers must be 0-16 and job_poll_ms 100-60000 (got %u, %u)",
				    cfg->job_workers, cfg->job_poll_ms);
	if (cfg->job_lease_s && (cfg->job_lease_s < ES_JOB_LEASE_MIN || cfg->job_lease_s > ES_JOB_LEASE_MAX))
		return es_error_set(ES_EINVAL, "job_lease_s must be %d-%d (got %u)", ES_JOB_LEASE_MIN, ES_JOB_LEASE_MAX,
				    cfg->job_lease_s);
	if (cfg->job_runs < 1 || cfg->job_runs > 16)
		return es_error_set(ES_EINVAL, "job_runs must be 1-16 (got %u)", cfg->job_runs);
	/* one platform session for each thread that may hold one */
	size_t n = cfg->threads + cfg->workers + (cfg->role_verify ? 0 : cfg->job_runs);
	s->pool.all = es_calloc(n, sizeof(es_platform *));
	s->pool.free = es_calloc(n, sizeof(es_platform *));
	if (!s->pool.all || !s->pool.free)
		return es_error_set(ES_ENOMEM, "out of memory");
	/* the keys and settings once per process; a store connection per session */
	/* a verify node never opens the master key: certificates only (es_platform_options.public_only) */
	es_platform_options base = ES_PLATFORM_OPTIONS_INIT;
	base.public_only = cfg->role_verify;
	if ((err = es_platform_context_open_dir(&s->pool.ctx, cfg->dir, cfg->store, &base)) < 0) {
		pool_close(&s->pool);
		return err;
	}
	for (size_t i = 0; i < n; i++) {
		if ((err = es_platform_session(&s->pool.all[i], s->pool.ctx)) < 0) {
			pool_close(&s->pool);
			return err;
		}
		s->pool.n++;
		s->pool.free[s->pool.nfree++] = s->pool.all[i];
	}
	/* a full node publishes the signed status list and CRL at once, for the verify nodes */
	if (!cfg->role_verify && s->pool.n && es_platform_publish(s->pool.all[0]) < 0)
		es_error_clear(); /* published again at the next change */
	/* a verify node serves no job route: no job-run threads there */
	if ((err = es_workers_start(&s->workers, cfg->workers, ES_WORKER_QUEUE, run_handler)) < 0 ||
	    (err = es_workers_start(&s->runs, cfg->role_verify ? 0 : cfg->job_runs, ES_JOB_RUN_QUEUE, run_handler)) < 0 ||
	    (err = es_public_start(s)) < 0 || (err = es_jobs_bg_start(s)) < 0) {
		es_workers_stop(&s->workers, NULL);
		es_workers_stop(&s->runs, NULL);
		es_public_stop(s);
		pool_close(&s->pool);
		return err;
	}
	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME |
			 (v6 ? MHD_USE_IPv6 : 0);
	s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				     MHD_OPTION_THREAD_POOL_SIZE, cfg->threads, MHD_OPTION_CONNECTION_LIMIT,
				     cfg->max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT, cfg->per_ip_connections,
				     MHD_OPTION_CONNECTION_TIMEOUT, cfg->timeout_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
				     (size_t)64 * 1024, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_END);
	if (!s->daemon) {
		es_jobs_bg_free(s);
		es_workers_stop(&s->workers, NULL);
		es_workers_stop(&s->runs, NULL);
		es_public_stop(s);
		pool_close(&s->pool);
		return es_error_set(ES_EIO, "cannot listen on %s: is the port in use, or the address not this machine's?",
				    cfg->listen);
	}
	if ((err = es_peers_start(s)) < 0) {
		es_server_stop(s, 0);
		return err;
	}
	return 0;
}

unsigned es_server_port(es_server *s)
{
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
	return di ? di->port : 0;
}

void es_server_stop(es_server *s, unsigned drain_s)
{
	if (!s->daemon)
		return;
	MHD_socket ls = MHD_quiesce_daemon(s->daemon);
	if (ls != MHD_INVALID_SOCKET)
		close(ls);
	es_jobs_bg_stop(s); /* long-polls answer now; background workers end their slice */
	uint64_t until = now_ns() + (uint64_t)drain_s * 1000000000ull;
	while (atomic_load(&s->metrics.in_flight) > 0 && now_ns() < until)
		usleep(20000);
	/* work still queued is refused, work running finishes; their answers go out */
	es_workers_stop(&s->workers, refuse_stopping);
	es_workers_stop(&s->runs, refuse_stopping); /* a run ends after its slice (es_jobs_bg_stopping) */
	until = now_ns() + 2000000000ull;
	while (atomic_load(&s->metrics.in_flight) > 0 && now_ns() < until)
		usleep(20000);
	MHD_stop_daemon(s->daemon);
	s->daemon = NULL;
	es_jobs_bg_free(s);
	es_peers_stop(s);
	es_public_stop(s);
	pool_close(&s->pool); /* each session writes its audit checkpoint */
}
