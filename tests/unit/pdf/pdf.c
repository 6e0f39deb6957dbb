/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * PDF layer: sealing by incremental update and verification, with
 * independent checks by OpenSSL (cms -print, pkeyutl, dgst) and poppler
 * (pdfsig, pdftoppm). The test PDFs are written here by hand (classic
 * xref table, or xref stream) so no producer is assumed.
 */
#include "pki_fixture.h"
#include "eseal/es_pdf.h"
#include "eseal/es_render.h"
#include "eseal/es_verify.h"
#include "der/der.h"
#include "doc/pdf/pdf_int.h"
#include "file.h"
#include <math.h>
#include <zlib.h>

static fx_pki pki;
static es_buf seal1_der, seal2_der, picture;
static es_seal *seal1, *seal2;
static const char *tmp;
static bool have_poppler;

static int atoi_safe(const char *s)
{
	return (int)strtol(s, NULL, 10);
}

/* ---- hand-made PDFs ------------------------------------------------------- */

/*
 * An A4 PDF with @npages pages (objects: 1 catalog, 2 pages, 3 font, then
 * page 4+2i and its content 5+2i). Page text "CONTRACT page i" at (72, 720)
 * and "SIGN HERE" at (300, 200) unless @blank. @xref_stream writes an
 * uncompressed cross-reference stream instead of a table.
 */
static int make_rotate; /* /Rotate of the pages make_pdf() writes */

static void make_pdf(es_buf *out, int npages, bool blank, bool xref_stream)
{
	size_t offs[64];
	int nobj = 3 + 2 * npages;
	size_t xref_at;
	es_buf_init(out, 0);
	assert_true(nobj < 64);
	TU_OK(es_buf_puts(out, "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"));
	offs[1] = out->len;
	TU_OK(es_buf_puts(out, "1 0 obj\n<</Type/Catalog/Pages 2 0 R>>\nendobj\n"));
	offs[2] = out->len;
	TU_OK(es_buf_puts(out, "2 0 obj\n<</Type/Pages/Kids["));
	for (int i = 0; i < npages; i++)
		TU_OK(es_buf_printf(out, "%d 0 R ", 4 + 2 * i));
	TU_OK(es_buf_printf(out, "]/Count %d>>\nendobj\n", npages));
	offs[3] = out->len;
	TU_OK(es_buf_puts(out, "3 0 obj\n<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>\nendobj\n"));
	for (int i = 0; i < npages; i++) {
		char text[160];
		int n = blank ? 0
			      : snprintf(text, sizeof(text),
					 "BT /F1 14 Tf 72 720 Td (CONTRACT page %d) Tj ET BT /F1 12 Tf 300 200 Td (SIGN HERE) Tj ET",
					 i + 1);
		offs[4 + 2 * i] = out->len;
		TU_OK(es_buf_printf(out,
				    "%d 0 obj\n<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Rotate %d"
				    "/Resources<</Font<</F1 3 0 R>>>>/Contents %d 0 R>>\nendobj\n",
				    4 + 2 * i, make_rotate, 5 + 2 * i));
		offs[5 + 2 * i] = out->len;
		TU_OK(es_buf_printf(out, "%d 0 obj\n<</Length %d>>\nstream\n%s\nendstream\nendobj\n", 5 + 2 * i, n + 1,
				    blank ? "" : text));
	}
	xref_at = out->len;
	if (!xref_stream) {
		TU_OK(es_buf_printf(out, "xref\n0 %d\n0000000000 65535 f\r\n", nobj + 1));
		for (int i = 1; i <= nobj; i++)
			TU_OK(es_buf_printf(out, "%010zu 00000 n\r\n", offs[i]));
		TU_OK(es_buf_printf(out, "trailer\n<</Size %d/Root 1 0 R>>\n", nobj + 1));
	} else {
		int x = nobj + 1;
		TU_OK(es_buf_printf(out, "%d 0 obj\n<</Type/XRef/Size %d/W[1 4 2]/Root 1 0 R/Length %d>>\nstream\n", x, x + 1,
				    7 * (x + 1)));
		for (int i = 0; i <= x; i++) {
			size_t o = i == 0 ? 0 : i == x ? xref_at : offs[i];
			uint8_t e[7] = { (uint8_t)(i == 0 ? 0 : 1), (uint8_t)(o >> 24), (uint8_t)(o >> 16),
					 (uint8_t)(o >> 8), (uint8_t)o, (uint8_t)(i == 0 ? 0xff : 0), (uint8_t)(i == 0 ? 0xff : 0) };
			TU_OK(es_buf_put(out, e, 7));
		}
		TU_OK(es_buf_puts(out, "\nendstream\nendobj\n"));
	}
	TU_OK(es_buf_printf(out, "startxref\n%zu\n%%%%EOF\n", xref_at));
}

/* The last occurrence of @needle in a binary buffer, or NULL. */
static const char *find_last(const es_buf *b, const char *needle)
{
	const char *last = NULL, *p = (const char *)b->ptr, *end = p + b->len;
	size_t n = strlen(needle);
	while (p < end && (p = memmem(p, (size_t)(end - p), needle, n)) != NULL) {
		last = p;
		p++;
	}
	return last;
}

/* /Size of the last trailer (or xref stream) of a file. */
static int last_size(const es_buf *b)
{
	const char *last = find_last(b, "/Size ");
	assert_non_null(last);
	return atoi_safe(last + 6);
}

static int last_startxref(const es_buf *b)
{
	const char *last = find_last(b, "startxref");
	assert_non_null(last);
	return atoi_safe(last + 10);
}

/* Append an incremental update replacing/adding objects given as text "N 0 obj ... endobj\n". */
static void append_update(es_buf *b, const char *const *objs, const int *nums, size_t n)
{
	assert_true(n <= 16);
	size_t offs[16], xref_at;
	int size = last_size(b), prev = last_startxref(b), maxnum = 0;
	for (size_t i = 0; i < n; i++) {
		offs[i] = b->len;
		TU_OK(es_buf_puts(b, objs[i]));
		if (nums[i] >= maxnum)
			maxnum = nums[i] + 1;
	}
	xref_at = b->len;
	TU_OK(es_buf_puts(b, "xref\n"));
	for (size_t i = 0; i < n; i++)
		TU_OK(es_buf_printf(b, "%d 1\n%010zu 00000 n\r\n", nums[i], offs[i]));
	TU_OK(es_buf_printf(b, "trailer\n<</Size %d/Root 1 0 R/Prev %d>>\nstartxref\n%zu\n%%%%EOF\n",
			    maxnum > size ? maxnum : size, prev, xref_at));
}

/* ---- helpers ---------------------------------------------------------------- */

static void sign_into(es_buf *out, const es_buf *in, es_pdf_sign_options *o, const es_seal *seal)
{
	es_buf_init(out, 0);
	if (!o->picture) {
		o->picture = picture.ptr;
		o->picture_len = picture.len;
	}
	TU_OK(es_pdf_sign(out, in->ptr, in->len, o, seal, pki.signer, pki.signer_key));
	/* the original bytes are untouched */
	assert_true(out->len > in->len);
	assert_memory_equal(out->ptr, in->ptr, in->len);
}

static void verify(es_report *r, const es_buf *pdf)
{
	es_verify_options vo = ES_VERIFY_OPTIONS_INIT;
	vo.trust = pki.trust;
	es_report_init(r);
	TU_OK(es_pdf_verify_file(r, pdf->ptr, pdf->len, &vo));
}

/* Did check @source leave an advisory notice (a "warning")? */
static bool has_notice(const es_sig_report *s, const char *source)
{
	for (size_t i = 0; i < s->nnotices; i++)
		if (strcmp(s->notices[i].source, source) == 0)
			return true;
	return false;
}

static es_result check_of(const es_sig_report *s, const char *name)
{
	const es_check *c = es_sig_report_get(s, name);
	if (!c)
		fail_msg("no check '%s' in entry '%s'", name, s->id);
	return c->result;
}

static const char *reason_of(const es_sig_report *s, const char *name)
{
	const es_check *c = es_sig_report_get(s, name);
	return c ? c->reason : "";
}

static const char *info_of(const es_sig_report *s, const char *key)
{
	for (size_t i = 0; i < s->ninfo; i++)
		if (strcmp(s->info[i].key, key) == 0)
			return s->info[i].value;
	return NULL;
}

static void write_tmp(const char *name, const es_buf *b, char *path, size_t cap)
{
	snprintf(path, cap, "%s/%s", tmp, name);
	TU_OK(es_file_write(path, b->ptr, b->len, 0644));
}

/* The ByteRange of the last signature dictionary written. */
static void last_byte_range(const es_buf *b, long br[4])
{
	const char *last = find_last(b, "/ByteRange[");
	assert_non_null(last);
	assert_int_equal(sscanf(last, "/ByteRange[%ld %ld %ld %ld", &br[0], &br[1], &br[2], &br[3]), 4);
}

/* The DER in /Contents of the last signature (padding removed). */
static void last_contents(const es_buf *b, es_buf *der)
{
	long br[4];
	es_der d;
	es_tlv t;
	es_buf raw = ES_BUF_INIT;
	last_byte_range(b, br);
	for (long i = br[1] + 1; i + 1 < br[2] - 1; i += 2) {
		unsigned v;
		char h[3] = { (char)b->ptr[i], (char)b->ptr[i + 1], 0 };
		assert_int_equal(sscanf(h, "%2x", &v), 1);
		uint8_t c = (uint8_t)v;
		TU_OK(es_buf_put(&raw, &c, 1));
	}
	es_der_init(&d, raw.ptr, raw.len);
	TU_OK(es_der_read_tlv(&d, &t));
	es_buf_init(der, 0);
	TU_OK(es_buf_put(der, t.whole.ptr, t.whole.len));
	es_buf_release(&raw);
}

