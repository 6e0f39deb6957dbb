/* SPDX-License-Identifier: AGPL-3.0-or-later */
/**
 * @file es_seal.h
 * @brief GB/T 38540-2020 electronic seals (SESeal) and electronic
 *        signatures (SES_Signature): parse v1/v4/v5, make and sign v4.
 *
 * Parsed objects own a copy of their input; every es_bytes in a fields
 * struct points into that copy and lives as long as the object. Parsing
 * checks structure only: a parsed seal is untrusted until es_verify_*()
 * (es_verify.h) says so.
 */
#ifndef ESEAL_ES_SEAL_H
#define ESEAL_ES_SEAL_H

#include "es_types.h"
#include "es_crypto.h"
#include "es_pki.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ES_SEAL_MAX_CERTS 16
#define ES_SEAL_MAX_EXTS 32
#define ES_OID_SM2 "1.2.156.10197.1.301"
#define ES_OID_SM3 "1.2.156.10197.1.401"
#define ES_OID_SM2_SM3 "1.2.156.10197.1.501"

/**
 * Vendor deviations accepted on read and reported by name
 * (es_quirk_name()). None of them is ever written.
 */
enum es_quirk {
	ES_QUIRK_RAW_SIGNATURE = 1 << 0,        /**< raw 64-byte r‖s instead of DER SEQUENCE{r,s} */
	ES_QUIRK_EXT_CRITICAL_FALSE = 1 << 1,   /**< ExtData.critical FALSE encoded (DER omits DEFAULT) */
	ES_QUIRK_V1_CERT_NOT_OCTETS = 1 << 2,   /**< v1 certList entry is not an OCTET STRING certificate */
	ES_QUIRK_V1_TIMEINFO_TEXT = 1 << 3,     /**< v1 timeInfo BIT STRING holds ASCII text */
	ES_QUIRK_TIMESTAMP_IMPLICIT = 1 << 4,   /**< timeStamp as [0] IMPLICIT instead of EXPLICIT */
	ES_QUIRK_TIMESTAMP_UNTAGGED = 1 << 5,   /**< timeStamp as a bare BIT STRING */
	ES_QUIRK_ESID_NOT_NUMERIC = 1 << 6,     /**< esID is not the 14-digit national code */
	ES_QUIRK_SIGNED_HASH_DIRECTLY = 1 << 7, /**< signature verifies over dataHash, not TBS_Sign (GM/T 0031 non-conformant) */
	ES_QUIRK_UTCTIME_IN_V4 = 1 << 8,        /**< UTCTime where v4 requires GeneralizedTime */
	ES_QUIRK_TIME_WITHOUT_Z = 1 << 9,       /**< GeneralizedTime/UTCTime without the trailing 'Z' (read as UTC) */
	ES_QUIRK_CERTLIST_TYPE = 1 << 10,       /**< certListType neither 1 nor 2 over a list of certificates (read as 1) */
	ES_QUIRK_BITSTRING_UNUSED = 1 << 11,    /**< non-zero unused-bits count on a BIT STRING of whole octets */
	ES_QUIRK_BITSTRING_LENGTH = 1 << 12,    /**< BIT STRING whose first byte is a length, not an unused-bits count (v1) */
	ES_QUIRK_FILEREF_SLASHES = 1 << 13,     /**< OFD FileRef with a doubled leading slash ("//Doc_0/...") */
	ES_QUIRK_LEGACY_ALGORITHM = 1 << 14,    /**< an algorithm other than SM2/SM3 (RSA, ECDSA, SHA-1, SHA-256, MD5) */
	ES_QUIRK_STAMP_CLIP_WHOLE = 1 << 15,    /**< OFD stamp Clip equal to the whole stamp (not a riding seal) */
};
/** Name of one quirk bit ("raw-signature", ...), NULL for unknown bits. */
ES_EXTERN(const char *) es_quirk_name(unsigned quirk_bit);

/** ExtData ::= SEQUENCE { extnID OID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING } */
typedef struct es_ext_data {
	es_bytes oid;   /**< contents octets of the OID */
	bool critical;
	es_bytes value;
} es_ext_data;

/** CertDigestObj ::= SEQUENCE { type PrintableString, value OCTET STRING } */
typedef struct es_cert_digest {
	es_bytes type;
	es_bytes value;
} es_cert_digest;

