/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Platform lifecycle: every business type, every seal kind, every refusal, on both backends. */
#include "tp.h"
#include "eseal/es_verify.h"
#include "tp.c.inc"
#include "platform/platform_int.h"
#include "eseal/es_pki.h"

static void check_status(tp_env *e, const char *esid, es_seal_status want)
{
	es_status_info si;
	TU_OK(es_platform_status_fn(&si, esid, e->p));
	if (si.status != want)
		fail_msg("seal %s status %d, expected %d (%s)", esid, (int)si.status, (int)want, si.reason);
}

static void t_kinds(void **state)
{
	(void)state;
	tp_env e;
	tp_setup(&e);
	struct {
		int kind, function;
		const char *name;
		bool holder;
	} k[] = {
		{ ES_KIND_OFFICIAL, 0, "福建省测试厅", false },
		{ ES_KIND_SPECIAL, ES_FUNC_CONTRACT, "福建省测试厅合同专用章", false },
		{ ES_KIND_SPECIAL, ES_FUNC_INVOICE, "福建省测试厅发票专用章", false },
		{ ES_KIND_POSITION, 0, "张三", true },
		{ ES_KIND_PERSONAL, 0, "李四", true },
		{ ES_KIND_DEVICE, 0, "福建省测试厅服务器", false },
	};
	char esids[ES_ARRAY_LEN(k)][15];
	for (size_t i = 0; i < ES_ARRAY_LEN(k); i++) {
		tp_seal(&e, k[i].kind, k[i].function, k[i].name, k[i].holder ? e.person : 0, esids[i]);
		assert_int_equal(strlen(esids[i]), 14);
		assert_memory_equal(esids[i], "350000", 6);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(esids[i], esids[j]);
		es_seal_record r;
		TU_OK(es_platform_seal_get(e.p, esids[i], &r));
		assert_string_equal(r.state, "active");
		assert_true(r.confirmed);
		assert_int_equal(r.valid_end - r.valid_start, 730 * TP_DAY);
		check_status(&e, esids[i], ES_STATUS_ACTIVE);
		/* the seal is a real GB/T 38540 seal with this esID */
		es_buf der = ES_BUF_INIT;
		es_seal *s = NULL;
		TU_OK(es_platform_seal_der(e.p, esids[i], &der));
		TU_OK(es_seal_parse(&s, der.ptr, der.len));
		const es_seal_fields *f = es_seal_fields_get(s);
		assert_int_equal(f->esid.len, 14);
		assert_memory_equal(f->esid.ptr, esids[i], 14);
		assert_int_equal(f->type, es_seal_type_code(k[i].kind, k[i].function));
		assert_int_equal(f->ncerts, 1);
		es_seal_free(s);
		es_buf_release(&der);
		TU_OK(es_platform_seal_use(e.p, e.applicant, esids[i]));
	}
	check_status(&e, "35000099999999", ES_STATUS_UNKNOWN);
	tp_teardown(&e);
}

static void t_roles(void **state)
{
	(void)state;
	tp_env e;
	int64_t app, x;
	char esid[15];
	tp_setup(&e);
	es_app_form f = tp_form(&e, ES_BIZ_APPLY, NULL);
	/* wrong role / wrong unit */
	TP_DENIED(es_platform_app_create(e.p, e.maker, &f, &app));
	TP_DENIED(es_platform_app_create(e.p, e.applicant_other, &f, &app));
	TP_DENIED(es_platform_app_create(e.p, e.auditor, &f, &app));
	es_unit_info u = { "审计员不能建的单位", TP_CODE_CITY, "350000", 0, NULL };
	TP_DENIED(es_platform_unit_add(e.p, e.auditor, &u, &x));
	TP_DENIED(es_platform_account_add(e.p, e.maker, "x", ES_ROLE_MAKER, 0, NULL, &x));
	TP_DENIED(es_platform_region_add(e.p, e.applicant, "350200", "厦门市"));
	assert_int_equal(es_platform_account_add(e.p, e.admin, "aud2", ES_ROLE_AUDITOR | ES_ROLE_MAKER, 0, NULL, &x),
			 ES_EDENIED);
	TU_OK(es_platform_app_create(e.p, e.applicant, &f, &app));
	assert_int_equal(es_platform_app_check(e.p, e.maker, app), ES_ESTATE); /* still a draft */
	TP_DENIED(es_platform_app_submit(e.p, e.applicant_other, app));
	TU_OK(es_platform_app_submit(e.p, e.applicant, app));
	TP_DENIED(es_platform_app_check(e.p, e.applicant, app));
	TP_DENIED(es_platform_app_check(e.p, e.reviewer, app));
	assert_int_equal(es_platform_app_review(e.p, e.reviewer, app, true, NULL), ES_ESTATE); /* not checked yet */
	/* a maker never reviews their own work */
	TU_OK(es_platform_app_check(e.p, e.makrev, app));
	TP_DENIED(es_platform_app_review(e.p, e.makrev, app, true, NULL));
	TP_DENIED(es_platform_app_review(e.p, e.maker, app, true, NULL));
	assert_int_equal(es_platform_app_make(e.p, e.maker, app, esid), ES_ESTATE); /* not approved */
	/* rejection needs a reason; the applicant resubmits */
	assert_int_equal(es_platform_app_review(e.p, e.reviewer, app, false, NULL), ES_EINVAL);
	TU_OK(es_platform_app_review(e.p, e.reviewer, app, false, "印模不清晰"));
	char st[16];
	TU_OK(es_platform_app_state(e.p, app, st, sizeof(st)));
	assert_string_equal(st, "rejected");
	TU_OK(es_platform_app_submit(e.p, e.applicant, app));
	TU_OK(es_platform_app_check(e.p, e.maker, app));
	TU_OK(es_platform_app_review(e.p, e.makrev, app, true, NULL)); /* someone else's check: fine */
	TP_DENIED(es_platform_app_make(e.p, e.reviewer, app, esid));
	TP_DENIED(es_platform_app_make(e.p, e.auditor, app, esid));
	TU_OK(es_platform_app_make(e.p, e.maker, app, esid));
	assert_int_equal(es_platform_app_make(e.p, e.maker, app, esid), ES_ESTATE); /* once only */
	assert_int_equal(es_platform_app_deliver(e.p, e.maker, app), ES_ESTATE);    /* file first */
	TU_OK(es_platform_app_file(e.p, e.maker, app));
	/* impression confirmed by the applicant, after delivery, before use */
	TP_STATE(es_platform_seal_confirm(e.p, e.applicant, esid));
	TU_OK(es_platform_app_deliver(e.p, e.maker, app));
	TP_STATE(es_platform_seal_use(e.p, e.applicant, esid));
	check_status(&e, esid, ES_STATUS_SUSPENDED);
	TP_DENIED(es_platform_seal_confirm(e.p, e.applicant_other, esid));
	TP_DENIED(es_platform_seal_confirm(e.p, e.maker, esid));
	TU_OK(es_platform_seal_confirm(e.p, e.applicant, esid));
	TP_DENIED(es_platform_seal_use(e.p, e.applicant_other, esid));
	TP_DENIED(es_platform_seal_use(e.p, e.auditor, esid));
	TU_OK(es_platform_seal_use(e.p, e.applicant, esid));
	/* the system account cannot act in the workflow */
	TP_DENIED(es_platform_app_check(e.p, e.sys, app));
	tp_teardown(&e);
}

