/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* RFC 3161 time-stamp tokens with SM3 imprints and SM2 signatures. */
#include "crypto_fixture.h"

static const char data[] = "the signature value being time-stamped";
#define GEN_TIME (FX_T0 + 12345)

static void make_token(es_buf *tok, const fx_pki *p)
{
	TU_OK(es_tst_create(tok, p->tsa, p->tsa_key, data, sizeof(data) - 1, GEN_TIME, NULL));
}

static void test_tst__create_and_verify(void **state)
{
	fx_pki p;
	es_buf tok = ES_BUF_INIT, b = ES_BUF_INIT;
	es_tst_info info;
	es_bytes a, c;
	(void)state;
	fx_pki_make(&p);
	make_token(&tok, &p);
	TU_OK(es_tst_verify(&info, tok.ptr, tok.len, data, sizeof(data) - 1));
	assert_int_equal(info.gen_time, GEN_TIME);
	assert_non_null(info.tsa_cert);
	a = es_cert_der(info.tsa_cert);
	c = es_cert_der(p.tsa);
	assert_int_equal(a.len, c.len);
	assert_memory_equal(a.ptr, c.ptr, a.len);
	/* the caller checks the chain of the TSA certificate at the time */
	{
		es_trust *t = NULL;
		es_path_result r;
		TU_OK(es_trust_new(&t));
		TU_OK(es_trust_add_anchor(t, p.root));
		TU_OK(es_trust_verify(&r, t, info.tsa_cert, NULL, 0, info.gen_time, ES_KU_DIGITAL_SIGNATURE));
		assert_int_equal(r.status, ES_PATH_OK);
		es_trust_free(t);
	}
	es_tst_info_release(&info);
	assert_null(info.tsa_cert);
	es_tst_info_release(&info);
	/* after 2049: GeneralizedTime everywhere */
	es_buf_release(&tok);
	TU_OK(es_tst_create(&tok, p.tsa, p.tsa_key, "x", 1, (es_time)2840140800, NULL)); /* 2060-01-01 */
	TU_OK(es_tst_verify(&info, tok.ptr, tok.len, "x", 1));
	assert_int_equal(info.gen_time, (es_time)2840140800);
	es_tst_info_release(&info);
	/* a policy of our own, "now" as the time */
	es_buf_release(&tok);
	TU_OK(es_tst_create(&tok, p.tsa, p.tsa_key, "", 0, 0, "1.2.3.4.5"));
	TU_OK(es_tst_verify(&info, tok.ptr, tok.len, "", 0));
	assert_true(info.gen_time > FX_T0);
	es_tst_info_release(&info);
	es_buf_release(&tok);
	es_buf_release(&b);
	fx_pki_free(&p);
}

static void test_tst__wrong_data_and_bad_inputs(void **state)
{
	fx_pki p;
	es_buf tok = ES_BUF_INIT;
	es_tst_info info;
	(void)state;
	fx_pki_make(&p);
	make_token(&tok, &p);
	assert_int_equal(es_tst_verify(&info, tok.ptr, tok.len, data, sizeof(data) - 2), ES_EVERIFY);
	assert_null(info.tsa_cert);
	assert_non_null(strstr(info.reason, "imprint"));
	assert_int_equal(es_tst_verify(&info, tok.ptr, tok.len, "x", 1), ES_EVERIFY);
	assert_int_equal(es_tst_verify(&info, tok.ptr, 0, data, 3), ES_EMALFORMED);
	/* not a TSA certificate, or the wrong key */
	es_buf_release(&tok);
	assert_int_equal(es_tst_create(&tok, p.signer, p.signer_key, data, 3, GEN_TIME, NULL), ES_EINVAL);
	assert_int_equal(es_tst_create(&tok, p.tsa, p.signer_key, data, 3, GEN_TIME, NULL), ES_EINVAL);
	assert_int_equal(es_tst_create(&tok, p.tsa, p.tsa_key, data, 3, GEN_TIME, "not an oid"), ES_EINVAL);
	es_buf_release(&tok);
	fx_pki_free(&p);
}

/* Every truncation and many single-byte changes: an error, never a crash or a pass. */
static void test_tst__flips_and_truncations(void **state)
{
	fx_pki p;
	es_buf tok = ES_BUF_INIT;
	es_tst_info info;
	size_t passed = 0;
	(void)state;
	fx_pki_make(&p);
	make_token(&tok, &p);
	for (size_t n = 0; n < tok.len; n++) {
		int rc = es_tst_verify(&info, tok.ptr, n, data, sizeof(data) - 1);
		assert_true(rc < 0);
		assert_null(info.tsa_cert);
	}
	for (size_t i = 0; i < tok.len; i++) {
		int rc;
		uint8_t saved = tok.ptr[i];
		tok.ptr[i] ^= (uint8_t)(0x01u << (i % 8));
		rc = es_tst_verify(&info, tok.ptr, tok.len, data, sizeof(data) - 1);
		tok.ptr[i] = saved;
		if (rc == 0) {
			/* only bytes no signature covers may change: the unsigned certificate set */
			passed++;
			es_tst_info_release(&info);
			continue;
		}
		assert_true(rc == ES_EVERIFY || rc == ES_EMALFORMED || rc == ES_ENOTSUPPORTED ||
			    rc == ES_ELIMIT);
		assert_null(info.tsa_cert);
		assert_true(info.reason[0] != '\0');
	}
	/* versions, the digestAlgorithms set, tags: a handful of unauthenticated bytes */
	print_message("%zu of %zu single-bit flips still verify (unsigned fields)\n", passed, tok.len);
	assert_true(passed * 20 < tok.len);
	es_buf_release(&tok);
	fx_pki_free(&p);
}

