/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Use approval (用印申请), usage records (用章记录), signing with a platform seal,
 * device seals and their batch authorisations, software tokens behind PINs (R2, R6). */
#include "es_int.h"
#include "platform_int.h"
#include "estime.h"
#include "text.h"
#include "eseal/es_keystore.h"
#include <errno.h>

#define PIN_ITERATIONS 20000u
#define PIN_MIN 6
#define PIN_MAX 64
#define PURPOSE_MAX 512

#define hex es_hex

/* ---- usage records ------------------------------------------------------------ */

int es_platform__usage(es_platform *p, int64_t actor, const char *esid, const uint8_t *doc_hash, int64_t request,
		       int64_t batch, int64_t *id_out)
{
	char detail[160], h[65] = "-";
	int64_t id, seq;
	int err;
	if (doc_hash)
		hex(h, doc_hash, 32);
	if ((err = es_store_next(p->st, &id, "usage")) < 0)
		return err;
	snprintf(detail, sizeof(detail), "usage %lld document %s request %lld batch %lld", (long long)id, h,
		 (long long)request, (long long)batch);
	if ((err = es_platform__audit(p, actor, "use", "seal", esid, detail, &seq)) < 0)
		return err;
	es_sval pv[8] = { ES_SV_I(id),
			  ES_SV_S(esid),
			  ES_SV_I(actor),
			  ES_SV_I(es_platform__now(p)),
			  doc_hash ? ES_SV_B(doc_hash, 32) : ES_SV_NUL,
			  request ? ES_SV_I(request) : ES_SV_NUL,
			  batch ? ES_SV_I(batch) : ES_SV_NUL,
			  ES_SV_I(seq) };
	if ((err = es_store_exec(p->st,
				 "INSERT INTO usage_records (id, esid, actor, at, doc_hash, request_id, batch_id, audit_seq) "
				 "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
				 pv, 8, NULL, NULL, NULL)) < 0)
		return err;
	if (id_out)
		*id_out = id;
	return 0;
}

int es_platform_usage_count(es_platform *p, const char *esid, int64_t *n)
{
	ES_ASSERT_ARG(p && esid && n);
	es_sval pv[1] = { ES_SV_S(esid) };
	return es_store_int(p->st, n, "SELECT COUNT(*) FROM usage_records WHERE esid = ?", pv, 1);
}

/* ---- seal rows --------------------------------------------------------------- */

typedef struct seal_row {
	int64_t unit_id;
	char custody[16]; /* "platform", "soft", "device", "keystore" */
	char location[ES_KEY_LOCATION_MAX + 1]; /* keystore: where the key is */
	bool found;
} seal_row;

static int seal_row_fn(void *vctx, const es_sval *c, size_t n)
{
	seal_row *s = vctx;
	if (n < 2)
		return ES_EINTERNAL;
	s->unit_id = c[0].i;
	es_platform__copy(s->custody, sizeof(s->custody), &c[1]);
	if (n > 2)
		es_platform__copy(s->location, sizeof(s->location), &c[2]);
	if (!s->custody[0])
		snprintf(s->custody, sizeof(s->custody), "platform");
	s->found = true;
	return 1;
}

static int seal_row_get(es_platform *p, const char *esid, seal_row *s)
{
	memset(s, 0, sizeof(*s));
	es_sval pv[1] = { ES_SV_S(esid) };
	int err = es_store_exec(p->st,
				"SELECT s.unit_id, t.kind, t.location FROM seals s LEFT JOIN tokens t ON t.esid = s.esid "
				"WHERE s.esid = ?",
				pv, 1, seal_row_fn, s, NULL);
	if (err == 0 && !s->found)
		err = es_error_set(ES_ENOTFOUND, "no seal %s", esid);
	return err;
}

/* The seal @esid, its key still held by the platform, for @actor to move into a token,
 * a key store or a device. */
static int platform_held_seal(es_platform *p, int64_t actor, const char *esid, seal_row *s)
{
	int err;
	if ((err = seal_row_get(p, esid, s)) < 0 ||
	    (err = es_platform__authorize(p, actor, ES_ACT_TOKEN, s->unit_id, NULL)) < 0)
		return err;
	if (strcmp(s->custody, "platform") != 0)
		return es_error_set(ES_ESTATE, "seal %s is already held in a %s token", esid, s->custody);
	return 0;
}

/* ---- use requests -------------------------------------------------------------- */

typedef struct use_ctx {
	int64_t actor;
	const char *esid;
	const uint8_t *hash;
	const char *purpose;
	int64_t id;
	bool approve;
	const char *reason;
	es_time from, to;
	const char *pin;
	es_sm2_key *key;
	es_keystore *ks;      /* the key is in a key store: sign through it */
	const char *label;    /* its label there */
	const char *note;     /* why a use was refused (audit detail) */
	es_buf *sig;
} use_ctx;

static int request_tx(es_platform *p, void *vctx)
{
	use_ctx *c = vctx;
	seal_row s;
	int err;
	char detail[128], h[65];
	if ((err = seal_row_get(p, c->esid, &s)) < 0 ||
	    (err = es_platform__authorize(p, c->actor, ES_ACT_USE_REQUEST, s.unit_id, NULL)) < 0)
		return err;
	/* a revoked, lost, suspended or expired seal is refused now, not only at signing */
	if ((err = es_platform__seal_usable(p, c->esid, NULL)) < 0)
		return es_error_wrap(err, "use request refused");
	if ((err = es_store_next(p->st, &c->id, "use_request")) < 0)
		return err;
	es_sval pv[6] = { ES_SV_I(c->id), ES_SV_S(c->esid), ES_SV_B(c->hash, 32), ES_SV_S(c->purpose), ES_SV_I(c->actor),
			  ES_SV_I(es_platform__now(p)) };
	if ((err = es_store_exec(p->st,
				 "INSERT INTO use_requests (id, esid, doc_hash, purpose, requested_by, state, created_at) "
				 "VALUES (?, ?, ?, ?, ?, 'requested', ?)",
				 pv, 6, NULL, NULL, NULL)) < 0)
		return err;
	hex(h, c->hash, 32);
	snprintf(detail, sizeof(detail), "request %lld for document %s", (long long)c->id, h);
	return es_platform__audit(p, c->actor, "use-request", "seal", c->esid, detail, NULL);
}

int es_platform_use_request(es_platform *p, const es_actor *who, const char *esid, const uint8_t doc_hash[32],
			    const char *purpose, int64_t *id)
{
	int64_t actor = es_platform__enter(p, who);
	ES_ASSERT_ARG(p && esid && doc_hash);
	int err = es_platform__check_text("purpose", purpose, PURPOSE_MAX, true);
	if (err < 0)
		return err;
	use_ctx c = { .actor = actor, .esid = esid, .hash = doc_hash, .purpose = purpose };
	if ((err = es_platform__tx(p, request_tx, &c)) < 0)
		return err;
	if (id)
		*id = c.id;
	return 0;
}

typedef struct req_row {
	char esid[15];
	uint8_t hash[32];
	char state[16];
	int64_t requested_by;
	bool found;
} req_row;

static int req_fn(void *vctx, const es_sval *c, size_t n)
{
	req_row *r = vctx;
	if (n < 4 || c[1].type != ES_SV_BLOB || c[1].len != 32)
		return es_error_set(ES_EDB, "use request row malformed");
	es_platform__copy(r->esid, sizeof(r->esid), &c[0]);
	memcpy(r->hash, c[1].b, 32);
	es_platform__copy(r->state, sizeof(r->state), &c[2]);
	r->requested_by = c[3].i;
	r->found = true;
	return 1;
}

static int req_get(es_platform *p, int64_t id, req_row *r)
{
	memset(r, 0, sizeof(*r));
	es_sval pv[1] = { ES_SV_I(id) };
	int err = es_store_exec(p->st, "SELECT esid, doc_hash, state, requested_by FROM use_requests WHERE id = ?", pv, 1,
				req_fn, r, NULL);
	if (err == 0 && !r->found)
		err = es_error_set(ES_ENOTFOUND, "no use request %lld", (long long)id);
	return err;
}

