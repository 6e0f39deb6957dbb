/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Streamed multipart/form-data uploads (docs/server.md, "Uploads"): the parts each
 * upload route accepts, with their limits; the MHD_PostProcessor iterator that
 * collects them into bounded buffers as the body arrives; the handlers' accessors. */
#include "server.h"
#include "store/store_limits.h"
#include "text.h"
#include <microhttpd.h>
#include <stdarg.h>
#include <strings.h>

/* The parts of each upload, by the route's request schema. Text parts are small;
 * a file part streams into a buffer bounded by its own limit. */
static const es_upload_spec upload_specs[] = {
	{ "AttachmentUpload", false,
	  { { "kind", false, true, 32, "what the file is: letter, id-copy, summary, ..." },
	    { "name", false, false, ES_PLAT_MAX_NAME, "the file's name (default: the uploaded file's name)" },
	    { "file", true, true, ES_PLAT_MAX_ATTACHMENT, "the file's bytes" } } },
	{ "ApplicationForm", true,
	  { { "form", false, true, 65536, "the application as JSON (the ApplicationForm schema)" },
	    { "impression", true, false, ES_PLAT_MAX_IMPRESSION, "the impression as a PNG (eseal image import)" } } },
	{ "ApplicationEdit", true,
	  { { "form", false, true, 65536, "the fields to change as JSON (the ApplicationEdit schema)" },
	    { "impression", true, false, ES_PLAT_MAX_IMPRESSION, "a new impression as a PNG (eseal image import)" } } },
	{ "RegistryUpload", false,
	  { { "file", true, true, ES_PLAT_MAX_FEED, "the registration feed: CSV (name,credit_code,region,legal_rep) or a JSON array" } } },
	{ "PsbUpload", false,
	  { { "file", true, true, ES_PLAT_MAX_FEED,
	      "the public-security export: JSON array of {seal_code, credit_code, name, kind, impression}" } } },
};

const es_upload_spec *es_upload_spec_of(const char *schema)
{
	for (size_t i = 0; schema && i < ES_ARRAY_LEN(upload_specs); i++)
		if (strcmp(upload_specs[i].schema, schema) == 0)
			return &upload_specs[i];
	return NULL;
}

const es_upload_spec *es_upload_spec_at(size_t i)
{
	return i < ES_ARRAY_LEN(upload_specs) ? &upload_specs[i] : NULL;
}

size_t es_upload_spec_max(const es_upload_spec *spec)
{
	size_t total = 0;
	for (size_t i = 0; i < ES_UPLOAD_PARTS && spec->parts[i].name; i++)
		total += spec->parts[i].max + 4096; /* headers and boundaries of each part */
	return total;
}

bool es_is_multipart(const char *type)
{
	return type && strncasecmp(type, "multipart/form-data", 19) == 0 && (type[19] == 0 || type[19] == ';');
}

void es_upload_init(es_upload *up, const es_upload_spec *spec)
{
	memset(up, 0, sizeof(*up));
	up->spec = spec;
	for (size_t i = 0; i < ES_UPLOAD_PARTS; i++)
		es_buf_init(&up->data[i], spec && spec->parts[i].name ? spec->parts[i].max + 1 : 0);
}

void es_upload_release(es_upload *up)
{
	for (size_t i = 0; i < ES_UPLOAD_PARTS; i++)
		es_buf_release(&up->data[i]);
	memset(up, 0, sizeof(*up));
}

