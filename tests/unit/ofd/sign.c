/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Sealing OFDs made by the writer, and verifying them back: Type=Seal at a
 * position, by keyword, riding (Clip); Type=Sign (GM/T 0010); stacking and
 * whole-document mode; blank-page refusal; tamper tests (edit a page, add
 * a file, remove a file, edit Signature.xml, flip a bit in SignedValue.dat,
 * swap Seal.esl), each reported by the right check; References re-checked
 * byte-exact with a second reader (libzip directly + plain string search).
 */
#include "es_int.h"
#include "testutil.h"
#include "pki_fixture.h"
#include "eseal/es_ofd.h"
#include "eseal/es_verify.h"
#include "eseal/es_crypto.h"
#include "doc/ofd/ofd_int.h"

static fx_pki P;
static es_buf seal_der;
static es_seal *seal;

static int setup(void **state)
{
	(void)state;
	fx_pki_init(&P);
	es_buf_init(&seal_der, ES_BUF_DEFAULT_MAX);
	fx_make_seal(&seal_der, &P, 1);
	TU_OK(es_seal_parse(&seal, seal_der.ptr, seal_der.len));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	es_seal_free(seal);
	es_buf_release(&seal_der);
	fx_pki_free(&P);
	return 0;
}

static const char *const lines3[] = {
	"电子证照", "持证单位：示例科技有限公司", "统一社会信用代码 91110105061311021A", "\f",
	"第二页 page two (盖章)", "\f", "第三页 盖章处：", "甲方（盖章）",
};

static void make(es_buf *out, const char *const *lines, size_t n)
{
	es_ofd_make_options mo = ES_OFD_MAKE_OPTIONS_INIT;
	es_ofd_image im = { 1, "PNG", fx_png, sizeof(fx_png), 150, 20, 20, 20 };
	mo.lines = lines;
	mo.nlines = n;
	mo.images = &im;
	mo.nimages = 1;
	mo.title = "测试 & <licence>";
	es_buf_init(out, ES_BUF_DEFAULT_MAX);
	TU_OK(es_ofd_make(out, &mo));
}

static int sign(es_buf *out, const es_buf *in, const es_ofd_sign_options *so)
{
	es_buf_init(out, ES_BUF_DEFAULT_MAX);
	return es_ofd_sign(out, in->ptr, in->len, so, seal, P.signer, P.signer_key);
}

static void verify(es_report *r, const es_buf *b)
{
	es_verify_options vo = ES_VERIFY_OPTIONS_INIT;
	vo.trust = P.trust;
	es_report_init(r);
	TU_OK(es_ofd_verify(r, b->ptr, b->len, &vo));
}

static const es_check *want(const es_sig_report *s, const char *name, es_result res, const char *needle)
{
	const es_check *c = es_sig_report_get(s, name);
	if (!c)
		fail_msg("[%s] no check '%s'", s->id, name);
	if (c->result != res)
		fail_msg("[%s] check %s is %s (%s), expected %s", s->id, name, es_result_name(c->result), c->reason,
			 es_result_name(res));
	if (needle && !strstr(c->reason, needle))
		fail_msg("[%s] check %s reason '%s' lacks '%s'", s->id, name, c->reason, needle);
	return c;
}

static const char *info(const es_sig_report *s, const char *key)
{
	for (size_t i = 0; i < s->ninfo; i++)
		if (strcmp(s->info[i].key, key) == 0)
			return s->info[i].value;
	return "";
}

static void assert_valid(const es_report *r)
{
	for (size_t i = 0; i < r->nsigs; i++) {
		if (r->sigs[i].verdict != ES_VERDICT_VALID) {
			es_buf t = ES_BUF_INIT;
			TU_OK(es_report_text(&t, r));
			fail_msg("not valid:\n%s", (const char *)t.ptr);
		}
	}
	assert_int_equal(r->verdict, ES_VERDICT_VALID);
}

static void test_ofd_sign__seal_at_position_verifies(void **state)
{
	es_buf doc, out;
	es_report r;
	es_ofd_sign_options so = ES_OFD_SIGN_OPTIONS_INIT;
	es_ofd_pkg *pkg = NULL;
	es_bytes a, b;
	es_ses_sig *sig = NULL;
	(void)state;
	make(&doc, lines3, ES_ARRAY_LEN(lines3));
	so.page = 2;
	so.x = 100;
	so.y = 50;
	TU_OK(sign(&out, &doc, &so));
	verify(&r, &out);
	assert_int_equal(r.nsigs, 1);
	assert_string_equal(r.sigs[0].id, "s001");
	assert_string_equal(r.sigs[0].type, "Seal");
	want(&r.sigs[0], "references", ES_RESULT_PASS, "references match (SM3)");
	want(&r.sigs[0], "seal-file", ES_RESULT_PASS, NULL);
	want(&r.sigs[0], "data-hash", ES_RESULT_PASS, NULL);
	want(&r.sigs[0], "stamp", ES_RESULT_PASS, "page 2");
	assert_string_equal(info(&r.sigs[0], "box"), "100.00 50.00 42.00 42.00");
	assert_string_equal(info(&r.sigs[0], "protects-signatures"), "no");
	assert_valid(&r);
	es_report_release(&r);

	/* Seal.esl is byte-identical to TBS_Sign.eseal; propertyInfo is the absolute path */
	TU_OK(es_ofd_pkg_open(&pkg, out.ptr, out.len, NULL));
	TU_OK(es_ofd_pkg_get(&a, pkg, "Doc_0/Signs/Sign_0/Seal.esl"));
	TU_OK(es_ofd_pkg_get(&b, pkg, "Doc_0/Signs/Sign_0/SignedValue.dat"));
	TU_OK(es_ses_sig_parse(&sig, b.ptr, b.len));
	{
		const es_sig_fields *f = es_ses_sig_fields_get(sig);
		const es_seal_fields *sf = es_seal_fields_get(f->seal);
		assert_int_equal(sf->der.len, a.len);
		assert_memory_equal(sf->der.ptr, a.ptr, a.len);
		assert_int_equal(f->property_info.len, strlen("/Doc_0/Signs/Sign_0/Signature.xml"));
		assert_memory_equal(f->property_info.ptr, "/Doc_0/Signs/Sign_0/Signature.xml", f->property_info.len);
	}
	/* OFD.xml points at Signatures.xml; Signature.xml is in the §9 form */
	TU_OK(es_ofd_pkg_get(&a, pkg, "OFD.xml"));
	assert_non_null(memmem(a.ptr, a.len, "<ofd:Signatures>/Doc_0/Signs/Signatures.xml</ofd:Signatures></ofd:DocBody>", 74));
	TU_OK(es_ofd_pkg_get(&a, pkg, "Doc_0/Signs/Sign_0/Signature.xml"));
	assert_non_null(strstr((const char *)a.ptr, "<ofd:Provider ProviderName=\"eseal\" Company=\"eseal\" Version="));
	assert_non_null(strstr((const char *)a.ptr, "<ofd:SignatureMethod>1.2.156.10197.1.501</ofd:SignatureMethod>"));
	assert_non_null(strstr((const char *)a.ptr, "CheckMethod=\"1.2.156.10197.1.401\""));
	assert_null(strstr((const char *)a.ptr, "Signatures.xml"));
	assert_null(strstr((const char *)a.ptr, "FileRef=\"/Doc_0/Signs/Sign_0"));
	assert_non_null(strstr((const char *)a.ptr, "FileRef=\"/OFD.xml\""));
	es_ses_sig_free(sig);
	es_ofd_pkg_free(pkg);
	es_buf_release(&doc);
	es_buf_release(&out);
}