static int decide_tx(es_platform *p, void *vctx)
{
	use_ctx *c = vctx;
	req_row r;
	int64_t changes = 0;
	int err;
	if ((err = es_platform__authorize(p, c->actor, ES_ACT_USE_APPROVE, -1, NULL)) < 0 || (err = req_get(p, c->id, &r)) < 0)
		return err;
	char matter[48];
	snprintf(matter, sizeof(matter), "use request %lld", (long long)c->id);
	es_duty d[1] = { { r.requested_by, "requested" } };
	if ((err = es_platform__separate(p, c->actor, c->approve ? "approve" : "reject", matter, d, 1,
					 "ask another use approver")) < 0)
		return err;
	/* the seal may have been revoked, lost, suspended or expired since the request */
	if (c->approve && (err = es_platform__seal_usable(p, r.esid, NULL)) < 0)
		return es_error_wrap(err, "use request %lld cannot be approved", (long long)c->id);
	es_sval pv[5] = { ES_SV_S(c->approve ? "approved" : "rejected"), ES_SV_I(c->actor), ES_SV_S(c->reason),
			  ES_SV_I(es_platform__now(p)), ES_SV_I(c->id) };
	if ((err = es_store_exec(p->st,
				 "UPDATE use_requests SET state = ?, approver = ?, decision_reason = ?, decided_at = ? "
				 "WHERE id = ? AND state = 'requested'",
				 pv, 5, NULL, NULL, &changes)) < 0)
		return err;
	if (changes != 1)
		return es_error_set(ES_ESTATE, "use request %lld is %s: only a pending request is decided", (long long)c->id,
				    r.state);
	char detail[96];
	snprintf(detail, sizeof(detail), "request %lld %s", (long long)c->id, c->approve ? "approved" : "rejected");
	return es_platform__audit(p, c->actor, c->approve ? "use-approve" : "use-reject", "seal", r.esid, detail, NULL);
}

int es_platform_use_decide(es_platform *p, const es_actor *who, int64_t request, bool approve, const char *reason)
{
	int64_t approver = es_platform__enter(p, who);
	ES_ASSERT_ARG(p);
	int err = es_platform__check_text("reason", reason, PURPOSE_MAX, !approve);
	if (err < 0)
		return err;
	use_ctx c = { .actor = approver, .id = request, .approve = approve, .reason = reason };
	return es_platform__tx(p, decide_tx, &c);
}

int es_platform_use_state(es_platform *p, int64_t request, char *out, size_t cap)
{
	ES_ASSERT_ARG(p && out && cap);
	req_row r;
	int err = req_get(p, request, &r);
	if (err == 0)
		snprintf(out, cap, "%s", r.state);
	return err;
}

/* ---- software tokens ----------------------------------------------------------- */

typedef struct tok_row {
	uint8_t usalt[16], asalt[16];
	es_buf uwrap, awrap;
	int64_t iters, ufails, afails, locked, unlock_app;
	char kind[16];
	bool found;
} tok_row;

static int tok_fn(void *vctx, const es_sval *c, size_t n)
{
	tok_row *t = vctx;
	int err;
	if (n < 10)
		return ES_EINTERNAL;
	es_platform__copy(t->kind, sizeof(t->kind), &c[0]);
	if (c[1].type == ES_SV_BLOB && c[1].len == 16)
		memcpy(t->usalt, c[1].b, 16);
	if (c[3].type == ES_SV_BLOB && c[3].len == 16)
		memcpy(t->asalt, c[3].b, 16);
	if (c[2].type == ES_SV_BLOB && (err = es_buf_put(&t->uwrap, c[2].b, c[2].len)) < 0)
		return err;
	if (c[4].type == ES_SV_BLOB && (err = es_buf_put(&t->awrap, c[4].b, c[4].len)) < 0)
		return err;
	t->iters = c[5].i;
	t->ufails = c[6].i;
	t->afails = c[7].i;
	t->locked = c[8].i;
	t->unlock_app = c[9].type == ES_SV_INT ? c[9].i : 0;
	t->found = true;
	return 1;
}

static int tok_get(es_platform *p, const char *esid, tok_row *t)
{
	memset(t, 0, sizeof(*t));
	es_buf_init(&t->uwrap, ES_BUF_DEFAULT_MAX);
	es_buf_init(&t->awrap, ES_BUF_DEFAULT_MAX);
	es_sval pv[1] = { ES_SV_S(esid) };
	int err = es_store_exec(p->st,
				"SELECT kind, user_salt, user_wrap, admin_salt, admin_wrap, iterations, user_fails, "
				"admin_fails, locked, unlock_app FROM tokens WHERE esid = ?",
				pv, 1, tok_fn, t, NULL);
	if (err == 0 && !t->found)
		err = es_error_set(ES_ENOTFOUND, "seal %s has no token", esid);
	return err;
}

static void tok_release(tok_row *t)
{
	es_buf_release(&t->uwrap);
	es_buf_release(&t->awrap);
}

static int check_pin(const char *pin)
{
	size_t n = pin ? strlen(pin) : 0;
	if (n < PIN_MIN || n > PIN_MAX)
		return es_error_set(ES_EINVAL, "a PIN has %d to %d characters", PIN_MIN, PIN_MAX);
	return 0;
}

/* box AAD: "token:" esid ":" role */
static void tok_aad(char *out, size_t cap, const char *esid, const char *role)
{
	snprintf(out, cap, "token:%s:%s", esid, role);
}

static int wrap(es_buf *out, uint8_t salt[16], const char *pin, unsigned iters, const char *aad, const es_buf *pem)
{
	uint8_t k[ES_BOX_KEY_LEN];
	int err;
	if ((err = es_random(salt, 16)) < 0 ||
	    (err = es_pbkdf2_sm3(k, sizeof(k), pin, strlen(pin), salt, 16, iters)) < 0)
		goto done;
	err = es_box_seal(out, k, (const uint8_t *)aad, strlen(aad), pem->ptr, pem->len);
done:
	es_wipe(k, sizeof(k));
	return err;
}

/* 0 and the key PEM in @p pem, or ES_EVERIFY for a wrong PIN. */
static int unwrap(es_buf *pem, const uint8_t salt[16], const char *pin, unsigned iters, const char *aad,
		  const es_buf *blob)
{
	uint8_t k[ES_BOX_KEY_LEN];
	int err;
	if ((err = es_pbkdf2_sm3(k, sizeof(k), pin, strlen(pin), salt, 16, iters)) < 0)
		goto done;
	if (es_box_open(pem, k, (const uint8_t *)aad, strlen(aad), blob->ptr, blob->len) < 0) {
		es_error_clear();
		err = ES_EVERIFY;
	}
done:
	es_wipe(k, sizeof(k));
	return err;
}

static int token_init_tx(es_platform *p, void *vctx)
{
	use_ctx *c = vctx;
	const char *const *pins = (const char *const *)c->purpose; /* [user, admin] */
	seal_row s;
	es_sm2_key *key = NULL;
	es_buf pem = ES_BUF_INIT, uw = ES_BUF_INIT, aw = ES_BUF_INIT;
	uint8_t us[16], as[16];
	char aad[64];
	int err;
	if ((err = platform_held_seal(p, c->actor, c->esid, &s)) < 0)
		goto done;
	if ((err = es_platform__signer_key(p, c->esid, &key)) < 0 || (err = es_sm2_key_private_pem(&pem, key, NULL)) < 0)
		goto done;
	tok_aad(aad, sizeof(aad), c->esid, "user");
	if ((err = wrap(&uw, us, pins[0], PIN_ITERATIONS, aad, &pem)) < 0)
		goto done;
	tok_aad(aad, sizeof(aad), c->esid, "admin");
	if ((err = wrap(&aw, as, pins[1], PIN_ITERATIONS, aad, &pem)) < 0)
		goto done;
	{
		es_sval pv[7] = { ES_SV_S(c->esid), ES_SV_B(us, 16), ES_SV_B(uw.ptr, uw.len), ES_SV_B(as, 16),
				  ES_SV_B(aw.ptr, aw.len), ES_SV_I(PIN_ITERATIONS), ES_SV_I(es_platform__now(p)) };
		if ((err = es_store_exec(p->st,
					 "INSERT INTO tokens (esid, kind, user_salt, user_wrap, admin_salt, admin_wrap, "
					 "iterations, updated_at) VALUES (?, 'soft', ?, ?, ?, ?, ?, ?)",
					 pv, 7, NULL, NULL, NULL)) < 0)
			goto done;
	}
	/* the platform copy (under the data key) is destroyed: only the PINs open the key now */
	{
		es_sval pv[2] = { ES_SV_B("", 0), ES_SV_S(c->esid) };
		if ((err = es_store_exec(p->st, "UPDATE seals SET key_enc = ? WHERE esid = ?", pv, 2, NULL, NULL, NULL)) < 0)
			goto done;
	}
	err = es_platform__audit(p, c->actor, "token-init", "seal", c->esid, "software token (user and admin PIN)", NULL);
done:
	es_sm2_key_free(key);
	es_buf_release_secret(&pem);
	es_buf_release(&uw);
	es_buf_release(&aw);
	return err;
}