/* ---- setup -------------------------------------------------------------------- */

static int setup(void **state)
{
	es_render_options ro = ES_RENDER_OPTIONS_INIT;
	es_buf_init(&seal1_der, 0);
	es_buf_init(&seal2_der, 0);
	es_buf_init(&picture, 0);
	fx_pki_init(&pki);
	fx_make_seal(&seal1_der, &pki, 1);
	fx_make_seal(&seal2_der, &pki, 2);
	TU_OK(es_seal_parse(&seal1, seal1_der.ptr, seal1_der.len));
	TU_OK(es_seal_parse(&seal2, seal2_der.ptr, seal2_der.len));
	ro.name = "示例科技有限公司";
	ro.dpi = 150;
	TU_OK(es_render_png(&picture, &ro));
	tmp = tu_tmpdir();
	have_poppler = tu_run(NULL, "pdfsig -v >/dev/null 2>&1") == 0 || tu_run(NULL, "command -v pdfsig >/dev/null") == 0;
	(void)state;
	return 0;
}

static int teardown(void **state)
{
	es_seal_free(seal1);
	es_seal_free(seal2);
	es_buf_release(&seal1_der);
	es_buf_release(&seal2_der);
	es_buf_release(&picture);
	fx_pki_free(&pki);
	(void)state;
	return 0;
}

/* ---- tests ---------------------------------------------------------------------- */

/* One CMS signature: valid, ByteRange covers the whole file, nothing changed. */
static void test_sign_verify_cms(void **state)
{
	es_buf in, out;
	es_report r;
	es_pdf_sign_options o = ES_PDF_SIGN_OPTIONS_INIT;
	(void)state;
	make_pdf(&in, 1, false, false);
	o.reason = "同意盖章";
	o.location = "Room (1)";
	sign_into(&out, &in, &o, seal1);
	assert_non_null(find_last(&out, "/Reason<FEFF540C610F76D67AE0>"));
	assert_non_null(find_last(&out, "/Location(Room \\(1\\))"));
	verify(&r, &out);
	assert_int_equal(r.nsigs, 1);
	assert_string_equal(r.format, "pdf");
	assert_int_equal(r.verdict, ES_VERDICT_VALID);
	assert_int_equal(check_of(&r.sigs[0], "byte-range"), ES_RESULT_PASS);
	assert_non_null(strstr(reason_of(&r.sigs[0], "byte-range"), "covers the whole file"));
	assert_int_equal(check_of(&r.sigs[0], "signature"), ES_RESULT_PASS);
	assert_int_equal(check_of(&r.sigs[0], "data-hash"), ES_RESULT_PASS);
	assert_int_equal(check_of(&r.sigs[0], "changes"), ES_RESULT_PASS);
	assert_string_equal(info_of(&r.sigs[0], "subfilter"), "adbe.pkcs7.detached");
	assert_string_equal(r.sigs[0].id, "Seal1");
	es_report_release(&r);
	/* the same through es_verify_file() once the layer is registered */
	{
		es_verify_options vo = ES_VERIFY_OPTIONS_INIT;
		vo.trust = pki.trust;
		es_verify_register_pdf(es_pdf_verify_file);
		es_report_init(&r);
		TU_OK(es_verify_file(&r, out.ptr, out.len, &vo));
		assert_string_equal(r.format, "pdf");
		assert_int_equal(r.nsigs, 1);
		assert_int_equal(r.verdict, ES_VERDICT_VALID);
		es_report_release(&r);
	}
	es_buf_release(&in);
	es_buf_release(&out);
}

/* Sign 1, 2 and 3 times with different seals and encodings: every signature stays valid. */
static void test_round_trip_three(void **state)
{
	es_buf b[4];
	es_report r;
	char path[512];
	(void)state;
	make_pdf(&b[0], 2, false, false);
	for (int i = 0; i < 3; i++) {
		es_pdf_sign_options o = ES_PDF_SIGN_OPTIONS_INIT;
		o.encoding = i == 1 ? ES_PDF_SES : ES_PDF_CMS;
		o.x_mm = 20 + 60 * i;
		o.y_mm = 60;
		o.w_mm = 30;
		o.page = i == 2 ? 1 : 0;
		if (i >= 1) {
			o.tsa_cert = pki.tsa;
			o.tsa_key = pki.tsa_key;
		}
		sign_into(&b[i + 1], &b[i], &o, i == 1 ? seal2 : seal1);
		verify(&r, &b[i + 1]);
		assert_int_equal(r.nsigs, (size_t)(i + 1));
		for (size_t k = 0; k < r.nsigs; k++) {
			if (r.sigs[k].verdict != ES_VERDICT_VALID) {
				es_buf t = ES_BUF_INIT;
				TU_OK(es_report_text(&t, &r));
				fail_msg("after %d signatures, entry %zu: %s", i + 1, k, (const char *)t.ptr);
			}
			if (check_of(&r.sigs[k], "changes") != ES_RESULT_PASS)
				fail_msg("changes: %s", reason_of(&r.sigs[k], "changes"));
		}
		if (i == 2) {
			assert_string_equal(info_of(&r.sigs[1], "subfilter"), "GB38540.SES");
			if (check_of(&r.sigs[1], "timestamp") == ES_RESULT_INDETERMINATE ||
			    check_of(&r.sigs[1], "timestamp") == ES_RESULT_FAIL)
				fail_msg("timestamp: %s", reason_of(&r.sigs[1], "timestamp"));
			if (check_of(&r.sigs[2], "timestamp") == ES_RESULT_INDETERMINATE ||
			    check_of(&r.sigs[2], "timestamp") == ES_RESULT_FAIL)
				fail_msg("timestamp: %s", reason_of(&r.sigs[2], "timestamp"));
			assert_non_null(strstr(reason_of(&r.sigs[0], "changes"), "2 later signatures"));
			assert_non_null(strstr(info_of(&r.sigs[0], "update-2"), "1 signature added"));
			assert_string_equal(info_of(&r.sigs[0], "updates-after"), "2");
		}
		es_report_release(&r);
	}
	if (have_poppler) {
		/* poppler lists every signature with its ByteRange */
		es_buf outp = ES_BUF_INIT;
		long br[4];
		char want[128];
		write_tmp("three.pdf", &b[3], path, sizeof(path));
		tu_ignore(tu_run(&outp, "pdfsig '%s' 2>/dev/null", path));
		assert_non_null(strstr((const char *)outp.ptr, "Signature #1"));
		assert_non_null(strstr((const char *)outp.ptr, "Signature #2"));
		assert_non_null(strstr((const char *)outp.ptr, "Signature #3"));
		last_byte_range(&b[3], br);
		snprintf(want, sizeof(want), "[0 - %ld], [%ld - %ld]", br[1], br[2], br[2] + br[3]);
		assert_non_null(strstr((const char *)outp.ptr, want));
		assert_non_null(strstr((const char *)outp.ptr, "Total document signed"));
		es_buf_release(&outp);
	}
	for (int i = 0; i < 4; i++)
		es_buf_release(&b[i]);
}

