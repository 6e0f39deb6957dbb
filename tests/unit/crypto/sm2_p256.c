/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Our SM2 (src/crypto/sm2_p256.c) against the GB/T 32918.5 example, its
 * edge cases and OpenSSL: ESEAL_DIFF_N random keys and messages (10^4 by
 * default; `make check-long` runs 10^6), each signed by us and verified
 * by OpenSSL and the other way round.
 */
#include "es_int.h"
#include "testutil.h"
#include "eseal/es_crypto.h"
#include "crypto/sm2_p256.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>

/* GB/T 32918.5-2017 Appendix A.2 (recommended curve, ID 1234567812345678) */
static const char *const ex_d = "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8";
static const char *const ex_px = "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020";
static const char *const ex_py = "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13";
static const char *const ex_e = "F0B43E94BA45ACCAACE692ED534382EB17E6AB5A19CE7B31F4486FDFC0D28640";
static const char *const ex_k = "59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21";
static const char *const ex_r = "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3";
static const char *const ex_s = "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA";
static const char *const hex_n = "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123";
static const char *const hex_gx = "32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7";
static const char *const hex_gy = "BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0";

static void unhex32(uint8_t out[32], const char *hex)
{
	assert_int_equal(tu_unhex(out, 32, hex), 32);
}

/* 256-bit big-endian helpers for the edge cases */
static void be_add_small(uint8_t a[32], int v)
{
	int c = v;
	for (int i = 31; i >= 0 && c; i--) {
		int t = a[i] + c;
		a[i] = (uint8_t)t;
		c = t >> 8;
	}
}

static void be_sub_small(uint8_t a[32], int v)
{
	int b = v;
	for (int i = 31; i >= 0 && b; i--) {
		int t = a[i] - b;
		a[i] = (uint8_t)t;
		b = t < 0 ? 1 : 0;
	}
}

/* (a - b) mod 2^256, big-endian */
static void be_sub(uint8_t out[32], const uint8_t a[32], const uint8_t b[32])
{
	int br = 0;
	for (int i = 31; i >= 0; i--) {
		int t = a[i] - b[i] - br;
		out[i] = (uint8_t)t;
		br = t < 0;
	}
}

static void example_key(es_sm2p_key *k)
{
	uint8_t d[32], point[65];
	point[0] = 4;
	unhex32(point + 1, ex_px);
	unhex32(point + 33, ex_py);
	unhex32(d, ex_d);
	assert_int_equal(es_sm2p_key_init(k, point, d), 0);
}

/*
 * Inversion mod p by safegcd (signing) equals the Fermat chain and is an
 * inverse: a * a^-1 = 1 checked with OpenSSL's BN, on edges and random values.
 */
static void test_sm2p__inverse_mod_p(void **state)
{
	static const char *const hex_p = "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF";
	uint8_t a[32], sg[32], fe[32], vt[32], pb[32], zero[32] = { 0 };
	BIGNUM *bp, *ba, *bi, *prod;
	BN_CTX *ctx = BN_CTX_new();
	(void)state;
	unhex32(pb, hex_p);
	bp = BN_bin2bn(pb, 32, NULL);
	ba = BN_new();
	bi = BN_new();
	prod = BN_new();
	assert_non_null(ctx);
	assert_non_null(prod);
	/* 0 -> 0 */
	es_sm2p_test_inv(sg, fe, vt, zero);
	assert_memory_equal(sg, zero, 32);
	assert_memory_equal(fe, zero, 32);
	assert_memory_equal(vt, zero, 32);
	/* the variable-time inversion on many more inputs: its number of rounds varies with them */
	for (int i = 0; i < 20000; i++) {
		assert_int_equal(RAND_bytes(a, 32), 1);
		if (i % 4 == 1)
			memset(a, 0xff, 1 + i % 31); /* close to p (reduced first) */
		else if (i % 4 == 2)
			memset(a, 0, 1 + i % 31); /* small */
		es_sm2p_test_inv(sg, fe, vt, a);
		assert_memory_equal(vt, sg, 32);
	}
	for (int i = 0; i < 3000; i++) {
		if (i == 0) {
			memset(a, 0, 32);
			a[31] = 1;
		} else if (i == 1) {
			memcpy(a, pb, 32);
			be_sub_small(a, 1);
		} else if (i == 2) {
			memcpy(a, pb, 32);
			be_sub_small(a, 2);
		} else if (i == 3) {
			memset(a, 0, 32);
			a[0] = 0x80;
		} else if (i == 4) {
			memset(a, 0xff, 32);
			a[0] = 0x7f;
		} else if (i < 40) {
			memset(a, 0, 32);
			a[31 - (i - 5) / 8] = (uint8_t)(1u << ((i - 5) % 8)); /* powers of two */
		} else {
			assert_int_equal(RAND_bytes(a, 32), 1);
			if (i % 3 == 0)
				memset(a, 0, 16); /* small values */
		}
		es_sm2p_test_inv(sg, fe, vt, a);
		assert_memory_equal(sg, fe, 32);
		assert_memory_equal(vt, fe, 32);
		assert_non_null(BN_bin2bn(a, 32, ba));
		assert_non_null(BN_bin2bn(sg, 32, bi));
		assert_int_equal(BN_mod_mul(prod, ba, bi, bp, ctx), 1);
		if (BN_is_zero(ba) || BN_cmp(ba, bp) == 0)
			continue;
		assert_true(BN_is_one(prod));
	}
	BN_free(bp);
	BN_free(ba);
	BN_free(bi);
	BN_free(prod);
	BN_CTX_free(ctx);
}

