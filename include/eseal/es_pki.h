/* SPDX-License-Identifier: AGPL-3.0-or-later */
/**
 * @file es_pki.h
 * @brief X.509 certificates with SM2/SM3, trust stores, CRLs, PKCS#10,
 *        a built-in certificate authority and RFC 3161 / GB/T 20520
 *        time stamps.
 */
#ifndef ESEAL_ES_PKI_H
#define ESEAL_ES_PKI_H

#include "es_types.h"
#include "es_crypto.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- certificates ---------------------------------------------------- */

typedef struct es_cert es_cert;

/** Parse a DER certificate (a copy is kept; the input may be freed). */
ES_EXTERN(int) es_cert_from_der(es_cert **out, const uint8_t *der, size_t len) ES_WARN_UNUSED;
/** Parse the first PEM certificate in @p pem. */
ES_EXTERN(int) es_cert_from_pem(es_cert **out, const uint8_t *pem, size_t len) ES_WARN_UNUSED;
/** DER bytes of the certificate (borrowed, lives as long as @p c). */
ES_EXTERN(es_bytes) es_cert_der(const es_cert *c);
ES_EXTERN(int) es_cert_to_pem(es_buf *out, const es_cert *c) ES_WARN_UNUSED;
/** Subject and issuer as one-line RFC 2253 UTF-8 strings, appended to @p out. */
ES_EXTERN(int) es_cert_subject(es_buf *out, const es_cert *c) ES_WARN_UNUSED;
ES_EXTERN(int) es_cert_issuer(es_buf *out, const es_cert *c) ES_WARN_UNUSED;
/** Value of the first subject attribute with this short name ("CN", "O"), UTF-8. */
ES_EXTERN(int) es_cert_subject_attr(es_buf *out, const es_cert *c, const char *sn) ES_WARN_UNUSED;
/** Serial number as upper-case hex, appended to @p out. */
ES_EXTERN(int) es_cert_serial_hex(es_buf *out, const es_cert *c) ES_WARN_UNUSED;
ES_EXTERN(es_time) es_cert_not_before(const es_cert *c);
ES_EXTERN(es_time) es_cert_not_after(const es_cert *c);
/** True if the public key is SM2 (id-ecPublicKey with curve 1.2.156.10197.1.301). */
ES_EXTERN(bool) es_cert_is_sm2(const es_cert *c);
/** Borrowed public key (lives as long as @p c); ES_ENOTSUPPORTED if not SM2. */
ES_EXTERN(int) es_cert_pubkey(const es_sm2_key **out, const es_cert *c) ES_WARN_UNUSED;

enum es_key_usage {
	ES_KU_DIGITAL_SIGNATURE = 1 << 0,
	ES_KU_NON_REPUDIATION = 1 << 1,
	ES_KU_KEY_ENCIPHERMENT = 1 << 2,
	ES_KU_KEY_CERT_SIGN = 1 << 5,
	ES_KU_CRL_SIGN = 1 << 6,
};
/** Key-usage bits; returns -1 when the extension is absent (all allowed). */
ES_EXTERN(int) es_cert_key_usage(const es_cert *c);
/** True if the certificate carries the extended key usage timeStamping. */
ES_EXTERN(bool) es_cert_has_eku_timestamping(const es_cert *c);
/** True if @p issuer's key verifies @p c's signature (SM2/SM3 or other). */
ES_EXTERN(bool) es_cert_signed_by(const es_cert *c, const es_cert *issuer);
/**
 * Verify a signature made with the certificate's key by a legacy or
 * foreign algorithm (other makers' files: RSA PKCS#1 v1.5, ECDSA) over
 * @p msg hashed with @p digest ("SHA1", "SHA256", "MD5", "SM3").
 * 0 valid, ES_EVERIFY not, ES_ENOTSUPPORTED for an unknown digest or key.
 */
ES_EXTERN(int) es_cert_verify_legacy(const es_cert *c, const char *digest, const void *msg, size_t len,
				     const uint8_t *sig, size_t siglen) ES_WARN_UNUSED;
/** The certificate's key algorithm: "SM2", "RSA", "EC" or "other". */
ES_EXTERN(const char *) es_cert_key_type(const es_cert *c);
ES_EXTERN(es_cert *) es_cert_ref(es_cert *c);
ES_EXTERN(void) es_cert_free(es_cert *c);

/* ---- trust store and path validation --------------------------------- */

/**
 * A set of trust anchors, intermediate certificates and CRLs, loaded from a
 * directory: every *.pem, *.crt, *.cer, *.der file (certificates; self-signed
 * ones are anchors, others intermediates) and every *.crl file.
 */
typedef struct es_trust es_trust;

