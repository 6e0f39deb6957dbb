/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The route table (routes.def) as the dispatcher's table and as the OpenAPI document. */
#include "server.h"
#include "store/store_limits.h"
#include "eseal/es_peers.h"

#define ROUTE(m, pat, h, auth, act, body, tag, sum, req, resp) int h(es_req *rq);
#include "routes.def"
#undef ROUTE

const es_route es_routes[] = {
#define ROUTE(m, pat, h, auth, act, body, tag, sum, req, resp) { m, pat, h, auth, act, body, tag, sum, req, resp },
#include "routes.def"
#undef ROUTE
};
const size_t es_nroutes = ES_ARRAY_LEN(es_routes);

bool es_route_served(const es_server_config *cfg, const es_route *r)
{
	bool verify_service = strcmp(r->tag, "public") == 0 && (strcmp(r->pattern, "/api/v1/verify") == 0 ||
								 strcmp(r->pattern, "/api/v1/verifications/{id}") == 0);
	if (cfg->role_verify)
		/* public reads only: no sign-in, and nothing that signs (the TSA issues tokens) */
		return r->auth == ES_ROUTE_PUBLIC && (strcmp(r->tag, "public") == 0 || strcmp(r->tag, "operations") == 0) &&
		       strcmp(r->pattern, "/api/v1/tsa") != 0;
	if (cfg->role_sign)
		return !verify_service; /* verification is the verify nodes' */
	return true;
}

/* One path against one pattern: literal segments equal, {name} segments captured. */
static bool match(const char *pattern, const char *path, es_req *rq)
{
	const char *p = pattern, *s = path;
	unsigned np = 0;
	while (*p && *s) {
		if (*p != '/' || *s != '/')
			return false;
		p++;
		s++;
		size_t pl = strcspn(p, "/"), sl = strcspn(s, "/");
		if (*p == '{') {
			if (sl == 0 || sl >= sizeof(rq->params[0]) || np >= ES_ARRAY_LEN(rq->params))
				return false;
			memcpy(rq->params[np], s, sl);
			rq->params[np][sl] = 0;
			np++;
		} else if (pl != sl || memcmp(p, s, pl) != 0) {
			return false;
		}
		p += pl;
		s += sl;
	}
	if (*p || *s)
		return false;
	rq->nparams = np;
	return true;
}

int es_route_match(const char *method, const char *path, es_req *rq, bool *path_known)
{
	*path_known = false;
	for (size_t i = 0; i < es_nroutes; i++) {
		if (!match(es_routes[i].pattern, path, rq))
			continue;
		if (strcmp(es_routes[i].method, method) == 0)
			return (int)i;
		*path_known = true;
	}
	return -1;
}

/* ---- OpenAPI 3.1 ------------------------------------------------------------------ */

static json_t *ref(const char *name)
{
	char buf[128];
	snprintf(buf, sizeof(buf), "#/components/schemas/%s", name);
	return json_pack("{s:s}", "$ref", buf);
}

json_t *es_schema_object(const char *required_csv, json_t *props)
{
	json_t *req = json_array();
	const char *p = required_csv;
	while (p && *p) {
		size_t n = strcspn(p, ",");
		json_array_append_new(req, json_stringn(p, n));
		p += n + (p[n] == ',');
	}
	return json_pack("{s:s, s:o, s:o, s:b}", "type", "object", "properties", props, "required", req,
			 "additionalProperties", 0);
}

static const struct {
	const char *name;
	es_record_kind kind;
} record_schemas[] = {
	{ "Application", ES_REC_APPLICATION }, { "Seal", ES_REC_SEAL },       { "Unit", ES_REC_UNIT },
	{ "Person", ES_REC_PERSON },           { "Account", ES_REC_ACCOUNT }, { "Region", ES_REC_REGION },
	{ "UseRequest", ES_REC_USE_REQUEST },  { "Usage", ES_REC_USAGE },     { "Audit", ES_REC_AUDIT },
	{ "Outbox", ES_REC_OUTBOX },           { "ApiKeyInfo", ES_REC_API_KEY },
	{ "JobSummary", ES_REC_JOB },          { "Webhook", ES_REC_WEBHOOK },
};

