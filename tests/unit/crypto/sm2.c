/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* SM2 (GB/T 32918, GM/T 0003.5 example), keys, PEM, cross-checks with openssl(1). */
#include "es_int.h"
#include "testutil.h"
#include "file.h"
#include "eseal/es_crypto.h"

/*
 * GB/T 32918.5-2017 / GM/T 0003.5-2012 Appendix A.2: signature example on
 * the recommended curve, user ID "1234567812345678" (ENTL 0x0080),
 * message "message digest".
 */
static const char *const ex_d = "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8";
static const char *const ex_z = "B2E14C5C79C6DF5B85F4FE7ED8DB7A262B9DA7E07CCB0EA9F4747B8CCDA8A4F3";
static const char *const ex_e = "F0B43E94BA45ACCAACE692ED534382EB17E6AB5A19CE7B31F4486FDFC0D28640";
static const char *const ex_r = "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3";
static const char *const ex_s = "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA";
static const char ex_msg[] = "message digest";
static const uint8_t ex_id[] = "1234567812345678";

static es_sm2_key *example_key(void)
{
	uint8_t d[32];
	es_sm2_key *k = NULL;
	assert_int_equal(tu_unhex(d, 32, ex_d), 32);
	TU_OK(es_sm2_key_from_scalar(&k, d));
	return k;
}

static void example_raw_sig(uint8_t raw[64])
{
	tu_unhex(raw, 32, ex_r);
	tu_unhex(raw + 32, 32, ex_s);
}

static void test_sm2__standard_example(void **state)
{
	es_sm2_key *k = example_key(), *pub = NULL;
	uint8_t z[32], want[32], e[32], zm[32 + sizeof(ex_msg) - 1], raw[64], point[65], raw2[64];
	es_buf der = ES_BUF_INIT;
	(void)state;
	assert_true(es_sm2_key_has_private(k));
	/* Z with the default ID, given explicitly and as NULL */
	TU_OK(es_sm2_z(z, k, ex_id, 16));
	tu_unhex(want, 32, ex_z);
	assert_memory_equal(z, want, 32);
	TU_OK(es_sm2_z(z, k, NULL, 0));
	assert_memory_equal(z, want, 32);
	/* e = SM3(Z || M) */
	memcpy(zm, z, 32);
	memcpy(zm + 32, ex_msg, sizeof(ex_msg) - 1);
	TU_OK(es_sm3(e, zm, sizeof(zm)));
	tu_unhex(want, 32, ex_e);
	assert_memory_equal(e, want, 32);
	/* the published signature verifies, raw and DER, with a public-only key */
	TU_OK(es_sm2_key_point(point, k));
	TU_OK(es_sm2_key_from_point(&pub, point));
	assert_false(es_sm2_key_has_private(pub));
	example_raw_sig(raw);
	TU_OK(es_sm2_verify(pub, ex_id, 16, ex_msg, sizeof(ex_msg) - 1, raw, 64));
	TU_OK(es_sm2_sig_raw_to_der(&der, raw));
	TU_OK(es_sm2_verify(pub, NULL, 0, ex_msg, sizeof(ex_msg) - 1, der.ptr, der.len));
	TU_OK(es_sm2_verify_digest(pub, e, der.ptr, der.len));
	TU_OK(es_sm2_sig_der_to_raw(raw2, der.ptr, der.len));
	assert_memory_equal(raw, raw2, 64);
	/* wrong message, wrong ID */
	assert_int_equal(es_sm2_verify(pub, NULL, 0, "message digesT", 14, der.ptr, der.len), ES_EVERIFY);
	assert_int_equal(es_sm2_verify(pub, (const uint8_t *)"1234567812345679", 16, ex_msg,
				       sizeof(ex_msg) - 1, der.ptr, der.len),
			 ES_EVERIFY);
	e[0] ^= 1;
	assert_int_equal(es_sm2_verify_digest(pub, e, der.ptr, der.len), ES_EVERIFY);
	es_buf_release(&der);
	es_sm2_key_free(pub);
	es_sm2_key_free(k);
}