/**
 * The fields of a parsed SESeal (GB/T 38540-2020 §5 / GM/T 0031-2014 §6.1).
 *
 *   SESeal ::= SEQUENCE { eSealInfo SES_SealInfo, cert OCTET STRING,
 *                         signAlgID OBJECT IDENTIFIER, signedValue BIT STRING }   -- v4
 *   SESeal ::= SEQUENCE { esealInfo SES_SealInfo, signInfo SES_SignInfo }          -- v1
 */
typedef struct es_seal_fields {
	int version;             /**< 1, 4 or 5 */
	es_bytes der;            /**< the whole SESeal TLV */
	es_bytes seal_info;      /**< the SES_SealInfo TLV exactly as received (what v4 signs) */
	es_bytes header_id;      /**< "ES" */
	uint64_t header_version;
	es_bytes vid;
	es_bytes esid;
	uint64_t type;
	es_bytes name;           /**< UTF-8 */
	uint64_t cert_list_type; /**< 1 certificates, 2 digests (v1: 1) */
	uint64_t cert_list_type_declared; /**< the value written when it was neither 1 nor 2 (quirk), else 0 */
	size_t ncerts;
	es_bytes certs[ES_SEAL_MAX_CERTS];   /**< DER certificates (type 1) */
	size_t ndigests;
	es_cert_digest digests[ES_SEAL_MAX_CERTS]; /**< type 2 */
	es_time create_date, valid_start, valid_end;
	es_bytes picture_type;   /**< "PNG", "GIF", "SVG", "ofd" ... */
	es_bytes picture;
	uint64_t picture_width;  /**< millimetres */
	uint64_t picture_height;
	size_t nexts;
	es_ext_data exts[ES_SEAL_MAX_EXTS];
	es_bytes maker_cert;     /**< DER certificate of the seal maker */
	es_bytes sign_alg;       /**< OID contents */
	es_bytes signed_value;   /**< signature bytes (DER or raw r‖s) */
	es_bytes sign_data;      /**< v1 only: the bytes the maker signed, SEQ{info, cert, alg} (owned copy) */
	es_bytes timestamp;      /**< v5 SESeal.timeStamp token, if any */
	unsigned quirks;         /**< enum es_quirk bits */
} es_seal_fields;

typedef struct es_seal es_seal;

/** Parse a SESeal (v1, v4 or v5). ES_EMALFORMED/ES_ETRUNC/ES_ELIMIT with the reason. */
ES_EXTERN(int) es_seal_parse(es_seal **out, const uint8_t *der, size_t len) ES_WARN_UNUSED;
/** Borrowed view of the fields, valid while @p seal lives. */
ES_EXTERN(const es_seal_fields *) es_seal_fields_get(const es_seal *seal);
ES_EXTERN(void) es_seal_free(es_seal *seal);

/**
 * The fields of a parsed SES_Signature (GB/T 38540-2020 §6 / GM/T 0031-2014 §6.2).
 *
 *   SES_Signature ::= SEQUENCE { toSign TBS_Sign, cert OCTET STRING,
 *       signatureAlgID OBJECT IDENTIFIER, signature BIT STRING,
 *       timeStamp [0] EXPLICIT BIT STRING OPTIONAL }                               -- v4
 *   TBS_Sign ::= SEQUENCE { version INTEGER, eseal SESeal, timeInfo GeneralizedTime,
 *       dataHash BIT STRING, propertyInfo IA5String, extDatas [0] EXPLICIT ExtensionDatas OPTIONAL }
 *   SES_Signature ::= SEQUENCE { toSign TBS_Sign, signature BIT STRING }            -- v1
 *   TBS_Sign ::= SEQUENCE { version INTEGER, eseal SESeal, timeInfo BIT STRING,
 *       dataHash BIT STRING, propertyInfo IA5String, cert OCTET STRING,
 *       signatureAlgorithm OBJECT IDENTIFIER }                                     -- v1
 */