static void t_ids_and_pii(void **state)
{
	(void)state;
	tp_env e;
	int64_t x, app;
	tp_setup(&e);
	es_unit_info bad = { "坏代码单位", "91350100100000016H", "350000", 0, NULL };
	assert_int_equal(es_platform_unit_add(e.p, e.admin, &bad, &x), ES_EINVAL);
	es_unit_info legacy = { "试点单位", TP_CODE_LEGACY, "350000", 0, NULL };
	TU_OK(es_platform_unit_add(e.p, e.admin, &legacy, &x));
	es_unit_info dup = { "重复单位", TP_CODE_PROV, "350000", 0, NULL };
	assert_int_equal(es_platform_unit_add(e.p, e.admin, &dup, &x), ES_EEXISTS);
	es_unit_info noreg = { "无地区单位", TP_CODE_CITY, "350200", 0, NULL };
	TP_CODE(es_platform_unit_add(e.p, e.admin, &noreg, &x), ES_ENOTFOUND);
	assert_int_equal(es_platform_person_add(e.p, e.admin, "错号", "350102198001010012", NULL, 0, &x), ES_EINVAL);
	assert_int_equal(es_platform_person_add(e.p, e.admin, "重号", TP_RID1, NULL, 0, &x), ES_EEXISTS);
	es_app_form f = tp_form(&e, ES_BIZ_APPLY, NULL);
	f.handler_id = "350102199002020022";
	assert_int_equal(es_platform_app_create(e.p, e.applicant, &f, &app), ES_EINVAL);
	/* personal data: clear to maker/reviewer, masked to others */
	char name[64], id[32], mob[32];
	TU_OK(es_platform_person_get(e.p, e.maker, e.person, name, sizeof(name), id, mob, sizeof(id)));
	assert_string_equal(id, TP_RID1);
	assert_string_equal(mob, "13912345678");
	TU_OK(es_platform_person_get(e.p, e.auditor, e.person, name, sizeof(name), id, mob, sizeof(id)));
	assert_string_equal(id, "350102********0011");
	assert_string_equal(mob, "139****5678");
	assert_string_equal(name, "李四");
	TU_OK(es_platform_person_get(e.p, e.applicant, e.person, name, sizeof(name), id, mob, sizeof(id)));
	assert_string_equal(id, "350102********0011");
	if (strcmp(tp_backend, "sqlite") == 0) {
		/* never in clear in the database file */
		es_platform_close(e.p);
		e.p = NULL;
		es_buf db = ES_BUF_INIT;
		char path[600];
		snprintf(path, sizeof(path), "%s/platform.db", e.dir);
		TU_OK(es_file_read(&db, path, 1u << 30));
		snprintf(path, sizeof(path), "%s/platform.db-wal", e.dir);
		if (es_file_exists(path) == 1)
			TU_OK(es_file_read(&db, path, 1u << 30));
		assert_null(memmem(db.ptr, db.len, TP_RID1, 18));
		assert_null(memmem(db.ptr, db.len, TP_RID2, 18));
		assert_null(memmem(db.ptr, db.len, "13912345678", 11));
		es_buf_release(&db);
		tp_open(&e, NULL);
	}
	tp_teardown(&e);
}

static void t_renew_window(void **state)
{
	(void)state;
	tp_env e;
	int64_t app;
	char esid[15], esid2[15];
	es_seal_record r, r2;
	tp_setup(&e);
	tp_seal(&e, ES_KIND_OFFICIAL, 0, "福建省测试厅", 0, esid);
	TU_OK(es_platform_seal_get(e.p, esid, &r));
	es_app_form f = tp_form(&e, ES_BIZ_RENEW, esid);
	tp_now_days(100);
	TP_STATE(es_platform_app_create(e.p, e.applicant, &f, &app));
	tp_now_days(699); /* 31 days before expiry */
	TP_STATE(es_platform_app_create(e.p, e.applicant, &f, &app));
	tp_now_days(701); /* 29 days before */
	TU_OK(es_platform_app_create(e.p, e.applicant, &f, &app));
	tp_process(&e, app, esid2);
	assert_string_equal(esid, esid2);
	TU_OK(es_platform_seal_get(e.p, esid, &r2));
	assert_string_equal(r2.state, "active");
	assert_true(r2.valid_end > r.valid_end);
	TU_OK(es_platform_seal_use(e.p, e.applicant, esid));
	tp_now_days(800); /* after the old end, within the new validity */
	TU_OK(es_platform_seal_use(e.p, e.applicant, esid));
	tp_now_days(701 + 730 + 1); /* expired */
	TP_STATE(es_platform_app_create(e.p, e.applicant, &f, &app));
	tp_teardown(&e);
}

