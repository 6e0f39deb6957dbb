/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Filing outbox (备案): records are written in the same transaction as the
 * seal change, then delivered by a sender (HTTP POST to a configured URL,
 * or a file drop). A filing is claimed for a lease, sent, and marked sent;
 * failures are retried with exponential backoff. Every delivery carries an
 * idempotency key (the file name of a drop, the Idempotency-Key header of a
 * POST) so a receiver drops a repeat after a crash between send and mark.
 */
#include "es_int.h"
#include "text.h"
#include "platform_int.h"
#include "estime.h"
#include "file.h"
#include "batch_int.h"

/* The file drop: DIR/outbox/TARGET/KEY.json. */
static int send_file(void *ctx, const es_filing *f)
{
	es_platform *p = ctx;
	es_buf path = ES_BUF_INIT;
	int err;
	if ((err = es_buf_printf(&path, "%s/%s", p->outbox_dir, f->target)) < 0 ||
	    (err = es_mkdirs((const char *)path.ptr, 0700)) < 0)
		goto done;
	path.len = 0;
	if ((err = es_buf_printf(&path, "%s/%s/%s.json", p->outbox_dir, f->target, f->key)) < 0)
		goto done;
	/* same key, same file: a repeat overwrites with identical bytes; filings hold personal data: 0600 */
	err = es_file_write((const char *)path.ptr, f->payload, f->len, 0600);
done:
	es_buf_release(&path);
	return err;
}

/* HTTP POST to the configured URL (es_filing_post: libcurl, HTTPS, host names, IPv6). */
static int send_http(void *ctx, const es_filing *f)
{
	es_platform *p = ctx;
	if (!p->ctx->outbox_key)
		return es_filing_post(p->outbox_url, NULL, ES_PLAT_HTTP_TIMEOUT_S, f);
	/* a receiver that wants a registered system's key (another eseal platform, docs/peering.md) */
	if (strlen(f->key) > 200 || strlen(f->target) > 32 || strlen(p->ctx->outbox_key) > 200)
		return es_error_set(ES_EINVAL, "filing key, target or API key is not a header value");
	char idem[256], target[64], auth[256];
	snprintf(idem, sizeof(idem), "Idempotency-Key: %s", f->key);
	snprintf(target, sizeof(target), "X-Filing-Target: %s", f->target);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", p->ctx->outbox_key);
	const char *headers[] = { idem, target, auth, NULL };
	int err = es_platform__http_post(p->outbox_url, NULL, ES_PLAT_HTTP_TIMEOUT_S, headers, f->payload, f->len,
					 "filing POST");
	es_wipe(auth, sizeof(auth));
	return err;
}

typedef struct hook_row {
	char url[ES_WEBHOOK_URL_MAX + 1];
	es_buf secret;
	bool found;
} hook_row;

static int hook_fn(void *vctx, const es_sval *c, size_t n)
{
	hook_row *h = vctx;
	if (n < 2 || c[1].type != ES_SV_BLOB)
		return 1;
	es_platform__copy(h->url, sizeof(h->url), &c[0]);
	h->found = es_buf_put(&h->secret, c[1].b, c[1].len) == 0;
	return 1;
}

