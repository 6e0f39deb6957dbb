/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The tamper-evident audit log (R7): an append-only hash chain of entries with
 * signed checkpoints; sign-in. The encoding is documented in docs/audit.md. */
#include "es_int.h"
#include "platform_int.h"
#include "estime.h"
#include <stdarg.h>

#define AUDIT_MAGIC "ES-AUDIT-1"
#define AUDIT_MAGIC_LEN 10
#define CP_MAGIC "ES-AUDIT-CP-1"
#define CP_MAGIC_LEN 13
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

static int cp_message(es_buf *b, int64_t seq, const uint8_t hash[32], es_time at)
{
	int err;
	if ((err = es_buf_put(b, CP_MAGIC, CP_MAGIC_LEN)) < 0 || (err = put_u64(b, (uint64_t)seq)) < 0 ||
	    (err = es_buf_put(b, hash, 32)) < 0)
		return err;
	return put_u64(b, (uint64_t)at);
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

/* Write a checkpoint over entry @p seq (inside a transaction). */
static int checkpoint_at(es_platform *p, int64_t seq, const uint8_t hash[32])
{
	es_buf msg = ES_BUF_INIT, sig = ES_BUF_INIT;
	es_time now = es_time_now();
	int err;
	if ((err = cp_message(&msg, seq, hash, now)) < 0 ||
	    (err = es_sm2_sign(&sig, p->maker_key, NULL, 0, msg.ptr, msg.len)) < 0)
		goto done;
	es_sval pv[4] = { ES_SV_I(seq), ES_SV_B(hash, 32), ES_SV_I(now), ES_SV_B(sig.ptr, sig.len) };
	err = es_store_exec(p->st,
			    "INSERT INTO audit_checkpoints (seq, hash, at, sig) VALUES (?, ?, ?, ?) "
			    "ON CONFLICT (seq) DO NOTHING",
			    pv, 4, NULL, NULL, NULL);
done:
	es_buf_release(&msg);
	es_buf_release(&sig);
	return err;
}

int es_platform__audit(es_platform *p, int64_t actor, const char *event, const char *object, const char *object_id,
		       const char *detail, int64_t *seq_out)
{
	int err;
	int64_t seq;
	uint8_t h[32];
	es_audit_entry e;
	if (!es_store_in_tx(p->st))
		return es_error_set(ES_EINTERNAL, "audit entry outside a transaction");
	memset(&e, 0, sizeof(e));
	/* the counter row serialises writers on both backends until commit */
	if ((err = es_store_next(p->st, &seq, "audit")) < 0)
		return err;
	if (seq > 1) {
		hash_ctx hc = { e.prev_hash, false };
		es_sval pv[1] = { ES_SV_I(seq - 1) };
		if ((err = es_store_exec(p->st, "SELECT hash FROM audit_log WHERE seq = ?", pv, 1, hash_row, &hc, NULL)) < 0)
			return err;
		if (!hc.found)
			return es_error_set(ES_EDB, "audit entry %lld is missing: run 'eseal audit verify'", (long long)seq - 1);
	}
	e.seq = seq;
	e.at = es_time_now();
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
	if (seq % p->audit_every == 0 && (err = checkpoint_at(p, seq, h)) < 0)
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

/* ---- checkpoint on demand / on close -------------------------------------- */

typedef struct head_ctx {
	int64_t seq;
	uint8_t hash[32];
	bool found;
} head_ctx;

static int head_row(void *vctx, const es_sval *c, size_t n)
{
	head_ctx *h = vctx;
	if (n < 2 || c[0].type != ES_SV_INT || c[1].type != ES_SV_BLOB || c[1].len != 32)
		return es_error_set(ES_EDB, "audit head malformed");
	h->seq = c[0].i;
	memcpy(h->hash, c[1].b, 32);
	h->found = true;
	return 1;
}

static int checkpoint_tx(es_platform *p, void *ctx)
{
	ES_UNUSED(ctx);
	head_ctx h = { 0, { 0 }, false };
	int err = es_store_exec(p->st, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1", NULL, 0, head_row, &h,
				NULL);
	if (err < 0 || !h.found)
		return err;
	return checkpoint_at(p, h.seq, h.hash);
}

int es_platform_audit_checkpoint(es_platform *p)
{
	ES_ASSERT_ARG(p);
	return es_platform__tx(p, checkpoint_tx, NULL);
}

/* ---- sign-in ---------------------------------------------------------------- */

typedef struct login_ctx {
	const char *login;
	int64_t id;
	bool ok;
} login_ctx;

static int login_tx(es_platform *p, void *vctx)
{
	login_ctx *c = vctx;
	char who[72];
	int err = es_platform_account_find(p, c->login, &c->id);
	/* an unknown login is recorded cut short and with control characters replaced */
	size_t n = strlen(c->login) < sizeof(who) - 1 ? strlen(c->login) : sizeof(who) - 1;
	for (size_t i = 0; i < n; i++)
		who[i] = (unsigned char)c->login[i] < 0x20 || c->login[i] == 0x7f ? '?' : c->login[i];
	who[n] = 0;
	if (err == ES_ENOTFOUND || err == ES_EDENIED) {
		es_error_clear();
		c->ok = false;
		return es_platform__audit(p, 0, "login-failed", "account", who, "no such account", NULL);
	}
	if (err < 0)
		return err;
	c->ok = true;
	return es_platform__audit(p, c->id, "login", "account", who, "", NULL);
}

int es_platform_login(es_platform *p, const char *login, int64_t *id)
{
	ES_ASSERT_ARG(p && login && id);
	login_ctx c = { login, 0, false };
	int err = es_platform__tx(p, login_tx, &c);
	if (err < 0)
		return err;
	if (!c.ok)
		return es_error_set(ES_EDENIED, "sign-in refused: no such account");
	*id = c.id;
	return 0;
}

/* ---- verification ---------------------------------------------------------- */

typedef struct cp {
	int64_t seq;
	uint8_t hash[32];
	bool matched;
} cp;

typedef struct verify_ctx {
	es_platform *p;
	es_audit_report *r;
	int64_t expect;
	uint8_t prev[32];
	cp *cps;
	size_t ncps, cap;
	size_t next_cp;
	int err;
	bool stop;
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

static int cp_row(void *vctx, const es_sval *c, size_t n)
{
	verify_ctx *v = vctx;
	es_buf msg = ES_BUF_INIT;
	const es_sm2_key *pub = NULL;
	int err;
	if (n < 4 || c[0].type != ES_SV_INT || c[1].type != ES_SV_BLOB || c[1].len != 32 || c[2].type != ES_SV_INT ||
	    c[3].type != ES_SV_BLOB) {
		bad(v, c[0].type == ES_SV_INT ? c[0].i : 1, "checkpoint row malformed");
		return 0;
	}
	if ((err = es_cert_pubkey(&pub, v->p->maker)) < 0 || (err = cp_message(&msg, c[0].i, c[1].b, c[2].i)) < 0)
		goto done;
	if (es_sm2_verify(pub, NULL, 0, msg.ptr, msg.len, c[3].b, c[3].len) != 0) {
		es_error_clear();
		bad(v, c[0].i, "the checkpoint at entry %lld has a bad signature", (long long)c[0].i);
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
	v->cps[v->ncps].seq = c[0].i;
	memcpy(v->cps[v->ncps].hash, c[1].b, 32);
	v->cps[v->ncps].matched = false;
	v->ncps++;
	v->r->checkpoints++;
done:
	es_buf_release(&msg);
	return err;
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
		if (seq > v->expect)
			bad(v, v->expect, "entry %lld is missing (deleted, or moved to %lld)", (long long)v->expect,
			    (long long)seq);
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
	while (v->next_cp < v->ncps && v->cps[v->next_cp].seq < seq)
		v->next_cp++;
	if (v->next_cp < v->ncps && v->cps[v->next_cp].seq == seq) {
		if (memcmp(v->cps[v->next_cp].hash, h, 32) != 0) {
			bad(v, seq, "entry %lld differs from the signed checkpoint over it", (long long)seq);
			return 1;
		}
		v->cps[v->next_cp].matched = true;
	}
	memcpy(v->prev, h, 32);
	v->r->entries++;
	v->expect++;
	return 0;
}

int es_platform_audit_verify(es_platform *p, int64_t actor, es_audit_report *out)
{
	ES_ASSERT_ARG(p && out);
	verify_ctx v;
	int64_t counter = 0;
	int err;
	memset(out, 0, sizeof(*out));
	memset(&v, 0, sizeof(v));
	v.p = p;
	v.r = out;
	v.expect = 1;
	if ((err = es_platform__authorize(p, actor, ES_ACT_AUDIT, -1, NULL)) < 0)
		return err;
	if ((err = es_store_exec(p->st, "SELECT seq, hash, at, sig FROM audit_checkpoints ORDER BY seq", NULL, 0, cp_row,
				 &v, NULL)) < 0)
		goto done;
	if ((err = es_store_exec(p->st,
				 "SELECT seq, at, actor, event, object, object_id, detail, prev_hash, hash FROM audit_log "
				 "ORDER BY seq",
				 NULL, 0, entry_row, &v, NULL)) < 0)
		goto done;
	memcpy(out->head, v.prev, 32);
	/* the tail: a checkpoint or the counter beyond the last entry means entries were cut off */
	int64_t last = v.expect - 1;
	if (!out->first_bad) {
		for (size_t i = 0; i < v.ncps; i++)
			if (v.cps[i].seq > last) {
				bad(&v, last + 1, "entries %lld to %lld are missing (the log was truncated after a checkpoint)",
				    (long long)last + 1, (long long)v.cps[i].seq);
				break;
			}
	}
	es_sval pv[1] = { ES_SV_S("audit") };
	err = es_store_int(p->st, &counter, "SELECT value FROM counters WHERE name = ?", pv, 1);
	if (err == ES_ENOTFOUND)
		err = 0;
	if (err < 0)
		goto done;
	if (!out->first_bad && counter > last)
		bad(&v, last + 1, "entries %lld to %lld are missing (the log was truncated)", (long long)last + 1,
		    (long long)counter);
	if (out->first_bad)
		err = es_error_set(ES_EVERIFY, "audit log broken at entry %lld: %s", (long long)out->first_bad,
				   out->problem);
done:
	es_free(v.cps);
	return err;
}
