/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The read side (es_read.h): visibility per role, filters, paging stable under
 * inserts, masked personal data, whole applications, on both backends. */
#include "tp.h"
#include "eseal/es_auth.h"
#include "eseal/es_read.h"
#include <jansson.h>
#include "tp.c.inc"

/* Sign in as @p login with a password of its own (one-time password, change, sign-in). */
static es_actor *actor(tp_env *e, const char *login)
{
	char otp[ES_OTP_LEN + 1];
	es_actor *a = NULL;
	TU_OK(es_platform_account_otp(e->p, e->admin, login, otp));
	TU_OK(es_platform_password_change(e->p, login, otp, "Read-Side-Test-1"));
	es_credential c = { .kind = ES_AUTH_PASSWORD, .login = login, .password = "Read-Side-Test-1" };
	TU_OK(es_platform_authenticate(e->p, &c, &a));
	return a;
}

static json_t *list(tp_env *e, const es_actor *a, es_record_kind k, const es_list_query *q)
{
	es_buf b = ES_BUF_INIT;
	TU_OK(es_platform_list(e->p, a, k, q, &b));
	json_error_t je;
	json_t *j = json_loadb((const char *)b.ptr, b.len, 0, &je);
	es_buf_release(&b);
	assert_non_null(j);
	return j;
}

static size_t count(tp_env *e, const es_actor *a, es_record_kind k, const es_list_query *q)
{
	json_t *j = list(e, a, k, q);
	size_t n = json_array_size(json_object_get(j, "items"));
	assert_true(json_is_null(json_object_get(j, "next")));
	json_decref(j);
	return n;
}

static json_t *get(tp_env *e, const es_actor *a, es_record_kind k, const char *id)
{
	es_buf b = ES_BUF_INIT;
	TU_OK(es_platform_get(e->p, a, k, id, &b));
	json_t *j = json_loadb((const char *)b.ptr, b.len, 0, NULL);
	es_buf_release(&b);
	assert_non_null(j);
	return j;
}

static const char *str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : "(none)";
}

