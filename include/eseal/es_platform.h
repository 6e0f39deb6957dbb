/* SPDX-License-Identifier: AGPL-3.0-or-later */
/**
 * @file es_platform.h
 * @brief The provincial e-seal platform: regions, units, people, accounts
 *        and roles, applications and their review, the seal lifecycle,
 *        filing (备案) and status publication (REQUIREMENTS R1, R4, R5, R8).
 *
 * Every call that changes records takes the acting account (@p actor, an
 * account id) and is checked against the role table in one place
 * (es_platform_allowed()); every change is one store transaction; every
 * state change of an application or seal goes through one function that
 * records the actor, the reason and the time (the audit chain of "Platform
 * core 2" hangs off it). Refusals return ES_EDENIED with a message that
 * says what to do instead.
 */
#ifndef ESEAL_ES_PLATFORM_H
#define ESEAL_ES_PLATFORM_H
#include "es_types.h"
#include "es_verify.h"
#ifdef __cplusplus
extern "C" {
#endif

typedef struct es_platform es_platform;

/** Roles (a bitmask: one account may hold several). */
enum es_role {
	ES_ROLE_APPLICANT = 1 << 0,    /**< 经办人: files applications for the unit */
	ES_ROLE_MAKER = 1 << 1,        /**< 印章制作员: registers, checks, forwards, makes, files, delivers */
	ES_ROLE_REVIEWER = 1 << 2,     /**< 印章审核员: approves or rejects */
	ES_ROLE_UNIT_ADMIN = 1 << 3,   /**< unit seal administrator: unit's seals, authorisations */
	ES_ROLE_USE_APPROVER = 1 << 4, /**< approves use of seals (Platform core 2) */
	ES_ROLE_AUDITOR = 1 << 5,      /**< reads everything, changes nothing */
	ES_ROLE_SYSADMIN = 1 << 6,     /**< regions, units, accounts, jobs, registry import */
};
/** "applicant", "maker", ... → bit; 0 if unknown. Names may be joined by ','. */
ES_EXTERN(unsigned) es_role_parse(const char *names);
ES_EXTERN(const char *) es_role_name(unsigned role_bit);

/** Actions checked by es_platform_allowed(). */
typedef enum es_action {
	ES_ACT_READ = 1,
	ES_ACT_READ_PII,       /**< see unmasked ID and mobile numbers */
	ES_ACT_REGION_ADD,
	ES_ACT_UNIT_ADD,
	ES_ACT_PERSON_ADD,
	ES_ACT_ACCOUNT_ADD,
	ES_ACT_APP_CREATE,
	ES_ACT_APP_SUBMIT,
	ES_ACT_APP_FORWARD,
	ES_ACT_APP_CHECK,
	ES_ACT_APP_REVIEW,
	ES_ACT_SEAL_MAKE,
	ES_ACT_APP_FILE,
	ES_ACT_APP_DELIVER,
	ES_ACT_SEAL_CONFIRM,
	ES_ACT_SEAL_USE,
	ES_ACT_SEAL_AUTHORISE,
	ES_ACT_JOBS,
	ES_ACT_REGISTRY,
	ES_ACT_OUTBOX,
} es_action;
/** The system account (id 0) used by jobs and the registry import. */
#define ES_ACTOR_SYSTEM 0

/** Business types (R4). */
typedef enum es_business {
	ES_BIZ_APPLY = 1,   /**< 申请 */
	ES_BIZ_RENEW,       /**< 延期 */
	ES_BIZ_CHANGE,      /**< 变更: new seal, old revoked */
	ES_BIZ_REVOKE,      /**< 撤销/注销 */
	ES_BIZ_LOSS,        /**< 挂失: stops use at once */
	ES_BIZ_REISSUE,     /**< 补办 after loss */
	ES_BIZ_PIN_UNLOCK,  /**< 口令解锁 */
	ES_BIZ_REENABLE,    /**< 重新启用 a suspended seal */
} es_business;
ES_EXTERN(int) es_business_parse(const char *name);
ES_EXTERN(const char *) es_business_name(int biz);

typedef struct es_platform_options {
	unsigned version;          /**< ES_PLATFORM_OPTIONS_VERSION */
	const char *store;         /**< "sqlite:PATH" or "postgres:CONNINFO" */
	const char *dir;           /**< folder for status list, outbox drops */
	const uint8_t *master_key; /**< 32 bytes: wraps the data key and the authority keys */
	unsigned seal_days;        /**< validity of new seal certificates; 0: 730 */
	unsigned render_dpi;       /**< impression PNG resolution; 0: 300 */
	const char *outbox_url;    /**< "http://127.0.0.1:PORT/PATH" or NULL */
	const char *outbox_dir;    /**< file-drop folder or NULL (default DIR/outbox) */
	/** Credit codes accepted although their check character fails (legacy pilot codes, STANDARDS §4.2). */
	const char *const *legacy_codes;
	size_t nlegacy;
} es_platform_options;
#define ES_PLATFORM_OPTIONS_VERSION 1
#define ES_PLATFORM_OPTIONS_INIT { ES_PLATFORM_OPTIONS_VERSION, NULL, NULL, NULL, 0, 0, NULL, NULL, NULL, 0 }

ES_EXTERN(int) es_platform_open(es_platform **out, const es_platform_options *opt) ES_WARN_UNUSED;
ES_EXTERN(void) es_platform_close(es_platform *p);
/** 0 if @p actor may take @p action (on @p unit_id, or -1 for none), ES_EDENIED otherwise. */
ES_EXTERN(int) es_platform_allowed(es_platform *p, int64_t actor, es_action action, int64_t unit_id) ES_WARN_UNUSED;

/**
 * Called inside the transaction of every recorded state change (the one place
 * es_platform__transition), after it is written: object "application" or "seal",
 * its id, from (NULL for a new record), to, actor, reason, time and the transition id.
 * A negative return aborts the whole change. The audit chain of "Platform core 2" hangs here.
 */
typedef int (*es_transition_hook)(void *ctx, const char *object, const char *id, const char *from, const char *to,
				  int64_t actor, const char *reason, es_time at, int64_t transition_id);
ES_EXTERN(void) es_platform_set_transition_hook(es_platform *p, es_transition_hook fn, void *ctx);

/* ---- records ------------------------------------------------------------ */

/** Region: 6-digit GB/T 2260 code; level from the code (xx0000 province, xxxx00 city, else county). */
ES_EXTERN(int) es_platform_region_add(es_platform *p, int64_t actor, const char *code, const char *name) ES_WARN_UNUSED;

typedef struct es_unit_info {
	const char *name;
	const char *credit_code;   /**< GB 32100, or on the legacy allow-list */
	const char *region;
	int64_t superior;          /**< superior unit id, 0 for none */
	const char *legal_rep;
} es_unit_info;
ES_EXTERN(int) es_platform_unit_add(es_platform *p, int64_t actor, const es_unit_info *u, int64_t *id) ES_WARN_UNUSED;
ES_EXTERN(int) es_platform_unit_find(es_platform *p, const char *credit_code, int64_t *id) ES_WARN_UNUSED;

ES_EXTERN(int) es_platform_person_add(es_platform *p, int64_t actor, const char *name, const char *resident_id,
				      const char *mobile, int64_t unit_id, int64_t *id) ES_WARN_UNUSED;
/**
 * Person's ID and mobile into @p id_out / @p mobile_out (at least 24 bytes):
 * in clear for roles allowed ES_ACT_READ_PII, masked for everyone else.
 */
ES_EXTERN(int) es_platform_person_get(es_platform *p, int64_t actor, int64_t person, char *name_out, size_t name_cap,
				      char *id_out, char *mobile_out, size_t cap) ES_WARN_UNUSED;

ES_EXTERN(int) es_platform_account_add(es_platform *p, int64_t actor, const char *login, unsigned roles,
				       int64_t unit_id, const char *region, int64_t *id) ES_WARN_UNUSED;
ES_EXTERN(int) es_platform_account_find(es_platform *p, const char *login, int64_t *id) ES_WARN_UNUSED;

/* ---- applications --------------------------------------------------------- */

/** The Fujian application form (seeds 004, FG 二.3–二.8). */
typedef struct es_app_form {
	int business;              /**< es_business */
	int64_t unit_id;
	int kind;                  /**< es_seal_kind */
	int function;              /**< es_seal_function (special seals) */
	const char *seal_name;     /**< 印章名称 */
	unsigned width_mm, height_mm;
	int64_t holder_person;     /**< personal/position seals: the holder (0 none) */
	const char *handler_name;  /**< 经办人 */
	const char *handler_mobile;
	const char *handler_id;
	const char *target_esid;   /**< renew/change/revoke/loss/reissue/unlock/reenable: the seal concerned */
	const char *reason;        /**< why (required for change, revoke, loss) */
	const uint8_t *impression; /**< uploaded impression (PNG) or NULL: rendered */
	size_t impression_len;
	const char *multi_cert_reason; /**< needed when the impression is already bound to a certificate */
	int64_t batch_id;          /**< batch form: applications with the same batch id */
} es_app_form;
#define ES_APP_FORM_INIT { ES_BIZ_APPLY, 0, 1, 0, NULL, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, 0 }

ES_EXTERN(int) es_platform_app_create(es_platform *p, int64_t actor, const es_app_form *f, int64_t *id) ES_WARN_UNUSED;
/**
 * The batch form (FG 四): @p n forms of one unit created in one transaction under one
 * new batch id; @p ids (may be NULL) receives the application ids.
 */
ES_EXTERN(int) es_platform_app_batch(es_platform *p, int64_t actor, const es_app_form *forms, size_t n,
				     int64_t *batch_id, int64_t *ids) ES_WARN_UNUSED;
/** The batch summary table (申请汇总表) as JSON, appended to @p json. */
ES_EXTERN(int) es_platform_batch_summary(es_platform *p, int64_t actor, int64_t batch_id, es_buf *json) ES_WARN_UNUSED;
/** Attach a file (red-header letter "letter", ID copy "id-copy", summary "summary", ...). */
ES_EXTERN(int) es_platform_app_attach(es_platform *p, int64_t actor, int64_t app, const char *kind, const char *name,
				      const uint8_t *data, size_t len) ES_WARN_UNUSED;
/** draft/rejected → submitted. A loss report stops the seal at once. */
ES_EXTERN(int) es_platform_app_submit(es_platform *p, int64_t actor, int64_t app) ES_WARN_UNUSED;
/** County/city office forwards a submitted application to the province (J§10). */
ES_EXTERN(int) es_platform_app_forward(es_platform *p, int64_t actor, int64_t app) ES_WARN_UNUSED;
/** Maker checks: submitted → checked. */
ES_EXTERN(int) es_platform_app_check(es_platform *p, int64_t actor, int64_t app) ES_WARN_UNUSED;
/** Reviewer: checked → approved, or rejected with a reason (required). */
ES_EXTERN(int) es_platform_app_review(es_platform *p, int64_t actor, int64_t app, bool approve,
				      const char *reason) ES_WARN_UNUSED;
/** Maker carries out the approved business: approved → made (@p esid_out: the seal made or concerned). */
ES_EXTERN(int) es_platform_app_make(es_platform *p, int64_t actor, int64_t app, char esid_out[15]) ES_WARN_UNUSED;
/** made → filed (filing records are already in the outbox). */
ES_EXTERN(int) es_platform_app_file(es_platform *p, int64_t actor, int64_t app) ES_WARN_UNUSED;
/** filed → delivered. */
ES_EXTERN(int) es_platform_app_deliver(es_platform *p, int64_t actor, int64_t app) ES_WARN_UNUSED;
/** Application state name into @p out ("draft", "submitted", ...). */
ES_EXTERN(int) es_platform_app_state(es_platform *p, int64_t app, char *out, size_t cap) ES_WARN_UNUSED;

/* ---- seals ------------------------------------------------------------------ */

/** The applicant confirms the impression of a delivered seal: made → active. */
ES_EXTERN(int) es_platform_seal_confirm(es_platform *p, int64_t actor, const char *esid) ES_WARN_UNUSED;
/** Record a use of the seal by @p actor's unit (refused unless active, or authorised for the period). */
ES_EXTERN(int) es_platform_seal_use(es_platform *p, int64_t actor, const char *esid) ES_WARN_UNUSED;
/** A superior unit authorises a subordinate unit to use its seal from..to, with a letter. */
ES_EXTERN(int) es_platform_seal_authorise(es_platform *p, int64_t actor, const char *esid, int64_t grantee_unit,
					  es_time from, es_time to, const char *letter) ES_WARN_UNUSED;

#define ES_SEAL_RECORD_NAME 256
typedef struct es_seal_record {
	char esid[15];
	char state[16];
	char kind[16];
	char name[ES_SEAL_RECORD_NAME];
	int64_t unit_id;
	es_time valid_start, valid_end, state_since;
	char state_reason[256];
	char replaced_by[15];
	bool confirmed;
} es_seal_record;
ES_EXTERN(int) es_platform_seal_get(es_platform *p, const char *esid, es_seal_record *out) ES_WARN_UNUSED;
/** The seal's DER (SESeal) appended to @p out. */
ES_EXTERN(int) es_platform_seal_der(es_platform *p, const char *esid, es_buf *out) ES_WARN_UNUSED;

/** Status source for the verifier: @p payload is the es_platform. */
ES_EXTERN(int) es_platform_status_fn(es_status_info *out, const char *esid, void *payload);
/**
 * The signed status list: JSON {"issuer", "generated", "seals": [{esid, state, since, reason}]}
 * of every non-active seal, and a detached SM2 signature (DER) over its bytes by the
 * platform's maker key. Also written to DIR/status/status.json and status.json.sig on every change.
 */
ES_EXTERN(int) es_platform_status_list(es_platform *p, es_buf *json, es_buf *sig) ES_WARN_UNUSED;
ES_EXTERN(int) es_platform_status_list_verify(es_platform *p, const uint8_t *json, size_t len, const uint8_t *sig,
					      size_t siglen) ES_WARN_UNUSED;
/** The platform's trust anchor and maker certificate (PEM appended). */
ES_EXTERN(int) es_platform_authority_pem(es_platform *p, es_buf *root_pem, es_buf *maker_pem) ES_WARN_UNUSED;

/* ---- jobs, registry, filing --------------------------------------------------- */

typedef struct es_jobs_result {
	unsigned suspended, expired, delivered, failed;
} es_jobs_result;
/** Scheduled job: expire seals past validity, suspend seals unused for a year, deliver filings. */
ES_EXTERN(int) es_platform_jobs_run(es_platform *p, int64_t actor, es_jobs_result *res) ES_WARN_UNUSED;

typedef struct es_registry_result {
	unsigned entities, seals_made, skipped;
	unsigned line;             /**< first bad line on error */
} es_registry_result;
/** Import a registration feed (CSV with header name,credit_code,region,legal_rep, or a JSON array). */
ES_EXTERN(int) es_platform_registry_import(es_platform *p, int64_t actor, const uint8_t *feed, size_t len,
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
ES_EXTERN(int) es_platform_psb_import(es_platform *p, int64_t actor, const uint8_t *feed, size_t len,
				      unsigned *imported) ES_WARN_UNUSED;

/** Deliver due filings (file drop and/or HTTP POST); counts in @p sent / @p failed. */
ES_EXTERN(int) es_platform_outbox_deliver(es_platform *p, unsigned *sent, unsigned *failed) ES_WARN_UNUSED;
/** Count filings in state "pending" or "sent". */
ES_EXTERN(int) es_platform_outbox_count(es_platform *p, const char *state, int64_t *n) ES_WARN_UNUSED;

/**
 * Benchmark: @p n applications end to end (create, submit, check, review, make,
 * file, deliver, confirm) on the store @p store_uri in folder @p dir.
 */
ES_EXTERN(int) es_platform_bench(const char *store_uri, const char *dir, unsigned n, double *per_second) ES_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