/* OpenSSL parses our CMS, verifies the SM2 signature over DER(signedAttrs) and agrees on the digest. */
static void test_openssl_checks(void **state)
{
	es_buf in, out, der, attrs = ES_BUF_INIT, sig = ES_BUF_INIT, got = ES_BUF_INIT, range = ES_BUF_INIT;
	es_pdf_sign_options o = ES_PDF_SIGN_OPTIONS_INIT;
	char pcms[512], pattrs[512], psig[512], pcert[512], prange[512];
	es_bytes md = { NULL, 0 };
	long br[4];
	es_der d, ci, c0, sd, sis, si, set;
	es_tlv t, a, s;
	es_bytes oid;
	(void)state;
	make_pdf(&in, 1, false, false);
	o.tsa_cert = pki.tsa;
	o.tsa_key = pki.tsa_key;
	sign_into(&out, &in, &o, seal1);
	last_contents(&out, &der);
	write_tmp("sig.cms", &der, pcms, sizeof(pcms));
	assert_int_equal(tu_run(&got, "openssl cms -cmsout -print -inform DER -in '%s' 2>&1", pcms), 0);
	assert_non_null(strstr((const char *)got.ptr, "pkcs7-signedData"));
	assert_non_null(strstr((const char *)got.ptr, "sm3"));
	assert_non_null(strstr((const char *)got.ptr, "SM2-with-SM3"));
	assert_non_null(strstr((const char *)got.ptr, "signingTime"));
	assert_non_null(strstr((const char *)got.ptr, "id-smime-aa-timeStampToken"));

	/* walk to the SignerInfo: signed attributes, signature value */
	es_der_init(&d, der.ptr, der.len);
	TU_OK(es_der_enter(&d, ES_DER_SEQUENCE, &ci, NULL));
	TU_OK(es_der_read_oid(&ci, &oid));
	TU_OK(es_der_enter(&ci, ES_DER_CONTEXT(0), &c0, NULL));
	TU_OK(es_der_enter(&c0, ES_DER_SEQUENCE, &sd, NULL));
	for (int i = 0; i < 4; i++)
		TU_OK(es_der_read_tlv(&sd, &t)); /* version, digestAlgs, encap, certs */
	TU_OK(es_der_enter(&sd, ES_DER_SET, &sis, NULL));
	TU_OK(es_der_enter(&sis, ES_DER_SEQUENCE, &si, NULL));
	for (int i = 0; i < 3; i++)
		TU_OK(es_der_read_tlv(&si, &t));
	TU_OK(es_der_read_tag(&si, ES_DER_CONTEXT(0), &a));
	TU_OK(es_der_read_tlv(&si, &t));
	TU_OK(es_der_read_tag(&si, ES_DER_OCTET_STRING, &s));
	TU_OK(es_buf_put(&attrs, a.whole.ptr, a.whole.len));
	attrs.ptr[0] = ES_DER_SET; /* signed as SET OF */
	TU_OK(es_buf_put(&sig, s.value.ptr, s.value.len));
	/* messageDigest value */
	es_der_init(&set, a.value.ptr, a.value.len);
	while (!es_der_empty(&set)) {
		es_der at, vals;
		TU_OK(es_der_enter(&set, ES_DER_SEQUENCE, &at, NULL));
		TU_OK(es_der_read_oid(&at, &oid));
		TU_OK(es_der_enter(&at, ES_DER_SET, &vals, NULL));
		if (es_oid_equal(oid, "1.2.840.113549.1.9.4"))
			TU_OK(es_der_read_octets(&vals, &md));
	}
	assert_int_equal(md.len, 32);
	write_tmp("attrs.der", &attrs, pattrs, sizeof(pattrs));
	write_tmp("sig.der", &sig, psig, sizeof(psig));
	{
		es_buf c = ES_BUF_INIT;
		es_bytes cd = es_cert_der(pki.signer);
		TU_OK(es_buf_put(&c, cd.ptr, cd.len));
		write_tmp("signer.der", &c, pcert, sizeof(pcert));
		es_buf_release(&c);
	}
	assert_int_equal(tu_run(NULL, "openssl x509 -inform DER -in '%s' -pubkey -noout > '%s/signer.pub'", pcert, tmp), 0);
	es_buf_release(&got);
	assert_int_equal(tu_run(&got,
				"openssl pkeyutl -verify -rawin -digest sm3 -pkeyopt distid:1234567812345678 -pubin -inkey "
				"'%s/signer.pub' -in '%s' -sigfile '%s' 2>&1",
				tmp, pattrs, psig),
			 0);
	assert_non_null(strstr((const char *)got.ptr, "Signature Verified Successfully"));
	/* messageDigest == openssl dgst -sm3 of the ByteRange bytes */
	last_byte_range(&out, br);
	TU_OK(es_buf_put(&range, out.ptr, (size_t)br[1]));
	TU_OK(es_buf_put(&range, out.ptr + br[2], (size_t)br[3]));
	write_tmp("range.bin", &range, prange, sizeof(prange));
	es_buf_release(&got);
	assert_int_equal(tu_run(&got, "openssl dgst -sm3 -r '%s'", prange), 0);
	{
		char hex[65];
		for (int i = 0; i < 32; i++)
			snprintf(hex + 2 * i, 3, "%02x", md.ptr[i]);
		assert_memory_equal(got.ptr, hex, 64);
	}
	es_buf_release(&got);
	es_buf_release(&attrs);
	es_buf_release(&sig);
	es_buf_release(&range);
	es_buf_release(&der);
	es_buf_release(&in);
	es_buf_release(&out);
}

/* Tamper tests: each change is reported by name. */
static void test_tamper_byte(void **state)
{
	es_buf in, out;
	es_report r;
	es_pdf_sign_options o = ES_PDF_SIGN_OPTIONS_INIT;
	char *p;
	(void)state;
	make_pdf(&in, 1, false, false);
	sign_into(&out, &in, &o, seal1);
	p = strstr((char *)out.ptr, "CONTRACT");
	assert_non_null(p);
	p[0] = 'K';
	verify(&r, &out);
	assert_int_equal(r.nsigs, 1);
	assert_int_equal(r.verdict, ES_VERDICT_INVALID);
	assert_int_equal(check_of(&r.sigs[0], "data-hash"), ES_RESULT_FAIL);
	es_report_release(&r);
	es_buf_release(&in);
	es_buf_release(&out);
}

static bool notice_says(const es_sig_report *s, const char *needle)
{
	for (size_t i = 0; i < s->nnotices; i++)
		if (strstr(s->notices[i].text, needle))
			return true;
	return false;
}

static void print_report(const es_report *r)
{
	es_buf t = ES_BUF_INIT;
	TU_OK(es_report_text(&t, r));
	print_message("%s\n", (const char *)t.ptr);
	es_buf_release(&t);
}

/* Bytes after a signed revision that are no update, and an update whose /Prev loops. */
static void test_damaged_tails(void **state)
{
	es_buf in, one, two, bad;
	es_report r;
	es_pdf_sign_options o = ES_PDF_SIGN_OPTIONS_INIT;
	static const char *const tails[] = { "\ngarbage \x01\x02 that is no PDF syntax\n",
					     "\n5 0 obj\n<</Type/Annot/Subtype/Text/Rect[0 0 9 9" /* cut */ };
	(void)state;
	make_pdf(&in, 1, false, false);
	/* unsigned: nothing to verify, which is not proof of anything */
	verify(&r, &in);
	assert_int_equal(r.nsigs, 0);
	assert_int_equal(r.verdict, ES_VERDICT_INDETERMINATE);
	assert_non_null(strstr(r.reason, "nothing to verify"));
	es_report_release(&r);
	sign_into(&one, &in, &o, seal1);
	for (size_t i = 0; i < ES_ARRAY_LEN(tails); i++) {
		es_buf_init(&bad, 0);
		TU_OK(es_buf_put(&bad, one.ptr, one.len));
		TU_OK(es_buf_puts(&bad, tails[i]));
		verify(&r, &bad);
		assert_int_equal(r.nsigs, 1);
		if (check_of(&r.sigs[0], "changes") != ES_RESULT_PASS || !notice_says(&r.sigs[0], "not a well-formed incremental update") ||
		    !strstr(reason_of(&r.sigs[0], "changes"), "trailing")) {
			print_report(&r);
			fail_msg("tail %zu not reported as unparseable trailing data", i);
		}
		es_report_release(&r);
		es_buf_release(&bad);
	}

	/* two signatures, then an update whose /Prev points at itself */
	sign_into(&two, &one, &o, seal2);
	es_buf_init(&bad, 0);
	TU_OK(es_buf_put(&bad, two.ptr, two.len));
	{
		size_t xref_at;
		TU_OK(es_buf_puts(&bad, "\n"));
		xref_at = bad.len;
		TU_OK(es_buf_printf(&bad, "xref\n0 1\n0000000000 65535 f\r\ntrailer\n<</Size %d/Root 1 0 R/Prev %zu>>\nstartxref\n%zu\n%%%%EOF\n",
				    last_size(&two), xref_at, xref_at));
	}
	verify(&r, &bad);
	if (r.nsigs != 2) {
		print_report(&r);
		fail_msg("a /Prev cycle lost signatures: %zu reported", r.nsigs);
	}
	for (size_t k = 0; k < 2; k++) {
		assert_int_equal(check_of(&r.sigs[k], "signature"), ES_RESULT_PASS);
		if (!notice_says(&r.sigs[k], "loop") && !notice_says(&r.sigs[k], "damage")) {
			print_report(&r);
			fail_msg("damage not named");
		}
	}
	es_report_release(&r);
	es_buf_release(&bad);
	es_buf_release(&in);
	es_buf_release(&one);
	es_buf_release(&two);
}

/* Ten fields sharing one /V are one signature, listed with its fields. */
static void test_shared_value_one_entry(void **state)
{
	es_buf in, one;
	es_report r;
	es_pdf_sign_options o = ES_PDF_SIGN_OPTIONS_INIT;
	const char *w, *objhdr;
	int field_num = 0, v_num = 0, size;
	char *objs[10], cat[512], fields[256];
	int nums[10];
	(void)state;
	make_pdf(&in, 1, false, false);
	sign_into(&one, &in, &o, seal1);
	w = find_last(&one, "/FT/Sig/T(Seal1)/V ");
	assert_non_null(w);
	v_num = atoi_safe(w + strlen("/FT/Sig/T(Seal1)/V "));
	for (objhdr = w; objhdr > (const char *)one.ptr && memcmp(objhdr, " 0 obj", 6) != 0; objhdr--)
		;
	while (objhdr > (const char *)one.ptr && objhdr[-1] >= '0' && objhdr[-1] <= '9')
		objhdr--;
	field_num = atoi_safe(objhdr);
	assert_true(field_num > 0 && v_num > 0);
	size = last_size(&one);
	snprintf(fields, sizeof(fields), "%d 0 R", field_num);
	for (int k = 0; k < 9; k++) {
		objs[k] = malloc(256);
		nums[k] = size + k;
		snprintf(objs[k], 256, "%d 0 obj\n<</Type/Annot/Subtype/Widget/Rect[0 0 0 0]/F 132/FT/Sig/T(Copy%d)/V %d 0 R>>\nendobj\n",
			 nums[k], k, v_num);
		snprintf(fields + strlen(fields), sizeof(fields) - strlen(fields), " %d 0 R", nums[k]);
	}
	snprintf(cat, sizeof(cat), "1 0 obj\n<</Type/Catalog/Pages 2 0 R/AcroForm<</Fields[%s]/SigFlags 3>>>>\nendobj\n", fields);
	objs[9] = cat;
	nums[9] = 1;
	append_update(&one, (const char *const *)objs, nums, 10);
	verify(&r, &one);
	if (r.nsigs != 1) {
		print_report(&r);
		fail_msg("one /V in ten fields gave %zu entries", r.nsigs);
	}
	assert_non_null(strstr(info_of(&r.sigs[0], "fields"), "10 fields share this signature: Seal1, Copy0"));
	assert_int_equal(check_of(&r.sigs[0], "signature"), ES_RESULT_PASS);
	for (int k = 0; k < 9; k++)
		free(objs[k]);
	es_report_release(&r);
	es_buf_release(&in);
	es_buf_release(&one);
}