static void test_sm2__sign_verify_round_trip(void **state)
{
	es_sm2_key *k = NULL, *other = NULL;
	es_buf sig = ES_BUF_INIT;
	uint8_t raw[64], z[32], e[32];
	es_sm3_ctx *h = NULL;
	(void)state;
	TU_OK(es_sm2_key_generate(&k));
	TU_OK(es_sm2_key_generate(&other));
	TU_OK(es_sm2_sign(&sig, k, NULL, 0, "hello", 5));
	assert_true(sig.len >= 8 && sig.len <= ES_SM2_MAX_SIG_LEN);
	assert_int_equal(sig.ptr[0], 0x30);
	TU_OK(es_sm2_verify(k, NULL, 0, "hello", 5, sig.ptr, sig.len));
	TU_OK(es_sm2_verify(k, (const uint8_t *)ES_SM2_DEFAULT_ID, 16, "hello", 5, sig.ptr, sig.len));
	/* raw r||s is accepted too */
	TU_OK(es_sm2_sig_der_to_raw(raw, sig.ptr, sig.len));
	TU_OK(es_sm2_verify(k, NULL, 0, "hello", 5, raw, 64));
	/* wrong message, ID, key */
	assert_int_equal(es_sm2_verify(k, NULL, 0, "hellp", 5, sig.ptr, sig.len), ES_EVERIFY);
	assert_int_equal(es_sm2_verify(k, (const uint8_t *)"alice", 5, "hello", 5, sig.ptr, sig.len),
			 ES_EVERIFY);
	assert_int_equal(es_sm2_verify(other, NULL, 0, "hello", 5, sig.ptr, sig.len), ES_EVERIFY);
	raw[63] ^= 1;
	assert_int_equal(es_sm2_verify(k, NULL, 0, "hello", 5, raw, 64), ES_EVERIFY);
	/* a non-default ID round-trips */
	es_buf_release(&sig);
	TU_OK(es_sm2_sign(&sig, k, (const uint8_t *)"alice@example", 13, "", 0));
	TU_OK(es_sm2_verify(k, (const uint8_t *)"alice@example", 13, "", 0, sig.ptr, sig.len));
	assert_int_equal(es_sm2_verify(k, NULL, 0, "", 0, sig.ptr, sig.len), ES_EVERIFY);
	/* sign_digest with e computed by hand verifies as a message signature */
	es_buf_release(&sig);
	TU_OK(es_sm2_z(z, k, NULL, 0));
	TU_OK(es_sm3_new(&h));
	TU_OK(es_sm3_update(h, z, 32));
	TU_OK(es_sm3_update(h, "hello", 5));
	TU_OK(es_sm3_final(h, e));
	TU_OK(es_sm2_sign_digest(&sig, k, e));
	TU_OK(es_sm2_verify(k, NULL, 0, "hello", 5, sig.ptr, sig.len));
	TU_OK(es_sm2_verify_digest(k, e, sig.ptr, sig.len));
	es_sm3_free(h);
	es_buf_release(&sig);
	es_sm2_key_free(k);
	es_sm2_key_free(other);
}

