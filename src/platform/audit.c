/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The tamper-evident audit log (R7): an append-only hash chain of entries with
 * signed checkpoints; sign-in. The encoding is documented in docs/audit.md. */
#include "es_int.h"
#include "platform_int.h"
#include "estime.h"
#include "file.h"
#include "text.h"
#include <jansson.h>
#include <stdarg.h>

#define AUDIT_MAGIC "ES-AUDIT-1"
#define AUDIT_MAGIC_LEN 10
#define CP_MAGIC "ES-AUDIT-CP-1"
#define CP2_MAGIC "ES-AUDIT-CP-2"
#define CP_MAGIC_LEN 13
#define ANCHOR_FILE "audit-anchor.json"
#define AUDIT_MAX_FIELD 4096

static int put_u64(es_buf *b, uint64_t v)
{
	uint8_t x[8];
	for (int i = 0; i < 8; i++)
		x[i] = (uint8_t)(v >> (56 - 8 * i));
	return es_buf_put(b, x, 8);
}

static uint64_t get_u64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static int put_str(es_buf *b, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n > AUDIT_MAX_FIELD)
		return es_error_set(ES_ELIMIT, "audit field too long (%zu bytes, at most %d)", n, AUDIT_MAX_FIELD);
	uint8_t l[4] = { (uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n };
	int err = es_buf_put(b, l, 4);
	return err < 0 || n == 0 ? err : es_buf_put(b, s, n);
}

int es_audit_entry_encode(es_buf *out, const es_audit_entry *e)
{
	ES_ASSERT_ARG(out && e);
	int err;
	if ((err = es_buf_put(out, AUDIT_MAGIC, AUDIT_MAGIC_LEN)) < 0 || (err = put_u64(out, (uint64_t)e->seq)) < 0 ||
	    (err = put_u64(out, (uint64_t)e->at)) < 0 || (err = put_u64(out, (uint64_t)e->actor)) < 0 ||
	    (err = put_str(out, e->event)) < 0 || (err = put_str(out, e->object)) < 0 ||
	    (err = put_str(out, e->object_id)) < 0 || (err = put_str(out, e->detail)) < 0)
		return err;
	return es_buf_put(out, e->prev_hash, 32);
}

static int get_str(const char **s, size_t *n, const uint8_t **p, const uint8_t *end)
{
	if (end - *p < 4)
		return es_error_set(ES_ETRUNC, "audit entry truncated");
	size_t len = ((size_t)(*p)[0] << 24) | ((size_t)(*p)[1] << 16) | ((size_t)(*p)[2] << 8) | (*p)[3];
	*p += 4;
	if (len > AUDIT_MAX_FIELD)
		return es_error_set(ES_ELIMIT, "audit entry field too long");
	if ((size_t)(end - *p) < len)
		return es_error_set(ES_ETRUNC, "audit entry truncated");
	*s = (const char *)*p;
	*n = len;
	*p += len;
	return 0;
}

int es_audit_entry_decode(es_audit_view *out, const uint8_t *buf, size_t len)
{
	ES_ASSERT_ARG(out && (buf || len == 0));
	int err;
	const uint8_t *p = buf, *end = buf + len;
	memset(out, 0, sizeof(*out));
	if (len < AUDIT_MAGIC_LEN + 24)
		return es_error_set(ES_ETRUNC, "audit entry truncated");
	if (memcmp(p, AUDIT_MAGIC, AUDIT_MAGIC_LEN) != 0)
		return es_error_set(ES_EMALFORMED, "not an audit entry (bad magic)");
	p += AUDIT_MAGIC_LEN;
	out->e.seq = (int64_t)get_u64(p);
	out->e.at = (es_time)get_u64(p + 8);
	out->e.actor = (int64_t)get_u64(p + 16);
	p += 24;
	if ((err = get_str(&out->e.event, &out->event_len, &p, end)) < 0 ||
	    (err = get_str(&out->e.object, &out->object_len, &p, end)) < 0 ||
	    (err = get_str(&out->e.object_id, &out->object_id_len, &p, end)) < 0 ||
	    (err = get_str(&out->e.detail, &out->detail_len, &p, end)) < 0)
		return err;
	if (end - p != 32)
		return es_error_set(end - p < 32 ? ES_ETRUNC : ES_EMALFORMED, "audit entry: %s after the strings",
				    end - p < 32 ? "hash truncated" : "trailing bytes");
	memcpy(out->e.prev_hash, p, 32);
	if (out->e.seq < 1)
		return es_error_set(ES_EMALFORMED, "audit entry: sequence number %lld", (long long)out->e.seq);
	return 0;
}

static int entry_hash(uint8_t out[32], const es_audit_entry *e)
{
	es_buf b = ES_BUF_INIT;
	int err = es_audit_entry_encode(&b, e);
	if (err == 0)
		err = es_sm3(out, b.ptr, b.len);
	es_buf_release(&b);
	return err;
}

/* Version 1 (checkpoints written before the chain of checkpoints): seq, hash, at. */
static int cp_message(es_buf *b, int64_t seq, const uint8_t hash[32], es_time at)
{
	int err;
	if ((err = es_buf_put(b, CP_MAGIC, CP_MAGIC_LEN)) < 0 || (err = put_u64(b, (uint64_t)seq)) < 0 ||
	    (err = es_buf_put(b, hash, 32)) < 0)
		return err;
	return put_u64(b, (uint64_t)at);
}

