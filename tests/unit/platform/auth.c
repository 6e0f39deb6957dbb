/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Identity (es_auth.h): passwords, lockout across processes, API keys, certificate
 * sign-in, disabled accounts, on both backends. */
#include "tp.h"
#include "eseal/es_auth.h"
#include "eseal/es_pki.h"
#include "pki_fixture.h"
#include "tp.c.inc"

#define GOOD_PW "Correct-Horse-42"

static void expect_auth(int got)
{
	if (got != ES_EAUTH)
		fail_msg("expected EAUTH, got %d (%s)", got, es_error_last()->message);
}

static int signin(tp_env *e, const char *login, const char *pw, es_actor **out)
{
	es_credential c = { .kind = ES_AUTH_PASSWORD, .login = login, .password = pw };
	return es_platform_authenticate(e->p, &c, out);
}

static int64_t audit_count(tp_env *e, const char *event)
{
	es_store *st;
	int64_t n = -1;
	TU_OK(es_store_open(&st, e->store));
	es_sval pv[1] = { ES_SV_S(event) };
	TU_OK(es_store_int(st, &n, "SELECT COUNT(*) FROM audit_log WHERE event = ?", pv, 1));
	es_store_close(st);
	return n;
}

/* Give @p login a real password through the one-time password and the first change. */
static void set_password(tp_env *e, const char *login, const char *pw)
{
	char otp[ES_OTP_LEN + 1];
	TU_OK(es_platform_account_otp(e->p, e->admin, login, otp));
	TU_OK(es_platform_password_change(e->p, login, otp, pw));
}

static void t_password_rules(void **state)
{
	(void)state;
	assert_int_equal(es_password_rules("alice", "short1A!"), ES_EINVAL);       /* < 10 characters */
	assert_int_equal(es_password_rules("alice", "alllowercase"), ES_EINVAL);   /* one class */
	assert_int_equal(es_password_rules("alice", "lowerandUPPER"), ES_EINVAL);  /* two classes */
	assert_int_equal(es_password_rules("alice", "xxAlice-2026"), ES_EINVAL);   /* holds the login */
	assert_int_equal(es_password_rules("alice", "ok\x01Passw0rd"), ES_EINVAL); /* control character */
	TU_OK(es_password_rules("alice", "lower-and-UPPER"));
	TU_OK(es_password_rules("alice", "lower-12345"));
	TU_OK(es_password_rules("alice", "中文口令Abc123")); /* 10 characters, 3 classes (other, upper/lower, digit) */
	assert_int_equal(es_password_rules("alice", "中文Ab1"), ES_EINVAL); /* 5 characters although 9 bytes */

	char h[ES_PASSWORD_HASH_MAX];
	unsigned cost = 0;
	TU_OK(es_password_hash(h, GOOD_PW, 1000));
	assert_true(strncmp(h, "pbkdf2-sm3$1000$", 16) == 0);
	TU_OK(es_password_verify(h, GOOD_PW, &cost));
	assert_int_equal(cost, 1000);
	assert_int_equal(es_password_verify(h, GOOD_PW "x", NULL), ES_EAUTH);
	char h2[ES_PASSWORD_HASH_MAX];
	TU_OK(es_password_hash(h2, GOOD_PW, 1000));
	assert_string_not_equal(h, h2); /* a salt per hash */
	assert_int_equal(es_password_verify("sha1$abc", GOOD_PW, NULL), ES_EMALFORMED);
	assert_int_equal(es_password_verify("pbkdf2-sm3$5$00$00", GOOD_PW, NULL), ES_EMALFORMED);
	assert_int_equal(es_password_verify("pbkdf2-sm3$1000$zz$00", GOOD_PW, NULL), ES_EMALFORMED);
	assert_int_equal(es_password_hash(h, GOOD_PW, 5), ES_EINVAL);

	/* the known answer: PBKDF2-HMAC-SM3 of "password"/"salt", 1000 rounds, checked independently
	 * (openssl kdf -kdfopt digest:SM3 -kdfopt pass:password -kdfopt salt:salt -kdfopt iter:1000 PBKDF2) */
	char ref[ES_PASSWORD_HASH_MAX];
	es_buf out = ES_BUF_INIT;
	int rc = tu_run(&out, "openssl kdf -keylen 32 -kdfopt digest:SM3 -kdfopt pass:%s -kdfopt hexsalt:%s "
			      "-kdfopt iter:1000 PBKDF2 2>/dev/null | tr -d ':\\n' | tr A-F a-f",
			GOOD_PW, "000102030405060708090a0b0c0d0e0f");
	if (rc == 0 && out.len == 64) {
		snprintf(ref, sizeof(ref), "pbkdf2-sm3$1000$000102030405060708090a0b0c0d0e0f$%.*s", (int)out.len,
			 (const char *)out.ptr);
		TU_OK(es_password_verify(ref, GOOD_PW, NULL));
	} else {
		fail_msg("openssl kdf did not run (rc %d, %zu bytes)", rc, out.len);
	}
	es_buf_release(&out);
}

