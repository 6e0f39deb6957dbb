/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Webhooks (es_webhooks.h, docs/webhooks.md): subscriptions, the events written into the
 * outbox in the transaction of the change, and the signature of a delivery.
 */
#include "es_int.h"
#include "batch_int.h"
#include "estime.h"
#include "text.h"
#include "eseal/es_webhooks.h"
#include "eseal/es_crypto.h"
#include <jansson.h>

static const char *const event_names[] = { "application.state", "seal.status", "job.finished" };

/* ",a,b," from "a,b" when every name is known. */
static int events_norm(char *out, size_t cap, const char *events)
{
	size_t o = 0;
	if (!events || !events[0])
		return es_error_set(ES_EINVAL, "which events? (application.state, seal.status, job.finished)");
	out[o++] = ',';
	for (const char *s = events; *s;) {
		size_t n = strcspn(s, ",");
		bool known = false;
		for (size_t i = 0; i < ES_ARRAY_LEN(event_names); i++)
			known = known || (strlen(event_names[i]) == n && memcmp(event_names[i], s, n) == 0);
		if (!known || o + n + 2 > cap)
			return es_error_set(ES_EINVAL, "unknown event '%.*s': application.state, seal.status, job.finished",
					    (int)(n > 40 ? 40 : n), s);
		memcpy(out + o, s, n);
		o += n;
		out[o++] = ',';
		s += n;
		if (*s == ',')
			s++;
	}
	out[o] = 0;
	return 0;
}

static int url_ok(const char *url)
{
	size_t n = url ? strlen(url) : 0;
	if (n < 8 || n > ES_WEBHOOK_URL_MAX || strncmp(url, "http://", 7) != 0)
		return es_error_set(ES_EINVAL, "a webhook URL is http://HOST[:PORT]/PATH, at most %d bytes",
				    ES_WEBHOOK_URL_MAX);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)url[i] <= 0x20 || url[i] == 0x7f)
			return es_error_set(ES_EINVAL, "a webhook URL has no spaces or control characters");
	return 0;
}

typedef struct add_ctx {
	int64_t actor, unit, id;
	const char *url, *events;
	const char *secret;
} add_ctx;

static int add_tx(es_platform *p, void *vctx)
{
	add_ctx *c = vctx;
	es_buf sealed = ES_BUF_INIT;
	char aad[48], detail[ES_WEBHOOK_URL_MAX + 160];
	int err;
	if ((err = es_platform__authorize(p, c->actor, ES_ACT_ACCOUNT_ADD, -1, NULL)) < 0)
		return err;
	if (c->unit) {
		int64_t n = 0;
		es_sval uv[1] = { ES_SV_I(c->unit) };
		if ((err = es_store_int(p->st, &n, "SELECT COUNT(*) FROM units WHERE id = ?", uv, 1)) < 0)
			return err;
		if (!n)
			return es_error_set(ES_ENOTFOUND, "no unit %lld", (long long)c->unit);
	}
	if ((err = es_store_next(p->st, &c->id, "webhook")) < 0)
		return err;
	snprintf(aad, sizeof(aad), "webhook.%lld", (long long)c->id);
	if ((err = es_platform__seal_pii(p, &sealed, aad, c->secret)) < 0)
		return err;
	es_sval pv[7] = { ES_SV_I(c->id),		     ES_SV_S(c->url), ES_SV_S(c->events),
			  c->unit ? ES_SV_I(c->unit) : ES_SV_NUL, ES_SV_B(sealed.ptr, sealed.len), ES_SV_I(c->actor),
			  ES_SV_I(es_platform__now(p)) };
	err = es_store_exec(p->st,
			    "INSERT INTO webhooks (id, url, events, unit_id, secret, state, created_by, created_at) "
			    "VALUES (?, ?, ?, ?, ?, 'active', ?, ?)",
			    pv, 7, NULL, NULL, NULL);
	es_buf_release(&sealed);
	if (err < 0)
		return err;
	char ids[24];
	snprintf(ids, sizeof(ids), "%lld", (long long)c->id);
	snprintf(detail, sizeof(detail), "webhook %lld to %s for %s of %s", (long long)c->id, c->url, c->events,
		 c->unit ? "one unit" : "every unit");
	return es_platform__audit(p, c->actor, "webhook-add", "webhook", ids, detail, NULL);
}