/* A second reader: libzip directly and string search, no code of this layer. */
static void test_ofd_sign__references_byte_exact_second_reader(void **state)
{
	es_buf doc, out, xml, file;
	es_ofd_sign_options so = ES_OFD_SIGN_OPTIONS_INIT;
	char path[512];
	const char *p;
	size_t n = 0;
	(void)state;
	make(&doc, lines3, ES_ARRAY_LEN(lines3));
	TU_OK(sign(&out, &doc, &so));
	snprintf(path, sizeof(path), "%s/signed.ofd", tu_tmpdir());
	{
		FILE *f = fopen(path, "wb");
		assert_non_null(f);
		assert_int_equal(fwrite(out.ptr, 1, out.len, f), out.len);
		fclose(f);
	}
	tu_zip_read(&xml, path, "Doc_0/Signs/Sign_0/Signature.xml");
	for (p = strstr((const char *)xml.ptr, "FileRef=\"/"); p; p = strstr(p + 1, "FileRef=\"/")) {
		char name[256], cv[64], want_b64[64];
		const char *q = p + 10, *e = strchr(q, '"'), *v;
		uint8_t md[32];
		snprintf(name, sizeof(name), "%.*s", (int)(e - q), q);
		v = strstr(e, "<ofd:CheckValue>") + 16;
		snprintf(cv, sizeof(cv), "%.*s", (int)(strchr(v, '<') - v), v);
		tu_zip_read(&file, path, name);
		TU_OK(es_sm3(md, file.ptr, file.len));
		TU_OK(es_ofd__b64(want_b64, sizeof(want_b64), md, 32));
		assert_string_equal(cv, want_b64);
		es_buf_release(&file);
		n++;
	}
	/* OFD.xml, Document.xml, PublicRes.xml, DocumentRes.xml, image, 3 pages */
	assert_int_equal(n, 8);
	es_buf_release(&xml);
	es_buf_release(&doc);
	es_buf_release(&out);
}

static void test_ofd_sign__stacking_keeps_earlier_valid(void **state)
{
	es_buf doc, one, two, three;
	es_report r;
	es_ofd_sign_options so = ES_OFD_SIGN_OPTIONS_INIT;
	(void)state;
	make(&doc, lines3, ES_ARRAY_LEN(lines3));
	TU_OK(sign(&one, &doc, &so));
	so.x = 80;
	TU_OK(sign(&two, &one, &so));
	so.type = ES_OFD_SIGN;
	so.place = ES_OFD_PLACE_NONE;
	TU_OK(sign(&three, &two, &so));
	verify(&r, &three);
	assert_int_equal(r.nsigs, 3);
	assert_string_equal(r.sigs[0].id, "s001");
	assert_string_equal(r.sigs[1].id, "s002");
	assert_string_equal(r.sigs[2].id, "s003");
	assert_string_equal(r.sigs[2].type, "Sign");
	want(&r.sigs[0], "references", ES_RESULT_PASS, NULL);
	want(&r.sigs[1], "references", ES_RESULT_PASS, NULL);
	want(&r.sigs[2], "references", ES_RESULT_PASS, NULL);
	/* the later ones cover the earlier signatures' files */
	assert_non_null(strstr(es_sig_report_get(&r.sigs[2], "references")->reason, "/"));
	assert_valid(&r);
	es_report_release(&r);
	es_buf_release(&doc);
	es_buf_release(&one);
	es_buf_release(&two);
	es_buf_release(&three);
}

static void test_ofd_sign__whole_refuses_further_signing(void **state)
{
	es_buf doc, one, two = ES_BUF_INIT;
	es_report r;
	es_ofd_sign_options so = ES_OFD_SIGN_OPTIONS_INIT;
	(void)state;
	make(&doc, lines3, ES_ARRAY_LEN(lines3));
	so.whole = true;
	TU_OK(sign(&one, &doc, &so));
	verify(&r, &one);
	assert_string_equal(info(&r.sigs[0], "protects-signatures"), "yes");
	assert_valid(&r);
	es_report_release(&r);
	so.whole = false;
	assert_int_equal(sign(&two, &one, &so), ES_EDENIED);
	assert_non_null(strstr(es_error_last()->message, "sealed whole"));
	es_buf_release(&two);
	es_buf_release(&doc);
	es_buf_release(&one);
}

/* A Signatures.xml so deep in folders that no Sign_N folder name fits: refused, never a loop. */
static void test_ofd_sign__no_room_for_sign_folder(void **state)
{
	es_buf doc, deep = ES_BUF_INIT, ofdxml = ES_BUF_INIT, out = ES_BUF_INIT, path = ES_BUF_INIT;
	es_ofd_pkg *p = NULL;
	es_bytes b;
	es_ofd_sign_options so = ES_OFD_SIGN_OPTIONS_INIT;
	const char *close_tag;
	(void)state;
	make(&doc, lines3, ES_ARRAY_LEN(lines3));
	TU_OK(es_ofd_pkg_open(&p, doc.ptr, doc.len, NULL));
	/* 507 bytes of folders and a file named "Sign_": all 512 bytes a name may
	 * have. "Sign_0/" no longer fits: cut to 512 bytes it is the name of
	 * Signatures.xml itself, which looked like a used folder for every N */
	for (int i = 0; i < 50; i++)
		TU_OK(es_buf_puts(&path, "abcdefghi/"));
	TU_OK(es_buf_puts(&path, "abcdef/Sign_"));
	{
		static const char sigs[] = "<ofd:Signatures xmlns:ofd=\"http://www.ofdspec.org/2016\"></ofd:Signatures>";
		TU_OK(es_ofd_pkg_put(p, (const char *)path.ptr, sigs, strlen(sigs)));
	}
	TU_OK(es_ofd_pkg_get(&b, p, "OFD.xml"));
	close_tag = memmem(b.ptr, b.len, "</ofd:DocBody>", 14);
	assert_non_null(close_tag);
	TU_OK(es_buf_put(&ofdxml, b.ptr, (size_t)(close_tag - (const char *)b.ptr)));
	TU_OK(es_buf_printf(&ofdxml, "<ofd:Signatures>%s</ofd:Signatures>", (const char *)path.ptr));
	TU_OK(es_buf_puts(&ofdxml, close_tag));
	TU_OK(es_ofd_pkg_put(p, "OFD.xml", ofdxml.ptr, ofdxml.len));
	TU_OK(es_ofd_pkg_write(&deep, p));
	assert_int_equal(sign(&out, &deep, &so), ES_ELIMIT);
	assert_non_null(strstr(es_error_last()->message, "Sign_N"));
	assert_int_equal(out.len, 0);
	es_ofd_pkg_free(p);
	es_buf_release(&doc);
	es_buf_release(&deep);
	es_buf_release(&ofdxml);
	es_buf_release(&out);
	es_buf_release(&path);
}

