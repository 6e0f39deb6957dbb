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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text__copy_cuts_at_character_boundaries),
		cmocka_unit_test(test_text__trim_leaves_whole_and_non_utf8_text),
		cmocka_unit_test(test_text__long_error_message_stays_utf8),
		cmocka_unit_test(test_text__one_name_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
