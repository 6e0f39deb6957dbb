/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Constant-time check of SM2 signing, ctgrind style: run under valgrind
 * memcheck (ctest "ct-sm2"), the private scalar, (1+d)^-1 and the nonce
 * are marked undefined, so any branch or memory index that depends on
 * them is reported ("conditional jump depends on uninitialised value",
 * "use of uninitialised value") and fails the run. The library marks
 * values defined only where they become public (the signature, the
 * public key, a 2^-256 "discard this nonce" flag).
 *
 * Without valgrind the test skips. With --negative it runs the
 * variable-time verification ladder on a secret scalar instead, which
 * valgrind must report (ctest "ct-sm2-negative", expected to fail): the
 * check can fail.
 */
#include "es_int.h"
#include "testutil.h"
#include "eseal/es_crypto.h"
#include "crypto/crypto_int.h"

#ifdef ES_HAVE_VALGRIND_TEST
#include <valgrind/memcheck.h>
#define SECRET(p, n) VALGRIND_MAKE_MEM_UNDEFINED((p), (n))
#define PUBLIC(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))
#define UNDER_VALGRIND() RUNNING_ON_VALGRIND
#else
#define SECRET(p, n) ((void)(p), (void)(n))
#define PUBLIC(p, n) ((void)(p), (void)(n))
#define UNDER_VALGRIND() 0
#endif

static bool negative;

static const char *const ex_d = "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8";
static const char *const ex_k = "59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21";

static void test_ct__signing_path(void **state)
{
	uint8_t d[32], point[65], e[32] = { 0x11, 0x22 }, nonce[32], sig[64];
	es_sm2p_key k;
	es_sm2_key *key = NULL;
	es_buf der = ES_BUF_INIT;
	(void)state;
	if (!UNDER_VALGRIND())
		skip();
	assert_int_equal(tu_unhex(d, 32, ex_d), 32);
	assert_int_equal(tu_unhex(nonce, 32, ex_k), 32);

	/* key generation from a secret scalar, and the key set-up */
	SECRET(d, 32);
	assert_int_equal(es_sm2p_public_point(point, d), 0);
	SECRET(d, 32);
	assert_int_equal(es_sm2p_key_init(&k, point, d), 0);

	/* signing with a secret nonce and a secret (1+d)^-1 */
	SECRET(k.dinv, sizeof(k.dinv));
	SECRET(nonce, 32);
	assert_int_equal(es_sm2p_sign_k(&k, e, nonce, sig), 0);
	/* the same with a secret blinding factor: the variable-time inversion sees only Z b,
	 * declassified on purpose (src/crypto/sm2_p256.c, affine_x_blinded) */
	uint8_t blind[32];
	memset(blind, 0x5a, sizeof(blind));
	SECRET(k.dinv, sizeof(k.dinv));
	SECRET(nonce, 32);
	SECRET(blind, 32);
	assert_int_equal(es_sm2p_sign_kb(&k, e, nonce, blind, sig), 0);
	assert_int_equal(es_sm2p_verify(&k, e, sig), 0);
	/* with nonces from the CSPRNG */
	SECRET(k.dinv, sizeof(k.dinv));
	assert_int_equal(es_sm2p_sign(&k, e, sig), 0);
	assert_int_equal(es_sm2p_verify(&k, e, sig), 0);
	es_sm2p_key_clear(&k);

	/* the public API: es_sm2_sign on a key whose secret is marked */
	PUBLIC(d, 32);
	TU_OK(es_sm2_key_from_scalar(&key, d));
	assert_non_null(key->fast);
	SECRET(key->fast->dinv, sizeof(key->fast->dinv));
	TU_OK(es_sm2_sign(&der, key, NULL, 0, "message", 7));
	PUBLIC(key->fast->dinv, sizeof(key->fast->dinv));
	TU_OK(es_sm2_verify(key, NULL, 0, "message", 7, der.ptr, der.len));
	es_buf_release(&der);
	es_sm2_key_free(key);
}

/* The check can fail: verification is variable time, so a secret scalar in it is reported. */
static void test_ct__negative_control(void **state)
{
	uint8_t d[32], point[65], e[32] = { 0x33 }, sig[64];
	es_sm2p_key k;
	(void)state;
	if (!UNDER_VALGRIND())
		skip();
	assert_int_equal(tu_unhex(d, 32, ex_d), 32);
	assert_int_equal(es_sm2p_public_point(point, d), 0);
	assert_int_equal(es_sm2p_key_init(&k, point, NULL), 0);
	memset(sig, 0x01, 64);
	SECRET(sig + 32, 32); /* s drives the variable-time comb walk */
	tu_ignore(es_sm2p_verify(&k, e, sig));
	es_sm2p_key_clear(&k);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ct__signing_path),
	};
	const struct CMUnitTest neg[] = {
		cmocka_unit_test(test_ct__negative_control),
	};
	negative = argc > 1 && strcmp(argv[1], "--negative") == 0;
	if (negative)
		return cmocka_run_group_tests(neg, NULL, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