static void t_change_revoke(void **state)
{
	(void)state;
	tp_env e;
	int64_t app;
	char a[15], b[15], n[15], r2[15];
	es_seal_record r;
	tp_setup(&e);
	tp_seal(&e, ES_KIND_OFFICIAL, 0, "福建省测试厅", 0, a);
	tp_seal(&e, ES_KIND_SPECIAL, ES_FUNC_FINANCE, "福建省测试厅财务专用章", 0, b);
	/* change: new seal, old revoked */
	es_app_form f = tp_form(&e, ES_BIZ_CHANGE, a);
	f.reason = NULL;
	assert_int_equal(es_platform_app_create(e.p, e.applicant, &f, &app), ES_EINVAL);
	f.reason = "单位更名";
	f.seal_name = "福建省测试新厅";
	TU_OK(es_platform_app_create(e.p, e.applicant, &f, &app));
	tp_process(&e, app, n);
	assert_string_not_equal(n, a);
	TU_OK(es_platform_seal_get(e.p, a, &r));
	assert_string_equal(r.state, "revoked");
	assert_string_equal(r.replaced_by, n);
	check_status(&e, a, ES_STATUS_REVOKED);
	TP_STATE(es_platform_seal_use(e.p, e.applicant, a));
	TU_OK(es_platform_seal_get(e.p, n, &r));
	assert_string_equal(r.state, "made");
	TU_OK(es_platform_seal_confirm(e.p, e.applicant, n));
	/* revoke */
	es_app_form g = tp_form(&e, ES_BIZ_REVOKE, b);
	TU_OK(es_platform_app_create(e.p, e.applicant, &g, &app));
	tp_process(&e, app, r2);
	assert_string_equal(r2, b);
	check_status(&e, b, ES_STATUS_REVOKED);
	TP_STATE(es_platform_app_create(e.p, e.applicant, &g, &app)); /* revoked already */
	/* the signed status list names both, and verifies */
	es_buf json = ES_BUF_INIT, sig = ES_BUF_INIT, path = ES_BUF_INIT, disk = ES_BUF_INIT, dsig = ES_BUF_INIT;
	TU_OK(es_platform_status_list(e.p, &json, &sig));
	TU_OK(es_platform_status_list_verify(e.p, json.ptr, json.len, sig.ptr, sig.len));
	TU_OK(es_buf_put(&json, "", 1));
	assert_non_null(strstr((const char *)json.ptr, a));
	assert_non_null(strstr((const char *)json.ptr, b));
	char quoted[20];
	snprintf(quoted, sizeof(quoted), "\"%s\"", n);
	assert_null(strstr((const char *)json.ptr, quoted)); /* active: not listed */
	assert_non_null(strstr((const char *)json.ptr, "\"revoked\""));
	json.ptr[json.len - 2] ^= 1;
	assert_int_equal(es_platform_status_list_verify(e.p, json.ptr, json.len - 1, sig.ptr, sig.len), ES_EVERIFY);
	/* regenerated on every change: the published copy is current and signed */
	TU_OK(es_buf_printf(&path, "%s/status/status.json", e.dir));
	TU_OK(es_file_read(&disk, (const char *)path.ptr, 1 << 20));
	TU_OK(es_buf_puts(&path, ".sig"));
	TU_OK(es_file_read(&dsig, (const char *)path.ptr, 1 << 20));
	TU_OK(es_platform_status_list_verify(e.p, disk.ptr, disk.len, dsig.ptr, dsig.len));
	assert_non_null(memmem(disk.ptr, disk.len, b, 14));
	es_buf_release(&json);
	es_buf_release(&sig);
	es_buf_release(&path);
	es_buf_release(&disk);
	es_buf_release(&dsig);
	tp_teardown(&e);
}

static void t_loss_reissue(void **state)
{
	(void)state;
	tp_env e;
	int64_t app, app2;
	char a[15], n[15];
	es_seal_record r;
	tp_setup(&e);
	tp_seal(&e, ES_KIND_OFFICIAL, 0, "福建省测试厅", 0, a);
	es_app_form f = tp_form(&e, ES_BIZ_REISSUE, a);
	TP_STATE(es_platform_app_create(e.p, e.applicant, &f, &app)); /* not lost */
	es_app_form l = tp_form(&e, ES_BIZ_LOSS, a);
	TU_OK(es_platform_app_create(e.p, e.applicant, &l, &app));
	TU_OK(es_platform_seal_use(e.p, e.applicant, a)); /* draft: nothing yet */
	TU_OK(es_platform_app_submit(e.p, e.applicant, app));
	/* stops at once, before any review, and is published */
	check_status(&e, a, ES_STATUS_LOST);
	TP_STATE(es_platform_seal_use(e.p, e.applicant, a));
	es_buf disk = ES_BUF_INIT, path = ES_BUF_INIT;
	TU_OK(es_buf_printf(&path, "%s/status/status.json", e.dir));
	TU_OK(es_file_read(&disk, (const char *)path.ptr, 1 << 20));
	assert_non_null(memmem(disk.ptr, disk.len, "\"lost\"", 6));
	es_buf_release(&disk);
	es_buf_release(&path);
	TU_OK(es_platform_app_check(e.p, e.maker, app));
	TU_OK(es_platform_app_review(e.p, e.reviewer, app, true, NULL));
	TU_OK(es_platform_app_make(e.p, e.maker, app, n));
	/* reissue: a new seal, the lost one revoked */
	TU_OK(es_platform_app_create(e.p, e.applicant, &f, &app2));
	tp_process(&e, app2, n);
	assert_string_not_equal(n, a);
	TU_OK(es_platform_seal_get(e.p, a, &r));
	assert_string_equal(r.state, "revoked");
	TU_OK(es_platform_seal_confirm(e.p, e.applicant, n));
	TU_OK(es_platform_seal_use(e.p, e.applicant, n));
	/* PIN unlock: recorded, the seal stays active */
	es_app_form u = tp_form(&e, ES_BIZ_PIN_UNLOCK, n);
	TU_OK(es_platform_app_create(e.p, e.applicant, &u, &app));
	char same[15];
	tp_process(&e, app, same);
	assert_string_equal(same, n);
	check_status(&e, n, ES_STATUS_ACTIVE);
	tp_teardown(&e);
}