static void t_password_signin(void **state)
{
	(void)state;
	tp_env e;
	es_actor *a = NULL;
	char otp[ES_OTP_LEN + 1];
	tp_setup(&e);
	/* no credential yet: refused like a wrong password */
	expect_auth(signin(&e, "maker", "anything-at-All1", &a));
	assert_null(a);
	/* only an administrator hands out one-time passwords */
	TP_DENIED(es_platform_account_otp(e.p, e.maker, "reviewer", otp));
	TU_OK(es_platform_account_otp(e.p, e.admin, "maker", otp));
	assert_int_equal(strlen(otp), ES_OTP_LEN);
	TU_OK(signin(&e, "maker", otp, &a));
	assert_true(es_actor_must_change_password(a));
	assert_int_equal(es_actor_how(a), ES_AUTH_PASSWORD);
	/* nothing but the change until then */
	TP_DENIED(es_platform_allowed(e.p, a, ES_ACT_READ, -1));
	es_actor_free(a);
	a = NULL;
	assert_int_equal(es_platform_password_change(e.p, "maker", otp, "short"), ES_EINVAL);
	assert_int_equal(es_platform_password_change(e.p, "maker", otp, "maker-Is-Me-1"), ES_EINVAL);
	expect_auth(es_platform_password_change(e.p, "maker", "not-the-otp-A1", GOOD_PW));
	TU_OK(es_platform_password_change(e.p, "maker", otp, GOOD_PW));
	expect_auth(signin(&e, "maker", otp, &a)); /* the one-time password is gone */
	TU_OK(signin(&e, "maker", GOOD_PW, &a));
	assert_false(es_actor_must_change_password(a));
	assert_int_equal(es_actor_account(a), e.maker_id);
	assert_string_equal(es_actor_login(a), "maker");
	assert_int_equal(es_actor_roles(a), ES_ROLE_MAKER);
	assert_string_equal(es_actor_region(a), "350000");
	TU_OK(es_platform_allowed(e.p, a, ES_ACT_APP_CHECK, -1));
	TP_DENIED(es_platform_allowed(e.p, a, ES_ACT_APP_REVIEW, -1));
	es_actor_free(a);
	a = NULL;
	/* unknown login and wrong password read the same */
	expect_auth(signin(&e, "nobody", GOOD_PW, &a));
	char m1[512];
	snprintf(m1, sizeof(m1), "%s", es_error_last()->message);
	expect_auth(signin(&e, "maker", "Wrong-Password-1", &a));
	assert_string_equal(m1, es_error_last()->message);
	assert_null(strstr(m1, "Wrong-Password-1"));
	assert_true(audit_count(&e, "signin-failed") >= 3);
	assert_true(audit_count(&e, "signin") >= 2);
	assert_int_equal(audit_count(&e, "password-reset"), 1);
	assert_int_equal(audit_count(&e, "password-change"), 1);
	/* disabled accounts cannot sign in; an administrator cannot disable themselves */
	TP_DENIED(es_platform_account_disable(e.p, e.maker, "reviewer", true));
	TP_DENIED(es_platform_account_disable(e.p, e.admin, "admin", true));
	TU_OK(es_platform_account_disable(e.p, e.admin, "maker", true));
	expect_auth(signin(&e, "maker", GOOD_PW, &a));
	assert_non_null(strstr(es_error_last()->message, "disabled"));
	TU_OK(es_platform_account_disable(e.p, e.admin, "maker", false));
	TU_OK(signin(&e, "maker", GOOD_PW, &a));
	es_actor_free(a);
	tp_teardown(&e);
}

