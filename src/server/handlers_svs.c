/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The /svs/v1/ family (docs/sign-services.md): the interfaces of a GM/T 0029 / GB/T 38629
 * sign-and-verify server, shaped as JSON over HTTP with base64 binaries, for agency systems
 * built against such servers. Signing goes through es_platform_sign_data (an approved use
 * request per datum, like every use of a seal); verifying uses the platform's anchors
 * (DIR/trust, with its CRLs) and live seal status.
 */
#include "handlers_sign.h"
#include "text.h"
#include "estime.h"
#include "eseal/es_seal.h"
#include "eseal/es_pki.h"
#include "eseal/es_verify.h"
#include "eseal/es_cms.h"

/* Binary fields in and out of JSON: RFC 4648 base64 with padding, nothing else accepted. */
int es_svs_b64_decode(es_buf *out, const char *in, size_t len)
{
	return es_unbase64(out, in, len, false);
}

static int b64_field(json_t *body, const char *key, es_buf *out, bool required)
{
	json_t *v = json_object_get(body, key);
	if (!v)
		return required ? es_error_set(ES_EINVAL, "give '%s' (base64)", key) : 0;
	if (!json_is_string(v))
		return es_error_set(ES_EINVAL, "'%s' is a base64 string", key);
	int err = es_svs_b64_decode(out, json_string_value(v), json_string_length(v));
	return err < 0 ? es_error_wrap(err, "'%s'", key) : 1;
}

static json_t *b64_json(const uint8_t *p, size_t n)
{
	if (n > SIZE_MAX / 2)
		return NULL;
	char *s = es_malloc(es_base64_len(n, false) + 1);
	if (!s)
		return NULL;
	es_base64(s, p, n, false);
	json_t *v = json_string(s);
	es_free(s);
	return v;
}

static int reply_new(es_req *rq, json_t *v)
{
	if (!v)
		return es_error_set(ES_ENOMEM, "out of memory");
	int err = es_reply_json(rq, 200, v);
	json_decref(v);
	return err;
}

/* The signer certificate of seal @esid (the first of its certList). */
static int seal_cert(es_req *rq, const char *esid, es_cert **out)
{
	es_buf der = ES_BUF_INIT;
	es_seal *seal = NULL;
	int err;
	if (es_esid_check(esid) < 0) {
		es_error_clear();
		return es_error_set(ES_EINVAL, "'esid' has 14 digits");
	}
	if ((err = es_platform_seal_der(rq->p, esid, &der)) == 0 && (err = es_seal_parse(&seal, der.ptr, der.len)) == 0) {
		const es_seal_fields *f = es_seal_fields_get(seal);
		err = f->ncerts ? es_cert_from_der(out, f->certs[0].ptr, f->certs[0].len)
				: es_error_set(ES_ENOTFOUND, "seal %s binds no certificate", esid);
	}
	es_seal_free(seal);
	es_buf_release(&der);
	return err;
}

/* The platform's anchors, intermediates and CRLs (DIR/trust). */
static int trust_of(es_req *rq, es_trust **out)
{
	char dir[1024];
	int err;
	snprintf(dir, sizeof(dir), "%s/trust", rq->srv->cfg.dir);
	if ((err = es_trust_new(out)) == 0 && (err = es_trust_load_dir(*out, dir)) < 0) {
		es_trust_free(*out);
		*out = NULL;
	}
	return err;
}

static const char *path_status_name(es_path_status s)
{
	switch (s) {
	case ES_PATH_OK: return "ok";
	case ES_PATH_NO_TRUST_STORE: return "no-trust-store";
	case ES_PATH_UNKNOWN_ISSUER: return "unknown-issuer";
	case ES_PATH_BAD_SIGNATURE: return "bad-certificate-signature";
	case ES_PATH_NOT_YET_VALID: return "not-yet-valid";
	case ES_PATH_EXPIRED: return "expired";
	case ES_PATH_REVOKED: return "revoked";
	case ES_PATH_BAD_KEY_USAGE: return "bad-key-usage";
	case ES_PATH_CRL_PROBLEM: return "crl-problem";
	default: return "other";
	}
}

static json_t *validation(bool valid, const char *status, const char *reason)
{
	return json_pack("{s:b, s:i, s:s, s:s}", "valid", valid, "result", valid ? 0 : 1, "status", status, "reason",
			 reason ? reason : "");
}