/* The arithmetic the environment asks for is the one in use. */
static void test_sm2p__arith_choice(void **state)
{
	const char *a = es_sm2p_arith();
	(void)state;
	assert_non_null(a);
	if (getenv("ESEAL_SM2_PORTABLE"))
		assert_string_equal(a, "portable");
	else if (strncmp(a, "mulx-adx", 8) != 0)
		print_message("note: this CPU runs the portable field multiplication (%s)\n", a);
}

static void test_sm2p__standard_example(void **state)
{
	es_sm2p_key k;
	uint8_t d[32], point[65], want[65], e[32], nonce[32], sig[64], r[32], s[32];
	(void)state;
	unhex32(d, ex_d);
	want[0] = 4;
	unhex32(want + 1, ex_px);
	unhex32(want + 33, ex_py);
	assert_int_equal(es_sm2p_public_point(point, d), 0);
	assert_memory_equal(point, want, 65);
	example_key(&k);
	unhex32(e, ex_e);
	unhex32(nonce, ex_k);
	unhex32(r, ex_r);
	unhex32(s, ex_s);
	assert_int_equal(es_sm2p_sign_k(&k, e, nonce, sig), 0);
	assert_memory_equal(sig, r, 32);
	assert_memory_equal(sig + 32, s, 32);
	assert_int_equal(es_sm2p_verify(&k, e, sig), 0);
	/* a random nonce verifies too, and differs */
	assert_int_equal(es_sm2p_sign(&k, e, sig), 0);
	assert_int_equal(es_sm2p_verify(&k, e, sig), 0);
	assert_memory_not_equal(sig, r, 32);
	e[31] ^= 1;
	assert_int_equal(es_sm2p_verify(&k, e, sig), -1);
	es_sm2p_key_clear(&k);
}

/*
 * Hedged nonces: with the random bytes fixed, the same key and digest give
 * the same signature; another digest or another key gives another nonce.
 * Without the digest in the nonce, e1 and e2 would share k, hence x1, and
 * r1 - e1 = r2 - e2 (the relation that solves the key from two signatures).
 */