static void test_tamper_append_page(void **state)
{
	es_buf in, out;
	es_report r;
	es_pdf_sign_options o = ES_PDF_SIGN_OPTIONS_INIT;
	char o1[256], o2[256];
	const char *objs[2] = { o1, o2 };
	int nums[2];
	(void)state;
	make_pdf(&in, 1, false, false);
	sign_into(&out, &in, &o, seal1);
	nums[0] = 2;
	nums[1] = last_size(&out);
	snprintf(o1, sizeof(o1), "2 0 obj\n<</Type/Pages/Kids[4 0 R %d 0 R]/Count 2>>\nendobj\n", nums[1]);
	snprintf(o2, sizeof(o2),
		 "%d 0 obj\n<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 5 0 R/Resources<</Font<</F1 3 0 R>>>>>>\nendobj\n",
		 nums[1]);
	append_update(&out, objs, nums, 2);
	verify(&r, &out);
	assert_int_equal(r.nsigs, 1);
	assert_int_equal(check_of(&r.sigs[0], "signature"), ES_RESULT_PASS);
	assert_int_equal(check_of(&r.sigs[0], "byte-range"), ES_RESULT_PASS);
	assert_int_equal(check_of(&r.sigs[0], "changes"), ES_RESULT_FAIL);
	assert_non_null(strstr(reason_of(&r.sigs[0], "changes"), "1 page added"));
	assert_int_equal(r.verdict, ES_VERDICT_INVALID);
	es_report_release(&r);
	es_buf_release(&in);
	es_buf_release(&out);
}

/* Page 1's /Annots entries as written by the last update ("12 0 R 13 0 R"). */
static void last_annots(const es_buf *b, char *out, size_t cap)
{
	const char *last = find_last(b, "/Annots["), *end;
	assert_non_null(last);
	last += 8;
	end = strchr(last, ']');
	assert_non_null(end);
	snprintf(out, cap, "%.*s", (int)(end - last), last);
}

static void add_annotation(es_buf *out, const char *rect, const char *subtype)
{
	char annots[128], o1[512], o2[256];
	const char *objs[2] = { o1, o2 };
	int nums[2];
	last_annots(out, annots, sizeof(annots));
	nums[0] = 4;
	nums[1] = last_size(out);
	snprintf(o1, sizeof(o1),
		 "4 0 obj\n<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Resources<</Font<</F1 3 0 R>>>>/Contents 5 0 R"
		 "/Annots[%s %d 0 R]>>\nendobj\n",
		 annots, nums[1]);
	snprintf(o2, sizeof(o2), "%d 0 obj\n<</Type/Annot/Subtype/%s/Rect[%s]/C[0 0 1]>>\nendobj\n", nums[1], subtype, rect);
	append_update(out, objs, nums, 2);
}

static void test_tamper_annotation(void **state)
{
	es_buf in, out;
	es_report r;
	es_pdf_sign_options o = ES_PDF_SIGN_OPTIONS_INIT; /* seal at 20 mm, 20 mm: user space x 56.7.., top 785.3 */
	(void)state;
	make_pdf(&in, 1, false, false);
	sign_into(&out, &in, &o, seal1);
	add_annotation(&out, "80 700 150 760", "Square");
	verify(&r, &out);
	assert_int_equal(r.nsigs, 1);
	assert_int_equal(check_of(&r.sigs[0], "signature"), ES_RESULT_PASS);
	assert_int_equal(check_of(&r.sigs[0], "changes"), ES_RESULT_FAIL);
	assert_non_null(strstr(reason_of(&r.sigs[0], "changes"), "annotation over the seal added on page 1 (Square)"));
	assert_non_null(info_of(&r.sigs[0], "update-1"));
	assert_non_null(strstr(info_of(&r.sigs[0], "update-1"), "annotation over the seal"));
	es_report_release(&r);
	es_buf_release(&out);
	/* elsewhere on the page: a warning, not a failure */
	sign_into(&out, &in, &o, seal1);
	add_annotation(&out, "400 50 500 100", "Text");
	verify(&r, &out);
	assert_int_equal(check_of(&r.sigs[0], "changes"), ES_RESULT_PASS);
	assert_true(has_notice(&r.sigs[0], "changes"));
	assert_int_equal(r.sigs[0].verdict, ES_VERDICT_VALID);
	es_report_release(&r);
	es_buf_release(&in);
	es_buf_release(&out);
}

/* Replacing the seal's appearance in a later update (a forged picture) is caught. */
static void test_tamper_appearance(void **state)
{
	es_buf in, out;
	es_report r;
	es_pdf_sign_options o = ES_PDF_SIGN_OPTIONS_INIT;
	const char *ap;
	char obj[256];
	const char *objs[1] = { obj };
	int nums[1];
	(void)state;
	make_pdf(&in, 1, false, false);
	sign_into(&out, &in, &o, seal1);
	ap = find_last(&out, "/AP<</N ");
	assert_non_null(ap);
	nums[0] = atoi_safe(ap + 8);
	assert_true(nums[0] > 5);
	snprintf(obj, sizeof(obj),
		 "%d 0 obj\n<</Type/XObject/Subtype/Form/BBox[0 0 100 100]/Length 25>>\nstream\n1 0 0 rg 0 0 50 50 re f\n\nendstream\nendobj\n",
		 nums[0]);
	append_update(&out, objs, nums, 1);
	verify(&r, &out);
	assert_int_equal(check_of(&r.sigs[0], "signature"), ES_RESULT_PASS);
	assert_int_equal(check_of(&r.sigs[0], "changes"), ES_RESULT_FAIL);
	assert_non_null(strstr(reason_of(&r.sigs[0], "changes"), "appearance was changed"));
	es_report_release(&r);
	es_buf_release(&in);
	es_buf_release(&out);
}

/* A sealed PDF re-saved whole (offsets shifted) is reported broken, not crashed on. */
static void test_resaved_whole(void **state)
{
	es_buf in, out, re = ES_BUF_INIT;
	es_report r;
	es_pdf_sign_options o = ES_PDF_SIGN_OPTIONS_INIT;
	const char *nl;
	(void)state;
	make_pdf(&in, 1, false, false);
	sign_into(&out, &in, &o, seal1);
	nl = memchr(out.ptr, '\n', out.len);
	TU_OK(es_buf_put(&re, out.ptr, (size_t)(nl - (const char *)out.ptr) + 1));
	TU_OK(es_buf_puts(&re, "% re-saved by another tool\n"));
	TU_OK(es_buf_put(&re, nl + 1, out.len - (size_t)(nl + 1 - (const char *)out.ptr)));
	verify(&r, &re);
	assert_int_equal(r.nsigs, 1);
	assert_int_equal(check_of(&r.sigs[0], "byte-range"), ES_RESULT_FAIL);
	assert_non_null(strstr(reason_of(&r.sigs[0], "byte-range"), "rewritten"));
	assert_int_equal(r.verdict, ES_VERDICT_INVALID);
	es_report_release(&r);
	es_buf_release(&re);
	es_buf_release(&in);
	es_buf_release(&out);
}

/* A page drawn as a PNG for the console's preview: sizes, pages, and each bad input refused
 * with the output left as it was. */
static void test_preview_png(void **state)
{
	es_buf in, out = ES_BUF_INIT;
	unsigned pages = 0;
	double w = 0, h = 0;
	(void)state;
	make_pdf(&in, 2, false, false);
	TU_OK(es_pdf_render_page_png(&out, in.ptr, in.len, 2, 72, &pages, &w, &h));
	assert_int_equal(pages, 2);
	assert_true(w > 209.8 && w < 210.0 && h > 297.0 && h < 297.1); /* 595 x 842 pt */
	assert_true(out.len > 24 && memcmp(out.ptr, "\x89PNG\r\n\x1a\n", 8) == 0);
	const uint8_t *d = out.ptr;
	assert_int_equal(((unsigned)d[16] << 24 | (unsigned)d[17] << 16 | (unsigned)d[18] << 8 | d[19]), 595);
	assert_int_equal(((unsigned)d[20] << 24 | (unsigned)d[21] << 16 | (unsigned)d[22] << 8 | d[23]), 842);
	size_t len = out.len;
	/* each refusal appends nothing */
	assert_int_equal(es_pdf_render_page_png(&out, in.ptr, in.len, 0, 72, NULL, NULL, NULL), ES_EINVAL);
	assert_int_equal(es_pdf_render_page_png(&out, in.ptr, in.len, 3, 72, NULL, NULL, NULL), ES_EINVAL);
	assert_non_null(strstr(es_error_last()->message, "has 2"));
	assert_int_equal(es_pdf_render_page_png(&out, in.ptr, in.len, 1, ES_PDF_PREVIEW_MIN_DPI - 1, NULL, NULL, NULL), ES_EINVAL);
	assert_int_equal(es_pdf_render_page_png(&out, in.ptr, in.len, 1, ES_PDF_PREVIEW_MAX_DPI + 1, NULL, NULL, NULL), ES_EINVAL);
	assert_int_equal(es_pdf_render_page_png(&out, (const uint8_t *)"plain words", 11, 1, 72, NULL, NULL, NULL), ES_EMALFORMED);
	assert_int_equal(es_pdf_render_page_png(&out, NULL, 0, 1, 72, NULL, NULL, NULL), ES_EMALFORMED);
	assert_int_equal(es_pdf_render_page_png(&out, in.ptr, (size_t)ES_PDF_PREVIEW_MAX_PIXELS * 64, 1, 72, NULL, NULL, NULL), ES_ELIMIT);
	assert_int_equal(out.len, len);
	/* a page too large at the dpi asked (9999 x 99 pt at 300 dpi: 17 Mpixels): refused, named */
	char *box;
	while ((box = memmem(in.ptr, in.len, "[0 0 595 842]", 13)) != NULL)
		memcpy(box, "[0 0 9999 99]", 13);
	assert_int_equal(es_pdf_render_page_png(&out, in.ptr, in.len, 1, 300, NULL, NULL, NULL), ES_ELIMIT);
	assert_non_null(strstr(es_error_last()->message, "lower dpi"));
	TU_OK(es_pdf_render_page_png(&out, in.ptr, in.len, 1, 10, &pages, &w, &h));
	assert_int_equal(out.len > len, true);
	es_buf_release(&in);
	es_buf_release(&out);
}