static void test_ofd_sign__blank_page_refused(void **state)
{
	static const char *const blank[] = { "   ", "" };
	static const char *const text_then_blank[] = { "正文", "\f" };
	es_buf doc, out;
	es_ofd_sign_options so = ES_OFD_SIGN_OPTIONS_INIT;
	(void)state;
	make(&doc, blank, 2);
	assert_int_equal(sign(&out, &doc, &so), ES_EDENIED);
	assert_non_null(strstr(es_error_last()->message, "blank"));
	es_buf_release(&out);
	so.place = ES_OFD_PLACE_NONE;
	so.type = ES_OFD_SIGN;
	assert_int_equal(sign(&out, &doc, &so), ES_EDENIED);
	es_buf_release(&out);
	es_buf_release(&doc);
	make(&doc, text_then_blank, 2);
	so = (es_ofd_sign_options)ES_OFD_SIGN_OPTIONS_INIT;
	so.page = 2;
	assert_int_equal(sign(&out, &doc, &so), ES_EDENIED);
	es_buf_release(&out);
	so.page = 3;
	assert_int_equal(sign(&out, &doc, &so), ES_EINVAL);
	es_buf_release(&out);
	so.page = 1;
	TU_OK(sign(&out, &doc, &so));
	es_buf_release(&out);
	es_buf_release(&doc);
}

static void test_ofd_sign__keyword(void **state)
{
	es_buf doc, out = ES_BUF_INIT;
	es_report r;
	es_ofd_sign_options so = ES_OFD_SIGN_OPTIONS_INIT;
	(void)state;
	make(&doc, lines3, ES_ARRAY_LEN(lines3));
	so.place = ES_OFD_PLACE_KEYWORD;
	so.keyword = "盖章";
	TU_OK(sign(&out, &doc, &so));
	verify(&r, &out);
	/* every occurrence: page 2, page 3 twice */
	assert_string_equal(info(&r.sigs[0], "page"), "2,3,3");
	want(&r.sigs[0], "stamp", ES_RESULT_PASS, "3 stamp(s)");
	assert_valid(&r);
	es_report_release(&r);
	es_buf_release(&out);
	/* the 2nd occurrence only: "第三页 盖章处：" at x=20, size 5: 3 CJK + a
	 * half-width space = 17.5, keyword 10 wide → centre 47.5, box x 47.5-21 */
	so.occurrence = 2;
	TU_OK(sign(&out, &doc, &so));
	verify(&r, &out);
	assert_string_equal(info(&r.sigs[0], "page"), "3");
	assert_string_equal(info(&r.sigs[0], "box"), "21.50 1.50 42.00 42.00");
	es_report_release(&r);
	es_buf_release(&out);
	so.occurrence = 4;
	assert_int_equal(sign(&out, &doc, &so), ES_EDENIED);
	es_buf_release(&out);
	so.occurrence = 0;
	so.keyword = "不存在的字";
	assert_int_equal(sign(&out, &doc, &so), ES_EDENIED);
	assert_non_null(strstr(es_error_last()->message, "not found"));
	es_buf_release(&out);
	so.keyword = NULL;
	assert_int_equal(sign(&out, &doc, &so), ES_EINVAL);
	es_buf_release(&out);
	es_buf_release(&doc);
}

static void test_ofd_sign__riding(void **state)
{
	es_buf doc, out = ES_BUF_INIT;
	es_report r;
	es_ofd_sign_options so = ES_OFD_SIGN_OPTIONS_INIT;
	unsigned two[] = { 1, 3 };
	(void)state;
	make(&doc, lines3, ES_ARRAY_LEN(lines3));
	so.place = ES_OFD_PLACE_RIDING;
	so.w = 42;
	so.h = 42;
	so.riding_y = 100;
	TU_OK(sign(&out, &doc, &so));
	verify(&r, &out);
	assert_string_equal(info(&r.sigs[0], "page"), "1,2,3");
	assert_string_equal(info(&r.sigs[0], "box"), "196.00 100.00 42.00 42.00; 182.00 100.00 42.00 42.00; 168.00 100.00 42.00 42.00");
	assert_string_equal(info(&r.sigs[0], "clip"), "0.00 0.00 14.00 42.00; 14.00 0.00 14.00 42.00; 28.00 0.00 14.00 42.00");
	want(&r.sigs[0], "stamp", ES_RESULT_PASS, "riding");
	assert_valid(&r);
	es_report_release(&r);
	es_buf_release(&out);
	so.pages = two;
	so.npages = 2;
	TU_OK(sign(&out, &doc, &so));
	verify(&r, &out);
	assert_string_equal(info(&r.sigs[0], "page"), "1,3");
	es_report_release(&r);
	es_buf_release(&out);
	so.npages = 1;
	assert_int_equal(sign(&out, &doc, &so), ES_EINVAL);
	es_buf_release(&out);
	es_buf_release(&doc);
}

static void test_ofd_sign__type_sign_gmt0010(void **state)
{
	es_buf doc, out;
	es_report r;
	es_ofd_sign_options so = ES_OFD_SIGN_OPTIONS_INIT;
	(void)state;
	make(&doc, lines3, ES_ARRAY_LEN(lines3));
	so.type = ES_OFD_SIGN;
	so.x = 20;
	so.y = 20;
	es_buf_init(&out, ES_BUF_DEFAULT_MAX);
	TU_OK(es_ofd_sign(&out, doc.ptr, doc.len, &so, NULL, P.signer, P.signer_key));
	verify(&r, &out);
	assert_string_equal(r.sigs[0].type, "Sign");
	want(&r.sigs[0], "format", ES_RESULT_PASS, "signed attributes");
	want(&r.sigs[0], "signature", ES_RESULT_PASS, NULL);
	want(&r.sigs[0], "data-hash", ES_RESULT_PASS, NULL);
	want(&r.sigs[0], "references", ES_RESULT_PASS, NULL);
	assert_null(es_sig_report_get(&r.sigs[0], "seal-file"));
	assert_valid(&r);
	es_report_release(&r);
	es_buf_release(&out);
	/* Type=Seal without a seal is a caller error */
	so.type = ES_OFD_SEAL;
	assert_int_equal(es_ofd_sign(&out, doc.ptr, doc.len, &so, NULL, P.signer, P.signer_key), ES_EINVAL);
	es_buf_release(&out);
	es_buf_release(&doc);
}

static bool notice_has(const es_sig_report *s, const char *needle)
{
	for (size_t i = 0; i < s->nnotices; i++)
		if (strstr(s->notices[i].text, needle))
			return true;
	return false;
}

/*
 * Another writer's Signature.xml: edit the one eseal wrote (replace @from by
 * @to, every occurrence) and sign the result again, so the signature is sound
 * and only the encoding differs.
 */
