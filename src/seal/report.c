/* SPDX-License-Identifier: AGPL-3.0-or-later */
#include "es_int.h"
#include "eseal/es_verify.h"
#include "estime.h"
#include <stdarg.h>
#include <jansson.h>

const char *es_result_name(es_result r)
{
	switch (r) {
	case ES_RESULT_PASS: return "pass";
	case ES_RESULT_FAIL: return "fail";
	case ES_RESULT_WARN: return "warn";
	case ES_RESULT_SKIP: return "skip";
	case ES_RESULT_INDETERMINATE: return "indeterminate";
	}
	return "unknown";
}

const char *es_verdict_name(es_verdict v)
{
	switch (v) {
	case ES_VERDICT_VALID: return "valid";
	case ES_VERDICT_INVALID: return "invalid";
	case ES_VERDICT_INDETERMINATE: return "indeterminate";
	}
	return "unknown";
}

const char *es_seal_status_name(es_seal_status s)
{
	switch (s) {
	case ES_STATUS_UNKNOWN: return "unknown";
	case ES_STATUS_ACTIVE: return "active";
	case ES_STATUS_SUSPENDED: return "suspended";
	case ES_STATUS_LOST: return "lost";
	case ES_STATUS_REVOKED: return "revoked";
	case ES_STATUS_EXPIRED: return "expired";
	}
	return "unknown";
}

void es_report_init(es_report *r)
{
	memset(r, 0, sizeof(*r));
	r->verdict = ES_VERDICT_INDETERMINATE;
}

void es_report_release(es_report *r)
{
	if (!r)
		return;
	es_free(r->sigs);
	r->sigs = NULL;
	r->nsigs = 0;
}

int es_report_add(es_report *r, es_sig_report **out)
{
	es_sig_report *n;
	if (r->nsigs >= 4096)
		return es_error_set(ES_ELIMIT, "report: more than 4096 signatures");
	n = es_realloc(r->sigs, (r->nsigs + 1) * sizeof(*n));
	if (!n)
		return es_error_set(ES_ENOMEM, "out of memory");
	r->sigs = n;
	memset(&n[r->nsigs], 0, sizeof(*n));
	*out = &n[r->nsigs++];
	return 0;
}

static void notice_drop(es_sig_report *s, const char *source)
{
	size_t o = 0;
	for (size_t i = 0; i < s->nnotices; i++)
		if (strcmp(s->notices[i].source, source) != 0)
			s->notices[o++] = s->notices[i];
	s->nnotices = o;
}

static es_notice *notice_new(es_sig_report *s, const char *source)
{
	es_notice *n;
	if (s->nnotices >= ES_REPORT_MAX_NOTICES)
		return NULL;
	n = &s->notices[s->nnotices++];
	snprintf(n->source, sizeof(n->source), "%s", source);
	n->text[0] = '\0';
	return n;
}

void es_sig_report_check(es_sig_report *s, const char *name, es_result result, bool indeterminate,
			 const char *fmt, ...)
{
	es_check *c = NULL;
	va_list ap;

	for (size_t i = 0; i < s->nchecks; i++)
		if (strcmp(s->checks[i].name, name) == 0)
			c = &s->checks[i];
	if (!c) {
		if (s->nchecks >= ES_REPORT_MAX_CHECKS)
			return;
		c = &s->checks[s->nchecks++];
		snprintf(c->name, sizeof(c->name), "%s", name);
	}
	/* a replaced check takes its old advisory with it */
	notice_drop(s, c->name);
	/* stored results are pass, fail, indeterminate or skip (docs/verify-report.md) */
	if (indeterminate && result != ES_RESULT_FAIL)
		result = ES_RESULT_INDETERMINATE;
	indeterminate = result == ES_RESULT_INDETERMINATE;
	c->indeterminate = indeterminate;
	va_start(ap, fmt);
	vsnprintf(c->reason, sizeof(c->reason), fmt, ap);
	va_end(ap);
	if (result == ES_RESULT_WARN) {
		es_notice *n = notice_new(s, c->name);
		result = ES_RESULT_PASS;
		if (n)
			snprintf(n->text, sizeof(n->text), "%s", c->reason);
	}
	c->result = result;
}

