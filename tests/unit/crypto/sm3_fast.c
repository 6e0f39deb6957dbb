/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Our SM3 (src/crypto/sm3_fast.c) against GB/T 32905 Appendix A and
 * against OpenSSL's on every length up to 1100 bytes, fed in uneven pieces;
 * every compression this CPU has (portable C always, the vector message
 * expansion with AVX-512VL) against OpenSSL on every length up to 5000
 * bytes and on random messages; SM3(head || M) with the per-thread prefix
 * cache against OpenSSL.
 */
#include "es_int.h"
#include "testutil.h"
#include "crypto/sm3_fast.h"

#include <openssl/evp.h>
#include <pthread.h>

static void digest(uint8_t out[32], const uint8_t *p, size_t len, size_t piece)
{
	es_sm3_state st;
	es_sm3s_init(&st);
	while (len) {
		size_t n = piece < len ? piece : len;
		es_sm3s_update(&st, p, n);
		p += n;
		len -= n;
	}
	es_sm3s_final(&st, out);
}

static void test_sm3s__standard_vectors(void **state)
{
	uint8_t out[32], want[32], m2[64];
	(void)state;
	digest(out, (const uint8_t *)"abc", 3, 3);
	tu_unhex(want, 32, "66C7F0F462EEEDD9D1F2D46BDC10E4E24167C4875CF2F7A2297DA02B8F4BA8E0");
	assert_memory_equal(out, want, 32);
	for (int i = 0; i < 64; i++)
		m2[i] = "abcd"[i % 4];
	digest(out, m2, 64, 7);
	tu_unhex(want, 32, "DEBE9FF92275B8A138604889C18E5A4D6FDB70E5387E5765293DCBA39C0C5732");
	assert_memory_equal(out, want, 32);
}

static void test_sm3s__against_openssl(void **state)
{
	static uint8_t buf[1100];
	uint8_t a[32], b[32];
	unsigned int n = 0;
	(void)state;
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 151 + (i >> 7));
	for (size_t len = 0; len <= sizeof(buf); len++) {
		assert_int_equal(EVP_Digest(buf, len, b, &n, EVP_sm3(), NULL), 1);
		digest(a, buf, len, len ? len : 1);
		assert_memory_equal(a, b, 32);
		digest(a, buf, len, 1 + len % 67);
		assert_memory_equal(a, b, 32);
	}
}

/* a fixed-seed generator, so that a failure repeats (xorshift64*) */
static uint64_t rnd_state = 0x9e3779b97f4a7c15u;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return rnd_state * 0x2545f4914f6cdd1du;
}

static void check_impl(int impl, const uint8_t *buf, size_t len, size_t piece)
{
	uint8_t a[32], b[32];
	unsigned int n = 0;
	assert_int_equal(EVP_Digest(buf, len, b, &n, EVP_sm3(), NULL), 1);
	digest(a, buf, len, piece);
	if (memcmp(a, b, 32) != 0)
		fail_msg("impl %d: %zu bytes in pieces of %zu differ from OpenSSL", impl, len, piece);
}

/*
 * Each compression (forced with es_sm3s_force_impl) against OpenSSL's:
 * every length 0..5000 at an odd address, whole and in pieces, then 2000
 * random messages of random lengths up to 5000 bytes fed in random pieces;
 * es_sm3s_blocks on many blocks at once agrees between the compressions.
 */
static void test_sm3s__impls_against_openssl(void **state)
{
	enum { MAX = 5000 };
	static const int impls[] = { ES_SM3S_PORTABLE, ES_SM3S_AVX512 };
	uint8_t *buf = malloc(MAX + 64), blk[78 * 64 + 5];
	uint32_t v_ref[8] = { 0 };
	int tried = 0;
	(void)state;
	assert_non_null(buf);
	for (size_t i = 0; i < MAX + 64; i++)
		buf[i] = (uint8_t)rnd();
	for (size_t i = 0; i < sizeof(blk); i++)
		blk[i] = (uint8_t)rnd();
	for (size_t c = 0; c < sizeof(impls) / sizeof(impls[0]); c++) {
		uint32_t v[8];
		if (!es_sm3s_impl_available(impls[c])) {
			assert_int_equal(es_sm3s_force_impl(impls[c]), -1);
			continue;
		}
		tried++;
		assert_int_equal(es_sm3s_force_impl(impls[c]), 0);
		assert_int_equal(es_sm3s_impl(), impls[c]);
		for (size_t len = 0; len <= MAX; len++) {
			check_impl(impls[c], buf + 1, len, len ? len : 1);
			if (len % 7 == 0)
				check_impl(impls[c], buf + 3, len, 1 + len % 131);
		}
		for (int r = 0; r < 2000; r++) {
			size_t len = rnd() % (MAX + 1), off = rnd() % 64;
			for (size_t i = 0; i < 16; i++)
				buf[rnd() % (MAX + 64)] = (uint8_t)rnd();
			check_impl(impls[c], buf + off, len, 1 + rnd() % (len + 1));
		}
		/* 78 blocks in one call, from an unaligned address */
		for (int i = 0; i < 8; i++)
			v[i] = (uint32_t)i * 0x01020304u;
		es_sm3s_blocks(v, blk + 5, 78);
		if (tried == 1)
			memcpy(v_ref, v, sizeof(v));
		assert_memory_equal(v, v_ref, sizeof(v));
	}
	assert_true(tried >= 1);
	assert_int_equal(es_sm3s_force_impl(0), 0);
	assert_true(es_sm3s_impl() == ES_SM3S_PORTABLE || es_sm3s_impl() == ES_SM3S_AVX512);
	free(buf);
}

