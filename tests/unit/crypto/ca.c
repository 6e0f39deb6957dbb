/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The built-in CA: certificate profiles, CRLs, and openssl(1) reading them. */
#include "crypto_fixture.h"

static void test_ca__profiles_and_fields(void **state)
{
	fx_pki p;
	es_buf b = ES_BUF_INIT;
	const es_sm2_key *pub = NULL;
	uint8_t p1[65], p2[65];
	(void)state;
	fx_pki_make(&p);
	/* root: self-signed CA */
	assert_true(es_cert_is_sm2(p.root));
	assert_true(es_cert_signed_by(p.root, p.root));
	assert_int_equal(es_cert_key_usage(p.root), ES_KU_KEY_CERT_SIGN | ES_KU_CRL_SIGN);
	TU_OK(es_cert_serial_hex(&b, p.root));
	assert_string_equal((char *)b.ptr, "01");
	es_buf_release(&b);
	assert_int_equal(es_cert_not_before(p.root), FX_T0);
	assert_int_equal(es_cert_not_after(p.root), FX_T0 + 10 * FX_YEAR);
	/* sub CA */
	assert_int_equal(es_cert_key_usage(p.ca), ES_KU_KEY_CERT_SIGN | ES_KU_CRL_SIGN);
	assert_true(es_cert_signed_by(p.ca, p.root));
	assert_false(es_cert_signed_by(p.ca, p.ca));
	/* maker and signer: digitalSignature|nonRepudiation, UTF-8 names */
	assert_int_equal(es_cert_key_usage(p.maker), ES_KU_DIGITAL_SIGNATURE | ES_KU_NON_REPUDIATION);
	assert_int_equal(es_cert_key_usage(p.signer), ES_KU_DIGITAL_SIGNATURE | ES_KU_NON_REPUDIATION);
	assert_true(es_cert_signed_by(p.signer, p.ca));
	assert_false(es_cert_signed_by(p.signer, p.root));
	assert_false(es_cert_has_eku_timestamping(p.signer));
	TU_OK(es_cert_subject(&b, p.signer));
	assert_string_equal((char *)b.ptr,
			    "CN=33010600000123,O=91330106MA2KXYZ01P杭州测试签章单位有限公司,C=CN");
	es_buf_release(&b);
	TU_OK(es_cert_issuer(&b, p.signer));
	assert_string_equal((char *)b.ptr, "CN=eseal Test Seal CA,O=测试电子印章制作系统,C=CN");
	es_buf_release(&b);
	TU_OK(es_cert_subject_attr(&b, p.maker, "O"));
	assert_string_equal((char *)b.ptr, "91110000MA01ABCD2X北京测试制章单位");
	es_buf_release(&b);
	TU_OK(es_cert_subject_attr(&b, p.maker, "CN"));
	assert_string_equal((char *)b.ptr, "11010800000001");
	es_buf_release(&b);
	assert_int_equal(es_cert_subject_attr(&b, p.maker, "OU"), ES_ENOTFOUND);
	assert_int_equal(es_cert_subject_attr(&b, p.maker, "NoSuchAttr"), ES_EINVAL);
	/* random serial: 16 bytes, positive */
	TU_OK(es_cert_serial_hex(&b, p.signer));
	assert_int_equal(b.len, 32);
	assert_true(b.ptr[0] >= '4' && b.ptr[0] <= '7');
	es_buf_release(&b);
	/* TSA: critical EKU timeStamping, digitalSignature */
	assert_true(es_cert_has_eku_timestamping(p.tsa));
	assert_int_equal(es_cert_key_usage(p.tsa), ES_KU_DIGITAL_SIGNATURE);
	/* the certificate carries the subject key */
	TU_OK(es_cert_pubkey(&pub, p.signer));
	TU_OK(es_sm2_key_point(p1, pub));
	TU_OK(es_sm2_key_point(p2, p.signer_key));
	assert_memory_equal(p1, p2, 65);
	fx_pki_free(&p);
}

