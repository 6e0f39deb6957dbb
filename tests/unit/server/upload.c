/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Multipart uploads as the post processor hands them over: parts collected in
 * order into bounded buffers, unknown, repeated, misplaced, oversized and missing
 * parts refused with the right status; upload routes' limits agree with their parts. */
#include "es_int.h"
#include "testutil.h"
#include "server/server.h"

static const es_upload_spec *attach_spec(void)
{
	const es_upload_spec *s = es_upload_spec_of("AttachmentUpload");
	assert_non_null(s);
	return s;
}

static void t_collects(void **state)
{
	(void)state;
	es_upload up;
	const uint8_t *d;
	size_t n;
	const char *fn;
	es_upload_init(&up, attach_spec());
	TU_OK(es_upload_part(&up, "kind", NULL, "let", 0, 3));
	TU_OK(es_upload_part(&up, "kind", NULL, "ter", 3, 3));
	TU_OK(es_upload_part(&up, "file", "C:\\docs\\../红头.pdf", "abc", 0, 3));
	TU_OK(es_upload_part(&up, "file", "C:\\docs\\../红头.pdf", "def", 3, 3));
	TU_OK(es_upload_part(&up, "file", "C:\\docs\\../红头.pdf", NULL, 6, 0));
	TU_OK(es_upload_finish(&up));
	assert_string_equal(es_upload_text(&up, "kind"), "letter");
	assert_null(es_upload_text(&up, "name"));
	assert_true(es_upload_file(&up, "file", &d, &n, &fn));
	assert_int_equal(n, 6);
	assert_memory_equal(d, "abcdef", 6);
	assert_string_equal(fn, "红头.pdf"); /* the name, never the client's path */
	assert_false(es_upload_file(&up, "kind", &d, &n, &fn));
	es_upload_release(&up);
}

static void refused(const char *key, const char *filename, uint64_t off, size_t size, unsigned status, const char *words)
{
	es_upload up;
	es_upload_init(&up, attach_spec());
	TU_OK(es_upload_part(&up, "kind", NULL, "letter", 0, 6));
	TU_OK(es_upload_part(&up, "file", "a.pdf", "abc", 0, 3));
	static char big[64];
	assert_int_equal(es_upload_part(&up, key, filename, big, off, size), -1);
	assert_int_equal(up.status, status);
	if (!strstr(up.message, words))
		fail_msg("'%s' lacks '%s'", up.message, words);
	/* once refused, nothing more is taken */
	assert_int_equal(es_upload_part(&up, "name", NULL, "x", 0, 1), -1);
	assert_int_equal(es_upload_finish(&up), -1);
	es_upload_release(&up);
}

static void t_refusals(void **state)
{
	(void)state;
	refused("colour", NULL, 0, 3, 422, "unknown part 'colour'");
	refused(NULL, NULL, 0, 3, 400, "no name");
	refused("kind", NULL, 0, 3, 400, "given twice");
	refused("file", "b.pdf", 0, 3, 400, "given twice");
	refused("file", "a.pdf", 7, 3, 400, "out of order");
	refused("name", "n.pdf", 0, 3, 422, "plain field");
	refused("kind", NULL, 0, 40, 400, "given twice");
	/* a text part over its limit */
	es_upload up;
	char text[40];
	memset(text, 'k', sizeof(text));
	es_upload_init(&up, attach_spec());
	assert_int_equal(es_upload_part(&up, "kind", NULL, text, 0, sizeof(text)), -1);
	assert_int_equal(up.status, 413);
	es_upload_release(&up);
	/* a file given as a field; a missing required part; a NUL in a text part */
	es_upload_init(&up, attach_spec());
	assert_int_equal(es_upload_part(&up, "file", NULL, "abc", 0, 3), -1);
	assert_int_equal(up.status, 422);
	es_upload_release(&up);
	es_upload_init(&up, attach_spec());
	TU_OK(es_upload_part(&up, "file", "a", "abc", 0, 3));
	assert_int_equal(es_upload_finish(&up), -1);
	assert_non_null(strstr(up.message, "lacks its part 'kind'"));
	es_upload_release(&up);
	es_upload_init(&up, attach_spec());
	TU_OK(es_upload_part(&up, "kind", NULL, "a\0b", 0, 3));
	TU_OK(es_upload_part(&up, "file", "a", "abc", 0, 3));
	assert_int_equal(es_upload_finish(&up), -1);
	assert_int_equal(up.status, 422);
	es_upload_release(&up);
}

static void t_file_limit(void **state)
{
	(void)state;
	const es_upload_spec *s = attach_spec();
	size_t max = s->parts[2].max, chunk = 1 << 20;
	uint8_t *buf = es_calloc(1, chunk);
	assert_non_null(buf);
	es_upload up;
	es_upload_init(&up, s);
	size_t off = 0;
	while (off + chunk <= max) {
		TU_OK(es_upload_part(&up, "file", "f", (const char *)buf, off, chunk));
		off += chunk;
	}
	assert_int_equal(off, max); /* exactly the limit is taken */
	assert_int_equal(es_upload_part(&up, "file", "f", (const char *)buf, off, 1), -1);
	assert_int_equal(up.status, 413);
	assert_int_equal(up.code, ES_ELIMIT);
	assert_int_equal(up.data[2].len, 0); /* dropped at once */
	es_upload_release(&up);
	es_free(buf);
}

/* Every upload route's limit is what its parts add up to; the metrics count each route. */
static void t_routes(void **state)
{
	(void)state;
	size_t uploads = 0;
	assert_true(es_nroutes < ES_METRIC_ROUTES);
	for (size_t i = 0; i < es_nroutes; i++) {
		const es_route *r = &es_routes[i];
		const es_upload_spec *s = es_upload_spec_of(r->request_schema);
		if (!s)
			continue;
		uploads++;
		assert_int_equal(r->auth, ES_ROUTE_USER); /* uploads only after authentication */
		if (!s->json_too && r->max_body != es_upload_spec_max(s))
			fail_msg("route %s %s: body limit %zu, its parts add up to %zu", r->method, r->pattern, r->max_body,
				 es_upload_spec_max(s));
	}
	assert_true(uploads >= 4);
	assert_true(es_is_multipart("multipart/form-data; boundary=x"));
	assert_true(es_is_multipart("Multipart/Form-Data"));
	assert_false(es_is_multipart("multipart/form-dataX"));
	assert_false(es_is_multipart("application/x-www-form-urlencoded"));
	assert_false(es_is_multipart(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_collects),
		cmocka_unit_test(t_refusals),
		cmocka_unit_test(t_file_limit),
		cmocka_unit_test(t_routes),
	};
	return cmocka_run_group_tests_name("server-upload", tests, NULL, NULL);
}
