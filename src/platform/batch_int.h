/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Between the batch jobs (batch.c) and the one path of every held-seal use (documents.c). */
#ifndef ES_PLATFORM_BATCH_INT_H
#define ES_PLATFORM_BATCH_INT_H
#include "platform_int.h"
#include "eseal/es_jobs.h"
#include "eseal/es_webhooks.h"

/* A worker's claim on one item of a job. */
typedef struct es_job_claim {
	int64_t job, seq;
	int64_t request;  /* the job's use request (for the usage record) */
	char token[33];   /* random, per worker run */
} es_job_claim;

/* Inside the item's transaction: the job is authorised and not cancelled, the item still ours. */
int es_platform__job_claim_check(es_platform *p, const es_job_claim *c);
/* Inside the same transaction: the item is done with this usage record and sealed copy. */
int es_platform__job_claim_done(es_platform *p, const es_job_claim *c, int64_t usage, const uint8_t *sealed, size_t len,
				const uint8_t out_sm3[32]);
/*
 * Seal one claimed item in the name of @p owner: es_platform_seal_document()'s path with
 * the claim in place of the request. *@p doc_fault tells a failure of the document itself
 * (the item fails alone) from a refusal of the whole job.
 */
int es_platform__seal_job_item(es_platform *p, int64_t owner, const es_seal_document_options *o, const uint8_t *doc,
			       size_t len, const es_job_claim *c, es_buf *out, bool *doc_fault);

/* ---- webhooks (webhooks.c, es_webhooks.h) ---- */
#include <jansson.h>
/* Inside the transaction of a change: one outbox row per active subscription to @p event of
 * unit @p unit (or of every unit), its payload {delivery, event, object_id, at, data}. */
int es_platform__webhook_event(es_platform *p, const char *event, int64_t unit, const char *object_id, json_t *data);
/* "hmac-sm3=" and the HMAC-SM3 of timestamp "." body under @p secret, as hex. */
int es_webhook_sign(char out[ES_WEBHOOK_SIG_LEN + 1], const char *secret, const char *timestamp, const uint8_t *body,
		    size_t len);

#endif
