/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The strict DER cursor: every rejection rule of STYLE.md §2.6 has a case. */
#include "es_int.h"
#include "testutil.h"
#include "der/der.h"

#define BYTES(...) ((const uint8_t[]){ __VA_ARGS__ }), sizeof((const uint8_t[]){ __VA_ARGS__ })

static int read_one(const uint8_t *p, size_t n, es_tlv *t)
{
	es_der d;
	es_der_init(&d, p, n);
	return es_der_read_tlv(&d, t);
}

static void test_der__reads_short_and_long_lengths(void **state)
{
	es_tlv t;
	uint8_t big[300] = { 0x04, 0x82, 0x01, 0x28 };
	(void)state;
	TU_OK(read_one(BYTES(0x04, 0x02, 0xaa, 0xbb), &t));
	assert_int_equal(t.tag, 0x04);
	assert_int_equal(t.value.len, 2);
	assert_int_equal(t.whole.len, 4);
	TU_OK(read_one(big, 4 + 0x128, &t));
	assert_int_equal(t.value.len, 0x128);
}

static void test_der__rejects_bad_lengths(void **state)
{
	es_tlv t;
	(void)state;
	/* indefinite */
	assert_int_equal(read_one(BYTES(0x30, 0x80, 0x00, 0x00), &t), ES_EMALFORMED);
	/* long form for a short length */
	assert_int_equal(read_one(BYTES(0x04, 0x81, 0x01, 0xaa), &t), ES_EMALFORMED);
	/* leading zero in the length */
	assert_int_equal(read_one(BYTES(0x04, 0x82, 0x00, 0x81), &t), ES_EMALFORMED);
	/* length field over 4 bytes */
	assert_int_equal(read_one(BYTES(0x04, 0x85, 0x01, 0, 0, 0, 0), &t), ES_EMALFORMED);
	/* length beyond input */
	assert_int_equal(read_one(BYTES(0x04, 0x05, 0xaa), &t), ES_ETRUNC);
	assert_int_equal(read_one(BYTES(0x04), &t), ES_ETRUNC);
	assert_int_equal(read_one(BYTES(0x04, 0x82, 0x01), &t), ES_ETRUNC);
	/* high tag number form */
	assert_int_equal(read_one(BYTES(0x1f, 0x81, 0x01, 0x00), &t), ES_EMALFORMED);
}

static void test_der__cursor_stays_on_failure(void **state)
{
	es_der d;
	es_tlv t;
	uint64_t v;
	(void)state;
	es_der_init(&d, BYTES(0x02, 0x01, 0x80, 0x05, 0x00));
	assert_int_equal(es_der_read_uint(&d, &v), ES_EMALFORMED); /* negative */
	assert_int_equal(d.left, 5);
	assert_int_equal(es_der_read_tag(&d, ES_DER_OCTET_STRING, &t), ES_EMALFORMED);
	assert_int_equal(d.left, 5);
}

static void test_der__integers(void **state)
{
	es_der d;
	uint64_t v;
	es_bytes b;
	(void)state;
	es_der_init(&d, BYTES(0x02, 0x02, 0x00, 0x80));
	TU_OK(es_der_read_uint(&d, &v));
	assert_int_equal(v, 128);
	es_der_init(&d, BYTES(0x02, 0x02, 0x00, 0x7f)); /* non-minimal */
	assert_int_equal(es_der_read_uint(&d, &v), ES_EMALFORMED);
	es_der_init(&d, BYTES(0x02, 0x00)); /* empty */
	assert_int_equal(es_der_read_uint(&d, &v), ES_EMALFORMED);
	es_der_init(&d, BYTES(0x02, 0x09, 0x00, 0xff, 0, 0, 0, 0, 0, 0, 0));
	assert_int_equal(es_der_read_uint(&d, &v), ES_ELIMIT);
	es_der_init(&d, BYTES(0x02, 0x03, 0x00, 0x81, 0x02));
	TU_OK(es_der_read_uint_bytes(&d, &b));
	assert_int_equal(b.len, 2);
	assert_int_equal(b.ptr[0], 0x81);
}