static void resign_xml(es_buf *out, const es_buf *in, const char *from, const char *to)
{
	static const char xml_name[] = "Doc_0/Signs/Sign_0/Signature.xml";
	es_ofd_pkg *p = NULL;
	es_bytes b;
	es_buf x = ES_BUF_INIT, sv = ES_BUF_INIT;
	es_sign_options so = ES_SIGN_OPTIONS_INIT;
	const char *cur;
	size_t n = 0;
	TU_OK(es_ofd_pkg_open(&p, in->ptr, in->len, NULL));
	TU_OK(es_ofd_pkg_get(&b, p, xml_name));
	cur = (const char *)b.ptr;
	for (const char *hit; (hit = strstr(cur, from)); cur = hit + strlen(from), n++) {
		TU_OK(es_buf_put(&x, cur, (size_t)(hit - cur)));
		TU_OK(es_buf_puts(&x, to));
	}
	assert_true(n > 0);
	TU_OK(es_buf_puts(&x, cur));
	so.data = x.ptr;
	so.data_len = x.len;
	so.property_info = "/Doc_0/Signs/Sign_0/Signature.xml";
	TU_OK(es_ses_sign(&sv, &so, seal, P.signer, P.signer_key));
	TU_OK(es_ofd_pkg_put(p, xml_name, x.ptr, x.len));
	TU_OK(es_ofd_pkg_put(p, "Doc_0/Signs/Sign_0/SignedValue.dat", sv.ptr, sv.len));
	es_buf_init(out, ES_BUF_DEFAULT_MAX);
	TU_OK(es_ofd_pkg_write(out, p));
	es_ofd_pkg_free(p);
	es_buf_release(&x);
	es_buf_release(&sv);
}

/* Rewrite eseal's Signature.xml with CheckMethod @alg (every CheckValue recomputed) and sign it again. */
static void resign_with_method(es_buf *out, const es_buf *in, const char *alg)
{
	static const char xml_name[] = "Doc_0/Signs/Sign_0/Signature.xml";
	es_ofd_pkg *p = NULL;
	es_bytes b;
	es_buf x = ES_BUF_INIT, sv = ES_BUF_INIT;
	es_sign_options so = ES_SIGN_OPTIONS_INIT;
	const char *cur, *hit;
	TU_OK(es_ofd_pkg_open(&p, in->ptr, in->len, NULL));
	TU_OK(es_ofd_pkg_get(&b, p, xml_name));
	cur = (const char *)b.ptr;
	hit = strstr(cur, "CheckMethod=\"1.2.156.10197.1.401\"");
	assert_non_null(hit);
	TU_OK(es_buf_put(&x, cur, (size_t)(hit - cur)));
	TU_OK(es_buf_printf(&x, "CheckMethod=\"%s\"", alg));
	cur = hit + strlen("CheckMethod=\"1.2.156.10197.1.401\"");
	while ((hit = strstr(cur, "FileRef=\"/"))) {
		char name[256], b64[128];
		const char *q = hit + strlen("FileRef=\"/"), *e = strchr(q, '"'), *cv, *cve;
		es_bytes f;
		es_md *m = NULL;
		uint8_t d[64];
		size_t n = 0;
		assert_true(e && (size_t)(e - q) < sizeof(name));
		memcpy(name, q, (size_t)(e - q));
		name[e - q] = 0;
		TU_OK(es_ofd_pkg_get(&f, p, name));
		TU_OK(es_md_new(&m, alg));
		TU_OK(es_md_update(m, f.ptr, f.len));
		TU_OK(es_md_final(m, d, &n));
		es_md_free(m);
		TU_OK(es_ofd__b64(b64, sizeof(b64), d, n));
		cv = strstr(e, "<ofd:CheckValue>") + strlen("<ofd:CheckValue>");
		cve = strstr(cv, "</ofd:CheckValue>");
		TU_OK(es_buf_put(&x, cur, (size_t)(cv - cur)));
		TU_OK(es_buf_puts(&x, b64));
		cur = cve;
	}
	TU_OK(es_buf_puts(&x, cur));
	so.data = x.ptr;
	so.data_len = x.len;
	so.property_info = "/Doc_0/Signs/Sign_0/Signature.xml";
	TU_OK(es_ses_sign(&sv, &so, seal, P.signer, P.signer_key));
	TU_OK(es_ofd_pkg_put(p, xml_name, x.ptr, x.len));
	TU_OK(es_ofd_pkg_put(p, "Doc_0/Signs/Sign_0/SignedValue.dat", sv.ptr, sv.len));
	es_buf_init(out, ES_BUF_DEFAULT_MAX);
	TU_OK(es_ofd_pkg_write(out, p));
	es_ofd_pkg_free(p);
	es_buf_release(&x);
	es_buf_release(&sv);
}

static void tamper(es_buf *out, const es_buf *in, const char *name, const char *data, size_t len, bool flip);

/* SHA-1 and MD5 CheckMethod: checked on the value; indeterminate by default, judged on merits by --policy any. */
static void test_ofd_sign__legacy_check_method(void **state)
{
	static const char *const algs[] = { "SHA1", "MD5" };
	es_buf doc, good;
	es_ofd_sign_options so = ES_OFD_SIGN_OPTIONS_INIT;
	(void)state;
	make(&doc, lines3, ES_ARRAY_LEN(lines3));
	TU_OK(sign(&good, &doc, &so));
	for (size_t i = 0; i < ES_ARRAY_LEN(algs); i++) {
		es_buf odd, bad;
		es_report r;
		es_verify_options vo = ES_VERIFY_OPTIONS_INIT;
		resign_with_method(&odd, &good, algs[i]);
		verify(&r, &odd);
		want(&r.sigs[0], "references", ES_RESULT_INDETERMINATE, algs[i]);
		assert_true(r.sigs[0].quirks & ES_QUIRK_LEGACY_ALGORITHM);
		assert_int_equal(r.verdict, ES_VERDICT_INDETERMINATE);
		es_report_release(&r);
		vo.trust = P.trust;
		vo.policy = ES_POLICY_ANY;
		es_report_init(&r);
		TU_OK(es_ofd_verify(&r, odd.ptr, odd.len, &vo));
		want(&r.sigs[0], "references", ES_RESULT_PASS, "accepted by --policy any");
		assert_valid(&r);
		es_report_release(&r);
		/* a changed page still fails, whatever the digest */
		tamper(&bad, &odd, "Doc_0/Pages/Page_1/Content.xml", "<ofd:Page/>", 11, false);
		es_report_init(&r);
		TU_OK(es_ofd_verify(&r, bad.ptr, bad.len, &vo));
		want(&r.sigs[0], "references", ES_RESULT_FAIL, "changed /Doc_0/Pages/Page_1/Content.xml");
		es_report_release(&r);
		es_buf_release(&odd);
		es_buf_release(&bad);
	}
	es_buf_release(&doc);
	es_buf_release(&good);
}

static bool has_quirk(const es_sig_report *s, unsigned q)
{
	return (s->quirks & q) != 0;
}

