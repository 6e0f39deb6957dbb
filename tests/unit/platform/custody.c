/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Use approval and usage records, device seals under batch authorisations, software
 * tokens behind PINs, backup and restore, and crash tests, on both backends. */
#include "tp.h"
#include "eseal/es_crypto.h"
#include "eseal/es_pki.h"
#include "eseal/es_keystore.h"
#include "tp.c.inc"



static void doc(uint8_t h[32], const char *text)
{
	TU_OK(es_sm3(h, text, strlen(text)));
}

static void audit_ok(tp_env *e)
{
	es_audit_report r;
	int err = es_platform_audit_verify(e->p, e->auditor, &r);
	if (err != 0)
		fail_msg("audit: %d %lld %s", err, (long long)r.first_bad, r.problem);
}

static void t_use_approval(void **state)
{
	(void)state;
	tp_env e;
	char esid[15], st[16];
	uint8_t h1[32], h2[32];
	int64_t req, req2, n;
	es_buf sig = ES_BUF_INIT;
	tp_setup(&e);
	es_actor *appr = tp_approver(&e);
	tp_seal(&e, ES_KIND_OFFICIAL, 0, "福建省测试厅", 0, esid);
	doc(h1, "合同一");
	doc(h2, "合同二");
	/* no request: refused */
	TP_DENIED(es_platform_seal_sign(e.p, e.applicant, esid, h1, 0, NULL, &sig));
	TU_OK(es_platform_use_request(e.p, e.applicant, esid, h1, "签订采购合同", &req));
	TP_DENIED(es_platform_use_request(e.p, e.applicant_other, esid, h1, "别人的章", &req2));
	/* not yet approved */
	assert_int_equal(es_platform_seal_sign(e.p, e.applicant, esid, h1, req, NULL, &sig), ES_ESTATE);
	/* only a use approver approves */
	TP_DENIED(es_platform_use_decide(e.p, e.applicant, req, true, NULL));
	TP_DENIED(es_platform_use_decide(e.p, e.reviewer, req, true, NULL));
	TU_OK(es_platform_use_decide(e.p, appr, req, true, NULL));
	TU_OK(es_platform_use_state(e.p, req, st, sizeof(st)));
	assert_string_equal(st, "approved");
	assert_int_equal(es_platform_use_decide(e.p, appr, req, false, "again"), ES_ESTATE);
	/* another document: refused */
	TP_DENIED(es_platform_seal_sign(e.p, e.applicant, esid, h2, req, NULL, &sig));
	assert_int_equal(sig.len, 0);
	TU_OK(es_platform_seal_sign(e.p, e.applicant, esid, h1, req, NULL, &sig));
	/* the signature is a GB/T 38540 SES_Signature over exactly this hash */
	es_ses_sig *ss = NULL;
	TU_OK(es_ses_sig_parse(&ss, sig.ptr, sig.len));
	es_ses_sig_free(ss);
	TU_OK(es_platform_use_state(e.p, req, st, sizeof(st)));
	assert_string_equal(st, "used");
	/* once */
	sig.len = 0;
	assert_int_equal(es_platform_seal_sign(e.p, e.applicant, esid, h1, req, NULL, &sig), ES_ESTATE);
	TU_OK(es_platform_usage_count(e.p, esid, &n));
	assert_int_equal(n, 1);
	assert_int_equal(tp_count(&e, "SELECT COUNT(*) FROM usage_records u JOIN use_requests r ON r.id = u.request_id "
				   "WHERE u.doc_hash = r.doc_hash AND r.state = 'used'"),
			 1);
	/* a rejection needs a reason and blocks use */
	TU_OK(es_platform_use_request(e.p, e.applicant, esid, h2, "空白公文", &req2));
	assert_int_equal(es_platform_use_decide(e.p, appr, req2, false, NULL), ES_EINVAL);
	TU_OK(es_platform_use_decide(e.p, appr, req2, false, "不得在空白文件上用印"));
	assert_int_equal(es_platform_seal_sign(e.p, e.applicant, esid, h2, req2, NULL, &sig), ES_ESTATE);
	/* a suspended or lost seal is not used even with an approval */
	assert_true(tp_count(&e, "SELECT COUNT(*) FROM audit_log WHERE event = 'use-refused'") >= 4);
	audit_ok(&e);
	es_buf_release(&sig);
	tp_teardown(&e);
}

