/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The platform's public services: its anchors verify its own seals, the status
 * version follows every seal change, the CRL lists lost and revoked seals'
 * certificates, kept verifications live exactly their time, the TSA answers. */
#include "tp.h"
#include "tp.c.inc"
#include "text.h"
#include <jansson.h>
#include <openssl/x509.h>

static void t_trust_status_crl(void **state)
{
	(void)state;
	tp_env e;
	char esid[15];
	es_trust *t = NULL;
	es_buf der = ES_BUF_INIT, crl = ES_BUF_INIT, doc = ES_BUF_INIT;
	es_report r;
	int64_t v0, v1, v2, app;
	es_time tu = 0, nu = 0;
	tp_setup(&e);
	TU_OK(es_platform_status_version(e.p, &v0));
	tp_seal(&e, ES_KIND_OFFICIAL, 0, "福建省测试厅", 0, esid);
	TU_OK(es_platform_status_version(e.p, &v1));
	assert_true(v1 > v0);
	/* the platform's anchors make its seal's maker chain pass; without them it cannot */
	TU_OK(es_platform_trust_new(e.p, &t));
	TU_OK(es_platform_seal_der(e.p, esid, &der));
	es_verify_options vo = ES_VERIFY_OPTIONS_INIT;
	vo.trust = t;
	vo.status = es_platform_status_fn;
	vo.status_payload = e.p;
	es_report_init(&r);
	TU_OK(es_verify_der(&r, der.ptr, der.len, &vo));
	es_report_finish(&r);
	assert_int_equal(es_sig_report_get(&r.sigs[0], "maker-chain")->result, ES_RESULT_PASS);
	assert_int_equal(es_sig_report_get(&r.sigs[0], "seal-status")->result, ES_RESULT_PASS);
	es_report_release(&r);
	/* a fresh CRL lists nothing; after a loss report it lists the seal's certificate */
	TU_OK(es_platform_crl(e.p, &crl, &tu, &nu));
	assert_true(nu > tu && tu > 0);
	const unsigned char *p = crl.ptr;
	X509_CRL *x = d2i_X509_CRL(NULL, &p, (long)crl.len);
	assert_non_null(x);
	assert_null(X509_CRL_get_REVOKED(x)); /* no revokedCertificates at all */
	X509_CRL_free(x);
	es_app_form f = tp_form(&e, ES_BIZ_LOSS, esid);
	f.reason = "丢失";
	TU_OK(es_platform_app_create(e.p, e.applicant, &f, &app));
	TU_OK(es_platform_app_submit(e.p, e.applicant, app));
	TU_OK(es_platform_status_version(e.p, &v2));
	assert_true(v2 > v1);
	crl.len = 0;
	TU_OK(es_platform_crl(e.p, &crl, NULL, NULL));
	p = crl.ptr;
	x = d2i_X509_CRL(NULL, &p, (long)crl.len);
	assert_non_null(x);
	assert_int_equal(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(x)), 1);
	X509_CRL_free(x);
	/* the CRL is the root's: a trust store with the root believes it */
	TU_OK(es_trust_add_crl(t, crl.ptr, crl.len));
	/* the trust document holds the three certificates and this CRL */
	TU_OK(es_platform_trust_json(e.p, &doc));
	json_t *j = json_loadb((const char *)doc.ptr, doc.len, 0, NULL);
	assert_non_null(j);
	assert_int_equal(json_array_size(json_object_get(j, "certificates")), 3);
	assert_non_null(json_object_get(json_object_get(j, "crl"), "der"));
	json_decref(j);
	es_trust_free(t);
	es_buf_release(&der);
	es_buf_release(&crl);
	es_buf_release(&doc);
	tp_teardown(&e);
}

