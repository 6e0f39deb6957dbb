/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Opening the platform, the authority, roles and the one permission check,
 * transactions, transitions and personal data at rest. */
#include "es_int.h"
#include "platform_int.h"
#include "eseal/es_ids.h"
#include "eseal/es_auth.h"
#include "estime.h"
#include "file.h"
#include "text.h"

#define DAY 86400LL

static const struct {
	unsigned bit;
	const char *name;
} role_names[] = {
	{ ES_ROLE_APPLICANT, "applicant" },     { ES_ROLE_MAKER, "maker" },
	{ ES_ROLE_REVIEWER, "reviewer" },       { ES_ROLE_UNIT_ADMIN, "unit-admin" },
	{ ES_ROLE_USE_APPROVER, "use-approver" }, { ES_ROLE_AUDITOR, "auditor" },
	{ ES_ROLE_SYSADMIN, "sysadmin" },
};

unsigned es_role_parse(const char *names)
{
	unsigned out = 0;
	const char *p = names;
	if (!names || !*names)
		return 0;
	while (*p) {
		size_t n = strcspn(p, ",");
		unsigned bit = 0;
		for (size_t i = 0; i < ES_ARRAY_LEN(role_names); i++)
			if (strlen(role_names[i].name) == n && memcmp(role_names[i].name, p, n) == 0)
				bit = role_names[i].bit;
		if (!bit)
			return 0;
		out |= bit;
		p += n;
		if (*p == ',')
			p++;
	}
	return out;
}

const char *es_role_name(unsigned bit)
{
	for (size_t i = 0; i < ES_ARRAY_LEN(role_names); i++)
		if (role_names[i].bit == bit)
			return role_names[i].name;
	return NULL;
}

static const char *const biz_names[] = { NULL, "apply", "renew", "change", "revoke", "loss", "reissue", "pin-unlock", "reenable" };

int es_business_parse(const char *name)
{
	for (size_t i = 1; name && i < ES_ARRAY_LEN(biz_names); i++)
		if (strcmp(biz_names[i], name) == 0)
			return (int)i;
	return -1;
}

const char *es_business_name(int biz)
{
	return biz >= 1 && (size_t)biz < ES_ARRAY_LEN(biz_names) ? biz_names[biz] : NULL;
}

unsigned es_region_level(const char *code)
{
	if (strcmp(code + 2, "0000") == 0)
		return 1;
	if (strcmp(code + 4, "00") == 0)
		return 2;
	return 3;
}

/* ---- the role table: least privilege, checked here only ----------------- */

#define R_ALL (ES_ROLE_APPLICANT | ES_ROLE_MAKER | ES_ROLE_REVIEWER | ES_ROLE_UNIT_ADMIN | ES_ROLE_USE_APPROVER | \
	       ES_ROLE_AUDITOR | ES_ROLE_SYSADMIN)
static const struct {
	es_action action;
	unsigned roles;
	bool unit_scoped; /* the actor's own unit only */
	bool system;      /* the system account may do it */
	const char *what;
} rules[] = {
	{ ES_ACT_READ, R_ALL, false, true, "read records" },
	{ ES_ACT_READ_PII, ES_ROLE_MAKER | ES_ROLE_REVIEWER, false, false, "see personal data unmasked" },
	{ ES_ACT_REGION_ADD, ES_ROLE_SYSADMIN, false, true, "add regions" },
	{ ES_ACT_UNIT_ADD, ES_ROLE_SYSADMIN | ES_ROLE_MAKER, false, true, "register units" },
	{ ES_ACT_PERSON_ADD, ES_ROLE_SYSADMIN | ES_ROLE_MAKER | ES_ROLE_APPLICANT | ES_ROLE_UNIT_ADMIN, false, true,
	  "register people" },
	{ ES_ACT_ACCOUNT_ADD, ES_ROLE_SYSADMIN, false, true, "create accounts and change their roles" },
	{ ES_ACT_APP_CREATE, ES_ROLE_APPLICANT | ES_ROLE_UNIT_ADMIN, true, false, "file applications" },
	{ ES_ACT_APP_SUBMIT, ES_ROLE_APPLICANT | ES_ROLE_UNIT_ADMIN, true, false, "submit applications" },
	{ ES_ACT_APP_FORWARD, ES_ROLE_MAKER, false, false, "forward applications" },
	{ ES_ACT_APP_CHECK, ES_ROLE_MAKER, false, false, "check applications" },
	{ ES_ACT_APP_REVIEW, ES_ROLE_REVIEWER, false, false, "review applications" },
	{ ES_ACT_SEAL_MAKE, ES_ROLE_MAKER, false, false, "make seals" },
	{ ES_ACT_APP_FILE, ES_ROLE_MAKER, false, false, "file seals" },
	{ ES_ACT_APP_DELIVER, ES_ROLE_MAKER, false, false, "deliver seals" },
	{ ES_ACT_SEAL_CONFIRM, ES_ROLE_APPLICANT | ES_ROLE_UNIT_ADMIN, true, false, "confirm impressions" },
	{ ES_ACT_SEAL_USE, ES_ROLE_APPLICANT | ES_ROLE_UNIT_ADMIN | ES_ROLE_USE_APPROVER, false, false, "use seals" },
	{ ES_ACT_SEAL_AUTHORISE, ES_ROLE_UNIT_ADMIN, true, false, "authorise seal use" },
	{ ES_ACT_JOBS, ES_ROLE_SYSADMIN, false, true, "run jobs" },
	{ ES_ACT_REGISTRY, ES_ROLE_SYSADMIN, false, true, "import the registry" },
	{ ES_ACT_OUTBOX, ES_ROLE_SYSADMIN, false, true, "deliver filings" },
	{ ES_ACT_AUDIT, ES_ROLE_AUDITOR | ES_ROLE_SYSADMIN, false, true, "verify the audit log" },
	{ ES_ACT_USE_REQUEST, ES_ROLE_APPLICANT | ES_ROLE_UNIT_ADMIN, true, false, "request seal use" },
	{ ES_ACT_USE_APPROVE, ES_ROLE_USE_APPROVER, false, false, "approve seal use" },
	{ ES_ACT_TOKEN, ES_ROLE_UNIT_ADMIN, true, false, "manage seal keys and PINs" },
	{ ES_ACT_BACKUP, ES_ROLE_SYSADMIN, false, true, "make backups" },
};

