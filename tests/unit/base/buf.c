/* SPDX-License-Identifier: AGPL-3.0-or-later */
#include "es_int.h"
#include "testutil.h"
#include "estime.h"

static void test_buf__grows_and_stays_nul_terminated(void **state)
{
	es_buf b = ES_BUF_INIT;
	(void)state;
	for (int i = 0; i < 1000; i++)
		TU_OK(es_buf_puts(&b, "ab"));
	assert_int_equal(b.len, 2000);
	assert_int_equal(b.ptr[b.len], 0);
	TU_OK(es_buf_printf(&b, "%d", 42));
	assert_memory_equal(b.ptr + 2000, "42", 3);
	es_buf_release(&b);
}

static void test_buf__refuses_growth_past_max(void **state)
{
	es_buf b;
	(void)state;
	es_buf_init(&b, 10);
	TU_OK(es_buf_put(&b, "0123456789", 10));
	assert_int_equal(es_buf_put(&b, "x", 1), ES_ELIMIT);
	assert_null(b.ptr); /* a failed append frees the buffer */
	assert_int_equal(b.len, 0);
}

static void test_buf__failed_allocation_is_enomem(void **state)
{
	es_buf b = ES_BUF_INIT;
	(void)state;
	if (!es_mem_faults())
		skip(); /* a release build has no allocation-fault counters */
	es_mem_fail_after(1, 1);
	assert_int_equal(es_buf_put(&b, "x", 1), ES_ENOMEM);
	es_mem_fail_after(0, 0);
	assert_null(b.ptr);
}

static void test_time__fields_and_parse_agree(void **state)
{
	es_time t, u;
	char iso[32];
	(void)state;
	assert_int_equal(es_time_from_fields(&t, 1970, 1, 1, 0, 0, 0), 0);
	assert_int_equal(t, 0);
	assert_int_equal(es_time_from_fields(&t, 2020, 10, 4, 7, 28, 55), 0);
	assert_int_equal(t, 1601796535);
	es_time_iso(iso, t);
	assert_string_equal(iso, "2020-10-04T07:28:55Z");
	assert_int_equal(es_time_parse(&u, iso), 0);
	assert_int_equal(u, t);
	assert_int_equal(es_time_parse(&u, "20201004072855Z"), 0);
	assert_int_equal(u, t);
	assert_int_equal(es_time_from_fields(&t, 2021, 2, 29, 0, 0, 0), -1);
	assert_int_equal(es_time_parse(&u, "2020-13-01"), -1);
	assert_int_equal(es_time_parse(&u, "garbage"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf__grows_and_stays_nul_terminated),
		cmocka_unit_test(test_buf__refuses_growth_past_max),
		cmocka_unit_test(test_buf__failed_allocation_is_enomem),
		cmocka_unit_test(test_time__fields_and_parse_agree),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
