/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Peering (es_peers.h, docs/peering.md; R8 互信互认): other platforms registered with
 * their maker certificate and anchors, the filings they send (the JSON this platform's
 * own outbox sends), their seals' status for the verifier, and their signed status
 * lists fetched from the URL an administrator configured.
 */
#include "es_int.h"
#include "platform_int.h"
#include "estime.h"
#include "text.h"
#include "eseal/es_peers.h"
#include "eseal/es_read.h"
#include "eseal/es_verify.h"
#include <jansson.h>

#define PEER_MAX_ANCHORS 8

/* ---- the filing's JSON (outside bytes) ----------------------------------------------------- */

static const char *const filing_events[] = { "made", "renewed", "active", "suspended", "lost", "revoked", "expired", NULL };
static const char *const seal_states[] = { "made", "active", "suspended", "lost", "revoked", "expired", NULL };

static bool one_of(const char *v, const char *const *set)
{
	for (size_t i = 0; set[i]; i++)
		if (strcmp(v, set[i]) == 0)
			return true;
	return false;
}

static int str_field(json_t *o, const char *key, char *out, size_t cap, bool required)
{
	json_t *v = json_object_get(o, key);
	if (!v) {
		out[0] = 0;
		return required ? es_error_set(ES_EINVAL, "the filing has no '%s'", key) : 0;
	}
	if (!json_is_string(v) || json_string_length(v) >= cap)
		return es_error_set(ES_EINVAL, "the filing's '%s' must be a string of at most %zu bytes", key, cap - 1);
	memcpy(out, json_string_value(v), json_string_length(v) + 1);
	if (strlen(out) != json_string_length(v))
		return es_error_set(ES_EINVAL, "the filing's '%s' holds a NUL byte", key);
	return 0;
}

int es_filing_parse(es_filing_record *out, const uint8_t *json, size_t len)
{
	ES_ASSERT_ARG(out && (json || len == 0));
	static const char *const fields[] = { "version", "event", "esid", "at", "transition", "state", "reason", "seal", NULL };
	char at[40];
	json_error_t je;
	int err;
	memset(out, 0, offsetof(es_filing_record, seal));
	out->seal.len = 0;
	if (len > ES_FILING_MAX_BODY)
		return es_error_set(ES_ELIMIT, "a filing is at most %u bytes", ES_FILING_MAX_BODY);
	json_t *o = json_loadb((const char *)json, len, JSON_REJECT_DUPLICATES, &je);
	if (!o)
		return es_error_set(ES_EMALFORMED, "the filing is not JSON: %s", je.text);
	if (!json_is_object(o)) {
		err = es_error_set(ES_EMALFORMED, "the filing must be a JSON object");
		goto done;
	}
	const char *key;
	json_t *v;
	json_object_foreach(o, key, v)
	{
		if (!one_of(key, fields)) {
			err = es_error_set(ES_EINVAL, "unknown filing field '%.40s'", key);
			goto done;
		}
	}
	v = json_object_get(o, "version");
	if (!json_is_integer(v) || json_integer_value(v) != 1) {
		err = es_error_set(ES_EINVAL, "the filing's 'version' must be 1");
		goto done;
	}
	out->version = 1;
	if ((err = str_field(o, "event", out->event, sizeof(out->event), true)) < 0 ||
	    (err = str_field(o, "esid", out->esid, sizeof(out->esid), true)) < 0 ||
	    (err = str_field(o, "at", at, sizeof(at), true)) < 0 ||
	    (err = str_field(o, "state", out->state, sizeof(out->state), false)) < 0 ||
	    (err = str_field(o, "reason", out->reason, sizeof(out->reason), false)) < 0)
		goto done;
	if (!one_of(out->event, filing_events)) {
		err = es_error_set(ES_EINVAL, "unknown filing event '%s': made, renewed, active, suspended, lost, revoked, expired",
				   out->event);
		goto done;
	}
	if (out->state[0] && !one_of(out->state, seal_states)) {
		err = es_error_set(ES_EINVAL, "unknown seal state '%s'", out->state);
		goto done;
	}
	if (es_esid_check(out->esid) < 0) {
		err = es_error_set(ES_EINVAL, "the filing's 'esid' is no seal code: %s", es_error_last()->message);
		goto done;
	}
	if (es_time_parse(&out->at, at) != 0 || out->at <= 0) {
		err = es_error_set(ES_EINVAL, "the filing's 'at' must be a time like 2026-01-31T08:00:00Z");
		goto done;
	}
	v = json_object_get(o, "transition");
	if (v && (!json_is_integer(v) || json_integer_value(v) < 0)) {
		err = es_error_set(ES_EINVAL, "the filing's 'transition' must be a whole number");
		goto done;
	}
	out->transition = v ? (int64_t)json_integer_value(v) : 0;
	v = json_object_get(o, "seal");
	if (v) {
		if (!json_is_string(v) || json_string_length(v) == 0) {
			err = es_error_set(ES_EINVAL, "the filing's 'seal' must be the SESeal's DER in base64");
			goto done;
		}
		if (es_unbase64(&out->seal, json_string_value(v), json_string_length(v), false) < 0) {
			err = es_error_set(ES_EINVAL, "the filing's 'seal' is not base64");
			goto done;
		}
	}
	err = 0;
done:
	json_decref(o);
	return err;
}

/* ---- small helpers ------------------------------------------------------------------------- */

/* A JSON array of base64 DER certificates. */
static int certs_b64(es_buf *out, es_cert *const *v, size_t n)
{
	json_t *a = json_array();
	int err = 0;
	for (size_t i = 0; a && i < n && err == 0; i++) {
		es_bytes d = es_cert_der(v[i]);
		char *s = es_malloc(es_base64_len(d.len, false) + 1);
		if (!s) {
			err = es_error_set(ES_ENOMEM, "out of memory");
			break;
		}
		es_base64(s, d.ptr, d.len, false);
		if (json_array_append_new(a, json_string(s)) < 0)
			err = es_error_set(ES_ENOMEM, "out of memory");
		es_free(s);
	}
	if (!a)
		return es_error_set(ES_ENOMEM, "out of memory");
	char *text = err == 0 ? json_dumps(a, JSON_COMPACT) : NULL;
	json_decref(a);
	if (err == 0 && !text)
		err = es_error_set(ES_ENOMEM, "out of memory");
	if (err == 0)
		err = es_buf_puts(out, text);
	free(text); /* jansson's */
	return err;
}

/* The certificates of a JSON array of base64 DER (as stored), at most PEER_MAX_ANCHORS. */
static int certs_load(es_cert **v, size_t *n, const char *text, size_t len)
{
	json_error_t je;
	*n = 0;
	json_t *a = json_loadb(text, len, 0, &je);
	int err = 0;
	if (!json_is_array(a)) {
		json_decref(a);
		return es_error_set(ES_EINTERNAL, "a peer's anchors are not a JSON array");
	}
	for (size_t i = 0; i < json_array_size(a) && *n < PEER_MAX_ANCHORS && err == 0; i++) {
		json_t *s = json_array_get(a, i);
		es_buf d = ES_BUF_INIT;
		if (!json_is_string(s) || es_unbase64(&d, json_string_value(s), json_string_length(s), false) < 0)
			err = es_error_set(ES_EINTERNAL, "a peer's anchor is not base64");
		else if ((err = es_cert_from_der(&v[*n], d.ptr, d.len)) == 0)
			(*n)++;
		es_buf_release(&d);
	}
	json_decref(a);
	if (err < 0) {
		for (size_t i = 0; i < *n; i++)
			es_cert_free(v[i]);
		*n = 0;
	}
	return err;
}