static void t_visibility(void **state)
{
	(void)state;
	tp_env e;
	char esid[15], id[24];
	int64_t app;
	es_buf b = ES_BUF_INIT;
	tp_setup(&e);
	tp_seal(&e, ES_KIND_OFFICIAL, 0, "福建省测试厅", 0, esid);
	es_app_form f = tp_form(&e, ES_BIZ_APPLY, NULL);
	f.kind = ES_KIND_SPECIAL;
	f.function = ES_FUNC_CONTRACT;
	f.seal_name = "福建省测试厅合同专用章";
	TU_OK(es_platform_app_create(e.p, e.applicant, &f, &app));
	TU_OK(es_platform_app_attach(e.p, e.applicant, app, "letter", "申请函.pdf", (const uint8_t *)"%PDF-1.7", 8));
	es_actor *applicant = actor(&e, "applicant"), *other = actor(&e, "applicant-other"), *maker = actor(&e, "maker"),
		 *county = actor(&e, "county-maker"), *auditor = actor(&e, "auditor"), *admin = actor(&e, "admin"),
		 *reviewer = actor(&e, "reviewer");
	es_list_query q = ES_LIST_QUERY_INIT;

	/* applications: the unit, the office's area, everything */
	assert_int_equal(count(&e, applicant, ES_REC_APPLICATION, &q), 2);
	assert_int_equal(count(&e, other, ES_REC_APPLICATION, &q), 0);
	assert_int_equal(count(&e, maker, ES_REC_APPLICATION, &q), 2);
	assert_int_equal(count(&e, county, ES_REC_APPLICATION, &q), 0);
	assert_int_equal(count(&e, auditor, ES_REC_APPLICATION, &q), 2);
	q.state = "draft";
	assert_int_equal(count(&e, maker, ES_REC_APPLICATION, &q), 1);
	q.state = NULL;
	q.unit = e.unit_other;
	assert_int_equal(count(&e, maker, ES_REC_APPLICATION, &q), 0);
	q.unit = 0;

	/* seals likewise */
	assert_int_equal(count(&e, applicant, ES_REC_SEAL, &q), 1);
	assert_int_equal(count(&e, other, ES_REC_SEAL, &q), 0);
	json_t *s = get(&e, applicant, ES_REC_SEAL, esid);
	assert_string_equal(str(s, "state"), "active");
	assert_string_equal(str(s, "unit_name"), "福建省测试厅");
	json_decref(s);
	assert_int_equal(es_platform_get(e.p, other, ES_REC_SEAL, esid, &b), ES_ENOTFOUND);
	assert_int_equal(es_platform_get(e.p, applicant, ES_REC_SEAL, "99999999999999", &b), ES_ENOTFOUND);
	assert_int_equal(es_platform_get(e.p, applicant, ES_REC_SEAL, "1 OR 1=1", &b), ES_ENOTFOUND);

	/* the whole application, with its letter and history; personal data masked but for PII readers */
	snprintf(id, sizeof(id), "%lld", (long long)app);
	int64_t denials = tp_count(&e, "SELECT COUNT(*) FROM audit_log WHERE event = 'denied'");
	json_t *a1 = get(&e, applicant, ES_REC_APPLICATION, id);
	/* asking whether a reader sees personal data is not a refusal: nothing audited, nothing written */
	assert_int_equal(tp_count(&e, "SELECT COUNT(*) FROM audit_log WHERE event = 'denied'"), denials);
	assert_string_equal(str(a1, "handler_mobile"), "138****0000");
	assert_null(strstr(str(a1, "handler_id"), "350102199002020021"));
	assert_int_equal(json_array_size(json_object_get(a1, "attachments")), 1);
	assert_string_equal(str(json_array_get(json_object_get(a1, "attachments"), 0), "name"), "申请函.pdf");
	assert_int_equal(json_array_size(json_object_get(a1, "history")), 1);
	json_decref(a1);
	json_t *a2 = get(&e, maker, ES_REC_APPLICATION, id);
	assert_string_equal(str(a2, "handler_mobile"), "13800000000");
	assert_string_equal(str(a2, "handler_id"), TP_RID2);
	json_decref(a2);
	assert_int_equal(es_platform_get(e.p, other, ES_REC_APPLICATION, id, &b), ES_ENOTFOUND);
	/* attachment bytes and the impression follow the application's visibility */
	char name[64], kind[32];
	json_t *att = get(&e, maker, ES_REC_APPLICATION, id);
	int64_t att_id = json_integer_value(json_object_get(json_array_get(json_object_get(att, "attachments"), 0), "id"));
	json_decref(att);
	b.len = 0;
	TU_OK(es_platform_attachment_get(e.p, reviewer, att_id, &b, name, sizeof(name), kind, sizeof(kind)));
	assert_int_equal(b.len, 8);
	assert_string_equal(name, "申请函.pdf");
	assert_string_equal(kind, "letter");
	assert_int_equal(es_platform_attachment_get(e.p, other, att_id, &b, NULL, 0, NULL, 0), ES_ENOTFOUND);
	b.len = 0;
	char type[16];
	TU_OK(es_platform_app_impression(e.p, applicant, app, &b, type, sizeof(type)));
	assert_true(b.len > 100 && memcmp(b.ptr, "\x89PNG", 4) == 0);
	assert_string_equal(type, "PNG-preview");
	assert_int_equal(es_platform_app_impression(e.p, other, app, &b, type, sizeof(type)), ES_ENOTFOUND);

	/* people: the unit's own; resident IDs clear only for PII readers */
	json_t *pl = list(&e, applicant, ES_REC_PERSON, &q);
	json_t *p0 = json_array_get(json_object_get(pl, "items"), 0);
	assert_string_equal(str(p0, "mobile"), "139****5678");
	assert_null(strstr(str(p0, "resident_id"), TP_RID1));
	json_decref(pl);
	pl = list(&e, maker, ES_REC_PERSON, &q);
	assert_string_equal(str(json_array_get(json_object_get(pl, "items"), 0), "resident_id"), TP_RID1);
	json_decref(pl);
	assert_int_equal(count(&e, other, ES_REC_PERSON, &q), 0);

	/* accounts: administrators see all, others themselves */
	assert_int_equal(count(&e, applicant, ES_REC_ACCOUNT, &q), 1);
	assert_true(count(&e, admin, ES_REC_ACCOUNT, &q) >= 12);
	/* audit and outbox: auditors and administrators only */
	TP_DENIED(es_platform_list(e.p, applicant, ES_REC_AUDIT, &q, &b));
	TP_DENIED(es_platform_list(e.p, maker, ES_REC_OUTBOX, &q, &b));
	q.object = "seal";
	q.limit = 500;
	json_t *al = list(&e, auditor, ES_REC_AUDIT, &q);
	assert_true(json_array_size(json_object_get(al, "items")) > 0);
	json_decref(al);
	q.object = NULL;
	q.limit = 0;
	/* regions are everyone's */
	assert_int_equal(count(&e, other, ES_REC_REGION, &q), 3);

	es_actor *all[] = { applicant, other, maker, county, auditor, admin, reviewer };
	for (size_t i = 0; i < ES_ARRAY_LEN(all); i++)
		es_actor_free(all[i]);
	es_buf_release(&b);
	tp_teardown(&e);
}

