/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The route table is complete (every route has its rules, limits and schemas),
 * matching is exact, every error code has its HTTP status, and bodies are
 * refused with the right reason. */
#include "es_int.h"
#include "testutil.h"
#include "server/server.h"

static json_t *openapi(void)
{
	es_buf b = ES_BUF_INIT;
	TU_OK(es_openapi(&b));
	json_t *doc = json_loadb((const char *)b.ptr, b.len, 0, NULL);
	es_buf_release(&b);
	assert_non_null(doc);
	return doc;
}

static void t_table_complete(void **state)
{
	(void)state;
	json_t *doc = openapi();
	json_t *schemas = json_object_get(json_object_get(doc, "components"), "schemas");
	/* the slow and long lists of the pools (worker.c) name routes of the table, none renamed away */
	const char *stale = es_slow_long_route_unknown();
	if (stale)
		fail_msg("the slow- or long-route list names %s, which no route has", stale);
	for (size_t i = 0; i < es_nroutes; i++) {
		const es_route *r = &es_routes[i];
		const char *m = r->method;
		if (strcmp(m, "GET") && strcmp(m, "POST") && strcmp(m, "DELETE") && strcmp(m, "PUT") && strcmp(m, "PATCH"))
			fail_msg("route %zu: method %s", i, m);
		if (r->pattern[0] != '/' || !r->handler || !r->tag || !r->tag[0] || !r->summary || strlen(r->summary) < 8)
			fail_msg("route %s %s lacks a pattern, handler, tag or summary", m, r->pattern);
		if (r->auth != ES_ROUTE_PUBLIC && r->auth != ES_ROUTE_USER)
			fail_msg("route %s %s has no authentication rule", m, r->pattern);
		if (!r->response_schema)
			fail_msg("route %s %s has no response schema", m, r->pattern);
		if (strcmp(r->response_schema, "binary") && strcmp(r->response_schema, "text") &&
		    strcmp(r->response_schema, "document") && strcmp(r->response_schema, "image") &&
		    strcmp(r->response_schema, "zip") && strcmp(r->response_schema, "event-stream") &&
		    !json_object_get(schemas, r->response_schema))
			fail_msg("route %s %s: response schema %s is not defined", m, r->pattern, r->response_schema);
		/* "form:NAME": a multipart/form-data body described by schema NAME */
		const char *rs = r->request_schema && strncmp(r->request_schema, "form:", 5) == 0 ? r->request_schema + 5
												 : r->request_schema;
		if (rs && !json_object_get(schemas, rs))
			fail_msg("route %s %s: request schema %s is not defined", m, r->pattern, r->request_schema);
		/* a body has a schema and a limit; a signed-in change names its es_action */
		if (r->request_schema && r->auth == ES_ROUTE_USER && r->max_body == 0)
			fail_msg("route %s %s takes a body but has no limit", m, r->pattern);
		if (r->max_body && !r->request_schema)
			fail_msg("route %s %s has a body limit but no request schema", m, r->pattern);
		if (r->auth == ES_ROUTE_USER && strcmp(m, "GET") && !r->action && strcmp(r->pattern, "/api/v1/session"))
			fail_msg("route %s %s changes something but checks no action", m, r->pattern);
		if (r->max_body > 256u * 1024 * 1024)
			fail_msg("route %s %s allows more than the upload limit", m, r->pattern);
		/* one route per method and pattern */
		for (size_t j = 0; j < i; j++)
			if (!strcmp(es_routes[j].method, m) && !strcmp(es_routes[j].pattern, r->pattern))
				fail_msg("route %s %s twice", m, r->pattern);
		/* the document has it */
		char lower[8];
		for (size_t k = 0; k <= strlen(m); k++)
			lower[k] = (char)(m[k] >= 'A' && m[k] <= 'Z' ? m[k] + 32 : m[k]);
		assert_non_null(json_object_get(json_object_get(json_object_get(doc, "paths"), r->pattern), lower));
	}
	json_decref(doc);
}

static void t_committed_document(void **state)
{
	(void)state;
	es_buf committed = ES_BUF_INIT, served = ES_BUF_INIT;
	tu_read(&committed, ES_SOURCE_DIR "/docs/openapi.json");
	TU_OK(es_openapi(&served));
	if (committed.len != served.len || memcmp(committed.ptr, served.ptr, served.len) != 0)
		fail_msg("docs/openapi.json differs from the route table: run 'eseal serve --print-openapi > docs/openapi.json'");
	es_buf_release(&committed);
	es_buf_release(&served);
}