typedef struct peer_row {
	bool found;
	int64_t id, key_id;
	char name[129], state[16], status_url[ES_PEER_URL_MAX + 1], etag[130], subject[512];
	es_buf maker, anchors;
} peer_row;

static void peer_row_init(peer_row *r)
{
	memset(r, 0, sizeof(*r));
	es_buf_init(&r->maker, 65536);
	es_buf_init(&r->anchors, 1u << 20);
}

static void peer_row_release(peer_row *r)
{
	es_buf_release(&r->maker);
	es_buf_release(&r->anchors);
}

static int peer_row_fn(void *vctx, const es_sval *c, size_t n)
{
	peer_row *r = vctx;
	if (n < 9 || c[3].type != ES_SV_BLOB)
		return ES_EINTERNAL;
	r->found = true;
	r->id = c[0].i;
	es_platform__copy(r->name, sizeof(r->name), &c[1]);
	es_platform__copy(r->state, sizeof(r->state), &c[2]);
	r->maker.len = 0;
	r->anchors.len = 0;
	int err = es_buf_put(&r->maker, c[3].b, c[3].len);
	if (err == 0)
		err = es_buf_put(&r->anchors, c[4].s ? c[4].s : "", c[4].len);
	es_platform__copy(r->status_url, sizeof(r->status_url), &c[5]);
	r->key_id = c[6].type == ES_SV_INT ? c[6].i : 0;
	es_platform__copy(r->etag, sizeof(r->etag), &c[7]);
	es_platform__copy(r->subject, sizeof(r->subject), &c[8]);
	return err < 0 ? err : 1;
}

#define PEER_COLS "id, name, state, maker_der, anchors, status_url, key_id, etag, maker_subject"

static int peer_by(peer_row *r, es_platform *p, const char *where, es_sval v)
{
	char sql[256];
	snprintf(sql, sizeof(sql), "SELECT " PEER_COLS " FROM peers WHERE %s", where);
	es_sval pv[1] = { v };
	return es_store_exec(p->st, sql, pv, 1, peer_row_fn, r, NULL);
}

/* The peer's anchors and maker as a trust store. */
static int peer_trust(const peer_row *r, es_trust **out, es_cert **maker_out)
{
	es_cert *anchors[PEER_MAX_ANCHORS], *maker = NULL;
	size_t n = 0;
	es_trust *t = NULL;
	int err;
	*out = NULL;
	if ((err = es_cert_from_der(&maker, r->maker.ptr, r->maker.len)) < 0)
		return err;
	if ((err = certs_load(anchors, &n, (const char *)r->anchors.ptr, r->anchors.len)) < 0) {
		es_cert_free(maker);
		return err;
	}
	if ((err = es_trust_new(&t)) == 0) {
		for (size_t i = 0; i < n && err == 0; i++)
			err = es_trust_add_anchor(t, anchors[i]);
		if (err == 0)
			err = es_trust_add_intermediate(t, maker);
	}
	for (size_t i = 0; i < n; i++)
		es_cert_free(anchors[i]);
	if (err < 0) {
		es_trust_free(t);
		es_cert_free(maker);
		return err;
	}
	*out = t;
	if (maker_out)
		*maker_out = maker;
	else
		es_cert_free(maker);
	return 0;
}

/* ---- registering a peer -------------------------------------------------------------------- */

static int cert_of_text(es_cert **out, const char *text, size_t len, const char *what)
{
	es_buf d = ES_BUF_INIT;
	int err;
	if (len > 11 && memcmp(text, "-----BEGIN ", 11) == 0)
		err = es_cert_from_pem(out, (const uint8_t *)text, len);
	else if ((err = es_unbase64(&d, text, len, true)) == 0)
		err = es_cert_from_der(out, d.ptr, d.len);
	es_buf_release(&d);
	if (err < 0)
		return es_error_set(ES_EINVAL, "%s is not a certificate (PEM, or base64 DER): %s", what,
				    es_error_last()->message);
	return 0;
}

typedef struct peer_spec {
	char name[129];
	char url[ES_PEER_URL_MAX + 1];
	int64_t api_key;
	es_cert *maker;
	es_cert *anchors[PEER_MAX_ANCHORS];
	size_t nanchors;
} peer_spec;

static void peer_spec_release(peer_spec *s)
{
	es_cert_free(s->maker);
	for (size_t i = 0; i < s->nanchors; i++)
		es_cert_free(s->anchors[i]);
	memset(s, 0, sizeof(*s));
}

int es_platform__peer_url_check(const char *url)
{
	size_t n = strlen(url);
	if (n > ES_PEER_URL_MAX || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) ||
	    n <= (size_t)(url[4] == 's' ? 8 : 7))
		return es_error_set(ES_EINVAL, "a status URL is http(s)://HOST[:PORT]/PATH, at most %d bytes",
				    ES_PEER_URL_MAX);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)url[i] <= 0x20 || url[i] == 0x7f)
			return es_error_set(ES_EINVAL, "a status URL has no spaces or control characters");
	return 0;
}

/* The registration's JSON (outside bytes): see es_platform_peer_add. */
static int peer_spec_parse(peer_spec *s, const uint8_t *json, size_t len)
{
	static const char *const fields[] = { "name", "trust", "maker", "anchors", "status_url", "api_key", NULL };
	json_error_t je;
	int err = 0;
	memset(s, 0, sizeof(*s));
	if (len > ES_PEER_MAX_BODY)
		return es_error_set(ES_ELIMIT, "a peer registration is at most %u bytes", ES_PEER_MAX_BODY);
	json_t *o = json_loadb((const char *)json, len, JSON_REJECT_DUPLICATES, &je);
	if (!json_is_object(o)) {
		json_decref(o);
		return es_error_set(ES_EMALFORMED, "the peer registration must be a JSON object");
	}
	const char *key;
	json_t *v;
	json_object_foreach(o, key, v)
	{
		if (!one_of(key, fields)) {
			err = es_error_set(ES_EINVAL, "unknown peer field '%.40s': name, trust or maker and anchors, "
						      "status_url, api_key",
					   key);
			goto done;
		}
	}
	v = json_object_get(o, "name");
	if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) >= sizeof(s->name)) {
		err = es_error_set(ES_EINVAL, "give the peer a 'name' (1-128 bytes)");
		goto done;
	}
	memcpy(s->name, json_string_value(v), json_string_length(v) + 1);
	v = json_object_get(o, "status_url");
	if (v && !json_is_null(v)) {
		if (!json_is_string(v) || json_string_length(v) >= sizeof(s->url)) {
			err = es_error_set(ES_EINVAL, "'status_url' must be a URL string");
			goto done;
		}
		memcpy(s->url, json_string_value(v), json_string_length(v) + 1);
		if ((err = es_platform__peer_url_check(s->url)) < 0)
			goto done;
	}
	v = json_object_get(o, "api_key");
	if (v && !json_is_null(v)) {
		if (!json_is_integer(v) || json_integer_value(v) <= 0) {
			err = es_error_set(ES_EINVAL, "'api_key' is the id of an API key (a positive number)");
			goto done;
		}
		s->api_key = (int64_t)json_integer_value(v);
	}
	json_t *trust = json_object_get(o, "trust"), *maker = json_object_get(o, "maker"),
	       *anchors = json_object_get(o, "anchors");
	if (trust && (maker || anchors)) {
		err = es_error_set(ES_EINVAL, "give either 'trust' (the peer's /api/v1/trust document) or 'maker' and "
					      "'anchors', not both");
		goto done;
	}
	if (trust) {
		json_t *certs = json_object_get(trust, "certificates"), *c;
		size_t i;
		if (!json_is_array(certs)) {
			err = es_error_set(ES_EINVAL, "'trust' has no 'certificates' array: give the peer's GET /api/v1/trust "
						      "document");
			goto done;
		}
		json_array_foreach(certs, i, c)
		{
			json_t *role = json_object_get(c, "role"), *der = json_object_get(c, "der");
			if (!json_is_string(role) || !json_is_string(der)) {
				err = es_error_set(ES_EINVAL, "a certificate of 'trust' lacks 'role' or 'der'");
				goto done;
			}
			const char *r = json_string_value(role);
			es_cert **slot = NULL;
			if (strcmp(r, "maker") == 0) {
				if (s->maker) {
					err = es_error_set(ES_EINVAL, "'trust' has two maker certificates");
					goto done;
				}
				slot = &s->maker;
			} else if (strcmp(r, "root") == 0) {
				if (s->nanchors == PEER_MAX_ANCHORS) {
					err = es_error_set(ES_ELIMIT, "at most %d anchors", PEER_MAX_ANCHORS);
					goto done;
				}
				slot = &s->anchors[s->nanchors];
			} else {
				continue; /* the TSA: the verifier finds it in the signatures */
			}
			if ((err = cert_of_text(slot, json_string_value(der), json_string_length(der), "a certificate of 'trust'")) < 0)
				goto done;
			if (slot != &s->maker)
				s->nanchors++;
		}
	} else {
		if (!json_is_string(maker) || !json_is_array(anchors)) {
			err = es_error_set(ES_EINVAL, "give 'maker' (PEM) and 'anchors' ([PEM, ...]), or 'trust'");
			goto done;
		}
		if ((err = cert_of_text(&s->maker, json_string_value(maker), json_string_length(maker), "'maker'")) < 0)
			goto done;
		size_t i;
		json_t *c;
		json_array_foreach(anchors, i, c)
		{
			if (s->nanchors == PEER_MAX_ANCHORS) {
				err = es_error_set(ES_ELIMIT, "at most %d anchors", PEER_MAX_ANCHORS);
				goto done;
			}
			if (!json_is_string(c)) {
				err = es_error_set(ES_EINVAL, "'anchors' holds PEM strings");
				goto done;
			}
			if ((err = cert_of_text(&s->anchors[s->nanchors], json_string_value(c), json_string_length(c),
						"an anchor")) < 0)
				goto done;
			s->nanchors++;
		}
	}
	if (!s->maker || s->nanchors == 0) {
		err = es_error_set(ES_EINVAL, "a peer needs its maker certificate and at least one anchor (its root)");
		goto done;
	}
