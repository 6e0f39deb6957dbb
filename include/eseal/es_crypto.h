/* SPDX-License-Identifier: AGPL-3.0-or-later */
/**
 * @file es_crypto.h
 * @brief SM2, SM3, SM4, HMAC-SM3 and the CSPRNG (GB/T 32918, 32905, 32907).
 *
 * Implemented on OpenSSL 3 in src/crypto/, the only place that includes
 * OpenSSL headers. The SM2 distinguishing identifier is always set
 * explicitly (GM/T 0009 default ES_SM2_DEFAULT_ID), because OpenSSL's own
 * default differs between versions.
 */
#ifndef ESEAL_ES_CRYPTO_H
#define ESEAL_ES_CRYPTO_H

#include "es_types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ES_SM2_DEFAULT_ID "1234567812345678"
#define ES_SM2_DEFAULT_ID_LEN 16
#define ES_SM3_DIGEST_LEN 32
#define ES_SM4_KEY_LEN 16
#define ES_SM4_BLOCK_LEN 16
/** Largest DER SM2 signature: SEQUENCE{INTEGER(33), INTEGER(33)}. */
#define ES_SM2_MAX_SIG_LEN 72

/* ---- random ---------------------------------------------------------- */

/** Fill @p out with @p len bytes from the CSPRNG. */
ES_EXTERN(int) es_random(uint8_t *out, size_t len) ES_WARN_UNUSED;

/* ---- SM3 ------------------------------------------------------------- */

/** Streaming SM3 context (the type is es_sm3_ctx; es_sm3() is the one-shot). */
typedef struct es_sm3_ctx es_sm3_ctx;
ES_EXTERN(int) es_sm3_new(es_sm3_ctx **out) ES_WARN_UNUSED;
ES_EXTERN(int) es_sm3_update(es_sm3_ctx *h, const void *data, size_t len) ES_WARN_UNUSED;
/** Finish and reset, so the object can hash the next message. */
ES_EXTERN(int) es_sm3_final(es_sm3_ctx *h, uint8_t out[ES_SM3_DIGEST_LEN]) ES_WARN_UNUSED;
ES_EXTERN(void) es_sm3_free(es_sm3_ctx *h);
/**
 * Copy the state of @p src into @p dst (both from es_sm3_new()): hash a
 * constant prefix once, then continue from the copy for each message.
 */
ES_EXTERN(int) es_sm3_copy(es_sm3_ctx *dst, const es_sm3_ctx *src) ES_WARN_UNUSED;
/** One-shot SM3 (plain, no Z). */
ES_EXTERN(int) es_sm3(uint8_t out[ES_SM3_DIGEST_LEN], const void *data, size_t len) ES_WARN_UNUSED;
/**
 * SM3 of @p n independent messages: out[i] = SM3 of @p lens[i] bytes at
 * @p msgs[i] (NULL allowed when the length is 0). One message per SIMD
 * lane (16 with AVX-512F, 8 with AVX2, chosen at run time; one after the
 * other on other CPUs or with ESEAL_CRYPTO=openssl), so hashing many
 * documents together is several times faster than one by one. Messages
 * may have any mix of lengths. 0, or an error from OpenSSL's SM3.
 */
ES_EXTERN(int) es_sm3_many(uint8_t (*out)[ES_SM3_DIGEST_LEN], const uint8_t *const *msgs,
			   const size_t *lens, size_t n) ES_WARN_UNUSED;
/** HMAC-SM3 (RFC 2104 over SM3). */
ES_EXTERN(int) es_hmac_sm3(uint8_t out[ES_SM3_DIGEST_LEN], const uint8_t *key, size_t keylen,
			   const void *data, size_t len) ES_WARN_UNUSED;
/** PBKDF2-HMAC-SM3 (RFC 8018) for deriving keys from PINs. */
ES_EXTERN(int) es_pbkdf2_sm3(uint8_t *out, size_t outlen, const char *pass, size_t passlen,
			     const uint8_t *salt, size_t saltlen, unsigned iterations) ES_WARN_UNUSED;

