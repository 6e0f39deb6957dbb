/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The command's HTTP: a platform's status list fetched with the platform's own bounded
 * GET (es_platform__http_get, the one user of libcurl's GET), for eseal verify
 * --status-url (docs/public-services.md). */
#include "cli.h"
#include "text.h"
#include "platform/platform_int.h"

int cli_status_list_get(const char *url, es_buf *body, size_t max, char *sig_b64, size_t cap)
{
	es_http_got got;
	int err;
	if (cap)
		sig_b64[0] = 0;
	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
		return es_error_set(ES_EINVAL, "'%s' is not an http:// or https:// URL", url);
	if ((err = es_platform__http_get(url, NULL, max, 60, body, &got)) < 0)
		return es_error_wrap(err, "cannot fetch %s", url);
	if (got.status != 200)
		return es_error_set(ES_EIO, "%s answered HTTP %ld", url, got.status);
	if (strlen(got.signature) < cap)
		memcpy(sig_b64, got.signature, strlen(got.signature) + 1);
	return 0;
}

int cli_unbase64(es_buf *out, const char *b64)
{
	size_t n = strlen(b64);
	if (n == 0 || n > 4096)
		return es_error_set(ES_EMALFORMED, "not base64");
	int err = es_unbase64(out, b64, n, false);
	return err == ES_EINVAL ? es_error_wrap(ES_EMALFORMED, "not base64") : err;
}
