/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Route handlers: read the request, call one platform function, reply. No
 * business logic here: the platform API decides (docs/server.md). */
#include "server.h"
#include "estime.h"
#include "text.h"
#include "eseal/es_seal.h"
#include "eseal/es_render.h"
#include <microhttpd.h>
#include <strings.h>

#define COOKIE "eseal_session"

/* ---- operations --------------------------------------------------------------------- */

int h_health(es_req *rq)
{
	json_t *v = json_pack("{s:s}", "status", "ok");
	int err = es_reply_json(rq, 200, v);
	json_decref(v);
	return err;
}

int h_ready(es_req *rq)
{
	int err = es_platform_ping(rq->p);
	json_t *v = err == 0 ? json_pack("{s:s}", "status", "ready")
			     : json_pack("{s:s, s:s}", "status", "not ready", "detail", es_error_last()->message);
	es_error_clear();
	int e2 = es_reply_json(rq, err == 0 ? 200 : 503, v);
	json_decref(v);
	return e2;
}

int h_metrics(es_req *rq)
{
	es_buf b = ES_BUF_INIT;
	int err = es_metrics_text(rq->srv, &b);
	if (err == 0)
		err = es_reply_text(rq, 200, "text/plain; version=0.0.4", b.ptr, b.len);
	es_buf_release(&b);
	return err;
}

int h_openapi(es_req *rq)
{
	es_buf b = ES_BUF_INIT;
	int err = es_openapi(&b);
	if (err == 0)
		err = es_reply_text(rq, 200, "application/json; charset=utf-8", b.ptr, b.len);
	es_buf_release(&b);
	return err;
}

static int reply_ok(es_req *rq)
{
	json_t *v = json_pack("{s:b}", "ok", 1);
	int err = es_reply_json(rq, 200, v);
	json_decref(v);
	return err;
}

/* ---- sessions ------------------------------------------------------------------------ */

json_t *es_session_json(const es_actor *a, const char *csrf)
{
	json_t *roles = json_array();
	for (unsigned b = 1; b <= ES_ROLE_SYSADMIN; b <<= 1)
		if ((es_actor_roles(a) & b) && es_role_name(b))
			json_array_append_new(roles, json_string(es_role_name(b)));
	json_t *v = json_pack("{s:I, s:s, s:o, s:o, s:s, s:s, s:b}", "account", (json_int_t)es_actor_account(a), "login",
			      es_actor_login(a), "roles", roles, "unit_id",
			      es_actor_unit(a) ? json_integer(es_actor_unit(a)) : json_null(), "region", es_actor_region(a),
			      "how", es_auth_kind_name(es_actor_how(a)), "must_change_password",
			      es_actor_must_change_password(a));
	if (v && csrf && csrf[0])
		json_object_set_new(v, "csrf_token", json_string(csrf));
	return v;
}

