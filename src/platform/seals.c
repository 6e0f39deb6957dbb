/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Seals: making, confirmation, use, authorisation, status. */
#include "es_int.h"
#include "text.h"
#include "platform_int.h"
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>
#include "eseal/es_render.h"
#include "estime.h"
#include "file.h"
#include <jansson.h>

#define DAY 86400LL

typedef struct unit_row {
	char name[ES_PLAT_MAX_NAME + 1], credit[19], region[7];
	bool found;
} unit_row;

static int unit_row_fn(void *vctx, const es_sval *c, size_t n)
{
	unit_row *u = vctx;
	if (n < 3)
		return ES_EINTERNAL;
	es_platform__copy(u->name, sizeof(u->name), &c[0]);
	es_platform__copy(u->credit, sizeof(u->credit), &c[1]);
	es_platform__copy(u->region, sizeof(u->region), &c[2]);
	u->found = true;
	return 1;
}

static int unit_get(es_platform *p, int64_t id, unit_row *u)
{
	memset(u, 0, sizeof(*u));
	es_sval pv[1] = { ES_SV_I(id) };
	int err = es_store_exec(p->st, "SELECT name, credit_code, region FROM units WHERE id = ?", pv, 1, unit_row_fn, u,
				NULL);
	if (err == 0 && !u->found)
		err = es_error_set(ES_ENOTFOUND, "no unit %lld", (long long)id);
	return err;
}

int es_platform__render_picture(es_platform *p, es_buf *out, int kind, int function, const char *unit_name,
				const char *seal_name, const char *credit, const char *esid, unsigned w, unsigned h)
{
	es_render_options ro = ES_RENDER_OPTIONS_INIT;
	char arc[512];
	bool holder = kind == ES_KIND_PERSONAL || kind == ES_KIND_POSITION;
	int err = es_render_options_for_seal(&ro, kind, function, holder ? seal_name : unit_name, esid, credit, arc,
					     sizeof(arc));
	if (err < 0)
		return err;
	if (w >= ES_RENDER_MIN_MM && w <= ES_RENDER_MAX_MM) {
		ro.width_mm = w;
		if (h >= ES_RENDER_MIN_MM && h <= ES_RENDER_MAX_MM)
			ro.height_mm = h;
	}
	ro.dpi = p->dpi;
	return es_render_png(out, &ro);
}

typedef struct psb_pick {
	char *esid;
	es_buf *pic;
	bool found;
} psb_pick;

static int psb_row(void *vctx, const es_sval *c, size_t n)
{
	psb_pick *k = vctx;
	if (n < 2)
		return ES_EINTERNAL;
	es_platform__copy(k->esid, 15, &c[0]);
	if (c[1].type == ES_SV_BLOB) {
		int err = es_buf_put(k->pic, c[1].b, c[1].len);
		if (err < 0)
			return err;
	}
	k->found = true;
	return 1;
}

/*
 * A seal whose key is held outside the platform (its own software token, a
 * key store, a device: a tokens row) keeps that key when it is renewed:
 * the new certificate is issued for the public key of the current one and
 * the custody record stays as it is.
 */
typedef struct held_key {
	es_buf cert;
	es_buf kenc;
	bool held;
} held_key;

static int held_row(void *ctx, const es_sval *c, size_t n)
{
	held_key *h = ctx;
	(void)n;
	h->held = true;
	if (c[0].type == ES_SV_BLOB && es_buf_put(&h->cert, c[0].b, c[0].len) < 0)
		return ES_ENOMEM;
	if (c[1].type == ES_SV_BLOB && c[1].len && es_buf_put(&h->kenc, c[1].b, c[1].len) < 0)
		return ES_ENOMEM;
	return 1;
}

/*
 * Making a seal, in three steps so that the slow work (drawing the impression, the key
 * pair, the certificate, the maker's signature) holds no write lock:
 *   es_platform__seal_reserve (in a short transaction of its own) takes the seal code;
 *   es_platform__seal_build (no transaction) makes everything the seal row holds;
 *   es_platform__seal_store (in the application's transaction) stores it.
 * A code taken by a make that then fails is not given out again (a gap in the region's
 * sequence); a reserved public-security code is handed back (es_platform__seal_release).
 */