/* FileRef "//Doc_0/..." resolves like "/Doc_0/...": a clean document stays clean, with the quirk named. */
static void test_ofd_sign__fileref_doubled_slash(void **state)
{
	es_buf doc, good, odd;
	es_report r;
	es_ofd_sign_options so = ES_OFD_SIGN_OPTIONS_INIT;
	(void)state;
	make(&doc, lines3, ES_ARRAY_LEN(lines3));
	TU_OK(sign(&good, &doc, &so));
	resign_xml(&odd, &good, "FileRef=\"/", "FileRef=\"//");
	verify(&r, &odd);
	want(&r.sigs[0], "references", ES_RESULT_PASS, NULL);
	assert_true(has_quirk(&r.sigs[0], ES_QUIRK_FILEREF_SLASHES));
	assert_true(notice_has(&r.sigs[0], "doubled slash"));
	assert_valid(&r);
	es_report_release(&r);
	es_buf_release(&doc);
	es_buf_release(&good);
	es_buf_release(&odd);
}

/* A Clip equal to the whole stamp clips nothing: not a riding seal. */
static void test_ofd_sign__clip_of_whole_stamp_is_not_riding(void **state)
{
	es_buf doc, good, odd;
	es_report r;
	es_ofd_sign_options so = ES_OFD_SIGN_OPTIONS_INIT;
	(void)state;
	make(&doc, lines3, ES_ARRAY_LEN(lines3));
	so.page = 1;
	so.x = 100;
	so.y = 50;
	TU_OK(sign(&good, &doc, &so));
	resign_xml(&odd, &good, "<ofd:StampAnnot ", "<ofd:StampAnnot Clip=\"0 0 42.00 42.00\" ");
	verify(&r, &odd);
	want(&r.sigs[0], "stamp", ES_RESULT_PASS, NULL);
	if (strstr(es_sig_report_get(&r.sigs[0], "stamp")->reason, "riding"))
		fail_msg("whole-stamp clip reported as riding: %s", es_sig_report_get(&r.sigs[0], "stamp")->reason);
	assert_true(has_quirk(&r.sigs[0], ES_QUIRK_STAMP_CLIP_WHOLE));
	assert_valid(&r);
	es_report_release(&r);
	es_buf_release(&doc);
	es_buf_release(&good);
	es_buf_release(&odd);
}

/* Re-pack a signed OFD after changing one entry (NULL data: remove). */
static void tamper(es_buf *out, const es_buf *in, const char *name, const char *data, size_t len, bool flip)
{
	es_ofd_pkg *p = NULL;
	TU_OK(es_ofd_pkg_open(&p, in->ptr, in->len, NULL));
	if (flip) {
		es_bytes b;
		uint8_t *copy;
		TU_OK(es_ofd_pkg_get(&b, p, name));
		copy = es_malloc(b.len);
		memcpy(copy, b.ptr, b.len);
		copy[b.len / 2] ^= 0x01;
		TU_OK(es_ofd_pkg_put(p, name, copy, b.len));
		es_free(copy);
	} else if (data) {
		TU_OK(es_ofd_pkg_put(p, name, data, len));
	} else {
		TU_OK(es_ofd_pkg_remove(p, name));
	}
	es_buf_init(out, ES_BUF_DEFAULT_MAX);
	TU_OK(es_ofd_pkg_write(out, p));
	es_ofd_pkg_free(p);
}

static void test_ofd_sign__tamper(void **state)
{
	es_buf doc, good, bad, other_seal = ES_BUF_INIT;
	es_report r;
	es_ofd_sign_options so = ES_OFD_SIGN_OPTIONS_INIT;
	(void)state;
	make(&doc, lines3, ES_ARRAY_LEN(lines3));
	TU_OK(sign(&good, &doc, &so));

	/* edit a page */
	tamper(&bad, &good, "Doc_0/Pages/Page_1/Content.xml", "<ofd:Page/>", 11, false);
	verify(&r, &bad);
	want(&r.sigs[0], "references", ES_RESULT_FAIL, "changed /Doc_0/Pages/Page_1/Content.xml;");
	want(&r.sigs[0], "signature", ES_RESULT_PASS, NULL);
	assert_int_equal(r.verdict, ES_VERDICT_INVALID);
	es_report_release(&r);
	es_buf_release(&bad);

	/* add a file nothing refers to: unprotected, not proven added (a notice, names it) */
	tamper(&bad, &good, "Doc_0/Res/extra.png", "x", 1, false);
	verify(&r, &bad);
	want(&r.sigs[0], "references", ES_RESULT_PASS, NULL);
	assert_true(notice_has(&r.sigs[0], "not covered by any signature; changes to them would not be detected: /Doc_0/Res/extra.png"));
	assert_int_equal(r.verdict, ES_VERDICT_VALID);
	es_report_release(&r);
	/* ... and a signed page changed to show it: proven added after signing */
	{
		es_buf worse;
		static const char page[] = "<ofd:Page><ofd:Content><ofd:Layer><ofd:ImageObject ResourceID=\"9\"/>"
					   "<!-- Res/extra.png --></ofd:Layer></ofd:Content></ofd:Page>";
		tamper(&worse, &bad, "Doc_0/Pages/Page_1/Content.xml", page, strlen(page), false);
		verify(&r, &worse);
		want(&r.sigs[0], "references", ES_RESULT_FAIL, "1 file(s) added after signing (referred to by a file changed since): /Doc_0/Res/extra.png");
		assert_int_equal(r.verdict, ES_VERDICT_INVALID);
		es_report_release(&r);
		es_buf_release(&worse);
	}
	es_buf_release(&bad);

	/* remove a file */
	tamper(&bad, &good, "Doc_0/PublicRes.xml", NULL, 0, false);
	verify(&r, &bad);
	want(&r.sigs[0], "references", ES_RESULT_FAIL, "removed /Doc_0/PublicRes.xml");
	es_report_release(&r);
	es_buf_release(&bad);

	/* edit Signature.xml (move the stamp): the signed value no longer matches it */
	{
		es_ofd_pkg *p = NULL;
		es_bytes b;
		char *x, *at;
		TU_OK(es_ofd_pkg_open(&p, good.ptr, good.len, NULL));
		TU_OK(es_ofd_pkg_get(&b, p, "Doc_0/Signs/Sign_0/Signature.xml"));
		x = es_strndup((const char *)b.ptr, b.len);
		at = strstr(x, "Boundary=\"0.00");
		assert_non_null(at);
		at[10] = '9';
		tamper(&bad, &good, "Doc_0/Signs/Sign_0/Signature.xml", x, strlen(x), false);
		es_free(x);
		es_ofd_pkg_free(p);
	}
	verify(&r, &bad);
	want(&r.sigs[0], "data-hash", ES_RESULT_FAIL, NULL);
	assert_int_equal(r.verdict, ES_VERDICT_INVALID);
	es_report_release(&r);
	es_buf_release(&bad);

	/* flip a bit in SignedValue.dat */
	tamper(&bad, &good, "Doc_0/Signs/Sign_0/SignedValue.dat", NULL, 0, true);
	verify(&r, &bad);
	assert_int_equal(r.verdict, ES_VERDICT_INVALID);
	es_report_release(&r);
	es_buf_release(&bad);

	/* swap Seal.esl for another seal */
	fx_make_seal(&other_seal, &P, 1);
	tamper(&bad, &good, "Doc_0/Signs/Sign_0/Seal.esl", (const char *)other_seal.ptr, other_seal.len, false);
	verify(&r, &bad);
	want(&r.sigs[0], "seal-file", ES_RESULT_FAIL, "differs");
	want(&r.sigs[0], "signature", ES_RESULT_PASS, NULL);
	assert_int_equal(r.verdict, ES_VERDICT_INVALID);
	es_report_release(&r);
	es_buf_release(&bad);

	/* remove the signed value */
	tamper(&bad, &good, "Doc_0/Signs/Sign_0/SignedValue.dat", NULL, 0, false);
	verify(&r, &bad);
	want(&r.sigs[0], "format", ES_RESULT_FAIL, "missing");
	es_report_release(&r);
	es_buf_release(&bad);

	es_buf_release(&other_seal);
	es_buf_release(&doc);
	es_buf_release(&good);
}

