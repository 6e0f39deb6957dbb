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
 *
 * This header holds the handle, its options, contexts and sessions, roles and
 * actions, and the records (regions, units, people, accounts); the rest is split
 * by concern into es_apps.h, es_seals.h, es_ops.h and es_services.h, which it
 * includes, so including es_platform.h alone still gives the whole API.
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
	/**
	 * The API key the outbox's HTTP sender presents to the receiver (Authorization: Bearer),
	 * e.g. another eseal platform's key bound to this platform as its peer (docs/peering.md);
	 * NULL: none.
	 */
	const char *outbox_api_key;
	/**
	 * Open without the master key (a verify node, `eseal serve --role verify`, docs/public-services.md): master_key is
	 * ignored and may be NULL; the certificates come from the store's public copy (written by
	 * any full open), no key is loaded, and whatever signs (making seals, the status list, the
	 * CRL, time stamps, audit checkpoints) fails with ES_EDENIED; the status list and CRL are
	 * the last ones a full node published (es_platform_status_list_published).
	 */
	bool public_only;
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

/** The name of @p action as API-key scopes and the OpenAPI document spell it ("app-check"). */
ES_EXTERN(const char *) es_platform_action_name(es_action action);

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
/** The login of account @p id into @p out (@p cap bytes); ES_ENOTFOUND if there is none. */
ES_EXTERN(int) es_platform_account_login(es_platform *p, int64_t id, char *out, size_t cap) ES_WARN_UNUSED;
/** Replace the roles of account @p login (sysadmin); audited with the old and the new roles. */
ES_EXTERN(int) es_platform_account_set_roles(es_platform *p, const es_actor *actor, const char *login,
					     unsigned roles) ES_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
/* the parts, by concern: each may also be included on its own */
#include "es_apps.h"
#include "es_seals.h"
#include "es_ops.h"
#include "es_services.h"
#endif
