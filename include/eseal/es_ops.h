/* SPDX-License-Identifier: AGPL-3.0-or-later */
/**
 * @file es_ops.h
 * @brief Operations: scheduled jobs, registry and public-security feeds, filing (备案), sign-in and the audit chain, backup and restore (R7, R8).
 *
 * Part of the platform API (es_platform.h, which includes every part): the
 * conventions there hold here (an actor on every call, one transaction each,
 * refusal codes). Included on its own, it brings es_platform.h and so the rest.
 */
/* outside the guard: es_platform.h declares the parts in their order */
#include "es_platform.h"
#ifndef ESEAL_ES_OPS_H
#define ESEAL_ES_OPS_H
#ifdef __cplusplus
extern "C" {
#endif

/* ---- jobs, registry, filing --------------------------------------------------- */

typedef struct es_jobs_result {
	unsigned suspended, expired, delivered, failed;
} es_jobs_result;
/** Scheduled job: expire seals past validity, suspend seals unused for a year, deliver filings. */
ES_EXTERN(int) es_platform_jobs_run(es_platform *p, const es_actor *actor, es_jobs_result *res) ES_WARN_UNUSED;

typedef struct es_registry_result {
	unsigned entities, seals_made, skipped;
	unsigned line;             /**< first bad line on error */
} es_registry_result;
/** Import a registration feed (CSV with header name,credit_code,region,legal_rep, or a JSON array). */
ES_EXTERN(int) es_platform_registry_import(es_platform *p, const es_actor *actor, const uint8_t *feed, size_t len,
					   es_registry_result *res) ES_WARN_UNUSED;

/** One parsed feed entry. */
typedef struct es_registry_entry {
	char name[256];
	char credit_code[19];
	char region[7];
	char legal_rep[64];
} es_registry_entry;
typedef int (*es_registry_fn)(void *ctx, const es_registry_entry *e, unsigned line);
/** Parse a feed (CSV or JSON) and call @p fn per entry; the parser the fuzzer exercises. */
ES_EXTERN(int) es_registry_parse(const uint8_t *feed, size_t len, es_registry_fn fn, void *ctx) ES_WARN_UNUSED;

/** One seal of a public-security export: its seal code (esID), unit, name, kind, impression. */
typedef struct es_psb_entry {
	char seal_code[15];
	char credit_code[19];
	char name[256];
	char kind[16];
	const uint8_t *impression; /**< PNG or NULL */
	size_t impression_len;
} es_psb_entry;
typedef int (*es_psb_fn)(void *ctx, const es_psb_entry *e, unsigned entry);
/** Parse a public-security export: JSON array of {seal_code, credit_code, name, kind, impression (base64 PNG)}. */
ES_EXTERN(int) es_psb_parse(const uint8_t *feed, size_t len, es_psb_fn fn, void *ctx) ES_WARN_UNUSED;
/**
 * Import seal codes and impressions from a public-security export (sysadmin). A later
 * application of the same unit, kind and seal name takes this esID and impression.
 */
ES_EXTERN(int) es_platform_psb_import(es_platform *p, const es_actor *actor, const uint8_t *feed, size_t len,
				      unsigned *imported) ES_WARN_UNUSED;

/** Deliver due filings (file drop and/or HTTP POST); counts in @p sent / @p failed. */
ES_EXTERN(int) es_platform_outbox_deliver(es_platform *p, unsigned *sent, unsigned *failed) ES_WARN_UNUSED;
/** Count filings in state "pending" or "sent". */
ES_EXTERN(int) es_platform_outbox_count(es_platform *p, const char *state, int64_t *n) ES_WARN_UNUSED;

/* ---- sign-in, audit (R7) ----------------------------------------------------- */


/** One audit entry (docs/audit.md gives its canonical byte encoding). */
typedef struct es_audit_entry {
	int64_t seq;               /**< 1, 2, 3 ... without gaps */
	es_time at;
	int64_t actor;             /**< account id, 0 the system */
	const char *event;         /**< "transition", "use", "login", "login-failed", "pin-failed", ... */
	const char *object;        /**< "seal", "application", "account", "use-request", "platform" ... */
	const char *object_id;
	const char *detail;        /**< never a secret */
	uint8_t prev_hash[32];     /**< SM3 of the previous entry's encoding (zeros for entry 1) */
} es_audit_entry;
/** Append the canonical encoding of @p e to @p out. */
ES_EXTERN(int) es_audit_entry_encode(es_buf *out, const es_audit_entry *e) ES_WARN_UNUSED;
/** Parse a canonical encoding; the strings point into @p buf (not NUL-terminated: lengths in *_len). */
typedef struct es_audit_view {
	es_audit_entry e;
	size_t event_len, object_len, object_id_len, detail_len;
} es_audit_view;
ES_EXTERN(int) es_audit_entry_decode(es_audit_view *out, const uint8_t *buf, size_t len) ES_WARN_UNUSED;

typedef struct es_audit_report {
	int64_t entries;           /**< entries read */
	int64_t checkpoints;       /**< signed checkpoints verified */
	int64_t first_bad;         /**< 0: intact; else the first entry that is missing, edited or out of place */
	char problem[200];         /**< what is wrong with it */
	uint8_t head[32];          /**< hash of the last entry (anchor it outside the platform) */
} es_audit_report;
/**
 * Verify the audit chain and its signed checkpoints (auditor, sysadmin, system).
 * 0 if intact; ES_EVERIFY with @p out->first_bad and @p out->problem otherwise.
 */
ES_EXTERN(int) es_platform_audit_verify(es_platform *p, const es_actor *actor, es_audit_report *out) ES_WARN_UNUSED;
/** Write a signed checkpoint at the current head now (also done on close). */
ES_EXTERN(int) es_platform_audit_checkpoint(es_platform *p) ES_WARN_UNUSED;

#define ES_AUDIT_SIG_MAX 128
#define ES_AUDIT_TST_MAX 4096
/**
 * A signed checkpoint of the audit log (docs/audit.md, "ES-AUDIT-CP-2"): the entry
 * it covers and its hash, the checkpoint before it, the interval in force, the
 * maker key's signature and the platform TSA's time stamp over the same message.
 * `eseal audit anchor` prints the one over the head for an operator to keep
 * elsewhere; the platform also keeps the newest in DIR/audit-anchor.json.
 */
typedef struct es_audit_anchor {
	int64_t seq;
	uint8_t hash[32];
	es_time at;
	int64_t prev_seq;          /**< 0: the first checkpoint */
	uint8_t prev_hash[32];     /**< zeros for the first */
	int64_t every;             /**< a checkpoint is due every this many entries */
	uint8_t sig[ES_AUDIT_SIG_MAX];
	size_t sig_len;
	uint8_t tst[ES_AUDIT_TST_MAX]; /**< RFC 3161 TimeStampToken over the same message */
	size_t tst_len;
} es_audit_anchor;
/** The anchor as JSON (docs/audit.md), appended to @p out. */
ES_EXTERN(int) es_audit_anchor_json(es_buf *out, const es_audit_anchor *a) ES_WARN_UNUSED;
/** Parse an anchor's JSON (strict: every field, nothing else); signatures are checked by the platform. */
ES_EXTERN(int) es_audit_anchor_parse(es_audit_anchor *out, const uint8_t *json, size_t len) ES_WARN_UNUSED;
/** Sign a checkpoint over the head now and return it (auditor, sysadmin, system). */
ES_EXTERN(int) es_platform_audit_anchor(es_platform *p, const es_actor *actor, es_audit_anchor *out) ES_WARN_UNUSED;
/**
 * es_platform_audit_verify() and then: @p anchor is signed by this platform and the
 * log still holds its entry with the same hash (it extends the anchored log).
 */
ES_EXTERN(int) es_platform_audit_verify_anchor(es_platform *p, const es_actor *actor, const es_audit_anchor *anchor,
					       es_audit_report *out) ES_WARN_UNUSED;

/* ---- backup and restore (R7) ------------------------------------------------------- */

/**
 * A consistent online snapshot of the store (SQLite backup API; pg_dump for PostgreSQL),
 * sealed with es_box under a key derived from the master key (docs/audit.md), written to
 * @p path through a temporary file, fsync and rename.
 */
ES_EXTERN(int) es_platform_backup(es_platform *p, const es_actor *actor, const char *path) ES_WARN_UNUSED;
/**
 * Check a backup made under @p master_key and load it into the fresh store @p store_uri
 * (a new SQLite file, or an empty PostgreSQL database: the backend the backup was made
 * on); then open it with folder @p dir and verify the audit chain into @p report.
 * ES_EVERIFY if the file was altered, cut short or the key is wrong (nothing is written
 * then), or if the restored audit chain does not verify.
 */
ES_EXTERN(int) es_platform_restore(const char *path, const uint8_t master_key[32], const char *store_uri,
				   const char *dir, es_audit_report *report) ES_WARN_UNUSED;
/** Unpack a backup file image (the parser the fuzzer exercises): snapshot into @p out. */
ES_EXTERN(int) es_backup_open(es_buf *out, const uint8_t master_key[32], const uint8_t *file, size_t len,
			      const char **backend) ES_WARN_UNUSED;

/**
 * Benchmark: @p n applications end to end (create, submit, check, review, make,
 * file, deliver, confirm) on the store @p store_uri in folder @p dir.
 */
ES_EXTERN(int) es_platform_bench(const char *store_uri, const char *dir, unsigned n, double *per_second) ES_WARN_UNUSED;
/** The same with @p threads threads (1-64), each on its own session of one context, n in all. */
ES_EXTERN(int) es_platform_bench_threads(const char *store_uri, const char *dir, unsigned n, unsigned threads,
					 double *per_second) ES_WARN_UNUSED;
/**
 * Benchmark: @p n one-page OFDs sealed through the platform (use request, approval,
 * es_platform_seal_document with its time stamp, usage record and audit), and the same
 * documents sealed by es_ofd_sign alone with the same seal, key and time stamp.
 */
ES_EXTERN(int) es_platform_bench_documents(const char *store_uri, const char *dir, unsigned n, double *platform_per_s,
					   double *raw_per_s) ES_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
