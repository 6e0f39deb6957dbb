/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* PKCS#10 requests: make, parse (DER and PEM), self-signature, garbage. */
#include "crypto_fixture.h"

#define CSR_SUBJECT "/C=CN/O=91330106MA2KXYZ01P杭州测试签章单位有限公司/CN=33010600000123"

static void test_csr__make_parse_verify(void **state)
{
	es_sm2_key *k = NULL;
	es_csr *r = NULL;
	es_buf der = ES_BUF_INIT, b = ES_BUF_INIT;
	const es_sm2_key *pub = NULL;
	uint8_t p1[65], p2[65];
	(void)state;
	TU_OK(es_sm2_key_generate(&k));
	TU_OK(es_csr_make(&der, k, CSR_SUBJECT));
	TU_OK(es_csr_parse(&r, der.ptr, der.len));
	TU_OK(es_csr_subject(&b, r));
	assert_string_equal((char *)b.ptr, "CN=33010600000123,O=91330106MA2KXYZ01P杭州测试签章单位有限公司,C=CN");
	TU_OK(es_csr_pubkey(&pub, r));
	TU_OK(es_sm2_key_point(p1, pub));
	TU_OK(es_sm2_key_point(p2, k));
	assert_memory_equal(p1, p2, 65);
	es_csr_free(r);
	es_csr_free(NULL);
	es_buf_release(&b);
	/* openssl(1) agrees on the structure, and its SM2 CSR parses here */
	if (tu_run(NULL, "openssl version >/dev/null 2>&1") == 0) {
		const char *dir = tu_tmpdir();
		es_buf out = ES_BUF_INIT, pem = ES_BUF_INIT;
		char path[512];
		fx_write(dir, "req.der", der.ptr, der.len);
		assert_int_equal(tu_run(&out, "openssl req -inform DER -in %s/req.der -noout -text 2>&1", dir), 0);
		assert_non_null(strstr((char *)out.ptr, "SM2-with-SM3"));
		es_buf_release(&out);
		assert_int_equal(tu_run(NULL, "cd %s && openssl genpkey -algorithm SM2 -out k.pem 2>/dev/null && "
					      "openssl req -new -key k.pem -subj /CN=cli -sm3 "
					      "-sigopt distid:1234567812345678 -out req.pem 2>/dev/null",
					dir),
				 0);
		snprintf(path, sizeof(path), "%s/req.pem", dir);
		tu_read(&pem, path);
		TU_OK(es_csr_parse(&r, pem.ptr, pem.len)); /* PEM, signed by openssl with the ID */
		TU_OK(es_csr_subject(&b, r));
		assert_string_equal((char *)b.ptr, "CN=cli");
		es_buf_release(&b);
		es_csr_free(r);
		es_buf_release(&pem);
		tu_run(NULL, "rm -rf %s", dir);
	}
	es_buf_release(&der);
	es_sm2_key_free(k);
}

static void test_csr__tampered_and_garbage(void **state)
{
	es_sm2_key *k = NULL, *pubonly = NULL;
	es_csr *r = NULL;
	es_buf der = ES_BUF_INIT;
	uint8_t *hit, point[65], junk[100];
	int verify_fails = 0;
	(void)state;
	TU_OK(es_sm2_key_generate(&k));
	TU_OK(es_csr_make(&der, k, "/CN=tamper me"));
	/* change the subject: the self-signature fails */
	hit = memmem(der.ptr, der.len, "tamper", 6);
	assert_non_null(hit);
	hit[0] = 'T';
	assert_int_equal(es_csr_parse(&r, der.ptr, der.len), ES_EVERIFY);
	assert_null(r);
	hit[0] = 't';
	/* flip the last signature byte */
	der.ptr[der.len - 1] ^= 0x80;
	assert_int_equal(es_csr_parse(&r, der.ptr, der.len), ES_EVERIFY);
	der.ptr[der.len - 1] ^= 0x80;
	TU_OK(es_csr_parse(&r, der.ptr, der.len));
	es_csr_free(r);
	r = NULL;
	/* every truncation and every single flip fails cleanly */
	for (size_t n = 0; n < der.len; n++)
		assert_true(es_csr_parse(&r, der.ptr, n) < 0);
	for (size_t i = 0; i < der.len; i++) {
		int rc;
		der.ptr[i] ^= 0x04;
		rc = es_csr_parse(&r, der.ptr, der.len);
		der.ptr[i] ^= 0x04;
		if (rc == 0) {
			es_csr_free(r);
			r = NULL;
			continue; /* e.g. inside an unused field: allowed only if it still verifies */
		}
		assert_true(rc == ES_EVERIFY || rc == ES_EMALFORMED || rc == ES_ENOTSUPPORTED);
		verify_fails += rc == ES_EVERIFY;
	}
	assert_true(verify_fails > 0);
	memset(junk, 0x5a, sizeof(junk));
	assert_int_equal(es_csr_parse(&r, junk, sizeof(junk)), ES_EMALFORMED);
	assert_int_equal(es_csr_parse(&r, junk, 0), ES_EMALFORMED);
	assert_int_equal(es_csr_parse(&r, (const uint8_t *)"-----BEGIN CERTIFICATE REQUEST-----\nMAA=\n"
							   "-----END CERTIFICATE REQUEST-----\n",
				      76),
			 ES_EMALFORMED);
	assert_null(r);
	/* making a request needs the private key and a good subject */
	TU_OK(es_sm2_key_point(point, k));
	TU_OK(es_sm2_key_from_point(&pubonly, point));
	es_buf_release(&der);
	assert_int_equal(es_csr_make(&der, pubonly, "/CN=x"), ES_EINVAL);
	assert_int_equal(es_csr_make(&der, k, "CN=x"), ES_EINVAL);
	es_sm2_key_free(pubonly);
	es_sm2_key_free(k);
}

/* A request turned into a certificate by the built-in CA. */
static void test_csr__issue_from_request(void **state)
{
	fx_pki p;
	es_sm2_key *k = NULL;
	es_csr *r = NULL;
	es_buf der = ES_BUF_INIT, subj = ES_BUF_INIT;
	const es_sm2_key *pub = NULL;
	es_issue_options o = ES_ISSUE_OPTIONS_INIT;
	es_cert *c = NULL;
	(void)state;
	fx_pki_make(&p);
	TU_OK(es_sm2_key_generate(&k));
	TU_OK(es_csr_make(&der, k, CSR_SUBJECT));
	TU_OK(es_csr_parse(&r, der.ptr, der.len));
	TU_OK(es_csr_pubkey(&pub, r));
	o.profile = ES_PROFILE_SIGNER;
	o.subject = CSR_SUBJECT;
	o.not_before = FX_T0;
	o.not_after = FX_T0 + FX_YEAR;
	TU_OK(es_cert_issue(&c, &o, pub, p.ca, p.ca_key));
	assert_true(es_cert_signed_by(c, p.ca));
	es_cert_free(c);
	es_csr_free(r);
	es_buf_release(&der);
	es_buf_release(&subj);
	es_sm2_key_free(k);
	fx_pki_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csr__make_parse_verify),
		cmocka_unit_test(test_csr__tampered_and_garbage),
		cmocka_unit_test(test_csr__issue_from_request),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
