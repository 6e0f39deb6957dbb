/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * multipart/form-data (RFC 7578, RFC 2046 §5.1) over a complete body.
 *
 *   body      := [preamble CRLF] dash-boundary part *(CRLF dash-boundary part) CRLF dash-boundary "--" [epilogue]
 *   part      := CRLF *(header CRLF) CRLF data
 *
 * libmicrohttpd's MHD_PostProcessor hands parts over in chunks to be copied and
 * needs a live connection; the verifier needs each part whole, and the body is
 * already whole: here the parts are views into it.
 */
#include "multipart.h"
#include "text.h"
#include <strings.h>

/* The first occurrence of @p pat in @p hay, or NULL. */
static const uint8_t *find(const uint8_t *hay, size_t n, const uint8_t *pat, size_t m)
{
	if (m == 0 || n < m)
		return NULL;
	const uint8_t *p = hay, *end = hay + n - m + 1;
	while (p < end && (p = memchr(p, pat[0], (size_t)(end - p))) != NULL) {
		if (memcmp(p, pat, m) == 0)
			return p;
		p++;
	}
	return NULL;
}

/* The value of parameter @p key (case-insensitive) in a header value, quoted or not, into @p out. */
static bool param(const char *v, size_t vlen, const char *key, char *out, size_t cap)
{
	size_t kl = strlen(key);
	const char *p = v, *end = v + vlen;
	while (p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		if (!semi)
			return false;
		p = semi + 1;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if ((size_t)(end - p) > kl && strncasecmp(p, key, kl) == 0 && p[kl] == '=') {
			p += kl + 1;
			size_t n = 0;
			if (p < end && *p == '"') {
				p++;
				while (p < end && *p != '"') {
					if (*p == '\\' && p + 1 < end)
						p++;
					if (n + 1 >= cap)
						return false;
					out[n++] = *p++;
				}
				if (p >= end)
					return false;
			} else {
				while (p < end && *p != ';' && *p != ' ' && *p != '\t') {
					if (n + 1 >= cap)
						return false;
					out[n++] = *p++;
				}
			}
			out[n] = 0;
			return true;
		}
	}
	return false;
}

static bool header_is(const char *line, size_t n, const char *name, const char **value, size_t *vlen)
{
	size_t k = strlen(name);
	if (n <= k || strncasecmp(line, name, k) != 0 || line[k] != ':')
		return false;
	const char *v = line + k + 1;
	while (v < line + n && (*v == ' ' || *v == '\t'))
		v++;
	*value = v;
	*vlen = (size_t)(line + n - v);
	return true;
}

/* One part's header block (without its final empty line). */
static int part_headers(es_part *part, const char *h, size_t n, size_t index)
{
	bool disposition = false;
	const char *p = h, *end = h + n;
	while (p < end) {
		const char *eol = (const char *)find((const uint8_t *)p, (size_t)(end - p), (const uint8_t *)"\r\n", 2);
		size_t ln = eol ? (size_t)(eol - p) : (size_t)(end - p);
		const char *v;
		size_t vl;
		if (memchr(p, 0, ln))
			return es_error_set(ES_EMALFORMED, "part %zu: a NUL byte in its headers", index + 1);
		if (header_is(p, ln, "Content-Disposition", &v, &vl)) {
			if (vl < 9 || strncasecmp(v, "form-data", 9) != 0 || (vl > 9 && v[9] != ';' && v[9] != ' '))
				return es_error_set(ES_EMALFORMED, "part %zu: Content-Disposition must be form-data", index + 1);
			if (!param(v, vl, "name", part->name, sizeof(part->name)) || !part->name[0])
				return es_error_set(ES_EMALFORMED, "part %zu: form-data without a name (or one over %zu bytes)",
						    index + 1, sizeof(part->name) - 1);
			if (!param(v, vl, "filename", part->filename, sizeof(part->filename)))
				part->filename[0] = 0;
			disposition = true;
		} else if (header_is(p, ln, "Content-Type", &v, &vl)) {
			if (vl >= sizeof(part->type))
				vl = sizeof(part->type) - 1;
			memcpy(part->type, v, vl);
			part->type[vl] = 0;
		}
		p += ln + (eol ? 2 : 0);
	}
	if (!disposition)
		return es_error_set(ES_EMALFORMED, "part %zu has no Content-Disposition: form-data; name=\"…\"", index + 1);
	return 0;
}

int es_multipart_parse(const uint8_t *body, size_t len, const char *content_type, es_part *parts, size_t max,
		       size_t *n)
{
	ES_ASSERT_ARG((body || len == 0) && parts && n);
	char boundary[72];
	uint8_t delim[2 + 2 + sizeof(boundary)]; /* CRLF "--" boundary */
	*n = 0;
	if (!content_type || strncasecmp(content_type, "multipart/form-data", 19) != 0)
		return es_error_set(ES_EMALFORMED, "not multipart/form-data");
	if (!param(content_type, strlen(content_type), "boundary", boundary, sizeof(boundary)) || !boundary[0] ||
	    strlen(boundary) > 70)
		return es_error_set(ES_EMALFORMED, "multipart/form-data without a boundary of 1 to 70 characters");
	size_t bl = strlen(boundary), dl = 4 + bl;
	memcpy(delim, "\r\n--", 4);
	memcpy(delim + 4, boundary, bl);
	/* the first delimiter: at the very start, or after a preamble and CRLF */
	const uint8_t *p, *end = body + len;
	if (len >= dl - 2 && memcmp(body, delim + 2, dl - 2) == 0)
		p = body + dl - 2;
	else if ((p = find(body, len, delim, dl)) != NULL)
		p += dl;
	else
		return es_error_set(ES_EMALFORMED, "the body holds no '--%s' boundary line", boundary);
	for (;;) {
		if (end - p >= 2 && p[0] == '-' && p[1] == '-')
			break; /* the close delimiter; the epilogue is ignored */
		/* transport padding, then CRLF */
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
			return es_error_set(ES_EMALFORMED, "the body ends inside part %zu (no closing '--%s--')", *n + 1,
					    boundary);
		p += 2;
		if (*n >= max)
			return es_error_set(ES_ELIMIT, "more than %zu parts", max);
		es_part *part = &parts[*n];
		memset(part, 0, sizeof(*part));
		const uint8_t *hend;
		if (end - p >= 2 && p[0] == '\r' && p[1] == '\n')
			hend = p; /* no headers at all */
		else if ((hend = find(p, (size_t)(end - p) < ES_MULTIPART_MAX_HEADERS ? (size_t)(end - p)
											 : ES_MULTIPART_MAX_HEADERS,
				      (const uint8_t *)"\r\n\r\n", 4)) != NULL)
			hend += 2;
		else
			return es_error_set(ES_EMALFORMED, "part %zu: no end of its headers within %d bytes", *n + 1,
					    ES_MULTIPART_MAX_HEADERS);
		int err = part_headers(part, (const char *)p, (size_t)(hend - p), *n);
		if (err < 0)
			return err;
		p = hend + 2;
		const uint8_t *next = find(p, (size_t)(end - p), delim, dl);
		if (!next)
			return es_error_set(ES_EMALFORMED, "part %zu ('%s') has no closing '--%s' line", *n + 1, part->name,
					    boundary);
		part->data.ptr = p;
		part->data.len = (size_t)(next - p);
		(*n)++;
		p = next + dl;
	}
	return 0;
}

const es_part *es_multipart_get(const es_part *parts, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(parts[i].name, name) == 0)
			return &parts[i];
	return NULL;
}