static void test_sm2__malformed_signatures(void **state)
{
	es_sm2_key *k = NULL;
	es_buf sig = ES_BUF_INIT;
	uint8_t junk[80], raw[64];
	(void)state;
	TU_OK(es_sm2_key_generate(&k));
	memset(junk, 0x41, sizeof(junk));
	assert_int_equal(es_sm2_verify(k, NULL, 0, "m", 1, junk, 10), ES_EMALFORMED);
	assert_int_equal(es_sm2_verify(k, NULL, 0, "m", 1, junk, 0), ES_EMALFORMED);
	assert_int_equal(es_sm2_verify(k, NULL, 0, "m", 1, junk, 80), ES_EMALFORMED);
	assert_int_equal(es_sm2_verify(k, NULL, 0, "m", 1, NULL, 0), ES_EMALFORMED);
	TU_OK(es_sm2_sign(&sig, k, NULL, 0, "m", 1));
	/* truncated DER, trailing byte, BER length form */
	assert_int_equal(es_sm2_verify(k, NULL, 0, "m", 1, sig.ptr, sig.len - 1), ES_EMALFORMED);
	memcpy(junk, sig.ptr, sig.len);
	junk[sig.len] = 0;
	assert_int_equal(es_sm2_verify(k, NULL, 0, "m", 1, junk, sig.len + 1), ES_EMALFORMED);
	junk[0] = 0x30;
	junk[1] = 0x81;
	junk[2] = sig.ptr[1];
	memcpy(junk + 3, sig.ptr + 2, sig.len - 2);
	assert_int_equal(es_sm2_verify(k, NULL, 0, "m", 1, junk, sig.len + 1), ES_EMALFORMED);
	assert_int_equal(es_sm2_sig_der_to_raw(raw, junk, 5), ES_EMALFORMED);
	/* a 64-byte buffer is taken as raw r||s: wrong, not malformed */
	memset(raw, 0, sizeof(raw));
	assert_int_equal(es_sm2_verify(k, NULL, 0, "m", 1, raw, 64), ES_EVERIFY);
	es_buf_release(&sig);
	es_sm2_key_free(k);
}

static void test_sm2__signer_matches_one_shot(void **state)
{
	es_sm2_key *k = NULL, *pub = NULL;
	es_sm2_signer *s = NULL, *v = NULL;
	es_buf sig = ES_BUF_INIT;
	uint8_t point[65];
	(void)state;
	TU_OK(es_sm2_key_generate(&k));
	TU_OK(es_sm2_key_point(point, k));
	TU_OK(es_sm2_key_from_point(&pub, point));
	TU_OK(es_sm2_signer_new(&s, k, NULL, 0));
	TU_OK(es_sm2_signer_new(&v, pub, NULL, 0));
	for (int i = 0; i < 20; i++) {
		char msg[32];
		int n = snprintf(msg, sizeof(msg), "message %d", i);
		/* signer signature verifies with the one-shot verify (OpenSSL's own Z) */
		TU_OK(es_sm2_signer_sign(s, &sig, msg, (size_t)n));
		TU_OK(es_sm2_verify(pub, NULL, 0, msg, (size_t)n, sig.ptr, sig.len));
		TU_OK(es_sm2_signer_verify(v, msg, (size_t)n, sig.ptr, sig.len));
		assert_int_equal(es_sm2_signer_verify(v, msg, (size_t)n - 1, sig.ptr, sig.len), ES_EVERIFY);
		es_buf_release(&sig);
		/* one-shot signature verifies with the signer */
		TU_OK(es_sm2_sign(&sig, k, NULL, 0, msg, (size_t)n));
		TU_OK(es_sm2_signer_verify(s, msg, (size_t)n, sig.ptr, sig.len));
		es_buf_release(&sig);
	}
	/* a public key cannot sign */
	assert_int_equal(es_sm2_signer_sign(v, &sig, "x", 1), ES_EINVAL);
	assert_int_equal(es_sm2_signer_verify(v, "x", 1, (const uint8_t *)"zz", 2), ES_EMALFORMED);
	es_sm2_signer_free(s);
	es_sm2_signer_free(v);
	es_sm2_signer_free(NULL);
	es_sm2_key_free(pub);
	es_sm2_key_free(k);
}

