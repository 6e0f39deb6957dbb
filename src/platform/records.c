/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Regions, units, people, accounts. */
#include "es_int.h"
#include "platform_int.h"
#include "eseal/es_ids.h"
#include "estime.h"

/* ---- regions ------------------------------------------------------------- */

typedef struct region_ctx {
	int64_t actor;
	const char *code, *name;
} region_ctx;

static int region_tx(es_platform *p, void *vctx)
{
	region_ctx *c = vctx;
	char parent[7] = "";
	unsigned level = es_region_level(c->code);
	int err;
	if (level == 2) {
		memcpy(parent, c->code, 2);
		memcpy(parent + 2, "0000", 5);
	} else if (level == 3) {
		memcpy(parent, c->code, 4);
		memcpy(parent + 4, "00", 3);
	}
	if (level > 1) {
		int64_t one;
		es_sval pv[1] = { ES_SV_S(parent) };
		err = es_store_int(p->st, &one, "SELECT level FROM regions WHERE code = ?", pv, 1);
		if (err == ES_ENOTFOUND)
			return es_error_set(ES_ENOTFOUND, "region %s needs its parent region %s: add that first", c->code, parent);
		if (err < 0)
			return err;
	}
	es_sval pv[4] = { ES_SV_S(c->code), ES_SV_S(c->name), ES_SV_I(level), level > 1 ? ES_SV_S(parent) : ES_SV_NUL };
	err = es_store_exec(p->st, "INSERT INTO regions (code, name, level, parent) VALUES (?, ?, ?, ?)", pv, 4, NULL, NULL,
			    NULL);
	if (err == ES_EEXISTS)
		return es_error_set(ES_EEXISTS, "region %s exists already", c->code);
	if (err < 0)
		return err;
	es_buf d = ES_BUF_INIT;
	if ((err = es_buf_printf(&d, "region %s added: %s", c->code, c->name)) == 0)
		err = es_platform__audit(p, c->actor, "region-add", "region", c->code, (const char *)d.ptr, NULL);
	es_buf_release(&d);
	return err;
}

int es_platform_region_add(es_platform *p, const es_actor *who, const char *code, const char *name)
{
	int64_t actor = es_platform__enter(p, who);
	ES_ASSERT_ARG(p && code);
	int err;
	if ((err = es_platform__authorize(p, actor, ES_ACT_REGION_ADD, -1, NULL)) < 0)
		return err;
	if (es_region_check(code) < 0)
		return es_error_wrap(ES_EINVAL, "region code '%s' is not a GB/T 2260 code", code);
	if ((err = es_platform__check_text("region name", name, ES_PLAT_MAX_NAME, true)) < 0)
		return err;
	region_ctx c = { actor, code, name };
	return es_platform__tx(p, region_tx, &c);
}

/* ---- units -------------------------------------------------------------- */

typedef struct unit_ctx {
	int64_t actor;
	const es_unit_info *u;
	bool legacy;
	int64_t id;
} unit_ctx;

static int unit_tx(es_platform *p, void *vctx)
{
	unit_ctx *c = vctx;
	int64_t x;
	int err;
	es_sval rv[1] = { ES_SV_S(c->u->region) };
	err = es_store_int(p->st, &x, "SELECT level FROM regions WHERE code = ?", rv, 1);
	if (err == ES_ENOTFOUND)
		return es_error_set(ES_ENOTFOUND, "unknown region %s: add it with 'eseal platform region add'", c->u->region);
	if (err < 0)
		return err;
	if (c->u->superior) {
		es_sval sv[1] = { ES_SV_I(c->u->superior) };
		err = es_store_int(p->st, &x, "SELECT id FROM units WHERE id = ?", sv, 1);
		if (err == ES_ENOTFOUND)
			return es_error_set(ES_ENOTFOUND, "unknown superior unit %lld", (long long)c->u->superior);
		if (err < 0)
			return err;
	}
	if ((err = es_store_next(p->st, &c->id, "unit")) < 0)
		return err;
	es_sval pv[8] = { ES_SV_I(c->id), ES_SV_S(c->u->name), ES_SV_S(c->u->credit_code), ES_SV_I(c->legacy ? 1 : 0),
			  ES_SV_S(c->u->region), c->u->superior ? ES_SV_I(c->u->superior) : ES_SV_NUL,
			  ES_SV_S(c->u->legal_rep), ES_SV_I(es_platform__now(p)) };
	err = es_store_exec(p->st,
			    "INSERT INTO units (id, name, credit_code, legacy_code, region, superior, legal_rep, source, created_at) "
			    "VALUES (?, ?, ?, ?, ?, ?, ?, 'register', ?)",
			    pv, 8, NULL, NULL, NULL);
	if (err == ES_EEXISTS)
		return es_error_set(ES_EEXISTS, "a unit with credit code %s exists already", c->u->credit_code);
	if (err < 0)
		return err;
	char ids[24];
	es_buf d = ES_BUF_INIT;
	snprintf(ids, sizeof(ids), "%lld", (long long)c->id);
	if ((err = es_buf_printf(&d, "unit %lld added: %s, credit code %s, region %s%s", (long long)c->id, c->u->name,
				 c->u->credit_code, c->u->region, c->legacy ? " (legacy code)" : "")) == 0 &&
	    c->u->superior)
		err = es_buf_printf(&d, ", superior unit %lld", (long long)c->u->superior);
	if (err == 0)
		err = es_platform__audit(p, c->actor, "unit-add", "unit", ids, (const char *)d.ptr, NULL);
	es_buf_release(&d);
	return err;
}

