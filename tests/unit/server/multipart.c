/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* multipart/form-data over a whole body: parts are views into it; every way a
 * body can be wrong is refused with a reason. */
#include "es_int.h"
#include "testutil.h"
#include "server/multipart.h"

#define PARSE(body, type, parts, n) \
	es_multipart_parse((const uint8_t *)(body), strlen(body), (type), (parts), ES_ARRAY_LEN(parts), (n))

static void t_good(void **state)
{
	(void)state;
	es_part parts[4];
	size_t n;
	const char *body = "--xyz\r\nContent-Disposition: form-data; name=\"document\"; filename=\"a b.pdf\"\r\n"
			   "Content-Type: application/pdf\r\n\r\n%PDF\r\n--x not yet\r\n--xyz\r\n"
			   "content-disposition: form-data; name=original\r\n\r\n\r\n--xyz\r\n"
			   "Content-Disposition: form-data; name=\"keep\"\r\n\r\n1\r\n--xyz--\r\nepilogue";
	TU_OK(PARSE(body, "multipart/form-data; boundary=xyz", parts, &n));
	assert_int_equal(n, 3);
	assert_string_equal(parts[0].name, "document");
	assert_string_equal(parts[0].filename, "a b.pdf");
	assert_string_equal(parts[0].type, "application/pdf");
	assert_int_equal(parts[0].data.len, strlen("%PDF\r\n--x not yet"));
	assert_memory_equal(parts[0].data.ptr, "%PDF\r\n--x not yet", parts[0].data.len);
	assert_true(parts[0].data.ptr > (const uint8_t *)body && parts[0].data.ptr < (const uint8_t *)body + strlen(body));
	assert_string_equal(parts[1].name, "original");
	assert_int_equal(parts[1].data.len, 0);
	assert_string_equal(parts[2].name, "keep");
	assert_memory_equal(parts[2].data.ptr, "1", 1);
	/* a quoted boundary with a space, a preamble, the type's parameters in another order */
	const char *q = "ignored preamble\r\n--a b\r\nContent-Disposition: form-data; name=\"document\"\r\n\r\nX\r\n--a b--";
	TU_OK(PARSE(q, "Multipart/Form-Data; charset=utf-8; boundary=\"a b\"", parts, &n));
	assert_int_equal(n, 1);
	assert_memory_equal(parts[0].data.ptr, "X", 1);
}

static void expect(const char *body, const char *type, int code, const char *words)
{
	es_part parts[4];
	size_t n;
	int err = PARSE(body, type, parts, &n);
	if (err != code || !strstr(es_error_last()->message, words))
		fail_msg("expected %d with '%s', got %d '%s'", code, words, err, es_error_last()->message);
}

static void t_bad(void **state)
{
	(void)state;
	const char *ok_type = "multipart/form-data; boundary=xyz";
	expect("--xyz--", "text/plain", ES_EMALFORMED, "not multipart/form-data");
	expect("--xyz--", "multipart/form-data", ES_EMALFORMED, "without a boundary");
	expect("--xyz--", "multipart/form-data; boundary=", ES_EMALFORMED, "without a boundary");
	expect("--xyz--", "multipart/form-data; boundary=\"xyz", ES_EMALFORMED, "without a boundary");
	char longb[120] = "multipart/form-data; boundary=";
	memset(longb + strlen(longb), 'b', 80);
	expect("--xyz--", longb, ES_EMALFORMED, "1 to 70");
	expect("no boundary here", ok_type, ES_EMALFORMED, "no '--xyz' boundary");
	expect("--xyz\r\nContent-Disposition: form-data; name=\"d\"\r\n\r\ncut", ok_type, ES_EMALFORMED, "no closing");
	expect("--xyz\r\nContent-Disposition: form-data; name=\"d\"", ok_type, ES_EMALFORMED, "no end of its headers");
	expect("--xyz\r\nX-Other: 1\r\n\r\nd\r\n--xyz--", ok_type, ES_EMALFORMED, "no Content-Disposition");
	expect("--xyz\r\nContent-Disposition: attachment; name=\"d\"\r\n\r\nd\r\n--xyz--", ok_type, ES_EMALFORMED,
	       "must be form-data");
	expect("--xyz\r\nContent-Disposition: form-data\r\n\r\nd\r\n--xyz--", ok_type, ES_EMALFORMED, "without a name");
	expect("--xyz\r\nContent-Disposition: form-data; name=\"\"\r\n\r\nd\r\n--xyz--", ok_type, ES_EMALFORMED,
	       "without a name");
	expect("--xyz", ok_type, ES_EMALFORMED, "ends inside part 1");
	expect("--xyzjunk", ok_type, ES_EMALFORMED, "ends inside part 1");
	expect("--xyz\r\nContent-Disposition: form-data; name=\"d\"\r\n\r\nd\r\n--xyzjunk", ok_type, ES_EMALFORMED,
	       "ends inside part 2");
	/* more parts than the caller has room for */
	es_buf b = ES_BUF_INIT;
	for (int i = 0; i < 5; i++)
		TU_OK(es_buf_printf(&b, "--xyz\r\nContent-Disposition: form-data; name=\"p%d\"\r\n\r\nx\r\n", i));
	TU_OK(es_buf_puts(&b, "--xyz--"));
	TU_OK(es_buf_put(&b, "", 1));
	expect((const char *)b.ptr, ok_type, ES_ELIMIT, "more than 4 parts");
	es_buf_release(&b);
	/* headers longer than the limit */
	es_buf h = ES_BUF_INIT;
	TU_OK(es_buf_puts(&h, "--xyz\r\nContent-Disposition: form-data; name=\"d\"\r\nX-Pad: "));
	for (int i = 0; i < ES_MULTIPART_MAX_HEADERS; i++)
		TU_OK(es_buf_put(&h, "a", 1));
	TU_OK(es_buf_puts(&h, "\r\n\r\nd\r\n--xyz--"));
	TU_OK(es_buf_put(&h, "", 1));
	expect((const char *)h.ptr, ok_type, ES_EMALFORMED, "no end of its headers");
	es_buf_release(&h);
	/* every cut of a good body is refused or parsed, never read past */
	const char *good = "--xyz\r\nContent-Disposition: form-data; name=\"document\"\r\n\r\nabc\r\n--xyz--";
	for (size_t n = 0; n < strlen(good); n++) {
		uint8_t *copy = es_malloc(n ? n : 1);
		memcpy(copy, good, n);
		es_part parts[4];
		size_t np;
		int err = es_multipart_parse(copy, n, ok_type, parts, ES_ARRAY_LEN(parts), &np);
		assert_int_equal(err, ES_EMALFORMED);
		es_free(copy);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_good),
		cmocka_unit_test(t_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
