/* SPDX-License-Identifier: AGPL-3.0-or-later */
/**
 * @file es_verify.h
 * @brief Verification of seals, SES signatures, GM/T 0010 / PKCS#7 signed
 *        data and raw SM2 signatures, with a structured report.
 *
 * A report has one entry per signature (a bare seal is one entry) and one
 * check per step of GB/T 38540 §6.3/§7.3. The verdict of an entry is
 * invalid if any check failed, otherwise indeterminate if any check could
 * not be decided (no trust anchor, no original, ...), otherwise valid.
 * Check names are stable: format, seal-signature, maker-chain,
 * seal-validity, signer-in-seal, signer-chain, signature, data-hash,
 * timestamp, seal-status; document layers add references (OFD) and
 * byte-range (PDF).
 */
#ifndef ESEAL_ES_VERIFY_H
#define ESEAL_ES_VERIFY_H

#include "es_types.h"
#include "es_pki.h"
#include "es_seal.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * The result of one check. A stored check is always pass, fail,
 * indeterminate (could not be decided: lowers the verdict) or skip (not
 * applicable, does not lower it). ES_RESULT_WARN is accepted by
 * es_sig_report_check() as "passed, with an advisory": it is stored as
 * pass and the reason becomes a notice of the entry.
 */
typedef enum es_result {
	ES_RESULT_PASS = 0,
	ES_RESULT_FAIL,
	ES_RESULT_WARN,
	ES_RESULT_SKIP,
	ES_RESULT_INDETERMINATE,
} es_result;
typedef enum es_verdict {
	ES_VERDICT_VALID = 0,
	ES_VERDICT_INVALID = 1,
	ES_VERDICT_INDETERMINATE = 2,
} es_verdict;

ES_EXTERN(const char *) es_result_name(es_result r);
ES_EXTERN(const char *) es_verdict_name(es_verdict v);

typedef struct es_check {
	char name[24];
	es_result result;
	/** The check could not be decided (result ES_RESULT_INDETERMINATE). */
	bool indeterminate;
	char reason[400];
} es_check;

#define ES_REPORT_MAX_CHECKS 24
#define ES_REPORT_MAX_INFO 16
#define ES_REPORT_MAX_NOTICES 16

/**
 * An advisory note: something the reader should know that does not by
 * itself lower the verdict (a vendor quirk, revocation not checked for
 * want of a CRL, files no signature covers, a seal revoked after signing).
 */
typedef struct es_notice {
	char source[24];          /**< the check it came from, or "" */
	char text[400];
} es_notice;

/** Free-form facts about an entry (e.g. "page": "1", "box": "90 8 30 20"). */
typedef struct es_info {
	char key[32];
	char value[256];
} es_info;

typedef struct es_sig_report {
	char id[64];              /**< "seal", or the document's signature id */
	char type[16];            /**< "seal", "Seal", "Sign", "cms", "sm2" */
	es_verdict verdict;
	size_t nchecks;
	es_check checks[ES_REPORT_MAX_CHECKS];
	/* what was found */
	int seal_version;         /**< 1, 4, 5; 0 when no seal */
	char esid[64];
	char seal_name[256];
	uint64_t seal_type;
	char vid[64];
	es_time seal_valid_start, seal_valid_end;
	char maker[512];          /**< maker certificate subject */
	char signer[512];         /**< signer certificate subject */
	es_time signing_time;     /**< 0 when unknown */
	char signing_time_source[16]; /**< "timestamp", "timeInfo", "signingTime" or "" */
	char property_info[256];
	unsigned quirks;          /**< enum es_quirk bits seen */
	size_t ninfo;
	es_info info[ES_REPORT_MAX_INFO];
	size_t nnotices;
	es_notice notices[ES_REPORT_MAX_NOTICES];
} es_sig_report;

typedef struct es_report {
	es_verdict verdict;
	char format[16];          /**< "seal", "ses", "cms", "sm2", "ofd", "pdf" */
	size_t nsigs;
	es_sig_report *sigs;
	/** Why the document verdict is what it is when no entry says it
	 *  (a document with no signature: indeterminate, nothing to verify). */
	char reason[400];
} es_report;

ES_EXTERN(void) es_report_init(es_report *r);
ES_EXTERN(void) es_report_release(es_report *r);
/** Append an entry (zeroed, verdict valid) and return it through @p out. */
ES_EXTERN(int) es_report_add(es_report *r, es_sig_report **out) ES_WARN_UNUSED;
/**
 * Append or replace a check in an entry (printf-style reason).
 * @p indeterminate stores the check as ES_RESULT_INDETERMINATE whatever
 * @p result says; ES_RESULT_WARN is stored as pass plus a notice.
 */