/**
 * A message digest by name, for checking other makers' files: "SM3",
 * "SHA1", "SHA256", "MD5" (the legacy ones only ever verify, never sign).
 */
typedef struct es_md es_md;
ES_EXTERN(int) es_md_new(es_md **out, const char *name) ES_WARN_UNUSED;
ES_EXTERN(int) es_md_update(es_md *m, const void *data, size_t len) ES_WARN_UNUSED;
/** Finish into @p out (room for 64 bytes); *@p len receives the digest size. */
ES_EXTERN(int) es_md_final(es_md *m, uint8_t out[64], size_t *len) ES_WARN_UNUSED;
ES_EXTERN(void) es_md_free(es_md *m);

/** Constant-time comparison: 0 when equal, -1 otherwise. */
ES_EXTERN(int) es_ct_eq(const void *a, const void *b, size_t len) ES_WARN_UNUSED;
/** Wipe memory in a way the compiler cannot remove. */
ES_EXTERN(void) es_wipe(void *p, size_t len);

/* ---- SM4 ------------------------------------------------------------- */

/** SM4-ECB on exactly one block (for vector tests; never for data). */
ES_EXTERN(int) es_sm4_encrypt_block(uint8_t out[16], const uint8_t key[16], const uint8_t in[16]) ES_WARN_UNUSED;
ES_EXTERN(int) es_sm4_decrypt_block(uint8_t out[16], const uint8_t key[16], const uint8_t in[16]) ES_WARN_UNUSED;
/** SM4-CBC with PKCS#7 padding; @p out is appended to. */
ES_EXTERN(int) es_sm4_cbc_encrypt(es_buf *out, const uint8_t key[16], const uint8_t iv[16],
				  const uint8_t *in, size_t len) ES_WARN_UNUSED;
ES_EXTERN(int) es_sm4_cbc_decrypt(es_buf *out, const uint8_t key[16], const uint8_t iv[16],
				  const uint8_t *in, size_t len) ES_WARN_UNUSED;
/** SM4-CTR (no padding); encryption and decryption are the same call. */
ES_EXTERN(int) es_sm4_ctr(es_buf *out, const uint8_t key[16], const uint8_t iv[16],
			  const uint8_t *in, size_t len) ES_WARN_UNUSED;

/**
 * Authenticated encryption for data at rest: SM4-CTR then HMAC-SM3
 * (encrypt-then-MAC) with independent keys derived from one 32-byte key.
 * Output = version(1) ‖ iv(16) ‖ ciphertext ‖ tag(32). @p aad is
 * authenticated, not encrypted (may be NULL with length 0).
 * es_seal_box_open() checks the tag in constant time before decrypting
 * and returns ES_EVERIFY for a wrong key or any modified byte.
 */
#define ES_BOX_KEY_LEN 32
#define ES_BOX_OVERHEAD (1 + 16 + 32)
ES_EXTERN(int) es_box_seal(es_buf *out, const uint8_t key[ES_BOX_KEY_LEN], const uint8_t *aad,
			   size_t aadlen, const uint8_t *in, size_t len) ES_WARN_UNUSED;
ES_EXTERN(int) es_box_open(es_buf *out, const uint8_t key[ES_BOX_KEY_LEN], const uint8_t *aad,
			   size_t aadlen, const uint8_t *in, size_t len) ES_WARN_UNUSED;

/* ---- SM2 ------------------------------------------------------------- */

/** An SM2 key pair or public key. Opaque; wraps the crypto library's key. */
typedef struct es_sm2_key es_sm2_key;