done:
	json_decref(o);
	if (err < 0)
		peer_spec_release(s);
	return err;
}

int es_peer_spec_check(const uint8_t *json, size_t len)
{
	peer_spec s;
	int err = peer_spec_parse(&s, json, len);
	if (err == 0)
		peer_spec_release(&s);
	return err;
}

typedef struct add_ctx {
	int64_t actor, id;
	const peer_spec *s;
	const char *subject;
	const es_buf *anchors;
} add_ctx;

static int add_tx(es_platform *p, void *vctx)
{
	add_ctx *c = vctx;
	char ids[24], detail[800];
	int64_t n = 0;
	int err;
	if ((err = es_platform__authorize(p, c->actor, ES_ACT_ACCOUNT_ADD, -1, NULL)) < 0)
		return err;
	if (c->s->api_key) {
		es_sval kv[1] = { ES_SV_I(c->s->api_key) };
		if ((err = es_store_int(p->st, &n, "SELECT COUNT(*) FROM api_keys WHERE id = ? AND revoked_at IS NULL", kv,
					1)) < 0)
			return err;
		if (!n)
			return es_error_set(ES_ENOTFOUND, "no API key %lld (or it was revoked): make one with eseal platform "
							  "api-key create",
					    (long long)c->s->api_key);
		if ((err = es_store_int(p->st, &n, "SELECT COUNT(*) FROM peers WHERE key_id = ? AND state = 'active'", kv,
					1)) < 0)
			return err;
		if (n)
			return es_error_set(ES_EEXISTS, "API key %lld already files for another peer: one key, one peer",
					    (long long)c->s->api_key);
	}
	es_bytes md = es_cert_der(c->s->maker);
	es_sval mv[1] = { ES_SV_B(md.ptr, md.len) };
	if ((err = es_store_int(p->st, &n, "SELECT COUNT(*) FROM peers WHERE maker_der = ? AND state = 'active'", mv, 1)) < 0)
		return err;
	if (n)
		return es_error_set(ES_EEXISTS, "a peer with this maker certificate is registered already: remove it first");
	if ((err = es_store_next(p->st, &c->id, "peer")) < 0)
		return err;
	es_sval pv[9] = { ES_SV_I(c->id),
			  ES_SV_S(c->s->name),
			  ES_SV_B(md.ptr, md.len),
			  ES_SV_S(c->subject),
			  ES_SV_S((const char *)c->anchors->ptr),
			  c->s->url[0] ? ES_SV_S(c->s->url) : ES_SV_NUL,
			  c->s->api_key ? ES_SV_I(c->s->api_key) : ES_SV_NUL,
			  ES_SV_I(c->actor),
			  ES_SV_I(es_platform__now(p)) };
	if ((err = es_store_exec(p->st,
				 "INSERT INTO peers (id, name, maker_der, maker_subject, anchors, status_url, key_id, state, "
				 "created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?, ?)",
				 pv, 9, NULL, NULL, NULL)) < 0)
		return err;
	snprintf(ids, sizeof(ids), "%lld", (long long)c->id);
	snprintf(detail, sizeof(detail), "peer '%.128s', maker '%.300s', %zu anchor(s), status URL %.256s, API key %lld",
		 c->s->name, c->subject, c->s->nanchors, c->s->url[0] ? c->s->url : "none", (long long)c->s->api_key);
	return es_platform__audit(p, c->actor, "peer-add", "peer", ids, detail, NULL);
}

int es_platform_peer_add(es_platform *p, const es_actor *who, const uint8_t *json, size_t len, int64_t *id)
{
	int64_t actor = es_platform__enter(p, who);
	ES_ASSERT_ARG(p && (json || len == 0));
	peer_spec s;
	es_buf subj = ES_BUF_INIT, anchors = ES_BUF_INIT;
	es_trust *t = NULL;
	es_path_result pr;
	int err;
	if ((err = peer_spec_parse(&s, json, len)) < 0)
		return err;
	/* the maker must chain to the anchors given, now */
	if ((err = es_trust_new(&t)) < 0)
		goto done;
	for (size_t i = 0; i < s.nanchors && err == 0; i++)
		err = es_trust_add_anchor(t, s.anchors[i]);
	if (err < 0 || (err = es_trust_verify(&pr, t, s.maker, NULL, 0, es_platform__now(p), 0)) < 0)
		goto done;
	if (pr.status != ES_PATH_OK) {
		err = es_error_set(ES_EINVAL, "the maker certificate does not chain to the anchors given: %s", pr.reason);
		goto done;
	}
	if ((err = es_cert_subject(&subj, s.maker)) < 0 || (err = es_buf_put(&subj, "", 1)) < 0 ||
	    (err = certs_b64(&anchors, s.anchors, s.nanchors)) < 0 || (err = es_buf_put(&anchors, "", 1)) < 0)
		goto done;
	add_ctx c = { .actor = actor, .s = &s, .subject = (const char *)subj.ptr, .anchors = &anchors };
	if ((err = es_platform__tx(p, add_tx, &c)) == 0 && id)
		*id = c.id;
done:
	es_trust_free(t);
	es_buf_release(&subj);
	es_buf_release(&anchors);
	peer_spec_release(&s);
	return err;
}

typedef struct rm_ctx {
	int64_t actor, id;
} rm_ctx;

