/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Zip safety of the OFD reader: entry count, per-entry and total size,
 * compression ratio (zip bomb), path traversal, absolute and backslash
 * names, duplicate names, garbage; plus put/get/remove/write round trips
 * and the XML guards (DOCTYPE, depth).
 */
#include "es_int.h"
#include "testutil.h"
#include "eseal/es_ofd.h"
#include "doc/ofd/ofd_int.h"

/* ---- a minimal "stored" zip writer that can write what libzip refuses -- */

static uint32_t crc32_of(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
	}
	return ~c;
}

static void le16(es_buf *b, unsigned v)
{
	uint8_t x[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
	TU_OK(es_buf_put(b, x, 2));
}

static void le32(es_buf *b, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
	TU_OK(es_buf_put(b, x, 4));
}

typedef struct rz_entry {
	const char *name;
	const char *data;
} rz_entry;

/* 2020-01-01 00:00 as an MS-DOS date (a valid one: libzip re-encodes it) */
#define DOS_DATE ((2020 - 1980) << 9 | 1 << 5 | 1)

static void raw_zip(es_buf *out, const rz_entry *e, size_t n)
{
	es_buf cd = ES_BUF_INIT;
	size_t *offs = es_calloc(n ? n : 1, sizeof(size_t));
	es_buf_init(out, ES_BUF_DEFAULT_MAX);
	for (size_t i = 0; i < n; i++) {
		size_t nl = strlen(e[i].name), dl = strlen(e[i].data);
		uint32_t crc = crc32_of((const uint8_t *)e[i].data, dl);
		offs[i] = out->len;
		le32(out, 0x04034b50); le16(out, 20); le16(out, 0); le16(out, 0); le16(out, 0); le16(out, DOS_DATE);
		le32(out, crc); le32(out, (uint32_t)dl); le32(out, (uint32_t)dl); le16(out, (unsigned)nl); le16(out, 0);
		TU_OK(es_buf_put(out, e[i].name, nl));
		TU_OK(es_buf_put(out, e[i].data, dl));
		le32(&cd, 0x02014b50); le16(&cd, 20); le16(&cd, 20); le16(&cd, 0); le16(&cd, 0); le16(&cd, 0);
		le16(&cd, DOS_DATE); le32(&cd, crc); le32(&cd, (uint32_t)dl); le32(&cd, (uint32_t)dl); le16(&cd, (unsigned)nl);
		le16(&cd, 0); le16(&cd, 0); le16(&cd, 0); le16(&cd, 0); le32(&cd, 0); le32(&cd, (uint32_t)offs[i]);
		TU_OK(es_buf_put(&cd, e[i].name, nl));
	}
	{
		size_t cdoff = out->len;
		TU_OK(es_buf_put(out, cd.ptr, cd.len));
		le32(out, 0x06054b50); le16(out, 0); le16(out, 0); le16(out, (unsigned)n); le16(out, (unsigned)n);
		le32(out, (uint32_t)cd.len); le32(out, (uint32_t)cdoff); le16(out, 0);
	}
	es_free(offs);
	es_buf_release(&cd);
}

static int open_raw(const rz_entry *e, size_t n, const es_ofd_limits *lim)
{
	es_buf z;
	es_ofd_pkg *p = NULL;
	int err;
	raw_zip(&z, e, n);
	err = es_ofd_pkg_open(&p, z.ptr, z.len, lim);
	es_ofd_pkg_free(p);
	es_buf_release(&z);
	return err;
}

static void test_ofd_zip__raw_writer_sane(void **state)
{
	rz_entry e[] = { { "OFD.xml", "<a/>" }, { "Doc_0/Document.xml", "<b/>" } };
	es_buf z;
	es_ofd_pkg *p = NULL;
	es_bytes b;
	(void)state;
	raw_zip(&z, e, 2);
	TU_OK(es_ofd_pkg_open(&p, z.ptr, z.len, NULL));
	assert_int_equal(es_ofd_pkg_count(p), 2);
	TU_OK(es_ofd_pkg_get(&b, p, "/Doc_0/Document.xml"));
	assert_memory_equal(b.ptr, "<b/>", 4);
	es_ofd_pkg_free(p);
	es_buf_release(&z);
}

static void test_ofd_zip__rejects_traversal(void **state)
{
	static const char *const bad[] = { "../evil.xml", "Doc_0/../../evil", "/etc/passwd", "Doc_0\\x.xml",
					   "C:/x.xml", "Doc_0/./x", "a//b", "..", "Doc_0/\x01x.xml",
					   "D\x11 _0/Signs/Signatures.xml", "\xff\xfe.xml", "Doc_0/x\x7f" };
	(void)state;
	for (size_t i = 0; i < ES_ARRAY_LEN(bad); i++) {
		rz_entry e[] = { { "OFD.xml", "<a/>" }, { bad[i], "x" } };
		assert_int_equal(open_raw(e, 2, NULL), ES_EMALFORMED);
		assert_non_null(strstr(es_error_last()->message, "unsafe"));
	}
}

static void test_ofd_zip__rejects_duplicates(void **state)
{
	rz_entry e[] = { { "OFD.xml", "<a/>" }, { "Doc_0/Document.xml", "1" }, { "Doc_0/Document.xml", "2" } };
	int err;
	(void)state;
	err = open_raw(e, 3, NULL);
	assert_int_equal(err, ES_EMALFORMED);
}

static void test_ofd_zip__entry_count_limit(void **state)
{
	rz_entry e[6];
	char names[6][16];
	es_ofd_limits lim = { 5, 0, 0, 0 };
	(void)state;
	for (int i = 0; i < 6; i++) {
		snprintf(names[i], sizeof(names[i]), "f%d.xml", i);
		e[i].name = names[i];
		e[i].data = "x";
	}
	TU_OK(open_raw(e, 5, &lim));
	assert_int_equal(open_raw(e, 6, &lim), ES_ELIMIT);
	assert_non_null(strstr(es_error_last()->message, "entries"));
}

static void test_ofd_zip__entry_and_total_size_limits(void **state)
{
	rz_entry e[] = { { "a.xml", "0123456789" }, { "b.xml", "0123456789" } };
	es_ofd_limits one = { 0, 9, 0, 0 }, total = { 0, 0, 15, 0 };
	(void)state;
	assert_int_equal(open_raw(e, 1, &one), ES_ELIMIT);
	assert_non_null(strstr(es_error_last()->message, "'a.xml'"));
	TU_OK(open_raw(e, 1, &total));
	assert_int_equal(open_raw(e, 2, &total), ES_ELIMIT);
	assert_non_null(strstr(es_error_last()->message, "uncompressed"));
}

/* A deflated entry of 4 MiB of zeros compresses ~1000:1: refused as a bomb. */
static void test_ofd_zip__rejects_compression_bomb(void **state)
{
	es_ofd_pkg *p = NULL, *q = NULL;
	es_buf z = ES_BUF_INIT;
	size_t n = (size_t)4 << 20;
	uint8_t *zeros = es_calloc(1, n);
	es_ofd_limits lim = { 0, 0, 0, 2000 };
	(void)state;
	TU_OK(es_ofd_pkg_new(&p));
	TU_OK(es_ofd_pkg_put(p, "bomb.xml", zeros, n));
	TU_OK(es_ofd_pkg_write(&z, p));
	assert_int_equal(es_ofd_pkg_open(&q, z.ptr, z.len, NULL), ES_ELIMIT);
	assert_non_null(strstr(es_error_last()->message, "ratio"));
	assert_null(q);
	/* a caller can only lower limits, never raise them past the default */
	assert_int_equal(es_ofd_pkg_open(&q, z.ptr, z.len, &lim), ES_ELIMIT);
	es_ofd_pkg_free(p);
	es_buf_release(&z);
	es_free(zeros);
}

static void test_ofd_zip__rejects_garbage(void **state)
{
	es_ofd_pkg *p = NULL;
	es_buf z;
	rz_entry e[] = { { "OFD.xml", "<a/>" } };
	(void)state;
	assert_int_equal(es_ofd_pkg_open(&p, (const uint8_t *)"", 0, NULL), ES_EMALFORMED);
	assert_int_equal(es_ofd_pkg_open(&p, (const uint8_t *)"PK\x03\x04garbagegarbagegarbagegarbage", 30, NULL),
			 ES_EMALFORMED);
	raw_zip(&z, e, 1);
	/* truncated at every length: never a crash, always an error */
	for (size_t cut = 0; cut < z.len; cut++) {
		assert_true(es_ofd_pkg_open(&p, z.ptr, cut, NULL) < 0);
		assert_null(p);
	}
	/* a flipped content byte: the CRC no longer matches */
	z.ptr[30 + 7 + 1] ^= 1;
	assert_true(es_ofd_pkg_open(&p, z.ptr, z.len, NULL) < 0);
	es_buf_release(&z);
}

static void test_ofd_zip__put_get_remove_write(void **state)
{
	es_ofd_pkg *p = NULL, *q = NULL;
	es_buf z = ES_BUF_INIT;
	es_bytes b;
	(void)state;
	TU_OK(es_ofd_pkg_new(&p));
	TU_OK(es_ofd_pkg_put(p, "OFD.xml", "<a/>", 4));
	TU_OK(es_ofd_pkg_put(p, "/Doc_0/x.bin", "\0\1\2", 3));
	TU_OK(es_ofd_pkg_put(p, "Doc_0/x.bin", "xyz", 3)); /* replaces in place */
	TU_OK(es_ofd_pkg_put(p, "gone", "1", 1));
	TU_OK(es_ofd_pkg_remove(p, "gone"));
	assert_int_equal(es_ofd_pkg_remove(p, "gone"), ES_ENOTFOUND);
	assert_int_equal(es_ofd_pkg_put(p, "../x", "1", 1), ES_EINVAL);
	assert_int_equal(es_ofd_pkg_get(&b, p, "nope"), ES_ENOTFOUND);
	TU_OK(es_ofd_pkg_write(&z, p));
	TU_OK(es_ofd_pkg_open(&q, z.ptr, z.len, NULL));
	assert_int_equal(es_ofd_pkg_count(q), 2);
	assert_string_equal(es_ofd_pkg_name(q, 0), "OFD.xml");
	assert_null(es_ofd_pkg_name(q, 2));
	TU_OK(es_ofd_pkg_get(&b, q, "Doc_0/x.bin"));
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.ptr, "xyz", 3);
	es_ofd_pkg_free(p);
	es_ofd_pkg_free(q);
	es_ofd_pkg_free(NULL);
	es_buf_release(&z);
	/* an empty package writes an empty zip that reads back */
	TU_OK(es_ofd_pkg_new(&p));
	TU_OK(es_ofd_pkg_write(&z, p));
	TU_OK(es_ofd_pkg_open(&q, z.ptr, z.len, NULL));
	assert_int_equal(es_ofd_pkg_count(q), 0);
	es_ofd_pkg_free(p);
	es_ofd_pkg_free(q);
	es_buf_release(&z);
}