/* Version 2: also the previous checkpoint (seq 0 and zeros for the first) and the interval. */
static int cp2_message(es_buf *b, const es_audit_anchor *a)
{
	int err;
	if ((err = es_buf_put(b, CP2_MAGIC, CP_MAGIC_LEN)) < 0 || (err = put_u64(b, (uint64_t)a->seq)) < 0 ||
	    (err = es_buf_put(b, a->hash, 32)) < 0 || (err = put_u64(b, (uint64_t)a->at)) < 0 ||
	    (err = put_u64(b, (uint64_t)a->prev_seq)) < 0 || (err = es_buf_put(b, a->prev_hash, 32)) < 0)
		return err;
	return put_u64(b, (uint64_t)a->every);
}

typedef struct prev_ctx {
	uint8_t *hash;
	es_time at;
	bool found;
} prev_ctx;

static int prev_row(void *vctx, const es_sval *c, size_t n)
{
	prev_ctx *h = vctx;
	if (n < 2 || c[0].type != ES_SV_BLOB || c[0].len != 32 || c[1].type != ES_SV_INT)
		return es_error_set(ES_EDB, "audit entry hash is not 32 bytes");
	memcpy(h->hash, c[0].b, 32);
	h->at = c[1].i;
	h->found = true;
	return 1;
}

/* The last row of the audit log or of its checkpoints: SELECT seq, hash ... LIMIT 1. */
typedef struct seq_hash {
	int64_t seq;
	uint8_t hash[32];
	bool found;
	const char *what; /* "checkpoint" or "head", for the message when the row is malformed */
} seq_hash;

static int seq_hash_row(void *vctx, const es_sval *c, size_t n)
{
	seq_hash *l = vctx;
	if (n < 2 || c[0].type != ES_SV_INT || c[1].type != ES_SV_BLOB || c[1].len != 32)
		return es_error_set(ES_EDB, "audit %s malformed", l->what);
	l->seq = c[0].i;
	memcpy(l->hash, c[1].b, 32);
	l->found = true;
	return 1;
}

/* Sign @p a (seq, hash, at, prev, every filled in): signature and time stamp. */
static int cp_sign(es_platform *p, es_audit_anchor *a)
{
	es_buf msg = ES_BUF_INIT, sig = ES_BUF_INIT, tst = ES_BUF_INIT;
	int err;
	if (!p->maker_key || !p->tsa_key)
		return es_error_set(ES_EDENIED, "this node was opened without the master key (a verify node): it signs "
						"nothing; a sign or all node writes the audit checkpoints");
	if ((err = cp2_message(&msg, a)) < 0 || (err = es_sm2_sign(&sig, p->maker_key, NULL, 0, msg.ptr, msg.len)) < 0 ||
	    (err = es_tst_create(&tst, p->tsa, p->tsa_key, msg.ptr, msg.len, a->at, NULL)) < 0)
		goto done;
	if (sig.len > sizeof(a->sig) || tst.len > sizeof(a->tst)) {
		err = es_error_set(ES_EINTERNAL, "checkpoint signature or time stamp larger than expected");
		goto done;
	}
	memcpy(a->sig, sig.ptr, sig.len);
	a->sig_len = sig.len;
	memcpy(a->tst, tst.ptr, tst.len);
	a->tst_len = tst.len;
done:
	es_buf_release(&msg);
	es_buf_release(&sig);
	es_buf_release(&tst);
	return err;
}

/*
 * Write a checkpoint over entry @p seq (inside a transaction that holds the audit
 * counter): it names the checkpoint before it, so deleting a run of them shows.
 */
static int checkpoint_at(es_platform *p, int64_t seq, const uint8_t hash[32], es_audit_anchor *out)
{
	es_audit_anchor a;
	seq_hash l = { .what = "checkpoint" };
	int err;
	memset(&a, 0, sizeof(a));
	if ((err = es_store_exec(p->st, "SELECT seq, hash FROM audit_checkpoints ORDER BY seq DESC LIMIT 1", NULL, 0,
				 seq_hash_row, &l, NULL)) < 0)
		return err;
	if (l.found && l.seq >= seq) {
		if (l.seq > seq)
			return es_error_set(ES_EDB, "a checkpoint over entry %lld exists beyond the head %lld: run 'eseal "
						    "audit verify'",
					    (long long)l.seq, (long long)seq);
		return 0; /* the head is checkpointed already */
	}
	a.seq = seq;
	memcpy(a.hash, hash, 32);
	a.at = es_platform__now(p);
	a.prev_seq = l.found ? l.seq : 0;
	if (l.found)
		memcpy(a.prev_hash, l.hash, 32);
	a.every = p->audit_every;
	if ((err = cp_sign(p, &a)) < 0)
		return err;
	es_sval pv[8] = { ES_SV_I(seq),        ES_SV_B(hash, 32),         ES_SV_I(a.at),
			  ES_SV_B(a.sig, a.sig_len), ES_SV_I(a.prev_seq), ES_SV_B(a.prev_hash, 32),
			  ES_SV_I(a.every),     ES_SV_B(a.tst, a.tst_len) };
	if ((err = es_store_exec(p->st,
				 "INSERT INTO audit_checkpoints (seq, hash, at, sig, prev_seq, prev_hash, every, tst) "
				 "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
				 pv, 8, NULL, NULL, NULL)) < 0)
		return err;
	p->anchor_pending = true;
	p->anchor_seq = seq;
	if (out)
		*out = a;
	return 0;
}