static void t_device_batch(void **state)
{
	(void)state;
	tp_env e;
	char esid[15];
	uint8_t h[32], pt1[65], pt2[65];
	int64_t batch, n, usage;
	es_sm2_key *dev = NULL;
	es_buf csr = ES_BUF_INIT, cert = ES_BUF_INIT, sig = ES_BUF_INIT;
	es_cert *c = NULL;
	const es_sm2_key *pub;
	tp_setup(&e);
	es_actor *appr = tp_approver(&e);
	tp_seal(&e, ES_KIND_OFFICIAL, 0, "福建省测试厅", 0, esid);
	/* the device makes its key and a PKCS#10 request; the platform issues the certificate */
	TU_OK(es_sm2_key_generate(&dev));
	TU_OK(es_csr_make(&csr, dev, "/C=CN/CN=usb key"));
	TP_DENIED(es_platform_seal_bind_device(e.p, e.applicant, esid, csr.ptr, csr.len, &cert));
	TU_OK(es_platform_seal_bind_device(e.p, e.unit_admin, esid, csr.ptr, csr.len, &cert));
	TU_OK(es_cert_from_der(&c, cert.ptr, cert.len));
	TU_OK(es_cert_pubkey(&pub, c));
	TU_OK(es_sm2_key_point(pt1, pub));
	TU_OK(es_sm2_key_point(pt2, dev));
	assert_memory_equal(pt1, pt2, 65);
	/* the platform holds no key for it */
	assert_int_equal(tp_count(&e, "SELECT COUNT(*) FROM seals WHERE length(key_enc) = 0"), 1);
	/* the seal record binds the device certificate */
	es_buf der = ES_BUF_INIT;
	es_seal *seal = NULL;
	TU_OK(es_platform_seal_der(e.p, esid, &der));
	TU_OK(es_seal_parse(&seal, der.ptr, der.len));
	assert_int_equal(es_seal_fields_get(seal)->ncerts, 1);
	assert_memory_equal(es_seal_fields_get(seal)->certs[0].ptr, cert.ptr, cert.len);
	es_seal_free(seal);
	es_buf_release(&der);
	doc(h, "批量文件");
	/* no platform signing and no use without an authorisation */
	TP_DENIED(es_platform_seal_sign(e.p, e.applicant, esid, h, 1, NULL, &sig));
	TP_DENIED(es_platform_device_use(e.p, e.applicant, esid, h, &usage));
	es_time now = es_time_now();
	TP_DENIED(es_platform_batch_authorise(e.p, e.applicant, esid, "批量用印", now, now + 10 * TP_DAY, &batch));
	TU_OK(es_platform_batch_authorise(e.p, appr, esid, "批量用印", now, now + 10 * TP_DAY, &batch));
	for (int i = 0; i < 20; i++) {
		char t[32];
		snprintf(t, sizeof(t), "文件 %d", i);
		doc(h, t);
		TU_OK(es_platform_device_use(e.p, e.applicant, esid, h, &usage));
	}
	TU_OK(es_platform_usage_count(e.p, esid, &n));
	assert_int_equal(n, 20);
	/* until it expires */
	tp_now_days(11);
	TP_DENIED(es_platform_device_use(e.p, e.applicant, esid, h, &usage));
	TU_OK(es_platform_usage_count(e.p, esid, &n));
	assert_int_equal(n, 20);
	/* a batch authorisation is for device seals only */
	char esid2[15];
	tp_seal(&e, ES_KIND_SPECIAL, ES_FUNC_FINANCE, "福建省测试厅财务专用章", 0, esid2);
	TP_STATE(es_platform_batch_authorise(e.p, appr, esid2, "批量", es_time_now(), es_time_now() + TP_DAY, &batch));
	/* and for a usable one: a lost device seal gets none */
	es_app_form f = tp_form(&e, ES_BIZ_LOSS, esid);
	int64_t app;
	TU_OK(es_platform_app_create(e.p, e.applicant, &f, &app));
	TU_OK(es_platform_app_submit(e.p, e.applicant, app));
	TP_STATE(es_platform_batch_authorise(e.p, appr, esid, "批量", es_time_now(), es_time_now() + TP_DAY, &batch));
	assert_non_null(strstr(es_error_last()->message, "is lost"));
	audit_ok(&e);
	es_cert_free(c);
	es_sm2_key_free(dev);
	es_buf_release(&csr);
	es_buf_release(&cert);
	es_buf_release(&sig);
	tp_teardown(&e);
}