void es_sig_report_notice(es_sig_report *s, const char *fmt, ...)
{
	es_notice *n;
	va_list ap;
	char text[sizeof(n->text)];
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	for (size_t i = 0; i < s->nnotices; i++)
		if (strcmp(s->notices[i].text, text) == 0)
			return; /* once is enough */
	n = notice_new(s, "");
	if (n)
		memcpy(n->text, text, sizeof(text));
}

void es_sig_report_info(es_sig_report *s, const char *key, const char *fmt, ...)
{
	es_info *in = NULL;
	va_list ap;
	for (size_t i = 0; i < s->ninfo; i++)
		if (strcmp(s->info[i].key, key) == 0)
			in = &s->info[i];
	if (!in) {
		if (s->ninfo >= ES_REPORT_MAX_INFO)
			return;
		in = &s->info[s->ninfo++];
		snprintf(in->key, sizeof(in->key), "%s", key);
	}
	va_start(ap, fmt);
	vsnprintf(in->value, sizeof(in->value), fmt, ap);
	va_end(ap);
}

const es_check *es_sig_report_get(const es_sig_report *s, const char *name)
{
	for (size_t i = 0; i < s->nchecks; i++)
		if (strcmp(s->checks[i].name, name) == 0)
			return &s->checks[i];
	return NULL;
}

void es_report_finish(es_report *r)
{
	bool any_invalid = false, any_indet = false;
	for (size_t i = 0; i < r->nsigs; i++) {
		es_sig_report *s = &r->sigs[i];
		bool fail = false, indet = false;
		for (size_t k = 0; k < s->nchecks; k++) {
			fail |= s->checks[k].result == ES_RESULT_FAIL;
			indet |= s->checks[k].result == ES_RESULT_INDETERMINATE;
		}
		s->verdict = fail ? ES_VERDICT_INVALID : indet ? ES_VERDICT_INDETERMINATE : ES_VERDICT_VALID;
		any_invalid |= fail;
		any_indet |= !fail && indet;
	}
	if (r->nsigs == 0) {
		/* nothing to verify is not proof of anything */
		r->verdict = ES_VERDICT_INDETERMINATE;
		if (!r->reason[0])
			snprintf(r->reason, sizeof(r->reason), "no signature found: nothing to verify");
	} else
		r->verdict = any_invalid ? ES_VERDICT_INVALID
					 : any_indet ? ES_VERDICT_INDETERMINATE : ES_VERDICT_VALID;
}

static json_t *jtime(es_time t)
{
	char iso[32];
	if (t == 0)
		return json_null();
	es_time_iso(iso, t);
	return json_string(iso);
}

/* jansson refuses invalid UTF-8; vendor data may hold anything. */
static json_t *jstr(const char *s)
{
	json_t *v = json_string(s);
	if (v)
		return v;
	{
		char buf[1024];
		size_t n = 0;
		for (const unsigned char *p = (const unsigned char *)s; *p && n + 1 < sizeof(buf); p++)
			buf[n++] = *p < 0x80 ? (char)*p : '?';
		buf[n] = '\0';
		return json_string(buf);
	}
}

