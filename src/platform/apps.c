/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Applications: draft → submitted → checked → approved/rejected → made → filed → delivered. */
#include "es_int.h"
#include "platform_int.h"
#include "eseal/es_read.h"
#include "eseal/es_ids.h"
#include "estime.h"
#include <jansson.h>
#include <openssl/crypto.h>

#define DAY 86400LL

typedef struct app_row {
	int64_t id, unit_id, applicant, checked_by, reviewed_by, holder;
	int business;
	char state[16], kind[16], function[16], office[7], target[15], unit_region[7];
	char seal_name[ES_PLAT_MAX_NAME + 1], reason[ES_PLAT_MAX_REASON + 1], multi[ES_PLAT_MAX_REASON + 1];
	int64_t width, height;
	es_buf impression;
	bool found;
} app_row;

static int app_row_fn(void *vctx, const es_sval *c, size_t n)
{
	app_row *a = vctx;
	char biz[16];
	if (n < 16)
		return ES_EINTERNAL;
	a->found = true;
	a->id = c[0].i;
	es_platform__copy(biz, sizeof(biz), &c[1]);
	a->business = es_business_parse(biz);
	es_platform__copy(a->state, sizeof(a->state), &c[2]);
	a->unit_id = c[3].i;
	a->applicant = c[4].i;
	es_platform__copy(a->kind, sizeof(a->kind), &c[5]);
	es_platform__copy(a->function, sizeof(a->function), &c[6]);
	es_platform__copy(a->seal_name, sizeof(a->seal_name), &c[7]);
	a->width = c[8].i;
	a->height = c[9].i;
	es_platform__copy(a->target, sizeof(a->target), &c[10]);
	es_platform__copy(a->reason, sizeof(a->reason), &c[11]);
	es_platform__copy(a->office, sizeof(a->office), &c[12]);
	a->checked_by = c[13].type == ES_SV_INT ? c[13].i : 0;
	es_platform__copy(a->multi, sizeof(a->multi), &c[14]);
	es_platform__copy(a->unit_region, sizeof(a->unit_region), &c[15]);
	a->holder = n > 17 && c[17].type == ES_SV_INT ? c[17].i : 0;
	a->reviewed_by = n > 18 && c[18].type == ES_SV_INT ? c[18].i : 0;
	if (n > 16 && c[16].type == ES_SV_BLOB) {
		int err = es_buf_put(&a->impression, c[16].b, c[16].len);
		if (err < 0)
			return err;
	}
	return 1;
}

static int app_load(es_platform *p, int64_t id, app_row *a)
{
	memset(a, 0, sizeof(*a));
	es_buf_init(&a->impression, ES_PLAT_MAX_IMPRESSION);
	es_sval pv[1] = { ES_SV_I(id) };
	int err = es_store_exec(p->st,
				"SELECT a.id, a.business, a.state, a.unit_id, a.applicant, a.seal_kind, a.seal_function, "
				"a.seal_name, a.width_mm, a.height_mm, a.target_esid, a.reason, a.office_region, a.checked_by, "
				"a.multi_cert_reason, u.region, a.impression, a.holder_person, a.reviewed_by "
				"FROM applications a JOIN units u ON u.id = a.unit_id WHERE a.id = ?",
				pv, 1, app_row_fn, a, NULL);
	if (err < 0)
		return err;
	if (!a->found)
		return es_error_set(ES_ENOTFOUND, "no application %lld", (long long)id);
	return 0;
}

static void app_release(app_row *a)
{
	es_buf_release(&a->impression);
}

static void idstr(char out[24], int64_t id)
{
	snprintf(out, 24, "%lld", (long long)id);
}

/* ---- the target seal of renew/change/revoke/... ------------------------- */

typedef struct seal_brief {
	char state[16];
	int64_t unit_id;
	es_time valid_end;
	bool found;
} seal_brief;

static int brief_row(void *vctx, const es_sval *c, size_t n)
{
	seal_brief *s = vctx;
	if (n < 3)
		return ES_EINTERNAL;
	es_platform__copy(s->state, sizeof(s->state), &c[0]);
	s->unit_id = c[1].i;
	s->valid_end = c[2].i;
	s->found = true;
	return 1;
}

static int seal_brief_get(es_platform *p, const char *esid, seal_brief *s)
{
	memset(s, 0, sizeof(*s));
	es_sval pv[1] = { ES_SV_S(esid) };
	int err = es_store_exec(p->st, "SELECT state, unit_id, valid_end FROM seals WHERE esid = ?", pv, 1, brief_row, s,
				NULL);
	if (err < 0)
		return err;
	if (!s->found)
		return es_error_set(ES_ENOTFOUND, "no seal %s", esid);
	return 0;
}

/*
 * The business types (J§5–§9, FG 二) as one table, like the role table: the states the
 * target seal may be in, what the form needs, and what submission and making do. The
 * steps' own order is the from_state table of step_tx; both are read by the one step.
 */
typedef struct business_rule {
	int business;
	const char *target_in;  /* the target seal's states allowed, space-separated; NULL: any */
	const char *target_not; /* a state refused; NULL: none */
	const char *wrong;      /* the refusal (esID, state); for target_in or target_not */
	bool needs_reason;      /* the form's reason is required */
	bool stops_at_submit;   /* the target is reported lost at submission: use stops at once (R5) */
	bool makes_seal;        /* making builds a seal: new, or renewed under the same esID */
	bool keeps_esid;        /* a renewal: the target's esID (and its key when held outside) */
	const char *target_after;                       /* the target's state once made; NULL: unchanged */
	const char *replaced;                           /* when a new seal replaces the target: why */
	int (*effect)(es_platform *p, int64_t actor, const char *target, int64_t app); /* anything else */
} business_rule;

static int effect_pin_unlock(es_platform *p, int64_t actor, const char *target, int64_t app);
static int effect_reenable(es_platform *p, int64_t actor, const char *target, int64_t app);

