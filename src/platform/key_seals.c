/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The seals a registered system's API key may sign with (sign services, /svs/v1/): a system
 * administrator grants and withdraws each; a key with none signs with no seal. */
#include "es_int.h"
#include "platform_int.h"

typedef struct bind_ctx {
	int64_t actor, key;
	const char *esid;
	bool bind;
} bind_ctx;

static int bind_tx(es_platform *p, void *vctx)
{
	bind_ctx *c = vctx;
	int64_t n = 0, changes = 0;
	char detail[96];
	int err;
	if ((err = es_platform__authorize(p, c->actor, ES_ACT_ACCOUNT_ADD, -1, NULL)) < 0)
		return err;
	es_sval kv[1] = { ES_SV_I(c->key) };
	if ((err = es_store_int(p->st, &n, "SELECT COUNT(*) FROM api_keys WHERE id = ? AND revoked_at IS NULL", kv, 1)) < 0)
		return err;
	if (n == 0)
		return es_error_set(ES_ENOTFOUND, "no API key %lld in force", (long long)c->key);
	es_sval sv[1] = { ES_SV_S(c->esid) };
	if ((err = es_store_int(p->st, &n, "SELECT COUNT(*) FROM seals WHERE esid = ?", sv, 1)) < 0)
		return err;
	if (n == 0)
		return es_error_set(ES_ENOTFOUND, "no seal %s", c->esid);
	es_sval pv[4] = { ES_SV_I(c->key), ES_SV_S(c->esid), ES_SV_I(c->actor), ES_SV_I(es_platform__now(p)) };
	if (c->bind) {
		if ((err = es_store_int(p->st, &n, "SELECT COUNT(*) FROM api_key_seals WHERE key_id = ? AND esid = ?", pv, 2)) < 0)
			return err;
		if (n)
			return es_error_set(ES_EEXISTS, "API key %lld may already sign with seal %s", (long long)c->key, c->esid);
		err = es_store_exec(p->st, "INSERT INTO api_key_seals (key_id, esid, granted_by, granted_at) VALUES (?, ?, ?, ?)",
				    pv, 4, NULL, NULL, NULL);
	} else {
		err = es_store_exec(p->st, "DELETE FROM api_key_seals WHERE key_id = ? AND esid = ?", pv, 2, NULL, NULL, &changes);
		if (err == 0 && changes == 0)
			err = es_error_set(ES_ENOTFOUND, "API key %lld was not allowed seal %s", (long long)c->key, c->esid);
	}
	if (err < 0)
		return err;
	snprintf(detail, sizeof(detail), "API key %lld %s", (long long)c->key, c->bind ? "may sign" : "may no longer sign");
	return es_platform__audit(p, c->actor, c->bind ? "api-key-seal" : "api-key-seal-withdrawn", "seal", c->esid, detail,
				  NULL);
}

int es_platform_api_key_seal(es_platform *p, const es_actor *who, int64_t key_id, const char *esid, bool allow)
{
	int64_t actor = es_platform__enter(p, who);
	ES_ASSERT_ARG(p && esid);
	if (es_esid_check(esid) < 0)
		return es_error_set(ES_EINVAL, "a seal is named by its 14-digit esID");
	bind_ctx c = { actor, key_id, esid, allow };
	return es_platform__tx(p, bind_tx, &c);
}

int es_platform_api_key_may_use(es_platform *p, int64_t key_id, const char *esid)
{
	ES_ASSERT_ARG(p && esid);
	int64_t n = 0;
	es_sval pv[2] = { ES_SV_I(key_id), ES_SV_S(esid) };
	int err = es_store_int(p->st, &n, "SELECT COUNT(*) FROM api_key_seals WHERE key_id = ? AND esid = ?", pv, 2);
	if (err == 0 && n == 0)
		err = es_error_set(ES_EDENIED, "this API key may not sign with seal %s: a system administrator grants each "
					       "seal to a registered system",
				   esid);
	return err;
}