static int remove_tx(es_platform *p, void *vctx)
{
	rm_ctx *c = vctx;
	int64_t changes = 0;
	char ids[24];
	int err;
	if ((err = es_platform__authorize(p, c->actor, ES_ACT_ACCOUNT_ADD, -1, NULL)) < 0)
		return err;
	es_sval pv[1] = { ES_SV_I(c->id) };
	if ((err = es_store_exec(p->st, "UPDATE peers SET state = 'removed' WHERE id = ? AND state = 'active'", pv, 1, NULL,
				 NULL, &changes)) < 0)
		return err;
	if (changes != 1)
		return es_error_set(ES_ENOTFOUND, "no active peer %lld", (long long)c->id);
	snprintf(ids, sizeof(ids), "%lld", (long long)c->id);
	return es_platform__audit(p, c->actor, "peer-remove", "peer", ids, "its seals are no longer answered for", NULL);
}

int es_platform_peer_remove(es_platform *p, const es_actor *who, int64_t id)
{
	int64_t actor = es_platform__enter(p, who);
	ES_ASSERT_ARG(p);
	rm_ctx c = { actor, id };
	return es_platform__tx(p, remove_tx, &c);
}

/* ---- lists ----------------------------------------------------------------------------------- */

static json_t *time_or_null(const es_sval *v)
{
	char t[32];
	if (v->type != ES_SV_INT || v->i == 0)
		return json_null();
	es_time_iso(t, v->i);
	return json_string(t);
}

static json_t *text_or_null(const es_sval *v)
{
	return v->type == ES_SV_TEXT ? json_stringn(v->s, v->len) : json_null();
}

static int peers_row(void *vctx, const es_sval *c, size_t n)
{
	json_t *arr = vctx;
	if (n < 14)
		return ES_EINTERNAL;
	char created[32];
	es_time_iso(created, c[13].i);
	json_t *o = json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:I, s:{s:o, s:o, s:o, s:o, s:o, s:o}, s:s}", "id",
			      (json_int_t)c[0].i, "name", text_or_null(&c[1]), "maker", text_or_null(&c[2]), "status_url",
			      text_or_null(&c[3]), "api_key", c[4].type == ES_SV_INT ? json_integer(c[4].i) : json_null(),
			      "state", text_or_null(&c[5]), "seals", (json_int_t)c[6].i, "status_list", "last_attempt",
			      time_or_null(&c[7]), "last_success", time_or_null(&c[8]), "last_error", text_or_null(&c[9]),
			      "etag", text_or_null(&c[10]), "generated", time_or_null(&c[11]), "next_update",
			      time_or_null(&c[12]), "created", created);
	if (!o || json_array_append_new(arr, o) < 0)
		return es_error_set(ES_ENOMEM, "out of memory");
	return 0;
}