static const business_rule business_rules[] = {
	{ .business = ES_BIZ_APPLY, .makes_seal = true },
	{ .business = ES_BIZ_RENEW, .target_in = "active made", .wrong = "seal %s is %s: only an active seal can be renewed",
	  .makes_seal = true, .keeps_esid = true },
	{ .business = ES_BIZ_CHANGE, .target_not = "revoked", .wrong = "seal %s is %s already", .needs_reason = true,
	  .makes_seal = true, .target_after = "revoked", .replaced = "changed" },
	{ .business = ES_BIZ_REVOKE, .target_not = "revoked", .wrong = "seal %s is %s already", .needs_reason = true,
	  .target_after = "revoked" },
	{ .business = ES_BIZ_LOSS, .target_in = "active made suspended", .wrong = "seal %s is %s: nothing to report lost",
	  .needs_reason = true, .stops_at_submit = true },
	{ .business = ES_BIZ_REISSUE, .target_in = "lost",
	  .wrong = "seal %s is %s: reissue follows a loss report; report the loss first", .makes_seal = true,
	  .target_after = "revoked", .replaced = "reissued after loss" },
	{ .business = ES_BIZ_PIN_UNLOCK, .target_in = "active made",
	  .wrong = "seal %s is %s: only a usable seal can be unlocked", .effect = effect_pin_unlock },
	{ .business = ES_BIZ_REENABLE, .target_in = "suspended",
	  .wrong = "seal %s is %s: only a suspended seal can be re-enabled", .effect = effect_reenable },
};

static const business_rule *business_rule_of(int business)
{
	for (size_t i = 0; i < ES_ARRAY_LEN(business_rules); i++)
		if (business_rules[i].business == business)
			return &business_rules[i];
	return NULL;
}

static bool state_in(const char *list, const char *state)
{
	size_t n = strlen(state);
	for (const char *q = list; (q = strstr(q, state)) != NULL; q += n)
		if ((q == list || q[-1] == ' ') && (q[n] == ' ' || q[n] == 0))
			return true;
	return false;
}

/* Business rules about the target seal, checked at creation and again at making. */
static int check_target(es_platform *p, int biz, const char *esid, int64_t unit_id)
{
	const business_rule *r = business_rule_of(biz);
	seal_brief s;
	int err;
	if (!r)
		return es_error_set(ES_EINVAL, "unknown business type");
	if (biz == ES_BIZ_APPLY)
		return 0;
	if (!esid || !*esid)
		return es_error_set(ES_EINVAL, "a %s application names the seal concerned (target esID)", es_business_name(biz));
	if ((err = seal_brief_get(p, esid, &s)) < 0)
		return err;
	if (s.unit_id != unit_id)
		return es_error_set(ES_EDENIED, "seal %s belongs to another unit", esid);
	if ((r->target_in && !state_in(r->target_in, s.state)) || (r->target_not && strcmp(r->target_not, s.state) == 0))
		return es_error_set(ES_ESTATE, r->wrong, esid, s.state);
	if (r->keeps_esid) {
		es_time now = es_platform__now(p);
		if (now >= s.valid_end)
			return es_error_set(ES_ESTATE, "seal %s has expired: apply for a new seal", esid);
		if (now < s.valid_end - ES_PLAT_RENEW_WINDOW_DAYS * DAY)
			return es_error_set(ES_ESTATE,
					    "seal %s can be renewed only within %d days before it expires: apply again later",
					    esid, ES_PLAT_RENEW_WINDOW_DAYS);
	}
	return 0;
}

/* ---- create ------------------------------------------------------------------- */

typedef struct create_ctx {
	int64_t actor;
	const es_app_form *f;
	int64_t id;
} create_ctx;

static int create_tx(es_platform *p, void *vctx)
{
	create_ctx *c = vctx;
	const es_app_form *f = c->f;
	es_buf mob = ES_BUF_INIT, hid = ES_BUF_INIT;
	char mask[32] = "";
	int err;
	es_sval uv[1] = { ES_SV_I(f->unit_id) };
	int64_t level;
	if ((err = check_target(p, f->business, f->target_esid, f->unit_id)) < 0)
		goto done;
	if ((err = es_store_int(p->st, &level, "SELECT r.level FROM units u JOIN regions r ON r.code = u.region WHERE u.id = ?",
				uv, 1)) < 0) {
		if (err == ES_ENOTFOUND)
			err = es_error_set(ES_ENOTFOUND, "no unit %lld", (long long)f->unit_id);
		goto done;
	}
	if ((err = es_store_next(p->st, &c->id, "application")) < 0)
		goto done;
	if (f->handler_mobile && (err = es_platform__seal_pii(p, &mob, "handler.mobile", f->handler_mobile)) < 0)
		goto done;
	if (f->handler_id) {
		/* stored with an uppercase check character 'X' (single and batch forms) */
		char norm[19];
		const char *h = f->handler_id;
		if (es_resident_id_normalize(norm, h) == 0)
			h = norm;
		es_error_clear();
		if ((err = es_platform__seal_pii(p, &hid, "handler.id", h)) < 0)
			goto done;
		es_id_mask(mask, sizeof(mask), h);
	}
	es_time now = es_platform__now(p);
	const char *kind = es_seal_kind_name(f->kind);
	const char *func = f->function ? es_seal_function_name(f->function) : NULL;
	es_sval pv[22] = {
		ES_SV_I(c->id), ES_SV_S(es_business_name(f->business)), ES_SV_I(f->unit_id), ES_SV_I(c->actor),
		f->batch_id ? ES_SV_I(f->batch_id) : ES_SV_NUL, ES_SV_S(kind), ES_SV_S(func), ES_SV_S(f->seal_name),
		ES_SV_I(f->width_mm), ES_SV_I(f->height_mm), f->holder_person ? ES_SV_I(f->holder_person) : ES_SV_NUL,
		ES_SV_S(f->handler_name), f->handler_mobile ? ES_SV_B(mob.ptr, mob.len) : ES_SV_NUL,
		f->handler_id ? ES_SV_B(hid.ptr, hid.len) : ES_SV_NUL, f->handler_id ? ES_SV_S(mask) : ES_SV_NUL,
		ES_SV_S(f->target_esid), ES_SV_S(f->reason), ES_SV_B(f->impression, f->impression_len),
		ES_SV_S(f->impression ? "PNG" : NULL), ES_SV_S(f->multi_cert_reason), ES_SV_I(now), ES_SV_I(now),
	};
	{
		/* bind the unit id last (the SELECT's WHERE) */
		es_sval all[23];
		memcpy(all, pv, sizeof(pv));
		all[22] = ES_SV_I(f->unit_id);
		err = es_store_exec(p->st,
				    "INSERT INTO applications (id, business, state, unit_id, applicant, batch_id, seal_kind, "
				    "seal_function, seal_name, width_mm, height_mm, holder_person, handler_name, handler_mobile_enc, "
				    "handler_id_enc, handler_id_mask, target_esid, reason, impression, impression_type, "
				    "multi_cert_reason, office_region, created_at, updated_at) "
				    "SELECT ?, ?, 'draft', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, u.region, ?, ? "
				    "FROM units u WHERE u.id = ?",
				    all, 23, NULL, NULL, NULL);
		if (err < 0)
			goto done;
	}
	char ids[24];
	idstr(ids, c->id);
	err = es_platform__transition(p, "application", ids, NULL, "draft", c->actor, es_business_name(f->business), NULL);
done:
	es_buf_release(&mob);
	es_buf_release(&hid);
	return err;
}