static int add_schemas(json_t *schemas)
{
	json_object_set_new(schemas, "Error",
			    es_schema_object("error", json_pack("{s:o}", "error",
							  es_schema_object("code,message,request_id",
								     json_pack("{s:{s:s}, s:{s:s}, s:{s:s}}", "code", "type",
									       "string", "message", "type", "string",
									       "request_id", "type", "string")))));
	json_object_set_new(schemas, "Ok", es_schema_object("ok", json_pack("{s:{s:s}}", "ok", "type", "boolean")));
	json_object_set_new(schemas, "Health",
			    es_schema_object("status", json_pack("{s:{s:s}, s:{s:s}}", "status", "type", "string", "detail",
							   "type", "string")));
	json_object_set_new(schemas, "OpenAPI", json_pack("{s:s}", "type", "object"));
	json_object_set_new(schemas, "Created", es_schema_object("id", json_pack("{s:{s:s}}", "id", "type", "integer")));
	json_object_set_new(schemas, "SignIn",
			    es_schema_object("login,password", json_pack("{s:{s:s, s:i}, s:{s:s, s:i}}", "login", "type",
								   "string", "maxLength", 64, "password", "type",
								   "string", "maxLength", 128)));
	json_object_set_new(
		schemas, "Session",
		es_schema_object("account,login,roles,how,must_change_password",
			   json_pack("{s:{s:s}, s:{s:s}, s:{s:s, s:{s:s}}, s:{s:[s,s]}, s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}}",
				     "account", "type", "integer", "login", "type", "string", "roles", "type", "array",
				     "items", "type", "string", "unit_id", "type", "integer", "null", "region", "type",
				     "string", "how", "type", "string", "must_change_password", "type", "boolean",
				     "csrf_token", "type", "string")));
	json_object_set_new(schemas, "PasswordChange",
			    es_schema_object("login,old_password,new_password",
				       json_pack("{s:{s:s}, s:{s:s}, s:{s:s}}", "login", "type", "string", "old_password",
						 "type", "string", "new_password", "type", "string")));
	json_object_set_new(schemas, "SealStatus",
			    es_schema_object("esid,status,at",
				       json_pack("{s:{s:s}, s:{s:s}, s:{s:s}, s:{s:[s,s]}, s:{s:s}}", "esid", "type",
						 "string", "status", "type", "string", "at", "type", "string", "since",
						 "type", "string", "null", "reason", "type", "string")));
	json_object_set_new(
		schemas, "ApplicationForm",
		es_schema_object("unit_id,seal_name,width_mm,height_mm",
			   json_pack("{s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s},"
				     " s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}}",
				     "business", "type", "string", "unit_id", "type", "integer", "seal_kind", "type", "string",
				     "seal_function", "type", "string", "seal_name", "type", "string", "width_mm", "type",
				     "integer", "height_mm", "type", "integer", "holder_person", "type", "integer",
				     "handler_name", "type", "string", "handler_mobile", "type", "string", "handler_id",
				     "type", "string", "target_esid", "type", "string", "reason", "type", "string",
				     "multi_cert_reason", "type", "string")));
	/* the form accepts batch_id (an application joining an earlier batch of its unit) */
	json_object_set_new(json_object_get(json_object_get(schemas, "ApplicationForm"), "properties"), "batch_id",
			    json_pack("{s:s}", "type", "integer"));
	json_object_set_new(schemas, "ApplicationBatch",
			    es_schema_object("forms", json_pack("{s:{s:s, s:i, s:i, s:{s:s}}}", "forms", "type", "array",
							  "minItems", 1, "maxItems", 100, "items", "$ref",
							  "#/components/schemas/ApplicationForm")));
	json_object_set_new(schemas, "ApplicationBatchCreated",
			    es_schema_object("batch_id,ids", json_pack("{s:{s:s}, s:{s:s, s:{s:s}}}", "batch_id", "type",
								 "integer", "ids", "type", "array", "items", "type",
								 "integer")));
	json_object_set_new(
		schemas, "ApplicationBatchSummary",
		es_schema_object("batch,applications",
			   json_pack("{s:{s:s}, s:{s:s, s:o}}", "batch", "type", "integer", "applications", "type", "array",
				     "items",
				     es_schema_object("application,business,state,kind,function,seal_name,width_mm,length_mm,esid",
						json_pack("{s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s},"
							  " s:{s:s}, s:{s:s}}",
							  "application", "type", "integer", "business", "type", "string",
							  "state", "type", "string", "kind", "type", "string", "function",
							  "type", "string", "seal_name", "type", "string", "width_mm", "type",
							  "integer", "length_mm", "type", "integer", "esid", "type",
							  "string")))));
	json_object_set_new(
		schemas, "ApplicationEdit",
		es_schema_object("",
			   json_pack("{s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s},"
				     " s:{s:s}, s:{s:s}, s:{s:s}}",
				     "seal_kind", "type", "string", "seal_function", "type", "string", "seal_name", "type",
				     "string", "width_mm", "type", "integer", "height_mm", "type", "integer", "holder_person",
				     "type", "integer", "handler_name", "type", "string", "handler_mobile", "type", "string",
				     "handler_id", "type", "string", "target_esid", "type", "string", "reason", "type",
				     "string", "multi_cert_reason", "type", "string")));
	json_object_set_new(schemas, "Scan",
			    json_pack("{s:s, s:s}", "type", "string", "description",
				      "a scan of a stamped impression: the bytes of a PNG or JPEG image"));
	json_object_set_new(schemas, "ImpressionPreview",
			    es_schema_object("unit_id,seal_name,width_mm,height_mm",
				       json_pack("{s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s, s:i, s:i}, s:{s:s, s:i, s:i}}",
						 "unit_id", "type", "integer", "seal_kind", "type", "string", "seal_function",
						 "type", "string", "seal_name", "type", "string", "width_mm", "type", "integer",
						 "minimum", 1, "maximum", 80, "height_mm", "type", "integer", "minimum", 1,
						 "maximum", 80)));
	json_object_set_new(schemas, "Review",
			    es_schema_object("approve", json_pack("{s:{s:s}, s:{s:s}}", "approve", "type", "boolean", "reason",
							    "type", "string")));
	json_object_set_new(schemas, "OneTimePassword",
			    es_schema_object("login,one_time_password", json_pack("{s:{s:s}, s:{s:s}}", "login", "type", "string",
									    "one_time_password", "type", "string")));
	json_object_set_new(schemas, "ApiKeyRequest",
			    es_schema_object("login,name,expires",
				       json_pack("{s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}}", "login", "type", "string",
						 "name", "type", "string", "expires", "type", "string", "scope", "type",
						 "string", "allow_from", "type", "string")));
	json_object_set_new(schemas, "ApiKey",
			    es_schema_object("id,key", json_pack("{s:{s:s}, s:{s:s}}", "id", "type", "integer", "key", "type",
							   "string")));
	json_object_set_new(schemas, "UnitRequest",
			    es_schema_object("name,credit_code,region",
				       json_pack("{s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}}", "name", "type", "string",
						 "credit_code", "type", "string", "region", "type", "string", "superior", "type",
						 "integer", "legal_rep", "type", "string")));
	json_object_set_new(schemas, "PersonRequest",
			    es_schema_object("name,resident_id",
				       json_pack("{s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}}", "name", "type", "string",
						 "resident_id", "type", "string", "mobile", "type", "string", "unit_id", "type",
						 "integer")));
	json_object_set_new(schemas, "AccountRequest",
			    es_schema_object("login,roles",
				       json_pack("{s:{s:s}, s:{s:s, s:{s:s}}, s:{s:s}, s:{s:s}}", "login", "type", "string",
						 "roles", "type", "array", "items", "type", "string", "unit_id", "type",
						 "integer", "region", "type", "string")));
	json_object_set_new(schemas, "RegionRequest",
			    es_schema_object("code,name", json_pack("{s:{s:s}, s:{s:s}}", "code", "type", "string", "name",
							      "type", "string")));
	json_object_set_new(schemas, "UseRequestForm",
			    es_schema_object("esid,doc_sm3,purpose",
				       json_pack("{s:{s:s}, s:{s:s, s:s}, s:{s:s}}", "esid", "type", "string", "doc_sm3",
						 "type", "string", "pattern", "^[0-9a-f]{64}$", "purpose", "type", "string")));
	json_object_set_new(schemas, "Decision", es_schema_object("", json_pack("{s:{s:s}}", "reason", "type", "string")));
	es_schemas_ops(schemas);
	const es_upload_spec *spec;
	for (size_t i = 0; (spec = es_upload_spec_at(i)); i++) {
		char name[64];
		snprintf(name, sizeof(name), "%s%s", spec->schema, spec->json_too ? "Upload" : "");
		json_object_set_new(schemas, name, es_upload_schema(spec));
	}
	int perr = es_public_schemas(schemas);
	if (perr < 0)
		return perr;
	int serr = es_sign_schemas(schemas);
	if (serr < 0)
		return serr;
	if ((serr = es_peer_schemas(schemas)) < 0)
		return serr;
	for (size_t i = 0; i < ES_ARRAY_LEN(record_schemas); i++) {
		es_buf b = ES_BUF_INIT;
		int err = es_record_schema(record_schemas[i].kind, &b);
		json_t *one = err == 0 ? json_loadb((const char *)b.ptr, b.len, 0, NULL) : NULL;
		es_buf_release(&b);
		if (!one)
			return err < 0 ? err : es_error_set(ES_EINTERNAL, "record schema %s", record_schemas[i].name);
		json_object_set_new(schemas, record_schemas[i].name, one);
		char list[64];
		snprintf(list, sizeof(list), "%sList", record_schemas[i].name);
		json_object_set_new(schemas, list,
				    es_schema_object("items,next", json_pack("{s:{s:s, s:o}, s:{s:[s,s]}}", "items", "type",
								       "array", "items", ref(record_schemas[i].name),
								       "next", "type", "string", "null")));
	}
	return 0;
}

