/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Interop: every seal and signed value in shared/samples must give what
 * shared/samples/README.md says — no more trusting, no less. OFD packages
 * are opened with libzip here; the OFD layer checks their references.
 */
#include "es_int.h"
#include "testutil.h"
#include "eseal/es_verify.h"
#include "eseal/es_seal.h"

static void want(const es_sig_report *s, const char *name, es_result res, const char *needle)
{
	const es_check *c = es_sig_report_get(s, name);
	if (!c)
		fail_msg("[%s] no check '%s'", s->id, name);
	if (c->result != res)
		fail_msg("[%s] check %s is %s (%s), expected %s", s->id, name, es_result_name(c->result), c->reason,
			 es_result_name(res));
	if (needle && !strstr(c->reason, needle))
		fail_msg("[%s] check %s reason '%s' lacks '%s'", s->id, name, c->reason, needle);
}

/* Verify a signed value from an OFD sample against its Signature.xml. */
static void verify_ofd_value(es_report *r, const char *sample, const char *sign_dir, bool with_original,
			     es_cert *const *certs, size_t ncerts)
{
	es_buf value, xml;
	char p1[256], p2[256];
	es_verify_options vo = ES_VERIFY_OPTIONS_INIT;
	snprintf(p1, sizeof(p1), "%s/SignedValue.dat", sign_dir);
	snprintf(p2, sizeof(p2), "%s/Signature.xml", sign_dir);
	tu_zip_read_sample(&value, sample, p1);
	tu_zip_read_sample(&xml, sample, p2);
	if (with_original) {
		vo.original = xml.ptr;
		vo.original_len = xml.len;
		vo.has_original = true;
	}
	vo.certs = certs;
	vo.ncerts = ncerts;
	es_report_init(r);
	tu_ignore(es_verify_file(r, value.ptr, value.len, &vo));
	assert_int_equal(r->nsigs, 1);
	es_buf_release(&value);
	es_buf_release(&xml);
}

/* v4 Seal: crypto OK, untrusted chain => indeterminate, never valid. */
static void crypto_ok_untrusted(const char *sample, const char *sign_dir)
{
	es_report r;
	verify_ofd_value(&r, sample, sign_dir, true, NULL, 0);
	want(&r.sigs[0], "seal-signature", ES_RESULT_PASS, "SES_SealInfo");
	want(&r.sigs[0], "signature", ES_RESULT_PASS, NULL);
	want(&r.sigs[0], "signer-in-seal", ES_RESULT_PASS, NULL);
	want(&r.sigs[0], "data-hash", ES_RESULT_PASS, NULL);
	want(&r.sigs[0], "signer-chain", ES_RESULT_INDETERMINATE, "trust anchor");
	want(&r.sigs[0], "maker-chain", ES_RESULT_INDETERMINATE, NULL);
	assert_int_equal(r.verdict, ES_VERDICT_INDETERMINATE);
	es_report_release(&r);
}

static void test_samples__kinggrid(void **state)
{
	es_report r;
	(void)state;
	crypto_ok_untrusted("kinggrid_cq-tax-test_v4_seal.ofd", "Doc_0/Signs/Sign_0");
	verify_ofd_value(&r, "kinggrid_cq-tax-test_v4_seal.ofd", "Doc_0/Signs/Sign_0", true, NULL, 0);
	assert_string_equal(r.sigs[0].esid, "50011200000323");
	assert_int_equal(r.sigs[0].seal_version, 4);
	es_report_release(&r);
}

static void test_samples__gomain_tax(void **state)
{
	es_report r;
	(void)state;
	crypto_ok_untrusted("gomain_zj-tax_v4_seal.ofd", "Doc_0/Signs/Sign_0");
	crypto_ok_untrusted("gomain_js-tax_v4_seal.ofd", "Doc_0/Signs/Sign_0");
	verify_ofd_value(&r, "gomain_zj-tax_v4_seal.ofd", "Doc_0/Signs/Sign_0", true, NULL, 0);
	assert_string_equal(r.sigs[0].esid, "33010600000001");
	es_report_release(&r);
}

static void test_samples__tongz_seal_and_gmt0010(void **state)
{
	es_report r;
	(void)state;
	/* the v4 Seal: raw r‖s in the seal, [0] extDatas in TBS_Sign */
	crypto_ok_untrusted("tongz_shandong-cegn_v4seal_plus_gmt0010sign.ofd", "Doc_0/Signs/Sign_1");
	verify_ofd_value(&r, "tongz_shandong-cegn_v4seal_plus_gmt0010sign.ofd", "Doc_0/Signs/Sign_1", true, NULL, 0);
	assert_true(r.sigs[0].quirks & ES_QUIRK_RAW_SIGNATURE);
	want(&r.sigs[0], "format", ES_RESULT_PASS, "raw-signature");
	es_report_release(&r);
	/* the Type=Sign GM/T 0010 SignedData, no signed attributes */
	verify_ofd_value(&r, "tongz_shandong-cegn_v4seal_plus_gmt0010sign.ofd", "Doc_0/Signs/Sign_3", true, NULL, 0);
	assert_string_equal(r.format, "cms");
	want(&r.sigs[0], "format", ES_RESULT_PASS, "without signed attributes");
	want(&r.sigs[0], "signature", ES_RESULT_PASS, "encapsulated content");
	want(&r.sigs[0], "data-hash", ES_RESULT_PASS, "SM3 of the original");
	es_report_release(&r);
}