typedef struct acct_ctx {
	es_account *a;
	bool found;
	bool disabled;
} acct_ctx;

static int acct_row(void *ctx, const es_sval *c, size_t n)
{
	acct_ctx *x = ctx;
	if (n < 5)
		return ES_EINTERNAL;
	x->disabled = c[4].type == ES_SV_INT && c[4].i != 0;
	x->a->roles = (unsigned)c[0].i;
	x->a->unit_id = c[1].type == ES_SV_INT ? c[1].i : 0;
	es_platform__copy(x->a->region, sizeof(x->a->region), &c[2]);
	es_platform__copy(x->a->login, sizeof(x->a->login), &c[3]);
	x->found = true;
	return 1;
}

int es_platform__account(es_platform *p, int64_t id, es_account *out)
{
	memset(out, 0, sizeof(*out));
	out->id = id;
	if (id == ES_ACCOUNT_SYSTEM) {
		snprintf(out->login, sizeof(out->login), "system");
		return 0;
	}
	acct_ctx x = { out, false, false };
	es_sval pv[1] = { ES_SV_I(id) };
	int err = es_store_exec(p->st, "SELECT roles, unit_id, region, login, disabled FROM accounts WHERE id = ?", pv, 1, acct_row,
				&x, NULL);
	if (err < 0)
		return err;
	if (!x.found)
		return es_error_set(ES_EAUTH, "no account %lld: sign in with an existing account", (long long)id);
	if (x.disabled)
		return es_error_set(ES_EAUTH, "account '%s' is disabled: ask an administrator", out->login);
	return 0;
}

es_time es_platform__now(es_platform *p)
{
	return p && p->clock ? p->clock(p->clock_ctx) : es_time_now();
}

static void deny_pending(es_platform *p, int64_t actor, const char *what)
{
	p->denied_pending = true;
	p->denied_actor = actor;
	p->denied_what = what;
}

int64_t es_platform__enter(es_platform *p, const es_actor *who)
{
	if (!p)
		return -1;
	p->have_actor = who != NULL;
	if (!who)
		return -1;
	p->actor = *who;
	return who->account;
}

const es_actor *es_platform__who(es_platform *p, int64_t actor)
{
	return p && p->have_actor && p->actor.account == actor ? &p->actor : NULL;
}

static int authorize(es_platform *p, int64_t actor, es_action action, int64_t unit_id, es_account *acct)
{
	es_account local;
	es_account *a = acct ? acct : &local;
	if (actor < 0)
		return es_error_set(ES_EAUTH, "no signed-in actor: authenticate first (es_platform_authenticate)");
	int err = es_platform__account(p, actor, a);
	if (err < 0)
		return err;
	for (size_t i = 0; i < ES_ARRAY_LEN(rules); i++) {
		if (rules[i].action != action)
			continue;
		if (p->have_actor && p->actor.account == actor && actor != ES_ACCOUNT_SYSTEM) {
			if (p->actor.must_change) {
				deny_pending(p, actor, rules[i].what);
				return es_error_set(ES_EDENIED,
						    "'%s' signed in with a one-time password and may not %s: change the password first",
						    a->login, rules[i].what);
			}
			if (!es_actor_in_scope(&p->actor, action)) {
				deny_pending(p, actor, rules[i].what);
				return es_error_set(ES_EDENIED,
						    "the API key of '%s' is not allowed '%s' (%s): ask for a key with that scope",
						    a->login, es_platform_action_name(action), rules[i].what);
			}
		}
		if (actor == ES_ACCOUNT_SYSTEM) {
			if (rules[i].system)
				return 0;
			deny_pending(p, actor, rules[i].what);
			return es_error_set(ES_EDENIED, "the system account may not %s: act as a named account", rules[i].what);
		}
		if (!(a->roles & rules[i].roles)) {
			deny_pending(p, actor, rules[i].what);
			es_buf who = ES_BUF_INIT;
			for (size_t r = 0; r < ES_ARRAY_LEN(role_names); r++)
				if ((rules[i].roles & role_names[r].bit) &&
				    es_buf_printf(&who, "%s%s", who.len ? " or " : "", role_names[r].name) < 0)
					break;
			err = es_error_set(ES_EDENIED, "account '%s' may not %s: this needs the role %s", a->login,
					   rules[i].what, who.ptr ? (const char *)who.ptr : "?");
			es_buf_release(&who);
			return err;
		}
		if (rules[i].unit_scoped && unit_id >= 0 && a->unit_id != unit_id) {
			deny_pending(p, actor, rules[i].what);
			return es_error_set(ES_EDENIED,
					    "account '%s' may %s only for its own unit: ask an account of unit %lld", a->login,
					    rules[i].what, (long long)unit_id);
		}
		return 0;
	}
	return es_error_set(ES_EDENIED, "unknown action %d", (int)action);
}