ES_EXTERN(int) es_sm2_key_generate(es_sm2_key **out) ES_WARN_UNUSED;
/** Public key from DER SubjectPublicKeyInfo. */
ES_EXTERN(int) es_sm2_key_from_spki(es_sm2_key **out, const uint8_t *der, size_t len) ES_WARN_UNUSED;
/** Public key from the 65-byte uncompressed point 04‖x‖y. */
ES_EXTERN(int) es_sm2_key_from_point(es_sm2_key **out, const uint8_t point[65]) ES_WARN_UNUSED;
/** Private key from a 32-byte scalar (tests and vectors). */
ES_EXTERN(int) es_sm2_key_from_scalar(es_sm2_key **out, const uint8_t d[32]) ES_WARN_UNUSED;
/**
 * Read a PEM private key (PKCS#8, encrypted when @p pass is not NULL) or
 * a PEM public key.
 */
ES_EXTERN(int) es_sm2_key_from_pem(es_sm2_key **out, const uint8_t *pem, size_t len,
				   const char *pass) ES_WARN_UNUSED;
/**
 * Write the private key as PKCS#8 PEM, encrypted with PBES2
 * (PBKDF2-HMAC-SM3, SM4-CBC) when @p pass is not NULL.
 */
ES_EXTERN(int) es_sm2_key_private_pem(es_buf *out, const es_sm2_key *key, const char *pass) ES_WARN_UNUSED;
ES_EXTERN(int) es_sm2_key_public_pem(es_buf *out, const es_sm2_key *key) ES_WARN_UNUSED;
/** DER SubjectPublicKeyInfo. */
ES_EXTERN(int) es_sm2_key_spki(es_buf *out, const es_sm2_key *key) ES_WARN_UNUSED;
/** 65-byte uncompressed public point. */
ES_EXTERN(int) es_sm2_key_point(uint8_t out[65], const es_sm2_key *key) ES_WARN_UNUSED;
ES_EXTERN(bool) es_sm2_key_has_private(const es_sm2_key *key);
/** New reference to the same key (refcounted). */
ES_EXTERN(es_sm2_key *) es_sm2_key_ref(es_sm2_key *key);
ES_EXTERN(void) es_sm2_key_free(es_sm2_key *key);

/** Z = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA) (GB/T 32918.2 §5.5). */
ES_EXTERN(int) es_sm2_z(uint8_t z[32], const es_sm2_key *key, const uint8_t *id, size_t idlen) ES_WARN_UNUSED;

/**
 * SM2 signing with SM3 over a message: e = SM3(Z ‖ M).
 * @p id NULL means ES_SM2_DEFAULT_ID. Output is DER SEQUENCE{r, s}
 * (GB/T 35276), appended to @p sig.
 */
ES_EXTERN(int) es_sm2_sign(es_buf *sig, const es_sm2_key *key, const uint8_t *id, size_t idlen,
			   const void *msg, size_t len) ES_WARN_UNUSED;
/**
 * Verify an SM2-with-SM3 signature over a message. @p sig may be DER
 * SEQUENCE{r, s} or raw 64-byte r‖s. Returns 0 if valid, ES_EVERIFY if not,
 * ES_EMALFORMED if the signature cannot be decoded.
 */
ES_EXTERN(int) es_sm2_verify(const es_sm2_key *key, const uint8_t *id, size_t idlen, const void *msg,
			     size_t len, const uint8_t *sig, size_t siglen) ES_WARN_UNUSED;
/** Sign / verify a precomputed e (32 bytes), no Z added. */
ES_EXTERN(int) es_sm2_sign_digest(es_buf *sig, const es_sm2_key *key, const uint8_t e[32]) ES_WARN_UNUSED;
ES_EXTERN(int) es_sm2_verify_digest(const es_sm2_key *key, const uint8_t e[32], const uint8_t *sig,
				    size_t siglen) ES_WARN_UNUSED;

/**
 * A signer bound to one key and ID: Z is computed once, then each
 * signature costs one SM3 over the message and one SM2 operation.
 * Thread-compatible: one signer per thread.
 */
typedef struct es_sm2_signer es_sm2_signer;
ES_EXTERN(int) es_sm2_signer_new(es_sm2_signer **out, es_sm2_key *key, const uint8_t *id,
				 size_t idlen) ES_WARN_UNUSED;