static void test_samples__dms360_v1_nonconformant(void **state)
{
	es_report r;
	(void)state;
	verify_ofd_value(&r, "dms360_v1_seal_nonstd_tampered.ofd", "Doc_0/Signs/Sign_0", true, NULL, 0);
	assert_int_equal(r.sigs[0].seal_version, 1);
	want(&r.sigs[0], "seal-signature", ES_RESULT_PASS, "GM/T 0031-2014");
	want(&r.sigs[0], "signature", ES_RESULT_FAIL, "signed-hash-directly");
	want(&r.sigs[0], "data-hash", ES_RESULT_FAIL, NULL);
	assert_true(r.sigs[0].quirks & ES_QUIRK_V1_TIMEINFO_TEXT);
	assert_true(r.sigs[0].quirks & ES_QUIRK_V1_CERT_NOT_OCTETS);
	assert_int_equal(r.verdict, ES_VERDICT_INVALID);
	es_report_release(&r);
}

static void test_samples__riding_two_seals(void **state)
{
	(void)state;
	crypto_ok_untrusted("ofdrw_two_v4_seals_riding.ofd", "Doc_0/Signs/Sign_0");
	crypto_ok_untrusted("ofdrw_two_v4_seals_riding.ofd", "Doc_0/Signs/Sign_1");
}

static void test_samples__type_sign_digital(void **state)
{
	es_report r;
	es_buf seal_der;
	es_seal *seal = NULL;
	es_cert *cert = NULL;
	(void)state;
	/* without the certificate it cannot be checked */
	verify_ofd_value(&r, "ofdrw_type-sign_digital.ofd", "Doc_0/Signs/Sign_0", true, NULL, 0);
	assert_string_equal(r.format, "sm2");
	want(&r.sigs[0], "signature", ES_RESULT_INDETERMINATE, "--cert");
	assert_int_equal(r.verdict, ES_VERDICT_INDETERMINATE);
	es_report_release(&r);
	/* with the certificate from ofdrw_test_v4_seal.esl's certList it verifies */
	tu_read_sample(&seal_der, "ofdrw_test_v4_seal.esl");
	TU_OK(es_seal_parse(&seal, seal_der.ptr, seal_der.len));
	TU_OK(es_cert_from_der(&cert, es_seal_fields_get(seal)->certs[0].ptr, es_seal_fields_get(seal)->certs[0].len));
	verify_ofd_value(&r, "ofdrw_type-sign_digital.ofd", "Doc_0/Signs/Sign_0", true, &cert, 1);
	want(&r.sigs[0], "signature", ES_RESULT_PASS, NULL);
	es_report_release(&r);
	es_cert_free(cert);
	es_seal_free(seal);
	es_buf_release(&seal_der);
}

static void verify_sample(es_report *r, const char *name, const uint8_t *orig, size_t olen)
{
	es_buf b;
	es_verify_options vo = ES_VERIFY_OPTIONS_INIT;
	tu_read_sample(&b, name);
	if (orig) {
		vo.original = orig;
		vo.original_len = olen;
		vo.has_original = true;
	}
	es_report_init(r);
	tu_ignore(es_verify_file(r, b.ptr, b.len, &vo));
	assert_int_equal(r->nsigs, 1);
	es_buf_release(&b);
}

static void test_samples__hebei_gede_maker_signature_invalid(void **state)
{
	es_report r;
	es_buf b;
	es_seal *seal = NULL;
	const es_seal_fields *f;
	(void)state;
	tu_read_sample(&b, "hebeigede_v4_seal_ga-ext.der");
	TU_OK(es_seal_parse(&seal, b.ptr, b.len)); /* parses */
	f = es_seal_fields_get(seal);
	assert_int_equal(f->nexts, 3);
	assert_int_equal(f->ncerts, 2);
	assert_true(f->exts[1].critical);
	assert_int_equal(f->picture_width, 42);
	es_seal_free(seal);
	es_buf_release(&b);
	verify_sample(&r, "hebeigede_v4_seal_ga-ext.der", NULL, 0);
	assert_string_equal(r.format, "seal");
	want(&r.sigs[0], "seal-signature", ES_RESULT_FAIL, "maker signature invalid");
	assert_int_equal(r.verdict, ES_VERDICT_INVALID);
	es_report_release(&r);
}

