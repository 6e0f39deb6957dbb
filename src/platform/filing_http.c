/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The filing sender's HTTP client (es_filing.h): one POST on libcurl, so HTTPS,
 * host names and IPv6 come with it; bounded in time and in what it reads back. */
#include "es_int.h"
#include "eseal/es_filing.h"
#include "store/store_limits.h"
#include "platform_int.h"
#include <curl/curl.h>
#include <pthread.h>
#include <strings.h>

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;

static void curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* The answer's body is not needed: read and dropped, at most 64 KiB. */
static size_t drop_body(char *ptr, size_t size, size_t n, void *ctx)
{
	size_t *seen = ctx;
	(void)ptr;
	*seen += size * n;
	return *seen > 65536 ? 0 : size * n;
}

int es_platform__http_post(const char *url, const char *ca_file, unsigned timeout_s, const char *const *headers,
			   const char *payload, size_t len, const char *what)
{
	ES_ASSERT_ARG(url && headers && what && (payload || len == 0));
	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
		return es_error_set(ES_EINVAL, "%s: the URL must start with http:// or https://", what);
	/* header values are ours, but keep CR/LF out whatever happens */
	for (size_t i = 0; headers[i]; i++)
		if (strpbrk(headers[i], "\r\n") || strlen(headers[i]) > 512)
			return es_error_set(ES_EINVAL, "%s: a header is not a header line", what);
	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK)
		return es_error_set(ES_EIO, "%s: libcurl did not start (%s)", what, curl_easy_strerror(curl_init_rc));
	CURL *h = curl_easy_init();
	if (!h)
		return es_error_set(ES_ENOMEM, "%s: out of memory", what);
	struct curl_slist *hdr = NULL, *more;
	long status = 0;
	size_t seen = 0;
	int err = 0;
	/* the caller's lines, JSON, and no "Expect: 100-continue" round trip */
	for (size_t i = 0; headers[i]; i++) {
		if (!(more = curl_slist_append(hdr, headers[i]))) {
			err = es_error_set(ES_ENOMEM, "%s: out of memory", what);
			goto done;
		}
		hdr = more;
	}
	static const char *const fixed[] = { "Content-Type: application/json", "Expect:" };
	for (size_t i = 0; i < 2; i++) {
		if (!(more = curl_slist_append(hdr, fixed[i]))) {
			err = es_error_set(ES_ENOMEM, "%s: out of memory", what);
			goto done;
		}
		hdr = more;
	}
	long t = timeout_s ? (long)timeout_s : ES_PLAT_HTTP_TIMEOUT_S;
	if (curl_easy_setopt(h, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_TIMEOUT, t) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, t) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_POSTFIELDS, payload ? payload : "") != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, drop_body) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_WRITEDATA, &seen) != CURLE_OK ||
	    (ca_file && curl_easy_setopt(h, CURLOPT_CAINFO, ca_file) != CURLE_OK)) {
		err = es_error_set(ES_EINTERNAL, "%s: libcurl refused an option", what);
		goto done;
	}
	CURLcode rc = curl_easy_perform(h);
	if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && seen > 65536)) {
		/* curl's message names the host or the TLS problem, not the URL's user or password */
		err = es_error_set(ES_EIO, "%s: %s", what, curl_easy_strerror(rc));
		goto done;
	}
	(void)curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (status < 200 || status > 299)
		err = es_error_set(ES_EIO, "%s: the receiver answered %ld", what, status);
done:
	curl_slist_free_all(hdr);
	curl_easy_cleanup(h);
	return err;
}

int es_filing_post(const char *url, const char *ca_file, unsigned timeout_s, const es_filing *f)
{
	ES_ASSERT_ARG(url && f && f->target && f->key && (f->payload || f->len == 0));
	if (strlen(f->key) > 200 || strlen(f->target) > 32)
		return es_error_set(ES_EINVAL, "filing key or target is not a header value");
	char idem[256], target[64];
	snprintf(idem, sizeof(idem), "Idempotency-Key: %s", f->key);
	snprintf(target, sizeof(target), "X-Filing-Target: %s", f->target);
	const char *headers[] = { idem, target, NULL };
	return es_platform__http_post(url, ca_file, timeout_s, headers, f->payload, f->len, "filing POST");
}