static void t_pin(void **state)
{
	(void)state;
	tp_env e;
	char esid[15], unlocked_esid[15];
	uint8_t h[32];
	int64_t req, app;
	bool locked;
	int fails;
	es_buf sig = ES_BUF_INIT;
	tp_setup(&e);
	es_actor *appr = tp_approver(&e);
	tp_seal(&e, ES_KIND_OFFICIAL, 0, "福建省测试厅", 0, esid);
	TP_DENIED(es_platform_token_init(e.p, e.applicant, esid, "u-pin-1234", "a-pin-5678"));
	assert_int_equal(es_platform_token_init(e.p, e.unit_admin, esid, "123", "a-pin-5678"), ES_EINVAL);
	TU_OK(es_platform_token_init(e.p, e.unit_admin, esid, "u-pin-1234", "a-pin-5678"));
	/* the key is no longer under the data key */
	assert_int_equal(tp_count(&e, "SELECT COUNT(*) FROM seals WHERE length(key_enc) = 0"), 1);
	doc(h, "用印文件");
	TU_OK(es_platform_use_request(e.p, e.applicant, esid, h, "用印", &req));
	TU_OK(es_platform_use_decide(e.p, appr, req, true, NULL));
	TP_AUTH(es_platform_seal_sign(e.p, e.applicant, esid, h, req, "wrong-pin", &sig));
	TU_OK(es_platform_seal_sign(e.p, e.applicant, esid, h, req, "u-pin-1234", &sig));
	/* five wrong PINs lock the token */
	for (int i = 1; i <= ES_PIN_TRIES - 1; i++) {
		TP_AUTH(es_platform_token_check(e.p, e.applicant, esid, "wrong-pin"));
		TU_OK(es_platform_token_status(e.p, esid, &locked, &fails));
		assert_false(locked);
	}
	TU_OK(es_platform_token_check(e.p, e.applicant, esid, "u-pin-1234")); /* resets the count */
	for (int i = 1; i <= ES_PIN_TRIES; i++)
		TP_AUTH(es_platform_token_check(e.p, e.applicant, esid, "wrong-pin"));
	TU_OK(es_platform_token_status(e.p, esid, &locked, &fails));
	assert_true(locked);
	assert_int_equal(fails, ES_PIN_TRIES);
	TP_STATE(es_platform_token_check(e.p, e.applicant, esid, "u-pin-1234"));
	/* the admin PIN alone does not unlock: a PIN-unlock application is needed */
	TP_STATE(es_platform_token_reset(e.p, e.unit_admin, esid, "a-pin-5678", "new-pin-999"));
	es_app_form f = tp_form(&e, ES_BIZ_PIN_UNLOCK, esid);
	TU_OK(es_platform_app_create(e.p, e.applicant, &f, &app));
	tp_process(&e, app, unlocked_esid);
	assert_string_equal(unlocked_esid, esid);
	TP_DENIED(es_platform_token_reset(e.p, e.applicant, esid, "a-pin-5678", "new-pin-999"));
	TP_AUTH(es_platform_token_reset(e.p, e.unit_admin, esid, "wrong-admin", "new-pin-999"));
	TU_OK(es_platform_token_reset(e.p, e.unit_admin, esid, "a-pin-5678", "new-pin-999"));
	TU_OK(es_platform_token_status(e.p, esid, &locked, &fails));
	assert_false(locked);
	/* the old PIN no longer works, the new one does */
	TP_AUTH(es_platform_token_check(e.p, e.applicant, esid, "u-pin-1234"));
	TU_OK(es_platform_token_check(e.p, e.applicant, esid, "new-pin-999"));
	/* one application, one reset */
	TP_STATE(es_platform_token_reset(e.p, e.unit_admin, esid, "a-pin-5678", "other-pin-1"));
	/* the holder changes the PIN */
	TU_OK(es_platform_token_change_pin(e.p, e.applicant, esid, "new-pin-999", "changed-pin-7"));
	TP_AUTH(es_platform_token_check(e.p, e.applicant, esid, "new-pin-999"));
	TU_OK(es_platform_token_check(e.p, e.applicant, esid, "changed-pin-7"));
	/* the same token through the key-store interface */
	{
		es_keystore *ks = NULL;
		uint8_t pub[65], dg[32], raw[64];
		es_buf der = ES_BUF_INIT;
		es_sm2_key *pk = NULL;
		TP_DENIED(es_platform_token_keystore(e.p, e.auditor, esid, &ks));
		TU_OK(es_platform_token_keystore(e.p, e.applicant, esid, &ks));
		assert_string_equal(es_keystore_name(ks), "soft");
		TU_OK(es_keystore_find_key(ks, esid, pub));
		TP_STATE(es_keystore_sign_digest(ks, esid, h, raw));
		TP_AUTH(es_keystore_login(ks, "wrong-pin"));
		TU_OK(es_keystore_login(ks, "changed-pin-7"));
		TU_OK(es_sm3(dg, "digest", 6));
		TU_OK(es_keystore_sign_digest(ks, esid, dg, raw));
		TU_OK(es_sm2_key_from_point(&pk, pub));
		TU_OK(es_sm2_sig_raw_to_der(&der, raw));
		TU_OK(es_sm2_verify_digest(pk, dg, der.ptr, der.len));
		es_sm2_key_free(pk);
		es_buf_release(&der);
		es_keystore_close(ks);
	}
	/* every failure is audited; no PIN appears in the audit log */
	assert_true(tp_count(&e, "SELECT COUNT(*) FROM audit_log WHERE event IN ('pin-failed', 'pin-locked')") >= 10);
	assert_int_equal(tp_count(&e, "SELECT COUNT(*) FROM audit_log WHERE detail LIKE '%u-pin-1234%' OR detail LIKE "
				   "'%a-pin-5678%' OR detail LIKE '%wrong-pin%' OR detail LIKE '%new-pin-999%' OR "
				   "object_id LIKE '%pin-1234%'"),
			 0);
	audit_ok(&e);
	es_buf_release(&sig);
	tp_teardown(&e);
}

/* ---- backup and restore --------------------------------------------------------- */

static const char *const tables[] = { "seals", "applications", "transitions", "audit_log", "audit_checkpoints",
				      "usage_records", "use_requests", "accounts", "units", "people", "outbox" };

static void t_backup(void **state)
{
	(void)state;
	tp_env e, r;
	char esid[15], path[600], bad[600], sql[128];
	uint8_t h[32];
	int64_t req;
	es_audit_report rep;
	es_buf sig = ES_BUF_INIT, file = ES_BUF_INIT;
	tp_setup(&e);
	es_actor *appr = tp_approver(&e);
	tp_seal(&e, ES_KIND_OFFICIAL, 0, "福建省测试厅", 0, esid);
	doc(h, "备份前的文件");
	TU_OK(es_platform_use_request(e.p, e.applicant, esid, h, "用印", &req));
	TU_OK(es_platform_use_decide(e.p, appr, req, true, NULL));
	TU_OK(es_platform_seal_sign(e.p, e.applicant, esid, h, req, NULL, &sig));
	snprintf(path, sizeof(path), "%s/backup.esbk", e.dir);
	TP_DENIED(es_platform_backup(e.p, e.applicant, path));
	TU_OK(es_platform_backup(e.p, e.admin, path));
	/* restore into a fresh directory and store */
	memset(&r, 0, sizeof(r));
	int n = snprintf(r.dir, sizeof(r.dir), "%s/restored", e.dir);
	assert_true(n > 0 && (size_t)n < sizeof(r.dir));
	TU_OK(es_mkdirs(r.dir, 0700));
	tp_store_uri(r.store, sizeof(r.store), r.dir);
	TU_OK(es_platform_restore(path, tp_master, r.store, r.dir, &rep));
	assert_int_equal(rep.first_bad, 0);
	assert_true(rep.entries > 10);
	/* every record is there */
	for (size_t i = 0; i < ES_ARRAY_LEN(tables); i++) {
		snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM %s", tables[i]);
		int64_t a = tp_count(&e, sql), b = tp_count(&r, sql);
		/* the original went on after the snapshot only by checkpoints */
		if (strcmp(tables[i], "audit_checkpoints") != 0 && a != b)
			fail_msg("%s: %lld rows, restored %lld", tables[i], (long long)a, (long long)b);
	}
	/* the restored platform works: it signs with the restored, still wrapped key */
	tp_open(&r, NULL);
	es_seal_record sr;
	TU_OK(es_platform_seal_get(r.p, esid, &sr));
	assert_string_equal(sr.state, "active");
	r.auditor = e.auditor;
	audit_ok(&r);
	es_platform_close(r.p);
	/* a restore never overwrites */
	assert_true(es_platform_restore(path, tp_master, r.store, r.dir, &rep) < 0);
	es_error_clear();
	/* one flipped byte anywhere, a cut, or the wrong key: refused, nothing written */
	TU_OK(es_file_read(&file, path, 1 << 30));
	uint8_t wrong[32];
	memcpy(wrong, tp_master, 32);
	wrong[0] ^= 1;
	tp_env f;
	memset(&f, 0, sizeof(f));
	n = snprintf(f.dir, sizeof(f.dir), "%s/refused", e.dir);
	assert_true(n > 0 && (size_t)n < sizeof(f.dir));
	tp_store_uri(f.store, sizeof(f.store), f.dir);
	assert_int_equal(es_platform_restore(path, wrong, f.store, f.dir, &rep), ES_EVERIFY);
	size_t offsets[] = { 0, 15, 20, 40, file.len / 2, file.len - 1 };
	snprintf(bad, sizeof(bad), "%s/bad.esbk", e.dir);
	for (size_t i = 0; i < ES_ARRAY_LEN(offsets); i++) {
		file.ptr[offsets[i]] ^= 0x01;
		TU_OK(es_file_write(bad, file.ptr, file.len, 0600));
		file.ptr[offsets[i]] ^= 0x01;
		assert_int_equal(es_platform_restore(bad, tp_master, f.store, f.dir, &rep), ES_EVERIFY);
	}
	TU_OK(es_file_write(bad, file.ptr, file.len - 7, 0600));
	assert_int_equal(es_platform_restore(bad, tp_master, f.store, f.dir, &rep), ES_EVERIFY);
	if (strcmp(tp_backend, "sqlite") == 0) {
		char db[600];
		snprintf(db, sizeof(db), "%s/platform.db", f.dir);
		assert_int_equal(es_file_exists(db), 0);
	} else {
		/* (opening the store to look creates the empty schema) */
		assert_int_equal(tp_count(&f, "SELECT COUNT(*) FROM audit_log"), 0);
	}
	es_buf_release(&file);
	es_buf_release(&sig);
	tp_teardown(&e);
}

