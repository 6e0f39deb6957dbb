/* SPDX-License-Identifier: AGPL-3.0-or-later */
/**
 * @file es_cms.h
 * @brief Detached CMS SignedData with SM2/SM3 and signed attributes, for
 *        PDF (PKCS#7 OIDs, /adbe.pkcs7.detached) and OFD Type=Sign
 *        (GM/T 0010 OIDs). Built with our DER writer: OpenSSL 3.0's CMS
 *        cannot sign with SM2. src/seal/cms.c verifies what this makes.
 *
 *   ContentInfo ::= SEQUENCE { contentType signedData, content [0] EXPLICIT SignedData }
 *   SignedData ::= SEQUENCE { version 1, digestAlgorithms SET { sm3 },
 *       contentInfo SEQUENCE { data } -- detached,
 *       certificates [0] IMPLICIT SET OF Certificate, signerInfos SET { SignerInfo } }
 *   SignerInfo ::= SEQUENCE { version 1, issuerAndSerialNumber, digestAlgorithm sm3,
 *       authenticatedAttributes [0] IMPLICIT SET { contentType, signingTime, messageDigest },
 *       digestEncryptionAlgorithm, encryptedDigest OCTET STRING,
 *       unauthenticatedAttributes [1] IMPLICIT SET { timeStampToken } OPTIONAL }
 *
 * The signature is SM2 with Z (default ID) over DER(SET OF Attribute).
 */
#ifndef ESEAL_ES_CMS_H
#define ESEAL_ES_CMS_H

#include "es_types.h"
#include "es_pki.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum es_cms_flavour {
	/** 1.2.840.113549.1.7.2 / .7.1, digestEncryptionAlgorithm SM2-with-SM3 (1.2.156.10197.1.501) */
	ES_CMS_PKCS7 = 0,
	/** GM/T 0010: 1.2.156.10197.6.1.4.2.2 / .2.1, digestEncryptionAlgorithm sm2-1 (1.2.156.10197.1.301.1) */
	ES_CMS_GMT0010 = 1,
} es_cms_flavour;

typedef struct es_cms_sign_options {
	unsigned version;             /**< ES_CMS_SIGN_OPTIONS_VERSION */
	es_cms_flavour flavour;
	const uint8_t *digest;        /**< SM3 of the detached content, 32 bytes (messageDigest) */
	es_time signing_time;         /**< signingTime (UTCTime: 1950..2049) */
	/** Optional RFC 3161 token over the signature value, as an unsigned attribute. */
	const es_cert *tsa_cert;
	const es_sm2_key *tsa_key;
	/**
	 * Optional: the key is held elsewhere (a token, a key store, a device). @p sign_digest
	 * signs e = SM3(Z ‖ DER(signed attributes)), Z from @p cert's key and the default ID,
	 * appending raw r‖s or DER to its first argument; the signature is checked against
	 * @p cert before use (ES_EVERIFY). The @p key of es_cms_sign_detached() may then be NULL.
	 */
	int (*sign_digest)(es_buf *sig, const uint8_t e[32], void *payload);
	void *sign_payload;
} es_cms_sign_options;
#define ES_CMS_SIGN_OPTIONS_VERSION 1
#define ES_CMS_SIGN_OPTIONS_INIT { .version = ES_CMS_SIGN_OPTIONS_VERSION, .flavour = ES_CMS_PKCS7 }

/** Append the DER ContentInfo to @p out. */
ES_EXTERN(int) es_cms_sign_detached(es_buf *out, const es_cms_sign_options *opt, const es_cert *cert,
				    const es_sm2_key *key) ES_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