static void t_cost_raised(void **state)
{
	(void)state;
	tp_env e;
	es_actor *a = NULL;
	tp_setup(&e);
	set_password(&e, "reviewer", GOOD_PW);
	es_platform_close(e.p);
	/* the operator raises the cost: the hash is redone at the next sign-in */
	es_platform_options o = ES_PLATFORM_OPTIONS_INIT;
	static const uint8_t mk[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
					17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32 };
	o.store = e.store;
	o.dir = e.dir;
	o.master_key = mk;
	o.render_dpi = 96;
	o.password_cost = 3000;
	TU_OK(es_platform_open(&e.p, &o));
	TU_OK(signin(&e, "reviewer", GOOD_PW, &a));
	es_actor_free(a);
	es_store *st;
	int64_t n = 0;
	TU_OK(es_store_open(&st, e.store));
	TU_OK(es_store_int(st, &n, "SELECT COUNT(*) FROM credentials WHERE hash LIKE 'pbkdf2-sm3$3000$%'", NULL, 0));
	es_store_close(st);
	assert_int_equal(n, 1);
	TU_OK(signin(&e, "reviewer", GOOD_PW, &a));
	es_actor_free(a);
	tp_teardown(&e);
}

static void t_lockout_two_processes(void **state)
{
	(void)state;
	tp_env e;
	es_actor *a = NULL;
	tp_setup(&e);
	set_password(&e, "reviewer", GOOD_PW);
	/* four failures here, the fifth from another process with its own connection */
	for (int i = 0; i < ES_SIGNIN_TRIES - 1; i++)
		expect_auth(signin(&e, "reviewer", "Wrong-Password-1", &a));
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		tp_env child = e;
		tp_open(&child, NULL);
		int rc = signin(&child, "reviewer", "Wrong-Password-1", &a);
		es_platform_close(child.p);
		_exit(rc == ES_EAUTH ? 0 : 1);
	}
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* locked now, for every node: even the right password is refused */
	expect_auth(signin(&e, "reviewer", GOOD_PW, &a));
	assert_non_null(strstr(es_error_last()->message, "locked"));
	assert_int_equal(audit_count(&e, "account-locked"), 1);
	/* 15 minutes later it opens again */
	tp_now("2026-01-01T00:14:00Z");
	expect_auth(signin(&e, "reviewer", GOOD_PW, &a));
	tp_now("2026-01-01T00:16:00Z");
	TU_OK(signin(&e, "reviewer", GOOD_PW, &a));
	es_actor_free(a);
	a = NULL;
	/* a success clears the count: four more failures do not lock */
	for (int i = 0; i < ES_SIGNIN_TRIES - 1; i++)
		expect_auth(signin(&e, "reviewer", "Wrong-Password-1", &a));
	TU_OK(signin(&e, "reviewer", GOOD_PW, &a));
	es_actor_free(a);
	a = NULL;
	/* an administrator's new one-time password lifts a lock */
	for (int i = 0; i < ES_SIGNIN_TRIES; i++)
		expect_auth(signin(&e, "reviewer", "Wrong-Password-1", &a));
	char otp[ES_OTP_LEN + 1];
	TU_OK(es_platform_account_otp(e.p, e.admin, "reviewer", otp));
	TU_OK(signin(&e, "reviewer", otp, &a));
	es_actor_free(a);
	tp_teardown(&e);
}