int es_platform__separate(es_platform *p, int64_t actor, const char *step, const char *matter, const es_duty *earlier,
			  size_t n, const char *instead)
{
	for (size_t i = 0; i < n; i++) {
		if (!earlier[i].actor || earlier[i].actor != actor)
			continue;
		es_account a;
		int err = es_platform__account(p, actor, &a);
		if (err < 0)
			return err;
		deny_pending(p, actor, step);
		if (!es_store_in_tx(p->st))
			es_platform__audit_denied(p);
		return es_error_set(ES_EDENIED,
				    "account '%s' %s %s and may not also %s it (separation of duties, FG 二.2): %s", a.login,
				    earlier[i].did, matter, step, instead);
	}
	return 0;
}

/* Refusals are audited: at once outside a transaction, else after its rollback (es_platform__tx). */
int es_platform__authorize(es_platform *p, int64_t actor, es_action action, int64_t unit_id, es_account *acct)
{
	p->denied_pending = false;
	int err = authorize(p, actor, action, unit_id, acct);
	if (err == ES_EDENIED && !es_store_in_tx(p->st))
		es_platform__audit_denied(p);
	return err;
}

/* A question, not a refusal: no error is left and nothing is audited (reads ask it for PII). */
bool es_platform__may(es_platform *p, int64_t actor, es_action action, int64_t unit_id)
{
	bool pending = p->denied_pending;
	int err = authorize(p, actor, action, unit_id, NULL);
	p->denied_pending = pending;
	if (err < 0)
		es_error_clear();
	return err == 0;
}

int es_platform_allowed(es_platform *p, const es_actor *who, es_action action, int64_t unit_id)
{
	int64_t actor = es_platform__enter(p, who);
	ES_ASSERT_ARG(p);
	return es_platform__authorize(p, actor, action, unit_id, NULL);
}

/* ---- transactions and transitions --------------------------------------- */

int es_platform__tx(es_platform *p, es_tx_fn fn, void *ctx)
{
	int err;
	p->denied_pending = false;
	for (int attempt = 0;; attempt++) {
		p->status_dirty = false;
		p->anchor_pending = false;
		if ((err = es_store_begin(p->st)) < 0) {
			if (es_store_retryable(p->st) && attempt < ES_STORE_TX_RETRIES)
				continue;
			return err;
		}
		err = fn(p, ctx);
		if (err == 0)
			err = es_store_commit(p->st);
		if (err == 0)
			break;
		bool retry = es_store_retryable(p->st) && attempt < ES_STORE_TX_RETRIES;
		es_store_rollback(p->st);
		if (!retry) {
			if (err == ES_EDENIED)
				es_platform__audit_denied(p);
			return err;
		}
		es_error_clear();
	}
	/* the newest checkpoint goes to the anchor file beside the database */
	if (p->anchor_pending && es_platform__anchor_write(p) < 0)
		es_error_clear();
	/*
	 * The change is committed: a failure to write the published copy does not undo
	 * it. The list is rewritten after the next change (or by es_platform_status_list).
	 */
	if (p->status_dirty)
		p->status_seq = atomic_fetch_add(&p->ctx->status_changes, 1) + 1;
	if (p->status_dirty || p->publish_pending) {
		p->publish_pending = es_platform__status_publish(p) < 0;
		if (p->publish_pending)
			es_error_clear();
	}
	return 0;
}

