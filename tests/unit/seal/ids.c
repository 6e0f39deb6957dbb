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
		cmocka_unit_test(test_ids__resident_ids),
		cmocka_unit_test(test_ids__esids),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