static void test_der__booleans(void **state)
{
	es_der d;
	bool v;
	(void)state;
	es_der_init(&d, BYTES(0x01, 0x01, 0xff));
	TU_OK(es_der_read_bool(&d, &v));
	assert_true(v);
	es_der_init(&d, BYTES(0x01, 0x01, 0x01));
	assert_int_equal(es_der_read_bool(&d, &v), ES_EMALFORMED);
	es_der_init(&d, BYTES(0x01, 0x02, 0x00, 0x00));
	assert_int_equal(es_der_read_bool(&d, &v), ES_EMALFORMED);
}

static void test_der__bit_strings(void **state)
{
	es_der d;
	es_bytes b;
	unsigned u;
	(void)state;
	es_der_init(&d, BYTES(0x03, 0x03, 0x00, 0xaa, 0xbb));
	TU_OK(es_der_read_bits(&d, &b, &u));
	assert_int_equal(b.len, 2);
	assert_int_equal(u, 0);
	es_der_init(&d, BYTES(0x03, 0x02, 0x08, 0x00)); /* > 7 unused */
	assert_int_equal(es_der_read_bits(&d, &b, &u), ES_EMALFORMED);
	es_der_init(&d, BYTES(0x03, 0x02, 0x01, 0x01)); /* non-zero padding */
	assert_int_equal(es_der_read_bits(&d, &b, &u), ES_EMALFORMED);
	es_der_init(&d, BYTES(0x03, 0x00)); /* no unused-bits byte */
	assert_int_equal(es_der_read_bits(&d, &b, &u), ES_EMALFORMED);
	es_der_init(&d, BYTES(0x03, 0x01, 0x03)); /* unused bits with no data */
	assert_int_equal(es_der_read_bits(&d, &b, &u), ES_EMALFORMED);
}

static void test_der__times(void **state)
{
	es_der d;
	es_time t;
	(void)state;
	es_der_init(&d, (const uint8_t *)"\x18\x0f" "20201004072855Z", 17);
	TU_OK(es_der_read_gentime(&d, &t));
	assert_int_equal(t, 1601796535);
	es_der_init(&d, (const uint8_t *)"\x18\x13" "20201004072855.302Z", 21);
	TU_OK(es_der_read_gentime(&d, &t));
	es_der_init(&d, (const uint8_t *)"\x18\x0e" "20201004072855", 16); /* no Z */
	assert_int_equal(es_der_read_gentime(&d, &t), ES_EMALFORMED);
	es_der_init(&d, (const uint8_t *)"\x18\x13" "20201004072855.300Z", 21); /* trailing 0 */
	assert_int_equal(es_der_read_gentime(&d, &t), ES_EMALFORMED);
	es_der_init(&d, (const uint8_t *)"\x18\x10" "20201004072855.Z", 18);
	assert_int_equal(es_der_read_gentime(&d, &t), ES_EMALFORMED);
	es_der_init(&d, (const uint8_t *)"\x18\x0f" "20201304072855Z", 17); /* month 13 */
	assert_int_equal(es_der_read_gentime(&d, &t), ES_EMALFORMED);
	es_der_init(&d, (const uint8_t *)"\x17\x0d" "491231235959Z", 15);
	TU_OK(es_der_read_utctime(&d, &t));
	assert_int_equal(t, 2524607999); /* 2049-12-31T23:59:59Z */
	es_der_init(&d, (const uint8_t *)"\x17\x0d" "500101000000Z", 15);
	TU_OK(es_der_read_time(&d, &t));
	assert_int_equal(t, -631152000); /* 1950 */
	es_der_init(&d, (const uint8_t *)"\x17\x11" "500101000000+0800", 19);
	assert_int_equal(es_der_read_utctime(&d, &t), ES_EMALFORMED);
}