static void t_unused_suspended(void **state)
{
	(void)state;
	tp_env e;
	int64_t app;
	char a[15], b[15], same[15];
	es_jobs_result jr;
	tp_setup(&e);
	tp_seal(&e, ES_KIND_OFFICIAL, 0, "福建省测试厅", 0, a);
	tp_seal(&e, ES_KIND_SPECIAL, ES_FUNC_CONTRACT, "福建省测试厅合同专用章", 0, b);
	TP_DENIED(es_platform_jobs_run(e.p, e.maker, &jr));
	tp_now_days(200);
	TU_OK(es_platform_seal_use(e.p, e.applicant, b));
	TU_OK(es_platform_jobs_run(e.p, e.admin, &jr));
	assert_int_equal(jr.suspended, 0);
	tp_now_days(366);
	TU_OK(es_platform_jobs_run(e.p, e.sys, &jr));
	assert_int_equal(jr.suspended, 1);
	check_status(&e, a, ES_STATUS_SUSPENDED);
	check_status(&e, b, ES_STATUS_ACTIVE);
	TP_STATE(es_platform_seal_use(e.p, e.applicant, a));
	TP_STATE(es_platform_seal_confirm(e.p, e.applicant, a)); /* not by confirmation */
	/* re-enabled only by a new application */
	es_app_form f = tp_form(&e, ES_BIZ_REENABLE, a);
	TU_OK(es_platform_app_create(e.p, e.applicant, &f, &app));
	tp_process(&e, app, same);
	check_status(&e, a, ES_STATUS_ACTIVE);
	TU_OK(es_platform_seal_use(e.p, e.applicant, a));
	TP_STATE(es_platform_app_create(e.p, e.applicant, &f, &app)); /* not suspended any more */
	/* expiry */
	tp_now_days(731);
	TU_OK(es_platform_jobs_run(e.p, e.sys, &jr));
	assert_int_equal(jr.expired, 2);
	check_status(&e, a, ES_STATUS_EXPIRED);
	tp_teardown(&e);
}

static void render_png(es_buf *out)
{
	es_render_options ro = ES_RENDER_OPTIONS_INIT;
	ro.name = "上传印模单位";
	ro.dpi = 96;
	TU_OK(es_render_png(out, &ro));
}

static void t_one_impression(void **state)
{
	(void)state;
	tp_env e;
	int64_t app1, app2, app3;
	char a[15], b[15];
	es_buf png = ES_BUF_INIT;
	tp_setup(&e);
	render_png(&png);
	es_app_form f = tp_form(&e, ES_BIZ_APPLY, NULL);
	f.impression = png.ptr;
	f.impression_len = png.len;
	TU_OK(es_platform_app_create(e.p, e.applicant, &f, &app1));
	tp_process(&e, app1, a);
	/* the same impression again, no reason: refused at making */
	TU_OK(es_platform_app_create(e.p, e.applicant, &f, &app2));
	TU_OK(es_platform_app_submit(e.p, e.applicant, app2));
	TU_OK(es_platform_app_check(e.p, e.maker, app2));
	TU_OK(es_platform_app_review(e.p, e.reviewer, app2, true, NULL));
	TP_DENIED(es_platform_app_make(e.p, e.maker, app2, b));
	/* with the reason recorded: allowed */
	f.multi_cert_reason = "两台签章服务器各绑定一张证书";
	TU_OK(es_platform_app_create(e.p, e.applicant, &f, &app3));
	tp_process(&e, app3, b);
	assert_string_not_equal(a, b);
	/* a non-PNG upload is refused */
	uint8_t junk[16] = { 'G', 'I', 'F', '8' };
	f.impression = junk;
	f.impression_len = sizeof(junk);
	assert_int_equal(es_platform_app_create(e.p, e.applicant, &f, &app3), ES_EINVAL);
	es_buf_release(&png);
	tp_teardown(&e);
}

static void t_authorise(void **state)
{
	(void)state;
	tp_env e;
	char a[15];
	es_time t0;
	tp_setup(&e);
	tp_seal(&e, ES_KIND_OFFICIAL, 0, "福建省测试厅", 0, a);
	assert_int_equal(es_time_parse(&t0, TP_T0), 0);
	TP_DENIED(es_platform_seal_use(e.p, e.sub_applicant, a));
	TP_DENIED(es_platform_seal_authorise(e.p, e.applicant, a, e.unit_sub, t0, t0 + 10 * TP_DAY, "授权函"));
	TP_DENIED(es_platform_seal_authorise(e.p, e.unit_admin, a, e.unit_other, t0, t0 + 10 * TP_DAY, "授权函"));
	assert_int_equal(es_platform_seal_authorise(e.p, e.unit_admin, a, e.unit_sub, t0, t0 + 10 * TP_DAY, NULL), ES_EINVAL);
	TU_OK(es_platform_seal_authorise(e.p, e.unit_admin, a, e.unit_sub, t0, t0 + 10 * TP_DAY, "授权函"));
	TU_OK(es_platform_seal_use(e.p, e.sub_applicant, a));
	TP_DENIED(es_platform_seal_use(e.p, e.applicant_other, a));
	tp_now_days(11);
	TP_DENIED(es_platform_seal_use(e.p, e.sub_applicant, a));
	TU_OK(es_platform_seal_use(e.p, e.applicant, a));
	tp_teardown(&e);
}

