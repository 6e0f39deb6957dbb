/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Our SM3 (src/crypto/sm3_fast.c) against GB/T 32905 Appendix A and
 * against OpenSSL's on every length up to 1100 bytes, fed in uneven pieces.
 */
#include "es_int.h"
#include "testutil.h"
#include "crypto/sm3_fast.h"

#include <openssl/evp.h>

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sm3s__standard_vectors),
		cmocka_unit_test(test_sm3s__against_openssl),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
