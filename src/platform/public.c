/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The platform's public services (docs/public-services.md): its trust anchors
 * for verifiers, a CRL of its seals' certificates, the version of its seal
 * statuses (for caching the signed list), RFC 3161 answers of its own TSA, and
 * kept verifications (a report and the document's hashes under a random id).
 * Nothing here takes an actor: all of it is public by design (R5 公示).
 */
#include "es_int.h"
#include "platform_int.h"
#include "estime.h"
#include "text.h"
#include <jansson.h>
#include <openssl/evp.h>

int es_platform_trust_new(es_platform *p, es_trust **out)
{
	ES_ASSERT_ARG(p && out);
	es_trust *t = NULL;
	int err;
	*out = NULL;
	if ((err = es_trust_new(&t)) < 0)
		return err;
	if ((err = es_trust_add_anchor(t, p->root)) < 0 || (err = es_trust_add_intermediate(t, p->maker)) < 0 ||
	    (err = es_trust_add_intermediate(t, p->tsa)) < 0) {
		es_trust_free(t);
		return err;
	}
	*out = t;
	return 0;
}

int es_platform_status_version(es_platform *p, int64_t *version)
{
	ES_ASSERT_ARG(p && version);
	/* transitions are only ever added: their count grows with every change of any seal */
	int err = es_store_int(p->st, version, "SELECT COUNT(*) FROM transitions WHERE object = 'seal'", NULL, 0);
	if (err == ES_ENOTFOUND) {
		*version = 0;
		err = 0;
	}
	return err;
}

int es_platform_tsa_respond(es_platform *p, const uint8_t *req, size_t len, es_buf *resp, es_tsp_result *out)
{
	ES_ASSERT_ARG(p && resp && out);
	return es_tsp_respond(resp, p->tsa, p->tsa_key, req, len, es_platform__now(p), out);
}

/* ---- the CRL of the seals' certificates ------------------------------------------------ */

typedef struct crl_ctx {
	es_crl_entry *v;
	char (*serial)[80];
	size_t n, cap;
} crl_ctx;

static int crl_row(void *vctx, const es_sval *c, size_t n)
{
	crl_ctx *x = vctx;
	es_cert *cert = NULL;
	es_buf serial = ES_BUF_INIT;
	char state[16];
	int err;
	if (n < 3 || c[1].type != ES_SV_BLOB)
		return ES_EINTERNAL;
	if (x->n == x->cap) {
		size_t cap = x->cap ? 2 * x->cap : 16;
		es_crl_entry *v = es_realloc(x->v, cap * sizeof(*v));
		if (!v)
			return es_error_set(ES_ENOMEM, "out of memory");
		x->v = v;
		char(*s)[80] = es_realloc(x->serial, cap * sizeof(*s));
		if (!s)
			return es_error_set(ES_ENOMEM, "out of memory");
		x->serial = s;
		x->cap = cap;
	}
	es_platform__copy(state, sizeof(state), &c[0]);
	if ((err = es_cert_from_der(&cert, c[1].b, c[1].len)) < 0 || (err = es_cert_serial_hex(&serial, cert)) < 0 ||
	    (err = es_buf_put(&serial, "", 1)) < 0)
		goto done;
	es_text_copy(x->serial[x->n], sizeof(x->serial[0]), (const char *)serial.ptr);
	/* RFC 5280 CRLReason: lost → keyCompromise, suspended → certificateHold, revoked → cessationOfOperation */
	x->v[x->n].reason = strcmp(state, "lost") == 0 ? 1 : strcmp(state, "suspended") == 0 ? 6 : 5;
	x->v[x->n].revoked_at = c[2].i;
	x->n++;
done:
	es_cert_free(cert);
	es_buf_release(&serial);
	return err;
}

int es_platform_crl(es_platform *p, es_buf *der, es_time *this_update, es_time *next_update)
{
	ES_ASSERT_ARG(p && der);
	crl_ctx x = { 0 };
	int64_t number = 0;
	if (!p->root_key)
		return es_error_set(ES_EDENIED, "this node was opened without the master key (a verify node): it serves the "
						"CRL a sign or all node published");
	es_time now = es_platform__now(p), next = now + ES_PLAT_STATUS_NEXT_UPDATE;
	int err = es_store_exec(p->st,
				"SELECT state, cert_der, state_since FROM seals WHERE state IN ('revoked', 'lost', 'suspended') "
				"ORDER BY esid",
				NULL, 0, crl_row, &x, NULL);
	if (err == 0)
		err = es_platform_status_version(p, &number);
	for (size_t i = 0; err == 0 && i < x.n; i++)
		x.v[i].serial_hex = x.serial[i];
	if (err == 0)
		err = es_crl_issue(der, p->root, p->root_key, x.v, x.n, now, next, (uint64_t)number);
	if (err == 0 && this_update)
		*this_update = now;
	if (err == 0 && next_update)
		*next_update = next;
	es_free(x.v);
	es_free(x.serial);
	return err;
}

/* ---- what a full node published, for verify nodes ------------------------------------------- */

typedef struct pub_ctx {
	es_buf *json, *sig, *crl;
	es_time *crl_this, *crl_next;
	int64_t *version;
	bool found;
} pub_ctx;

static int pub_row(void *vctx, const es_sval *c, size_t n)
{
	pub_ctx *x = vctx;
	int err = 0;
	if (n < 6 || c[1].type != ES_SV_TEXT || c[2].type != ES_SV_BLOB || c[3].type != ES_SV_BLOB)
		return ES_EINTERNAL;
	x->found = true;
	if (x->version)
		*x->version = c[0].i;
	if (x->json && (err = es_buf_put(x->json, c[1].s, c[1].len)) < 0)
		return err;
	if (x->sig && (err = es_buf_put(x->sig, c[2].b, c[2].len)) < 0)
		return err;
	if (x->crl && (err = es_buf_put(x->crl, c[3].b, c[3].len)) < 0)
		return err;
	if (x->crl_this)
		*x->crl_this = c[4].i;
	if (x->crl_next)
		*x->crl_next = c[5].i;
	return 1;
}

int es_platform_status_list_published(es_platform *p, es_buf *json, es_buf *sig, es_buf *crl, es_time *crl_this,
				      es_time *crl_next, int64_t *version)
{
	ES_ASSERT_ARG(p);
	pub_ctx x = { json, sig, crl, crl_this, crl_next, version, false };
	int err = es_store_exec(p->st, "SELECT version, list, sig, crl, crl_this, crl_next FROM published_status WHERE id = 1",
				NULL, 0, pub_row, &x, NULL);
	if (err == 0 && !x.found)
		err = es_error_set(ES_ENOTFOUND, "no status list published yet: a sign or all node publishes one at its start "
						 "and on every change of a seal");
	return err;
}

int es_platform_publish(es_platform *p)
{
	ES_ASSERT_ARG(p);
	return es_platform__status_publish(p);
}

/* ---- the trust document (GET /api/v1/trust) ------------------------------------------------- */

static json_t *b64(const uint8_t *p, size_t n)
{
	size_t cap = 4 * ((n + 2) / 3) + 1;
	char *s = es_malloc(cap);
	if (!s)
		return NULL;
	EVP_EncodeBlock((unsigned char *)s, p, (int)n);
	json_t *v = json_string(s);
	es_free(s);
	return v;
}

static json_t *cert_json(const es_cert *c, const char *role)
{
	es_buf subj = ES_BUF_INIT, serial = ES_BUF_INIT;
	char nb[32], na[32], fp[65];
	uint8_t h[32];
	es_bytes d = es_cert_der(c);
	json_t *v = NULL;
	if (es_cert_subject(&subj, c) < 0 || es_buf_put(&subj, "", 1) < 0 || es_cert_serial_hex(&serial, c) < 0 ||
	    es_buf_put(&serial, "", 1) < 0 || es_sm3(h, d.ptr, d.len) < 0)
		goto done;
	es_hex(fp, h, sizeof(h));
	es_time_iso(nb, es_cert_not_before(c));
	es_time_iso(na, es_cert_not_after(c));
	v = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "role", role, "subject", (const char *)subj.ptr, "serial",
		      (const char *)serial.ptr, "not_before", nb, "not_after", na, "sm3", fp, "der", b64(d.ptr, d.len));
done:
	es_buf_release(&subj);
	es_buf_release(&serial);
	return v;
}

