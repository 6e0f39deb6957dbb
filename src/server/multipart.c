/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * multipart/form-data (RFC 7578 over RFC 2046 §5.1.1):
 *
 *   body      := preamble? "--" B transport-padding CRLF part
 *                ( CRLF "--" B transport-padding CRLF part )* CRLF "--" B "--" epilogue?
 *   part      := header-line* CRLF data
 *
 * The data of a part runs to the next CRLF "--" B; B is 1 to 70 characters.
 * Everything returned points into the body: nothing is copied but the names.
 */
#include "multipart.h"
#include <strings.h>

#define BOUNDARY_MAX 70

static const uint8_t *find(const uint8_t *hay, size_t n, const uint8_t *needle, size_t m)
{
	if (m == 0 || n < m)
		return NULL;
	return memmem(hay, n, needle, m);
}

/* The boundary parameter of a Content-Type, unquoted, into @out (BOUNDARY_MAX + 1). */
static int boundary_of(const char *ct, char *out)
{
	static const char mp[] = "multipart/form-data";
	if (!ct || strncasecmp(ct, mp, sizeof(mp) - 1) != 0 || (ct[sizeof(mp) - 1] && ct[sizeof(mp) - 1] != ';' &&
								 ct[sizeof(mp) - 1] != ' '))
		return es_error_set(ES_ENOTSUPPORTED, "send the document as Content-Type: multipart/form-data");
	const char *p = ct + sizeof(mp) - 1;
	while (*p) {
		while (*p == ';' || *p == ' ' || *p == '\t')
			p++;
		size_t kl = strcspn(p, "=; \t");
		if (kl == 8 && strncasecmp(p, "boundary", 8) == 0 && p[kl] == '=') {
			const char *v = p + kl + 1;
			size_t vl;
			if (*v == '"') {
				v++;
				const char *q = strchr(v, '"');
				if (!q)
					return es_error_set(ES_EMALFORMED, "multipart: unterminated quoted boundary");
				vl = (size_t)(q - v);
			} else {
				vl = strcspn(v, "; \t");
			}
			if (vl < 1 || vl > BOUNDARY_MAX)
				return es_error_set(ES_EMALFORMED, "multipart: the boundary has 1 to 70 characters");
			for (size_t i = 0; i < vl; i++)
				if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] > 0x7e)
					return es_error_set(ES_EMALFORMED, "multipart: the boundary is printable ASCII");
			memcpy(out, v, vl);
			out[vl] = 0;
			return 0;
		}
		p += kl;
		if (*p == '=') {
			p++;
			if (*p == '"') {
				const char *q = strchr(p + 1, '"');
				p = q ? q + 1 : p + strlen(p);
			} else {
				p += strcspn(p, ";");
			}
		}
	}
	return es_error_set(ES_EMALFORMED, "multipart: the Content-Type has no boundary");
}

/* A parameter (name="value" or name=value) of a Content-Disposition into @out; 1 found, 0 not, <0 error. */
static int disp_param(const char *v, size_t vl, const char *key, char *out, size_t cap)
{
	size_t kl = strlen(key), i = 0;
	while (i < vl) {
		while (i < vl && (v[i] == ';' || v[i] == ' ' || v[i] == '\t'))
			i++;
		size_t start = i;
		while (i < vl && v[i] != '=' && v[i] != ';')
			i++;
		bool match = i - start == kl && strncasecmp(v + start, key, kl) == 0;
		if (i >= vl || v[i] != '=')
			continue;
		i++;
		size_t vs, ve;
		if (i < vl && v[i] == '"') {
			vs = ++i;
			while (i < vl && v[i] != '"') {
				if (v[i] == '\\')
					return es_error_set(ES_EMALFORMED, "multipart: escapes in a quoted parameter are not accepted");
				i++;
			}
			if (i >= vl)
				return es_error_set(ES_EMALFORMED, "multipart: unterminated quoted parameter");
			ve = i++;
		} else {
			vs = i;
			while (i < vl && v[i] != ';')
				i++;
			ve = i;
			while (ve > vs && (v[ve - 1] == ' ' || v[ve - 1] == '\t'))
				ve--;
		}
		if (match) {
			if (ve - vs >= cap)
				return es_error_set(ES_ELIMIT, "multipart: the %s parameter is longer than %zu bytes", key, cap - 1);
			for (size_t k = vs; k < ve; k++)
				if ((unsigned char)v[k] < 0x20 || v[k] == 0x7f)
					return es_error_set(ES_EMALFORMED, "multipart: control character in the %s parameter", key);
			memcpy(out, v + vs, ve - vs);
			out[ve - vs] = 0;
			return 1;
		}
	}
	return 0;
}