static int dump(json_t *arr, es_buf *out)
{
	char *s = json_dumps(arr, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(arr);
	if (!s)
		return es_error_set(ES_ENOMEM, "out of memory");
	int err = es_buf_puts(out, s);
	free(s); /* jansson's */
	return err;
}

/*
 * The peers (by id; @p peer unused) or the filed seals of peer @p peer, 0: all (by esID),
 * after the cursor @p after ("" : from the first), at most @p limit of them, into @p arr.
 */
typedef int (*rows_fn)(es_platform *p, int64_t peer, const char *after, int64_t limit, json_t *arr);

static int peers_rows(es_platform *p, int64_t peer, const char *after, int64_t limit, json_t *arr)
{
	(void)peer;
	es_sval pv[2] = { ES_SV_I(*after ? strtoll(after, NULL, 10) : 0), ES_SV_I(limit) };
	return es_store_exec(p->st,
			     "SELECT id, name, maker_subject, status_url, key_id, state, (SELECT COUNT(*) FROM peer_seals s "
			     "WHERE s.peer_id = peers.id), last_fetch_at, last_ok_at, last_error, etag, list_generated, "
			     "list_next_update, created_at FROM peers WHERE id > ? ORDER BY id LIMIT ?",
			     pv, 2, peers_row, arr, NULL);
}

static int pseal_row(void *vctx, const es_sval *c, size_t n)
{
	json_t *arr = vctx;
	if (n < 10)
		return ES_EINTERNAL;
	char since[32], filed[32], vs[32], ve[32];
	es_time_iso(since, c[4].i);
	es_time_iso(filed, c[7].i);
	es_time_iso(vs, c[8].i);
	es_time_iso(ve, c[9].i);
	json_t *o = json_pack("{s:o, s:I, s:o, s:o, s:s, s:o, s:o, s:s, s:s, s:s}", "esid", text_or_null(&c[0]), "peer",
			      (json_int_t)c[1].i, "name", text_or_null(&c[2]), "state", text_or_null(&c[3]), "since", since,
			      "reason", text_or_null(&c[5]), "source", text_or_null(&c[6]), "filed", filed, "valid_start", vs,
			      "valid_end", ve);
	if (!o || json_array_append_new(arr, o) < 0)
		return es_error_set(ES_ENOMEM, "out of memory");
	return 0;
}

static int peer_seals_rows(es_platform *p, int64_t peer, const char *after, int64_t limit, json_t *arr)
{
	es_sval pv[4] = { ES_SV_I(peer), ES_SV_I(peer), ES_SV_S(after), ES_SV_I(limit) };
	return es_store_exec(p->st,
			     "SELECT esid, peer_id, name, state, state_since, state_reason, state_source, filed_at, "
			     "valid_start, valid_end FROM peer_seals WHERE (? = 0 OR peer_id = ?) AND esid > ? ORDER BY esid "
			     "LIMIT ?",
			     pv, 4, pseal_row, arr, NULL);
}

/* {"items": arr's first @p limit, "next": the key @p key of the last of them when arr has more} */
static int dump_page(json_t *arr, unsigned limit, const char *key, es_buf *out)
{
	json_t *next = json_null();
	if (json_array_size(arr) > limit) {
		json_array_remove(arr, limit);
		json_t *k = json_object_get(json_array_get(arr, limit - 1), key);
		char cur[32];
		if (json_is_integer(k))
			snprintf(cur, sizeof(cur), "%lld", (long long)json_integer_value(k));
		else
			snprintf(cur, sizeof(cur), "%s", json_is_string(k) ? json_string_value(k) : "");
		json_decref(next);
		next = json_string(cur);
	}
	json_t *page = json_pack("{s:o, s:o}", "items", arr, "next", next);
	if (!page)
		return es_error_set(ES_ENOMEM, "out of memory");
	return dump(page, out);
}

/*
 * The whole list as an array (@p key NULL), or one page of @p limit (0: the default) after the
 * cursor @p after as {"items", "next"}, the cursor being the last item's @p key: a cursor this
 * platform gave is digits only, at most 20 (an id, an esID).
 */
static int peer_list(es_platform *p, const es_actor *who, es_action act, rows_fn rows, int64_t peer,
		     const char *after, unsigned limit, const char *key, es_buf *out)
{
	int64_t actor = es_platform__enter(p, who);
	ES_ASSERT_ARG(p && out);
	int err;
	if ((err = es_platform__authorize(p, actor, act, -1, NULL)) < 0)
		return err;
	if (after) {
		size_t n = strlen(after);
		bool digits = n > 0 && n <= 20;
		for (size_t i = 0; digits && i < n; i++)
			digits = after[i] >= '0' && after[i] <= '9';
		if (!digits)
			return es_error_set(ES_EINVAL, "the cursor is not one this platform gave: start again without 'after'");
	}
	if (limit > ES_LIST_LIMIT_MAX)
		return es_error_set(ES_EINVAL, "a page holds 1 to %d records", ES_LIST_LIMIT_MAX);
	if (limit == 0)
		limit = ES_LIST_LIMIT_DEFAULT;
	json_t *arr = json_array();
	if (!arr)
		return es_error_set(ES_ENOMEM, "out of memory");
	if ((err = rows(p, peer, after ? after : "", key ? (int64_t)limit + 1 : INT64_MAX, arr)) < 0) {
		json_decref(arr);
		return err;
	}
	return key ? dump_page(arr, limit, key, out) : dump(arr, out);
}

int es_platform_peers_json(es_platform *p, const es_actor *who, es_buf *out)
{
	return peer_list(p, who, ES_ACT_AUDIT, peers_rows, 0, NULL, 0, NULL, out);
}

int es_platform_peer_seals_json(es_platform *p, const es_actor *who, int64_t peer, es_buf *out)
{
	return peer_list(p, who, ES_ACT_READ, peer_seals_rows, peer, NULL, 0, NULL, out);
}

int es_platform_peers_page(es_platform *p, const es_actor *who, const char *after, unsigned limit, es_buf *out)
{
	return peer_list(p, who, ES_ACT_AUDIT, peers_rows, 0, after, limit, "id", out);
}

int es_platform_peer_seals_page(es_platform *p, const es_actor *who, int64_t peer, const char *after, unsigned limit,
				es_buf *out)
{
	return peer_list(p, who, ES_ACT_READ, peer_seals_rows, peer, after, limit, "esid", out);
}

/* ---- the verifier's view: trust and status ------------------------------------------------- */

typedef struct trust_ctx {
	es_trust *t;
	int err;
} trust_ctx;

static int trust_row(void *vctx, const es_sval *c, size_t n)
{
	trust_ctx *x = vctx;
	es_cert *anchors[PEER_MAX_ANCHORS], *maker = NULL;
	size_t na = 0;
	int err;
	if (n < 2 || c[0].type != ES_SV_BLOB)
		return ES_EINTERNAL;
	if ((err = es_cert_from_der(&maker, c[0].b, c[0].len)) < 0 ||
	    (err = certs_load(anchors, &na, c[1].s ? c[1].s : "", c[1].len)) < 0) {
		es_cert_free(maker);
		return err;
	}
	for (size_t i = 0; i < na && err == 0; i++)
		err = es_trust_add_anchor(x->t, anchors[i]);
	if (err == 0)
		err = es_trust_add_intermediate(x->t, maker);
	for (size_t i = 0; i < na; i++)
		es_cert_free(anchors[i]);
	es_cert_free(maker);
	return err;
}

int es_platform_peers_version(es_platform *p, int64_t *version)
{
	ES_ASSERT_ARG(p && version);
	*version = 0;
	/* a peer added raises the top id, one removed lowers the count */
	int err = es_store_int(p->st, version,
			       "SELECT COALESCE(MAX(id), 0) * 65536 + COALESCE(SUM(CASE WHEN state = 'active' THEN 1 ELSE 0 "
			       "END), 0) FROM peers",
			       NULL, 0);
	if (err == ES_ENOTFOUND) {
		es_error_clear();
		*version = 0;
		err = 0;
	}
	return err;
}

int es_platform_peer_trust_add(es_platform *p, es_trust *t, int64_t *version)
{
	ES_ASSERT_ARG(p && t);
	int err;
	if (version && (err = es_platform_peers_version(p, version)) < 0)
		return err;
	trust_ctx x = { t, 0 };
	return es_store_exec(p->st, "SELECT maker_der, anchors FROM peers WHERE state = 'active' ORDER BY id", NULL, 0,
			     trust_row, &x, NULL);
}

/* A filed seal's state and validity: SELECT state, state_since, state_reason, valid_start, valid_end. */
typedef struct pstat {
	es_state_row now;
	es_time valid_start, valid_end;
} pstat;

static int pstat_row(void *vctx, const es_sval *c, size_t n)
{
	pstat *s = vctx;
	if (n < 5)
		return ES_EINTERNAL;
	s->valid_start = c[3].i;
	s->valid_end = c[4].i;
	return es_platform__state_row(&s->now, c, n);
}

static es_seal_status peer_status_of(const char *state)
{
	if (strcmp(state, "active") == 0 || strcmp(state, "made") == 0)
		return ES_STATUS_ACTIVE; /* filed: issued by its maker (its unit's confirmation is the peer's business) */
	if (strcmp(state, "lost") == 0)
		return ES_STATUS_LOST;
	if (strcmp(state, "revoked") == 0)
		return ES_STATUS_REVOKED;
	if (strcmp(state, "expired") == 0)
		return ES_STATUS_EXPIRED;
	return ES_STATUS_SUSPENDED;
}

int es_platform__peer_status(es_platform *p, const char *esid, es_time at, bool history, es_status_info *out)
{
	pstat s = { 0 };
	es_sval pv[1] = { ES_SV_S(esid) };
	int err = es_store_exec(p->st,
				"SELECT s.state, s.state_since, s.state_reason, s.valid_start, s.valid_end FROM peer_seals s "
				"JOIN peers ON peers.id = s.peer_id WHERE s.esid = ? AND peers.state = 'active'",
				pv, 1, pstat_row, &s, NULL);
	if (err < 0)
		return err;
	if (!s.now.found)
		return ES_ENOTFOUND;
	if (history) {
		es_state_row h = { 0 };
		es_sval hv[2] = { ES_SV_S(esid), ES_SV_I(at) };
		if ((err = es_store_exec(p->st,
					 "SELECT state, at, reason FROM peer_events WHERE esid = ? AND at <= ? ORDER BY "
					 "at DESC, id DESC LIMIT 1",
					 hv, 2, es_platform__state_row, &h, NULL)) < 0)
			return err;
		if (!h.found) {
			out->status = ES_STATUS_UNKNOWN;
			snprintf(out->reason, sizeof(out->reason), "the peer had filed no state of the seal at that time");
			return 0;
		}
		s.now = h;
	}
	out->status = peer_status_of(s.now.state);
	out->since = s.now.at;
	if (out->status == ES_STATUS_ACTIVE && at >= s.valid_end) {
		out->status = ES_STATUS_EXPIRED;
		out->since = s.valid_end;
	}
	es_text_copy(out->reason, sizeof(out->reason), s.now.reason);
	return 0;
}

/* ---- receiving a filing -------------------------------------------------------------------- */

/* A filed seal is issued: "made" (its unit's confirmation is the peer's own business) is active here. */
static const char *state_of_event(const es_filing_record *f)
{
	const char *s = f->state[0] ? f->state : f->event;
	if (strcmp(s, "made") == 0 || strcmp(s, "renewed") == 0)
		return "active";
	return s;
}

typedef struct recv_ctx {
	int64_t actor, key_id;
	const char *idem;
	const es_filing_record *f;
	const peer_row *peer;
	const es_seal_fields *seal; /* NULL: the filing carries no seal */
	char name[512];             /* the seal's name */
	es_filing_result *out;
} recv_ctx;

static int recv_tx(es_platform *p, void *vctx)
{
	recv_ctx *c = vctx;
	const es_filing_record *f = c->f;
	es_filing_result *r = c->out;
	int64_t n = 0, other = 0, eid = 0;
	char ids[24], detail[600];
	es_time now = es_platform__now(p);
	int err;
	/* the binding again, inside the transaction: removed a moment ago is removed */
	es_sval kv[2] = { ES_SV_I(c->peer->id), ES_SV_I(c->key_id) };
	if ((err = es_store_int(p->st, &n, "SELECT COUNT(*) FROM peers WHERE id = ? AND key_id = ? AND state = 'active'", kv,
				2)) < 0)
		return err;
	if (!n)
		return es_error_set(ES_EDENIED, "this API key files for no active peer");
	es_sval dv[2] = { ES_SV_I(c->peer->id), ES_SV_S(c->idem) };
	if ((err = es_store_int(p->st, &n, "SELECT COUNT(*) FROM peer_events WHERE peer_id = ? AND idem_key = ?", dv, 2)) < 0)
		return err;
	if (n) {
		r->duplicate = true;
		es_sval sv[1] = { ES_SV_S(f->esid) };
		es_state_row s = { 0 };
		if ((err = es_store_exec(p->st, "SELECT state, state_since, state_reason FROM peer_seals WHERE esid = ?",
					 sv, 1, es_platform__state_row, &s, NULL)) < 0)
			return err;
		memcpy(r->state, s.state, sizeof(r->state));
		return 0;
	}
	es_sval ev[1] = { ES_SV_S(f->esid) };
	if ((err = es_store_int(p->st, &n, "SELECT COUNT(*) FROM seals WHERE esid = ?", ev, 1)) < 0)
		return err;
	if (n)
		return es_error_set(ES_EEXISTS, "seal %s is one of this platform's own seals: a peer cannot file it",
				    f->esid);
	if ((err = es_store_int(p->st, &other, "SELECT COALESCE(MAX(peer_id), 0) FROM peer_seals WHERE esid = ?", ev, 1)) < 0)
		return err;
	if (other && other != c->peer->id)
		return es_error_set(ES_EDENIED, "seal %s was filed by another peer", f->esid);
	const char *state = state_of_event(f);
	if (!other && !c->seal)
		return es_error_set(ES_EINVAL, "the first filing of seal %s must carry the seal ('seal': its DER in base64)",
				    f->esid);
	if (!other) {
		es_sval pv[11] = { ES_SV_S(f->esid),
				   ES_SV_I(c->peer->id),
				   ES_SV_S(c->name),
				   ES_SV_B(c->seal->der.ptr, c->seal->der.len),
				   ES_SV_I(c->seal->valid_start),
				   ES_SV_I(c->seal->valid_end),
				   ES_SV_S(state),
				   ES_SV_I(f->at),
				   ES_SV_S(f->reason),
				   ES_SV_S("filing"),
				   ES_SV_I(now) };
		if ((err = es_store_exec(p->st,
					 "INSERT INTO peer_seals (esid, peer_id, name, seal_der, valid_start, valid_end, state, "
					 "state_since, state_reason, state_source, filed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
					 pv, 11, NULL, NULL, NULL)) < 0)
			return err;
		r->new_seal = true;
	} else {
		if (c->seal) {
			/* a renewal: the same esID, a new seal */
			es_sval uv[5] = { ES_SV_B(c->seal->der.ptr, c->seal->der.len), ES_SV_I(c->seal->valid_start),
					  ES_SV_I(c->seal->valid_end),
					  ES_SV_S(c->name), ES_SV_S(f->esid) };
			if ((err = es_store_exec(p->st,
						 "UPDATE peer_seals SET seal_der = ?, valid_start = ?, valid_end = ?, name = ? "
						 "WHERE esid = ?",
						 uv, 5, NULL, NULL, NULL)) < 0)
				return err;
		}
		/* filings may arrive out of order: a state older than the one held does not replace it */
		es_sval sv[5] = { ES_SV_S(state), ES_SV_I(f->at), ES_SV_S(f->reason), ES_SV_S(f->esid), ES_SV_I(f->at) };
		if ((err = es_store_exec(p->st,
					 "UPDATE peer_seals SET state = ?, state_since = ?, state_reason = ?, state_source = "
					 "'filing' WHERE esid = ? AND state_since <= ?",
					 sv, 5, NULL, NULL, NULL)) < 0)
			return err;
	}
	if ((err = es_store_next(p->st, &eid, "peer_event")) < 0)
		return err;
	es_sval iv[9] = { ES_SV_I(eid), ES_SV_I(c->peer->id), ES_SV_S(c->idem), ES_SV_S(f->esid), ES_SV_S(f->event),
			  ES_SV_S(state), ES_SV_I(f->at), ES_SV_S(f->reason), ES_SV_I(now) };
	if ((err = es_store_exec(p->st,
				 "INSERT INTO peer_events (id, peer_id, idem_key, esid, event, state, at, reason, received_at) "
				 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
				 iv, 9, NULL, NULL, NULL)) < 0)
		return err;
	es_state_row s = { 0 };
	if ((err = es_store_exec(p->st, "SELECT state, state_since, state_reason FROM peer_seals WHERE esid = ?", ev, 1,
				 es_platform__state_row, &s, NULL)) < 0)
		return err;
	memcpy(r->state, s.state, sizeof(r->state));
	snprintf(ids, sizeof(ids), "%lld", (long long)c->peer->id);
	snprintf(detail, sizeof(detail), "seal %s %s (%s) filed by peer '%.128s'%s", f->esid, f->event, state,
		 c->peer->name, c->seal ? " with its seal" : "");
	return es_platform__audit(p, c->actor, "filing-receive", "peer", ids, detail, NULL);
}

/* The seal's maker signature by the peer's very maker certificate, chained to its anchors. */
static int check_seal(const peer_row *peer, const es_seal *seal, const char *esid, es_time now)
{
	const es_seal_fields *sf = es_seal_fields_get(seal);
	es_trust *t = NULL;
	es_report rep;
	int err;
	if (sf->esid.len != strlen(esid) || memcmp(sf->esid.ptr, esid, sf->esid.len) != 0)
		return es_error_set(ES_EINVAL, "the seal carried is not seal %s", esid);
	if (sf->maker_cert.len != peer->maker.len || memcmp(sf->maker_cert.ptr, peer->maker.ptr, peer->maker.len) != 0)
		return es_error_set(ES_EDENIED, "seal %s was made by another maker than the one this API key's peer "
						"registered: it is refused",
				    esid);
	if ((err = peer_trust(peer, &t, NULL)) < 0)
		return err;
	es_verify_options vo = ES_VERIFY_OPTIONS_INIT;
	vo.trust = t;
	vo.now = now;
	es_report_init(&rep);
	err = es_verify_seal(&rep, seal, &vo);
	if (err == 0 && rep.nsigs == 1) {
		const es_check *sig = es_sig_report_get(&rep.sigs[0], "seal-signature");
		const es_check *chain = es_sig_report_get(&rep.sigs[0], "maker-chain");
		if (!sig || sig->result != ES_RESULT_PASS)
			err = es_error_set(ES_EVERIFY, "seal %s: its maker signature does not verify: %s", esid,
					   sig ? sig->reason : "not checked");
		else if (!chain || chain->result != ES_RESULT_PASS)
			err = es_error_set(ES_EVERIFY, "seal %s: its maker certificate does not chain to the peer's anchors: %s",
					   esid, chain ? chain->reason : "not checked");
	} else if (err == 0) {
		err = es_error_set(ES_EINTERNAL, "the seal verification gave no report");
	}
	es_report_release(&rep);
	es_trust_free(t);
	return err;
}

int es_platform_filing_receive(es_platform *p, const es_actor *who, const char *idem_key, const uint8_t *json,
			       size_t len, es_filing_result *out)
{
	int64_t actor = es_platform__enter(p, who);
	ES_ASSERT_ARG(p && out && (json || len == 0));
	es_filing_record f;
	peer_row peer;
	es_seal *seal = NULL;
	int err;
	memset(out, 0, sizeof(*out));
	es_buf_init(&f.seal, ES_FILING_MAX_BODY);
	peer_row_init(&peer);
	const es_actor *a = es_platform__who(p, actor);
	if (!a || a->how != ES_AUTH_API_KEY || a->key_id <= 0) {
		err = es_error_set(ES_EDENIED, "filings come from a registered system's API key bound to a peer "
					       "(eseal platform peer add --api-key ID)");
		goto done;
	}
	size_t kn = idem_key ? strlen(idem_key) : 0;
	if (kn == 0 || kn > 200) {
		err = es_error_set(ES_EINVAL, "send the filing's Idempotency-Key header (1-200 characters)");
		goto done;
	}
	for (size_t i = 0; i < kn; i++)
		if ((unsigned char)idem_key[i] <= 0x20 || (unsigned char)idem_key[i] >= 0x7f) {
			err = es_error_set(ES_EINVAL, "the Idempotency-Key holds printable ASCII only");
			goto done;
		}
	if ((err = peer_by(&peer, p, "key_id = ? AND state = 'active'", ES_SV_I(a->key_id))) < 0)
		goto done;
	if (!peer.found) {
		err = es_error_set(ES_EDENIED, "this API key is bound to no peer: an administrator binds it to the peer's "
					       "maker certificate (eseal platform peer add --api-key ID)");
		goto done;
	}
	out->peer = peer.id;
	if ((err = es_filing_parse(&f, json, len)) < 0)
		goto done;
	memcpy(out->esid, f.esid, sizeof(out->esid));
	if (f.seal.len) {
		if ((err = es_seal_parse(&seal, f.seal.ptr, f.seal.len)) < 0) {
			err = es_error_set(ES_EINVAL, "the filing's seal is no SESeal: %s", es_error_last()->message);
			goto done;
		}
		if ((err = check_seal(&peer, seal, f.esid, es_platform__now(p))) < 0)
			goto done;
	}
	recv_ctx c = { .actor = actor, .key_id = a->key_id, .idem = idem_key, .f = &f, .peer = &peer,
		       .seal = seal ? es_seal_fields_get(seal) : NULL, .out = out };
	if (c.seal)
		snprintf(c.name, sizeof(c.name), "%.*s", (int)(c.seal->name.len < 500 ? c.seal->name.len : 500),
			 (const char *)c.seal->name.ptr);
	err = es_platform__tx(p, recv_tx, &c);
done:
	es_seal_free(seal);
	es_buf_release(&f.seal);
	peer_row_release(&peer);
	return err;
}

/* ---- fetching a peer's signed status list ---------------------------------------------------- */

#define PEER_LIST_MAX (16u << 20)

typedef struct entry {
	char esid[15], state[16], reason[257];
	es_time since;
} entry;

typedef struct fetch_ctx {
	const peer_row *peer;
	entry *v;
	size_t n;
	es_time generated, next_update;
	const char *etag;
	bool not_modified;
	const char *error; /* a failure to record */
	unsigned changed;
} fetch_ctx;

/* The list's seals (outside bytes, signature already checked): esid, status or state, since, reason. */
static int list_entries(fetch_ctx *x, const uint8_t *json, size_t len)
{
	json_error_t je;
	json_t *o = json_loadb((const char *)json, len, 0, &je), *seals = json_object_get(o, "seals"), *e;
	size_t i;
	int err = 0;
	if (!json_is_array(seals)) {
		json_decref(o);
		return es_error_set(ES_EMALFORMED, "the status list has no 'seals' array");
	}
	x->v = es_calloc(json_array_size(seals) + 1, sizeof(entry));
	if (!x->v) {
		json_decref(o);
		return es_error_set(ES_ENOMEM, "out of memory");
	}
	json_array_foreach(seals, i, e)
	{
		entry *t = &x->v[x->n];
		json_t *id = json_object_get(e, "esid"), *st = json_object_get(e, "status"), *sa = json_object_get(e, "state"),
		       *since = json_object_get(e, "since"), *reason = json_object_get(e, "reason");
		const char *s = json_is_string(st) ? json_string_value(st) : json_is_string(sa) ? json_string_value(sa) : NULL;
		if (!json_is_string(id) || json_string_length(id) >= sizeof(t->esid) || !s || !one_of(s, seal_states)) {
			err = es_error_set(ES_EMALFORMED, "the status list's entry %zu lacks an esid or a known status", i);
			break;
		}
		memcpy(t->esid, json_string_value(id), json_string_length(id) + 1);
		snprintf(t->state, sizeof(t->state), "%s", s);
		if (json_is_string(since) && es_time_parse(&t->since, json_string_value(since)) != 0)
			t->since = 0;
		if (json_is_string(reason))
			es_text_copy(t->reason, sizeof(t->reason), json_string_value(reason));
		x->n++;
	}
	json_decref(o);
	return err;
}

typedef struct held {
	char esid[15], state[16];
	es_time since;
} held;

typedef struct held_list {
	held *v;
	size_t n, cap;
} held_list;

static int held_row(void *vctx, const es_sval *c, size_t n)
{
	held_list *l = vctx;
	if (n < 3)
		return ES_EINTERNAL;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		held *v = es_realloc(l->v, cap * sizeof(*v));
		if (!v)
			return es_error_set(ES_ENOMEM, "out of memory");
		l->v = v;
		l->cap = cap;
	}
	es_platform__copy(l->v[l->n].esid, sizeof(l->v[0].esid), &c[0]);
	es_platform__copy(l->v[l->n].state, sizeof(l->v[0].state), &c[1]);
	l->v[l->n].since = c[2].i;
	l->n++;
	return 0;
}