int es_platform__seal_reserve(es_platform *p, int64_t unit_id, int kind, const char *name, const char *keep_esid,
			      es_made_seal *m)
{
	/* m is fresh (ES_MADE_SEAL_INIT): a reservation is made once */
	unit_row u;
	int err;
	if (!es_store_in_tx(p->st))
		return es_error_set(ES_EINTERNAL, "seal code reserved outside a transaction");
	if ((err = unit_get(p, unit_id, &u)) < 0)
		return err;
	snprintf(m->unit_name, sizeof(m->unit_name), "%s", u.name);
	memcpy(m->credit, u.credit, sizeof(m->credit));
	m->esid[0] = 0;
	m->psb = false;
	m->renewal = keep_esid != NULL;
	m->held = false;
	if (keep_esid) {
		held_key held = { ES_BUF_INIT, ES_BUF_INIT, false };
		es_sval hv[1] = { ES_SV_S(keep_esid) };
		snprintf(m->esid, sizeof(m->esid), "%s", keep_esid);
		err = es_store_exec(p->st,
				    "SELECT s.cert_der, s.key_enc FROM seals s JOIN tokens t ON t.esid = s.esid WHERE s.esid = ?",
				    hv, 1, held_row, &held, NULL);
		if (err == 0 && held.held && ((err = es_buf_put(&m->held_cert, held.cert.ptr, held.cert.len)) == 0) &&
		    held.kenc.len)
			err = es_buf_put(&m->kenc, held.kenc.ptr, held.kenc.len);
		m->held = held.held;
		es_buf_release(&held.cert);
		es_buf_release(&held.kenc);
		return err < 0 ? err : 0;
	}
	/* a seal code public security assigned to this unit's seal (psb_seals) comes first */
	psb_pick pk = { m->esid, &m->psb_pic, false };
	es_sval qv[3] = { ES_SV_S(u.credit), ES_SV_S(es_seal_kind_name(kind)), ES_SV_S(name) };
	if ((err = es_store_exec(p->st,
				 "SELECT seal_code, picture FROM psb_seals WHERE credit_code = ? AND kind = ? AND "
				 "name = ? AND used_by IS NULL AND seal_code NOT IN (SELECT esid FROM seals) "
				 "ORDER BY seal_code LIMIT 1",
				 qv, 3, psb_row, &pk, NULL)) < 0)
		return err;
	if (pk.found) {
		es_sval uv[2] = { ES_SV_S(m->esid), ES_SV_S(m->esid) };
		if ((err = es_store_exec(p->st, "UPDATE psb_seals SET used_by = ? WHERE seal_code = ?", uv, 2, NULL, NULL,
					 NULL)) < 0)
			return err;
		m->psb = true;
	}
	while (!m->esid[0]) {
		int64_t seq, taken = 0;
		char counter[32], code[32]; /* room for region + "%08lld" of any int64 */
		snprintf(counter, sizeof(counter), "esid:%s", u.region);
		if ((err = es_store_next(p->st, &seq, counter)) < 0)
			return err;
		if (seq > 99999999)
			return es_error_set(ES_ELIMIT, "region %s has used all 99999999 seal codes", u.region);
		snprintf(code, sizeof(code), "%s%08lld", u.region, (long long)seq);
		if (strlen(code) != 14)
			return es_error_set(ES_EINVAL, "region code '%s' is not 6 digits: no 14-character seal code", u.region);
		/* skip codes already taken or reserved by a public-security import */
		es_sval tv[2] = { ES_SV_S(code), ES_SV_S(code) };
		if ((err = es_store_int(p->st, &taken,
					"SELECT (SELECT COUNT(*) FROM seals WHERE esid = ?) + "
					"(SELECT COUNT(*) FROM psb_seals WHERE seal_code = ?)",
					tv, 2)) < 0)
			return err;
		if (!taken)
			memcpy(m->esid, code, sizeof(m->esid));
	}
	return es_esid_check(m->esid);
}

int es_platform__seal_build(es_platform *p, es_made_seal *m, int kind, int function, const char *name, unsigned w,
			    unsigned h, const uint8_t *impression, size_t imp_len)
{
	es_sm2_key *key = NULL;
	es_cert *cert = NULL, *old_cert = NULL;
	es_buf pem = ES_BUF_INIT, subj = ES_BUF_INIT;
	int err;
	es_time now = es_platform__now(p);
	if (es_store_in_tx(p->st))
		return es_error_set(ES_EINTERNAL, "seal %s built inside a write transaction: build it before", m->esid);
	if (!impression && m->psb_pic.len) {
		impression = m->psb_pic.ptr;
		imp_len = m->psb_pic.len;
	}
	/* picture: the uploaded impression, or drawn by the render layer */
	if (impression) {
		if ((err = es_buf_put(&m->pic, impression, imp_len)) < 0)
			goto done;
	} else if ((err = es_platform__render_picture(p, &m->pic, kind, function, m->unit_name, name, m->credit, m->esid,
						      w, h)) < 0) {
		goto done;
	}
	if ((err = es_sm3(m->hash, m->pic.ptr, m->pic.len)) < 0)
		goto done;
	/* the signer certificate, issued by the platform root: O = credit code + unit name, CN = esID */
	{
		es_issue_options io = ES_ISSUE_OPTIONS_INIT;
		if ((err = es_buf_printf(&subj, "/C=CN/O=%s%s/CN=%s", m->credit, m->unit_name, m->esid)) < 0)
			goto done;
		io.profile = ES_PROFILE_SIGNER;
		io.subject = (const char *)subj.ptr;
		io.not_before = now;
		io.not_after = now + (es_time)p->seal_days * DAY;
		if (m->held) {
			const es_sm2_key *pub = NULL;
			if ((err = es_cert_from_der(&old_cert, m->held_cert.ptr, m->held_cert.len)) < 0 ||
			    (err = es_cert_pubkey(&pub, old_cert)) < 0)
				goto done;
			key = es_sm2_key_ref((es_sm2_key *)pub);
		} else if ((err = es_sm2_key_generate(&key)) < 0) {
			goto done;
		}
		if ((err = es_cert_issue(&cert, &io, key, p->root, p->root_key)) < 0)
			goto done;
	}
	{
		es_seal_make_options mo = ES_SEAL_MAKE_OPTIONS_INIT;
		es_cert *signers[1] = { cert };
		mo.kind = kind;
		mo.function = function;
		mo.esid = m->esid;
		mo.name = name;
		mo.vid = "ESEAL-PLATFORM";
		mo.signers = signers;
		mo.nsigners = 1;
		mo.picture_type = "PNG";
		mo.picture = m->pic.ptr;
		mo.picture_len = m->pic.len;
		mo.width_mm = w;
		mo.height_mm = h;
		if ((err = es_seal_make(&m->der, &mo, p->maker, p->maker_key, NULL)) < 0)
			goto done;
	}
	/* a key held outside stays where it is: key_enc keeps what it held (empty for keys outside) */
	if (!m->held) {
		if ((err = es_sm2_key_private_pem(&pem, key, NULL)) < 0 ||
		    (err = es_box_seal(&m->kenc, p->data_key, (const uint8_t *)m->esid, strlen(m->esid), pem.ptr,
				       pem.len)) < 0)
			goto done;
	}
	es_bytes cd = es_cert_der(cert);
	if ((err = es_buf_put(&m->cert_der, cd.ptr, cd.len)) < 0)
		goto done;
	m->valid_start = es_cert_not_before(cert);
	m->valid_end = es_cert_not_after(cert);
done:
	es_cert_free(cert);
	es_cert_free(old_cert);
	es_sm2_key_free(key);
	es_buf_release_secret(&pem);
	es_buf_release(&subj);
	return err;
}

