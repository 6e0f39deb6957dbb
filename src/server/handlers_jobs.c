/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Batch sealing jobs over HTTP (docs/batch-jobs.md): a zip of documents in, the job's
 * progress, its run, the results as a zip. Each handler reads the request and calls one
 * platform function (es_jobs.h): the platform decides who may do what.
 */
#include "handlers_sign.h"
#include "eseal/es_jobs.h"
#include "eseal/es_webhooks.h"
#include <microhttpd.h>
#include <strings.h>

/* A results zip can be as large as a job's documents, and a little more per document. */
#define RESULTS_REPLY_MAX (ES_JOB_MAX_TOTAL + ((size_t)256 << 20))

static int reply_job(es_req *rq, unsigned status, int64_t job)
{
	es_buf js = ES_BUF_INIT;
	int err = es_platform_job_json(rq->p, rq->actor, job, &js);
	if (err == 0)
		err = es_reply_text(rq, status, "application/json", js.ptr, js.len);
	es_buf_release(&js);
	return err;
}

static const char *const job_fields[] = { "documents", "esid",	   "use_request", "placement", "page",   "x_mm",
					  "y_mm",      "width_mm", "height_mm",   "keyword",   "reason", NULL };

int h_job_create(es_req *rq)
{
	es_part parts[ES_MULTIPART_MAX_PARTS];
	size_t n = 0;
	char esid[16];
	unsigned long long request = 0;
	es_job_docs docs;
	int64_t job = 0;
	int err;
	const char *type = es_header(rq, "Content-Type");
	if (!type || strncasecmp(type, "multipart/form-data", 19) != 0) {
		es_error_set(ES_ENOTSUPPORTED, "send the zip of documents and the fields as multipart/form-data "
					       "(curl -F documents=@FILE.zip -F esid=...)");
		return 415;
	}
	if ((err = es_multipart_parse(rq->body.ptr, rq->body.len, type, parts, ES_ARRAY_LEN(parts), &n)) < 0)
		return err;
	if ((err = es_form_known(parts, n, job_fields)) < 0)
		return err;
	const es_part *zip = es_multipart_get(parts, n, "documents");
	const es_part *f_esid = es_multipart_get(parts, n, "esid");
	if (!zip || !f_esid)
		return es_error_set(ES_EINVAL, "give the fields 'documents' (a zip of OFD and PDF files) and 'esid'");
	es_seal_document_options so = ES_SEAL_DOCUMENT_OPTIONS_INIT;
	es_form_place_text pt;
	if ((err = es_form_text(f_esid, "esid", esid, sizeof(esid))) < 0 ||
	    (err = es_form_uint(parts, n, "use_request", INT64_MAX, &request)) < 0 ||
	    (err = es_form_placement(parts, n, &so, &pt)) < 0)
		return err;
	es_job_options o = ES_JOB_OPTIONS_INIT;
	o.esid = esid;
	o.request = (int64_t)request;
	o.place = so.place;
	o.page = so.page;
	o.x_mm = so.x_mm;
	o.y_mm = so.y_mm;
	o.w_mm = so.w_mm;
	o.h_mm = so.h_mm;
	o.keyword = so.keyword;
	o.reason = so.reason;
	if ((err = es_sign_key_may_use(rq, esid)) < 0)
		return err;
	if ((err = es_job_docs_from_zip(&docs, zip->data.ptr, zip->data.len)) < 0)
		return err;
	err = es_platform_job_create(rq->p, rq->actor, &o, docs.v, docs.n, &job, NULL);
	es_job_docs_free(&docs);
	if (err < 0)
		return err;
	snprintf(rq->extra_header[0], sizeof(rq->extra_header[0]), "Location: /api/v1/jobs/%lld", (long long)job);
	return reply_job(rq, 201, job);
}

/*
 * GET /api/v1/jobs/{id}[?wait=S&since=N]: the job now; with wait, a long-poll that answers
 * when the job's finished items (done + failed + cancelled) pass N, when it ends, or after S
 * seconds (at most ES_JOB_WAIT_MAX) with the job as it is. The request waits parked in
 * jobs_bg.c, which reads the progress from the store: the job may run on any node.
 */