static void t_api_keys(void **state)
{
	(void)state;
	tp_env e;
	es_actor *a = NULL;
	char key[ES_API_KEY_MAX], key2[ES_API_KEY_MAX];
	int64_t id, id2;
	uint64_t scope;
	tp_setup(&e);
	assert_int_equal(es_scope_parse("app-create,no-such", &scope), ES_EINVAL);
	TU_OK(es_scope_parse("app-create,app-submit,read", &scope));
	es_time now = es_time_now();
	es_api_key_spec s = { "applicant", "财政厅 OA", scope, now + 30 * TP_DAY, "10.1.0.0/16,2001:db8::/32" };
	TP_DENIED(es_platform_api_key_create(e.p, e.maker, &s, key, &id));
	es_api_key_spec bad = s;
	bad.allow_from = "10.1.0.0/33";
	assert_int_equal(es_platform_api_key_create(e.p, e.admin, &bad, key, &id), ES_EINVAL);
	bad = s;
	bad.expires = now - 1;
	assert_int_equal(es_platform_api_key_create(e.p, e.admin, &bad, key, &id), ES_EINVAL);
	TU_OK(es_platform_api_key_create(e.p, e.admin, &s, key, &id));
	assert_true(strncmp(key, "esk_", 4) == 0);
	/* stored as a hash only */
	es_store *st;
	int64_t n = 0;
	TU_OK(es_store_open(&st, e.store));
	uint8_t kh[32];
	TU_OK(es_sm3(kh, key, strlen(key)));
	es_sval pv[1] = { ES_SV_B(kh, 32) };
	TU_OK(es_store_int(st, &n, "SELECT COUNT(*) FROM api_keys WHERE key_hash = ?", pv, 1));
	es_store_close(st);
	assert_int_equal(n, 1);

	es_credential c = { .kind = ES_AUTH_API_KEY, .api_key = key, .source_addr = "10.1.2.3" };
	TU_OK(es_platform_authenticate(e.p, &c, &a));
	assert_int_equal(es_actor_account(a), e.applicant_id);
	assert_int_equal(es_actor_how(a), ES_AUTH_API_KEY);
	TU_OK(es_platform_allowed(e.p, a, ES_ACT_APP_CREATE, e.unit));
	/* the scope is narrower than the roles: the applicant may request use, the key may not */
	TP_DENIED(es_platform_allowed(e.p, a, ES_ACT_USE_REQUEST, e.unit));
	/* and never wider than the roles */
	es_actor_free(a);
	a = NULL;
	c.source_addr = "::ffff:10.1.200.1"; /* IPv4-mapped */
	TU_OK(es_platform_authenticate(e.p, &c, &a));
	es_actor_free(a);
	a = NULL;
	c.source_addr = "2001:db8:1::5";
	TU_OK(es_platform_authenticate(e.p, &c, &a));
	es_actor_free(a);
	a = NULL;
	c.source_addr = "10.2.0.1";
	expect_auth(es_platform_authenticate(e.p, &c, &a));
	c.source_addr = NULL;
	expect_auth(es_platform_authenticate(e.p, &c, &a));
	/* a changed character, a wrong shape */
	char forged[ES_API_KEY_MAX];
	snprintf(forged, sizeof(forged), "%s", key);
	forged[strlen(forged) - 1] = forged[strlen(forged) - 1] == 'A' ? 'B' : 'A';
	es_credential f = { .kind = ES_AUTH_API_KEY, .api_key = forged, .source_addr = "10.1.2.3" };
	expect_auth(es_platform_authenticate(e.p, &f, &a));
	f.api_key = "esk_1_short";
	expect_auth(es_platform_authenticate(e.p, &f, &a));
	f.api_key = "";
	expect_auth(es_platform_authenticate(e.p, &f, &a));
	/* expiry, revocation, a disabled account */
	es_api_key_spec s2 = { "maker", "batch tool", 0, now + TP_DAY, NULL };
	TU_OK(es_platform_api_key_create(e.p, e.admin, &s2, key2, &id2));
	es_credential c2 = { .kind = ES_AUTH_API_KEY, .api_key = key2 };
	TU_OK(es_platform_authenticate(e.p, &c2, &a));
	TU_OK(es_platform_allowed(e.p, a, ES_ACT_APP_CHECK, -1)); /* scope 0: what the roles allow */
	TP_DENIED(es_platform_allowed(e.p, a, ES_ACT_APP_REVIEW, -1));
	es_actor_free(a);
	a = NULL;
	TU_OK(es_platform_account_disable(e.p, e.admin, "maker", true));
	expect_auth(es_platform_authenticate(e.p, &c2, &a));
	TU_OK(es_platform_account_disable(e.p, e.admin, "maker", false));
	tp_now("2026-01-03T00:00:00Z");
	expect_auth(es_platform_authenticate(e.p, &c2, &a));
	assert_non_null(strstr(es_error_last()->message, "expired"));
	tp_now(TP_T0);
	TU_OK(es_platform_api_key_revoke(e.p, e.admin, id2));
	expect_auth(es_platform_authenticate(e.p, &c2, &a));
	assert_int_equal(es_platform_api_key_revoke(e.p, e.admin, id2), ES_ENOTFOUND);
	assert_int_equal(audit_count(&e, "api-key-created"), 2 + (int64_t)e.nactors); /* the fixture's keys too */
	assert_int_equal(audit_count(&e, "api-key-revoked"), 1);
	tp_teardown(&e);
}