/* ---- ExportCert, ValidateCert ------------------------------------------------------------------ */

int h_svs_export_cert(es_req *rq)
{
	static const char *const fields[] = { "esid", NULL };
	json_t *b;
	es_cert *c = NULL;
	int err;
	if ((err = es_body_object(rq, &b, fields)) != 0)
		return err;
	json_t *e = json_object_get(b, "esid");
	err = json_is_string(e) ? seal_cert(rq, json_string_value(e), &c) : es_error_set(ES_EINVAL, "give 'esid'");
	if (err == 0) {
		es_bytes d = es_cert_der(c);
		err = reply_new(rq, json_pack("{s:s, s:o}", "esid", json_string_value(e), "cert", b64_json(d.ptr, d.len)));
	}
	es_cert_free(c);
	json_decref(b);
	return err;
}

/*
 * A certificate's path to the platform's anchors now, with revocation when a CRL is known:
 * the CRLs in DIR/trust and, at level 2, the platform's own current CRL (es_platform_crl:
 * its revoked, lost and suspended seals, signed now), so a seal revoked a moment ago is
 * reported revoked.
 */
static int check_cert(es_req *rq, const es_cert *c, int level, bool *valid, const char **status, char *reason,
		      size_t cap)
{
	es_trust *t = NULL;
	es_path_result pr;
	int err = trust_of(rq, &t);
	if (err < 0)
		return err;
	if (level >= 2) {
		es_buf crl = ES_BUF_INIT;
		if ((err = es_platform_crl(rq->p, &crl, NULL, NULL)) == 0)
			err = es_trust_add_crl(t, crl.ptr, crl.len);
		es_buf_release(&crl);
		if (err < 0) {
			es_trust_free(t);
			return err;
		}
	}
	err = es_trust_verify(&pr, t, c, NULL, 0, es_time_now(), 0);
	es_trust_free(t);
	if (err < 0)
		return err;
	*valid = pr.status == ES_PATH_OK;
	*status = path_status_name(pr.status);
	snprintf(reason, cap, "%s", pr.reason);
	if (*valid && level >= 2 && !pr.revocation_checked) {
		*valid = false;
		*status = "revocation-unknown";
		snprintf(reason, cap, "no CRL of the issuer is known: revocation cannot be checked (level 2)");
	}
	return 0;
}

int h_svs_validate_cert(es_req *rq)
{
	static const char *const fields[] = { "cert", "level", NULL };
	json_t *b;
	es_buf der = ES_BUF_INIT;
	es_cert *c = NULL;
	bool valid = false;
	const char *status = "";
	char reason[256] = "";
	int err;
	if ((err = es_body_object(rq, &b, fields)) != 0)
		return err;
	json_t *lv = json_object_get(b, "level");
	int level = json_is_integer(lv) ? (int)json_integer_value(lv) : 1;
	if ((lv && !json_is_integer(lv)) || level < 1 || level > 2)
		err = es_error_set(ES_EINVAL, "'level' is 1 (chain and validity) or 2 (and revocation)");
	else if ((err = b64_field(b, "cert", &der, true)) >= 0 && (err = es_cert_from_der(&c, der.ptr, der.len)) == 0 &&
		 (err = check_cert(rq, c, level, &valid, &status, reason, sizeof(reason))) == 0)
		err = reply_new(rq, validation(valid, status, reason));
	es_cert_free(c);
	es_buf_release(&der);
	json_decref(b);
	return err;
}

/* ---- SignData, SignMessage ---------------------------------------------------------------------- */

