/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * One test per class of refusal (issue 13, "Errors a server can map"): each asserts the
 * exact code, so a refusal recoded by mistake (a wrong PIN as ES_EDENIED, a wrong state
 * as a role refusal) fails here. The HTTP status of each class: tests/unit/server.
 */
#include "tp.h"
#include "eseal/es_read.h"
#include "platform/platform_int.h"
#include "tp.c.inc"

/* ES_EAUTH: not authenticated — a wrong password, API key or PIN. */
static void t_eauth(void **state)
{
	(void)state;
	tp_env e;
	char esid[15], otp[ES_OTP_LEN + 1];
	es_actor *a = NULL;
	tp_setup(&e);
	/* an API key that was never issued */
	es_credential k = { .kind = ES_AUTH_API_KEY,
			    .api_key = "esk_1_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" };
	TP_CODE(es_platform_authenticate(e.p, &k, &a), ES_EAUTH);
	assert_null(a);
	/* a wrong password */
	TU_OK(es_platform_account_otp(e.p, e.admin, "maker", otp));
	es_credential pw = { .kind = ES_AUTH_PASSWORD, .login = "maker", .password = "Not-the-Otp-2026" };
	TP_CODE(es_platform_authenticate(e.p, &pw, &a), ES_EAUTH);
	assert_null(a);
	/* a wrong PIN of a software token, at a check and at a signature */
	tp_seal(&e, ES_KIND_OFFICIAL, 0, "福建省测试厅", 0, esid);
	TU_OK(es_platform_token_init(e.p, e.unit_admin, esid, "u-pin-1234", "a-pin-5678"));
	TP_CODE(es_platform_token_check(e.p, e.applicant, esid, "wrong-pin"), ES_EAUTH);
	assert_null(strstr(es_error_last()->message, "wrong-pin"));
	{
		uint8_t h[32];
		int64_t req;
		es_buf sig = ES_BUF_INIT;
		es_actor *appr = tp_approver(&e);
		TU_OK(es_sm3(h, (const uint8_t *)"合同", strlen("合同")));
		TU_OK(es_platform_use_request(e.p, e.applicant, esid, h, "合同", &req));
		TU_OK(es_platform_use_decide(e.p, appr, req, true, NULL));
		TP_CODE(es_platform_seal_sign(e.p, e.applicant, esid, h, req, "wrong-pin", &sig), ES_EAUTH);
		assert_int_equal(sig.len, 0);
		es_buf_release(&sig);
	}
	tp_teardown(&e);
}

/* ES_EDENIED: the actor is known, and a role or a unit rule says no. */
static void t_edenied(void **state)
{
	(void)state;
	tp_env e;
	char esid[15];
	int64_t id;
	tp_setup(&e);
	TP_CODE(es_platform_region_add(e.p, e.applicant, "350200", "厦门市"), ES_EDENIED);
	es_unit_info u = { "某单位", TP_CODE_CITY, "350000", 0, NULL };
	TP_CODE(es_platform_unit_add(e.p, e.applicant, &u, &id), ES_EDENIED);
	tp_seal(&e, ES_KIND_OFFICIAL, 0, "福建省测试厅", 0, esid);
	/* another unit's seal */
	TP_CODE(es_platform_seal_use(e.p, e.applicant_other, esid), ES_EDENIED);
	/* an auditor changes nothing */
	TP_CODE(es_platform_seal_use(e.p, e.auditor, esid), ES_EDENIED);
	/* a kind the actor never reads */
	es_buf js = ES_BUF_INIT;
	TP_CODE(es_platform_list(e.p, e.applicant, ES_REC_AUDIT, NULL, &js), ES_EDENIED);
	TP_CODE(es_platform_list(e.p, e.applicant, ES_REC_API_KEY, NULL, &js), ES_EDENIED);
	es_buf_release(&js);
	tp_teardown(&e);
}