static void t_match(void **state)
{
	(void)state;
	es_req rq;
	bool known;
	memset(&rq, 0, sizeof(rq));
	int i = es_route_match("GET", "/api/v1/seals/35010000000001/status", &rq, &known);
	assert_true(i >= 0);
	assert_string_equal(es_routes[i].pattern, "/api/v1/seals/{esid}/status");
	assert_string_equal(rq.params[0], "35010000000001");
	i = es_route_match("GET", "/api/v1/seals/35010000000001", &rq, &known);
	assert_string_equal(es_routes[i].pattern, "/api/v1/seals/{id}");
	assert_int_equal(es_route_match("PUT", "/api/v1/seals/1", &rq, &known), -1);
	assert_true(known); /* 405, not 404 */
	assert_int_equal(es_route_match("GET", "/api/v1/seals/", &rq, &known), -1);
	assert_false(known);
	assert_int_equal(es_route_match("GET", "/api/v1//seals", &rq, &known), -1);
	assert_int_equal(es_route_match("GET", "/api/v1/seals/1/status/x", &rq, &known), -1);
	assert_int_equal(es_route_match("GET", "api/v1/seals", &rq, &known), -1);
	assert_int_equal(es_route_match("GET", "", &rq, &known), -1);
	char longseg[200];
	memset(longseg, '9', sizeof(longseg));
	memcpy(longseg, "/api/v1/seals/", 14);
	longseg[sizeof(longseg) - 1] = 0;
	assert_int_equal(es_route_match("GET", longseg, &rq, &known), -1); /* a parameter over 63 bytes */
}

static void t_status_table(void **state)
{
	(void)state;
	static const struct {
		int code;
		unsigned status;
	} want[] = { { ES_EAUTH, 401 },     { ES_EDENIED, 403 },   { ES_ENOTFOUND, 404 }, { ES_ECONFLICT, 409 },
		     { ES_ESTATE, 409 },    { ES_EEXISTS, 409 },   { ES_ELIMIT, 413 },    { ES_EINVAL, 422 },
		     { ES_EMALFORMED, 400 }, { ES_EINTERNAL, 500 }, { ES_EDB, 500 },      { -1234, 500 } };
	for (size_t i = 0; i < ES_ARRAY_LEN(want); i++)
		assert_int_equal(es_http_status(want[i].code), want[i].status);
	for (int c = -1; c >= -18; c--)
		assert_true(es_http_status(c) >= 400);
}

static void t_bodies(void **state)
{
	(void)state;
	static const char *const fields[] = { "login", "password", NULL };
	json_t *v;
	const char *ok = "{\"login\": \"a\", \"password\": \"b\"}";
	TU_OK(es_body_parse((const uint8_t *)ok, strlen(ok), "application/json", fields, &v));
	json_decref(v);
	TU_OK(es_body_parse((const uint8_t *)ok, strlen(ok), "application/json; charset=utf-8", fields, &v));
	json_decref(v);
	assert_int_equal(es_body_parse((const uint8_t *)ok, strlen(ok), "text/plain", fields, &v), 415);
	assert_int_equal(es_body_parse((const uint8_t *)ok, strlen(ok), NULL, fields, &v), 415);
	assert_int_equal(es_body_parse((const uint8_t *)ok, strlen(ok), "application/jsonx", fields, &v), 415);
	const char *extra = "{\"login\": \"a\", \"admin\": true}";
	assert_int_equal(es_body_parse((const uint8_t *)extra, strlen(extra), "application/json", fields, &v), ES_EINVAL);
	assert_non_null(strstr(es_error_last()->message, "'admin'"));
	const char *dup = "{\"login\": \"a\", \"login\": \"b\"}";
	assert_int_equal(es_body_parse((const uint8_t *)dup, strlen(dup), "application/json", fields, &v), ES_EMALFORMED);
	assert_int_equal(es_body_parse((const uint8_t *)"[1]", 3, "application/json", fields, &v), ES_EMALFORMED);
	assert_int_equal(es_body_parse((const uint8_t *)"", 0, "application/json", fields, &v), ES_EMALFORMED);
	char deep[100];
	memset(deep, '[', sizeof(deep));
	assert_int_equal(es_body_parse((const uint8_t *)deep, sizeof(deep), "application/json", fields, &v), ES_EMALFORMED);
	assert_non_null(strstr(es_error_last()->message, "deeper"));
	/* brackets inside strings do not count */
	const char *str = "{\"login\": \"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"}";
	TU_OK(es_body_parse((const uint8_t *)str, strlen(str), "application/json", fields, &v));
	json_decref(v);
	/* a NUL inside a string would cut C strings short: refused */
	const char *nul = "{\"login\": \"a\\u0000b\"}";
	assert_int_equal(es_body_parse((const uint8_t *)nul, strlen(nul), "application/json", fields, &v), ES_EMALFORMED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_table_complete), cmocka_unit_test(t_committed_document), cmocka_unit_test(t_match),
		cmocka_unit_test(t_status_table),   cmocka_unit_test(t_bodies),
	};
	return cmocka_run_group_tests_name("server-routes", tests, NULL, NULL);
}