static void t_cert_signin(void **state)
{
	(void)state;
	tp_env e;
	es_actor *a = NULL;
	fx_pki k;
	uint8_t ch[ES_CHALLENGE_LEN];
	es_buf sig = ES_BUF_INIT;
	tp_setup(&e);
	fx_pki_init(&k);
	es_bytes der = es_cert_der(k.signer);
	/* not mapped yet */
	TU_OK(es_platform_signin_challenge(e.p, ch));
	TU_OK(es_sm2_sign(&sig, k.signer_key, NULL, 0, ch, sizeof(ch)));
	es_credential c = { .kind = ES_AUTH_CERT, .cert = der.ptr, .cert_len = der.len, .challenge = ch,
			    .challenge_len = sizeof(ch), .signature = sig.ptr, .signature_len = sig.len };
	expect_auth(es_platform_authenticate(e.p, &c, &a));
	TP_DENIED(es_platform_cert_map(e.p, e.maker, "unit-admin", der.ptr, der.len));
	TU_OK(es_platform_cert_map(e.p, e.admin, "unit-admin", der.ptr, der.len));
	assert_int_equal(es_platform_cert_map(e.p, e.admin, "maker", der.ptr, der.len), ES_EEXISTS);
	/* the challenge was used up by the refused attempt */
	expect_auth(es_platform_authenticate(e.p, &c, &a));
	TU_OK(es_platform_signin_challenge(e.p, ch));
	sig.len = 0;
	TU_OK(es_sm2_sign(&sig, k.signer_key, NULL, 0, ch, sizeof(ch)));
	c.signature = sig.ptr;
	c.signature_len = sig.len;
	TU_OK(es_platform_authenticate(e.p, &c, &a));
	assert_int_equal(es_actor_account(a), e.unit_admin_id);
	assert_int_equal(es_actor_how(a), ES_AUTH_CERT);
	es_actor_free(a);
	a = NULL;
	/* replay of the same challenge and signature */
	expect_auth(es_platform_authenticate(e.p, &c, &a));
	/* a signature by another key over a fresh challenge */
	TU_OK(es_platform_signin_challenge(e.p, ch));
	sig.len = 0;
	TU_OK(es_sm2_sign(&sig, k.maker_key, NULL, 0, ch, sizeof(ch)));
	c.signature = sig.ptr;
	c.signature_len = sig.len;
	expect_auth(es_platform_authenticate(e.p, &c, &a));
	/* a challenge the platform never made */
	uint8_t mine[ES_CHALLENGE_LEN] = { 7 };
	sig.len = 0;
	TU_OK(es_sm2_sign(&sig, k.signer_key, NULL, 0, mine, sizeof(mine)));
	c.challenge = mine;
	c.signature = sig.ptr;
	c.signature_len = sig.len;
	expect_auth(es_platform_authenticate(e.p, &c, &a));
	/* an expired challenge */
	TU_OK(es_platform_signin_challenge(e.p, ch));
	sig.len = 0;
	TU_OK(es_sm2_sign(&sig, k.signer_key, NULL, 0, ch, sizeof(ch)));
	c.challenge = ch;
	c.signature = sig.ptr;
	c.signature_len = sig.len;
	tp_now("2026-01-01T00:05:00Z");
	expect_auth(es_platform_authenticate(e.p, &c, &a));
	/* garbage certificate bytes */
	uint8_t junk[40] = { 0x30, 0x82, 0xff, 0xff };
	c.cert = junk;
	c.cert_len = sizeof(junk);
	expect_auth(es_platform_authenticate(e.p, &c, &a));
	es_buf_release(&sig);
	fx_pki_free(&k);
	tp_teardown(&e);
}

