/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Handlers for uploads (attachments, registry and public-security imports), the
 * administrator's operations (jobs, backups, audit verification and anchors) and
 * seal custody (PINs, authorisations). Each reads the request, calls one platform
 * function and replies; the platform decides (docs/server.md). */
#include "server.h"
#include "eseal/es_jobs.h"
#include "estime.h"
#include "text.h"
#include "eseal/es_pki.h"
#include <errno.h>
#include <sys/stat.h>

/* ---- small helpers ----------------------------------------------------------------- */

static int ops_esid(es_req *rq)
{
	const char *s = rq->params[0];
	if (strlen(s) != 14 || strspn(s, "0123456789") != 14)
		return es_error_set(ES_ENOTFOUND, "no seal '%.24s': an esID is 14 digits", s);
	return 0;
}

static int ops_reply(es_req *rq, unsigned status, json_t *v)
{
	if (!v)
		return es_error_set(ES_ENOMEM, "out of memory");
	int err = es_reply_json(rq, status, v);
	json_decref(v);
	return err;
}

static const char *ops_str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* An upload route called without a multipart body (no body at all). */
static int need_upload(es_req *rq, const char *parts)
{
	if (rq->multipart)
		return 0;
	es_error_set(ES_ENOTSUPPORTED, "send %s as multipart/form-data", parts);
	return 415;
}

/* ---- uploads ---------------------------------------------------------------------- */

int h_app_attach(es_req *rq)
{
	int64_t app = 0;
	int err;
	const uint8_t *data;
	size_t len;
	const char *filename;
	if ((err = es_req_id(rq, &app)) < 0 || (err = need_upload(rq, "the parts 'kind' and 'file'")) != 0)
		return err;
	if (!es_upload_file(&rq->upload, "file", &data, &len, &filename))
		return es_error_set(ES_EINVAL, "the upload lacks its part 'file'");
	const char *kind = es_upload_text(&rq->upload, "kind"), *name = es_upload_text(&rq->upload, "name");
	if (!name || !*name)
		name = filename;
	if (!name || !*name)
		return es_error_set(ES_EINVAL, "give the file a name: a 'name' part, or a filename in the 'file' part");
	if ((err = es_platform_app_attach(rq->p, rq->actor, app, kind, name, data, len)) < 0)
		return err;
	return es_reply_record(rq, 200, ES_REC_APPLICATION, rq->params[0]);
}

int h_registry_import(es_req *rq)
{
	const uint8_t *data;
	size_t len;
	es_registry_result r;
	int err;
	if ((err = need_upload(rq, "the feed in the part 'file'")) != 0)
		return err;
	if (!es_upload_file(&rq->upload, "file", &data, &len, NULL))
		return es_error_set(ES_EINVAL, "the upload lacks its part 'file'");
	memset(&r, 0, sizeof(r));
	if ((err = es_platform_registry_import(rq->p, rq->actor, data, len, &r)) < 0)
		return err;
	return ops_reply(rq, 200, json_pack("{s:I, s:I, s:I}", "entities", (json_int_t)r.entities, "seals_made",
					    (json_int_t)r.seals_made, "skipped", (json_int_t)r.skipped));
}

int h_psb_import(es_req *rq)
{
	const uint8_t *data;
	size_t len;
	unsigned n = 0;
	int err;
	if ((err = need_upload(rq, "the export in the part 'file'")) != 0)
		return err;
	if (!es_upload_file(&rq->upload, "file", &data, &len, NULL))
		return es_error_set(ES_EINVAL, "the upload lacks its part 'file'");
	if ((err = es_platform_psb_import(rq->p, rq->actor, data, len, &n)) < 0)
		return err;
	return ops_reply(rq, 200, json_pack("{s:I}", "imported", (json_int_t)n));
}

/* ---- operations: jobs, backups, the audit log ----------------------------------------- */