/* ---- a GET for status lists: the peers' (peers.c) and eseal verify --status-url's --------- */

typedef struct get_ctx {
	es_buf *body;
	size_t max;
	bool too_big;
	es_http_got *got;
} get_ctx;

static size_t keep_body(char *ptr, size_t size, size_t n, void *vctx)
{
	get_ctx *g = vctx;
	size_t len = size * n;
	if (g->body->len + len > g->max) {
		g->too_big = true;
		return 0;
	}
	return es_buf_put(g->body, ptr, len) == 0 ? len : 0;
}

/* Copy header "Name: value" into @p out when it is @p name (case-insensitive), trimmed. */
static void header_value(const char *line, size_t len, const char *name, char *out, size_t cap)
{
	size_t nl = strlen(name);
	if (len <= nl + 1 || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
		return;
	const char *v = line + nl + 1;
	size_t vl = len - nl - 1;
	while (vl && (*v == ' ' || *v == '\t')) {
		v++;
		vl--;
	}
	while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
		vl--;
	if (vl >= cap)
		return; /* too long to be ours: left empty, refused by the caller */
	memcpy(out, v, vl);
	out[vl] = 0;
}

static size_t keep_header(char *ptr, size_t size, size_t n, void *vctx)
{
	get_ctx *g = vctx;
	size_t len = size * n;
	header_value(ptr, len, "ETag", g->got->etag, sizeof(g->got->etag));
	header_value(ptr, len, "X-Status-Signature", g->got->signature, sizeof(g->got->signature));
	return len;
}

int es_platform__http_get(const char *url, const char *if_none_match, size_t max, unsigned timeout_s, es_buf *body,
			  es_http_got *got)
{
	ES_ASSERT_ARG(url && body && got);
	memset(got, 0, sizeof(*got));
	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
		return es_error_set(ES_EINVAL, "the URL must start with http:// or https://");
	if (if_none_match && (strpbrk(if_none_match, "\r\n") || strlen(if_none_match) > 128))
		return es_error_set(ES_EINVAL, "an ETag is not a header value");
	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK)
		return es_error_set(ES_EIO, "libcurl did not start (%s)", curl_easy_strerror(curl_init_rc));
	CURL *h = curl_easy_init();
	if (!h)
		return es_error_set(ES_ENOMEM, "out of memory");
	struct curl_slist *hdr = NULL;
	char inm[160];
	int err = 0;
	get_ctx g = { body, max, false, got };
	if (if_none_match && *if_none_match) {
		snprintf(inm, sizeof(inm), "If-None-Match: %s", if_none_match);
		if (!(hdr = curl_slist_append(NULL, inm))) {
			err = es_error_set(ES_ENOMEM, "out of memory");
			goto done;
		}
	}
	long t = timeout_s ? (long)timeout_s : ES_PLAT_HTTP_TIMEOUT_S;
	if (curl_easy_setopt(h, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK || curl_easy_setopt(h, CURLOPT_TIMEOUT, t) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, t) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, keep_body) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_WRITEDATA, &g) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, keep_header) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_HEADERDATA, &g) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_USERAGENT, "eseal") != CURLE_OK) {
		err = es_error_set(ES_EINTERNAL, "libcurl refused an option");
		goto done;
	}
	CURLcode rc = curl_easy_perform(h);
	if (g.too_big) {
		err = es_error_set(ES_ELIMIT, "the answer is larger than %zu bytes", max);
		goto done;
	}
	if (rc != CURLE_OK) {
		err = es_error_set(ES_EIO, "%s", curl_easy_strerror(rc));
		goto done;
	}
	(void)curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &got->status);
done:
	curl_slist_free_all(hdr);
	curl_easy_cleanup(h);
	return err;
}