static void test_der__strings(void **state)
{
	es_der d;
	es_bytes b;
	(void)state;
	es_der_init(&d, BYTES(0x16, 0x02, 'E', 'S'));
	TU_OK(es_der_read_ia5(&d, &b));
	es_der_init(&d, BYTES(0x16, 0x01, 0xe4));
	assert_int_equal(es_der_read_ia5(&d, &b), ES_EMALFORMED);
	es_der_init(&d, BYTES(0x0c, 0x03, 0xe5, 0x8d, 0xb0)); /* 印 */
	TU_OK(es_der_read_utf8(&d, &b));
	es_der_init(&d, BYTES(0x0c, 0x02, 0xc0, 0x80)); /* overlong */
	assert_int_equal(es_der_read_utf8(&d, &b), ES_EMALFORMED);
	es_der_init(&d, BYTES(0x0c, 0x02, 0xe5, 0x8d)); /* truncated sequence */
	assert_int_equal(es_der_read_utf8(&d, &b), ES_EMALFORMED);
	es_der_init(&d, BYTES(0x0c, 0x03, 0xed, 0xa0, 0x80)); /* surrogate */
	assert_int_equal(es_der_read_utf8(&d, &b), ES_EMALFORMED);
	es_der_init(&d, BYTES(0x13, 0x03, 'S', 'M', '3'));
	TU_OK(es_der_read_printable(&d, &b));
	es_der_init(&d, BYTES(0x13, 0x01, '*'));
	assert_int_equal(es_der_read_printable(&d, &b), ES_EMALFORMED);
	es_der_init(&d, BYTES(0x0c, 0x01, 'a'));
	assert_int_equal(es_der_read_ia5(&d, &b), ES_EMALFORMED); /* wrong string type */
}

static void test_der__oids(void **state)
{
	es_der d;
	es_bytes b;
	char txt[128];
	uint8_t enc[64];
	uint8_t many[40];
	(void)state;
	es_der_init(&d, BYTES(0x06, 0x08, 0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x83, 0x75));
	TU_OK(es_der_read_oid(&d, &b));
	TU_OK(es_oid_to_text(txt, sizeof(txt), b));
	assert_string_equal(txt, "1.2.156.10197.1.501");
	assert_true(es_oid_equal(b, "1.2.156.10197.1.501"));
	assert_false(es_oid_equal(b, "1.2.156.10197.1.401"));
	assert_int_equal(es_oid_from_text(enc, sizeof(enc), "1.2.156.10197.1.501"), 8);
	assert_memory_equal(enc, b.ptr, 8);
	es_der_init(&d, BYTES(0x06, 0x02, 0x2a, 0x81)); /* ends inside an arc */
	assert_int_equal(es_der_read_oid(&d, &b), ES_EMALFORMED);
	es_der_init(&d, BYTES(0x06, 0x02, 0x2a, 0x80, 0x01)); /* wrong length, trunc */
	assert_true(es_der_read_oid(&d, &b) < 0);
	es_der_init(&d, BYTES(0x06, 0x03, 0x2a, 0x80, 0x01)); /* non-minimal arc */
	assert_int_equal(es_der_read_oid(&d, &b), ES_EMALFORMED);
	many[0] = 0x06;
	many[1] = 34;
	memset(many + 2, 0x01, 34); /* 35 arcs */
	es_der_init(&d, many, 36);
	assert_int_equal(es_der_read_oid(&d, &b), ES_ELIMIT);
	assert_true(es_oid_from_text(enc, sizeof(enc), "3.1") < 0);
	assert_true(es_oid_from_text(enc, sizeof(enc), "1.2.x") < 0);
}

static void test_der__nesting_and_trailing(void **state)
{
	uint8_t deep[2 * (ES_MAX_DER_DEPTH + 2)];
	es_der d, in;
	int err = 0;
	size_t n = ES_MAX_DER_DEPTH + 2;
	(void)state;
	for (size_t i = 0; i < n; i++) {
		deep[2 * i] = 0x30;
		deep[2 * i + 1] = (uint8_t)(2 * (n - i - 1));
	}
	es_der_init(&d, deep, 2 * n);
	for (size_t i = 0; i < n && err == 0; i++) {
		err = es_der_enter(&d, 0x30, &in, NULL);
		d = in;
	}
	assert_int_equal(err, ES_ELIMIT);

	es_der_init(&d, BYTES(0x30, 0x03, 0x05, 0x00, 0x00));
	TU_OK(es_der_enter(&d, 0x30, &in, NULL));
	TU_OK(es_der_read_tag(&in, ES_DER_NULL, &(es_tlv){ 0 }));
	assert_int_equal(es_der_finish(&in, "test"), ES_EMALFORMED);
	assert_non_null(strstr(es_error_last()->message, "trailing 1 byte"));
}

