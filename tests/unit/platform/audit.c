/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The tamper-evident audit log on both backends: every change, use and sign-in is
 * chained; edits, deletions, reordering and a cut tail made directly in the
 * database are found and the first bad entry named. */
#include "tp.h"
#include "tp.c.inc"

/* Run one statement on the platform's database through a second connection. */
static void tamper(tp_env *e, const char *sql)
{
	es_store *st = NULL;
	TU_OK(es_store_open(&st, e->store));
	TU_OK(es_store_exec(st, sql, NULL, 0, NULL, NULL, NULL));
	es_store_close(st);
}

static int64_t count(tp_env *e, const char *sql)
{
	es_store *st = NULL;
	int64_t n = -1;
	TU_OK(es_store_open(&st, e->store));
	TU_OK(es_store_int(st, &n, sql, NULL, 0));
	es_store_close(st);
	return n;
}

/* A platform with some history: an active seal, a use, sign-ins. */
static void history(tp_env *e, char esid[15])
{
	int64_t id;
	tp_setup(e);
	tp_seal(e, ES_KIND_OFFICIAL, 0, "福建省测试厅", 0, esid);
	TU_OK(es_platform_seal_use(e->p, e->applicant, esid));
	TU_OK(es_platform_login(e->p, "applicant", &id));
	assert_int_equal(id, e->applicant);
	TP_DENIED(es_platform_login(e->p, "nobody", &id));
}

static void expect_bad(tp_env *e, int64_t first_bad)
{
	es_audit_report r;
	int err = es_platform_audit_verify(e->p, e->auditor, &r);
	if (err != ES_EVERIFY || r.first_bad != first_bad)
		fail_msg("expected first bad entry %lld, got %d / %lld (%s)", (long long)first_bad, err,
			 (long long)r.first_bad, r.problem);
}

static void t_intact(void **state)
{
	(void)state;
	tp_env e;
	char esid[15];
	es_audit_report r;
	history(&e, esid);
	/* every recorded transition has its audit entry, and so has each use and sign-in */
	assert_int_equal(count(&e, "SELECT COUNT(*) FROM transitions"),
			 count(&e, "SELECT COUNT(*) FROM audit_log WHERE event = 'transition'"));
	assert_int_equal(count(&e, "SELECT COUNT(*) FROM audit_log WHERE event = 'use'"), 1);
	assert_int_equal(count(&e, "SELECT COUNT(*) FROM usage_records"), 1);
	assert_int_equal(count(&e, "SELECT COUNT(*) FROM audit_log WHERE event = 'login'"), 1);
	assert_int_equal(count(&e, "SELECT COUNT(*) FROM audit_log WHERE event = 'login-failed'"), 1);
	TU_OK(es_platform_audit_verify(e.p, e.auditor, &r));
	assert_int_equal(r.first_bad, 0);
	assert_true(r.entries >= 8);
	assert_true(r.checkpoints >= 1); /* every 8 entries in the fixture */
	/* only auditors and administrators read it */
	TP_DENIED(es_platform_audit_verify(e.p, e.applicant, &r));
	TP_DENIED(es_platform_audit_verify(e.p, e.maker, &r));
	TU_OK(es_platform_audit_verify(e.p, e.admin, &r));
	/* refusals by the role table are recorded too, after their rollback */
	TP_DENIED(es_platform_region_add(e.p, e.applicant, "350200", "厦门市"));
	assert_true(count(&e, "SELECT COUNT(*) FROM audit_log WHERE event = 'denied' AND actor = " "0") == 0);
	assert_true(count(&e, "SELECT COUNT(*) FROM audit_log WHERE event = 'denied'") >= 3);
	TU_OK(es_platform_audit_verify(e.p, e.auditor, &r));
	/* a checkpoint on close; reopen verifies */
	es_platform_close(e.p);
	tp_open(&e, NULL);
	TU_OK(es_platform_audit_verify(e.p, e.auditor, &r));
	assert_true(count(&e, "SELECT COUNT(*) FROM audit_checkpoints WHERE seq = (SELECT MAX(seq) FROM audit_log)") == 1);
	tp_teardown(&e);
}

static void t_edit(void **state)
{
	(void)state;
	tp_env e;
	char esid[15];
	history(&e, esid);
	tamper(&e, "UPDATE audit_log SET detail = 'nothing happened' WHERE seq = 5");
	expect_bad(&e, 5);
	tp_teardown(&e);
}

static void t_edit_and_rehash(void **state)
{
	(void)state;
	tp_env e;
	char esid[15];
	history(&e, esid);
	/* changing the actor and recomputing is not possible without SM3 in SQL; a copied hash breaks the chain */
	tamper(&e, "UPDATE audit_log SET actor = 999 WHERE seq = 3");
	expect_bad(&e, 3);
	tp_teardown(&e);
}

