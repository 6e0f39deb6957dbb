/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Package-level verification of every OFD sample in shared/samples: the
 * results of shared/samples/README.md, with references (which files
 * changed), Seal.esl == TBS_Sign.eseal, and where the stamps sit. The
 * signed values themselves are checked in tests/unit/seal/samples.c.
 */
#include "es_int.h"
#include "testutil.h"
#include "eseal/es_ofd.h"

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

static const char *info(const es_sig_report *s, const char *key)
{
	for (size_t i = 0; i < s->ninfo; i++)
		if (strcmp(s->info[i].key, key) == 0)
			return s->info[i].value;
	fail_msg("[%s] no info '%s'", s->id, key);
	return NULL;
}

static void verify(es_report *r, const char *sample, size_t nsigs, const es_verify_options *vo)
{
	es_buf b;
	tu_read_sample(&b, sample);
	es_report_init(r);
	TU_OK(es_ofd_verify(r, b.ptr, b.len, vo));
	assert_string_equal(r->format, "ofd");
	assert_int_equal(r->nsigs, nsigs);
	es_buf_release(&b);
}

/* crypto OK, chain untrusted: indeterminate; all references match */
static void good_tax(const char *sample, const char *refs, const char *page, const char *box)
{
	es_report r;
	verify(&r, sample, 1, NULL);
	assert_string_equal(r.sigs[0].type, "Seal");
	want(&r.sigs[0], "references", ES_RESULT_PASS, refs);
	want(&r.sigs[0], "signature", ES_RESULT_PASS, NULL);
	want(&r.sigs[0], "data-hash", ES_RESULT_PASS, NULL);
	want(&r.sigs[0], "seal-signature", ES_RESULT_PASS, NULL);
	want(&r.sigs[0], "stamp", ES_RESULT_PASS, NULL);
	assert_string_equal(info(&r.sigs[0], "page"), page);
	assert_string_equal(info(&r.sigs[0], "box"), box);
	assert_string_equal(info(&r.sigs[0], "protects-signatures"), "no");
	assert_int_equal(r.verdict, ES_VERDICT_INDETERMINATE);
	es_report_release(&r);
}

static void test_ofd_samples__kinggrid(void **state)
{
	(void)state;
	/* BaseLoc relative (Sign_0/Signature.xml) */
	good_tax("kinggrid_cq-tax-test_v4_seal.ofd", "20/20 references match", "1", "90.0 8.0 30.0 20.0");
}

static void test_ofd_samples__gomain(void **state)
{
	(void)state;
	good_tax("gomain_zj-tax_v4_seal.ofd", "13/13 references match", "1", "90.00 8.00 30.00 20.00");
	good_tax("gomain_js-tax_v4_seal.ofd", "13/13 references match", "1", "90.00 8.00 30.00 20.00");
}

static void test_ofd_samples__tongz_edited_after_signing(void **state)
{
	es_report r;
	(void)state;
	verify(&r, "tongz_shandong-cegn_v4seal_plus_gmt0010sign.ofd", 2, NULL);
	/* both crypto OK, 3 references mismatch: OFD.xml, Document.xml, Page_0/Content.xml */
	for (size_t i = 0; i < 2; i++) {
		want(&r.sigs[i], "signature", ES_RESULT_PASS, NULL);
		want(&r.sigs[i], "data-hash", ES_RESULT_PASS, NULL);
		want(&r.sigs[i], "references", ES_RESULT_FAIL,
		     "references mismatch: changed /OFD.xml, /Doc_0/Document.xml, /Doc_0/Pages/Page_0/Content.xml;");
		assert_non_null(strstr(es_sig_report_get(&r.sigs[i], "references")->reason, "3 of "));
	}
	assert_string_equal(r.sigs[0].type, "Seal");
	assert_string_equal(r.sigs[1].type, "Sign");
	want(&r.sigs[0], "seal-file", ES_RESULT_PASS, NULL);
	assert_int_equal(r.verdict, ES_VERDICT_INVALID);
	es_report_release(&r);
}

static void test_ofd_samples__dms360_tampered(void **state)
{
	es_report r;
	(void)state;
	verify(&r, "dms360_v1_seal_nonstd_tampered.ofd", 1, NULL);
	want(&r.sigs[0], "seal-signature", ES_RESULT_PASS, NULL);
	want(&r.sigs[0], "signature", ES_RESULT_FAIL, NULL);
	want(&r.sigs[0], "data-hash", ES_RESULT_FAIL, NULL);
	/* CheckMethod 1.2.156.10197.1.401.2 read as SM3, and still mismatching */
	want(&r.sigs[0], "references", ES_RESULT_FAIL, "read as SM3");
	assert_int_equal(r.verdict, ES_VERDICT_INVALID);
	es_report_release(&r);
}