/* SM3(head || m) by OpenSSL */
static void ref_prefixed(uint8_t out[32], const uint8_t head[32], const uint8_t *m, size_t len)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned int n = 0;
	assert_non_null(c);
	assert_int_equal(EVP_DigestInit_ex(c, EVP_sm3(), NULL), 1);
	assert_int_equal(EVP_DigestUpdate(c, head, 32), 1);
	assert_int_equal(EVP_DigestUpdate(c, m, len), 1);
	assert_int_equal(EVP_DigestFinal_ex(c, out, &n), 1);
	EVP_MD_CTX_free(c);
}

static void check_prefixed(const uint8_t head[32], const uint8_t *m, size_t len)
{
	uint8_t a[32], b[32];
	es_sm3s_hash_prefixed(a, head, m, len);
	ref_prefixed(b, head, m, len);
	assert_memory_equal(a, b, 32);
}

/*
 * The prefix cache of es_sm3s_hash_prefixed never changes a digest:
 * repeated messages, messages sharing prefixes that end on and around
 * block boundaries, a change inside a remembered prefix, shorter and
 * longer messages than the prefix, more heads than slots, and lengths
 * around the thresholds (1024 bytes, 256 KiB).
 */
static void test_sm3s__prefixed(void **state)
{
	enum { N = 70000 };
	uint8_t *m = malloc(N), *big = malloc((256u << 10) + 100), heads[6][32];
	(void)state;
	assert_non_null(m);
	assert_non_null(big);
	for (size_t i = 0; i < N; i++)
		m[i] = (uint8_t)(i * 31 + (i >> 9));
	for (int h = 0; h < 6; h++)
		memset(heads[h], 0x11 * (h + 1), 32);
	/* the same message again and again, then a change inside the prefix */
	for (int r = 0; r < 4; r++)
		check_prefixed(heads[0], m, 50000);
	m[100] ^= 1;
	check_prefixed(heads[0], m, 50000);
	check_prefixed(heads[0], m, 50000);
	m[49990] ^= 0x80; /* in the tail past the last whole block */
	check_prefixed(heads[0], m, 50000);
	/* shared prefixes of every length near a block boundary, tails differing */
	for (size_t cut = 2000; cut < 2200; cut += 7) {
		for (int r = 0; r < 3; r++) {
			m[cut] = (uint8_t)(m[cut] + 1 + r);
			check_prefixed(heads[1], m, cut + 1 + (size_t)r * 100);
		}
	}
	/* shorter and longer than the remembered prefix */
	check_prefixed(heads[1], m, 1500);
	check_prefixed(heads[1], m, 2100);
	check_prefixed(heads[1], m, N);
	check_prefixed(heads[1], m, 1025);
	/* more heads than slots, interleaved */
	for (int r = 0; r < 5; r++)
		for (int h = 0; h < 6; h++)
			check_prefixed(heads[h], m + h, 30000 + (size_t)h * 65);
	/* thresholds: below 1024 bytes, and above 256 KiB (no cache) */
	for (size_t len = 1020; len <= 1030; len++)
		check_prefixed(heads[2], m, len);
	for (size_t i = 0; i < (256u << 10) + 100; i++)
		big[i] = (uint8_t)(i ^ (i >> 11));
	check_prefixed(heads[3], big, (256u << 10) + 100);
	check_prefixed(heads[3], big, (256u << 10) + 100);
	check_prefixed(heads[3], big, 256u << 10);
	check_prefixed(heads[3], big, 256u << 10);
	check_prefixed(heads[3], big, (256u << 10) + 1);
	check_prefixed(heads[3], big, 0);
	free(m);
	free(big);
}

/* Each thread has its own cache, freed when the thread ends (ASan checks the leak). */
static void *prefixed_thread(void *arg)
{
	const uint8_t *m = arg;
	uint8_t head[32];
	memset(head, 0x5c, 32);
	for (int r = 0; r < 20; r++)
		check_prefixed(head, m, 5000 + (size_t)(r % 3) * 64);
	return NULL;
}

static void test_sm3s__prefixed_threads(void **state)
{
	static uint8_t m[6000];
	pthread_t th[4];
	(void)state;
	for (size_t i = 0; i < sizeof(m); i++)
		m[i] = (uint8_t)(i * 7);
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, prefixed_thread, m), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sm3s__standard_vectors),
		cmocka_unit_test(test_sm3s__against_openssl),
		cmocka_unit_test(test_sm3s__impls_against_openssl),
		cmocka_unit_test(test_sm3s__prefixed),
		cmocka_unit_test(test_sm3s__prefixed_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
