/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Private header of the crypto layer: the only folder that includes
 * OpenSSL. Holds the definitions of the opaque public types and the
 * helpers the crypto files share (error draining, time and name
 * conversion, a minimal DER walker for signed structures).
 */
#ifndef ES_CRYPTO_INT_H
#define ES_CRYPTO_INT_H

#include <stdatomic.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "eseal/es_crypto.h"
#include "eseal/es_pki.h"
#include "crypto/sm2_p256.h"
#include "crypto/sm3_fast.h"

/* src/base/limits.h shadows <limits.h> on the include path. */
#define ES_INT_MAX 0x7fffffff

/*
 * An SM2 key: always an EVP_PKEY of type "SM2" (never plain "EC"), and,
 * unless ESEAL_CRYPTO=openssl, our own per-key state (the point, (1+d)^-1,
 * the verification tables) with Z for the default ID: signing and
 * verification then never enter OpenSSL. Immutable after creation except
 * for the tables, which are published atomically.
 */
struct es_sm2_key {
	atomic_int refs;
	EVP_PKEY *pkey;
	es_sm2p_key *fast; /* NULL: OpenSSL does the work */
	uint8_t zdef[32];  /* Z with ES_SM2_DEFAULT_ID, valid when fast */
};

/* A parsed certificate: the X509 plus the exact DER it came from. */
struct es_cert {
	atomic_int refs;
	X509 *x;
	uint8_t *der;
	size_t derlen;
	/* SM3 of der, set when the object is made (keys of the trust store's caches) */
	uint8_t der_sm3[32];
	/* SPKI is id-ecPublicKey/SM2 curve (or the SM2 OID itself) */
	bool sm2;
	/* cached SM2 public key, NULL when not SM2 or undecodable */
	es_sm2_key *pub;
};

/* ---- library set-up ---------------------------------------------------- */

/* One-time registration of what OpenSSL 3.0 lacks (the hmacWithSM3 PRF). */
int es_crypto__init(void);
/* NID of hmacWithSM3 (1.2.156.10197.1.401.2), valid after es_crypto__init(). */
int es_crypto__hmac_sm3_nid(void);

/* ---- errors ------------------------------------------------------------ */

/*
 * Set the last error with @p fmt, followed by ": <reason>" from the
 * OpenSSL error queue when it holds one; drains the queue. Returns @p code.
 */
int es_crypto__fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* First OpenSSL reason code in the queue (0 if none), without draining. */
int es_crypto__peek_reason(void);

/* ---- keys -------------------------------------------------------------- */

/* Wrap @p pkey (ownership taken, also on failure) into a new es_sm2_key. */
int es_crypto__key_wrap(es_sm2_key **out, EVP_PKEY *pkey);
/*
 * New es_sm2_key from a borrowed EVP_PKEY that is SM2 or EC on the SM2
 * curve (converted); ES_ENOTSUPPORTED for other keys.
 */
int es_crypto__key_from_evp(es_sm2_key **out, EVP_PKEY *pkey);
/* True when @p pkey is an SM2 key or an EC key on the SM2 curve. */
bool es_crypto__is_sm2_pkey(const EVP_PKEY *pkey);
/*
 * An EVP_MD_CTX ready for EVP_DigestSign with SM3 and the default
 * distinguishing ID (for X509_sign_ctx & co). Free with
 * es_crypto__sign_ctx_free().
 */
int es_crypto__sign_ctx_new(EVP_MD_CTX **mctx, EVP_PKEY_CTX **pctx, const es_sm2_key *key);
void es_crypto__sign_ctx_free(EVP_MD_CTX *mctx, EVP_PKEY_CTX *pctx);

/* ---- time -------------------------------------------------------------- */

/* ASN1_TIME (UTCTime or GeneralizedTime) to es_time. */
int es_crypto__time_from_asn1(es_time *out, const ASN1_TIME *t);
/* ISO string of an es_time for messages. */
void es_crypto__iso(char out[32], es_time t);

/* ---- names ------------------------------------------------------------- */

/* One-line RFC 2253 UTF-8 form of @p name, appended to @p out. */
int es_crypto__name_utf8(es_buf *out, const X509_NAME *name);
/* Same, into a fixed buffer for messages (truncated, never fails). */
void es_crypto__name_short(char *out, size_t outlen, const X509_NAME *name);
/* Parse "/C=CN/O=.../CN=..." (UTF-8 values, '\' escapes) into a new name. */
int es_crypto__parse_subject(X509_NAME **out, const char *subject);
/* UTF-8 value of the first attribute with short name @p sn. */
int es_crypto__name_attr(es_buf *out, const X509_NAME *name, const char *sn);

/* ---- DER and PEM ------------------------------------------------------- */

/*
 * Read the TLV at @p p (@p len bytes available): single-byte tag, definite
 * length of at most 4 bytes. Fills *tag, *hdr (header length) and *vlen.
 */
int es_crypto__tlv(const uint8_t *p, size_t len, uint8_t *tag, size_t *hdr, size_t *vlen);
/*
 * Split a SIGNED{} structure (certificate, CRL, request):
 * SEQUENCE { tbs, AlgorithmIdentifier, BIT STRING }. The whole input must
 * be that SEQUENCE. @p tbs is the full TLV of the first element and
 * @p sig the BIT STRING content without its unused-bits byte.
 */
int es_crypto__signed_split(const uint8_t *der, size_t len, es_bytes *tbs, es_bytes *sig);
/* True when @p data (skipping leading white space) starts a PEM block. */
bool es_crypto__looks_pem(const uint8_t *data, size_t len);
/*
 * DER of the first PEM block whose label is one of @p labels (NULL
 * terminated), appended to @p der. ES_EMALFORMED when there is none.
 */
int es_crypto__pem_first(es_buf *der, const uint8_t *pem, size_t len, const char *const *labels,
			 const char *what);
/* Append the content of a memory BIO to @p out. */
int es_crypto__bio_to_buf(es_buf *out, BIO *bio);

/*
 * Verify the signature of a SIGNED{} structure given as @p der with
 * signature algorithm @p sig_nid against @p pub. SM2-with-SM3 is checked
 * over the original TBS bytes with the default ID; returns 0,
 * ES_EVERIFY, ES_EMALFORMED or ES_ENOTSUPPORTED (not SM2: caller falls
 * back to OpenSSL's own verify).
 */
int es_crypto__verify_signed_sm2(const uint8_t *der, size_t len, int sig_nid,
				 const es_sm2_key *pub);

/* ---- certificates ------------------------------------------------------ */

/*
 * Certificate signatures the store took from its memory of verified
 * (certificate, issuer) pairs, and those it checked (for tests).
 */
void es_crypto__trust_sig_stats(const es_trust *t, unsigned long *hits, unsigned long *checks);

/* New es_cert from an X509 (DER re-encoded from it; the X509 is borrowed). */
int es_crypto__cert_from_x509(es_cert **out, X509 *x);
/* Set the SM2 default distinguishing ID on an SM2-signed X509. */
int es_crypto__x509_set_default_id(X509 *x);

#endif