static void test_der__writer_round_trips(void **state)
{
	es_buf b = ES_BUF_INIT;
	es_der_writer w;
	es_der d, in;
	uint64_t v;
	es_bytes s;
	es_time t;
	uint8_t big[1000];
	(void)state;
	memset(big, 0x5a, sizeof(big));
	es_der_writer_init(&w, &b);
	es_der_begin(&w, ES_DER_SEQUENCE);
	es_der_put_uint(&w, 0);
	es_der_put_uint(&w, 128);
	es_der_put_ia5(&w, "ES", 2);
	es_der_put_utf8(&w, "合同专用章", strlen("合同专用章"));
	es_der_put_gentime(&w, 1601796535);
	es_der_begin(&w, ES_DER_CONTEXT(0));
	es_der_put_octets(&w, big, sizeof(big));
	es_der_end(&w);
	es_der_put_bits(&w, "\x01\x02", 2);
	es_der_end(&w);
	TU_OK(es_der_writer_finish(&w));
	assert_int_equal(b.ptr[0], 0x30);
	assert_int_equal(b.ptr[1], 0x82); /* long form after the shift */

	es_der_init(&d, b.ptr, b.len);
	TU_OK(es_der_enter(&d, 0x30, &in, NULL));
	TU_OK(es_der_finish(&d, "top"));
	TU_OK(es_der_read_uint(&in, &v));
	assert_int_equal(v, 0);
	TU_OK(es_der_read_uint(&in, &v));
	assert_int_equal(v, 128);
	TU_OK(es_der_read_ia5(&in, &s));
	TU_OK(es_der_read_utf8(&in, &s));
	assert_memory_equal(s.ptr, "合同专用章", s.len);
	TU_OK(es_der_read_gentime(&in, &t));
	assert_int_equal(t, 1601796535);
	{
		es_der ctx;
		TU_OK(es_der_enter(&in, ES_DER_CONTEXT(0), &ctx, NULL));
		TU_OK(es_der_read_octets(&ctx, &s));
		assert_int_equal(s.len, sizeof(big));
	}
	TU_OK(es_der_read_bits(&in, &s, NULL));
	TU_OK(es_der_finish(&in, "seq"));
	es_buf_release(&b);

	/* writer refuses non-ASCII in an IA5String and keeps the first error */
	es_der_writer_init(&w, &b);
	es_der_put_ia5(&w, "印", 3);
	es_der_put_uint(&w, 1);
	assert_int_equal(es_der_writer_finish(&w), ES_EINVAL);
	es_buf_release(&b);
}

static void test_der__truncation_never_reads_past_end(void **state)
{
	static const uint8_t good[] = { 0x30, 0x0a, 0x02, 0x01, 0x04, 0x16, 0x02, 'E', 'S', 0x01, 0x01, 0xff };
	(void)state;
	for (size_t n = 0; n < sizeof(good); n++) {
		uint8_t *copy = es_malloc(n ? n : 1);
		es_der d, in;
		uint64_t v;
		es_bytes s;
		bool bo;
		memcpy(copy, good, n);
		es_der_init(&d, copy, n);
		int err = es_der_enter(&d, 0x30, &in, NULL);
		if (err == 0) {
			err = es_der_read_uint(&in, &v);
			if (!err)
				err = es_der_read_ia5(&in, &s);
			if (!err)
				err = es_der_read_bool(&in, &bo);
		}
		assert_true(err < 0);
		es_free(copy);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_der__reads_short_and_long_lengths),
		cmocka_unit_test(test_der__rejects_bad_lengths),
		cmocka_unit_test(test_der__cursor_stays_on_failure),
		cmocka_unit_test(test_der__integers),
		cmocka_unit_test(test_der__booleans),
		cmocka_unit_test(test_der__bit_strings),
		cmocka_unit_test(test_der__times),
		cmocka_unit_test(test_der__strings),
		cmocka_unit_test(test_der__oids),
		cmocka_unit_test(test_der__nesting_and_trailing),
		cmocka_unit_test(test_der__writer_round_trips),
		cmocka_unit_test(test_der__truncation_never_reads_past_end),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