static void t_cidr(void **state)
{
	(void)state;
	assert_true(es_cidr_list_match("10.0.0.0/8", "10.255.1.1"));
	assert_false(es_cidr_list_match("10.0.0.0/8", "11.0.0.1"));
	assert_true(es_cidr_list_match("192.168.1.7", "192.168.1.7"));
	assert_false(es_cidr_list_match("192.168.1.7", "192.168.1.8"));
	assert_true(es_cidr_list_match("172.16.0.0/12", "172.31.255.255"));
	assert_false(es_cidr_list_match("172.16.0.0/12", "172.32.0.0"));
	assert_true(es_cidr_list_match("0.0.0.0/0", "8.8.8.8"));
	assert_false(es_cidr_list_match("0.0.0.0/0", "::1"));
	assert_true(es_cidr_list_match("::1/128,127.0.0.0/8", "::1"));
	assert_true(es_cidr_list_match("2001:db8::/33", "2001:db8:7fff::1"));
	assert_false(es_cidr_list_match("2001:db8::/33", "2001:db8:8000::1"));
	assert_false(es_cidr_list_match("10.0.0.0/8", "not-an-address"));
	assert_false(es_cidr_list_match("10.0.0.0/8", NULL));
	assert_true(es_cidr_list_match("::ffff:10.0.0.0/104", "10.9.9.9")); /* IPv4-mapped block */
	assert_true(es_cidr_list_match("::ffff:10.0.0.1", "::ffff:10.0.0.1"));
	TU_OK(es_cidr_list_check("10.0.0.0/8,::1/128"));
	assert_int_equal(es_cidr_list_check("10.0.0.0/8,"), 0);
	assert_int_equal(es_cidr_list_check("10.0.0.0/8,,x"), ES_EINVAL);
	assert_int_equal(es_cidr_list_check("10.0.0.0/"), ES_EINVAL);
	assert_int_equal(es_cidr_list_check("10.0.0.0/8x"), ES_EINVAL);
	assert_int_equal(es_cidr_list_check("::/129"), ES_EINVAL);
	assert_int_equal(es_cidr_list_check(""), ES_EINVAL);
	assert_int_equal(es_cidr_list_check("300.1.1.1/8"), ES_EINVAL);
}

