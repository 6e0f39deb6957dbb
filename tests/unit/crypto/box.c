/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* es_box: SM4-CTR + HMAC-SM3 authenticated encryption. */
#include "es_int.h"
#include "testutil.h"
#include "eseal/es_crypto.h"

static void test_box__round_trip(void **state)
{
	uint8_t key[ES_BOX_KEY_LEN], msg[300];
	es_buf box = ES_BUF_INIT, out = ES_BUF_INIT, box2 = ES_BUF_INIT;
	(void)state;
	TU_OK(es_random(key, sizeof(key)));
	TU_OK(es_random(msg, sizeof(msg)));
	for (size_t len = 0; len <= sizeof(msg); len += 37) {
		TU_OK(es_box_seal(&box, key, (const uint8_t *)"aad", 3, msg, len));
		assert_int_equal(box.len, len + ES_BOX_OVERHEAD);
		assert_int_equal(box.ptr[0], 1); /* version */
		TU_OK(es_box_open(&out, key, (const uint8_t *)"aad", 3, box.ptr, box.len));
		assert_int_equal(out.len, len);
		if (len)
			assert_memory_equal(out.ptr, msg, len);
		/* fresh IV each time */
		TU_OK(es_box_seal(&box2, key, (const uint8_t *)"aad", 3, msg, len));
		assert_memory_not_equal(box.ptr + 1, box2.ptr + 1, 16);
		es_buf_release(&box);
		es_buf_release(&box2);
		es_buf_release_secret(&out);
	}
	/* no AAD */
	TU_OK(es_box_seal(&box, key, NULL, 0, msg, 10));
	TU_OK(es_box_open(&out, key, NULL, 0, box.ptr, box.len));
	assert_memory_equal(out.ptr, msg, 10);
	/* appends to what the buffer holds */
	TU_OK(es_box_open(&out, key, NULL, 0, box.ptr, box.len));
	assert_int_equal(out.len, 20);
	es_buf_release(&box);
	es_buf_release(&out);
}

static void test_box__every_flip_is_rejected(void **state)
{
	uint8_t key[ES_BOX_KEY_LEN];
	es_buf box = ES_BUF_INIT, out = ES_BUF_INIT;
	(void)state;
	TU_OK(es_random(key, sizeof(key)));
	TU_OK(es_box_seal(&box, key, (const uint8_t *)"ctx", 3, (const uint8_t *)"secret data", 11));
	for (size_t i = 0; i < box.len; i++) {
		for (int bit = 0; bit < 8; bit++) {
			box.ptr[i] ^= (uint8_t)(1u << bit);
			assert_int_equal(es_box_open(&out, key, (const uint8_t *)"ctx", 3, box.ptr, box.len),
					 ES_EVERIFY);
			assert_int_equal(out.len, 0); /* nothing decrypted */
			box.ptr[i] ^= (uint8_t)(1u << bit);
		}
	}
	/* AAD is authenticated: changed, missing, longer */
	assert_int_equal(es_box_open(&out, key, (const uint8_t *)"ctX", 3, box.ptr, box.len), ES_EVERIFY);
	assert_int_equal(es_box_open(&out, key, NULL, 0, box.ptr, box.len), ES_EVERIFY);
	assert_int_equal(es_box_open(&out, key, (const uint8_t *)"ctx\0", 4, box.ptr, box.len), ES_EVERIFY);
	TU_OK(es_box_open(&out, key, (const uint8_t *)"ctx", 3, box.ptr, box.len));
	es_buf_release(&out);
	es_buf_release(&box);
}

static void test_box__wrong_key_and_truncation(void **state)
{
	uint8_t key[ES_BOX_KEY_LEN], other[ES_BOX_KEY_LEN];
	es_buf box = ES_BUF_INIT, out = ES_BUF_INIT;
	(void)state;
	TU_OK(es_random(key, sizeof(key)));
	memcpy(other, key, sizeof(key));
	other[31] ^= 1;
	TU_OK(es_box_seal(&box, key, NULL, 0, (const uint8_t *)"0123456789", 10));
	assert_int_equal(es_box_open(&out, other, NULL, 0, box.ptr, box.len), ES_EVERIFY);
	for (size_t n = 0; n < box.len; n++) {
		int rc = es_box_open(&out, key, NULL, 0, box.ptr, n);
		assert_int_equal(rc, n < ES_BOX_OVERHEAD ? ES_EMALFORMED : ES_EVERIFY);
	}
	assert_int_equal(es_box_open(&out, key, NULL, 0, NULL, 0), ES_EMALFORMED);
	/* an empty plaintext box is exactly the overhead and opens */
	es_buf_release(&box);
	TU_OK(es_box_seal(&box, key, NULL, 0, NULL, 0));
	assert_int_equal(box.len, ES_BOX_OVERHEAD);
	TU_OK(es_box_open(&out, key, NULL, 0, box.ptr, box.len));
	assert_int_equal(out.len, 0);
	es_buf_release(&out);
	es_buf_release(&box);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_box__round_trip),
		cmocka_unit_test(test_box__every_flip_is_rejected),
		cmocka_unit_test(test_box__wrong_key_and_truncation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