/* es_tst_verify_trust: the TSA certificate read once through the store's cache; same answers as without. */
static void test_tst__trust_cache(void **state)
{
	fx_pki p;
	es_buf tok = ES_BUF_INIT;
	es_tst_info a, b;
	es_trust *t = NULL;
	(void)state;
	fx_pki_make(&p);
	make_token(&tok, &p);
	TU_OK(es_trust_new(&t));
	TU_OK(es_tst_verify_trust(&a, t, tok.ptr, tok.len, data, sizeof(data) - 1));
	TU_OK(es_tst_verify_trust(&b, t, tok.ptr, tok.len, data, sizeof(data) - 1));
	assert_ptr_equal(a.tsa_cert, b.tsa_cert); /* parsed once */
	assert_int_equal(a.gen_time, GEN_TIME);
	es_tst_info_release(&a);
	es_tst_info_release(&b);
	TU_OK(es_tst_verify_trust(&a, NULL, tok.ptr, tok.len, data, sizeof(data) - 1));
	es_tst_info_release(&a);
	assert_int_equal(es_tst_verify_trust(&a, t, tok.ptr, tok.len, "x", 1), ES_EVERIFY);
	assert_null(a.tsa_cert);
	/* every single-bit flip: the same answer with and without the cache (certificate bytes included) */
	for (size_t i = 0; i < tok.len; i++) {
		int r1, r2;
		uint8_t saved = tok.ptr[i];
		tok.ptr[i] ^= (uint8_t)(0x01u << (i % 8));
		r1 = es_tst_verify(&a, tok.ptr, tok.len, data, sizeof(data) - 1);
		r2 = es_tst_verify_trust(&b, t, tok.ptr, tok.len, data, sizeof(data) - 1);
		tok.ptr[i] = saved;
		assert_int_equal(r1, r2);
		if (r1 == 0) {
			es_bytes x = es_cert_der(a.tsa_cert), y = es_cert_der(b.tsa_cert);
			assert_int_equal(x.len, y.len);
			assert_memory_equal(x.ptr, y.ptr, x.len);
			es_tst_info_release(&a);
			es_tst_info_release(&b);
		}
	}
	es_trust_free(t);
	es_buf_release(&tok);
	fx_pki_free(&p);
}

static void test_tst__garbage(void **state)
{
	es_tst_info info;
	uint8_t junk[512];
	(void)state;
	memset(junk, 0x30, sizeof(junk));
	assert_true(es_tst_verify(&info, junk, sizeof(junk), "x", 1) < 0);
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 37 + 11);
	assert_int_equal(es_tst_verify(&info, junk, sizeof(junk), "x", 1), ES_EMALFORMED);
	/* a DER certificate is not a token */
	{
		fx_pki p;
		es_bytes der;
		fx_pki_make(&p);
		der = es_cert_der(p.tsa);
		assert_int_equal(es_tst_verify(&info, der.ptr, der.len, "x", 1), ES_EMALFORMED);
		fx_pki_free(&p);
	}
}

/* openssl(1) parses the token as an RFC 3161 reply token. */
static void test_tst__openssl_cli_parses_token(void **state)
{
	const char *dir = tu_tmpdir();
	fx_pki p;
	es_buf tok = ES_BUF_INIT, out = ES_BUF_INIT;
	(void)state;
	if (tu_run(NULL, "openssl version >/dev/null 2>&1") != 0)
		skip();
	fx_pki_make(&p);
	make_token(&tok, &p);
	fx_write(dir, "token.der", tok.ptr, tok.len);
	assert_int_equal(tu_run(&out, "openssl ts -reply -in %s/token.der -token_in -text 2>&1", dir), 0);
	assert_non_null(strstr((char *)out.ptr, "Hash Algorithm: sm3"));
	assert_non_null(strstr((char *)out.ptr, "Policy OID: 1.2.156.10197.6.1.4.1"));
	assert_non_null(strstr((char *)out.ptr, "Time stamp: Jan  1 03:25:45 2024 GMT"));
	es_buf_release(&out);
	assert_int_equal(tu_run(&out, "openssl asn1parse -inform DER -in %s/token.der 2>&1", dir), 0);
	assert_non_null(strstr((char *)out.ptr, "id-smime-ct-TSTInfo"));
	assert_non_null(strstr((char *)out.ptr, "id-smime-aa-signingCertificateV2"));
	es_buf_release(&out);
	es_buf_release(&tok);
	fx_pki_free(&p);
	tu_run(NULL, "rm -rf %s", dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tst__create_and_verify),
		cmocka_unit_test(test_tst__wrong_data_and_bad_inputs),
		cmocka_unit_test(test_tst__flips_and_truncations),
		cmocka_unit_test(test_tst__trust_cache),
		cmocka_unit_test(test_tst__garbage),
		cmocka_unit_test(test_tst__openssl_cli_parses_token),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