static void t_keep(void **state)
{
	(void)state;
	tp_env e;
	char esid[15], id[ES_VERIFICATION_ID_LEN], id2[ES_VERIFICATION_ID_LEN];
	es_buf der = ES_BUF_INIT, out = ES_BUF_INIT;
	es_report r;
	tp_setup(&e);
	tp_seal(&e, ES_KIND_OFFICIAL, 0, "福建省测试厅", 0, esid);
	TU_OK(es_platform_seal_der(e.p, esid, &der));
	es_verify_options vo = ES_VERIFY_OPTIONS_INIT;
	es_report_init(&r);
	TU_OK(es_verify_der(&r, der.ptr, der.len, &vo));
	es_report_finish(&r);
	assert_int_equal(es_platform_verification_keep(e.p, &r, der.ptr, der.len, NULL, 0, 0, id), ES_EINVAL);
	TU_OK(es_platform_verification_keep(e.p, &r, der.ptr, der.len, (const uint8_t *)"o", 1, 3600, id));
	TU_OK(es_platform_verification_keep(e.p, &r, der.ptr, der.len, NULL, 0, 2 * 86400, id2));
	assert_int_equal(strlen(id), 32);
	assert_string_not_equal(id, id2);
	TU_OK(es_platform_verification_get(e.p, id, &out));
	json_t *j = json_loadb((const char *)out.ptr, out.len, 0, NULL);
	assert_non_null(j);
	uint8_t h[32];
	char hex[65];
	TU_OK(es_sm3(h, der.ptr, der.len));
	es_hex(hex, h, sizeof(h));
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "document"), "sm3")), hex);
	TU_OK(es_sm3(h, "o", 1));
	es_hex(hex, h, sizeof(h));
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "document"), "original_sm3")), hex);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "document"), "size")), (json_int_t)der.len);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "report"), "verdict")),
			    es_verdict_name(r.verdict));
	assert_string_equal(json_string_value(json_object_get(j, "id")), id);
	json_decref(j);
	/* an hour and a second later the first is gone, the second still there */
	es_time t0;
	char later[32];
	TU_OK(es_time_parse(&t0, TP_T0));
	es_time_iso(later, t0 + 3601);
	tp_now(later);
	out.len = 0;
	assert_int_equal(es_platform_verification_get(e.p, id, &out), ES_ENOTFOUND);
	TU_OK(es_platform_verification_get(e.p, id2, &out));
	/* ids that cannot be: not found, never an error of the store */
	assert_int_equal(es_platform_verification_get(e.p, "x'; DROP TABLE verifications; --", &out), ES_ENOTFOUND);
	assert_int_equal(es_platform_verification_get(e.p, "0123456789ABCDEF0123456789ABCDEF", &out), ES_ENOTFOUND);
	assert_int_equal(es_platform_verification_get(e.p, "", &out), ES_ENOTFOUND);
	/* keeping another deletes what expired */
	TU_OK(es_platform_verification_keep(e.p, &r, der.ptr, der.len, NULL, 0, 60, id));
	es_store *st = NULL;
	int64_t n = -1;
	TU_OK(es_store_open(&st, e.store));
	TU_OK(es_store_int(st, &n, "SELECT COUNT(*) FROM verifications", NULL, 0));
	assert_int_equal(n, 2);
	es_store_close(st);
	es_report_release(&r);
	es_buf_release(&der);
	es_buf_release(&out);
	tp_teardown(&e);
}

static int status_at(es_status_info *out, const char *esid, es_time at, void *payload)
{
	return es_platform_seal_status_at(payload, esid, at, out);
}