static void t_waiting_and_expiry(void **state)
{
	(void)state;
	tp_env e;
	char esid[15];
	int64_t app;
	tp_setup(&e);
	tp_seal(&e, ES_KIND_OFFICIAL, 0, "福建省测试厅", 0, esid);
	es_app_form f = tp_form(&e, ES_BIZ_APPLY, NULL);
	f.kind = ES_KIND_SPECIAL;
	f.function = ES_FUNC_FINANCE;
	f.seal_name = "福建省测试厅财务专用章";
	TU_OK(es_platform_app_create(e.p, e.applicant, &f, &app));
	es_actor *applicant = actor(&e, "applicant"), *maker = actor(&e, "maker"), *reviewer = actor(&e, "reviewer"),
		 *makrev = actor(&e, "makrev");
	es_list_query q = ES_LIST_QUERY_INIT;
	q.waiting_for_me = true;
	assert_int_equal(count(&e, applicant, ES_REC_APPLICATION, &q), 1); /* its draft */
	assert_int_equal(count(&e, maker, ES_REC_APPLICATION, &q), 0);
	TU_OK(es_platform_app_submit(e.p, e.applicant, app));
	assert_int_equal(count(&e, applicant, ES_REC_APPLICATION, &q), 0);
	assert_int_equal(count(&e, maker, ES_REC_APPLICATION, &q), 1);
	assert_int_equal(count(&e, reviewer, ES_REC_APPLICATION, &q), 0);
	TU_OK(es_platform_app_check(e.p, e.makrev, app));
	/* the checker never reviews what it checked */
	assert_int_equal(count(&e, reviewer, ES_REC_APPLICATION, &q), 1);
	q.state = "checked";
	assert_int_equal(count(&e, makrev, ES_REC_APPLICATION, &q), 0);
	q.state = NULL;

	/* the renewal window: seals ending within N days */
	es_list_query x = ES_LIST_QUERY_INIT;
	x.expiring_days = 30;
	assert_int_equal(count(&e, applicant, ES_REC_SEAL, &x), 0);
	tp_now_days(710);
	assert_int_equal(count(&e, applicant, ES_REC_SEAL, &x), 1);
	x.expiring_days = -1;
	es_buf b = ES_BUF_INIT;
	assert_int_equal(es_platform_list(e.p, applicant, ES_REC_SEAL, &x, &b), ES_EINVAL);
	es_buf_release(&b);
	es_actor_free(applicant);
	es_actor_free(maker);
	es_actor_free(reviewer);
	es_actor_free(makrev);
	tp_teardown(&e);
}