static int set_state(es_platform *p, fetch_ctx *x, const char *esid, const char *state, es_time since,
		     const char *reason)
{
	char idem[96];
	int64_t eid, n = 0;
	int err;
	es_sval uv[4] = { ES_SV_S(state), ES_SV_I(since), ES_SV_S(reason), ES_SV_S(esid) };
	if ((err = es_store_exec(p->st,
				 "UPDATE peer_seals SET state = ?, state_since = ?, state_reason = ?, state_source = "
				 "'status-list' WHERE esid = ?",
				 uv, 4, NULL, NULL, NULL)) < 0)
		return err;
	snprintf(idem, sizeof(idem), "list-%lld-%s-%s", (long long)x->generated, esid, state);
	es_sval dv[2] = { ES_SV_I(x->peer->id), ES_SV_S(idem) };
	if ((err = es_store_int(p->st, &n, "SELECT COUNT(*) FROM peer_events WHERE peer_id = ? AND idem_key = ?", dv, 2)) < 0)
		return err;
	x->changed++;
	if (n)
		return 0;
	if ((err = es_store_next(p->st, &eid, "peer_event")) < 0)
		return err;
	es_sval iv[9] = { ES_SV_I(eid),	    ES_SV_I(x->peer->id), ES_SV_S(idem),	 ES_SV_S(esid), ES_SV_S("status-list"),
			  ES_SV_S(state), ES_SV_I(since),	  ES_SV_S(reason), ES_SV_I(es_platform__now(p)) };
	return es_store_exec(p->st,
			     "INSERT INTO peer_events (id, peer_id, idem_key, esid, event, state, at, reason, received_at) "
			     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			     iv, 9, NULL, NULL, NULL);
}