int es_platform_token_init(es_platform *p, const es_actor *who, const char *esid, const char *user_pin, const char *admin_pin)
{
	int64_t actor = es_platform__enter(p, who);
	ES_ASSERT_ARG(p && esid);
	int err;
	if ((err = check_pin(user_pin)) < 0 || (err = check_pin(admin_pin)) < 0)
		return err;
	if (strcmp(user_pin, admin_pin) == 0)
		return es_error_set(ES_EINVAL, "the user PIN and the administrator PIN must differ");
	const char *pins[2] = { user_pin, admin_pin };
	use_ctx c = { .actor = actor, .esid = esid, .purpose = (const char *)pins };
	return es_platform__tx(p, token_init_tx, &c);
}

typedef struct open_ctx {
	int64_t actor;
	const char *esid;
	const char *pin;
	bool admin;
	es_buf *pem;   /* out */
	bool wrong;    /* committed a failure */
	bool locked_now;
	bool was_locked; /* refused without trying: the token was locked already */
} open_ctx;

/* Check a PIN; a wrong one is counted (and committed) before the refusal. */
static int open_tx(es_platform *p, void *vctx)
{
	open_ctx *c = vctx;
	tok_row t;
	char aad[64];
	int err;
	c->wrong = c->locked_now = c->was_locked = false;
	c->pem->len = 0;
	if ((err = tok_get(p, c->esid, &t)) < 0)
		goto done;
	if (strcmp(t.kind, "soft") != 0) {
		err = es_error_set(ES_ESTATE, "seal %s is held in a %s, not a software token", c->esid, t.kind);
		goto done;
	}
	if (c->admin ? t.afails >= ES_PIN_TRIES : t.locked) {
		c->was_locked = true;
		char detail[64];
		snprintf(detail, sizeof(detail), "%s PIN refused: token locked", c->admin ? "admin" : "user");
		if ((err = es_platform__audit(p, c->actor, "pin-refused", "seal", c->esid, detail, NULL)) < 0)
			goto done;
		c->wrong = true;
		goto done;
	}
	tok_aad(aad, sizeof(aad), c->esid, c->admin ? "admin" : "user");
	err = unwrap(c->pem, c->admin ? t.asalt : t.usalt, c->pin, (unsigned)t.iters, aad, c->admin ? &t.awrap : &t.uwrap);
	if (err == ES_EVERIFY) {
		int64_t fails = (c->admin ? t.afails : t.ufails) + 1;
		bool lock = fails >= ES_PIN_TRIES;
		es_sval pv[3] = { ES_SV_I(fails), ES_SV_I(es_platform__now(p)), ES_SV_S(c->esid) };
		err = es_store_exec(p->st,
				    c->admin ? "UPDATE tokens SET admin_fails = ?, updated_at = ? WHERE esid = ?"
					     : "UPDATE tokens SET user_fails = ?, updated_at = ? WHERE esid = ?",
				    pv, 3, NULL, NULL, NULL);
		if (err == 0 && lock && !c->admin) {
			es_sval lv[1] = { ES_SV_S(c->esid) };
			err = es_store_exec(p->st, "UPDATE tokens SET locked = 1 WHERE esid = ?", lv, 1, NULL, NULL, NULL);
		}
		char detail[96];
		snprintf(detail, sizeof(detail), "wrong %s PIN (%lld of %d)%s", c->admin ? "admin" : "user",
			 (long long)fails, ES_PIN_TRIES, lock ? ": token locked" : "");
		if (err == 0)
			err = es_platform__audit(p, c->actor, lock ? "pin-locked" : "pin-failed", "seal", c->esid, detail,
						 NULL);
		c->wrong = true;
		c->locked_now = lock;
		goto done;
	}
	if (err < 0)
		goto done;
	if (!c->admin && t.ufails > 0) {
		es_sval pv[1] = { ES_SV_S(c->esid) };
		err = es_store_exec(p->st, "UPDATE tokens SET user_fails = 0 WHERE esid = ?", pv, 1, NULL, NULL, NULL);
	}
done:
	tok_release(&t);
	return err;
}

static int token_open(es_platform *p, int64_t actor, const char *esid, const char *pin, bool admin, es_buf *pem)
{
	open_ctx c = { actor, esid, pin ? pin : "", admin, pem, false, false, false };
	int err = es_platform__tx(p, open_tx, &c);
	if (err < 0)
		return err;
	if (c.wrong) {
		es_buf_release_secret(pem);
		/* a locked token is a state (ES_ESTATE); a wrong PIN fails the holder's authentication (ES_EAUTH) */
		if (c.was_locked)
			return es_error_set(ES_ESTATE, "PIN refused: the token is locked: %s",
					    admin ? "the administrator PIN tries are used up" : "file a PIN-unlock application");
		return es_error_set(ES_EAUTH, "PIN refused: %s",
				    c.locked_now ? "wrong PIN, the token is now locked: file a PIN-unlock application"
						 : "wrong PIN (the tries are counted; a locked token needs a PIN-unlock "
						   "application)");
	}
	return 0;
}

int es_platform_token_check(es_platform *p, const es_actor *who, const char *esid, const char *user_pin)
{
	int64_t actor = es_platform__enter(p, who);
	ES_ASSERT_ARG(p && esid);
	es_buf pem = ES_BUF_INIT;
	seal_row s;
	int err;
	if ((err = seal_row_get(p, esid, &s)) < 0 || (err = es_platform__authorize(p, actor, ES_ACT_SEAL_USE, -1, NULL)) < 0)
		return err;
	err = token_open(p, actor, esid, user_pin, false, &pem);
	es_buf_release_secret(&pem);
	return err;
}

typedef struct rewrap_ctx {
	int64_t actor;
	const char *esid;
	const char *new_pin;
	const es_buf *pem;
	bool reset;   /* admin reset: consume the unlock grant */
} rewrap_ctx;

static int rewrap_tx(es_platform *p, void *vctx)
{
	rewrap_ctx *c = vctx;
	es_buf uw = ES_BUF_INIT;
	uint8_t us[16];
	char aad[64];
	int64_t changes = 0;
	int err;
	tok_aad(aad, sizeof(aad), c->esid, "user");
	if ((err = wrap(&uw, us, c->new_pin, PIN_ITERATIONS, aad, c->pem)) < 0)
		goto done;
	es_sval pv[5] = { ES_SV_B(us, 16), ES_SV_B(uw.ptr, uw.len), ES_SV_I(PIN_ITERATIONS), ES_SV_I(es_platform__now(p)),
			  ES_SV_S(c->esid) };
	err = es_store_exec(p->st,
			    c->reset ? "UPDATE tokens SET user_salt = ?, user_wrap = ?, iterations = ?, updated_at = ?, "
				       "user_fails = 0, admin_fails = 0, locked = 0, unlock_app = NULL "
				       "WHERE esid = ? AND unlock_app IS NOT NULL"
				     : "UPDATE tokens SET user_salt = ?, user_wrap = ?, iterations = ?, updated_at = ?, "
				       "user_fails = 0 WHERE esid = ? AND locked = 0",
			    pv, 5, NULL, NULL, &changes);
	if (err < 0)
		goto done;
	if (changes != 1) {
		err = es_error_set(ES_ECONFLICT, "the token of seal %s changed meanwhile: try again", c->esid);
		goto done;
	}
	err = es_platform__audit(p, c->actor, c->reset ? "pin-reset" : "pin-change", "seal", c->esid,
				 c->reset ? "user PIN reset and token unlocked after a PIN-unlock application"
					  : "user PIN changed by the holder",
				 NULL);
done:
	es_buf_release(&uw);
	return err;
}

int es_platform_token_change_pin(es_platform *p, const es_actor *who, const char *esid, const char *old_pin,
				 const char *new_pin)
{
	int64_t actor = es_platform__enter(p, who);
	ES_ASSERT_ARG(p && esid);
	es_buf pem = ES_BUF_INIT;
	int err;
	if ((err = check_pin(new_pin)) < 0 || (err = es_platform__authorize(p, actor, ES_ACT_SEAL_USE, -1, NULL)) < 0)
		return err;
	if ((err = token_open(p, actor, esid, old_pin, false, &pem)) < 0)
		return err;
	rewrap_ctx c = { actor, esid, new_pin, &pem, false };
	err = es_platform__tx(p, rewrap_tx, &c);
	es_buf_release_secret(&pem);
	return err;
}

int es_platform_token_reset(es_platform *p, const es_actor *who, const char *esid, const char *admin_pin, const char *new_pin)
{
	int64_t actor = es_platform__enter(p, who);
	ES_ASSERT_ARG(p && esid);
	es_buf pem = ES_BUF_INIT;
	seal_row s;
	tok_row t;
	int err;
	if ((err = check_pin(new_pin)) < 0 || (err = seal_row_get(p, esid, &s)) < 0 ||
	    (err = es_platform__authorize(p, actor, ES_ACT_TOKEN, s.unit_id, NULL)) < 0)
		return err;
	if ((err = tok_get(p, esid, &t)) < 0) {
		tok_release(&t);
		return err;
	}
	int64_t grant = t.unlock_app;
	tok_release(&t);
	if (!grant)
		return es_error_set(ES_ESTATE, "the PIN of seal %s is reset only after a PIN-unlock application (口令解锁) "
						"was carried out: file one",
				    esid);
	if ((err = token_open(p, actor, esid, admin_pin, true, &pem)) < 0)
		return err;
	rewrap_ctx c = { actor, esid, new_pin, &pem, true };
	err = es_platform__tx(p, rewrap_tx, &c);
	es_buf_release_secret(&pem);
	return err;
}