int es_platform_trust_json(es_platform *p, es_buf *out)
{
	ES_ASSERT_ARG(p && out);
	es_buf crl = ES_BUF_INIT;
	es_time tu = 0, nu = 0;
	char t1[32], t2[32];
	/* a verify node has no root key: the CRL a full node published */
	int err = p->root_key ? es_platform_crl(p, &crl, &tu, &nu)
			      : es_platform_status_list_published(p, NULL, NULL, &crl, &tu, &nu, NULL);
	if (err < 0) {
		es_buf_release(&crl);
		return err;
	}
	es_time_iso(t1, tu);
	es_time_iso(t2, nu);
	json_t *doc = json_pack("{s:i, s:[o, o, o], s:{s:s, s:s, s:s, s:o}, s:s}", "version", 1, "certificates",
				cert_json(p->root, "root"), cert_json(p->maker, "maker"), cert_json(p->tsa, "tsa"), "crl",
				"issuer", "root", "this_update", t1, "next_update", t2, "der", b64(crl.ptr, crl.len),
				"status_list", "/api/v1/status-list");
	es_buf_release(&crl);
	if (!doc)
		return es_error_set(ES_ENOMEM, "out of memory");
	char *s = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (!s)
		return es_error_set(ES_ENOMEM, "out of memory");
	err = es_buf_puts(out, s);
	free(s); /* jansson's */
	return err;
}

