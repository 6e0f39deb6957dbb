/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The PKCS#11 provider against SoftHSM2 (Debian softhsm2): module loading, token
 * and slot, login, PIN lockout and reset by the security officer, key generation
 * in the token, find key, sign. SoftHSM2 has no SM2, so the keys here are EC
 * P-256 signed with CKM_ECDSA and checked with the openssl command; the SM2 path
 * (vendor mechanism) is for real tokens and is not exercised here.
 */
#include "es_int.h"
#include "testutil.h"
#include "eseal/es_keystore.h"
#include "eseal/es_crypto.h"
#include "file.h"
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <unistd.h>

#define MODULE "/usr/lib/softhsm/libsofthsm2.so"
#define USER_PIN "11112222"
#define SO_PIN "99998888"

static char dir[512];

static int setup(void **state)
{
	(void)state;
	char conf[600], path[600];
	snprintf(dir, sizeof(dir), "%s", tu_tmpdir());
	snprintf(conf, sizeof(conf), "directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n", dir);
	snprintf(path, sizeof(path), "%s/tokens", dir);
	TU_OK(es_mkdirs(path, 0700));
	snprintf(path, sizeof(path), "%s/softhsm2.conf", dir);
	TU_OK(es_file_write(path, conf, strlen(conf), 0600));
	setenv("SOFTHSM2_CONF", path, 1);
	assert_int_equal(tu_run(NULL, "softhsm2-util --init-token --free --label eseal --pin %s --so-pin %s >/dev/null",
				USER_PIN, SO_PIN),
			 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (strncmp(dir, "/tmp/eseal-test-", 16) == 0)
		tu_ignore(tu_run(NULL, "rm -rf '%s'", dir));
	return 0;
}

static void t_open(void **state)
{
	(void)state;
	es_keystore *ks = NULL;
	es_pkcs11_options o = ES_PKCS11_OPTIONS_INIT;
	o.module = "/nonexistent/module.so";
	assert_int_equal(es_keystore_pkcs11_open(&ks, &o), ES_ENOTFOUND);
	o.module = MODULE;
	o.token_label = "no-such-token";
	assert_int_equal(es_keystore_pkcs11_open(&ks, &o), ES_ENOTFOUND);
	o.token_label = "eseal";
	TU_OK(es_keystore_pkcs11_open(&ks, &o));
	assert_string_equal(es_keystore_name(ks), "pkcs11");
	es_keystore_close(ks);
	es_error_clear();
}

static void t_pin_lockout(void **state)
{
	(void)state;
	es_keystore *ks = NULL;
	es_pkcs11_options o = ES_PKCS11_OPTIONS_INIT;
	int fails;
	bool locked;
	o.module = MODULE;
	o.token_label = "eseal";
	TU_OK(es_keystore_pkcs11_open(&ks, &o));
	for (int i = 1; i < ES_KEYSTORE_PIN_TRIES; i++)
		assert_int_equal(es_keystore_login(ks, "00000000"), ES_EAUTH);
	es_keystore_pin_state(ks, &fails, &locked);
	assert_int_equal(fails, ES_KEYSTORE_PIN_TRIES - 1);
	assert_false(locked);
	TU_OK(es_keystore_login(ks, USER_PIN)); /* a right PIN resets the count */
	TU_OK(es_keystore_logout(ks));
	for (int i = 0; i < ES_KEYSTORE_PIN_TRIES; i++)
		assert_int_equal(es_keystore_login(ks, "00000000"), ES_EAUTH);
	es_keystore_pin_state(ks, &fails, &locked);
	assert_true(locked);
	assert_int_equal(es_keystore_login(ks, USER_PIN), ES_ESTATE); /* locked */
	/* the security officer sets a new PIN; the old one no longer works */
	assert_int_equal(es_keystore_reset_pin(ks, "12345678", "33334444"), ES_EAUTH); /* wrong SO PIN */
	TU_OK(es_keystore_reset_pin(ks, SO_PIN, "33334444"));
	es_keystore_pin_state(ks, &fails, &locked);
	assert_false(locked);
	assert_int_equal(es_keystore_login(ks, USER_PIN), ES_EAUTH);
	TU_OK(es_keystore_login(ks, "33334444"));
	TU_OK(es_keystore_logout(ks));
	/* back to the fixture's PIN for the next test */
	TU_OK(es_keystore_reset_pin(ks, SO_PIN, USER_PIN));
	es_keystore_close(ks);
	es_error_clear();
}

static void t_sign(void **state)
{
	(void)state;
	es_keystore *ks = NULL;
	es_pkcs11_options o = ES_PKCS11_OPTIONS_INIT;
	uint8_t pub[65], pub2[65], dgst[32], sig[64];
	char path[600];
	o.module = MODULE;
	o.token_label = "eseal";
	TU_OK(es_keystore_pkcs11_open(&ks, &o));
	assert_int_equal(es_keystore_generate(ks, "seal-1", pub), ES_ESTATE); /* not logged in */
	TU_OK(es_keystore_login(ks, USER_PIN));
	TU_OK(es_keystore_generate(ks, "seal-1", pub));
	assert_int_equal(pub[0], 0x04);
	TU_OK(es_keystore_find_key(ks, "seal-1", pub2));
	assert_memory_equal(pub, pub2, 65);
	assert_int_equal(es_keystore_find_key(ks, "seal-2", pub2), ES_ENOTFOUND);
	TU_OK(es_sm3(dgst, "document", 8));
	TU_OK(es_keystore_sign_digest(ks, "seal-1", dgst, sig));
	/* an independent check: openssl verifies the ECDSA signature over the digest */
	static const uint8_t spki_p256[] = { 0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
					     0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00 };
	es_buf spki = ES_BUF_INIT, der = ES_BUF_INIT;
	TU_OK(es_buf_put(&spki, spki_p256, sizeof(spki_p256)));
	TU_OK(es_buf_put(&spki, pub, 65));
	TU_OK(es_sm2_sig_raw_to_der(&der, sig));
	snprintf(path, sizeof(path), "%s/pub.der", dir);
	TU_OK(es_file_write(path, spki.ptr, spki.len, 0600));
	snprintf(path, sizeof(path), "%s/sig.der", dir);
	TU_OK(es_file_write(path, der.ptr, der.len, 0600));
	snprintf(path, sizeof(path), "%s/dgst", dir);
	TU_OK(es_file_write(path, dgst, 32, 0600));
	assert_int_equal(tu_run(NULL, "openssl pkeyutl -verify -pubin -keyform DER -inkey %s/pub.der -in %s/dgst "
				      "-sigfile %s/sig.der >/dev/null",
				dir, dir, dir),
			 0);
	dgst[0] ^= 1;
	TU_OK(es_file_write(path, dgst, 32, 0600));
	assert_true(tu_run(NULL, "openssl pkeyutl -verify -pubin -keyform DER -inkey %s/pub.der -in %s/dgst "
				 "-sigfile %s/sig.der >/dev/null 2>&1",
			   dir, dir, dir) != 0);
	es_buf_release(&spki);
	es_buf_release(&der);
	es_keystore_close(ks);
}

/*
 * Two handles on one token in one process (the server's threads): PKCS#11 keeps the
 * login per token for the whole process, so while A is logged in, B's C_Login would
 * answer "already logged in" whatever its PIN. B's wrong PIN must still be refused,
 * and closing A must not finalise the module under B.
 */
typedef struct login_try {
	es_keystore *ks;
	const char *pin;
	int rc;
} login_try;

static void *try_login(void *arg)
{
	login_try *t = arg;
	t->rc = es_keystore_login(t->ks, t->pin);
	if (t->rc == 0 && es_keystore_logout(t->ks) < 0)
		t->rc = -1000;
	es_error_clear();
	return NULL;
}

static void t_two_handles(void **state)
{
	(void)state;
	es_keystore *a = NULL, *b = NULL;
	es_pkcs11_options o = ES_PKCS11_OPTIONS_INIT;
	uint8_t pub[65], dgst[32], sig[64];
	o.module = MODULE;
	o.token_label = "eseal";
	TU_OK(es_keystore_pkcs11_open(&a, &o));
	TU_OK(es_keystore_pkcs11_open(&b, &o));
	TU_OK(es_keystore_login(a, USER_PIN));
	login_try t = { b, "00000000", 1 };
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, try_login, &t), 0);
	usleep(50 * 1000); /* B waits for the token while A signs */
	TU_OK(es_sm3(dgst, "document", 8));
	TU_OK(es_keystore_sign_digest(a, "seal-1", dgst, sig));
	TU_OK(es_keystore_logout(a));
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(t.rc, ES_EAUTH); /* its own PIN was checked */
	/* A closes while B is logged in: the module stays initialised for B */
	TU_OK(es_keystore_login(b, USER_PIN));
	es_keystore_close(a);
	TU_OK(es_keystore_find_key(b, "seal-1", pub));
	TU_OK(es_keystore_sign_digest(b, "seal-1", dgst, sig));
	TU_OK(es_keystore_logout(b));
	/* after B's logout, A's successor is not logged in by B's session */
	TU_OK(es_keystore_pkcs11_open(&a, &o));
	assert_int_equal(es_keystore_sign_digest(a, "seal-1", dgst, sig), ES_ESTATE);
	es_error_clear();
	es_keystore_close(a);
	es_keystore_close(b);
}

int main(void)
{
	if (es_file_exists(MODULE) != 1 || tu_run(NULL, "command -v softhsm2-util >/dev/null") != 0) {
		printf("[  SKIPPED ] keystore-pkcs11: SoftHSM2 not installed (scripts/deps.sh installs it)\n");
		return 0;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_open),
		cmocka_unit_test(t_pin_lockout),
		cmocka_unit_test(t_sign),
		cmocka_unit_test(t_two_handles),
	};
	return cmocka_run_group_tests_name("keystore-pkcs11", tests, setup, teardown);
}
