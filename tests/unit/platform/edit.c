/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The filer corrects a draft or rejected application (es_platform_app_edit), on both
 * backends: who may, in which states, the form's rules, what the audit log records. */
#include "tp.h"
#include "eseal/es_read.h"
#include <jansson.h>
#include "tp.c.inc"

static void state_is(tp_env *e, int64_t app, const char *want)
{
	char st[16];
	TU_OK(es_platform_app_state(e->p, app, st, sizeof(st)));
	assert_string_equal(st, want);
}

static int64_t edits(tp_env *e)
{
	return tp_count(e, "SELECT COUNT(*) FROM audit_log WHERE event = 'application-edited'");
}

/* The application as the API shows it to its filer. */
static json_t *app_json(tp_env *e, int64_t app)
{
	char ids[24];
	es_buf b = ES_BUF_INIT;
	snprintf(ids, sizeof(ids), "%lld", (long long)app);
	TU_OK(es_platform_get(e->p, e->applicant, ES_REC_APPLICATION, ids, &b));
	json_t *j = json_loadb((const char *)b.ptr, b.len, 0, NULL);
	es_buf_release(&b);
	assert_non_null(j);
	return j;
}

static void t_edit_rejected(void **state)
{
	(void)state;
	tp_env e;
	int64_t app;
	char esid[15];
	tp_setup(&e);
	es_app_form f = tp_form(&e, ES_BIZ_APPLY, NULL);
	TU_OK(es_platform_app_create(e.p, e.applicant, &f, &app));
	/* a draft: the filer corrects the seal's name and size */
	es_app_form c;
	memset(&c, 0, sizeof(c));
	c.seal_name = "福建省测试厅（更正）";
	c.width_mm = 40;
	TU_OK(es_platform_app_edit(e.p, e.applicant, app, &c));
	state_is(&e, app, "draft");
	assert_int_equal(tp_count(&e, "SELECT COUNT(*) FROM audit_log WHERE event = 'application-edited' AND "
				      "detail = 'changed: seal_name, width_mm'"),
			 1);
	/* the same again changes nothing and records nothing */
	TU_OK(es_platform_app_edit(e.p, e.applicant, app, &c));
	assert_int_equal(edits(&e), 1);

	TU_OK(es_platform_app_submit(e.p, e.applicant, app));
	/* submitted: no longer the filer's to change */
	c.seal_name = "又改";
	assert_int_equal(es_platform_app_edit(e.p, e.applicant, app, &c), ES_ESTATE);
	TU_OK(es_platform_app_check(e.p, e.maker, app));
	assert_int_equal(es_platform_app_edit(e.p, e.applicant, app, &c), ES_ESTATE);
	TU_OK(es_platform_app_review(e.p, e.reviewer, app, false, "经办人手机号有误"));
	state_is(&e, app, "rejected");

	/* rejected: only the filer, never another applicant of the unit, another unit or a maker */
	int64_t other_id;
	TU_OK(es_platform_account_add(e.p, e.admin, "applicant-two", ES_ROLE_APPLICANT, e.unit, NULL, &other_id));
	es_actor *other = tp_actor(&e, "applicant-two");
	memset(&c, 0, sizeof(c));
	c.handler_mobile = "13900000009";
	c.handler_id = TP_RID1;
	TP_DENIED(es_platform_app_edit(e.p, other, app, &c));
	TP_DENIED(es_platform_app_edit(e.p, e.applicant_other, app, &c));
	TP_DENIED(es_platform_app_edit(e.p, e.maker, app, &c));
	TP_DENIED(es_platform_app_edit(e.p, e.auditor, app, &c));
	assert_int_equal(edits(&e), 1);

	/* the form's rules hold for a correction as for a new form */
	es_app_form bad;
	memset(&bad, 0, sizeof(bad));
	bad.width_mm = 90;
	assert_int_equal(es_platform_app_edit(e.p, e.applicant, app, &bad), ES_EINVAL);
	memset(&bad, 0, sizeof(bad));
	bad.handler_id = "350102198001010012"; /* wrong check character */
	assert_int_equal(es_platform_app_edit(e.p, e.applicant, app, &bad), ES_EINVAL);
	memset(&bad, 0, sizeof(bad));
	bad.handler_mobile = "1390000000";
	assert_int_equal(es_platform_app_edit(e.p, e.applicant, app, &bad), ES_EINVAL);
	memset(&bad, 0, sizeof(bad));
	bad.seal_name = "";
	assert_int_equal(es_platform_app_edit(e.p, e.applicant, app, &bad), ES_EINVAL);
	memset(&bad, 0, sizeof(bad));
	bad.kind = ES_KIND_SPECIAL; /* a special seal needs its function */
	assert_int_equal(es_platform_app_edit(e.p, e.applicant, app, &bad), ES_EINVAL);
	memset(&bad, 0, sizeof(bad));
	bad.business = ES_BIZ_RENEW;
	assert_int_equal(es_platform_app_edit(e.p, e.applicant, app, &bad), ES_EINVAL);
	memset(&bad, 0, sizeof(bad));
	bad.unit_id = e.unit_other;
	assert_int_equal(es_platform_app_edit(e.p, e.applicant, app, &bad), ES_EINVAL);
	memset(&bad, 0, sizeof(bad));
	static const uint8_t gif[] = "GIF89a....";
	bad.impression = gif;
	bad.impression_len = sizeof(gif);
	assert_int_equal(es_platform_app_edit(e.p, e.applicant, app, &bad), ES_EINVAL);
	assert_int_equal(edits(&e), 1);
	assert_int_equal(es_platform_app_edit(e.p, e.applicant, 999999, &c), ES_ENOTFOUND);

	/* the filer corrects the mobile, the ID and the kind: the audit names the fields, never the values */
	c.kind = ES_KIND_SPECIAL;
	c.function = ES_FUNC_CONTRACT;
	TU_OK(es_platform_app_edit(e.p, e.applicant, app, &c));
	state_is(&e, app, "rejected");
	assert_int_equal(tp_count(&e, "SELECT COUNT(*) FROM audit_log WHERE event = 'application-edited' AND "
				      "detail = 'changed: seal_kind, seal_function, handler_mobile, handler_id'"),
			 1);
	assert_int_equal(tp_count(&e, "SELECT COUNT(*) FROM audit_log WHERE detail LIKE '%13900000009%' OR "
				      "detail LIKE '%" TP_RID1 "%' OR detail LIKE '%19800101%'"),
			 0);
	/* the personal data stays sealed at rest, the mask follows */
	assert_int_equal(tp_count(&e, "SELECT COUNT(*) FROM applications WHERE handler_mobile_enc LIKE '%13900000009%'"), 0);
	json_t *j = app_json(&e, app);
	assert_string_equal(json_string_value(json_object_get(j, "seal_kind")), "special");
	assert_string_equal(json_string_value(json_object_get(j, "seal_function")), "contract");
	assert_string_equal(json_string_value(json_object_get(j, "seal_name")), "福建省测试厅（更正）");
	assert_int_equal(json_integer_value(json_object_get(j, "width_mm")), 40);
	assert_int_equal(json_integer_value(json_object_get(j, "height_mm")), 42);
	const char *mask = json_string_value(json_object_get(j, "handler_id"));
	assert_non_null(mask);
	assert_null(strstr(mask, "19800101"));
	assert_int_equal(strncmp(mask, "3501", 4), 0);
	assert_int_equal(mask[strlen(mask) - 1], '1');
	json_decref(j);

	/* back to an official seal: the function goes with it */
	memset(&c, 0, sizeof(c));
	c.kind = ES_KIND_OFFICIAL;
	TU_OK(es_platform_app_edit(e.p, e.applicant, app, &c));
	j = app_json(&e, app);
	assert_true(json_is_null(json_object_get(j, "seal_function")) ||
		    strcmp(json_string_value(json_object_get(j, "seal_function")), "") == 0);
	json_decref(j);

	/* resubmitted as corrected, then carried through: the seal has the corrected name */
	TU_OK(es_platform_app_submit(e.p, e.applicant, app));
	TU_OK(es_platform_app_check(e.p, e.maker, app));
	TU_OK(es_platform_app_review(e.p, e.reviewer, app, true, NULL));
	TU_OK(es_platform_app_make(e.p, e.maker, app, esid));
	assert_int_equal(tp_count(&e, "SELECT COUNT(*) FROM seals WHERE name = '福建省测试厅（更正）' AND kind = 'official'"), 1);
	assert_int_equal(es_platform_app_edit(e.p, e.applicant, app, &c), ES_ESTATE);

	es_audit_report r;
	TU_OK(es_platform_audit_verify(e.p, e.auditor, &r));
	assert_int_equal(r.first_bad, 0);
	tp_teardown(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_edit_rejected),
	};
	return tp_main(tests, ES_ARRAY_LEN(tests), "platform-edit");
}