static json_t *content(const char *schema)
{
	json_t *own = es_public_content(schema);
	if (own)
		return own;
	/* sign services (handlers_sign.c): a form upload, a sealed document, an image */
	if (strncmp(schema, "form:", 5) == 0)
		return json_pack("{s:{s:o}}", "multipart/form-data", "schema", ref(schema + 5));
	if (strcmp(schema, "document") == 0)
		return json_pack("{s:{s:{s:s, s:s}}, s:{s:{s:s, s:s}}}", "application/ofd", "schema", "type", "string",
				 "contentMediaType", "application/ofd", "application/pdf", "schema", "type", "string",
				 "contentMediaType", "application/pdf");
	if (strcmp(schema, "image") == 0)
		return json_pack("{s:{s:{s:s, s:s}}}", "image/png", "schema", "type", "string", "contentMediaType", "image/png");
	if (strcmp(schema, "Scan") == 0)
		return json_pack("{s:{s:{s:s, s:s}}, s:{s:{s:s, s:s}}}", "image/png", "schema", "type", "string",
				 "contentMediaType", "image/png", "image/jpeg", "schema", "type", "string", "contentMediaType",
				 "image/jpeg");
	if (strcmp(schema, "zip") == 0)
		return json_pack("{s:{s:{s:s, s:s}}}", "application/zip", "schema", "type", "string", "contentMediaType",
				 "application/zip");
	if (strcmp(schema, "binary") == 0)
		return json_pack("{s:{s:{s:s, s:s}}}", "application/octet-stream", "schema", "type", "string",
				 "contentMediaType", "application/octet-stream");
	if (strcmp(schema, "event-stream") == 0)
		return json_pack("{s:{s:{s:s}}}", "text/event-stream", "schema", "type", "string");
	if (strcmp(schema, "text") == 0)
		return json_pack("{s:{s:{s:s}}}", "text/plain", "schema", "type", "string");
	return json_pack("{s:{s:o}}", "application/json", "schema", ref(schema));
}