/*
 * Editing a package that was read: the untouched entry's local record
 * (header, name, data) is copied byte for byte, a replaced entry keeps its
 * place, a removed one is gone, a folder entry stays, a new one is appended;
 * and the same package can be written twice with the same result.
 */
static void test_ofd_zip__edit_keeps_untouched_bytes(void **state)
{
	rz_entry e[] = { { "OFD.xml", "<ofd:OFD>kept</ofd:OFD>" }, { "Doc_0/", "" }, { "Doc_0/a.xml", "<a/>" },
			 { "Doc_0/gone.xml", "<g/>" } };
	es_buf z, w1 = ES_BUF_INIT, w2 = ES_BUF_INIT, kept = ES_BUF_INIT;
	es_ofd_pkg *p = NULL, *q = NULL;
	es_bytes b;
	(void)state;
	raw_zip(&z, e, ES_ARRAY_LEN(e));
	/* the first local record: 30-byte header, name, data */
	TU_OK(es_buf_put(&kept, z.ptr, 30 + strlen(e[0].name) + strlen(e[0].data)));
	TU_OK(es_ofd_pkg_open(&p, z.ptr, z.len, NULL));
	TU_OK(es_ofd_pkg_put(p, "Doc_0/a.xml", "<a>changed</a>", 14));
	TU_OK(es_ofd_pkg_remove(p, "Doc_0/gone.xml"));
	TU_OK(es_ofd_pkg_put(p, "Doc_0/new.xml", "<n/>", 4));
	TU_OK(es_ofd_pkg_write(&w1, p));
	TU_OK(es_ofd_pkg_write(&w2, p));
	assert_int_equal(w1.len, w2.len);
	assert_memory_equal(w1.ptr, w2.ptr, w1.len);
	assert_memory_equal(w1.ptr, kept.ptr, kept.len);
	assert_non_null(memmem(w1.ptr, w1.len, "Doc_0/", 6));
	assert_null(memmem(w1.ptr, w1.len, "gone.xml", 8));
	TU_OK(es_ofd_pkg_open(&q, w1.ptr, w1.len, NULL));
	assert_int_equal(es_ofd_pkg_count(q), 3);
	assert_string_equal(es_ofd_pkg_name(q, 0), "OFD.xml");
	assert_string_equal(es_ofd_pkg_name(q, 1), "Doc_0/a.xml");
	assert_string_equal(es_ofd_pkg_name(q, 2), "Doc_0/new.xml");
	TU_OK(es_ofd_pkg_get(&b, q, "Doc_0/a.xml"));
	assert_int_equal(b.len, 14);
	assert_memory_equal(b.ptr, "<a>changed</a>", 14);
	TU_OK(es_ofd_pkg_get(&b, q, "OFD.xml"));
	assert_memory_equal(b.ptr, e[0].data, strlen(e[0].data));
	/* a removed name put back is a new entry */
	TU_OK(es_ofd_pkg_put(p, "Doc_0/gone.xml", "<again/>", 8));
	es_buf_release(&w1);
	TU_OK(es_ofd_pkg_write(&w1, p));
	es_ofd_pkg_free(q);
	TU_OK(es_ofd_pkg_open(&q, w1.ptr, w1.len, NULL));
	assert_int_equal(es_ofd_pkg_count(q), 4);
	TU_OK(es_ofd_pkg_get(&b, q, "Doc_0/gone.xml"));
	assert_memory_equal(b.ptr, "<again/>", 8);
	es_ofd_pkg_free(p);
	es_ofd_pkg_free(q);
	es_buf_release(&z);
	es_buf_release(&w1);
	es_buf_release(&w2);
	es_buf_release(&kept);
}

