/* SPDX-License-Identifier: AGPL-3.0-or-later */
/**
 * @file es_seals.h
 * @brief Seals: their lifecycle and status, use approval (用印申请) and usage records (用章记录), key custody (software tokens behind PINs, key stores) (R2, R5, R6).
 *
 * Part of the platform API (es_platform.h, which includes every part): the
 * conventions there hold here (an actor on every call, one transaction each,
 * refusal codes). Included on its own, it brings es_platform.h and so the rest.
 */
/* outside the guard: es_platform.h declares the parts in their order */
#include "es_platform.h"
#ifndef ESEAL_ES_SEALS_H
#define ESEAL_ES_SEALS_H
#ifdef __cplusplus
extern "C" {
#endif

/* ---- seals ------------------------------------------------------------------ */

/** The applicant confirms the impression of a delivered seal: made → active. */
ES_EXTERN(int) es_platform_seal_confirm(es_platform *p, const es_actor *actor, const char *esid) ES_WARN_UNUSED;
/** Record a use of the seal by @p actor's unit (refused unless active, or authorised for the period). */
ES_EXTERN(int) es_platform_seal_use(es_platform *p, const es_actor *actor, const char *esid) ES_WARN_UNUSED;
/** A superior unit authorises a subordinate unit to use its seal from..to, with a letter. */
ES_EXTERN(int) es_platform_seal_authorise(es_platform *p, const es_actor *actor, const char *esid, int64_t grantee_unit,
					  es_time from, es_time to, const char *letter) ES_WARN_UNUSED;

#define ES_SEAL_RECORD_NAME 256
typedef struct es_seal_record {
	char esid[15];
	char state[16];
	char kind[16];
	char name[ES_SEAL_RECORD_NAME];
	int64_t unit_id;
	es_time valid_start, valid_end, state_since;
	char state_reason[256];
	char replaced_by[15];
	bool confirmed;
} es_seal_record;
ES_EXTERN(int) es_platform_seal_get(es_platform *p, const char *esid, es_seal_record *out) ES_WARN_UNUSED;
/** The seal's DER (SESeal) appended to @p out. */
ES_EXTERN(int) es_platform_seal_der(es_platform *p, const char *esid, es_buf *out) ES_WARN_UNUSED;

/**
 * Public by design (R5 公示): the status of seal @p esid at the instant @p at (0: now),
 * from its recorded state history: the last change at or before @p at, then expiry at
 * the end of validity. A seal not registered here, or not yet made then, is
 * ES_STATUS_UNKNOWN with the reason.
 */
ES_EXTERN(int) es_platform_seal_status_at(es_platform *p, const char *esid, es_time at,
					  es_status_info *out) ES_WARN_UNUSED;
/** Status source for the verifier: @p payload is the es_platform. */
ES_EXTERN(int) es_platform_status_fn(es_status_info *out, const char *esid, void *payload);
/**
 * The signed status list: JSON {"issuer", "generated", "seals": [{esid, state, since, reason}]}
 * of every non-active seal, and a detached SM2 signature (DER) over its bytes by the
 * platform's maker key. Also written to DIR/status/status.json and status.json.sig on every change.
 */
ES_EXTERN(int) es_platform_status_list(es_platform *p, es_buf *json, es_buf *sig) ES_WARN_UNUSED;
ES_EXTERN(int) es_platform_status_list_verify(es_platform *p, const uint8_t *json, size_t len, const uint8_t *sig,
					      size_t siglen) ES_WARN_UNUSED;
/** The platform's trust anchor and maker certificate (PEM appended). */
ES_EXTERN(int) es_platform_authority_pem(es_platform *p, es_buf *root_pem, es_buf *maker_pem) ES_WARN_UNUSED;

/* ---- use approval (用印申请) and usage records (用章记录), R6 --------------------- */

/** File a use request: seal @p esid on the document with SM3 hash @p doc_hash, for @p purpose. */
ES_EXTERN(int) es_platform_use_request(es_platform *p, const es_actor *actor, const char *esid, const uint8_t doc_hash[32],
				       const char *purpose, int64_t *id) ES_WARN_UNUSED;
/** A use approver approves or rejects (reason required) a request; never their own. */
ES_EXTERN(int) es_platform_use_decide(es_platform *p, const es_actor *approver, int64_t request, bool approve,
				      const char *reason) ES_WARN_UNUSED;
/** Request state into @p out: "requested", "approved", "rejected", "used". */
ES_EXTERN(int) es_platform_use_state(es_platform *p, int64_t request, char *out, size_t cap) ES_WARN_UNUSED;

/**
 * Sign with a platform-held seal: an SES_Signature (GB/T 38540) over @p doc_hash appended
 * to @p sig_out. Needs the approved request @p request covering exactly this seal and
 * document hash, not yet used; uses it up and writes a usage record and an audit entry
 * in one transaction. @p pin: the user PIN when the key is in a software token or a key
 * store (es_platform_seal_bind_keystore), else NULL. A key-store seal signs through
 * es_ses_signer_new_external(): a signature that does not verify with the seal's
 * certificate (another key in the store) is refused with ES_EVERIFY, nothing is used up.
 * Refusals: those of es_platform_seal_document(): a wrong PIN ES_EAUTH, a locked token
 * or a seal or request in the wrong state ES_ESTATE, the role or unit ES_EDENIED.
 */
ES_EXTERN(int) es_platform_seal_sign(es_platform *p, const es_actor *actor, const char *esid, const uint8_t doc_hash[32],
				     int64_t request, const char *pin, es_buf *sig_out) ES_WARN_UNUSED;

/**
 * Device seals (R2): the key is generated in the holder's device and never enters the
 * platform. Issue the seal's certificate from the device's PKCS#10 request (DER or PEM);
 * the certificate (DER) is appended to @p cert_out. The platform copy of the key is destroyed.
 */
ES_EXTERN(int) es_platform_seal_bind_device(es_platform *p, const es_actor *actor, const char *esid, const uint8_t *csr,
					    size_t csr_len, es_buf *cert_out) ES_WARN_UNUSED;
/** A use approver grants a standing batch authorisation for a device seal, from..to. */
ES_EXTERN(int) es_platform_batch_authorise(es_platform *p, const es_actor *approver, const char *esid, const char *purpose,
					   es_time from, es_time to, int64_t *id) ES_WARN_UNUSED;
/**
 * A device seal is about to sign @p doc_hash: checked against a batch authorisation in
 * force now; records the use. The device signs only after this returns 0.
 */
ES_EXTERN(int) es_platform_device_use(es_platform *p, const es_actor *actor, const char *esid, const uint8_t doc_hash[32],
				      int64_t *usage_id) ES_WARN_UNUSED;
/** Number of usage records of a seal. */
ES_EXTERN(int) es_platform_usage_count(es_platform *p, const char *esid, int64_t *n) ES_WARN_UNUSED;

/* ---- key custody: software token behind PINs (R2, R6 PIN) -------------------------- */

#define ES_PIN_TRIES 5
/**
 * Move a seal's key into a software token: SM4 (es_box) under keys derived with
 * PBKDF2-HMAC-SM3 from the user PIN and from the administrator PIN (unit admin).
 */
ES_EXTERN(int) es_platform_token_init(es_platform *p, const es_actor *actor, const char *esid, const char *user_pin,
				      const char *admin_pin) ES_WARN_UNUSED;
/** Check the user PIN: ES_EAUTH on a wrong PIN (counted; ES_PIN_TRIES lock the token), ES_ESTATE once locked. */
ES_EXTERN(int) es_platform_token_check(es_platform *p, const es_actor *actor, const char *esid, const char *user_pin) ES_WARN_UNUSED;
/** Change the user PIN (holder, knowing the old one). */
ES_EXTERN(int) es_platform_token_change_pin(es_platform *p, const es_actor *actor, const char *esid, const char *old_pin,
					    const char *new_pin) ES_WARN_UNUSED;
/**
 * Reset the user PIN and unlock, with the administrator PIN, only after a PIN-unlock
 * application (口令解锁) for this seal was carried out; each application unlocks once.
 */
ES_EXTERN(int) es_platform_token_reset(es_platform *p, const es_actor *actor, const char *esid, const char *admin_pin,
				       const char *new_pin) ES_WARN_UNUSED;
/**
 * The software token of seal @p esid behind the key-store interface (es_keystore.h):
 * login = user PIN (counted and locked as above), find_key(esid), sign_digest (SM2, raw r|s),
 * reset_pin = es_platform_token_reset (needs the PIN-unlock application). @p actor acts.
 */
struct es_keystore;
ES_EXTERN(int) es_platform_token_keystore(es_platform *p, const es_actor *actor, const char *esid,
					  struct es_keystore **out) ES_WARN_UNUSED;
/** Locked? wrong tries so far? */
ES_EXTERN(int) es_platform_token_status(es_platform *p, const char *esid, bool *locked, int *fails) ES_WARN_UNUSED;

/* ---- key custody: seals whose key is in a key store (R2) ----------------------------- */

/**
 * Where a seal's signing key is (docs/platform.md, "Keys in key stores"):
 *
 *   token:ESID                                 the platform's software token of seal ESID
 *                                              (es_platform_token_keystore; key label ESID)
 *   pkcs11:MODULE|TOKEN|KEY[|MECHANISM|KEYTYPE] a PKCS#11 module (absolute path), the token
 *                                              label (empty: the first token present), the
 *                                              key label, and the vendor's SM2 mechanism
 *                                              and key type (0x hex or decimal)
 *
 * At most ES_KEY_LOCATION_MAX bytes, printable ASCII; '|' only as the separator.
 */
#define ES_KEY_LOCATION_MAX 512
typedef struct es_key_location {
	char kind[8];           /**< "token" or "pkcs11" */
	char esid[15];          /**< token: the seal whose software token holds the key */
	char module[256];       /**< pkcs11: module path */
	char token_label[33];   /**< pkcs11: token label ("" = the first token present) */
	char key_label[128];    /**< the key's label (token: the esID) */
	unsigned long mechanism;/**< pkcs11: the vendor's SM2 signing mechanism (0: none given) */
	unsigned long key_type; /**< pkcs11: the vendor's SM2 key type */
} es_key_location;
/** Parse a location; ES_EINVAL naming what is wrong. */
ES_EXTERN(int) es_platform_key_location_parse(es_key_location *out, const char *text) ES_WARN_UNUSED;

/**
 * Bind seal @p esid (its key held by the platform) to the key at @p location: the key
 * store is opened, the key found by its label, a certificate issued for its public point
 * (same subject and end of validity as before) and the seal remade with it, exactly as
 * es_platform_seal_bind_device() does for a CSR; the platform copy of the key is
 * destroyed. With @p pin (may be NULL) the binding also logs in and checks that the
 * store signs with that key (proof of possession). Unit administrator of the seal's unit
 * (and, for "token:ESID", of that seal's unit). The certificate (DER) is appended to
 * @p cert_out. es_platform_seal_sign() then signs through the key store with the user PIN.
 */
ES_EXTERN(int) es_platform_seal_bind_keystore(es_platform *p, const es_actor *actor, const char *esid, const char *location,
					      const char *pin, es_buf *cert_out) ES_WARN_UNUSED;
/** The key location of a seal into @p out ("" when the platform or a device holds its key). */
ES_EXTERN(int) es_platform_seal_key_location(es_platform *p, const char *esid, char *out, size_t cap) ES_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