static void test_sm2p__hedged_nonce(void **state)
{
	es_sm2p_key k, k2;
	uint8_t rnd[32], e1[32] = { 0 }, e2[32] = { 0 }, s1[64], s1b[64], s2[64], s3[64], s4[64],
		d1[32], d2[32], d[32] = { 0 }, point[65];
	(void)state;
	example_key(&k);
	memset(rnd, 0x5c, sizeof(rnd));
	e1[31] = 1;
	e2[31] = 2;
	assert_int_equal(es_sm2p_sign_rnd(&k, e1, rnd, 0, s1), 0);
	assert_int_equal(es_sm2p_sign_rnd(&k, e1, rnd, 0, s1b), 0);
	assert_memory_equal(s1, s1b, 64);
	assert_int_equal(es_sm2p_verify(&k, e1, s1), 0);
	assert_int_equal(es_sm2p_sign_rnd(&k, e2, rnd, 0, s2), 0);
	assert_int_equal(es_sm2p_verify(&k, e2, s2), 0);
	be_sub(d1, s1, e1);
	be_sub(d2, s2, e2);
	assert_memory_not_equal(d1, d2, 32);
	/* the attempt number and the random bytes change the nonce too */
	assert_int_equal(es_sm2p_sign_rnd(&k, e1, rnd, 1, s3), 0);
	assert_memory_not_equal(s1, s3, 32);
	rnd[0] ^= 1;
	assert_int_equal(es_sm2p_sign_rnd(&k, e1, rnd, 0, s3), 0);
	assert_memory_not_equal(s1, s3, 32);
	rnd[0] ^= 1;
	/* another key, same bytes and digest */
	d[31] = 7;
	assert_int_equal(es_sm2p_public_point(point, d), 0);
	assert_int_equal(es_sm2p_key_init(&k2, point, d), 0);
	assert_int_equal(es_sm2p_sign_rnd(&k2, e1, rnd, 0, s4), 0);
	assert_int_equal(es_sm2p_verify(&k2, e1, s4), 0);
	assert_memory_not_equal(s1, s4, 32);
	/* the derivation itself, by OpenSSL's SM3: k = SM3(label || K || 0^16 || i || (rnd XOR e)) */
	{
		static const char label[16] = "eseal sm2 nonce";
		uint8_t msg[16 + 32 + 16 + 33] = { 0 }, k_want[32], s_want[64];
		unsigned int len = 0;
		memcpy(msg, label, 16);
		memcpy(msg + 16, k.dinv, 32);
		msg[64] = 1;
		for (int i = 0; i < 32; i++)
			msg[65 + i] = rnd[i] ^ e2[i];
		assert_int_equal(EVP_Digest(msg, sizeof(msg), k_want, &len, EVP_sm3(), NULL), 1);
		assert_int_equal(es_sm2p_sign_k(&k, e2, k_want, s_want), 0);
		assert_int_equal(es_sm2p_sign_rnd(&k, e2, rnd, 1, s3), 0);
		assert_memory_equal(s3, s_want, 64);
	}
	/* a public key alone cannot sign */
	es_sm2p_key_clear(&k2);
	assert_int_equal(es_sm2p_key_init(&k2, point, NULL), 0);
	assert_int_equal(es_sm2p_sign_rnd(&k2, e1, rnd, 0, s4), -1);
	es_sm2p_key_clear(&k2);
	es_sm2p_key_clear(&k);
}

/* The public key 1*G is G itself; (n-1)*G is -G. */
static void test_sm2p__public_point_edges(void **state)
{
	uint8_t d[32] = { 0 }, point[65], gy[32], n[32];
	(void)state;
	d[31] = 1;
	assert_int_equal(es_sm2p_public_point(point, d), 0);
	unhex32(d, hex_gx);
	assert_memory_equal(point + 1, d, 32);
	unhex32(gy, hex_gy);
	assert_memory_equal(point + 33, gy, 32);
	/* n - 1: y = p - gy */
	unhex32(n, hex_n);
	memcpy(d, n, 32);
	be_sub_small(d, 1);
	assert_int_equal(es_sm2p_public_point(point, d), 0);
	{
		static const char *const hex_p =
			"FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF";
		uint8_t p[32], want[32];
		unhex32(p, hex_p);
		be_sub(want, p, gy);
		assert_memory_equal(point + 33, want, 32);
	}
	/* 0 and n are not scalars */
	memset(d, 0, 32);
	assert_int_equal(es_sm2p_public_point(point, d), -1);
	assert_int_equal(es_sm2p_public_point(point, n), -1);
	memset(d, 0xff, 32);
	assert_int_equal(es_sm2p_public_point(point, d), -1);
}

