/* SPDX-License-Identifier: AGPL-3.0-or-later */
/**
 * @file es_jobs.h
 * @brief Batch sealing jobs (electronic licences in stock, J§10(三); docs/batch-jobs.md).
 *
 * A job is many OFD or PDF documents sealed with one platform-held seal, at one
 * placement, under one approved use request: the request covers the job's manifest,
 * the SM3 over the documents' SM3s in their order (es_job_manifest()), so the use
 * approver approves exactly this set of documents once. The documents, each item's
 * result and the sealed copies live in the store: any process or node reads the
 * progress, and any number of workers run the same job at once (es_platform_job_run());
 * each item is claimed for a lease under a random claim token and its sealed copy,
 * its usage record and its audit entry are written in one transaction that commits
 * only for the holder of the claim. A worker killed at any instant loses nothing (its
 * claimed item is taken again after the lease, or at once with reclaim) and nothing is
 * sealed twice: exactly one usage record per item.
 *
 * Job states: "queued" (made, maybe not yet authorised), "running" (a worker started
 * it), "done" (every item finished, at least one sealed), "failed" (every item failed),
 * "cancelled". Item states: "pending", "sealing" (claimed), "done", "failed",
 * "cancelled". An item fails alone (not a document, a keyword that is not there,
 * unreadable): the job goes on. A refusal that concerns the whole job (the seal is no
 * longer active, a wrong PIN, the owner's role withdrawn) stops the run at once, the
 * item is handed back and the job can be run again.
 */