/* Credit code: GB 32100 check, or on the documented legacy allow-list. */
static int check_credit_code(es_platform *p, const char *code, bool *legacy)
{
	*legacy = false;
	if (!code)
		return es_error_set(ES_EINVAL, "the unified social credit code is required");
	if (es_uscc_check(code) == 0)
		return 0;
	for (size_t i = 0; i < p->nlegacy; i++) {
		if (strcmp(p->legacy[i], code) == 0) {
			*legacy = true;
			es_error_clear();
			return 0;
		}
	}
	return es_error_wrap(ES_EINVAL, "credit code %s is not valid (GB 32100); a legacy code must be on the allow-list", code);
}

int es_uscc_check_or_legacy(es_platform *p, const char *code)
{
	bool legacy;
	return check_credit_code(p, code, &legacy);
}

int es_platform_unit_add(es_platform *p, const es_actor *who, const es_unit_info *u, int64_t *id)
{
	int64_t actor = es_platform__enter(p, who);
	ES_ASSERT_ARG(p && u);
	int err;
	unit_ctx c = { actor, u, false, 0 };
	if ((err = es_platform__authorize(p, actor, ES_ACT_UNIT_ADD, -1, NULL)) < 0)
		return err;
	if ((err = es_platform__check_text("unit name", u->name, ES_PLAT_MAX_NAME, true)) < 0 ||
	    (err = es_platform__check_text("legal representative", u->legal_rep, ES_PLAT_MAX_NAME, false)) < 0)
		return err;
	if (!u->region)
		return es_error_set(ES_EINVAL, "the unit's region is required");
	if ((err = check_credit_code(p, u->credit_code, &c.legacy)) < 0)
		return err;
	if ((err = es_platform__tx(p, unit_tx, &c)) < 0)
		return err;
	if (id)
		*id = c.id;
	return 0;
}

int es_platform_unit_find(es_platform *p, const char *credit_code, int64_t *id)
{
	ES_ASSERT_ARG(p && credit_code && id);
	es_sval pv[1] = { ES_SV_S(credit_code) };
	int err = es_store_int(p->st, id, "SELECT id FROM units WHERE credit_code = ?", pv, 1);
	if (err == ES_ENOTFOUND)
		return es_error_set(ES_ENOTFOUND, "no unit with credit code %s", credit_code);
	return err;
}

/* ---- people ------------------------------------------------------------- */

typedef struct person_ctx {
	int64_t actor;
	const char *name, *rid, *mobile;
	int64_t unit_id, id;
} person_ctx;

