/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Commercial registration feed (H§7): standard seals without application.
 * Feed: CSV with the header "name,credit_code,region,legal_rep" (RFC 4180
 * quoting, UTF-8, optional BOM) or a JSON array of objects with those keys.
 * Each entity is one transaction; an entity that already holds a registry
 * seal is skipped, so a rerun after a crash completes the import.
 */
#include "es_int.h"
#include "platform_int.h"
#include "estime.h"
#include "text.h"
#include "eseal/es_seal.h"
#include <jansson.h>

static int set_field(char *dst, size_t cap, const char *src, size_t len, const char *what, unsigned line)
{
	if (len >= cap)
		return es_error_set(ES_ELIMIT, "line %u: %s too long", line, what);
	memcpy(dst, src, len);
	dst[len] = 0;
	if (memchr(dst, 0, len))
		return es_error_set(ES_EMALFORMED, "line %u: NUL byte in %s", line, what);
	return 0;
}

static int parse_json(const uint8_t *feed, size_t len, es_registry_fn fn, void *ctx)
{
	json_error_t je;
	json_t *root = json_loadb((const char *)feed, len, JSON_REJECT_DUPLICATES, &je);
	int err = 0;
	if (!root)
		return es_error_set(ES_EMALFORMED, "registry feed: JSON error at line %d: %s", je.line, je.text);
	if (!json_is_array(root)) {
		err = es_error_set(ES_EMALFORMED, "registry feed: expected a JSON array of entities");
		goto done;
	}
	if (json_array_size(root) > ES_PLAT_MAX_FEED_ROWS) {
		err = es_error_set(ES_ELIMIT, "registry feed: more than %d entities", ES_PLAT_MAX_FEED_ROWS);
		goto done;
	}
	for (size_t i = 0; i < json_array_size(root) && err == 0; i++) {
		json_t *o = json_array_get(root, i);
		es_registry_entry e;
		static const char *const keys[] = { "name", "credit_code", "region", "legal_rep" };
		char *dst[4] = { e.name, e.credit_code, e.region, e.legal_rep };
		size_t cap[4] = { sizeof(e.name), sizeof(e.credit_code), sizeof(e.region), sizeof(e.legal_rep) };
		memset(&e, 0, sizeof(e));
		if (!json_is_object(o)) {
			err = es_error_set(ES_EMALFORMED, "registry feed: entity %zu is not an object", i + 1);
			break;
		}
		for (size_t k = 0; k < 4 && err == 0; k++) {
			json_t *v = json_object_get(o, keys[k]);
			if (!v && k == 3)
				continue;
			if (!json_is_string(v)) {
				err = es_error_set(ES_EMALFORMED, "registry feed: entity %zu: '%s' must be a string", i + 1, keys[k]);
				break;
			}
			err = set_field(dst[k], cap[k], json_string_value(v), json_string_length(v), keys[k], (unsigned)i + 1);
		}
		if (err == 0)
			err = fn(ctx, &e, (unsigned)i + 1);
	}
done:
	json_decref(root);
	return err;
}

/* One CSV record from *pos; fields into f[] (pointers into @p tmp). */
static int csv_record(const uint8_t *s, size_t len, size_t *pos, es_buf *tmp, size_t off[8], size_t flen[8], size_t *nf,
		      unsigned line)
{
	size_t i = *pos;
	*nf = 0;
	tmp->len = 0;
	for (;;) {
		if (*nf >= 8)
			return es_error_set(ES_EMALFORMED, "line %u: too many fields (4 expected)", line);
		off[*nf] = tmp->len;
		int err;
		if (i < len && s[i] == '"') {
			i++;
			for (;;) {
				if (i >= len)
					return es_error_set(ES_EMALFORMED, "line %u: unterminated quoted field", line);
				if (s[i] == '"') {
					if (i + 1 < len && s[i + 1] == '"') {
						if ((err = es_buf_put(tmp, "\"", 1)) < 0)
							return err;
						i += 2;
						continue;
					}
					i++;
					break;
				}
				if ((err = es_buf_put(tmp, &s[i], 1)) < 0)
					return err;
				i++;
			}
			if (i < len && s[i] != ',' && s[i] != '\n' && s[i] != '\r')
				return es_error_set(ES_EMALFORMED, "line %u: text after a closing quote", line);
		} else {
			while (i < len && s[i] != ',' && s[i] != '\n' && s[i] != '\r') {
				if (s[i] == '"')
					return es_error_set(ES_EMALFORMED, "line %u: quote inside an unquoted field", line);
				if ((err = es_buf_put(tmp, &s[i], 1)) < 0)
					return err;
				i++;
			}
		}
		flen[*nf] = tmp->len - off[*nf];
		(*nf)++;
		if (i < len && s[i] == ',') {
			i++;
			continue;
		}
		if (i < len && s[i] == '\r')
			i++;
		if (i < len && s[i] == '\n')
			i++;
		break;
	}
	*pos = i;
	return 0;
}

