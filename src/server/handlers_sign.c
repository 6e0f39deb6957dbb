/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Sign services (docs/sign-services.md): documents sealed by the platform, a seal's
 * DER and picture, and the GB/T 38540 signature over a digest an OES asks for. Each
 * handler reads the request, calls one platform function and replies: the platform
 * decides who may do what (es_platform_seal_document, es_platform_seal_sign_digest).
 */
#include "handlers_sign.h"
#include "multipart.h"
#include <strings.h>
#include "text.h"
#include "eseal/es_seal.h"
#include "eseal/es_pdf.h"
#include "eseal/es_ofd_render.h"
#include <errno.h>

/* A sealed document can be as large as the largest document accepted, and a little more. */
#define SEALED_REPLY_MAX (((size_t)256 << 20) + ((size_t)8 << 20))

/* The text of a small form field as a C string into @out; ES_EINVAL naming it when too long. */
int es_form_text(const es_part *f, const char *name, char *out, size_t cap)
{
	if (f->filename[0])
		return es_error_set(ES_EINVAL, "the field '%s' is text, not a file", name);
	if (f->data.len >= cap || memchr(f->data.ptr, 0, f->data.len))
		return es_error_set(ES_EINVAL, "the field '%s' is longer than %zu bytes or holds a NUL", name, cap - 1);
	memcpy(out, f->data.ptr, f->data.len);
	out[f->data.len] = 0;
	return 0;
}

int es_form_field(const es_part *parts, size_t n, const char *name, char *out, size_t cap)
{
	const es_part *f = es_multipart_get(parts, n, name);
	int err;
	if (!f)
		return 0;
	if ((err = es_form_text(f, name, out, cap)) < 0)
		return err;
	return 1;
}

int es_form_uint(const es_part *parts, size_t n, const char *name, unsigned long long max, unsigned long long *out)
{
	char buf[24], *end;
	int err = es_form_field(parts, n, name, buf, sizeof(buf));
	if (err <= 0)
		return err;
	errno = 0;
	unsigned long long v = strtoull(buf, &end, 10);
	if (!buf[0] || buf[0] == '-' || buf[0] == '+' || buf[0] == ' ' || *end || errno || v > max)
		return es_error_set(ES_EINVAL, "the field '%s' must be a whole number from 0 to %llu", name, max);
	*out = v;
	return 1;
}

int es_form_mm(const es_part *parts, size_t n, const char *name, double *out)
{
	char buf[24], *end;
	int err = es_form_field(parts, n, name, buf, sizeof(buf));
	if (err <= 0)
		return err;
	errno = 0;
	double v = strtod(buf, &end);
	if (!buf[0] || *end || errno || !(v >= 0 && v <= 5000))
		return es_error_set(ES_EINVAL, "the field '%s' must be millimetres from 0 to 5000", name);
	*out = v;
	return 1;
}

int es_form_known(const es_part *parts, size_t n, const char *const *fields)
{
	for (size_t i = 0; i < n; i++) {
		bool known = false;
		for (size_t k = 0; fields[k]; k++)
			known = known || strcmp(parts[i].name, fields[k]) == 0;
		if (!known)
			return es_error_set(ES_EINVAL, "unknown field '%.63s' in the form", parts[i].name);
	}
	return 0;
}