static int apply_tx(es_platform *p, void *vctx)
{
	fetch_ctx *x = vctx;
	held_list l = { 0 };
	es_time now = es_platform__now(p);
	int err = 0;
	if (x->error) {
		char ids[24];
		es_sval fv[3] = { ES_SV_I(now), ES_SV_S(x->error), ES_SV_I(x->peer->id) };
		if ((err = es_store_exec(p->st, "UPDATE peers SET last_fetch_at = ?, last_error = ? WHERE id = ?", fv, 3,
					 NULL, NULL, NULL)) < 0)
			return err;
		snprintf(ids, sizeof(ids), "%lld", (long long)x->peer->id);
		return es_platform__audit(p, ES_ACCOUNT_SYSTEM, "peer-fetch-failed", "peer", ids, x->error, NULL);
	}
	if (!x->not_modified) {
		es_sval pv[1] = { ES_SV_I(x->peer->id) };
		if ((err = es_store_exec(p->st, "SELECT esid, state, state_since FROM peer_seals WHERE peer_id = ?", pv, 1,
					 held_row, &l, NULL)) < 0)
			goto done;
		for (size_t i = 0; i < l.n && err == 0; i++) {
			const entry *e = NULL;
			for (size_t j = 0; j < x->n && !e; j++)
				if (strcmp(x->v[j].esid, l.v[i].esid) == 0)
					e = &x->v[j];
			if (e && strcmp(e->state, l.v[i].state) != 0)
				err = set_state(p, x, e->esid, e->state, e->since ? e->since : x->generated, e->reason);
			else if (!e && strcmp(l.v[i].state, "active") != 0 && strcmp(l.v[i].state, "made") != 0 &&
				 l.v[i].since <= x->generated)
				/* not listed by a list newer than the state held: active again (reenabled) */
				err = set_state(p, x, l.v[i].esid, "active", x->generated, "");
		}
		if (err < 0)
			goto done;
	}
	es_sval sv[6] = { ES_SV_I(now), ES_SV_I(now), x->etag && *x->etag ? ES_SV_S(x->etag) : ES_SV_NUL,
			  ES_SV_I(x->generated), ES_SV_I(x->next_update), ES_SV_I(x->peer->id) };
	if (x->not_modified)
		err = es_store_exec(p->st, "UPDATE peers SET last_fetch_at = ?, last_ok_at = ?, last_error = NULL WHERE id = ?",
				    (es_sval[]){ sv[0], sv[1], sv[5] }, 3, NULL, NULL, NULL);
	else
		err = es_store_exec(p->st,
				    "UPDATE peers SET last_fetch_at = ?, last_ok_at = ?, last_error = NULL, etag = ?, "
				    "list_generated = ?, list_next_update = ? WHERE id = ?",
				    sv, 6, NULL, NULL, NULL);
	if (err == 0 && x->changed) {
		char ids[24], detail[200];
		snprintf(ids, sizeof(ids), "%lld", (long long)x->peer->id);
		snprintf(detail, sizeof(detail), "%u seal state(s) changed by the peer's status list", x->changed);
		err = es_platform__audit(p, ES_ACCOUNT_SYSTEM, "peer-status-list", "peer", ids, detail, NULL);
	}
done:
	es_free(l.v);
	return err;
}