static int person_tx(es_platform *p, void *vctx)
{
	person_ctx *c = vctx;
	es_buf ide = ES_BUF_INIT, mob = ES_BUF_INIT;
	uint8_t hash[ES_SM3_DIGEST_LEN];
	char mask[32];
	int err;
	if ((err = es_store_next(p->st, &c->id, "person")) < 0)
		return err;
	if ((err = es_platform__seal_pii(p, &ide, "person.id", c->rid)) < 0 ||
	    (c->mobile && (err = es_platform__seal_pii(p, &mob, "person.mobile", c->mobile)) < 0) ||
	    (err = es_hmac_sm3(hash, p->data_key, sizeof(p->data_key), c->rid, strlen(c->rid))) < 0)
		goto done;
	es_id_mask(mask, sizeof(mask), c->rid);
	es_sval pv[8] = { ES_SV_I(c->id), ES_SV_S(c->name), ES_SV_B(ide.ptr, ide.len), ES_SV_S(mask),
			  ES_SV_B(hash, sizeof(hash)), c->mobile ? ES_SV_B(mob.ptr, mob.len) : ES_SV_NUL,
			  c->unit_id ? ES_SV_I(c->unit_id) : ES_SV_NUL, ES_SV_I(es_platform__now(p)) };
	err = es_store_exec(p->st,
			    "INSERT INTO people (id, name, id_enc, id_mask, id_hash, mobile_enc, unit_id, created_at) "
			    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			    pv, 8, NULL, NULL, NULL);
	if (err == ES_EEXISTS)
		err = es_error_set(ES_EEXISTS, "a person with ID number %s is registered already", mask);
	if (err == 0) {
		/* the ID only masked, the mobile not at all: no personal data in the audit log */
		char ids[24], d[96];
		snprintf(ids, sizeof(ids), "%lld", (long long)c->id);
		snprintf(d, sizeof(d), "person %lld added: ID %s, unit %lld", (long long)c->id, mask, (long long)c->unit_id);
		err = es_platform__audit(p, c->actor, "person-add", "person", ids, d, NULL);
	}
done:
	es_buf_release(&ide);
	es_buf_release(&mob);
	return err;
}

static int check_mobile(const char *m)
{
	if (!m)
		return 0;
	size_t n = strlen(m);
	if (n != 11 || strspn(m, "0123456789") != n || m[0] != '1')
		return es_error_set(ES_EINVAL, "mobile number must be 11 digits starting with 1");
	return 0;
}

int es_platform_person_add(es_platform *p, const es_actor *who, const char *name, const char *resident_id,
			   const char *mobile, int64_t unit_id, int64_t *id)
{
	int64_t actor = es_platform__enter(p, who);
	ES_ASSERT_ARG(p);
	int err;
	if ((err = es_platform__authorize(p, actor, ES_ACT_PERSON_ADD, -1, NULL)) < 0)
		return err;
	if ((err = es_platform__check_text("name", name, ES_PLAT_MAX_NAME, true)) < 0)
		return err;
	if (!resident_id)
		return es_error_set(ES_EINVAL, "the resident ID number is required");
	/* stored with an uppercase check character 'X' */
	char rid[19];
	if ((err = es_resident_id_normalize(rid, resident_id)) < 0)
		return es_error_wrap(err, "resident ID number is not valid (GB 11643): check the digits");
	resident_id = rid;
	if ((err = check_mobile(mobile)) < 0)
		return err;
	person_ctx c = { actor, name, resident_id, mobile, unit_id, 0 };
	if ((err = es_platform__tx(p, person_tx, &c)) < 0)
		return err;
	if (id)
		*id = c.id;
	return 0;
}

typedef struct pget_ctx {
	es_platform *p;
	bool pii, found;
	char *name, *id, *mobile;
	size_t name_cap, cap;
} pget_ctx;

void es_platform__mask_mobile(char *out, size_t cap, const char *m)
{
	size_t n = strlen(m);
	if (n == 11)
		snprintf(out, cap, "%.3s****%.4s", m, m + 7);
	else
		snprintf(out, cap, "****");
}

static int pget_row(void *vctx, const es_sval *c, size_t n)
{
	pget_ctx *x = vctx;
	int err = 0;
	char clear[64];
	if (n < 4)
		return ES_EINTERNAL;
	x->found = true;
	es_platform__copy(x->name, x->name_cap, &c[0]);
	if (x->pii) {
		if ((err = es_platform__open_pii(x->p, x->id, x->cap, "person.id", c[1].b, c[1].len)) < 0)
			return err;
	} else {
		es_platform__copy(x->id, x->cap, &c[2]);
	}
	x->mobile[0] = 0;
	if (c[3].type == ES_SV_BLOB) {
		if ((err = es_platform__open_pii(x->p, clear, sizeof(clear), "person.mobile", c[3].b, c[3].len)) < 0)
			return err;
		if (x->pii)
			snprintf(x->mobile, x->cap, "%s", clear);
		else
			es_platform__mask_mobile(x->mobile, x->cap, clear);
		es_wipe(clear, sizeof(clear));
	}
	return 1;
}