static void t_forward(void **state)
{
	(void)state;
	tp_env e;
	int64_t app;
	char esid[15];
	tp_setup(&e);
	es_app_form f = tp_form(&e, ES_BIZ_APPLY, NULL);
	f.unit_id = e.unit_county;
	f.seal_name = "鼓楼区测试局";
	TU_OK(es_platform_app_create(e.p, e.county_maker, &f, &app));
	TU_OK(es_platform_app_submit(e.p, e.county_maker, app));
	TP_STATE(es_platform_app_check(e.p, e.maker, app));        /* still at the county office */
	TP_DENIED(es_platform_app_forward(e.p, e.city_maker, app)); /* not the city's yet */
	TP_DENIED(es_platform_app_check(e.p, e.county_maker, app)); /* it filed it (separation of duties) */
	TU_OK(es_platform_app_forward(e.p, e.county_maker, app));
	TP_DENIED(es_platform_app_forward(e.p, e.county_maker, app));
	TU_OK(es_platform_app_forward(e.p, e.city_maker, app));
	TP_STATE(es_platform_app_forward(e.p, e.maker, app)); /* at the province already */
	TU_OK(es_platform_app_check(e.p, e.maker, app));
	TU_OK(es_platform_app_review(e.p, e.reviewer, app, true, NULL));
	TP_DENIED(es_platform_app_make(e.p, e.city_maker, app, esid));
	TU_OK(es_platform_app_make(e.p, e.maker, app, esid));
	assert_memory_equal(esid, "350102", 6); /* the unit's region code */
	tp_teardown(&e);
}

static void t_batch(void **state)
{
	(void)state;
	tp_env e;
	es_app_form f[3];
	int64_t batch, ids[3], x;
	char esid[15];
	tp_setup(&e);
	for (int i = 0; i < 3; i++)
		f[i] = tp_form(&e, ES_BIZ_APPLY, NULL);
	f[1].kind = ES_KIND_SPECIAL;
	f[1].function = ES_FUNC_CONTRACT;
	f[1].seal_name = "福建省测试厅合同专用章";
	f[2].kind = ES_KIND_SPECIAL;
	f[2].function = 0; /* invalid: the whole batch is refused */
	assert_int_equal(es_platform_app_batch(e.p, e.applicant, f, 3, &batch, ids), ES_EINVAL);
	assert_int_equal(es_platform_app_state(e.p, 1, esid, sizeof(esid)), ES_ENOTFOUND);
	f[2].function = ES_FUNC_FINANCE;
	f[2].seal_name = "福建省测试厅财务专用章";
	TP_DENIED(es_platform_app_batch(e.p, e.applicant_other, f, 3, &batch, ids));
	TU_OK(es_platform_app_batch(e.p, e.applicant, f, 3, &batch, ids));
	for (int i = 0; i < 3; i++)
		tp_process(&e, ids[i], esid);
	es_buf json = ES_BUF_INIT;
	TU_OK(es_platform_batch_summary(e.p, e.auditor, batch, &json));
	TU_OK(es_buf_put(&json, "", 1));
	assert_non_null(strstr((const char *)json.ptr, "财务专用章"));
	assert_non_null(strstr((const char *)json.ptr, esid));
	assert_non_null(strstr((const char *)json.ptr, "\"delivered\""));
	es_buf_release(&json);
	assert_int_equal(es_platform_batch_summary(e.p, e.auditor, batch + 100, &json), ES_ENOTFOUND);
	/* another unit's applicant does not see this unit's batch: as if it did not exist */
	assert_int_equal(es_platform_batch_summary(e.p, e.applicant_other, batch, &json), ES_ENOTFOUND);
	TU_OK(es_platform_batch_summary(e.p, e.applicant, batch, &json));
	es_buf_release(&json);
	(void)x;
	tp_teardown(&e);
}

static void b64(es_buf *out, const uint8_t *p, size_t n)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
		char q[4] = { t[v >> 18 & 63], t[v >> 12 & 63], i + 1 < n ? t[v >> 6 & 63] : '=', i + 2 < n ? t[v & 63] : '=' };
		TU_OK(es_buf_put(out, q, 4));
	}
}