/* The form's own rules; the handler's mobile and ID are checked when given, needed when @p new_form. */
static int validate_content(const es_app_form *f, bool new_form)
{
	int err;
	if (!es_business_name(f->business) || !business_rule_of(f->business))
		return es_error_set(ES_EINVAL, "unknown business type: use apply, renew, change, revoke, loss, reissue, "
					       "pin-unlock or reenable");
	if (strcmp(es_seal_kind_name(f->kind), "unknown") == 0)
		return es_error_set(ES_EINVAL, "unknown seal kind");
	if (f->kind == ES_KIND_SPECIAL && (f->function == 0 || strcmp(es_seal_function_name(f->function), "unknown") == 0))
		return es_error_set(ES_EINVAL, "a special seal needs its function type (contract, finance, ...)");
	if ((err = es_platform__check_text("seal name", f->seal_name, ES_PLAT_MAX_NAME, true)) < 0 ||
	    (err = es_platform__check_text("handler name", f->handler_name, ES_PLAT_MAX_NAME, true)) < 0 ||
	    (err = es_platform__check_text("reason", f->reason, ES_PLAT_MAX_REASON, false)) < 0 ||
	    (err = es_platform__check_text("multi-certificate reason", f->multi_cert_reason, ES_PLAT_MAX_REASON, false)) < 0)
		return err;
	if (f->width_mm == 0 || f->height_mm == 0 || f->width_mm > 80 || f->height_mm > 80)
		return es_error_set(ES_EINVAL, "seal width and length must be 1-80 mm (measure the physical impression)");
	if (new_form && (!f->handler_mobile || !f->handler_id))
		return es_error_set(ES_EINVAL, "the handler's mobile and ID number are required (form item 5)");
	if (f->handler_mobile && (strlen(f->handler_mobile) != 11 || strspn(f->handler_mobile, "0123456789") != 11))
		return es_error_set(ES_EINVAL, "handler mobile must be 11 digits");
	if (f->handler_id && (err = es_resident_id_check(f->handler_id)) < 0)
		return es_error_wrap(err, "handler ID number is not valid (GB 11643)");
	if ((f->kind == ES_KIND_PERSONAL || f->kind == ES_KIND_POSITION) && !f->holder_person &&
	    f->business == ES_BIZ_APPLY)
		return es_error_set(ES_EINVAL, "a personal or position seal needs its holder (a registered person)");
	if (business_rule_of(f->business)->needs_reason && (!f->reason || !*f->reason))
		return es_error_set(ES_EINVAL, "a %s application needs the reason", es_business_name(f->business));
	if (f->impression_len > ES_PLAT_MAX_IMPRESSION)
		return es_error_set(ES_ELIMIT, "impression larger than %u bytes", ES_PLAT_MAX_IMPRESSION);
	if (f->impression && (f->impression_len < 8 || memcmp(f->impression, "\x89PNG", 4) != 0))
		return es_error_set(ES_EINVAL, "the impression must be a PNG image (use 'eseal image import' first)");
	return 0;
}

static int validate_form(es_platform *p, int64_t actor, const es_app_form *f)
{
	int err;
	if ((err = es_platform__authorize(p, actor, ES_ACT_APP_CREATE, f->unit_id, NULL)) < 0)
		return err;
	return validate_content(f, true);
}

int es_platform_app_create(es_platform *p, const es_actor *who, const es_app_form *f, int64_t *id)
{
	int64_t actor = es_platform__enter(p, who);
	ES_ASSERT_ARG(p && f);
	int err;
	if ((err = validate_form(p, actor, f)) < 0)
		return err;
	create_ctx c = { actor, f, 0 };
	if ((err = es_platform__tx(p, create_tx, &c)) < 0)
		return err;
	if (id)
		*id = c.id;
	return 0;
}

/* The batch form (FG 四): many seals of one unit in one transaction, one batch id. */
typedef struct batch_ctx {
	int64_t actor;
	const es_app_form *forms;
	size_t n;
	int64_t batch, *ids;
} batch_ctx;

static int batch_tx(es_platform *p, void *vctx)
{
	batch_ctx *b = vctx;
	int err;
	if ((err = es_store_next(p->st, &b->batch, "batch")) < 0)
		return err;
	for (size_t i = 0; i < b->n; i++) {
		es_app_form f = b->forms[i];
		f.batch_id = b->batch;
		create_ctx c = { b->actor, &f, 0 };
		if ((err = create_tx(p, &c)) < 0)
			return es_error_wrap(err, "batch item %zu", i + 1);
		if (b->ids)
			b->ids[i] = c.id;
	}
	return 0;
}

int es_platform_app_batch(es_platform *p, const es_actor *who, const es_app_form *forms, size_t n, int64_t *batch_id,
			  int64_t *ids)
{
	int64_t actor = es_platform__enter(p, who);
	ES_ASSERT_ARG(p && forms && n > 0);
	int err;
	if (n > ES_PLAT_MAX_BATCH)
		return es_error_set(ES_ELIMIT, "a batch holds at most %d seals: split it", ES_PLAT_MAX_BATCH);
	for (size_t i = 0; i < n; i++) {
		if (forms[i].unit_id != forms[0].unit_id)
			return es_error_set(ES_EINVAL, "a batch is for one unit: item %zu names another", i + 1);
		if ((err = validate_form(p, actor, &forms[i])) < 0)
			return es_error_wrap(err, "batch item %zu", i + 1);
	}
	batch_ctx b = { actor, forms, n, 0, ids };
	if ((err = es_platform__tx(p, batch_tx, &b)) < 0)
		return err;
	if (batch_id)
		*batch_id = b.batch;
	return 0;
}

typedef struct summary_ctx {
	json_t *arr;
} summary_ctx;