static int parse_csv(const uint8_t *s, size_t len, es_registry_fn fn, void *ctx)
{
	es_buf tmp = ES_BUF_INIT;
	size_t pos = 0, off[8], flen[8], nf;
	unsigned line = 0, rows = 0;
	int err = es_buf_reserve(&tmp, 256); /* fields point into it, even when all are empty */
	while (pos < len && err == 0) {
		line++;
		if (s[pos] == '\n' || s[pos] == '\r') { /* blank line */
			pos += (s[pos] == '\r' && pos + 1 < len && s[pos + 1] == '\n') ? 2 : 1;
			continue;
		}
		if ((err = csv_record(s, len, &pos, &tmp, off, flen, &nf, line)) < 0)
			break;
		const char *t = (const char *)tmp.ptr;
		if (line == 1 && nf >= 1 && flen[0] == 4 && memcmp(t + off[0], "name", 4) == 0)
			continue; /* header */
		if (nf < 3 || nf > 4) {
			err = es_error_set(ES_EMALFORMED, "line %u: expected name,credit_code,region[,legal_rep]", line);
			break;
		}
		if (++rows > ES_PLAT_MAX_FEED_ROWS) {
			err = es_error_set(ES_ELIMIT, "registry feed: more than %d entities", ES_PLAT_MAX_FEED_ROWS);
			break;
		}
		es_registry_entry e;
		memset(&e, 0, sizeof(e));
		if ((err = set_field(e.name, sizeof(e.name), t + off[0], flen[0], "name", line)) < 0 ||
		    (err = set_field(e.credit_code, sizeof(e.credit_code), t + off[1], flen[1], "credit code", line)) < 0 ||
		    (err = set_field(e.region, sizeof(e.region), t + off[2], flen[2], "region", line)) < 0 ||
		    (nf == 4 && (err = set_field(e.legal_rep, sizeof(e.legal_rep), t + off[3], flen[3], "legal representative",
						 line)) < 0))
			break;
		err = fn(ctx, &e, line);
	}
	es_buf_release(&tmp);
	return err;
}

int es_registry_parse(const uint8_t *feed, size_t len, es_registry_fn fn, void *ctx)
{
	ES_ASSERT_ARG(feed && fn);
	if (len > ES_PLAT_MAX_FEED)
		return es_error_set(ES_ELIMIT, "registry feed larger than %u bytes", ES_PLAT_MAX_FEED);
	if (len >= 3 && memcmp(feed, "\xEF\xBB\xBF", 3) == 0) {
		feed += 3;
		len -= 3;
	}
	size_t i = 0;
	while (i < len && (feed[i] == ' ' || feed[i] == '\t' || feed[i] == '\r' || feed[i] == '\n'))
		i++;
	if (i < len && feed[i] == '[')
		return parse_json(feed, len, fn, ctx);
	return parse_csv(feed, len, fn, ctx);
}

/* ---- import ---------------------------------------------------------------- */

typedef struct import_ctx {
	es_platform *p;
	int64_t actor;
	es_registry_result *res;
	const es_registry_entry *e;
	bool skipped;
	/* the official seal is made in two transactions with the slow work between (seals.c) */
	bool store;
	int64_t unit;
	es_made_seal *made;
} import_ctx;

