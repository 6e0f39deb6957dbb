/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The read side (es_read.h, docs/read.md): one table of record kinds with their
 * columns, one visibility rule, one cursor-paged query, one JSON encoder. */
#include "es_int.h"
#include "platform_int.h"
#include "eseal/es_read.h"
#include "estime.h"
#include "text.h"
#include <jansson.h>
#include <openssl/crypto.h>

#define DAY 86400LL

typedef enum col_type {
	C_INT,     /* integer, null when NULL */
	C_TEXT,
	C_TIME,    /* Unix seconds → ISO 8601 UTC */
	C_BOOL,
	C_HEX,     /* blob → lower-case hex */
	C_ROLES,   /* es_role bits → ["maker", ...] */
	C_MOBILE,  /* sealed mobile number (aad in the column spec) → masked unless PII */
	C_ID,      /* sealed resident ID (aad) → clear for PII readers; the mask column is shown otherwise */
	C_SCOPE,   /* API-key scope bits → ["read", "seal-use", ...]; [] = whatever the account's roles allow */
} col_type;

typedef struct col {
	const char *json;
	const char *sql;
	col_type type;
	const char *aad; /* C_MOBILE, C_ID */
} col;

typedef struct rec_def {
	es_record_kind kind;
	const char *name;
	const char *from;
	const char *key;      /* ordering and cursor column: digits only (ids, esIDs, region codes) */
	bool key_int;
	const char *unit;     /* owning unit id expression, NULL if none */
	const char *region;   /* region of the owning unit, NULL if none */
	unsigned roles;       /* roles that read this kind at all; 0: everyone */
	bool self_only;       /* accounts: others than administrators see only themselves */
	const char *owner;    /* jobs: the owner's column; others than auditors and ES_ACT_JOBS see only their own */
	const col *cols;
	size_t ncols;
} rec_def;

#define R_ADMIN (ES_ROLE_AUDITOR | ES_ROLE_SYSADMIN)
#define R_OFFICE (ES_ROLE_MAKER | ES_ROLE_REVIEWER | ES_ROLE_USE_APPROVER)
#define R_UNIT (ES_ROLE_APPLICANT | ES_ROLE_UNIT_ADMIN)

static const col app_cols[] = {
	{ "id", "a.id", C_INT, NULL },
	{ "business", "a.business", C_TEXT, NULL },
	{ "state", "a.state", C_TEXT, NULL },
	{ "unit_id", "a.unit_id", C_INT, NULL },
	{ "unit_name", "u.name", C_TEXT, NULL },
	{ "applicant", "a.applicant", C_INT, NULL },
	{ "batch_id", "a.batch_id", C_INT, NULL },
	{ "seal_kind", "a.seal_kind", C_TEXT, NULL },
	{ "seal_function", "a.seal_function", C_TEXT, NULL },
	{ "seal_name", "a.seal_name", C_TEXT, NULL },
	{ "width_mm", "a.width_mm", C_INT, NULL },
	{ "height_mm", "a.height_mm", C_INT, NULL },
	{ "holder_person", "a.holder_person", C_INT, NULL },
	{ "handler_name", "a.handler_name", C_TEXT, NULL },
	{ "handler_id", "a.handler_id_mask", C_TEXT, NULL },
	{ "handler_id", "a.handler_id_enc", C_ID, "handler.id" },
	{ "handler_mobile", "a.handler_mobile_enc", C_MOBILE, "handler.mobile" },
	{ "target_esid", "a.target_esid", C_TEXT, NULL },
	{ "reason", "a.reason", C_TEXT, NULL },
	{ "multi_cert_reason", "a.multi_cert_reason", C_TEXT, NULL },
	{ "office_region", "a.office_region", C_TEXT, NULL },
	{ "checked_by", "a.checked_by", C_INT, NULL },
	{ "reviewed_by", "a.reviewed_by", C_INT, NULL },
	{ "made_by", "a.made_by", C_INT, NULL },
	{ "review_reason", "a.review_reason", C_TEXT, NULL },
	{ "result_esid", "a.result_esid", C_TEXT, NULL },
	{ "impression_type", "a.impression_type", C_TEXT, NULL },
	{ "impression_size", "length(a.impression)", C_INT, NULL },
	{ "created_at", "a.created_at", C_TIME, NULL },
	{ "updated_at", "a.updated_at", C_TIME, NULL },
};

static const col seal_cols[] = {
	{ "esid", "s.esid", C_TEXT, NULL },
	{ "unit_id", "s.unit_id", C_INT, NULL },
	{ "unit_name", "u.name", C_TEXT, NULL },
	{ "app_id", "s.app_id", C_INT, NULL },
	{ "kind", "s.kind", C_TEXT, NULL },
	{ "function", "s.function", C_TEXT, NULL },
	{ "name", "s.name", C_TEXT, NULL },
	{ "state", "s.state", C_TEXT, NULL },
	{ "state_since", "s.state_since", C_TIME, NULL },
	{ "state_reason", "s.state_reason", C_TEXT, NULL },
	{ "valid_start", "s.valid_start", C_TIME, NULL },
	{ "valid_end", "s.valid_end", C_TIME, NULL },
	{ "confirmed", "s.confirmed", C_BOOL, NULL },
	{ "last_used", "s.last_used", C_TIME, NULL },
	{ "replaced_by", "s.replaced_by", C_TEXT, NULL },
	{ "picture_type", "s.picture_type", C_TEXT, NULL },
	{ "holder_person", "h.holder_person", C_INT, NULL },
	{ "made_by", "s.made_by", C_INT, NULL },
	{ "created_at", "s.created_at", C_TIME, NULL },
};