int es_platform_token_status(es_platform *p, const char *esid, bool *locked, int *fails)
{
	ES_ASSERT_ARG(p && esid);
	tok_row t;
	int err = tok_get(p, esid, &t);
	if (err == 0) {
		if (locked)
			*locked = t.locked != 0;
		if (fails)
			*fails = (int)t.ufails;
	}
	tok_release(&t);
	return err;
}

int es_platform__token_grant_unlock(es_platform *p, const char *esid, int64_t app_id)
{
	es_sval pv[3] = { ES_SV_I(app_id), ES_SV_I(es_platform__now(p)), ES_SV_S(esid) };
	char detail[64];
	int64_t changes = 0;
	int err = es_store_exec(p->st, "UPDATE tokens SET unlock_app = ?, updated_at = ? WHERE esid = ? AND kind = 'soft'",
				pv, 3, NULL, NULL, &changes);
	if (err < 0 || changes == 0)
		return err; /* no software token: nothing to unlock on the platform (a device unlocks itself) */
	snprintf(detail, sizeof(detail), "PIN unlock granted by application %lld", (long long)app_id);
	return es_platform__audit(p, ES_ACCOUNT_SYSTEM, "pin-unlock-granted", "seal", esid, detail, NULL);
}

/* ---- signing with a platform seal ----------------------------------------------- */

typedef struct der_ctx {
	es_buf *seal, *cert;
	bool found;
} der_ctx;

static int der_fn(void *vctx, const es_sval *c, size_t n)
{
	der_ctx *d = vctx;
	int err;
	if (n < 2 || c[0].type != ES_SV_BLOB || c[1].type != ES_SV_BLOB)
		return ES_EINTERNAL;
	if ((err = es_buf_put(d->seal, c[0].b, c[0].len)) < 0 || (err = es_buf_put(d->cert, c[1].b, c[1].len)) < 0)
		return err;
	d->found = true;
	return 1;
}

/* es_sign_digest_fn: the key store signs e (raw r|s); nothing secret passes here. */
static int ks_sign_fn(es_buf *sig, const uint8_t e[32], void *payload)
{
	use_ctx *c = payload;
	uint8_t raw[64];
	int err = es_keystore_sign_digest(c->ks, c->label, e, raw);
	if (err == 0)
		err = es_buf_put(sig, raw, sizeof(raw));
	return err;
}

static int sign_tx(es_platform *p, void *vctx)
{
	use_ctx *c = vctx;
	es_buf sd = ES_BUF_INIT, cd = ES_BUF_INIT;
	es_ses_signer *signer = NULL;
	es_seal *seal = NULL;
	es_cert *cert = NULL;
	int err;
	c->sig->len = 0;
	if ((err = es_platform__request_covers(p, c->id, c->esid, c->hash)) < 0 ||
	    (err = es_platform__use_check(p, c->actor, c->esid)) < 0 || (err = es_platform__request_use(p, c->id, c->esid)) < 0)
		goto done;
	{
		der_ctx d = { &sd, &cd, false };
		es_sval qv[1] = { ES_SV_S(c->esid) };
		if ((err = es_store_exec(p->st, "SELECT seal_der, cert_der FROM seals WHERE esid = ?", qv, 1, der_fn, &d,
					 NULL)) < 0)
			goto done;
	}
	if ((err = es_seal_parse(&seal, sd.ptr, sd.len)) < 0 || (err = es_cert_from_der(&cert, cd.ptr, cd.len)) < 0)
		goto done;
	es_sign_options so = ES_SIGN_OPTIONS_INIT;
	so.data_hash = c->hash;
	so.time = es_platform__now(p); /* the platform's clock dates the signature */
	/* every signature the platform makes carries its TSA's time stamp: "signed before revocation" */
	so.tsa_cert = p->tsa;
	so.tsa_key = p->tsa_key;
	if (c->ks) {
		/* the key stays in the key store; the seal layer checks its signature against the certificate */
		if ((err = es_ses_signer_new_external(&signer, seal, cert, ks_sign_fn, c)) < 0 ||
		    (err = es_ses_signer_sign(signer, c->sig, &so)) < 0)
			goto done;
	} else if ((err = es_ses_sign(c->sig, &so, seal, cert, c->key)) < 0) {
		goto done;
	}
	err = es_platform__usage(p, c->actor, c->esid, c->hash, c->id, 0, NULL);
done:
	es_ses_signer_free(signer);
	es_seal_free(seal);
	es_cert_free(cert);
	es_buf_release(&sd);
	es_buf_release(&cd);
	return err;
}

static int denied_tx(es_platform *p, void *vctx)
{
	use_ctx *c = vctx;
	char detail[160];
	snprintf(detail, sizeof(detail), "refused: request %lld%s%s", (long long)c->id, c->note ? ": " : "",
		 c->note ? c->note : "");
	return es_platform__audit(p, c->actor, "use-refused", "seal", c->esid, detail, NULL);
}

/* ---- keys in key stores ------------------------------------------------------------ */

static bool loc_field_ok(const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)b[i] < 0x20 || (unsigned char)b[i] > 0x7e)
			return false;
	return true;
}

/* One '|'-separated field of @p text from *pos into @p out (cap incl. NUL). */
static int loc_field(char *out, size_t cap, const char *text, size_t *pos, const char *what)
{
	const char *b = text + *pos, *bar = strchr(b, '|');
	size_t n = bar ? (size_t)(bar - b) : strlen(b);
	if (n >= cap)
		return es_error_set(ES_EINVAL, "key location: the %s is longer than %zu bytes", what, cap - 1);
	memcpy(out, b, n);
	out[n] = 0;
	*pos += n + (bar ? 1 : 0);
	return bar ? 1 : 0;
}

static int loc_number(unsigned long *out, const char *s, const char *what)
{
	char *end = NULL;
	if (!s[0] || s[0] == '-' || s[0] == '+' || s[0] == ' ')
		return es_error_set(ES_EINVAL, "key location: the %s is not a number", what);
	errno = 0;
	unsigned long v = strtoul(s, &end, 0);
	if (errno || !end || *end)
		return es_error_set(ES_EINVAL, "key location: the %s is not a number (0x hex or decimal)", what);
	*out = v;
	return 0;
}

int es_platform_key_location_parse(es_key_location *out, const char *text)
{
	ES_ASSERT_ARG(out && text);
	size_t len = strlen(text), pos;
	int more, err;
	char mech[24], type[24];
	memset(out, 0, sizeof(*out));
	if (len == 0 || len > ES_KEY_LOCATION_MAX || !loc_field_ok(text, len))
		return es_error_set(ES_EINVAL, "key location: 1 to %d printable ASCII characters", ES_KEY_LOCATION_MAX);
	if (strncmp(text, "token:", 6) == 0) {
		if (es_esid_check(text + 6) < 0)
			return es_error_set(ES_EINVAL, "key location: 'token:ESID' names a seal by its 14-digit esID");
		snprintf(out->kind, sizeof(out->kind), "token");
		snprintf(out->esid, sizeof(out->esid), "%s", text + 6);
		snprintf(out->key_label, sizeof(out->key_label), "%s", text + 6);
		return 0;
	}
	if (strncmp(text, "pkcs11:", 7) != 0)
		return es_error_set(ES_EINVAL, "key location: 'token:ESID' or 'pkcs11:MODULE|TOKEN|KEY[|MECHANISM|KEYTYPE]'");
	snprintf(out->kind, sizeof(out->kind), "pkcs11");
	pos = 7;
	if ((more = loc_field(out->module, sizeof(out->module), text, &pos, "module path")) < 0)
		return more;
	if (out->module[0] != '/')
		return es_error_set(ES_EINVAL, "key location: the PKCS#11 module is given by its absolute path");
	if (!more || (more = loc_field(out->token_label, sizeof(out->token_label), text, &pos, "token label")) < 0 ||
	    !more)
		return more < 0 ? more : es_error_set(ES_EINVAL, "key location: pkcs11:MODULE|TOKEN|KEY needs a key label");
	if ((more = loc_field(out->key_label, sizeof(out->key_label), text, &pos, "key label")) < 0)
		return more;
	if (!out->key_label[0])
		return es_error_set(ES_EINVAL, "key location: the key label is empty");
	if (!more)
		return 0;
	if ((more = loc_field(mech, sizeof(mech), text, &pos, "mechanism")) < 0)
		return more;
	if (!more)
		return es_error_set(ES_EINVAL, "key location: the SM2 mechanism comes with the vendor's key type");
	if ((more = loc_field(type, sizeof(type), text, &pos, "key type")) < 0)
		return more;
	if (more)
		return es_error_set(ES_EINVAL, "key location: too many fields");
	if ((err = loc_number(&out->mechanism, mech, "mechanism")) < 0 || (err = loc_number(&out->key_type, type, "key type")) < 0)
		return err;
	return 0;
}