/* Stacking onto vendors' OFDs keeps their signatures' references intact. */
static void test_ofd_sign__stack_onto_vendor_samples(void **state)
{
	es_buf in, out = ES_BUF_INIT;
	es_report r;
	es_ofd_sign_options so = ES_OFD_SIGN_OPTIONS_INIT;
	(void)state;
	so.x = 20;
	so.y = 200;
	tu_read_sample(&in, "kinggrid_cq-tax-test_v4_seal.ofd");
	TU_OK(sign(&out, &in, &so));
	verify(&r, &out);
	assert_int_equal(r.nsigs, 2);
	want(&r.sigs[0], "references", ES_RESULT_PASS, "20/20");
	want(&r.sigs[0], "signature", ES_RESULT_PASS, NULL);
	want(&r.sigs[1], "references", ES_RESULT_PASS, NULL);
	assert_int_equal(r.sigs[1].verdict, ES_VERDICT_VALID);
	es_report_release(&r);
	es_buf_release(&out);
	es_buf_release(&in);
	/* the first signature of this one protects Signatures.xml: refused */
	tu_read_sample(&in, "ofdrw_two_v4_seals_riding.ofd");
	assert_int_equal(sign(&out, &in, &so), ES_EDENIED);
	es_buf_release(&out);
	es_buf_release(&in);
}

/* The writer: embedded font, long lines wrap, full pages break, text escaped. */
static void test_ofd_sign__writer(void **state)
{
	static const char font[] = "\0\1\0\0 not really a font";
	const char *lines[80];
	es_ofd_make_options mo = ES_OFD_MAKE_OPTIONS_INIT;
	es_buf out = ES_BUF_INIT;
	es_ofd_pkg *p = NULL;
	es_bytes b;
	(void)state;
	for (size_t i = 0; i < ES_ARRAY_LEN(lines); i++)
		lines[i] = i == 0 ? "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十 <&> wraps" : "行";
	mo.lines = lines;
	mo.nlines = ES_ARRAY_LEN(lines);
	mo.font_data = (const uint8_t *)font;
	mo.font_len = sizeof(font);
	mo.font_name = "Test\"Font";
	TU_OK(es_ofd_make(&out, &mo));
	TU_OK(es_ofd_pkg_open(&p, out.ptr, out.len, NULL));
	TU_OK(es_ofd_pkg_get(&b, p, "Doc_0/Res/font_1.ttf"));
	assert_int_equal(b.len, sizeof(font));
	TU_OK(es_ofd_pkg_get(&b, p, "Doc_0/PublicRes.xml"));
	assert_non_null(strstr((const char *)b.ptr, "<ofd:FontFile>font_1.ttf</ofd:FontFile>"));
	assert_non_null(strstr((const char *)b.ptr, "FontName=\"Test&quot;Font\""));
	/* 81 lines of 7.5 mm on 257 mm: three pages */
	TU_OK(es_ofd_pkg_get(&b, p, "Doc_0/Pages/Page_2/Content.xml"));
	assert_int_equal(es_ofd_pkg_get(&b, p, "Doc_0/Pages/Page_3/Content.xml"), ES_ENOTFOUND);
	TU_OK(es_ofd_pkg_get(&b, p, "Doc_0/Pages/Page_0/Content.xml"));
	assert_non_null(strstr((const char *)b.ptr, "&lt;&amp;&gt;"));
	es_ofd_pkg_free(p);
	es_buf_release(&out);
}

static void test_ofd_sign__bad_inputs(void **state)
{
	es_buf out = ES_BUF_INIT, doc;
	es_ofd_sign_options so = ES_OFD_SIGN_OPTIONS_INIT;
	es_ofd_make_options mo = ES_OFD_MAKE_OPTIONS_INIT;
	(void)state;
	assert_true(es_ofd_sign(&out, (const uint8_t *)"junk", 4, &so, seal, P.signer, P.signer_key) < 0);
	assert_true(es_ofd_sign(&out, NULL, 0, &so, seal, P.signer, P.signer_key) < 0);
	make(&doc, lines3, ES_ARRAY_LEN(lines3));
	so.version = 99;
	assert_int_equal(es_ofd_sign(&out, doc.ptr, doc.len, &so, seal, P.signer, P.signer_key), ES_EINVAL);
	so.version = ES_OFD_SIGN_OPTIONS_VERSION;
	so.place = (es_ofd_place)42;
	assert_int_equal(es_ofd_sign(&out, doc.ptr, doc.len, &so, seal, P.signer, P.signer_key), ES_EINVAL);
	/* signer not in the seal's certList */
	so.place = ES_OFD_PLACE_POSITION;
	assert_true(es_ofd_sign(&out, doc.ptr, doc.len, &so, seal, P.maker, P.maker_key) < 0);
	mo.page_w = 10;
	assert_int_equal(es_ofd_make(&out, &mo), ES_EINVAL);
	mo.page_w = 0;
	{
		es_ofd_image im = { 0, "PNG", fx_png, sizeof(fx_png), 0, 0, 1, 1 };
		mo.images = &im;
		mo.nimages = 1;
		assert_int_equal(es_ofd_make(&out, &mo), ES_EINVAL);
	}
	es_buf_release(&out);
	es_buf_release(&doc);
}