static void test_sm2__keys_spki_point_refcount(void **state)
{
	es_sm2_key *k = NULL, *a = NULL, *b = NULL, *r;
	es_buf spki = ES_BUF_INIT;
	uint8_t p1[65], p2[65], d[32];
	(void)state;
	TU_OK(es_sm2_key_generate(&k));
	TU_OK(es_sm2_key_spki(&spki, k));
	/* id-ecPublicKey with the SM2 curve OID 1.2.156.10197.1.301 */
	assert_non_null(memmem(spki.ptr, spki.len, "\x06\x08\x2a\x81\x1c\xcf\x55\x01\x82\x2d", 10));
	TU_OK(es_sm2_key_from_spki(&a, spki.ptr, spki.len));
	TU_OK(es_sm2_key_point(p1, k));
	TU_OK(es_sm2_key_point(p2, a));
	assert_memory_equal(p1, p2, 65);
	assert_int_equal(p1[0], 4);
	assert_false(es_sm2_key_has_private(a));
	assert_int_equal(es_sm2_key_from_spki(&b, spki.ptr, spki.len - 1), ES_EMALFORMED);
	assert_null(b);
	/* a point off the curve is refused */
	p2[64] ^= 1;
	assert_int_not_equal(es_sm2_key_from_point(&b, p2), 0);
	assert_null(b);
	p2[0] = 2;
	assert_int_equal(es_sm2_key_from_point(&b, p2), ES_EMALFORMED);
	/* scalar range */
	memset(d, 0, 32);
	assert_int_equal(es_sm2_key_from_scalar(&b, d), ES_EINVAL);
	memset(d, 0xff, 32);
	assert_int_equal(es_sm2_key_from_scalar(&b, d), ES_EINVAL);
	/* references */
	r = es_sm2_key_ref(k);
	assert_ptr_equal(r, k);
	es_sm2_key_free(k);
	TU_OK(es_sm2_key_point(p2, r));
	es_sm2_key_free(r);
	es_sm2_key_free(a);
	es_sm2_key_free(NULL);
	es_buf_release(&spki);
}

static void test_sm2__pem_round_trips(void **state)
{
	es_sm2_key *k = NULL, *a = NULL;
	es_buf pem = ES_BUF_INIT, pem2 = ES_BUF_INIT, sig = ES_BUF_INIT;
	uint8_t p1[65], p2[65];
	(void)state;
	TU_OK(es_sm2_key_generate(&k));
	TU_OK(es_sm2_key_point(p1, k));
	/* plain PKCS#8 */
	TU_OK(es_sm2_key_private_pem(&pem, k, NULL));
	assert_non_null(strstr((char *)pem.ptr, "-----BEGIN PRIVATE KEY-----"));
	TU_OK(es_sm2_key_from_pem(&a, pem.ptr, pem.len, NULL));
	assert_true(es_sm2_key_has_private(a));
	TU_OK(es_sm2_key_point(p2, a));
	assert_memory_equal(p1, p2, 65);
	TU_OK(es_sm2_sign(&sig, a, NULL, 0, "x", 1));
	TU_OK(es_sm2_verify(k, NULL, 0, "x", 1, sig.ptr, sig.len));
	es_sm2_key_free(a);
	es_buf_release_secret(&pem);
	/* encrypted PKCS#8: PBES2, PBKDF2-hmacWithSM3, SM4-CBC */
	TU_OK(es_sm2_key_private_pem(&pem, k, "correct horse"));
	assert_non_null(strstr((char *)pem.ptr, "-----BEGIN ENCRYPTED PRIVATE KEY-----"));
	TU_OK(es_sm2_key_from_pem(&a, pem.ptr, pem.len, "correct horse"));
	TU_OK(es_sm2_key_point(p2, a));
	assert_memory_equal(p1, p2, 65);
	assert_true(es_sm2_key_has_private(a));
	es_sm2_key_free(a);
	a = NULL;
	assert_int_equal(es_sm2_key_from_pem(&a, pem.ptr, pem.len, "wrong horse"), ES_EDENIED);
	assert_null(a);
	assert_non_null(strstr(es_error_last()->message, "passphrase"));
	assert_int_equal(es_sm2_key_from_pem(&a, pem.ptr, pem.len, NULL), ES_EDENIED);
	assert_null(a);
	/* public PEM */
	TU_OK(es_sm2_key_public_pem(&pem2, k));
	assert_non_null(strstr((char *)pem2.ptr, "-----BEGIN PUBLIC KEY-----"));
	TU_OK(es_sm2_key_from_pem(&a, pem2.ptr, pem2.len, NULL));
	assert_false(es_sm2_key_has_private(a));
	TU_OK(es_sm2_verify(a, NULL, 0, "x", 1, sig.ptr, sig.len));
	assert_int_equal(es_sm2_key_private_pem(&pem, a, NULL), ES_EINVAL);
	es_sm2_key_free(a);
	es_buf_release(&pem2);
	es_buf_release(&pem);
	es_buf_release(&sig);
	es_sm2_key_free(k);
}