int es_platform__seal_store(es_platform *p, int64_t actor, int64_t app_id, int64_t unit_id, int kind, int function,
			    const char *name, const char *multi_reason, const es_made_seal *m, char esid_out[15])
{
	int err;
	int64_t tid;
	const char *esid = m->esid;
	es_time now = es_platform__now(p);
	if (!es_store_in_tx(p->st))
		return es_error_set(ES_EINTERNAL, "seal stored outside a transaction");
	if (!m->der.len)
		return es_error_set(ES_EINTERNAL, "seal %s stored before it was built", esid);
	/* usually one impression binds one certificate (FG 二.2): a second needs a reason */
	{
		int64_t other = 0;
		es_sval pv[2] = { ES_SV_B(m->hash, sizeof(m->hash)), ES_SV_S(esid) };
		if ((err = es_store_int(p->st, &other,
					"SELECT COUNT(*) FROM seals WHERE impression_hash = ? AND state <> 'revoked' AND esid <> ?",
					pv, 2)) < 0)
			return err;
		if (other > 0 && !multi_reason)
			return es_error_set(ES_EDENIED, "this impression is already bound to another seal's certificate: one "
							"impression binds one certificate unless the application records the "
							"reason (multi-certificate reason)");
	}
	if (!m->renewal && !m->psb) {
		/* a public-security import may have reserved the code since it was taken */
		int64_t taken = 0;
		es_sval tv[1] = { ES_SV_S(esid) };
		if ((err = es_store_int(p->st, &taken, "SELECT COUNT(*) FROM psb_seals WHERE seal_code = ?", tv, 1)) < 0)
			return err;
		if (taken)
			return es_error_set(ES_ECONFLICT, "seal code %s was reserved by public security meanwhile: make it again",
					    esid);
	}
	es_bytes kenc = { m->kenc.len ? m->kenc.ptr : (const uint8_t *)"", m->kenc.len };
	if (m->renewal) {
		char state[16] = "";
		es_sval pv[8] = { ES_SV_B(m->der.ptr, m->der.len), ES_SV_B(m->pic.ptr, m->pic.len),
				  ES_SV_B(m->hash, sizeof(m->hash)), ES_SV_B(m->cert_der.ptr, m->cert_der.len),
				  ES_SV_B(kenc.ptr, kenc.len), ES_SV_I(m->valid_start), ES_SV_I(m->valid_end), ES_SV_S(esid) };
		if ((err = es_store_exec(p->st,
					 "UPDATE seals SET seal_der = ?, picture = ?, impression_hash = ?, cert_der = ?, "
					 "key_enc = ?, valid_start = ?, valid_end = ? WHERE esid = ?",
					 pv, 8, NULL, NULL, NULL)) < 0)
			return err;
		if (m->held) {
			/* a device keeps its key: it needs the renewed certificate too */
			es_sval dv[2] = { ES_SV_B(m->cert_der.ptr, m->cert_der.len), ES_SV_S(esid) };
			if ((err = es_store_exec(p->st,
						 "UPDATE tokens SET device_cert = ? WHERE esid = ? AND device_cert IS NOT NULL", dv,
						 2, NULL, NULL, NULL)) < 0)
				return err;
		}
		char why[64], until[32];
		es_time_iso(until, m->valid_end);
		snprintf(why, sizeof(why), "renewed until %s", until);
		/* state unchanged: recorded as a transition to itself */
		es_sval qv[1] = { ES_SV_S(esid) };
		int64_t active = 0;
		if ((err = es_store_int(p->st, &active, "SELECT COUNT(*) FROM seals WHERE esid = ? AND state = 'active'", qv,
					1)) < 0)
			return err;
		snprintf(state, sizeof(state), "%s", active ? "active" : "made");
		if ((err = es_platform__transition(p, "seal", esid, state, state, actor, why, &tid)) < 0 ||
		    (err = es_platform__file(p, esid, "renewed", tid)) < 0)
			return err;
	} else {
		es_sval pv[17] = { ES_SV_S(esid),
				   ES_SV_I(unit_id),
				   app_id ? ES_SV_I(app_id) : ES_SV_NUL,
				   ES_SV_S(es_seal_kind_name(kind)),
				   ES_SV_S(function ? es_seal_function_name(function) : NULL),
				   ES_SV_S(name),
				   ES_SV_B(m->der.ptr, m->der.len),
				   ES_SV_B(m->pic.ptr, m->pic.len),
				   ES_SV_B(m->hash, sizeof(m->hash)),
				   ES_SV_B(m->cert_der.ptr, m->cert_der.len),
				   ES_SV_B(kenc.ptr, kenc.len),
				   ES_SV_S(multi_reason),
				   actor == ES_ACCOUNT_SYSTEM ? ES_SV_NUL : ES_SV_I(actor),
				   ES_SV_I(m->valid_start),
				   ES_SV_I(m->valid_end),
				   ES_SV_I(now),
				   ES_SV_I(now) };
		if ((err = es_store_exec(p->st,
					 "INSERT INTO seals (esid, unit_id, app_id, kind, function, name, state, seal_der, "
					 "picture, picture_type, impression_hash, cert_der, key_enc, multi_cert_reason, made_by, "
					 "valid_start, valid_end, state_since, created_at) "
					 "VALUES (?, ?, ?, ?, ?, ?, 'made', ?, ?, 'PNG', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
					 pv, 17, NULL, NULL, NULL)) < 0) {
			if (err == ES_EEXISTS)
				err = es_error_set(ES_EINTERNAL, "seal code %s allocated twice", esid);
			return err;
		}
		if ((err = es_platform__transition(p, "seal", esid, NULL, "made", actor, "made", &tid)) < 0 ||
		    (err = es_platform__file(p, esid, "made", tid)) < 0)
			return err;
	}
	memcpy(esid_out, esid, 15); /* esid_out holds 15 bytes */
	esid_out[14] = '\0';
	return 0;
}