int es_form_placement(const es_part *parts, size_t n, es_seal_document_options *o, es_form_place_text *t)
{
	char placement[16] = "position";
	unsigned long long page = 0;
	int err;
	t->keyword[0] = t->reason[0] = 0;
	if ((err = es_form_uint(parts, n, "page", 100000, &page)) < 0 || (err = es_form_mm(parts, n, "x_mm", &o->x_mm)) < 0 ||
	    (err = es_form_mm(parts, n, "y_mm", &o->y_mm)) < 0 || (err = es_form_mm(parts, n, "width_mm", &o->w_mm)) < 0 ||
	    (err = es_form_mm(parts, n, "height_mm", &o->h_mm)) < 0)
		return err;
	if ((err = es_form_field(parts, n, "placement", placement, sizeof(placement))) < 0 ||
	    (err = es_form_field(parts, n, "keyword", t->keyword, sizeof(t->keyword))) < 0 ||
	    (err = es_form_field(parts, n, "reason", t->reason, sizeof(t->reason))) < 0)
		return err;
	if (strcmp(placement, "position") == 0)
		o->place = ES_DOC_PLACE_POSITION;
	else if (strcmp(placement, "keyword") == 0)
		o->place = ES_DOC_PLACE_KEYWORD;
	else if (strcmp(placement, "riding") == 0)
		o->place = ES_DOC_PLACE_RIDING;
	else
		return es_error_set(ES_EINVAL, "'placement' is position, keyword or riding");
	o->page = (unsigned)page;
	o->keyword = es_multipart_get(parts, n, "keyword") ? t->keyword : NULL;
	o->reason = es_multipart_get(parts, n, "reason") ? t->reason : NULL;
	return 0;
}

/* The id of the API key the caller authenticated with ("esk_ID_SECRET"), or 0 for a session. */
static int64_t api_key_id(es_req *rq)
{
	const char *a = es_header(rq, "Authorization");
	if (!a || strncasecmp(a, "Bearer esk_", 11) != 0)
		return 0;
	char *end;
	long long id = strtoll(a + 11, &end, 10);
	return *end == '_' && id > 0 ? (int64_t)id : 0;
}

int es_sign_key_may_use(es_req *rq, const char *esid)
{
	int64_t key = es_actor_how(rq->actor) == ES_AUTH_API_KEY ? api_key_id(rq) : 0;
	if (es_actor_how(rq->actor) == ES_AUTH_API_KEY && key == 0)
		return es_error_set(ES_EDENIED, "the API key's id cannot be read: no seal may be used");
	return key ? es_platform_api_key_may_use(rq->p, key, esid) : 0;
}

static const char *const seal_fields[] = { "document", "esid",   "use_request", "pin",  "placement", "page",
					   "x_mm",     "y_mm",   "width_mm",    "height_mm", "keyword", "reason",
					   NULL };

int h_document_seal(es_req *rq)
{
	es_part parts[ES_MULTIPART_MAX_PARTS];
	size_t n = 0;
	char esid[16], pin[72];
	unsigned long long request = 0;
	es_seal_document_result res;
	es_buf sealed;
	int err;
	const char *type = es_header(rq, "Content-Type");
	if (!type || strncasecmp(type, "multipart/form-data", 19) != 0) {
		es_error_set(ES_ENOTSUPPORTED, "send the document and its fields as multipart/form-data "
					       "(curl -F document=@FILE -F esid=... -F use_request=...)");
		return 415;
	}
	err = es_multipart_parse(rq->body.ptr, rq->body.len, type, parts, ES_ARRAY_LEN(parts), &n);
	if (err < 0)
		return err;
	if ((err = es_form_known(parts, n, seal_fields)) < 0)
		return err;
	const es_part *doc = es_multipart_get(parts, n, "document");
	const es_part *f_esid = es_multipart_get(parts, n, "esid");
	if (!doc || !f_esid || !es_multipart_get(parts, n, "use_request"))
		return es_error_set(ES_EINVAL, "give the fields 'document' (the file), 'esid' and 'use_request'");
	es_seal_document_options o = ES_SEAL_DOCUMENT_OPTIONS_INIT;
	es_form_place_text pt;
	if ((err = es_form_text(f_esid, "esid", esid, sizeof(esid))) < 0 ||
	    (err = es_form_uint(parts, n, "use_request", INT64_MAX, &request)) < 0 ||
	    (err = es_form_placement(parts, n, &o, &pt)) < 0)
		return err;
	if ((err = es_form_field(parts, n, "pin", pin, sizeof(pin))) < 0)
		return err;
	o.esid = esid;
	o.request = (int64_t)request;
	o.pin = es_multipart_get(parts, n, "pin") ? pin : NULL;
	if ((err = es_sign_key_may_use(rq, esid)) < 0) {
		es_wipe(pin, sizeof(pin));
		return err;
	}
	es_buf_init(&sealed, SEALED_REPLY_MAX);
	err = es_platform_seal_document(rq->p, rq->actor, &o, doc->data.ptr, doc->data.len, &sealed, &res);
	es_wipe(pin, sizeof(pin));
	if (err < 0) {
		es_buf_release(&sealed);
		return err;
	}
	/* the sealed bytes become the reply as they are: no second copy of a large document */
	es_buf_release(&rq->out);
	rq->out = sealed;
	rq->status = 200;
	rq->content_type = strcmp(res.format, "pdf") == 0 ? "application/pdf" : "application/ofd";
	rq->answered = true;
	snprintf(rq->extra_header[0], sizeof(rq->extra_header[0]),
		 "Content-Disposition: attachment; filename=\"sealed-%lld.%s\"", (long long)res.usage_id, res.format);
	snprintf(rq->extra_header[1], sizeof(rq->extra_header[1]), "X-Eseal-Usage: %lld", (long long)res.usage_id);
	return 0;
}