int h_svs_sign(es_req *rq)
{
	static const char *const fields[] = { "esid", "data", "use_request", "pin", NULL };
	json_t *b, *e, *r, *pin;
	es_buf data = ES_BUF_INIT, out = ES_BUF_INIT;
	es_seal_document_result res;
	bool message = strcmp(rq->route->pattern, "/svs/v1/SignMessage") == 0;
	int err;
	if ((err = es_body_object(rq, &b, fields)) != 0)
		return err;
	e = json_object_get(b, "esid");
	r = json_object_get(b, "use_request");
	pin = json_object_get(b, "pin");
	if (!json_is_string(e) || !json_is_integer(r) || (pin && !json_is_string(pin)))
		err = es_error_set(ES_EINVAL, "give 'esid', 'data' (base64), 'use_request' and, for a token, 'pin'");
	else if ((err = b64_field(b, "data", &data, true)) >= 0) {
		es_sign_data_options o = ES_SIGN_DATA_OPTIONS_INIT;
		o.esid = json_string_value(e);
		o.request = (int64_t)json_integer_value(r);
		o.pin = pin ? json_string_value(pin) : NULL;
		o.form = message ? ES_SIGN_DATA_CMS : ES_SIGN_DATA_SM2;
		if ((err = es_sign_key_may_use(rq, o.esid)) == 0 &&
		    (err = es_platform_sign_data(rq->p, rq->actor, &o, data.ptr, data.len, &out, &res)) == 0)
			err = reply_new(rq, json_pack("{s:s, s:I, s:I, s:o}", "esid", o.esid, "use_request", (json_int_t)o.request,
						      "usage", (json_int_t)res.usage_id, message ? "message" : "signature",
						      b64_json(out.ptr, out.len)));
	}
	json_decref(b); /* the PIN goes with it */
	es_buf_release(&data);
	es_buf_release(&out);
	return err;
}

/* ---- VerifySignedData, VerifySignedMessage --------------------------------------------------------- */

int h_svs_verify_data(es_req *rq)
{
	static const char *const fields[] = { "cert", "esid", "data", "signature", "level", NULL };
	json_t *b;
	es_buf cder = ES_BUF_INIT, data = ES_BUF_INIT, sig = ES_BUF_INIT;
	es_cert *c = NULL;
	const es_sm2_key *pub = NULL;
	bool valid = false;
	const char *status = "ok";
	char reason[256] = "";
	int err;
	if ((err = es_body_object(rq, &b, fields)) != 0)
		return err;
	json_t *lv = json_object_get(b, "level"), *e = json_object_get(b, "esid");
	int level = json_is_integer(lv) ? (int)json_integer_value(lv) : 0;
	if ((lv && !json_is_integer(lv)) || level < 0 || level > 2) {
		err = es_error_set(ES_EINVAL, "'level' is 0 (signature), 1 (and the certificate) or 2 (and revocation)");
		goto done;
	}
	if ((e != NULL) == (json_object_get(b, "cert") != NULL) || (e && !json_is_string(e))) {
		err = es_error_set(ES_EINVAL, "give the signer as 'cert' (base64 DER) or as 'esid', one of them");
		goto done;
	}
	if ((err = b64_field(b, "data", &data, true)) < 0 || (err = b64_field(b, "signature", &sig, true)) < 0)
		goto done;
	if (e)
		err = seal_cert(rq, json_string_value(e), &c);
	else if ((err = b64_field(b, "cert", &cder, true)) >= 0)
		err = es_cert_from_der(&c, cder.ptr, cder.len);
	if (err < 0 || (err = es_cert_pubkey(&pub, c)) < 0)
		goto done;
	valid = es_sm2_verify(pub, NULL, 0, data.ptr, data.len, sig.ptr, sig.len) == 0;
	es_error_clear();
	if (!valid) {
		status = "bad-signature";
		snprintf(reason, sizeof(reason), "the signature does not verify with the certificate's key over the data");
	} else if (level >= 1 && (err = check_cert(rq, c, level, &valid, &status, reason, sizeof(reason))) < 0) {
		goto done;
	}
	if (valid && level >= 2 && e) {
		/* a seal's certificate: the seal's own status counts too (R5) */
		es_status_info si;
		if ((err = es_platform_seal_status_at(rq->p, json_string_value(e), 0, &si)) < 0)
			goto done;
		if (si.status != ES_STATUS_ACTIVE) {
			valid = false;
			status = "seal-not-active";
			snprintf(reason, sizeof(reason), "seal %s is %s", json_string_value(e), es_seal_status_name(si.status));
		}
	}
	err = reply_new(rq, validation(valid, status, reason));
done:
	es_cert_free(c);
	es_buf_release(&cder);
	es_buf_release(&data);
	es_buf_release(&sig);
	json_decref(b);
	return err;
}