static void t_sessions(void **state)
{
	(void)state;
	tp_env e;
	es_actor *a = NULL, *s = NULL;
	char tok[ES_SESSION_TOKEN_LEN], csrf[ES_SESSION_TOKEN_LEN], csrf2[ES_SESSION_TOKEN_LEN];
	es_time t0;
	assert_int_equal(es_time_parse(&t0, TP_T0), 0);
	tp_setup(&e);
	set_password(&e, "maker", GOOD_PW);
	TU_OK(signin(&e, "maker", GOOD_PW, &a));
	TU_OK(es_platform_session_open(e.p, a, tok, csrf));
	assert_int_equal(strlen(tok), ES_SESSION_TOKEN_LEN - 1);
	assert_string_not_equal(tok, csrf);
	TU_OK(es_platform_session_actor(e.p, tok, &s, csrf2));
	assert_string_equal(csrf, csrf2);
	assert_int_equal(es_actor_account(s), e.maker_id);
	assert_int_equal(es_actor_how(s), ES_AUTH_PASSWORD);
	es_actor_free(s);
	s = NULL;
	/* a token differing in one character, or of another length */
	char bad[ES_SESSION_TOKEN_LEN];
	memcpy(bad, tok, sizeof(bad));
	bad[0] = bad[0] == 'A' ? 'B' : 'A';
	expect_auth(es_platform_session_actor(e.p, bad, &s, NULL));
	expect_auth(es_platform_session_actor(e.p, "short", &s, NULL));
	/* idle for 31 minutes: over */
	tp_now("2026-01-01T00:29:00Z");
	TU_OK(es_platform_session_actor(e.p, tok, &s, NULL));
	es_actor_free(s);
	s = NULL;
	tp_now("2026-01-01T01:00:30Z");
	expect_auth(es_platform_session_actor(e.p, tok, &s, NULL));
	assert_non_null(strstr(es_error_last()->message, "idle"));
	/* kept busy, a session still ends after 12 hours */
	tp_now(TP_T0);
	TU_OK(es_platform_session_open(e.p, a, tok, csrf));
	char when[32];
	for (long m = 20; m <= 12 * 60; m += 20) {
		es_time_iso(when, t0 + m * 60);
		tp_now(when);
		TU_OK(es_platform_session_actor(e.p, tok, &s, NULL));
		es_actor_free(s);
		s = NULL;
	}
	es_time_iso(when, t0 + 12 * 3600 + 60);
	tp_now(when);
	expect_auth(es_platform_session_actor(e.p, tok, &s, NULL));
	assert_non_null(strstr(es_error_last()->message, "12 hours"));
	/* sign-out, password change and disabling end sessions */
	TU_OK(es_platform_session_open(e.p, a, tok, csrf));
	TU_OK(es_platform_session_close(e.p, tok));
	expect_auth(es_platform_session_actor(e.p, tok, &s, NULL));
	TU_OK(es_platform_session_close(e.p, tok)); /* twice is fine */
	TU_OK(es_platform_session_open(e.p, a, tok, csrf));
	TU_OK(es_platform_password_change(e.p, "maker", GOOD_PW, "Another-Good-Pw-9"));
	expect_auth(es_platform_session_actor(e.p, tok, &s, NULL));
	TU_OK(es_platform_session_open(e.p, a, tok, csrf));
	TU_OK(es_platform_account_disable(e.p, e.admin, "maker", true));
	expect_auth(es_platform_session_actor(e.p, tok, &s, NULL));
	es_actor_free(a);
	/* API keys do not open sessions */
	char key[ES_API_KEY_MAX];
	es_api_key_spec ks = { "reviewer", "tool", 0, es_time_now() + TP_DAY, NULL };
	TU_OK(es_platform_api_key_create(e.p, e.admin, &ks, key, NULL));
	es_credential c = { .kind = ES_AUTH_API_KEY, .api_key = key };
	TU_OK(es_platform_authenticate(e.p, &c, &a));
	assert_int_equal(es_platform_session_open(e.p, a, tok, csrf), ES_EINVAL);
	es_actor_free(a);
	assert_true(audit_count(&e, "session-open") >= 4);
	assert_int_equal(audit_count(&e, "session-close"), 1);
	tp_teardown(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_password_rules), cmocka_unit_test(t_cidr),        cmocka_unit_test(t_password_signin),
		cmocka_unit_test(t_cost_raised),    cmocka_unit_test(t_lockout_two_processes),
		cmocka_unit_test(t_api_keys),       cmocka_unit_test(t_cert_signin),  cmocka_unit_test(t_sessions),
	};
	return tp_main(tests, ES_ARRAY_LEN(tests), "platform-auth");
}