static int summary_row(void *vctx, const es_sval *c, size_t n)
{
	summary_ctx *x = vctx;
	char biz[16], state[16], kind[16], func[16], name[ES_PLAT_MAX_NAME + 1], esid[15];
	if (n < 9)
		return ES_EINTERNAL;
	es_platform__copy(biz, sizeof(biz), &c[1]);
	es_platform__copy(state, sizeof(state), &c[2]);
	es_platform__copy(kind, sizeof(kind), &c[3]);
	es_platform__copy(func, sizeof(func), &c[4]);
	es_platform__copy(name, sizeof(name), &c[5]);
	es_platform__copy(esid, sizeof(esid), &c[8]);
	json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:s}", "application", (json_int_t)c[0].i, "business",
			      biz, "state", state, "kind", kind, "function", func, "seal_name", name, "width_mm",
			      (json_int_t)c[6].i, "length_mm", (json_int_t)c[7].i, "esid", esid);
	if (!o || json_array_append_new(x->arr, o) < 0)
		return es_error_set(ES_ENOMEM, "out of memory");
	return 0;
}

int es_platform_batch_summary(es_platform *p, const es_actor *who, int64_t batch_id, es_buf *json)
{
	int64_t actor = es_platform__enter(p, who);
	ES_ASSERT_ARG(p && json);
	int err;
	if ((err = es_platform__authorize(p, actor, ES_ACT_READ, -1, NULL)) < 0)
		return err;
	summary_ctx x = { json_array() };
	if (!x.arr)
		return es_error_set(ES_ENOMEM, "out of memory");
	es_sval pv[1] = { ES_SV_I(batch_id) };
	if ((err = es_store_exec(p->st,
				 "SELECT id, business, state, seal_kind, seal_function, seal_name, width_mm, height_mm, "
				 "result_esid FROM applications WHERE batch_id = ? ORDER BY id",
				 pv, 1, summary_row, &x, NULL)) < 0) {
		json_decref(x.arr);
		return err;
	}
	/* a batch is one unit's: seen by whoever may read its applications (the read side's visibility) */
	if (json_array_size(x.arr) > 0) {
		char first[24];
		es_buf seen = ES_BUF_INIT;
		snprintf(first, sizeof(first), "%lld",
			 (long long)json_integer_value(json_object_get(json_array_get(x.arr, 0), "application")));
		err = es_platform_get(p, who, ES_REC_APPLICATION, first, &seen);
		es_buf_release(&seen);
		if (err == ES_ENOTFOUND)
			json_array_clear(x.arr);
		else if (err < 0) {
			json_decref(x.arr);
			return err;
		}
	}
	if (json_array_size(x.arr) == 0) {
		json_decref(x.arr);
		return es_error_set(ES_ENOTFOUND, "no batch %lld", (long long)batch_id);
	}
	json_t *doc = json_pack("{s:I, s:o}", "batch", (json_int_t)batch_id, "applications", x.arr);
	char *text = doc ? json_dumps(doc, JSON_INDENT(1) | JSON_SORT_KEYS) : NULL;
	json_decref(doc);
	if (!text)
		return es_error_set(ES_ENOMEM, "out of memory");
	err = es_buf_puts(json, text);
	free(text); /* allocated by jansson */
	return err;
}

typedef struct attach_ctx {
	int64_t actor, app;
	const char *kind, *name;
	const uint8_t *data;
	size_t len;
} attach_ctx;

static int attach_tx(es_platform *p, void *vctx)
{
	attach_ctx *c = vctx;
	int64_t id;
	int err;
	if ((err = es_store_next(p->st, &id, "attachment")) < 0)
		return err;
	es_sval pv[5] = { ES_SV_I(id), ES_SV_I(c->app), ES_SV_S(c->kind), ES_SV_S(c->name), ES_SV_B(c->data, c->len) };
	return es_store_exec(p->st, "INSERT INTO attachments (id, app_id, kind, name, data) VALUES (?, ?, ?, ?, ?)", pv, 5,
			     NULL, NULL, NULL);
}

int es_platform_app_attach(es_platform *p, const es_actor *who, int64_t app, const char *kind, const char *name,
			   const uint8_t *data, size_t len)
{
	int64_t actor = es_platform__enter(p, who);
	ES_ASSERT_ARG(p && data);
	app_row a;
	int err = app_load(p, app, &a);
	if (err == 0)
		err = es_platform__authorize(p, actor, ES_ACT_APP_CREATE, a.unit_id, NULL);
	if (err == 0 && strcmp(a.state, "draft") != 0 && strcmp(a.state, "rejected") != 0)
		err = es_error_set(ES_ESTATE, "application %lld is %s: attach files while it is a draft or rejected",
				   (long long)app, a.state);
	app_release(&a);
	if (err < 0)
		return err;
	if ((err = es_platform__check_text("attachment kind", kind, 32, true)) < 0 ||
	    (err = es_platform__check_text("attachment name", name, ES_PLAT_MAX_NAME, true)) < 0)
		return err;
	if (len > ES_PLAT_MAX_ATTACHMENT)
		return es_error_set(ES_ELIMIT, "attachment larger than %u bytes", ES_PLAT_MAX_ATTACHMENT);
	attach_ctx c = { actor, app, kind, name, data, len };
	return es_platform__tx(p, attach_tx, &c);
}

/* ---- the filer corrects a draft or a rejected application ------------------------- */

typedef struct edit_ctx {
	int64_t actor, app;
	const es_app_form *f;
} edit_ctx;

typedef struct handler_row {
	char name[ES_PLAT_MAX_NAME + 1];
	es_buf mobile_enc, id_enc;
	char function[16];
} handler_row;

static int handler_row_fn(void *vctx, const es_sval *c, size_t n)
{
	handler_row *h = vctx;
	int err = 0;
	if (n < 3)
		return ES_EINTERNAL;
	es_platform__copy(h->name, sizeof(h->name), &c[0]);
	if (c[1].type == ES_SV_BLOB)
		err = es_buf_put(&h->mobile_enc, c[1].b, c[1].len);
	if (err == 0 && c[2].type == ES_SV_BLOB)
		err = es_buf_put(&h->id_enc, c[2].b, c[2].len);
	return err < 0 ? err : 1;
}

/* Is the personal value @p given different from the one sealed in @p enc? */
static int pii_differs(es_platform *p, const char *aad, const es_buf *enc, const char *given, bool *differs)
{
	char clear[64] = "";
	int err = 0;
	if (enc->len && (err = es_platform__open_pii(p, clear, sizeof(clear), aad, enc->ptr, enc->len)) < 0)
		return err;
	*differs = strcmp(clear, given) != 0;
	OPENSSL_cleanse(clear, sizeof(clear));
	return 0;
}

static void note_change(char *list, size_t cap, const char *field)
{
	size_t n = strlen(list);
	snprintf(list + n, cap - n, "%s%s", n ? ", " : "", field);
}

static bool text_differs(const char *given, const char *filed)
{
	return given && strcmp(given, filed) != 0;
}