static void t_psb_import(void **state)
{
	(void)state;
	tp_env e;
	es_buf png = ES_BUF_INIT, feed = ES_BUF_INIT, der = ES_BUF_INIT;
	unsigned n = 0;
	char a[15], b[15], c[15];
	tp_setup(&e);
	render_png(&png);
	TU_OK(es_buf_puts(&feed, "[{\"seal_code\": \"35000000000005\", \"credit_code\": \"" TP_CODE_PROV
				 "\", \"name\": \"福建省测试厅\", \"kind\": \"official\", \"impression\": \""));
	b64(&feed, png.ptr, png.len);
	TU_OK(es_buf_puts(&feed, "\"}, {\"seal_code\": \"35000000000002\", \"credit_code\": \"" TP_CODE_PROV
				 "\", \"name\": \"保留章\"}]"));
	TP_DENIED(es_platform_psb_import(e.p, e.maker, feed.ptr, feed.len, &n));
	TU_OK(es_platform_psb_import(e.p, e.admin, feed.ptr, feed.len, &n));
	assert_int_equal(n, 2);
	TU_OK(es_platform_psb_import(e.p, e.admin, feed.ptr, feed.len, &n));
	assert_int_equal(n, 0); /* idempotent */
	const char *bad = "[{\"seal_code\": \"99000000000001\", \"credit_code\": \"" TP_CODE_PROV "\", \"name\": \"x\"}]";
	assert_true(es_platform_psb_import(e.p, e.admin, (const uint8_t *)bad, strlen(bad), &n) < 0);
	/* ordinary allocation skips the reserved codes */
	tp_seal(&e, ES_KIND_SPECIAL, ES_FUNC_CONTRACT, "福建省测试厅合同专用章", 0, a);
	tp_seal(&e, ES_KIND_SPECIAL, ES_FUNC_FINANCE, "福建省测试厅财务专用章", 0, b);
	assert_string_equal(a, "35000000000001");
	assert_string_equal(b, "35000000000003");
	/*
	 * A make that fails after the code was reserved hands the public-security code back:
	 * a seal already bound to the code's impression makes the official seal's make
	 * refused (one impression, one certificate) when it is stored.
	 */
	int64_t taken, refused, app;
	char d[15], x[15];
	es_app_form f = tp_form(&e, ES_BIZ_APPLY, NULL);
	f.kind = ES_KIND_SPECIAL;
	f.function = ES_FUNC_INVOICE;
	f.seal_name = "福建省测试厅发票专用章";
	f.impression = png.ptr;
	f.impression_len = png.len;
	TU_OK(es_platform_app_create(e.p, e.applicant, &f, &taken));
	tp_process(&e, taken, d);
	assert_string_equal(d, "35000000000004");
	f = tp_form(&e, ES_BIZ_APPLY, NULL);
	TU_OK(es_platform_app_create(e.p, e.applicant, &f, &refused));
	TU_OK(es_platform_app_submit(e.p, e.applicant, refused));
	TU_OK(es_platform_app_check(e.p, e.maker, refused));
	TU_OK(es_platform_app_review(e.p, e.reviewer, refused, true, NULL));
	TP_DENIED(es_platform_app_make(e.p, e.maker, refused, x));
	/* revoked, the other seal no longer binds the impression: the code is there again */
	f = tp_form(&e, ES_BIZ_REVOKE, d);
	TU_OK(es_platform_app_create(e.p, e.applicant, &f, &app));
	tp_process(&e, app, x);
	/* the unit's official seal takes the public-security code and impression */
	TU_OK(es_platform_app_make(e.p, e.maker, refused, c));
	assert_string_equal(c, "35000000000005");
	TU_OK(es_platform_app_file(e.p, e.maker, refused));
	TU_OK(es_platform_app_deliver(e.p, e.maker, refused));
	assert_string_equal(c, "35000000000005");
	es_seal *s = NULL;
	TU_OK(es_platform_seal_der(e.p, c, &der));
	TU_OK(es_seal_parse(&s, der.ptr, der.len));
	assert_int_equal(es_seal_fields_get(s)->picture.len, png.len);
	assert_memory_equal(es_seal_fields_get(s)->picture.ptr, png.ptr, png.len);
	es_seal_free(s);
	es_buf_release(&png);
	es_buf_release(&feed);
	es_buf_release(&der);
	tp_teardown(&e);
}

typedef struct hook_log {
	int calls;
	bool refuse;
	char last[64];
} hook_log;

static int hook(void *ctx, const char *object, const char *id, const char *from, const char *to, int64_t actor,
		const char *reason, es_time at, int64_t tid)
{
	hook_log *h = ctx;
	(void)id;
	(void)from;
	(void)actor;
	(void)reason;
	(void)at;
	(void)tid;
	if (h->refuse)
		return es_error_set(ES_EIO, "audit log unavailable");
	h->calls++;
	snprintf(h->last, sizeof(h->last), "%s:%s", object, to);
	return 0;
}

static void t_transition_hook(void **state)
{
	(void)state;
	tp_env e;
	hook_log h = { 0, false, "" };
	int64_t app;
	char st[16];
	tp_setup(&e);
	es_platform_set_transition_hook(e.p, hook, &h);
	es_app_form f = tp_form(&e, ES_BIZ_APPLY, NULL);
	TU_OK(es_platform_app_create(e.p, e.applicant, &f, &app));
	assert_int_equal(h.calls, 1);
	assert_string_equal(h.last, "application:draft");
	/* the audit hook failing aborts the change */
	h.refuse = true;
	assert_int_equal(es_platform_app_submit(e.p, e.applicant, app), ES_EIO);
	TU_OK(es_platform_app_state(e.p, app, st, sizeof(st)));
	assert_string_equal(st, "draft");
	h.refuse = false;
	char esid[15];
	tp_process(&e, app, esid);
	TU_OK(es_platform_seal_confirm(e.p, e.applicant, esid));
	assert_string_equal(h.last, "seal:active");
	assert_true(h.calls >= 9);
	tp_teardown(&e);
}