static void test_sm2p__nonce_edges(void **state)
{
	es_sm2p_key k;
	uint8_t e[32], nonce[32], sig[64], n[32], gx[32], r_want[32];
	(void)state;
	example_key(&k);
	unhex32(e, ex_e);
	unhex32(n, hex_n);
	/* k = 1: r = (e + Gx) mod n, and the signature verifies */
	memset(nonce, 0, 32);
	nonce[31] = 1;
	assert_int_equal(es_sm2p_sign_k(&k, e, nonce, sig), 0);
	assert_int_equal(es_sm2p_verify(&k, e, sig), 0);
	unhex32(gx, hex_gx);
	{
		/* e + gx < 2^257; subtract n once or twice as needed */
		uint8_t sum[33] = { 0 };
		int c = 0;
		for (int i = 31; i >= 0; i--) {
			int t = e[i] + gx[i] + c;
			sum[i + 1] = (uint8_t)t;
			c = t >> 8;
		}
		sum[0] = (uint8_t)c;
		while (sum[0] || memcmp(sum + 1, n, 32) >= 0) {
			int br = 0;
			for (int i = 31; i >= 0; i--) {
				int t = sum[i + 1] - n[i] - br;
				sum[i + 1] = (uint8_t)t;
				br = t < 0;
			}
			sum[0] = (uint8_t)(sum[0] - br);
		}
		memcpy(r_want, sum + 1, 32);
	}
	assert_memory_equal(sig, r_want, 32);
	/* k = n - 1 works; k = 0, n, n + 1 and 2^256 - 1 are refused */
	memcpy(nonce, n, 32);
	be_sub_small(nonce, 1);
	assert_int_equal(es_sm2p_sign_k(&k, e, nonce, sig), 0);
	assert_int_equal(es_sm2p_verify(&k, e, sig), 0);
	memset(nonce, 0, 32);
	assert_int_equal(es_sm2p_sign_k(&k, e, nonce, sig), -1);
	assert_int_equal(es_sm2p_sign_k(&k, e, n, sig), -1);
	memcpy(nonce, n, 32);
	be_add_small(nonce, 1);
	assert_int_equal(es_sm2p_sign_k(&k, e, nonce, sig), -1);
	memset(nonce, 0xff, 32);
	assert_int_equal(es_sm2p_sign_k(&k, e, nonce, sig), -1);
	/*
	 * r + k = n is discarded: with k = 1, r = (e + Gx) mod n, so choose
	 * e = n - 1 - Gx (mod n): then r = n - 1 and r + k = n.
	 */
	{
		uint8_t e2[32], nm1[32];
		memcpy(nm1, n, 32);
		be_sub_small(nm1, 1);
		be_sub(e2, nm1, gx); /* gx < n - 1, no wrap */
		memset(nonce, 0, 32);
		nonce[31] = 1;
		assert_int_equal(es_sm2p_sign_k(&k, e2, nonce, sig), -1);
		/* and k = 2 with the same e is fine */
		nonce[31] = 2;
		assert_int_equal(es_sm2p_sign_k(&k, e2, nonce, sig), 0);
		assert_int_equal(es_sm2p_verify(&k, e2, sig), 0);
	}
	/* r = 0 is discarded: e = n - Gx with k = 1 */
	{
		uint8_t e3[32];
		be_sub(e3, n, gx);
		nonce[31] = 1;
		assert_int_equal(es_sm2p_sign_k(&k, e3, nonce, sig), -1);
	}
	/* e >= n is taken mod n: e = 5 and e = n + 5 sign alike */
	{
		uint8_t small_e[32] = { 0 }, big_e[32], sig2[64];
		small_e[31] = 5;
		memcpy(big_e, n, 32);
		be_add_small(big_e, 5); /* n + 5 < 2^256 */
		nonce[31] = 7;
		assert_int_equal(es_sm2p_sign_k(&k, small_e, nonce, sig), 0);
		assert_int_equal(es_sm2p_sign_k(&k, big_e, nonce, sig2), 0);
		assert_memory_equal(sig, sig2, 64);
		assert_int_equal(es_sm2p_verify(&k, big_e, sig), 0);
	}
	es_sm2p_key_clear(&k);
}

static void test_sm2p__verify_refuses_out_of_range(void **state)
{
	es_sm2p_key k;
	uint8_t e[32], sig[64], bad[64], n[32];
	(void)state;
	example_key(&k);
	unhex32(e, ex_e);
	unhex32(n, hex_n);
	unhex32(sig, ex_r);
	unhex32(sig + 32, ex_s);
	assert_int_equal(es_sm2p_verify(&k, e, sig), 0);
	/* r = 0, s = 0, r = n, s = n, r + n (non-canonical), r + s = n */
	memcpy(bad, sig, 64);
	memset(bad, 0, 32);
	assert_int_equal(es_sm2p_verify(&k, e, bad), -1);
	memcpy(bad, sig, 64);
	memset(bad + 32, 0, 32);
	assert_int_equal(es_sm2p_verify(&k, e, bad), -1);
	memcpy(bad, sig, 64);
	memcpy(bad, n, 32);
	assert_int_equal(es_sm2p_verify(&k, e, bad), -1);
	memcpy(bad, sig, 64);
	memcpy(bad + 32, n, 32);
	assert_int_equal(es_sm2p_verify(&k, e, bad), -1);
	memcpy(bad, sig, 64);
	be_sub(bad + 32, n, sig); /* s = n - r */
	assert_int_equal(es_sm2p_verify(&k, e, bad), -1);
	memset(bad, 0xff, 64);
	assert_int_equal(es_sm2p_verify(&k, e, bad), -1);
	es_sm2p_key_clear(&k);
}