static void test_ca__bad_options(void **state)
{
	fx_pki p;
	es_issue_options o = ES_ISSUE_OPTIONS_INIT;
	es_cert *c = NULL;
	(void)state;
	fx_pki_make(&p);
	o.profile = ES_PROFILE_SIGNER;
	o.subject = "/CN=x";
	o.not_after = FX_T0 + FX_YEAR;
	o.not_before = FX_T0;
	/* wrong issuer key */
	assert_int_equal(es_cert_issue(&c, &o, p.signer_key, p.ca, p.root_key), ES_EINVAL);
	/* no issuer for a non-root */
	assert_int_equal(es_cert_issue(&c, &o, p.signer_key, NULL, p.ca_key), ES_EINVAL);
	/* self-signed with another key */
	o.profile = ES_PROFILE_ROOT_CA;
	assert_int_equal(es_cert_issue(&c, &o, p.signer_key, NULL, p.root_key), ES_EINVAL);
	o.profile = 99;
	assert_int_equal(es_cert_issue(&c, &o, p.signer_key, p.ca, p.ca_key), ES_EINVAL);
	o.profile = ES_PROFILE_SIGNER;
	o.subject = "CN=no-leading-slash";
	assert_int_equal(es_cert_issue(&c, &o, p.signer_key, p.ca, p.ca_key), ES_EINVAL);
	o.subject = "/XX=unknown";
	assert_int_equal(es_cert_issue(&c, &o, p.signer_key, p.ca, p.ca_key), ES_EINVAL);
	o.subject = "/CN=";
	assert_int_equal(es_cert_issue(&c, &o, p.signer_key, p.ca, p.ca_key), ES_EINVAL);
	o.subject = "/C=CHINA"; /* countryName is two letters */
	assert_int_equal(es_cert_issue(&c, &o, p.signer_key, p.ca, p.ca_key), ES_EINVAL);
	o.subject = "/CN=x";
	o.not_after = FX_T0 - 1;
	assert_int_equal(es_cert_issue(&c, &o, p.signer_key, p.ca, p.ca_key), ES_EINVAL);
	o.not_after = FX_T0 + FX_YEAR;
	o.version = 2;
	assert_int_equal(es_cert_issue(&c, &o, p.signer_key, p.ca, p.ca_key), ES_EINVAL);
	assert_null(c);
	/* an escaped slash stays in the value */
	o.version = ES_ISSUE_OPTIONS_VERSION;
	o.subject = "/O=a\\/b/CN=c";
	TU_OK(es_cert_issue(&c, &o, p.signer_key, p.ca, p.ca_key));
	{
		es_buf b = ES_BUF_INIT;
		TU_OK(es_cert_subject_attr(&b, c, "O"));
		assert_string_equal((char *)b.ptr, "a/b");
		es_buf_release(&b);
	}
	es_cert_free(c);
	fx_pki_free(&p);
}

/* openssl(1) parses every certificate; chain verification with SM2. */
static void test_ca__openssl_cli_reads_and_verifies(void **state)
{
	const char *dir = tu_tmpdir();
	es_buf out = ES_BUF_INIT;
	fx_pki p;
	(void)state;
	if (tu_run(NULL, "openssl version >/dev/null 2>&1") != 0)
		skip();
	fx_pki_make(&p);
	fx_write_pem(dir, "root.pem", p.root);
	fx_write_pem(dir, "ca.pem", p.ca);
	fx_write_pem(dir, "maker.pem", p.maker);
	fx_write_pem(dir, "signer.pem", p.signer);
	fx_write_pem(dir, "tsa.pem", p.tsa);
	assert_int_equal(tu_run(&out, "cd %s && for f in root ca maker signer tsa; do "
				      "openssl x509 -in $f.pem -noout -text || exit 1; done 2>&1",
				dir),
			 0);
	assert_non_null(strstr((char *)out.ptr, "Signature Algorithm: SM2-with-SM3"));
	assert_non_null(strstr((char *)out.ptr, "ASN1 OID: SM2"));
	assert_non_null(strstr((char *)out.ptr, "CA:TRUE, pathlen:0"));
	assert_non_null(strstr((char *)out.ptr, "Digital Signature, Non Repudiation"));
	assert_non_null(strstr((char *)out.ptr, "Certificate Sign, CRL Sign"));
	assert_non_null(strstr((char *)out.ptr, "Time Stamping"));
	assert_non_null(strstr((char *)out.ptr, "URI:http://crl.example.cn/seal-ca.crl"));
	assert_non_null(strstr((char *)out.ptr, "X509v3 Subject Key Identifier"));
	assert_non_null(strstr((char *)out.ptr, "X509v3 Authority Key Identifier"));
	es_buf_release(&out);
	/*
	 * openssl verify on SM2 chains: OpenSSL 3.0's command line does not set
	 * the SM2 ID on the certificates it loads, so it computes Z with its own
	 * default and fails ("error 7 at 1 depth lookup: certificate signature
	 * failure" on 3.0.19) even though the chain is right. Later versions may
	 * pass, so the result is only printed; es_trust_verify (trust.c tests)
	 * is the real check, with the ID set on every certificate.
	 */
	(void)tu_run(&out, "cd %s && openssl verify -attime %lld -CAfile root.pem -untrusted ca.pem "
			   "signer.pem 2>&1",
		     dir, (long long)(FX_T0 + 86400));
	print_message("openssl verify: %s", out.ptr ? (char *)out.ptr : "");
	es_buf_release(&out);
	fx_pki_free(&p);
	tu_run(NULL, "rm -rf %s", dir);
}