typedef struct es_sig_fields {
	int version;             /**< 1, 4 or 5 (from the embedded seal's header) */
	es_bytes der;            /**< the whole SES_Signature TLV */
	es_bytes tbs;            /**< the TBS_Sign TLV exactly as received (what is signed) */
	uint64_t tbs_version;
	const es_seal *seal;     /**< the embedded SESeal, owned by the signature */
	es_time time_info;       /**< signing time claimed by the signer; 0 if unreadable */
	es_bytes time_info_raw;  /**< v1: the text in the BIT STRING */
	es_bytes data_hash;
	es_bytes property_info;
	size_t nexts;
	es_ext_data exts[ES_SEAL_MAX_EXTS];
	es_bytes cert;           /**< signer certificate (DER) */
	es_bytes sign_alg;
	es_bytes signature;
	es_bytes timestamp;      /**< TimeStampToken DER, if present */
	unsigned quirks;
} es_sig_fields;

typedef struct es_ses_sig es_ses_sig;

ES_EXTERN(int) es_ses_sig_parse(es_ses_sig **out, const uint8_t *der, size_t len) ES_WARN_UNUSED;
ES_EXTERN(const es_sig_fields *) es_ses_sig_fields_get(const es_ses_sig *sig);
ES_EXTERN(void) es_ses_sig_free(es_ses_sig *sig);

/* ---- making seals (制章, GB/T 38540 §6.2) ------------------------------ */

/** Seal kinds (R1) and the SES_ESPropertyInfo.type written for each. */
typedef enum es_seal_kind {
	ES_KIND_OFFICIAL = 1,    /**< 单位公章 (type 1) */
	ES_KIND_SPECIAL,         /**< 专用章, with a function (types 2-4, 99) */
	ES_KIND_POSITION,        /**< 职务章, e.g. 法定代表人 (type 5) */
	ES_KIND_PERSONAL,        /**< 个人名章/签名 (type 20) */
	ES_KIND_DEVICE,          /**< 设备(服务器)印章 (type 30) */
} es_seal_kind;

typedef enum es_seal_function {
	ES_FUNC_NONE = 0,
	ES_FUNC_CONTRACT,        /**< 合同专用章 */
	ES_FUNC_FINANCE,         /**< 财务专用章 */
	ES_FUNC_INVOICE,         /**< 发票专用章 */
	ES_FUNC_CERTIFICATE,     /**< 证照专用章 */
	ES_FUNC_LETTER,          /**< 公函专用章 */
	ES_FUNC_AUDIT,           /**< 审验专用章 */
	ES_FUNC_CUSTOMS,         /**< 报关专用章 */
} es_seal_function;

/** Kind/function by name ("official", "contract", ...); -1 if unknown. */
ES_EXTERN(int) es_seal_kind_from_name(const char *name);
ES_EXTERN(int) es_seal_function_from_name(const char *name);
ES_EXTERN(const char *) es_seal_kind_name(int kind);
ES_EXTERN(const char *) es_seal_function_name(int function);
/** The SES_ESPropertyInfo.type value for a kind and function. */
ES_EXTERN(uint64_t) es_seal_type_code(int kind, int function);

/** One extension to write into ExtensionDatas. */
typedef struct es_seal_ext {
	const char *oid;         /**< dotted */
	bool critical;
	const uint8_t *value;
	size_t len;
} es_seal_ext;

typedef struct es_seal_make_options {
	unsigned version;        /**< ES_SEAL_MAKE_OPTIONS_VERSION */
	int kind;                /**< es_seal_kind */
	int function;            /**< es_seal_function (special seals) */
	const char *esid;        /**< 14 digits: region code + sequence */
	const char *name;        /**< 印章名称, UTF-8 */
	const char *vid;         /**< vendor id, default "ESEAL" */
	es_cert *const *signers; /**< signer certificates allowed to use the seal */
	size_t nsigners;
	int cert_list_type;      /**< 1 (default) certificates, 2 SM3 digests */
	const char *picture_type;/**< "PNG", "SVG", "GIF", "JPG", "BMP", "OFD" */
	const uint8_t *picture;
	size_t picture_len;
	unsigned width_mm, height_mm;
	es_time create_date;     /**< 0: now */
	es_time valid_start;     /**< 0: from the signer certificates */
	es_time valid_end;       /**< 0: from the signer certificates */
	const es_seal_ext *exts;
	size_t nexts;
	/** Bind more than one signer certificate only with a stated reason (FG 二.2). */
	const char *multi_cert_reason;
} es_seal_make_options;
#define ES_SEAL_MAKE_OPTIONS_VERSION 1
#define ES_SEAL_MAKE_OPTIONS_INIT \
	{ .version = ES_SEAL_MAKE_OPTIONS_VERSION, .kind = ES_KIND_OFFICIAL, .cert_list_type = 1 }