static void test_ofd_samples__riding_protected_signatures_xml(void **state)
{
	es_report r;
	(void)state;
	verify(&r, "ofdrw_two_v4_seals_riding.ofd", 2, NULL);
	want(&r.sigs[0], "signature", ES_RESULT_PASS, NULL);
	want(&r.sigs[1], "signature", ES_RESULT_PASS, NULL);
	/* the first protected Signatures.xml and the second changed it */
	want(&r.sigs[0], "references", ES_RESULT_FAIL, "1 of 9 references mismatch: changed /Doc_0/Signs/Signatures.xml;");
	assert_string_equal(info(&r.sigs[0], "protects-signatures"), "yes");
	assert_string_equal(info(&r.sigs[0], "page"), "1,2,3,4,5");
	assert_string_equal(info(&r.sigs[0], "clip"), "0 0 8 40; 8 0 8 40; 16 0 8 40; 24 0 8 40; 32 0 8 40");
	want(&r.sigs[0], "stamp", ES_RESULT_PASS, "riding");
	want(&r.sigs[0], "seal-file", ES_RESULT_PASS, NULL);
	want(&r.sigs[1], "references", ES_RESULT_PASS, "11/11");
	want(&r.sigs[1], "seal-file", ES_RESULT_PASS, NULL);
	assert_int_equal(r.sigs[1].verdict, ES_VERDICT_INDETERMINATE);
	assert_int_equal(r.verdict, ES_VERDICT_INVALID);
	es_report_release(&r);
}

static void test_ofd_samples__type_sign_digital(void **state)
{
	es_report r;
	es_buf seal_der;
	es_seal *seal = NULL;
	es_cert *cert = NULL;
	es_verify_options vo = ES_VERIFY_OPTIONS_INIT;
	(void)state;
	verify(&r, "ofdrw_type-sign_digital.ofd", 1, NULL);
	assert_string_equal(r.sigs[0].type, "Sign");
	want(&r.sigs[0], "signature", ES_RESULT_INDETERMINATE, NULL);
	want(&r.sigs[0], "references", ES_RESULT_PASS, NULL);
	assert_int_equal(r.verdict, ES_VERDICT_INDETERMINATE);
	es_report_release(&r);
	tu_read_sample(&seal_der, "ofdrw_test_v4_seal.esl");
	TU_OK(es_seal_parse(&seal, seal_der.ptr, seal_der.len));
	TU_OK(es_cert_from_der(&cert, es_seal_fields_get(seal)->certs[0].ptr, es_seal_fields_get(seal)->certs[0].len));
	vo.certs = &cert;
	vo.ncerts = 1;
	verify(&r, "ofdrw_type-sign_digital.ofd", 1, &vo);
	want(&r.sigs[0], "signature", ES_RESULT_PASS, NULL);
	want(&r.sigs[0], "references", ES_RESULT_PASS, NULL);
	es_report_release(&r);
	es_cert_free(cert);
	es_seal_free(seal);
	es_buf_release(&seal_der);
}

/* es_verify_file() recognises an OFD and reaches this layer. */
static void test_ofd_samples__verify_file_entry(void **state)
{
	es_report r;
	es_buf b;
	(void)state;
	tu_read_sample(&b, "kinggrid_cq-tax-test_v4_seal.ofd");
	es_report_init(&r);
	TU_OK(es_verify_file(&r, b.ptr, b.len, NULL));
	assert_string_equal(r.format, "ofd");
	assert_int_equal(r.nsigs, 1);
	want(&r.sigs[0], "references", ES_RESULT_PASS, NULL);
	es_report_release(&r);
	es_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ofd_samples__kinggrid),
		cmocka_unit_test(test_ofd_samples__gomain),
		cmocka_unit_test(test_ofd_samples__tongz_edited_after_signing),
		cmocka_unit_test(test_ofd_samples__dms360_tampered),
		cmocka_unit_test(test_ofd_samples__riding_protected_signatures_xml),
		cmocka_unit_test(test_ofd_samples__type_sign_digital),
		cmocka_unit_test(test_ofd_samples__verify_file_entry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