/* 201: an id of what was made, or a POST to a collection that is listed (GET … *List). */
static bool created(const es_route *r)
{
	if (strcmp(r->response_schema, "Created") == 0 || strcmp(r->response_schema, "ApplicationBatchCreated") == 0)
		return true;
	if (strcmp(r->method, "POST") != 0)
		return false;
	for (size_t i = 0; i < es_nroutes; i++) {
		size_t n = strlen(es_routes[i].response_schema);
		if (strcmp(es_routes[i].method, "GET") == 0 && strcmp(es_routes[i].pattern, r->pattern) == 0 && n > 4 &&
		    strcmp(es_routes[i].response_schema + n - 4, "List") == 0)
			return true;
	}
	return false;
}

/* A request body: JSON, multipart/form-data (an upload), or either. */
static json_t *request_content(const char *schema)
{
	const es_upload_spec *spec = es_upload_spec_of(schema);
	if (!spec)
		return content(schema);
	char name[64];
	snprintf(name, sizeof(name), "%s%s", schema, spec->json_too ? "Upload" : "");
	json_t *c = spec->json_too ? content(schema) : json_object();
	json_object_set_new(c, "multipart/form-data", json_pack("{s:o}", "schema", ref(name)));
	return c;
}

static const char *const error_statuses[] = { "400", "401", "403", "404", "409", "413", "415", "422", "429", "500" };