static int edit_tx(es_platform *p, void *vctx)
{
	edit_ctx *c = vctx;
	const es_app_form *f = c->f;
	app_row a;
	handler_row h;
	es_buf mob = ES_BUF_INIT, hid = ES_BUF_INIT;
	char ids[24], changed[256] = "", mask[32] = "", norm[19];
	bool differs;
	int err;
	memset(&h, 0, sizeof(h));
	es_buf_init(&h.mobile_enc, 4096);
	es_buf_init(&h.id_enc, 4096);
	idstr(ids, c->app);
	if ((err = app_load(p, c->app, &a)) < 0)
		goto done;
	if ((err = es_platform__authorize(p, c->actor, ES_ACT_APP_CREATE, a.unit_id, NULL)) < 0)
		goto done;
	if (a.applicant != c->actor) {
		err = es_error_set(ES_EDENIED, "application %s was filed by another account: only its filer corrects it", ids);
		goto done;
	}
	if (strcmp(a.state, "draft") != 0 && strcmp(a.state, "rejected") != 0) {
		err = es_error_set(ES_ESTATE, "application %s is %s: only a draft or a rejected one can be corrected", ids,
				   a.state);
		goto done;
	}
	if ((f->business && f->business != a.business) || (f->unit_id && f->unit_id != a.unit_id) ||
	    f->batch_id) {
		err = es_error_set(ES_EINVAL, "the business, unit and batch of application %s cannot change: file a new one",
				   ids);
		goto done;
	}
	es_sval iv[1] = { ES_SV_I(c->app) };
	if ((err = es_store_exec(p->st,
				 "SELECT handler_name, handler_mobile_enc, handler_id_enc FROM applications WHERE id = ?", iv,
				 1, handler_row_fn, &h, NULL)) < 0)
		goto done;
	/* the application as it will be, checked as a new one is (the handler's mobile and ID only if given) */
	es_app_form m = ES_APP_FORM_INIT;
	m.business = a.business;
	m.unit_id = a.unit_id;
	m.kind = f->kind ? f->kind : es_seal_kind_from_name(a.kind);
	m.function = f->function ? f->function : (a.function[0] ? es_seal_function_from_name(a.function) : 0);
	if (m.kind != ES_KIND_SPECIAL)
		m.function = 0;
	m.seal_name = f->seal_name ? f->seal_name : a.seal_name;
	m.width_mm = f->width_mm ? f->width_mm : (unsigned)a.width;
	m.height_mm = f->height_mm ? f->height_mm : (unsigned)a.height;
	m.holder_person = f->holder_person ? f->holder_person : a.holder;
	m.handler_name = f->handler_name ? f->handler_name : h.name;
	m.handler_mobile = f->handler_mobile;
	m.handler_id = f->handler_id;
	m.target_esid = f->target_esid ? f->target_esid : a.target;
	m.reason = f->reason ? f->reason : a.reason;
	m.multi_cert_reason = f->multi_cert_reason ? f->multi_cert_reason : a.multi;
	m.impression = f->impression;
	m.impression_len = f->impression_len;
	if ((err = validate_content(&m, false)) < 0)
		goto done;
	if (m.business != ES_BIZ_APPLY && text_differs(f->target_esid, a.target) &&
	    (err = check_target(p, m.business, m.target_esid, m.unit_id)) < 0)
		goto done;
	/* what changed: field names only, never the values (personal data) */
	if (m.kind != es_seal_kind_from_name(a.kind))
		note_change(changed, sizeof(changed), "seal_kind");
	if (strcmp(m.function ? es_seal_function_name(m.function) : "", a.function) != 0)
		note_change(changed, sizeof(changed), "seal_function");
	if (text_differs(f->seal_name, a.seal_name))
		note_change(changed, sizeof(changed), "seal_name");
	if (m.width_mm != (unsigned)a.width)
		note_change(changed, sizeof(changed), "width_mm");
	if (m.height_mm != (unsigned)a.height)
		note_change(changed, sizeof(changed), "height_mm");
	if (m.holder_person != a.holder)
		note_change(changed, sizeof(changed), "holder_person");
	if (text_differs(f->handler_name, h.name))
		note_change(changed, sizeof(changed), "handler_name");
	if (f->handler_mobile) {
		if ((err = pii_differs(p, "handler.mobile", &h.mobile_enc, f->handler_mobile, &differs)) < 0)
			goto done;
		if (differs) {
			note_change(changed, sizeof(changed), "handler_mobile");
			if ((err = es_platform__seal_pii(p, &mob, "handler.mobile", f->handler_mobile)) < 0)
				goto done;
		}
	}
	if (f->handler_id) {
		const char *hv = f->handler_id;
		if (es_resident_id_normalize(norm, hv) == 0)
			hv = norm;
		es_error_clear();
		if ((err = pii_differs(p, "handler.id", &h.id_enc, hv, &differs)) < 0)
			goto done;
		if (differs) {
			note_change(changed, sizeof(changed), "handler_id");
			if ((err = es_platform__seal_pii(p, &hid, "handler.id", hv)) < 0)
				goto done;
			es_id_mask(mask, sizeof(mask), hv);
		}
	}
	if (text_differs(f->target_esid, a.target))
		note_change(changed, sizeof(changed), "target_esid");
	if (text_differs(f->reason, a.reason))
		note_change(changed, sizeof(changed), "reason");
	if (text_differs(f->multi_cert_reason, a.multi))
		note_change(changed, sizeof(changed), "multi_cert_reason");
	if (f->impression &&
	    (f->impression_len != a.impression.len || memcmp(f->impression, a.impression.ptr, a.impression.len) != 0))
		note_change(changed, sizeof(changed), "impression");
	if (!changed[0])
		goto done; /* nothing to change, nothing to record */
	es_sval pv[18] = {
		ES_SV_S(es_seal_kind_name(m.kind)),
		ES_SV_S(m.function ? es_seal_function_name(m.function) : NULL),
		ES_SV_S(m.seal_name),
		ES_SV_I(m.width_mm),
		ES_SV_I(m.height_mm),
		m.holder_person ? ES_SV_I(m.holder_person) : ES_SV_NUL,
		ES_SV_S(m.handler_name),
		mob.len ? ES_SV_B(mob.ptr, mob.len) : ES_SV_NUL,
		hid.len ? ES_SV_B(hid.ptr, hid.len) : ES_SV_NUL,
		ES_SV_S(mask[0] ? mask : NULL),
		ES_SV_S(m.target_esid && *m.target_esid ? m.target_esid : NULL),
		ES_SV_S(m.reason && *m.reason ? m.reason : NULL),
		ES_SV_S(m.multi_cert_reason && *m.multi_cert_reason ? m.multi_cert_reason : NULL),
		f->impression ? ES_SV_B(f->impression, f->impression_len) : ES_SV_NUL,
		ES_SV_S(f->impression ? "PNG" : NULL),
		ES_SV_I(es_platform__now(p)),
		ES_SV_I(c->app),
		ES_SV_S(a.state),
	};
	int64_t changes = 0;
	if ((err = es_store_exec(p->st,
				 "UPDATE applications SET seal_kind = ?, seal_function = ?, seal_name = ?, width_mm = ?, "
				 "height_mm = ?, holder_person = ?, handler_name = ?, "
				 "handler_mobile_enc = COALESCE(?, handler_mobile_enc), "
				 "handler_id_enc = COALESCE(?, handler_id_enc), handler_id_mask = COALESCE(?, handler_id_mask), "
				 "target_esid = ?, reason = ?, multi_cert_reason = ?, impression = COALESCE(?, impression), "
				 "impression_type = COALESCE(?, impression_type), "
				 "updated_at = ? WHERE id = ? AND state = ?",
				 pv, 18, NULL, NULL, &changes)) < 0)
		goto done;
	if (changes != 1) {
		err = es_error_set(ES_ECONFLICT, "application %s changed meanwhile: reload it and correct it again", ids);
		goto done;
	}
	char detail[300];
	snprintf(detail, sizeof(detail), "changed: %s", changed);
	err = es_platform__audit(p, c->actor, "application-edited", "application", ids, detail, NULL);
done:
	app_release(&a);
	es_buf_release(&h.mobile_enc);
	es_buf_release(&h.id_enc);
	es_buf_release(&mob);
	es_buf_release(&hid);
	return err;
}

