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
 * core 2" hangs off it). Refusals say what to do instead, with a code a
 * server can map (docs/identity.md, "Errors"): ES_EAUTH (not authenticated:
 * a wrong password, API key or PIN), ES_EDENIED (a role, a unit or a rule of
 * the role table), ES_ENOTFOUND, ES_ECONFLICT (a lost compare-and-set:
 * reload and retry), ES_ESTATE (the wrong state for this action).
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
	ES_ACT_AUDIT,          /**< verify and read the audit log (auditor, sysadmin) */
	ES_ACT_USE_REQUEST,    /**< file a use request (用印申请) for the unit's seal */
	ES_ACT_USE_APPROVE,    /**< approve or reject use requests, grant batch authorisations */
	ES_ACT_TOKEN,          /**< put a seal's key into custody (software token, device) */
	ES_ACT_BACKUP,         /**< make a backup */
} es_action;
/**
 * The account id (0) of the system, which jobs, the registry import and the local
 * administration act as: what es_actor_account() answers for the actor of
 * es_actor_system(). An id, never an actor: every call takes a `const es_actor *` (from
 * es_actor_system() or es_platform_authenticate()). A variable, not a macro for 0, on
 * purpose: it is no null pointer constant, so passing it where an actor is wanted does
 * not compile (the old ES_ACTOR_SYSTEM, a literal 0, turned silently into NULL).
 */
static const int64_t ES_ACCOUNT_SYSTEM = 0;

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
	const char *outbox_url;    /**< filing receiver, "http(s)://HOST[:PORT]/PATH" (es_filing.h), or NULL */
	const char *outbox_dir;    /**< file-drop folder or NULL (default DIR/outbox) */
	/** Credit codes accepted although their check character fails (legacy pilot codes, STANDARDS §4.2). */
	const char *const *legacy_codes;
	size_t nlegacy;
	/** A signed audit checkpoint every this many entries (and on close); 0: 64. */
	unsigned audit_every;
	/** PBKDF2-HMAC-SM3 iterations of new password hashes (es_auth.h); 0: ES_PASSWORD_COST_DEFAULT. */
	unsigned password_cost;
	/**
	 * The platform's clock (every record, audit entry, job and checkpoint is dated by it);
	 * NULL: the system clock. A program that must move time (a test) sets it here: the
	 * library honours no environment variable for it in a release build.
	 */
	es_time (*clock)(void *ctx);
	void *clock_ctx;
} es_platform_options;
#define ES_PLATFORM_OPTIONS_VERSION 1
#define ES_PLATFORM_OPTIONS_INIT { .version = ES_PLATFORM_OPTIONS_VERSION }

ES_EXTERN(int) es_platform_open(es_platform **out, const es_platform_options *opt) ES_WARN_UNUSED;
/** The master key of data directory @p dir: $ESEAL_MASTER_KEY (64 hex digits) or DIR/master.key. */
ES_EXTERN(int) es_platform_master_key(uint8_t key[32], const char *dir) ES_WARN_UNUSED;
/**
 * Open the platform of data directory @p dir: its master key (es_platform_master_key),
 * store @p store (NULL: sqlite:DIR/platform.db), DIR/legacy-codes.txt; other options
 * from @p base (may be NULL).
 */
ES_EXTERN(int) es_platform_open_dir(es_platform **out, const char *dir, const char *store,
				    const es_platform_options *base) ES_WARN_UNUSED;
ES_EXTERN(void) es_platform_close(es_platform *p);

/**
 * Threads and processes. An es_platform is a session: one store connection and the
 * state of one call, used by one thread at a time. What sessions share — the
 * authority's and the time-stamping authority's keys, the data key, the options, the
 * status publisher — is an es_platform_context, opened once per process and safe to
 * share between threads (read-only after open). es_platform_open() is a context and
 * its first session in one call. PKCS#11 modules are loaded once per process
 * whatever the number of sessions (es_keystore.h). Several processes (or nodes on one
 * PostgreSQL) each open their own context on the same store.
 */