/* The header lines of one part, from @p to the empty line; *body_at: where its data starts. */
static int part_headers(const uint8_t *p, size_t n, es_part *part, size_t *body_at)
{
	size_t i = 0;
	bool disposition = false;
	for (unsigned lines = 0;; lines++) {
		const uint8_t *eol = find(p + i, n - i, (const uint8_t *)"\r\n", 2);
		if (!eol)
			return es_error_set(ES_EMALFORMED, "multipart: a part's headers do not end with an empty line");
		size_t ll = (size_t)(eol - (p + i));
		if (ll == 0) {
			*body_at = i + 2;
			break;
		}
		if (lines >= ES_MULTIPART_MAX_HEADERS || ll > ES_MULTIPART_MAX_HEADER)
			return es_error_set(ES_ELIMIT, "multipart: a part has more than %d header lines or one longer than %d bytes",
					    ES_MULTIPART_MAX_HEADERS, ES_MULTIPART_MAX_HEADER);
		const char *line = (const char *)(p + i);
		const char *colon = memchr(line, ':', ll);
		if (!colon || colon == line)
			return es_error_set(ES_EMALFORMED, "multipart: a part's header line has no name");
		size_t nl = (size_t)(colon - line);
		const char *v = colon + 1;
		size_t vl = ll - nl - 1;
		while (vl && (*v == ' ' || *v == '\t')) {
			v++;
			vl--;
		}
		for (size_t k = 0; k < vl; k++)
			if ((unsigned char)v[k] < 0x20 && v[k] != '\t')
				return es_error_set(ES_EMALFORMED, "multipart: control character in a part's header");
		if (nl == 19 && strncasecmp(line, "Content-Disposition", 19) == 0) {
			int r;
			if (disposition)
				return es_error_set(ES_EMALFORMED, "multipart: a part has two Content-Disposition headers");
			disposition = true;
			if (vl < 9 || strncasecmp(v, "form-data", 9) != 0 || (vl > 9 && v[9] != ';' && v[9] != ' '))
				return es_error_set(ES_EMALFORMED, "multipart: a part's Content-Disposition is not form-data");
			if ((r = disp_param(v + 9, vl - 9, "name", part->name, sizeof(part->name))) < 0)
				return r;
			if (r == 0 || !part->name[0])
				return es_error_set(ES_EMALFORMED, "multipart: a part has no name");
			if ((r = disp_param(v + 9, vl - 9, "filename", part->filename, sizeof(part->filename))) < 0)
				return r;
		} else if (nl == 12 && strncasecmp(line, "Content-Type", 12) == 0) {
			if (vl >= sizeof(part->type))
				return es_error_set(ES_ELIMIT, "multipart: a part's Content-Type is longer than %zu bytes",
						    sizeof(part->type) - 1);
			memcpy(part->type, v, vl);
			part->type[vl] = 0;
		}
		/* other headers (Content-Transfer-Encoding is deprecated by RFC 7578 §4.7) are ignored */
		i += ll + 2;
	}
	if (!disposition)
		return es_error_set(ES_EMALFORMED, "multipart: a part has no Content-Disposition");
	return 0;
}

int es_multipart_parse(const uint8_t *body, size_t len, const char *content_type, es_part *parts, size_t max,
		       size_t *n)
{
	char b[BOUNDARY_MAX + 1];
	uint8_t delim[BOUNDARY_MAX + 4];
	size_t dl, pos;
	int err;
	*n = 0;
	if ((err = boundary_of(content_type, b)) < 0)
		return err;
	/* "\r\n--B": the delimiter inside the body; the first may start the body without CRLF */
	dl = (size_t)snprintf((char *)delim, sizeof(delim), "\r\n--%s", b);
	if (!body)
		len = 0;
	if (len >= dl - 2 && memcmp(body, delim + 2, dl - 2) == 0) {
		pos = dl - 2;
	} else {
		const uint8_t *first = find(body, len, delim, dl);
		if (!first)
			return es_error_set(ES_EMALFORMED, "multipart: the boundary does not occur in the body");
		pos = (size_t)(first - body) + dl;
	}
	for (;;) {
		/* after a delimiter: "--" closes, else transport padding and CRLF */
		if (len - pos >= 2 && body[pos] == '-' && body[pos + 1] == '-')
			break;
		while (pos < len && (body[pos] == ' ' || body[pos] == '\t'))
			pos++;
		if (len - pos < 2 || body[pos] != '\r' || body[pos + 1] != '\n')
			return es_error_set(ES_EMALFORMED, "multipart: a boundary line does not end with CRLF");
		pos += 2;
		if (*n >= max)
			return es_error_set(ES_ELIMIT, "multipart: more than %zu parts", max);
		es_part *part = &parts[*n];
		size_t at = 0;
		memset(part, 0, sizeof(*part));
		if ((err = part_headers(body + pos, len - pos, part, &at)) < 0)
			return err;
		pos += at;
		const uint8_t *end = find(body + pos, len - pos, delim, dl);
		if (!end)
			return es_error_set(ES_EMALFORMED, "multipart: the body ends inside a part (no closing boundary)");
		part->data = body + pos;
		part->len = (size_t)(end - (body + pos));
		for (size_t k = 0; k < *n; k++)
			if (strcmp(parts[k].name, part->name) == 0)
				return es_error_set(ES_EMALFORMED, "multipart: the field '%s' is sent twice", part->name);
		(*n)++;
		pos = (size_t)(end - body) + dl;
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