/* R6: a page without text is not sealed. */
static void test_blank_page_refused(void **state)
{
	es_buf in, out = ES_BUF_INIT;
	es_pdf_sign_options o = ES_PDF_SIGN_OPTIONS_INIT;
	size_t n = 99;
	(void)state;
	make_pdf(&in, 1, true, false);
	TU_OK(es_pdf_page_text_count(&n, in.ptr, in.len, 1));
	assert_int_equal(n, 0);
	o.picture = picture.ptr;
	o.picture_len = picture.len;
	assert_int_equal(es_pdf_sign(&out, in.ptr, in.len, &o, seal1, pki.signer, pki.signer_key), ES_EDENIED);
	assert_non_null(strstr(es_error_last()->message, "no text"));
	assert_int_equal(out.len, 0);
	es_buf_release(&in);
	make_pdf(&in, 1, false, false);
	TU_OK(es_pdf_page_text_count(&n, in.ptr, in.len, 1));
	assert_true(n > 10);
	es_buf_release(&in);
	es_buf_release(&out);
}

/* Bad input never crashes: truncations, flips, junk, wrong options. */
static void test_bad_inputs(void **state)
{
	es_buf in, out, bad = ES_BUF_INIT;
	es_report r;
	es_pdf_sign_options o = ES_PDF_SIGN_OPTIONS_INIT;
	es_verify_options vo = ES_VERIFY_OPTIONS_INIT;
	static const char junk[] = "%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 99 0 R >> endobj\ntrailer << /Root 1 0 R >>\n";
	(void)state;
	make_pdf(&in, 1, false, false);
	sign_into(&out, &in, &o, seal1);
	es_report_init(&r);
	assert_int_equal(es_pdf_verify_file(&r, (const uint8_t *)"hello", 5, &vo), ES_EMALFORMED);
	es_report_release(&r);
	es_report_init(&r);
	assert_true(es_pdf_verify_file(&r, (const uint8_t *)junk, sizeof(junk) - 1, &vo) <= 0);
	es_report_release(&r);
	for (size_t cut = 9; cut < out.len; cut += out.len / 97 + 1) {
		es_report_init(&r);
		tu_ignore(es_pdf_verify_file(&r, out.ptr, cut, &vo));
		es_report_release(&r);
	}
	for (size_t at = 0; at < out.len; at += out.len / 61 + 1) {
		es_buf_release(&bad);
		TU_OK(es_buf_put(&bad, out.ptr, out.len));
		bad.ptr[at] ^= 0x5a;
		es_report_init(&r);
		tu_ignore(es_pdf_verify_file(&r, bad.ptr, bad.len, &vo));
		es_report_release(&r);
	}
	/* a ByteRange that points outside the file */
	{
		char *p;
		es_buf_release(&bad);
		TU_OK(es_buf_put(&bad, out.ptr, out.len));
		p = (char *)find_last(&bad, "/ByteRange[0 ");
		assert_non_null(p);
		p[13] = p[13] == '9' ? '1' : '9'; /* a different first range */
		verify(&r, &bad);
		assert_int_equal(check_of(&r.sigs[0], "byte-range"), ES_RESULT_FAIL);
		es_report_release(&r);
	}
	/* signing refuses junk and bad options */
	es_buf_release(&bad);
	assert_int_equal(es_pdf_sign(&bad, (const uint8_t *)"nope", 4, &o, seal1, pki.signer, pki.signer_key), ES_EMALFORMED);
	o.page = 7;
	assert_int_equal(es_pdf_sign(&bad, in.ptr, in.len, &o, seal1, pki.signer, pki.signer_key), ES_EINVAL);
	o.page = 0;
	o.encoding = ES_PDF_SES;
	assert_int_equal(es_pdf_sign(&bad, in.ptr, in.len, &o, NULL, pki.signer, pki.signer_key), ES_EINVAL);
	o.encoding = ES_PDF_CMS;
	o.picture = (const uint8_t *)"not an image";
	o.picture_len = 12;
	assert_int_equal(es_pdf_sign(&bad, in.ptr, in.len, &o, seal1, pki.signer, pki.signer_key), ES_ENOTSUPPORTED);
	o.picture = NULL;
	o.keyword = "NOWHERE";
	o.picture = picture.ptr;
	o.picture_len = picture.len;
	assert_int_equal(es_pdf_sign(&bad, in.ptr, in.len, &o, seal1, pki.signer, pki.signer_key), ES_ENOTFOUND);
	es_buf_release(&bad);
	es_buf_release(&in);
	es_buf_release(&out);
}

/* Render page @page at @dpi with pdftoppm; count red pixels inside/outside a box in mm (margin in px). */
static void red_pixels(const es_buf *pdf, int page, double x_mm, double y_mm, double w_mm, double h_mm, size_t *in,
		       size_t *out)
{
	char path[512];
	es_buf ppm = ES_BUF_INIT;
	int w = 0, h = 0, maxv = 0, hdr = 0;
	const int dpi = 36, margin = 2;
	double k = dpi / 25.4;
	*in = *out = 0;
	write_tmp("render.pdf", pdf, path, sizeof(path));
	assert_int_equal(tu_run(&ppm, "pdftoppm -r %d -f %d -l %d '%s' 2>/dev/null", dpi, page, page, path), 0);
	assert_int_equal(sscanf((const char *)ppm.ptr, "P6 %d %d %d%n", &w, &h, &maxv, &hdr), 3);
	hdr++;
	assert_true((size_t)hdr + (size_t)w * (size_t)h * 3 <= ppm.len);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			const uint8_t *px = ppm.ptr + hdr + ((size_t)y * (size_t)w + (size_t)x) * 3;
			bool red = px[0] > 150 && px[1] < 110 && px[2] < 110;
			bool inside = x >= x_mm * k - margin && x <= (x_mm + w_mm) * k + margin && y >= y_mm * k - margin &&
				      y <= (y_mm + h_mm) * k + margin;
			if (red && inside)
				(*in)++;
			else if (red)
				(*out)++;
		}
	es_buf_release(&ppm);
}

/* A 42 mm riding seal at y 120 mm on 3 pages: each page shows its 14 mm slice at the right edge, nothing else red. */
static void riding_slices_shown(const es_buf *pdf)
{
	if (!have_poppler)
		return;
	for (int p = 1; p <= 3; p++) {
		size_t nin, nout;
		red_pixels(pdf, p, 210 - 14, 120, 14, 42, &nin, &nout);
		assert_true(nin > 20);
		assert_int_equal(nout, 0);
	}
}

/* pdftoppm shows the seal inside the requested box and nowhere else. */
static void test_render_position(void **state)
{
	es_buf in, out;
	es_pdf_sign_options o = ES_PDF_SIGN_OPTIONS_INIT;
	size_t nin, nout;
	(void)state;
	if (!have_poppler)
		skip();
	make_pdf(&in, 1, false, false);
	o.x_mm = 110;
	o.y_mm = 150;
	o.w_mm = 40;
	o.h_mm = 40;
	sign_into(&out, &in, &o, seal1);
	red_pixels(&out, 1, 110, 150, 40, 40, &nin, &nout);
	assert_true(nin > 100);
	assert_int_equal(nout, 0);
	red_pixels(&in, 1, 110, 150, 40, 40, &nin, &nout);
	assert_int_equal(nin + nout, 0);
	es_buf_release(&in);
	es_buf_release(&out);
}

/* A 40x40 RGBA PNG: top half opaque red, bottom half transparent (shows which way is up). */
static void half_red_png(es_buf *out)
{
	uint8_t raw[40 * (1 + 40 * 4)], z[4096];
	uLongf zn = sizeof(z);
	uint8_t ihdr[13] = { 0, 0, 0, 40, 0, 0, 0, 40, 8, 6, 0, 0, 0 };
	for (int y = 0; y < 40; y++) {
		uint8_t *row = raw + y * (1 + 160);
		row[0] = 0;
		for (int x = 0; x < 40; x++) {
			row[1 + 4 * x] = 255;
			row[2 + 4 * x] = 0;
			row[3 + 4 * x] = 0;
			row[4 + 4 * x] = y < 20 ? 255 : 0;
		}
	}
	assert_int_equal(compress(z, &zn, raw, sizeof(raw)), Z_OK);
	es_buf_init(out, 0);
	TU_OK(es_buf_put(out, "\x89PNG\r\n\x1a\n", 8));
	{
		const char *types[3] = { "IHDR", "IDAT", "IEND" };
		const uint8_t *data[3] = { ihdr, z, NULL };
		size_t lens[3] = { sizeof(ihdr), zn, 0 };
		for (int i = 0; i < 3; i++) {
			uint8_t be[4] = { (uint8_t)(lens[i] >> 24), (uint8_t)(lens[i] >> 16), (uint8_t)(lens[i] >> 8),
					  (uint8_t)lens[i] };
			uLong crc = crc32(0, (const Bytef *)types[i], 4);
			crc = crc32(crc, data[i], (uInt)lens[i]);
			TU_OK(es_buf_put(out, be, 4));
			TU_OK(es_buf_put(out, types[i], 4));
			TU_OK(es_buf_put(out, data[i], lens[i]));
			be[0] = (uint8_t)(crc >> 24);
			be[1] = (uint8_t)(crc >> 16);
			be[2] = (uint8_t)(crc >> 8);
			be[3] = (uint8_t)crc;
			TU_OK(es_buf_put(out, be, 4));
		}
	}
}