/* Open the key store holding the key of seal @p esid (custody "soft" or "keystore"). */
static int keystore_open(es_platform *p, int64_t actor, const char *esid, const seal_row *s, es_key_location *loc,
			 es_keystore **ks)
{
	int err;
	*ks = NULL;
	if (strcmp(s->custody, "soft") == 0) {
		memset(loc, 0, sizeof(*loc));
		snprintf(loc->kind, sizeof(loc->kind), "token");
		snprintf(loc->esid, sizeof(loc->esid), "%s", esid);
		snprintf(loc->key_label, sizeof(loc->key_label), "%s", esid);
	} else if ((err = es_platform_key_location_parse(loc, s->location)) < 0) {
		return es_error_set(ES_EDB, "seal %s: stored key location unreadable", esid);
	}
	if (strcmp(loc->kind, "token") == 0)
		return es_platform_token_keystore(p, es_platform__who(p, actor), loc->esid, ks);
	es_pkcs11_options o = ES_PKCS11_OPTIONS_INIT;
	o.module = loc->module;
	o.token_label = loc->token_label[0] ? loc->token_label : NULL;
	o.sm2_mechanism = loc->mechanism;
	o.sm2_key_type = loc->key_type;
	if ((err = es_keystore_pkcs11_open(ks, &o)) < 0) {
		es_error saved = *es_error_last();
		return es_error_set(err, "seal %s: the key store is unreachable (%s)", esid, saved.message);
	}
	return 0;
}

typedef struct pinfail_ctx {
	int64_t actor;
	const char *esid;
	int fails;
	bool locked;
} pinfail_ctx;

static int pinfail_tx(es_platform *p, void *vctx)
{
	pinfail_ctx *c = vctx;
	char detail[96];
	snprintf(detail, sizeof(detail), "PKCS#11 key store refused the user PIN (%d of %d)%s", c->fails, ES_KEYSTORE_PIN_TRIES,
		 c->locked ? ": locked" : "");
	return es_platform__audit(p, c->actor, c->locked ? "pin-locked" : "pin-failed", "seal", c->esid, detail, NULL);
}

/* Log out of @ks (when @logout) and close it: a failing logout changes nothing about the
 * outcome @err of the work done (the session ends with close). */
static void keystore_end(es_keystore *ks, bool logout, int err)
{
	if (!ks)
		return;
	es_error saved = *es_error_last();
	if (logout && es_keystore_logout(ks) < 0) {
		if (err < 0)
			es_error_set(saved.code, "%s", saved.message);
		else
			es_error_clear();
	}
	es_keystore_close(ks);
}

/* User PIN login; refusals say what the holder does next (never the PIN). A software
 * token counts and audits its own failures; a PKCS#11 refusal is audited here. */
static int keystore_login(es_platform *p, int64_t actor, const char *esid, const es_key_location *loc, es_keystore *ks,
			  const char *pin)
{
	int err = es_keystore_login(ks, pin ? pin : "");
	if (err != ES_EAUTH && err != ES_ESTATE)
		return err;
	if (strcmp(loc->kind, "token") == 0) {
		bool locked = false;
		int fails = 0;
		es_error saved = *es_error_last();
		if (es_platform_token_status(p, loc->esid, &locked, &fails) < 0)
			return es_error_set(saved.code, "%s", saved.message);
		if (locked)
			return es_error_set(err, "PIN refused: the software token%s%s is locked: file a PIN-unlock "
							"application",
					    strcmp(loc->esid, esid) != 0 ? " of seal " : "",
					    strcmp(loc->esid, esid) != 0 ? loc->esid : "");
		return es_error_set(ES_EAUTH, "PIN refused: wrong PIN (%d of %d wrong tries before the token locks)", fails,
				    ES_PIN_TRIES);
	}
	{
		es_error saved = *es_error_last();
		pinfail_ctx pc = { actor, esid, 0, false };
		es_keystore_pin_state(ks, &pc.fails, &pc.locked);
		if (es_platform__tx(p, pinfail_tx, &pc) < 0)
			es_error_clear();
		return es_error_set(saved.code, "seal %s: PIN refused: %s", esid, saved.message);
	}
}

int es_platform_seal_sign(es_platform *p, const es_actor *who, const char *esid, const uint8_t doc_hash[32], int64_t request,
			  const char *pin, es_buf *sig_out)
{
	int64_t actor = es_platform__enter(p, who);
	ES_ASSERT_ARG(p && esid && doc_hash && sig_out);
	seal_row s;
	es_buf sig = ES_BUF_INIT;
	es_sm2_key *key = NULL;
	es_keystore *ks = NULL;
	es_key_location loc;
	int err;
	use_ctx c = { .actor = actor, .esid = esid, .hash = doc_hash, .id = request, .sig = &sig };
	if ((err = seal_row_get(p, esid, &s)) < 0)
		return err;
	if ((err = es_platform__authorize(p, actor, ES_ACT_SEAL_USE, -1, NULL)) < 0)
		goto refused;
	if (strcmp(s.custody, "device") == 0) {
		err = es_error_set(ES_EDENIED, "seal %s is a device seal: its key never enters the platform, the device "
					       "signs under a batch authorisation",
				   esid);
		goto refused;
	}
	if (request <= 0) {
		err = es_error_set(ES_EDENIED, "no use request: every use of seal %s needs an approved use request", esid);
		goto refused;
	}
	if (strcmp(s.custody, "soft") == 0 || strcmp(s.custody, "keystore") == 0) {
		/* software token or key store: log in with the user PIN, sign through the key-store interface */
		if ((err = keystore_open(p, actor, esid, &s, &loc, &ks)) < 0 || (err = keystore_login(p, actor, esid, &loc, ks, pin)) < 0)
			goto done;
		c.ks = ks;
		c.label = loc.key_label;
	} else if ((err = es_platform__signer_key(p, esid, &key)) < 0) {
		goto done;
	} else {
		c.key = key;
	}
	if ((err = es_platform__tx(p, sign_tx, &c)) < 0) {
		if (err == ES_EVERIFY) {
			/* the store signed with another key than the certificate's: nothing was used up */
			es_error saved = *es_error_last();
			es_error_set(ES_EVERIFY, "seal %s: %s", esid, saved.message);
			c.note = "the key store's key does not match the seal's certificate";
			goto refused;
		}
		if (err == ES_EDENIED || err == ES_ESTATE || err == ES_ECONFLICT)
			goto refused;
		goto done;
	}
	err = es_buf_put(sig_out, sig.ptr, sig.len);
	goto done;
refused:
	/* the refusal itself is audited; the original message is kept */
	es_platform__use_refused(p, c.actor, c.esid, c.id, c.note);
done:
	keystore_end(ks, true, err);
	es_sm2_key_free(key);
	es_buf_release(&sig);
	return err;
}

/* ---- device seals ------------------------------------------------------------------ */

/* Binding a seal to a key held outside the platform: a device (its CSR) or a key store. */
typedef struct dev_ctx {
	int64_t actor;
	const char *esid;
	const es_sm2_key *pub;   /* the outside key: the new certificate is issued for it */
	const char *kind;        /* tokens.kind: "device" or "keystore" */
	const char *location;    /* keystore: tokens.location; NULL for a device */
	const char *token_esid;  /* "token:ESID": the seal whose software token holds the key */
	const char *event, *detail; /* audit */
	es_buf *cert_out;
} dev_ctx;

typedef struct remake_row {
	es_buf seal;
	char kind[32], function[32];
	int64_t unit_id;
	bool found;
} remake_row;

static int remake_fn(void *vctx, const es_sval *c, size_t n)
{
	remake_row *r = vctx;
	if (n < 4 || c[0].type != ES_SV_BLOB)
		return ES_EINTERNAL;
	int err = es_buf_put(&r->seal, c[0].b, c[0].len);
	es_platform__copy(r->kind, sizeof(r->kind), &c[1]);
	es_platform__copy(r->function, sizeof(r->function), &c[2]);
	r->unit_id = c[3].i;
	r->found = true;
	return err < 0 ? err : 1;
}