/* ---- crash tests ------------------------------------------------------------------ */

static void t_crash_uses(void **state)
{
	(void)state;
	tp_env e;
	char esid[15];
	int fds[2];
	tp_setup(&e);
	tp_seal(&e, ES_KIND_OFFICIAL, 0, "福建省测试厅", 0, esid);
	assert_int_equal(pipe(fds), 0);
	pid_t kid = fork();
	assert_true(kid >= 0);
	if (kid == 0) {
		close(fds[0]);
		e.p = NULL; /* the parent's connection is not ours */
		tp_open(&e, NULL);
		for (int i = 0; i < 100000; i++) {
			if (es_platform_seal_use(e.p, e.applicant, esid) < 0)
				_exit(1);
			/* reported only after the commit returned */
			if (write(fds[1], "u", 1) != 1)
				_exit(1);
		}
		_exit(0);
	}
	close(fds[1]);
	char x;
	int64_t reported = 0;
	while (reported < 15 && read(fds[0], &x, 1) == 1)
		reported++;
	kill(kid, SIGKILL);
	waitpid(kid, NULL, 0);
	while (read(fds[0], &x, 1) == 1)
		reported++;
	close(fds[0]);
	int64_t n;
	TU_OK(es_platform_usage_count(e.p, esid, &n));
	/* nothing reported is lost; at most the one in flight committed without its report */
	assert_true(n >= reported && n <= reported + 1);
	assert_int_equal(tp_count(&e, "SELECT COUNT(*) FROM audit_log WHERE event = 'use'"), n);
	assert_int_equal(tp_count(&e, "SELECT COUNT(*) FROM usage_records u WHERE NOT EXISTS (SELECT 1 FROM audit_log a "
				   "WHERE a.seq = u.audit_seq AND a.event = 'use')"),
			 0);
	es_platform_close(e.p);
	tp_open(&e, NULL);
	audit_ok(&e);
	TU_OK(es_platform_seal_use(e.p, e.applicant, esid));
	audit_ok(&e);
	tp_teardown(&e);
}

static void t_crash_backup(void **state)
{
	(void)state;
	tp_env e;
	char esid[15], path[600];
	es_audit_report rep;
	tp_setup(&e);
	tp_seal(&e, ES_KIND_OFFICIAL, 0, "福建省测试厅", 0, esid);
	snprintf(path, sizeof(path), "%s/crash.esbk", e.dir);
	for (int round = 0; round < 3; round++) {
		int fds[2];
		assert_int_equal(pipe(fds), 0);
		pid_t kid = fork();
		assert_true(kid >= 0);
		if (kid == 0) {
			close(fds[0]);
			e.p = NULL;
			tp_open(&e, NULL);
			if (write(fds[1], "s", 1) != 1)
				_exit(1);
			for (;;)
				if (es_platform_backup(e.p, e.admin, path) < 0 || es_platform_seal_use(e.p, e.applicant, esid) < 0)
					_exit(1);
		}
		close(fds[1]);
		char x;
		assert_int_equal(read(fds[0], &x, 1), 1);
		close(fds[0]);
		usleep(20000 + 35000 * round);
		kill(kid, SIGKILL);
		waitpid(kid, NULL, 0);
		/* PATH is absent or a whole, authentic backup; never half a file */
		if (es_file_exists(path) == 1) {
			es_buf file = ES_BUF_INIT, snap = ES_BUF_INIT;
			TU_OK(es_file_read(&file, path, 1 << 30));
			TU_OK(es_backup_open(&snap, tp_master, file.ptr, file.len, NULL));
			es_buf_release(&file);
			es_buf_release(&snap);
			tp_env r;
			memset(&r, 0, sizeof(r));
			int n = snprintf(r.dir, sizeof(r.dir), "%s/r%d", e.dir, round);
			assert_true(n > 0 && (size_t)n < sizeof(r.dir));
			tp_store_uri(r.store, sizeof(r.store), r.dir);
			TU_OK(es_platform_restore(path, tp_master, r.store, r.dir, &rep));
		}
	}
	es_platform_close(e.p);
	tp_open(&e, NULL);
	audit_ok(&e);
	tp_teardown(&e);
}