static void test_ofd_zip__xml_guards(void **state)
{
	static const char xxe[] = "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><a>&x;</a>";
	xmlDocPtr doc = NULL;
	es_buf deep = ES_BUF_INIT;
	(void)state;
	assert_int_equal(es_ofd__xml_parse(&doc, (const uint8_t *)xxe, strlen(xxe), "x"), ES_EMALFORMED);
	assert_int_equal(es_ofd__xml_parse(&doc, (const uint8_t *)"<a><b></a>", 10, "x"), ES_EMALFORMED);
	assert_int_equal(es_ofd__xml_parse(&doc, (const uint8_t *)"", 0, "x"), ES_EMALFORMED);
	/* libxml2 would stop at the NUL and accept the document */
	assert_int_equal(es_ofd__xml_parse(&doc, (const uint8_t *)"<a/>\0junk", 9, "x"), ES_EMALFORMED);
	assert_non_null(strstr(es_error_last()->message, "NUL"));
	/* UTF-16 (BOM, then zero bytes) is still read */
	TU_OK(es_ofd__xml_parse(&doc, (const uint8_t *)"\xff\xfe<\0a\0/\0>\0", 10, "x"));
	xmlFreeDoc(doc);
	doc = NULL;
	for (int i = 0; i < ES_OFD_MAX_XML_DEPTH + 1; i++)
		TU_OK(es_buf_puts(&deep, "<a>"));
	for (int i = 0; i < ES_OFD_MAX_XML_DEPTH + 1; i++)
		TU_OK(es_buf_puts(&deep, "</a>"));
	assert_int_equal(es_ofd__xml_parse(&doc, deep.ptr, deep.len, "x"), ES_ELIMIT);
	assert_null(doc);
	es_buf_release(&deep);
	TU_OK(es_ofd__xml_parse(&doc, (const uint8_t *)"<a><b>x</b></a>", 15, "x"));
	xmlFreeDoc(doc);
}