static void test_sm2p__key_init_refuses(void **state)
{
	es_sm2p_key k;
	uint8_t point[65], d[32], n[32];
	(void)state;
	point[0] = 4;
	unhex32(point + 1, ex_px);
	unhex32(point + 33, ex_py);
	unhex32(d, ex_d);
	unhex32(n, hex_n);
	/* off the curve, wrong prefix, x >= p (non-canonical), the point at infinity as zeros */
	point[64] ^= 1;
	assert_int_equal(es_sm2p_key_init(&k, point, NULL), -1);
	point[64] ^= 1;
	point[0] = 2;
	assert_int_equal(es_sm2p_key_init(&k, point, NULL), -1);
	point[0] = 4;
	{
		uint8_t q[65];
		memset(q, 0xff, 65);
		q[0] = 4;
		assert_int_equal(es_sm2p_key_init(&k, q, NULL), -1);
		memset(q, 0, 65);
		q[0] = 4;
		assert_int_equal(es_sm2p_key_init(&k, q, NULL), -1);
	}
	/* a scalar that does not match the point, 0, n - 1 (1 + d = n), n */
	d[31] ^= 1;
	assert_int_equal(es_sm2p_key_init(&k, point, d), -1);
	memset(d, 0, 32);
	assert_int_equal(es_sm2p_key_init(&k, point, d), -1);
	memcpy(d, n, 32);
	be_sub_small(d, 1);
	{
		uint8_t q[65];
		assert_int_equal(es_sm2p_public_point(q, d), 0);
		assert_int_equal(es_sm2p_key_init(&k, q, d), -1);
		/* n - 2 is the largest usable */
		be_sub_small(d, 1);
		assert_int_equal(es_sm2p_public_point(q, d), 0);
		assert_int_equal(es_sm2p_key_init(&k, q, d), 0);
		assert_true(k.has_priv);
		es_sm2p_key_clear(&k);
	}
	assert_int_equal(es_sm2p_key_init(&k, point, n), -1);
	/* public only */
	assert_int_equal(es_sm2p_key_init(&k, point, NULL), 0);
	assert_false(k.has_priv);
	{
		uint8_t e[32] = { 1 }, sig[64];
		assert_int_equal(es_sm2p_sign(&k, e, sig), -1);
	}
	es_sm2p_key_clear(&k);
}

static void test_sm2p__der(void **state)
{
	uint8_t raw[64], back[64], der[72];
	size_t len;
	(void)state;
	/* high bits set: 0x00 pads, 72 bytes */
	memset(raw, 0x80, 64);
	len = es_sm2p_raw_to_der(der, raw);
	assert_int_equal(len, 72);
	assert_int_equal(es_sm2p_der_to_raw(back, der, len), 0);
	assert_memory_equal(raw, back, 64);
	/* leading zeros stripped */
	memset(raw, 0, 64);
	raw[31] = 1;
	raw[63] = 0x7f;
	len = es_sm2p_raw_to_der(der, raw);
	assert_int_equal(len, 8);
	assert_int_equal(es_sm2p_der_to_raw(back, der, len), 0);
	assert_memory_equal(raw, back, 64);
	/* non-minimal, negative, trailing, wrong length, long form */
	{
		static const uint8_t nonmin[] = { 0x30, 0x07, 0x02, 0x02, 0x00, 0x01, 0x02, 0x01, 0x7f };
		static const uint8_t neg[] = { 0x30, 0x06, 0x02, 0x01, 0x81, 0x02, 0x01, 0x7f };
		static const uint8_t trail[] = { 0x30, 0x07, 0x02, 0x01, 0x01, 0x02, 0x01, 0x7f, 0x00 };
		static const uint8_t badlen[] = { 0x30, 0x07, 0x02, 0x01, 0x01, 0x02, 0x01, 0x7f };
		static const uint8_t longform[] = { 0x30, 0x81, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x7f };
		assert_int_equal(es_sm2p_der_to_raw(back, nonmin, sizeof(nonmin)), -1);
		assert_int_equal(es_sm2p_der_to_raw(back, neg, sizeof(neg)), -1);
		assert_int_equal(es_sm2p_der_to_raw(back, trail, sizeof(trail)), -1);
		assert_int_equal(es_sm2p_der_to_raw(back, badlen, sizeof(badlen)), -1);
		assert_int_equal(es_sm2p_der_to_raw(back, longform, sizeof(longform)), -1);
	}
	/* 33 value bytes without the sign pad: too big */
	{
		uint8_t big[2 + 2 + 33 + 3] = { 0x30, 2 + 33 + 3, 0x02, 33 };
		memset(big + 4, 0x01, 33);
		big[37] = 0x02;
		big[38] = 0x01;
		big[39] = 0x01;
		assert_int_equal(es_sm2p_der_to_raw(back, big, sizeof(big)), -1);
	}
}