static int import_tx(es_platform *p, void *vctx)
{
	import_ctx *c = vctx;
	const es_registry_entry *e = c->e;
	int64_t unit = 0, n = 0;
	int err;
	char esid[15];
	if (c->store) {
		if ((err = es_platform__seal_store(p, c->actor, 0, c->unit, ES_KIND_OFFICIAL, 0, e->name, NULL, c->made,
						   esid)) < 0)
			return err;
		return es_platform__transition(p, "seal", esid, "made", "active", c->actor,
					       "commercial registration (H§7): issued without application", NULL);
	}
	c->skipped = false;
	es_sval cv[1] = { ES_SV_S(e->credit_code) };
	err = es_store_int(p->st, &unit, "SELECT id FROM units WHERE credit_code = ?", cv, 1);
	if (err == ES_ENOTFOUND) {
		int64_t lvl;
		es_sval rv[1] = { ES_SV_S(e->region) };
		if ((err = es_store_int(p->st, &lvl, "SELECT level FROM regions WHERE code = ?", rv, 1)) < 0) {
			if (err == ES_ENOTFOUND)
				err = es_error_set(ES_ENOTFOUND, "unknown region %s: add it first", e->region);
			return err;
		}
		if ((err = es_store_next(p->st, &unit, "unit")) < 0)
			return err;
		es_sval pv[6] = { ES_SV_I(unit), ES_SV_S(e->name), ES_SV_S(e->credit_code), ES_SV_S(e->region),
				  ES_SV_S(e->legal_rep[0] ? e->legal_rep : NULL), ES_SV_I(es_platform__now(p)) };
		if ((err = es_store_exec(p->st,
					 "INSERT INTO units (id, name, credit_code, legacy_code, region, legal_rep, source, "
					 "created_at) VALUES (?, ?, ?, 0, ?, ?, 'registry', ?)",
					 pv, 6, NULL, NULL, NULL)) < 0)
			return err;
		char ids[24], d[ES_PLAT_MAX_NAME + 96];
		snprintf(ids, sizeof(ids), "%lld", (long long)unit);
		snprintf(d, sizeof(d), "unit %lld added from the registry: %s, credit code %s, region %s", (long long)unit,
			 e->name, e->credit_code, e->region);
		if ((err = es_platform__audit(p, c->actor, "unit-add", "unit", ids, d, NULL)) < 0)
			return err;
	} else if (err < 0) {
		return err;
	}
	es_sval sv[1] = { ES_SV_I(unit) };
	if ((err = es_store_int(p->st, &n,
				"SELECT COUNT(*) FROM seals WHERE unit_id = ? AND app_id IS NULL AND kind = 'official' AND "
				"state <> 'revoked'",
				sv, 1)) < 0)
		return err;
	if (n > 0) {
		c->skipped = true;
		return 0;
	}
	c->unit = unit;
	return es_platform__seal_reserve(p, unit, ES_KIND_OFFICIAL, e->name, NULL, c->made);
}

static int import_one(void *vctx, const es_registry_entry *e, unsigned line)
{
	import_ctx *c = vctx;
	int err;
	if ((err = es_platform__check_text("name", e->name, ES_PLAT_MAX_NAME, true)) < 0 ||
	    (err = es_platform__check_text("legal representative", e->legal_rep, 63, false)) < 0 ||
	    (err = es_uscc_check_or_legacy(c->p, e->credit_code)) < 0) {
		c->res->line = line;
		return es_error_wrap(err, "line %u", line);
	}
	if (strlen(e->region) != 6 || strspn(e->region, "0123456789") != 6) {
		c->res->line = line;
		return es_error_set(ES_EINVAL, "line %u: region '%s' is not a 6-digit code", line, e->region);
	}
	c->e = e;
	es_made_seal made = ES_MADE_SEAL_INIT;
	c->made = &made;
	c->store = false;
	err = es_platform__tx(c->p, import_tx, c);
	if (err == 0 && !c->skipped) {
		err = es_platform__seal_build(c->p, &made, ES_KIND_OFFICIAL, 0, e->name, 42, 42, NULL, 0);
		c->store = true;
		if (err == 0)
			err = es_platform__tx(c->p, import_tx, c);
		if (err < 0)
			es_platform__seal_release(c->p, &made);
	}
	es_platform__made_seal_free(&made);
	c->made = NULL;
	if (err < 0) {
		c->res->line = line;
		return es_error_wrap(err, "line %u", line);
	}
	c->res->entities++;
	if (c->skipped)
		c->res->skipped++;
	else
		c->res->seals_made++;
	return 0;
}

int es_platform_registry_import(es_platform *p, const es_actor *who, const uint8_t *feed, size_t len, es_registry_result *res)
{
	int64_t actor = es_platform__enter(p, who);
	ES_ASSERT_ARG(p && feed && res);
	int err;
	memset(res, 0, sizeof(*res));
	if ((err = es_platform__authorize(p, actor, ES_ACT_REGISTRY, -1, NULL)) < 0)
		return err;
	import_ctx c = { .p = p, .actor = actor, .res = res };
	return es_registry_parse(feed, len, import_one, &c);
}

/* ---- public-security export: seal codes and impressions (R8) ------------------- */

/* An impression in the export: base64, line breaks allowed (es_unbase64, lenient). */
static int b64_decode(es_buf *out, const char *s, size_t len)
{
	int err = es_unbase64(out, s, len, true);
	return err == ES_EINVAL ? es_error_wrap(ES_EMALFORMED, "bad base64 in the impression") : err;
}

