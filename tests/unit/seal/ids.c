/* SPDX-License-Identifier: AGPL-3.0-or-later */
#include "es_int.h"
#include "testutil.h"
#include "eseal/es_ids.h"
#include "eseal/es_seal.h"

static void test_ids__credit_codes(void **state)
{
	(void)state;
	/* STANDARDS.md §4.2 worked example and other valid codes */
	TU_OK(es_uscc_check("91110105061311021A"));
	TU_OK(es_uscc_check("11370306MB2867521U"));
	TU_OK(es_uscc_check("12100000000018032A"));
	TU_OK(es_uscc_check("115300000151003540"));
	assert_int_equal(es_uscc_check("91110105061311021B"), ES_EINVAL); /* check char */
	assert_non_null(strstr(es_error_last()->message, "expected 'A'"));
	assert_int_equal(es_uscc_check("91110105061311021"), ES_EINVAL);   /* length */
	assert_int_equal(es_uscc_check("9111010506131102IA"), ES_EINVAL);  /* I not in charset */
	assert_int_equal(es_uscc_check("91130602R8TTDB3PTG"), ES_EINVAL);  /* sample test data */
	assert_int_equal(es_uscc_check(""), ES_EINVAL);
	/* all zeros passes both check characters: the authority, type and region do not */
	assert_int_equal(es_uscc_check("000000000000000000"), ES_EINVAL);
	assert_non_null(strstr(es_error_last()->message, "registration authority"));
}

/* A credit code with valid check characters around the given first 8 characters. */
static void uscc_make(char out[19], const char *head8, const char *org8)
{
	static const char cs[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
	static const int w[17] = { 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28 };
	static const int ow[8] = { 3, 7, 9, 10, 5, 8, 4, 2 };
	int sum = 0, v;
	memcpy(out, head8, 8);
	memcpy(out + 8, org8, 8);
	for (int i = 0; i < 8; i++) {
		char c = org8[i];
		sum += (c >= '0' && c <= '9' ? c - '0' : c - 'A' + 10) * ow[i];
	}
	v = 11 - sum % 11;
	out[16] = v == 10 ? 'X' : v == 11 ? '0' : (char)('0' + v);
	sum = 0;
	for (int i = 0; i < 17; i++)
		sum += (int)(strchr(cs, out[i]) - cs) * w[i];
	out[17] = cs[(31 - sum % 31) % 31];
	out[18] = 0;
}

static void test_ids__credit_code_authority_type_region(void **state)
{
	char c[19];
	(void)state;
	uscc_make(c, "91110105", "06131102");
	assert_string_equal(c, "91110105061311021A"); /* the generator agrees with the worked example */
	uscc_make(c, "52440300", "12345678");
	TU_OK(es_uscc_check(c)); /* 民政, 民办非企业单位, Shenzhen */
	uscc_make(c, "Y1100000", "12345678");
	TU_OK(es_uscc_check(c)); /* other authority, central level */
	uscc_make(c, "94110105", "12345678");
	assert_int_equal(es_uscc_check(c), ES_EINVAL); /* 工商 registers types 1-3 only */
	assert_non_null(strstr(es_error_last()->message, "organisation type"));
	uscc_make(c, "B1110105", "12345678");
	assert_int_equal(es_uscc_check(c), ES_EINVAL); /* no authority B */
	uscc_make(c, "91990000", "12345678");
	assert_int_equal(es_uscc_check(c), ES_EINVAL); /* no province 99 */
	assert_non_null(strstr(es_error_last()->message, "region"));
	uscc_make(c, "91119900", "12345678");
	assert_int_equal(es_uscc_check(c), ES_EINVAL); /* no prefecture 99 */
}

/* A resident ID number with a valid check character after the given 17 digits. */
static void rid_make(char out[19], const char *first17)
{
	static const int w[17] = { 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2 };
	int sum = 0;
	memcpy(out, first17, 17);
	for (int i = 0; i < 17; i++)
		sum += (out[i] - '0') * w[i];
	out[17] = "10X98765432"[sum % 11];
	out[18] = 0;
}

static void test_ids__resident_ids(void **state)
{
	char m[32];
	(void)state;
	TU_OK(es_resident_id_check("11010519491231002X")); /* GB 11643 example */
	assert_int_equal(es_resident_id_check("110105194912310021"), ES_EINVAL);
	assert_int_equal(es_resident_id_check("11010519491331002X"), ES_EINVAL); /* month 13 (check fails first or date) */
	assert_int_equal(es_resident_id_check("1101051949123100"), ES_EINVAL);
	es_id_mask(m, sizeof(m), "11010519491231002X");
	assert_string_equal(m, "110105********002X");
}

static void test_ids__resident_id_region_and_lowercase_x(void **state)
{
	char id[19], n[19];
	(void)state;
	/* region 999999: valid date and check character, no such region */
	rid_make(id, "99999919800101001");
	assert_int_equal(es_resident_id_check(id), ES_EINVAL);
	assert_non_null(strstr(es_error_last()->message, "GB/T 2260"));
	rid_make(id, "11999919800101001"); /* Beijing has no prefecture 99 */
	assert_int_equal(es_resident_id_check(id), ES_EINVAL);
	rid_make(id, "11000019800101001"); /* a whole province is no one's address */
	assert_int_equal(es_resident_id_check(id), ES_EINVAL);
	rid_make(id, "81000019800101001"); /* Hong Kong residence permit */
	TU_OK(es_resident_id_check(id));
	rid_make(id, "51222119700101001"); /* an abolished county (万县地区) stays valid for life */
	TU_OK(es_resident_id_check(id));
	/* lowercase x: accepted, and normalised to X */
	TU_OK(es_resident_id_check("11010519491231002x"));
	TU_OK(es_resident_id_normalize(n, "11010519491231002x"));
	assert_string_equal(n, "11010519491231002X");
	assert_int_equal(es_resident_id_normalize(n, "110105194912310021"), ES_EINVAL);
	/* region codes alone */
	TU_OK(es_region_check("110105"));
	TU_OK(es_region_check("110000"));
	TU_OK(es_region_check("429004")); /* 仙桃: county-level under the province (90) */
	assert_int_equal(es_region_check("999999"), ES_EINVAL);
	assert_int_equal(es_region_check("117100"), ES_EINVAL);
	assert_int_equal(es_region_check("11010"), ES_EINVAL);
	assert_int_equal(es_region_check("11010a"), ES_EINVAL);
}

static void test_ids__esids(void **state)
{
	(void)state;
	TU_OK(es_esid_check("50011200000323"));
	TU_OK(es_esid_check("37030000001721"));
	assert_int_equal(es_esid_check("5001120000032"), ES_EINVAL);
	assert_int_equal(es_esid_check("99011200000323"), ES_EINVAL); /* no province 99 */
	assert_int_equal(es_esid_check("50011200000000"), ES_EINVAL);
	assert_int_equal(es_esid_check("esID"), ES_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ids__credit_codes),
		cmocka_unit_test(test_ids__credit_code_authority_type_region),
		cmocka_unit_test(test_ids__resident_ids),
		cmocka_unit_test(test_ids__resident_id_region_and_lowercase_x),
		cmocka_unit_test(test_ids__esids),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