ES_EXTERN(int) es_trust_new(es_trust **out) ES_WARN_UNUSED;
ES_EXTERN(int) es_trust_load_dir(es_trust *t, const char *dir) ES_WARN_UNUSED;
/** Add a trust anchor; the store takes its own reference (the caller keeps and frees its own). */
ES_EXTERN(int) es_trust_add_anchor(es_trust *t, es_cert *c) ES_WARN_UNUSED;
ES_EXTERN(int) es_trust_add_intermediate(es_trust *t, es_cert *c) ES_WARN_UNUSED;
/** Add a DER or PEM CRL; its signature is checked when used. */
ES_EXTERN(int) es_trust_add_crl(es_trust *t, const uint8_t *data, size_t len) ES_WARN_UNUSED;
ES_EXTERN(size_t) es_trust_anchor_count(const es_trust *t);
/**
 * Parse a DER certificate through @p t's cache of recently seen ones
 * (verifiers meet the same maker and signer certificates again and again):
 * a new reference to a shared es_cert, freed with es_cert_free(). @p t may
 * be NULL (then this is es_cert_from_der()). Thread-safe.
 */
ES_EXTERN(int) es_trust_cert_from_der(const es_trust *t, es_cert **out, const uint8_t *der,
				      size_t len) ES_WARN_UNUSED;
ES_EXTERN(void) es_trust_free(es_trust *t);

/** Outcome of a path validation, one value per distinct reason. */
typedef enum es_path_status {
	ES_PATH_OK = 0,
	ES_PATH_NO_TRUST_STORE,      /**< no anchors configured: indeterminate */
	ES_PATH_UNKNOWN_ISSUER,      /**< no path to an anchor: indeterminate */
	ES_PATH_BAD_SIGNATURE,       /**< a certificate's signature is wrong: invalid */
	ES_PATH_NOT_YET_VALID,       /**< at the given time */
	ES_PATH_EXPIRED,             /**< at the given time */
	ES_PATH_REVOKED,             /**< revoked before the given time */
	ES_PATH_BAD_KEY_USAGE,       /**< key usage forbids the purpose */
	ES_PATH_CRL_PROBLEM,         /**< a CRL is expired or badly signed */
	ES_PATH_OTHER
} es_path_status;

typedef struct es_path_result {
	es_path_status status;
	/** Revocation time when status is ES_PATH_REVOKED. */
	es_time revoked_at;
	/** Whether any CRL of the issuer was found (revocation checked). */
	bool revocation_checked;
	/** Human-readable one-line reason, e.g. "certificate expired at 2021-10-07T00:00:00Z". */
	char reason[256];
} es_path_result;

/**
 * Validate @p c to an anchor of @p t at time @p at (not "now" unless the
 * caller passes now), using @p extra untrusted certificates (may be NULL,
 * @p nextra 0) to build the path, checking signatures, validity at @p at,
 * CRLs (revoked_before(at)), and, when @p required_ku is non-zero, that the
 * end-entity key usage contains at least one of those bits.
 * Returns 0 and fills @p out whatever the outcome; a negative code only for
 * internal failure. @p t may be NULL (status ES_PATH_NO_TRUST_STORE).
 */
ES_EXTERN(int) es_trust_verify(es_path_result *out, const es_trust *t, const es_cert *c,
			       es_cert *const *extra, size_t nextra, es_time at,
			       int required_ku) ES_WARN_UNUSED;

/* ---- PKCS#10 --------------------------------------------------------- */

typedef struct es_csr es_csr;
/** Parse a DER or PEM PKCS#10 request and verify its self-signature (ES_EVERIFY if bad). */
ES_EXTERN(int) es_csr_parse(es_csr **out, const uint8_t *data, size_t len) ES_WARN_UNUSED;
/** Make a PKCS#10 request for @p key with subject "/O=.../CN=..." style string. */
ES_EXTERN(int) es_csr_make(es_buf *der_out, es_sm2_key *key, const char *subject) ES_WARN_UNUSED;
ES_EXTERN(int) es_csr_subject(es_buf *out, const es_csr *r) ES_WARN_UNUSED;
/** Borrowed public key of the request. */
ES_EXTERN(int) es_csr_pubkey(const es_sm2_key **out, const es_csr *r) ES_WARN_UNUSED;
ES_EXTERN(void) es_csr_free(es_csr *r);

/* ---- issuing (built-in CA) ------------------------------------------- */

enum es_cert_profile {
	ES_PROFILE_ROOT_CA = 1,      /**< self-signed, CA:TRUE, keyCertSign|cRLSign */
	ES_PROFILE_SUB_CA,           /**< CA:TRUE pathlen 0 */
	ES_PROFILE_SEAL_MAKER,       /**< 制章者: digitalSignature|nonRepudiation */
	ES_PROFILE_SIGNER,           /**< 签章者: digitalSignature|nonRepudiation */
	ES_PROFILE_TSA,              /**< critical EKU timeStamping, digitalSignature */
};

typedef struct es_issue_options {
	unsigned version;            /**< ES_ISSUE_OPTIONS_VERSION */
	int profile;                 /**< enum es_cert_profile */
	/** Subject as "/C=CN/O=.../CN=..." (UTF-8 values). */
	const char *subject;
	es_time not_before;          /**< 0: now */
	es_time not_after;           /**< required */
	/** Serial: 0 means a random 16-byte positive serial. */
	uint64_t serial;
	/** CRL distribution point URI (optional). */
	const char *crl_uri;
} es_issue_options;
#define ES_ISSUE_OPTIONS_VERSION 1
#define ES_ISSUE_OPTIONS_INIT { .version = ES_ISSUE_OPTIONS_VERSION }