static const col unit_cols[] = {
	{ "id", "u.id", C_INT, NULL },
	{ "name", "u.name", C_TEXT, NULL },
	{ "credit_code", "u.credit_code", C_TEXT, NULL },
	{ "legacy_code", "u.legacy_code", C_BOOL, NULL },
	{ "region", "u.region", C_TEXT, NULL },
	{ "superior", "u.superior", C_INT, NULL },
	{ "legal_rep", "u.legal_rep", C_TEXT, NULL },
	{ "source", "u.source", C_TEXT, NULL },
	{ "created_at", "u.created_at", C_TIME, NULL },
};

static const col person_cols[] = {
	{ "id", "pe.id", C_INT, NULL },
	{ "name", "pe.name", C_TEXT, NULL },
	{ "resident_id", "pe.id_mask", C_TEXT, NULL },
	{ "resident_id", "pe.id_enc", C_ID, "person.id" },
	{ "mobile", "pe.mobile_enc", C_MOBILE, "person.mobile" },
	{ "unit_id", "pe.unit_id", C_INT, NULL },
	{ "created_at", "pe.created_at", C_TIME, NULL },
};

static const col account_cols[] = {
	{ "id", "ac.id", C_INT, NULL },
	{ "login", "ac.login", C_TEXT, NULL },
	{ "roles", "ac.roles", C_ROLES, NULL },
	{ "unit_id", "ac.unit_id", C_INT, NULL },
	{ "region", "ac.region", C_TEXT, NULL },
	{ "disabled", "ac.disabled", C_BOOL, NULL },
	{ "locked_until", "NULLIF(ac.locked_until, 0)", C_TIME, NULL },
	{ "created_at", "ac.created_at", C_TIME, NULL },
};

static const col region_cols[] = {
	{ "code", "r.code", C_TEXT, NULL },
	{ "name", "r.name", C_TEXT, NULL },
	{ "level", "r.level", C_INT, NULL },
	{ "parent", "r.parent", C_TEXT, NULL },
};

static const col use_cols[] = {
	{ "id", "q.id", C_INT, NULL },
	{ "esid", "q.esid", C_TEXT, NULL },
	{ "seal_name", "s.name", C_TEXT, NULL },
	{ "unit_id", "s.unit_id", C_INT, NULL },
	{ "doc_sm3", "q.doc_hash", C_HEX, NULL },
	{ "purpose", "q.purpose", C_TEXT, NULL },
	{ "requested_by", "q.requested_by", C_INT, NULL },
	{ "state", "q.state", C_TEXT, NULL },
	{ "approver", "q.approver", C_INT, NULL },
	{ "decision_reason", "q.decision_reason", C_TEXT, NULL },
	{ "decided_at", "q.decided_at", C_TIME, NULL },
	{ "used_at", "q.used_at", C_TIME, NULL },
	{ "created_at", "q.created_at", C_TIME, NULL },
};

static const col usage_cols[] = {
	{ "id", "g.id", C_INT, NULL },
	{ "esid", "g.esid", C_TEXT, NULL },
	{ "unit_id", "s.unit_id", C_INT, NULL },
	{ "actor", "g.actor", C_INT, NULL },
	{ "at", "g.at", C_TIME, NULL },
	{ "doc_sm3", "g.doc_hash", C_HEX, NULL },
	{ "request_id", "g.request_id", C_INT, NULL },
	{ "batch_id", "g.batch_id", C_INT, NULL },
	{ "audit_seq", "g.audit_seq", C_INT, NULL },
};

static const col audit_cols[] = {
	{ "seq", "l.seq", C_INT, NULL },
	{ "at", "l.at", C_TIME, NULL },
	{ "actor", "l.actor", C_INT, NULL },
	{ "event", "l.event", C_TEXT, NULL },
	{ "object", "l.object", C_TEXT, NULL },
	{ "object_id", "l.object_id", C_TEXT, NULL },
	{ "detail", "l.detail", C_TEXT, NULL },
	{ "hash", "l.hash", C_HEX, NULL },
};

static const col outbox_cols[] = {
	{ "id", "o.id", C_INT, NULL },
	{ "target", "o.target", C_TEXT, NULL },
	{ "esid", "o.esid", C_TEXT, NULL },
	{ "event", "o.event", C_TEXT, NULL },
	{ "state", "o.state", C_TEXT, NULL },
	{ "attempts", "o.attempts", C_INT, NULL },
	{ "next_at", "o.next_at", C_TIME, NULL },
	{ "last_error", "o.last_error", C_TEXT, NULL },
	{ "sent_at", "o.sent_at", C_TIME, NULL },
};

static const col api_key_cols[] = {
	{ "id", "k.id", C_INT, NULL },
	{ "account_id", "k.account_id", C_INT, NULL },
	{ "login", "ac.login", C_TEXT, NULL },
	{ "name", "k.name", C_TEXT, NULL },
	{ "scope", "k.scope", C_SCOPE, NULL },
	{ "expires_at", "k.expires_at", C_TIME, NULL },
	{ "allow_from", "k.allow_from", C_TEXT, NULL },
	{ "created_by", "k.created_by", C_INT, NULL },
	{ "created_at", "k.created_at", C_TIME, NULL },
	{ "revoked_at", "k.revoked_at", C_TIME, NULL },
};

/* batch jobs (docs/batch-jobs.md): the job, its counters, never its documents */
#define JOB_COUNT(st) "(SELECT COUNT(*) FROM job_items i WHERE i.job_id = j.id AND i.state = '" st "')"
static const col job_cols[] = {
	{ "id", "j.id", C_INT, NULL },
	{ "esid", "j.esid", C_TEXT, NULL },
	{ "state", "j.state", C_TEXT, NULL },
	{ "owner", "j.owner", C_INT, NULL },
	{ "use_request", "j.request_id", C_INT, NULL },
	{ "manifest_sm3", "j.manifest", C_HEX, NULL },
	{ "total", "j.total", C_INT, NULL },
	{ "done", JOB_COUNT("done"), C_INT, NULL },
	{ "failed", JOB_COUNT("failed"), C_INT, NULL },
	{ "cancelled", JOB_COUNT("cancelled"), C_INT, NULL },
	{ "created_at", "j.created_at", C_TIME, NULL },
	{ "started_at", "j.started_at", C_TIME, NULL },
	{ "finished_at", "j.finished_at", C_TIME, NULL },
	{ "purged_at", "j.purged_at", C_TIME, NULL },
};