typedef struct gen_row {
	es_time generated;
} gen_row;

static int gen_fn(void *vctx, const es_sval *c, size_t n)
{
	gen_row *g = vctx;
	g->generated = n >= 1 && c[0].type == ES_SV_INT ? c[0].i : 0;
	return 1;
}

/* Fetch, check and apply one peer's list; 0 (the outcome recorded on the peer) unless the store failed. */
static int fetch_one(es_platform *p, const peer_row *peer, bool *failed)
{
	es_buf body = ES_BUF_INIT, sig = ES_BUF_INIT;
	es_http_got got;
	es_status_list *l = NULL;
	es_cert *maker = NULL;
	fetch_ctx x = { .peer = peer };
	char why[300] = "";
	gen_row held_gen = { 0 };
	int err;
	*failed = false;
	es_buf_init(&body, PEER_LIST_MAX);
	if (es_platform__http_get(peer->status_url, peer->etag[0] ? peer->etag : NULL, PEER_LIST_MAX,
				  ES_PLAT_HTTP_TIMEOUT_S, &body, &got) < 0) {
		snprintf(why, sizeof(why), "fetch failed: %s", es_error_last()->message);
	} else if (got.status == 304) {
		x.not_modified = true;
	} else if (got.status != 200) {
		snprintf(why, sizeof(why), "the peer answered HTTP %ld", got.status);
	} else if (!got.signature[0] || es_unbase64(&sig, got.signature, strlen(got.signature), false) < 0) {
		snprintf(why, sizeof(why), "the answer carries no X-Status-Signature (base64): an unsigned list is not believed");
	} else if (es_status_list_parse(&l, body.ptr, body.len, sig.ptr, sig.len) < 0) {
		snprintf(why, sizeof(why), "not a status list: %s", es_error_last()->message);
	} else if (es_cert_from_der(&maker, peer->maker.ptr, peer->maker.len) < 0) {
		snprintf(why, sizeof(why), "the peer's maker certificate does not load");
	} else {
		const es_sm2_key *pub = NULL;
		es_sval pv[1] = { ES_SV_I(peer->id) };
		if ((err = es_store_exec(p->st, "SELECT list_generated FROM peers WHERE id = ?", pv, 1, gen_fn, &held_gen,
					 NULL)) < 0)
			goto done;
		if (strcmp(es_status_list_issuer(l), peer->subject) != 0)
			snprintf(why, sizeof(why), "the list is issued by '%.100s', not by the peer's maker '%.100s'",
				 es_status_list_issuer(l), peer->subject);
		else if (es_cert_pubkey(&pub, maker) < 0 || es_sm2_verify(pub, NULL, 0, body.ptr, body.len, sig.ptr, sig.len) != 0)
			snprintf(why, sizeof(why), "the list's signature does not verify with the peer's maker certificate: "
						   "forged or altered, not believed");
		else if (es_status_list_generated(l) < held_gen.generated)
			snprintf(why, sizeof(why), "the list is older than the one already applied (a replay): not believed");
		else if (list_entries(&x, body.ptr, body.len) < 0)
			snprintf(why, sizeof(why), "%s", es_error_last()->message);
		x.generated = es_status_list_generated(l);
		x.next_update = es_status_list_next_update(l);
		x.etag = got.etag;
	}
	es_error_clear();
	if (why[0]) {
		x.error = why;
		*failed = true;
	}
	err = es_platform__tx(p, apply_tx, &x);
done:
	es_free(x.v);
	es_cert_free(maker);
	es_status_list_free(l);
	es_buf_release(&body);
	es_buf_release(&sig);
	return err;
}

typedef struct id_list {
	int64_t v[256];
	size_t n;
} id_list;

static int id_row(void *vctx, const es_sval *c, size_t n)
{
	id_list *l = vctx;
	if (n < 1 || l->n >= ES_ARRAY_LEN(l->v))
		return 1;
	l->v[l->n++] = c[0].i;
	return 0;
}

int es_platform_peer_fetch(es_platform *p, int64_t id, unsigned *failed)
{
	ES_ASSERT_ARG(p);
	id_list ids = { .n = 0 };
	unsigned nf = 0;
	int err;
	if (failed)
		*failed = 0;
	es_sval pv[2] = { ES_SV_I(id), ES_SV_I(id) };
	if ((err = es_store_exec(p->st,
				 "SELECT id FROM peers WHERE state = 'active' AND status_url IS NOT NULL AND (? = 0 OR id = ?) "
				 "ORDER BY id",
				 pv, 2, id_row, &ids, NULL)) < 0)
		return err;
	if (id && ids.n == 0)
		return es_error_set(ES_ENOTFOUND, "no active peer %lld with a status URL", (long long)id);
	for (size_t i = 0; i < ids.n && err == 0; i++) {
		peer_row r;
		bool bad = false;
		peer_row_init(&r);
		if ((err = peer_by(&r, p, "id = ?", ES_SV_I(ids.v[i]))) == 0 && r.found && r.status_url[0])
			err = fetch_one(p, &r, &bad);
		peer_row_release(&r);
		nf += bad;
	}
	if (failed)
		*failed = nf;
	return err;
}