/* On rotated pages the box is where asked on the displayed page and the picture is upright. */
static void test_rotated_pages(void **state)
{
	es_buf png, in, out;
	(void)state;
	if (!have_poppler)
		skip();
	half_red_png(&png);
	for (int rot = 0; rot < 360; rot += 90) {
		es_pdf_sign_options o = ES_PDF_SIGN_OPTIONS_INIT;
		es_report r;
		size_t nin, nout;
		make_rotate = rot;
		make_pdf(&in, 1, false, false);
		make_rotate = 0;
		o.x_mm = 100;
		o.y_mm = 30;
		o.w_mm = 40;
		o.h_mm = 40;
		o.picture = png.ptr;
		o.picture_len = png.len;
		sign_into(&out, &in, &o, seal1);
		verify(&r, &out);
		assert_int_equal(r.verdict, ES_VERDICT_VALID);
		es_report_release(&r);
		red_pixels(&out, 1, 100, 30, 40, 20, &nin, &nout); /* the top half of the box */
		if (nin < 100 || nout != 0)
			fail_msg("/Rotate %d: %zu red pixels in the top half, %zu elsewhere", rot, nin, nout);
		es_buf_release(&in);
		es_buf_release(&out);
	}
	es_buf_release(&png);
}

/* Keyword placement centres the seal on the text ("SIGN HERE" at x 300 pt, baseline 200 pt). */
static void test_keyword(void **state)
{
	es_buf in, out;
	es_report r;
	es_pdf_sign_options o = ES_PDF_SIGN_OPTIONS_INIT;
	double x0, y0, x1, y1;
	(void)state;
	make_pdf(&in, 1, false, false);
	o.keyword = "SIGN HERE";
	o.w_mm = 30;
	o.h_mm = 30;
	sign_into(&out, &in, &o, seal1);
	verify(&r, &out);
	assert_int_equal(r.verdict, ES_VERDICT_VALID);
	assert_int_equal(sscanf(info_of(&r.sigs[0], "rect"), "%lf %lf %lf %lf", &x0, &y0, &x1, &y1), 4);
	assert_true(x0 < 330 && x1 > 330 && y0 < 204 && y1 > 204);
	assert_true(fabs((x1 - x0) - 30 * 72 / 25.4) < 0.5);
	es_report_release(&r);
	es_buf_release(&in);
	es_buf_release(&out);
	/* without a page: the first page that has it */
	make_pdf(&in, 3, false, false);
	o.keyword = "page 2";
	sign_into(&out, &in, &o, seal1);
	verify(&r, &out);
	assert_string_equal(info_of(&r.sigs[0], "page"), "2");
	es_report_release(&r);
	es_buf_release(&in);
	es_buf_release(&out);
}

/* Riding seal: one widget per page on the right edge, one signature. */
static void test_riding(void **state)
{
	es_buf in, out;
	es_report r;
	es_pdf_sign_options o = ES_PDF_SIGN_OPTIONS_INIT;
	(void)state;
	make_pdf(&in, 3, false, false);
	o.riding = true;
	o.y_mm = 120;
	o.w_mm = 42;
	o.h_mm = 42;
	sign_into(&out, &in, &o, seal1);
	verify(&r, &out);
	assert_int_equal(r.nsigs, 1);
	assert_int_equal(r.verdict, ES_VERDICT_VALID);
	assert_non_null(strstr(info_of(&r.sigs[0], "widgets"), "3"));
	riding_slices_shown(&out);
	es_report_release(&r);
	o.page = 0;
	es_buf_release(&in);
	make_pdf(&in, 1, false, false);
	assert_int_equal(es_pdf_sign(&out, in.ptr, in.len, &o, seal1, pki.signer, pki.signer_key), ES_EINVAL);
	es_buf_release(&in);
	es_buf_release(&out);
}

/* The second document sealed with a picture reuses its kept image objects:
 * the same appearance (pixels, sizes), valid, and the cache never mixes pictures. */
static void test_picture_cache(void **state)
{
	es_buf in, miss, hit, other = ES_BUF_INIT, half = ES_BUF_INIT;
	es_report r;
	es_pdf_sign_options o = ES_PDF_SIGN_OPTIONS_INIT;
	(void)state;
	es_pdf__picture_cache_clear();
	make_pdf(&in, 1, false, false);
	o.x_mm = 60;
	o.y_mm = 100;
	o.w_mm = 42;
	o.h_mm = 42;
	sign_into(&miss, &in, &o, seal1);
	{
		uint64_t before = es_pdf__picture_cache_hits();
		sign_into(&hit, &in, &o, seal1);
		assert_true(es_pdf__picture_cache_hits() == before + 1);
	}
	/* about the same update (MuPDF may print a dictionary's keys in another order) */
	assert_true(hit.len + 64 > miss.len && miss.len + 64 > hit.len);
	verify(&r, &hit);
	assert_int_equal(r.verdict, ES_VERDICT_VALID);
	es_report_release(&r);
	if (have_poppler) {
		size_t a_in, a_out, b_in, b_out;
		red_pixels(&miss, 1, 60, 100, 42, 42, &a_in, &a_out);
		red_pixels(&hit, 1, 60, 100, 42, 42, &b_in, &b_out);
		assert_true(a_in > 100);
		assert_int_equal(a_in, b_in);
		assert_int_equal(a_out + b_out, 0);
	}
	/* another picture after it is its own */
	half_red_png(&half);
	o.picture = half.ptr;
	o.picture_len = half.len;
	sign_into(&other, &in, &o, seal1);
	assert_true(other.len != hit.len || memcmp(other.ptr, hit.ptr, other.len) != 0);
	if (have_poppler) {
		size_t a_in, a_out, b_in, b_out;
		red_pixels(&other, 1, 60, 100, 42, 21, &a_in, &a_out);   /* top half red */
		red_pixels(&other, 1, 60, 121, 42, 21, &b_in, &b_out);   /* bottom half clear */
		assert_true(a_in > 100);
		assert_true(b_in < a_in / 4);
	}
	es_buf_release(&in);
	es_buf_release(&miss);
	es_buf_release(&hit);
	es_buf_release(&other);
	es_buf_release(&half);
}

/* An SVG seal picture becomes vector content (a Form XObject), at the box, also as a riding seal;
 * an SVG that cannot be drawn is refused by name. */
static void test_svg_picture(void **state)
{
	es_render_options ro = ES_RENDER_OPTIONS_INIT;
	es_buf svg = ES_BUF_INIT, in, out;
	es_report r;
	es_pdf_sign_options o = ES_PDF_SIGN_OPTIONS_INIT;
	(void)state;
	ro.name = "示例科技有限公司";
	TU_OK(es_render_svg(&svg, &ro));
	make_pdf(&in, 1, false, false);
	o.picture = svg.ptr;
	o.picture_len = svg.len;
	o.x_mm = 110;
	o.y_mm = 150;
	sign_into(&out, &in, &o, seal1);
	verify(&r, &out);
	assert_int_equal(r.verdict, ES_VERDICT_VALID);
	es_report_release(&r);
	/* vectors, not an image: a Form XObject holds the drawing and no /Image is added */
	assert_non_null(memmem(out.ptr + in.len, out.len - in.len, "/Form", 5));
	assert_null(memmem(out.ptr + in.len, out.len - in.len, "/Image", 6));
	if (have_poppler) {
		size_t nin, nout;
		red_pixels(&out, 1, 110, 150, 42, 42, &nin, &nout);
		assert_true(nin > 100);
		assert_int_equal(nout, 0);
	}
	es_buf_release(&in);
	es_buf_release(&out);
	make_pdf(&in, 3, false, false);
	o.riding = true;
	o.y_mm = 120;
	{
		/* the second use of this SVG is written from the picture cache */
		uint64_t before = es_pdf__picture_cache_hits();
		sign_into(&out, &in, &o, seal1);
		assert_true(es_pdf__picture_cache_hits() == before + 1);
	}
	verify(&r, &out);
	assert_int_equal(r.verdict, ES_VERDICT_VALID);
	es_report_release(&r);
	riding_slices_shown(&out);
	es_buf_release(&out);
	o.riding = false;
	/* '+' signs in path data made MuPDF 1.21 spin forever: they are read as separators */
	o.picture = (const uint8_t *)"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10mm\" height=\"10mm\">"
				     "<path fill=\"#f00\" d=\"M0 0L+10 0L+10+10L0 1e+1Z\"/>"
				     "<polygon points=\"0,0 +1,1 2,0\"/></svg>";
	o.picture_len = strlen((const char *)o.picture);
	o.page = 1;
	sign_into(&out, &in, &o, seal1);
	if (have_poppler) {
		size_t nin, nout;
		red_pixels(&out, 1, 110, 120, 42, 42, &nin, &nout);
		assert_true(nin > 100);
		assert_int_equal(nout, 0);
	}
	es_buf_release(&out);
	o.picture = (const uint8_t *)"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"0\" height=\"0\"><path d=\"M0 0\"/>";
	o.picture_len = strlen((const char *)o.picture);
	assert_true(es_pdf_sign(&out, in.ptr, in.len, &o, seal1, pki.signer, pki.signer_key) < 0);
	assert_non_null(strstr(es_error_last()->message, "SVG"));
	assert_int_equal(out.len, 0);
	es_buf_release(&in);
	es_buf_release(&out);
	es_buf_release(&svg);
}

