/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* multipart/form-data (src/server/multipart.c): the parts of a good form, and every
 * kind of bad one refused with its reason. */
#include "es_int.h"
#include "testutil.h"
#include "server/multipart.h"

static int parse(const char *type, const char *body, es_part *parts, size_t *n)
{
	return es_multipart_parse((const uint8_t *)body, strlen(body), type, parts, ES_MULTIPART_MAX_PARTS, n);
}

static void t_good(void **state)
{
	(void)state;
	es_part p[ES_MULTIPART_MAX_PARTS];
	size_t n;
	const char *body = "--XyZ\r\nContent-Disposition: form-data; name=\"esid\"\r\n\r\n35000000000001\r\n"
			   "--XyZ\r\ncontent-disposition: form-data; name=\"document\"; filename=\"合同.pdf\"\r\n"
			   "Content-Type: application/pdf\r\n\r\n%PDF-1.7\r\n--not the boundary\r\n\r\n--XyZ--\r\nepilogue";
	TU_OK(parse("multipart/form-data; boundary=XyZ", body, p, &n));
	assert_int_equal(n, 2);
	assert_string_equal(p[0].name, "esid");
	assert_int_equal(p[0].len, 14);
	assert_memory_equal(p[0].data, "35000000000001", 14);
	assert_string_equal(p[1].name, "document");
	assert_string_equal(p[1].filename, "合同.pdf");
	assert_string_equal(p[1].type, "application/pdf");
	assert_int_equal(p[1].len, strlen("%PDF-1.7\r\n--not the boundary\r\n"));
	assert_ptr_equal(es_multipart_get(p, n, "document"), &p[1]);
	assert_null(es_multipart_get(p, n, "pin"));
	/* quoted boundary, preamble, transport padding, an empty part, binary data with NULs */
	static const uint8_t bin[] = "pre\r\n--a b \t\r\nContent-Disposition: form-data; name=e\r\n\r\n\r\n--a b\r\n"
				     "Content-Disposition: form-data; name=\"z\"\r\n\r\n\0\1\2\r\n--a b--";
	TU_OK(es_multipart_parse(bin, sizeof(bin) - 1, "Multipart/Form-Data;charset=utf-8; boundary=\"a b\"", p,
				 ES_MULTIPART_MAX_PARTS, &n));
	assert_int_equal(n, 2);
	assert_int_equal(p[0].len, 0);
	assert_int_equal(p[1].len, 3);
	assert_int_equal(p[1].data[0], 0);
	/* a form without parts */
	TU_OK(parse("multipart/form-data; boundary=B", "--B--\r\n", p, &n));
	assert_int_equal(n, 0);
}