static void test_sm2__pem_garbage(void **state)
{
	static const char *const bad[] = {
		"",
		"hello",
		"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
		"-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----\n",
		"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
		"-----BEGIN ENCRYPTED PRIVATE KEY-----\nMAA=\n-----END ENCRYPTED PRIVATE KEY-----\n",
		"-----BEGIN PRIVATE KEY",
	};
	(void)state;
	for (size_t i = 0; i < ES_ARRAY_LEN(bad); i++) {
		es_sm2_key *k = NULL;
		int rc = es_sm2_key_from_pem(&k, (const uint8_t *)bad[i], strlen(bad[i]), "pw");
		assert_true(rc < 0);
		assert_null(k);
		assert_true(es_error_last()->message[0] != '\0');
	}
}

/* PBES2 parameters of our encrypted PEM: PBKDF2 with hmacWithSM3, SM4-CBC. */
static void test_sm2__encrypted_pem_algorithms(void **state)
{
	const char *dir = tu_tmpdir();
	es_sm2_key *k = NULL;
	es_buf pem = ES_BUF_INIT, out = ES_BUF_INIT;
	char path[512];
	(void)state;
	if (tu_run(NULL, "openssl version >/dev/null 2>&1") != 0)
		skip();
	TU_OK(es_sm2_key_generate(&k));
	TU_OK(es_sm2_key_private_pem(&pem, k, "pw"));
	snprintf(path, sizeof(path), "%s/enc.pem", dir);
	TU_OK(es_file_write(path, pem.ptr, pem.len, 0600));
	assert_int_equal(tu_run(&out, "openssl asn1parse -in %s 2>&1", path), 0);
	assert_non_null(strstr((char *)out.ptr, ":PBES2"));
	assert_non_null(strstr((char *)out.ptr, ":PBKDF2"));
	assert_non_null(strstr((char *)out.ptr, ":1.2.156.10197.1.401.2")); /* hmacWithSM3 */
	assert_non_null(strcasestr((char *)out.ptr, ":sm4-cbc"));
	es_buf_release(&out);
	es_buf_release(&pem);
	es_sm2_key_free(k);
	tu_run(NULL, "rm -rf %s", dir);
}