int es_openapi(es_buf *out)
{
	json_t *paths = json_object(), *schemas = json_object();
	int err = add_schemas(schemas);
	for (size_t i = 0; err == 0 && i < es_nroutes; i++) {
		const es_route *r = &es_routes[i];
		json_t *item = json_object_get(paths, r->pattern);
		if (!item) {
			item = json_object();
			json_object_set_new(paths, r->pattern, item);
		}
		char method[8];
		size_t n = strlen(r->method);
		for (size_t k = 0; k <= n && k < sizeof(method); k++)
			method[k] = (char)(r->method[k] >= 'A' && r->method[k] <= 'Z' ? r->method[k] + 32 : r->method[k]);
		char opid[128];
		snprintf(opid, sizeof(opid), "%s_%zu", method, i);
		json_t *responses = json_object();
		json_object_set_new(responses, created(r) ? "201" : "200",
				    json_pack("{s:s, s:o}", "description", "success", "content", content(r->response_schema)));
		for (size_t k = 0; k < ES_ARRAY_LEN(error_statuses); k++)
			json_object_set_new(responses, error_statuses[k],
					    json_pack("{s:s}", "$ref", "#/components/responses/Error"));
		/* a full queue of the worker or job-run pool, or a stopping server; /readyz: the store away */
		if (es_route_slow(r) || es_route_long(r))
			json_object_set_new(responses, "503", json_pack("{s:s}", "$ref", "#/components/responses/Error"));
		else if (strcmp(r->pattern, "/readyz") == 0)
			json_object_set_new(responses, "503",
					    json_pack("{s:s, s:o}", "description", "not ready", "content",
						      content(r->response_schema)));
		json_t *op = json_pack("{s:s, s:[s], s:s, s:o}", "summary", r->summary, "tags", r->tag, "operationId", opid,
				       "responses", responses);
		json_object_set_new(op, "security",
				    r->auth == ES_ROUTE_PUBLIC ? json_array()
							       : json_pack("[{s:[]}, {s:[]}]", "session", "apiKey"));
		if (r->action)
			json_object_set_new(op, "x-eseal-action", json_string(es_platform_action_name((es_action)r->action)));
		json_object_set_new(op, "x-eseal-max-body", json_integer((json_int_t)r->max_body));
		/* path parameters */
		json_t *params = json_array();
		const char *p = r->pattern;
		while ((p = strchr(p, '{'))) {
			const char *e = strchr(p, '}');
			if (!e)
				break;
			json_array_append_new(params, json_pack("{s:s%, s:s, s:b, s:{s:s}}", "name", p + 1, (size_t)(e - p - 1),
								"in", "path", "required", 1, "schema", "type", "string"));
			p = e;
		}
		if (json_array_size(params))
			json_object_set_new(op, "parameters", params);
		else
			json_decref(params);
		if (r->request_schema)
			json_object_set_new(op, "requestBody",
					    json_pack("{s:b, s:o}", "required", 1, "content", request_content(r->request_schema)));
		json_object_set_new(item, method, op);
	}
	if (err < 0) {
		json_decref(paths);
		json_decref(schemas);
		return err;
	}
	json_t *responses = json_pack("{s:{s:s, s:o}}", "Error", "description",
				      "the one error shape: {\"error\": {\"code\", \"message\", \"request_id\"}}",
				      "content", content("Error"));
	json_t *doc = json_pack(
		"{s:s, s:{s:s, s:s, s:s, s:{s:s}}, s:o, s:{s:o, s:o, s:{s:{s:s, s:s, s:s}, s:{s:s, s:s}}}}", "openapi", "3.1.0",
		"info", "title", "eseal platform API", "version", "1", "description",
		"The provincial electronic-seal platform over HTTP (docs/server.md). Errors are "
		"{\"error\": {\"code\", \"message\", \"request_id\"}}; changes by a session need the X-CSRF-Token header.",
		"license", "name", "AGPL-3.0-or-later", "paths", paths, "components", "schemas", schemas, "responses", responses,
		"securitySchemes", "session", "type", "apiKey", "in", "cookie", "name", "eseal_session", "apiKey", "type",
		"http", "scheme", "bearer");
	if (!doc)
		return es_error_set(ES_ENOMEM, "out of memory");
	char *s = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(doc);
	if (!s)
		return es_error_set(ES_ENOMEM, "out of memory");
	err = es_buf_puts(out, s);
	if (err == 0)
		err = es_buf_puts(out, "\n");
	free(s);
	return err;
}
