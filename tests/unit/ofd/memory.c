/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Memory of verifying heavy packages: 3 000 entries of exactly 1 MiB
 * (each under the ratio check's size, together far over the total limit)
 * and 400 such entries (under the limit). The limits hold on the central
 * directory and while inflating, and nothing is kept that is not read, so
 * the peak stays near one entry. Each case runs in a child process, which
 * prints its peak RSS; the bound is 64 MB.
 */
#include "es_int.h"
#include "testutil.h"
#include "eseal/es_ofd.h"
#include <zip.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define MIB ((size_t)1 << 20)
/* Sanitizer shadow memory is no part of what the verifier uses: there the figure is only printed. */
#if defined(__SANITIZE_ADDRESS__)
#define RSS_LIMIT_KB (1L << 30)
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RSS_LIMIT_KB (1L << 30)
#endif
#endif
#ifndef RSS_LIMIT_KB
#define RSS_LIMIT_KB (64L * 1024)
#endif

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

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Deflate 1 MiB of zeros once (libzip), and take the compressed bytes and CRC from its local header. */
static void one_mib_deflated(es_buf *data, uint32_t *crc)
{
	zip_error_t ze;
	zip_source_t *src, *fs;
	zip_t *za;
	uint8_t *zeros = es_calloc(1, MIB);
	zip_int64_t size;
	es_buf z = ES_BUF_INIT;
	zip_error_init(&ze);
	assert_non_null(zeros);
	src = zip_source_buffer_create(NULL, 0, 0, &ze);
	zip_source_keep(src);
	za = zip_open_from_source(src, ZIP_TRUNCATE, &ze);
	assert_non_null(za);
	fs = zip_source_buffer(za, zeros, MIB, 0);
	assert_true(zip_file_add(za, "x", fs, 0) == 0);
	assert_true(zip_set_file_compression(za, 0, ZIP_CM_DEFLATE, 9) == 0);
	assert_true(zip_close(za) == 0);
	assert_true(zip_source_open(src) == 0);
	assert_true(zip_source_seek(src, 0, SEEK_END) == 0);
	size = zip_source_tell(src);
	assert_true(zip_source_seek(src, 0, SEEK_SET) == 0);
	TU_OK(es_buf_reserve(&z, (size_t)size));
	assert_true(zip_source_read(src, z.ptr, (zip_uint64_t)size) == size);
	z.len = (size_t)size;
	zip_source_close(src);
	zip_source_free(src);
	zip_error_fini(&ze);
	es_free(zeros);
	/* local header: crc at 14, compressed size at 18, name/extra lengths at 26/28 */
	assert_true(rd32(z.ptr) == 0x04034b50u);
	*crc = rd32(z.ptr + 14);
	{
		size_t csize = rd32(z.ptr + 18), off = 30 + (size_t)(z.ptr[26] | z.ptr[27] << 8) +
						     (size_t)(z.ptr[28] | z.ptr[29] << 8);
		TU_OK(es_buf_put(data, z.ptr + off, csize));
	}
	es_buf_release(&z);
}

typedef struct ent {
	char name[64];
	uint16_t method;
	uint32_t crc, csize, usize, offset;
} ent;

static void local(es_buf *z, ent *e, const uint8_t *data)
{
	e->offset = (uint32_t)z->len;
	le32(z, 0x04034b50u);
	le16(z, 20);
	le16(z, 0x0800);
	le16(z, e->method);
	le16(z, 0);
	le16(z, 0x21);
	le32(z, e->crc);
	le32(z, e->csize);
	le32(z, e->usize);
	le16(z, (unsigned)strlen(e->name));
	le16(z, 0);
	TU_OK(es_buf_puts(z, e->name));
	TU_OK(es_buf_put(z, data, e->csize));
}

/* OFD.xml (no signatures) and @n entries of 1 MiB each, deflated. */
static void heavy_package(es_buf *z, size_t n)
{
	static const char ofd[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
				  "<ofd:OFD xmlns:ofd=\"http://www.ofdspec.org/2016\" Version=\"1.0\" DocType=\"OFD\">"
				  "<ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>";
	es_buf data = ES_BUF_INIT;
	uint32_t crc;
	ent *v = es_calloc(n + 1, sizeof(*v));
	size_t cd, cd_size;
	assert_non_null(v);
	one_mib_deflated(&data, &crc);
	snprintf(v[0].name, sizeof(v[0].name), "OFD.xml");
	v[0].method = 0;
	v[0].crc = crc32_of((const uint8_t *)ofd, strlen(ofd));
	v[0].csize = v[0].usize = (uint32_t)strlen(ofd);
	local(z, &v[0], (const uint8_t *)ofd);
	for (size_t i = 1; i <= n; i++) {
		snprintf(v[i].name, sizeof(v[i].name), "Doc_0/Res/blob_%05zu.bin", i);
		v[i].method = 8;
		v[i].crc = crc;
		v[i].csize = (uint32_t)data.len;
		v[i].usize = (uint32_t)MIB;
		local(z, &v[i], data.ptr);
	}
	cd = z->len;
	for (size_t i = 0; i <= n; i++) {
		le32(z, 0x02014b50u);
		le16(z, 20);
		le16(z, 20);
		le16(z, 0x0800);
		le16(z, v[i].method);
		le16(z, 0);
		le16(z, 0x21);
		le32(z, v[i].crc);
		le32(z, v[i].csize);
		le32(z, v[i].usize);
		le16(z, (unsigned)strlen(v[i].name));
		le16(z, 0);
		le16(z, 0);
		le16(z, 0);
		le16(z, 0);
		le32(z, 0);
		le32(z, v[i].offset);
		TU_OK(es_buf_puts(z, v[i].name));
	}
	cd_size = z->len - cd;
	le32(z, 0x06054b50u);
	le16(z, 0);
	le16(z, 0);
	le16(z, (unsigned)(n + 1));
	le16(z, (unsigned)(n + 1));
	le32(z, (uint32_t)cd_size);
	le32(z, (uint32_t)cd);
	le16(z, 0);
	es_free(v);
	es_buf_release(&data);
}

/*
 * In a child: build the package, verify it, check the outcome, print the
 * peak RSS. Returns the child's peak RSS in KiB (from the parent's view).
 */
static long verify_in_child(size_t n, bool want_limit)
{
	pid_t pid = fork();
	int status = 0;
	struct rusage ru;
	assert_true(pid >= 0);
	if (pid == 0) {
		es_buf z = ES_BUF_INIT;
		es_report r;
		es_verify_options vo = ES_VERIFY_OPTIONS_INIT;
		int err;
		es_buf_init(&z, (size_t)64 << 20);
		heavy_package(&z, n);
		if (getenv("ES_TEST_DUMP")) {
			FILE *f = fopen(getenv("ES_TEST_DUMP"), "wb");
			fwrite(z.ptr, 1, z.len, f);
			fclose(f);
		}
		es_report_init(&r);
		err = es_ofd_verify(&r, z.ptr, z.len, &vo);
		if (want_limit ? err != ES_ELIMIT : err != 0) {
			fprintf(stderr, "%zu entries: verify returned %d (%s)\n", n, err, es_error_last()->message);
			_exit(2);
		}
		if (!want_limit && (r.nsigs != 0 || r.verdict != ES_VERDICT_INDETERMINATE)) {
			fprintf(stderr, "%zu entries: %zu signatures, verdict %s\n", n, r.nsigs, es_verdict_name(r.verdict));
			_exit(3);
		}
		es_report_release(&r);
		es_buf_release(&z);
		_exit(0);
	}
	assert_true(waitpid(pid, &status, 0) == pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_true(getrusage(RUSAGE_CHILDREN, &ru) == 0);
	/* RUSAGE_CHILDREN is the largest of the children waited for so far */
	printf("peak RSS verifying an OFD of %zu x 1 MiB entries (%s): %ld KB\n", n,
	       want_limit ? "refused at the total limit" : "read", ru.ru_maxrss);
	return ru.ru_maxrss;
}

static void test_ofd_memory__3000_entries_of_1mib(void **state)
{
	(void)state;
	assert_true(verify_in_child(3000, true) < RSS_LIMIT_KB);
}

static void test_ofd_memory__400_entries_of_1mib_read(void **state)
{
	(void)state;
	assert_true(verify_in_child(400, false) < RSS_LIMIT_KB);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ofd_memory__3000_entries_of_1mib),
		cmocka_unit_test(test_ofd_memory__400_entries_of_1mib_read),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
