/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Identity: password, API-key and certificate sign-in into an es_actor
 * (es_auth.h, docs/identity.md). */
#include "es_int.h"
#include "platform_int.h"
#include "eseal/es_auth.h"
#include "estime.h"
#include "text.h"
#include <arpa/inet.h>
#include <openssl/crypto.h>

static const char *const kind_names[] = { "system", "password", "api-key", "certificate" };

const char *es_auth_kind_name(es_auth_kind k)
{
	return (unsigned)k < ES_ARRAY_LEN(kind_names) ? kind_names[k] : "unknown";
}

/* ---- the actor ------------------------------------------------------------- */

static es_actor *actor_new(void)
{
	return es_calloc(1, sizeof(es_actor));
}

int es_actor_system(es_actor **out)
{
	ES_ASSERT_ARG(out);
	if (!(*out = actor_new()))
		return es_error_set(ES_ENOMEM, "out of memory");
	(*out)->account = ES_ACCOUNT_SYSTEM;
	(*out)->how = ES_AUTH_SYSTEM;
	(*out)->when = es_time_now();
	return 0;
}

void es_actor_free(es_actor *a)
{
	es_free(a);
}

int64_t es_actor_account(const es_actor *a)
{
	return a ? a->account : -1;
}
const char *es_actor_login(const es_actor *a)
{
	return a ? a->login : "";
}
unsigned es_actor_roles(const es_actor *a)
{
	return a ? a->roles : 0;
}
int64_t es_actor_unit(const es_actor *a)
{
	return a ? a->unit : 0;
}
const char *es_actor_region(const es_actor *a)
{
	return a ? a->region : "";
}
es_auth_kind es_actor_how(const es_actor *a)
{
	return a ? a->how : ES_AUTH_SYSTEM;
}
es_time es_actor_when(const es_actor *a)
{
	return a ? a->when : 0;
}
bool es_actor_must_change_password(const es_actor *a)
{
	return a && a->must_change;
}

bool es_actor_in_scope(const es_actor *a, es_action action)
{
	if (!a || a->how != ES_AUTH_API_KEY || a->scope == 0)
		return a != NULL;
	return (unsigned)action < 64 && (a->scope & ES_SCOPE(action));
}

/* Action names for API-key scopes (and, later, the route table). */
static const struct {
	es_action action;
	const char *name;
} action_names[] = {
	{ ES_ACT_READ, "read" },
	{ ES_ACT_READ_PII, "read-pii" },
	{ ES_ACT_REGION_ADD, "region-add" },
	{ ES_ACT_UNIT_ADD, "unit-add" },
	{ ES_ACT_PERSON_ADD, "person-add" },
	{ ES_ACT_ACCOUNT_ADD, "account-add" },
	{ ES_ACT_APP_CREATE, "app-create" },
	{ ES_ACT_APP_SUBMIT, "app-submit" },
	{ ES_ACT_APP_FORWARD, "app-forward" },
	{ ES_ACT_APP_CHECK, "app-check" },
	{ ES_ACT_APP_REVIEW, "app-review" },
	{ ES_ACT_SEAL_MAKE, "seal-make" },
	{ ES_ACT_APP_FILE, "app-file" },
	{ ES_ACT_APP_DELIVER, "app-deliver" },
	{ ES_ACT_SEAL_CONFIRM, "seal-confirm" },
	{ ES_ACT_SEAL_USE, "seal-use" },
	{ ES_ACT_SEAL_AUTHORISE, "seal-authorise" },
	{ ES_ACT_JOBS, "jobs" },
	{ ES_ACT_REGISTRY, "registry" },
	{ ES_ACT_OUTBOX, "outbox" },
	{ ES_ACT_AUDIT, "audit" },
	{ ES_ACT_USE_REQUEST, "use-request" },
	{ ES_ACT_USE_APPROVE, "use-approve" },
	{ ES_ACT_TOKEN, "token" },
	{ ES_ACT_BACKUP, "backup" },
};

const char *es_platform_action_name(es_action action)
{
	for (size_t i = 0; i < ES_ARRAY_LEN(action_names); i++)
		if (action_names[i].action == action)
			return action_names[i].name;
	return "?";
}

int es_scope_parse(const char *names, uint64_t *out)
{
	ES_ASSERT_ARG(names && out);
	*out = 0;
	const char *p = names;
	while (*p) {
		size_t n = strcspn(p, ",");
		bool found = false;
		for (size_t i = 0; i < ES_ARRAY_LEN(action_names); i++)
			if (strlen(action_names[i].name) == n && memcmp(action_names[i].name, p, n) == 0) {
				*out |= ES_SCOPE(action_names[i].action);
				found = true;
			}
		if (!found)
			return es_error_set(ES_EINVAL, "unknown action '%.*s' in the scope: use names like app-create, seal-use, read",
					    (int)(n > 40 ? 40 : n), p);
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

/* ---- passwords ------------------------------------------------------------- */

#define PW_PREFIX "pbkdf2-sm3$"
#define PW_SALT 16
#define PW_LEN 32
#define PW_COST_MIN ES_PASSWORD_COST_MIN
#define PW_COST_MAX ES_PASSWORD_COST_MAX

static bool contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	if (!n)
		return false;
	for (const char *h = hay; *h; h++) {
		size_t i = 0;
		while (i < n && h[i] && (h[i] | 0x20) == (needle[i] | 0x20))
			i++;
		if (i == n)
			return true;
	}
	return false;
}

int es_password_rules(const char *login, const char *pw)
{
	ES_ASSERT_ARG(pw);
	size_t n = strlen(pw), chars = 0;
	bool lower = false, upper = false, digit = false, other = false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)pw[i];
		if (c < 0x20 || c == 0x7f)
			return es_error_set(ES_EINVAL, "the password holds a control character: use printable characters");
		if ((c & 0xc0) != 0x80)
			chars++; /* count UTF-8 characters, not bytes */
		if (c >= 'a' && c <= 'z')
			lower = true;
		else if (c >= 'A' && c <= 'Z')
			upper = true;
		else if (c >= '0' && c <= '9')
			digit = true;
		else
			other = true;
	}
	if (n > ES_PASSWORD_MAX)
		return es_error_set(ES_EINVAL, "the password is longer than %d bytes", ES_PASSWORD_MAX);
	if (chars < ES_PASSWORD_MIN)
		return es_error_set(ES_EINVAL, "the password needs at least %d characters", ES_PASSWORD_MIN);
	if ((int)lower + (int)upper + (int)digit + (int)other < 3)
		return es_error_set(ES_EINVAL,
				    "the password needs three of: lower-case letters, upper-case letters, digits, other characters");
	if (login && strlen(login) >= 3 && contains_ci(pw, login))
		return es_error_set(ES_EINVAL, "the password must not contain the login");
	return 0;
}

