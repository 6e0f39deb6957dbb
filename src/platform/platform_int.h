/* SPDX-License-Identifier: AGPL-3.0-or-later */
#ifndef ES_PLATFORM_INT_H
#define ES_PLATFORM_INT_H
#include "eseal/es_platform.h"
#include "eseal/es_store.h"
#include "eseal/es_crypto.h"
#include "eseal/es_pki.h"
#include "eseal/es_seal.h"
#include "eseal/es_auth.h"
#include "eseal/es_filing.h"
#include "store/store_limits.h"
#include <pthread.h>
#include <stdatomic.h>

/* An authenticated caller (es_auth.h): made only by es_platform_authenticate() and es_actor_system(). */
struct es_actor {
	int64_t account;
	char login[65];
	unsigned roles;
	int64_t unit;
	char region[7];
	es_auth_kind how;
	es_time when;
	bool must_change;
	uint64_t scope; /* API keys: allowed actions; 0 = all the roles allow */
	int64_t key_id; /* API keys: the key's id (a peer's filings are bound to it) */
};

/*
 * What every session of a process shares (es_platform_context_open): read-only after
 * open, so threads read it without locks; the status publisher has its own lock.
 * Reference-counted: the opener and each session hold one.
 */
struct es_platform_context {
	atomic_int refs;
	char *store;            /* the store's URI: each session opens its own connection */
	char *dir;
	char *outbox_url, *outbox_dir;
	char *outbox_key;       /* es_platform_options.outbox_api_key, or NULL */
	bool public_only;       /* opened without the master key: certificates only, no key */
	uint8_t master[ES_BOX_KEY_LEN];
	uint8_t data_key[ES_BOX_KEY_LEN];
	es_cert *root, *maker, *tsa;
	es_sm2_key *maker_key, *root_key, *tsa_key;
	char **legacy;
	size_t nlegacy;
	unsigned seal_days, dpi, audit_every, password_cost;
	es_time (*clock)(void *ctx);
	void *clock_ctx;
	/* the status list: one publisher at a time; a publication covers every change committed before it began */
	pthread_mutex_t publish_mu;
	atomic_llong status_changes;   /* committed changes of seal status, counted */
	long long status_published;    /* the count the newest publication covered (under publish_mu) */
};

/*
 * A session: one store connection and the state of the call in progress; one thread
 * at a time. The pointers and keys below are the context's (borrowed, never freed
 * here), copied in so that the code reads p->maker as before.
 */
struct es_platform {
	es_platform_context *ctx;
	bool bootstrap;         /* the session that made the context: no checkpoint at its close */
	es_store *st;
	char *dir;
	char *outbox_url, *outbox_dir;
	es_filing_sender filing; /* es_platform_set_filing_sender(); send NULL: the default sender */
	uint8_t master[ES_BOX_KEY_LEN];
	uint8_t data_key[ES_BOX_KEY_LEN];
	es_cert *root, *maker;
	es_sm2_key *maker_key, *root_key;
	unsigned seal_days, dpi;
	char **legacy;
	size_t nlegacy;
	bool status_dirty;
	bool publish_pending;   /* the last publication failed: retry after the next change */
	long long status_seq;   /* this session's newest committed status change (ctx->status_changes) */
	es_transition_hook hook;
	void *hook_ctx;
	unsigned audit_every;   /* a signed checkpoint every this many audit entries */
	unsigned password_cost; /* PBKDF2-HMAC-SM3 iterations of new password hashes */
	es_time (*clock)(void *ctx); /* the platform's clock (es_platform_options.clock) */
	void *clock_ctx;
	es_cert *tsa;           /* the platform's own time-stamping authority (checkpoints) */
	es_sm2_key *tsa_key;
	/* the newest checkpoint of the transaction, written to the anchor file after commit */
	bool anchor_pending;
	int64_t anchor_seq;
	/* the last refusal by the role table, audited after the rollback */
	bool denied_pending;
	int64_t denied_actor;
	const char *denied_what;
	/*
	 * The caller of the public call in progress (es_platform__enter): a copy, so the
	 * role check sees how it signed in (one-time password, API-key scope).
	 */
	bool have_actor;
	es_actor actor;
};

