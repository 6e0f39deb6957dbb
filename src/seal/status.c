/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * A seal maker's signed status list (R5), judged like a CRL:
 *
 *   {"version": 1, "issuer": "<maker certificate subject>",
 *    "generated": "...Z", "next_update": "...Z",
 *    "seals": [{"esid", "status", "since", "reason"}, ...]}
 *
 * with a detached SM2 signature over the exact JSON bytes. The list is
 * believed only for seals of the maker that signed it (the seal's own
 * maker certificate verifies the signature and its subject is the list's
 * issuer); a seal of that maker that is not listed is active; a list past
 * its next update is stale. Nothing here trusts the file by itself: the
 * decision is made per seal in the verifier (verify.c, seal-status).
 */
#include "es_int.h"
#include "seal/verify_int.h"
#include "estime.h"
#include "text.h"
#include <jansson.h>

struct es_status_list {
	json_t *root;
	uint8_t *json;
	size_t len;
	uint8_t *sig;
	size_t siglen;
	char issuer[512];
	es_time generated, next_update;
};

int es_status_list_parse(es_status_list **out, const uint8_t *json, size_t len, const uint8_t *sig, size_t siglen)
{
	es_status_list *l;
	json_error_t je;
	const char *s;
	int err = 0;

	ES_ASSERT_ARG(out && json);
	*out = NULL;
	if (len > ES_STATUS_LIST_MAX)
		return es_error_set(ES_ELIMIT, "status list of %zu bytes exceeds the limit of %zu", len,
				    (size_t)ES_STATUS_LIST_MAX);
	if (!(l = es_calloc(1, sizeof(*l))))
		return es_error_set(ES_ENOMEM, "out of memory");
	l->root = json_loadb((const char *)json, len, JSON_REJECT_DUPLICATES, &je);
	if (!l->root || !json_is_object(l->root)) {
		err = es_error_set(ES_EMALFORMED, "status list: not a JSON object (line %d: %s)", je.line,
				   l->root ? "not an object" : je.text);
		goto done;
	}
	if (!json_is_array(json_object_get(l->root, "seals"))) {
		err = es_error_set(ES_EMALFORMED, "status list: no \"seals\" array");
		goto done;
	}
	s = json_string_value(json_object_get(l->root, "issuer"));
	snprintf(l->issuer, sizeof(l->issuer), "%s", s ? s : "");
	s = json_string_value(json_object_get(l->root, "generated"));
	if (s && es_time_parse(&l->generated, s) != 0)
		l->generated = 0;
	s = json_string_value(json_object_get(l->root, "next_update"));
	if (s && es_time_parse(&l->next_update, s) != 0)
		l->next_update = 0;
	if (!(l->json = es_malloc(len + 1)) || (siglen && !(l->sig = es_malloc(siglen)))) {
		err = es_error_set(ES_ENOMEM, "out of memory");
		goto done;
	}
	memcpy(l->json, json, len);
	l->len = len;
	if (siglen) {
		memcpy(l->sig, sig, siglen);
		l->siglen = siglen;
	}
	*out = l;
	l = NULL;
done:
	es_status_list_free(l);
	return err;
}

void es_status_list_free(es_status_list *l)
{
	if (!l)
		return;
	json_decref(l->root);
	es_free(l->json);
	es_free(l->sig);
	es_free(l);
}

const char *es_status_list_issuer(const es_status_list *l)
{
	return l->issuer;
}

es_time es_status_list_generated(const es_status_list *l)
{
	return l->generated;
}

es_time es_status_list_next_update(const es_status_list *l)
{
	return l->next_update;
}

int es_status_list__accept(const es_status_list *l, const es_cert *maker, char *why, size_t cap)
{
	es_buf subj = ES_BUF_INIT;
	const es_sm2_key *pub = NULL;
	int rc = -1;

	if (es_cert_subject(&subj, maker) < 0 || !subj.ptr) {
		snprintf(why, cap, "the seal's maker certificate has no readable subject");
		goto done;
	}
	if (strcmp(l->issuer, (const char *)subj.ptr) != 0) {
		snprintf(why, cap, "the status list is issued by '%s', not by this seal's maker '%s': it says nothing about this seal",
			 l->issuer[0] ? l->issuer : "(no issuer)", (const char *)subj.ptr);
		goto done;
	}
	if (!l->siglen) {
		snprintf(why, cap, "the status list carries no signature, so it cannot be told from an edited copy");
		goto done;
	}
	if (es_cert_pubkey(&pub, maker) < 0 || es_sm2_verify(pub, NULL, 0, l->json, l->len, l->sig, l->siglen) != 0) {
		snprintf(why, cap,
			 "the status list's signature does not verify with the maker certificate: the list was altered or is not the maker's");
		goto done;
	}
	if (l->generated && (l->generated < es_cert_not_before(maker) || l->generated > es_cert_not_after(maker))) {
		char g[32];
		es_time_iso(g, l->generated);
		snprintf(why, cap, "the status list was generated %s, outside the maker certificate's validity", g);
		goto done;
	}
	rc = 0;
done:
	es_buf_release(&subj);
	es_error_clear();
	return rc;
}

void es_status_list__lookup(const es_status_list *l, const char *esid, es_status_info *out, bool *listed)
{
	json_t *e;
	size_t i;
	memset(out, 0, sizeof(*out));
	*listed = false;
	json_array_foreach(json_object_get(l->root, "seals"), i, e) {
		const char *id = json_string_value(json_object_get(e, "esid"));
		const char *st = json_string_value(json_object_get(e, "status"));
		const char *since = json_string_value(json_object_get(e, "since"));
		const char *reason = json_string_value(json_object_get(e, "reason"));
		if (!id || strcmp(id, esid) != 0)
			continue;
		*listed = true;
		out->status = ES_STATUS_UNKNOWN;
		for (int s = ES_STATUS_ACTIVE; st && s <= ES_STATUS_EXPIRED; s++)
			if (strcmp(st, es_seal_status_name((es_seal_status)s)) == 0)
				out->status = (es_seal_status)s;
		if (!since || es_time_parse(&out->since, since) != 0)
			out->since = 0;
		es_text_copy(out->reason, sizeof(out->reason), reason ? reason : "");
		return;
	}
	/* CRL semantics: a seal of this maker that the list does not name is active */
	out->status = ES_STATUS_ACTIVE;
}