/* A webhook event (target "webhook", es_webhooks.h): to its subscription's URL, signed with its secret. */
static int send_webhook(es_platform *p, int64_t webhook, const char *event, const char *key, const char *payload,
			size_t len)
{
	hook_row h;
	char secret[ES_WEBHOOK_SECRET_LEN + 8], aad[48], ts[24], sig[ES_WEBHOOK_SIG_LEN + 1];
	char h_event[64], h_delivery[160], h_idem[160], h_ts[48], h_sig[ES_WEBHOOK_SIG_LEN + 32];
	int err;
	memset(&h, 0, sizeof(h));
	es_buf_init(&h.secret, 4096);
	es_sval pv[1] = { ES_SV_I(webhook) };
	if ((err = es_store_exec(p->st, "SELECT url, secret FROM webhooks WHERE id = ? AND state = 'active'", pv, 1, hook_fn,
				 &h, NULL)) < 0)
		goto done;
	if (!h.found) {
		err = es_error_set(ES_ENOTFOUND, "webhook %lld was removed", (long long)webhook);
		goto done;
	}
	snprintf(aad, sizeof(aad), "webhook.%lld", (long long)webhook);
	if ((err = es_platform__open_pii(p, secret, sizeof(secret), aad, h.secret.ptr, h.secret.len)) < 0)
		goto done;
	snprintf(ts, sizeof(ts), "%lld", (long long)es_platform__now(p));
	err = es_webhook_sign(sig, secret, ts, (const uint8_t *)payload, len);
	es_wipe(secret, sizeof(secret));
	if (err < 0)
		goto done;
	snprintf(h_event, sizeof(h_event), "X-Eseal-Event: %s", event);
	snprintf(h_delivery, sizeof(h_delivery), "X-Eseal-Delivery: %s", key);
	snprintf(h_idem, sizeof(h_idem), "Idempotency-Key: %s", key);
	snprintf(h_ts, sizeof(h_ts), "X-Eseal-Timestamp: %s", ts);
	snprintf(h_sig, sizeof(h_sig), "X-Eseal-Signature: %s", sig);
	const char *headers[] = { h_event, h_delivery, h_idem, h_ts, h_sig, NULL };
	err = es_platform__http_post(h.url, NULL, ES_PLAT_HTTP_TIMEOUT_S, headers, payload, len, "webhook POST");
done:
	es_buf_release(&h.secret);
	return err;
}

void es_platform_set_filing_sender(es_platform *p, const es_filing_sender *s)
{
	if (!p)
		return;
	if (s && s->send)
		p->filing = *s;
	else
		memset(&p->filing, 0, sizeof(p->filing));
}

typedef struct due {
	int64_t id, attempts, webhook;
	char key[96], target[16], event[32];
	char *payload;
} due;

typedef struct due_list {
	due v[64];
	size_t n;
} due_list;

static int due_row(void *vctx, const es_sval *c, size_t n)
{
	due_list *l = vctx;
	if (n < 5 || l->n >= ES_ARRAY_LEN(l->v))
		return 1;
	due *d = &l->v[l->n];
	d->id = c[0].i;
	es_platform__copy(d->key, sizeof(d->key), &c[1]);
	es_platform__copy(d->target, sizeof(d->target), &c[2]);
	d->payload = es_strndup(c[3].s ? c[3].s : "", c[3].len);
	d->attempts = c[4].i;
	d->webhook = n >= 7 && c[5].type == ES_SV_INT ? c[5].i : 0;
	if (n >= 7)
		es_platform__copy(d->event, sizeof(d->event), &c[6]);
	if (!d->payload)
		return es_error_set(ES_ENOMEM, "out of memory");
	l->n++;
	return 0;
}

typedef struct claim_ctx {
	int64_t id;
	int64_t changes;
	bool ok;
	int64_t attempts;
	const char *error;
} claim_ctx;

static int claim_tx(es_platform *p, void *vctx)
{
	claim_ctx *c = vctx;
	es_time now = es_platform__now(p);
	es_sval pv[3] = { ES_SV_I(now + ES_PLAT_OUTBOX_LEASE), ES_SV_I(c->id), ES_SV_I(now) };
	return es_store_exec(p->st, "UPDATE outbox SET next_at = ? WHERE id = ? AND state = 'pending' AND next_at <= ?", pv,
			     3, NULL, NULL, &c->changes);
}

