/* SPDX-License-Identifier: AGPL-3.0-or-later */
/**
 * @file es_auth.h
 * @brief Who is acting: accounts' credentials (password, API key, SM2
 *        certificate) and the authenticated actor (等保三级 identity).
 *
 * A person or system signs in once with es_platform_authenticate() and gets
 * an es_actor: the account, its roles, unit and region, how and when it was
 * authenticated, and, for an API key, the set of actions the key may take.
 * docs/identity.md states every rule below and why.
 *
 * - Passwords: PBKDF2-HMAC-SM3, a 16-byte random salt per hash and the cost
 *   stored in the hash, so raising es_platform_options.password_cost (or
 *   $ESEAL_PASSWORD_COST) re-hashes each password at its next sign-in. Rules: at least
 *   ES_PASSWORD_MIN characters, three of the four classes (lower, upper,
 *   digit, other), not containing the login. An account given a one-time
 *   password must change it before anything else.
 * - Lockout: ES_SIGNIN_TRIES wrong passwords in a row lock the account for
 *   ES_SIGNIN_LOCK_SECONDS; the count is in the database, so every node and
 *   process sees it. Every failure is audited ("signin-failed") without
 *   saying which part was wrong; the caller is told only "wrong login or
 *   password".
 * - API keys: "esk_ID_SECRET" with 256 random bits, shown once, stored as
 *   the SM3 of the key; a name, a scope (actions), an expiry and an optional
 *   source-address allow-list (CIDR, IPv4 and IPv6).
 * - Certificates: an SM2 certificate mapped to an account by subject and
 *   issuer. Possession is proved by signing a one-time challenge from
 *   es_platform_signin_challenge() (USB-key sign-in, GM/T 0016 devices); the
 *   certificate must chain to a certificate the platform trusts (its root, or
 *   an issuer registered with es_platform_cert_map()'s @p issuer_cert).
 *
 * Thread safety: an es_actor is immutable after it is made and may be shared
 * between threads; free it once.
 */