/* A signature made while the seal was suspended is void, though the seal is active again now. */
static void t_status_at_signing_time(void **state)
{
	(void)state;
	tp_env e;
	char esid[15];
	uint8_t h[32];
	int64_t appr, req;
	es_buf sig = ES_BUF_INIT;
	es_trust *t = NULL;
	es_report r;
	tp_setup(&e);
	TU_OK(es_platform_account_add(e.p, e.admin, "approver", ES_ROLE_USE_APPROVER, 0, NULL, &appr));
	tp_seal(&e, ES_KIND_OFFICIAL, 0, "福建省测试厅", 0, esid);
	tp_now_days(2);
	TU_OK(es_sm3(h, "合同", strlen("合同")));
	TU_OK(es_platform_use_request(e.p, e.applicant, esid, h, "合同", &req));
	TU_OK(es_platform_use_decide(e.p, tp_actor(&e, "approver"), req, true, NULL));
	TU_OK(es_platform_seal_sign(e.p, e.applicant, esid, h, req, NULL, &sig));
	TU_OK(es_platform_trust_new(e.p, &t));
	es_verify_options vo = ES_VERIFY_OPTIONS_INIT;
	vo.trust = t;
	vo.original = (const uint8_t *)"合同";
	vo.original_len = strlen("合同");
	vo.has_original = true;
	vo.status = es_platform_status_fn;
	vo.status_at = status_at;
	vo.status_payload = e.p;
	es_report_init(&r);
	TU_OK(es_verify_der(&r, sig.ptr, sig.len, &vo));
	es_report_finish(&r);
	assert_int_equal(r.verdict, ES_VERDICT_VALID);
	es_report_release(&r);
	/* the history says: suspended from day 1 to day 3 (the signature is of day 2) */
	es_store *st = NULL;
	es_time t0;
	TU_OK(es_time_parse(&t0, TP_T0));
	TU_OK(es_store_open(&st, e.store));
	es_sval a[3] = { ES_SV_S(esid), ES_SV_I(t0 + TP_DAY), ES_SV_I(900001) };
	TU_OK(es_store_exec(st, "INSERT INTO transitions (id, object, object_id, from_state, to_state, reason, at) "
				"VALUES (?, 'seal', ?, 'active', 'suspended', 'test', ?)",
			    (es_sval[]){ a[2], a[0], a[1] }, 3, NULL, NULL, NULL));
	es_sval b[3] = { ES_SV_I(900002), ES_SV_S(esid), ES_SV_I(t0 + 3 * TP_DAY) };
	TU_OK(es_store_exec(st, "INSERT INTO transitions (id, object, object_id, from_state, to_state, reason, at) "
				"VALUES (?, 'seal', ?, 'suspended', 'active', 'test', ?)",
			    b, 3, NULL, NULL, NULL));
	es_store_close(st);
	es_report_init(&r);
	TU_OK(es_verify_der(&r, sig.ptr, sig.len, &vo));
	es_report_finish(&r);
	assert_int_equal(r.verdict, ES_VERDICT_INVALID);
	const es_check *c = es_sig_report_get(&r.sigs[0], "seal-status");
	assert_int_equal(c->result, ES_RESULT_FAIL);
	assert_non_null(strstr(c->reason, "at the signing time"));
	es_report_release(&r);
	/* without the history, only the present state: active, so valid (what the hook adds) */
	vo.status_at = NULL;
	es_report_init(&r);
	TU_OK(es_verify_der(&r, sig.ptr, sig.len, &vo));
	es_report_finish(&r);
	assert_int_equal(r.verdict, ES_VERDICT_VALID);
	es_report_release(&r);
	es_trust_free(t);
	es_buf_release(&sig);
	tp_teardown(&e);
}

static void t_tsa(void **state)
{
	(void)state;
	tp_env e;
	es_buf resp = ES_BUF_INIT;
	es_tsp_result r;
	tp_setup(&e);
	TU_OK(es_platform_tsa_respond(e.p, (const uint8_t *)"not a request", 13, &resp, &r));
	assert_false(r.granted);
	assert_true(resp.len > 10);
	es_buf_release(&resp);
	tp_teardown(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_trust_status_crl),
		cmocka_unit_test(t_keep),
		cmocka_unit_test(t_status_at_signing_time),
		cmocka_unit_test(t_tsa),
	};
	return tp_main(tests, ES_ARRAY_LEN(tests), "platform-public");
}