int h_jobs_run(es_req *rq)
{
	es_jobs_result r;
	int err;
	if (rq->body.len)
		return es_error_set(ES_EINVAL, "this call takes no body");
	memset(&r, 0, sizeof(r));
	unsigned purged = 0;
	if ((err = es_platform_jobs_run(rq->p, rq->actor, &r)) < 0)
		return err;
	/* batch jobs' retention (serve key job_retention_days; docs/batch-jobs.md) */
	if (rq->srv->cfg.job_retention_days &&
	    (err = es_platform_job_purge(rq->p, rq->actor, rq->srv->cfg.job_retention_days, &purged)) < 0)
		return err;
	return ops_reply(rq, 200, json_pack("{s:I, s:I, s:I, s:I, s:I}", "suspended", (json_int_t)r.suspended, "expired",
					    (json_int_t)r.expired, "delivered", (json_int_t)r.delivered, "failed",
					    (json_int_t)r.failed, "jobs_purged", (json_int_t)purged));
}

/* A backup goes to DIR/backups under a name the server makes: never a path from the caller. */
int h_backup_create(es_req *rq)
{
	char folder[4096], name[64], path[4200], stamp[32];
	uint8_t r[4];
	int err;
	struct stat st;
	if (rq->body.len)
		return es_error_set(ES_EINVAL, "this call takes no body: the server names the file");
	if (snprintf(folder, sizeof(folder), "%s/backups", rq->srv->cfg.dir) >= (int)sizeof(folder))
		return es_error_set(ES_EINVAL, "the data directory's path is too long");
	if (mkdir(folder, 0700) < 0 && errno != EEXIST)
		return es_error_set(ES_EIO, "cannot make the backup folder %s: %s", folder, strerror(errno));
	if (stat(folder, &st) < 0 || !S_ISDIR(st.st_mode))
		return es_error_set(ES_EIO, "%s is not a folder", folder);
	if ((err = es_random(r, sizeof(r))) < 0)
		return err;
	es_time_iso(stamp, es_time_now());
	/* 2026-01-31T08:00:00Z → 20260131T080000Z */
	char compact[32];
	size_t k = 0;
	for (const char *c = stamp; *c && k + 1 < sizeof(compact); c++)
		if (*c != '-' && *c != ':')
			compact[k++] = *c;
	compact[k] = 0;
	snprintf(name, sizeof(name), "eseal-%s-%02x%02x%02x%02x.esbk", compact, r[0], r[1], r[2], r[3]);
	snprintf(path, sizeof(path), "%s/%s", folder, name);
	if ((err = es_platform_backup(rq->p, rq->actor, path)) < 0)
		return err;
	long long bytes = stat(path, &st) == 0 ? (long long)st.st_size : -1;
	return ops_reply(rq, 200, json_pack("{s:s, s:s, s:I}", "folder", "backups", "file", name, "bytes", (json_int_t)bytes));
}

static char *hex_alloc(const uint8_t *b, size_t n)
{
	char *s = es_malloc(2 * n + 1);
	if (s)
		es_hex(s, b, n);
	return s;
}

int h_audit_verify(es_req *rq)
{
	static const char *const fields[] = { "format", "seq", "hash", "at", "prev_seq", "prev_hash", "every",
					      "signature", "time_stamp", NULL };
	es_audit_report r;
	es_audit_anchor *given = NULL;
	int err;
	memset(&r, 0, sizeof(r));
	if (rq->body.len) {
		json_t *b;
		if ((err = es_body_object(rq, &b, fields)) != 0)
			return err;
		json_decref(b);
		if (!(given = es_calloc(1, sizeof(*given))))
			return es_error_set(ES_ENOMEM, "out of memory");
		if ((err = es_audit_anchor_parse(given, rq->body.ptr, rq->body.len)) < 0) {
			es_free(given);
			return es_error_wrap(err, "the anchor in the body");
		}
		err = es_platform_audit_verify_anchor(rq->p, rq->actor, given, &r);
		es_free(given);
	} else {
		err = es_platform_audit_verify(rq->p, rq->actor, &r);
	}
	/* a broken chain is an answer, not a failed request; a refused anchor is 422 */
	if (err < 0 && !(err == ES_EVERIFY && r.first_bad))
		return err;
	es_error_clear();
	char *head = hex_alloc(r.head, sizeof(r.head));
	if (!head)
		return es_error_set(ES_ENOMEM, "out of memory");
	json_t *v = json_pack("{s:b, s:I, s:I, s:I, s:s, s:s}", "intact", r.first_bad == 0, "entries",
			      (json_int_t)r.entries, "checkpoints", (json_int_t)r.checkpoints, "first_bad",
			      (json_int_t)r.first_bad, "problem", r.problem, "head", head);
	es_free(head);
	return ops_reply(rq, 200, v);
}

