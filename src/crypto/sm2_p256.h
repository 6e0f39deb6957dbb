/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * SM2 on the GB/T 32918.5 recommended curve only, without OpenSSL:
 * 4 x 64-bit limbs, Montgomery arithmetic mod p and mod n, a fixed-base
 * comb table for k*G and a per-key table for verification. See
 * docs/crypto.md for the design and the constant-time rules.
 *
 * Private to src/crypto (and the tests and fuzz targets that check it).
 */
#ifndef ES_CRYPTO_SM2_P256_H
#define ES_CRYPTO_SM2_P256_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/sm3_fast.h"

/* An affine point in Montgomery form (x*R mod p, y*R mod p). */
typedef struct es_sm2p_affine {
	uint64_t x[4], y[4];
} es_sm2p_affine;

/* Verifications with one key before it gets its own 148 KiB comb table. */
#define ES_SM2P_COMB_AFTER 8

/* Per-key state: the public point, (1+d)^-1 when private, the verify table. */
typedef struct es_sm2p_key {
	uint64_t px[4], py[4]; /* public point, Montgomery form mod p */
	bool has_priv;
	uint64_t dinv[4]; /* (1+d)^-1 mod n, Montgomery form mod n (secret) */
	es_sm3_state nonce_sm3; /* SM3 after the nonce's first block: label, dinv, zeros (secret) */
	/* P, 3P, ..., 31P in affine form, built on first verification */
	_Atomic(es_sm2p_affine *) table;
	/* P's comb table (37 x 64 points), built after ES_SM2P_COMB_AFTER verifications */
	_Atomic(es_sm2p_affine(*)[64]) comb;
	atomic_uint uses;
} es_sm2p_key;

/*
 * Fill @p k from the 65-byte point 04||x||y and, when @p d is not NULL, the
 * private scalar (1 <= d <= n-2; the point must be d*G). 0, or -1 when the
 * point is not on the curve or d is out of range or does not match.
 */
int es_sm2p_key_init(es_sm2p_key *k, const uint8_t point[65], const uint8_t *d);
/* Wipe the secret part and free the table. */
void es_sm2p_key_clear(es_sm2p_key *k);

/* 04||x||y of d*G for 1 <= d <= n-1 (constant time in d); -1 when out of range. */
int es_sm2p_public_point(uint8_t out[65], const uint8_t d[32]);

/*
 * Sign e (32 bytes, big-endian) with a hedged nonce: SM3 of 32 fresh bytes
 * from the CSPRNG, the key's secret and e (docs/crypto.md). Raw r||s; 0,
 * or -1 when the random generator fails (never a deterministic fallback).
 */
int es_sm2p_sign(const es_sm2p_key *k, const uint8_t e[32], uint8_t sig[64]);
/*
 * The same with the 32 random bytes given (tests) and the attempt number
 * that goes into the nonce's hash: 0, or -1 when the nonce must be
 * discarded (then es_sm2p_sign tries attempt + 1 with new bytes).
 */
int es_sm2p_sign_rnd(const es_sm2p_key *k, const uint8_t e[32], const uint8_t rnd[32],
		     unsigned attempt, uint8_t sig[64]);
/*
 * Sign with the given nonce (tests and vectors): 0, or -1 when k is not in
 * [1, n-1] or the nonce is one GB/T 32918.2 says to discard (r = 0,
 * r + k = n, s = 0). Constant time in k and the key's secret.
 */
int es_sm2p_sign_k(const es_sm2p_key *k, const uint8_t e[32], const uint8_t nonce[32],
		   uint8_t sig[64]);
/*
 * The same with the inversion of the point's Z blinded by @p blind (32
 * random bytes, reduced mod p) and then done in variable time, as
 * es_sm2p_sign does; NULL: the constant-time inversion.
 */
int es_sm2p_sign_kb(const es_sm2p_key *k, const uint8_t e[32], const uint8_t nonce[32],
		    const uint8_t blind[32], uint8_t sig[64]);
/* Verify raw r||s over e: 0 when valid, -1 when not (variable time, public data). */
int es_sm2p_verify(es_sm2p_key *k, const uint8_t e[32], const uint8_t sig[64]);

/*
 * Strict DER SEQUENCE{INTEGER r, INTEGER s} (minimal, non-negative, at
 * most 32 value bytes) to raw r||s: 0 or -1.
 */
int es_sm2p_der_to_raw(uint8_t raw[64], const uint8_t *der, size_t len);
/* Raw r||s to DER; returns the length (at most 72). */
size_t es_sm2p_raw_to_der(uint8_t der[72], const uint8_t raw[64]);

/*
 * Tests: a^-1 mod p (a reduced mod p first; 0 for 0) by constant-time
 * safegcd, by the Fermat chain and by variable-time safegcd (which signing
 * uses on a blinded value), big-endian.
 */
void es_sm2p_test_inv(uint8_t sg[32], uint8_t fermat[32], uint8_t var[32], const uint8_t a[32]);

/*
 * Timing probes of `eseal bench crypto` (dudect style) for the paths
 * valgrind cannot check: run primitive @p op @p reps times on @p in, on
 * the arithmetic es_sm2p_arith() names. ES_SM2P_PROBE_MUL: the field
 * product, x = x * b chained from x = in[0..31], b = in[32..63] (reduced
 * mod p); ES_SM2P_PROBE_SELECT: the comb row scan of entry in[0] mod 65
 * (0: none) from a fixed row; ES_SM2P_PROBE_INV: the inversion mod p,
 * chained from in[0..31]; ES_SM2P_PROBE_VT, the control: the variable-time
 * wNAF recoding of in[0..31] that verification uses (a timing test must
 * see it).
 */
enum { ES_SM2P_PROBE_MUL = 1, ES_SM2P_PROBE_SELECT, ES_SM2P_PROBE_INV, ES_SM2P_PROBE_VT };
void es_sm2p_ct_probe(int op, const uint8_t in[64], unsigned reps);

/*
 * The arithmetic in use, chosen once per process: the field
 * multiplication "mulx-adx" (x86-64 with BMI2 and ADX) or "portable" (C),
 * followed by ", avx2 table scan" when the comb rows are scanned with
 * AVX2. The environment variable ESEAL_SM2_PORTABLE selects the portable
 * C for both (the tests check both).
 */
const char *es_sm2p_arith(void);

/*
 * Whether the fast path is used: built in, and the environment does not
 * say ESEAL_CRYPTO=openssl (read once per process).
 */
bool es_sm2p_enabled(void);

#endif