static void t_bad(void **state)
{
	(void)state;
	static const struct {
		const char *type, *body, *says;
		int code;
	} bad[] = {
		{ "application/json", "{}", "multipart/form-data", ES_ENOTSUPPORTED },
		{ NULL, "--B--", "multipart/form-data", ES_ENOTSUPPORTED },
		{ "multipart/form-dataX; boundary=B", "--B--", "multipart/form-data", ES_ENOTSUPPORTED },
		{ "multipart/form-data", "--B--", "no boundary", ES_EMALFORMED },
		{ "multipart/form-data; boundary=", "----", "1 to 70", ES_EMALFORMED },
		{ "multipart/form-data; boundary=\"B", "--B--", "unterminated", ES_EMALFORMED },
		{ "multipart/form-data; boundary=0123456789012345678901234567890123456789012345678901234567890123456789X",
		  "--B--", "1 to 70", ES_EMALFORMED },
		{ "multipart/form-data; boundary=B", "no boundary here", "does not occur", ES_EMALFORMED },
		{ "multipart/form-data; boundary=B", "--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx", "ends inside",
		  ES_EMALFORMED },
		{ "multipart/form-data; boundary=B", "--B\r\nContent-Disposition: form-data; name=\"a\"", "empty line",
		  ES_EMALFORMED },
		{ "multipart/form-data; boundary=B", "--Bjunk\r\n", "CRLF", ES_EMALFORMED },
		{ "multipart/form-data; boundary=B", "--B\r\nContent-Type: text/plain\r\n\r\nx\r\n--B--", "no Content-Disposition",
		  ES_EMALFORMED },
		{ "multipart/form-data; boundary=B", "--B\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nx\r\n--B--",
		  "not form-data", ES_EMALFORMED },
		{ "multipart/form-data; boundary=B", "--B\r\nContent-Disposition: form-data\r\n\r\nx\r\n--B--", "no name",
		  ES_EMALFORMED },
		{ "multipart/form-data; boundary=B", "--B\r\nContent-Disposition: form-data; name=\"\"\r\n\r\nx\r\n--B--",
		  "no name", ES_EMALFORMED },
		{ "multipart/form-data; boundary=B", "--B\r\nContent-Disposition: form-data; name=\"a\r\n\r\nx\r\n--B--",
		  "unterminated", ES_EMALFORMED },
		{ "multipart/form-data; boundary=B", "--B\r\nContent-Disposition: form-data; name=\"a\\\"b\"\r\n\r\nx\r\n--B--",
		  "escapes", ES_EMALFORMED },
		{ "multipart/form-data; boundary=B", "--B\r\nno colon\r\n\r\nx\r\n--B--", "no name", ES_EMALFORMED },
		{ "multipart/form-data; boundary=B",
		  "--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--B\r\nContent-Disposition: form-data; "
		  "name=\"a\"\r\n\r\n2\r\n--B--",
		  "twice", ES_EMALFORMED },
		{ "multipart/form-data; boundary=B",
		  "--B\r\nContent-Disposition: form-data; name=\"a\"\r\nContent-Disposition: form-data; name=\"b\"\r\n\r\n1\r\n--B--",
		  "two Content-Disposition", ES_EMALFORMED },
		{ "multipart/form-data; boundary=B",
		  "--B\r\nContent-Disposition: form-data; name=\"a0123456789012345678901234567890123456789012345678901234567890123\""
		  "\r\n\r\n1\r\n--B--",
		  "longer than", ES_ELIMIT },
	};
	es_part p[ES_MULTIPART_MAX_PARTS];
	size_t n;
	for (size_t i = 0; i < ES_ARRAY_LEN(bad); i++) {
		int rc = parse(bad[i].type, bad[i].body, p, &n);
		if (rc != bad[i].code || !strstr(es_error_last()->message, bad[i].says))
			fail_msg("case %zu: got %d '%s', want %d saying '%s'", i, rc, es_error_last()->message, bad[i].code,
				 bad[i].says);
	}
	/* too many parts, too many and too long header lines */
	es_buf b = ES_BUF_INIT;
	for (int i = 0; i <= ES_MULTIPART_MAX_PARTS; i++)
		TU_OK(es_buf_printf(&b, "--B\r\nContent-Disposition: form-data; name=\"f%d\"\r\n\r\nx\r\n", i));
	TU_OK(es_buf_puts(&b, "--B--"));
	assert_int_equal(es_multipart_parse(b.ptr, b.len, "multipart/form-data; boundary=B", p, ES_MULTIPART_MAX_PARTS, &n),
			 ES_ELIMIT);
	b.len = 0;
	TU_OK(es_buf_puts(&b, "--B\r\n"));
	for (int i = 0; i <= ES_MULTIPART_MAX_HEADERS; i++)
		TU_OK(es_buf_puts(&b, "X-A: 1\r\n"));
	TU_OK(es_buf_puts(&b, "\r\nx\r\n--B--"));
	assert_int_equal(es_multipart_parse(b.ptr, b.len, "multipart/form-data; boundary=B", p, ES_MULTIPART_MAX_PARTS, &n),
			 ES_ELIMIT);
	b.len = 0;
	TU_OK(es_buf_puts(&b, "--B\r\nX-A: "));
	for (int i = 0; i < ES_MULTIPART_MAX_HEADER; i++)
		TU_OK(es_buf_puts(&b, "a"));
	TU_OK(es_buf_puts(&b, "\r\n\r\nx\r\n--B--"));
	assert_int_equal(es_multipart_parse(b.ptr, b.len, "multipart/form-data; boundary=B", p, ES_MULTIPART_MAX_PARTS, &n),
			 ES_ELIMIT);
	/* every truncation of a good body fails cleanly */
	const char *good = "--B\r\nContent-Disposition: form-data; name=\"a\"; filename=\"f\"\r\n\r\nxyz\r\n--B--";
	for (size_t cut = 0; cut < strlen(good) - 1; cut++) {
		int rc = es_multipart_parse((const uint8_t *)good, cut, "multipart/form-data; boundary=B", p,
					    ES_MULTIPART_MAX_PARTS, &n);
		if (rc >= 0)
			fail_msg("truncated at %zu accepted", cut);
	}
	es_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(t_good), cmocka_unit_test(t_bad) };
	return cmocka_run_group_tests_name("server-multipart", tests, NULL, NULL);
}