/* ---- seals whose key is in a key store ---------------------------------------------- */

static void sql(tp_env *e, const char *text, const es_sval *pv, size_t n)
{
	es_store *st = NULL;
	TU_OK(es_store_open(&st, e->store));
	TU_OK(es_store_exec(st, text, pv, n, NULL, NULL, NULL));
	es_store_close(st);
}

static void approved(tp_env *e, const es_actor *appr, const char *esid, const uint8_t h[32], int64_t *req)
{
	TU_OK(es_platform_use_request(e->p, e->applicant, esid, h, "用印", req));
	TU_OK(es_platform_use_decide(e->p, appr, *req, true, NULL));
}

static void state_is(tp_env *e, int64_t req, const char *want)
{
	char st[16];
	TU_OK(es_platform_use_state(e->p, req, st, sizeof(st)));
	assert_string_equal(st, want);
}

static void verifies(tp_env *e, const es_buf *sig, const char *text)
{
	es_buf root_pem = ES_BUF_INIT;
	es_cert *root = NULL;
	es_trust *trust = NULL;
	es_report r;
	es_verify_options vo = ES_VERIFY_OPTIONS_INIT;
	TU_OK(es_platform_authority_pem(e->p, &root_pem, NULL));
	TU_OK(es_cert_from_pem(&root, root_pem.ptr, root_pem.len));
	TU_OK(es_trust_new(&trust));
	TU_OK(es_trust_add_anchor(trust, root));
	vo.trust = trust;
	vo.original = (const uint8_t *)text;
	vo.original_len = strlen(text);
	vo.has_original = true;
	vo.status = es_platform_status_fn;
	vo.status_payload = e->p;
	es_report_init(&r);
	TU_OK(es_verify_file(&r, sig->ptr, sig->len, &vo));
	assert_int_equal(r.nsigs, 1);
	if (r.verdict != ES_VERDICT_VALID)
		fail_msg("expected valid, got %s", es_verdict_name(r.verdict));
	es_report_release(&r);
	es_trust_free(trust);
	es_cert_free(root);
	es_buf_release(&root_pem);
}