int es_platform_app_edit(es_platform *p, const es_actor *who, int64_t app, const es_app_form *changes)
{
	int64_t actor = es_platform__enter(p, who);
	ES_ASSERT_ARG(p && changes);
	edit_ctx c = { actor, app, changes };
	return es_platform__tx(p, edit_tx, &c);
}

/* ---- the steps ------------------------------------------------------------------ */

typedef struct step_ctx {
	int64_t actor, app;
	es_action action;
	bool approve;
	const char *reason;
	char esid[15];
	/*
	 * Making a seal runs step_tx twice (see es_platform__seal_reserve): first with
	 * reserve set, which checks everything, takes the seal code and copies the
	 * application into made_from; then, after es_platform__seal_build, to store it.
	 * A business that makes no seal is carried out by the first run (finished).
	 */
	bool reserve, finished, makes;
	es_made_seal *made;
	app_row *made_from;
} step_ctx;

/* The application fields a seal is made from are the same as when it was reserved. */
static bool same_seal_fields(const app_row *a, const app_row *b)
{
	return a->business == b->business && a->unit_id == b->unit_id && a->width == b->width && a->height == b->height &&
	       strcmp(a->kind, b->kind) == 0 && strcmp(a->function, b->function) == 0 &&
	       strcmp(a->seal_name, b->seal_name) == 0 && strcmp(a->target, b->target) == 0 &&
	       strcmp(a->multi, b->multi) == 0 && a->impression.len == b->impression.len &&
	       (a->impression.len == 0 || memcmp(a->impression.ptr, b->impression.ptr, a->impression.len) == 0);
}

/*
 * Separation of duties (FG 二.2): whoever filed or submitted an application never
 * checks, reviews or makes it; its checker never reviews it; its reviewer never
 * makes it. For every business type, through the one rule es_platform__separate.
 */
static int separate(es_platform *p, int64_t actor, const app_row *a, es_action action, const char *ids)
{
	es_duty d[3];
	size_t n = 0;
	int64_t submitted = 0;
	const char *step, *instead;
	int err;
	switch (action) {
	case ES_ACT_APP_CHECK:
		step = "check";
		instead = "ask another maker";
		break;
	case ES_ACT_APP_REVIEW:
		step = "review";
		instead = "ask another reviewer";
		break;
	case ES_ACT_SEAL_MAKE:
		step = "make";
		instead = "ask another maker";
		break;
	default:
		return 0;
	}
	es_sval pv[2] = { ES_SV_S(ids), ES_SV_I(actor) };
	if ((err = es_store_int(p->st, &submitted,
				"SELECT COUNT(*) FROM transitions WHERE object = 'application' AND object_id = ? AND "
				"actor = ? AND to_state = 'submitted' AND from_state <> 'submitted'",
				pv, 2)) < 0)
		return err;
	d[n++] = (es_duty){ a->applicant, "filed" };
	d[n++] = (es_duty){ submitted ? actor : 0, "submitted" };
	if (action == ES_ACT_APP_REVIEW)
		d[n++] = (es_duty){ a->checked_by, "checked" };
	if (action == ES_ACT_SEAL_MAKE)
		d[n++] = (es_duty){ a->reviewed_by, "reviewed" };
	char matter[48];
	snprintf(matter, sizeof(matter), "application %s", ids);
	return es_platform__separate(p, actor, step, matter, d, n, instead);
}

static bool is_province(const char *region)
{
	return !region[0] || es_region_level(region) == 1;
}

static int effect_pin_unlock(es_platform *p, int64_t actor, const char *target, int64_t app)
{
	seal_brief s;
	int err;
	if ((err = seal_brief_get(p, target, &s)) < 0 ||
	    (err = es_platform__transition(p, "seal", target, s.state, s.state, actor, "PIN unlock carried out", NULL)) < 0)
		return err;
	return es_platform__token_grant_unlock(p, target, app);
}

static int effect_reenable(es_platform *p, int64_t actor, const char *target, int64_t app)
{
	(void)app;
	int err = es_platform__transition(p, "seal", target, "suspended", "active", actor, "re-enabled by application", NULL);
	if (err < 0)
		return err;
	es_sval pv[2] = { ES_SV_I(es_platform__now(p)), ES_SV_S(target) };
	return es_store_exec(p->st, "UPDATE seals SET last_used = ? WHERE esid = ?", pv, 2, NULL, NULL, NULL);
}