int es_report_json(es_buf *out, const es_report *r)
{
	json_t *root = json_object(), *sigs = json_array();
	char *text = NULL;
	int err = 0;

	json_object_set_new(root, "verdict", json_string(es_verdict_name(r->verdict)));
	json_object_set_new(root, "format", json_string(r->format));
	if (r->reason[0])
		json_object_set_new(root, "reason", jstr(r->reason));
	for (size_t i = 0; i < r->nsigs; i++) {
		const es_sig_report *s = &r->sigs[i];
		json_t *o = json_object(), *checks = json_array(), *q = json_array();
		json_object_set_new(o, "id", jstr(s->id));
		json_object_set_new(o, "type", jstr(s->type));
		json_object_set_new(o, "verdict", json_string(es_verdict_name(s->verdict)));
		for (size_t k = 0; k < s->nchecks; k++) {
			const es_check *c = &s->checks[k];
			json_array_append_new(checks, json_pack("{s:s,s:s,s:o}", "name", c->name, "result",
								es_result_name(c->result), "reason",
								jstr(c->reason)));
		}
		json_object_set_new(o, "checks", checks);
		if (s->seal_version) {
			json_t *seal = json_object();
			json_object_set_new(seal, "version", json_integer(s->seal_version));
			json_object_set_new(seal, "esid", jstr(s->esid));
			json_object_set_new(seal, "name", jstr(s->seal_name));
			json_object_set_new(seal, "type", json_integer((json_int_t)s->seal_type));
			json_object_set_new(seal, "vid", jstr(s->vid));
			json_object_set_new(seal, "valid_start", jtime(s->seal_valid_start));
			json_object_set_new(seal, "valid_end", jtime(s->seal_valid_end));
			json_object_set_new(seal, "maker", jstr(s->maker));
			json_object_set_new(o, "seal", seal);
		}
		json_object_set_new(o, "signer", s->signer[0] ? jstr(s->signer) : json_null());
		json_object_set_new(o, "signing_time", jtime(s->signing_time));
		json_object_set_new(o, "signing_time_source", json_string(s->signing_time_source));
		if (s->property_info[0])
			json_object_set_new(o, "property_info", jstr(s->property_info));
		for (unsigned b = 1; b; b <<= 1)
			if ((s->quirks & b) && es_quirk_name(b))
				json_array_append_new(q, json_string(es_quirk_name(b)));
		json_object_set_new(o, "quirks", q);
		{
			json_t *notes = json_array();
			for (size_t k = 0; k < s->nnotices; k++)
				json_array_append_new(notes, json_pack("{s:s,s:o}", "source", s->notices[k].source,
								       "text", jstr(s->notices[k].text)));
			json_object_set_new(o, "notices", notes);
		}
		if (s->ninfo) {
			json_t *info = json_object();
			for (size_t k = 0; k < s->ninfo; k++)
				json_object_set_new(info, s->info[k].key, jstr(s->info[k].value));
			json_object_set_new(o, "info", info);
		}
		json_array_append_new(sigs, o);
	}
	json_object_set_new(root, "signatures", sigs);
	text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (!text)
		return es_error_set(ES_ENOMEM, "report: cannot build JSON");
	err = es_buf_puts(out, text);
	free(text);
	return err;
}

int es_report_text(es_buf *out, const es_report *r)
{
	int err = 0;
	char t1[32], t2[32];
	err = es_buf_printf(out, "verdict: %s (%zu signature%s)%s%s\n", es_verdict_name(r->verdict), r->nsigs,
			    r->nsigs == 1 ? "" : "s", r->reason[0] ? ": " : "", r->reason);
	for (size_t i = 0; i < r->nsigs && err == 0; i++) {
		const es_sig_report *s = &r->sigs[i];
		err = es_buf_printf(out, "\n[%s] %s: %s\n", s->type, s->id, es_verdict_name(s->verdict));
		if (!err && s->seal_version) {
			es_time_iso(t1, s->seal_valid_start);
			es_time_iso(t2, s->seal_valid_end);
			err = es_buf_printf(out, "  seal: v%d esID %s \"%s\" type %llu, valid %s .. %s\n",
					    s->seal_version, s->esid, s->seal_name,
					    (unsigned long long)s->seal_type, t1, t2);
		}
		if (!err && s->signer[0])
			err = es_buf_printf(out, "  signer: %s\n", s->signer);
		if (!err && s->signing_time) {
			es_time_iso(t1, s->signing_time);
			err = es_buf_printf(out, "  signed at: %s (%s)\n", t1, s->signing_time_source);
		}
		for (size_t k = 0; k < s->ninfo && err == 0; k++)
			err = es_buf_printf(out, "  %s: %s\n", s->info[k].key, s->info[k].value);
		for (size_t k = 0; k < s->nchecks && err == 0; k++) {
			const es_check *c = &s->checks[k];
			err = es_buf_printf(out, "  %-4s %-15s %s\n", es_result_name(c->result), c->name,
					    c->reason);
		}
		for (size_t k = 0; k < s->nnotices && err == 0; k++)
			err = es_buf_printf(out, "  note %-15s %s\n", s->notices[k].source[0] ? s->notices[k].source : "-",
					    s->notices[k].text);
	}
	return err;
}