/* webhook subscriptions (docs/webhooks.md): never the secret */
static const col webhook_cols[] = {
	{ "id", "w.id", C_INT, NULL },
	{ "url", "w.url", C_TEXT, NULL },
	{ "events", "SUBSTR(w.events, 2, LENGTH(w.events) - 2)", C_TEXT, NULL }, /* stored as ",a,b," */
	{ "unit_id", "w.unit_id", C_INT, NULL },
	{ "state", "w.state", C_TEXT, NULL },
	{ "created_by", "w.created_by", C_INT, NULL },
	{ "created_at", "w.created_at", C_TIME, NULL },
};

#define COLS(a) a, ES_ARRAY_LEN(a)
static const rec_def defs[] = {
	{ ES_REC_APPLICATION, "application", "applications a JOIN units u ON u.id = a.unit_id", "a.id", true, "a.unit_id",
	  "u.region", R_ADMIN | R_OFFICE | R_UNIT, false, NULL, COLS(app_cols) },
	{ ES_REC_SEAL, "seal",
	  "seals s JOIN units u ON u.id = s.unit_id LEFT JOIN applications h ON h.id = s.app_id", "s.esid", false,
	  "s.unit_id", "u.region", R_ADMIN | R_OFFICE | R_UNIT, false, NULL, COLS(seal_cols) },
	{ ES_REC_UNIT, "unit", "units u", "u.id", true, "u.id", "u.region", 0, false, NULL, COLS(unit_cols) },
	{ ES_REC_PERSON, "person", "people pe LEFT JOIN units u ON u.id = pe.unit_id", "pe.id", true, "pe.unit_id",
	  "u.region", R_ADMIN | R_OFFICE | R_UNIT, false, NULL, COLS(person_cols) },
	{ ES_REC_ACCOUNT, "account", "accounts ac", "ac.id", true, NULL, NULL, 0, true, NULL, COLS(account_cols) },
	{ ES_REC_REGION, "region", "regions r", "r.code", false, NULL, NULL, 0, false, NULL, COLS(region_cols) },
	{ ES_REC_USE_REQUEST, "use-request",
	  "use_requests q JOIN seals s ON s.esid = q.esid JOIN units u ON u.id = s.unit_id", "q.id", true, "s.unit_id",
	  "u.region", R_ADMIN | R_OFFICE | R_UNIT, false, NULL, COLS(use_cols) },
	{ ES_REC_USAGE, "usage", "usage_records g JOIN seals s ON s.esid = g.esid JOIN units u ON u.id = s.unit_id",
	  "g.id", true, "s.unit_id", "u.region", R_ADMIN | R_OFFICE | R_UNIT, false, NULL, COLS(usage_cols) },
	{ ES_REC_AUDIT, "audit", "audit_log l", "l.seq", true, NULL, NULL, R_ADMIN, false, NULL, COLS(audit_cols) },
	{ ES_REC_OUTBOX, "outbox", "outbox o", "o.id", true, NULL, NULL, R_ADMIN, false, NULL, COLS(outbox_cols) },
	{ ES_REC_API_KEY, "api-key", "api_keys k JOIN accounts ac ON ac.id = k.account_id", "k.id", true, NULL, NULL,
	  R_ADMIN, false, NULL, COLS(api_key_cols) },
	{ ES_REC_JOB, "job", "jobs j", "j.id", true, NULL, NULL, 0, false, "j.owner", COLS(job_cols) },
	{ ES_REC_WEBHOOK, "webhook", "webhooks w", "w.id", true, NULL, NULL, R_ADMIN, false, NULL,
	  COLS(webhook_cols) },
};

static const rec_def *def_of(es_record_kind k)
{
	for (size_t i = 0; i < ES_ARRAY_LEN(defs); i++)
		if (defs[i].kind == k)
			return &defs[i];
	return NULL;
}

int es_record_kind_parse(const char *name)
{
	for (size_t i = 0; name && i < ES_ARRAY_LEN(defs); i++)
		if (strcmp(defs[i].name, name) == 0)
			return (int)defs[i].kind;
	return -1;
}

const char *es_record_kind_name(es_record_kind k)
{
	const rec_def *d = def_of(k);
	return d ? d->name : NULL;
}

/* ---- the query under construction ---------------------------------------- */

#define MAXP 24
typedef struct query {
	es_buf sql;
	es_sval pv[MAXP];
	size_t np;
	char texts[MAXP][40]; /* storage for parameters built here */
	int err;
} query;

static void q_put(query *q, const char *s)
{
	if (!q->err && es_buf_puts(&q->sql, s) < 0)
		q->err = ES_ENOMEM;
}

static void q_param(query *q, es_sval v)
{
	if (q->np >= MAXP) {
		q->err = es_error_set(ES_EINTERNAL, "too many query parameters");
		return;
	}
	q->pv[q->np++] = v;
}

static const char *q_text(query *q, const char *fmt, const char *a)
{
	if (q->np >= MAXP)
		return "";
	snprintf(q->texts[q->np], sizeof(q->texts[0]), fmt, a);
	return q->texts[q->np];
}

/* The area of an office: "" or a province sees everything, a city its 4-digit prefix, a county itself. */
static void area_clause(query *q, const rec_def *d, const es_actor *a)
{
	const char *r = es_actor_region(a);
	if (!r[0] || es_region_level(r) == 1) {
		q_put(q, "1 = 1");
		return;
	}
	if (!d->region) {
		q_put(q, "1 = 0");
		return;
	}
	char prefix[8];
	snprintf(prefix, sizeof(prefix), "%.*s%%", es_region_level(r) == 2 ? 4 : 6, r);
	q_put(q, d->region);
	q_put(q, " LIKE ?");
	q_param(q, ES_SV_S(q_text(q, "%s", prefix)));
}