static int step_tx(es_platform *p, void *vctx)
{
	step_ctx *c = vctx;
	app_row a;
	es_account acct;
	char ids[24];
	int err = app_load(p, c->app, &a);
	if (err < 0)
		goto done;
	idstr(ids, c->app);
	const business_rule *rule = business_rule_of(a.business);
	if (!rule) {
		err = es_error_set(ES_EINTERNAL, "application %s has an unknown business type", ids);
		goto done;
	}
	if ((err = es_platform__authorize(p, c->actor, c->action, a.unit_id, &acct)) < 0 ||
	    (err = separate(p, c->actor, &a, c->action, ids)) < 0)
		goto done;
	/* the state each step starts from: another is ES_ESTATE (a lost race shows later as ES_ECONFLICT) */
	static const struct {
		es_action action;
		const char *from, *what;
	} from_state[] = {
		{ ES_ACT_APP_FORWARD, "submitted", "forwarded" }, { ES_ACT_APP_CHECK, "submitted", "checked" },
		{ ES_ACT_APP_REVIEW, "checked", "reviewed" },      { ES_ACT_SEAL_MAKE, "approved", "carried out" },
		{ ES_ACT_APP_FILE, "made", "filed" },              { ES_ACT_APP_DELIVER, "filed", "delivered" },
	};
	for (size_t i = 0; i < ES_ARRAY_LEN(from_state); i++)
		if (from_state[i].action == c->action && strcmp(a.state, from_state[i].from) != 0) {
			err = es_error_set(ES_ESTATE, "application %s is %s: it must be %s before it can be %s", ids, a.state,
					   from_state[i].from, from_state[i].what);
			goto done;
		}
	switch (c->action) {
	case ES_ACT_APP_SUBMIT:
		if (strcmp(a.state, "draft") != 0 && strcmp(a.state, "rejected") != 0) {
			err = es_error_set(ES_ESTATE, "application %s is %s: only a draft or a rejected one can be submitted",
					   ids, a.state);
			goto done;
		}
		if ((err = check_target(p, a.business, a.target, a.unit_id)) < 0)
			goto done;
		if ((err = es_platform__transition(p, "application", ids, a.state, "submitted", c->actor,
						   strcmp(a.state, "rejected") == 0 ? "resubmitted" : NULL, NULL)) < 0)
			goto done;
		if (business_rule_of(a.business)->stops_at_submit) {
			/* a loss report stops use at once and publishes the status (R5) */
			int64_t tid;
			seal_brief s;
			if ((err = seal_brief_get(p, a.target, &s)) < 0)
				goto done;
			if ((err = es_platform__transition(p, "seal", a.target, s.state, "lost", c->actor, a.reason, &tid)) < 0 ||
			    (err = es_platform__file(p, a.target, "lost", tid)) < 0)
				goto done;
		}
		break;
	case ES_ACT_APP_FORWARD:
		if (strcmp(a.state, "submitted") != 0) {
			err = es_error_set(ES_ESTATE, "application %s is %s: only a submitted one can be forwarded", ids, a.state);
			goto done;
		}
		if (is_province(a.office)) {
			err = es_error_set(ES_ESTATE, "application %s is at the provincial office already", ids);
			goto done;
		}
		if (strcmp(acct.region, a.office) != 0) {
			err = es_error_set(ES_EDENIED, "application %s is held by office %s: a maker of that office forwards it",
					   ids, a.office);
			goto done;
		}
		{
			char parent[7];
			memcpy(parent, a.office, 7);
			if (es_region_level(a.office) == 3)
				memcpy(parent + 4, "00", 3);
			else
				memcpy(parent + 2, "0000", 5);
			es_sval pv[2] = { ES_SV_S(parent), ES_SV_I(c->app) };
			if ((err = es_store_exec(p->st, "UPDATE applications SET office_region = ? WHERE id = ?", pv, 2, NULL,
						 NULL, NULL)) < 0)
				goto done;
			char why[64];
			snprintf(why, sizeof(why), "forwarded from %s to %s", a.office, parent);
			err = es_platform__transition(p, "application", ids, "submitted", "submitted", c->actor, why, NULL);
		}
		break;
	case ES_ACT_APP_CHECK:
		if (!is_province(a.office)) {
			err = es_error_set(ES_ESTATE,
					   "application %s is at office %s: it must be forwarded to the province first (J§10)", ids,
					   a.office);
			goto done;
		}
		if (!is_province(acct.region)) {
			err = es_error_set(ES_EDENIED, "only the provincial office checks and makes: forward the application");
			goto done;
		}
		if ((err = es_platform__transition(p, "application", ids, "submitted", "checked", c->actor, NULL, NULL)) < 0)
			goto done;
		{
			es_sval pv[2] = { ES_SV_I(c->actor), ES_SV_I(c->app) };
			err = es_store_exec(p->st, "UPDATE applications SET checked_by = ? WHERE id = ?", pv, 2, NULL, NULL, NULL);
		}
		break;
	case ES_ACT_APP_REVIEW:
		if (!c->approve && (!c->reason || !*c->reason)) {
			err = es_error_set(ES_EINVAL, "a rejection needs a reason the applicant can act on");
			goto done;
		}
		if ((err = es_platform__transition(p, "application", ids, "checked", c->approve ? "approved" : "rejected",
						   c->actor, c->reason, NULL)) < 0)
			goto done;
		{
			es_sval pv[3] = { ES_SV_I(c->actor), ES_SV_S(c->reason), ES_SV_I(c->app) };
			err = es_store_exec(p->st, "UPDATE applications SET reviewed_by = ?, review_reason = ? WHERE id = ?", pv, 3,
					    NULL, NULL, NULL);
		}
		break;
	case ES_ACT_SEAL_MAKE:
		if (strcmp(a.state, "approved") != 0) {
			err = es_error_set(ES_ESTATE, "application %s is %s: only an approved application is carried out", ids,
					   a.state);
			goto done;
		}
		if (!is_province(acct.region)) {
			err = es_error_set(ES_EDENIED, "only the provincial office makes seals (J§10)");
			goto done;
		}
		if ((err = check_target(p, a.business, a.target, a.unit_id)) < 0 && !rule->stops_at_submit)
			goto done;
		err = 0;
		if (c->reserve) {
			c->makes = rule->makes_seal;
			if (!c->makes) {
				c->finished = true; /* nothing slow to do first: carried out now */
			} else {
				app_row *f = c->made_from;
				es_buf imp = f->impression;
				*f = a;
				f->impression = imp;
				err = es_buf_put(&f->impression, a.impression.ptr, a.impression.len);
				if (err == 0)
					err = es_platform__seal_reserve(p, a.unit_id, es_seal_kind_from_name(a.kind),
									a.seal_name, rule->keeps_esid ? a.target : NULL,
									c->made);
				goto done; /* the seal is built outside the transaction, then stored */
			}
		} else if (c->makes && !same_seal_fields(&a, c->made_from)) {
			err = es_error_set(ES_ECONFLICT, "application %s changed while its seal was made: make it again", ids);
			goto done;
		}
		{
			int64_t tid;
			char why[ES_PLAT_MAX_REASON + 64];
			int kind = es_seal_kind_from_name(a.kind);
			int func = a.function[0] ? es_seal_function_from_name(a.function) : 0;
			const char *multi = rule->keeps_esid ? "renewal of the same seal" : a.multi[0] ? a.multi : NULL;
			seal_brief s;
			if (rule->makes_seal && (err = es_platform__seal_store(p, c->actor, a.id, a.unit_id, kind, func,
									       a.seal_name, multi, c->made, c->esid)) < 0)
				goto done;
			if (!rule->makes_seal)
				memcpy(c->esid, a.target, sizeof(c->esid));
			if (rule->target_after) {
				if ((err = seal_brief_get(p, a.target, &s)) < 0)
					goto done;
				if (rule->replaced)
					snprintf(why, sizeof(why), "%s: replaced by %s%s%s", rule->replaced, c->esid,
						 a.reason[0] ? "; " : "", a.reason);
				else
					snprintf(why, sizeof(why), "%s", a.reason);
				if ((err = es_platform__transition(p, "seal", a.target, s.state, rule->target_after, c->actor, why,
								   &tid)) < 0 ||
				    (err = es_platform__file(p, a.target, rule->target_after, tid)) < 0)
					goto done;
				if (rule->replaced) {
					es_sval pv[2] = { ES_SV_S(c->esid), ES_SV_S(a.target) };
					if ((err = es_store_exec(p->st, "UPDATE seals SET replaced_by = ? WHERE esid = ?", pv, 2,
								 NULL, NULL, NULL)) < 0)
						goto done;
				}
			}
			if (rule->effect && (err = rule->effect(p, c->actor, a.target, a.id)) < 0)
				goto done;
		}
		if ((err = es_platform__transition(p, "application", ids, "approved", "made", c->actor, c->esid, NULL)) < 0)
			goto done;
		{
			es_sval pv[3] = { ES_SV_I(c->actor), ES_SV_S(c->esid[0] ? c->esid : NULL), ES_SV_I(c->app) };
			err = es_store_exec(p->st, "UPDATE applications SET made_by = ?, result_esid = ? WHERE id = ?", pv, 3, NULL,
					    NULL, NULL);
		}
		break;
	case ES_ACT_APP_FILE:
		err = es_platform__transition(p, "application", ids, "made", "filed", c->actor, NULL, NULL);
		break;
	case ES_ACT_APP_DELIVER:
		err = es_platform__transition(p, "application", ids, "filed", "delivered", c->actor, NULL, NULL);
		break;
	default:
		err = es_error_set(ES_EINTERNAL, "unknown step");
	}
done:
	app_release(&a);
	return err;
}