#ifndef ESEAL_ES_AUTH_H
#define ESEAL_ES_AUTH_H
#include "es_types.h"
#include "es_platform.h"
#ifdef __cplusplus
extern "C" {
#endif

#define ES_PASSWORD_MIN 10
#define ES_PASSWORD_MAX 128
#define ES_SIGNIN_TRIES 5
#define ES_SIGNIN_LOCK_SECONDS (15 * 60)
/**
 * Default PBKDF2-HMAC-SM3 iterations of a new password hash; es_platform_open() takes
 * $ESEAL_PASSWORD_COST instead when es_platform_options.password_cost is 0 (within
 * ES_PASSWORD_COST_MIN..ES_PASSWORD_COST_MAX, else ES_EINVAL).
 */
#define ES_PASSWORD_COST_DEFAULT 120000u
#define ES_PASSWORD_COST_MIN 1000u
#define ES_PASSWORD_COST_MAX 10000000u
/** "esk_" + up to 19 digits + "_" + 43 base64url characters. */
#define ES_API_KEY_MAX 80
/** One-time passwords handed out by es_platform_account_otp(). */
#define ES_OTP_LEN 16

/* es_actor: es_types.h */

/** How an actor was authenticated. */
typedef enum es_auth_kind {
	ES_AUTH_SYSTEM = 0,   /**< local administration of the data directory, jobs */
	ES_AUTH_PASSWORD = 1,
	ES_AUTH_API_KEY = 2,
	ES_AUTH_CERT = 3,
} es_auth_kind;
ES_EXTERN(const char *) es_auth_kind_name(es_auth_kind k);

/** What a caller presents. Unused fields stay NULL / 0. */
typedef struct es_credential {
	es_auth_kind kind;
	const char *login;         /**< password */
	const char *password;      /**< password */
	const char *api_key;       /**< API key as shown once */
	const char *source_addr;   /**< caller's address (API-key allow-list; audit). May be NULL. */
	const uint8_t *cert;       /**< certificate (DER) */
	size_t cert_len;
	const uint8_t *challenge;  /**< the challenge from es_platform_signin_challenge() */
	size_t challenge_len;
	const uint8_t *signature;  /**< SM2 signature (DER or raw r||s) of the challenge, default ID */
	size_t signature_len;
	/**
	 * Certificates: possession of the key was proved to a TLS terminator the caller
	 * trusts (a client certificate in its TLS handshake, forwarded by it); no
	 * challenge or signature then. Set only for a terminator configured as trusted.
	 */
	bool possession_proved;
} es_credential;

/**
 * Sign in. 0 and a new actor in @p out, or ES_EAUTH (wrong or unknown
 * credential, locked, disabled, expired or revoked key, address not allowed)
 * with a message that never says which part of a password sign-in was wrong.
 * Failures are audited and counted even though the call fails.
 */
ES_EXTERN(int) es_platform_authenticate(es_platform *p, const es_credential *c, es_actor **out) ES_WARN_UNUSED;
/** The system actor, for jobs and local administration (never from a credential). */
ES_EXTERN(int) es_actor_system(es_actor **out) ES_WARN_UNUSED;
ES_EXTERN(void) es_actor_free(es_actor *a);

ES_EXTERN(int64_t) es_actor_account(const es_actor *a);     /**< account id; ES_ACCOUNT_SYSTEM for the system */
ES_EXTERN(const char *) es_actor_login(const es_actor *a);  /**< "" for the system */
ES_EXTERN(unsigned) es_actor_roles(const es_actor *a);      /**< es_role bits */
ES_EXTERN(int64_t) es_actor_unit(const es_actor *a);        /**< 0: none */
ES_EXTERN(const char *) es_actor_region(const es_actor *a); /**< "" province office */
ES_EXTERN(es_auth_kind) es_actor_how(const es_actor *a);
ES_EXTERN(es_time) es_actor_when(const es_actor *a);
/** Signed in with a one-time password: only es_platform_password_change() is allowed. */
ES_EXTERN(bool) es_actor_must_change_password(const es_actor *a);
/** API key actors: is @p action in the key's scope? Others: true. */
ES_EXTERN(bool) es_actor_in_scope(const es_actor *a, es_action action);

/* ---- passwords ------------------------------------------------------------ */

/** 0 if @p password keeps the rules for @p login; ES_EINVAL naming the rule otherwise. */
ES_EXTERN(int) es_password_rules(const char *login, const char *password) ES_WARN_UNUSED;
/** A PBKDF2-HMAC-SM3 hash "pbkdf2-sm3$COST$SALT$HASH" (at most ES_PASSWORD_HASH_MAX bytes with NUL). */
#define ES_PASSWORD_HASH_MAX 128
ES_EXTERN(int) es_password_hash(char out[ES_PASSWORD_HASH_MAX], const char *password, unsigned cost) ES_WARN_UNUSED;
/** 0 if @p password matches @p stored (constant-time compare); ES_EAUTH if not; ES_EMALFORMED for a bad hash. */
ES_EXTERN(int) es_password_verify(const char *stored, const char *password, unsigned *cost_out) ES_WARN_UNUSED;

/**
 * A system administrator gives account @p login a one-time password (printed
 * once by the caller, never stored in clear): @p otp_out gets ES_OTP_LEN
 * characters + NUL. The account must change it at its first sign-in; a lock
 * is lifted.
 */
ES_EXTERN(int) es_platform_account_otp(es_platform *p, const es_actor *actor, const char *login,
				       char otp_out[ES_OTP_LEN + 1]) ES_WARN_UNUSED;
/** The account changes its own password, knowing the current one (rules checked; audited). */
ES_EXTERN(int) es_platform_password_change(es_platform *p, const char *login, const char *old_password,
					   const char *new_password) ES_WARN_UNUSED;
/** Disable (or enable again) an account: it can no longer sign in by any means. Audited. */
ES_EXTERN(int) es_platform_account_disable(es_platform *p, const es_actor *actor, const char *login,
					   bool disabled) ES_WARN_UNUSED;

/* ---- API keys ----------------------------------------------------------------- */

typedef struct es_api_key_spec {
	const char *login;         /**< the account the key acts as */
	const char *name;          /**< what the key is for ("OA system of the 财政厅") */
	uint64_t scope;            /**< ES_SCOPE(action) bits; 0: every action the account's roles allow */
	es_time expires;           /**< required: keys do not live for ever */
	const char *allow_from;    /**< "10.1.0.0/16,2001:db8::/32" or NULL for anywhere */
} es_api_key_spec;
#define ES_SCOPE(action) (1ull << (unsigned)(action))
/** Parse "app-create,app-submit" style action names into scope bits; ES_EINVAL names an unknown one. */
ES_EXTERN(int) es_scope_parse(const char *names, uint64_t *out) ES_WARN_UNUSED;
/**
 * Create an API key (system administrator). The key (shown once: it is not
 * kept) into @p key_out, its id into @p id (may be NULL).
 */
ES_EXTERN(int) es_platform_api_key_create(es_platform *p, const es_actor *actor, const es_api_key_spec *spec,
					  char key_out[ES_API_KEY_MAX], int64_t *id) ES_WARN_UNUSED;
ES_EXTERN(int) es_platform_api_key_revoke(es_platform *p, const es_actor *actor, int64_t id) ES_WARN_UNUSED;
/** Is @p addr (IPv4 or IPv6 text) inside one of the comma-separated CIDR blocks of @p list? */
ES_EXTERN(bool) es_cidr_list_match(const char *list, const char *addr);
/** 0 if @p list is a well-formed comma-separated CIDR list; ES_EINVAL naming the bad block. */
ES_EXTERN(int) es_cidr_list_check(const char *list) ES_WARN_UNUSED;

/* ---- certificates ------------------------------------------------------------ */

/**
 * Map certificate subject + issuer (as es_cert_subject / es_cert_issuer print
 * them, taken from @p cert) to account @p login (system administrator).
 */
ES_EXTERN(int) es_platform_cert_map(es_platform *p, const es_actor *actor, const char *login, const uint8_t *cert,
				    size_t cert_len) ES_WARN_UNUSED;
#define ES_CHALLENGE_LEN 32
#define ES_CHALLENGE_SECONDS 120
/** A one-time random challenge for certificate sign-in, valid ES_CHALLENGE_SECONDS on any node. */
ES_EXTERN(int) es_platform_signin_challenge(es_platform *p, uint8_t out[ES_CHALLENGE_LEN]) ES_WARN_UNUSED;

/* ---- sessions (the console) ------------------------------------------------- */

#define ES_SESSION_IDLE_SECONDS (30 * 60)
#define ES_SESSION_MAX_SECONDS (12 * 3600)
/** Session and CSRF tokens: 256 random bits in base64url (43 characters) + NUL. */
#define ES_SESSION_TOKEN_LEN 44
/**
 * Open a session for @p a (signed in by password or certificate): @p token (for
 * an HttpOnly cookie) and @p csrf (for a header on every change) are new random
 * tokens; only the SM3 of @p token is stored.
 */
ES_EXTERN(int) es_platform_session_open(es_platform *p, const es_actor *a, char token[ES_SESSION_TOKEN_LEN],
					char csrf[ES_SESSION_TOKEN_LEN]) ES_WARN_UNUSED;
/**
 * The actor of session @p token, if it is open, used within ES_SESSION_IDLE_SECONDS
 * and younger than ES_SESSION_MAX_SECONDS, and its account is not disabled; its CSRF
 * token into @p csrf (may be NULL). ES_EAUTH otherwise ("sign in again").
 */
ES_EXTERN(int) es_platform_session_actor(es_platform *p, const char *token, es_actor **out,
					 char csrf[ES_SESSION_TOKEN_LEN]) ES_WARN_UNUSED;
/** End a session (sign-out); audited. Ending an unknown or ended session is not an error. */
ES_EXTERN(int) es_platform_session_close(es_platform *p, const char *token) ES_WARN_UNUSED;
/** End every session of account @p login (password change, disabling: done by those calls too). */
ES_EXTERN(int) es_platform_sessions_end_all(es_platform *p, const es_actor *actor, const char *login) ES_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