static void t_keystore_token(void **state)
{
	(void)state;
	tp_env e;
	char a[15], b[15], d[15], loc[64], got[ES_KEY_LOCATION_MAX + 1];
	const char *text = "令牌中的密钥签署的合同", *text2 = "第二份合同";
	uint8_t h[32], h2[32], pt_cert[65], pt_tok[65];
	int64_t req, req2, n;
	bool locked;
	int fails;
	es_buf sig = ES_BUF_INIT, cert = ES_BUF_INIT, der = ES_BUF_INIT;
	tp_setup(&e);
	es_actor *appr = tp_approver(&e);
	tp_seal(&e, ES_KIND_OFFICIAL, 0, "福建省测试厅", 0, a);
	tp_seal(&e, ES_KIND_SPECIAL, ES_FUNC_CONTRACT, "福建省测试厅合同专用章", 0, b);
	tp_seal(&e, ES_KIND_SPECIAL, ES_FUNC_FINANCE, "福建省测试厅财务专用章", 0, d);
	TU_OK(es_platform_token_init(e.p, e.unit_admin, b, "hold-pin-1", "hold-admin-1"));
	TU_OK(es_platform_token_init(e.p, e.unit_admin, d, "hold-pin-2", "hold-admin-2"));
	snprintf(loc, sizeof(loc), "token:%s", b);
	/* malformed locations, the seal's own key, the wrong role, a seal that is not a token */
	assert_int_equal(es_platform_seal_bind_keystore(e.p, e.unit_admin, a, "token", NULL, &cert), ES_EINVAL);
	assert_int_equal(es_platform_seal_bind_keystore(e.p, e.unit_admin, a, "token:123", NULL, &cert), ES_EINVAL);
	{
		char self[64];
		snprintf(self, sizeof(self), "token:%s", a);
		assert_int_equal(es_platform_seal_bind_keystore(e.p, e.unit_admin, a, self, NULL, &cert), ES_EINVAL);
		TP_STATE(es_platform_seal_bind_keystore(e.p, e.unit_admin, d, self, NULL, &cert));
	}
	TP_DENIED(es_platform_seal_bind_keystore(e.p, e.applicant, a, loc, NULL, &cert));
	/* a wrong PIN at binding is refused and counted by the token */
	TP_AUTH(es_platform_seal_bind_keystore(e.p, e.unit_admin, a, loc, "wrong-pin-x", &cert));
	TU_OK(es_platform_token_status(e.p, b, &locked, &fails));
	assert_int_equal(fails, 1);
	assert_int_equal(cert.len, 0);
	TU_OK(es_platform_seal_bind_keystore(e.p, e.unit_admin, a, loc, "hold-pin-1", &cert));
	TU_OK(es_platform_token_status(e.p, b, &locked, &fails));
	assert_int_equal(fails, 0);
	/* the certificate is issued for the token's public point and bound into the seal */
	{
		es_cert *c = NULL;
		const es_sm2_key *pk = NULL;
		es_keystore *ks = NULL;
		es_seal *seal = NULL;
		TU_OK(es_cert_from_der(&c, cert.ptr, cert.len));
		TU_OK(es_cert_pubkey(&pk, c));
		TU_OK(es_sm2_key_point(pt_cert, pk));
		TU_OK(es_platform_token_keystore(e.p, e.applicant, b, &ks));
		TU_OK(es_keystore_find_key(ks, b, pt_tok));
		es_keystore_close(ks);
		assert_memory_equal(pt_cert, pt_tok, 65);
		TU_OK(es_platform_seal_der(e.p, a, &der));
		TU_OK(es_seal_parse(&seal, der.ptr, der.len));
		assert_int_equal(es_seal_fields_get(seal)->ncerts, 1);
		assert_memory_equal(es_seal_fields_get(seal)->certs[0].ptr, cert.ptr, cert.len);
		es_seal_free(seal);
		es_cert_free(c);
	}
	/* the platform keeps no private key for it */
	assert_int_equal(tp_count(&e, "SELECT COUNT(*) FROM seals WHERE length(key_enc) = 0"), 3);
	TU_OK(es_platform_seal_key_location(e.p, a, got, sizeof(got)));
	assert_string_equal(got, loc);
	TU_OK(es_platform_seal_key_location(e.p, b, got, sizeof(got)));
	assert_string_equal(got, "");
	/* bound once */
	TP_STATE(es_platform_seal_bind_keystore(e.p, e.unit_admin, a, loc, NULL, &cert));
	assert_int_equal(tp_count(&e, "SELECT COUNT(*) FROM audit_log WHERE event = 'keystore-bind'"), 1);

	tp_now_days(1);
	TU_OK(es_sm3(h, text, strlen(text)));
	TU_OK(es_sm3(h2, text2, strlen(text2)));
	/* without an approved request: refused, whatever the PIN */
	TP_DENIED(es_platform_seal_sign(e.p, e.applicant, a, h, 0, "hold-pin-1", &sig));
	TU_OK(es_platform_use_request(e.p, e.applicant, a, h, "用印", &req));
	assert_int_equal(es_platform_seal_sign(e.p, e.applicant, a, h, req, "hold-pin-1", &sig), ES_ESTATE);
	TU_OK(es_platform_use_decide(e.p, appr, req, true, NULL));
	/* a wrong PIN is refused and counted by the token holding the key */
	TP_AUTH(es_platform_seal_sign(e.p, e.applicant, a, h, req, "wrong-pin-x", &sig));
	TP_AUTH(es_platform_seal_sign(e.p, e.applicant, a, h, req, NULL, &sig));
	TU_OK(es_platform_token_status(e.p, b, &locked, &fails));
	assert_int_equal(fails, 2);
	assert_false(locked);
	assert_null(strstr(es_error_last()->message, "wrong-pin-x"));
	state_is(&e, req, "approved");
	assert_int_equal(sig.len, 0);
	/* the right PIN: an SES_Signature that verifies against the platform root */
	TU_OK(es_platform_seal_sign(e.p, e.applicant, a, h, req, "hold-pin-1", &sig));
	verifies(&e, &sig, text);
	state_is(&e, req, "used");
	TU_OK(es_platform_usage_count(e.p, a, &n));
	assert_int_equal(n, 1);
	assert_int_equal(tp_count(&e, "SELECT COUNT(*) FROM usage_records u JOIN audit_log l ON l.seq = u.audit_seq "
				   "JOIN use_requests r ON r.id = u.request_id WHERE l.event = 'use' AND r.state = 'used' "
				   "AND u.doc_hash = r.doc_hash"),
			 1);
	/* once */
	sig.len = 0;
	assert_int_equal(es_platform_seal_sign(e.p, e.applicant, a, h, req, "hold-pin-1", &sig), ES_ESTATE);

	/* five wrong PINs lock the token; then the right PIN is refused too */
	approved(&e, appr, a, h2, &req2);
	for (int i = 0; i < ES_PIN_TRIES; i++)
		TP_AUTH(es_platform_seal_sign(e.p, e.applicant, a, h2, req2, "wrong-pin-x", &sig));
	TU_OK(es_platform_token_status(e.p, b, &locked, &fails));
	assert_true(locked);
	TP_STATE(es_platform_seal_sign(e.p, e.applicant, a, h2, req2, "hold-pin-1", &sig));
	assert_non_null(strstr(es_error_last()->message, "PIN-unlock"));
	state_is(&e, req2, "approved");

	/* a token whose key does not match the certificate: refused by the seal layer, nothing used up */
	{
		char other[64];
		snprintf(other, sizeof(other), "token:%s", d);
		es_sval pv[2] = { ES_SV_S(other), ES_SV_S(a) };
		sql(&e, "UPDATE tokens SET location = ? WHERE esid = ?", pv, 2);
	}
	assert_int_equal(es_platform_seal_sign(e.p, e.applicant, a, h2, req2, "hold-pin-2", &sig), ES_EVERIFY);
	assert_int_equal(sig.len, 0);
	state_is(&e, req2, "approved");
	TU_OK(es_platform_usage_count(e.p, a, &n));
	assert_int_equal(n, 1);
	assert_int_equal(tp_count(&e, "SELECT COUNT(*) FROM audit_log WHERE event = 'use-refused' AND detail LIKE "
				   "'%does not match%'"),
			 1);

	/* no PIN in the audit log or the database's text columns */
	assert_int_equal(tp_count(&e, "SELECT COUNT(*) FROM audit_log WHERE detail LIKE '%hold-pin%' OR detail LIKE "
				   "'%wrong-pin%' OR detail LIKE '%hold-admin%'"),
			 0);
	assert_int_equal(tp_count(&e, "SELECT COUNT(*) FROM tokens WHERE location LIKE '%pin%'"), 0);
	audit_ok(&e);
	es_buf_release(&sig);
	es_buf_release(&cert);
	es_buf_release(&der);
	tp_teardown(&e);
}