int es_platform__audit(es_platform *p, int64_t actor, const char *event, const char *object, const char *object_id,
		       const char *detail, int64_t *seq_out)
{
	int err;
	int64_t seq;
	uint8_t h[32];
	es_audit_entry e;
	es_time prev_at = INT64_MIN;
	if (!es_store_in_tx(p->st))
		return es_error_set(ES_EINTERNAL, "audit entry outside a transaction");
	memset(&e, 0, sizeof(e));
	/* the counter row serialises writers on both backends until commit */
	if ((err = es_store_next(p->st, &seq, "audit")) < 0)
		return err;
	if (seq > 1) {
		prev_ctx pc = { e.prev_hash, 0, false };
		es_sval pv[1] = { ES_SV_I(seq - 1) };
		if ((err = es_store_exec(p->st, "SELECT hash, at FROM audit_log WHERE seq = ?", pv, 1, prev_row, &pc,
					 NULL)) < 0)
			return err;
		if (!pc.found)
			return es_error_set(ES_EDB, "audit entry %lld is missing: run 'eseal audit verify'", (long long)seq - 1);
		prev_at = pc.at;
	}
	e.seq = seq;
	/* time never runs backwards along the chain: a clock stepped back dates the entry as its predecessor */
	e.at = es_platform__now(p);
	if (e.at < prev_at)
		e.at = prev_at;
	e.actor = actor;
	e.event = event;
	e.object = object ? object : "";
	e.object_id = object_id ? object_id : "";
	e.detail = detail ? detail : "";
	if ((err = entry_hash(h, &e)) < 0)
		return err;
	es_sval pv[9] = { ES_SV_I(seq),         ES_SV_I(e.at),        ES_SV_I(actor),
			  ES_SV_S(e.event),     ES_SV_S(e.object),    ES_SV_S(e.object_id),
			  ES_SV_S(e.detail),    ES_SV_B(e.prev_hash, 32), ES_SV_B(h, 32) };
	if ((err = es_store_exec(p->st,
				 "INSERT INTO audit_log (seq, at, actor, event, object, object_id, detail, prev_hash, hash) "
				 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
				 pv, 9, NULL, NULL, NULL)) < 0)
		return err;
	if (seq % p->audit_every == 0 && (err = checkpoint_at(p, seq, h, NULL)) < 0)
		return err;
	if (seq_out)
		*seq_out = seq;
	return 0;
}

int es_platform__audit_transition(es_platform *p, const char *object, const char *id, const char *from,
				  const char *to, int64_t actor, const char *reason, int64_t tid)
{
	es_buf d = ES_BUF_INIT;
	int err = es_buf_printf(&d, "transition %lld: %s -> %s%s%s", (long long)tid, from ? from : "(new)", to,
				reason && *reason ? ": " : "", reason && *reason ? reason : "");
	if (err == 0)
		err = es_platform__audit(p, actor, "transition", object, id, (const char *)d.ptr, NULL);
	es_buf_release(&d);
	return err;
}

/* ---- refusals by the role table ----------------------------------------------- */

typedef struct denied_ctx {
	int64_t actor;
	const char *what;
} denied_ctx;

static int denied_tx(es_platform *p, void *vctx)
{
	denied_ctx *c = vctx;
	return es_platform__audit(p, c->actor, "denied", "action", c->what, "refused by the role table", NULL);
}

void es_platform__audit_denied(es_platform *p)
{
	if (!p->denied_pending || es_store_in_tx(p->st))
		return;
	denied_ctx c = { p->denied_actor, p->denied_what };
	p->denied_pending = false;
	/* keep the refusal's message for the caller */
	es_error saved = *es_error_last();
	if (es_platform__tx(p, denied_tx, &c) < 0)
		es_error_clear();
	p->denied_pending = false;
	es_error_set(saved.code, "%s", saved.message);
}

/* ---- checkpoint on demand / on close, anchors -------------------------------- */

typedef struct cp_load_ctx {
	es_audit_anchor *a;
	bool found;
} cp_load_ctx;

static int cp_load_row(void *vctx, const es_sval *c, size_t n)
{
	cp_load_ctx *x = vctx;
	es_audit_anchor *a = x->a;
	if (n < 8 || c[0].type != ES_SV_INT || c[1].type != ES_SV_BLOB || c[1].len != 32 || c[2].type != ES_SV_INT ||
	    c[3].type != ES_SV_BLOB || c[3].len > sizeof(a->sig))
		return es_error_set(ES_EDB, "the newest audit checkpoint is malformed: run 'eseal audit verify'");
	memset(a, 0, sizeof(*a));
	if (c[4].type == ES_SV_NULL) {
		/* version 1, written before checkpoints were chained: no anchor can be made of it */
		a->seq = c[0].i;
		a->prev_seq = -1;
		x->found = true;
		return 1;
	}
	if (c[4].type != ES_SV_INT || c[5].type != ES_SV_BLOB || c[5].len != 32 || c[6].type != ES_SV_INT ||
	    c[7].type != ES_SV_BLOB || c[7].len > sizeof(a->tst))
		return es_error_set(ES_EDB, "the newest audit checkpoint is malformed: run 'eseal audit verify'");
	a->seq = c[0].i;
	memcpy(a->hash, c[1].b, 32);
	a->at = c[2].i;
	memcpy(a->sig, c[3].b, c[3].len);
	a->sig_len = c[3].len;
	a->prev_seq = c[4].i;
	memcpy(a->prev_hash, c[5].b, 32);
	a->every = c[6].i;
	memcpy(a->tst, c[7].b, c[7].len);
	a->tst_len = c[7].len;
	x->found = true;
	return 1;
}