static void test_ofd_sign__find_text(void **state)
{
	static const char page[] =
		"<ofd:Page xmlns:ofd=\"http://www.ofdspec.org/2016\"><ofd:Content><ofd:Layer>"
		"<ofd:TextObject Boundary=\"10 20 100 10\" Size=\"4\"><ofd:TextCode X=\"1\" Y=\"4\" DeltaX=\"g 3 4 2\">"
		"甲方AB盖章</ofd:TextCode></ofd:TextObject></ofd:Layer></ofd:Content></ofd:Page>";
	es_ofd_text_hit h[4];
	size_t n;
	bool text;
	(void)state;
	TU_OK(es_ofd_find_text(h, 4, &n, &text, (const uint8_t *)page, strlen(page), "盖章"));
	assert_true(text);
	assert_int_equal(n, 1);
	/* 甲(4) 方(4) A(4) B(2) → x = 10 + 1 + 14 = 25; 盖 advance = last (2), 章 = size (4) */
	assert_true(h[0].x > 24.99 && h[0].x < 25.01);
	assert_true(h[0].w > 5.99 && h[0].w < 6.01);
	assert_true(h[0].y > 19.99 && h[0].y < 20.01);
	TU_OK(es_ofd_find_text(h, 0, &n, NULL, (const uint8_t *)page, strlen(page), "A"));
	assert_int_equal(n, 1);
	/* one TextObject per character (common in converted documents), same line: found */
	{
		static const char split[] =
			"<ofd:Page xmlns:ofd=\"http://www.ofdspec.org/2016\"><ofd:Content><ofd:Layer>"
			"<ofd:TextObject Boundary=\"50 30 5 5\" Size=\"5\"><ofd:TextCode X=\"0\" Y=\"4\">盖</ofd:TextCode></ofd:TextObject>"
			"<ofd:TextObject Boundary=\"55 30 5 5\" Size=\"5\"><ofd:TextCode X=\"0\" Y=\"4\">章</ofd:TextCode></ofd:TextObject>"
			"<ofd:TextObject Boundary=\"20 60 5 5\" Size=\"5\"><ofd:TextCode X=\"0\" Y=\"4\">盖</ofd:TextCode>"
			"<ofd:TextCode X=\"0\" Y=\"14\">章</ofd:TextCode></ofd:TextObject>"
			"</ofd:Layer></ofd:Content></ofd:Page>";
		TU_OK(es_ofd_find_text(h, 4, &n, &text, (const uint8_t *)split, strlen(split), "盖章"));
		/* the second pair is on two lines: no match */
		assert_int_equal(n, 1);
		assert_true(h[0].x > 49.99 && h[0].x < 50.01);
		assert_true(h[0].w > 9.99 && h[0].w < 10.01);
		assert_true(h[0].y > 28.99 && h[0].y < 29.01);
	}
	assert_int_equal(es_ofd_find_text(h, 4, &n, &text, (const uint8_t *)"<a", 2, "x"), ES_EMALFORMED);
	assert_int_equal(es_ofd_find_text(h, 4, &n, &text, (const uint8_t *)"", 0, "x"), ES_EMALFORMED);
	TU_OK(es_ofd_find_text(h, 4, &n, &text, (const uint8_t *)"<p><TextObject><TextCode> </TextCode></TextObject></p>",
			       strlen("<p><TextObject><TextCode> </TextCode></TextObject></p>"), "x"));
	assert_false(text);
	assert_int_equal(n, 0);
}

/* The page size of an OFD (OFD seal pictures are sized by it); bad bytes refused. */
static void test_ofd_sign__page_size(void **state)
{
	es_ofd_make_options mo = ES_OFD_MAKE_OPTIONS_INIT;
	static const char *const lines[] = { "印" };
	es_buf doc = ES_BUF_INIT;
	double w = 0, h = 0;
	(void)state;
	mo.page_w = 42;
	mo.page_h = 30;
	mo.margin = 1;
	mo.lines = lines;
	mo.nlines = 1;
	TU_OK(es_ofd_make(&doc, &mo));
	TU_OK(es_ofd_page_size(doc.ptr, doc.len, &w, &h));
	assert_true(w > 41.99 && w < 42.01 && h > 29.99 && h < 30.01);
	assert_int_equal(es_ofd_page_size((const uint8_t *)"PK\3\4junk", 8, &w, &h), ES_EMALFORMED);
	assert_true(es_ofd_page_size(doc.ptr, doc.len / 2, &w, &h) < 0);
	es_buf_release(&doc);
}

/* The streamed blank-page check agrees with the full parse, and stops early. */
static void test_ofd_sign__page_has_text(void **state)
{
	static const struct {
		const char *xml;
		int want; /* 1 text, 0 blank, -1 malformed */
	} cases[] = {
		{ "<p><TextObject><TextCode>字</TextCode></TextObject></p>", 1 },
		{ "<ofd:Page xmlns:ofd=\"http://www.ofdspec.org\"><ofd:Content><ofd:Layer><ofd:TextObject ID=\"1\">"
		  "<ofd:TextCode X=\"1\" Y=\"2\"> A </ofd:TextCode></ofd:TextObject></ofd:Layer></ofd:Content></ofd:Page>", 1 },
		{ "<p><TextObject><TextCode> \t\n</TextCode></TextObject></p>", 0 },
		{ "<p><TextObject/><TextObject></TextObject></p>", 0 },
		{ "<p><TextCode>outside a TextObject</TextCode></p>", 0 },
		{ "<p><TextObject><g><TextCode>not a direct child</TextCode></g></TextObject></p>", 0 },
		{ "<p><TextObject><TextObject><TextCode>nested</TextCode></TextObject></TextObject></p>", 0 },
		{ "<p><TextObject><TextCode>&#x5B57;</TextCode></TextObject></p>", 1 },
		{ "<p><TextObject><TextCode><![CDATA[x]]></TextCode></TextObject></p>", 1 },
		{ "<p><PathObject/></p>", 0 },
		{ "<p><TextObject><TextCode> </TextCode></TextObject></q>", -1 },
		{ "<p><TextObject><TextCode>", -1 },
		{ "<p", -1 },
		{ "", -1 },
		{ "<?xml version=\"1.0\"?><!DOCTYPE p [<!ENTITY x \"y\">]><p><TextObject><TextCode>&x;</TextCode></TextObject></p>", -1 },
	};
	es_buf deep = ES_BUF_INIT;
	bool text, full;
	size_t n;
	(void)state;
	for (size_t i = 0; i < ES_ARRAY_LEN(cases); i++) {
		const uint8_t *x = (const uint8_t *)cases[i].xml;
		size_t len = strlen(cases[i].xml);
		int err = es_ofd_page_has_text(&text, x, len);
		if (cases[i].want < 0) {
			assert_int_equal(err, ES_EMALFORMED);
			assert_false(text);
			assert_true(es_ofd_find_text(NULL, 0, &n, &full, x, len, NULL) < 0);
			continue;
		}
		TU_OK(err);
		assert_int_equal(text, cases[i].want == 1);
		TU_OK(es_ofd_find_text(NULL, 0, &n, &full, x, len, NULL));
		assert_int_equal(text, full);
	}
	/* reading stops at the first text: a long page's tail is not examined */
	TU_OK(es_buf_puts(&deep, "<p><TextObject><TextCode>A</TextCode></TextObject>"));
	for (int i = 0; i < 20000; i++)
		TU_OK(es_buf_puts(&deep, "<PathObject/>"));
	TU_OK(es_buf_puts(&deep, "<x></p>"));
	TU_OK(es_ofd_page_has_text(&text, deep.ptr, deep.len));
	assert_true(text);
	assert_int_equal(es_ofd_find_text(NULL, 0, &n, &full, deep.ptr, deep.len, NULL), ES_EMALFORMED);
	es_buf_release(&deep);
	es_buf_init(&deep, ES_BUF_DEFAULT_MAX);
	/* nesting past the limit before any text is refused */
	for (int i = 0; i < ES_OFD_MAX_XML_DEPTH + 1; i++)
		TU_OK(es_buf_puts(&deep, "<a>"));
	for (int i = 0; i < ES_OFD_MAX_XML_DEPTH + 1; i++)
		TU_OK(es_buf_puts(&deep, "</a>"));
	assert_int_equal(es_ofd_page_has_text(&text, deep.ptr, deep.len), ES_ELIMIT);
	es_buf_release(&deep);
}

