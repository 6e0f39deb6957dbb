/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Byte-limited copies that stay whole UTF-8 characters, and error messages cut that way. */
#include "es_int.h"
#include "testutil.h"
#include "text.h"
#include "der/der.h"

static bool whole_utf8(const char *s)
{
	return es_der_is_utf8((const uint8_t *)s, strlen(s));
}

static void set(char *dst, const char *src)
{
	memcpy(dst, src, strlen(src) + 1);
}

static void test_text__copy_cuts_at_character_boundaries(void **state)
{
	/* 示 例 科 技: three bytes each */
	static const char name[] = "示例科技";
	char buf[8];
	(void)state;
	assert_int_equal(es_text_copy(buf, sizeof(buf), name), 6); /* 7 bytes of room: two characters */
	assert_string_equal(buf, "示例");
	assert_int_equal(es_text_copy(buf, 4, name), 3);
	assert_string_equal(buf, "示");
	assert_int_equal(es_text_copy(buf, 3, name), 0); /* no room for one character */
	assert_string_equal(buf, "");
	assert_int_equal(es_text_copy(buf, sizeof(buf), "abc"), 3);
	assert_string_equal(buf, "abc");
	assert_int_equal(es_text_copy(buf, sizeof(buf), "abcdefghij"), 7);
	assert_string_equal(buf, "abcdefg");
	/* a 4-byte character (U+20000) cut after 1, 2 or 3 of its bytes is dropped whole */
	for (size_t cap = 2; cap <= 5; cap++) {
		es_text_copy(buf, cap, "𠀀x");
		assert_string_equal(buf, cap == 5 ? "𠀀" : "");
	}
	assert_int_equal(es_text_copy(buf, 0, name), 0);
}

static void test_text__trim_leaves_whole_and_non_utf8_text(void **state)
{
	char s[16];
	(void)state;
	set(s, "ab\xe7\xa4"); /* two of the three bytes of 示 */
	es_text_trim_cut(s);
	assert_string_equal(s, "ab");
	set(s, "ab\xe7\xa4\xba"); /* 示 whole */
	es_text_trim_cut(s);
	assert_string_equal(s, "ab示");
	set(s, "\x80\x80\x80\x80\x80"); /* not UTF-8: left alone */
	es_text_trim_cut(s);
	assert_int_equal(strlen(s), 5);
	s[0] = '\0';
	es_text_trim_cut(s);
	assert_string_equal(s, "");
}

/* An error message cut at 511 bytes ends in whole characters (the cut fell
 * inside a character here: "unit '" is 6 bytes, the name 3 bytes a character). */
static void test_text__long_error_message_stays_utf8(void **state)
{
	es_buf name = ES_BUF_INIT;
	(void)state;
	for (int i = 0; i < 60; i++)
		TU_OK(es_buf_puts(&name, "示例科技"));
	(void)es_error_set(ES_EINVAL, "unit '%s' x", (const char *)name.ptr);
	assert_true(strlen(es_error_last()->message) >= 505);
	assert_true(whole_utf8(es_error_last()->message));
	(void)es_error_wrap(ES_EIO, "cannot save '%s'", "文件档案");
	assert_true(whole_utf8(es_error_last()->message));
	es_buf_release(&name);
}