/* ---- a page of a document as a picture, to place a seal on it (the console) ------------- */

#define PREVIEW_DPI_DEFAULT 96u

static const char *const preview_fields[] = { "document", "page", "dpi", NULL };

/* A PDF has "%PDF-" in its first KiB; an OFD is a ZIP package. */
static bool looks_pdf(const uint8_t *d, size_t n)
{
	size_t lim = n < 1024 ? n : 1024;
	for (size_t i = 0; i + 5 <= lim; i++)
		if (memcmp(d + i, "%PDF-", 5) == 0)
			return true;
	return false;
}

static int preview_ofd(es_buf *png, const uint8_t *d, size_t n, unsigned page, unsigned dpi, unsigned *pages,
		       double *w_mm, double *h_mm)
{
	es_ofd_view *v = NULL;
	int err = es_ofd_view_open(&v, d, n);
	if (err < 0)
		return err;
	*pages = es_ofd_view_pages(v);
	if (page < 1 || page > *pages)
		err = es_error_set(ES_EINVAL, "ofd: no page %u (the document has %u)", page, *pages);
	else if ((err = es_ofd_view_page_size(v, page, w_mm, h_mm)) == 0) {
		es_ofd_render_options o = ES_OFD_RENDER_OPTIONS_INIT;
		o.dpi = dpi;
		err = es_ofd_render_page(png, v, page, &o, NULL);
	}
	es_ofd_view_free(v);
	return err;
}