static const char *str_field(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

int es_session_start(es_req *rq, int err, es_actor *a)
{
	char token[ES_SESSION_TOKEN_LEN], csrf[ES_SESSION_TOKEN_LEN];
	if (err == ES_EAUTH)
		es_signin_failed(rq->srv, rq->client);
	if (err < 0)
		return err;
	if ((err = es_platform_session_open(rq->p, a, token, csrf)) == 0) {
		snprintf(rq->set_cookie, sizeof(rq->set_cookie), COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict%s", token,
			 rq->srv->secure_cookies ? "; Secure" : "");
		json_t *v = es_session_json(a, csrf);
		err = es_reply_json(rq, 200, v);
		json_decref(v);
	}
	rq->account = es_actor_account(a);
	es_actor_free(a);
	es_wipe(token, sizeof(token));
	es_wipe(csrf, sizeof(csrf));
	return err;
}

int h_session_open(es_req *rq)
{
	static const char *const fields[] = { "login", "password", NULL };
	json_t *body;
	es_actor *a = NULL;
	int err;
	if (!es_signin_allowed(rq->srv, rq->client)) {
		es_error_set(ES_ELIMIT, "too many sign-in attempts from this address: wait a minute");
		return 429;
	}
	if ((err = es_body_object(rq, &body, fields)) != 0)
		return err;
	const char *login = str_field(body, "login"), *pw = str_field(body, "password");
	if (!login || !pw) {
		json_decref(body);
		return es_error_set(ES_EINVAL, "give 'login' and 'password' as strings");
	}
	es_credential c = { .kind = ES_AUTH_PASSWORD, .login = login, .password = pw, .source_addr = rq->client };
	err = es_platform_authenticate(rq->p, &c, &a);
	json_decref(body); /* the password goes with it */
	return es_session_start(rq, err, a);
}

int h_session_get(es_req *rq)
{
	json_t *v = es_session_json(rq->actor, rq->csrf);
	int err = es_reply_json(rq, 200, v);
	json_decref(v);
	return err;
}

int h_session_close(es_req *rq)
{
	const char *tok = MHD_lookup_connection_value(rq->conn, MHD_COOKIE_KIND, COOKIE);
	int err = tok ? es_platform_session_close(rq->p, tok) : 0;
	if (err < 0)
		return err;
	snprintf(rq->set_cookie, sizeof(rq->set_cookie), COOKIE "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0%s",
		 rq->srv->secure_cookies ? "; Secure" : "");
	return reply_ok(rq);
}

int h_password(es_req *rq)
{
	static const char *const fields[] = { "login", "old_password", "new_password", NULL };
	json_t *body;
	int err;
	if (!es_signin_allowed(rq->srv, rq->client)) {
		es_error_set(ES_ELIMIT, "too many sign-in attempts from this address: wait a minute");
		return 429;
	}
	if ((err = es_body_object(rq, &body, fields)) != 0)
		return err;
	const char *login = str_field(body, "login"), *old = str_field(body, "old_password"),
		   *nw = str_field(body, "new_password");
	if (!login || !old || !nw)
		err = es_error_set(ES_EINVAL, "give 'login', 'old_password' and 'new_password' as strings");
	else
		err = es_platform_password_change(rq->p, login, old, nw);
	json_decref(body);
	if (err == ES_EAUTH)
		es_signin_failed(rq->srv, rq->client);
	if (err < 0)
		return err;
	return reply_ok(rq);
}

/* ---- public status ------------------------------------------------------------------- */

int h_seal_status(es_req *rq)
{
	const char *esid = rq->params[0], *at_s = es_query(rq, "at");
	es_time at = 0;
	es_status_info st;
	char when[32], since[32];
	int err;
	if (strlen(esid) != 14 || strspn(esid, "0123456789") != 14)
		return es_error_set(ES_EINVAL, "an esID is 14 digits");
	if (at_s && es_time_parse(&at, at_s) < 0)
		return es_error_set(ES_EINVAL, "'at' must be a time like 2026-01-31T08:00:00Z");
	if ((err = es_platform_seal_status_at(rq->p, esid, at, &st)) < 0)
		return err;
	es_time_iso(when, at ? at : es_time_now());
	es_time_iso(since, st.since);
	json_t *v = json_pack("{s:s, s:s, s:s, s:o, s:s}", "esid", esid, "status", es_seal_status_name(st.status), "at",
			      when, "since", st.since ? json_string(since) : json_null(), "reason", st.reason);
	err = es_reply_json(rq, 200, v);
	json_decref(v);
	return err;
}

/* ---- the read side ------------------------------------------------------------------- */

/* "/api/v1/seals/..." → the record kind of the path's third segment. */
static int kind_of(es_req *rq)
{
	static const struct {
		const char *seg;
		es_record_kind kind;
	} map[] = {
		{ "applications", ES_REC_APPLICATION }, { "seals", ES_REC_SEAL },     { "units", ES_REC_UNIT },
		{ "people", ES_REC_PERSON },            { "accounts", ES_REC_ACCOUNT }, { "regions", ES_REC_REGION },
		{ "use-requests", ES_REC_USE_REQUEST }, { "usage", ES_REC_USAGE },    { "audit", ES_REC_AUDIT },
		{ "outbox", ES_REC_OUTBOX },            { "api-keys", ES_REC_API_KEY },
		{ "jobs", ES_REC_JOB },                 { "webhooks", ES_REC_WEBHOOK },
	};
	const char *seg = rq->route->pattern + strlen("/api/v1/");
	size_t n = strcspn(seg, "/");
	for (size_t i = 0; i < ES_ARRAY_LEN(map); i++)
		if (strlen(map[i].seg) == n && memcmp(map[i].seg, seg, n) == 0)
			return (int)map[i].kind;
	return -1;
}

typedef struct qcheck {
	const char *const *allowed;
	const char *bad;
} qcheck;

static const char *const list_params[] = { "limit", "after", "state", "business", "unit", "office", "batch",
					   "waiting_for_me", "kind", "expiring_days", "holder", "esid", "from", "to",
					   "object", "by", NULL };

static enum MHD_Result check_param(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	(void)kind;
	(void)value;
	qcheck *q = cls;
	for (size_t i = 0; q->allowed[i]; i++)
		if (strcmp(q->allowed[i], key) == 0)
			return MHD_YES;
	q->bad = key;
	return MHD_NO;
}

int es_query_known(es_req *rq, const char *const *allowed)
{
	qcheck qc = { allowed, NULL };
	MHD_get_connection_values(rq->conn, MHD_GET_ARGUMENT_KIND, check_param, &qc);
	if (!qc.bad)
		return 0;
	char names[256] = "none";
	for (size_t i = 0, n = 0; allowed[i] && n < sizeof(names); i++)
		n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s", i ? ", " : "", allowed[i]);
	return es_error_set(ES_EINVAL, "unknown query parameter '%.40s': this route takes %s", qc.bad, names);
}

int es_query_int(es_req *rq, const char *key, int64_t lo, int64_t hi, int64_t *out)
{
	const char *v = es_query(rq, key);
	if (!v)
		return 0;
	char *end;
	long long n = strtoll(v, &end, 10);
	/* digits, with a minus where negatives are allowed: no spaces nor plus signs before them */
	if (!*v || *end || n < lo || n > hi || v[0] == ' ' || v[0] == '+' || v[0] == '\t')
		return es_error_set(ES_EINVAL, "query parameter '%s' must be a number %lld-%lld", key, (long long)lo,
				    (long long)hi);
	*out = n;
	return 0;
}

static int time_param(es_req *rq, const char *key, es_time *out)
{
	const char *v = es_query(rq, key);
	if (v && es_time_parse(out, v) < 0)
		return es_error_set(ES_EINVAL, "query parameter '%s' must be a time like 2026-01-31T08:00:00Z", key);
	return 0;
}

int h_list(es_req *rq)
{
	int kind = kind_of(rq);
	es_list_query q = ES_LIST_QUERY_INIT;
	int64_t limit = 0, unit = 0, batch = 0, days = 0, holder = 0, by = -1;
	int err;
	if (kind < 0)
		return es_error_set(ES_EINTERNAL, "route without a record kind");
	if ((err = es_query_known(rq, list_params)) < 0 || (err = es_query_int(rq, "limit", 1, ES_LIST_LIMIT_MAX, &limit)) < 0 ||
	    (err = es_query_int(rq, "unit", 1, INT64_MAX, &unit)) < 0 ||
	    (err = es_query_int(rq, "batch", 1, INT64_MAX, &batch)) < 0 ||
	    (err = es_query_int(rq, "expiring_days", 1, 3650, &days)) < 0 ||
	    (err = es_query_int(rq, "holder", 1, INT64_MAX, &holder)) < 0 ||
	    (err = es_query_int(rq, "by", 0, INT64_MAX, &by)) < 0 ||
	    (err = time_param(rq, "from", &q.from)) < 0 || (err = time_param(rq, "to", &q.to)) < 0)
		return err;
	const char *w = es_query(rq, "waiting_for_me");
	if (w && strcmp(w, "true") != 0 && strcmp(w, "false") != 0)
		return es_error_set(ES_EINVAL, "query parameter 'waiting_for_me' must be true or false");
	q.limit = (unsigned)limit;
	q.unit = unit;
	q.batch = batch;
	q.expiring_days = (int)days;
	q.holder = holder;
	q.by = by;
	q.after = es_query(rq, "after");
	q.state = es_query(rq, "state");
	q.business = es_query(rq, "business");
	q.office = es_query(rq, "office");
	q.seal_kind = es_query(rq, "kind");
	q.esid = es_query(rq, "esid");
	q.object = es_query(rq, "object");
	q.waiting_for_me = w && strcmp(w, "true") == 0;
	es_buf b = ES_BUF_INIT;
	if ((err = es_platform_list(rq->p, rq->actor, (es_record_kind)kind, &q, &b)) == 0)
		err = es_reply_text(rq, 200, "application/json; charset=utf-8", b.ptr, b.len);
	es_buf_release(&b);
	return err;
}

/* One record as the read side writes it (es_platform_get), the caller's view of it. */
int es_reply_record(es_req *rq, unsigned status, es_record_kind kind, const char *id)
{
	es_buf b = ES_BUF_INIT;
	int err = es_platform_get(rq->p, rq->actor, kind, id, &b);
	if (err == 0)
		err = es_reply_text(rq, status, "application/json; charset=utf-8", b.ptr, b.len);
	es_buf_release(&b);
	return err;
}

int h_get(es_req *rq)
{
	int kind = kind_of(rq);
	if (kind < 0)
		return es_error_set(ES_EINTERNAL, "route without a record kind");
	return es_reply_record(rq, 200, (es_record_kind)kind, rq->params[0]);
}

int es_req_id(es_req *rq, int64_t *out)
{
	const char *s = rq->params[0];
	char *end;
	long long v = strtoll(s, &end, 10);
	if (!*s || *end || v <= 0)
		return es_error_set(ES_ENOTFOUND, "no such record '%.24s'", s);
	*out = v;
	return 0;
}

int h_impression(es_req *rq)
{
	int64_t app;
	es_buf b = ES_BUF_INIT;
	char type[24];
	int err;
	if ((err = es_req_id(rq, &app)) < 0)
		return err;
	if ((err = es_platform_app_impression(rq->p, rq->actor, app, &b, type, sizeof(type))) == 0)
		err = es_reply_text(rq, 200, "image/png", b.ptr, b.len);
	es_buf_release(&b);
	return err;
}

int h_attachment(es_req *rq)
{
	int64_t id;
	es_buf b = ES_BUF_INIT;
	char name[256], kind[64];
	int err;
	if ((err = es_req_id(rq, &id)) < 0)
		return err;
	if ((err = es_platform_attachment_get(rq->p, rq->actor, id, &b, name, sizeof(name), kind, sizeof(kind))) == 0) {
		/* a download, never rendered in the console's origin */
		snprintf(rq->extra_header[0], sizeof(rq->extra_header[0]), "Content-Disposition: attachment; filename=\"attachment-%lld\"",
			 (long long)id);
		err = es_reply_text(rq, 200, "application/octet-stream", b.ptr, b.len);
	}
	es_buf_release(&b);
	return err;
}

/* ---- applications ---------------------------------------------------------------------- */

static int reply_record(es_req *rq, unsigned status, es_record_kind kind, int64_t id)
{
	char s[24];
	snprintf(s, sizeof(s), "%lld", (long long)id);
	return es_reply_record(rq, status, kind, s);
}

/* The form's fields from the JSON body into @p f (a new form, or the changes of an edit: absent stays 0). */
static int app_form_parse(json_t *b, es_app_form *f, bool edit)
{
	const char *biz = str_field(b, "business"), *kind = str_field(b, "seal_kind"), *func = str_field(b, "seal_function");
	if (!edit)
		f->business = biz ? es_business_parse(biz) : ES_BIZ_APPLY;
	f->kind = kind ? es_seal_kind_from_name(kind) : edit ? 0 : ES_KIND_OFFICIAL;
	f->function = func && *func ? es_seal_function_from_name(func) : 0;
	f->unit_id = json_integer_value(json_object_get(b, "unit_id"));
	f->seal_name = str_field(b, "seal_name");
	json_int_t w = json_integer_value(json_object_get(b, "width_mm")), h = json_integer_value(json_object_get(b, "height_mm"));
	bool has_w = json_object_get(b, "width_mm") != NULL, has_h = json_object_get(b, "height_mm") != NULL;
	f->width_mm = w > 0 && w < 1000 ? (unsigned)w : 0;
	f->height_mm = h > 0 && h < 1000 ? (unsigned)h : 0;
	f->holder_person = json_integer_value(json_object_get(b, "holder_person"));
	f->handler_name = str_field(b, "handler_name");
	f->handler_mobile = str_field(b, "handler_mobile");
	f->handler_id = str_field(b, "handler_id");
	f->target_esid = str_field(b, "target_esid");
	f->reason = str_field(b, "reason");
	f->multi_cert_reason = str_field(b, "multi_cert_reason");
	f->batch_id = json_integer_value(json_object_get(b, "batch_id"));
	if (f->business < 0)
		return es_error_set(ES_EINVAL, "unknown business '%.32s': apply, renew, change, revoke, loss, reissue, pin-unlock, reenable", biz);
	if (kind && f->kind <= 0)
		return es_error_set(ES_EINVAL, "unknown seal_kind '%.32s'", kind);
	if (func && *func && f->function <= 0)
		return es_error_set(ES_EINVAL, "unknown seal_function '%.32s'", func);
	if (edit && ((has_w && !f->width_mm) || (has_h && !f->height_mm)))
		return es_error_set(ES_EINVAL, "seal width and length must be 1-80 mm (measure the physical impression)");
	return 0;
}

/* The body of an application: JSON, or multipart with the JSON in 'form' and the impression. */
static int app_body(es_req *rq, const char *const *fields, json_t **b, es_app_form *f)
{
	if (rq->multipart) {
		const char *form = es_upload_text(&rq->upload, "form");
		int err = es_body_parse((const uint8_t *)form, strlen(form), "application/json", fields, b);
		(void)es_upload_file(&rq->upload, "impression", &f->impression, &f->impression_len, NULL);
		return err;
	}
	return es_body_object(rq, b, fields);
}

/* The fields of a new application's form (ApplicationForm). */
static const char *const app_create_fields[] = { "business",     "unit_id",       "seal_kind",   "seal_function", "seal_name",
					      "width_mm",     "height_mm",     "holder_person", "handler_name", "handler_mobile",
					      "handler_id",   "target_esid",   "reason",      "multi_cert_reason", "batch_id",
					      NULL };

int h_app_create(es_req *rq)
{
	json_t *b;
	int err;
	es_app_form f = ES_APP_FORM_INIT;
	if ((err = app_body(rq, app_create_fields, &b, &f)) != 0)
		return err;
	int64_t id = 0;
	if ((err = app_form_parse(b, &f, false)) == 0)
		err = es_platform_app_create(rq->p, rq->actor, &f, &id);
	json_decref(b);
	if (err < 0)
		return err;
	json_t *v = json_pack("{s:I}", "id", (json_int_t)id);
	err = es_reply_json(rq, 201, v);
	json_decref(v);
	return err;
}

/* The batch form (FG 四): up to ES_APP_BATCH_MAX forms of one unit in one transaction. */
#define ES_APP_BATCH_MAX 100
int h_app_batch(es_req *rq)
{
	static const char *const fields[] = { "forms", NULL };
	json_t *b, *forms;
	es_app_form f[ES_APP_BATCH_MAX];
	int64_t ids[ES_APP_BATCH_MAX], batch = 0;
	int err = es_body_object(rq, &b, fields);
	if (err != 0)
		return err;
	forms = json_object_get(b, "forms");
	size_t n = json_array_size(forms);
	if (!json_is_array(forms) || n == 0)
		err = es_error_set(ES_EINVAL, "'forms' must be a non-empty array of application forms");
	else if (n > ES_APP_BATCH_MAX)
		err = es_error_set(ES_ELIMIT, "a batch holds at most %d forms (got %zu): split it", ES_APP_BATCH_MAX, n);
	for (size_t i = 0; err == 0 && i < n; i++) {
		json_t *o = json_array_get(forms, i);
		char where[32];
		snprintf(where, sizeof(where), "forms[%zu]", i);
		f[i] = (es_app_form)ES_APP_FORM_INIT;
		if (!json_is_object(o))
			err = es_error_set(ES_EINVAL, "%s is not an object", where);
		else if ((err = es_json_known_fields(o, app_create_fields, where)) == 0 &&
			 (err = app_form_parse(o, &f[i], false)) < 0)
			err = es_error_wrap(err, "%s", where);
	}
	if (err == 0)
		err = es_platform_app_batch(rq->p, rq->actor, f, n, &batch, ids);
	json_decref(b);
	if (err < 0)
		return err;
	json_t *list = json_array();
	for (size_t i = 0; list && i < n; i++)
		json_array_append_new(list, json_integer(ids[i]));
	json_t *v = json_pack("{s:I, s:o}", "batch_id", (json_int_t)batch, "ids", list);
	err = es_reply_json(rq, 201, v);
	json_decref(v);
	return err;
}

/* The standard impression a form would get, before it is filed (ImpressionPreview): a PNG. */
int h_impression_preview(es_req *rq)
{
	static const char *const fields[] = { "unit_id", "seal_kind", "seal_function", "seal_name", "width_mm", "height_mm",
					      NULL };
	json_t *b;
	es_app_form f = ES_APP_FORM_INIT;
	es_buf png = ES_BUF_INIT;
	int err = es_body_object(rq, &b, fields);
	if (err != 0)
		return err;
	if ((err = app_form_parse(b, &f, false)) == 0)
		err = es_platform_impression_preview(rq->p, rq->actor, f.unit_id, f.kind, f.function, f.seal_name,
						     f.width_mm, f.height_mm, &png);
	json_decref(b);
	if (err == 0)
		err = es_reply_text(rq, 200, "image/png", png.ptr, png.len);
	es_buf_release(&png);
	return err;
}

/*
 * The impression lifted from a scan (PNG or JPEG body, ?dpi= when the file has none), as
 * `eseal image import` lifts it: a transparent PNG cropped to the ink, its size in mm and its
 * shape in X-Eseal-Impression-Mm and X-Eseal-Impression-Shape. Nothing is stored.
 */
int h_impression_extract(es_req *rq)
{
	const char *type = es_header(rq, "Content-Type"), *dpi = es_query(rq, "dpi");
	es_image_import_options o = ES_IMAGE_IMPORT_OPTIONS_INIT;
	es_image_import_result r;
	es_buf png = ES_BUF_INIT;
	int err;
	if (!type || (strncasecmp(type, "image/png", 9) != 0 && strncasecmp(type, "image/jpeg", 10) != 0)) {
		es_error_set(ES_ENOTSUPPORTED, "send the scan as Content-Type: image/png or image/jpeg");
		return 415;
	}
	if (dpi) {
		char *end;
		long v = strtol(dpi, &end, 10);
		if (*dpi < '0' || *dpi > '9' || *end || v < 50 || v > 2400)
			return es_error_set(ES_EINVAL, "'dpi' is the scan's resolution, 50-2400");
		o.dpi = (unsigned)v;
	}
	if ((err = es_image_import(&png, &r, rq->body.ptr, rq->body.len, &o)) < 0) {
		es_buf_release(&png);
		if (err == ES_ENOTFOUND)
			return es_error_wrap(err, "no red seal ink in this scan: scan the stamped paper in colour");
		return err;
	}
	snprintf(rq->extra_header[0], sizeof(rq->extra_header[0]), "X-Eseal-Impression-Mm: %.1f %.1f", r.width_mm,
		 r.height_mm);
	snprintf(rq->extra_header[1], sizeof(rq->extra_header[1]), "X-Eseal-Impression-Shape: %s",
		 es_render_shape_name(r.shape));
	snprintf(rq->extra_header[2], sizeof(rq->extra_header[2]), "X-Eseal-Impression-Dpi: %u %s", r.dpi,
		 r.dpi_source == ES_DPI_OPTION ? "given" : r.dpi_source == ES_DPI_METADATA ? "file" : "assumed");
	err = es_reply_text(rq, 200, "image/png", png.ptr, png.len);
	es_buf_release(&png);
	return err;
}

int h_app_batch_summary(es_req *rq)
{
	int64_t id;
	es_buf b = ES_BUF_INIT;
	int err;
	if ((err = es_req_id(rq, &id)) < 0)
		return err;
	if ((err = es_platform_batch_summary(rq->p, rq->actor, id, &b)) == 0)
		err = es_reply_text(rq, 200, "application/json; charset=utf-8", b.ptr, b.len);
	es_buf_release(&b);
	return err;
}

int h_app_edit(es_req *rq)
{
	static const char *const fields[] = { "seal_kind",    "seal_function", "seal_name",   "width_mm",
					      "height_mm",    "holder_person", "handler_name", "handler_mobile",
					      "handler_id",   "target_esid",   "reason",       "multi_cert_reason", NULL };
	int64_t app;
	json_t *b;
	int err;
	es_app_form f;
	memset(&f, 0, sizeof(f));
	if ((err = es_req_id(rq, &app)) < 0 || (err = app_body(rq, fields, &b, &f)) != 0)
		return err;
	if ((err = app_form_parse(b, &f, true)) == 0)
		err = es_platform_app_edit(rq->p, rq->actor, app, &f);
	json_decref(b);
	if (err < 0)
		return err;
	return reply_record(rq, 200, ES_REC_APPLICATION, app);
}

int h_app_step(es_req *rq)
{
	int64_t app;
	int err;
	char esid[15];
	if ((err = es_req_id(rq, &app)) < 0)
		return err;
	if (rq->body.len)
		return es_error_set(ES_EINVAL, "this step takes no body");
	const char *verb = strrchr(rq->route->pattern, '/') + 1;
	const es_actor *me = rq->actor;
	if (strcmp(verb, "submit") == 0)
		err = es_platform_app_submit(rq->p, me, app);
	else if (strcmp(verb, "forward") == 0)
		err = es_platform_app_forward(rq->p, me, app);
	else if (strcmp(verb, "check") == 0)
		err = es_platform_app_check(rq->p, me, app);
	else if (strcmp(verb, "make") == 0)
		err = es_platform_app_make(rq->p, me, app, esid);
	else if (strcmp(verb, "file") == 0)
		err = es_platform_app_file(rq->p, me, app);
	else if (strcmp(verb, "deliver") == 0)
		err = es_platform_app_deliver(rq->p, me, app);
	else
		err = es_error_set(ES_EINTERNAL, "no step '%s'", verb);
	if (err < 0)
		return err;
	return reply_record(rq, 200, ES_REC_APPLICATION, app);
}

int h_app_review(es_req *rq)
{
	static const char *const fields[] = { "approve", "reason", NULL };
	int64_t app;
	json_t *b;
	int err;
	if ((err = es_req_id(rq, &app)) < 0 || (err = es_body_object(rq, &b, fields)) != 0)
		return err;
	json_t *ap = json_object_get(b, "approve");
	if (!json_is_boolean(ap))
		err = es_error_set(ES_EINVAL, "'approve' must be true or false");
	else
		err = es_platform_app_review(rq->p, rq->actor, app, json_is_true(ap), str_field(b, "reason"));
	json_decref(b);
	if (err < 0)
		return err;
	return reply_record(rq, 200, ES_REC_APPLICATION, app);
}

/* ---- accounts --------------------------------------------------------------------------- */

int h_account_otp(es_req *rq)
{
	char otp[ES_OTP_LEN + 1];
	int err = es_platform_account_otp(rq->p, rq->actor, rq->params[0], otp);
	if (err < 0)
		return err;
	json_t *v = json_pack("{s:s, s:s}", "login", rq->params[0], "one_time_password", otp);
	es_wipe(otp, sizeof(otp));
	err = es_reply_json(rq, 200, v);
	json_decref(v);
	return err;
}

int h_api_key_create(es_req *rq)
{
	static const char *const fields[] = { "login", "name", "expires", "scope", "allow_from", NULL };
	json_t *b;
	int err;
	char key[ES_API_KEY_MAX];
	int64_t id = 0;
	if ((err = es_body_object(rq, &b, fields)) != 0)
		return err;
	es_api_key_spec s = { str_field(b, "login"), str_field(b, "name"), 0, 0, str_field(b, "allow_from") };
	const char *exp = str_field(b, "expires"), *scope = str_field(b, "scope");
	if (!s.login || !s.name || !exp)
		err = es_error_set(ES_EINVAL, "give 'login', 'name' and 'expires'");
	else if (es_time_parse(&s.expires, exp) < 0)
		err = es_error_set(ES_EINVAL, "'expires' must be a time like 2027-01-31T00:00:00Z");
	else if (scope && (err = es_scope_parse(scope, &s.scope)) < 0)
		;
	else
		err = es_platform_api_key_create(rq->p, rq->actor, &s, key, &id);
	json_decref(b);
	if (err < 0)
		return err;
	json_t *v = json_pack("{s:I, s:s}", "id", (json_int_t)id, "key", key);
	es_wipe(key, sizeof(key));
	/* 201: a new member of a collection listed by GET /api/v1/api-keys */
	err = es_reply_json(rq, 201, v);
	json_decref(v);
	return err;
}

int h_api_key_revoke(es_req *rq)
{
	int64_t id;
	int err;
	if ((err = es_req_id(rq, &id)) < 0 || (err = es_platform_api_key_revoke(rq->p, rq->actor, id)) < 0)
		return err;
	return reply_ok(rq);
}

/* ---- records, seals, use ----------------------------------------------------------------- */

static int reply_created(es_req *rq, int64_t id)
{
	json_t *v = json_pack("{s:I}", "id", (json_int_t)id);
	int err = es_reply_json(rq, 201, v);
	json_decref(v);
	return err;
}

int h_region_add(es_req *rq)
{
	static const char *const fields[] = { "code", "name", NULL };
	json_t *b;
	int err;
	if ((err = es_body_object(rq, &b, fields)) != 0)
		return err;
	const char *code = str_field(b, "code"), *name = str_field(b, "name");
	char id[8] = "";
	if (!code || !name)
		err = es_error_set(ES_EINVAL, "give 'code' and 'name'");
	else if ((err = es_platform_region_add(rq->p, rq->actor, code, name)) == 0)
		snprintf(id, sizeof(id), "%s", code);
	json_decref(b);
	return err < 0 ? err : es_reply_record(rq, 201, ES_REC_REGION, id);
}

int h_unit_add(es_req *rq)
{
	static const char *const fields[] = { "name", "credit_code", "region", "superior", "legal_rep", NULL };
	json_t *b;
	int err;
	int64_t id = 0;
	if ((err = es_body_object(rq, &b, fields)) != 0)
		return err;
	es_unit_info u = { str_field(b, "name"), str_field(b, "credit_code"), str_field(b, "region"),
			   json_integer_value(json_object_get(b, "superior")), str_field(b, "legal_rep") };
	if (!u.name || !u.credit_code || !u.region)
		err = es_error_set(ES_EINVAL, "give 'name', 'credit_code' and 'region'");
	else
		err = es_platform_unit_add(rq->p, rq->actor, &u, &id);
	json_decref(b);
	return err < 0 ? err : reply_created(rq, id);
}

int h_person_add(es_req *rq)
{
	static const char *const fields[] = { "name", "resident_id", "mobile", "unit_id", NULL };
	json_t *b;
	int err;
	int64_t id = 0;
	if ((err = es_body_object(rq, &b, fields)) != 0)
		return err;
	const char *name = str_field(b, "name"), *rid = str_field(b, "resident_id");
	if (!name || !rid)
		err = es_error_set(ES_EINVAL, "give 'name' and 'resident_id'");
	else
		err = es_platform_person_add(rq->p, rq->actor, name, rid, str_field(b, "mobile"),
					     json_integer_value(json_object_get(b, "unit_id")), &id);
	json_decref(b);
	return err < 0 ? err : reply_created(rq, id);
}

#define ROLE_NAMES "applicant, maker, reviewer, unit-admin, use-approver, auditor, sysadmin"

/* The role bits of the body's "roles" (a list of role names); 0 if it is not one. */
static unsigned roles_field(json_t *b)
{
	json_t *roles = json_object_get(b, "roles"), *r;
	unsigned bits = 0;
	size_t i;
	if (!json_is_array(roles))
		return 0;
	json_array_foreach(roles, i, r)
	{
		unsigned bit = json_is_string(r) ? es_role_parse(json_string_value(r)) : 0;
		if (!bit)
			return 0;
		bits |= bit;
	}
	return bits;
}

/*
 * PATCH /api/v1/accounts/{id}: a system administrator replaces an account's roles and
 * disables it or enables it again (each audited). Both are checked before either is done.
 */
int h_account_edit(es_req *rq)
{
	static const char *const fields[] = { "roles", "disabled", NULL };
	json_t *b;
	char login[65]; /* the platform keeps logins to 64 bytes */
	int64_t id;
	int err;
	if ((err = es_req_id(rq, &id)) < 0 || (err = es_body_object(rq, &b, fields)) != 0)
		return err;
	json_t *disabled = json_object_get(b, "disabled");
	unsigned bits = roles_field(b);
	if (!json_object_get(b, "roles") && !disabled)
		err = es_error_set(ES_EINVAL, "give 'roles' (a list of: " ROLE_NAMES ") or 'disabled' (true or false)");
	else if (json_object_get(b, "roles") && !bits)
		err = es_error_set(ES_EINVAL, "'roles' must be a list of: " ROLE_NAMES);
	else if (disabled && !json_is_boolean(disabled))
		err = es_error_set(ES_EINVAL, "'disabled' must be true or false");
	else
		err = es_platform_account_login(rq->p, id, login, sizeof(login));
	/* an account is enabled before its roles change, and disabled after */
	if (err == 0 && json_is_false(disabled))
		err = es_platform_account_disable(rq->p, rq->actor, login, false);
	if (err == 0 && bits)
		err = es_platform_account_set_roles(rq->p, rq->actor, login, bits);
	if (err == 0 && json_is_true(disabled))
		err = es_platform_account_disable(rq->p, rq->actor, login, true);
	json_decref(b);
	return err < 0 ? err : es_reply_record(rq, 200, ES_REC_ACCOUNT, rq->params[0]);
}

int h_account_add(es_req *rq)
{
	static const char *const fields[] = { "login", "roles", "unit_id", "region", NULL };
	json_t *b;
	int err;
	int64_t id = 0;
	char otp[ES_OTP_LEN + 1] = "";
	if ((err = es_body_object(rq, &b, fields)) != 0)
		return err;
	const char *login = str_field(b, "login");
	unsigned bits = roles_field(b);
	if (!login || !bits)
		err = es_error_set(ES_EINVAL, "give 'login' and 'roles', a list of: " ROLE_NAMES);
	else if ((err = es_platform_account_add(rq->p, rq->actor, login, bits,
						json_integer_value(json_object_get(b, "unit_id")), str_field(b, "region"),
						&id)) == 0)
		err = es_platform_account_otp(rq->p, rq->actor, login, otp);
	json_t *v = err == 0 ? json_pack("{s:s, s:s}", "login", login, "one_time_password", otp) : NULL;
	json_decref(b);
	es_wipe(otp, sizeof(otp));
	if (err < 0)
		return err;
	err = es_reply_json(rq, 201, v);
	json_decref(v);
	return err;
}

int h_seal_confirm(es_req *rq)
{
	int err = es_platform_seal_confirm(rq->p, rq->actor, rq->params[0]);
	return err < 0 ? err : es_reply_record(rq, 200, ES_REC_SEAL, rq->params[0]);
}

int h_use_request(es_req *rq)
{
	static const char *const fields[] = { "esid", "doc_sm3", "purpose", NULL };
	json_t *b;
	int err;
	int64_t id = 0;
	uint8_t h[32];
	if ((err = es_body_object(rq, &b, fields)) != 0)
		return err;
	const char *esid = str_field(b, "esid"), *purpose = str_field(b, "purpose");
	if (!esid || !purpose)
		err = es_error_set(ES_EINVAL, "give 'esid', 'doc_sm3' and 'purpose'");
	else if (!str_field(b, "doc_sm3") ||
		 es_unhex(h, 32, str_field(b, "doc_sm3"), strlen(str_field(b, "doc_sm3")), false) < 0)
		err = es_error_set(ES_EINVAL, "'doc_sm3' must be the document's SM3 as 64 lower-case hex digits");
	else
		err = es_platform_use_request(rq->p, rq->actor, esid, h, purpose, &id);
	json_decref(b);
	return err < 0 ? err : reply_created(rq, id);
}

int h_use_decide(es_req *rq)
{
	static const char *const fields[] = { "reason", NULL };
	json_t *b = NULL;
	int64_t id;
	int err;
	if ((err = es_req_id(rq, &id)) < 0)
		return err;
	if (rq->body.len && (err = es_body_object(rq, &b, fields)) != 0)
		return err;
	bool approve = strcmp(strrchr(rq->route->pattern, '/') + 1, "approve") == 0;
	err = es_platform_use_decide(rq->p, rq->actor, id, approve, b ? str_field(b, "reason") : NULL);
	json_decref(b);
	if (err < 0)
		return err;
	return reply_record(rq, 200, ES_REC_USE_REQUEST, id);
}
