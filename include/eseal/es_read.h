/* SPDX-License-Identifier: AGPL-3.0-or-later */
/**
 * @file es_read.h
 * @brief The read side of the platform: get one record, list records a page
 *        at a time, as JSON, for an authenticated actor (docs/read.md).
 *
 * Every read takes the actor and is checked inside, against the visibility
 * table of docs/read.md (the read counterpart of the role table): auditors
 * and system administrators see everything; makers, reviewers and use
 * approvers of a city or county office see their area; applicants and unit
 * seal administrators see their unit; everyone sees regions and themselves.
 * A record outside the actor's view is ES_ENOTFOUND, exactly like a missing
 * one, so ids cannot be probed. Personal data is masked unless the actor may
 * read it (ES_ACT_READ_PII).
 *
 * Lists are ordered by the record's key (id, esID, code, seq) ascending; a
 * page ends with "next", the cursor to pass as @c after for the page after
 * it (null on the last page). Records inserted while a client pages through
 * appear after the ones it has seen, never twice.
 *
 * JSON shapes: {"items": [RECORD...], "next": "CURSOR"|null} for a list and
 * RECORD for a get. The record encoders are the library's, used by the CLI
 * and the HTTP service alike.
 */
#ifndef ESEAL_ES_READ_H
#define ESEAL_ES_READ_H
#include "es_types.h"
#include "es_platform.h"
#include "es_auth.h"
#ifdef __cplusplus
extern "C" {
#endif

/** What can be read. */
typedef enum es_record_kind {
	ES_REC_APPLICATION = 1,
	ES_REC_SEAL,
	ES_REC_UNIT,
	ES_REC_PERSON,
	ES_REC_ACCOUNT,
	ES_REC_REGION,
	ES_REC_USE_REQUEST,
	ES_REC_USAGE,
	ES_REC_AUDIT,
	ES_REC_OUTBOX,
	ES_REC_API_KEY,   /**< registered systems' API keys (never the key: name, scope, expiry) */
	ES_REC_JOB,       /**< batch jobs (es_jobs.h): one's own; all for auditors and ES_ACT_JOBS; counters, no items */
	ES_REC_WEBHOOK,   /**< webhook subscriptions (es_webhooks.h): system administrators; never the secret */
} es_record_kind;
/** "application", "seal", ... and back; -1 / NULL if unknown. */
ES_EXTERN(int) es_record_kind_parse(const char *name);
ES_EXTERN(const char *) es_record_kind_name(es_record_kind k);

#define ES_LIST_LIMIT_DEFAULT 50
#define ES_LIST_LIMIT_MAX 500

/** Filters of a list; each applies to the kinds named, and is ignored (0 / NULL) otherwise. */
typedef struct es_list_query {
	const char *after;       /**< the "next" cursor of the previous page, or NULL for the first */
	unsigned limit;          /**< page size, 1..ES_LIST_LIMIT_MAX; 0: ES_LIST_LIMIT_DEFAULT */
	const char *state;       /**< application, seal, use request, outbox, job, webhook */
	const char *business;    /**< application: "apply", "renew", ... */
	int64_t unit;            /**< application, seal, person, account, use request, usage */
	const char *office;      /**< application: the office region handling it */
	int64_t batch;           /**< application: a batch id */
	bool waiting_for_me;     /**< application, use request: what this actor can act on now */
	const char *seal_kind;   /**< seal: "official", "finance", ... */
	int expiring_days;       /**< seal: valid_end within this many days from now (renewal window) */
	int64_t holder;          /**< seal: holder person */
	const char *esid;        /**< use request, usage, audit (object id), job */
	es_time from, to;        /**< usage, audit: period [from, to), 0 = open */
	const char *object;      /**< audit: "seal", "application", "account", ... */
	int64_t by;              /**< audit: by this account (-1 any; 0 is the system); usage: by this account */
} es_list_query;
#define ES_LIST_QUERY_INIT { .by = -1 }

/** The JSON Schema (2020-12, as OpenAPI 3.1 uses) of one @p kind record, appended to @p json. */
ES_EXTERN(int) es_record_schema(es_record_kind kind, es_buf *json) ES_WARN_UNUSED;

/** One page of @p kind records visible to @p a, as JSON appended to @p json. */
ES_EXTERN(int) es_platform_list(es_platform *p, const es_actor *a, es_record_kind kind, const es_list_query *q,
				es_buf *json) ES_WARN_UNUSED;
/**
 * One record as JSON appended to @p json (@p id: a number, an esID or a region code).
 * An application comes whole: form, impression (type and size), attachments (id,
 * kind, name, size) and the history of transitions with actor and reason.
 */
ES_EXTERN(int) es_platform_get(es_platform *p, const es_actor *a, es_record_kind kind, const char *id,
			       es_buf *json) ES_WARN_UNUSED;
/** An attachment's bytes, for those who may read its application; name and kind into the buffers. */
ES_EXTERN(int) es_platform_attachment_get(es_platform *p, const es_actor *a, int64_t id, es_buf *data,
					  char *name, size_t name_cap, char *kind, size_t kind_cap) ES_WARN_UNUSED;
/**
 * An application's impression for those who may read it: the uploaded picture (type "PNG"),
 * or, when none was uploaded, the standard impression of its kind drawn now with a code of
 * zeros, the code being assigned when the seal is made (type "PNG-preview").
 */
ES_EXTERN(int) es_platform_app_impression(es_platform *p, const es_actor *a, int64_t app, es_buf *data,
					  char *type, size_t type_cap) ES_WARN_UNUSED;
/**
 * The standard impression a new application would get, drawn before it is filed: of @p kind
 * (and @p function for a special seal), named @p seal_name, for unit @p unit_id (its name and
 * credit code), @p w_mm × @p h_mm (1-80), with a code of zeros; a PNG appended to @p png.
 * For those who may file applications for that unit (ES_ACT_APP_CREATE); nothing is stored.
 * @return 0, ES_EDENIED, ES_EINVAL (kind, function, name or size), ES_ENOTFOUND (no unit).
 */
ES_EXTERN(int) es_platform_impression_preview(es_platform *p, const es_actor *a, int64_t unit_id, int kind,
					      int function, const char *seal_name, unsigned w_mm, unsigned h_mm,
					      es_buf *png) ES_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