int es_platform_webhook_add(es_platform *p, const es_actor *who, const char *url, const char *events, int64_t unit,
			    int64_t *id, char secret[ES_WEBHOOK_SECRET_LEN + 1])
{
	int64_t actor = es_platform__enter(p, who);
	ES_ASSERT_ARG(p && secret);
	char ev[128];
	uint8_t rnd[32];
	int err;
	secret[0] = 0;
	if ((err = url_ok(url)) < 0 || (err = events_norm(ev, sizeof(ev), events)) < 0)
		return err;
	if (unit < 0)
		return es_error_set(ES_EINVAL, "a unit id is positive (0: every unit)");
	if ((err = es_random(rnd, sizeof(rnd))) < 0)
		return err;
	memcpy(secret, "whsec_", 6);
	es_hex(secret + 6, rnd, sizeof(rnd));
	es_wipe(rnd, sizeof(rnd));
	add_ctx c = { .actor = actor, .unit = unit, .url = url, .events = ev, .secret = secret };
	if ((err = es_platform__tx(p, add_tx, &c)) < 0) {
		es_wipe(secret, ES_WEBHOOK_SECRET_LEN + 1);
		return err;
	}
	if (id)
		*id = c.id;
	return 0;
}

typedef struct rm_ctx {
	int64_t actor, id;
} rm_ctx;

static int remove_tx(es_platform *p, void *vctx)
{
	rm_ctx *c = vctx;
	int64_t changes = 0;
	char ids[24], detail[96];
	int err;
	if ((err = es_platform__authorize(p, c->actor, ES_ACT_ACCOUNT_ADD, -1, NULL)) < 0)
		return err;
	es_sval pv[1] = { ES_SV_I(c->id) };
	if ((err = es_store_exec(p->st, "UPDATE webhooks SET state = 'removed' WHERE id = ? AND state = 'active'", pv, 1,
				 NULL, NULL, &changes)) < 0)
		return err;
	if (changes != 1)
		return es_error_set(ES_ENOTFOUND, "no active webhook %lld", (long long)c->id);
	if ((err = es_store_exec(p->st, "UPDATE outbox SET state = 'dropped' WHERE webhook_id = ? AND state = 'pending'",
				 pv, 1, NULL, NULL, NULL)) < 0)
		return err;
	snprintf(ids, sizeof(ids), "%lld", (long long)c->id);
	snprintf(detail, sizeof(detail), "webhook %lld removed", (long long)c->id);
	return es_platform__audit(p, c->actor, "webhook-remove", "webhook", ids, detail, NULL);
}

int es_platform_webhook_remove(es_platform *p, const es_actor *who, int64_t id)
{
	int64_t actor = es_platform__enter(p, who);
	ES_ASSERT_ARG(p);
	rm_ctx c = { actor, id };
	return es_platform__tx(p, remove_tx, &c);
}

/* ---- events into the outbox ---------------------------------------------------------------- */

typedef struct sub_list {
	int64_t id[64];
	size_t n;
	bool more;
} sub_list;

static int sub_row(void *vctx, const es_sval *c, size_t n)
{
	sub_list *l = vctx;
	if (n < 1)
		return 0;
	if (l->n == ES_ARRAY_LEN(l->id)) {
		l->more = true;
		return 1;
	}
	l->id[l->n++] = c[0].i;
	return 0;
}

int es_platform__webhook_event(es_platform *p, const char *event, int64_t unit, const char *object_id, json_t *data)
{
	char like[64], at[32];
	sub_list l;
	int err;
	int64_t after = 0;
	es_time now = es_platform__now(p);
	snprintf(like, sizeof(like), "%%,%s,%%", event);
	es_time_iso(at, now);
	do {
		memset(&l, 0, sizeof(l));
		es_sval pv[3] = { ES_SV_S(like), ES_SV_I(unit), ES_SV_I(after) };
		if ((err = es_store_exec(p->st,
					 "SELECT id FROM webhooks WHERE state = 'active' AND events LIKE ? AND (unit_id IS NULL "
					 "OR unit_id = ?) AND id > ? ORDER BY id",
					 pv, 3, sub_row, &l, NULL)) < 0)
			return err;
		for (size_t i = 0; i < l.n; i++) {
			int64_t oid;
			char key[96];
			if ((err = es_store_next(p->st, &oid, "outbox")) < 0)
				return err;
			snprintf(key, sizeof(key), "webhook-%lld-%lld", (long long)l.id[i], (long long)oid);
			json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:O}", "delivery", key, "event", event, "object_id",
					      object_id, "at", at, "data", data);
			char *payload = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
			json_decref(j);
			if (!payload)
				return es_error_set(ES_ENOMEM, "out of memory");
			es_sval ov[9] = { ES_SV_I(oid),	      ES_SV_S(key), ES_SV_S(object_id), ES_SV_S(event), ES_SV_S(payload),
					  ES_SV_I(now),	      ES_SV_I(now), ES_SV_I(l.id[i]),   ES_SV_NUL };
			err = es_store_exec(p->st,
					    "INSERT INTO outbox (id, idem_key, target, esid, event, payload, state, attempts, next_at, "
					    "created_at, webhook_id) VALUES (?, ?, 'webhook', ?, ?, ?, 'pending', 0, ?, ?, ?)",
					    ov, 8, NULL, NULL, NULL);
			free(payload); /* allocated by jansson */
			if (err < 0)
				return err;
			after = l.id[i];
		}
	} while (l.more);
	return 0;
}