static void test_ca__crl(void **state)
{
	const char *dir = tu_tmpdir();
	fx_pki p;
	es_buf crl = ES_BUF_INIT, serial = ES_BUF_INIT, out = ES_BUF_INIT;
	es_crl_entry e[2];
	(void)state;
	fx_pki_make(&p);
	TU_OK(es_cert_serial_hex(&serial, p.signer));
	e[0].serial_hex = (const char *)serial.ptr;
	e[0].revoked_at = FX_T0 + 100 * 86400;
	e[0].reason = 1; /* keyCompromise */
	e[1].serial_hex = "0A1B";
	e[1].revoked_at = FX_T0 + 10 * 86400;
	e[1].reason = -1;
	TU_OK(es_crl_issue(&crl, p.ca, p.ca_key, e, 2, FX_T0 + 200 * 86400, FX_T0 + 230 * 86400, 7));
	assert_int_equal(crl.ptr[0], 0x30);
	if (tu_run(NULL, "openssl version >/dev/null 2>&1") == 0) {
		fx_write(dir, "x.crl", crl.ptr, crl.len);
		assert_int_equal(tu_run(&out, "openssl crl -inform DER -in %s/x.crl -noout -text 2>&1", dir), 0);
		assert_non_null(strstr((char *)out.ptr, "SM2-with-SM3"));
		assert_non_null(strstr((char *)out.ptr, "X509v3 CRL Number"));
		assert_non_null(strstr((char *)out.ptr, "Key Compromise"));
		assert_non_null(strstr((char *)out.ptr, (char *)serial.ptr));
		assert_non_null(strstr((char *)out.ptr, "0A1B"));
		assert_non_null(strstr((char *)out.ptr, "X509v3 Authority Key Identifier"));
		es_buf_release(&out);
	}
	/* bad entries and arguments */
	es_buf_release(&crl);
	e[1].serial_hex = "XYZ";
	assert_int_equal(es_crl_issue(&crl, p.ca, p.ca_key, e, 2, FX_T0, FX_T0 + 1, 1), ES_EINVAL);
	e[1].serial_hex = "01";
	e[1].reason = 7;
	assert_int_equal(es_crl_issue(&crl, p.ca, p.ca_key, e, 2, FX_T0, FX_T0 + 1, 1), ES_EINVAL);
	assert_int_equal(es_crl_issue(&crl, p.ca, p.ca_key, NULL, 0, FX_T0, FX_T0, 1), ES_EINVAL);
	assert_int_equal(es_crl_issue(&crl, p.ca, p.root_key, NULL, 0, FX_T0, FX_T0 + 1, 1), ES_EINVAL);
	/* an empty CRL is fine */
	TU_OK(es_crl_issue(&crl, p.ca, p.ca_key, NULL, 0, FX_T0, FX_T0 + 1, 1));
	es_buf_release(&crl);
	es_buf_release(&serial);
	fx_pki_free(&p);
	tu_run(NULL, "rm -rf %s", dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ca__profiles_and_fields),
		cmocka_unit_test(test_ca__bad_options),
		cmocka_unit_test(test_ca__openssl_cli_reads_and_verifies),
		cmocka_unit_test(test_ca__crl),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