static int device_tx(es_platform *p, void *vctx)
{
	dev_ctx *c = vctx;
	seal_row s;
	remake_row r;
	es_seal *old = NULL;
	es_cert *cert = NULL;
	es_buf subj = ES_BUF_INIT, der = ES_BUF_INIT, name = ES_BUF_INIT, ptype = ES_BUF_INIT;
	const es_sm2_key *pub = c->pub;
	es_time now = es_platform__now(p);
	int err;
	memset(&r, 0, sizeof(r));
	es_buf_init(&r.seal, ES_BUF_DEFAULT_MAX);
	if ((err = platform_held_seal(p, c->actor, c->esid, &s)) < 0)
		goto done;
	if (c->token_esid) {
		/* the software token of another seal: its unit administrator too, and it must be a token */
		seal_row t;
		if ((err = seal_row_get(p, c->token_esid, &t)) < 0 ||
		    (err = es_platform__authorize(p, c->actor, ES_ACT_TOKEN, t.unit_id, NULL)) < 0)
			goto done;
		if (strcmp(t.custody, "soft") != 0) {
			err = es_error_set(ES_ESTATE, "seal %s is not held in a software token: put it in one first (token init)",
					   c->token_esid);
			goto done;
		}
	}
	es_sval pv[1] = { ES_SV_S(c->esid) };
	if ((err = es_store_exec(p->st, "SELECT seal_der, kind, function, unit_id FROM seals WHERE esid = ?", pv, 1,
				 remake_fn, &r, NULL)) < 0 ||
	    (err = es_seal_parse(&old, r.seal.ptr, r.seal.len)) < 0)
		goto done;
	const es_seal_fields *f = es_seal_fields_get(old);
	es_cert *prev = NULL;
	if (f->ncerts < 1 || (err = es_cert_from_der(&prev, f->certs[0].ptr, f->certs[0].len)) < 0) {
		if (!err)
			err = es_error_set(ES_EMALFORMED, "seal %s binds no certificate", c->esid);
		goto done;
	}
	/* the device certificate: same subject as the platform-issued one, the device's key */
	err = es_cert_subject_attr(&subj, prev, "CN");
	es_cert_free(prev);
	if (err < 0)
		goto done;
	{
		es_buf s2 = ES_BUF_INIT;
		es_buf o = ES_BUF_INIT;
		es_cert *pc = NULL;
		if ((err = es_cert_from_der(&pc, f->certs[0].ptr, f->certs[0].len)) == 0 &&
		    (err = es_cert_subject_attr(&o, pc, "O")) == 0 && (err = es_buf_put(&o, "", 1)) == 0 &&
		    (err = es_buf_put(&subj, "", 1)) == 0 &&
		    (err = es_buf_printf(&s2, "/C=CN/O=%s/CN=%s", (const char *)o.ptr, (const char *)subj.ptr)) == 0) {
			es_issue_options io = ES_ISSUE_OPTIONS_INIT;
			io.profile = ES_PROFILE_SIGNER;
			io.subject = (const char *)s2.ptr;
			io.not_before = now;
			io.not_after = es_cert_not_after(pc);
			err = es_cert_issue(&cert, &io, pub, p->root, p->root_key);
		}
		es_cert_free(pc);
		es_buf_release(&o);
		es_buf_release(&s2);
		if (err < 0)
			goto done;
	}
	{
		es_seal_make_options mo = ES_SEAL_MAKE_OPTIONS_INIT;
		es_cert *signers[1] = { cert };
		if ((err = es_buf_put(&name, f->name.ptr, f->name.len)) < 0 || (err = es_buf_put(&name, "", 1)) < 0 ||
		    (err = es_buf_put(&ptype, f->picture_type.ptr, f->picture_type.len)) < 0 ||
		    (err = es_buf_put(&ptype, "", 1)) < 0)
			goto done;
		mo.kind = es_seal_kind_from_name(r.kind);
		mo.function = r.function[0] ? es_seal_function_from_name(r.function) : 0;
		mo.esid = c->esid;
		mo.name = (const char *)name.ptr;
		mo.vid = "ESEAL-PLATFORM";
		mo.signers = signers;
		mo.nsigners = 1;
		mo.picture_type = (const char *)ptype.ptr;
		mo.picture = f->picture.ptr;
		mo.picture_len = f->picture.len;
		mo.width_mm = (unsigned)f->picture_width;
		mo.height_mm = (unsigned)f->picture_height;
		if ((err = es_seal_make(&der, &mo, p->maker, p->maker_key, NULL)) < 0)
			goto done;
	}
	{
		es_bytes cd = es_cert_der(cert);
		es_sval uv[6] = { ES_SV_B(der.ptr, der.len), ES_SV_B(cd.ptr, cd.len), ES_SV_B("", 0),
				  ES_SV_I(es_cert_not_before(cert)), ES_SV_I(es_cert_not_after(cert)), ES_SV_S(c->esid) };
		if ((err = es_store_exec(p->st,
					 "UPDATE seals SET seal_der = ?, cert_der = ?, key_enc = ?, valid_start = ?, "
					 "valid_end = ? WHERE esid = ?",
					 uv, 6, NULL, NULL, NULL)) < 0)
			goto done;
		es_sval tv[6] = { ES_SV_S(c->esid), ES_SV_S(c->kind), ES_SV_B(cd.ptr, cd.len), ES_SV_I(PIN_ITERATIONS),
				  ES_SV_I(now), c->location ? ES_SV_S(c->location) : ES_SV_NUL };
		if ((err = es_store_exec(p->st,
					 "INSERT INTO tokens (esid, kind, device_cert, iterations, updated_at, location) "
					 "VALUES (?, ?, ?, ?, ?, ?)",
					 tv, 6, NULL, NULL, NULL)) < 0)
			goto done;
		if ((err = es_platform__audit(p, c->actor, c->event, "seal", c->esid, c->detail, NULL)) < 0)
			goto done;
		c->cert_out->len = 0;
		err = es_buf_put(c->cert_out, cd.ptr, cd.len);
	}
done:
	es_seal_free(old);
	es_cert_free(cert);
	es_buf_release(&r.seal);
	es_buf_release(&subj);
	es_buf_release(&der);
	es_buf_release(&name);
	es_buf_release(&ptype);
	return err;
}

int es_platform_seal_bind_device(es_platform *p, const es_actor *who, const char *esid, const uint8_t *csr, size_t csr_len,
				 es_buf *cert_out)
{
	int64_t actor = es_platform__enter(p, who);
	ES_ASSERT_ARG(p && esid && csr && cert_out);
	es_csr *r = NULL;
	es_buf tmp = ES_BUF_INIT;
	const es_sm2_key *pub = NULL;
	int err = es_csr_parse(&r, csr, csr_len);
	if (err < 0)
		return err;
	if ((err = es_csr_pubkey(&pub, r)) < 0) {
		es_csr_free(r);
		return err;
	}
	dev_ctx c = { actor,	 esid, pub, "device", NULL, NULL, "device-bind",
		      "certificate issued from the device's PKCS#10 request; platform key destroyed", &tmp };
	if ((err = es_platform__tx(p, device_tx, &c)) == 0)
		err = es_buf_put(cert_out, tmp.ptr, tmp.len);
	es_csr_free(r);
	es_buf_release(&tmp);
	return err;
}

/* The key store proves it holds the key: it signs a random digest that verifies with @p pt. */
static int keystore_possession(es_keystore *ks, const char *label, const es_sm2_key *pub)
{
	uint8_t dg[32], raw[64];
	es_buf der = ES_BUF_INIT;
	int err;
	if ((err = es_random(dg, sizeof(dg))) < 0 || (err = es_keystore_sign_digest(ks, label, dg, raw)) < 0 ||
	    (err = es_sm2_sig_raw_to_der(&der, raw)) < 0)
		goto done;
	if (es_sm2_verify_digest(pub, dg, der.ptr, der.len) != 0)
		err = es_error_set(ES_EVERIFY, "the key store's signature does not verify with the key labelled '%s'", label);
done:
	es_buf_release(&der);
	return err;
}