typedef struct es_platform_context es_platform_context;
/** Open the context once per process (as es_platform_open: creates the authority on first use). */
ES_EXTERN(int) es_platform_context_open(es_platform_context **out, const es_platform_options *opt) ES_WARN_UNUSED;
/** The same for data directory @p dir (as es_platform_open_dir). */
ES_EXTERN(int) es_platform_context_open_dir(es_platform_context **out, const char *dir, const char *store,
					    const es_platform_options *base) ES_WARN_UNUSED;
/** A new session on @p ctx (its own store connection); close it with es_platform_close(). Thread-safe. */
ES_EXTERN(int) es_platform_session(es_platform **out, es_platform_context *ctx) ES_WARN_UNUSED;
/** The context of session @p p (not a new reference). */
ES_EXTERN(es_platform_context *) es_platform_context_of(es_platform *p);
/** Drop the opener's reference: the context goes when its last session is closed too. */
ES_EXTERN(void) es_platform_context_close(es_platform_context *ctx);
/** The store answers and its schema is the one this program migrated to (readiness). */
ES_EXTERN(int) es_platform_ping(es_platform *p) ES_WARN_UNUSED;
/**
 * The permission check every call makes: 0 if @p actor may take @p action (on
 * @p unit_id, or -1 for none). ES_EAUTH without an actor or for a disabled
 * account; ES_EDENIED for a one-time password not yet changed, an action
 * outside an API key's scope, or the role table (roles as they are now in the
 * store, not as they were at sign-in).
 */
ES_EXTERN(int) es_platform_allowed(es_platform *p, const es_actor *actor, es_action action, int64_t unit_id) ES_WARN_UNUSED;

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
ES_EXTERN(int) es_platform_region_add(es_platform *p, const es_actor *actor, const char *code, const char *name) ES_WARN_UNUSED;

typedef struct es_unit_info {
	const char *name;
	const char *credit_code;   /**< GB 32100, or on the legacy allow-list */
	const char *region;
	int64_t superior;          /**< superior unit id, 0 for none */
	const char *legal_rep;
} es_unit_info;
ES_EXTERN(int) es_platform_unit_add(es_platform *p, const es_actor *actor, const es_unit_info *u, int64_t *id) ES_WARN_UNUSED;
ES_EXTERN(int) es_platform_unit_find(es_platform *p, const char *credit_code, int64_t *id) ES_WARN_UNUSED;

ES_EXTERN(int) es_platform_person_add(es_platform *p, const es_actor *actor, const char *name, const char *resident_id,
				      const char *mobile, int64_t unit_id, int64_t *id) ES_WARN_UNUSED;
/**
 * Person's ID and mobile into @p id_out / @p mobile_out (at least 24 bytes):
 * in clear for roles allowed ES_ACT_READ_PII, masked for everyone else.
 */
ES_EXTERN(int) es_platform_person_get(es_platform *p, const es_actor *actor, int64_t person, char *name_out, size_t name_cap,
				      char *id_out, char *mobile_out, size_t cap) ES_WARN_UNUSED;

ES_EXTERN(int) es_platform_account_add(es_platform *p, const es_actor *actor, const char *login, unsigned roles,
				       int64_t unit_id, const char *region, int64_t *id) ES_WARN_UNUSED;
ES_EXTERN(int) es_platform_account_find(es_platform *p, const char *login, int64_t *id) ES_WARN_UNUSED;
/** Replace the roles of account @p login (sysadmin); audited with the old and the new roles. */
ES_EXTERN(int) es_platform_account_set_roles(es_platform *p, const es_actor *actor, const char *login,
					     unsigned roles) ES_WARN_UNUSED;

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
#define ES_APP_FORM_INIT { .business = ES_BIZ_APPLY, .kind = 1 /* ES_KIND_OFFICIAL */ }

