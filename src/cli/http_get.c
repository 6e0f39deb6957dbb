/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The command's one HTTP client (libcurl): a bounded GET of a platform's public
 * service, e.g. eseal verify --status-url (docs/public-services.md). */
#include "cli.h"
#include "text.h"
#include <curl/curl.h>
#include <strings.h>

typedef struct get_ctx {
	es_buf *body;
	const char *want;       /* a response header to capture, or NULL */
	char *hval;
	size_t hcap;
	bool too_big;
} get_ctx;

static size_t on_body(char *p, size_t size, size_t n, void *vctx)
{
	get_ctx *c = vctx;
	if (es_buf_put(c->body, p, size * n) < 0) {
		c->too_big = true;
		return 0; /* stops the transfer */
	}
	return size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *vctx)
{
	get_ctx *c = vctx;
	size_t len = size * n, k = c->want ? strlen(c->want) : 0;
	if (k && len > k + 1 && strncasecmp(p, c->want, k) == 0 && p[k] == ':') {
		const char *v = p + k + 1;
		size_t vl = len - k - 1;
		while (vl && (*v == ' ' || *v == '\t'))
			v++, vl--;
		while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
			vl--;
		if (vl < c->hcap) {
			memcpy(c->hval, v, vl);
			c->hval[vl] = 0;
		}
	}
	return len;
}

int cli_http_get(const char *url, es_buf *body, size_t max, const char *header, char *hval, size_t hcap)
{
	get_ctx c = { body, header, hval, hcap, false };
	char errbuf[CURL_ERROR_SIZE] = "";
	long status = 0;
	int err = 0;
	if (hval && hcap)
		hval[0] = 0;
	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
		return es_error_set(ES_EINVAL, "'%s' is not an http:// or https:// URL", url);
	body->max = max;
	CURL *h = curl_easy_init();
	if (!h)
		return es_error_set(ES_ENOMEM, "cannot start the HTTP client");
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &c);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &c);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "eseal");
	CURLcode rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(h);
	if (c.too_big)
		err = es_error_set(ES_ELIMIT, "the answer from %s is larger than %zu bytes", url, max);
	else if (rc != CURLE_OK)
		err = es_error_set(ES_EIO, "cannot fetch %s: %s", url, errbuf[0] ? errbuf : curl_easy_strerror(rc));
	else if (status != 200)
		err = es_error_set(ES_EIO, "%s answered HTTP %ld", url, status);
	return err;
}

int cli_unbase64(es_buf *out, const char *b64)
{
	size_t n = strlen(b64);
	if (n == 0 || n > 4096)
		return es_error_set(ES_EMALFORMED, "not base64");
	int err = es_unbase64(out, b64, n, false);
	return err == ES_EINVAL ? es_error_wrap(ES_EMALFORMED, "not base64") : err;
}