int es_platform__transition(es_platform *p, const char *object, const char *id, const char *from, const char *to,
			    int64_t actor, const char *reason, int64_t *tid)
{
	int err;
	int64_t changes = 0, t_id = 0;
	es_time now = es_platform__now(p);
	if (!es_store_in_tx(p->st))
		return es_error_set(ES_EINTERNAL, "transition outside a transaction");
	if (from) {
		if (strcmp(object, "application") == 0) {
			es_sval pv[4] = { ES_SV_S(to), ES_SV_I(now), ES_SV_I(strtoll(id, NULL, 10)), ES_SV_S(from) };
			err = es_store_exec(p->st, "UPDATE applications SET state = ?, updated_at = ? WHERE id = ? AND state = ?",
					    pv, 4, NULL, NULL, &changes);
		} else {
			es_sval pv[5] = { ES_SV_S(to), ES_SV_I(now), ES_SV_S(reason), ES_SV_S(id), ES_SV_S(from) };
			err = es_store_exec(p->st,
					    "UPDATE seals SET state = ?, state_since = ?, state_reason = ? WHERE esid = ? AND state = ?",
					    pv, 5, NULL, NULL, &changes);
		}
		if (err < 0)
			return err;
		if (changes != 1)
			return es_error_set(ES_ECONFLICT, "%s %s is no longer '%s': reload it and try again", object, id, from);
	}
	if (strcmp(object, "seal") == 0)
		p->status_dirty = true;
	if ((err = es_store_next(p->st, &t_id, "transition")) < 0)
		return err;
	es_sval tv[8] = { ES_SV_I(t_id), ES_SV_S(object), ES_SV_S(id), ES_SV_S(from), ES_SV_S(to),
			  actor == ES_ACCOUNT_SYSTEM ? ES_SV_NUL : ES_SV_I(actor), ES_SV_S(reason), ES_SV_I(now) };
	if ((err = es_store_exec(p->st,
				 "INSERT INTO transitions (id, object, object_id, from_state, to_state, actor, reason, at) "
				 "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
				 tv, 8, NULL, NULL, NULL)) < 0)
		return err;
	/* the audit chain first: a user hook set with es_platform_set_transition_hook cannot skip it */
	if ((err = es_platform__audit_transition(p, object, id, from, to, actor, reason, t_id)) < 0 ||
	    (err = es_platform__webhook_transition(p, object, id, from, to, t_id)) < 0)
		return err;
	if (p->hook && (err = p->hook(p->hook_ctx, object, id, from, to, actor, reason, now, t_id)) < 0)
		return err;
	if (tid)
		*tid = t_id;
	return 0;
}

void es_platform_set_transition_hook(es_platform *p, es_transition_hook fn, void *ctx)
{
	if (!p)
		return;
	p->hook = fn;
	p->hook_ctx = ctx;
}

/* ---- personal data ----------------------------------------------------------- */

int es_platform__seal_pii(es_platform *p, es_buf *out, const char *aad, const char *value)
{
	return es_box_seal(out, p->data_key, (const uint8_t *)aad, strlen(aad), (const uint8_t *)value, strlen(value));
}

int es_platform__open_pii(es_platform *p, char *out, size_t cap, const char *aad, const uint8_t *in, size_t len)
{
	es_buf b = ES_BUF_INIT;
	int err = es_box_open(&b, p->data_key, (const uint8_t *)aad, strlen(aad), in, len);
	if (err == 0) {
		size_t n = b.len < cap - 1 ? b.len : cap - 1;
		memcpy(out, b.ptr, n);
		out[n] = 0;
	}
	es_buf_release_secret(&b);
	return err;
}

void es_platform__copy(char *dst, size_t cap, const es_sval *v)
{
	size_t n = 0;
	if (v->type == ES_SV_TEXT) {
		n = v->len < cap - 1 ? v->len : cap - 1;
		memcpy(dst, v->s, n);
	} else if (v->type == ES_SV_INT) {
		snprintf(dst, cap, "%lld", (long long)v->i);
		return;
	}
	dst[n] = 0;
}

int es_platform__check_text(const char *what, const char *s, size_t max, bool required)
{
	return es_text_check_name(what, s, max, required);
}

/* ---- the authority: root, maker certificate and key, data key ---------------- */