/* Keys openssl(1) makes as "EC" on the SM2 curve, PKCS#8 and SEC1, work as SM2 keys. */
static void test_sm2__ec_typed_sm2_curve_keys(void **state)
{
	static const char *const cmds[] = {
		"openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:SM2 -out %s 2>/dev/null",
		"openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:SM2 2>/dev/null | "
		"openssl ec -out %s 2>/dev/null",
	};
	const char *dir = tu_tmpdir();
	char path[512];
	(void)state;
	snprintf(path, sizeof(path), "%s/k.pem", dir);
	for (size_t i = 0; i < ES_ARRAY_LEN(cmds); i++) {
		es_sm2_key *k = NULL;
		es_buf pem = ES_BUF_INIT, sig = ES_BUF_INIT, spki = ES_BUF_INIT;
		es_sm2_key *pub = NULL;
		if (tu_run(NULL, cmds[i], path) != 0)
			skip();
		tu_read(&pem, path);
		TU_OK(es_sm2_key_from_pem(&k, pem.ptr, pem.len, NULL));
		assert_true(es_sm2_key_has_private(k));
		TU_OK(es_sm2_sign(&sig, k, NULL, 0, "m", 1));
		TU_OK(es_sm2_key_spki(&spki, k));
		TU_OK(es_sm2_key_from_spki(&pub, spki.ptr, spki.len));
		TU_OK(es_sm2_verify(pub, NULL, 0, "m", 1, sig.ptr, sig.len));
		es_sm2_key_free(pub);
		es_sm2_key_free(k);
		es_buf_release(&pem);
		es_buf_release(&sig);
		es_buf_release(&spki);
	}
	tu_run(NULL, "rm -rf %s", dir);
}

static void test_sm2__id_length_limit(void **state)
{
	static uint8_t longid[8192];
	es_sm2_key *k = example_key();
	es_buf sig = ES_BUF_INIT;
	uint8_t z[32];
	(void)state;
	memset(longid, 'a', sizeof(longid));
	/* the signer (our Z) and the one-shot path (OpenSSL's Z) agree on long IDs */
	TU_OK(es_sm2_z(z, k, longid, 8190));
	TU_OK(es_sm2_sign(&sig, k, longid, 8190, "m", 1));
	TU_OK(es_sm2_verify(k, longid, 8190, "m", 1, sig.ptr, sig.len));
	{
		es_sm2_signer *s = NULL;
		TU_OK(es_sm2_signer_new(&s, k, longid, 8190));
		TU_OK(es_sm2_signer_verify(s, "m", 1, sig.ptr, sig.len));
		es_sm2_signer_free(s);
	}
	assert_int_equal(es_sm2_z(z, k, longid, 8191), ES_EINVAL);
	assert_int_equal(es_sm2_sign(&sig, k, longid, 8191, "m", 1), ES_EINVAL);
	assert_int_equal(es_sm2_verify(k, longid, 8191, "m", 1, sig.ptr, sig.len), ES_EINVAL);
	es_buf_release(&sig);
	es_sm2_key_free(k);
}

/* An RSA or P-256 key is not an SM2 key. */
static void test_sm2__other_curves_refused(void **state)
{
	const char *dir = tu_tmpdir();
	es_buf pem = ES_BUF_INIT;
	char path[512];
	es_sm2_key *k = NULL;
	(void)state;
	snprintf(path, sizeof(path), "%s/p256.pem", dir);
	if (tu_run(NULL, "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out %s "
			 "2>/dev/null", path) != 0)
		skip();
	tu_read(&pem, path);
	assert_int_equal(es_sm2_key_from_pem(&k, pem.ptr, pem.len, NULL), ES_ENOTSUPPORTED);
	assert_null(k);
	es_buf_release(&pem);
	tu_run(NULL, "rm -rf %s", dir);
}