/* The platform is the verifier's status source (es_status_fn). */
static void t_verify_status(void **state)
{
	(void)state;
	tp_env e;
	char esid[15], same[15];
	int64_t app;
	es_buf der = ES_BUF_INIT, sig = ES_BUF_INIT, root_pem = ES_BUF_INIT;
	es_seal *seal = NULL;
	es_sm2_key *key = NULL;
	es_cert *signer = NULL, *root = NULL;
	es_trust *trust = NULL;
	tp_setup(&e);
	tp_seal(&e, ES_KIND_OFFICIAL, 0, "福建省测试厅", 0, esid);
	TU_OK(es_platform_seal_der(e.p, esid, &der));
	TU_OK(es_seal_parse(&seal, der.ptr, der.len));
	const es_seal_fields *sf = es_seal_fields_get(seal);
	TU_OK(es_cert_from_der(&signer, sf->certs[0].ptr, sf->certs[0].len));
	TU_OK(es_platform__signer_key(e.p, esid, &key));
	tp_now_days(1);
	es_sign_options so = ES_SIGN_OPTIONS_INIT;
	so.data = (const uint8_t *)"公文正文";
	so.data_len = strlen("公文正文");
	TU_OK(es_ses_sign(&sig, &so, seal, signer, key));
	TU_OK(es_platform_authority_pem(e.p, &root_pem, NULL));
	TU_OK(es_cert_from_pem(&root, root_pem.ptr, root_pem.len));
	TU_OK(es_trust_new(&trust));
	TU_OK(es_trust_add_anchor(trust, root));
	for (int round = 0; round < 2; round++) {
		es_report r;
		es_verify_options vo = ES_VERIFY_OPTIONS_INIT;
		vo.trust = trust;
		vo.original = so.data;
		vo.original_len = so.data_len;
		vo.has_original = true;
		vo.status = es_platform_status_fn;
		vo.status_payload = e.p;
		es_report_init(&r);
		TU_OK(es_verify_der(&r, sig.ptr, sig.len, &vo));
		assert_int_equal(r.nsigs, 1);
		const es_check *c = es_sig_report_get(&r.sigs[0], "seal-status");
		assert_non_null(c);
		if (round == 0) {
			if (r.verdict != ES_VERDICT_VALID)
				fail_msg("expected valid, got %s", es_verdict_name(r.verdict));
			assert_int_equal(c->result, ES_RESULT_PASS);
		} else {
			assert_int_not_equal(c->result, ES_RESULT_PASS);
			assert_non_null(strstr(c->reason, "revoked"));
		}
		es_report_release(&r);
		if (round == 0) {
			tp_now_days(2);
			es_app_form f = tp_form(&e, ES_BIZ_REVOKE, esid);
			TU_OK(es_platform_app_create(e.p, e.applicant, &f, &app));
			tp_process(&e, app, same);
			tp_now_days(3);
		}
	}
	es_trust_free(trust);
	es_cert_free(root);
	es_cert_free(signer);
	es_sm2_key_free(key);
	es_seal_free(seal);
	es_buf_release(&der);
	es_buf_release(&sig);
	es_buf_release(&root_pem);
	tp_teardown(&e);
}

/* One account holding applicant, maker and reviewer: it files and submits, and may then
 * neither check, review nor make its own application, whatever the business type. */
static void separated(tp_env *e, const es_actor *self, int biz, const char *target, const char *name)
{
	int64_t app;
	char esid[15];
	es_app_form f = tp_form(e, biz, target);
	f.seal_name = name;
	TU_OK(es_platform_app_create(e->p, self, &f, &app));
	TU_OK(es_platform_app_submit(e->p, self, app));
	TP_SEPARATED(es_platform_app_check(e->p, self, app));
	TU_OK(es_platform_app_check(e->p, e->maker, app));
	TP_SEPARATED(es_platform_app_review(e->p, self, app, true, NULL));
	TP_SEPARATED(es_platform_app_review(e->p, self, app, false, "自己驳回"));
	TU_OK(es_platform_app_review(e->p, e->reviewer, app, true, NULL));
	TP_SEPARATED(es_platform_app_make(e->p, self, app, esid));
	char st[16];
	TU_OK(es_platform_app_state(e->p, app, st, sizeof(st)));
	assert_string_equal(st, "approved");
}

static void t_separation(void **state)
{
	(void)state;
	tp_env e;
	int64_t self_id, app;
	char a[15], lost[15], susp[15], ren[15], esid[15];
	es_jobs_result jr;
	tp_setup(&e);
	TU_OK(es_platform_account_add(e.p, e.admin, "self", ES_ROLE_APPLICANT | ES_ROLE_MAKER | ES_ROLE_REVIEWER, e.unit,
				      NULL, &self_id));
	es_actor *self = tp_actor(&e, "self");
	tp_seal(&e, ES_KIND_OFFICIAL, 0, "福建省测试厅", 0, a);
	tp_seal(&e, ES_KIND_SPECIAL, ES_FUNC_CONTRACT, "福建省测试厅合同专用章", 0, lost);
	tp_seal(&e, ES_KIND_SPECIAL, ES_FUNC_FINANCE, "福建省测试厅财务专用章", 0, susp);
	tp_seal(&e, ES_KIND_SPECIAL, ES_FUNC_INVOICE, "福建省测试厅发票专用章", 0, ren);
	separated(&e, self, ES_BIZ_APPLY, NULL, "福建省测试厅业务专用章");
	separated(&e, self, ES_BIZ_CHANGE, a, "福建省测试厅");
	separated(&e, self, ES_BIZ_REVOKE, a, "福建省测试厅");
	separated(&e, self, ES_BIZ_PIN_UNLOCK, a, "福建省测试厅");
	separated(&e, self, ES_BIZ_LOSS, lost, "福建省测试厅合同专用章"); /* submitting it stops the seal */
	separated(&e, self, ES_BIZ_REISSUE, lost, "福建省测试厅合同专用章");
	/* a year unused suspends a seal; the renewed one is used meanwhile */
	tp_now_days(399);
	TU_OK(es_platform_seal_use(e.p, e.applicant, ren));
	tp_now_days(400);
	TU_OK(es_platform_jobs_run(e.p, e.sys, &jr));
	check_status(&e, susp, ES_STATUS_SUSPENDED);
	separated(&e, self, ES_BIZ_REENABLE, susp, "福建省测试厅财务专用章");
	tp_now_days(710);
	separated(&e, self, ES_BIZ_RENEW, ren, "福建省测试厅发票专用章");
	/* submitted (not filed) by the account: still never checked by it */
	es_app_form f = tp_form(&e, ES_BIZ_APPLY, NULL);
	f.seal_name = "福建省测试厅档案专用章";
	TU_OK(es_platform_app_create(e.p, e.applicant, &f, &app));
	TU_OK(es_platform_app_submit(e.p, self, app));
	TP_SEPARATED(es_platform_app_check(e.p, self, app));
	/* the checker never reviews it; the reviewer never makes it */
	TU_OK(es_platform_app_check(e.p, e.makrev, app));
	TP_SEPARATED(es_platform_app_review(e.p, e.makrev, app, true, NULL));
	TU_OK(es_platform_app_review(e.p, e.reviewer, app, false, "重新提交"));
	TU_OK(es_platform_app_submit(e.p, e.applicant, app));
	TU_OK(es_platform_app_check(e.p, e.maker, app));
	TU_OK(es_platform_app_review(e.p, e.makrev, app, true, NULL));
	TP_SEPARATED(es_platform_app_make(e.p, e.makrev, app, esid));
	TU_OK(es_platform_app_make(e.p, e.maker, app, esid));
	/* the refusal names the login and is audited like a role-table refusal */
	TP_SEPARATED(es_platform_app_review(e.p, self, app, true, NULL));
	assert_non_null(strstr(es_error_last()->message, "account 'self' submitted application"));
	es_store *st = NULL;
	int64_t n = 0;
	TU_OK(es_store_open(&st, e.store));
	TU_OK(es_store_int(st, &n, "SELECT COUNT(*) FROM audit_log WHERE event = 'denied' AND object_id = 'review'", NULL,
			   0));
	es_store_close(st);
	assert_true(n >= 9);
	tp_teardown(&e);
}