int es_platform_person_get(es_platform *p, const es_actor *who, int64_t person, char *name_out, size_t name_cap,
			   char *id_out, char *mobile_out, size_t cap)
{
	int64_t actor = es_platform__enter(p, who);
	ES_ASSERT_ARG(p && name_out && id_out && mobile_out && cap >= 24 && name_cap > 0);
	int err;
	if ((err = es_platform__authorize(p, actor, ES_ACT_READ, -1, NULL)) < 0)
		return err;
	bool pii = es_platform__may(p, actor, ES_ACT_READ_PII, -1);
	pget_ctx x = { p, pii, false, name_out, id_out, mobile_out, name_cap, cap };
	es_sval pv[1] = { ES_SV_I(person) };
	if ((err = es_store_exec(p->st, "SELECT name, id_enc, id_mask, mobile_enc FROM people WHERE id = ?", pv, 1,
				 pget_row, &x, NULL)) < 0)
		return err;
	if (!x.found)
		return es_error_set(ES_ENOTFOUND, "no person %lld", (long long)person);
	return 0;
}

/* ---- accounts ------------------------------------------------------------- */

/* "maker,reviewer" (or "none") appended to @p b. */
static int role_list(es_buf *b, unsigned roles)
{
	int err = 0;
	bool any = false;
	for (unsigned bit = 1; bit && bit <= ES_ROLE_SYSADMIN && err == 0; bit <<= 1) {
		if (!(roles & bit) || !es_role_name(bit))
			continue;
		err = es_buf_printf(b, "%s%s", any ? "," : "", es_role_name(bit));
		any = true;
	}
	return err == 0 && !any ? es_buf_puts(b, "none") : err;
}

/* The rules every account's roles follow, at creation and at every change. */
static int check_roles(unsigned roles, int64_t unit_id)
{
	if (!roles)
		return es_error_set(ES_EINVAL, "an account needs at least one role");
	if ((roles & (ES_ROLE_APPLICANT | ES_ROLE_UNIT_ADMIN)) && !unit_id)
		return es_error_set(ES_EINVAL, "an applicant or unit seal administrator account needs its unit");
	if ((roles & ES_ROLE_AUDITOR) && (roles & ~ES_ROLE_AUDITOR))
		return es_error_set(ES_EDENIED, "an auditor account holds no other role: create a separate account");
	return 0;
}

typedef struct acct_add_ctx {
	int64_t actor;
	const char *login, *region;
	unsigned roles;
	int64_t unit_id, id;
} acct_add_ctx;

static int acct_tx(es_platform *p, void *vctx)
{
	acct_add_ctx *c = vctx;
	int err;
	if ((err = es_store_next(p->st, &c->id, "account")) < 0)
		return err;
	es_sval pv[6] = { ES_SV_I(c->id), ES_SV_S(c->login), ES_SV_I(c->roles), c->unit_id ? ES_SV_I(c->unit_id) : ES_SV_NUL,
			  ES_SV_S(c->region), ES_SV_I(es_platform__now(p)) };
	err = es_store_exec(p->st,
			    "INSERT INTO accounts (id, login, roles, unit_id, region, created_at) VALUES (?, ?, ?, ?, ?, ?)", pv,
			    6, NULL, NULL, NULL);
	if (err == ES_EEXISTS)
		return es_error_set(ES_EEXISTS, "account '%s' exists already, or its unit or region is unknown", c->login);
	if (err < 0 && c->unit_id)
		return es_error_wrap(err, "unit %lld or region must exist", (long long)c->unit_id);
	if (err < 0)
		return err;
	es_buf d = ES_BUF_INIT;
	if ((err = es_buf_puts(&d, "account created: roles ")) == 0 && (err = role_list(&d, c->roles)) == 0 &&
	    (err = es_buf_printf(&d, ", unit %lld, region %s", (long long)c->unit_id,
				 c->region && *c->region ? c->region : "(province)")) == 0)
		err = es_platform__audit(p, c->actor, "account-add", "account", c->login, (const char *)d.ptr, NULL);
	es_buf_release(&d);
	return err;
}