int es_password_hash(char out[ES_PASSWORD_HASH_MAX], const char *pw, unsigned cost)
{
	ES_ASSERT_ARG(out && pw);
	if (cost < PW_COST_MIN || cost > PW_COST_MAX)
		return es_error_set(ES_EINVAL, "password cost %u is outside %u..%u", cost, PW_COST_MIN, PW_COST_MAX);
	uint8_t salt[PW_SALT], dk[PW_LEN];
	char salt_hex[2 * PW_SALT + 1], dk_hex[2 * PW_LEN + 1];
	int err;
	if ((err = es_random(salt, sizeof(salt))) < 0 ||
	    (err = es_pbkdf2_sm3(dk, sizeof(dk), pw, strlen(pw), salt, sizeof(salt), cost)) < 0)
		return err;
	es_hex(salt_hex, salt, sizeof(salt));
	es_hex(dk_hex, dk, sizeof(dk));
	OPENSSL_cleanse(dk, sizeof(dk));
	snprintf(out, ES_PASSWORD_HASH_MAX, PW_PREFIX "%u$%s$%s", cost, salt_hex, dk_hex);
	return 0;
}

typedef struct pw_parsed {
	unsigned cost;
	uint8_t salt[PW_SALT];
	uint8_t dk[PW_LEN];
} pw_parsed;

static int pw_parse(pw_parsed *out, const char *stored)
{
	size_t plen = strlen(PW_PREFIX);
	if (strncmp(stored, PW_PREFIX, plen) != 0)
		return es_error_set(ES_EMALFORMED, "password hash of an unknown scheme");
	const char *s = stored + plen;
	char *end;
	unsigned long cost = strtoul(s, &end, 10);
	if (end == s || *end != '$' || cost < PW_COST_MIN || cost > PW_COST_MAX)
		return es_error_set(ES_EMALFORMED, "password hash with a bad cost");
	const char *salt = end + 1, *dollar = strchr(salt, '$');
	if (!dollar || es_unhex(out->salt, PW_SALT, salt, (size_t)(dollar - salt), false) < 0 ||
	    es_unhex(out->dk, PW_LEN, dollar + 1, strlen(dollar + 1), false) < 0)
		return es_error_set(ES_EMALFORMED, "password hash with a bad salt or value");
	out->cost = (unsigned)cost;
	return 0;
}

int es_password_verify(const char *stored, const char *pw, unsigned *cost_out)
{
	ES_ASSERT_ARG(stored && pw);
	pw_parsed h;
	uint8_t dk[PW_LEN];
	int err;
	if ((err = pw_parse(&h, stored)) < 0)
		return err;
	if ((err = es_pbkdf2_sm3(dk, sizeof(dk), pw, strlen(pw), h.salt, sizeof(h.salt), h.cost)) < 0)
		return err;
	bool same = CRYPTO_memcmp(dk, h.dk, sizeof(dk)) == 0;
	OPENSSL_cleanse(dk, sizeof(dk));
	if (cost_out)
		*cost_out = h.cost;
	return same ? 0 : es_error_set(ES_EAUTH, "wrong password");
}

/* ---- CIDR allow-lists ---------------------------------------------------- */

typedef struct cidr {
	int family;
	uint8_t addr[16];
	unsigned bits;
} cidr;

static int parse_addr(int *family, uint8_t addr[16], const char *text)
{
	if (inet_pton(AF_INET, text, addr) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, text, addr) == 1) {
		*family = AF_INET6;
		/* an IPv4-mapped IPv6 address is the IPv4 address */
		static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
		if (memcmp(addr, mapped, 12) == 0) {
			memmove(addr, addr + 12, 4);
			*family = AF_INET;
		}
		return 0;
	}
	return -1;
}

static int parse_cidr(cidr *out, const char *s, size_t n)
{
	char buf[64];
	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = 0;
	char *slash = strchr(buf, '/');
	unsigned bits = 0;
	if (slash) {
		*slash = 0;
		char *end;
		unsigned long b = strtoul(slash + 1, &end, 10);
		if (end == slash + 1 || *end || b > 128)
			return -1;
		bits = (unsigned)b;
	}
	if (inet_pton(AF_INET, buf, out->addr) == 1)
		out->family = AF_INET;
	else if (inet_pton(AF_INET6, buf, out->addr) == 1)
		out->family = AF_INET6;
	else
		return -1;
	unsigned max = out->family == AF_INET ? 32 : 128;
	if (!slash)
		bits = max;
	if (bits > max)
		return -1;
	out->bits = bits;
	/* an IPv4-mapped block is the IPv4 block, as addresses are (parse_addr) */
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	if (out->family == AF_INET6 && bits >= 96 && memcmp(out->addr, mapped, 12) == 0) {
		memmove(out->addr, out->addr + 12, 4);
		out->family = AF_INET;
		out->bits = bits - 96;
	}
	return 0;
}

static bool cidr_match(const cidr *c, int family, const uint8_t addr[16])
{
	if (c->family != family)
		return false;
	unsigned full = c->bits / 8, rest = c->bits % 8;
	if (memcmp(c->addr, addr, full) != 0)
		return false;
	if (rest) {
		uint8_t mask = (uint8_t)(0xff << (8 - rest));
		if ((c->addr[full] & mask) != (addr[full] & mask))
			return false;
	}
	return true;
}