/* ---- differential against OpenSSL ------------------------------------------------ */

static EVP_PKEY *ossl_key(const uint8_t d[32], const uint8_t point[65])
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	BIGNUM *bn = BN_bin2bn(d, 32, NULL);

	assert_non_null(bld);
	assert_non_null(bn);
	assert_true(OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "SM2", 0));
	assert_true(OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, 65));
	assert_true(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, bn));
	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "SM2", NULL);
	assert_true(ctx && EVP_PKEY_fromdata_init(ctx) > 0);
	assert_true(EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_KEYPAIR, params) > 0);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(bn);
	return pkey;
}

/* OpenSSL's own d*G, to check ours independently. */
static void ossl_point(uint8_t out[65], const uint8_t d[32])
{
	EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_sm2);
	EC_POINT *pt = EC_POINT_new(g);
	BIGNUM *bn = BN_bin2bn(d, 32, NULL);
	assert_true(EC_POINT_mul(g, pt, bn, NULL, NULL, NULL));
	assert_int_equal(EC_POINT_point2oct(g, pt, POINT_CONVERSION_UNCOMPRESSED, out, 65, NULL), 65);
	BN_free(bn);
	EC_POINT_free(pt);
	EC_GROUP_free(g);
}

static long diff_n(void)
{
	const char *v = getenv("ESEAL_DIFF_N");
	long n = v ? strtol(v, NULL, 10) : 10000;
	return n > 0 ? n : 10000;
}

static void test_sm2p__differential_openssl(void **state)
{
	long n = diff_n(), i;
	(void)state;
	for (i = 0; i < n; i++) {
		uint8_t d[32], point[65], opoint[65], e[32], sig[64], der[72], osig[80], raw[64];
		size_t len, olen = sizeof(osig);
		es_sm2p_key k;
		EVP_PKEY *pk;
		EVP_PKEY_CTX *ctx;
		int rc;

		assert_int_equal(RAND_bytes(d, 32), 1);
		assert_int_equal(RAND_bytes(e, 32), 1);
		/* small and large keys and digests now and then */
		if (i % 97 == 1)
			memset(d, 0, 31);
		if (i % 89 == 2)
			memset(e, 0xff, 31);
		if (es_sm2p_public_point(point, d) < 0 || es_sm2p_key_init(&k, point, d) < 0) {
			d[0] = 0x7f; /* out of range: retry below n - 1 */
			assert_int_equal(es_sm2p_public_point(point, d), 0);
			assert_int_equal(es_sm2p_key_init(&k, point, d), 0);
		}
		if (i % 16 == 0) {
			ossl_point(opoint, d);
			assert_memory_equal(point, opoint, 65);
		}
		pk = ossl_key(d, point);
		/* ours signs, OpenSSL verifies */
		assert_int_equal(es_sm2p_sign(&k, e, sig), 0);
		len = es_sm2p_raw_to_der(der, sig);
		ctx = EVP_PKEY_CTX_new(pk, NULL);
		assert_true(ctx && EVP_PKEY_verify_init(ctx) > 0);
		rc = EVP_PKEY_verify(ctx, der, len, e, 32);
		if (rc != 1)
			fail_msg("openssl refuses our signature #%ld", i);
		/* and refuses it over another digest, as we do */
		e[5] ^= 0x20;
		assert_int_not_equal(EVP_PKEY_verify(ctx, der, len, e, 32), 1);
		assert_int_equal(es_sm2p_verify(&k, e, sig), -1);
		e[5] ^= 0x20;
		EVP_PKEY_CTX_free(ctx);
		/* OpenSSL signs, ours verifies */
		ctx = EVP_PKEY_CTX_new(pk, NULL);
		assert_true(ctx && EVP_PKEY_sign_init(ctx) > 0);
		assert_true(EVP_PKEY_sign(ctx, osig, &olen, e, 32) > 0);
		assert_int_equal(es_sm2p_der_to_raw(raw, osig, olen), 0);
		if (es_sm2p_verify(&k, e, raw) != 0)
			fail_msg("we refuse openssl's signature #%ld", i);
		raw[63] ^= 1;
		assert_int_equal(es_sm2p_verify(&k, e, raw), -1);
		/*
		 * Now and then the same key verifies more than
		 * ES_SM2P_COMB_AFTER times, so that its own comb table is
		 * built and used: OpenSSL's signatures over new digests.
		 */
		if (i % 250 == 0) {
			for (int j = 0; j < 3 * ES_SM2P_COMB_AFTER; j++) {
				olen = sizeof(osig);
				assert_int_equal(RAND_bytes(e, 32), 1);
				assert_true(EVP_PKEY_sign(ctx, osig, &olen, e, 32) > 0);
				assert_int_equal(es_sm2p_der_to_raw(raw, osig, olen), 0);
				if (es_sm2p_verify(&k, e, raw) != 0)
					fail_msg("we refuse openssl's signature #%ld.%d", i, j);
				e[j % 32] ^= 4;
				assert_int_equal(es_sm2p_verify(&k, e, raw), -1);
			}
			assert_non_null(atomic_load(&k.comb));
		}
		EVP_PKEY_CTX_free(ctx);
		EVP_PKEY_free(pk);
		es_sm2p_key_clear(&k);
		ERR_clear_error();
	}
}