/* SoftHSM2 has no SM2: the PKCS#11 location is parsed, and an unreachable module is a clear error. */
static void t_keystore_pkcs11(void **state)
{
	(void)state;
	tp_env e;
	char a[15], got[ES_KEY_LOCATION_MAX + 1];
	uint8_t h[32];
	int64_t req, n;
	es_key_location l;
	es_buf sig = ES_BUF_INIT, cert = ES_BUF_INIT;
	static const char *const bad[] = {
		"pkcs11:",
		"pkcs11:libsofthsm2.so|tok|key",
		"pkcs11:/usr/lib/m.so",
		"pkcs11:/usr/lib/m.so|tok",
		"pkcs11:/usr/lib/m.so|tok|",
		"pkcs11:/usr/lib/m.so|tok|key|0x80000101",
		"pkcs11:/usr/lib/m.so|tok|key|zz|1",
		"pkcs11:/usr/lib/m.so|tok|key|-1|1",
		"pkcs11:/usr/lib/m.so|tok|key|1|2|3",
		"pkcs11:/usr/lib/m.so|a-token-label-longer-than-32-bytes|key",
		"pkcs11:/usr/lib/m.so|tok|key\n",
		"file:/usr/lib/m.so",
		"",
	};
	TU_OK(es_platform_key_location_parse(&l, "pkcs11:/usr/lib/softhsm/libsofthsm2.so|eseal|seal-key|0x80000101|0x80000001"));
	assert_string_equal(l.kind, "pkcs11");
	assert_string_equal(l.module, "/usr/lib/softhsm/libsofthsm2.so");
	assert_string_equal(l.token_label, "eseal");
	assert_string_equal(l.key_label, "seal-key");
	assert_true(l.mechanism == 0x80000101ul);
	assert_true(l.key_type == 0x80000001ul);
	TU_OK(es_platform_key_location_parse(&l, "pkcs11:/opt/vendor/libp11.so||seal 1"));
	assert_string_equal(l.token_label, "");
	assert_string_equal(l.key_label, "seal 1");
	assert_true(l.mechanism == 0);
	TU_OK(es_platform_key_location_parse(&l, "token:35000000000001"));
	assert_string_equal(l.kind, "token");
	assert_string_equal(l.esid, "35000000000001");
	for (size_t i = 0; i < ES_ARRAY_LEN(bad); i++)
		if (es_platform_key_location_parse(&l, bad[i]) != ES_EINVAL)
			fail_msg("location '%s' accepted", bad[i]);

	tp_setup(&e);
	es_actor *appr = tp_approver(&e);
	tp_seal(&e, ES_KIND_OFFICIAL, 0, "福建省测试厅", 0, a);
	/* binding to a module that is not there: a clear error, the seal unchanged */
	int err = es_platform_seal_bind_keystore(e.p, e.unit_admin, a, "pkcs11:/nonexistent/libnone-p11.so|tok|key",
						 "some-pin-1", &cert);
	assert_int_equal(err, ES_ENOTFOUND);
	assert_non_null(strstr(es_error_last()->message, "unreachable"));
	assert_non_null(strstr(es_error_last()->message, "/nonexistent/libnone-p11.so"));
	assert_null(strstr(es_error_last()->message, "some-pin-1"));
	TU_OK(es_platform_seal_key_location(e.p, a, got, sizeof(got)));
	assert_string_equal(got, "");
	assert_int_equal(tp_count(&e, "SELECT COUNT(*) FROM seals WHERE length(key_enc) = 0"), 0);
	/* a seal recorded as bound to a PKCS#11 key whose module is gone: signing says so, nothing used up */
	{
		es_sval pv[2] = { ES_SV_S(a), ES_SV_S("pkcs11:/nonexistent/libnone-p11.so|tok|key|0x80000101|0x80000001") };
		sql(&e, "INSERT INTO tokens (esid, kind, iterations, updated_at, location) VALUES (?, 'keystore', 0, 0, ?)", pv,
		    2);
	}
	TU_OK(es_platform_seal_key_location(e.p, a, got, sizeof(got)));
	assert_non_null(strstr(got, "pkcs11:"));
	TU_OK(es_sm3(h, "文件", strlen("文件")));
	approved(&e, appr, a, h, &req);
	err = es_platform_seal_sign(e.p, e.applicant, a, h, req, "some-pin-1", &sig);
	assert_int_equal(err, ES_ENOTFOUND);
	assert_non_null(strstr(es_error_last()->message, "unreachable"));
	assert_null(strstr(es_error_last()->message, "some-pin-1"));
	state_is(&e, req, "approved");
	TU_OK(es_platform_usage_count(e.p, a, &n));
	assert_int_equal(n, 0);
	audit_ok(&e);
	es_buf_release(&sig);
	es_buf_release(&cert);
	tp_teardown(&e);
}