/* ES_ENOTFOUND: no such record (or none the actor may read, worded alike). */
static void t_enotfound(void **state)
{
	(void)state;
	tp_env e;
	char esid[15];
	int64_t id;
	es_buf js = ES_BUF_INIT;
	tp_setup(&e);
	TP_CODE(es_platform_app_submit(e.p, e.applicant, 987654), ES_ENOTFOUND);
	TP_CODE(es_platform_seal_use(e.p, e.applicant, "35000099999999"), ES_ENOTFOUND);
	/* a region or a superior unit that is not registered */
	es_unit_info u = { "某单位", TP_CODE_CITY, "370000", 0, NULL };
	TP_CODE(es_platform_unit_add(e.p, e.admin, &u, &id), ES_ENOTFOUND);
	es_unit_info s = { "某单位", TP_CODE_CITY, "350000", 424242, NULL };
	TP_CODE(es_platform_unit_add(e.p, e.admin, &s, &id), ES_ENOTFOUND);
	TP_CODE(es_platform_region_add(e.p, e.admin, "360100", "南昌市"), ES_ENOTFOUND); /* no 360000 */
	/* a record outside the actor's view reads as missing */
	tp_seal(&e, ES_KIND_OFFICIAL, 0, "福建省测试厅", 0, esid);
	TP_CODE(es_platform_get(e.p, e.applicant_other, ES_REC_SEAL, esid, &js), ES_ENOTFOUND);
	TP_CODE(es_platform_api_key_revoke(e.p, e.admin, 999999), ES_ENOTFOUND);
	es_buf_release(&js);
	tp_teardown(&e);
}

/* ES_ESTATE: the object is in the wrong state for this action. */
static void t_estate(void **state)
{
	(void)state;
	tp_env e;
	char esid[15], other[15];
	int64_t app;
	tp_setup(&e);
	es_app_form f = tp_form(&e, ES_BIZ_APPLY, NULL);
	TU_OK(es_platform_app_create(e.p, e.applicant, &f, &app));
	TP_CODE(es_platform_app_check(e.p, e.maker, app), ES_ESTATE); /* a draft */
	tp_process(&e, app, esid);
	/* made, not yet confirmed: cannot be used */
	TP_CODE(es_platform_seal_use(e.p, e.applicant, esid), ES_ESTATE);
	TU_OK(es_platform_seal_confirm(e.p, e.applicant, esid));
	TP_CODE(es_platform_seal_confirm(e.p, e.applicant, esid), ES_ESTATE); /* twice */
	/* reissue without a loss report; re-enable a seal that is not suspended */
	f = tp_form(&e, ES_BIZ_REISSUE, esid);
	TP_CODE(es_platform_app_create(e.p, e.applicant, &f, &app), ES_ESTATE);
	f = tp_form(&e, ES_BIZ_REENABLE, esid);
	TP_CODE(es_platform_app_create(e.p, e.applicant, &f, &app), ES_ESTATE);
	/* a PIN reset without a PIN-unlock application; a software token locked by wrong PINs */
	tp_seal(&e, ES_KIND_OFFICIAL, 0, "福建省测试厅", 0, other);
	TU_OK(es_platform_token_init(e.p, e.unit_admin, other, "u-pin-1234", "a-pin-5678"));
	TP_CODE(es_platform_token_reset(e.p, e.unit_admin, other, "a-pin-5678", "u-pin-9999"), ES_ESTATE);
	TP_CODE(es_platform_token_init(e.p, e.unit_admin, other, "u-pin-1234", "a-pin-5678"), ES_ESTATE); /* held already */
	for (int i = 0; i < ES_PIN_TRIES; i++)
		TP_CODE(es_platform_token_check(e.p, e.applicant, other, "wrong-pin"), ES_EAUTH);
	TP_CODE(es_platform_token_check(e.p, e.applicant, other, "u-pin-1234"), ES_ESTATE);
	assert_non_null(strstr(es_error_last()->message, "PIN-unlock"));
	tp_teardown(&e);
}

/* ES_ECONFLICT: a compare-and-set lost to another writer (reload and retry). */
static void t_econflict(void **state)
{
	(void)state;
	tp_env e;
	int64_t app;
	char id[24];
	tp_setup(&e);
	es_app_form f = tp_form(&e, ES_BIZ_APPLY, NULL);
	TU_OK(es_platform_app_create(e.p, e.applicant, &f, &app));
	snprintf(id, sizeof(id), "%lld", (long long)app);
	/* the one place every state change goes through, after another writer moved the record on */
	TU_OK(es_store_begin(e.p->st));
	TP_CODE(es_platform__transition(e.p, "application", id, "submitted", "checked", e.maker_id, NULL, NULL),
		ES_ECONFLICT);
	es_store_rollback(e.p->st);
	/* the same through the public calls: two handles race for one use request (documents.c, t_race) */
	tp_teardown(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_eauth),    cmocka_unit_test(t_edenied),  cmocka_unit_test(t_enotfound),
		cmocka_unit_test(t_estate),   cmocka_unit_test(t_econflict),
	};
	return tp_main(tests, ES_ARRAY_LEN(tests), "platform-errors");
}