static int release_tx(es_platform *p, void *vctx)
{
	const es_made_seal *m = vctx;
	es_sval pv[2] = { ES_SV_S(m->esid), ES_SV_S(m->esid) };
	return es_store_exec(p->st,
			     "UPDATE psb_seals SET used_by = NULL WHERE seal_code = ? AND used_by = seal_code AND "
			     "NOT EXISTS (SELECT 1 FROM seals WHERE esid = ?)",
			     pv, 2, NULL, NULL, NULL);
}

void es_platform__seal_release(es_platform *p, es_made_seal *m)
{
	if (!m->psb || es_store_in_tx(p->st))
		return;
	/* the caller's error stays the one reported */
	es_error saved = *es_error_last();
	if (es_platform__tx(p, release_tx, m) < 0)
		es_error_clear();
	es_error_set(saved.code, "%s", saved.message);
	m->psb = false;
}

void es_platform__made_seal_free(es_made_seal *m)
{
	es_buf_release(&m->pic);
	es_buf_release(&m->der);
	es_buf_release(&m->cert_der);
	es_buf_release(&m->held_cert);
	es_buf_release(&m->psb_pic);
	es_buf_release_secret(&m->kenc);
}

/* ---- filing records into the outbox ------------------------------------------- */

static int file_seal_row(void *vctx, const es_sval *c, size_t n)
{
	json_t *j = vctx;
	char state[16], reason[ES_PLAT_MAX_REASON + 64];
	if (n < 3 || c[0].type != ES_SV_BLOB)
		return ES_EINTERNAL;
	char *b64 = es_malloc(es_base64_len(c[0].len, false) + 1);
	if (!b64)
		return es_error_set(ES_ENOMEM, "out of memory");
	es_base64(b64, c[0].b, c[0].len, false);
	es_platform__copy(state, sizeof(state), &c[1]);
	es_platform__copy(reason, sizeof(reason), &c[2]);
	int bad = json_object_set_new(j, "seal", json_string(b64)) | json_object_set_new(j, "state", json_string(state)) |
		  json_object_set_new(j, "reason", json_string(reason));
	es_free(b64);
	return bad ? es_error_set(ES_ENOMEM, "out of memory") : 1;
}

static int file_seal_fields(es_platform *p, const char *esid, json_t *j)
{
	es_sval pv[1] = { ES_SV_S(esid) };
	return es_store_exec(p->st, "SELECT seal_der, state, COALESCE(state_reason, '') FROM seals WHERE esid = ?", pv, 1,
			     file_seal_row, j, NULL);
}

int es_platform__file(es_platform *p, const char *esid, const char *event, int64_t tid)
{
	static const char *const targets[] = { "psb", "national" };
	char at[32];
	int err = 0;
	es_time now = es_platform__now(p);
	es_time_iso(at, now);
	json_t *j = json_pack("{s:i, s:s, s:s, s:s, s:I}", "version", 1, "event", event, "esid", esid, "at", at,
			      "transition", (json_int_t)tid);
	if (!j)
		return es_error_set(ES_ENOMEM, "out of memory");
	/* the seal itself, its state and reason: what a receiving platform needs (docs/peering.md) */
	if ((err = file_seal_fields(p, esid, j)) < 0) {
		json_decref(j);
		return err;
	}
	char *payload = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(j);
	if (!payload)
		return es_error_set(ES_ENOMEM, "out of memory");
	for (size_t i = 0; i < ES_ARRAY_LEN(targets) && err == 0; i++) {
		int64_t id;
		char key[96];
		snprintf(key, sizeof(key), "%s-%s-%s-%lld", targets[i], esid, event, (long long)tid);
		if ((err = es_store_next(p->st, &id, "outbox")) < 0)
			break;
		es_sval pv[8] = { ES_SV_I(id), ES_SV_S(key), ES_SV_S(targets[i]), ES_SV_S(esid), ES_SV_S(event),
				  ES_SV_S(payload), ES_SV_I(now), ES_SV_I(now) };
		err = es_store_exec(p->st,
				    "INSERT INTO outbox (id, idem_key, target, esid, event, payload, state, attempts, next_at, "
				    "created_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)",
				    pv, 8, NULL, NULL, NULL);
	}
	free(payload); /* allocated by jansson */
	return err;
}

/* ---- confirm, use, authorise ------------------------------------------------------ */

typedef struct seal_ctx {
	int64_t actor;
	const char *esid;
	int64_t grantee;
	es_time from, to;
	const char *letter;
} seal_ctx;

typedef struct srow {
	char state[16];
	int64_t unit_id, app_id;
	es_time valid_end;
	bool found;
} srow;

static int srow_fn(void *vctx, const es_sval *c, size_t n)
{
	srow *s = vctx;
	if (n < 4)
		return ES_EINTERNAL;
	es_platform__copy(s->state, sizeof(s->state), &c[0]);
	s->unit_id = c[1].i;
	s->app_id = c[2].type == ES_SV_INT ? c[2].i : 0;
	s->valid_end = c[3].i;
	s->found = true;
	return 1;
}

static int srow_get(es_platform *p, const char *esid, srow *s)
{
	memset(s, 0, sizeof(*s));
	es_sval pv[1] = { ES_SV_S(esid) };
	int err = es_store_exec(p->st, "SELECT state, unit_id, app_id, valid_end FROM seals WHERE esid = ?", pv, 1, srow_fn,
				s, NULL);
	if (err == 0 && !s->found)
		err = es_error_set(ES_ENOTFOUND, "no seal %s", esid);
	return err;
}