static int cp_load(es_platform *p, int64_t seq, es_audit_anchor *a)
{
	cp_load_ctx x = { a, false };
	es_sval pv[1] = { ES_SV_I(seq) };
	int err = es_store_exec(p->st,
				"SELECT seq, hash, at, sig, prev_seq, prev_hash, every, tst FROM audit_checkpoints "
				"WHERE seq = ?",
				pv, 1, cp_load_row, &x, NULL);
	if (err == 0 && !x.found)
		err = es_error_set(ES_ENOTFOUND, "no audit checkpoint over entry %lld", (long long)seq);
	return err;
}

typedef struct checkpoint_ctx {
	es_audit_anchor *out;
	bool found;
} checkpoint_ctx;

static int checkpoint_tx(es_platform *p, void *ctx)
{
	checkpoint_ctx *c = ctx;
	seq_hash h = { .what = "head" };
	/* take the audit counter's row lock: checkpoints are written one after the other */
	es_sval lv[1] = { ES_SV_S("audit") };
	int err = es_store_exec(p->st, "UPDATE counters SET value = value WHERE name = ?", lv, 1, NULL, NULL, NULL);
	if (err < 0)
		return err;
	if ((err = es_store_exec(p->st, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1", NULL, 0, seq_hash_row,
				 &h, NULL)) < 0 ||
	    !h.found)
		return err;
	c->found = true;
	if ((err = checkpoint_at(p, h.seq, h.hash, NULL)) < 0)
		return err;
	return c->out ? cp_load(p, h.seq, c->out) : 0;
}

int es_platform_audit_checkpoint(es_platform *p)
{
	ES_ASSERT_ARG(p);
	checkpoint_ctx c = { NULL, false };
	return es_platform__tx(p, checkpoint_tx, &c);
}

int es_platform_audit_anchor(es_platform *p, const es_actor *who, es_audit_anchor *out)
{
	int64_t actor = es_platform__enter(p, who);
	ES_ASSERT_ARG(p && out);
	int err;
	if ((err = es_platform__authorize(p, actor, ES_ACT_AUDIT, -1, NULL)) < 0)
		return err;
	checkpoint_ctx c = { out, false };
	if ((err = es_platform__tx(p, checkpoint_tx, &c)) < 0)
		return err;
	if (!c.found)
		return es_error_set(ES_ENOTFOUND, "the audit log is empty: nothing to anchor yet");
	if (out->prev_seq < 0 || out->tst_len == 0)
		return es_error_set(ES_EVERIFY, "the checkpoint over the head predates anchors: run 'eseal audit verify'");
	return 0;
}

#define hex_of es_hex

static int unhex(uint8_t *out, size_t cap, size_t *outlen, const char *s, const char *what)
{
	size_t n = strlen(s);
	if (n % 2 || n / 2 > cap || n == 0)
		return es_error_set(ES_EMALFORMED, "audit anchor: '%s' is not hex of the right length", what);
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (v < 0)
			return es_error_set(ES_EMALFORMED, "audit anchor: '%s' is not lowercase hex", what);
		if (i % 2 == 0)
			out[i / 2] = (uint8_t)(v << 4);
		else
			out[i / 2] |= (uint8_t)v;
	}
	*outlen = n / 2;
	return 0;
}

#define ANCHOR_FORMAT "eseal-audit-anchor-1"

int es_audit_anchor_json(es_buf *out, const es_audit_anchor *a)
{
	ES_ASSERT_ARG(out && a && a->sig_len <= sizeof(a->sig) && a->tst_len <= sizeof(a->tst));
	char h[65], ph[65], at[32];
	char *sig = es_malloc(2 * a->sig_len + 1), *tst = es_malloc(2 * a->tst_len + 1);
	int err = 0;
	if (!sig || !tst) {
		err = es_error_set(ES_ENOMEM, "out of memory");
		goto done;
	}
	hex_of(h, a->hash, 32);
	hex_of(ph, a->prev_hash, 32);
	hex_of(sig, a->sig, a->sig_len);
	hex_of(tst, a->tst, a->tst_len);
	es_time_iso(at, a->at);
	json_t *doc = json_pack("{s:s, s:I, s:s, s:s, s:I, s:s, s:I, s:s, s:s}", "format", ANCHOR_FORMAT, "seq",
				(json_int_t)a->seq, "hash", h, "at", at, "prev_seq", (json_int_t)a->prev_seq, "prev_hash",
				ph, "every", (json_int_t)a->every, "signature", sig, "time_stamp", tst);
	char *text = doc ? json_dumps(doc, JSON_INDENT(1) | JSON_SORT_KEYS) : NULL;
	json_decref(doc);
	if (!text) {
		err = es_error_set(ES_ENOMEM, "out of memory");
		goto done;
	}
	if ((err = es_buf_puts(out, text)) == 0)
		err = es_buf_puts(out, "\n");
	free(text); /* allocated by jansson */
done:
	es_free(sig);
	es_free(tst);
	return err;
}

