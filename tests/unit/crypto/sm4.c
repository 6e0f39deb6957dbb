/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* SM4 (GB/T 32907-2016): block vectors, CBC and CTR. */
#include "es_int.h"
#include "testutil.h"
#include "eseal/es_crypto.h"

#include <time.h>

static const char *const std_key = "0123456789abcdeffedcba9876543210";

/* GB/T 32907-2016 Appendix A, example 1. */
static void test_sm4__standard_block(void **state)
{
	uint8_t key[16], pt[16], ct[16], want[16], back[16];
	(void)state;
	tu_unhex(key, 16, std_key);
	tu_unhex(pt, 16, std_key);
	tu_unhex(want, 16, "681edf34d206965e86b3e94f536e4246");
	TU_OK(es_sm4_encrypt_block(ct, key, pt));
	assert_memory_equal(ct, want, 16);
	TU_OK(es_sm4_decrypt_block(back, key, ct));
	assert_memory_equal(back, pt, 16);
}

/*
 * GB/T 32907-2016 Appendix A, example 2: the block encrypted 1,000,000
 * times with the same key. With a zero IV, CBC over P ‖ 0 ‖ 0 ‖ ... makes
 * C_i = E(C_{i-1} xor 0) = E^i(P), so one CBC call over a million blocks
 * runs the chain in well under a second (instead of a million calls).
 */
static void test_sm4__standard_million(void **state)
{
	const size_t n = 1000000;
	uint8_t key[16], iv[16] = { 0 }, want[16], x[16];
	uint8_t *in = es_calloc(n, 16);
	es_buf out;
	clock_t t0 = clock();
	(void)state;
	assert_non_null(in);
	tu_unhex(key, 16, std_key);
	tu_unhex(in, 16, std_key);
	tu_unhex(want, 16, "595298c7c6fd271f0402f804c33d3f66");
	es_buf_init(&out, 17 * n);
	TU_OK(es_sm4_cbc_encrypt(&out, key, iv, in, 16 * n));
	assert_int_equal(out.len, 16 * n + 16); /* plus one padding block */
	assert_memory_equal(out.ptr + 16 * (n - 1), want, 16);
	/* the first thousand steps agree with the block function */
	tu_unhex(x, 16, std_key);
	for (int i = 0; i < 1000; i++)
		TU_OK(es_sm4_encrypt_block(x, key, x));
	assert_memory_equal(x, out.ptr + 16 * 999, 16);
	es_buf_release(&out);
	es_free(in);
	assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 30.0);
}

static void test_sm4__cbc_round_trip(void **state)
{
	uint8_t key[16], iv[16], msg[100];
	es_buf ct = ES_BUF_INIT, pt = ES_BUF_INIT;
	(void)state;
	TU_OK(es_random(key, 16));
	TU_OK(es_random(iv, 16));
	TU_OK(es_random(msg, sizeof(msg)));
	for (size_t len = 0; len <= sizeof(msg); len += 7) {
		TU_OK(es_sm4_cbc_encrypt(&ct, key, iv, msg, len));
		assert_int_equal(ct.len, (len / 16 + 1) * 16);
		TU_OK(es_sm4_cbc_decrypt(&pt, key, iv, ct.ptr, ct.len));
		assert_int_equal(pt.len, len);
		if (len)
			assert_memory_equal(pt.ptr, msg, len);
		es_buf_release(&ct);
		es_buf_release(&pt);
	}
}

static void test_sm4__cbc_bad_padding_and_length(void **state)
{
	uint8_t key[16], iv[16], block[32];
	es_buf ct = ES_BUF_INIT, pt = ES_BUF_INIT;
	int fails = 0;
	(void)state;
	TU_OK(es_random(key, 16));
	TU_OK(es_random(iv, 16));
	/* raw blocks whose last byte is not a valid pad after decryption */
	memset(block, 0, sizeof(block));
	TU_OK(es_sm4_cbc_encrypt(&ct, key, iv, block, 16)); /* 32 bytes */
	/* decrypting with another key gives garbage padding (almost always) */
	for (int i = 0; i < 8; i++) {
		key[0] ^= (uint8_t)(1 + i);
		int rc = es_sm4_cbc_decrypt(&pt, key, iv, ct.ptr, ct.len);
		if (rc == ES_EVERIFY) {
			fails++;
			assert_int_equal(pt.len, 0); /* nothing left behind */
		}
		es_buf_release(&pt);
	}
	assert_true(fails >= 6);
	assert_int_equal(es_sm4_cbc_decrypt(&pt, key, iv, ct.ptr, 17), ES_EMALFORMED);
	assert_int_equal(es_sm4_cbc_decrypt(&pt, key, iv, ct.ptr, 0), ES_EMALFORMED);
	es_buf_release(&ct);
}

static void test_sm4__ctr(void **state)
{
	uint8_t key[16], iv[16], msg[77];
	es_buf ct = ES_BUF_INIT, pt = ES_BUF_INIT, ks = ES_BUF_INIT;
	uint8_t zero[77] = { 0 }, ctr[16], blk[16];
	(void)state;
	TU_OK(es_random(key, 16));
	TU_OK(es_random(msg, sizeof(msg)));
	memset(iv, 0xff, 16); /* the counter wraps: the whole 128 bits count */
	iv[0] = 0x12;
	TU_OK(es_sm4_ctr(&ct, key, iv, msg, sizeof(msg)));
	assert_int_equal(ct.len, sizeof(msg));
	TU_OK(es_sm4_ctr(&pt, key, iv, ct.ptr, ct.len));
	assert_memory_equal(pt.ptr, msg, sizeof(msg));
	/* keystream = E(iv), E(iv + 1), ... */
	TU_OK(es_sm4_ctr(&ks, key, iv, zero, sizeof(zero)));
	memcpy(ctr, iv, 16);
	for (size_t off = 0; off < sizeof(zero); off += 16) {
		TU_OK(es_sm4_encrypt_block(blk, key, ctr));
		assert_memory_equal(ks.ptr + off, blk, sizeof(zero) - off < 16 ? sizeof(zero) - off : 16);
		for (int i = 15; i >= 0 && ++ctr[i] == 0; i--)
			;
	}
	es_buf_release(&ct);
	es_buf_release(&pt);
	es_buf_release(&ks);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sm4__standard_block),
		cmocka_unit_test(test_sm4__standard_million),
		cmocka_unit_test(test_sm4__cbc_round_trip),
		cmocka_unit_test(test_sm4__cbc_bad_padding_and_length),
		cmocka_unit_test(test_sm4__ctr),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