static int confirm_tx(es_platform *p, void *vctx)
{
	seal_ctx *c = vctx;
	srow s;
	int err;
	if ((err = srow_get(p, c->esid, &s)) < 0)
		return err;
	if ((err = es_platform__authorize(p, c->actor, ES_ACT_SEAL_CONFIRM, s.unit_id, NULL)) < 0)
		return err;
	if (strcmp(s.state, "made") != 0)
		return es_error_set(ES_ESTATE, "seal %s is %s: only a newly made seal is confirmed", c->esid, s.state);
	if (s.app_id) {
		char st[16] = "";
		if ((err = es_platform_app_state(p, s.app_id, st, sizeof(st))) < 0)
			return err;
		if (strcmp(st, "delivered") != 0)
			return es_error_set(ES_ESTATE, "seal %s has not been delivered yet (application is %s): wait for "
							"the maker to file and deliver it",
					    c->esid, st);
	}
	if ((err = es_platform__transition(p, "seal", c->esid, "made", "active", c->actor,
					   "impression confirmed by the applicant", NULL)) < 0)
		return err;
	es_sval pv[2] = { ES_SV_I(es_platform__now(p)), ES_SV_S(c->esid) };
	return es_store_exec(p->st, "UPDATE seals SET confirmed = 1, last_used = ? WHERE esid = ?", pv, 2, NULL, NULL, NULL);
}

int es_platform_seal_confirm(es_platform *p, const es_actor *who, const char *esid)
{
	int64_t actor = es_platform__enter(p, who);
	ES_ASSERT_ARG(p && esid);
	seal_ctx c = { actor, esid, 0, 0, 0, NULL };
	return es_platform__tx(p, confirm_tx, &c);
}

int es_platform__seal_usable(es_platform *p, const char *esid, int64_t *unit_id)
{
	srow s;
	int err;
	if ((err = srow_get(p, esid, &s)) < 0)
		return err;
	if (unit_id)
		*unit_id = s.unit_id;
	if (strcmp(s.state, "made") == 0)
		return es_error_set(ES_ESTATE, "seal %s is not active: the applicant must confirm its impression first",
				    esid);
	if (strcmp(s.state, "active") != 0)
		return es_error_set(ES_ESTATE, "seal %s is %s and cannot be used%s", esid, s.state,
				    strcmp(s.state, "suspended") == 0 ? ": file a reenable application"
				    : strcmp(s.state, "lost") == 0    ? ": apply for a reissue"
								      : ": apply for a new seal");
	if (es_platform__now(p) >= s.valid_end)
		return es_error_set(ES_ESTATE, "seal %s has expired and cannot be used: apply for a new seal", esid);
	return 0;
}

int es_platform__use_check(es_platform *p, int64_t actor, const char *esid)
{
	seal_ctx cc = { actor, esid, 0, 0, 0, NULL };
	seal_ctx *c = &cc;
	es_account a;
	srow s;
	int err;
	es_time now = es_platform__now(p);
	if ((err = srow_get(p, c->esid, &s)) < 0)
		return err;
	if ((err = es_platform__authorize(p, c->actor, ES_ACT_SEAL_USE, -1, &a)) < 0)
		return err;
	if ((err = es_platform__seal_usable(p, c->esid, NULL)) < 0)
		return err;
	if (a.unit_id != s.unit_id) {
		int64_t n = 0;
		es_sval pv[4] = { ES_SV_S(c->esid), ES_SV_I(a.unit_id), ES_SV_I(now), ES_SV_I(now) };
		if ((err = es_store_int(p->st, &n,
					"SELECT COUNT(*) FROM authorisations WHERE esid = ? AND grantee_unit = ? AND "
					"valid_from <= ? AND valid_to > ?",
					pv, 4)) < 0)
			return err;
		if (n == 0)
			return es_error_set(ES_EDENIED, "seal %s belongs to another unit and no authorisation covers today: "
							"ask the owning unit for an authorisation",
					    c->esid);
	}
	es_sval pv[2] = { ES_SV_I(now), ES_SV_S(c->esid) };
	return es_store_exec(p->st, "UPDATE seals SET last_used = ? WHERE esid = ?", pv, 2, NULL, NULL, NULL);
}

static int use_tx(es_platform *p, void *vctx)
{
	seal_ctx *c = vctx;
	int err = es_platform__use_check(p, c->actor, c->esid);
	return err < 0 ? err : es_platform__usage(p, c->actor, c->esid, NULL, 0, 0, NULL);
}

int es_platform_seal_use(es_platform *p, const es_actor *who, const char *esid)
{
	int64_t actor = es_platform__enter(p, who);
	ES_ASSERT_ARG(p && esid);
	seal_ctx c = { actor, esid, 0, 0, 0, NULL };
	return es_platform__tx(p, use_tx, &c);
}