int es_platform_account_add(es_platform *p, const es_actor *who, const char *login, unsigned roles, int64_t unit_id,
			    const char *region, int64_t *id)
{
	int64_t actor = es_platform__enter(p, who);
	ES_ASSERT_ARG(p);
	int err;
	if ((err = es_platform__authorize(p, actor, ES_ACT_ACCOUNT_ADD, -1, NULL)) < 0)
		return err;
	if ((err = es_platform__check_text("login", login, 64, true)) < 0)
		return err;
	if ((err = check_roles(roles, unit_id)) < 0)
		return err;
	if (region && (strlen(region) != 6 || strspn(region, "0123456789") != 6))
		return es_error_set(ES_EINVAL, "region '%s' is not a 6-digit code", region);
	acct_add_ctx c = { actor, login, region, roles, unit_id, 0 };
	if ((err = es_platform__tx(p, acct_tx, &c)) < 0)
		return err;
	if (id)
		*id = c.id;
	return 0;
}

int es_platform_account_find(es_platform *p, const char *login, int64_t *id)
{
	ES_ASSERT_ARG(p && login && id);
	es_sval pv[1] = { ES_SV_S(login) };
	int err = es_store_int(p->st, id, "SELECT id FROM accounts WHERE login = ?", pv, 1);
	if (err == ES_ENOTFOUND)
		return es_error_set(ES_ENOTFOUND, "no account '%s'", login);
	return err;
}

int es_platform_account_login(es_platform *p, int64_t id, char *out, size_t cap)
{
	ES_ASSERT_ARG(p && out && cap);
	es_sval pv[1] = { ES_SV_I(id) };
	int err = es_store_text(p->st, out, cap, "SELECT login FROM accounts WHERE id = ?", pv, 1);
	if (err == ES_ENOTFOUND)
		return es_error_set(ES_ENOTFOUND, "no account %lld", (long long)id);
	return err;
}

/* ---- role changes ---------------------------------------------------------- */

typedef struct roles_ctx {
	int64_t actor;
	const char *login;
	unsigned roles;
} roles_ctx;

static int roles_tx(es_platform *p, void *vctx)
{
	roles_ctx *c = vctx;
	int64_t id, changes = 0;
	es_account a;
	es_buf d = ES_BUF_INIT;
	int err;
	if ((err = es_platform_account_find(p, c->login, &id)) < 0 || (err = es_platform__account(p, id, &a)) < 0)
		return err;
	if ((err = check_roles(c->roles, a.unit_id)) < 0)
		return err;
	if (id == c->actor && (a.roles & ES_ROLE_SYSADMIN) && !(c->roles & ES_ROLE_SYSADMIN))
		return es_error_set(ES_EDENIED, "account '%s' may not take the sysadmin role from itself: ask another "
						"system administrator",
				    c->login);
	es_sval pv[3] = { ES_SV_I(c->roles), ES_SV_I(id), ES_SV_I(a.roles) };
	if ((err = es_store_exec(p->st, "UPDATE accounts SET roles = ? WHERE id = ? AND roles = ?", pv, 3, NULL, NULL,
				 &changes)) < 0)
		return err;
	if (changes != 1)
		return es_error_set(ES_ECONFLICT, "account '%s' changed meanwhile: try again", c->login);
	/* the old and the new roles, by whom */
	if ((err = es_buf_puts(&d, "roles ")) == 0 && (err = role_list(&d, a.roles)) == 0 &&
	    (err = es_buf_puts(&d, " -> ")) == 0 && (err = role_list(&d, c->roles)) == 0)
		err = es_platform__audit(p, c->actor, "account-roles", "account", c->login, (const char *)d.ptr, NULL);
	es_buf_release(&d);
	return err;
}

int es_platform_account_set_roles(es_platform *p, const es_actor *who, const char *login, unsigned roles)
{
	int64_t actor = es_platform__enter(p, who);
	ES_ASSERT_ARG(p && login);
	int err;
	if ((err = es_platform__authorize(p, actor, ES_ACT_ACCOUNT_ADD, -1, NULL)) < 0)
		return err;
	roles_ctx c = { actor, login, roles };
	return es_platform__tx(p, roles_tx, &c);
}