int h_document_preview(es_req *rq)
{
	es_part parts[ES_MULTIPART_MAX_PARTS];
	size_t n = 0;
	unsigned long long page = 1, dpi = PREVIEW_DPI_DEFAULT;
	unsigned pages = 0;
	double w_mm = 0, h_mm = 0;
	int err;
	const char *type = es_header(rq, "Content-Type");
	if (!type || strncasecmp(type, "multipart/form-data", 19) != 0) {
		es_error_set(ES_ENOTSUPPORTED, "send the document as multipart/form-data (curl -F document=@FILE -F page=1)");
		return 415;
	}
	if ((err = es_multipart_parse(rq->body.ptr, rq->body.len, type, parts, ES_ARRAY_LEN(parts), &n)) < 0)
		return err;
	if ((err = es_form_known(parts, n, preview_fields)) < 0)
		return err;
	const es_part *doc = es_multipart_get(parts, n, "document");
	if (!doc || doc->data.len == 0)
		return es_error_set(ES_EINVAL, "give the field 'document' (a PDF or OFD file)");
	if ((err = es_form_uint(parts, n, "page", 100000, &page)) < 0 || (err = es_form_uint(parts, n, "dpi", 1000, &dpi)) < 0)
		return err;
	if (page < 1)
		return es_error_set(ES_EINVAL, "pages are counted from 1");
	if (dpi < ES_PDF_PREVIEW_MIN_DPI || dpi > ES_PDF_PREVIEW_MAX_DPI)
		return es_error_set(ES_EINVAL, "the field 'dpi' must be %u to %u", ES_PDF_PREVIEW_MIN_DPI, ES_PDF_PREVIEW_MAX_DPI);
	es_buf png;
	es_buf_init(&png, ES_PDF_PREVIEW_MAX_PIXELS * 4);
	const uint8_t *d = doc->data.ptr;
	size_t dn = doc->data.len;
	if (looks_pdf(d, dn))
		err = es_pdf_render_page_png(&png, d, dn, (unsigned)page, (unsigned)dpi, &pages, &w_mm, &h_mm);
	else if (dn >= 4 && memcmp(d, "PK\x03\x04", 4) == 0)
		err = preview_ofd(&png, d, dn, (unsigned)page, (unsigned)dpi, &pages, &w_mm, &h_mm);
	else
		err = es_error_set(ES_EMALFORMED, "the document is neither a PDF nor an OFD: choose a .pdf or .ofd file");
	if (err == 0) {
		snprintf(rq->extra_header[0], sizeof(rq->extra_header[0]), "X-Eseal-Pages: %u", pages);
		snprintf(rq->extra_header[1], sizeof(rq->extra_header[1]), "X-Eseal-Page-Size-Mm: %.2f %.2f", w_mm, h_mm);
		err = es_reply_text(rq, 200, "image/png", png.ptr, png.len);
	}
	es_buf_release(&png);
	return err;
}

/* The stored seal of path parameter {esid} into @der. */
static int seal_der_param(es_req *rq, es_buf *der)
{
	if (es_esid_check(rq->params[0]) < 0) {
		es_error_clear();
		return es_error_set(ES_ENOTFOUND, "no seal '%.20s': an esID has 14 digits", rq->params[0]);
	}
	return es_platform_seal_der(rq->p, rq->params[0], der);
}

int h_seal_der(es_req *rq)
{
	es_buf der = ES_BUF_INIT;
	int err = seal_der_param(rq, &der);
	if (err == 0) {
		snprintf(rq->extra_header[0], sizeof(rq->extra_header[0]), "Content-Disposition: attachment; filename=\"%s.esl\"",
			 rq->params[0]);
		err = es_reply_text(rq, 200, "application/octet-stream", der.ptr, der.len);
	}
	es_buf_release(&der);
	return err;
}

int h_seal_picture(es_req *rq)
{
	static const struct {
		const char *name, *type;
	} types[] = { { "PNG", "image/png" }, { "JPG", "image/jpeg" }, { "JPEG", "image/jpeg" }, { "GIF", "image/gif" },
		      { "BMP", "image/bmp" }, { "SVG", "image/svg+xml" }, { "OFD", "application/ofd" } };
	es_buf der = ES_BUF_INIT;
	es_seal *seal = NULL;
	int err;
	if ((err = seal_der_param(rq, &der)) == 0 && (err = es_seal_parse(&seal, der.ptr, der.len)) == 0) {
		const es_seal_fields *f = es_seal_fields_get(seal);
		const char *type = NULL;
		for (size_t i = 0; i < ES_ARRAY_LEN(types) && !type; i++)
			if (f->picture_type.len == strlen(types[i].name) &&
			    strncasecmp((const char *)f->picture_type.ptr, types[i].name, f->picture_type.len) == 0)
				type = types[i].type;
		if (!type) {
			err = es_error_set(ES_ENOTSUPPORTED, "the picture of seal %s is of an unknown type", rq->params[0]);
		} else {
			/* never rendered in the console's origin but as an image (SVG may hold script) */
			snprintf(rq->extra_header[0], sizeof(rq->extra_header[0]), "Content-Security-Policy: sandbox");
			err = es_reply_text(rq, 200, type, f->picture.ptr, f->picture.len);
		}
	}
	es_seal_free(seal);
	es_buf_release(&der);
	return err;
}

