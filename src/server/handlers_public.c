/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The public services (docs/public-services.md), no sign-in: verify a document
 * (the report of `eseal verify --json`, with this platform's anchors and live
 * seal status), kept verifications, the signed status list with ETag, the trust
 * document, and the platform TSA over RFC 3161 HTTP.
 */
#include "server.h"
#include "multipart.h"
#include "estime.h"
#include "text.h"
#include "eseal/es_pdf.h"
#include "eseal/es_ofd.h"
#include "eseal/es_peers.h"
#include <microhttpd.h>
#include <stdarg.h>
#include <strings.h>
#include <time.h>

/* A cached answer, current while the platform's status version stays and for at most REFRESH_S. */
#define REFRESH_S 3600

typedef struct cached {
	bool have;
	int64_t version;
	es_time made;
	es_buf body;
	char etag[40];
	char sig_b64[160];    /* the status list's signature */
	es_time generated, next_update;
} cached;

/* The verify route's anchors: shared by the requests using them, replaced when the peers change. */
typedef struct trust_ref {
	es_trust *t;
	atomic_int refs;
	int64_t peers_version;
} trust_ref;

struct es_public {
	trust_ref *trust;     /* the platform's anchors (+ --trust DIR, + the peers'), under mu */
	pthread_mutex_t mu;
	cached status, trust_doc;
};

static void trust_unref(trust_ref *r)
{
	if (r && atomic_fetch_sub(&r->refs, 1) == 1) {
		es_trust_free(r->t);
		es_free(r);
	}
}

/* This platform's anchors, the --trust folder's and the registered peers' (docs/peering.md). */
static int trust_make(es_server *s, es_platform *p, trust_ref **out)
{
	trust_ref *r = es_calloc(1, sizeof(*r));
	int err;
	*out = NULL;
	if (!r)
		return es_error_set(ES_ENOMEM, "out of memory");
	atomic_init(&r->refs, 1);
	if ((err = es_platform_trust_new(p, &r->t)) < 0)
		goto fail;
	if (s->cfg.trust_dir && (err = es_trust_load_dir(r->t, s->cfg.trust_dir)) < 0) {
		es_error_wrap(err, "--trust '%s'", s->cfg.trust_dir);
		goto fail;
	}
	if ((err = es_platform_peer_trust_add(p, r->t, &r->peers_version)) < 0)
		goto fail;
	*out = r;
	return 0;
fail:
	trust_unref(r);
	return err;
}

/* The anchors to verify with now: remade when a peer was added or removed. */
static int trust_get(es_req *rq, trust_ref **out)
{
	struct es_public *pub = rq->srv->pub;
	int64_t version = 0;
	trust_ref *fresh = NULL;
	int err;
	if ((err = es_platform_peers_version(rq->p, &version)) < 0)
		return err;
	pthread_mutex_lock(&pub->mu);
	if (pub->trust->peers_version != version) {
		if ((err = trust_make(rq->srv, rq->p, &fresh)) == 0) {
			trust_unref(pub->trust);
			pub->trust = fresh;
		}
	}
	if (err == 0) {
		atomic_fetch_add(&pub->trust->refs, 1);
		*out = pub->trust;
	}
	pthread_mutex_unlock(&pub->mu);
	return err;
}

int es_public_start(es_server *s)
{
	int err;
	struct es_public *pub = es_calloc(1, sizeof(*pub));
	if (!pub)
		return es_error_set(ES_ENOMEM, "out of memory");
	/* the document layers plug into es_verify_file() once, before any thread runs */
	es_verify_register_pdf(es_pdf_verify_file);
	es_verify_register_ofd(es_ofd_verify);
	if ((err = trust_make(s, s->pool.all[0], &pub->trust)) < 0)
		goto fail;
	pthread_mutex_init(&pub->mu, NULL);
	es_buf_init(&pub->status.body, 0);
	es_buf_init(&pub->trust_doc.body, 0);
	s->pub = pub;
	return 0;
fail:
	es_free(pub);
	return err;
}

void es_public_stop(es_server *s)
{
	struct es_public *pub = s->pub;
	if (!pub)
		return;
	trust_unref(pub->trust);
	es_buf_release(&pub->status.body);
	es_buf_release(&pub->trust_doc.body);
	pthread_mutex_destroy(&pub->mu);
	es_free(pub);
	s->pub = NULL;
}

/* ---- small helpers -------------------------------------------------------------------- */