static int mark_tx(es_platform *p, void *vctx)
{
	claim_ctx *c = vctx;
	es_time now = es_platform__now(p);
	if (c->ok) {
		es_sval pv[2] = { ES_SV_I(now), ES_SV_I(c->id) };
		return es_store_exec(p->st,
				     "UPDATE outbox SET state = 'sent', sent_at = ?, attempts = attempts + 1, last_error = NULL "
				     "WHERE id = ? AND state = 'pending'",
				     pv, 2, NULL, NULL, NULL);
	}
	int64_t back = ES_PLAT_OUTBOX_BACKOFF_BASE;
	for (int64_t i = 0; i < c->attempts && back < ES_PLAT_OUTBOX_BACKOFF_MAX; i++)
		back *= 2;
	if (back > ES_PLAT_OUTBOX_BACKOFF_MAX)
		back = ES_PLAT_OUTBOX_BACKOFF_MAX;
	es_sval pv[3] = { ES_SV_I(now + back), ES_SV_S(c->error), ES_SV_I(c->id) };
	return es_store_exec(p->st,
			     "UPDATE outbox SET attempts = attempts + 1, next_at = ?, last_error = ? WHERE id = ? AND "
			     "state = 'pending'",
			     pv, 3, NULL, NULL, NULL);
}

int es_platform_outbox_deliver(es_platform *p, unsigned *sent, unsigned *failed)
{
	ES_ASSERT_ARG(p);
	es_filing_sender dflt = { p->outbox_url ? "http" : "file", p->outbox_url ? send_http : send_file, p };
	const es_filing_sender *snd = p->filing.send ? &p->filing : &dflt;
	unsigned ns = 0, nf = 0;
	int err = 0;
	for (;;) {
		due_list l;
		l.n = 0;
		es_sval pv[1] = { ES_SV_I(es_platform__now(p)) };
		if ((err = es_store_exec(p->st,
					 /* a subscription's events in order: only its first pending one is due */
					 "SELECT id, idem_key, target, payload, attempts, webhook_id, event FROM outbox WHERE "
					 "state = 'pending' AND next_at <= ? AND (webhook_id IS NULL OR NOT EXISTS (SELECT 1 "
					 "FROM outbox o2 WHERE o2.webhook_id = outbox.webhook_id AND o2.state = 'pending' AND "
					 "o2.id < outbox.id)) ORDER BY id LIMIT 64",
					 pv, 1, due_row, &l, NULL)) < 0) {
			for (size_t i = 0; i < l.n; i++)
				es_free(l.v[i].payload);
			break;
		}
		if (l.n == 0)
			break;
		unsigned progressed = 0;
		for (size_t i = 0; i < l.n; i++) {
			due *d = &l.v[i];
			claim_ctx c = { d->id, 0, false, d->attempts, NULL };
			if (err == 0 && (err = es_platform__tx(p, claim_tx, &c)) == 0 && c.changes == 1) {
				es_filing fl = { d->target, d->key, d->payload, strlen(d->payload) };
				int se = d->webhook ? send_webhook(p, d->webhook, d->event, d->key, d->payload, strlen(d->payload))
						    : snd->send(snd->ctx, &fl);
				c.ok = se == 0;
				c.error = se == 0 ? NULL : es_error_last()->message;
				char msg[256];
				if (c.error) {
					/* last_error is a note for operators: a long one is cut short,
					 * at a character boundary */
					es_text_copy(msg, sizeof(msg), c.error);
					c.error = msg;
				}
				if ((err = es_platform__tx(p, mark_tx, &c)) == 0) {
					if (c.ok)
						ns++;
					else
						nf++;
					progressed++;
				}
			}
			es_free(d->payload);
		}
		if (err < 0 || progressed == 0 || nf > 0)
			break;
	}
	if (sent)
		*sent = ns;
	if (failed)
		*failed = nf;
	return err;
}

int es_platform_outbox_count(es_platform *p, const char *state, int64_t *n)
{
	ES_ASSERT_ARG(p && state && n);
	es_sval pv[1] = { ES_SV_S(state) };
	return es_store_int(p->st, n, "SELECT COUNT(*) FROM outbox WHERE state = ?", pv, 1);
}