/* Regions, units, people and accounts, and every role change, leave an audit entry naming who. */
static void t_records_audited(void **state)
{
	(void)state;
	tp_env e;
	int64_t id, n = 0;
	es_store *st = NULL;
	tp_setup(&e);
	TU_OK(es_platform_account_add(e.p, e.admin, "clerk", ES_ROLE_APPLICANT, e.unit, NULL, &id));
	TU_OK(es_platform_account_set_roles(e.p, e.admin, "clerk", ES_ROLE_APPLICANT | ES_ROLE_UNIT_ADMIN));
	TP_DENIED(es_platform_account_set_roles(e.p, e.maker, "clerk", ES_ROLE_SYSADMIN));
	assert_int_equal(es_platform_account_set_roles(e.p, e.admin, "clerk", ES_ROLE_AUDITOR | ES_ROLE_APPLICANT),
			 ES_EDENIED);
	assert_int_equal(es_platform_account_set_roles(e.p, e.admin, "nobody", ES_ROLE_MAKER), ES_ENOTFOUND);
	/* a refusal names the login, not the account number */
	TP_DENIED(es_platform_region_add(e.p, tp_actor(&e, "clerk"), "350200", "厦门市"));
	assert_non_null(strstr(es_error_last()->message, "account 'clerk'"));
	TU_OK(es_store_open(&st, e.store));
	struct {
		const char *sql;
		int64_t want;
	} q[] = {
		{ "SELECT COUNT(*) FROM audit_log WHERE event = 'region-add'", 3 },
		{ "SELECT COUNT(*) FROM audit_log WHERE event = 'unit-add'", 4 },
		{ "SELECT COUNT(*) FROM audit_log WHERE event = 'person-add'", 1 },
		{ "SELECT COUNT(*) FROM audit_log WHERE event = 'account-add'", 13 },
		{ "SELECT COUNT(*) FROM audit_log WHERE event = 'account-add' AND object_id = 'clerk' AND detail LIKE "
		  "'%roles applicant,%'",
		  1 },
		{ "SELECT COUNT(*) FROM audit_log WHERE event = 'account-roles'", 1 },
		{ "SELECT COUNT(*) FROM audit_log WHERE event = 'account-roles' AND object_id = 'clerk' AND "
		  "detail = 'roles applicant -> applicant,unit-admin'",
		  1 },
		/* by whom: the sysadmin, not the system account */
		{ "SELECT COUNT(*) FROM audit_log l JOIN accounts a ON a.id = l.actor WHERE l.event = 'account-roles' AND "
		  "a.login = 'admin'",
		  1 },
		/* no personal data in clear */
		{ "SELECT COUNT(*) FROM audit_log WHERE detail LIKE '%" TP_RID1 "%' OR detail LIKE '%13912345678%'", 0 },
	};
	for (size_t i = 0; i < ES_ARRAY_LEN(q); i++) {
		TU_OK(es_store_int(st, &n, q[i].sql, NULL, 0));
		if (n != q[i].want)
			fail_msg("%s: %lld, expected %lld", q[i].sql, (long long)n, (long long)q[i].want);
	}
	es_store_close(st);
	tp_teardown(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_kinds),         cmocka_unit_test(t_roles),           cmocka_unit_test(t_ids_and_pii),
		cmocka_unit_test(t_renew_window),  cmocka_unit_test(t_change_revoke),   cmocka_unit_test(t_loss_reissue),
		cmocka_unit_test(t_unused_suspended), cmocka_unit_test(t_one_impression), cmocka_unit_test(t_authorise),
		cmocka_unit_test(t_forward),       cmocka_unit_test(t_batch),
		cmocka_unit_test(t_psb_import),    cmocka_unit_test(t_transition_hook),
		cmocka_unit_test(t_verify_status), cmocka_unit_test(t_separation), cmocka_unit_test(t_records_audited),
	};
	return tp_main(tests, ES_ARRAY_LEN(tests), "platform-lifecycle");
}