/* The acting account, loaded by es_platform__account(). */
typedef struct es_account {
	int64_t id;
	char login[65];    /* "system" for the system account */
	unsigned roles;
	int64_t unit_id;   /* 0: none */
	char region[7];    /* "": province office */
} es_account;

int es_platform__account(es_platform *p, int64_t id, es_account *out);
/* Close session @p p, made only to load its context, and give the context with a reference for the caller. */
es_platform_context *es_platform__context_keep(es_platform *p);
/*
 * The first line of every public call that takes an actor: remembers it for the
 * role check (es_platform__authorize) and gives its account id, or -1 for no
 * actor (refused there with ES_EAUTH).
 */
int64_t es_platform__enter(es_platform *p, const es_actor *who);
/* The actor of the call in progress if it is account @p actor, else NULL (refused with ES_EAUTH). */
const es_actor *es_platform__who(es_platform *p, int64_t actor);
/* The platform's clock: es_platform_options.clock, else es_time_now(). */
es_time es_platform__now(es_platform *p);

/*
 * Separation of duties (FG 二.2), the one rule for applications and use requests:
 * refuse (ES_EDENIED, audited like a role-table refusal) when @p actor took an
 * earlier part in the same matter. @p step: what the actor tries ("review");
 * @p matter: "application 5"; @p instead: what to do ("ask another reviewer").
 */
typedef struct es_duty {
	int64_t actor; /* 0: nobody */
	const char *did; /* "filed", "submitted", "checked", "requested" ... */
} es_duty;
int es_platform__separate(es_platform *p, int64_t actor, const char *step, const char *matter, const es_duty *earlier,
			  size_t n, const char *instead);
/* A seal that can be used now: active and within its validity; the refusal names its state. */
int es_platform__seal_usable(es_platform *p, const char *esid, int64_t *unit_id);
/* Whether @p actor may: the role table asked without refusing (no error, no audit entry). */
bool es_platform__may(es_platform *p, int64_t actor, es_action action, int64_t unit_id);
/* The one permission check: role table + unit scope. */
int es_platform__authorize(es_platform *p, int64_t actor, es_action action, int64_t unit_id, es_account *acct);

/* Run @p fn inside one transaction (retried on conflicts); regenerate the status list after commit. */
typedef int (*es_tx_fn)(es_platform *p, void *ctx);
int es_platform__tx(es_platform *p, es_tx_fn fn, void *ctx);

/*
 * THE state change of an application ("application", id) or a seal ("seal", esID):
 * compare-and-set from @p from (NULL: no check, e.g. a new record) to @p to, with
 * the actor, reason and time recorded in `transitions`. Seal changes mark the status
 * list dirty. Platform core 2 chains its audit log here. *tid: the transition id.
 */
int es_platform__transition(es_platform *p, const char *object, const char *id, const char *from, const char *to,
			    int64_t actor, const char *reason, int64_t *tid);
/* Queue the filing records (public security, national platform) of a seal event. */
int es_platform__file(es_platform *p, const char *esid, const char *event, int64_t tid);
/*
 * A seal's state, since when and why: the row callback es_platform__state_row() reads the
 * first three columns of "SELECT state, at, reason ..." (of seals, peer_seals, transitions
 * or peer_events) and keeps the first row; found stays false when there is none.
 */
typedef struct es_state_row {
	bool found;
	char state[16];
	es_time at;
	char reason[ES_PLAT_MAX_REASON + 64];
} es_state_row;
int es_platform__state_row(void *vctx, const es_sval *c, size_t n);
/* Peering (peers.c): a filed peer seal's status now or, with @p history, at @p at; ES_ENOTFOUND (no message) when none. */
int es_platform__peer_status(es_platform *p, const char *esid, es_time at, bool history, es_status_info *out);
/* What es_platform__http_get saw besides the body. */
typedef struct es_http_got {
	long status;
	char etag[130];
	char signature[200]; /* X-Status-Signature */
} es_http_got;
/* GET @p url (http or https, no redirects, @p timeout_s to connect and in all), with If-None-Match
 * when given, the body (at most @p max) into @p body; the status is the caller's to judge.
 * Peers' status lists (peers.c) and eseal verify --status-url (src/cli/http_get.c). */
