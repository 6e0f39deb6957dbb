/* SPDX-License-Identifier: AGPL-3.0-or-later */
/**
 * @file es_services.h
 * @brief Public and sign services: public verification, status lists, trust, the TSA, and documents sealed with platform-held seals.
 *
 * Part of the platform API (es_platform.h, which includes every part): the
 * conventions there hold here (an actor on every call, one transaction each,
 * refusal codes). Included on its own, it brings es_platform.h and so the rest.
 */
/* outside the guard: es_platform.h declares the parts in their order */
#include "es_platform.h"
#ifndef ESEAL_ES_SERVICES_H
#define ESEAL_ES_SERVICES_H
#ifdef __cplusplus
extern "C" {
#endif

/* ---- public services (docs/public-services.md) -------------------------------------- */

/**
 * A new trust store for verifying what this platform made: its root as the anchor,
 * its maker and TSA certificates as intermediates. Freed with es_trust_free(); safe
 * to share between threads once made (es_pki.h).
 */
ES_EXTERN(int) es_platform_trust_new(es_platform *p, es_trust **out) ES_WARN_UNUSED;
/**
 * A number that grows with every change of any seal's state (the count of seal
 * transitions): equal numbers mean an equal status list and CRL, so a cache of them
 * is current while the number stays the same. Also the CRL's cRLNumber.
 */
ES_EXTERN(int) es_platform_status_version(es_platform *p, int64_t *version) ES_WARN_UNUSED;
/**
 * A CRL of the certificates of this platform's revoked (cessationOfOperation), lost
 * (keyCompromise) and suspended (certificateHold) seals, signed now by the root,
 * next update a day later (DER appended to @p der; the times may be NULL).
 */
ES_EXTERN(int) es_platform_crl(es_platform *p, es_buf *der, es_time *this_update,
			       es_time *next_update) ES_WARN_UNUSED;
/**
 * The trust document of GET /api/v1/trust (JSON appended to @p out): root, maker and
 * TSA certificates (subject, serial, validity, SM3 fingerprint, base64 DER) and the
 * current CRL (es_platform_crl).
 */
ES_EXTERN(int) es_platform_trust_json(es_platform *p, es_buf *out) ES_WARN_UNUSED;
/**
 * The signed status list and CRL as a full node last published them in the store (what a
 * verify node, es_platform_options.public_only, serves): @p json, @p sig (may be NULL), the
 * CRL in @p crl (may be NULL) with its dates, and @p version, the count of seal transitions
 * it covers. ES_ENOTFOUND before any publication.
 */
ES_EXTERN(int) es_platform_status_list_published(es_platform *p, es_buf *json, es_buf *sig, es_buf *crl,
						 es_time *crl_this, es_time *crl_next, int64_t *version) ES_WARN_UNUSED;
/** Sign and publish the status list and CRL now (DIR/status and the store); 0 on a verify node. */
ES_EXTERN(int) es_platform_publish(es_platform *p) ES_WARN_UNUSED;
/** Whether @p p was opened without the master key (es_platform_options.public_only). */
ES_EXTERN(bool) es_platform_public_only(es_platform *p);
/** The platform TSA answers an RFC 3161 request (es_tsp_respond() at the platform's clock). */
ES_EXTERN(int) es_platform_tsa_respond(es_platform *p, const uint8_t *req, size_t len, es_buf *resp,
				       es_tsp_result *out) ES_WARN_UNUSED;

/** Kept verifications: an id is 32 lower-case hex digits (128 random bits) + NUL. */
#define ES_VERIFICATION_ID_LEN 33
/** The longest a verification is kept: ten years. */
#define ES_VERIFICATION_MAX_TTL (3650 * 86400)
/**
 * Keep the report @p r of document @p doc (and of @p original, NULL if none) for
 * @p ttl_s seconds: the report (es_report_json), the document's size, SM3 and SHA-256
 * and the original's SM3, never the bytes, under a new random id written to @p id.
 * Expired records are deleted on the way.
 */
ES_EXTERN(int) es_platform_verification_keep(es_platform *p, const es_report *r, const uint8_t *doc, size_t len,
					     const uint8_t *original, size_t original_len, unsigned ttl_s,
					     char id[ES_VERIFICATION_ID_LEN]) ES_WARN_UNUSED;
/**
 * A kept verification as JSON {"created", "expires", "document": {"size", "sm3",
 * "sha256", "original_sm3"}, "report": {...}, "id"} appended to @p out;
 * ES_ENOTFOUND when there is none or it has expired.
 */
ES_EXTERN(int) es_platform_verification_get(es_platform *p, const char *id, es_buf *out) ES_WARN_UNUSED;
/* ---- sealing documents with platform-held seals (sign services) -------------------------- */

/**
 * es_platform_seal_sign() with the signature's propertyInfo given (NULL: "data"), e.g.
 * "/Doc_0/Signs/Sign_0/Signature.xml" when @p doc_hash is the SM3 of the Signature.xml
 * an OFD reader-side signing component (OES, GB/T 33481) is about to store: the
 * approved request @p request covers exactly that digest. Time-stamped by the
 * platform TSA, like every signature the platform makes.
 */
ES_EXTERN(int) es_platform_seal_sign_digest(es_platform *p, const es_actor *actor, const char *esid,
					    const uint8_t doc_hash[32], int64_t request, const char *pin,
					    const char *property_info, es_buf *sig_out) ES_WARN_UNUSED;

/** Where the stamp goes on a document sealed by es_platform_seal_document(). */
typedef enum es_doc_place {
	ES_DOC_PLACE_POSITION = 0, /**< page + x/y (mm from the page's top-left corner) */
	ES_DOC_PLACE_KEYWORD,      /**< centred on the first occurrence of a text */
	ES_DOC_PLACE_RIDING,       /**< 骑缝章 across the right edges of every page (needs 2 pages) */
} es_doc_place;

typedef struct es_seal_document_options {
	unsigned version;          /**< ES_SEAL_DOCUMENT_OPTIONS_VERSION */
	const char *esid;          /**< the seal, held by the platform */
	/** The approved use request covering the SM3 of the document; 0 for a device seal (batch authorisation). */
	int64_t request;
	const char *pin;           /**< user PIN when the key is in a software token or key store, else NULL */
	es_doc_place place;
	unsigned page;             /**< 1-based; 0: page 1 (POSITION), every page (KEYWORD) */
	double x_mm, y_mm;         /**< POSITION: top-left of the stamp; RIDING: y_mm its top (OFD: 0 centres it) */
	double w_mm, h_mm;         /**< stamp size; 0: the seal picture's size */
	const char *keyword;       /**< KEYWORD: UTF-8 text */
	const char *reason;        /**< PDF /Reason (optional) */
	/**
	 * Device seals only: the holder's device signs e = SM3(Z ‖ TBS_Sign) (raw r‖s or DER,
	 * appended to @p sig), checked against the seal's certificate before use. Never
	 * called for other seals (es_sign_digest_fn of es_seal.h).
	 */
	int (*device_sign)(es_buf *sig, const uint8_t e[32], void *payload);
	void *device_payload;
} es_seal_document_options;
#define ES_SEAL_DOCUMENT_OPTIONS_VERSION 1
#define ES_SEAL_DOCUMENT_OPTIONS_INIT { .version = ES_SEAL_DOCUMENT_OPTIONS_VERSION }

typedef struct es_seal_document_result {
	char format[4];            /**< "ofd", "pdf" (documents), "sm2", "cms" (es_platform_sign_data) */
	uint8_t in_sm3[32];        /**< SM3 of the document given */
	uint8_t out_sm3[32];       /**< SM3 of the sealed document */
	int64_t usage_id;          /**< the usage record (用章记录) */
	es_time signed_at;         /**< the platform's clock at signing (and the TSA's token) */
} es_seal_document_result;

/** "ofd" or "pdf" by content (zip / %PDF- header), NULL for anything else. */
ES_EXTERN(const char *) es_document_format(const uint8_t *doc, size_t len);

/**
 * Seal an OFD or PDF (recognised by its content) with platform seal @p opt->esid, its
 * key wherever it is held: the platform's key, a software token or a key store (PKCS#11)
 * after a login with @p opt->pin, or the caller's device (@p opt->device_sign) under a
 * batch authorisation in force. OFD: Type=Seal with a GB/T 38540 SES_Signature; PDF:
 * /SubFilter /GB38540.SES (the signature carries the seal, so verifiers find its status).
 * The signature is dated by the platform clock and time-stamped by the platform TSA.
 *
 * The use request @p opt->request must be approved, for this seal and the SM3 of
 * @p doc, and unused; it is used up, and the usage record (input and output SM3)
 * and audit entries are written in one transaction after the document is signed: the
 * sealed document is appended to @p out only then. @p res (may be NULL) describes it.
 *
 * Refusals (each audited): ES_EDENIED (role, unit, a request for another seal or
 * document, no batch authorisation, a device seal without its device, a blank page);
 * ES_ESTATE (the seal is not active or has expired, the request is not approved or was
 * used); ES_EAUTH (wrong PIN; the tries are counted, ES_PIN_TRIES lock the token, after which
 * it is ES_ESTATE until a PIN-unlock application);
 * ES_ENOTFOUND (no such seal or request; the key store is unreachable); ES_EMALFORMED
 * (neither OFD nor PDF, or unreadable); ES_ECONFLICT (another call used the request
 * meanwhile: nothing is returned).
 */
ES_EXTERN(int) es_platform_seal_document(es_platform *p, const es_actor *actor, const es_seal_document_options *opt,
					 const uint8_t *doc, size_t len, es_buf *out,
					 es_seal_document_result *res) ES_WARN_UNUSED;

/** What es_platform_sign_data() makes. */
typedef enum es_sign_data_form {
	ES_SIGN_DATA_SM2 = 0, /**< SM2 signature (DER) with SM3 and the default ID over the data (GM/T 0029 SignData) */
	ES_SIGN_DATA_CMS = 1, /**< detached GM/T 0010 SignedData with signed attributes and the TSA's token (SignMessage) */
} es_sign_data_form;

typedef struct es_sign_data_options {
	unsigned version;          /**< ES_SIGN_DATA_OPTIONS_VERSION */
	const char *esid;
	int64_t request;           /**< approved use request covering the SM3 of the data (0: device seal, batch) */
	const char *pin;
	es_sign_data_form form;
	int (*device_sign)(es_buf *sig, const uint8_t e[32], void *payload); /**< as for documents */
	void *device_payload;
} es_sign_data_options;
#define ES_SIGN_DATA_OPTIONS_VERSION 1
#define ES_SIGN_DATA_OPTIONS_INIT { .version = ES_SIGN_DATA_OPTIONS_VERSION }

/**
 * Sign arbitrary data with a platform-held seal's key, under exactly the rules of
 * es_platform_seal_document() (approved request for the data's SM3, used once; the key
 * wherever it is held; usage record with input and output SM3; audit "sign-data"):
 * a bare SM2 signature or a detached GM/T 0010 SignedData (time-stamped) appended to
 * @p out. The signer certificate is the seal's. @p res's format is "sm2" or "cms".
 */
ES_EXTERN(int) es_platform_sign_data(es_platform *p, const es_actor *actor, const es_sign_data_options *opt,
				     const uint8_t *data, size_t len, es_buf *out,
				     es_seal_document_result *res) ES_WARN_UNUSED;

/**
 * Registered systems (API keys) and the seals they may sign with: a system administrator
 * allows (@p allow) or withdraws seal @p esid for API key @p key_id; audited. The sign
 * services refuse an API-key caller a seal it is not allowed (es_platform_api_key_may_use:
 * 0 or ES_EDENIED); a key allowed no seal signs with none.
 */
ES_EXTERN(int) es_platform_api_key_seal(es_platform *p, const es_actor *actor, int64_t key_id, const char *esid,
					bool allow) ES_WARN_UNUSED;
ES_EXTERN(int) es_platform_api_key_may_use(es_platform *p, int64_t key_id, const char *esid) ES_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