static int authorise_tx(es_platform *p, void *vctx)
{
	seal_ctx *c = vctx;
	srow s;
	int64_t superior = 0, id;
	int err;
	if ((err = srow_get(p, c->esid, &s)) < 0)
		return err;
	if ((err = es_platform__authorize(p, c->actor, ES_ACT_SEAL_AUTHORISE, s.unit_id, NULL)) < 0)
		return err;
	if (strcmp(s.state, "active") != 0)
		return es_error_set(ES_ESTATE, "seal %s is %s: only an active seal can be authorised", c->esid, s.state);
	es_sval gv[1] = { ES_SV_I(c->grantee) };
	err = es_store_int(p->st, &superior, "SELECT superior FROM units WHERE id = ?", gv, 1);
	if (err == ES_ENOTFOUND || (err == 0 && superior != s.unit_id))
		return es_error_set(ES_EDENIED, "unit %lld is not a subordinate of the seal's unit: only a superior unit "
						"authorises its subordinates",
				    (long long)c->grantee);
	if (err < 0)
		return err;
	if ((err = es_store_next(p->st, &id, "authorisation")) < 0)
		return err;
	es_sval pv[7] = { ES_SV_I(id), ES_SV_S(c->esid), ES_SV_I(c->grantee), ES_SV_I(c->from), ES_SV_I(c->to),
			  ES_SV_S(c->letter), ES_SV_I(c->actor) };
	if ((err = es_store_exec(p->st,
				 "INSERT INTO authorisations (id, esid, grantee_unit, valid_from, valid_to, letter, created_by, "
				 "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
				 (es_sval[8]){ pv[0], pv[1], pv[2], pv[3], pv[4], pv[5], pv[6], ES_SV_I(es_platform__now(p)) }, 8,
				 NULL, NULL, NULL)) < 0)
		return err;
	char why[96];
	snprintf(why, sizeof(why), "use authorised to unit %lld", (long long)c->grantee);
	return es_platform__transition(p, "seal", c->esid, "active", "active", c->actor, why, NULL);
}

int es_platform_seal_authorise(es_platform *p, const es_actor *who, const char *esid, int64_t grantee_unit, es_time from,
			       es_time to, const char *letter)
{
	int64_t actor = es_platform__enter(p, who);
	ES_ASSERT_ARG(p && esid);
	int err;
	if ((err = es_platform__check_text("authorisation letter", letter, ES_PLAT_MAX_REASON, true)) < 0)
		return err;
	if (to <= from)
		return es_error_set(ES_EINVAL, "an authorisation needs a period: the end must follow the start");
	seal_ctx c = { actor, esid, grantee_unit, from, to, letter };
	return es_platform__tx(p, authorise_tx, &c);
}

/* ---- reading ------------------------------------------------------------------ */

typedef struct get_ctx {
	es_seal_record *r;
	bool found;
} get_ctx;

static int get_row(void *vctx, const es_sval *c, size_t n)
{
	get_ctx *x = vctx;
	es_seal_record *r = x->r;
	if (n < 11)
		return ES_EINTERNAL;
	es_platform__copy(r->esid, sizeof(r->esid), &c[0]);
	es_platform__copy(r->state, sizeof(r->state), &c[1]);
	es_platform__copy(r->kind, sizeof(r->kind), &c[2]);
	es_platform__copy(r->name, sizeof(r->name), &c[3]);
	r->unit_id = c[4].i;
	r->valid_start = c[5].i;
	r->valid_end = c[6].i;
	r->state_since = c[7].i;
	es_platform__copy(r->state_reason, sizeof(r->state_reason), &c[8]);
	es_platform__copy(r->replaced_by, sizeof(r->replaced_by), &c[9]);
	r->confirmed = c[10].i != 0;
	x->found = true;
	return 1;
}

int es_platform_seal_get(es_platform *p, const char *esid, es_seal_record *out)
{
	ES_ASSERT_ARG(p && esid && out);
	memset(out, 0, sizeof(*out));
	get_ctx x = { out, false };
	es_sval pv[1] = { ES_SV_S(esid) };
	int err = es_store_exec(p->st,
				"SELECT esid, state, kind, name, unit_id, valid_start, valid_end, state_since, state_reason, "
				"replaced_by, confirmed FROM seals WHERE esid = ?",
				pv, 1, get_row, &x, NULL);
	if (err == 0 && !x.found)
		err = es_error_set(ES_ENOTFOUND, "no seal %s", esid);
	return err;
}

int es_platform_seal_der(es_platform *p, const char *esid, es_buf *out)
{
	ES_ASSERT_ARG(p && esid && out);
	es_sval pv[1] = { ES_SV_S(esid) };
	int err = es_store_blob(p->st, out, "SELECT seal_der FROM seals WHERE esid = ?", pv, 1);
	if (err == ES_ENOTFOUND)
		err = es_error_set(ES_ENOTFOUND, "no seal %s", esid);
	return err;
}

/* ---- status -------------------------------------------------------------------- */

static es_seal_status status_of(const char *state)
{
	if (strcmp(state, "active") == 0)
		return ES_STATUS_ACTIVE;
	if (strcmp(state, "lost") == 0)
		return ES_STATUS_LOST;
	if (strcmp(state, "revoked") == 0)
		return ES_STATUS_REVOKED;
	if (strcmp(state, "expired") == 0)
		return ES_STATUS_EXPIRED;
	return ES_STATUS_SUSPENDED; /* suspended, and made but not yet confirmed */
}

int es_platform_status_fn(es_status_info *out, const char *esid, void *payload)
{
	es_platform *p = payload;
	es_seal_record r;
	if (!out || !esid || !p)
		return es_error_set(ES_EINVAL, "invalid argument");
	memset(out, 0, sizeof(*out));
	int err = es_platform_seal_get(p, esid, &r);
	if (err == ES_ENOTFOUND) {
		es_error_clear();
		/* a seal a peer filed here (docs/peering.md) */
		if ((err = es_platform__peer_status(p, esid, es_platform__now(p), false, out)) != ES_ENOTFOUND)
			return err;
		out->status = ES_STATUS_UNKNOWN;
		snprintf(out->reason, sizeof(out->reason), "not registered on this platform");
		return 0;
	}
	if (err < 0)
		return err;
	out->status = status_of(r.state);
	out->since = r.state_since;
	if (out->status == ES_STATUS_ACTIVE && es_platform__now(p) >= r.valid_end) {
		out->status = ES_STATUS_EXPIRED;
		out->since = r.valid_end;
	}
	if (strcmp(r.state, "made") == 0) {
		snprintf(out->reason, sizeof(out->reason), "not yet active: impression not confirmed");
	} else {
		/* es_status_info has room for 128 bytes: a longer reason is cut short,
		 * at a character boundary */
		es_text_copy(out->reason, sizeof(out->reason), r.state_reason);
	}
	return 0;
}