int h_audit_anchor(es_req *rq)
{
	es_audit_anchor *a = es_calloc(1, sizeof(*a));
	es_buf json = ES_BUF_INIT;
	int err;
	if (!a)
		return es_error_set(ES_ENOMEM, "out of memory");
	if (rq->body.len)
		err = es_error_set(ES_EINVAL, "this call takes no body");
	else if ((err = es_platform_audit_anchor(rq->p, rq->actor, a)) == 0 &&
		 (err = es_audit_anchor_json(&json, a)) == 0)
		err = es_reply_text(rq, 200, "application/json; charset=utf-8", json.ptr, json.len);
	es_free(a);
	es_buf_release(&json);
	return err;
}

/* ---- seal custody: software token PINs, authorisations ------------------------------------- */

/* PINs travel in the body (over the TLS terminator) and are wiped with it; never logged. */
static void wipe_body(es_req *rq)
{
	if (rq->body.ptr)
		es_wipe(rq->body.ptr, rq->body.len);
}

int h_token_init(es_req *rq)
{
	static const char *const fields[] = { "user_pin", "admin_pin", NULL };
	json_t *b;
	int err;
	if ((err = ops_esid(rq)) < 0 || (err = es_body_object(rq, &b, fields)) != 0) {
		wipe_body(rq);
		return err;
	}
	const char *user = ops_str(b, "user_pin"), *admin = ops_str(b, "admin_pin");
	if (!user || !admin)
		err = es_error_set(ES_EINVAL, "give 'user_pin' and 'admin_pin' as strings");
	else
		err = es_platform_token_init(rq->p, rq->actor, rq->params[0], user, admin);
	json_decref(b);
	wipe_body(rq);
	return err < 0 ? err : ops_reply(rq, 200, json_pack("{s:b}", "ok", 1));
}

int h_pin_change(es_req *rq)
{
	static const char *const fields[] = { "old_pin", "new_pin", NULL };
	json_t *b;
	int err;
	if ((err = ops_esid(rq)) < 0 || (err = es_body_object(rq, &b, fields)) != 0) {
		wipe_body(rq);
		return err;
	}
	const char *old = ops_str(b, "old_pin"), *nw = ops_str(b, "new_pin");
	if (!old || !nw)
		err = es_error_set(ES_EINVAL, "give 'old_pin' and 'new_pin' as strings");
	else
		err = es_platform_token_change_pin(rq->p, rq->actor, rq->params[0], old, nw);
	json_decref(b);
	wipe_body(rq);
	return err < 0 ? err : ops_reply(rq, 200, json_pack("{s:b}", "ok", 1));
}

int h_pin_reset(es_req *rq)
{
	static const char *const fields[] = { "admin_pin", "new_pin", NULL };
	json_t *b;
	int err;
	if ((err = ops_esid(rq)) < 0 || (err = es_body_object(rq, &b, fields)) != 0) {
		wipe_body(rq);
		return err;
	}
	const char *admin = ops_str(b, "admin_pin"), *nw = ops_str(b, "new_pin");
	if (!admin || !nw)
		err = es_error_set(ES_EINVAL, "give 'admin_pin' and 'new_pin' as strings");
	else
		err = es_platform_token_reset(rq->p, rq->actor, rq->params[0], admin, nw);
	json_decref(b);
	wipe_body(rq);
	return err < 0 ? err : ops_reply(rq, 200, json_pack("{s:b}", "ok", 1));
}