/* The visibility rule: the union of what each of the actor's roles sees (docs/read.md). */
static int visible_clause(es_platform *p, query *q, const rec_def *d, const es_actor *a)
{
	unsigned roles = es_actor_roles(a);
	bool system = es_actor_how(a) == ES_AUTH_SYSTEM;
	if (!system && d->roles && !(roles & d->roles))
		return es_error_set(ES_EDENIED, "'%s' may not read %s records", es_actor_login(a), d->name);
	if (d->owner) {
		/* one's own (jobs); all of them for auditors and whoever may run anyone's (ES_ACT_JOBS) */
		if (system || (roles & ES_ROLE_AUDITOR) || es_platform__may(p, es_actor_account(a), ES_ACT_JOBS, -1)) {
			q_put(q, "1 = 1");
		} else {
			q_put(q, d->owner);
			q_put(q, " = ?");
			q_param(q, ES_SV_I(es_actor_account(a)));
		}
		return 0;
	}
	if (system || (roles & R_ADMIN) || (!d->roles && !d->self_only && !d->unit)) {
		q_put(q, "1 = 1");
		return 0;
	}
	if (d->self_only) {
		q_put(q, "ac.id = ?");
		q_param(q, ES_SV_I(es_actor_account(a)));
		return 0;
	}
	bool any = false;
	q_put(q, "(");
	if (roles & R_OFFICE) {
		if ((roles & ES_ROLE_USE_APPROVER) && !(roles & (ES_ROLE_MAKER | ES_ROLE_REVIEWER)) && es_actor_unit(a) &&
		    d->unit) {
			/* a unit's own use approver: that unit */
			q_put(q, d->unit);
			q_put(q, " = ?");
			q_param(q, ES_SV_I(es_actor_unit(a)));
		} else {
			area_clause(q, d, a);
		}
		any = true;
	}
	if ((roles & R_UNIT) && d->unit && es_actor_unit(a)) {
		q_put(q, any ? " OR " : "");
		q_put(q, d->unit);
		q_put(q, " = ?");
		q_param(q, ES_SV_I(es_actor_unit(a)));
		any = true;
	}
	if (!any)
		q_put(q, "1 = 0");
	q_put(q, ")");
	return 0;
}

/* "What this actor can act on now" (applications, use requests). */
static void waiting_clause(query *q, const rec_def *d, const es_actor *a)
{
	unsigned roles = es_actor_roles(a);
	int64_t me = es_actor_account(a);
	bool any = false;
	q_put(q, " AND (");
	if (d->kind == ES_REC_APPLICATION) {
		if (roles & ES_ROLE_MAKER) {
			q_put(q, "(a.state IN ('submitted', 'approved', 'made', 'filed') AND a.applicant <> ?)");
			q_param(q, ES_SV_I(me));
			any = true;
		}
		if (roles & ES_ROLE_REVIEWER) {
			q_put(q, any ? " OR " : "");
			q_put(q, "(a.state = 'checked' AND a.applicant <> ? AND (a.checked_by IS NULL OR a.checked_by <> ?))");
			q_param(q, ES_SV_I(me));
			q_param(q, ES_SV_I(me));
			any = true;
		}
		if ((roles & R_UNIT) && es_actor_unit(a)) {
			q_put(q, any ? " OR " : "");
			q_put(q, "(a.state IN ('draft', 'rejected') AND a.unit_id = ?)");
			q_param(q, ES_SV_I(es_actor_unit(a)));
			any = true;
		}
	} else if (d->kind == ES_REC_USE_REQUEST && (roles & ES_ROLE_USE_APPROVER)) {
		q_put(q, "(q.state = 'requested' AND q.requested_by <> ?)");
		q_param(q, ES_SV_I(me));
		any = true;
	}
	q_put(q, any ? ")" : "1 = 0)");
}

static void filter_text(query *q, const char *col, const char *v)
{
	if (!v)
		return;
	q_put(q, " AND ");
	q_put(q, col);
	q_put(q, " = ?");
	q_param(q, ES_SV_S(v));
}

static void filter_int(query *q, const char *col, int64_t v)
{
	q_put(q, " AND ");
	q_put(q, col);
	q_put(q, " = ?");
	q_param(q, ES_SV_I(v));
}

static int filters(es_platform *p, query *q, const rec_def *d, const es_actor *a, const es_list_query *f)
{
	switch (d->kind) {
	case ES_REC_APPLICATION:
		filter_text(q, "a.state", f->state);
		filter_text(q, "a.business", f->business);
		filter_text(q, "a.office_region", f->office);
		if (f->batch)
			filter_int(q, "a.batch_id", f->batch);
		break;
	case ES_REC_SEAL:
		filter_text(q, "s.state", f->state);
		filter_text(q, "s.kind", f->seal_kind);
		if (f->holder)
			filter_int(q, "h.holder_person", f->holder);
		if (f->expiring_days > 0) {
			es_time now = es_platform__now(p);
			q_put(q, " AND s.valid_end >= ? AND s.valid_end < ?");
			q_param(q, ES_SV_I(now));
			q_param(q, ES_SV_I(now + (int64_t)f->expiring_days * DAY));
		}
		break;
	case ES_REC_USE_REQUEST:
		filter_text(q, "q.state", f->state);
		filter_text(q, "q.esid", f->esid);
		break;
	case ES_REC_USAGE:
		filter_text(q, "g.esid", f->esid);
		if (f->by >= 0)
			filter_int(q, "g.actor", f->by);
		if (f->from) {
			q_put(q, " AND g.at >= ?");
			q_param(q, ES_SV_I(f->from));
		}
		if (f->to) {
			q_put(q, " AND g.at < ?");
			q_param(q, ES_SV_I(f->to));
		}
		break;
	case ES_REC_AUDIT:
		filter_text(q, "l.object", f->object);
		filter_text(q, "l.object_id", f->esid);
		if (f->by >= 0)
			filter_int(q, "l.actor", f->by);
		if (f->from) {
			q_put(q, " AND l.at >= ?");
			q_param(q, ES_SV_I(f->from));
		}
		if (f->to) {
			q_put(q, " AND l.at < ?");
			q_param(q, ES_SV_I(f->to));
		}
		break;
	case ES_REC_OUTBOX:
		filter_text(q, "o.state", f->state);
		break;
	case ES_REC_JOB:
		filter_text(q, "j.state", f->state);
		filter_text(q, "j.esid", f->esid);
		break;
	case ES_REC_WEBHOOK:
		filter_text(q, "w.state", f->state);
		break;
	default:
		break;
	}
	if (f->unit && d->unit)
		filter_int(q, d->unit, f->unit);
	if (f->waiting_for_me)
		waiting_clause(q, d, a);
	return q->err;
}