int es_platform__webhook_transition(es_platform *p, const char *object, const char *id, const char *from, const char *to,
				    int64_t tid)
{
	bool app = strcmp(object, "application") == 0;
	if (!app && strcmp(object, "seal") != 0)
		return 0;
	int64_t unit = 0, n = 0;
	es_sval pv[1] = { app ? ES_SV_I(strtoll(id, NULL, 10)) : ES_SV_S(id) };
	int err = es_store_int(p->st, &n, "SELECT COUNT(*) FROM webhooks WHERE state = 'active'", NULL, 0);
	if (err < 0 || n == 0)
		return err; /* the common case: nobody listens */
	err = es_store_int(p->st, &unit,
			   app ? "SELECT COALESCE(unit_id, 0) FROM applications WHERE id = ?"
			       : "SELECT COALESCE(unit_id, 0) FROM seals WHERE esid = ?",
			   pv, 1);
	if (err == ES_ENOTFOUND) {
		es_error_clear();
		unit = 0;
	} else if (err < 0) {
		return err;
	}
	json_t *d = json_pack("{s:s, s:s?, s:s, s:I}", "object", object, "from", from, "to", to, "transition", (json_int_t)tid);
	if (!d)
		return es_error_set(ES_ENOMEM, "out of memory");
	err = es_platform__webhook_event(p, app ? "application.state" : "seal.status", unit, id, d);
	json_decref(d);
	return err;
}

/* ---- the signature ------------------------------------------------------------------------ */

int es_webhook_sign(char out[ES_WEBHOOK_SIG_LEN + 1], const char *secret, const char *timestamp, const uint8_t *body,
		    size_t len)
{
	es_buf msg = ES_BUF_INIT;
	uint8_t mac[32];
	int err;
	if ((err = es_buf_puts(&msg, timestamp)) == 0 && (err = es_buf_put(&msg, ".", 1)) == 0 &&
	    (err = es_buf_put(&msg, body, len)) == 0 &&
	    (err = es_hmac_sm3(mac, (const uint8_t *)secret, strlen(secret), msg.ptr, msg.len)) == 0) {
		memcpy(out, "hmac-sm3=", 9);
		es_hex(out + 9, mac, 32);
	}
	es_buf_release(&msg);
	return err;
}

int es_webhook_check(const char *secret, const char *timestamp, const char *signature, const uint8_t *body, size_t len,
		     es_time now)
{
	char want[ES_WEBHOOK_SIG_LEN + 1];
	char *end;
	int err;
	if (!secret || !timestamp || !signature || (!body && len))
		return es_error_set(ES_EVERIFY, "a delivery without its timestamp or signature");
	long long t = strtoll(timestamp, &end, 10);
	if (!timestamp[0] || *end || strlen(timestamp) > 19)
		return es_error_set(ES_EVERIFY, "the timestamp is not a number of seconds");
	if ((err = es_webhook_sign(want, secret, timestamp, body ? body : (const uint8_t *)"", len)) < 0)
		return err;
	if (strlen(signature) != strlen(want) ||
	    es_ct_eq((const uint8_t *)signature, (const uint8_t *)want, strlen(want)) != 0)
		return es_error_set(ES_EVERIFY, "the signature does not match: forged or altered");
	if (t < now - ES_WEBHOOK_TOLERANCE || t > now + ES_WEBHOOK_TOLERANCE)
		return es_error_set(ES_EEXPIRED, "the timestamp is more than %d s from now: a replay or a wrong clock",
				    ES_WEBHOOK_TOLERANCE);
	return 0;
}