int h_job_get(es_req *rq)
{
	int64_t job;
	static const char *const params[] = { "wait", "since", NULL };
	int64_t wait = 0, since = 0;
	es_job_info info;
	int err = es_req_id(rq, &job);
	if (err < 0)
		return err;
	if ((err = es_query_known(rq, params)) < 0 || (err = es_query_int(rq, "wait", 0, ES_JOB_WAIT_MAX, &wait)) < 0 ||
	    (err = es_query_int(rq, "since", 0, ES_JOB_MAX_ITEMS, &since)) < 0)
		return err;
	if (es_query(rq, "since") && !es_query(rq, "wait"))
		return es_error_set(ES_EINVAL, "'since' goes with 'wait' (seconds to wait for progress past it)");
	if (wait > 0 && !atomic_load(&rq->woken)) {
		/* the caller may read it (404 / 403 now, not after the wait) */
		if ((err = es_platform_job_get(rq->p, rq->actor, job, &info)) < 0)
			return err;
		bool open = strcmp(info.state, "queued") == 0 || strcmp(info.state, "running") == 0;
		if (open && info.done + info.failed + info.cancelled <= since) {
			rq->park_job = job;
			rq->park_since = since;
			rq->park_wait = (unsigned)wait;
			return 0; /* no answer yet: server.c parks the request */
		}
	}
	return reply_job(rq, 200, job);
}

/*
 * GET /api/v1/jobs/{id}/events: Server-Sent Events of the job's progress (jobs_bg.c). A
 * "progress" event now and at each change (data: the job's counters and state, id: its
 * finished count), an "end" event when the job ends, after ES_JOB_SSE_MAX seconds or at a
 * stop; a comment every ES_JOB_SSE_BEAT seconds while nothing changes.
 */
int h_job_events(es_req *rq)
{
	int64_t job;
	int err;
	if ((err = es_req_id(rq, &job)) < 0 || (err = es_platform_job_get(rq->p, rq->actor, job, &rq->sse_info)) < 0)
		return err;
	if (!rq->srv->jobs)
		return es_error_set(ES_ESTATE, "the server is stopping: reconnect to another node or in a moment");
	rq->sse_job = job;
	snprintf(rq->extra_header[0], sizeof(rq->extra_header[0]), "X-Accel-Buffering: no");
	return es_reply_text(rq, 200, "text/event-stream; charset=utf-8", "", 0);
}

int h_job_authorise(es_req *rq)
{
	static const char *const fields[] = { "use_request", NULL };
	json_t *b = NULL;
	int64_t job;
	int err;
	if ((err = es_req_id(rq, &job)) < 0 || (err = es_body_object(rq, &b, fields)) != 0)
		return err;
	json_t *r = json_object_get(b, "use_request");
	err = json_is_integer(r) && json_integer_value(r) > 0
		      ? es_platform_job_authorise(rq->p, rq->actor, job, (int64_t)json_integer_value(r))
		      : es_error_set(ES_EINVAL, "'use_request' must be the id of the approved use request for the manifest");
	json_decref(b);
	return err < 0 ? err : reply_job(rq, 200, job);
}

int h_job_run(es_req *rq)
{
	static const char *const fields[] = { "pin", "reclaim", NULL };
	json_t *b = NULL;
	int64_t job;
	es_job_info info;
	es_job_run_result res;
	int err;
	if ((err = es_req_id(rq, &job)) < 0)
		return err;
	if (es_jobs_bg_stopping(rq->srv)) {
		/* a run that waited in the queue while the server began to stop: it starts no slice */
		snprintf(rq->extra_header[1], sizeof(rq->extra_header[1]), "Retry-After: 5");
		es_error_set(ES_ELIMIT, "the server is stopping: run the job again in a moment or on another node");
		return 503;
	}
	if (rq->body.len && (err = es_body_object(rq, &b, fields)) != 0)
		return err;
	json_t *pin = json_object_get(b, "pin"), *rc = json_object_get(b, "reclaim");
	if ((pin && !json_is_string(pin)) || (rc && !json_is_boolean(rc)))
		err = es_error_set(ES_EINVAL, "'pin' is a string, 'reclaim' true or false");
	else if ((err = es_platform_job_get(rq->p, rq->actor, job, &info)) == 0 &&
		 (err = es_sign_key_may_use(rq, info.esid)) == 0) {
		/* a slice at a time, so that a stopping server answers after one slice (the job stays
		 * running, resumable here or on another node) rather than after the whole job */
		es_job_run_options o = ES_JOB_RUN_OPTIONS_INIT;
		o.pin = pin ? json_string_value(pin) : NULL;
		o.reclaim = json_is_true(rc);
		o.max_items = ES_JOB_SLICE;
		o.lease_s = rq->srv->cfg.job_lease_s;
		do
			err = es_platform_job_run_with(rq->p, rq->actor, job, &o, &res);
		while (err == 0 && res.sealed + res.failed > 0 && strcmp(res.state, "running") == 0 &&
		       !es_jobs_bg_stopping(rq->srv));
	}
	json_decref(b); /* the PIN goes with it */
	return err < 0 ? err : reply_job(rq, 200, job);
}