int es_platform__http_get(const char *url, const char *if_none_match, size_t max, unsigned timeout_s, es_buf *body,
			  es_http_got *got);
/* 0 if @p url is a status URL a peer may be given (http or https, no spaces). */
int es_platform__peer_url_check(const char *url);
/* The registration JSON of es_platform_peer_add checked alone (the fuzzer's entry). */
int es_peer_spec_check(const uint8_t *json, size_t len);
/*
 * Making a seal for an application (seals.c), so that no write lock is held while the
 * impression is drawn, the key pair made and the certificate issued:
 *  1. es_platform__seal_reserve, inside a short transaction: the seal code (a
 *     public-security code reserved for the unit's seal, or the region's next one), or
 *     for a renewal (keep_esid) the current certificate of a key held outside;
 *  2. es_platform__seal_build, outside any transaction: picture, key, certificate, the
 *     SES_Seal signed by the maker, the key boxed under the data key;
 *  3. es_platform__seal_store, inside the application's transaction: the one-impression
 *     rule, the seals row, the transition and the filings; esid_out gets the esID.
 * On a failure after 1, es_platform__seal_release hands a public-security code back
 * (a region's counter code is not reused: a gap). es_platform__made_seal_free always.
 */
typedef struct es_made_seal {
	char esid[15];
	char unit_name[ES_PLAT_MAX_NAME + 1], credit[19];
	bool psb;     /* esid is a public-security code reserved for this make */
	bool renewal; /* the seal keeps its esID (keep_esid) */
	bool held;    /* a renewal of a key held outside: held_cert is its certificate */
	es_buf held_cert, psb_pic;
	es_buf pic, der, cert_der, kenc;
	uint8_t hash[32]; /* SM3 of pic */
	es_time valid_start, valid_end;
} es_made_seal;
#define ES_MADE_SEAL_INIT                                                                                             \
	{ .held_cert = ES_BUF_INIT, .psb_pic = ES_BUF_INIT, .pic = ES_BUF_INIT, .der = ES_BUF_INIT,                   \
	  .cert_der = ES_BUF_INIT, .kenc = ES_BUF_INIT }
int es_platform__seal_reserve(es_platform *p, int64_t unit_id, int kind, const char *name, const char *keep_esid,
			      es_made_seal *m);
int es_platform__seal_build(es_platform *p, es_made_seal *m, int kind, int function, const char *name, unsigned w,
			    unsigned h, const uint8_t *impression, size_t imp_len);
int es_platform__seal_store(es_platform *p, int64_t actor, int64_t app_id, int64_t unit_id, int kind, int function,
			    const char *name, const char *multi_reason, const es_made_seal *m, char esid_out[15]);
void es_platform__seal_release(es_platform *p, es_made_seal *m);
void es_platform__made_seal_free(es_made_seal *m);
int es_platform__status_publish(es_platform *p);
/* The standard impression of a seal kind (the one rule: seals.c); @p esid printed as its code. */
int es_platform__render_picture(es_platform *p, es_buf *out, int kind, int function, const char *unit_name,
				const char *seal_name, const char *credit, const char *esid, unsigned w, unsigned h);
/* The boxed signer key of a seal (tests; key custody is Platform core 2). */
int es_platform__signer_key(es_platform *p, const char *esid, es_sm2_key **out);

/*
 * Append one entry to the audit chain (inside the current transaction): event, the
 * object and its id, a detail that never holds a secret. *seq: its sequence number.
 */
int es_platform__audit(es_platform *p, int64_t actor, const char *event, const char *object, const char *object_id,
		       const char *detail, int64_t *seq);
/* Record a refusal by the role table (after its transaction rolled back). */
void es_platform__audit_denied(es_platform *p);
/* Write the anchor file of the newest checkpoint (after commit). */
int es_platform__anchor_write(es_platform *p);
int es_platform__audit_transition(es_platform *p, const char *object, const char *id, const char *from,
				  const char *to, int64_t actor, const char *reason, int64_t tid);