int es_platform__state_row(void *vctx, const es_sval *c, size_t n)
{
	es_state_row *x = vctx;
	if (n < 3)
		return ES_EINTERNAL;
	x->found = true;
	es_platform__copy(x->state, sizeof(x->state), &c[0]);
	x->at = c[1].i;
	es_platform__copy(x->reason, sizeof(x->reason), &c[2]);
	return 1;
}

int es_platform_seal_status_at(es_platform *p, const char *esid, es_time at, es_status_info *out)
{
	ES_ASSERT_ARG(p && esid && out);
	es_seal_record r;
	memset(out, 0, sizeof(*out));
	if (!at)
		at = es_platform__now(p);
	int err = es_platform_seal_get(p, esid, &r);
	if (err == ES_ENOTFOUND) {
		es_error_clear();
		if ((err = es_platform__peer_status(p, esid, at, true, out)) != ES_ENOTFOUND)
			return err;
		out->status = ES_STATUS_UNKNOWN;
		snprintf(out->reason, sizeof(out->reason), "not registered on this platform");
		return 0;
	}
	if (err < 0)
		return err;
	/* the state history: the last recorded change at or before the instant */
	es_state_row x = { 0 };
	es_sval pv[2] = { ES_SV_S(esid), ES_SV_I(at) };
	if ((err = es_store_exec(p->st,
				 "SELECT to_state, at, reason FROM transitions WHERE object = 'seal' AND object_id = ? "
				 "AND at <= ? ORDER BY at DESC, id DESC LIMIT 1",
				 pv, 2, es_platform__state_row, &x, NULL)) < 0)
		return err;
	if (!x.found) {
		out->status = ES_STATUS_UNKNOWN;
		snprintf(out->reason, sizeof(out->reason), "the seal was not yet made at that time");
		return 0;
	}
	out->status = status_of(x.state);
	out->since = x.at;
	if (out->status == ES_STATUS_ACTIVE && at >= r.valid_end) {
		out->status = ES_STATUS_EXPIRED;
		out->since = r.valid_end;
	} else if (out->status == ES_STATUS_ACTIVE && at < r.valid_start) {
		out->status = ES_STATUS_UNKNOWN;
		snprintf(out->reason, sizeof(out->reason), "before the seal's validity");
		return 0;
	}
	if (strcmp(x.state, "made") == 0)
		snprintf(out->reason, sizeof(out->reason), "not yet active: impression not confirmed");
	else
		es_text_copy(out->reason, sizeof(out->reason), x.reason);
	return 0;
}

typedef struct list_ctx {
	json_t *arr;
} list_ctx;

static int list_row(void *vctx, const es_sval *c, size_t n)
{
	list_ctx *x = vctx;
	char esid[15], state[16], reason[ES_PLAT_MAX_REASON + 64], since[32];
	if (n < 4)
		return ES_EINTERNAL;
	es_platform__copy(esid, sizeof(esid), &c[0]);
	es_platform__copy(state, sizeof(state), &c[1]);
	es_time_iso(since, c[2].i);
	es_platform__copy(reason, sizeof(reason), &c[3]);
	/* "status" is the verifier's vocabulary (eseal verify --status), "state" the platform's */
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "esid", esid, "state", state, "status",
			      es_seal_status_name(status_of(state)), "since", since, "reason", reason);
	if (!o || json_array_append_new(x->arr, o) < 0)
		return es_error_set(ES_ENOMEM, "out of memory");
	return 0;
}

int es_platform_status_list(es_platform *p, es_buf *json, es_buf *sig)
{
	ES_ASSERT_ARG(p && json && sig);
	if (!p->maker_key)
		return es_error_set(ES_EDENIED, "this node was opened without the master key (a verify node): it serves the "
						"status list a sign or all node published");
	char now[32];
	int err;
	es_buf subj = ES_BUF_INIT;
	es_time_iso(now, es_platform__now(p));
	list_ctx x = { json_array() };
	if (!x.arr)
		return es_error_set(ES_ENOMEM, "out of memory");
	if ((err = es_store_exec(p->st,
				 "SELECT esid, state, state_since, state_reason FROM seals WHERE state <> 'active' ORDER BY esid",
				 NULL, 0, list_row, &x, NULL)) < 0) {
		json_decref(x.arr);
		return err;
	}
	if ((err = es_cert_subject(&subj, p->maker)) < 0 || (err = es_buf_put(&subj, "", 1)) < 0) {
		json_decref(x.arr);
		es_buf_release(&subj);
		return err;
	}
	/* like a CRL's nextUpdate: a verifier holding a list older than this calls it stale */
	char next[32];
	es_time_iso(next, es_time_now() + ES_PLAT_STATUS_NEXT_UPDATE);
	json_t *doc = json_pack("{s:i, s:s, s:s, s:s, s:o}", "version", 1, "issuer", (const char *)subj.ptr, "generated",
				now, "next_update", next, "seals", x.arr);
	es_buf_release(&subj);
	if (!doc)
		return es_error_set(ES_ENOMEM, "out of memory");
	char *text = json_dumps(doc, JSON_SORT_KEYS | JSON_INDENT(1) | JSON_ENSURE_ASCII);
	json_decref(doc);
	if (!text)
		return es_error_set(ES_ENOMEM, "out of memory");
	size_t start = json->len;
	err = es_buf_puts(json, text);
	free(text); /* allocated by jansson */
	if (err < 0)
		return err;
	return es_sm2_sign(sig, p->maker_key, NULL, 0, json->ptr + start, json->len - start);
}