static int period(json_t *b, es_time *from, es_time *to)
{
	const char *f = ops_str(b, "from"), *t = ops_str(b, "to");
	if (!f || !t || es_time_parse(from, f) < 0 || es_time_parse(to, t) < 0)
		return es_error_set(ES_EINVAL, "'from' and 'to' must be times like 2026-01-31T08:00:00Z");
	return 0;
}

int h_seal_authorise(es_req *rq)
{
	static const char *const fields[] = { "unit_id", "from", "to", "letter", NULL };
	json_t *b;
	es_time from, to;
	int err;
	if ((err = ops_esid(rq)) < 0 || (err = es_body_object(rq, &b, fields)) != 0)
		return err;
	json_t *unit = json_object_get(b, "unit_id");
	if (!json_is_integer(unit) || json_integer_value(unit) <= 0)
		err = es_error_set(ES_EINVAL, "'unit_id' must be the id of the unit authorised");
	else if ((err = period(b, &from, &to)) == 0)
		err = es_platform_seal_authorise(rq->p, rq->actor, rq->params[0], json_integer_value(unit),
						 from, to, ops_str(b, "letter"));
	json_decref(b);
	return err < 0 ? err : es_reply_record(rq, 200, ES_REC_SEAL, rq->params[0]);
}

int h_batch_authorise(es_req *rq)
{
	static const char *const fields[] = { "purpose", "from", "to", NULL };
	json_t *b;
	es_time from, to;
	int64_t id = 0;
	int err;
	if ((err = ops_esid(rq)) < 0 || (err = es_body_object(rq, &b, fields)) != 0)
		return err;
	const char *purpose = ops_str(b, "purpose");
	if (!purpose)
		err = es_error_set(ES_EINVAL, "give the 'purpose' of the authorisation");
	else if ((err = period(b, &from, &to)) == 0)
		err = es_platform_batch_authorise(rq->p, rq->actor, rq->params[0], purpose, from, to, &id);
	json_decref(b);
	return err < 0 ? err : ops_reply(rq, 201, json_pack("{s:I}", "id", (json_int_t)id));
}

/*
 * POST /api/v1/seals/{esid}/device: a device seal. The holder's device made its key pair
 * and a PKCS#10 request (PEM); the platform issues the certificate, binds the seal to it
 * and destroys its own copy of the key. The answer carries the certificate as PEM, to
 * load into the device.
 */
int h_seal_device(es_req *rq)
{
	static const char *const fields[] = { "csr", NULL };
	json_t *b;
	es_buf der = ES_BUF_INIT, pem = ES_BUF_INIT;
	es_cert *cert = NULL;
	int err;
	if ((err = ops_esid(rq)) < 0 || (err = es_body_object(rq, &b, fields)) != 0)
		return err;
	const char *csr = ops_str(b, "csr");
	if (!csr)
		err = es_error_set(ES_EINVAL, "give 'csr': the device's PKCS#10 request as PEM");
	else if ((err = es_platform_seal_bind_device(rq->p, rq->actor, rq->params[0], (const uint8_t *)csr, strlen(csr),
						     &der)) == 0 &&
		 (err = es_cert_from_der(&cert, der.ptr, der.len)) == 0)
		err = es_cert_to_pem(&pem, cert);
	json_decref(b);
	es_cert_free(cert);
	es_buf_release(&der);
	if (err == 0)
		err = ops_reply(rq, 200, json_pack("{s:s, s:s%}", "esid", rq->params[0], "certificate", (const char *)pem.ptr,
						   pem.len));
	es_buf_release(&pem);
	return err;
}

/*
 * POST /api/v1/seals/{esid}/device-uses: the record (用章记录) of one document a device seal
 * signed in its holder's device, under a batch authorisation in force.
 */