/* ---- rows → JSON ----------------------------------------------------------------- */

typedef struct row_ctx {
	es_platform *p;
	const rec_def *d;
	bool pii;
	json_t *items;
	size_t n, limit;
	char last[24];
	bool more;
	int err;
} row_ctx;

static json_t *hex_json(const uint8_t *b, size_t n)
{
	char *s = es_malloc(2 * n + 1);
	if (!s)
		return NULL;
	es_hex(s, b, n);
	json_t *j = json_string(s);
	es_free(s);
	return j;
}

static json_t *roles_json(unsigned bits)
{
	json_t *arr = json_array();
	for (unsigned b = 1; arr && b && b <= ES_ROLE_SYSADMIN; b <<= 1)
		if ((bits & b) && es_role_name(b))
			json_array_append_new(arr, json_string(es_role_name(b)));
	return arr;
}

static json_t *scope_json(uint64_t bits)
{
	json_t *arr = json_array();
	for (unsigned b = 0; arr && b < 63; b++)
		if (bits & ES_SCOPE(b))
			json_array_append_new(arr, json_string(es_platform_action_name((es_action)b)));
	return arr;
}

static json_t *value_json(row_ctx *x, const col *c, const es_sval *v)
{
	char buf[64];
	if (v->type == ES_SV_NULL)
		return json_null();
	switch (c->type) {
	case C_INT:
		return v->type == ES_SV_INT ? json_integer(v->i) : json_null();
	case C_BOOL:
		return json_boolean(v->type == ES_SV_INT && v->i != 0);
	case C_TIME:
		if (v->type != ES_SV_INT)
			return json_null();
		es_time_iso(buf, v->i);
		return json_string(buf);
	case C_HEX:
		return v->type == ES_SV_BLOB ? hex_json(v->b, v->len) : json_null();
	case C_ROLES:
		return roles_json(v->type == ES_SV_INT ? (unsigned)v->i : 0);
	case C_SCOPE:
		return scope_json(v->type == ES_SV_INT ? (uint64_t)v->i : 0);
	case C_MOBILE:
	case C_ID: {
		char clear[64];
		if (v->type != ES_SV_BLOB || es_platform__open_pii(x->p, clear, sizeof(clear), c->aad, v->b, v->len) < 0) {
			es_error_clear();
			return json_null();
		}
		json_t *j;
		if (c->type == C_MOBILE && !x->pii) {
			es_platform__mask_mobile(buf, sizeof(buf), clear);
			j = json_string(buf);
		} else {
			j = json_string(clear);
		}
		OPENSSL_cleanse(clear, sizeof(clear));
		return j;
	}
	case C_TEXT:
	default:
		if (v->type == ES_SV_TEXT)
			return json_stringn(v->s, v->len);
		if (v->type == ES_SV_INT)
			return json_integer(v->i);
		return json_null();
	}
}

static int row_fn(void *vctx, const es_sval *c, size_t n)
{
	row_ctx *x = vctx;
	const rec_def *d = x->d;
	if (n != d->ncols + 1)
		return ES_EINTERNAL;
	if (x->n == x->limit) {
		x->more = true;
		return 1;
	}
	json_t *o = json_object();
	if (!o)
		return ES_ENOMEM;
	for (size_t i = 0; i < d->ncols; i++) {
		const col *cl = &d->cols[i];
		/* clear resident IDs only for PII readers: the masked column stands otherwise */
		if (cl->type == C_ID && !x->pii)
			continue;
		json_t *v = value_json(x, cl, &c[i]);
		if (!v || json_object_set_new(o, cl->json, v) < 0) {
			json_decref(o);
			return ES_ENOMEM;
		}
	}
	es_platform__copy(x->last, sizeof(x->last), &c[d->ncols]);
	if (json_array_append_new(x->items, o) < 0)
		return ES_ENOMEM;
	x->n++;
	return 0;
}

static bool digits_only(const char *s, size_t max)
{
	size_t n = strlen(s);
	return n > 0 && n <= max && strspn(s, "0123456789") == n;
}