static int flag(const char *what, const char *v, size_t n, bool *out)
{
	if ((n == 1 && v[0] == '1') || (n == 4 && strncmp(v, "true", 4) == 0))
		*out = true;
	else if ((n == 1 && v[0] == '0') || (n == 5 && strncmp(v, "false", 5) == 0) || n == 0)
		*out = false;
	else
		return es_error_set(ES_EINVAL, "'%s' must be 1, 0, true or false", what);
	return 0;
}

static void header(es_req *rq, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void header(es_req *rq, const char *fmt, ...)
{
	for (size_t i = 0; i < ES_ARRAY_LEN(rq->extra_header); i++) {
		if (rq->extra_header[i][0])
			continue;
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(rq->extra_header[i], sizeof(rq->extra_header[i]), fmt, ap);
		va_end(ap);
		return;
	}
}

static void http_date(char out[40], es_time t)
{
	struct tm tm;
	time_t tt = (time_t)t;
	gmtime_r(&tt, &tm);
	strftime(out, 40, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

/* If-None-Match names this ETag (or is "*"). */
static bool not_modified(es_req *rq, const char *etag)
{
	const char *inm = es_header(rq, "If-None-Match");
	if (!inm)
		return false;
	if (strcmp(inm, "*") == 0)
		return true;
	/* a list of tags, each maybe weak (W/"…"): compared weakly (RFC 9110 §13.1.2) */
	return strstr(inm, etag) != NULL;
}

/* ---- POST /api/v1/verify -------------------------------------------------------------- */

/* The platform's history as the verifier's es_status_at_fn: the seal's state at the signing time. */
static int status_at(es_status_info *out, const char *esid, es_time at, void *payload)
{
	return es_platform_seal_status_at(payload, esid, at, out);
}

static int is_internal(int err)
{
	return err == ES_ENOMEM || err == ES_EINTERNAL || err == ES_EDB || err == ES_EIO || err == ES_ECRYPTO;
}

int h_verify(es_req *rq)
{
	static const char *const params[] = { "keep", "at", NULL };
	const char *type = es_header(rq, "Content-Type"), *v;
	es_bytes doc = { rq->body.ptr, rq->body.len }, orig = { NULL, 0 };
	bool has_orig = false, keep = false;
	es_part parts[ES_MULTIPART_MAX_PARTS];
	size_t n = 0;
	es_verify_options vo = ES_VERIFY_OPTIONS_INIT;
	es_report rep;
	es_buf out = ES_BUF_INIT;
	int err;

	if ((err = es_query_known(rq, params)) < 0)
		return err;
	if ((v = es_query(rq, "keep")) && (err = flag("keep", v, strlen(v), &keep)) < 0)
		return err;
	if ((v = es_query(rq, "at")) && es_time_parse(&vo.now, v) != 0)
		return es_error_set(ES_EINVAL, "'at' must be a time like 2026-01-31 or 2026-01-31T08:00:00Z");
	if (type && strncasecmp(type, "multipart/form-data", 19) == 0) {
		if ((err = es_multipart_parse(rq->body.ptr, rq->body.len, type, parts, ES_ARRAY_LEN(parts), &n)) < 0)
			return err == ES_ELIMIT ? es_error_set(ES_EMALFORMED, "%s", es_error_last()->message) : err;
		doc.ptr = NULL;
		doc.len = 0;
		for (size_t i = 0; i < n; i++) {
			es_bytes *slot = NULL;
			if (strcmp(parts[i].name, "document") == 0)
				slot = &doc;
			else if (strcmp(parts[i].name, "original") == 0)
				slot = &orig;
			else if (strcmp(parts[i].name, "keep") == 0) {
				if ((err = flag("keep", (const char *)parts[i].data.ptr, parts[i].data.len, &keep)) < 0)
					return err;
				continue;
			} else {
				return es_error_set(ES_EINVAL, "unknown form field '%s': send 'document' (and 'original', 'keep')",
						    parts[i].name);
			}
			if (slot->ptr)
				return es_error_set(ES_EINVAL, "the form has two '%s' parts", parts[i].name);
			*slot = parts[i].data;
			if (!slot->ptr)
				slot->ptr = (const uint8_t *)""; /* present, if empty */
		}
		if (!doc.ptr)
			return es_error_set(ES_EINVAL, "the form has no 'document' part (curl -F document=@FILE)");
		has_orig = orig.ptr != NULL;
	} else if (type && strncasecmp(type, "multipart/", 10) == 0) {
		/* any other declared type is ignored: the verifier recognises the document by its bytes */
		es_error_set(ES_ENOTSUPPORTED, "send the document's bytes as the body (curl --data-binary @FILE) or as "
					       "multipart/form-data (curl -F document=@FILE [-F original=@ORIGINAL]), "
					       "not %.40s",
			     type);
		return 415;
	}
	if (doc.len == 0)
		return es_error_set(ES_EINVAL, "the document is empty: send a PDF, OFD, seal, SES_Signature or CMS");

	trust_ref *tr = NULL;
	if ((err = trust_get(rq, &tr)) < 0)
		return err;
	vo.trust = tr->t;
	vo.status = es_platform_status_fn;
	vo.status_at = status_at;
	vo.status_payload = rq->p;
	if (has_orig) {
		vo.original = orig.ptr;
		vo.original_len = orig.len;
		vo.has_original = true;
	}
	es_report_init(&rep);
	err = es_verify_file(&rep, doc.ptr, doc.len, &vo);
	trust_unref(tr);
	if (err < 0 && rep.nsigs == 0) {
		/* not a document the verifier knows: the sender's mistake, unless the server failed */
		es_report_release(&rep);
		return is_internal(err) ? err : 422;
	}
	es_error_clear();
	es_report_finish(&rep);
	if ((err = es_report_json(&out, &rep)) == 0)
		err = es_buf_put(&out, "\n", 1); /* byte for byte what eseal verify --json prints */
	if (err == 0 && keep) {
		char id[ES_VERIFICATION_ID_LEN];
		if ((err = es_platform_verification_keep(rq->p, &rep, doc.ptr, doc.len, has_orig ? orig.ptr : NULL, orig.len,
							 rq->srv->cfg.keep_s, id)) == 0) {
			header(rq, "Location: /api/v1/verifications/%s", id);
			header(rq, "X-Verification-Id: %s", id);
		}
	}
	if (err == 0) {
		header(rq, "X-Verdict: %s", es_verdict_name(rep.verdict));
		err = es_reply_text(rq, 200, "application/json; charset=utf-8", out.ptr, out.len);
	}
	es_report_release(&rep);
	es_buf_release(&out);
	return err;
}

int h_verification(es_req *rq)
{
	static const char *const params[] = { NULL };
	es_buf b = ES_BUF_INIT;
	int err;
	if ((err = es_query_known(rq, params)) < 0)
		return err;
	if ((err = es_platform_verification_get(rq->p, rq->params[0], &b)) == 0)
		err = es_reply_text(rq, 200, "application/json; charset=utf-8", b.ptr, b.len);
	es_buf_release(&b);
	return err;
}

/* ---- the status list and the trust document: cached while no seal changes ---------------- */

static void etag_of(char out[40], const es_buf *b)
{
	uint8_t h[32];
	char hex[65];
	if (es_sm3(h, b->ptr, b->len) < 0)
		memset(h, 0, sizeof(h));
	es_hex(hex, h, sizeof(h));
	snprintf(out, 40, "\"%.32s\"", hex);
}

static int make_status(es_req *rq, cached *c)
{
	es_buf json = ES_BUF_INIT, sig = ES_BUF_INIT;
	es_status_list *l = NULL;
	int err;
	/* a verify node has no maker key: it serves the list a full node published */
	if ((err = es_platform_public_only(rq->p)
			   ? es_platform_status_list_published(rq->p, &json, &sig, NULL, NULL, NULL, NULL)
			   : es_platform_status_list(rq->p, &json, &sig)) < 0 ||
	    (err = es_status_list_parse(&l, json.ptr, json.len, sig.ptr, sig.len)) < 0)
		goto done;
	if (es_base64_len(sig.len, false) >= sizeof(c->sig_b64)) {
		err = es_error_set(ES_EINTERNAL, "status list signature of %zu bytes", sig.len);
		goto done;
	}
	es_base64(c->sig_b64, sig.ptr, sig.len, false);
	c->generated = es_status_list_generated(l);
	c->next_update = es_status_list_next_update(l);
	c->body.len = 0;
	if ((err = es_buf_put(&c->body, json.ptr, json.len)) < 0)
		goto done;
	etag_of(c->etag, &c->body);
done:
	es_status_list_free(l);
	es_buf_release(&json);
	es_buf_release(&sig);
	return err;
}

static int make_trust(es_req *rq, cached *c)
{
	c->body.len = 0;
	int err = es_platform_trust_json(rq->p, &c->body);
	if (err == 0)
		etag_of(c->etag, &c->body);
	return err;
}

/* Answer from cache @p c, remade by @p make when a seal changed or it is older than REFRESH_S. */
static int from_cache(es_req *rq, cached *c, int (*make)(es_req *, cached *), bool status)
{
	struct es_public *pub = rq->srv->pub;
	int64_t version;
	es_time now = es_time_now();
	char etag[40], sig[160], last[40], expires[40];
	es_buf body = ES_BUF_INIT;
	int err;
	if ((err = es_query_known(rq, (const char *const[]){ NULL })) < 0)
		return err;
	/* a verify node's lists change when a full node publishes, not when a seal changes */
	if ((err = es_platform_public_only(rq->p)
			   ? es_platform_status_list_published(rq->p, NULL, NULL, NULL, NULL, NULL, &version)
			   : es_platform_status_version(rq->p, &version)) < 0)
		return err;
	pthread_mutex_lock(&pub->mu);
	if (!c->have || c->version != version || now - c->made >= REFRESH_S || now < c->made) {
		c->have = false;
		if ((err = make(rq, c)) == 0) {
			c->have = true;
			c->version = version;
			c->made = now;
		}
	}
	if (err == 0) {
		memcpy(etag, c->etag, sizeof(etag));
		memcpy(sig, c->sig_b64, sizeof(sig));
		http_date(last, status ? c->generated : c->made);
		http_date(expires, status ? c->next_update : c->made + REFRESH_S);
		err = es_buf_put(&body, c->body.ptr, c->body.len);
	}
	pthread_mutex_unlock(&pub->mu);
	if (err < 0) {
		es_buf_release(&body);
		return err;
	}
	header(rq, "ETag: %s", etag);
	header(rq, "Cache-Control: no-cache");
	header(rq, "Last-Modified: %s", last);
	header(rq, "Expires: %s", expires);
	if (status)
		header(rq, "X-Status-Signature: %s", sig);
	if (not_modified(rq, etag))
		err = es_reply_text(rq, 304, NULL, "", 0);
	else
		err = es_reply_text(rq, 200, "application/json; charset=utf-8", body.ptr, body.len);
	es_buf_release(&body);
	return err;
}

int h_status_list(es_req *rq)
{
	return from_cache(rq, &rq->srv->pub->status, make_status, true);
}

int h_trust(es_req *rq)
{
	return from_cache(rq, &rq->srv->pub->trust_doc, make_trust, false);
}

/* ---- POST /api/v1/tsa: RFC 3161 §3.4 ---------------------------------------------------- */

int h_tsa(es_req *rq)
{
	const char *type = es_header(rq, "Content-Type");
	es_buf resp = ES_BUF_INIT;
	es_tsp_result r;
	int err;
	if ((err = es_query_known(rq, (const char *const[]){ NULL })) < 0)
		return err;
	if (!type || strncasecmp(type, "application/timestamp-query", 27) != 0 || (type[27] && type[27] != ';')) {
		es_error_set(ES_ENOTSUPPORTED, "send a DER TimeStampReq as Content-Type: application/timestamp-query "
					       "(openssl ts -query -data FILE -sm3 -cert -out req.tsq)");
		return 415;
	}
	if ((err = es_platform_tsa_respond(rq->p, rq->body.ptr, rq->body.len, &resp, &r)) == 0) {
		header(rq, "X-Timestamp-Status: %s", r.granted ? "granted" : "rejection");
		err = es_reply_text(rq, 200, "application/timestamp-reply", resp.ptr, resp.len);
	}
	es_buf_release(&resp);
	return err;
}

/* ---- OpenAPI: the schemas and media types of these routes ------------------------------ */

static json_t *ref(const char *name)
{
	char buf[128];
	snprintf(buf, sizeof(buf), "#/components/schemas/%s", name);
	return json_pack("{s:s}", "$ref", buf);
}

json_t *es_public_content(const char *name)
{
	if (strcmp(name, "Document") == 0)
		return json_pack("{s:{s:o}, s:{s:o}}", "application/octet-stream", "schema", ref("Document"),
				 "multipart/form-data", "schema", ref("VerifyForm"));
	if (strcmp(name, "TimeStampQuery") == 0)
		return json_pack("{s:{s:o}}", "application/timestamp-query", "schema", ref(name));
	if (strcmp(name, "TimeStampReply") == 0)
		return json_pack("{s:{s:o}}", "application/timestamp-reply", "schema", ref(name));
	return NULL;
}

int es_public_schemas(json_t *schemas)
{
	json_t *bin = json_pack("{s:s, s:s}", "type", "string", "contentMediaType", "application/octet-stream");
	json_t *str = json_pack("{s:s}", "type", "string");
	json_t *time = json_pack("{s:s, s:s}", "type", "string", "format", "date-time");
	int n = 0;
	n |= json_object_set_new(
		schemas, "Document",
		json_pack("{s:s, s:s, s:s}", "type", "string", "contentMediaType", "application/octet-stream", "description",
			  "a PDF, OFD, seal (SESeal), SES_Signature, GM/T 0010 or PKCS#7 SignedData, recognised by content"));
	n |= json_object_set_new(schemas, "VerifyForm",
				 json_pack("{s:s, s:{s:O, s:O, s:{s:s, s:[s,s,s,s]}}, s:[s], s:b}", "type", "object",
					   "properties", "document", bin, "original", bin, "keep", "type", "string", "enum",
					   "1", "0", "true", "false", "required", "document", "additionalProperties", 0));
	n |= json_object_set_new(
		schemas, "VerifyReport",
		json_pack("{s:s, s:s, s:{s:{s:s, s:[s,s,s]}, s:{s:s}, s:{s:s, s:{s:s}}, s:O}, s:[s,s,s]}", "type", "object",
			  "description",
			  "the report of eseal verify --json (docs/verify-report.md): one entry per signature, one check "
			  "per step",
			  "properties", "verdict", "type", "string", "enum", "valid", "invalid", "indeterminate", "format",
			  "type", "string", "signatures", "type", "array", "items", "type", "object", "reason", str, "required",
			  "verdict", "format", "signatures"));
	n |= json_object_set_new(
		schemas, "Verification",
		json_pack("{s:s, s:{s:O, s:O, s:O, s:{s:s, s:{s:{s:s}, s:O, s:O, s:{s:[s,s]}}}, s:o}, s:[s,s,s,s,s]}", "type",
			  "object", "properties", "id", str, "created", time, "expires", time, "document", "type", "object",
			  "properties", "size", "type", "integer", "sm3", str, "sha256", str, "original_sm3", "type",
			  "string", "null", "report", ref("VerifyReport"), "required", "id", "created", "expires", "document",
			  "report"));
	n |= json_object_set_new(
		schemas, "StatusList",
		json_pack("{s:s, s:s, s:{s:{s:s}, s:O, s:O, s:O, s:{s:s, s:{s:s, s:{s:O, s:O, s:O, s:O, s:O}}}}, s:[s,s,s,s]}",
			  "type", "object", "description",
			  "the exact bytes the maker key signed; the SM2 signature (DER, base64) is in the "
			  "X-Status-Signature header",
			  "properties", "version", "type", "integer", "issuer", str, "generated", time, "next_update", time,
			  "seals", "type", "array", "items", "type", "object", "properties", "esid", str, "state", str,
			  "status", str, "since", time, "reason", str, "required", "issuer", "generated", "next_update",
			  "seals"));
	n |= json_object_set_new(
		schemas, "Trust",
		json_pack("{s:s, s:{s:{s:s}, s:{s:s, s:{s:s, s:{s:O, s:O, s:O, s:O, s:O, s:O, s:O}}}, s:{s:s, s:{s:O, "
			  "s:O, s:O, s:O}}, s:O}, s:[s,s]}",
			  "type", "object", "properties", "version", "type", "integer", "certificates", "type", "array",
			  "items", "type", "object", "properties", "role", str, "subject", str, "serial", str, "not_before",
			  time, "not_after", time, "sm3", str, "der", str, "crl", "type", "object", "properties", "issuer",
			  str, "this_update", time, "next_update", time, "der", str, "status_list", str, "required",
			  "certificates", "crl"));
	n |= json_object_set_new(schemas, "TimeStampQuery",
				 json_pack("{s:s, s:s, s:s}", "type", "string", "contentMediaType", "application/timestamp-query",
					   "description", "RFC 3161 TimeStampReq (DER), SM3 or SHA-256 imprint"));
	n |= json_object_set_new(schemas, "TimeStampReply",
				 json_pack("{s:s, s:s, s:s}", "type", "string", "contentMediaType", "application/timestamp-reply",
					   "description", "RFC 3161 TimeStampResp (DER); the token is SM2/SM3"));
	json_decref(bin);
	json_decref(str);
	json_decref(time);
	return n ? es_error_set(ES_ENOMEM, "out of memory") : 0;
}
