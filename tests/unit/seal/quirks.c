/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Real-world encodings of other makers (docs/verify-report.md, quirks):
 * each is written into a seal or signature here with the DER writer and
 * signed with test keys, then verified — read, named, and never turned
 * invalid when the values are sound; never hiding a failure when not.
 */
#include "pki_fixture.h"
#include "eseal/es_verify.h"
#include "eseal/es_cms.h"
#include "der/der.h"
#include <time.h>
#include <stdlib.h>
#include "file.h"

static fx_pki P;

static int setup(void **state)
{
	(void)state;
	fx_pki_init(&P);
	fx_pki_crl(&P, NULL, 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fx_pki_free(&P);
	return 0;
}

enum bits_form { BITS_DER = 0, BITS_UNUSED, BITS_LENGTH };

typedef struct quirk_opts {
	bool time_no_z;           /* times without the trailing 'Z' */
	uint64_t cert_list_type;  /* 0: 1 */
	enum bits_form seal_bits; /* SESeal.signedValue */
	enum bits_form sig_bits;  /* SES_Signature.signature */
	bool break_tbs;           /* propertyInfo written as an INTEGER: TBS_Sign does not parse */
	bool flip_signature;      /* one bit of the signer's signature changed */
	const char *rsa_dir;      /* maker is the RSA key and certificate in this folder (key.pem, cert.der) */
} quirk_opts;

static void put_time(es_der_writer *w, es_time t, bool no_z)
{
	struct tm tm;
	time_t tt = (time_t)t;
	char s[32];
	gmtime_r(&tt, &tm);
	strftime(s, sizeof(s), no_z ? "%Y%m%d%H%M%S" : "%Y%m%d%H%M%SZ", &tm);
	es_der_put_tlv(w, ES_DER_GENERALIZED_TIME, s, strlen(s));
}

static void put_bits(es_der_writer *w, const es_buf *v, enum bits_form form)
{
	uint8_t tmp[128];
	assert_true(v->len < sizeof(tmp) && v->len < 128);
	tmp[0] = form == BITS_DER ? 0 : form == BITS_UNUSED ? 4 : (uint8_t)v->len;
	memcpy(tmp + 1, v->ptr, v->len);
	es_der_put_tlv(w, ES_DER_BIT_STRING, tmp, v->len + 1);
}

/* SESeal v4, SM2 signed by the fixture's maker, with the chosen deviations. */
static void build_seal(es_buf *out, const quirk_opts *q)
{
	es_buf info = ES_BUF_INIT, sig = ES_BUF_INIT;
	es_der_writer w;
	es_bytes maker = es_cert_der(P.maker), signer = es_cert_der(P.signer);

	es_der_writer_init(&w, &info);
	es_der_begin(&w, ES_DER_SEQUENCE);
	es_der_begin(&w, ES_DER_SEQUENCE);
	es_der_put_ia5(&w, "ES", 2);
	es_der_put_uint(&w, 4);
	es_der_put_ia5(&w, "TESTVENDOR", 10);
	es_der_end(&w);
	es_der_put_ia5(&w, FX_ESID, 14);
	es_der_begin(&w, ES_DER_SEQUENCE);
	es_der_put_uint(&w, 1);
	es_der_put_utf8(&w, "示例科技有限公司", strlen("示例科技有限公司"));
	es_der_put_uint(&w, q->cert_list_type ? q->cert_list_type : 1);
	es_der_begin(&w, ES_DER_SEQUENCE);
	es_der_put_octets(&w, signer.ptr, signer.len);
	es_der_end(&w);
	put_time(&w, P.now - 4 * FX_DAY, q->time_no_z);
	put_time(&w, P.now - 2 * FX_DAY, q->time_no_z);
	put_time(&w, P.now + 300 * FX_DAY, q->time_no_z);
	es_der_end(&w);
	es_der_begin(&w, ES_DER_SEQUENCE);
	es_der_put_ia5(&w, "PNG", 3);
	es_der_put_octets(&w, fx_png, sizeof(fx_png));
	es_der_put_uint(&w, 40);
	es_der_put_uint(&w, 40);
	es_der_end(&w);
	es_der_end(&w);
	TU_OK(es_der_writer_finish(&w));
	if (q->rsa_dir) {
		/* GM/T 0031-2014 allowed RSA: sha256WithRSAEncryption by OpenSSL over SES_SealInfo */
		char cmd[1024], path[512];
		es_buf cert = ES_BUF_INIT;
		snprintf(path, sizeof(path), "%s/info.der", q->rsa_dir);
		TU_OK(es_file_write(path, info.ptr, info.len, 0600));
		snprintf(cmd, sizeof(cmd), "openssl dgst -sha256 -sign %s/key.pem -out %s/info.sig %s", q->rsa_dir,
			 q->rsa_dir, path);
		assert_int_equal(system(cmd), 0);
		snprintf(path, sizeof(path), "%s/info.sig", q->rsa_dir);
		tu_read(&sig, path);
		snprintf(path, sizeof(path), "%s/cert.der", q->rsa_dir);
		tu_read(&cert, path);
		es_der_writer_init(&w, out);
		es_der_begin(&w, ES_DER_SEQUENCE);
		es_der_put_raw(&w, info.ptr, info.len);
		es_der_put_octets(&w, cert.ptr, cert.len);
		es_der_put_oid(&w, "1.2.840.113549.1.1.11");
		es_der_put_bits(&w, sig.ptr, sig.len);
		es_der_end(&w);
		TU_OK(es_der_writer_finish(&w));
		es_buf_release(&cert);
		es_buf_release(&info);
		es_buf_release(&sig);
		return;
	}
	TU_OK(es_sm2_sign(&sig, P.maker_key, NULL, 0, info.ptr, info.len));

	es_der_writer_init(&w, out);
	es_der_begin(&w, ES_DER_SEQUENCE);
	es_der_put_raw(&w, info.ptr, info.len);
	es_der_put_octets(&w, maker.ptr, maker.len);
	es_der_put_oid(&w, ES_OID_SM2_SM3);
	put_bits(&w, &sig, q->seal_bits);
	es_der_end(&w);
	TU_OK(es_der_writer_finish(&w));
	es_buf_release(&info);
	es_buf_release(&sig);
}

/* SES_Signature v4 over @data by the fixture's signer, signed an hour ago. */
static void build_sig(es_buf *out, const es_buf *seal, const char *data, const quirk_opts *q)
{
	es_buf tbs = ES_BUF_INIT, sig = ES_BUF_INIT;
	es_der_writer w;
	uint8_t h[32];
	es_bytes signer = es_cert_der(P.signer);

	TU_OK(es_sm3(h, data, strlen(data)));
	es_der_writer_init(&w, &tbs);
	es_der_begin(&w, ES_DER_SEQUENCE);
	es_der_put_uint(&w, 4);
	es_der_put_raw(&w, seal->ptr, seal->len);
	put_time(&w, P.now - 3600, q->time_no_z);
	es_der_put_bits(&w, h, 32);
	if (q->break_tbs)
		es_der_put_uint(&w, 7);
	else
		es_der_put_ia5(&w, "contract.txt", 12);
	es_der_end(&w);
	TU_OK(es_der_writer_finish(&w));
	TU_OK(es_sm2_sign(&sig, P.signer_key, NULL, 0, tbs.ptr, tbs.len));
	if (q->flip_signature)
		sig.ptr[sig.len - 3] ^= 0x10;

	es_der_writer_init(&w, out);
	es_der_begin(&w, ES_DER_SEQUENCE);
	es_der_put_raw(&w, tbs.ptr, tbs.len);
	es_der_put_octets(&w, signer.ptr, signer.len);
	es_der_put_oid(&w, ES_OID_SM2_SM3);
	put_bits(&w, &sig, q->sig_bits);
	es_der_end(&w);
	TU_OK(es_der_writer_finish(&w));
	es_buf_release(&tbs);
	es_buf_release(&sig);
}

static void verify(es_report *r, const quirk_opts *q)
{
	es_buf seal = ES_BUF_INIT, sig = ES_BUF_INIT;
	es_verify_options vo = ES_VERIFY_OPTIONS_INIT;
	build_seal(&seal, q);
	build_sig(&sig, &seal, "正文", q);
	vo.trust = P.trust;
	vo.original = (const uint8_t *)"正文";
	vo.original_len = strlen("正文");
	vo.has_original = true;
	es_report_init(r);
	tu_ignore(es_verify_file(r, sig.ptr, sig.len, &vo));
	assert_int_equal(r->nsigs, 1);
	es_buf_release(&seal);
	es_buf_release(&sig);
}

static void want(const es_report *r, const char *name, es_result res)
{
	const es_check *c = es_sig_report_get(&r->sigs[0], name);
	if (!c)
		fail_msg("no check '%s'", name);
	if (c->result != res)
		fail_msg("check %s: %s (%s), expected %s", name, es_result_name(c->result), c->reason,
			 es_result_name(res));
}

static bool has_quirk(const es_report *r, const char *name)
{
	for (unsigned b = 1; b; b <<= 1)
		if ((r->sigs[0].quirks & b) && es_quirk_name(b) && strcmp(es_quirk_name(b), name) == 0)
			return true;
	return false;
}

/* Valid, and the deviation named both as a quirk and in the format notice. */
static void sound_with_quirk(const quirk_opts *q, const char *quirk)
{
	es_report r;
	es_buf text = ES_BUF_INIT;
	verify(&r, q);
	TU_OK(es_report_text(&text, &r));
	if (r.verdict != ES_VERDICT_VALID || !has_quirk(&r, quirk))
		fail_msg("expected valid with quirk %s:\n%s", quirk, (const char *)text.ptr);
	want(&r, "format", ES_RESULT_PASS);
	assert_non_null(strstr(es_sig_report_get(&r.sigs[0], "format")->reason, quirk));
	assert_true(r.sigs[0].nnotices > 0);
	es_buf_release(&text);
	es_report_release(&r);
}

static void test_quirks__reference_build_is_clean(void **state)
{
	quirk_opts q = { 0 };
	es_report r;
	(void)state;
	verify(&r, &q);
	assert_int_equal(r.verdict, ES_VERDICT_VALID);
	assert_int_equal(r.sigs[0].quirks, 0);
	assert_int_equal(r.sigs[0].nnotices, 0);
	es_report_release(&r);
}

static void test_quirks__generalized_time_without_z(void **state)
{
	quirk_opts q = { .time_no_z = true };
	es_report r;
	(void)state;
	sound_with_quirk(&q, "time-without-z");
	verify(&r, &q);
	/* read as UTC: the same instants as with the 'Z' */
	assert_int_equal(r.sigs[0].seal_valid_start, (P.now - 2 * FX_DAY));
	assert_int_equal(r.sigs[0].signing_time, P.now - 3600);
	es_report_release(&r);
}

static void test_quirks__cert_list_type_other(void **state)
{
	quirk_opts q = { .cert_list_type = 3 };
	(void)state;
	sound_with_quirk(&q, "certlisttype-not-1-or-2");
}

static void test_quirks__bit_string_unused_bits(void **state)
{
	quirk_opts q = { .seal_bits = BITS_UNUSED };
	(void)state;
	sound_with_quirk(&q, "bitstring-unused-bits");
	q.seal_bits = BITS_DER;
	q.sig_bits = BITS_UNUSED;
	sound_with_quirk(&q, "bitstring-unused-bits");
}

static void test_quirks__v1_style_length_byte(void **state)
{
	quirk_opts q = { .sig_bits = BITS_LENGTH, .seal_bits = BITS_LENGTH };
	(void)state;
	sound_with_quirk(&q, "bitstring-length-byte");
}

/* A quirk never hides a failure: the stored value is checked. */
static void test_quirks__never_hide_a_bad_value(void **state)
{
	quirk_opts q = { .sig_bits = BITS_LENGTH, .flip_signature = true, .time_no_z = true };
	es_report r;
	(void)state;
	verify(&r, &q);
	want(&r, "signature", ES_RESULT_FAIL);
	assert_int_equal(r.verdict, ES_VERDICT_INVALID);
	assert_true(has_quirk(&r, "time-without-z"));
	es_report_release(&r);
}

/* TBS_Sign broken: the seal inside is still read and reported. */
static void test_quirks__broken_tbs_still_reports_the_seal(void **state)
{
	quirk_opts q = { .break_tbs = true };
	es_report r;
	(void)state;
	verify(&r, &q);
	assert_int_equal(r.verdict, ES_VERDICT_INVALID);
	want(&r, "format", ES_RESULT_FAIL);
	want(&r, "seal-signature", ES_RESULT_PASS);
	want(&r, "maker-chain", ES_RESULT_PASS);
	want(&r, "seal-validity", ES_RESULT_PASS);
	want(&r, "signature", ES_RESULT_FAIL);
	assert_string_equal(r.sigs[0].esid, FX_ESID);
	assert_int_equal(r.sigs[0].seal_version, 4);
	assert_non_null(strstr(r.sigs[0].maker, "制章者"));
	es_report_release(&r);
}

/* An RSA seal (GM/T 0031-2014 allowed RSA): checked on the value, judged by the policy. */
static void test_quirks__rsa_seal_checked_not_skipped(void **state)
{
	char dir[] = "/tmp/eseal-rsa.XXXXXX", cmd[1024], path[600];
	quirk_opts q = { 0 };
	es_buf seal = ES_BUF_INIT, pem = ES_BUF_INIT;
	es_trust *t = NULL;
	es_cert *rsa = NULL;
	es_report r;
	es_verify_options vo = ES_VERIFY_OPTIONS_INIT;
	const es_check *c;
	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd),
		 "openssl req -x509 -newkey rsa:2048 -nodes -keyout %s/key.pem -out %s/cert.pem -days 30 "
		 "-subj /CN=RSA-maker -addext keyUsage=critical,digitalSignature,keyCertSign 2>/dev/null && "
		 "openssl x509 -in %s/cert.pem -outform DER -out %s/cert.der",
		 dir, dir, dir, dir);
	assert_int_equal(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/cert.pem", dir);
	tu_read(&pem, path);
	TU_OK(es_cert_from_pem(&rsa, pem.ptr, pem.len));
	assert_string_equal(es_cert_key_type(rsa), "RSA");
	TU_OK(es_trust_new(&t));
	TU_OK(es_trust_add_anchor(t, rsa));
	q.rsa_dir = dir;
	build_seal(&seal, &q);
	vo.trust = t;

	es_report_init(&r);
	TU_OK(es_verify_file(&r, seal.ptr, seal.len, &vo));
	c = es_sig_report_get(&r.sigs[0], "seal-signature");
	if (c->result != ES_RESULT_INDETERMINATE || !strstr(c->reason, "RSA with SHA-256") || !strstr(c->reason, "verifies"))
		fail_msg("default policy: %s %s", es_result_name(c->result), c->reason);
	assert_true(has_quirk(&r, "legacy-algorithm"));
	assert_int_equal(r.verdict, ES_VERDICT_INDETERMINATE);
	es_report_release(&r);

	vo.policy = ES_POLICY_ANY;
	es_report_init(&r);
	TU_OK(es_verify_file(&r, seal.ptr, seal.len, &vo));
	want(&r, "seal-signature", ES_RESULT_PASS);
	es_report_release(&r);

	/* a changed byte in the signed SES_SealInfo fails, whatever the policy */
	{
		char *p = memmem(seal.ptr, seal.len, "TESTVENDOR", 10);
		assert_non_null(p);
		p[0] = 'X';
	}
	es_report_init(&r);
	TU_OK(es_verify_file(&r, seal.ptr, seal.len, &vo));
	want(&r, "seal-signature", ES_RESULT_FAIL);
	assert_int_equal(r.verdict, ES_VERDICT_INVALID);
	es_report_release(&r);

	/* an RSA CMS (OpenSSL's, PKCS#7 detached with signed attributes) over a document */
	{
		es_buf doc = ES_BUF_INIT, cms = ES_BUF_INIT;
		snprintf(path, sizeof(path), "%s/doc.txt", dir);
		TU_OK(es_file_write(path, "合同正文", strlen("合同正文"), 0600));
		snprintf(cmd, sizeof(cmd),
			 "openssl cms -sign -binary -nosmimecap -md sha256 -in %s/doc.txt -signer %s/cert.pem -inkey %s/key.pem "
			 "-outform DER -out %s/doc.p7s",
			 dir, dir, dir, dir);
		assert_int_equal(system(cmd), 0);
		snprintf(path, sizeof(path), "%s/doc.p7s", dir);
		tu_read(&cms, path);
		tu_read(&doc, (snprintf(path, sizeof(path), "%s/doc.txt", dir), path));
		vo.original = doc.ptr;
		vo.original_len = doc.len;
		vo.has_original = true;
		for (int any = 0; any < 2; any++) {
			vo.policy = any ? ES_POLICY_ANY : ES_POLICY_SM;
			es_report_init(&r);
			TU_OK(es_verify_file(&r, cms.ptr, cms.len, &vo));
			want(&r, "signature", any ? ES_RESULT_PASS : ES_RESULT_INDETERMINATE);
			want(&r, "data-hash", ES_RESULT_PASS);
			assert_non_null(strstr(es_sig_report_get(&r.sigs[0], "data-hash")->reason, "SHA256"));
			assert_true(has_quirk(&r, "legacy-algorithm"));
			es_report_release(&r);
		}
		vo.original = (const uint8_t *)"changed";
		vo.original_len = 7;
		es_report_init(&r);
		TU_OK(es_verify_file(&r, cms.ptr, cms.len, &vo));
		want(&r, "data-hash", ES_RESULT_FAIL);
		assert_int_equal(r.verdict, ES_VERDICT_INVALID);
		es_report_release(&r);
		es_buf_release(&doc);
		es_buf_release(&cms);
	}

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	es_trust_free(t);
	es_cert_free(rsa);
	es_buf_release(&seal);
	es_buf_release(&pem);
}