static int upload_fail(es_upload *up, unsigned status, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int upload_fail(es_upload *up, unsigned status, int code, const char *fmt, ...)
{
	if (!up->status) {
		va_list ap;
		va_start(ap, fmt);
		up->status = status;
		up->code = code;
		vsnprintf(up->message, sizeof(up->message), fmt, ap);
		va_end(ap);
	}
	return -1;
}

int es_upload_part(es_upload *up, const char *key, const char *filename, const char *data, uint64_t off, size_t size)
{
	if (up->status)
		return -1;
	if (!key)
		return upload_fail(up, 400, ES_EMALFORMED, "a part has no name");
	size_t i = 0;
	char shown[65];
	es_text_copy(shown, sizeof(shown), key);
	while (i < ES_UPLOAD_PARTS && up->spec->parts[i].name && strcmp(up->spec->parts[i].name, key) != 0)
		i++;
	if (i == ES_UPLOAD_PARTS || !up->spec->parts[i].name)
		return upload_fail(up, 422, ES_EINVAL, "unknown part '%s' in the upload", shown);
	const es_upload_part_spec *ps = &up->spec->parts[i];
	es_buf *b = &up->data[i];
	/* a new part of a name already given: refused (a part's data comes in order, off = bytes so far) */
	if (off == 0 && up->seen[i] && (b->len > 0 || up->last != i + 1))
		return upload_fail(up, 400, ES_EMALFORMED, "part '%s' is given twice", shown);
	if (off != b->len)
		return upload_fail(up, 400, ES_EMALFORMED, "part '%s' arrives out of order", shown);
	if (ps->file != (filename != NULL))
		return upload_fail(up, 422, ES_EINVAL, ps->file ? "part '%s' must be a file (filename=...)" :
								 "part '%s' must be a plain field, not a file",
				   shown);
	up->seen[i] = true;
	up->last = i + 1;
	if (filename && !up->filename[i][0]) {
		/* the name only: never a path the client chose */
		const char *base = filename;
		for (const char *c = filename; *c; c++)
			if (*c == '/' || *c == '\\')
				base = c + 1;
		es_text_copy(up->filename[i], sizeof(up->filename[i]), base);
	}
	if (size > ps->max || b->len + size > ps->max) {
		es_buf_release(b);
		return upload_fail(up, 413, ES_ELIMIT, "part '%s' is larger than %zu bytes", shown, ps->max);
	}
	if (size && es_buf_put(b, data, size) < 0)
		return upload_fail(up, 500, ES_ENOMEM, "out of memory");
	return 0;
}

int es_upload_finish(es_upload *up)
{
	if (up->status)
		return -1;
	for (size_t i = 0; i < ES_UPLOAD_PARTS && up->spec->parts[i].name; i++) {
		const es_upload_part_spec *ps = &up->spec->parts[i];
		if (ps->required && !up->seen[i])
			return upload_fail(up, 422, ES_EINVAL, "the upload lacks its part '%s'", ps->name);
		if (!ps->file && up->seen[i] && memchr(up->data[i].ptr, 0, up->data[i].len))
			return upload_fail(up, 422, ES_EINVAL, "part '%s' holds a NUL byte", ps->name);
		/* text parts are handed out NUL-terminated */
		if (!ps->file && up->seen[i] && es_buf_put(&up->data[i], "", 1) < 0)
			return upload_fail(up, 500, ES_ENOMEM, "out of memory");
	}
	return 0;
}

static int find(const es_upload *up, const char *name)
{
	for (size_t i = 0; up->spec && i < ES_UPLOAD_PARTS && up->spec->parts[i].name; i++)
		if (strcmp(up->spec->parts[i].name, name) == 0)
			return up->seen[i] ? (int)i : -1;
	return -1;
}

const char *es_upload_text(const es_upload *up, const char *name)
{
	int i = find(up, name);
	return i >= 0 && !up->spec->parts[i].file ? (const char *)up->data[i].ptr : NULL;
}

bool es_upload_file(const es_upload *up, const char *name, const uint8_t **data, size_t *len, const char **filename)
{
	int i = find(up, name);
	if (i < 0 || !up->spec->parts[i].file)
		return false;
	*data = up->data[i].ptr ? up->data[i].ptr : (const uint8_t *)"";
	*len = up->data[i].len;
	if (filename)
		*filename = up->filename[i];
	return true;
}

/* ---- the libmicrohttpd side ----------------------------------------------------------- */

static enum MHD_Result iterate(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
			       const char *content_type, const char *transfer_encoding, const char *data, uint64_t off,
			       size_t size)
{
	(void)kind;
	(void)content_type;
	(void)transfer_encoding;
	return es_upload_part(cls, key, filename, data, off, size) == 0 ? MHD_YES : MHD_NO;
}

int es_upload_begin(es_upload *up, struct MHD_Connection *conn)
{
	up->pp = MHD_create_post_processor(conn, 16 * 1024, iterate, up);
	if (!up->pp)
		return upload_fail(up, 400, ES_EMALFORMED, "the multipart body has no boundary: send Content-Type: multipart/form-data; boundary=...");
	return 0;
}

int es_upload_feed(es_upload *up, const char *data, size_t size)
{
	if (up->status || !up->pp)
		return -1;
	if (MHD_post_process(up->pp, data, size) != MHD_YES)
		return upload_fail(up, 400, ES_EMALFORMED, "the multipart body cannot be read");
	return 0;
}

int es_upload_end(es_upload *up)
{
	if (!up->pp)
		return up->status ? -1 : 0;
	enum MHD_Result complete = MHD_destroy_post_processor(up->pp);
	up->pp = NULL;
	if (up->status)
		return -1;
	if (complete != MHD_YES)
		return upload_fail(up, 400, ES_EMALFORMED, "the multipart body ends before its closing boundary");
	return es_upload_finish(up);
}

/* ---- OpenAPI: the multipart schema of an upload ------------------------------------------ */

json_t *es_upload_schema(const es_upload_spec *spec)
{
	json_t *props = json_object(), *req = json_array();
	for (size_t i = 0; i < ES_UPLOAD_PARTS && spec->parts[i].name; i++) {
		const es_upload_part_spec *ps = &spec->parts[i];
		json_t *p = ps->file ? json_pack("{s:s, s:s, s:s, s:I}", "type", "string", "contentMediaType",
						 "application/octet-stream", "description", ps->what, "x-eseal-max-bytes",
						 (json_int_t)ps->max)
				     : json_pack("{s:s, s:s, s:I}", "type", "string", "description", ps->what, "maxLength",
						 (json_int_t)ps->max);
		json_object_set_new(props, ps->name, p);
		if (ps->required)
			json_array_append_new(req, json_string(ps->name));
	}
	return json_pack("{s:s, s:o, s:o, s:b}", "type", "object", "properties", props, "required", req,
			 "additionalProperties", 0);
}