/* ---- one key shared by threads ----------------------------------------------------- */

#include <pthread.h>

#define THREADS 4
#define PER_THREAD 40

struct shared {
	es_sm2p_key *k;
	uint8_t e[PER_THREAD][32], sig[PER_THREAD][64];
	int bad;
};

static void *verify_all(void *arg)
{
	struct shared *sh = arg;
	for (int i = 0; i < PER_THREAD; i++) {
		uint8_t wrong[64];
		if (es_sm2p_verify(sh->k, sh->e[i], sh->sig[i]) != 0)
			sh->bad = 1;
		memcpy(wrong, sh->sig[i], 64);
		wrong[i % 64] ^= 0x10;
		if (es_sm2p_verify(sh->k, sh->e[i], wrong) == 0)
			sh->bad = 1;
	}
	return NULL;
}

/*
 * Threads verify with one key at once, racing to build its tables (first
 * the wNAF table, then past ES_SM2P_COMB_AFTER the comb): every verdict
 * stays right and one table of each kind is kept.
 */
static void test_sm2p__shared_key_threads(void **state)
{
	static struct shared sh;
	uint8_t d[32], point[65];
	es_sm2p_key k;
	pthread_t th[THREADS];
	(void)state;
	unhex32(d, ex_d);
	assert_int_equal(es_sm2p_public_point(point, d), 0);
	assert_int_equal(es_sm2p_key_init(&k, point, d), 0);
	sh.k = &k;
	for (int i = 0; i < PER_THREAD; i++) {
		assert_int_equal(RAND_bytes(sh.e[i], 32), 1);
		assert_int_equal(es_sm2p_sign(&k, sh.e[i], sh.sig[i]), 0);
	}
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, verify_all, &sh), 0);
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	assert_int_equal(sh.bad, 0);
	assert_non_null(atomic_load(&k.table));
	assert_non_null(atomic_load(&k.comb));
	es_sm2p_key_clear(&k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sm2p__arith_choice),
		cmocka_unit_test(test_sm2p__inverse_mod_p),
		cmocka_unit_test(test_sm2p__standard_example),
		cmocka_unit_test(test_sm2p__hedged_nonce),
		cmocka_unit_test(test_sm2p__public_point_edges),
		cmocka_unit_test(test_sm2p__nonce_edges),
		cmocka_unit_test(test_sm2p__verify_refuses_out_of_range),
		cmocka_unit_test(test_sm2p__key_init_refuses),
		cmocka_unit_test(test_sm2p__der),
		cmocka_unit_test(test_sm2p__shared_key_threads),
		cmocka_unit_test(test_sm2p__differential_openssl),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