int es_platform_seal_bind_keystore(es_platform *p, const es_actor *who, const char *esid, const char *location,
				   const char *pin, es_buf *cert_out)
{
	int64_t actor = es_platform__enter(p, who);
	ES_ASSERT_ARG(p && esid && location && cert_out);
	es_key_location loc;
	seal_row s;
	es_keystore *ks = NULL;
	es_sm2_key *pub = NULL;
	es_buf tmp = ES_BUF_INIT;
	uint8_t pt[65];
	char detail[ES_KEY_LOCATION_MAX + 96];
	int err;
	if ((err = es_platform_key_location_parse(&loc, location)) < 0 || (err = seal_row_get(p, esid, &s)) < 0 ||
	    (err = es_platform__authorize(p, actor, ES_ACT_TOKEN, s.unit_id, NULL)) < 0)
		return err;
	if (strcmp(loc.kind, "token") == 0 && strcmp(loc.esid, esid) == 0)
		return es_error_set(ES_EINVAL, "seal %s cannot hold its own key: put it in a software token with token init",
				    esid);
	/* reach the store and read the key's public point (outside the transaction) */
	{
		seal_row where = s;
		snprintf(where.custody, sizeof(where.custody), "keystore");
		snprintf(where.location, sizeof(where.location), "%s", location);
		if ((err = keystore_open(p, actor, esid, &where, &loc, &ks)) < 0)
			goto done;
	}
	if (pin && (err = keystore_login(p, actor, esid, &loc, ks, pin)) < 0)
		goto done;
	if ((err = es_keystore_find_key(ks, loc.key_label, pt)) < 0)
		goto done;
	if ((err = es_sm2_key_from_point(&pub, pt)) < 0) {
		err = es_error_set(ES_EINVAL, "the key labelled '%s' is not an SM2 key (give the vendor's SM2 mechanism and "
					      "key type in the location)",
				   loc.key_label);
		goto done;
	}
	if (pin && (err = keystore_possession(ks, loc.key_label, pub)) < 0)
		goto done;
	snprintf(detail, sizeof(detail), "certificate issued for the key at %s; platform key destroyed", location);
	{
		dev_ctx c = { actor, esid, pub, "keystore", location, strcmp(loc.kind, "token") == 0 ? loc.esid : NULL,
			      "keystore-bind", detail, &tmp };
		if ((err = es_platform__tx(p, device_tx, &c)) == 0)
			err = es_buf_put(cert_out, tmp.ptr, tmp.len);
	}
done:
	keystore_end(ks, pin != NULL, err);
	es_sm2_key_free(pub);
	es_buf_release(&tmp);
	return err;
}

int es_platform_seal_key_location(es_platform *p, const char *esid, char *out, size_t cap)
{
	ES_ASSERT_ARG(p && esid && out && cap);
	seal_row s;
	int err = seal_row_get(p, esid, &s);
	if (err == 0)
		snprintf(out, cap, "%s", strcmp(s.custody, "keystore") == 0 ? s.location : "");
	return err;
}

static int batch_tx(es_platform *p, void *vctx)
{
	use_ctx *c = vctx;
	seal_row s;
	char detail[128], f[32], t[32];
	int err;
	if ((err = es_platform__authorize(p, c->actor, ES_ACT_USE_APPROVE, -1, NULL)) < 0 ||
	    (err = seal_row_get(p, c->esid, &s)) < 0)
		return err;
	if (strcmp(s.custody, "device") != 0)
		return es_error_set(ES_ESTATE, "seal %s is not a device seal: a batch authorisation covers device seals "
						"only; platform seals need one use request per document",
				    c->esid);
	if (c->to <= c->from)
		return es_error_set(ES_EINVAL, "the authorisation ends before it starts");
	if ((err = es_platform__seal_usable(p, c->esid, NULL)) < 0)
		return es_error_wrap(err, "batch authorisation refused");
	if ((err = es_store_next(p->st, &c->id, "batch_auth")) < 0)
		return err;
	es_sval pv[7] = { ES_SV_I(c->id),   ES_SV_S(c->esid), ES_SV_S(c->purpose),        ES_SV_I(c->actor),
			  ES_SV_I(c->from), ES_SV_I(c->to),   ES_SV_I(es_platform__now(p)) };
	if ((err = es_store_exec(p->st,
				 "INSERT INTO batch_auths (id, esid, purpose, approver, valid_from, valid_to, created_at) "
				 "VALUES (?, ?, ?, ?, ?, ?, ?)",
				 pv, 7, NULL, NULL, NULL)) < 0)
		return err;
	es_time_iso(f, c->from);
	es_time_iso(t, c->to);
	snprintf(detail, sizeof(detail), "batch authorisation %lld from %s to %s", (long long)c->id, f, t);
	return es_platform__audit(p, c->actor, "batch-authorise", "seal", c->esid, detail, NULL);
}

int es_platform_batch_authorise(es_platform *p, const es_actor *who, const char *esid, const char *purpose, es_time from,
				es_time to, int64_t *id)
{
	int64_t approver = es_platform__enter(p, who);
	ES_ASSERT_ARG(p && esid);
	int err = es_platform__check_text("purpose", purpose, PURPOSE_MAX, true);
	if (err < 0)
		return err;
	use_ctx c = { .actor = approver, .esid = esid, .purpose = purpose, .from = from, .to = to };
	if ((err = es_platform__tx(p, batch_tx, &c)) == 0 && id)
		*id = c.id;
	return err;
}

static int device_use_tx(es_platform *p, void *vctx)
{
	use_ctx *c = vctx;
	seal_row s;
	int64_t batch = 0;
	int err;
	if ((err = seal_row_get(p, c->esid, &s)) < 0)
		return err;
	if (strcmp(s.custody, "device") != 0)
		return es_error_set(ES_ESTATE, "seal %s is not a device seal: sign through the platform with an approved "
						"use request",
				    c->esid);
	if ((err = es_platform__use_check(p, c->actor, c->esid)) < 0)
		return err;
	if ((err = es_platform__batch_in_force(p, c->esid, &batch)) < 0)
		return err;
	return es_platform__usage(p, c->actor, c->esid, c->hash, 0, batch, &c->id);
}

int es_platform_device_use(es_platform *p, const es_actor *who, const char *esid, const uint8_t doc_hash[32],
			   int64_t *usage_id)
{
	int64_t actor = es_platform__enter(p, who);
	ES_ASSERT_ARG(p && esid && doc_hash);
	use_ctx c = { .actor = actor, .esid = esid, .hash = doc_hash };
	int err = es_platform__tx(p, device_use_tx, &c);
	if (err == ES_EDENIED || err == ES_ESTATE || err == ES_ECONFLICT)
		es_platform__use_refused(p, c.actor, c.esid, c.id, c.note);
	if (err == 0 && usage_id)
		*usage_id = c.id;
	return err;
}

/* ---- the software token behind the key-store interface ------------------------------ */

typedef struct soft_ks {
	es_platform *p;
	es_actor who; /* a copy: the key store outlives the call that opened it */
	char esid[15];
	es_sm2_key *key; /* after login */
} soft_ks;

static int soft_login(void *ctx, const char *pin)
{
	soft_ks *k = ctx;
	es_buf pem = ES_BUF_INIT;
	es_sm2_key_free(k->key);
	k->key = NULL;
	int err = token_open(k->p, es_platform__enter(k->p, &k->who), k->esid, pin, false, &pem);
	if (err == 0)
		err = es_sm2_key_from_pem(&k->key, pem.ptr, pem.len, NULL);
	es_buf_release_secret(&pem);
	return err;
}

static int soft_logout(void *ctx)
{
	soft_ks *k = ctx;
	es_sm2_key_free(k->key);
	k->key = NULL;
	return 0;
}

static int soft_find(void *ctx, const char *label, uint8_t pub[65])
{
	soft_ks *k = ctx;
	es_buf sd = ES_BUF_INIT, cd = ES_BUF_INIT;
	es_cert *cert = NULL;
	const es_sm2_key *pk = NULL;
	der_ctx d = { &sd, &cd, false };
	int err;
	if (strcmp(label, k->esid) != 0)
		return es_error_set(ES_ENOTFOUND, "the token of seal %s holds no key '%s'", k->esid, label);
	es_sval pv[1] = { ES_SV_S(k->esid) };
	if ((err = es_store_exec(k->p->st, "SELECT seal_der, cert_der FROM seals WHERE esid = ?", pv, 1, der_fn, &d,
				 NULL)) == 0 &&
	    (err = es_cert_from_der(&cert, cd.ptr, cd.len)) == 0 && (err = es_cert_pubkey(&pk, cert)) == 0)
		err = es_sm2_key_point(pub, pk);
	es_cert_free(cert);
	es_buf_release(&sd);
	es_buf_release(&cd);
	return err;
}

static int soft_sign(void *ctx, const char *label, const uint8_t digest[32], uint8_t sig[64])
{
	soft_ks *k = ctx;
	es_buf der = ES_BUF_INIT;
	int err;
	if (strcmp(label, k->esid) != 0)
		return es_error_set(ES_ENOTFOUND, "the token of seal %s holds no key '%s'", k->esid, label);
	if (!k->key)
		return es_error_set(ES_ESTATE, "log in with the PIN first");
	if ((err = es_sm2_sign_digest(&der, k->key, digest)) == 0)
		err = es_sm2_sig_der_to_raw(sig, der.ptr, der.len);
	es_buf_release(&der);
	return err;
}

static int soft_reset(void *ctx, const char *so_pin, const char *new_pin)
{
	soft_ks *k = ctx;
	return es_platform_token_reset(k->p, &k->who, k->esid, so_pin, new_pin);
}