static int put_item(es_buf *b, const void *data, size_t len)
{
	uint8_t l[4] = { (uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len };
	int err = es_buf_put(b, l, 4);
	return err < 0 ? err : es_buf_put(b, data, len);
}

static int get_item(es_bytes *out, const uint8_t **p, const uint8_t *end)
{
	if (end - *p < 4)
		return es_error_set(ES_EMALFORMED, "authority record truncated");
	size_t len = ((size_t)(*p)[0] << 24) | ((size_t)(*p)[1] << 16) | ((size_t)(*p)[2] << 8) | (*p)[3];
	*p += 4;
	if ((size_t)(end - *p) < len)
		return es_error_set(ES_EMALFORMED, "authority record truncated");
	out->ptr = *p;
	out->len = len;
	*p += len;
	return 0;
}

static int new_authority(es_buf *blob, const uint8_t master[32], es_time now)
{
	es_sm2_key *rk = NULL, *mk = NULL;
	es_cert *root = NULL, *maker = NULL;
	es_buf plain = ES_BUF_INIT, pem = ES_BUF_INIT;
	uint8_t dk[ES_BOX_KEY_LEN];
	int err;
	es_issue_options io = ES_ISSUE_OPTIONS_INIT;
	if ((err = es_sm2_key_generate(&rk)) < 0 || (err = es_sm2_key_generate(&mk)) < 0)
		goto done;
	io.profile = ES_PROFILE_ROOT_CA;
	io.subject = "/C=CN/O=eseal platform/CN=eseal platform root";
	io.not_before = now - DAY;
	io.not_after = now + 20 * 365 * DAY;
	if ((err = es_cert_issue(&root, &io, rk, NULL, rk)) < 0)
		goto done;
	io.profile = ES_PROFILE_SEAL_MAKER;
	io.subject = "/C=CN/O=eseal platform/CN=eseal platform seal maker";
	io.not_after = now + 15 * 365 * DAY;
	if ((err = es_cert_issue(&maker, &io, mk, root, rk)) < 0)
		goto done;
	if ((err = es_random(dk, sizeof(dk))) < 0)
		goto done;
	es_bytes r = es_cert_der(root), m = es_cert_der(maker);
	if ((err = es_sm2_key_private_pem(&pem, mk, NULL)) < 0 || (err = put_item(&plain, r.ptr, r.len)) < 0 ||
	    (err = put_item(&plain, m.ptr, m.len)) < 0 || (err = put_item(&plain, pem.ptr, pem.len)) < 0 ||
	    (err = put_item(&plain, dk, sizeof(dk))) < 0)
		goto done;
	pem.len = 0;
	if ((err = es_sm2_key_private_pem(&pem, rk, NULL)) < 0 || (err = put_item(&plain, pem.ptr, pem.len)) < 0)
		goto done;
	err = es_box_seal(blob, master, (const uint8_t *)"authority", 9, plain.ptr, plain.len);
done:
	es_wipe(dk, sizeof(dk));
	es_buf_release_secret(&plain);
	es_buf_release_secret(&pem);
	es_cert_free(root);
	es_cert_free(maker);
	es_sm2_key_free(rk);
	es_sm2_key_free(mk);
	return err;
}

static int load_authority(es_platform *p, const es_buf *blob)
{
	es_buf plain = ES_BUF_INIT;
	es_bytes r = { NULL, 0 }, m = { NULL, 0 }, k = { NULL, 0 };
	es_bytes d = { NULL, 0 }, rk = { NULL, 0 };
	int err = es_box_open(&plain, p->master, (const uint8_t *)"authority", 9, blob->ptr, blob->len);
	if (err < 0) {
		err = es_error_set(ES_EAUTH, "the master key does not open this platform's authority: use the master key "
					       "the platform was created with");
		goto done;
	}
	const uint8_t *q = plain.ptr, *end = plain.ptr + plain.len;
	if ((err = get_item(&r, &q, end)) < 0 || (err = get_item(&m, &q, end)) < 0 ||
	    (err = get_item(&k, &q, end)) < 0 || (err = get_item(&d, &q, end)) < 0 ||
	    (err = get_item(&rk, &q, end)) < 0)
		goto done;
	if (d.len != ES_BOX_KEY_LEN) {
		err = es_error_set(ES_EMALFORMED, "authority record: bad data key");
		goto done;
	}
	if ((err = es_cert_from_der(&p->root, r.ptr, r.len)) < 0 || (err = es_cert_from_der(&p->maker, m.ptr, m.len)) < 0 ||
	    (err = es_sm2_key_from_pem(&p->maker_key, k.ptr, k.len, NULL)) < 0 ||
	    (err = es_sm2_key_from_pem(&p->root_key, rk.ptr, rk.len, NULL)) < 0)
		goto done;
	memcpy(p->data_key, d.ptr, d.len);
done:
	es_buf_release_secret(&plain);
	return err;
}

typedef struct auth_ctx {
	const es_buf *fresh;
	const char *name;
} auth_ctx;

static int auth_tx(es_platform *p, void *ctx)
{
	auth_ctx *a = ctx;
	es_sval pv[2] = { ES_SV_S(a->name), ES_SV_B(a->fresh->ptr, a->fresh->len) };
	return es_store_exec(p->st, "INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING", pv, 2,
			     NULL, NULL, NULL);
}

static int setup_authority(es_platform *p)
{
	es_buf blob = ES_BUF_INIT, fresh = ES_BUF_INIT;
	es_sval pv[1] = { ES_SV_S("authority") };
	int err = es_store_blob(p->st, &blob, "SELECT value FROM settings WHERE name = ?", pv, 1);
	if (err == ES_ENOTFOUND) {
		auth_ctx a = { &fresh, "authority" };
		if ((err = new_authority(&fresh, p->master, es_platform__now(p))) < 0 || (err = es_platform__tx(p, auth_tx, &a)) < 0)
			goto done;
		err = es_store_blob(p->st, &blob, "SELECT value FROM settings WHERE name = ?", pv, 1);
		if (err == ES_ENOTFOUND)
			err = es_error_set(ES_EDB, "authority record missing after creation");
	}
	if (err < 0)
		goto done;
	err = load_authority(p, &blob);
done:
	es_buf_release(&blob);
	es_buf_release(&fresh);
	return err;
}

/*
 * The platform's own time-stamping authority, issued by its root: it time-stamps
 * every audit checkpoint (docs/audit.md). Made on first use, kept sealed under the
 * master key in settings ("tsa"), like the authority.
 */
static int new_tsa(es_platform *p, es_buf *blob)
{
	es_sm2_key *k = NULL;
	es_cert *c = NULL;
	es_buf plain = ES_BUF_INIT, pem = ES_BUF_INIT;
	es_issue_options io = ES_ISSUE_OPTIONS_INIT;
	es_time now = es_platform__now(p);
	int err;
	if ((err = es_sm2_key_generate(&k)) < 0)
		goto done;
	io.profile = ES_PROFILE_TSA;
	io.subject = "/C=CN/O=eseal platform/CN=eseal platform time stamping";
	io.not_before = now - DAY;
	io.not_after = now + 15 * 365 * DAY;
	if ((err = es_cert_issue(&c, &io, k, p->root, p->root_key)) < 0)
		goto done;
	es_bytes d = es_cert_der(c);
	if ((err = es_sm2_key_private_pem(&pem, k, NULL)) < 0 || (err = put_item(&plain, d.ptr, d.len)) < 0 ||
	    (err = put_item(&plain, pem.ptr, pem.len)) < 0)
		goto done;
	err = es_box_seal(blob, p->master, (const uint8_t *)"tsa", 3, plain.ptr, plain.len);
done:
	es_buf_release_secret(&plain);
	es_buf_release_secret(&pem);
	es_cert_free(c);
	es_sm2_key_free(k);
	return err;
}

static int setup_tsa(es_platform *p)
{
	es_buf blob = ES_BUF_INIT, fresh = ES_BUF_INIT, plain = ES_BUF_INIT;
	es_sval pv[1] = { ES_SV_S("tsa") };
	es_bytes c = { NULL, 0 }, k = { NULL, 0 };
	int err = es_store_blob(p->st, &blob, "SELECT value FROM settings WHERE name = ?", pv, 1);
	if (err == ES_ENOTFOUND) {
		auth_ctx a = { &fresh, "tsa" };
		if ((err = new_tsa(p, &fresh)) < 0 || (err = es_platform__tx(p, auth_tx, &a)) < 0)
			goto done;
		err = es_store_blob(p->st, &blob, "SELECT value FROM settings WHERE name = ?", pv, 1);
		if (err == ES_ENOTFOUND)
			err = es_error_set(ES_EDB, "time-stamping authority record missing after creation");
	}
	if (err < 0)
		goto done;
	if (es_box_open(&plain, p->master, (const uint8_t *)"tsa", 3, blob.ptr, blob.len) < 0) {
		err = es_error_set(ES_EAUTH, "the master key does not open this platform's time-stamping authority: use "
					       "the master key the platform was created with");
		goto done;
	}
	const uint8_t *q = plain.ptr, *end = plain.ptr + plain.len;
	if ((err = get_item(&c, &q, end)) < 0 || (err = get_item(&k, &q, end)) < 0 ||
	    (err = es_cert_from_der(&p->tsa, c.ptr, c.len)) < 0 ||
	    (err = es_sm2_key_from_pem(&p->tsa_key, k.ptr, k.len, NULL)) < 0)
		goto done;
done:
	es_buf_release(&blob);
	es_buf_release(&fresh);
	es_buf_release_secret(&plain);
	return err;
}

/* The certificates in clear (public_certs), for nodes that never open the master key. */
static int save_public_certs(es_platform *p)
{
	static const char *const roles[] = { "root", "maker", "tsa" };
	const es_cert *certs[] = { p->root, p->maker, p->tsa };
	int err = 0;
	for (size_t i = 0; i < 3 && err == 0; i++) {
		es_bytes d = es_cert_der(certs[i]);
		int64_t same = 0;
		es_sval pv[2] = { ES_SV_S(roles[i]), ES_SV_B(d.ptr, d.len) };
		if ((err = es_store_int(p->st, &same, "SELECT COUNT(*) FROM public_certs WHERE role = ? AND der = ?", pv, 2)) < 0)
			break;
		if (!same)
			err = es_store_exec(p->st,
					    "INSERT INTO public_certs (role, der) VALUES (?, ?) ON CONFLICT (role) DO UPDATE SET "
					    "der = excluded.der",
					    pv, 2, NULL, NULL, NULL);
	}
	return err;
}

static int load_public_certs(es_platform *p)
{
	static const char *const roles[] = { "root", "maker", "tsa" };
	es_cert **slots[] = { &p->root, &p->maker, &p->tsa };
	for (size_t i = 0; i < 3; i++) {
		es_buf der = ES_BUF_INIT;
		es_sval pv[1] = { ES_SV_S(roles[i]) };
		int err = es_store_blob(p->st, &der, "SELECT der FROM public_certs WHERE role = ?", pv, 1);
		if (err == 0)
			err = es_cert_from_der(slots[i], der.ptr, der.len);
		es_buf_release(&der);
		if (err < 0 && err != ES_ENOTFOUND)
			return err;
		if (!*slots[i])
			return es_error_set(ES_ENOTFOUND, "the store holds no public copy of the platform's %s certificate: "
							  "open it once with its master key (eseal serve --role all or sign, "
							  "or any eseal platform command) before a verify node",
					    roles[i]);
	}
	return 0;
}

bool es_platform_public_only(es_platform *p)
{
	return p && p->ctx && p->ctx->public_only;
}

static char *dup_or_null(const char *s)
{
	return s ? es_strdup(s) : NULL;
}

/* Point session @p p at the context's shared objects and copy its settings. */
static void session_fill(es_platform *p, es_platform_context *c)
{
	p->ctx = c;
	p->dir = c->dir;
	p->outbox_url = c->outbox_url;
	p->outbox_dir = c->outbox_dir;
	memcpy(p->master, c->master, sizeof(p->master));
	memcpy(p->data_key, c->data_key, sizeof(p->data_key));
	p->root = c->root;
	p->maker = c->maker;
	p->maker_key = c->maker_key;
	p->root_key = c->root_key;
	p->tsa = c->tsa;
	p->tsa_key = c->tsa_key;
	p->legacy = c->legacy;
	p->nlegacy = c->nlegacy;
	p->seal_days = c->seal_days;
	p->dpi = c->dpi;
	p->audit_every = c->audit_every;
	p->password_cost = c->password_cost;
	p->clock = c->clock;
	p->clock_ctx = c->clock_ctx;
}

static void context_free(es_platform_context *c)
{
	es_free(c->store);
	es_free(c->dir);
	es_free(c->outbox_url);
	es_free(c->outbox_dir);
	if (c->outbox_key) {
		es_wipe(c->outbox_key, strlen(c->outbox_key));
		es_free(c->outbox_key);
	}
	for (size_t i = 0; i < c->nlegacy; i++)
		es_free(c->legacy[i]);
	es_free(c->legacy);
	es_cert_free(c->root);
	es_cert_free(c->maker);
	es_sm2_key_free(c->maker_key);
	es_sm2_key_free(c->root_key);
	es_cert_free(c->tsa);
	es_sm2_key_free(c->tsa_key);
	pthread_mutex_destroy(&c->publish_mu);
	es_wipe(c->master, sizeof(c->master));
	es_wipe(c->data_key, sizeof(c->data_key));
	es_free(c);
}

static void context_unref(es_platform_context *c)
{
	if (c && atomic_fetch_sub(&c->refs, 1) == 1)
		context_free(c);
}

/*
 * The context is made by its first session: the options are copied in, the store is
 * opened and the authority and time-stamping authority are loaded (made on first use)
 * through that session, then the session points at what the context owns.
 */
/*
 * The cost of new password hashes when the options leave it 0: $ESEAL_PASSWORD_COST
 * (PBKDF2-HMAC-SM3 iterations, es_auth.h) or ES_PASSWORD_COST_DEFAULT. Hashes made at a
 * lower cost are raised to it at their next sign-in.
 */
static int password_cost_env(unsigned *out)
{
	const char *v = getenv("ESEAL_PASSWORD_COST");
	*out = ES_PASSWORD_COST_DEFAULT;
	if (!v || !*v)
		return 0;
	char *end;
	unsigned long n = strtoul(v, &end, 10);
	if (*end || v[0] == '-' || n < ES_PASSWORD_COST_MIN || n > ES_PASSWORD_COST_MAX)
		return es_error_set(ES_EINVAL, "$ESEAL_PASSWORD_COST must be a number of iterations from %u to %u",
				    ES_PASSWORD_COST_MIN, ES_PASSWORD_COST_MAX);
	*out = (unsigned)n;
	return 0;
}

int es_platform_open(es_platform **out, const es_platform_options *opt)
{
	ES_ASSERT_ARG(out && opt && opt->store && opt->dir && (opt->master_key || opt->public_only));
	int err;
	*out = NULL;
	if (opt->version != ES_PLATFORM_OPTIONS_VERSION)
		return es_error_set(ES_EINVAL, "es_platform_options version %u: this library takes version %u "
					       "(initialise with ES_PLATFORM_OPTIONS_INIT)",
				    opt->version, ES_PLATFORM_OPTIONS_VERSION);
	unsigned cost = opt->password_cost;
	if (!cost && (err = password_cost_env(&cost)) < 0)
		return err;
	es_platform *p = es_calloc(1, sizeof(*p));
	es_platform_context *c = es_calloc(1, sizeof(*c));
	if (!p || !c) {
		es_free(p);
		es_free(c);
		return es_error_set(ES_ENOMEM, "out of memory");
	}
	atomic_init(&c->refs, 1); /* the session's */
	atomic_init(&c->status_changes, 0);
	pthread_mutex_init(&c->publish_mu, NULL);
	p->ctx = c;
	p->bootstrap = true;
	if (opt->master_key)
		memcpy(c->master, opt->master_key, ES_BOX_KEY_LEN);
	c->seal_days = opt->seal_days ? opt->seal_days : 730;
	c->dpi = opt->render_dpi ? opt->render_dpi : 300;
	c->audit_every = opt->audit_every ? opt->audit_every : 64;
	c->password_cost = cost;
	c->clock = opt->clock;
	c->clock_ctx = opt->clock_ctx;
	c->store = es_strdup(opt->store);
	c->dir = es_strdup(opt->dir);
	c->outbox_url = dup_or_null(opt->outbox_url);
	c->outbox_key = dup_or_null(opt->outbox_api_key);
	if (opt->outbox_dir) {
		c->outbox_dir = es_strdup(opt->outbox_dir);
	} else {
		es_buf b = ES_BUF_INIT;
		if (es_buf_printf(&b, "%s/outbox", opt->dir) == 0)
			c->outbox_dir = es_strdup((const char *)b.ptr);
		es_buf_release(&b);
	}
	if (!c->store || !c->dir || !c->outbox_dir || (opt->outbox_url && !c->outbox_url) ||
	    (opt->outbox_api_key && !c->outbox_key)) {
		err = es_error_set(ES_ENOMEM, "out of memory");
		goto fail;
	}
	if (opt->nlegacy) {
		c->legacy = es_calloc(opt->nlegacy, sizeof(char *));
		if (!c->legacy) {
			err = es_error_set(ES_ENOMEM, "out of memory");
			goto fail;
		}
		for (size_t i = 0; i < opt->nlegacy; i++) {
			if (!(c->legacy[i] = es_strdup(opt->legacy_codes[i]))) {
				err = es_error_set(ES_ENOMEM, "out of memory");
				goto fail;
			}
			c->nlegacy = i + 1;
		}
	}
	session_fill(p, c);
	if ((err = es_mkdirs(c->dir, 0700)) < 0)
		goto fail;
	if ((err = es_store_open(&p->st, c->store)) < 0)
		goto fail;
	if (opt->public_only) {
		c->public_only = true;
		memset(c->master, 0, sizeof(c->master));
		if ((err = load_public_certs(p)) < 0)
			goto fail;
	} else if ((err = setup_authority(p)) < 0 || (err = setup_tsa(p)) < 0 || (err = save_public_certs(p)) < 0) {
		goto fail;
	}
	/* what the session loaded becomes the context's */
	memcpy(c->data_key, p->data_key, sizeof(c->data_key));
	c->root = p->root;
	c->maker = p->maker;
	c->maker_key = p->maker_key;
	c->root_key = p->root_key;
	c->tsa = p->tsa;
	c->tsa_key = p->tsa_key;
	p->bootstrap = false;
	/* the first full open publishes, so that a verify node has a status list and a CRL to serve */
	int64_t published = 1;
	if (!c->public_only && es_store_int(p->st, &published, "SELECT COUNT(*) FROM published_status", NULL, 0) == 0 &&
	    published == 0 && es_platform__status_publish(p) < 0)
		es_error_clear(); /* published again at the next change */
	es_error_clear();
	*out = p;
	return 0;
fail:
	/* what setup loaded before failing is the session's until handed over */
	c->root = p->root;
	c->maker = p->maker;
	c->maker_key = p->maker_key;
	c->root_key = p->root_key;
	c->tsa = p->tsa;
	c->tsa_key = p->tsa_key;
	es_store_close(p->st);
	p->st = NULL;
	es_platform_close(p);
	return err;
}

int es_platform_session(es_platform **out, es_platform_context *c)
{
	ES_ASSERT_ARG(out && c);
	*out = NULL;
	es_platform *p = es_calloc(1, sizeof(*p));
	if (!p)
		return es_error_set(ES_ENOMEM, "out of memory");
	atomic_fetch_add(&c->refs, 1);
	session_fill(p, c);
	int err = es_store_open(&p->st, c->store);
	if (err < 0) {
		es_platform_close(p);
		return err;
	}
	*out = p;
	return 0;
}

int es_platform_context_open(es_platform_context **out, const es_platform_options *opt)
{
	ES_ASSERT_ARG(out);
	es_platform *p;
	*out = NULL;
	int err = es_platform_open(&p, opt);
	if (err < 0)
		return err;
	*out = es_platform__context_keep(p);
	return 0;
}

es_platform_context *es_platform__context_keep(es_platform *p)
{
	es_platform_context *c = p->ctx;
	atomic_fetch_add(&c->refs, 1); /* the opener's */
	p->bootstrap = true;           /* the session only loaded it: no checkpoint */
	es_platform_close(p);
	return c;
}

es_platform_context *es_platform_context_of(es_platform *p)
{
	return p ? p->ctx : NULL;
}

void es_platform_context_close(es_platform_context *c)
{
	context_unref(c);
}

void es_platform_close(es_platform *p)
{
	if (!p)
		return;
	/* a signed checkpoint over the head on every orderly shutdown */
	if (!p->bootstrap && p->st && p->maker_key && p->tsa_key && !es_store_in_tx(p->st) &&
	    es_platform_audit_checkpoint(p) < 0)
		es_error_clear();
	es_store_close(p->st);
	es_wipe(p->master, sizeof(p->master));
	es_wipe(p->data_key, sizeof(p->data_key));
	context_unref(p->ctx);
	es_free(p);
}

int es_platform_authority_pem(es_platform *p, es_buf *root_pem, es_buf *maker_pem)
{
	ES_ASSERT_ARG(p);
	int err = 0;
	if (root_pem && (err = es_cert_to_pem(root_pem, p->root)) < 0)
		return err;
	if (maker_pem)
		err = es_cert_to_pem(maker_pem, p->maker);
	return err;
}