static int run(es_platform *p, const es_actor *a, const rec_def *d, const es_list_query *f, const char *one_id,
	       row_ctx *x)
{
	query q = { ES_BUF_INIT, { { 0 } }, 0, { { 0 } }, 0 };
	int err;
	q_put(&q, "SELECT ");
	for (size_t i = 0; i < d->ncols; i++) {
		q_put(&q, i ? ", " : "");
		q_put(&q, d->cols[i].sql);
	}
	q_put(&q, ", ");
	q_put(&q, d->key);
	q_put(&q, " FROM ");
	q_put(&q, d->from);
	q_put(&q, " WHERE ");
	if ((err = visible_clause(p, &q, d, a)) < 0)
		goto done;
	if (one_id) {
		q_put(&q, " AND ");
		q_put(&q, d->key);
		q_put(&q, " = ?");
		q_param(&q, d->key_int ? ES_SV_I(strtoll(one_id, NULL, 10)) : ES_SV_S(one_id));
	} else {
		if ((err = filters(p, &q, d, a, f)) < 0)
			goto done;
		if (f->after) {
			q_put(&q, " AND ");
			q_put(&q, d->key);
			q_put(&q, " > ?");
			q_param(&q, d->key_int ? ES_SV_I(strtoll(f->after, NULL, 10)) : ES_SV_S(f->after));
		}
	}
	char lim[48];
	snprintf(lim, sizeof(lim), " ORDER BY %s LIMIT %zu", d->key, x->limit + 1);
	q_put(&q, lim);
	if ((err = q.err) < 0 || (err = es_buf_put(&q.sql, "", 1)) < 0)
		goto done;
	err = es_store_exec(p->st, (const char *)q.sql.ptr, q.pv, q.np, row_fn, x, NULL);
done:
	es_buf_release(&q.sql);
	return err;
}

static int dump(es_buf *out, json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);
	if (!s)
		return es_error_set(ES_ENOMEM, "out of memory");
	int err = es_buf_puts(out, s);
	free(s);
	return err;
}

static int check_query(const es_list_query *f, unsigned *limit)
{
	*limit = f->limit ? f->limit : ES_LIST_LIMIT_DEFAULT;
	if (*limit > ES_LIST_LIMIT_MAX)
		return es_error_set(ES_EINVAL, "a page holds at most %d records: ask for a smaller limit", ES_LIST_LIMIT_MAX);
	if (f->after && !digits_only(f->after, 20))
		return es_error_set(ES_EINVAL, "the cursor is not one this platform gave: start again without 'after'");
	if (f->expiring_days < 0 || f->expiring_days > 3650)
		return es_error_set(ES_EINVAL, "expiring within %d days is outside 1..3650", f->expiring_days);
	const char *texts[] = { f->state, f->business, f->office, f->seal_kind, f->esid, f->object };
	for (size_t i = 0; i < ES_ARRAY_LEN(texts); i++)
		if (texts[i] && strlen(texts[i]) > 64)
			return es_error_set(ES_EINVAL, "a filter value is longer than 64 bytes");
	return 0;
}

int es_platform_list(es_platform *p, const es_actor *a, es_record_kind kind, const es_list_query *f, es_buf *json)
{
	ES_ASSERT_ARG(p && a && json);
	es_list_query none = ES_LIST_QUERY_INIT;
	const rec_def *d = def_of(kind);
	unsigned limit;
	int err;
	if (!d)
		return es_error_set(ES_EINVAL, "unknown record kind %d", (int)kind);
	if (!f)
		f = &none;
	if ((err = check_query(f, &limit)) < 0)
		return err;
	if ((err = es_platform_allowed(p, a, ES_ACT_READ, -1)) < 0)
		return err;
	row_ctx x = { p, d, false, json_array(), 0, limit, "", false, 0 };
	x.pii = es_platform__may(p, a->account, ES_ACT_READ_PII, -1);
	if (!x.items)
		return es_error_set(ES_ENOMEM, "out of memory");
	if ((err = run(p, a, d, f, NULL, &x)) < 0) {
		json_decref(x.items);
		return err;
	}
	json_t *page = json_pack("{s:o, s:o}", "items", x.items, "next", x.more ? json_string(x.last) : json_null());
	if (!page)
		return es_error_set(ES_ENOMEM, "out of memory");
	err = dump(json, page);
	json_decref(page);
	return err;
}

/* An application comes whole: attachments and the history of its transitions. */
static int app_extras(es_platform *p, json_t *o, const char *id);

int es_platform_get(es_platform *p, const es_actor *a, es_record_kind kind, const char *id, es_buf *json)
{
	ES_ASSERT_ARG(p && a && id && json);
	const rec_def *d = def_of(kind);
	int err;
	if (!d)
		return es_error_set(ES_EINVAL, "unknown record kind %d", (int)kind);
	if (!digits_only(id, 20))
		return es_error_set(ES_ENOTFOUND, "no %s '%.24s'", d->name, id);
	if ((err = es_platform_allowed(p, a, ES_ACT_READ, -1)) < 0)
		return err;
	row_ctx x = { p, d, false, json_array(), 0, 1, "", false, 0 };
	x.pii = es_platform__may(p, a->account, ES_ACT_READ_PII, -1);
	if (!x.items)
		return es_error_set(ES_ENOMEM, "out of memory");
	err = run(p, a, d, NULL, id, &x);
	if (err == ES_EDENIED) /* a kind the actor never reads: not found, like the rest */
		err = es_error_set(ES_ENOTFOUND, "no %s %s that you may read", d->name, id);
	if (err == 0 && x.n == 0)
		err = es_error_set(ES_ENOTFOUND, "no %s %s that you may read", d->name, id);
	json_t *o = err == 0 ? json_incref(json_array_get(x.items, 0)) : NULL;
	json_decref(x.items);
	if (err == 0 && kind == ES_REC_APPLICATION)
		err = app_extras(p, o, id);
	if (err == 0)
		err = dump(json, o);
	json_decref(o);
	return err;
}

typedef struct arr_ctx {
	json_t *arr;
	int kind; /* 0 attachments, 1 transitions */
} arr_ctx;