static void test_samples__ofdrw_test_seals(void **state)
{
	es_report r;
	(void)state;
	verify_sample(&r, "ofdrw_test_v1_seal.esl", NULL, 0);
	assert_int_equal(r.sigs[0].seal_version, 1);
	want(&r.sigs[0], "seal-signature", ES_RESULT_PASS, "SEQUENCE{SES_SealInfo, cert, signatureAlgorithm}");
	assert_int_not_equal(r.verdict, ES_VERDICT_VALID); /* untrusted maker */
	es_report_release(&r);
	verify_sample(&r, "ofdrw_test_v4_seal.esl", NULL, 0);
	assert_int_equal(r.sigs[0].seal_version, 4);
	assert_int_equal(r.sigs[0].seal_type, 3);
	want(&r.sigs[0], "seal-signature", ES_RESULT_PASS, "over SES_SealInfo");
	assert_true(r.sigs[0].quirks & ES_QUIRK_ESID_NOT_NUMERIC); /* a UUID esID */
	es_report_release(&r);
}

static void test_samples__zero_hash_signature(void **state)
{
	es_report r;
	(void)state;
	verify_sample(&r, "ofdrw_test_v4_SES_Signature_zerohash.dat", NULL, 0);
	want(&r.sigs[0], "seal-signature", ES_RESULT_PASS, NULL);
	want(&r.sigs[0], "signature", ES_RESULT_PASS, NULL);
	want(&r.sigs[0], "data-hash", ES_RESULT_INDETERMINATE, "no original");
	assert_int_equal(r.verdict, ES_VERDICT_INDETERMINATE);
	es_report_release(&r);
	verify_sample(&r, "ofdrw_test_v4_SES_Signature_zerohash.dat", (const uint8_t *)"anything", 8);
	want(&r.sigs[0], "data-hash", ES_RESULT_FAIL, NULL);
	es_report_release(&r);
}

static void test_samples__gomain_pkcs7_signed_attributes(void **state)
{
	es_report r;
	es_buf xml;
	(void)state;
	tu_read_sample(&xml, "gomain_type-sign_pkcs7_Signature.xml");
	verify_sample(&r, "gomain_type-sign_pkcs7_SignedValue.dat", xml.ptr, xml.len);
	assert_string_equal(r.format, "cms");
	want(&r.sigs[0], "format", ES_RESULT_PASS, "with signed attributes");
	want(&r.sigs[0], "signature", ES_RESULT_PASS, "signed attributes");
	want(&r.sigs[0], "data-hash", ES_RESULT_PASS, "messageDigest equals SM3");
	assert_string_equal(r.sigs[0].signing_time_source, "signingTime");
	es_report_release(&r);
	xml.ptr[100] ^= 1;
	verify_sample(&r, "gomain_type-sign_pkcs7_SignedValue.dat", xml.ptr, xml.len);
	want(&r.sigs[0], "data-hash", ES_RESULT_FAIL, NULL);
	assert_int_equal(r.verdict, ES_VERDICT_INVALID);
	es_report_release(&r);
	es_buf_release(&xml);
}

/* Real seals and signatures cut at every offset and flipped at every byte: clean errors, no crash. */
static void test_samples__truncation_and_flips(void **state)
{
	static const char *const files[] = { "ofdrw_test_v4_SES_Signature_zerohash.dat",
					     "gomain_type-sign_pkcs7_SignedValue.dat", "ofdrw_test_v1_seal.esl" };
	es_verify_options vo = ES_VERIFY_OPTIONS_INIT;
	(void)state;
	for (size_t k = 0; k < ES_ARRAY_LEN(files); k++) {
		es_buf b;
		tu_read_sample(&b, files[k]);
		for (size_t n = 0; n < b.len; n++) {
			es_report r;
			es_report_init(&r);
			int err = es_verify_file(&r, b.ptr, n, &vo);
			assert_true(err < 0 || r.verdict != ES_VERDICT_VALID);
			es_report_release(&r);
		}
		/* a bit flip at every offset */
		for (size_t i = 0; i < b.len; i++) {
			es_report r;
			b.ptr[i] ^= 0x80;
			es_report_init(&r);
			tu_ignore(es_verify_file(&r, b.ptr, b.len, &vo));
			assert_true(r.verdict != ES_VERDICT_VALID);
			es_report_release(&r);
			b.ptr[i] ^= 0x80;
		}
		es_buf_release(&b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_samples__kinggrid),
		cmocka_unit_test(test_samples__gomain_tax),
		cmocka_unit_test(test_samples__tongz_seal_and_gmt0010),
		cmocka_unit_test(test_samples__dms360_v1_nonconformant),
		cmocka_unit_test(test_samples__riding_two_seals),
		cmocka_unit_test(test_samples__type_sign_digital),
		cmocka_unit_test(test_samples__hebei_gede_maker_signature_invalid),
		cmocka_unit_test(test_samples__ofdrw_test_seals),
		cmocka_unit_test(test_samples__zero_hash_signature),
		cmocka_unit_test(test_samples__gomain_pkcs7_signed_attributes),
		cmocka_unit_test(test_samples__truncation_and_flips),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
