/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The filing sender's HTTP client (es_filing.h): one POST on libcurl, so HTTPS,
 * host names and IPv6 come with it; bounded in time and in what it reads back. */
#include "es_int.h"
#include "eseal/es_filing.h"
#include "store/store_limits.h"
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

int es_filing_post(const char *url, const char *ca_file, unsigned timeout_s, const es_filing *f)
{
	ES_ASSERT_ARG(url && f && f->target && f->key && (f->payload || f->len == 0));
	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
		return es_error_set(ES_EINVAL, "the filing URL must start with http:// or https://");
	/* header values are ours (targets and keys are ASCII words), but keep CR/LF out whatever happens */
	if (strpbrk(f->key, "\r\n") || strpbrk(f->target, "\r\n") || strlen(f->key) > 200 || strlen(f->target) > 32)
		return es_error_set(ES_EINVAL, "filing key or target is not a header value");
	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK)
		return es_error_set(ES_EIO, "filing POST: libcurl did not start (%s)", curl_easy_strerror(curl_init_rc));
	CURL *h = curl_easy_init();
	if (!h)
		return es_error_set(ES_ENOMEM, "filing POST: out of memory");
	struct curl_slist *hdr = NULL, *more;
	char line[256];
	long status = 0;
	size_t seen = 0;
	int err = 0;
	const char *lines[3] = { "Content-Type: application/json", line, NULL };
	snprintf(line, sizeof(line), "Idempotency-Key: %s", f->key);
	for (size_t i = 0; i < 2; i++) {
		if (!(more = curl_slist_append(hdr, lines[i]))) {
			err = es_error_set(ES_ENOMEM, "filing POST: out of memory");
			goto done;
		}
		hdr = more;
	}
	snprintf(line, sizeof(line), "X-Filing-Target: %s", f->target);
	if (!(more = curl_slist_append(hdr, line))) {
		err = es_error_set(ES_ENOMEM, "filing POST: out of memory");
		goto done;
	}
	hdr = more;
	/* no "Expect: 100-continue" round trip */
	if (!(more = curl_slist_append(hdr, "Expect:"))) {
		err = es_error_set(ES_ENOMEM, "filing POST: out of memory");
		goto done;
	}
	hdr = more;
	long t = timeout_s ? (long)timeout_s : ES_PLAT_HTTP_TIMEOUT_S;
	if (curl_easy_setopt(h, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_TIMEOUT, t) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, t) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_POSTFIELDS, f->payload ? f->payload : "") != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)f->len) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, drop_body) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_WRITEDATA, &seen) != CURLE_OK ||
	    (ca_file && curl_easy_setopt(h, CURLOPT_CAINFO, ca_file) != CURLE_OK)) {
		err = es_error_set(ES_EINTERNAL, "filing POST: libcurl refused an option");
		goto done;
	}
	CURLcode rc = curl_easy_perform(h);
	if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && seen > 65536)) {
		/* curl's message names the host or the TLS problem, not the URL's user or password */
		err = es_error_set(ES_EIO, "filing POST: %s", curl_easy_strerror(rc));
		goto done;
	}
	(void)curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (status < 200 || status > 299)
		err = es_error_set(ES_EIO, "filing POST: the receiver answered %ld", status);
done:
	curl_slist_free_all(hdr);
	curl_easy_cleanup(h);
	return err;
}