static int extra_row(void *vctx, const es_sval *c, size_t n)
{
	arr_ctx *x = vctx;
	json_t *o;
	char at[32];
	if (x->kind == 0) {
		if (n < 4)
			return ES_EINTERNAL;
		o = json_pack("{s:I, s:s%, s:s%, s:I}", "id", (json_int_t)c[0].i, "kind", c[1].s ? c[1].s : "",
			      c[1].s ? c[1].len : 0, "name", c[2].s ? c[2].s : "", c[2].s ? c[2].len : 0, "size",
			      (json_int_t)c[3].i);
	} else {
		if (n < 6)
			return ES_EINTERNAL;
		es_time_iso(at, c[5].i);
		o = json_pack("{s:I, s:o, s:s%, s:o, s:o, s:s}", "id", (json_int_t)c[0].i, "from",
			      c[1].type == ES_SV_TEXT ? json_stringn(c[1].s, c[1].len) : json_null(), "to",
			      c[2].s ? c[2].s : "", c[2].s ? c[2].len : 0, "actor",
			      c[3].type == ES_SV_INT ? json_integer(c[3].i) : json_null(), "reason",
			      c[4].type == ES_SV_TEXT ? json_stringn(c[4].s, c[4].len) : json_null(), "at", at);
	}
	if (!o || json_array_append_new(x->arr, o) < 0)
		return ES_ENOMEM;
	return 0;
}

static int app_extras(es_platform *p, json_t *o, const char *id)
{
	arr_ctx att = { json_array(), 0 }, hist = { json_array(), 1 };
	int err;
	es_sval pv[1] = { ES_SV_I(strtoll(id, NULL, 10)) };
	es_sval ps[1] = { ES_SV_S(id) };
	if (!att.arr || !hist.arr) {
		err = es_error_set(ES_ENOMEM, "out of memory");
		goto done;
	}
	if ((err = es_store_exec(p->st, "SELECT id, kind, name, length(data) FROM attachments WHERE app_id = ? ORDER BY id",
				 pv, 1, extra_row, &att, NULL)) < 0 ||
	    (err = es_store_exec(p->st,
				 "SELECT id, from_state, to_state, actor, reason, at FROM transitions "
				 "WHERE object = 'application' AND object_id = ? ORDER BY id",
				 ps, 1, extra_row, &hist, NULL)) < 0)
		goto done;
	if (json_object_set(o, "attachments", att.arr) < 0 || json_object_set(o, "history", hist.arr) < 0)
		err = es_error_set(ES_ENOMEM, "out of memory");
done:
	json_decref(att.arr);
	json_decref(hist.arr);
	return err;
}

/* ---- bytes of an application ---------------------------------------------------- */

typedef struct blob_ctx {
	es_buf *data;
	char *name, *kind;
	size_t name_cap, kind_cap;
	int64_t app;
	bool found;
	int err;
} blob_ctx;

static int blob_row(void *vctx, const es_sval *c, size_t n)
{
	blob_ctx *x = vctx;
	if (n < 4)
		return ES_EINTERNAL;
	x->found = true;
	x->app = c[0].i;
	if (x->name)
		es_platform__copy(x->name, x->name_cap, &c[1]);
	if (x->kind)
		es_platform__copy(x->kind, x->kind_cap, &c[2]);
	if (c[3].type == ES_SV_BLOB && (x->err = es_buf_put(x->data, c[3].b, c[3].len)) < 0)
		return x->err;
	return 1;
}

/* May @p a read application @p app? ES_ENOTFOUND if not (or if there is none). */
static int app_visible(es_platform *p, const es_actor *a, int64_t app)
{
	char id[24];
	es_buf scratch = ES_BUF_INIT;
	snprintf(id, sizeof(id), "%lld", (long long)app);
	int err = es_platform_get(p, a, ES_REC_APPLICATION, id, &scratch);
	es_buf_release(&scratch);
	return err;
}

int es_platform_attachment_get(es_platform *p, const es_actor *a, int64_t id, es_buf *data, char *name, size_t name_cap,
			       char *kind, size_t kind_cap)
{
	ES_ASSERT_ARG(p && a && data && (!name || name_cap) && (!kind || kind_cap));
	es_buf tmp = ES_BUF_INIT;
	blob_ctx x = { &tmp, name, kind, name_cap, kind_cap, 0, false, 0 };
	es_sval pv[1] = { ES_SV_I(id) };
	int err = es_store_exec(p->st, "SELECT app_id, name, kind, data FROM attachments WHERE id = ?", pv, 1, blob_row,
				&x, NULL);
	if (err == 0 && !x.found)
		err = es_error_set(ES_ENOTFOUND, "no attachment %lld that you may read", (long long)id);
	if (err == 0 && (err = app_visible(p, a, x.app)) < 0)
		err = es_error_set(ES_ENOTFOUND, "no attachment %lld that you may read", (long long)id);
	if (err == 0)
		err = es_buf_put(data, tmp.ptr, tmp.len);
	es_buf_release(&tmp);
	return err;
}

typedef struct preview_ctx {
	char kind[16], function[16], seal_name[ES_PLAT_MAX_NAME + 1], unit_name[ES_PLAT_MAX_NAME + 1], credit[24];
	int64_t w, h;
	bool found;
} preview_ctx;

static int preview_row(void *vctx, const es_sval *c, size_t n)
{
	preview_ctx *x = vctx;
	if (n < 7)
		return ES_EINTERNAL;
	es_platform__copy(x->kind, sizeof(x->kind), &c[0]);
	es_platform__copy(x->function, sizeof(x->function), &c[1]);
	es_platform__copy(x->seal_name, sizeof(x->seal_name), &c[2]);
	es_platform__copy(x->unit_name, sizeof(x->unit_name), &c[3]);
	es_platform__copy(x->credit, sizeof(x->credit), &c[4]);
	x->w = c[5].i;
	x->h = c[6].i;
	x->found = true;
	return 1;
}