ES_EXTERN(int) es_sm2_signer_sign(es_sm2_signer *s, es_buf *sig, const void *msg, size_t len) ES_WARN_UNUSED;
ES_EXTERN(int) es_sm2_signer_verify(es_sm2_signer *s, const void *msg, size_t len, const uint8_t *sig,
				    size_t siglen) ES_WARN_UNUSED;
/** Sign a precomputed e = SM3(Z ‖ M) with the signer's key (see es_sm2_signer_z()). */
ES_EXTERN(int) es_sm2_signer_sign_digest(es_sm2_signer *s, es_buf *sig, const uint8_t e[32]) ES_WARN_UNUSED;
/** The signer's Z (32 bytes, borrowed), for callers that hash Z ‖ M themselves. */
ES_EXTERN(const uint8_t *) es_sm2_signer_z(const es_sm2_signer *s);
ES_EXTERN(void) es_sm2_signer_free(es_sm2_signer *s);

/** Convert raw 64-byte r‖s to DER and back. */
ES_EXTERN(int) es_sm2_sig_raw_to_der(es_buf *out, const uint8_t raw[64]) ES_WARN_UNUSED;
ES_EXTERN(int) es_sm2_sig_der_to_raw(uint8_t raw[64], const uint8_t *der, size_t len) ES_WARN_UNUSED;

/* ---- implementation switch and benchmark -------------------------------- */

/**
 * "eseal" when SM2 and SM3 run on our own code (src/crypto/sm2_p256.c,
 * sm3_fast.c), "openssl" when built with -DES_FAST_CRYPTO=OFF or run with
 * ESEAL_CRYPTO=openssl in the environment (read once per process).
 */
ES_EXTERN(const char *) es_crypto_implementation(void);

/** Rates of `eseal bench crypto`: ours and OpenSSL's, measured interleaved. */
typedef struct es_crypto_bench_result {
	double sm2_sign_per_s;           /**< es_sm2_signer_sign, 32-byte message */
	double sm2_verify_per_s;         /**< es_sm2_signer_verify, same key again and again */
	double openssl_sm2_sign_per_s;   /**< EVP SM3(Z||M) + EVP_PKEY_sign, contexts reused */
	double openssl_sm2_verify_per_s; /**< EVP SM3(Z||M) + EVP_PKEY_verify, contexts reused */
	double sm2_verify_cold_per_s;    /**< our verification with a new key each time */
	double sm3_mb_per_s;             /**< es_sm3 over 16 KiB */
	double openssl_sm3_mb_per_s;     /**< EVP_Digest SM3 over 16 KiB */
	double sm2_sign_ratio, sm2_verify_ratio, sm3_ratio; /**< ours / OpenSSL's */
	/** es_sm3_many over 128 messages of 2 KiB (aggregate MB/s), OpenSSL one by one, ratio */
	double sm3_many_mb_per_s, openssl_sm3_many_mb_per_s, sm3_many_ratio;
	int sm3_many_lanes;              /**< lanes es_sm3_many used: 16, 8 or 1 */
	/** dudect-style Welch t of our signing time, fixed against random nonces (|t| < 4.5: no leak seen) */
	double sm2_sign_dudect_t;
	/**
	 * The same for single primitives on the arithmetic chosen at run time
	 * (sm2_arith, e.g. "mulx-adx, avx512 table scan"; valgrind cannot run
	 * these): the field product, the comb row scan and the inversion mod p,
	 * all-zero input against random inputs.
	 */
	double sm2_fp_mul_dudect_t, sm2_select_dudect_t, sm2_inv_dudect_t;
	/** The control: the variable-time wNAF recoding, which the test must see (|t| far above 4.5) */
	double sm2_control_dudect_t;
	const char *sm2_arith;
	const char *implementation;      /**< es_crypto_implementation() */
} es_crypto_bench_result;
/** Measure for about 2 x @p seconds per pair (ours and OpenSSL's alternating in 50 ms slices). */
ES_EXTERN(int) es_crypto_bench(es_crypto_bench_result *out, double seconds) ES_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