int h_seal_sign_digest(es_req *rq)
{
	static const char *const fields[] = { "digest", "use_request", "property_info", "pin", NULL };
	json_t *b = NULL, *v = NULL;
	es_buf sig = ES_BUF_INIT;
	uint8_t h[32];
	char *b64 = NULL;
	int err;
	if ((err = es_body_object(rq, &b, fields)) != 0)
		return err;
	json_t *d = json_object_get(b, "digest"), *r = json_object_get(b, "use_request"),
	       *pi = json_object_get(b, "property_info"), *pin = json_object_get(b, "pin");
	if (!json_is_string(d) || es_unhex(h, 32, json_string_value(d), json_string_length(d), false) < 0)
		err = es_error_set(ES_EINVAL, "'digest' must be the SM3 of the Signature.xml as 64 lower-case hex digits");
	else if (!json_is_integer(r) || json_integer_value(r) <= 0)
		err = es_error_set(ES_EINVAL, "'use_request' must be the id of the approved use request covering the digest");
	else if ((pi && !json_is_string(pi)) || (pin && !json_is_string(pin)))
		err = es_error_set(ES_EINVAL, "'property_info' and 'pin' are strings");
	else if ((err = es_sign_key_may_use(rq, rq->params[0])) == 0)
		err = es_platform_seal_sign_digest(rq->p, rq->actor, rq->params[0], h,
						   (int64_t)json_integer_value(r), pin ? json_string_value(pin) : NULL,
						   pi ? json_string_value(pi) : NULL, &sig);
	json_decref(b); /* the PIN goes with it */
	if (err < 0)
		goto done;
	if (sig.len > SIZE_MAX / 2 || !(b64 = es_malloc(es_base64_len(sig.len, false) + 1))) {
		err = es_error_set(ES_ENOMEM, "out of memory");
		goto done;
	}
	es_base64(b64, sig.ptr, sig.len, false);
	v = json_pack("{s:s, s:I, s:s, s:s}", "esid", rq->params[0], "use_request", (json_int_t)json_integer_value(r),
		      "format", "GB/T 38540 SES_Signature (DER, base64)", "signature", b64);
	err = es_reply_json(rq, 200, v);
done:
	json_decref(v);
	es_free(b64);
	es_buf_release(&sig);
	return err;
}

/* ---- registered systems and their seals ----------------------------------------------------- */

static int key_param(es_req *rq, int64_t *out)
{
	char *end;
	long long v = strtoll(rq->params[0], &end, 10);
	if (!rq->params[0][0] || *end || v <= 0)
		return es_error_set(ES_ENOTFOUND, "no API key '%.24s'", rq->params[0]);
	*out = v;
	return 0;
}

int h_api_key_seal_add(es_req *rq)
{
	static const char *const fields[] = { "esid", NULL };
	json_t *b;
	int64_t key;
	int err;
	if ((err = key_param(rq, &key)) < 0 || (err = es_body_object(rq, &b, fields)) != 0)
		return err;
	json_t *e = json_object_get(b, "esid");
	err = json_is_string(e) ? es_platform_api_key_seal(rq->p, rq->actor, key, json_string_value(e), true)
				: es_error_set(ES_EINVAL, "give 'esid'");
	json_decref(b);
	if (err < 0)
		return err;
	json_t *v = json_pack("{s:b}", "ok", 1);
	err = es_reply_json(rq, 200, v);
	json_decref(v);
	return err;
}