static int soft_generate(void *ctx, const char *label, uint8_t pub[65])
{
	ES_UNUSED(ctx);
	ES_UNUSED(label);
	ES_UNUSED(pub);
	return es_error_set(ES_ENOTSUPPORTED, "a software token holds the key made with its seal: no new keys");
}

static void soft_close(void *ctx)
{
	soft_ks *k = ctx;
	if (!k)
		return;
	es_sm2_key_free(k->key);
	es_free(k);
}

static const struct es_keystore_ops soft_ops = {
	"soft", soft_login, soft_logout, soft_find, soft_sign, soft_reset, soft_generate, soft_close,
};

int es_platform_token_keystore(es_platform *p, const es_actor *who, const char *esid, struct es_keystore **out)
{
	int64_t actor = es_platform__enter(p, who);
	ES_ASSERT_ARG(p && esid && out);
	seal_row s;
	int err;
	*out = NULL;
	if ((err = seal_row_get(p, esid, &s)) < 0 || (err = es_platform__authorize(p, actor, ES_ACT_SEAL_USE, -1, NULL)) < 0)
		return err;
	if (strcmp(s.custody, "soft") != 0)
		return es_error_set(ES_ESTATE, "seal %s is not held in a software token", esid);
	soft_ks *k = es_calloc(1, sizeof(*k));
	if (!k)
		return es_error_set(ES_ENOMEM, "out of memory");
	k->p = p;
	k->who = *who;
	snprintf(k->esid, sizeof(k->esid), "%s", esid);
	if ((err = es_keystore_new(out, &soft_ops, k)) < 0)
		soft_close(k);
	return err;
}

/* ---- the key of a seal, wherever it is held, for one use (documents.c) ----------------- */

/* es_sign_digest_fn over an opened key store (the software token or a PKCS#11 module). */
static int held_ks_sign(es_buf *sig, const uint8_t e[32], void *payload)
{
	es_held_key *k = payload;
	uint8_t raw[64];
	int err = es_keystore_sign_digest(k->ks, k->loc.key_label, e, raw);
	if (err == 0)
		err = es_buf_put(sig, raw, sizeof(raw));
	es_wipe(raw, sizeof(raw));
	return err;
}

int es_platform__key_open(es_platform *p, int64_t actor, const char *esid, const char *pin, es_sign_digest_fn device_fn,
			  void *device_payload, es_held_key *k)
{
	seal_row s;
	es_buf sd = ES_BUF_INIT, cd = ES_BUF_INIT;
	int err;
	memset(k, 0, sizeof(*k));
	if ((err = seal_row_get(p, esid, &s)) < 0)
		return err;
	snprintf(k->custody, sizeof(k->custody), "%s", s.custody);
	{
		der_ctx d = { &sd, &cd, false };
		es_sval pv[1] = { ES_SV_S(esid) };
		if ((err = es_store_exec(p->st, "SELECT seal_der, cert_der FROM seals WHERE esid = ?", pv, 1, der_fn, &d,
					 NULL)) < 0)
			goto done;
	}
	if ((err = es_seal_parse(&k->seal, sd.ptr, sd.len)) < 0 || (err = es_cert_from_der(&k->cert, cd.ptr, cd.len)) < 0)
		goto done;
	if (strcmp(s.custody, "device") == 0) {
		/* the key is in the holder's device and never enters the platform: the caller's device signs */
		if (!device_fn) {
			err = es_error_set(ES_EDENIED, "seal %s is a device seal: its key never enters the platform; seal where "
						       "the device is, under a batch authorisation",
					   esid);
			goto done;
		}
		k->device_fn = device_fn;
		k->device_payload = device_payload;
		err = es_ses_signer_new_external(&k->signer, k->seal, k->cert, device_fn, device_payload);
	} else if (strcmp(s.custody, "soft") == 0 || strcmp(s.custody, "keystore") == 0) {
		if ((err = keystore_open(p, actor, esid, &s, &k->loc, &k->ks)) < 0)
			goto done;
		/* a wrong PIN is ES_EAUTH (the tries are counted), a locked token or store ES_ESTATE */
		if ((err = keystore_login(p, actor, esid, &k->loc, k->ks, pin)) < 0)
			goto done;
		k->logged_in = true;
		err = es_ses_signer_new_external(&k->signer, k->seal, k->cert, held_ks_sign, k);
	} else if ((err = es_platform__signer_key(p, esid, &k->key)) == 0) {
		err = es_ses_signer_new(&k->signer, k->seal, k->cert, k->key);
	}
done:
	es_buf_release(&sd);
	es_buf_release(&cd);
	if (err < 0)
		es_platform__key_close(k);
	return err;
}

int es_platform__held_sign_digest(es_buf *sig, const uint8_t e[32], void *payload)
{
	es_held_key *k = payload;
	es_buf raw = ES_BUF_INIT;
	const es_sm2_key *pub = NULL;
	int err;
	if (k->key)
		err = es_sm2_sign_digest(&raw, k->key, e);
	else if (k->ks)
		err = held_ks_sign(&raw, e, k);
	else if (k->device_fn)
		err = k->device_fn(&raw, e, k->device_payload);
	else
		err = es_error_set(ES_EINTERNAL, "held key: nothing to sign with");
	if (err < 0 || (err = es_cert_pubkey(&pub, k->cert)) < 0)
		goto done;
	if (es_sm2_verify_digest(pub, e, raw.ptr, raw.len) != 0) {
		err = es_error_set(ES_EVERIFY, "the key store's signature does not verify with the seal's certificate");
		goto done;
	}
	err = raw.len == 64 ? es_sm2_sig_raw_to_der(sig, raw.ptr) : es_buf_put(sig, raw.ptr, raw.len);
done:
	es_buf_release(&raw);
	return err;
}

void es_platform__key_close(es_held_key *k)
{
	if (!k)
		return;
	if (k->ks) {
		/* a failing logout changes nothing about the outcome (the session ends with close) */
		es_error saved = *es_error_last();
		if (k->logged_in && es_keystore_logout(k->ks) < 0)
			es_error_set(saved.code, "%s", saved.message);
		es_keystore_close(k->ks);
	}
	es_ses_signer_free(k->signer);
	es_seal_free(k->seal);
	es_cert_free(k->cert);
	es_sm2_key_free(k->key);
	memset(k, 0, sizeof(*k));
}

int es_platform__request_covers(es_platform *p, int64_t request, const char *esid, const uint8_t hash[32])
{
	req_row r;
	int err;
	if (request <= 0)
		return es_error_set(ES_EDENIED, "no use request: every use of seal %s needs an approved use request", esid);
	if ((err = req_get(p, request, &r)) < 0)
		return err;
	if (strcmp(r.esid, esid) != 0 || es_ct_eq(r.hash, hash, 32) != 0)
		return es_error_set(ES_EDENIED, "use request %lld does not cover this seal and document: file a use request "
						"for exactly this document",
				    (long long)request);
	if (strcmp(r.state, "approved") != 0)
		return es_error_set(ES_ESTATE, "use request %lld is %s: %s", (long long)request, r.state,
				    strcmp(r.state, "used") == 0 ? "an approval seals one document once"
								 : "a use approver must approve it first");
	return 0;
}

int es_platform__request_use(es_platform *p, int64_t request, const char *esid)
{
	int64_t changes = 0;
	es_sval pv[3] = { ES_SV_I(es_platform__now(p)), ES_SV_I(request), ES_SV_S(esid) };
	int err = es_store_exec(p->st,
				"UPDATE use_requests SET state = 'used', used_at = ? WHERE id = ? AND esid = ? AND "
				"state = 'approved'",
				pv, 3, NULL, NULL, &changes);
	if (err == 0 && changes != 1)
		err = es_error_set(ES_ECONFLICT, "use request %lld was used meanwhile", (long long)request);
	return err;
}

int es_platform__batch_in_force(es_platform *p, const char *esid, int64_t *batch)
{
	es_time now = es_platform__now(p);
	es_sval pv[3] = { ES_SV_S(esid), ES_SV_I(now), ES_SV_I(now) };
	int err = es_store_int(p->st, batch,
			       "SELECT id FROM batch_auths WHERE esid = ? AND valid_from <= ? AND valid_to > ? "
			       "ORDER BY valid_to DESC LIMIT 1",
			       pv, 3);
	if (err == ES_ENOTFOUND)
		return es_error_set(ES_EDENIED, "no batch authorisation of seal %s is in force: ask a use approver for one",
				    esid);
	return err;
}

void es_platform__use_refused(es_platform *p, int64_t actor, const char *esid, int64_t request, const char *note)
{
	es_error saved = *es_error_last();
	use_ctx c = { .actor = actor, .esid = esid, .id = request, .note = note };
	if (es_platform__tx(p, denied_tx, &c) < 0)
		es_error_clear();
	es_error_set(saved.code, "%s", saved.message);
}