ES_EXTERN(int) es_platform_app_create(es_platform *p, const es_actor *actor, const es_app_form *f, int64_t *id) ES_WARN_UNUSED;
/**
 * The batch form (FG 四): @p n forms of one unit created in one transaction under one
 * new batch id; @p ids (may be NULL) receives the application ids.
 */
ES_EXTERN(int) es_platform_app_batch(es_platform *p, const es_actor *actor, const es_app_form *forms, size_t n,
				     int64_t *batch_id, int64_t *ids) ES_WARN_UNUSED;
/** The batch summary table (申请汇总表) as JSON, appended to @p json. */
ES_EXTERN(int) es_platform_batch_summary(es_platform *p, const es_actor *actor, int64_t batch_id, es_buf *json) ES_WARN_UNUSED;
/** Attach a file (red-header letter "letter", ID copy "id-copy", summary "summary", ...). */
ES_EXTERN(int) es_platform_app_attach(es_platform *p, const es_actor *actor, int64_t app, const char *kind, const char *name,
				      const uint8_t *data, size_t len) ES_WARN_UNUSED;
/**
 * The filer corrects a draft or a rejected application before (re)submitting it. The
 * fields of @p changes that are set replace the filed ones: strings that are not NULL
 * ("" clears an optional one), numbers and kinds that are not 0, the impression if not
 * NULL. The business, unit and batch cannot change (0 or the filed value). The result is
 * checked as a new form is (the handler's mobile and ID only when given). Only the
 * account that filed it may, in state draft or rejected (ES_EDENIED, ES_ESTATE). Audited
 * "application-edited" with the names of the fields that changed, never their values;
 * nothing changed, nothing recorded. Start from a zeroed es_app_form, not ES_APP_FORM_INIT.
 */
ES_EXTERN(int) es_platform_app_edit(es_platform *p, const es_actor *actor, int64_t app,
				    const es_app_form *changes) ES_WARN_UNUSED;
/** draft/rejected → submitted. A loss report stops the seal at once. */
ES_EXTERN(int) es_platform_app_submit(es_platform *p, const es_actor *actor, int64_t app) ES_WARN_UNUSED;
/** County/city office forwards a submitted application to the province (J§10). */
ES_EXTERN(int) es_platform_app_forward(es_platform *p, const es_actor *actor, int64_t app) ES_WARN_UNUSED;
/** Maker checks: submitted → checked. */
ES_EXTERN(int) es_platform_app_check(es_platform *p, const es_actor *actor, int64_t app) ES_WARN_UNUSED;
/** Reviewer: checked → approved, or rejected with a reason (required). */
ES_EXTERN(int) es_platform_app_review(es_platform *p, const es_actor *actor, int64_t app, bool approve,
				      const char *reason) ES_WARN_UNUSED;
/** Maker carries out the approved business: approved → made (@p esid_out: the seal made or concerned). */
ES_EXTERN(int) es_platform_app_make(es_platform *p, const es_actor *actor, int64_t app, char esid_out[15]) ES_WARN_UNUSED;
/** made → filed (filing records are already in the outbox). */
ES_EXTERN(int) es_platform_app_file(es_platform *p, const es_actor *actor, int64_t app) ES_WARN_UNUSED;
/** filed → delivered. */
ES_EXTERN(int) es_platform_app_deliver(es_platform *p, const es_actor *actor, int64_t app) ES_WARN_UNUSED;
/** Application state name into @p out ("draft", "submitted", ...). */
ES_EXTERN(int) es_platform_app_state(es_platform *p, int64_t app, char *out, size_t cap) ES_WARN_UNUSED;

/* ---- seals ------------------------------------------------------------------ */