static void test_ofd_zip__verify_bad_packages(void **state)
{
	static const rz_entry no_ofd[] = { { "x.xml", "<a/>" } };
	static const rz_entry bad_ofd[] = { { "OFD.xml", "<a" } };
	static const rz_entry unsigned_ofd[] = {
		{ "OFD.xml", "<ofd:OFD xmlns:ofd=\"http://www.ofdspec.org/2016\"><ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>" },
		{ "Doc_0/Document.xml", "<ofd:Document xmlns:ofd=\"http://www.ofdspec.org/2016\"/>" } };
	es_buf z;
	es_report r;
	(void)state;
	es_report_init(&r);
	assert_int_equal(es_ofd_verify(&r, (const uint8_t *)"PK", 2, NULL), ES_EMALFORMED);
	assert_int_equal(r.nsigs, 1);
	assert_string_equal(r.sigs[0].id, "package");
	assert_int_equal(r.verdict, ES_VERDICT_INVALID);
	es_report_release(&r);

	raw_zip(&z, no_ofd, 1);
	es_report_init(&r);
	assert_true(es_ofd_verify(&r, z.ptr, z.len, NULL) < 0);
	assert_int_equal(r.verdict, ES_VERDICT_INVALID);
	es_report_release(&r);
	es_buf_release(&z);

	raw_zip(&z, bad_ofd, 1);
	es_report_init(&r);
	assert_true(es_ofd_verify(&r, z.ptr, z.len, NULL) < 0);
	assert_int_equal(r.verdict, ES_VERDICT_INVALID);
	es_report_release(&r);
	es_buf_release(&z);

	raw_zip(&z, unsigned_ofd, 2);
	es_report_init(&r);
	TU_OK(es_ofd_verify(&r, z.ptr, z.len, NULL));
	/* nothing to verify: indeterminate, 0 signatures, and a reason */
	assert_int_equal(r.nsigs, 0);
	assert_int_equal(r.verdict, ES_VERDICT_INDETERMINATE);
	assert_non_null(strstr(r.reason, "no signature"));
	es_report_release(&r);
	es_buf_release(&z);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ofd_zip__raw_writer_sane),
		cmocka_unit_test(test_ofd_zip__rejects_traversal),
		cmocka_unit_test(test_ofd_zip__rejects_duplicates),
		cmocka_unit_test(test_ofd_zip__entry_count_limit),
		cmocka_unit_test(test_ofd_zip__entry_and_total_size_limits),
		cmocka_unit_test(test_ofd_zip__rejects_compression_bomb),
		cmocka_unit_test(test_ofd_zip__rejects_garbage),
		cmocka_unit_test(test_ofd_zip__put_get_remove_write),
		cmocka_unit_test(test_ofd_zip__edit_keeps_untouched_bytes),
		cmocka_unit_test(test_ofd_zip__xml_guards),
		cmocka_unit_test(test_ofd_zip__verify_bad_packages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