/* The last "N 0 obj ... endobj\n" of object @num, with @ins put right after its first "<<". */
static void object_with(const es_buf *b, int num, const char *ins, es_buf *out)
{
	char head[32];
	const char *p, *e, *d;
	snprintf(head, sizeof(head), "\n%d 0 obj", num);
	p = find_last(b, head);
	assert_non_null(p);
	p++;
	e = memmem(p, (size_t)((const char *)b->ptr + b->len - p), "endobj", 6);
	d = memmem(p, (size_t)(e - p), "<<", 2);
	assert_non_null(e);
	assert_non_null(d);
	es_buf_init(out, 0);
	TU_OK(es_buf_put(out, p, (size_t)(d + 2 - p)));
	TU_OK(es_buf_puts(out, ins));
	TU_OK(es_buf_put(out, d + 2, (size_t)(e + 6 - (d + 2))));
	TU_OK(es_buf_puts(out, "\n"));
}

/* A one-page PDF with a text field 'Name' (object 6) holding (Alice). */
static void make_form_pdf(es_buf *out)
{
	static const char *const objs[] = {
		"1 0 obj\n<</Type/Catalog/Pages 2 0 R/AcroForm<</Fields[6 0 R]>>>>\nendobj\n",
		"4 0 obj\n<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Resources<</Font<</F1 3 0 R>>>>"
		"/Contents 5 0 R/Annots[6 0 R]>>\nendobj\n",
		"6 0 obj\n<</FT/Tx/T(Name)/V(Alice)/Type/Annot/Subtype/Widget/Rect[72 600 272 620]/P 4 0 R>>\nendobj\n",
	};
	static const int nums[] = { 1, 4, 6 };
	make_pdf(out, 1, false, false);
	append_update(out, objs, nums, 3);
}

/* After signing: a field filled in, a field added, the catalog given an
 * /OpenAction - each reported, and judged by the signature's DocMDP rules. */
static void test_form_and_catalog_changes(void **state)
{
	static const char *const fill[] = {
		"6 0 obj\n<</FT/Tx/T(Name)/V(Mallory)/Type/Annot/Subtype/Widget/Rect[72 600 272 620]/P 4 0 R>>\nendobj\n",
	};
	static const int six[] = { 6 };
	es_buf in, approval, certified, t = ES_BUF_INIT, root = ES_BUF_INIT;
	es_report r;
	es_pdf_sign_options o = ES_PDF_SIGN_OPTIONS_INIT;
	(void)state;
	make_form_pdf(&in);
	sign_into(&approval, &in, &o, seal1);
	o.certify = true;
	sign_into(&certified, &in, &o, seal1);
	verify(&r, &approval);
	assert_int_equal(r.verdict, ES_VERDICT_VALID);
	es_report_release(&r);

	/* filled in: a warning after an approval signature, allowed by DocMDP P=2 */
	TU_OK(es_buf_put(&t, approval.ptr, approval.len));
	append_update(&t, fill, six, 1);
	verify(&r, &t);
	assert_int_equal(check_of(&r.sigs[0], "changes"), ES_RESULT_PASS);
	assert_true(has_notice(&r.sigs[0], "changes"));
	assert_non_null(strstr(reason_of(&r.sigs[0], "changes"), "form field 'Name' filled in"));
	es_report_release(&r);
	t.len = 0;
	TU_OK(es_buf_put(&t, certified.ptr, certified.len));
	append_update(&t, fill, six, 1);
	verify(&r, &t);
	assert_int_equal(check_of(&r.sigs[0], "changes"), ES_RESULT_PASS);
	assert_int_equal(r.verdict, ES_VERDICT_VALID);
	es_report_release(&r);

	/* a field added: not allowed under DocMDP, a warning otherwise */
	{
		es_buf cat = ES_BUF_INIT;
		const char *objs[2];
		int nums[2] = { 1, 40 };
		object_with(&certified, 1, "", &cat);
		/* the same catalog with one more field in /Fields */
		{
			char *f = strstr((char *)cat.ptr, "/Fields[");
			es_buf c2 = ES_BUF_INIT;
			assert_non_null(f);
			TU_OK(es_buf_put(&c2, cat.ptr, (size_t)(f + 8 - (char *)cat.ptr)));
			TU_OK(es_buf_puts(&c2, "40 0 R "));
			TU_OK(es_buf_puts(&c2, f + 8));
			objs[0] = (const char *)c2.ptr;
			objs[1] = "40 0 obj\n<</FT/Tx/T(Extra)/V(x)>>\nendobj\n";
			t.len = 0;
			TU_OK(es_buf_put(&t, certified.ptr, certified.len));
			append_update(&t, objs, nums, 2);
			verify(&r, &t);
			assert_int_equal(check_of(&r.sigs[0], "changes"), ES_RESULT_FAIL);
			assert_non_null(strstr(reason_of(&r.sigs[0], "changes"), "form field 'Extra' added"));
			es_report_release(&r);
			es_buf_release(&c2);
		}
		es_buf_release(&cat);
	}

	/* the catalog given an /OpenAction: a change to the document, whatever the signature */
	object_with(&approval, 1, "/OpenAction<</S/JavaScript/JS(app.alert\\(1\\))>>", &root);
	{
		const char *objs[1] = { (const char *)root.ptr };
		int one[1] = { 1 };
		t.len = 0;
		TU_OK(es_buf_put(&t, approval.ptr, approval.len));
		append_update(&t, objs, one, 1);
	}
	verify(&r, &t);
	assert_int_equal(check_of(&r.sigs[0], "changes"), ES_RESULT_FAIL);
	assert_non_null(strstr(reason_of(&r.sigs[0], "changes"), "catalog's /OpenAction was added"));
	assert_int_equal(r.verdict, ES_VERDICT_INVALID);
	es_report_release(&r);
	es_buf_release(&in);
	es_buf_release(&approval);
	es_buf_release(&certified);
	es_buf_release(&t);
	es_buf_release(&root);
}

/* DocMDP: a certifying first signature; later signatures are allowed, annotations are not. */
static void test_certify(void **state)
{
	es_buf in, c1, c2, bad = ES_BUF_INIT;
	es_report r;
	es_pdf_sign_options o = ES_PDF_SIGN_OPTIONS_INIT;
	(void)state;
	make_pdf(&in, 1, false, false);
	o.certify = true;
	sign_into(&c1, &in, &o, seal1);
	o.certify = false;
	o.x_mm = 120;
	sign_into(&c2, &c1, &o, seal1);
	verify(&r, &c2);
	assert_int_equal(r.nsigs, 2);
	assert_int_equal(r.verdict, ES_VERDICT_VALID);
	assert_non_null(info_of(&r.sigs[0], "docmdp"));
	es_report_release(&r);
	o.certify = true;
	assert_int_equal(es_pdf_sign(&bad, c1.ptr, c1.len, &o, seal1, pki.signer, pki.signer_key), ES_EDENIED);
	/* P=1 (no change allowed) refuses any further seal */
	{
		es_buf p1 = ES_BUF_INIT;
		char *q;
		TU_OK(es_buf_put(&p1, c1.ptr, c1.len));
		q = (char *)find_last(&p1, "/P 2/V/1.2");
		assert_non_null(q);
		q[3] = '1';
		o.certify = false;
		assert_int_equal(es_pdf_sign(&bad, p1.ptr, p1.len, &o, seal1, pki.signer, pki.signer_key), ES_EDENIED);
		assert_non_null(strstr(es_error_last()->message, "P=1"));
		es_buf_release(&p1);
	}
	/* a field name in use is refused */
	o.certify = false;
	o.field_name = "Seal1";
	assert_int_equal(es_pdf_sign(&bad, c1.ptr, c1.len, &o, seal1, pki.signer, pki.signer_key), ES_EEXISTS);
	o.field_name = NULL;
	add_annotation(&c1, "400 50 500 100", "Text");
	verify(&r, &c1);
	assert_int_equal(check_of(&r.sigs[0], "changes"), ES_RESULT_FAIL);
	es_report_release(&r);
	es_buf_release(&bad);
	es_buf_release(&in);
	es_buf_release(&c1);
	es_buf_release(&c2);
}

static int count_progress(size_t done, size_t total, const char *path, int rc, void *payload)
{
	(void)path;
	(void)rc;
	assert_true(done <= total);
	(*(size_t *)payload)++;
	return 0;
}

/* Batch signing with progress; one bad file does not stop the others. */
static void test_batch(void **state)
{
	es_buf pdf;
	char ins[3][512], outs[3][512];
	const char *in[3] = { ins[0], ins[1], ins[2] }, *outp[3] = { outs[0], outs[1], outs[2] };
	es_pdf_sign_options o = ES_PDF_SIGN_OPTIONS_INIT;
	size_t calls = 0, nok = 0;
	(void)state;
	make_pdf(&pdf, 1, false, false);
	for (int i = 0; i < 3; i++) {
		char name[32];
		snprintf(name, sizeof(name), "batch%d.pdf", i);
		write_tmp(name, &pdf, ins[i], sizeof(ins[i]));
		snprintf(outs[i], sizeof(outs[i]), "%s/batch%d.sealed.pdf", tmp, i);
	}
	snprintf(ins[1], sizeof(ins[1]), "%s/missing.pdf", tmp);
	o.picture = picture.ptr;
	o.picture_len = picture.len;
	assert_true(es_pdf_sign_batch(in, outp, 3, &o, seal1, pki.signer, pki.signer_key, count_progress, &calls, &nok) < 0);
	assert_int_equal(calls, 3);
	assert_int_equal(nok, 2);
	assert_int_equal(es_file_exists(outs[0]), 1);
	es_buf_release(&pdf);
}