int es_audit_anchor_parse(es_audit_anchor *out, const uint8_t *json, size_t len)
{
	ES_ASSERT_ARG(out && (json || len == 0));
	static const char *const keys[] = { "format", "seq", "hash", "at", "prev_seq", "prev_hash", "every", "signature",
					    "time_stamp" };
	json_error_t jerr;
	size_t n = 0;
	int err = 0;
	memset(out, 0, sizeof(*out));
	if (len > ES_PLAT_MAX_ANCHOR)
		return es_error_set(ES_ELIMIT, "audit anchor larger than %d bytes", ES_PLAT_MAX_ANCHOR);
	json_t *doc = json_loadb((const char *)json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc || !json_is_object(doc)) {
		json_decref(doc);
		return es_error_set(ES_EMALFORMED, "audit anchor: not a JSON object (an 'eseal audit anchor --json' output)");
	}
	if (json_object_size(doc) != ES_ARRAY_LEN(keys)) {
		err = es_error_set(ES_EMALFORMED, "audit anchor: expected exactly the fields of 'eseal audit anchor --json'");
		goto done;
	}
	for (size_t i = 0; i < ES_ARRAY_LEN(keys); i++) {
		json_t *v = json_object_get(doc, keys[i]);
		bool num = strcmp(keys[i], "seq") == 0 || strcmp(keys[i], "prev_seq") == 0 || strcmp(keys[i], "every") == 0;
		if (!v || (num ? !json_is_integer(v) : !json_is_string(v))) {
			err = es_error_set(ES_EMALFORMED, "audit anchor: field '%s' missing or of the wrong type", keys[i]);
			goto done;
		}
	}
	const char *fmt = json_string_value(json_object_get(doc, "format"));
	if (strcmp(fmt, ANCHOR_FORMAT) != 0) {
		err = es_error_set(ES_EMALFORMED, "audit anchor: unknown format (expected %s)", ANCHOR_FORMAT);
		goto done;
	}
	out->seq = (int64_t)json_integer_value(json_object_get(doc, "seq"));
	out->prev_seq = (int64_t)json_integer_value(json_object_get(doc, "prev_seq"));
	out->every = (int64_t)json_integer_value(json_object_get(doc, "every"));
	if (out->seq < 1 || out->prev_seq < 0 || out->prev_seq >= out->seq || out->every < 1) {
		err = es_error_set(ES_EMALFORMED, "audit anchor: seq, prev_seq or every out of range");
		goto done;
	}
	if (es_time_parse(&out->at, json_string_value(json_object_get(doc, "at"))) != 0 || out->at < 0) {
		err = es_error_set(ES_EMALFORMED, "audit anchor: 'at' is not a time after 1970 like 2026-01-31T08:00:00Z");
		goto done;
	}
	if ((err = unhex(out->hash, 32, &n, json_string_value(json_object_get(doc, "hash")), "hash")) < 0)
		goto done;
	if (n != 32) {
		err = es_error_set(ES_EMALFORMED, "audit anchor: 'hash' is not 32 bytes");
		goto done;
	}
	if ((err = unhex(out->prev_hash, 32, &n, json_string_value(json_object_get(doc, "prev_hash")), "prev_hash")) < 0)
		goto done;
	if (n != 32) {
		err = es_error_set(ES_EMALFORMED, "audit anchor: 'prev_hash' is not 32 bytes");
		goto done;
	}
	if ((err = unhex(out->sig, sizeof(out->sig), &out->sig_len, json_string_value(json_object_get(doc, "signature")),
			 "signature")) < 0 ||
	    (err = unhex(out->tst, sizeof(out->tst), &out->tst_len, json_string_value(json_object_get(doc, "time_stamp")),
			 "time_stamp")) < 0)
		goto done;
done:
	json_decref(doc);
	return err;
}

typedef struct hash_ctx {
	uint8_t *out;
	bool found;
} hash_ctx;

static int hash_row(void *vctx, const es_sval *c, size_t n)
{
	hash_ctx *h = vctx;
	if (n < 1 || c[0].type != ES_SV_BLOB || c[0].len != 32)
		return es_error_set(ES_EDB, "audit entry hash is not 32 bytes");
	memcpy(h->out, c[0].b, 32);
	h->found = true;
	return 1;
}

static int anchor_path(es_platform *p, es_buf *path)
{
	return es_buf_printf(path, "%s/%s", p->dir, ANCHOR_FILE);
}

/* The newest checkpoint, kept beside the database where SQL access alone cannot lower it. */
int es_platform__anchor_write(es_platform *p)
{
	es_buf path = ES_BUF_INIT, old = ES_BUF_INIT, out = ES_BUF_INIT;
	es_audit_anchor *a = es_malloc(sizeof(*a) * 2);
	int err;
	p->anchor_pending = false;
	if (!a)
		return es_error_set(ES_ENOMEM, "out of memory");
	if ((err = anchor_path(p, &path)) < 0 || (err = cp_load(p, p->anchor_seq, &a[0])) < 0 || a[0].prev_seq < 0)
		goto done;
	/*
	 * Never lower it (another process may have written a newer one), and never replace
	 * it by a checkpoint over a log that no longer holds the anchored entry: that
	 * evidence stays for 'audit verify' to report.
	 */
	if (es_file_exists((const char *)path.ptr) && es_file_read(&old, (const char *)path.ptr, ES_PLAT_MAX_ANCHOR) == 0 &&
	    es_audit_anchor_parse(&a[1], old.ptr, old.len) == 0) {
		uint8_t h[32];
		hash_ctx hc = { h, false };
		es_sval pv[1] = { ES_SV_I(a[1].seq) };
		if (a[1].seq >= a[0].seq)
			goto done;
		if ((err = es_store_exec(p->st, "SELECT hash FROM audit_log WHERE seq = ?", pv, 1, hash_row, &hc, NULL)) < 0)
			goto done;
		if (!hc.found || memcmp(h, a[1].hash, 32) != 0) {
			err = es_error_set(ES_EVERIFY, "the audit log no longer extends %s: run 'eseal audit verify'",
					   (const char *)path.ptr);
			goto done;
		}
	}
	es_error_clear();
	if ((err = es_audit_anchor_json(&out, &a[0])) < 0)
		goto done;
	err = es_file_write((const char *)path.ptr, out.ptr, out.len, 0600);
done:
	es_free(a);
	es_buf_release(&path);
	es_buf_release(&old);
	es_buf_release(&out);
	return err;
}