int h_device_use(es_req *rq)
{
	static const char *const fields[] = { "doc_sm3", NULL };
	json_t *b;
	uint8_t h[32];
	int64_t id = 0;
	int err;
	if ((err = ops_esid(rq)) < 0 || (err = es_body_object(rq, &b, fields)) != 0)
		return err;
	const char *hex = ops_str(b, "doc_sm3");
	if (!hex || es_unhex(h, sizeof(h), hex, strlen(hex), false) < 0)
		err = es_error_set(ES_EINVAL, "'doc_sm3' must be the document's SM3 as 64 lower-case hex digits");
	else
		err = es_platform_device_use(rq->p, rq->actor, rq->params[0], h, &id);
	json_decref(b);
	return err < 0 ? err : ops_reply(rq, 201, json_pack("{s:I}", "id", (json_int_t)id));
}

/* ---- client certificates from a trusted TLS terminator ------------------------------------- */

/* %XX decoding of a header value (nginx's $ssl_client_escaped_cert); 0 or -1 on a bad escape. */
static int percent_decode(es_buf *out, const char *s)
{
	for (; *s; s++) {
		uint8_t c = (uint8_t)*s;
		if (c == '%') {
			uint8_t v;
			if (es_unhex(&v, 1, s + 1, 2, true) < 0)
				return -1;
			c = v;
			s += 2;
		}
		if (es_buf_put(out, &c, 1) < 0)
			return -1;
	}
	return 0;
}

/*
 * Sign in with the client certificate a trusted TLS terminator verified in its
 * handshake and forwarded in its header (config trusted_proxies, client_cert_header).
 * From any other address the header is ignored: the answer is 401.
 */
int h_session_cert(es_req *rq)
{
	const char *hdr = rq->from_proxy ? es_header(rq, rq->srv->cfg.client_cert_header) : NULL;
	es_buf pem = ES_BUF_INIT;
	es_cert *cert = NULL;
	es_actor *a = NULL;
	int err;
	if (!es_signin_allowed(rq->srv, rq->client)) {
		es_error_set(ES_ELIMIT, "too many sign-in attempts from this address: wait a minute");
		return 429;
	}
	if (rq->body.len)
		return es_error_set(ES_EINVAL, "this call takes no body: the certificate comes from the TLS terminator");
	if (!hdr || !*hdr)
		return es_error_set(ES_EAUTH, "no client certificate: sign in through the TLS terminator with a certificate "
					      "(docs/deploy.md), or with a password");
	if (strlen(hdr) > 16384 || percent_decode(&pem, hdr) < 0 || es_cert_from_pem(&cert, pem.ptr, pem.len) < 0) {
		es_buf_release(&pem);
		es_signin_failed(rq->srv, rq->client);
		return es_error_set(ES_EAUTH, "sign-in refused: the client certificate from the TLS terminator cannot be read");
	}
	es_buf_release(&pem);
	es_bytes der = es_cert_der(cert);
	es_credential c = { .kind = ES_AUTH_CERT, .cert = der.ptr, .cert_len = der.len, .source_addr = rq->client,
			    .possession_proved = true };
	err = es_platform_authenticate(rq->p, &c, &a);
	es_cert_free(cert);
	return es_session_start(rq, err, a);
}

/* A system administrator maps a certificate (PEM) to an account, for certificate sign-in. */
int h_account_cert(es_req *rq)
{
	static const char *const fields[] = { "certificate", NULL };
	json_t *b;
	es_cert *cert = NULL;
	int err;
	if ((err = es_body_object(rq, &b, fields)) != 0)
		return err;
	const char *pem = ops_str(b, "certificate");
	if (!pem)
		err = es_error_set(ES_EINVAL, "give 'certificate': the account's certificate as PEM");
	else if ((err = es_cert_from_pem(&cert, (const uint8_t *)pem, strlen(pem))) < 0)
		es_error_wrap(err, "'certificate'");
	else {
		es_bytes der = es_cert_der(cert);
		err = es_platform_cert_map(rq->p, rq->actor, rq->params[0], der.ptr, der.len);
	}
	es_cert_free(cert);
	json_decref(b);
	return err < 0 ? err : ops_reply(rq, 200, json_pack("{s:b}", "ok", 1));
}