int h_api_key_seal_remove(es_req *rq)
{
	int64_t key;
	int err;
	if ((err = key_param(rq, &key)) < 0 ||
	    (err = es_platform_api_key_seal(rq->p, rq->actor, key, rq->params[1], false)) < 0)
		return err;
	json_t *v = json_pack("{s:b}", "ok", 1);
	err = es_reply_json(rq, 200, v);
	json_decref(v);
	return err;
}

/* ---- the OpenAPI schemas of these routes (routes.c) ---------------------------------- */

int es_sign_schemas(json_t *schemas)
{
	json_t *props = json_pack(
		"{s:{s:s, s:s, s:s}, s:{s:s, s:s}, s:{s:s}, s:{s:s, s:s}, s:{s:s, s:[s,s,s]}, s:{s:s}, s:{s:s}, s:{s:s},"
		" s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}}",
		"document", "type", "string", "contentMediaType", "application/octet-stream", "description",
		"the OFD or PDF (recognised by content)", "esid", "type", "string", "pattern", "^[0-9]{14}$",
		"use_request", "type", "integer", "pin", "type", "string", "description",
		"user PIN when the seal's key is in a software token or key store", "placement", "type", "string", "enum",
		"position", "keyword", "riding", "page", "type", "integer", "x_mm", "type", "number", "y_mm", "type",
		"number", "width_mm", "type", "number", "height_mm", "type", "number", "keyword", "type", "string", "reason",
		"type", "string");
	json_t *req = json_pack("[s,s,s]", "document", "esid", "use_request");
	json_t *sd = json_pack("{s:{s:s, s:s}, s:{s:s}, s:{s:s}, s:{s:s}}", "digest", "type", "string", "pattern",
			       "^[0-9a-f]{64}$", "use_request", "type", "integer", "property_info", "type", "string", "pin",
			       "type", "string");
	json_t *sdr = json_pack("[s,s]", "digest", "use_request");
	json_t *out = json_pack("{s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}}", "esid", "type", "string", "use_request", "type",
				"integer", "format", "type", "string", "signature", "type", "string");
	json_t *outr = json_pack("[s,s,s,s]", "esid", "use_request", "format", "signature");
	if (!props || !req || !sd || !sdr || !out || !outr) {
		json_decref(props);
		json_decref(req);
		json_decref(sd);
		json_decref(sdr);
		json_decref(out);
		json_decref(outr);
		return es_error_set(ES_ENOMEM, "out of memory");
	}
	json_object_set_new(schemas, "DocumentPreview",
			    json_pack("{s:s, s:{s:{s:s, s:s}, s:{s:s, s:i}, s:{s:s, s:i, s:i}}, s:[s], s:b}", "type",
				      "object", "properties", "document", "type", "string", "contentMediaType",
				      "application/octet-stream", "page", "type", "integer", "minimum", 1, "dpi", "type",
				      "integer", "minimum", (int)ES_PDF_PREVIEW_MIN_DPI, "maximum",
				      (int)ES_PDF_PREVIEW_MAX_DPI, "required", "document", "additionalProperties", 0));
	json_object_set_new(schemas, "DocumentSeal",
			    json_pack("{s:s, s:o, s:o, s:b}", "type", "object", "properties", props, "required", req,
				      "additionalProperties", 0));
	json_object_set_new(schemas, "SignDigest",
			    json_pack("{s:s, s:o, s:o, s:b}", "type", "object", "properties", sd, "required", sdr,
				      "additionalProperties", 0));
	json_object_set_new(schemas, "SignedDigest",
			    json_pack("{s:s, s:o, s:o, s:b}", "type", "object", "properties", out, "required", outr,
				      "additionalProperties", 0));
	json_object_set_new(schemas, "ApiKeySeal",
			    json_pack("{s:s, s:{s:{s:s, s:s}}, s:[s], s:b}", "type", "object", "properties", "esid", "type",
				      "string", "pattern", "^[0-9]{14}$", "required", "esid", "additionalProperties", 0));
	int err = es_jobs_schemas(schemas);
	return err < 0 ? err : es_svs_schemas(schemas);
}