static void t_paging(void **state)
{
	(void)state;
	tp_env e;
	es_buf b = ES_BUF_INIT;
	tp_setup(&e);
	es_app_form forms[7];
	char names[7][64];
	for (int i = 0; i < 7; i++) {
		forms[i] = tp_form(&e, ES_BIZ_APPLY, NULL);
		forms[i].kind = ES_KIND_SPECIAL;
		forms[i].function = ES_FUNC_LETTER;
		snprintf(names[i], sizeof(names[i]), "福建省测试厅公函专用章%d", i);
		forms[i].seal_name = names[i];
	}
	int64_t batch, ids[8];
	TU_OK(es_platform_app_batch(e.p, e.applicant, forms, 7, &batch, ids));
	es_actor *maker = actor(&e, "maker");
	es_list_query q = ES_LIST_QUERY_INIT;
	q.limit = 3;
	q.batch = batch;
	int64_t seen[16];
	size_t nseen = 0;
	char cursor[32] = "";
	for (int page = 0; page < 5; page++) {
		json_t *j = list(&e, maker, ES_REC_APPLICATION, &q);
		json_t *items = json_object_get(j, "items");
		for (size_t i = 0; i < json_array_size(items); i++)
			seen[nseen++] = json_integer_value(json_object_get(json_array_get(items, i), "id"));
		json_t *next = json_object_get(j, "next");
		if (page == 0) {
			/* an insert between pages lands after what was seen */
			es_app_form more = tp_form(&e, ES_BIZ_APPLY, NULL);
			more.kind = ES_KIND_SPECIAL;
			more.function = ES_FUNC_CONTRACT;
			more.seal_name = "福建省测试厅合同专用章";
			more.batch_id = batch;
			int64_t extra;
			assert_int_equal(es_platform_app_create(e.p, e.applicant, &more, &extra), 0);
		}
		if (json_is_null(next)) {
			json_decref(j);
			break;
		}
		snprintf(cursor, sizeof(cursor), "%s", json_string_value(next));
		q.after = cursor;
		json_decref(j);
	}
	assert_true(nseen >= 7);
	for (size_t i = 1; i < nseen; i++)
		assert_true(seen[i] > seen[i - 1]); /* ordered, never twice */
	assert_int_equal(seen[0], ids[0]);
	q.after = "abc";
	assert_int_equal(es_platform_list(e.p, maker, ES_REC_APPLICATION, &q, &b), ES_EINVAL);
	q.after = NULL;
	q.limit = ES_LIST_LIMIT_MAX + 1;
	assert_int_equal(es_platform_list(e.p, maker, ES_REC_APPLICATION, &q, &b), ES_EINVAL);
	assert_int_equal(es_platform_list(e.p, maker, (es_record_kind)99, NULL, &b), ES_EINVAL);
	assert_int_equal(es_record_kind_parse("use-request"), ES_REC_USE_REQUEST);
	assert_int_equal(es_record_kind_parse("nope"), -1);
	es_actor_free(maker);
	es_buf_release(&b);
	tp_teardown(&e);
}

static void t_status_at(void **state)
{
	(void)state;
	tp_env e;
	char esid[15], tmp[15];
	int64_t app;
	es_status_info st;
	es_time t0;
	tp_setup(&e);
	assert_int_equal(es_time_parse(&t0, TP_T0), 0);
	tp_now_days(1);
	tp_seal(&e, ES_KIND_OFFICIAL, 0, "福建省测试厅", 0, esid);
	tp_now_days(10);
	es_app_form f = tp_form(&e, ES_BIZ_REVOKE, esid);
	TU_OK(es_platform_app_create(e.p, e.applicant, &f, &app));
	tp_process(&e, app, tmp);
	TU_OK(es_platform_seal_status_at(e.p, esid, t0, &st));
	assert_int_equal(st.status, ES_STATUS_UNKNOWN); /* before it was made */
	TU_OK(es_platform_seal_status_at(e.p, esid, t0 + 5 * TP_DAY, &st));
	assert_int_equal(st.status, ES_STATUS_ACTIVE);
	TU_OK(es_platform_seal_status_at(e.p, esid, t0 + 11 * TP_DAY, &st));
	assert_int_equal(st.status, ES_STATUS_REVOKED);
	assert_true(st.since >= t0 + 10 * TP_DAY && st.since < t0 + 11 * TP_DAY);
	TU_OK(es_platform_seal_status_at(e.p, esid, 0, &st)); /* now */
	assert_int_equal(st.status, ES_STATUS_REVOKED);
	TU_OK(es_platform_seal_status_at(e.p, "99999999999999", 0, &st));
	assert_int_equal(st.status, ES_STATUS_UNKNOWN);
	/* an active seal at the end of its validity is expired from then */
	char other[15];
	tp_seal(&e, ES_KIND_SPECIAL, ES_FUNC_FINANCE, "福建省测试厅财务专用章", 0, other);
	TU_OK(es_platform_seal_status_at(e.p, other, t0 + 3000 * TP_DAY, &st));
	assert_int_equal(st.status, ES_STATUS_EXPIRED);
	tp_teardown(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_visibility),
		cmocka_unit_test(t_waiting_and_expiry),
		cmocka_unit_test(t_paging),
		cmocka_unit_test(t_status_at),
	};
	return tp_main(tests, ES_ARRAY_LEN(tests), "platform-read");
}