int h_job_cancel(es_req *rq)
{
	int64_t job;
	int err;
	if ((err = es_req_id(rq, &job)) < 0 || (err = es_platform_job_cancel(rq->p, rq->actor, job)) < 0)
		return err;
	return reply_job(rq, 200, job);
}

int h_job_results(es_req *rq)
{
	int64_t job;
	es_buf zip;
	int err;
	if ((err = es_req_id(rq, &job)) < 0)
		return err;
	es_buf_init(&zip, RESULTS_REPLY_MAX);
	if ((err = es_platform_job_results_zip(rq->p, rq->actor, job, &zip)) < 0) {
		es_buf_release(&zip);
		es_job_info info;
		es_error saved = *es_error_last();
		if (err == ES_ESTATE && es_platform_job_get(rq->p, rq->actor, job, &info) == 0 && info.purged_at) {
			es_error_set(saved.code, "%s", saved.message);
			return 410; /* purged by retention: gone for good */
		}
		es_error_set(saved.code, "%s", saved.message);
		return err;
	}
	es_buf_release(&rq->out);
	rq->out = zip;
	rq->status = 200;
	rq->content_type = "application/zip";
	rq->answered = true;
	snprintf(rq->extra_header[0], sizeof(rq->extra_header[0]),
		 "Content-Disposition: attachment; filename=\"job-%lld-results.zip\"", (long long)job);
	return 0;
}