int es_platform_app_impression(es_platform *p, const es_actor *a, int64_t app, es_buf *data, char *type,
			       size_t type_cap)
{
	ES_ASSERT_ARG(p && a && data && (!type || type_cap));
	int err;
	if ((err = app_visible(p, a, app)) < 0)
		return err;
	es_buf tmp = ES_BUF_INIT;
	blob_ctx x = { &tmp, NULL, type, 0, type_cap, 0, false, 0 };
	es_sval pv[1] = { ES_SV_I(app) };
	err = es_store_exec(p->st, "SELECT id, '', impression_type, impression FROM applications WHERE id = ?", pv, 1,
			    blob_row, &x, NULL);
	if (err == 0 && tmp.len == 0) {
		/* none uploaded: the standard impression of its kind, with a code of zeros until it is made */
		preview_ctx v = { 0 };
		if ((err = es_store_exec(p->st,
					 "SELECT a.seal_kind, a.seal_function, a.seal_name, u.name, u.credit_code, a.width_mm, "
					 "a.height_mm FROM applications a JOIN units u ON u.id = a.unit_id WHERE a.id = ?",
					 pv, 1, preview_row, &v, NULL)) == 0 &&
		    v.found)
			err = es_platform__render_picture(p, &tmp, es_seal_kind_from_name(v.kind),
							  v.function[0] ? es_seal_function_from_name(v.function) : 0,
							  v.unit_name, v.seal_name, v.credit, "00000000000000", (unsigned)v.w,
							  (unsigned)v.h);
		if (err == 0 && type)
			snprintf(type, type_cap, "PNG-preview");
	}
	if (err == 0)
		err = es_buf_put(data, tmp.ptr, tmp.len);
	es_buf_release(&tmp);
	return err;
}

typedef struct unit_face {
	char name[ES_PLAT_MAX_NAME + 1], credit[24];
	bool found;
} unit_face;

static int unit_face_row(void *vctx, const es_sval *c, size_t n)
{
	unit_face *u = vctx;
	if (n < 2)
		return ES_EINTERNAL;
	es_platform__copy(u->name, sizeof(u->name), &c[0]);
	es_platform__copy(u->credit, sizeof(u->credit), &c[1]);
	u->found = true;
	return 1;
}

int es_platform_impression_preview(es_platform *p, const es_actor *a, int64_t unit_id, int kind, int function,
				   const char *seal_name, unsigned w_mm, unsigned h_mm, es_buf *png)
{
	int64_t actor = es_platform__enter(p, a);
	ES_ASSERT_ARG(p && a && png);
	int err;
	if ((err = es_platform__authorize(p, actor, ES_ACT_APP_CREATE, unit_id, NULL)) < 0)
		return err;
	if (strcmp(es_seal_kind_name(kind), "unknown") == 0)
		return es_error_set(ES_EINVAL, "unknown seal kind");
	if (kind == ES_KIND_SPECIAL && (function == 0 || strcmp(es_seal_function_name(function), "unknown") == 0))
		return es_error_set(ES_EINVAL, "a special seal needs its function type (contract, finance, ...)");
	if ((err = es_platform__check_text("seal name", seal_name, ES_PLAT_MAX_NAME, true)) < 0)
		return err;
	if (w_mm == 0 || h_mm == 0 || w_mm > 80 || h_mm > 80)
		return es_error_set(ES_EINVAL, "seal width and length must be 1-80 mm (measure the physical impression)");
	unit_face u = { 0 };
	es_sval uv[1] = { ES_SV_I(unit_id) };
	if ((err = es_store_exec(p->st, "SELECT name, credit_code FROM units WHERE id = ?", uv, 1, unit_face_row, &u,
				 NULL)) < 0)
		return err;
	if (!u.found)
		return es_error_set(ES_ENOTFOUND, "no unit %lld", (long long)unit_id);
	return es_platform__render_picture(p, png, kind, kind == ES_KIND_SPECIAL ? function : 0, u.name, seal_name,
					   u.credit, "00000000000000", w_mm, h_mm);
}

/* ---- schemas ------------------------------------------------------------------------ */

static json_t *col_schema(col_type t)
{
	switch (t) {
	case C_INT:
		return json_pack("{s:[s,s]}", "type", "integer", "null");
	case C_BOOL:
		return json_pack("{s:s}", "type", "boolean");
	case C_TIME:
		return json_pack("{s:[s,s], s:s}", "type", "string", "null", "format", "date-time");
	case C_ROLES:
	case C_SCOPE:
		return json_pack("{s:s, s:{s:s}}", "type", "array", "items", "type", "string");
	default:
		return json_pack("{s:[s,s]}", "type", "string", "null");
	}
}

int es_record_schema(es_record_kind kind, es_buf *json)
{
	ES_ASSERT_ARG(json);
	const rec_def *d = def_of(kind);
	if (!d)
		return es_error_set(ES_EINVAL, "unknown record kind %d", (int)kind);
	json_t *props = json_object(), *req = json_array();
	for (size_t i = 0; i < d->ncols; i++) {
		if (json_object_get(props, d->cols[i].json))
			continue;
		json_object_set_new(props, d->cols[i].json, col_schema(d->cols[i].type));
		json_array_append_new(req, json_string(d->cols[i].json));
	}
	if (kind == ES_REC_APPLICATION) {
		json_object_set_new(props, "attachments",
				    json_pack("{s:s, s:{s:s, s:{s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}}}}", "type", "array", "items",
					      "type", "object", "properties", "id", "type", "integer", "kind", "type", "string",
					      "name", "type", "string", "size", "type", "integer"));
		json_object_set_new(props, "history",
				    json_pack("{s:s, s:{s:s, s:{s:{s:s}, s:{s:[s,s]}, s:{s:s}, s:{s:[s,s]}, s:{s:[s,s]}, "
					      "s:{s:s}}}}",
					      "type", "array", "items", "type", "object", "properties", "id", "type", "integer",
					      "from", "type", "string", "null", "to", "type", "string", "actor", "type",
					      "integer", "null", "reason", "type", "string", "null", "at", "type", "string"));
	}
	json_t *schema = json_pack("{s:s, s:o, s:o, s:b}", "type", "object", "properties", props, "required", req,
				   "additionalProperties", 0);
	if (!schema)
		return es_error_set(ES_ENOMEM, "out of memory");
	int err = dump(json, schema);
	json_decref(schema);
	return err;
}