/* ---- verification ---------------------------------------------------------- */

typedef struct cp {
	int64_t seq, prev_seq, every; /* prev_seq -1: a version-1 checkpoint (no chain) */
	uint8_t hash[32], prev_hash[32];
} cp;

typedef struct anchor_check {
	const es_audit_anchor *a;
	const char *where;
	bool seen;
} anchor_check;

typedef struct verify_ctx {
	es_platform *p;
	es_audit_report *r;
	int64_t expect;
	uint8_t prev[32];
	es_time prev_at;
	cp *cps;
	size_t ncps, cap;
	size_t next_cp;
	anchor_check anchors[2];
	size_t nanchors;
	int64_t beyond; /* the highest seq anything names (checkpoints, counter, anchors) */
} verify_ctx;

static void bad(verify_ctx *v, int64_t seq, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void bad(verify_ctx *v, int64_t seq, const char *fmt, ...)
{
	if (v->r->first_bad && v->r->first_bad <= seq)
		return;
	va_list ap;
	va_start(ap, fmt);
	v->r->first_bad = seq;
	vsnprintf(v->r->problem, sizeof(v->r->problem), fmt, ap);
	va_end(ap);
}

/* Signature by the maker key and time stamp by the platform TSA over a version-2 checkpoint. */
static int cp2_check(es_platform *p, const es_audit_anchor *a, const char **why)
{
	es_buf msg = ES_BUF_INIT;
	const es_sm2_key *pub = NULL;
	es_tst_info ti;
	int err;
	memset(&ti, 0, sizeof(ti));
	*why = NULL;
	if ((err = es_cert_pubkey(&pub, p->maker)) < 0 || (err = cp2_message(&msg, a)) < 0)
		goto done;
	if (es_sm2_verify(pub, NULL, 0, msg.ptr, msg.len, a->sig, a->sig_len) != 0) {
		es_error_clear();
		*why = "a bad signature";
		goto done;
	}
	if (a->tst_len == 0) {
		*why = "no time stamp";
		goto done;
	}
	if (es_tst_verify(&ti, a->tst, a->tst_len, msg.ptr, msg.len) != 0) {
		es_error_clear();
		*why = "a time stamp that does not verify";
		goto done;
	}
	es_bytes mine = es_cert_der(p->tsa), theirs = ti.tsa_cert ? es_cert_der(ti.tsa_cert) : (es_bytes){ NULL, 0 };
	if (theirs.len != mine.len || memcmp(theirs.ptr, mine.ptr, mine.len) != 0 || ti.gen_time != a->at)
		*why = "a time stamp not made by this platform's time-stamping authority at its time";
done:
	es_tst_info_release(&ti);
	es_buf_release(&msg);
	return err;
}

static int cp_row(void *vctx, const es_sval *c, size_t n)
{
	verify_ctx *v = vctx;
	es_buf msg = ES_BUF_INIT;
	const es_sm2_key *pub = NULL;
	es_audit_anchor *a = NULL;
	const char *why = NULL;
	int err = 0;
	if (n < 8 || c[0].type != ES_SV_INT || c[1].type != ES_SV_BLOB || c[1].len != 32 || c[2].type != ES_SV_INT ||
	    c[3].type != ES_SV_BLOB || c[3].len > ES_AUDIT_SIG_MAX) {
		bad(v, c[0].type == ES_SV_INT ? c[0].i : 1, "checkpoint row malformed");
		return 0;
	}
	int64_t seq = c[0].i;
	if (seq > v->beyond)
		v->beyond = seq;
	bool v2 = c[4].type != ES_SV_NULL;
	if (!v2) {
		if ((err = es_cert_pubkey(&pub, v->p->maker)) < 0 || (err = cp_message(&msg, seq, c[1].b, c[2].i)) < 0)
			goto done;
		if (es_sm2_verify(pub, NULL, 0, msg.ptr, msg.len, c[3].b, c[3].len) != 0) {
			es_error_clear();
			why = "a bad signature";
		}
	} else {
		if (c[4].type != ES_SV_INT || c[5].type != ES_SV_BLOB || c[5].len != 32 || c[6].type != ES_SV_INT ||
		    c[6].i < 1 || (c[7].type != ES_SV_BLOB && c[7].type != ES_SV_NULL) ||
		    (c[7].type == ES_SV_BLOB && c[7].len > ES_AUDIT_TST_MAX)) {
			bad(v, seq, "the checkpoint over entry %lld is malformed", (long long)seq);
			goto done;
		}
		if (!(a = es_calloc(1, sizeof(*a)))) {
			err = es_error_set(ES_ENOMEM, "out of memory");
			goto done;
		}
		a->seq = seq;
		memcpy(a->hash, c[1].b, 32);
		a->at = c[2].i;
		memcpy(a->sig, c[3].b, c[3].len);
		a->sig_len = c[3].len;
		a->prev_seq = c[4].i;
		memcpy(a->prev_hash, c[5].b, 32);
		a->every = c[6].i;
		if (c[7].type == ES_SV_BLOB) {
			memcpy(a->tst, c[7].b, c[7].len);
			a->tst_len = c[7].len;
		}
		if ((err = cp2_check(v->p, a, &why)) < 0)
			goto done;
	}
	if (why) {
		bad(v, seq, "the checkpoint over entry %lld has %s", (long long)seq, why);
		goto done;
	}
	if (v->ncps == v->cap) {
		size_t nc = v->cap ? v->cap * 2 : 64;
		cp *x = es_realloc(v->cps, nc * sizeof(*x));
		if (!x) {
			err = es_error_set(ES_ENOMEM, "out of memory");
			goto done;
		}
		v->cps = x;
		v->cap = nc;
	}
	cp *k = &v->cps[v->ncps++];
	memset(k, 0, sizeof(*k));
	k->seq = seq;
	memcpy(k->hash, c[1].b, 32);
	k->prev_seq = v2 ? a->prev_seq : -1;
	k->every = v2 ? a->every : 0;
	if (v2)
		memcpy(k->prev_hash, a->prev_hash, 32);
	v->r->checkpoints++;
done:
	es_free(a);
	es_buf_release(&msg);
	return err;
}

/* Each checkpoint names the one before it, and none is further than its interval from it. */
static void cp_chain(verify_ctx *v)
{
	static const uint8_t zero[32];
	for (size_t i = 0; i < v->ncps; i++) {
		const cp *k = &v->cps[i];
		int64_t before = i ? v->cps[i - 1].seq : 0;
		const uint8_t *before_hash = i ? v->cps[i - 1].hash : zero;
		if (k->prev_seq < 0)
			continue; /* version 1: written before checkpoints were chained */
		if (k->prev_seq > before)
			bad(v, k->prev_seq,
			    "the checkpoint over entry %lld is missing (deleted): the checkpoint over entry %lld names it",
			    (long long)k->prev_seq, (long long)k->seq);
		else if (k->prev_seq != before || memcmp(k->prev_hash, before_hash, 32) != 0)
			bad(v, k->seq, "the checkpoint over entry %lld does not follow the checkpoint over entry %lld",
			    (long long)k->seq, (long long)before);
		if (k->seq - before > k->every)
			bad(v, before + k->every,
			    "no checkpoint over entries %lld to %lld although one is due every %lld entries (deleted)",
			    (long long)before + 1, (long long)k->seq - 1, (long long)k->every);
	}
}

static const char *col_text(const es_sval *c)
{
	return c->type == ES_SV_TEXT ? c->s : "";
}

static int entry_row(void *vctx, const es_sval *c, size_t n)
{
	verify_ctx *v = vctx;
	uint8_t h[32];
	es_audit_entry e;
	int err;
	if (n < 9 || c[0].type != ES_SV_INT) {
		bad(v, v->expect, "entry %lld is malformed", (long long)v->expect);
		return 1;
	}
	int64_t seq = c[0].i;
	if (seq != v->expect) {
		if (seq > v->expect + 1)
			bad(v, v->expect, "entries %lld to %lld are missing (deleted, or the log renumbered)",
			    (long long)v->expect, (long long)seq - 1);
		else if (seq > v->expect)
			bad(v, v->expect, "entry %lld is missing (deleted, or the log renumbered)", (long long)v->expect);
		else
			bad(v, v->expect, "entry %lld is out of order", (long long)v->expect);
		return 1;
	}
	memset(&e, 0, sizeof(e));
	e.seq = seq;
	e.at = c[1].i;
	e.actor = c[2].i;
	e.event = col_text(&c[3]);
	e.object = col_text(&c[4]);
	e.object_id = col_text(&c[5]);
	e.detail = col_text(&c[6]);
	if (c[7].type != ES_SV_BLOB || c[7].len != 32 || c[8].type != ES_SV_BLOB || c[8].len != 32) {
		bad(v, seq, "entry %lld: hash fields malformed", (long long)seq);
		return 1;
	}
	memcpy(e.prev_hash, c[7].b, 32);
	if (memcmp(e.prev_hash, v->prev, 32) != 0) {
		bad(v, seq, "entry %lld does not chain to entry %lld (reordered, or its predecessor replaced)",
		    (long long)seq, (long long)seq - 1);
		return 1;
	}
	if ((err = entry_hash(h, &e)) < 0)
		return err;
	if (memcmp(h, c[8].b, 32) != 0) {
		bad(v, seq, "entry %lld was altered (its content no longer matches its hash)", (long long)seq);
		return 1;
	}
	if (seq > 1 && e.at < v->prev_at) {
		char a[32], b[32];
		es_time_iso(a, e.at);
		es_time_iso(b, v->prev_at);
		bad(v, seq, "entry %lld is dated %s, before entry %lld (%s): time never runs backwards in the log",
		    (long long)seq, a, (long long)seq - 1, b);
		return 1;
	}
	while (v->next_cp < v->ncps && v->cps[v->next_cp].seq < seq)
		v->next_cp++;
	if (v->next_cp < v->ncps && v->cps[v->next_cp].seq == seq && memcmp(v->cps[v->next_cp].hash, h, 32) != 0) {
		bad(v, seq, "entry %lld differs from the signed checkpoint over it", (long long)seq);
		return 1;
	}
	for (size_t i = 0; i < v->nanchors; i++) {
		if (v->anchors[i].a->seq != seq)
			continue;
		v->anchors[i].seen = true;
		if (memcmp(v->anchors[i].a->hash, h, 32) != 0) {
			bad(v, seq, "entry %lld differs from the anchor in %s (the log was rewritten)", (long long)seq,
			    v->anchors[i].where);
			return 1;
		}
	}
	memcpy(v->prev, h, 32);
	v->prev_at = e.at;
	v->r->entries++;
	v->expect++;
	return 0;
}

/* The anchor file beside the database: the newest checkpoint, which SQL alone cannot lower. */
static int load_file_anchor(verify_ctx *v, es_audit_anchor *a, es_buf *where)
{
	es_buf text = ES_BUF_INIT;
	const char *why = NULL;
	int err;
	if ((err = anchor_path(v->p, where)) < 0)
		return err;
	if (!es_file_exists((const char *)where->ptr))
		return 0;
	if ((err = es_file_read(&text, (const char *)where->ptr, ES_PLAT_MAX_ANCHOR)) < 0 ||
	    es_audit_anchor_parse(a, text.ptr, text.len) < 0 || cp2_check(v->p, a, &why) < 0 || why) {
		es_error_clear();
		bad(v, 1, "the anchor file %s is damaged or not signed by this platform: restore it from a backup",
		    (const char *)where->ptr);
		err = 0;
		goto done;
	}
	v->anchors[v->nanchors].a = a;
	v->anchors[v->nanchors].where = (const char *)where->ptr;
	v->nanchors++;
	if (a->seq > v->beyond)
		v->beyond = a->seq;
done:
	es_buf_release(&text);
	return err;
}

static int verify(es_platform *p, int64_t actor, const es_audit_anchor *given, es_audit_report *out)
{
	ES_ASSERT_ARG(p && out);
	verify_ctx v;
	int64_t counter = 0;
	es_audit_anchor *file_anchor = NULL;
	es_buf where = ES_BUF_INIT;
	int err;
	memset(out, 0, sizeof(*out));
	memset(&v, 0, sizeof(v));
	v.p = p;
	v.r = out;
	v.expect = 1;
	if ((err = es_platform__authorize(p, actor, ES_ACT_AUDIT, -1, NULL)) < 0)
		return err;
	if (given) {
		const char *why = NULL;
		if ((err = cp2_check(p, given, &why)) < 0)
			goto done;
		if (why) {
			err = es_error_set(ES_EVERIFY, "the anchor has %s: it was not made by this platform, or was edited", why);
			goto done;
		}
		v.anchors[v.nanchors].a = given;
		v.anchors[v.nanchors].where = "the anchor given";
		v.nanchors++;
		v.beyond = given->seq;
	}
	if (!(file_anchor = es_calloc(1, sizeof(*file_anchor)))) {
		err = es_error_set(ES_ENOMEM, "out of memory");
		goto done;
	}
	if ((err = load_file_anchor(&v, file_anchor, &where)) < 0)
		goto done;
	if ((err = es_store_exec(p->st,
				 "SELECT seq, hash, at, sig, prev_seq, prev_hash, every, tst FROM audit_checkpoints "
				 "ORDER BY seq",
				 NULL, 0, cp_row, &v, NULL)) < 0)
		goto done;
	cp_chain(&v);
	if ((err = es_store_exec(p->st,
				 "SELECT seq, at, actor, event, object, object_id, detail, prev_hash, hash FROM audit_log "
				 "ORDER BY seq",
				 NULL, 0, entry_row, &v, NULL)) < 0)
		goto done;
	memcpy(out->head, v.prev, 32);
	int64_t last = v.expect - 1;
	es_sval pv[1] = { ES_SV_S("audit") };
	err = es_store_int(p->st, &counter, "SELECT value FROM counters WHERE name = ?", pv, 1);
	if (err == ES_ENOTFOUND)
		err = 0;
	if (err < 0)
		goto done;
	if (counter > v.beyond)
		v.beyond = counter;
	/* the tail: anything naming an entry beyond the last one means entries were cut off */
	if (v.beyond > last)
		bad(&v, last + 1, "entries %lld to %lld are missing (the log was truncated)", (long long)last + 1,
		    (long long)v.beyond);
	/* a checkpoint is due every `every` entries: a longer unsigned tail means checkpoints were deleted */
	{
		int64_t lastcp = v.ncps ? v.cps[v.ncps - 1].seq : 0;
		int64_t every = v.ncps && v.cps[v.ncps - 1].every > (int64_t)p->audit_every ? v.cps[v.ncps - 1].every
											      : (int64_t)p->audit_every;
		if (last - lastcp >= every)
			bad(&v, lastcp + every,
			    "no checkpoint over entries %lld to %lld although one is due every %lld entries (deleted)",
			    (long long)lastcp + 1, (long long)last, (long long)every);
	}
	if (out->first_bad)
		err = es_error_set(ES_EVERIFY, "audit log broken at entry %lld: %s", (long long)out->first_bad,
				   out->problem);
done:
	es_free(file_anchor);
	es_buf_release(&where);
	es_free(v.cps);
	return err;
}

int es_platform_audit_verify(es_platform *p, const es_actor *who, es_audit_report *out)
{
	int64_t actor = es_platform__enter(p, who);
	return verify(p, actor, NULL, out);
}

int es_platform_audit_verify_anchor(es_platform *p, const es_actor *who, const es_audit_anchor *anchor,
				    es_audit_report *out)
{
	int64_t actor = es_platform__enter(p, who);
	ES_ASSERT_ARG(anchor);
	return verify(p, actor, anchor, out);
}