int es_psb_parse(const uint8_t *feed, size_t len, es_psb_fn fn, void *ctx)
{
	ES_ASSERT_ARG(feed && fn);
	json_error_t je;
	int err = 0;
	if (len > ES_PLAT_MAX_FEED)
		return es_error_set(ES_ELIMIT, "public-security export larger than %u bytes", ES_PLAT_MAX_FEED);
	json_t *root = json_loadb((const char *)feed, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return es_error_set(ES_EMALFORMED, "public-security export: JSON error at line %d: %s", je.line, je.text);
	if (!json_is_array(root) || json_array_size(root) > ES_PLAT_MAX_FEED_ROWS) {
		json_decref(root);
		return es_error_set(ES_EMALFORMED, "public-security export: expected a JSON array of seals");
	}
	for (size_t i = 0; i < json_array_size(root) && err == 0; i++) {
		json_t *o = json_array_get(root, i);
		es_psb_entry e;
		es_buf pic = ES_BUF_INIT;
		es_buf_init(&pic, ES_PLAT_MAX_IMPRESSION);
		memset(&e, 0, sizeof(e));
		const char *code = json_string_value(json_object_get(o, "seal_code"));
		const char *credit = json_string_value(json_object_get(o, "credit_code"));
		const char *name = json_string_value(json_object_get(o, "name"));
		const char *kind = json_string_value(json_object_get(o, "kind"));
		json_t *imp = json_object_get(o, "impression");
		if (!code || !credit || !name || (imp && !json_is_string(imp))) {
			err = es_error_set(ES_EMALFORMED, "public-security export: entry %zu needs seal_code, credit_code, name "
							  "(strings)", i + 1);
			break;
		}
		if ((err = set_field(e.seal_code, sizeof(e.seal_code), code, strlen(code), "seal code", (unsigned)i + 1)) < 0 ||
		    (err = set_field(e.credit_code, sizeof(e.credit_code), credit, strlen(credit), "credit code",
				     (unsigned)i + 1)) < 0 ||
		    (err = set_field(e.name, sizeof(e.name), name, strlen(name), "name", (unsigned)i + 1)) < 0 ||
		    (err = set_field(e.kind, sizeof(e.kind), kind ? kind : "official", strlen(kind ? kind : "official"), "kind",
				     (unsigned)i + 1)) < 0)
			break;
		if (imp && (err = b64_decode(&pic, json_string_value(imp), json_string_length(imp))) < 0) {
			es_buf_release(&pic);
			break;
		}
		e.impression = pic.ptr;
		e.impression_len = pic.len;
		err = fn(ctx, &e, (unsigned)i + 1);
		es_buf_release(&pic);
	}
	json_decref(root);
	return err;
}

typedef struct psb_ctx {
	es_platform *p;
	const es_psb_entry *e;
	unsigned imported, line;
	int64_t changes;
} psb_ctx;

static int psb_tx(es_platform *p, void *vctx)
{
	psb_ctx *c = vctx;
	const es_psb_entry *e = c->e;
	es_sval pv[6] = { ES_SV_S(e->seal_code), ES_SV_S(e->credit_code), ES_SV_S(e->name), ES_SV_S(e->kind),
			  ES_SV_B(e->impression, e->impression_len), ES_SV_I(es_platform__now(p)) };
	return es_store_exec(p->st,
			     "INSERT INTO psb_seals (seal_code, credit_code, name, kind, picture, imported_at) "
			     "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (seal_code) DO NOTHING",
			     pv, 6, NULL, NULL, &c->changes);
}

static int psb_one(void *vctx, const es_psb_entry *e, unsigned line)
{
	psb_ctx *c = vctx;
	int err;
	c->line = line;
	if ((err = es_esid_check(e->seal_code)) < 0)
		return es_error_wrap(err, "entry %u: seal code", line);
	if ((err = es_uscc_check_or_legacy(c->p, e->credit_code)) < 0 ||
	    (err = es_platform__check_text("name", e->name, ES_PLAT_MAX_NAME, true)) < 0)
		return es_error_wrap(err, "entry %u", line);
	if (es_seal_kind_from_name(e->kind) < 0)
		return es_error_set(ES_EINVAL, "entry %u: unknown seal kind '%s'", line, e->kind);
	if (e->impression && (e->impression_len < 8 || memcmp(e->impression, "\x89PNG", 4) != 0))
		return es_error_set(ES_EINVAL, "entry %u: the impression must be a PNG image", line);
	c->e = e;
	if ((err = es_platform__tx(c->p, psb_tx, c)) < 0)
		return es_error_wrap(err, "entry %u", line);
	c->imported += (unsigned)c->changes;
	return 0;
}

int es_platform_psb_import(es_platform *p, const es_actor *who, const uint8_t *feed, size_t len, unsigned *imported)
{
	int64_t actor = es_platform__enter(p, who);
	ES_ASSERT_ARG(p && feed);
	int err;
	if ((err = es_platform__authorize(p, actor, ES_ACT_REGISTRY, -1, NULL)) < 0)
		return err;
	psb_ctx c = { p, NULL, 0, 0, 0 };
	err = es_psb_parse(feed, len, psb_one, &c);
	if (imported)
		*imported = c.imported;
	return err;
}