/* ---- kept verifications ---------------------------------------------------------------------- */

typedef struct keep_ctx {
	const char *id;
	es_time now, expires;
	uint64_t size;
	uint8_t sm3[32], sha256[32], orig_sm3[32];
	bool has_original;
	const char *verdict;
	const es_buf *report;
} keep_ctx;

static int keep_tx(es_platform *p, void *vctx)
{
	keep_ctx *k = vctx;
	es_sval del[1] = { ES_SV_I(k->now) };
	int err = es_store_exec(p->st, "DELETE FROM verifications WHERE expires_at <= ?", del, 1, NULL, NULL, NULL);
	if (err < 0)
		return err;
	es_sval pv[9] = { ES_SV_S(k->id),
			  ES_SV_I(k->now),
			  ES_SV_I(k->expires),
			  ES_SV_I(k->size),
			  ES_SV_B(k->sm3, 32),
			  ES_SV_B(k->sha256, 32),
			  k->has_original ? ES_SV_B(k->orig_sm3, 32) : ES_SV_NUL,
			  ES_SV_S(k->verdict),
			  ES_SV_S((const char *)k->report->ptr) };
	return es_store_exec(p->st,
			     "INSERT INTO verifications (id, created_at, expires_at, doc_size, doc_sm3, doc_sha256, "
			     "original_sm3, verdict, report) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			     pv, 9, NULL, NULL, NULL);
}

static int sha256(uint8_t out[32], const uint8_t *p, size_t n)
{
	es_md *m = NULL;
	size_t len = 0;
	uint8_t d[64];
	int err;
	if ((err = es_md_new(&m, "SHA256")) < 0)
		return err;
	if ((err = es_md_update(m, p, n)) == 0 && (err = es_md_final(m, d, &len)) == 0)
		memcpy(out, d, 32);
	es_md_free(m);
	return err;
}

int es_platform_verification_keep(es_platform *p, const es_report *r, const uint8_t *doc, size_t len,
				  const uint8_t *original, size_t original_len, unsigned ttl_s,
				  char id[ES_VERIFICATION_ID_LEN])
{
	ES_ASSERT_ARG(p && r && (doc || len == 0) && id);
	es_buf report = ES_BUF_INIT;
	uint8_t rnd[16];
	keep_ctx k = { .id = id, .size = len, .has_original = original != NULL, .report = &report };
	int err;
	id[0] = 0;
	if (ttl_s == 0 || ttl_s > ES_VERIFICATION_MAX_TTL)
		return es_error_set(ES_EINVAL, "a verification is kept 1 second to %d days", ES_VERIFICATION_MAX_TTL / 86400);
	if ((err = es_report_json(&report, r)) < 0 || (err = es_buf_put(&report, "", 1)) < 0 ||
	    (err = es_sm3(k.sm3, doc, len)) < 0 ||
	    (err = sha256(k.sha256, doc, len)) < 0 ||
	    (original && (err = es_sm3(k.orig_sm3, original, original_len)) < 0) || (err = es_random(rnd, sizeof(rnd))) < 0)
		goto done;
	/* 128 random bits: the id is the capability to read the record */
	es_hex(id, rnd, sizeof(rnd));
	k.now = es_platform__now(p);
	k.expires = k.now + (es_time)ttl_s;
	k.verdict = es_verdict_name(r->verdict);
	err = es_platform__tx(p, keep_tx, &k);
done:
	es_buf_release(&report);
	if (err < 0)
		id[0] = 0;
	return err;
}

typedef struct get_ctx {
	json_t *doc;
	int err;
} get_ctx;

static int get_row(void *vctx, const es_sval *c, size_t n)
{
	get_ctx *x = vctx;
	char created[32], expires[32], sm3[65], sha[65], orig[65];
	if (n < 8 || c[3].type != ES_SV_BLOB || c[3].len != 32 || c[4].type != ES_SV_BLOB || c[4].len != 32)
		return ES_EINTERNAL;
	es_time_iso(created, c[0].i);
	es_time_iso(expires, c[1].i);
	es_hex(sm3, c[3].b, 32);
	es_hex(sha, c[4].b, 32);
	bool has_orig = c[5].type == ES_SV_BLOB && c[5].len == 32;
	if (has_orig)
		es_hex(orig, c[5].b, 32);
	json_error_t je;
	if (c[7].type != ES_SV_TEXT)
		return ES_EINTERNAL;
	json_t *report = json_loadb(c[7].s, c[7].len, 0, &je);
	if (!report)
		return es_error_set(ES_EINTERNAL, "a kept report is not JSON: %s", je.text);
	x->doc = json_pack("{s:s, s:s, s:{s:I, s:s, s:s, s:o}, s:o}", "created", created, "expires", expires, "document",
			   "size", (json_int_t)c[2].i, "sm3", sm3, "sha256", sha, "original_sm3",
			   has_orig ? json_string(orig) : json_null(), "report", report);
	if (!x->doc)
		return es_error_set(ES_ENOMEM, "out of memory");
	return 1;
}

int es_platform_verification_get(es_platform *p, const char *id, es_buf *out)
{
	ES_ASSERT_ARG(p && id && out);
	get_ctx x = { 0 };
	if (strlen(id) != ES_VERIFICATION_ID_LEN - 1 || strspn(id, "0123456789abcdef") != ES_VERIFICATION_ID_LEN - 1)
		return es_error_set(ES_ENOTFOUND, "no such verification: an id is %d lower-case hex digits",
				    ES_VERIFICATION_ID_LEN - 1);
	es_sval pv[2] = { ES_SV_S(id), ES_SV_I(es_platform__now(p)) };
	int err = es_store_exec(p->st,
				"SELECT created_at, expires_at, doc_size, doc_sm3, doc_sha256, original_sm3, verdict, report "
				"FROM verifications WHERE id = ? AND expires_at > ?",
				pv, 2, get_row, &x, NULL);
	if (err < 0) {
		json_decref(x.doc);
		return err;
	}
	if (!x.doc)
		return es_error_set(ES_ENOTFOUND, "no such verification, or it has expired");
	json_object_set_new(x.doc, "id", json_string(id));
	char *s = json_dumps(x.doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(x.doc);
	if (!s)
		return es_error_set(ES_ENOMEM, "out of memory");
	err = es_buf_puts(out, s);
	free(s); /* jansson's */
	return err;
}