/* Renewal keeps a key held outside the platform: the renewed certificate is for the same key. */
static void t_renew_keeps_held_key(void **state)
{
	(void)state;
	tp_env e;
	char a[15], a2[15];
	int64_t app, req;
	uint8_t h[32], pt_old[65], pt_new[65];
	es_buf sig = ES_BUF_INIT, der = ES_BUF_INIT;
	es_seal_record r, r2;
	tp_setup(&e);
	es_actor *appr = tp_approver(&e);
	tp_seal(&e, ES_KIND_OFFICIAL, 0, "福建省测试厅", 0, a);
	TU_OK(es_platform_token_init(e.p, e.unit_admin, a, "renew-pin-1", "renew-admin-1"));
	TU_OK(es_platform_seal_get(e.p, a, &r));
	{
		es_seal *seal = NULL;
		es_cert *c = NULL;
		const es_sm2_key *pk = NULL;
		TU_OK(es_platform_seal_der(e.p, a, &der));
		TU_OK(es_seal_parse(&seal, der.ptr, der.len));
		TU_OK(es_cert_from_der(&c, es_seal_fields_get(seal)->certs[0].ptr, es_seal_fields_get(seal)->certs[0].len));
		TU_OK(es_cert_pubkey(&pk, c));
		TU_OK(es_sm2_key_point(pt_old, pk));
		es_cert_free(c);
		es_seal_free(seal);
		es_buf_release(&der);
	}
	es_app_form f = tp_form(&e, ES_BIZ_RENEW, a);
	tp_now_days(701); /* within 30 days of expiry */
	TU_OK(es_platform_app_create(e.p, e.applicant, &f, &app));
	tp_process(&e, app, a2);
	assert_string_equal(a, a2);
	TU_OK(es_platform_seal_get(e.p, a, &r2));
	assert_true(r2.valid_end > r.valid_end);
	{
		es_seal *seal = NULL;
		es_cert *c = NULL;
		const es_sm2_key *pk = NULL;
		TU_OK(es_platform_seal_der(e.p, a, &der));
		TU_OK(es_seal_parse(&seal, der.ptr, der.len));
		TU_OK(es_cert_from_der(&c, es_seal_fields_get(seal)->certs[0].ptr, es_seal_fields_get(seal)->certs[0].len));
		TU_OK(es_cert_pubkey(&pk, c));
		TU_OK(es_sm2_key_point(pt_new, pk));
		assert_true(es_cert_not_after(c) > r.valid_end);
		es_cert_free(c);
		es_seal_free(seal);
	}
	assert_memory_equal(pt_old, pt_new, 65); /* the same key, a new certificate */
	/* and the renewed seal signs with the token's PIN, as before */
	tp_now_days(800); /* after the old validity */
	doc(h, "续期后的合同");
	TU_OK(es_platform_use_request(e.p, e.applicant, a, h, "用印", &req));
	TU_OK(es_platform_use_decide(e.p, appr, req, true, NULL));
	TU_OK(es_platform_seal_sign(e.p, e.applicant, a, h, req, "renew-pin-1", &sig));
	{
		es_ses_sig *g = NULL;
		TU_OK(es_ses_sig_parse(&g, sig.ptr, sig.len));
		es_ses_sig_free(g);
	}
	audit_ok(&e);
	es_buf_release(&sig);
	es_buf_release(&der);
	tp_teardown(&e);
}

/* A use request for a seal that cannot be used is refused at once, and its approval
 * when the seal stopped meanwhile; the refusal names the seal's state. */
static void t_use_unusable_seal(void **state)
{
	(void)state;
	tp_env e;
	char a[15], b[15], esid[15];
	uint8_t h[32];
	int64_t req, app;
	tp_setup(&e);
	es_actor *appr = tp_approver(&e);
	tp_seal(&e, ES_KIND_OFFICIAL, 0, "福建省测试厅", 0, a);
	tp_seal(&e, ES_KIND_SPECIAL, ES_FUNC_CONTRACT, "福建省测试厅合同专用章", 0, b);
	doc(h, "合同");
	/* revoked: refused at request */
	es_app_form f = tp_form(&e, ES_BIZ_REVOKE, a);
	TU_OK(es_platform_app_create(e.p, e.applicant, &f, &app));
	tp_process(&e, app, esid);
	TP_STATE(es_platform_use_request(e.p, e.applicant, a, h, "用印", &req));
	assert_non_null(strstr(es_error_last()->message, "is revoked"));
	/* requested while active, lost before approval: refused at approval */
	TU_OK(es_platform_use_request(e.p, e.applicant, b, h, "用印", &req));
	f = tp_form(&e, ES_BIZ_LOSS, b);
	TU_OK(es_platform_app_create(e.p, e.applicant, &f, &app));
	TU_OK(es_platform_app_submit(e.p, e.applicant, app));
	TP_STATE(es_platform_use_decide(e.p, appr, req, true, NULL));
	assert_non_null(strstr(es_error_last()->message, "is lost"));
	char st[16];
	TU_OK(es_platform_use_state(e.p, req, st, sizeof(st)));
	assert_string_equal(st, "requested");
	/* a rejection is still possible */
	TU_OK(es_platform_use_decide(e.p, appr, req, false, "印章已挂失"));
	/* expired: refused at request */
	char c[15];
	tp_seal(&e, ES_KIND_SPECIAL, ES_FUNC_FINANCE, "福建省测试厅财务专用章", 0, c);
	tp_now_days(800);
	TP_STATE(es_platform_use_request(e.p, e.applicant, c, h, "用印", &req));
	assert_non_null(strstr(es_error_last()->message, "expired"));
	/* the approver who requested: the same separation rule as applications */
	int64_t both_id;
	TU_OK(es_platform_account_add(e.p, e.admin, "both", ES_ROLE_APPLICANT | ES_ROLE_USE_APPROVER, e.unit, NULL,
				      &both_id));
	es_actor *both = tp_actor(&e, "both");
	tp_now_days(0);
	TU_OK(es_platform_use_request(e.p, both, c, h, "用印", &req));
	TP_SEPARATED(es_platform_use_decide(e.p, both, req, true, NULL));
	assert_non_null(strstr(es_error_last()->message, "account 'both' requested use request"));
	audit_ok(&e);
	tp_teardown(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_use_approval), cmocka_unit_test(t_device_batch), cmocka_unit_test(t_pin),
		cmocka_unit_test(t_backup),	  cmocka_unit_test(t_crash_uses),   cmocka_unit_test(t_crash_backup),
		cmocka_unit_test(t_keystore_token), cmocka_unit_test(t_keystore_pkcs11),
		cmocka_unit_test(t_renew_keeps_held_key), cmocka_unit_test(t_use_unusable_seal),
	};
	return tp_main(tests, ES_ARRAY_LEN(tests), "platform-custody");
}
