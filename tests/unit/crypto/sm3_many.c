/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * SM3 of many messages (src/crypto/sm3_many.c): every lane count this CPU
 * has (1 always, 8 with AVX2, 16 with AVX-512F) against single-stream SM3
 * and OpenSSL's, on random lengths, the empty message, lengths around the
 * padding boundaries (55, 56, 63, 64, 65, 119, 120) and more messages than
 * lanes, so lanes finish and restart at different times.
 */
#include "es_int.h"
#include "testutil.h"
#include "eseal/es_crypto.h"
#include "crypto/sm3_fast.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#define MAX_MSGS 100
#define MAX_LEN 1000

static void single(uint8_t out[32], const uint8_t *p, size_t len)
{
	es_sm3_state st;
	es_sm3s_init(&st);
	es_sm3s_update(&st, p, len);
	es_sm3s_final(&st, out);
}

/* Hash @p n messages of @p lens at every lane count and compare. */
static void check(const size_t *lens, size_t n, const uint8_t *pool)
{
	static uint8_t got[MAX_MSGS][32];
	const uint8_t *msgs[MAX_MSGS];
	uint8_t want[32], ossl[32];
	static const int lane_counts[] = { 1, 8, 16 };
	unsigned int olen = 0;
	int tried = 0;

	assert_true(n <= MAX_MSGS);
	for (size_t i = 0; i < n; i++)
		msgs[i] = lens[i] ? pool + (i * 37) % 64 : NULL; /* unaligned starts; NULL when empty */
	for (size_t c = 0; c < sizeof(lane_counts) / sizeof(lane_counts[0]); c++) {
		if (!es_sm3m_lanes_available(lane_counts[c]))
			continue;
		tried++;
		assert_int_equal(es_sm3m_force_lanes(lane_counts[c]), 0);
		assert_int_equal(es_sm3m_lanes(), lane_counts[c]);
		memset(got, 0, sizeof(got));
		es_sm3m_hash(got, msgs, lens, n);
		for (size_t i = 0; i < n; i++) {
			single(want, pool + (i * 37) % 64, lens[i]);
			assert_int_equal(EVP_Digest(pool + (i * 37) % 64, lens[i], ossl, &olen, EVP_sm3(), NULL), 1);
			assert_memory_equal(want, ossl, 32);
			if (memcmp(got[i], want, 32) != 0)
				fail_msg("lanes %d: message %zu of %zu (%zu bytes) differs", lane_counts[c], i, n,
					 lens[i]);
		}
		/* the public interface agrees (our lanes or OpenSSL, per ESEAL_CRYPTO) */
		memset(got, 0, sizeof(got));
		assert_int_equal(es_sm3_many(got, msgs, lens, n), 0);
		for (size_t i = 0; i < n; i++) {
			single(want, pool + (i * 37) % 64, lens[i]);
			assert_memory_equal(got[i], want, 32);
		}
	}
	assert_int_equal(es_sm3m_force_lanes(0), 0);
	assert_true(tried >= 1);
}

static uint8_t *make_pool(void)
{
	uint8_t *pool = es_malloc(MAX_LEN + 64);
	assert_non_null(pool);
	for (size_t i = 0; i < MAX_LEN + 64; i++)
		pool[i] = (uint8_t)(i * 151 + (i >> 7));
	return pool;
}

static void test_sm3_many__boundaries(void **state)
{
	static const size_t edge[] = { 0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 121, 127, 128, 129, 0 };
	size_t lens[MAX_MSGS];
	uint8_t *pool = make_pool();
	(void)state;
	/* every count from 0 to 40 messages, lengths cycling through the edges */
	for (size_t n = 0; n <= 40; n++) {
		for (size_t i = 0; i < n; i++)
			lens[i] = edge[(i + n) % (sizeof(edge) / sizeof(edge[0]))];
		check(lens, n, pool);
	}
	/* one empty message alone, and 17 empty messages */
	lens[0] = 0;
	check(lens, 1, pool);
	for (size_t i = 0; i < 17; i++)
		lens[i] = 0;
	check(lens, 17, pool);
	es_free(pool);
}

static void test_sm3_many__random_lengths(void **state)
{
	size_t lens[MAX_MSGS];
	uint8_t *pool = make_pool(), r[2 * MAX_MSGS + 1];
	(void)state;
	for (int round = 0; round < 30; round++) {
		size_t n;
		assert_int_equal(RAND_bytes(r, sizeof(r)), 1);
		n = 1 + r[0] % MAX_MSGS;
		for (size_t i = 0; i < n; i++)
			lens[i] = (((size_t)r[1 + 2 * i] << 8) | r[2 + 2 * i]) % (MAX_LEN + 1);
		check(lens, n, pool);
	}
	es_free(pool);
}

static void test_sm3_many__standard_vector(void **state)
{
	/* GB/T 32905 Appendix A.1 "abc" in every lane */
	const uint8_t *msgs[20];
	size_t lens[20];
	uint8_t out[20][32], want[32];
	(void)state;
	tu_unhex(want, 32, "66C7F0F462EEEDD9D1F2D46BDC10E4E24167C4875CF2F7A2297DA02B8F4BA8E0");
	for (int i = 0; i < 20; i++) {
		msgs[i] = (const uint8_t *)"abc";
		lens[i] = 3;
	}
	assert_int_equal(es_sm3_many(out, msgs, lens, 20), 0);
	for (int i = 0; i < 20; i++)
		assert_memory_equal(out[i], want, 32);
	assert_int_equal(es_sm3_many(NULL, NULL, NULL, 0), 0);
}

static void test_sm3_many__unavailable_lanes_refused(void **state)
{
	(void)state;
	assert_int_equal(es_sm3m_force_lanes(3), -1);
	assert_int_equal(es_sm3m_lanes_available(1), 1);
	assert_int_equal(es_sm3m_lanes_available(4), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sm3_many__boundaries),
		cmocka_unit_test(test_sm3_many__random_lengths),
		cmocka_unit_test(test_sm3_many__standard_vector),
		cmocka_unit_test(test_sm3_many__unavailable_lanes_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