ES_EXTERN(void) es_sig_report_check(es_sig_report *s, const char *name, es_result result,
				    bool indeterminate, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
ES_EXTERN(void) es_sig_report_info(es_sig_report *s, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/** Add an advisory notice to an entry (printf-style). */
ES_EXTERN(void) es_sig_report_notice(es_sig_report *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** The named check of an entry, or NULL. */
ES_EXTERN(const es_check *) es_sig_report_get(const es_sig_report *s, const char *name);
/** Recompute every entry's verdict and the overall verdict from the checks. */
ES_EXTERN(void) es_report_finish(es_report *r);
/** The stable JSON form ({"verdict", "format", "signatures": [...]}), appended to @p out. */
ES_EXTERN(int) es_report_json(es_buf *out, const es_report *r) ES_WARN_UNUSED;
/** A human-readable text form, appended to @p out. */
ES_EXTERN(int) es_report_text(es_buf *out, const es_report *r) ES_WARN_UNUSED;

/* ---- seal status (R5: revoked, suspended, lost seals) ----------------- */

typedef enum es_seal_status {
	ES_STATUS_UNKNOWN = 0,
	ES_STATUS_ACTIVE,
	ES_STATUS_SUSPENDED,
	ES_STATUS_LOST,
	ES_STATUS_REVOKED,
	ES_STATUS_EXPIRED,
} es_seal_status;

ES_EXTERN(const char *) es_seal_status_name(es_seal_status s);

typedef struct es_status_info {
	es_seal_status status;
	es_time since;            /**< when the status took effect */
	char reason[128];
} es_status_info;

/**
 * A status source: fills @p out for @p esid and returns 0, or a negative
 * code when the source itself failed (reported as indeterminate).
 */
typedef int (*es_status_fn)(es_status_info *out, const char *esid, void *payload);
/**
 * A status source that knows a seal's history: its status at the instant @p at
 * (es_platform_seal_status_at() is one). Same returns as es_status_fn.
 */
typedef int (*es_status_at_fn)(es_status_info *out, const char *esid, es_time at, void *payload);

/**
 * A seal maker's signed status list, judged like a CRL (docs/verify-report.md):
 * JSON {"issuer", "generated", "next_update", "seals": [{"esid", "status",
 * "since", "reason"}]} and a detached SM2 signature over the exact bytes
 * (@p sig may be NULL: the list is then never believed). Parsing checks the
 * shape only; each seal's verification decides whether to believe the list
 * (signed by that seal's maker certificate, which must be trusted, and
 * naming it as issuer) and whether it is stale.
 */
typedef struct es_status_list es_status_list;
ES_EXTERN(int) es_status_list_parse(es_status_list **out, const uint8_t *json, size_t len, const uint8_t *sig,
				    size_t siglen) ES_WARN_UNUSED;
ES_EXTERN(const char *) es_status_list_issuer(const es_status_list *l);
ES_EXTERN(es_time) es_status_list_generated(const es_status_list *l);
ES_EXTERN(es_time) es_status_list_next_update(const es_status_list *l);
ES_EXTERN(void) es_status_list_free(es_status_list *l);

/** Which signature algorithms can make a signature valid. */
typedef enum es_policy {
	/** The regulations: SM2 with SM3. Other algorithms are checked, and at most indeterminate. */
	ES_POLICY_SM = 0,
	/** Judge every supported algorithm (RSA, ECDSA, SHA-1, SHA-256, MD5) on its merits. */
	ES_POLICY_ANY = 1,
} es_policy;

typedef struct es_verify_options {
	unsigned version;         /**< ES_VERIFY_OPTIONS_VERSION */
	const es_trust *trust;    /**< anchors for makers, signers, TSAs; NULL: indeterminate */
	/** The original data (what dataHash covers); has_original false if not supplied. */
	const uint8_t *original;
	size_t original_len;
	bool has_original;
	es_time now;              /**< 0: current time */
	es_status_fn status;      /**< optional */
	void *status_payload;
	/** Certificates to use when a signature carries none (raw SM2) and for path building. */
	es_cert *const *certs;
	size_t ncerts;
	/** A maker's signed status list; used when @c status is NULL. */
	const es_status_list *status_list;
	es_policy policy;
	/**
	 * Optional, with @c status (same payload): the seal's status at the signing time.
	 * A seal suspended, lost, revoked or expired then voids the signature even when it
	 * is active again now (a suspension lifted later).
	 */
	es_status_at_fn status_at;
} es_verify_options;
#define ES_VERIFY_OPTIONS_VERSION 1
#define ES_VERIFY_OPTIONS_INIT { .version = ES_VERIFY_OPTIONS_VERSION, .policy = ES_POLICY_SM }

/** Verify a bare seal into a new entry of @p r (GB/T 38540 §6.3). */
ES_EXTERN(int) es_verify_seal(es_report *r, const es_seal *seal, const es_verify_options *opt) ES_WARN_UNUSED;
/** Verify an SES_Signature (GB/T 38540 §7.3) into a new entry of @p r. */
ES_EXTERN(int) es_verify_ses(es_report *r, const es_ses_sig *sig, const es_verify_options *opt) ES_WARN_UNUSED;
/**
 * Verify DER bytes recognised by content: SESeal, SES_Signature,
 * GM/T 0010 or PKCS#7 SignedData (Type=Sign), or a bare DER SM2 signature
 * (needs opt->certs). Fills @p r; returns a negative code only when the
 * input cannot be recognised or on internal failure (the report then holds
 * a failed "format" check).
 */
ES_EXTERN(int) es_verify_der(es_report *r, const uint8_t *der, size_t len, const es_verify_options *opt) ES_WARN_UNUSED;
/** Same for a single signed value, added as entry @p id of type @p type (document layers). */
ES_EXTERN(int) es_verify_signed_value(es_report *r, const char *id, const uint8_t *der, size_t len,
				      const es_verify_options *opt, es_sig_report **entry) ES_WARN_UNUSED;

/**
 * Verify any supported file by content: the above, plus OFD and PDF when
 * their layers are built (ES_ENOTSUPPORTED otherwise).
 */
ES_EXTERN(int) es_verify_file(es_report *r, const uint8_t *data, size_t len, const es_verify_options *opt) ES_WARN_UNUSED;

/** Hook through which document layers plug into es_verify_file(). */
typedef int (*es_doc_verify_fn)(es_report *r, const uint8_t *data, size_t len, const es_verify_options *opt);
ES_EXTERN(void) es_verify_register_ofd(es_doc_verify_fn fn);
ES_EXTERN(void) es_verify_register_pdf(es_doc_verify_fn fn);

#ifdef __cplusplus
}
#endif
#endif