static void test_text__one_name_check(void **state)
{
	(void)state;
	TU_OK(es_text_check_name("unit name", "示例科技有限公司 (Beijing) Co., Ltd.", 200, true));
	TU_OK(es_text_check_name("reason", NULL, 200, false));
	assert_int_equal(es_text_check_name("unit name", "", 200, true), ES_EINVAL);
	assert_int_equal(es_text_check_name("unit name", "a\tb", 200, true), ES_EINVAL);
	assert_non_null(strstr(es_error_last()->message, "unit name contains a control character"));
	assert_int_equal(es_text_check_name("unit name", "a\x7f", 200, true), ES_EINVAL);
	assert_int_equal(es_text_check_name("unit name", "a\xc2\x85" "b", 200, true), ES_EINVAL); /* C1 NEL */
	assert_int_equal(es_text_check_name("unit name", "CN=x", 200, true), ES_EINVAL);
	assert_int_equal(es_text_check_name("unit name", "a/b", 200, true), ES_EINVAL);
	assert_int_equal(es_text_check_name("unit name", "a\\b", 200, true), ES_EINVAL);
	assert_int_equal(es_text_check_name("unit name", "\xe7\xa4", 200, true), ES_EINVAL); /* cut UTF-8 */
	assert_int_equal(es_text_check_name("unit name", "\xff", 200, true), ES_EINVAL);
	assert_int_equal(es_text_check_name("unit name", "abc", 2, true), ES_ELIMIT);
	TU_OK(es_text_check_name("unit name", "\xc2\xa0x", 200, true)); /* U+00A0 is no control */
}

/* One base64: RFC 4648 vectors both ways, base64url, strict and lenient decoding. */
static void test_text__base64(void **state)
{
	(void)state;
	static const char *const v[][2] = { { "", "" },         { "f", "Zg==" },         { "fo", "Zm8=" },
					    { "foo", "Zm9v" },  { "foob", "Zm9vYg==" },  { "fooba", "Zm9vYmE=" },
					    { "foobar", "Zm9vYmFy" } };
	char out[64];
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		es_buf b = ES_BUF_INIT;
		size_t n = strlen(v[i][0]);
		assert_int_equal(es_base64(out, (const unsigned char *)v[i][0], n, false), strlen(v[i][1]));
		assert_int_equal(es_base64_len(n, false), strlen(v[i][1]));
		assert_string_equal(out, v[i][1]);
		TU_OK(es_unbase64(&b, v[i][1], strlen(v[i][1]), false));
		assert_int_equal(b.len, n);
		assert_true(n == 0 || memcmp(b.ptr, v[i][0], n) == 0);
		es_buf_release(&b);
	}
	const unsigned char bin[] = { 0xfb, 0xff, 0xbf };
	assert_int_equal(es_base64(out, bin, 3, true), 4);
	assert_string_equal(out, "-_-_");
	assert_int_equal(es_base64(out, bin, 2, true), es_base64_len(2, true));
	assert_string_equal(out, "-_8"); /* no padding */
	es_buf b = ES_BUF_INIT;
	const char *bad[] = { "Zg=", "Zg", "Z===", "Zm9v=", "Zh==", "Zm9=", "Zm 9v", "Zg==Zg==", "Zm9v\n", "-_8=", "====" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		b.len = 0;
		if (es_unbase64(&b, bad[i], strlen(bad[i]), false) != ES_EINVAL)
			fail_msg("'%s' accepted", bad[i]);
	}
	/* lenient: line breaks and missing padding, but still no stray characters */
	b.len = 0;
	TU_OK(es_unbase64(&b, "Zm9v\r\nYmE", 9, true));
	assert_int_equal(b.len, 5);
	assert_memory_equal(b.ptr, "fooba", 5);
	b.len = 0;
	TU_OK(es_unbase64(&b, "Zg==\n", 5, true));
	assert_int_equal(b.len, 1);
	b.len = 0;
	assert_int_equal(es_unbase64(&b, "Zm9v!", 5, true), ES_EINVAL);
	assert_int_equal(es_unbase64(&b, "Z", 1, true), ES_EINVAL);
	assert_int_equal(es_unbase64(&b, "Zg==Zg", 6, true), ES_EINVAL);
	es_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text__copy_cuts_at_character_boundaries),
		cmocka_unit_test(test_text__trim_leaves_whole_and_non_utf8_text),
		cmocka_unit_test(test_text__long_error_message_stays_utf8),
		cmocka_unit_test(test_text__one_name_check),
		cmocka_unit_test(test_text__base64),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