int h_svs_verify_message(es_req *rq)
{
	static const char *const fields[] = { "message", "data", NULL };
	json_t *b, *report = NULL;
	es_buf msg = ES_BUF_INIT, data = ES_BUF_INIT, rj = ES_BUF_INIT;
	es_trust *t = NULL;
	es_report r;
	int err, has;
	es_report_init(&r);
	if ((err = es_body_object(rq, &b, fields)) != 0)
		return err;
	if ((err = b64_field(b, "message", &msg, true)) < 0 || (has = b64_field(b, "data", &data, false)) < 0 ||
	    (err = trust_of(rq, &t)) < 0) {
		err = err < 0 ? err : has;
		goto done;
	}
	es_verify_options vo = ES_VERIFY_OPTIONS_INIT;
	vo.trust = t;
	vo.original = data.ptr;
	vo.original_len = data.len;
	vo.has_original = has == 1;
	vo.status = es_platform_status_fn;
	vo.status_payload = rq->p;
	if ((err = es_verify_der(&r, msg.ptr, msg.len, &vo)) < 0) {
		es_error_clear();
		err = es_error_set(ES_EMALFORMED, "'message' is not a signed message (SignedData or SES_Signature)");
		goto done;
	}
	if ((err = es_report_json(&rj, &r)) < 0)
		goto done;
	report = json_loadb((const char *)rj.ptr, rj.len, 0, NULL);
	err = reply_new(rq, json_pack("{s:b, s:i, s:s, s:s, s:o*}", "valid", r.verdict == ES_VERDICT_VALID, "result",
				      r.verdict == ES_VERDICT_VALID ? 0 : 1, "status", es_verdict_name(r.verdict), "reason",
				      has == 1 ? "" : "no original given: the content digest is not checked", "report", report));
	report = NULL;
done:
	json_decref(report);
	es_report_release(&r);
	es_trust_free(t);
	es_buf_release(&msg);
	es_buf_release(&data);
	es_buf_release(&rj);
	json_decref(b);
	return err;
}

/* ---- schemas (routes.c) ----------------------------------------------------------------------------- */

int es_svs_schemas(json_t *schemas)
{
	static const char b64[] = "base64";
	json_object_set_new(schemas, "SvsExportCert",
			    es_schema_object("esid", json_pack("{s:{s:s}}", "esid", "type", "string")));
	json_object_set_new(schemas, "SvsCert",
			    es_schema_object("esid,cert",
					     json_pack("{s:{s:s}, s:{s:s, s:s}}", "esid", "type", "string", "cert", "type",
						       "string", "contentEncoding", b64)));
	json_object_set_new(schemas, "SvsValidateCert",
			    es_schema_object("cert", json_pack("{s:{s:s, s:s}, s:{s:s, s:[i,i]}}", "cert", "type", "string",
							       "contentEncoding", b64, "level", "type", "integer", "enum", 1,
							       2)));
	json_object_set_new(schemas, "SvsValidation",
			    es_schema_object("valid,result,status,reason",
					     json_pack("{s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}}", "valid", "type",
						       "boolean", "result", "type", "integer", "status", "type", "string",
						       "reason", "type", "string", "report", "type", "object")));
	json_object_set_new(schemas, "SvsSign",
			    es_schema_object("esid,data,use_request",
					     json_pack("{s:{s:s}, s:{s:s, s:s}, s:{s:s}, s:{s:s}}", "esid", "type", "string",
						       "data", "type", "string", "contentEncoding", b64, "use_request", "type",
						       "integer", "pin", "type", "string")));
	json_object_set_new(schemas, "SvsSigned",
			    es_schema_object("esid,use_request,usage",
					     json_pack("{s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s, s:s}, s:{s:s, s:s}}", "esid", "type",
						       "string", "use_request", "type", "integer", "usage", "type", "integer",
						       "signature", "type", "string", "contentEncoding", b64, "message", "type",
						       "string", "contentEncoding", b64)));
	json_object_set_new(schemas, "SvsVerifyData",
			    es_schema_object("data,signature",
					     json_pack("{s:{s:s, s:s}, s:{s:s}, s:{s:s, s:s}, s:{s:s, s:s}, s:{s:s, s:[i,i,i]}}",
						       "cert", "type", "string", "contentEncoding", b64, "esid", "type", "string",
						       "data", "type", "string", "contentEncoding", b64, "signature", "type",
						       "string", "contentEncoding", b64, "level", "type", "integer", "enum", 0, 1,
						       2)));
	json_object_set_new(schemas, "SvsVerifyMessage",
			    es_schema_object("message", json_pack("{s:{s:s, s:s}, s:{s:s, s:s}}", "message", "type", "string",
								  "contentEncoding", b64, "data", "type", "string",
								  "contentEncoding", b64)));
	return 0;
}