/* Write the DER in (p, n) again, with the TLV starting at @target replaced by an OCTET STRING of @rep. */
static void rewrite(es_der_writer *w, const uint8_t *p, size_t n, const uint8_t *target, const uint8_t *rep, size_t replen)
{
	es_der d;
	es_tlv t;
	es_der_init(&d, p, n);
	while (!es_der_empty(&d)) {
		TU_OK(es_der_read_tlv(&d, &t));
		if (t.whole.ptr == target) {
			es_der_put_octets(w, rep, replen);
		} else if (t.tag & 0x20) {
			es_der_begin(w, t.tag);
			rewrite(w, t.value.ptr, t.value.len, target, rep, replen);
			es_der_end(w);
		} else {
			es_der_put_raw(w, t.whole.ptr, t.whole.len);
		}
	}
}

/* GM/T 0010 SignerInfo whose encryptedDigest is raw r‖s: verified, and named. */
static void test_quirks__raw_signature_in_signer_info(void **state)
{
	es_buf cms = ES_BUF_INIT, raw_cms = ES_BUF_INIT;
	es_cms_sign_options co = ES_CMS_SIGN_OPTIONS_INIT;
	es_verify_options vo = ES_VERIFY_OPTIONS_INIT;
	uint8_t h[32], raw[64];
	const uint8_t *sig = NULL;
	es_der_writer w;
	es_report r;
	(void)state;
	TU_OK(es_sm3(h, "正文", strlen("正文")));
	co.flavour = ES_CMS_GMT0010;
	co.digest = h;
	co.signing_time = P.now - 60;
	TU_OK(es_cms_sign_detached(&cms, &co, P.signer, P.signer_key));
	/* the encryptedDigest: the last OCTET STRING holding a DER SEQUENCE{r, s} */
	for (size_t i = 0; i + 4 < cms.len; i++)
		if (cms.ptr[i] == ES_DER_OCTET_STRING && cms.ptr[i + 2] == ES_DER_SEQUENCE &&
		    cms.ptr[i + 1] == cms.ptr[i + 3] + 2 && cms.ptr[i + 4] == ES_DER_INTEGER && i + 2 + cms.ptr[i + 1] <= cms.len &&
		    es_sm2_sig_der_to_raw(raw, cms.ptr + i + 2, cms.ptr[i + 1]) == 0)
			sig = cms.ptr + i;
	assert_non_null(sig);
	es_error_clear();
	es_der_writer_init(&w, &raw_cms);
	rewrite(&w, cms.ptr, cms.len, sig, raw, 64);
	TU_OK(es_der_writer_finish(&w));
	vo.trust = P.trust;
	vo.original = (const uint8_t *)"正文";
	vo.original_len = strlen("正文");
	vo.has_original = true;
	es_report_init(&r);
	TU_OK(es_verify_file(&r, raw_cms.ptr, raw_cms.len, &vo));
	want(&r, "signature", ES_RESULT_PASS);
	want(&r, "format", ES_RESULT_PASS);
	assert_true(has_quirk(&r, "raw-signature"));
	assert_int_equal(r.verdict, ES_VERDICT_VALID);
	es_report_release(&r);
	es_buf_release(&cms);
	es_buf_release(&raw_cms);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quirks__reference_build_is_clean),
		cmocka_unit_test(test_quirks__generalized_time_without_z),
		cmocka_unit_test(test_quirks__cert_list_type_other),
		cmocka_unit_test(test_quirks__bit_string_unused_bits),
		cmocka_unit_test(test_quirks__v1_style_length_byte),
		cmocka_unit_test(test_quirks__never_hide_a_bad_value),
		cmocka_unit_test(test_quirks__broken_tbs_still_reports_the_seal),
		cmocka_unit_test(test_quirks__rsa_seal_checked_not_skipped),
		cmocka_unit_test(test_quirks__raw_signature_in_signer_info),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