int es_cidr_list_check(const char *list)
{
	ES_ASSERT_ARG(list);
	const char *p = list;
	if (!*p)
		return es_error_set(ES_EINVAL, "empty address allow-list: leave it out to allow any address");
	while (*p) {
		size_t n = strcspn(p, ",");
		cidr c;
		if (parse_cidr(&c, p, n) < 0)
			return es_error_set(ES_EINVAL, "'%.*s' is not an address block like 10.1.0.0/16 or 2001:db8::/32",
					    (int)(n > 60 ? 60 : n), p);
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

bool es_cidr_list_match(const char *list, const char *addr)
{
	int family;
	uint8_t a[16];
	if (!list || !addr || parse_addr(&family, a, addr) < 0)
		return false;
	const char *p = list;
	while (*p) {
		size_t n = strcspn(p, ",");
		cidr c;
		if (parse_cidr(&c, p, n) == 0 && cidr_match(&c, family, a))
			return true;
		p += n;
		if (*p == ',')
			p++;
	}
	return false;
}

static void b64url(char *out, const uint8_t *in, size_t n);
static int end_sessions(es_platform *p, int64_t account);

/* ---- sign-in --------------------------------------------------------------- */

/* The printable form of an attempted login for the audit log (never the password). */
static void safe_login(char out[72], const char *login)
{
	size_t n = login ? strlen(login) : 0;
	if (n > 71)
		n = 71;
	for (size_t i = 0; i < n; i++)
		out[i] = (unsigned char)login[i] < 0x20 || login[i] == 0x7f ? '?' : login[i];
	out[n] = 0;
}

typedef struct acct_row {
	bool found;
	int64_t id;
	char login[65];
	unsigned roles;
	int64_t unit;
	char region[7];
	bool disabled;
	int64_t failed, locked_until;
	char hash[ES_PASSWORD_HASH_MAX];
	bool must_change;
} acct_row;

static int acct_row_fn(void *ctx, const es_sval *c, size_t n)
{
	acct_row *r = ctx;
	if (n < 10)
		return ES_EINTERNAL;
	r->found = true;
	r->id = c[0].i;
	es_platform__copy(r->login, sizeof(r->login), &c[1]);
	r->roles = (unsigned)c[2].i;
	r->unit = c[3].type == ES_SV_INT ? c[3].i : 0;
	es_platform__copy(r->region, sizeof(r->region), &c[4]);
	r->disabled = c[5].i != 0;
	r->failed = c[6].i;
	r->locked_until = c[7].i;
	es_platform__copy(r->hash, sizeof(r->hash), &c[8]);
	r->must_change = c[9].type == ES_SV_INT && c[9].i != 0;
	return 1;
}

#define ACCT_SELECT                                                                                           \
	"SELECT a.id, a.login, a.roles, a.unit_id, a.region, a.disabled, a.failed_signins, a.locked_until, c.hash, " \
	"c.must_change FROM accounts a LEFT JOIN credentials c ON c.account_id = a.id "

static int acct_load(es_platform *p, acct_row *r, const char *where, es_sval key)
{
	char sql[512];
	memset(r, 0, sizeof(*r));
	snprintf(sql, sizeof(sql), ACCT_SELECT "WHERE %s", where);
	return es_store_exec(p->st, sql, &key, 1, acct_row_fn, r, NULL);
}

static void actor_fill(es_platform *p, es_actor *a, const acct_row *r, es_auth_kind how)
{
	a->account = r->id;
	snprintf(a->login, sizeof(a->login), "%s", r->login);
	a->roles = r->roles;
	a->unit = r->unit;
	snprintf(a->region, sizeof(a->region), "%s", r->region);
	a->how = how;
	a->when = es_platform__now(p);
}

typedef struct signin_ctx {
	const es_credential *c;
	es_actor *actor;        /* filled on success */
	const char *refusal;    /* set on a refusal: committed, then ES_EAUTH */
	char refusal_buf[160];
	unsigned rehash_cost;   /* raise the stored cost after success */
} signin_ctx;

static int refuse(es_platform *p, signin_ctx *x, int64_t account, const char *who, const char *why_audit,
		  const char *why_user)
{
	x->refusal = why_user;
	char detail[160];
	snprintf(detail, sizeof(detail), "%s by %s%s%s", why_audit, es_auth_kind_name(x->c->kind),
		 x->c->source_addr ? " from " : "", x->c->source_addr ? x->c->source_addr : "");
	return es_platform__audit(p, account, "signin-failed", "account", who, detail, NULL);
}

static int password_tx(es_platform *p, void *vctx)
{
	signin_ctx *x = vctx;
	const es_credential *c = x->c;
	char who[72];
	acct_row r;
	int err;
	es_time now = es_platform__now(p);
	safe_login(who, c->login);
	if ((err = acct_load(p, &r, "a.login = ?", ES_SV_S(c->login))) < 0)
		return err;
	if (!r.found || !r.hash[0]) {
		/* the same work as a real check, so timing does not tell logins apart */
		char dummy[ES_PASSWORD_HASH_MAX];
		if (es_password_hash(dummy, c->password, p->password_cost) < 0)
			es_error_clear();
		return refuse(p, x, 0, who, r.found ? "no password set" : "no such account",
			      "sign-in refused: wrong login or password");
	}
	if (r.locked_until > now) {
		char until[32];
		es_time_iso(until, r.locked_until);
		snprintf(x->refusal_buf, sizeof(x->refusal_buf),
			 "sign-in refused: the account is locked after %d failed sign-ins until %s; try again then or ask an administrator",
			 ES_SIGNIN_TRIES, until);
		return refuse(p, x, r.id, who, "account locked", x->refusal_buf);
	}
	unsigned cost = 0;
	err = es_password_verify(r.hash, c->password, &cost);
	if (err == ES_EAUTH) {
		es_error_clear();
		int64_t failed = r.failed + 1, locked = 0;
		if (failed >= ES_SIGNIN_TRIES) {
			locked = now + ES_SIGNIN_LOCK_SECONDS;
			failed = 0;
		}
		es_sval pv[3] = { ES_SV_I(failed), ES_SV_I(locked), ES_SV_I(r.id) };
		if ((err = es_store_exec(p->st, "UPDATE accounts SET failed_signins = ?, locked_until = ? WHERE id = ?", pv,
					 3, NULL, NULL, NULL)) < 0)
			return err;
		if (locked && (err = es_platform__audit(p, r.id, "account-locked", "account", who,
							  "locked after repeated failed sign-ins", NULL)) < 0)
			return err;
		return refuse(p, x, r.id, who, "wrong credentials", "sign-in refused: wrong login or password");
	}
	if (err < 0)
		return err;
	if (r.disabled)
		return refuse(p, x, r.id, who, "account disabled",
			      "sign-in refused: the account is disabled; ask an administrator");
	if (r.failed || r.locked_until) {
		es_sval pv[1] = { ES_SV_I(r.id) };
		if ((err = es_store_exec(p->st, "UPDATE accounts SET failed_signins = 0, locked_until = 0 WHERE id = ?", pv, 1,
					 NULL, NULL, NULL)) < 0)
			return err;
	}
	if (cost < p->password_cost) {
		char h[ES_PASSWORD_HASH_MAX];
		if ((err = es_password_hash(h, c->password, p->password_cost)) < 0)
			return err;
		es_sval pv[2] = { ES_SV_S(h), ES_SV_I(r.id) };
		if ((err = es_store_exec(p->st, "UPDATE credentials SET hash = ? WHERE account_id = ?", pv, 2, NULL, NULL,
					 NULL)) < 0)
			return err;
	}
	actor_fill(p, x->actor, &r, ES_AUTH_PASSWORD);
	x->actor->must_change = r.must_change;
	return es_platform__audit(p, r.id, "signin", "account", who, r.must_change ? "password (one-time)" : "password",
				  NULL);
}

typedef struct key_row {
	bool found;
	int64_t account;
	uint8_t hash[32];
	bool hash_ok;
	int64_t scope, expires;
	char allow[512];
	bool revoked;
	char name[80];
} key_row;

static int key_row_fn(void *ctx, const es_sval *c, size_t n)
{
	key_row *k = ctx;
	if (n < 6)
		return ES_EINTERNAL;
	k->found = true;
	k->account = c[0].i;
	k->hash_ok = c[1].type == ES_SV_BLOB && c[1].len == 32;
	if (k->hash_ok)
		memcpy(k->hash, c[1].b, 32);
	k->scope = c[2].i;
	k->expires = c[3].i;
	es_platform__copy(k->allow, sizeof(k->allow), &c[4]);
	k->revoked = c[5].type == ES_SV_INT;
	return 1;
}

/* "esk_ID_SECRET" → id; -1 if the shape is wrong. */
static int64_t key_id(const char *key)
{
	if (strncmp(key, "esk_", 4) != 0)
		return -1;
	char *end;
	long long id = strtoll(key + 4, &end, 10);
	if (end == key + 4 || *end != '_' || id <= 0 || strlen(end + 1) != 43)
		return -1;
	return id;
}

static int api_key_tx(es_platform *p, void *vctx)
{
	signin_ctx *x = vctx;
	const es_credential *c = x->c;
	int64_t id = key_id(c->api_key);
	char who[72];
	key_row k;
	int err;
	memset(&k, 0, sizeof(k));
	snprintf(who, sizeof(who), "api-key %lld", (long long)(id > 0 ? id : 0));
	if (id > 0) {
		es_sval pv[1] = { ES_SV_I(id) };
		if ((err = es_store_exec(p->st,
					 "SELECT account_id, key_hash, scope, expires_at, allow_from, revoked_at FROM api_keys "
					 "WHERE id = ?",
					 pv, 1, key_row_fn, &k, NULL)) < 0)
			return err;
	}
	uint8_t h[32];
	if ((err = es_sm3(h, c->api_key, strlen(c->api_key))) < 0)
		return err;
	if (!k.found || !k.hash_ok || CRYPTO_memcmp(h, k.hash, 32) != 0)
		return refuse(p, x, 0, who, "unknown key", "sign-in refused: unknown API key");
	if (k.revoked)
		return refuse(p, x, k.account, who, "key revoked", "sign-in refused: the API key was revoked");
	if (k.expires <= es_platform__now(p))
		return refuse(p, x, k.account, who, "key expired", "sign-in refused: the API key has expired; ask for a new one");
	if (k.allow[0] && !es_cidr_list_match(k.allow, c->source_addr)) {
		snprintf(x->refusal_buf, sizeof(x->refusal_buf),
			 "sign-in refused: the API key may not be used from %.60s", c->source_addr ? c->source_addr : "an unknown address");
		return refuse(p, x, k.account, who, "address not allowed", x->refusal_buf);
	}
	acct_row r;
	if ((err = acct_load(p, &r, "a.id = ?", ES_SV_I(k.account))) < 0)
		return err;
	if (!r.found || r.disabled)
		return refuse(p, x, k.account, who, "account disabled",
			      "sign-in refused: the key's account is disabled; ask an administrator");
	actor_fill(p, x->actor, &r, ES_AUTH_API_KEY);
	x->actor->scope = (uint64_t)k.scope;
	x->actor->key_id = id;
	return 0; /* a successful key use is audited by the actions it takes, not per request */
}

typedef struct cert_row {
	bool found;
	int64_t account;
	uint8_t fp[32];
	bool fp_ok;
} cert_row;

static int cert_row_fn(void *ctx, const es_sval *c, size_t n)
{
	cert_row *r = ctx;
	if (n < 2)
		return ES_EINTERNAL;
	r->found = true;
	r->account = c[0].i;
	r->fp_ok = c[1].type == ES_SV_BLOB && c[1].len == 32;
	if (r->fp_ok)
		memcpy(r->fp, c[1].b, 32);
	return 1;
}

static int cert_tx(es_platform *p, void *vctx)
{
	signin_ctx *x = vctx;
	const es_credential *c = x->c;
	es_cert *cert = NULL;
	es_buf subject = ES_BUF_INIT, issuer = ES_BUF_INIT;
	const es_sm2_key *pub;
	char who[72] = "certificate";
	int err = 0;
	es_time now = es_platform__now(p);
	if (es_cert_from_der(&cert, c->cert, c->cert_len) < 0) {
		es_error_clear();
		err = refuse(p, x, 0, who, "unreadable certificate", "sign-in refused: the certificate cannot be read");
		goto done;
	}
	if ((err = es_cert_subject(&subject, cert)) < 0 || (err = es_cert_issuer(&issuer, cert)) < 0 ||
	    (err = es_buf_put(&subject, "", 1)) < 0 || (err = es_buf_put(&issuer, "", 1)) < 0)
		goto done;
	safe_login(who, (const char *)subject.ptr);
	/* the challenge: ours, unexpired, and used up now */
	int64_t n = c->possession_proved; /* proved to the trusted TLS terminator: no challenge */
	if (!c->possession_proved && c->challenge_len == ES_CHALLENGE_LEN) {
		es_sval pv[2] = { ES_SV_B(c->challenge, c->challenge_len), ES_SV_I(now) };
		if ((err = es_store_int(p->st, &n, "SELECT COUNT(*) FROM signin_challenges WHERE nonce = ? AND expires_at > ?",
					pv, 2)) < 0)
			goto done;
		if ((err = es_store_exec(p->st, "DELETE FROM signin_challenges WHERE nonce = ? OR expires_at <= ?", pv, 2,
					 NULL, NULL, NULL)) < 0)
			goto done;
	}
	if (n != 1) {
		err = refuse(p, x, 0, who, "unknown or expired challenge",
			     "sign-in refused: the challenge is unknown, used or expired; ask for a new one");
		goto done;
	}
	if ((err = es_cert_pubkey(&pub, cert)) < 0) {
		es_error_clear();
		err = refuse(p, x, 0, who, "not an SM2 certificate", "sign-in refused: the certificate is not an SM2 certificate");
		goto done;
	}
	if (!c->possession_proved &&
	    es_sm2_verify(pub, NULL, 0, c->challenge, c->challenge_len, c->signature, c->signature_len) < 0) {
		es_error_clear();
		err = refuse(p, x, 0, who, "bad challenge signature",
			     "sign-in refused: the signature does not match the certificate");
		goto done;
	}
	if (now < es_cert_not_before(cert) || now > es_cert_not_after(cert)) {
		err = refuse(p, x, 0, who, "certificate outside its validity",
			     "sign-in refused: the certificate is not valid now");
		goto done;
	}
	cert_row m = { 0 };
	es_sval pv[2] = { ES_SV_S((const char *)subject.ptr), ES_SV_S((const char *)issuer.ptr) };
	if ((err = es_store_exec(p->st, "SELECT account_id, fingerprint FROM client_certs WHERE subject = ? AND issuer = ?",
				 pv, 2, cert_row_fn, &m, NULL)) < 0)
		goto done;
	uint8_t fp[32];
	es_bytes der = es_cert_der(cert);
	if ((err = es_sm3(fp, der.ptr, der.len)) < 0)
		goto done;
	/* the very certificate registered, or another one of that subject issued by the platform's root */
	bool trusted = m.found && ((m.fp_ok && memcmp(fp, m.fp, 32) == 0) || (p->root && es_cert_signed_by(cert, p->root)));
	if (!trusted) {
		err = refuse(p, x, m.found ? m.account : 0, who, m.found ? "certificate not trusted" : "certificate not mapped",
			     "sign-in refused: this certificate is not registered for any account");
		goto done;
	}
	acct_row r;
	if ((err = acct_load(p, &r, "a.id = ?", ES_SV_I(m.account))) < 0)
		goto done;
	if (!r.found || r.disabled) {
		err = refuse(p, x, m.account, who, "account disabled",
			     "sign-in refused: the account is disabled; ask an administrator");
		goto done;
	}
	actor_fill(p, x->actor, &r, ES_AUTH_CERT);
	err = es_platform__audit(p, r.id, "signin", "account", r.login,
				 c->possession_proved ? "certificate (TLS terminator)" : "certificate", NULL);
done:
	es_cert_free(cert);
	es_buf_release(&subject);
	es_buf_release(&issuer);
	return err;
}

int es_platform_authenticate(es_platform *p, const es_credential *c, es_actor **out)
{
	ES_ASSERT_ARG(p && c && out);
	*out = NULL;
	es_tx_fn fn;
	switch (c->kind) {
	case ES_AUTH_PASSWORD:
		if (!c->login || !c->password)
			return es_error_set(ES_EAUTH, "sign-in refused: give a login and a password");
		if (strlen(c->password) > ES_PASSWORD_MAX || strlen(c->login) > 64)
			return es_error_set(ES_EAUTH, "sign-in refused: wrong login or password");
		fn = password_tx;
		break;
	case ES_AUTH_API_KEY:
		if (!c->api_key || strlen(c->api_key) >= ES_API_KEY_MAX)
			return es_error_set(ES_EAUTH, "sign-in refused: unknown API key");
		fn = api_key_tx;
		break;
	case ES_AUTH_CERT:
		if (!c->cert || !c->cert_len || (!c->possession_proved && (!c->challenge || !c->signature)))
			return es_error_set(ES_EAUTH, "sign-in refused: give the certificate, the challenge and its signature");
		if (c->cert_len > 16384 || c->signature_len > 256 || c->challenge_len > 256)
			return es_error_set(ES_EAUTH, "sign-in refused: the certificate or signature is too large");
		fn = cert_tx;
		break;
	default:
		return es_error_set(ES_EAUTH, "sign-in refused: the system account cannot sign in with a credential");
	}
	signin_ctx x = { c, actor_new(), NULL, { 0 }, 0 };
	if (!x.actor)
		return es_error_set(ES_ENOMEM, "out of memory");
	int err = es_platform__tx(p, fn, &x);
	if (err == 0 && x.refusal)
		err = es_error_set(ES_EAUTH, "%s", x.refusal);
	if (err < 0) {
		es_actor_free(x.actor);
		return err;
	}
	*out = x.actor;
	return 0;
}

/* ---- account administration ---------------------------------------------- */

typedef struct cred_ctx {
	int64_t actor;
	const char *login;
	char hash[ES_PASSWORD_HASH_MAX];
	bool must_change;
	const char *event;
	bool disabled;
} cred_ctx;

static int find_account(es_platform *p, const char *login, int64_t *id)
{
	int err = es_platform_account_find(p, login, id);
	return err;
}

static int otp_tx(es_platform *p, void *vctx)
{
	cred_ctx *x = vctx;
	int64_t id;
	int err;
	if ((err = find_account(p, x->login, &id)) < 0)
		return err;
	es_time now = es_platform__now(p);
	es_sval del[1] = { ES_SV_I(id) };
	es_sval pv[4] = { ES_SV_I(id), ES_SV_S(x->hash), ES_SV_I(x->must_change), ES_SV_I(now) };
	if ((err = es_store_exec(p->st, "DELETE FROM credentials WHERE account_id = ?", del, 1, NULL, NULL, NULL)) < 0 ||
	    (err = es_store_exec(p->st, "INSERT INTO credentials (account_id, hash, must_change, changed_at) VALUES (?, ?, ?, ?)",
				 pv, 4, NULL, NULL, NULL)) < 0 ||
	    (err = es_store_exec(p->st, "UPDATE accounts SET failed_signins = 0, locked_until = 0 WHERE id = ?", del, 1,
				 NULL, NULL, NULL)) < 0 ||
	    (err = end_sessions(p, id)) < 0) /* a new password ends the sessions opened with the old one */
		return err;
	return es_platform__audit(p, x->actor, x->event, "account", x->login, "", NULL);
}

static const char otp_alphabet[] = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

int es_platform_account_otp(es_platform *p, const es_actor *who, const char *login, char otp[ES_OTP_LEN + 1])
{
	int64_t actor = es_platform__enter(p, who);
	ES_ASSERT_ARG(p && login && otp);
	int err;
	if ((err = es_platform__authorize(p, actor, ES_ACT_ACCOUNT_ADD, -1, NULL)) < 0)
		return err;
	/* uniform choice from the alphabet (rejection sampling), at least one of lower, upper, digit */
	const size_t na = sizeof(otp_alphabet) - 1;
	for (;;) {
		size_t i = 0;
		while (i < ES_OTP_LEN) {
			uint8_t b[32];
			if ((err = es_random(b, sizeof(b))) < 0)
				return err;
			for (size_t j = 0; j < sizeof(b) && i < ES_OTP_LEN; j++)
				if (b[j] < 256 / na * na)
					otp[i++] = otp_alphabet[b[j] % na];
		}
		otp[ES_OTP_LEN] = 0;
		if (es_password_rules(login, otp) == 0)
			break;
		es_error_clear();
	}
	cred_ctx x = { actor, login, { 0 }, true, "password-reset", false };
	if ((err = es_password_hash(x.hash, otp, p->password_cost)) < 0 || (err = es_platform__tx(p, otp_tx, &x)) < 0) {
		OPENSSL_cleanse(otp, ES_OTP_LEN);
		otp[0] = 0;
		return err;
	}
	return 0;
}

int es_platform_password_change(es_platform *p, const char *login, const char *old_pw, const char *new_pw)
{
	ES_ASSERT_ARG(p && login && old_pw && new_pw);
	int err;
	if ((err = es_password_rules(login, new_pw)) < 0)
		return err;
	if (strcmp(old_pw, new_pw) == 0)
		return es_error_set(ES_EINVAL, "the new password must differ from the current one");
	/* proving the old password goes through sign-in, so it is counted and locked the same way */
	es_credential c = { .kind = ES_AUTH_PASSWORD, .login = login, .password = old_pw };
	es_actor *a = NULL;
	if ((err = es_platform_authenticate(p, &c, &a)) < 0)
		return err;
	cred_ctx x = { a->account, login, { 0 }, false, "password-change", false };
	es_actor_free(a);
	if ((err = es_password_hash(x.hash, new_pw, p->password_cost)) < 0)
		return err;
	return es_platform__tx(p, otp_tx, &x);
}

static int disable_tx(es_platform *p, void *vctx)
{
	cred_ctx *x = vctx;
	int64_t id;
	int err;
	if ((err = find_account(p, x->login, &id)) < 0)
		return err;
	es_sval pv[2] = { ES_SV_I(x->disabled), ES_SV_I(id) };
	if ((err = es_store_exec(p->st, "UPDATE accounts SET disabled = ? WHERE id = ?", pv, 2, NULL, NULL, NULL)) < 0 ||
	    (x->disabled && (err = end_sessions(p, id)) < 0))
		return err;
	return es_platform__audit(p, x->actor, x->disabled ? "account-disabled" : "account-enabled", "account", x->login,
				  "", NULL);
}

int es_platform_account_disable(es_platform *p, const es_actor *who, const char *login, bool disabled)
{
	int64_t actor = es_platform__enter(p, who);
	ES_ASSERT_ARG(p && login);
	int err;
	if ((err = es_platform__authorize(p, actor, ES_ACT_ACCOUNT_ADD, -1, NULL)) < 0)
		return err;
	if (actor != ES_ACCOUNT_SYSTEM && disabled) {
		int64_t id;
		if ((err = find_account(p, login, &id)) < 0)
			return err;
		if (id == actor)
			return es_error_set(ES_EDENIED, "an administrator cannot disable their own account: ask another one");
	}
	cred_ctx x = { actor, login, { 0 }, false, NULL, disabled };
	return es_platform__tx(p, disable_tx, &x);
}

/* ---- API keys ------------------------------------------------------------------ */

typedef struct key_ctx {
	int64_t actor;
	const es_api_key_spec *spec;
	uint8_t secret[32];
	char *key_out;
	int64_t id;
} key_ctx;

static void b64url(char *out, const uint8_t *in, size_t n)
{
	es_base64(out, in, n, true);
}

static int key_tx(es_platform *p, void *vctx)
{
	key_ctx *x = vctx;
	int64_t account;
	int err;
	char secret[48], key[ES_API_KEY_MAX];
	uint8_t h[32];
	if ((err = find_account(p, x->spec->login, &account)) < 0)
		return err;
	if ((err = es_store_next(p->st, &x->id, "api_key")) < 0)
		return err;
	b64url(secret, x->secret, sizeof(x->secret));
	snprintf(key, sizeof(key), "esk_%lld_%s", (long long)x->id, secret);
	if ((err = es_sm3(h, key, strlen(key))) < 0)
		return err;
	es_sval pv[9] = { ES_SV_I(x->id),       ES_SV_I(account),
			  ES_SV_S(x->spec->name), ES_SV_B(h, 32),
			  ES_SV_I((int64_t)x->spec->scope), ES_SV_I(x->spec->expires),
			  ES_SV_S(x->spec->allow_from), ES_SV_I(x->actor),
			  ES_SV_I(es_platform__now(p)) };
	if ((err = es_store_exec(p->st,
				 "INSERT INTO api_keys (id, account_id, name, key_hash, scope, expires_at, allow_from, "
				 "created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
				 pv, 9, NULL, NULL, NULL)) < 0)
		return err;
	char id[24], detail[200];
	snprintf(id, sizeof(id), "%lld", (long long)x->id);
	snprintf(detail, sizeof(detail), "for %.64s: %.64s", x->spec->login, x->spec->name);
	if ((err = es_platform__audit(p, x->actor, "api-key-created", "api-key", id, detail, NULL)) < 0)
		return err;
	memcpy(x->key_out, key, strlen(key) + 1);
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(secret, sizeof(secret));
	return 0;
}

int es_platform_api_key_create(es_platform *p, const es_actor *who, const es_api_key_spec *spec, char key_out[ES_API_KEY_MAX],
			       int64_t *id)
{
	int64_t actor = es_platform__enter(p, who);
	ES_ASSERT_ARG(p && spec && key_out);
	int err;
	key_out[0] = 0;
	if ((err = es_platform__authorize(p, actor, ES_ACT_ACCOUNT_ADD, -1, NULL)) < 0)
		return err;
	if ((err = es_platform__check_text("login", spec->login, 64, true)) < 0 ||
	    (err = es_platform__check_text("key name", spec->name, 200, true)) < 0)
		return err;
	if (spec->expires <= es_platform__now(p))
		return es_error_set(ES_EINVAL, "an API key needs an expiry in the future");
	if (spec->allow_from && (err = es_cidr_list_check(spec->allow_from)) < 0)
		return err;
	if (spec->allow_from && strlen(spec->allow_from) >= 512)
		return es_error_set(ES_EINVAL, "the address allow-list is longer than 511 bytes");
	if (spec->scope >> 63)
		return es_error_set(ES_EINVAL, "scope bit 63 is not an action");
	key_ctx x = { actor, spec, { 0 }, key_out, 0 };
	if ((err = es_random(x.secret, sizeof(x.secret))) < 0)
		return err;
	err = es_platform__tx(p, key_tx, &x);
	OPENSSL_cleanse(x.secret, sizeof(x.secret));
	if (err < 0) {
		key_out[0] = 0;
		return err;
	}
	if (id)
		*id = x.id;
	return 0;
}

typedef struct revoke_ctx {
	int64_t actor, id;
} revoke_ctx;

static int revoke_tx(es_platform *p, void *vctx)
{
	revoke_ctx *x = vctx;
	int64_t n = 0;
	int err;
	es_sval q[1] = { ES_SV_I(x->id) };
	if ((err = es_store_int(p->st, &n, "SELECT COUNT(*) FROM api_keys WHERE id = ? AND revoked_at IS NULL", q, 1)) < 0)
		return err;
	if (n != 1)
		return es_error_set(ES_ENOTFOUND, "no API key %lld in force", (long long)x->id);
	es_sval pv[2] = { ES_SV_I(es_platform__now(p)), ES_SV_I(x->id) };
	if ((err = es_store_exec(p->st, "UPDATE api_keys SET revoked_at = ? WHERE id = ?", pv, 2, NULL, NULL, NULL)) < 0)
		return err;
	char id[24];
	snprintf(id, sizeof(id), "%lld", (long long)x->id);
	return es_platform__audit(p, x->actor, "api-key-revoked", "api-key", id, "", NULL);
}

int es_platform_api_key_revoke(es_platform *p, const es_actor *who, int64_t id)
{
	int64_t actor = es_platform__enter(p, who);
	ES_ASSERT_ARG(p);
	int err;
	if ((err = es_platform__authorize(p, actor, ES_ACT_ACCOUNT_ADD, -1, NULL)) < 0)
		return err;
	revoke_ctx x = { actor, id };
	return es_platform__tx(p, revoke_tx, &x);
}

/* ---- certificates ------------------------------------------------------------ */

typedef struct map_ctx {
	int64_t actor;
	const char *login, *subject, *issuer;
	uint8_t fp[32];
} map_ctx;

static int map_tx(es_platform *p, void *vctx)
{
	map_ctx *x = vctx;
	int64_t account, id;
	int err;
	if ((err = find_account(p, x->login, &account)) < 0 || (err = es_store_next(p->st, &id, "client_cert")) < 0)
		return err;
	es_sval pv[6] = { ES_SV_I(id), ES_SV_I(account), ES_SV_S(x->subject), ES_SV_S(x->issuer), ES_SV_B(x->fp, 32),
			  ES_SV_I(es_platform__now(p)) };
	err = es_store_exec(p->st,
			    "INSERT INTO client_certs (id, account_id, subject, issuer, fingerprint, created_at) "
			    "VALUES (?, ?, ?, ?, ?, ?)",
			    pv, 6, NULL, NULL, NULL);
	if (err == ES_EEXISTS)
		return es_error_set(ES_EEXISTS, "this certificate's subject and issuer are mapped to an account already");
	if (err < 0)
		return err;
	char detail[300];
	snprintf(detail, sizeof(detail), "%.140s issued by %.140s", x->subject, x->issuer);
	return es_platform__audit(p, x->actor, "cert-mapped", "account", x->login, detail, NULL);
}

int es_platform_cert_map(es_platform *p, const es_actor *who, const char *login, const uint8_t *der, size_t len)
{
	int64_t actor = es_platform__enter(p, who);
	ES_ASSERT_ARG(p && login && der);
	int err;
	es_cert *cert = NULL;
	es_buf subject = ES_BUF_INIT, issuer = ES_BUF_INIT;
	if ((err = es_platform__authorize(p, actor, ES_ACT_ACCOUNT_ADD, -1, NULL)) < 0)
		return err;
	if ((err = es_cert_from_der(&cert, der, len)) < 0)
		return es_error_wrap(err, "reading the certificate to map");
	map_ctx x = { actor, login, NULL, NULL, { 0 } };
	es_bytes d = es_cert_der(cert);
	if (!es_cert_is_sm2(cert)) {
		err = es_error_set(ES_ENOTSUPPORTED, "only SM2 certificates sign in: this one has another key type");
		goto done;
	}
	if ((err = es_cert_subject(&subject, cert)) < 0 || (err = es_cert_issuer(&issuer, cert)) < 0 ||
	    (err = es_buf_put(&subject, "", 1)) < 0 || (err = es_buf_put(&issuer, "", 1)) < 0 ||
	    (err = es_sm3(x.fp, d.ptr, d.len)) < 0)
		goto done;
	x.subject = (const char *)subject.ptr;
	x.issuer = (const char *)issuer.ptr;
	err = es_platform__tx(p, map_tx, &x);
done:
	es_cert_free(cert);
	es_buf_release(&subject);
	es_buf_release(&issuer);
	return err;
}

static int challenge_tx(es_platform *p, void *vctx)
{
	const uint8_t *nonce = vctx;
	es_time now = es_platform__now(p);
	es_sval old[1] = { ES_SV_I(now) };
	es_sval pv[2] = { ES_SV_B(nonce, ES_CHALLENGE_LEN), ES_SV_I(now + ES_CHALLENGE_SECONDS) };
	int err = es_store_exec(p->st, "DELETE FROM signin_challenges WHERE expires_at <= ?", old, 1, NULL, NULL, NULL);
	if (err < 0)
		return err;
	return es_store_exec(p->st, "INSERT INTO signin_challenges (nonce, expires_at) VALUES (?, ?)", pv, 2, NULL, NULL,
			     NULL);
}

int es_platform_signin_challenge(es_platform *p, uint8_t out[ES_CHALLENGE_LEN])
{
	ES_ASSERT_ARG(p && out);
	int err;
	if ((err = es_random(out, ES_CHALLENGE_LEN)) < 0)
		return err;
	return es_platform__tx(p, challenge_tx, out);
}

/* ---- sessions ---------------------------------------------------------------- */

static int random_token(char out[ES_SESSION_TOKEN_LEN])
{
	uint8_t r[32];
	int err = es_random(r, sizeof(r));
	if (err < 0)
		return err;
	b64url(out, r, sizeof(r));
	OPENSSL_cleanse(r, sizeof(r));
	return 0;
}

static int end_sessions(es_platform *p, int64_t account)
{
	es_sval pv[2] = { ES_SV_I(es_platform__now(p)), ES_SV_I(account) };
	return es_store_exec(p->st, "UPDATE sessions SET ended_at = ? WHERE account_id = ? AND ended_at IS NULL", pv, 2,
			     NULL, NULL, NULL);
}

typedef struct sess_ctx {
	const es_actor *a;
	uint8_t hash[32];
	const char *csrf;
} sess_ctx;

static int session_open_tx(es_platform *p, void *vctx)
{
	sess_ctx *x = vctx;
	es_time now = es_platform__now(p);
	es_sval pv[7] = { ES_SV_B(x->hash, 32), ES_SV_I(x->a->account), ES_SV_I(x->a->how), ES_SV_I(x->a->must_change),
			  ES_SV_S(x->csrf),     ES_SV_I(now),          ES_SV_I(now) };
	int err = es_store_exec(p->st,
				"INSERT INTO sessions (token_hash, account_id, how, must_change, csrf, created_at, last_seen) "
				"VALUES (?, ?, ?, ?, ?, ?, ?)",
				pv, 7, NULL, NULL, NULL);
	if (err < 0)
		return err;
	return es_platform__audit(p, x->a->account, "session-open", "account", x->a->login, es_auth_kind_name(x->a->how),
				  NULL);
}

int es_platform_session_open(es_platform *p, const es_actor *a, char token[ES_SESSION_TOKEN_LEN],
			     char csrf[ES_SESSION_TOKEN_LEN])
{
	ES_ASSERT_ARG(p && a && token && csrf);
	int err;
	token[0] = csrf[0] = 0;
	if (a->how != ES_AUTH_PASSWORD && a->how != ES_AUTH_CERT)
		return es_error_set(ES_EINVAL, "sessions are for people signed in by password or certificate");
	if ((err = random_token(token)) < 0 || (err = random_token(csrf)) < 0)
		return err;
	sess_ctx x = { a, { 0 }, csrf };
	if ((err = es_sm3(x.hash, token, strlen(token))) < 0 || (err = es_platform__tx(p, session_open_tx, &x)) < 0) {
		OPENSSL_cleanse(token, ES_SESSION_TOKEN_LEN);
		token[0] = csrf[0] = 0;
	}
	return err;
}

typedef struct sess_row {
	bool found, ended;
	int64_t account, how, must_change, created, last_seen;
	char csrf[ES_SESSION_TOKEN_LEN];
} sess_row;

static int sess_row_fn(void *ctx, const es_sval *c, size_t n)
{
	sess_row *r = ctx;
	if (n < 7)
		return ES_EINTERNAL;
	r->found = true;
	r->account = c[0].i;
	r->how = c[1].i;
	r->must_change = c[2].i;
	es_platform__copy(r->csrf, sizeof(r->csrf), &c[3]);
	r->created = c[4].i;
	r->last_seen = c[5].i;
	r->ended = c[6].type != ES_SV_NULL;
	return 1;
}

int es_platform_session_actor(es_platform *p, const char *token, es_actor **out, char csrf[ES_SESSION_TOKEN_LEN])
{
	ES_ASSERT_ARG(p && token && out);
	*out = NULL;
	uint8_t h[32];
	sess_row r = { 0 };
	int err;
	if (strlen(token) != ES_SESSION_TOKEN_LEN - 1)
		return es_error_set(ES_EAUTH, "no session: sign in");
	if ((err = es_sm3(h, token, strlen(token))) < 0)
		return err;
	es_sval pv[1] = { ES_SV_B(h, 32) };
	if ((err = es_store_exec(p->st,
				 "SELECT account_id, how, must_change, csrf, created_at, last_seen, ended_at FROM sessions "
				 "WHERE token_hash = ?",
				 pv, 1, sess_row_fn, &r, NULL)) < 0)
		return err;
	es_time now = es_platform__now(p);
	if (!r.found || r.ended)
		return es_error_set(ES_EAUTH, "the session has ended: sign in again");
	if (now - r.last_seen > ES_SESSION_IDLE_SECONDS)
		return es_error_set(ES_EAUTH, "the session was idle for more than %d minutes: sign in again",
				    ES_SESSION_IDLE_SECONDS / 60);
	if (now - r.created > ES_SESSION_MAX_SECONDS)
		return es_error_set(ES_EAUTH, "the session is older than %d hours: sign in again", ES_SESSION_MAX_SECONDS / 3600);
	acct_row a;
	if ((err = acct_load(p, &a, "a.id = ?", ES_SV_I(r.account))) < 0)
		return err;
	if (!a.found || a.disabled)
		return es_error_set(ES_EAUTH, "the account is disabled: ask an administrator");
	/* the idle clock moves at most once a minute: reads stay reads */
	if (now - r.last_seen >= 60) {
		es_sval up[2] = { ES_SV_I(now), ES_SV_B(h, 32) };
		if ((err = es_store_exec(p->st, "UPDATE sessions SET last_seen = ? WHERE token_hash = ?", up, 2, NULL, NULL,
					 NULL)) < 0)
			return err;
	}
	es_actor *x = actor_new();
	if (!x)
		return es_error_set(ES_ENOMEM, "out of memory");
	actor_fill(p, x, &a, (es_auth_kind)r.how);
	x->must_change = r.must_change != 0;
	if (csrf)
		memcpy(csrf, r.csrf, sizeof(r.csrf));
	*out = x;
	return 0;
}

typedef struct close_ctx {
	uint8_t hash[32];
} close_ctx;

static int session_close_tx(es_platform *p, void *vctx)
{
	close_ctx *x = vctx;
	int64_t account = -1;
	es_sval pv[1] = { ES_SV_B(x->hash, 32) };
	int err = es_store_int(p->st, &account, "SELECT account_id FROM sessions WHERE token_hash = ? AND ended_at IS NULL",
			       pv, 1);
	if (err == ES_ENOTFOUND) {
		es_error_clear();
		return 0;
	}
	if (err < 0)
		return err;
	es_sval up[2] = { ES_SV_I(es_platform__now(p)), ES_SV_B(x->hash, 32) };
	if ((err = es_store_exec(p->st, "UPDATE sessions SET ended_at = ? WHERE token_hash = ?", up, 2, NULL, NULL, NULL)) <
	    0)
		return err;
	return es_platform__audit(p, account, "session-close", "account", "", "signed out", NULL);
}

int es_platform_session_close(es_platform *p, const char *token)
{
	ES_ASSERT_ARG(p && token);
	close_ctx x;
	int err;
	if (strlen(token) != ES_SESSION_TOKEN_LEN - 1)
		return 0;
	if ((err = es_sm3(x.hash, token, strlen(token))) < 0)
		return err;
	return es_platform__tx(p, session_close_tx, &x);
}

typedef struct endall_ctx {
	int64_t actor;
	const char *login;
} endall_ctx;

static int endall_tx(es_platform *p, void *vctx)
{
	endall_ctx *x = vctx;
	int64_t id;
	int err;
	if ((err = find_account(p, x->login, &id)) < 0 || (err = end_sessions(p, id)) < 0)
		return err;
	return es_platform__audit(p, x->actor, "sessions-ended", "account", x->login, "", NULL);
}

int es_platform_sessions_end_all(es_platform *p, const es_actor *who, const char *login)
{
	int64_t actor = es_platform__enter(p, who);
	ES_ASSERT_ARG(p && login);
	int err;
	if ((err = es_platform__authorize(p, actor, ES_ACT_ACCOUNT_ADD, -1, NULL)) < 0)
		return err;
	endall_ctx x = { actor, login };
	return es_platform__tx(p, endall_tx, &x);
}