int es_jobs_schemas(json_t *schemas)
{
	json_t *form = json_pack(
		"{s:{s:s, s:s, s:s}, s:{s:s, s:s}, s:{s:s, s:s}, s:{s:s, s:[s,s,s]}, s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s},"
		" s:{s:s}, s:{s:s}, s:{s:s}}",
		"documents", "type", "string", "contentMediaType", "application/zip", "description",
		"a zip of the OFD and PDF files (each named by its file name)", "esid", "type", "string", "pattern",
		"^[0-9]{14}$", "use_request", "type", "integer", "description",
		"the approved use request covering the manifest (or later: POST /api/v1/jobs/{id}/authorise)", "placement",
		"type", "string", "enum", "position", "keyword", "riding", "page", "type", "integer", "x_mm", "type", "number",
		"y_mm", "type", "number", "width_mm", "type", "number", "height_mm", "type", "number", "keyword", "type",
		"string", "reason", "type", "string");
	json_t *item = json_pack("{s:s, s:{s:{s:s}, s:{s:s}, s:{s:s, s:[s,s,s,s,s]}, s:{s:s}, s:{s:[s,s]}, s:{s:[s,s]},"
				 " s:{s:s}, s:{s:[s,s]}}, s:[s,s,s,s,s,s,s,s], s:b}",
				 "type", "object", "properties", "seq", "type", "integer", "name", "type", "string", "state",
				 "type", "string", "enum", "pending", "sealing", "done", "failed", "cancelled", "in_sm3",
				 "type", "string", "out_sm3", "type", "string", "null", "usage", "type", "integer", "null",
				 "attempts", "type", "integer", "error", "type", "string", "null", "required", "seq", "name",
				 "state", "in_sm3", "out_sm3", "usage", "attempts", "error", "additionalProperties", 0);
	json_t *props = json_pack(
		"{s:{s:s}, s:{s:s}, s:{s:s, s:[s,s,s,s,s]}, s:{s:s}, s:{s:[s,s]}, s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s},"
		" s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}, s:{s:[s,s]}, s:{s:[s,s]}, s:{s:[s,s]}, s:{s:s, s:o}}",
		"id", "type", "integer", "esid", "type", "string", "state", "type", "string", "enum", "queued", "running",
		"done", "failed", "cancelled", "manifest_sm3", "type", "string", "use_request", "type", "integer", "null",
		"owner", "type", "integer", "total", "type", "integer", "pending", "type", "integer", "sealing", "type",
		"integer", "done", "type", "integer", "failed", "type", "integer", "cancelled", "type", "integer", "finished",
		"type", "integer", "created_at", "type", "string", "started_at", "type", "string", "null", "finished_at",
		"type", "string", "null", "purged_at", "type", "string", "null", "items", "type", "array", "items", item);
	json_t *req = json_pack("[s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s]", "id", "esid", "state", "manifest_sm3",
				"use_request", "owner", "total", "pending", "sealing", "done", "failed", "cancelled",
				"finished", "created_at", "started_at", "finished_at", "purged_at", "items");
	if (!form || !props || !req) {
		json_decref(form);
		json_decref(props);
		json_decref(req);
		return es_error_set(ES_ENOMEM, "out of memory");
	}
	json_object_set_new(schemas, "JobForm",
			    json_pack("{s:s, s:o, s:[s,s], s:b}", "type", "object", "properties", form, "required", "documents",
				      "esid", "additionalProperties", 0));
	json_object_set_new(schemas, "Job",
			    json_pack("{s:s, s:o, s:o, s:b}", "type", "object", "properties", props, "required", req,
				      "additionalProperties", 0));
	json_object_set_new(schemas, "WebhookRequest",
			    json_pack("{s:s, s:{s:{s:s, s:s}, s:{s:s, s:s}, s:{s:s}}, s:[s,s], s:b}", "type", "object",
				      "properties", "url", "type", "string", "description", "http://HOST:PORT/PATH", "events",
				      "type", "string", "description",
				      "comma-separated: application.state, seal.status, job.finished", "unit_id", "type",
				      "integer", "required", "url", "events", "additionalProperties", 0));
	json_object_set_new(schemas, "WebhookCreated",
			    json_pack("{s:s, s:{s:{s:s}, s:{s:s, s:s}}, s:[s,s], s:b}", "type", "object", "properties", "id",
				      "type", "integer", "secret", "type", "string", "description",
				      "the HMAC-SM3 key, shown once", "required", "id", "secret", "additionalProperties", 0));
	json_object_set_new(schemas, "JobAuthorise",
			    json_pack("{s:s, s:{s:{s:s}}, s:[s], s:b}", "type", "object", "properties", "use_request", "type",
				      "integer", "required", "use_request", "additionalProperties", 0));
	json_object_set_new(schemas, "JobRun",
			    json_pack("{s:s, s:{s:{s:s, s:s}, s:{s:s}}, s:b}", "type", "object", "properties", "pin", "type",
				      "string", "description", "user PIN when the seal's key is in a software token or key store",
				      "reclaim", "type", "boolean", "additionalProperties", 0));
	return 0;
}

/* ---- webhooks (docs/webhooks.md) ------------------------------------------------------------ */

int h_webhook_add(es_req *rq)
{
	static const char *const fields[] = { "url", "events", "unit_id", NULL };
	char secret[ES_WEBHOOK_SECRET_LEN + 1];
	json_t *b = NULL, *v = NULL;
	int64_t id = 0;
	int err;
	if ((err = es_body_object(rq, &b, fields)) != 0)
		return err;
	json_t *u = json_object_get(b, "url"), *ev = json_object_get(b, "events"), *unit = json_object_get(b, "unit_id");
	if (!json_is_string(u) || !json_is_string(ev) || (unit && !json_is_integer(unit)))
		err = es_error_set(ES_EINVAL, "give 'url' and 'events' (strings) and optionally 'unit_id' (a number)");
	else
		err = es_platform_webhook_add(rq->p, rq->actor, json_string_value(u), json_string_value(ev),
					      unit ? (int64_t)json_integer_value(unit) : 0, &id, secret);
	json_decref(b);
	if (err < 0)
		return err;
	v = json_pack("{s:I, s:s}", "id", (json_int_t)id, "secret", secret);
	es_wipe(secret, sizeof(secret));
	err = es_reply_json(rq, 201, v);
	json_decref(v);
	return err;
}

int h_webhook_remove(es_req *rq)
{
	int64_t id;
	int err;
	if ((err = es_req_id(rq, &id)) < 0 || (err = es_platform_webhook_remove(rq->p, rq->actor, id)) < 0)
		return err;
	json_t *v = json_pack("{s:b}", "ok", 1);
	err = es_reply_json(rq, 200, v);
	json_decref(v);
	return err;
}
