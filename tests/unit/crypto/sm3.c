/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* SM3 (GB/T 32905-2016), HMAC-SM3, PBKDF2-HMAC-SM3, helpers. */
#include "es_int.h"
#include "testutil.h"
#include "eseal/es_crypto.h"

static void check_sm3(const void *msg, size_t len, const char *hex)
{
	uint8_t want[32], got[32];
	assert_int_equal(tu_unhex(want, sizeof(want), hex), 32);
	TU_OK(es_sm3(got, msg, len));
	assert_memory_equal(got, want, 32);
}

/* GB/T 32905-2016 Appendix A, examples 1 and 2. */
static void test_sm3__standard_vectors(void **state)
{
	char m2[65];
	(void)state;
	check_sm3("abc", 3, "66c7f0f4 62eeedd9 d1f2d46b dc10e4e2 4167c487 5cf2f7a2 297da02b 8f4ba8e0");
	for (int i = 0; i < 16; i++)
		memcpy(m2 + 4 * i, "abcd", 4);
	check_sm3(m2, 64, "debe9ff9 2275b8a1 38604889 c18e5a4d 6fdb70e5 387e5765 293dcba3 9c0c5732");
	/* empty message (widely published value) */
	check_sm3("", 0, "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b");
}

static void test_sm3__streaming_equals_one_shot(void **state)
{
	uint8_t data[1000], one[32], two[32];
	es_sm3_ctx *h = NULL;
	(void)state;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 3);
	TU_OK(es_sm3(one, data, sizeof(data)));
	TU_OK(es_sm3_new(&h));
	/* uneven pieces, crossing block boundaries */
	for (size_t off = 0, step = 1; off < sizeof(data); off += step, step = step * 2 + 1) {
		size_t n = off + step > sizeof(data) ? sizeof(data) - off : step;
		TU_OK(es_sm3_update(h, data + off, n));
	}
	TU_OK(es_sm3_final(h, two));
	assert_memory_equal(one, two, 32);
	/* final resets: the object hashes the next message */
	TU_OK(es_sm3_update(h, "abc", 3));
	TU_OK(es_sm3_final(h, two));
	check_sm3("abc", 3, "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
	TU_OK(es_sm3(one, "abc", 3));
	assert_memory_equal(one, two, 32);
	es_sm3_free(h);
	es_sm3_free(NULL);
}

static void test_sm3__hmac(void **state)
{
	uint8_t key[32], mac1[32], mac2[32], inner[32], block[64 + 32], ipad[64 + 3], okey[64];
	(void)state;
	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)i;
	TU_OK(es_hmac_sm3(mac1, key, sizeof(key), "abc", 3));
	/* RFC 2104 by hand from the one-shot SM3 */
	memset(okey, 0, sizeof(okey));
	memcpy(okey, key, sizeof(key));
	for (int i = 0; i < 64; i++)
		ipad[i] = okey[i] ^ 0x36;
	memcpy(ipad + 64, "abc", 3);
	TU_OK(es_sm3(inner, ipad, sizeof(ipad)));
	for (int i = 0; i < 64; i++)
		block[i] = okey[i] ^ 0x5c;
	memcpy(block + 64, inner, 32);
	TU_OK(es_sm3(mac2, block, sizeof(block)));
	assert_memory_equal(mac1, mac2, 32);
	/* a different key or message changes the mac; empty inputs work */
	key[0] ^= 1;
	TU_OK(es_hmac_sm3(mac2, key, sizeof(key), "abc", 3));
	assert_memory_not_equal(mac1, mac2, 32);
	TU_OK(es_hmac_sm3(mac2, NULL, 0, NULL, 0));
}

static void test_sm3__pbkdf2(void **state)
{
	uint8_t a[48], b[48], c[48], u1[32], salt_i[8 + 4];
	(void)state;
	TU_OK(es_pbkdf2_sm3(a, sizeof(a), "password", 8, (const uint8_t *)"saltsalt", 8, 1000));
	TU_OK(es_pbkdf2_sm3(b, sizeof(b), "password", 8, (const uint8_t *)"saltsalt", 8, 1000));
	assert_memory_equal(a, b, sizeof(a));
	TU_OK(es_pbkdf2_sm3(c, sizeof(c), "passwore", 8, (const uint8_t *)"saltsalt", 8, 1000));
	assert_memory_not_equal(a, c, sizeof(a));
	/* one iteration: T1 = HMAC(P, S || INT(1)) (RFC 8018 §5.2) */
	TU_OK(es_pbkdf2_sm3(c, 32, "password", 8, (const uint8_t *)"saltsalt", 8, 1));
	memcpy(salt_i, "saltsalt\x00\x00\x00\x01", 12);
	TU_OK(es_hmac_sm3(u1, (const uint8_t *)"password", 8, salt_i, sizeof(salt_i)));
	assert_memory_equal(c, u1, 32);
	assert_int_equal(es_pbkdf2_sm3(c, 32, "p", 1, NULL, 0, 0), ES_EINVAL);
}

static void test_util__ct_eq_wipe_random(void **state)
{
	uint8_t a[16] = { 1, 2, 3 }, b[16] = { 1, 2, 3 }, r1[32], r2[32];
	(void)state;
	assert_int_equal(es_ct_eq(a, b, sizeof(a)), 0);
	b[15] = 9;
	assert_int_equal(es_ct_eq(a, b, sizeof(a)), -1);
	es_wipe(b, sizeof(b));
	for (size_t i = 0; i < sizeof(b); i++)
		assert_int_equal(b[i], 0);
	TU_OK(es_random(r1, sizeof(r1)));
	TU_OK(es_random(r2, sizeof(r2)));
	assert_memory_not_equal(r1, r2, sizeof(r1));
	TU_OK(es_random(NULL, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sm3__standard_vectors),
		cmocka_unit_test(test_sm3__streaming_equals_one_shot),
		cmocka_unit_test(test_sm3__hmac),
		cmocka_unit_test(test_sm3__pbkdf2),
		cmocka_unit_test(test_util__ct_eq_wipe_random),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