/**
 * Issue a certificate for @p subject_key, signed by @p issuer_key with
 * SM2/SM3 under @p issuer (NULL for a self-signed root, then @p issuer_key
 * must equal @p subject_key).
 */
ES_EXTERN(int) es_cert_issue(es_cert **out, const es_issue_options *opt, const es_sm2_key *subject_key,
			     const es_cert *issuer, const es_sm2_key *issuer_key) ES_WARN_UNUSED;

typedef struct es_crl_entry {
	const char *serial_hex;      /**< upper-case hex, as es_cert_serial_hex() */
	es_time revoked_at;
	int reason;                  /**< RFC 5280 CRLReason code, -1 for none */
} es_crl_entry;

/** Issue a DER CRL signed with SM2/SM3, valid from @p this_update to @p next_update. */
ES_EXTERN(int) es_crl_issue(es_buf *der_out, const es_cert *issuer, const es_sm2_key *issuer_key,
			    const es_crl_entry *entries, size_t n, es_time this_update,
			    es_time next_update, uint64_t crl_number) ES_WARN_UNUSED;

/* ---- time stamps (RFC 3161 / GB/T 20520) ----------------------------- */

/**
 * Create a DER TimeStampToken (ContentInfo with SignedData) whose
 * messageImprint is SM3(@p data), signed by a TSA certificate (profile
 * ES_PROFILE_TSA) with SM2/SM3, genTime = @p at (0: now), policy
 * 1.2.156.10197.6.1.4.1 unless @p policy_oid is given.
 */
ES_EXTERN(int) es_tst_create(es_buf *der_out, const es_cert *tsa_cert, const es_sm2_key *tsa_key,
			     const void *data, size_t len, es_time at, const char *policy_oid) ES_WARN_UNUSED;

typedef struct es_tst_info {
	es_time gen_time;
	/** The TSA certificate from the token (owned by the caller, may be NULL). */
	es_cert *tsa_cert;
	char reason[256];
} es_tst_info;

/**
 * Verify a TimeStampToken over @p data: the imprint (SM3 or the algorithm the
 * token names) must equal the hash of @p data and the token signature must
 * verify with the embedded TSA certificate, which must carry EKU
 * timeStamping. Chain trust is the caller's job (es_trust_verify on
 * out->tsa_cert). Returns 0, ES_EVERIFY, ES_EMALFORMED; fills @p out.
 */
ES_EXTERN(int) es_tst_verify(es_tst_info *out, const uint8_t *token, size_t toklen,
			     const void *data, size_t len) ES_WARN_UNUSED;
/**
 * es_tst_verify() with the TSA certificate read through @p trust's cache of
 * parsed certificates (es_trust_cert_from_der; @p trust may be NULL): what a
 * verifier checking many tokens of one TSA calls.
 */
ES_EXTERN(int) es_tst_verify_trust(es_tst_info *out, const es_trust *trust, const uint8_t *token, size_t toklen,
				   const void *data, size_t len) ES_WARN_UNUSED;
ES_EXTERN(void) es_tst_info_release(es_tst_info *info);

/** The largest TimeStampReq es_tsp_respond() reads (a request is ~100 bytes). */
#define ES_TSP_MAX_REQUEST 4096

/** What es_tsp_respond() answered. */
typedef struct es_tsp_result {
	bool granted;             /**< a token was issued (PKIStatus granted) */
	int fail_info;            /**< rejection: the RFC 3161 PKIFailureInfo bit (0 badAlg, 2 badRequest,
				       5 badDataFormat, 15 unacceptedPolicy, 16 unacceptedExtension,
				       25 systemFailure); -1 when granted */
	es_time gen_time;         /**< the token's genTime when granted */
	char reason[200];         /**< "granted", or why not (also the response's statusString) */
} es_tsp_result;

/**
 * Answer an RFC 3161 TimeStampReq (DER, as sent over HTTP with
 * application/timestamp-query) with a TimeStampResp appended to @p resp_der:
 * granted with a token as es_tst_create() makes (SM2/SM3, this TSA's
 * policy 1.2.156.10197.6.1.4.1) over the request's own imprint (SM3 or
 * SHA-256), echoing its nonce and holding the TSA certificate when certReq is
 * true; or a rejection (status 2) with a statusString and failInfo for a
 * malformed request, another imprint algorithm, another policy or request
 * extensions. Returns 0 whenever @p resp_der holds an answer (see
 * @p out->granted); a negative code only when the TSA itself failed (then
 * @p resp_der holds a systemFailure answer).
 */
ES_EXTERN(int) es_tsp_respond(es_buf *resp_der, const es_cert *tsa_cert, const es_sm2_key *tsa_key,
			      const uint8_t *req, size_t len, es_time at, es_tsp_result *out) ES_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