/* Interoperability with openssl(1) pkeyutl, both directions. */
static void test_sm2__openssl_cli_cross_verification(void **state)
{
	const char *dir = tu_tmpdir();
	es_sm2_key *k = NULL, *ck = NULL;
	es_buf pem = ES_BUF_INIT, pub = ES_BUF_INIT, sig = ES_BUF_INIT, out = ES_BUF_INIT;
	char path[512], msg[] = "cross verification message";
	(void)state;
	if (tu_run(NULL, "openssl version >/dev/null 2>&1") != 0)
		skip();
	TU_OK(es_sm2_key_generate(&k));
	TU_OK(es_sm2_key_public_pem(&pub, k));
	snprintf(path, sizeof(path), "%s/pub.pem", dir);
	TU_OK(es_file_write(path, pub.ptr, pub.len, 0600));
	snprintf(path, sizeof(path), "%s/msg", dir);
	TU_OK(es_file_write(path, msg, strlen(msg), 0600));
	/* ours -> openssl */
	TU_OK(es_sm2_sign(&sig, k, NULL, 0, msg, strlen(msg)));
	snprintf(path, sizeof(path), "%s/sig", dir);
	TU_OK(es_file_write(path, sig.ptr, sig.len, 0600));
	assert_int_equal(tu_run(&out, "cd %s && openssl pkeyutl -verify -pubin -inkey pub.pem -rawin "
				      "-digest sm3 -pkeyopt distid:1234567812345678 -in msg -sigfile sig 2>&1",
				dir),
			 0);
	assert_non_null(strstr((char *)out.ptr, "Signature Verified Successfully"));
	es_buf_release(&out);
	/* and openssl refuses it with another ID (so the ID really matters) */
	assert_int_not_equal(tu_run(NULL, "cd %s && openssl pkeyutl -verify -pubin -inkey pub.pem -rawin "
					  "-digest sm3 -pkeyopt distid:1234567812345679 -in msg -sigfile sig "
					  ">/dev/null 2>&1",
				    dir),
			     0);
	/* openssl -> ours, with a key openssl generated */
	assert_int_equal(tu_run(NULL, "cd %s && openssl genpkey -algorithm SM2 -out key.pem 2>/dev/null && "
				      "openssl pkeyutl -sign -inkey key.pem -rawin -digest sm3 "
				      "-pkeyopt distid:1234567812345678 -in msg -out sig2 2>/dev/null",
				dir),
			 0);
	snprintf(path, sizeof(path), "%s/key.pem", dir);
	tu_read(&pem, path);
	TU_OK(es_sm2_key_from_pem(&ck, pem.ptr, pem.len, NULL));
	es_buf_release(&sig);
	snprintf(path, sizeof(path), "%s/sig2", dir);
	tu_read(&sig, path);
	TU_OK(es_sm2_verify(ck, NULL, 0, msg, strlen(msg), sig.ptr, sig.len));
	assert_int_equal(es_sm2_verify(ck, NULL, 0, msg, strlen(msg) - 1, sig.ptr, sig.len), ES_EVERIFY);
	/* our plain PKCS#8 is readable by openssl */
	es_buf_release(&pem);
	TU_OK(es_sm2_key_private_pem(&pem, k, NULL));
	snprintf(path, sizeof(path), "%s/ours.pem", dir);
	TU_OK(es_file_write(path, pem.ptr, pem.len, 0600));
	assert_int_equal(tu_run(&out, "openssl pkey -in %s -noout -text 2>&1", path), 0);
	assert_non_null(strstr((char *)out.ptr, "SM2"));
	es_buf_release(&out);
	es_buf_release_secret(&pem);
	es_buf_release(&pub);
	es_buf_release(&sig);
	es_sm2_key_free(k);
	es_sm2_key_free(ck);
	tu_run(NULL, "rm -rf %s", dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sm2__standard_example),
		cmocka_unit_test(test_sm2__sign_verify_round_trip),
		cmocka_unit_test(test_sm2__malformed_signatures),
		cmocka_unit_test(test_sm2__signer_matches_one_shot),
		cmocka_unit_test(test_sm2__keys_spki_point_refcount),
		cmocka_unit_test(test_sm2__pem_round_trips),
		cmocka_unit_test(test_sm2__pem_garbage),
		cmocka_unit_test(test_sm2__encrypted_pem_algorithms),
		cmocka_unit_test(test_sm2__ec_typed_sm2_curve_keys),
		cmocka_unit_test(test_sm2__id_length_limit),
		cmocka_unit_test(test_sm2__other_curves_refused),
		cmocka_unit_test(test_sm2__openssl_cli_cross_verification),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