/**
 * Make a v4 SESeal in canonical DER, appended to @p out.
 * The seal's validity equals the signer certificates' common validity
 * (refused otherwise); the maker's own certificate must be valid now and
 * allow digitalSignature or nonRepudiation, its key must match @p maker_key,
 * and when @p trust is not NULL it must chain to an anchor. ES_EINVAL names
 * the offending option; ES_EDENIED names a refused rule.
 */
ES_EXTERN(int) es_seal_make(es_buf *out, const es_seal_make_options *opt, const es_cert *maker_cert,
			    const es_sm2_key *maker_key, const es_trust *trust) ES_WARN_UNUSED;

/** Check an esID: 14 digits, a known province prefix (GB/T 2260). */
ES_EXTERN(int) es_esid_check(const char *esid) ES_WARN_UNUSED;

/* ---- signing (签章, GB/T 38540 §7.2) ------------------------------------- */

typedef struct es_sign_options {
	unsigned version;        /**< ES_SIGN_OPTIONS_VERSION */
	/** The original: either the data ... */
	const uint8_t *data;
	size_t data_len;
	/** ... or its SM3 hash (32 bytes), when data is NULL. */
	const uint8_t *data_hash;
	/** Protection scope, IA5 text (default "data"); for OFD the Signature.xml path. */
	const char *property_info;
	es_time time;            /**< 0: now */
	/** Optional time-stamping authority: token over the signature value. */
	const es_cert *tsa_cert;
	const es_sm2_key *tsa_key;
	/** Optional: check the signer chain before signing. */
	const es_trust *trust;
} es_sign_options;
#define ES_SIGN_OPTIONS_VERSION 1
#define ES_SIGN_OPTIONS_INIT { .version = ES_SIGN_OPTIONS_VERSION }

/**
 * Make a v4 SES_Signature (canonical DER, appended to @p out) with
 * @p seal, which must be a v4 seal whose certList holds @p signer_cert,
 * valid at the signing time, as must be the certificate.
 */
ES_EXTERN(int) es_ses_sign(es_buf *out, const es_sign_options *opt, const es_seal *seal,
			   const es_cert *signer_cert, const es_sm2_key *signer_key) ES_WARN_UNUSED;

/**
 * A signer for many signatures with one seal: es_ses_signer_new() runs
 * the checks of the seal, certificate and key once and keeps the signer's
 * Z and the SM3 state over the constant start of TBS_Sign (the embedded
 * seal), so each es_ses_signer_sign() hashes only the bytes that change.
 * The output is the same as es_ses_sign()'s. @p seal must outlive the
 * signer; certificate and key are referenced. One signer per thread.
 */
typedef struct es_ses_signer es_ses_signer;
ES_EXTERN(int) es_ses_signer_new(es_ses_signer **out, const es_seal *seal, const es_cert *signer_cert,
				 const es_sm2_key *signer_key) ES_WARN_UNUSED;
ES_EXTERN(int) es_ses_signer_sign(es_ses_signer *s, es_buf *out, const es_sign_options *opt) ES_WARN_UNUSED;
ES_EXTERN(void) es_ses_signer_free(es_ses_signer *s);

/**
 * Sign e = SM3(Z ‖ TBS_Sign) (32 bytes) with a key held elsewhere — a
 * PKCS#11 token, a server cryptographic module, a soft token — appending
 * the signature (raw 64-byte r‖s or DER) to @p sig.
 */
typedef int (*es_sign_digest_fn)(es_buf *sig, const uint8_t e[32], void *payload);

/**
 * A signer whose private key never enters this process: @p fn signs each
 * digest. Z comes from @p signer_cert's public key; every signature @p fn
 * returns is checked against that key before it is used, so a token with
 * the wrong key is refused (ES_EVERIFY) rather than producing a
 * signature that cannot verify.
 */
ES_EXTERN(int) es_ses_signer_new_external(es_ses_signer **out, const es_seal *seal, const es_cert *signer_cert,
					  es_sign_digest_fn fn, void *payload) ES_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
