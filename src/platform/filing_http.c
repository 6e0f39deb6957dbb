/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The filing sender's HTTP client (es_filing.h): one POST on libcurl, so HTTPS,
 * host names and IPv6 come with it; bounded in time and in what it reads back. */
#include "es_int.h"
#include "eseal/es_filing.h"
#include "store/store_limits.h"
#include "platform_int.h"
#include <curl/curl.h>
#include <pthread.h>

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