static int step(es_platform *p, int64_t actor, int64_t app, es_action action, bool approve, const char *reason,
		char *esid_out)
{
	ES_ASSERT_ARG(p);
	int err;
	if (reason && (err = es_platform__check_text("reason", reason, ES_PLAT_MAX_REASON, false)) < 0)
		return err;
	step_ctx c = { .actor = actor, .app = app, .action = action, .approve = approve, .reason = reason };
	if (action != ES_ACT_SEAL_MAKE) {
		err = es_platform__tx(p, step_tx, &c);
	} else {
		es_made_seal made = ES_MADE_SEAL_INIT;
		app_row from = { .impression = ES_BUF_INIT };
		es_buf_init(&from.impression, ES_PLAT_MAX_IMPRESSION);
		c.reserve = true;
		c.made = &made;
		c.made_from = &from;
		err = es_platform__tx(p, step_tx, &c);
		if (err == 0 && !c.finished) {
			int func = from.function[0] ? es_seal_function_from_name(from.function) : 0;
			err = es_platform__seal_build(p, &made, es_seal_kind_from_name(from.kind), func, from.seal_name,
						      (unsigned)from.width, (unsigned)from.height,
						      from.impression.len ? from.impression.ptr : NULL, from.impression.len);
			c.reserve = false;
			if (err == 0)
				err = es_platform__tx(p, step_tx, &c);
		}
		if (err < 0)
			es_platform__seal_release(p, &made);
		es_platform__made_seal_free(&made);
		app_release(&from);
	}
	if (err < 0)
		return err;
	if (esid_out)
		memcpy(esid_out, c.esid, sizeof(c.esid));
	return 0;
}

int es_platform_app_submit(es_platform *p, const es_actor *who, int64_t app)
{
	int64_t actor = es_platform__enter(p, who);
	return step(p, actor, app, ES_ACT_APP_SUBMIT, false, NULL, NULL);
}

int es_platform_app_forward(es_platform *p, const es_actor *who, int64_t app)
{
	int64_t actor = es_platform__enter(p, who);
	return step(p, actor, app, ES_ACT_APP_FORWARD, false, NULL, NULL);
}

int es_platform_app_check(es_platform *p, const es_actor *who, int64_t app)
{
	int64_t actor = es_platform__enter(p, who);
	return step(p, actor, app, ES_ACT_APP_CHECK, false, NULL, NULL);
}

int es_platform_app_review(es_platform *p, const es_actor *who, int64_t app, bool approve, const char *reason)
{
	int64_t actor = es_platform__enter(p, who);
	return step(p, actor, app, ES_ACT_APP_REVIEW, approve, reason, NULL);
}

int es_platform_app_make(es_platform *p, const es_actor *who, int64_t app, char esid_out[15])
{
	int64_t actor = es_platform__enter(p, who);
	return step(p, actor, app, ES_ACT_SEAL_MAKE, false, NULL, esid_out);
}

int es_platform_app_file(es_platform *p, const es_actor *who, int64_t app)
{
	int64_t actor = es_platform__enter(p, who);
	return step(p, actor, app, ES_ACT_APP_FILE, false, NULL, NULL);
}

int es_platform_app_deliver(es_platform *p, const es_actor *who, int64_t app)
{
	int64_t actor = es_platform__enter(p, who);
	return step(p, actor, app, ES_ACT_APP_DELIVER, false, NULL, NULL);
}

int es_platform_app_state(es_platform *p, int64_t app, char *out, size_t cap)
{
	ES_ASSERT_ARG(p && out && cap > 0);
	es_sval pv[1] = { ES_SV_I(app) };
	int err = es_store_text(p->st, out, cap, "SELECT state FROM applications WHERE id = ?", pv, 1);
	if (err == ES_ENOTFOUND)
		return es_error_set(ES_ENOTFOUND, "no application %lld", (long long)app);
	return err;
}