/* es_ofd_sign_many: the parts of a batch digested together give what es_ofd_sign gives, one by one. */
static void test_ofd_sign__many_matches_one_by_one(void **state)
{
	enum { N = 21 };
	es_buf docs[N], outs[N], one, a_xml, b_xml;
	const uint8_t *ptrs[N];
	size_t lens[N], failed = 0;
	es_ofd_sign_options so = ES_OFD_SIGN_OPTIONS_INIT;
	es_report r;
	(void)state;
	so.time = es_time_now(); /* one time for all: Signature.xml is then a function of the document */
	so.x = 30;
	so.y = 40;
	for (size_t i = 0; i < N; i++) {
		char l0[64];
		const char *lines[] = { l0, "统一社会信用代码 91110105061311021A", "第二行" };
		snprintf(l0, sizeof(l0), "电子证照 第 %zu 号", i);
		make(&docs[i], lines, i % 3 + 1);
		if (i % 5 == 4) { /* some already sealed once: Signatures.xml edited, Sign_1 */
			es_buf tmp;
			TU_OK(sign(&tmp, &docs[i], &so));
			es_buf_release(&docs[i]);
			docs[i] = tmp;
		}
		ptrs[i] = docs[i].ptr;
		lens[i] = docs[i].len;
		es_buf_init(&outs[i], ES_BUF_DEFAULT_MAX);
	}
	TU_OK(es_ofd_sign_many(outs, ptrs, lens, N, &so, seal, P.signer, P.signer_key, &failed));
	assert_int_equal(failed, N);
	for (size_t i = 0; i < N; i++) {
		es_ofd_pkg *pa = NULL, *pb = NULL;
		es_bytes a, b;
		const char *xml = i % 5 == 4 ? "Doc_0/Signs/Sign_1/Signature.xml" : "Doc_0/Signs/Sign_0/Signature.xml";
		verify(&r, &outs[i]);
		assert_int_equal(r.nsigs, i % 5 == 4 ? 2 : 1);
		want(&r.sigs[r.nsigs - 1], "references", ES_RESULT_PASS, "references match (SM3)");
		assert_valid(&r);
		es_report_release(&r);
		TU_OK(sign(&one, &docs[i], &so));
		TU_OK(es_ofd_pkg_open(&pa, outs[i].ptr, outs[i].len, NULL));
		TU_OK(es_ofd_pkg_open(&pb, one.ptr, one.len, NULL));
		assert_int_equal(es_ofd_pkg_count(pa), es_ofd_pkg_count(pb));
		TU_OK(es_ofd_pkg_get(&a, pa, xml));
		TU_OK(es_ofd_pkg_get(&b, pb, xml));
		es_buf_init(&a_xml, ES_BUF_DEFAULT_MAX);
		es_buf_init(&b_xml, ES_BUF_DEFAULT_MAX);
		TU_OK(es_buf_put(&a_xml, a.ptr, a.len));
		TU_OK(es_buf_put(&b_xml, b.ptr, b.len));
		assert_string_equal((const char *)a_xml.ptr, (const char *)b_xml.ptr);
		es_buf_release(&a_xml);
		es_buf_release(&b_xml);
		es_ofd_pkg_free(pa);
		es_ofd_pkg_free(pb);
		es_buf_release(&one);
	}

	/* a kept signer, as batches use */
	TU_OK(es_ses_signer_new(&so.signer, seal, P.signer, P.signer_key));
	for (size_t i = 0; i < N; i++)
		outs[i].len = 0;
	TU_OK(es_ofd_sign_many(outs, ptrs, lens, N, &so, seal, P.signer, NULL, NULL));
	verify(&r, &outs[N - 1]);
	assert_valid(&r);
	es_report_release(&r);
	es_ses_signer_free(so.signer);
	so.signer = NULL;

	/* a bad document names itself; nothing is appended from it on */
	for (size_t i = 0; i < N; i++)
		outs[i].len = 0;
	ptrs[3] = (const uint8_t *)"junk";
	lens[3] = 4;
	assert_true(es_ofd_sign_many(outs, ptrs, lens, N, &so, seal, P.signer, P.signer_key, &failed) < 0);
	assert_int_equal(failed, 3);
	assert_non_null(strstr(es_error_last()->message, "document 4 of the batch"));
	for (size_t i = 0; i < N; i++)
		assert_int_equal(outs[i].len, 0);
	/* a blank page is refused as one by one */
	{
		const char *blank[] = { "" };
		es_buf b;
		make(&b, blank, 1);
		ptrs[3] = b.ptr;
		lens[3] = b.len;
		assert_int_equal(es_ofd_sign_many(outs, ptrs, lens, N, &so, seal, P.signer, P.signer_key, &failed),
				 ES_EDENIED);
		assert_int_equal(failed, 3);
		es_buf_release(&b);
	}
	/* empty and oversized batches */
	assert_int_equal(es_ofd_sign_many(outs, ptrs, lens, 0, &so, seal, P.signer, P.signer_key, &failed), 0);
	assert_int_equal(failed, 0);
	assert_int_equal(es_ofd_sign_many(outs, ptrs, lens, ES_OFD_SIGN_MANY_MAX + 1, &so, seal, P.signer,
					  P.signer_key, &failed),
			 ES_ELIMIT);
	for (size_t i = 0; i < N; i++) {
		es_buf_release(&docs[i]);
		es_buf_release(&outs[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ofd_sign__seal_at_position_verifies),
		cmocka_unit_test(test_ofd_sign__references_byte_exact_second_reader),
		cmocka_unit_test(test_ofd_sign__stacking_keeps_earlier_valid),
		cmocka_unit_test(test_ofd_sign__whole_refuses_further_signing),
		cmocka_unit_test(test_ofd_sign__no_room_for_sign_folder),
		cmocka_unit_test(test_ofd_sign__blank_page_refused),
		cmocka_unit_test(test_ofd_sign__keyword),
		cmocka_unit_test(test_ofd_sign__riding),
		cmocka_unit_test(test_ofd_sign__fileref_doubled_slash),
		cmocka_unit_test(test_ofd_sign__legacy_check_method),
		cmocka_unit_test(test_ofd_sign__clip_of_whole_stamp_is_not_riding),
		cmocka_unit_test(test_ofd_sign__type_sign_gmt0010),
		cmocka_unit_test(test_ofd_sign__tamper),
		cmocka_unit_test(test_ofd_sign__stack_onto_vendor_samples),
		cmocka_unit_test(test_ofd_sign__writer),
		cmocka_unit_test(test_ofd_sign__page_has_text),
		cmocka_unit_test(test_ofd_sign__page_size),
		cmocka_unit_test(test_ofd_sign__bad_inputs),
		cmocka_unit_test(test_ofd_sign__find_text),
		cmocka_unit_test(test_ofd_sign__many_matches_one_by_one),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