static void t_delete(void **state)
{
	(void)state;
	tp_env e;
	char esid[15];
	history(&e, esid);
	tamper(&e, "DELETE FROM audit_log WHERE seq = 4");
	expect_bad(&e, 4);
	tp_teardown(&e);
}

static void t_delete_renumbered(void **state)
{
	(void)state;
	tp_env e;
	char esid[15];
	history(&e, esid);
	/* delete entry 4 and close the gap: entry 5 becomes 4 */
	tamper(&e, "DELETE FROM audit_log WHERE seq = 4");
	tamper(&e, "UPDATE audit_log SET seq = seq - 1 WHERE seq = 5");
	expect_bad(&e, 4);
	tp_teardown(&e);
}

static void t_reorder(void **state)
{
	(void)state;
	tp_env e;
	char esid[15];
	history(&e, esid);
	tamper(&e, "UPDATE audit_log SET seq = -6 WHERE seq = 6");
	tamper(&e, "UPDATE audit_log SET seq = 6 WHERE seq = 7");
	tamper(&e, "UPDATE audit_log SET seq = 7 WHERE seq = -6");
	expect_bad(&e, 6);
	tp_teardown(&e);
}

static void t_truncate(void **state)
{
	(void)state;
	tp_env e;
	char esid[15];
	history(&e, esid);
	int64_t last = count(&e, "SELECT MAX(seq) FROM audit_log");
	tamper(&e, "DELETE FROM audit_log WHERE seq > (SELECT MAX(seq) - 3 FROM audit_log)");
	expect_bad(&e, last - 2);
	tp_teardown(&e);
}

static void t_truncate_covered(void **state)
{
	(void)state;
	tp_env e;
	char esid[15];
	history(&e, esid);
	/* shut down (checkpoint over the head), then cut the tail and fix the counter too */
	es_platform_close(e.p);
	e.p = NULL;
	int64_t last = count(&e, "SELECT MAX(seq) FROM audit_log");
	tamper(&e, "DELETE FROM audit_log WHERE seq > (SELECT MAX(seq) - 2 FROM audit_log)");
	tamper(&e, "UPDATE counters SET value = (SELECT MAX(seq) FROM audit_log) WHERE name = 'audit'");
	tp_open(&e, NULL);
	expect_bad(&e, last - 1);
	tp_teardown(&e);
}

static void t_forged_checkpoint(void **state)
{
	(void)state;
	tp_env e;
	char esid[15];
	history(&e, esid);
	tamper(&e, "UPDATE audit_checkpoints SET at = at + 1 WHERE seq = 8");
	expect_bad(&e, 8);
	tp_teardown(&e);
}

static void t_encoding(void **state)
{
	(void)state;
	es_audit_entry a;
	es_audit_view v;
	es_buf b = ES_BUF_INIT;
	memset(&a, 0, sizeof(a));
	a.seq = 42;
	a.at = 1767225600;
	a.actor = 7;
	a.event = "use";
	a.object = "seal";
	a.object_id = "35000000000001";
	a.detail = "";
	memset(a.prev_hash, 0xab, 32);
	TU_OK(es_audit_entry_encode(&b, &a));
	/* "ES-AUDIT-1" + 3 x 8 + 4 x (4 + len) + 32 */
	assert_int_equal(b.len, 10 + 24 + 4 + 3 + 4 + 4 + 4 + 14 + 4 + 0 + 32);
	assert_memory_equal(b.ptr, "ES-AUDIT-1", 10);
	TU_OK(es_audit_entry_decode(&v, b.ptr, b.len));
	assert_int_equal(v.e.seq, 42);
	assert_int_equal(v.e.actor, 7);
	assert_int_equal(v.object_id_len, 14);
	assert_memory_equal(v.e.object_id, "35000000000001", 14);
	assert_memory_equal(v.e.prev_hash, a.prev_hash, 32);
	for (size_t n = 0; n < b.len; n++)
		assert_true(es_audit_entry_decode(&v, b.ptr, n) < 0);
	es_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_encoding),	    cmocka_unit_test(t_intact),	  cmocka_unit_test(t_edit),
		cmocka_unit_test(t_edit_and_rehash), cmocka_unit_test(t_delete),	  cmocka_unit_test(t_delete_renumbered),
		cmocka_unit_test(t_reorder),	    cmocka_unit_test(t_truncate), cmocka_unit_test(t_truncate_covered),
		cmocka_unit_test(t_forged_checkpoint),
	};
	return tp_main(tests, ES_ARRAY_LEN(tests), "platform-audit");
}