/* May @p actor use seal @p esid now (state, validity, unit or authorisation)? Marks it used. */
int es_platform__use_check(es_platform *p, int64_t actor, const char *esid);
/* Write a usage record (用章记录) and its audit entry; doc_hash may be NULL. */
int es_platform__usage(es_platform *p, int64_t actor, const char *esid, const uint8_t *doc_hash, int64_t request,
		       int64_t batch, int64_t *id);
/* Called when a PIN-unlock application is carried out (apps.c): allows one reset. */
int es_platform__token_grant_unlock(es_platform *p, const char *esid, int64_t app_id);

/*
 * One HTTP POST of a JSON @p payload on libcurl (filing_http.c): http or https, no
 * redirects, within @p timeout_s (0: ES_PLAT_HTTP_TIMEOUT_S), with the header lines
 * @p headers (NULL-ended, "Name: value"). 0 on 2xx, else ES_EIO naming @p what and the
 * status or network failure (never the URL's credentials).
 */
int es_platform__http_post(const char *url, const char *ca_file, unsigned timeout_s, const char *const *headers,
			   const char *payload, size_t len, const char *what);

/* Personal data at rest. */
int es_platform__seal_pii(es_platform *p, es_buf *out, const char *aad, const char *value);
int es_platform__open_pii(es_platform *p, char *out, size_t cap, const char *aad, const uint8_t *in, size_t len);
/* 139****5678 */
void es_platform__mask_mobile(char *out, size_t cap, const char *mobile);

/* Credit code: GB 32100, or on the legacy allow-list. */
int es_uscc_check_or_legacy(es_platform *p, const char *code);

/* Small helpers. */
void es_platform__copy(char *dst, size_t cap, const es_sval *v);
int es_platform__check_text(const char *what, const char *s, size_t max, bool required);
unsigned es_region_level(const char *code);

/* ---- a seal's key for one use, wherever it is held (custody.c; documents.c) ---------- */

#include "eseal/es_keystore.h"
/*
 * The seal, its signer certificate and a signer (es_ses_signer) that signs with the
 * platform's key, through the software token or key store after a user-PIN login (a
 * refused PIN is ES_EAUTH, counted by the store), or through @device_fn for a device
 * seal (ES_EDENIED without it). Close with es_platform__key_close() (logs out).
 */
typedef struct es_held_key {
	char custody[16];       /* "platform", "soft", "keystore", "device" */
	es_seal *seal;
	es_cert *cert;
	es_ses_signer *signer;
	es_sm2_key *key;        /* custody "platform" */
	es_keystore *ks;        /* "soft", "keystore" */
	es_key_location loc;
	bool logged_in;
	es_sign_digest_fn device_fn; /* "device" */
	void *device_payload;
} es_held_key;
int es_platform__key_open(es_platform *p, int64_t actor, const char *esid, const char *pin, es_sign_digest_fn device_fn,
			  void *device_payload, es_held_key *k);
void es_platform__key_close(es_held_key *k);
/* Sign e = SM3(Z ‖ M) with the held key (an es_sign_digest_fn over @payload = the es_held_key):
 * the signature, checked against the seal's certificate, appended as DER. */
int es_platform__held_sign_digest(es_buf *sig, const uint8_t e[32], void *payload);
/* Request @request is approved, for seal @esid and @hash, not used (reads only): ES_EDENIED, ES_ESTATE, ES_ENOTFOUND. */
int es_platform__request_covers(es_platform *p, int64_t request, const char *esid, const uint8_t hash[32]);
/* Use it up (inside the transaction): ES_ECONFLICT when another call took it. */
int es_platform__request_use(es_platform *p, int64_t request, const char *esid);
/* The batch authorisation of device seal @esid in force now, or ES_EDENIED. */
int es_platform__batch_in_force(es_platform *p, const char *esid, int64_t *batch);
/* Webhooks of an application's or a seal's transition (webhooks.c), inside its transaction. */
int es_platform__webhook_transition(es_platform *p, const char *object, const char *id, const char *from, const char *to,
				    int64_t tid);
/* Audit a refused use (outside a transaction); the error message is kept. */
void es_platform__use_refused(es_platform *p, int64_t actor, const char *esid, int64_t request, const char *note);

#endif
