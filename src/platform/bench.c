/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Benchmark: applications processed end to end per second. */
#include "es_int.h"
#include "platform_int.h"
#include <time.h>

int es_platform_bench(const char *store_uri, const char *dir, unsigned n, double *per_second)
{
	ES_ASSERT_ARG(store_uri && dir && per_second && n > 0);
	uint8_t master[ES_BOX_KEY_LEN];
	es_platform *p = NULL;
	es_platform_options o = ES_PLATFORM_OPTIONS_INIT;
	int64_t unit = 0, app, admin = 0, maker = 0, reviewer = 0, applicant = 0;
	struct timespec t0, t1;
	int err;
	memset(master, 0x42, sizeof(master));
	o.store = store_uri;
	o.dir = dir;
	o.master_key = master;
	o.render_dpi = 96;
	if ((err = es_platform_open(&p, &o)) < 0)
		return err;
	es_unit_info u = { "基准测试单位", "91350100100000083E", "350000", 0, NULL };
	if (es_platform_unit_find(p, u.credit_code, &unit) < 0) {
		es_error_clear();
		if ((err = es_platform_region_add(p, ES_ACTOR_SYSTEM, "350000", "福建省")) < 0 && err != ES_EEXISTS)
			goto done;
		if ((err = es_platform_unit_add(p, ES_ACTOR_SYSTEM, &u, &unit)) < 0 ||
		    (err = es_platform_account_add(p, ES_ACTOR_SYSTEM, "bench-admin", ES_ROLE_SYSADMIN, 0, NULL, &admin)) < 0 ||
		    (err = es_platform_account_add(p, ES_ACTOR_SYSTEM, "bench-maker", ES_ROLE_MAKER, 0, NULL, &maker)) < 0 ||
		    (err = es_platform_account_add(p, ES_ACTOR_SYSTEM, "bench-reviewer", ES_ROLE_REVIEWER, 0, NULL, &reviewer)) < 0 ||
		    (err = es_platform_account_add(p, ES_ACTOR_SYSTEM, "bench-applicant", ES_ROLE_APPLICANT, unit, NULL,
						   &applicant)) < 0)
			goto done;
	} else if ((err = es_platform_account_find(p, "bench-maker", &maker)) < 0 ||
		   (err = es_platform_account_find(p, "bench-reviewer", &reviewer)) < 0 ||
		   (err = es_platform_account_find(p, "bench-applicant", &applicant)) < 0) {
		goto done;
	}
	(void)admin;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned i = 0; i < n; i++) {
		es_app_form f = ES_APP_FORM_INIT;
		char esid[15];
		f.unit_id = unit;
		f.kind = ES_KIND_OFFICIAL;
		f.seal_name = "基准测试单位";
		f.width_mm = 42;
		f.height_mm = 42;
		f.handler_name = "经办人";
		f.handler_mobile = "13800000000";
		f.handler_id = "11010519491231002X";
		if ((err = es_platform_app_create(p, applicant, &f, &app)) < 0 ||
		    (err = es_platform_app_submit(p, applicant, app)) < 0 || (err = es_platform_app_check(p, maker, app)) < 0 ||
		    (err = es_platform_app_review(p, reviewer, app, true, NULL)) < 0 ||
		    (err = es_platform_app_make(p, maker, app, esid)) < 0 || (err = es_platform_app_file(p, maker, app)) < 0 ||
		    (err = es_platform_app_deliver(p, maker, app)) < 0 || (err = es_platform_seal_confirm(p, applicant, esid)) < 0)
			goto done;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	*per_second = secs > 0 ? n / secs : 0;
done:
	es_platform_close(p);
	return err;
}