#ifndef ESEAL_ES_JOBS_H
#define ESEAL_ES_JOBS_H
#include "es_types.h"
#include "es_platform.h"
#ifdef __cplusplus
extern "C" {
#endif

#define ES_JOB_MAX_ITEMS 10000             /**< documents in one job */
#define ES_JOB_MAX_DOC ((size_t)64 << 20)  /**< bytes of one document of a job */
#define ES_JOB_MAX_TOTAL ((size_t)1 << 30) /**< bytes of all the documents of a job */
#define ES_JOB_MAX_NAME 200                /**< bytes of an item's name (a file name, no '/') */
#define ES_JOB_LEASE 120                   /**< seconds an item stays claimed by a worker */

/** One document of a new job. */
typedef struct es_job_doc {
	const char *name;    /**< file name for the results (1..ES_JOB_MAX_NAME bytes of UTF-8, no '/', '\\' or control) */
	const uint8_t *doc;
	size_t len;
} es_job_doc;

typedef struct es_job_options {
	unsigned version;    /**< ES_JOB_OPTIONS_VERSION */
	const char *esid;    /**< the seal (not a device seal: its key never enters the platform) */
	int64_t request;     /**< approved use request covering the manifest; 0: es_platform_job_authorise() later */
	es_doc_place place;  /**< as es_seal_document_options, for every document */
	unsigned page;
	double x_mm, y_mm, w_mm, h_mm;
	const char *keyword;
	const char *reason;
} es_job_options;
#define ES_JOB_OPTIONS_VERSION 1
#define ES_JOB_OPTIONS_INIT { .version = ES_JOB_OPTIONS_VERSION }

/** A job's progress (es_platform_job_get). */
typedef struct es_job_info {
	int64_t id;
	int64_t owner;                 /**< the account that made it; items are sealed in its name */
	char esid[15];
	int64_t request;               /**< the use request it runs under, 0 while not authorised */
	uint8_t manifest[32];          /**< es_job_manifest() of its documents */
	char state[12];                /**< queued running done failed cancelled */
	int64_t total, pending, sealing, done, failed, cancelled;
	es_time created_at, started_at, finished_at; /**< 0 when not yet */
	es_time purged_at;             /**< when its documents and sealed copies were removed (es_platform_job_purge), or 0 */
} es_job_info;

/** One item's result (es_platform_job_item). */
typedef struct es_job_item {
	int64_t seq;                   /**< 1-based, in the job's order */
	char name[ES_JOB_MAX_NAME + 1];
	char state[12];                /**< pending sealing done failed cancelled */
	uint8_t in_sm3[32];
	uint8_t out_sm3[32];           /**< when done */
	int64_t usage_id;              /**< when done: the usage record */
	int64_t attempts;              /**< claims taken (a worker that died leaves one behind) */
	char error[256];               /**< when failed: why */
} es_job_item;

/** What one es_platform_job_run() call did. */
typedef struct es_job_run_result {
	unsigned sealed, failed;       /**< items this call finished */
	char state[12];                /**< the job's state afterwards */
} es_job_run_result;

/** The manifest of @p n documents: SM3 over their SM3s, in order (what the use request covers). */
ES_EXTERN(int) es_job_manifest(uint8_t out[32], const es_job_doc *docs, size_t n) ES_WARN_UNUSED;

/**
 * Make a job of @p n documents (1..ES_JOB_MAX_ITEMS) for seal @p opt->esid: the caller
 * may use the seal (role and unit, as for es_platform_seal_document()); the options are
 * checked as there. With @p opt->request the job is authorised at once (see
 * es_platform_job_authorise()). Audited ("job-create"). @p manifest (may be NULL) receives
 * es_job_manifest() of the documents.
 */
ES_EXTERN(int) es_platform_job_create(es_platform *p, const es_actor *actor, const es_job_options *opt,
				      const es_job_doc *docs, size_t n, int64_t *job, uint8_t manifest[32]) ES_WARN_UNUSED;
/**
 * The job's owner binds the approved use request @p request covering the job's seal and
 * manifest; the request is used up by it (ES_ESTATE when not approved or already used,
 * ES_EDENIED when it covers another seal or manifest). Audited ("job-authorise").
 */
ES_EXTERN(int) es_platform_job_authorise(es_platform *p, const es_actor *actor, int64_t job,
					 int64_t request) ES_WARN_UNUSED;
/**
 * Seal the job's items until none is left to claim: the job's owner, or an actor allowed
 * ES_ACT_JOBS (the scheduler, another node), runs it; every item is sealed in the owner's
 * name, with the seal's key wherever it is held (@p pin: the user PIN of a software token
 * or key store, else NULL). @p reclaim takes over items claimed by another worker whose
 * lease has not run out yet: only when that worker is known to be gone (a claimed item
 * is never sealed twice either way; reclaiming a live worker's item only wastes its work).
 * Returns 0 when the run ended because nothing was left (the job is then done, failed or
 * cancelled, or other workers hold its last items); a refusal of the whole job stops the
 * run with its code (ES_EDENIED, ES_ESTATE, ES_EAUTH ...) and the job stays resumable.
 */
ES_EXTERN(int) es_platform_job_run(es_platform *p, const es_actor *actor, int64_t job, const char *pin, bool reclaim,
				   es_job_run_result *res) ES_WARN_UNUSED;
/** Options of es_platform_job_run_with(). */
typedef struct es_job_run_options {
	unsigned version;    /**< ES_JOB_RUN_OPTIONS_VERSION */
	const char *pin;     /**< as es_platform_job_run() */
	bool reclaim;        /**< as es_platform_job_run() */
	unsigned max_items;  /**< stop after this many claims (a background worker checks for shutdown between
				  slices); 0: until none is left */
	unsigned lease_s;    /**< the lease of each claim, ES_JOB_LEASE_MIN..ES_JOB_LEASE_MAX; 0: ES_JOB_LEASE */
} es_job_run_options;
#define ES_JOB_RUN_OPTIONS_VERSION 1
#define ES_JOB_RUN_OPTIONS_INIT { .version = ES_JOB_RUN_OPTIONS_VERSION }
#define ES_JOB_LEASE_MIN 5
#define ES_JOB_LEASE_MAX 3600
/**
 * es_platform_job_run() with options: a slice of at most @p o->max_items claims, and the
 * lease of the claims (a short lease lets another node take a dead node's items sooner;
 * a lease shorter than one item's sealing lets a live worker's item be taken over, which
 * wastes its work but never seals twice). Returns as es_platform_job_run(); a slice that
 * stopped at max_items leaves the job running.
 */
ES_EXTERN(int) es_platform_job_run_with(es_platform *p, const es_actor *actor, int64_t job, const es_job_run_options *o,
					es_job_run_result *res) ES_WARN_UNUSED;
/**
 * The next job a background worker (eseal serve) may run, after job @p after (0: from the
 * first): authorised, queued or running, an item free to claim now (pending, or sealing with
 * its lease run out), and a seal whose key the platform opens without a PIN (neither a
 * software token nor a key store nor a device: those jobs wait for an explicit run by
 * someone who knows the PIN). *@p job is 0 when there is none. ES_ACT_JOBS.
 */
ES_EXTERN(int) es_platform_job_next(es_platform *p, const es_actor *actor, int64_t after, int64_t *job) ES_WARN_UNUSED;
/**
 * Retention: the documents and sealed copies of the jobs that ended (done, failed,
 * cancelled) more than @p days ago are removed; the job, its items' names, states and
 * hashes and the usage records stay, and the job tells when it was purged (purged_at).
 * Each purge is audited ("job-purge"). @p days 1..36500. *@p purged counts the jobs. ES_ACT_JOBS.
 */
ES_EXTERN(int) es_platform_job_purge(es_platform *p, const es_actor *actor, unsigned days, unsigned *purged) ES_WARN_UNUSED;
/** Cancel: items not yet sealed are cancelled (a worker's item in flight is not committed). Owner or ES_ACT_JOBS. */
ES_EXTERN(int) es_platform_job_cancel(es_platform *p, const es_actor *actor, int64_t job) ES_WARN_UNUSED;
/** The job's progress (owner, ES_ACT_JOBS or ES_ACT_AUDIT). */
ES_EXTERN(int) es_platform_job_get(es_platform *p, const es_actor *actor, int64_t job, es_job_info *out) ES_WARN_UNUSED;
/** Item @p seq; its sealed copy appended to @p sealed (may be NULL) when done. Same readers. */
ES_EXTERN(int) es_platform_job_item(es_platform *p, const es_actor *actor, int64_t job, int64_t seq, es_job_item *out,
				    es_buf *sealed) ES_WARN_UNUSED;
/** The job and every item's result as JSON (docs/batch-jobs.md), appended to @p json. Same readers. */
ES_EXTERN(int) es_platform_job_json(es_platform *p, const es_actor *actor, int64_t job, es_buf *json) ES_WARN_UNUSED;

/** The results as a zip: each sealed item's copy under its name, and results.json (es_platform_job_json).
 *  ES_ESTATE when the job was purged (es_platform_job_purge). */
ES_EXTERN(int) es_platform_job_results_zip(es_platform *p, const es_actor *actor, int64_t job, es_buf *zip) ES_WARN_UNUSED;

/** Documents read from a zip (es_job_docs_from_zip); release with es_job_docs_free(). */
typedef struct es_job_docs {
	es_job_doc *v;
	size_t n;
	char **names;
	uint8_t **bufs;
} es_job_docs;
/**
 * The documents of a zip, in the zip's order, each named by its entry's last path
 * component; folders, hidden files and "__MACOSX/" are skipped. Untrusted input: at most
 * ES_JOB_MAX_ITEMS documents of ES_JOB_MAX_DOC bytes and ES_JOB_MAX_TOTAL in all (declared
 * sizes, then each entry inflated to exactly its size with its CRC checked): ES_ELIMIT,
 * ES_EMALFORMED (not a zip, a corrupt entry), ES_EINVAL (no documents, a name too long).
 */
ES_EXTERN(int) es_job_docs_from_zip(es_job_docs *out, const uint8_t *zip, size_t len) ES_WARN_UNUSED;
ES_EXTERN(void) es_job_docs_free(es_job_docs *d);

#ifdef __cplusplus
}
#endif
#endif