/** The applicant confirms the impression of a delivered seal: made → active. */
ES_EXTERN(int) es_platform_seal_confirm(es_platform *p, const es_actor *actor, const char *esid) ES_WARN_UNUSED;
/** Record a use of the seal by @p actor's unit (refused unless active, or authorised for the period). */
ES_EXTERN(int) es_platform_seal_use(es_platform *p, const es_actor *actor, const char *esid) ES_WARN_UNUSED;
/** A superior unit authorises a subordinate unit to use its seal from..to, with a letter. */
ES_EXTERN(int) es_platform_seal_authorise(es_platform *p, const es_actor *actor, const char *esid, int64_t grantee_unit,
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

/**
 * Public by design (R5 公示): the status of seal @p esid at the instant @p at (0: now),
 * from its recorded state history: the last change at or before @p at, then expiry at
 * the end of validity. A seal not registered here, or not yet made then, is
 * ES_STATUS_UNKNOWN with the reason.
 */
ES_EXTERN(int) es_platform_seal_status_at(es_platform *p, const char *esid, es_time at,
					  es_status_info *out) ES_WARN_UNUSED;
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

/* ---- use approval (用印申请) and usage records (用章记录), R6 --------------------- */

/** File a use request: seal @p esid on the document with SM3 hash @p doc_hash, for @p purpose. */
ES_EXTERN(int) es_platform_use_request(es_platform *p, const es_actor *actor, const char *esid, const uint8_t doc_hash[32],
				       const char *purpose, int64_t *id) ES_WARN_UNUSED;
/** A use approver approves or rejects (reason required) a request; never their own. */
ES_EXTERN(int) es_platform_use_decide(es_platform *p, const es_actor *approver, int64_t request, bool approve,
				      const char *reason) ES_WARN_UNUSED;
/** Request state into @p out: "requested", "approved", "rejected", "used". */
ES_EXTERN(int) es_platform_use_state(es_platform *p, int64_t request, char *out, size_t cap) ES_WARN_UNUSED;

/**
 * Sign with a platform-held seal: an SES_Signature (GB/T 38540) over @p doc_hash appended
 * to @p sig_out. Needs the approved request @p request covering exactly this seal and
 * document hash, not yet used; uses it up and writes a usage record and an audit entry
 * in one transaction. @p pin: the user PIN when the key is in a software token or a key
 * store (es_platform_seal_bind_keystore), else NULL. A key-store seal signs through
 * es_ses_signer_new_external(): a signature that does not verify with the seal's
 * certificate (another key in the store) is refused with ES_EVERIFY, nothing is used up.
 * Refusals: those of es_platform_seal_document(): a wrong PIN ES_EAUTH, a locked token
 * or a seal or request in the wrong state ES_ESTATE, the role or unit ES_EDENIED.
 */
ES_EXTERN(int) es_platform_seal_sign(es_platform *p, const es_actor *actor, const char *esid, const uint8_t doc_hash[32],
				     int64_t request, const char *pin, es_buf *sig_out) ES_WARN_UNUSED;

/**
 * Device seals (R2): the key is generated in the holder's device and never enters the
 * platform. Issue the seal's certificate from the device's PKCS#10 request (DER or PEM);
 * the certificate (DER) is appended to @p cert_out. The platform copy of the key is destroyed.
 */
ES_EXTERN(int) es_platform_seal_bind_device(es_platform *p, const es_actor *actor, const char *esid, const uint8_t *csr,
					    size_t csr_len, es_buf *cert_out) ES_WARN_UNUSED;
/** A use approver grants a standing batch authorisation for a device seal, from..to. */
ES_EXTERN(int) es_platform_batch_authorise(es_platform *p, const es_actor *approver, const char *esid, const char *purpose,
					   es_time from, es_time to, int64_t *id) ES_WARN_UNUSED;
/**
 * A device seal is about to sign @p doc_hash: checked against a batch authorisation in
 * force now; records the use. The device signs only after this returns 0.
 */
ES_EXTERN(int) es_platform_device_use(es_platform *p, const es_actor *actor, const char *esid, const uint8_t doc_hash[32],
				      int64_t *usage_id) ES_WARN_UNUSED;
/** Number of usage records of a seal. */
ES_EXTERN(int) es_platform_usage_count(es_platform *p, const char *esid, int64_t *n) ES_WARN_UNUSED;

/* ---- key custody: software token behind PINs (R2, R6 PIN) -------------------------- */

#define ES_PIN_TRIES 5
/**
 * Move a seal's key into a software token: SM4 (es_box) under keys derived with
 * PBKDF2-HMAC-SM3 from the user PIN and from the administrator PIN (unit admin).
 */
ES_EXTERN(int) es_platform_token_init(es_platform *p, const es_actor *actor, const char *esid, const char *user_pin,
				      const char *admin_pin) ES_WARN_UNUSED;
/** Check the user PIN: ES_EAUTH on a wrong PIN (counted; ES_PIN_TRIES lock the token), ES_ESTATE once locked. */
ES_EXTERN(int) es_platform_token_check(es_platform *p, const es_actor *actor, const char *esid, const char *user_pin) ES_WARN_UNUSED;
/** Change the user PIN (holder, knowing the old one). */
ES_EXTERN(int) es_platform_token_change_pin(es_platform *p, const es_actor *actor, const char *esid, const char *old_pin,
					    const char *new_pin) ES_WARN_UNUSED;
/**
 * Reset the user PIN and unlock, with the administrator PIN, only after a PIN-unlock
 * application (口令解锁) for this seal was carried out; each application unlocks once.
 */
ES_EXTERN(int) es_platform_token_reset(es_platform *p, const es_actor *actor, const char *esid, const char *admin_pin,
				       const char *new_pin) ES_WARN_UNUSED;
/**
 * The software token of seal @p esid behind the key-store interface (es_keystore.h):
 * login = user PIN (counted and locked as above), find_key(esid), sign_digest (SM2, raw r|s),
 * reset_pin = es_platform_token_reset (needs the PIN-unlock application). @p actor acts.
 */
struct es_keystore;
ES_EXTERN(int) es_platform_token_keystore(es_platform *p, const es_actor *actor, const char *esid,
					  struct es_keystore **out) ES_WARN_UNUSED;
/** Locked? wrong tries so far? */
ES_EXTERN(int) es_platform_token_status(es_platform *p, const char *esid, bool *locked, int *fails) ES_WARN_UNUSED;

/* ---- key custody: seals whose key is in a key store (R2) ----------------------------- */

/**
 * Where a seal's signing key is (docs/platform.md, "Keys in key stores"):
 *
 *   token:ESID                                 the platform's software token of seal ESID
 *                                              (es_platform_token_keystore; key label ESID)
 *   pkcs11:MODULE|TOKEN|KEY[|MECHANISM|KEYTYPE] a PKCS#11 module (absolute path), the token
 *                                              label (empty: the first token present), the
 *                                              key label, and the vendor's SM2 mechanism
 *                                              and key type (0x hex or decimal)
 *
 * At most ES_KEY_LOCATION_MAX bytes, printable ASCII; '|' only as the separator.
 */
#define ES_KEY_LOCATION_MAX 512
typedef struct es_key_location {
	char kind[8];           /**< "token" or "pkcs11" */
	char esid[15];          /**< token: the seal whose software token holds the key */
	char module[256];       /**< pkcs11: module path */
	char token_label[33];   /**< pkcs11: token label ("" = the first token present) */
	char key_label[128];    /**< the key's label (token: the esID) */
	unsigned long mechanism;/**< pkcs11: the vendor's SM2 signing mechanism (0: none given) */
	unsigned long key_type; /**< pkcs11: the vendor's SM2 key type */
} es_key_location;
/** Parse a location; ES_EINVAL naming what is wrong. */
ES_EXTERN(int) es_platform_key_location_parse(es_key_location *out, const char *text) ES_WARN_UNUSED;

/**
 * Bind seal @p esid (its key held by the platform) to the key at @p location: the key
 * store is opened, the key found by its label, a certificate issued for its public point
 * (same subject and end of validity as before) and the seal remade with it, exactly as
 * es_platform_seal_bind_device() does for a CSR; the platform copy of the key is
 * destroyed. With @p pin (may be NULL) the binding also logs in and checks that the
 * store signs with that key (proof of possession). Unit administrator of the seal's unit
 * (and, for "token:ESID", of that seal's unit). The certificate (DER) is appended to
 * @p cert_out. es_platform_seal_sign() then signs through the key store with the user PIN.
 */
ES_EXTERN(int) es_platform_seal_bind_keystore(es_platform *p, const es_actor *actor, const char *esid, const char *location,
					      const char *pin, es_buf *cert_out) ES_WARN_UNUSED;
/** The key location of a seal into @p out ("" when the platform or a device holds its key). */
ES_EXTERN(int) es_platform_seal_key_location(es_platform *p, const char *esid, char *out, size_t cap) ES_WARN_UNUSED;

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

/* ---- public services (docs/public-services.md) -------------------------------------- */

/**
 * A new trust store for verifying what this platform made: its root as the anchor,
 * its maker and TSA certificates as intermediates. Freed with es_trust_free(); safe
 * to share between threads once made (es_pki.h).
 */
ES_EXTERN(int) es_platform_trust_new(es_platform *p, es_trust **out) ES_WARN_UNUSED;
/**
 * A number that grows with every change of any seal's state (the count of seal
 * transitions): equal numbers mean an equal status list and CRL, so a cache of them
 * is current while the number stays the same. Also the CRL's cRLNumber.
 */
ES_EXTERN(int) es_platform_status_version(es_platform *p, int64_t *version) ES_WARN_UNUSED;
/**
 * A CRL of the certificates of this platform's revoked (cessationOfOperation), lost
 * (keyCompromise) and suspended (certificateHold) seals, signed now by the root,
 * next update a day later (DER appended to @p der; the times may be NULL).
 */
ES_EXTERN(int) es_platform_crl(es_platform *p, es_buf *der, es_time *this_update,
			       es_time *next_update) ES_WARN_UNUSED;
/**
 * The trust document of GET /api/v1/trust (JSON appended to @p out): root, maker and
 * TSA certificates (subject, serial, validity, SM3 fingerprint, base64 DER) and the
 * current CRL (es_platform_crl).
 */
ES_EXTERN(int) es_platform_trust_json(es_platform *p, es_buf *out) ES_WARN_UNUSED;
/** The platform TSA answers an RFC 3161 request (es_tsp_respond() at the platform's clock). */
ES_EXTERN(int) es_platform_tsa_respond(es_platform *p, const uint8_t *req, size_t len, es_buf *resp,
				       es_tsp_result *out) ES_WARN_UNUSED;

/** Kept verifications: an id is 32 lower-case hex digits (128 random bits) + NUL. */
#define ES_VERIFICATION_ID_LEN 33
/** The longest a verification is kept: ten years. */
#define ES_VERIFICATION_MAX_TTL (3650 * 86400)
/**
 * Keep the report @p r of document @p doc (and of @p original, NULL if none) for
 * @p ttl_s seconds: the report (es_report_json), the document's size, SM3 and SHA-256
 * and the original's SM3, never the bytes, under a new random id written to @p id.
 * Expired records are deleted on the way.
 */
ES_EXTERN(int) es_platform_verification_keep(es_platform *p, const es_report *r, const uint8_t *doc, size_t len,
					     const uint8_t *original, size_t original_len, unsigned ttl_s,
					     char id[ES_VERIFICATION_ID_LEN]) ES_WARN_UNUSED;
/**
 * A kept verification as JSON {"created", "expires", "document": {"size", "sm3",
 * "sha256", "original_sm3"}, "report": {...}, "id"} appended to @p out;
 * ES_ENOTFOUND when there is none or it has expired.
 */
ES_EXTERN(int) es_platform_verification_get(es_platform *p, const char *id, es_buf *out) ES_WARN_UNUSED;
/* ---- sealing documents with platform-held seals (sign services) -------------------------- */

/**
 * es_platform_seal_sign() with the signature's propertyInfo given (NULL: "data"), e.g.
 * "/Doc_0/Signs/Sign_0/Signature.xml" when @p doc_hash is the SM3 of the Signature.xml
 * an OFD reader-side signing component (OES, GB/T 33481) is about to store: the
 * approved request @p request covers exactly that digest. Time-stamped by the
 * platform TSA, like every signature the platform makes.
 */
ES_EXTERN(int) es_platform_seal_sign_digest(es_platform *p, const es_actor *actor, const char *esid,
					    const uint8_t doc_hash[32], int64_t request, const char *pin,
					    const char *property_info, es_buf *sig_out) ES_WARN_UNUSED;

/** Where the stamp goes on a document sealed by es_platform_seal_document(). */
typedef enum es_doc_place {
	ES_DOC_PLACE_POSITION = 0, /**< page + x/y (mm from the page's top-left corner) */
	ES_DOC_PLACE_KEYWORD,      /**< centred on the first occurrence of a text */
	ES_DOC_PLACE_RIDING,       /**< 骑缝章 across the right edges of every page (needs 2 pages) */
} es_doc_place;

typedef struct es_seal_document_options {
	unsigned version;          /**< ES_SEAL_DOCUMENT_OPTIONS_VERSION */
	const char *esid;          /**< the seal, held by the platform */
	/** The approved use request covering the SM3 of the document; 0 for a device seal (batch authorisation). */
	int64_t request;
	const char *pin;           /**< user PIN when the key is in a software token or key store, else NULL */
	es_doc_place place;
	unsigned page;             /**< 1-based; 0: page 1 (POSITION), every page (KEYWORD) */
	double x_mm, y_mm;         /**< POSITION: top-left of the stamp; RIDING: y_mm its top (OFD: 0 centres it) */
	double w_mm, h_mm;         /**< stamp size; 0: the seal picture's size */
	const char *keyword;       /**< KEYWORD: UTF-8 text */
	const char *reason;        /**< PDF /Reason (optional) */
	/**
	 * Device seals only: the holder's device signs e = SM3(Z ‖ TBS_Sign) (raw r‖s or DER,
	 * appended to @p sig), checked against the seal's certificate before use. Never
	 * called for other seals (es_sign_digest_fn of es_seal.h).
	 */
	int (*device_sign)(es_buf *sig, const uint8_t e[32], void *payload);
	void *device_payload;
} es_seal_document_options;
#define ES_SEAL_DOCUMENT_OPTIONS_VERSION 1
#define ES_SEAL_DOCUMENT_OPTIONS_INIT { .version = ES_SEAL_DOCUMENT_OPTIONS_VERSION }

typedef struct es_seal_document_result {
	char format[4];            /**< "ofd", "pdf" (documents), "sm2", "cms" (es_platform_sign_data) */
	uint8_t in_sm3[32];        /**< SM3 of the document given */
	uint8_t out_sm3[32];       /**< SM3 of the sealed document */
	int64_t usage_id;          /**< the usage record (用章记录) */
	es_time signed_at;         /**< the platform's clock at signing (and the TSA's token) */
} es_seal_document_result;

/** "ofd" or "pdf" by content (zip / %PDF- header), NULL for anything else. */
ES_EXTERN(const char *) es_document_format(const uint8_t *doc, size_t len);

/**
 * Seal an OFD or PDF (recognised by its content) with platform seal @p opt->esid, its
 * key wherever it is held: the platform's key, a software token or a key store (PKCS#11)
 * after a login with @p opt->pin, or the caller's device (@p opt->device_sign) under a
 * batch authorisation in force. OFD: Type=Seal with a GB/T 38540 SES_Signature; PDF:
 * /SubFilter /GB38540.SES (the signature carries the seal, so verifiers find its status).
 * The signature is dated by the platform clock and time-stamped by the platform TSA.
 *
 * The use request @p opt->request must be approved, for this seal and the SM3 of
 * @p doc, and unused; it is used up, and the usage record (input and output SM3)
 * and audit entries are written in one transaction after the document is signed: the
 * sealed document is appended to @p out only then. @p res (may be NULL) describes it.
 *
 * Refusals (each audited): ES_EDENIED (role, unit, a request for another seal or
 * document, no batch authorisation, a device seal without its device, a blank page);
 * ES_ESTATE (the seal is not active or has expired, the request is not approved or was
 * used); ES_EAUTH (wrong PIN; the tries are counted, ES_PIN_TRIES lock the token, after which
 * it is ES_ESTATE until a PIN-unlock application);
 * ES_ENOTFOUND (no such seal or request; the key store is unreachable); ES_EMALFORMED
 * (neither OFD nor PDF, or unreadable); ES_ECONFLICT (another call used the request
 * meanwhile: nothing is returned).
 */
ES_EXTERN(int) es_platform_seal_document(es_platform *p, const es_actor *actor, const es_seal_document_options *opt,
					 const uint8_t *doc, size_t len, es_buf *out,
					 es_seal_document_result *res) ES_WARN_UNUSED;

/** What es_platform_sign_data() makes. */
typedef enum es_sign_data_form {
	ES_SIGN_DATA_SM2 = 0, /**< SM2 signature (DER) with SM3 and the default ID over the data (GM/T 0029 SignData) */
	ES_SIGN_DATA_CMS = 1, /**< detached GM/T 0010 SignedData with signed attributes and the TSA's token (SignMessage) */
} es_sign_data_form;

typedef struct es_sign_data_options {
	unsigned version;          /**< ES_SIGN_DATA_OPTIONS_VERSION */
	const char *esid;
	int64_t request;           /**< approved use request covering the SM3 of the data (0: device seal, batch) */
	const char *pin;
	es_sign_data_form form;
	int (*device_sign)(es_buf *sig, const uint8_t e[32], void *payload); /**< as for documents */
	void *device_payload;
} es_sign_data_options;
#define ES_SIGN_DATA_OPTIONS_VERSION 1
#define ES_SIGN_DATA_OPTIONS_INIT { .version = ES_SIGN_DATA_OPTIONS_VERSION }

/**
 * Sign arbitrary data with a platform-held seal's key, under exactly the rules of
 * es_platform_seal_document() (approved request for the data's SM3, used once; the key
 * wherever it is held; usage record with input and output SM3; audit "sign-data"):
 * a bare SM2 signature or a detached GM/T 0010 SignedData (time-stamped) appended to
 * @p out. The signer certificate is the seal's. @p res's format is "sm2" or "cms".
 */
ES_EXTERN(int) es_platform_sign_data(es_platform *p, const es_actor *actor, const es_sign_data_options *opt,
				     const uint8_t *data, size_t len, es_buf *out,
				     es_seal_document_result *res) ES_WARN_UNUSED;

/**
 * Registered systems (API keys) and the seals they may sign with: a system administrator
 * allows (@p allow) or withdraws seal @p esid for API key @p key_id; audited. The sign
 * services refuse an API-key caller a seal it is not allowed (es_platform_api_key_may_use:
 * 0 or ES_EDENIED); a key allowed no seal signs with none.
 */
ES_EXTERN(int) es_platform_api_key_seal(es_platform *p, const es_actor *actor, int64_t key_id, const char *esid,
					bool allow) ES_WARN_UNUSED;
ES_EXTERN(int) es_platform_api_key_may_use(es_platform *p, int64_t key_id, const char *esid) ES_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