/* A PDF whose last section is an xref stream gets an xref stream update. */
static void test_xref_stream(void **state)
{
	es_buf in, out, o2;
	es_report r;
	es_pdf_sign_options o = ES_PDF_SIGN_OPTIONS_INIT;
	(void)state;
	make_pdf(&in, 2, false, true);
	sign_into(&out, &in, &o, seal1);
	assert_true(find_last(&out, "/Type/XRef") > (const char *)out.ptr + in.len);
	o.encoding = ES_PDF_SES;
	sign_into(&o2, &out, &o, seal1);
	verify(&r, &o2);
	assert_int_equal(r.nsigs, 2);
	assert_int_equal(r.verdict, ES_VERDICT_VALID);
	es_report_release(&r);
	if (have_poppler) {
		char path[512];
		es_buf got = ES_BUF_INIT;
		write_tmp("xstream.pdf", &o2, path, sizeof(path));
		tu_ignore(tu_run(&got, "pdfsig '%s' 2>/dev/null", path));
		assert_non_null(strstr((const char *)got.ptr, "Signature #2"));
		es_buf_release(&got);
	}
	es_buf_release(&in);
	es_buf_release(&out);
	es_buf_release(&o2);
}

/* Another producer: poppler's cairo backend rewrites our PDF (compressed streams, embedded font subsets). */
static void test_cairo_producer(void **state)
{
	es_buf in, cairo = ES_BUF_INIT, out;
	es_report r;
	es_pdf_sign_options o = ES_PDF_SIGN_OPTIONS_INIT;
	char src[512], dst[512];
	size_t nin, nout;
	(void)state;
	if (!have_poppler || tu_run(NULL, "command -v pdftocairo >/dev/null") != 0)
		skip();
	make_pdf(&in, 2, false, false);
	write_tmp("plain.pdf", &in, src, sizeof(src));
	snprintf(dst, sizeof(dst), "%s/cairo.pdf", tmp);
	assert_int_equal(tu_run(NULL, "pdftocairo -pdf '%s' '%s' 2>/dev/null", src, dst), 0);
	TU_OK(es_file_read(&cairo, dst, (size_t)64 << 20));
	o.page = 2;
	o.x_mm = 60;
	o.y_mm = 100;
	o.w_mm = 40;
	o.h_mm = 40;
	sign_into(&out, &cairo, &o, seal1);
	o.encoding = ES_PDF_SES;
	o.page = 1;
	es_buf_release(&in);
	sign_into(&in, &out, &o, seal1);
	verify(&r, &in);
	assert_int_equal(r.nsigs, 2);
	assert_int_equal(r.verdict, ES_VERDICT_VALID);
	es_report_release(&r);
	red_pixels(&in, 2, 60, 100, 40, 40, &nin, &nout);
	assert_true(nin > 100);
	assert_int_equal(nout, 0);
	es_buf_release(&cairo);
	es_buf_release(&in);
	es_buf_release(&out);
}

/*
 * Seal a PDF made by another producer: by keyword (CMS), then a second seal
 * in a box (SES); both verify, pdfsig lists both, the first is rendered at
 * the keyword.
 */
static void seal_foreign(const char *path, const char *keyword)
{
	es_buf in = ES_BUF_INIT, s1, s2;
	es_report r;
	es_pdf_sign_options o = ES_PDF_SIGN_OPTIONS_INIT;
	char out[512];
	es_buf got = ES_BUF_INIT;
	int page;
	TU_OK(es_file_read(&in, path, (size_t)64 << 20));
	o.page = 0; /* the first page with the keyword (producers may start with an empty page) */
	o.keyword = keyword;
	o.w_mm = 30;
	o.h_mm = 30;
	sign_into(&s1, &in, &o, seal1);
	verify(&r, &s1);
	page = atoi_safe(info_of(&r.sigs[0], "page"));
	es_report_release(&r);
	o.keyword = NULL;
	o.page = page;
	o.encoding = ES_PDF_SES;
	o.x_mm = 120;
	o.y_mm = 200;
	sign_into(&s2, &s1, &o, seal2);
	verify(&r, &s2);
	assert_int_equal(r.nsigs, 2);
	if (r.verdict != ES_VERDICT_VALID) {
		es_buf t = ES_BUF_INIT;
		TU_OK(es_report_text(&t, &r));
		fail_msg("%s: %s", path, (const char *)t.ptr);
	}
	es_report_release(&r);
	write_tmp("foreign.sealed.pdf", &s2, out, sizeof(out));
	tu_ignore(tu_run(&got, "pdfsig '%s' 2>/dev/null", out));
	assert_non_null(strstr((const char *)got.ptr, "Signature #2"));
	{
		size_t nin, nout;
		red_pixels(&s2, page, 120, 200, 30, 30, &nin, &nout);
		assert_true(nin > 50);
		assert_true(nout > 50); /* the keyword seal is elsewhere on the page */
	}
	es_buf_release(&got);
	es_buf_release(&in);
	es_buf_release(&s1);
	es_buf_release(&s2);
}

static const char foreign_html[] =
	"<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body>"
	"<h1>采购合同 Purchase contract</h1><p>甲方：示例科技有限公司</p><p>乙方：某某有限公司</p>"
	"<p style=\"margin-top:300px\">盖章处</p></body></html>\n";

/* LibreOffice (soffice --headless --convert-to pdf): skipped when not installed. */
static void test_libreoffice_producer(void **state)
{
	char src[512], pdf[512];
	es_buf html = ES_BUF_INIT;
	(void)state;
	if (!have_poppler || tu_run(NULL, "command -v soffice >/dev/null") != 0)
		skip();
	TU_OK(es_buf_puts(&html, foreign_html));
	write_tmp("lo.html", &html, src, sizeof(src));
	assert_int_equal(tu_run(NULL,
				"cd '%s' && HOME='%s' timeout 120 soffice --headless -env:UserInstallation=file://%s/lo-profile "
				"--convert-to pdf:writer_pdf_Export --outdir '%s' '%s' >/dev/null 2>&1",
				tmp, tmp, tmp, tmp, src),
			 0);
	snprintf(pdf, sizeof(pdf), "%s/lo.pdf", tmp);
	seal_foreign(pdf, "盖章处");
	es_buf_release(&html);
}

/* Chromium's print-to-PDF (Skia): skipped when not installed. */
static void test_chromium_producer(void **state)
{
	char src[512], pdf[512];
	es_buf html = ES_BUF_INIT;
	(void)state;
	if (!have_poppler || tu_run(NULL, "command -v chromium >/dev/null") != 0)
		skip();
	TU_OK(es_buf_puts(&html, foreign_html));
	write_tmp("chrome.html", &html, src, sizeof(src));
	snprintf(pdf, sizeof(pdf), "%s/chrome.pdf", tmp);
	assert_int_equal(tu_run(NULL,
				"HOME='%s' timeout 120 chromium --headless --no-sandbox --disable-gpu --no-pdf-header-footer "
				"--user-data-dir='%s/chrome-profile' --print-to-pdf='%s' 'file://%s' >/dev/null 2>&1",
				tmp, tmp, pdf, src),
			 0);
	seal_foreign(pdf, "盖章处");
	es_buf_release(&html);
}

/* The benchmark function behind `make bench` (short run here), and the sample PDF it seals. */
static void test_bench(void **state)
{
	es_pdf_bench_result br;
	size_t chars = 0;
	es_buf sample = ES_BUF_INIT;
	(void)state;
	TU_OK(es_pdf__sample(&sample, "Sample"));
	TU_OK(es_pdf_page_text_count(&chars, sample.ptr, sample.len, 1));
	assert_int_equal(chars, 6);
	TU_OK(es_pdf_bench(&br, 0.2, picture.ptr, picture.len, NULL, pki.signer, pki.signer_key));
	assert_true(br.pdf_per_s > 0 && br.sm2_per_s > 0 && br.pdf_bytes > sample.len);
	print_message("one-page PDFs sealed/s %.1f, SM2 sign/s %.1f, ratio %.3f, sealed size %zu bytes\n", br.pdf_per_s,
		      br.sm2_per_s, br.ratio, br.pdf_bytes);
	/* the seal's own picture when none is given */
	TU_OK(es_pdf_bench(&br, 0.05, NULL, 0, seal1, pki.signer, pki.signer_key));
	assert_true(br.pdf_per_s > 0);
	es_buf_release(&sample);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sign_verify_cms), cmocka_unit_test(test_round_trip_three),
		cmocka_unit_test(test_openssl_checks), cmocka_unit_test(test_tamper_byte),
		cmocka_unit_test(test_damaged_tails), cmocka_unit_test(test_shared_value_one_entry),
		cmocka_unit_test(test_tamper_append_page), cmocka_unit_test(test_tamper_annotation),
		cmocka_unit_test(test_tamper_appearance),
		cmocka_unit_test(test_resaved_whole), cmocka_unit_test(test_blank_page_refused), cmocka_unit_test(test_preview_png),
		cmocka_unit_test(test_bad_inputs), cmocka_unit_test(test_render_position),
		cmocka_unit_test(test_keyword), cmocka_unit_test(test_rotated_pages), cmocka_unit_test(test_riding),
		cmocka_unit_test(test_svg_picture), cmocka_unit_test(test_picture_cache),
		cmocka_unit_test(test_certify), cmocka_unit_test(test_form_and_catalog_changes), cmocka_unit_test(test_batch),
		cmocka_unit_test(test_xref_stream), cmocka_unit_test(test_cairo_producer),
		cmocka_unit_test(test_libreoffice_producer), cmocka_unit_test(test_chromium_producer),
		cmocka_unit_test(test_bench),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