int es_platform_status_list_verify(es_platform *p, const uint8_t *json, size_t len, const uint8_t *sig, size_t siglen)
{
	ES_ASSERT_ARG(p && json && sig);
	const es_sm2_key *pub;
	int err = es_cert_pubkey(&pub, p->maker);
	if (err < 0)
		return err;
	return es_sm2_verify(pub, NULL, 0, json, len, sig, siglen);
}

/*
 * Publish the signed status list to DIR/status: one publisher at a time, in this process
 * (the context's lock) and across processes on the folder (an flock), so the list and
 * its signature are always a pair and a newer list is never replaced by an older one
 * (each publisher reads the store after the one before it wrote). A change already
 * covered by another session's publication, which began after it was committed, is not
 * published again: a burst of changes costs a few publications, not one each.
 */
/* The publication into the store, for verify nodes (a newer one is never replaced by an older one). */
static int publish_store(es_platform *p, int64_t version, const es_buf *json, const es_buf *sig)
{
	es_buf crl = ES_BUF_INIT;
	es_time tu = 0, nu = 0;
	int err = es_platform_crl(p, &crl, &tu, &nu);
	if (err == 0 && (err = es_buf_put((es_buf *)json, "", 1)) == 0) {
		((es_buf *)json)->len--;
		es_sval pv[6] = { ES_SV_I(version), ES_SV_S((const char *)json->ptr), ES_SV_B(sig->ptr, sig->len),
				  ES_SV_B(crl.ptr, crl.len), ES_SV_I(tu), ES_SV_I(nu) };
		err = es_store_exec(p->st,
				    "INSERT INTO published_status (id, version, list, sig, crl, crl_this, crl_next) VALUES "
				    "(1, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version, list = "
				    "excluded.list, sig = excluded.sig, crl = excluded.crl, crl_this = excluded.crl_this, "
				    "crl_next = excluded.crl_next WHERE published_status.version <= excluded.version",
				    pv, 6, NULL, NULL, NULL);
	}
	es_buf_release(&crl);
	return err;
}

int es_platform__status_publish(es_platform *p)
{
	es_platform_context *c = p->ctx;
	es_buf json = ES_BUF_INIT, sig = ES_BUF_INIT, path = ES_BUF_INIT;
	int64_t version = 0;
	int err, lock = -1;
	if (c->public_only)
		return 0; /* a verify node signs nothing: the full nodes publish */
	pthread_mutex_lock(&c->publish_mu);
	if (p->status_seq && !p->publish_pending && c->status_published >= p->status_seq) {
		pthread_mutex_unlock(&c->publish_mu);
		return 0;
	}
	long long covers = atomic_load(&c->status_changes); /* committed before the read below */
	if ((err = es_buf_printf(&path, "%s/status", p->dir)) < 0 || (err = es_mkdirs((const char *)path.ptr, 0755)) < 0)
		goto done;
	path.len = 0;
	if ((err = es_buf_printf(&path, "%s/status/.publish.lock", p->dir)) < 0)
		goto done;
	lock = open((const char *)path.ptr, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (lock < 0 || flock(lock, LOCK_EX) < 0) {
		err = es_error_set(ES_EIO, "cannot lock %s: %s", (const char *)path.ptr, strerror(errno));
		goto done;
	}
	/* the count first: the list read after it covers at least these changes */
	if ((err = es_platform_status_version(p, &version)) < 0 || (err = es_platform_status_list(p, &json, &sig)) < 0)
		goto done;
	if ((err = publish_store(p, version, &json, &sig)) < 0)
		goto done;
	path.len = 0;
	/* signature first: a reader that sees the new list finds its signature in place or retries */
	if ((err = es_buf_printf(&path, "%s/status/status.json.sig", p->dir)) < 0 ||
	    (err = es_file_write((const char *)path.ptr, sig.ptr, sig.len, 0644)) < 0)
		goto done;
	path.len = 0;
	if ((err = es_buf_printf(&path, "%s/status/status.json", p->dir)) < 0 ||
	    (err = es_file_write((const char *)path.ptr, json.ptr, json.len, 0644)) < 0)
		goto done;
	if (covers > c->status_published)
		c->status_published = covers;
done:
	if (lock >= 0)
		close(lock); /* releases the flock */
	pthread_mutex_unlock(&c->publish_mu);
	es_buf_release(&json);
	es_buf_release(&sig);
	es_buf_release(&path);
	return err;
}

/* The signer key of a seal (test support until key custody, Platform core 2, owns it). */
typedef struct key_ctx {
	es_platform *p;
	es_sm2_key **out;
	const char *esid;
	bool found;
} key_ctx;

static int key_row(void *vctx, const es_sval *c, size_t n)
{
	key_ctx *k = vctx;
	es_buf pem = ES_BUF_INIT;
	if (n < 1 || c[0].type != ES_SV_BLOB)
		return ES_EINTERNAL;
	int err = es_box_open(&pem, k->p->data_key, (const uint8_t *)k->esid, strlen(k->esid), c[0].b, c[0].len);
	if (err == 0)
		err = es_sm2_key_from_pem(k->out, pem.ptr, pem.len, NULL);
	es_buf_release_secret(&pem);
	k->found = true;
	return err < 0 ? err : 1;
}

int es_platform__signer_key(es_platform *p, const char *esid, es_sm2_key **out)
{
	key_ctx k = { p, out, esid, false };
	es_sval pv[1] = { ES_SV_S(esid) };
	int err = es_store_exec(p->st, "SELECT key_enc FROM seals WHERE esid = ?", pv, 1, key_row, &k, NULL);
	if (err == 0 && !k.found)
		err = es_error_set(ES_ENOTFOUND, "no seal %s", esid);
	return err;
}
