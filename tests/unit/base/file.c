/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* src/base/file.c: the one way eseal writes and reads files. */
#include "es_int.h"
#include "testutil.h"
#include "file.h"
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

static void put_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void assert_text(const char *path, const char *text)
{
	es_buf b = ES_BUF_INIT;
	TU_OK(es_file_read(&b, path, 1 << 20));
	assert_int_equal(b.len, strlen(text));
	assert_memory_equal(b.ptr, text, b.len);
	es_buf_release(&b);
}

/* Entries of @dir other than . and .. */
static int entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;
	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void test_file__planted_symlink_is_never_written_through(void **state)
{
	const char *dir = tu_tmpdir();
	char victim[512], out[512], link[600];
	(void)state;
	snprintf(victim, sizeof(victim), "%s/victim", dir);
	snprintf(out, sizeof(out), "%s/out.sig", dir);
	put_text(victim, "precious");
	/* the names the old code used, and a few around them, point at the victim */
	for (long pid = (long)getpid() - 2; pid <= (long)getpid() + 2; pid++) {
		snprintf(link, sizeof(link), "%s.tmp.%ld", out, pid);
		assert_int_equal(symlink(victim, link), 0);
	}
	TU_OK(es_file_write(out, "signature", 9, 0644));
	assert_text(victim, "precious");
	assert_text(out, "signature");
	/* victim, out and the five links: no temporary file left */
	assert_int_equal(entries(dir), 7);
	/* the output itself a symlink: replaced, not written through */
	snprintf(link, sizeof(link), "%s/linked", dir);
	assert_int_equal(symlink(victim, link), 0);
	TU_OK(es_file_write(link, "new", 3, 0644));
	assert_text(victim, "precious");
	{
		struct stat st;
		assert_int_equal(lstat(link, &st), 0);
		assert_true(S_ISREG(st.st_mode));
	}
	tu_ignore(tu_run(NULL, "rm -rf '%s'", dir));
}

static void test_file__mode_and_no_temporary_left_on_failure(void **state)
{
	const char *dir = tu_tmpdir();
	char path[512], sub[512];
	struct stat st;
	mode_t old = umask(022);
	(void)state;
	snprintf(path, sizeof(path), "%s/data.db", dir);
	TU_OK(es_file_write(path, "x", 1, 0600));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	TU_OK(es_file_write(path, "yz", 2, 0644)); /* replaced: the new mode */
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_text(path, "yz");
	/* the target is a folder: the rename fails, the temporary file goes */
	snprintf(sub, sizeof(sub), "%s/folder", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	assert_int_equal(es_file_write(sub, "data", 4, 0644), ES_EIO);
	assert_int_equal(entries(dir), 2);
	/* a folder that does not exist */
	snprintf(sub, sizeof(sub), "%s/none/out", dir);
	assert_int_equal(es_file_write(sub, "data", 4, 0644), ES_EIO);
	assert_int_equal(es_file_write("", "data", 4, 0644), ES_EINVAL);
	umask(old);
	tu_ignore(tu_run(NULL, "rm -rf '%s'", dir));
}

static void test_file__writev_joins_the_parts(void **state)
{
	const char *dir = tu_tmpdir();
	char path[512];
	es_file_part parts[3] = { { "%PDF", 4 }, { "", 0 }, { "-update", 7 } };
	(void)state;
	snprintf(path, sizeof(path), "%s/joined", dir);
	TU_OK(es_file_writev(path, parts, 3, 0644));
	assert_text(path, "%PDF-update");
	tu_ignore(tu_run(NULL, "rm -rf '%s'", dir));
}

static void test_file__read_limit_is_the_callers_and_named(void **state)
{
	const char *dir = tu_tmpdir();
	char path[512];
	es_buf b = ES_BUF_INIT;
	int fd;
	(void)state;
	/* 65 MiB (sparse): more than a buffer's 64 MiB default, less than the limit asked */
	snprintf(path, sizeof(path), "%s/big", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)65 << 20), 0);
	close(fd);
	TU_OK(es_file_read(&b, path, (size_t)256 << 20));
	assert_int_equal(b.len, (size_t)65 << 20);
	es_buf_release(&b);
	/* 300 MiB: refused before reading, with both figures and where the limit is documented */
	assert_int_equal(truncate(path, (off_t)300 << 20), 0);
	assert_int_equal(es_file_read(&b, path, (size_t)256 << 20), ES_ELIMIT);
	assert_non_null(strstr(es_error_last()->message, "is 300 MiB, more than the 256 MiB limit (docs/limits.md)"));
	assert_null(b.ptr);
	/* exactly at the limit, and one byte over */
	put_text(path, "0123456789");
	TU_OK(es_file_read(&b, path, 10));
	assert_int_equal(b.len, 10);
	es_buf_release(&b);
	assert_int_equal(es_file_read(&b, path, 9), ES_ELIMIT);
	/* a device has no size: the limit is checked while reading */
	assert_int_equal(es_file_read(&b, "/dev/zero", 100000), ES_ELIMIT);
	assert_non_null(strstr(es_error_last()->message, "more than the 97.7 KiB limit"));
	assert_int_equal(b.len, 0); /* what was read is dropped */
	es_buf_release(&b);
	tu_ignore(tu_run(NULL, "rm -rf '%s'", dir));
}

static void test_file__stale_temporaries_of_one_target_are_removed(void **state)
{
	const char *dir = tu_tmpdir();
	char path[512], p[600];
	unsigned n = 0;
	(void)state;
	snprintf(path, sizeof(path), "%s/a.ofd", dir);
	snprintf(p, sizeof(p), "%s/.a.ofd.tmp-0123456789abcdef", dir);
	put_text(p, "half");
	snprintf(p, sizeof(p), "%s/.a.ofd.tmp-fedcba9876543210", dir);
	put_text(p, "half");
	snprintf(p, sizeof(p), "%s/.a.ofd.tmp-notours", dir);
	put_text(p, "kept");
	snprintf(p, sizeof(p), "%s/.b.ofd.tmp-0123456789abcdef", dir);
	put_text(p, "another target's");
	TU_OK(es_file_clean_temps(path, &n));
	assert_int_equal(n, 2);
	assert_int_equal(entries(dir), 2);
	tu_ignore(tu_run(NULL, "rm -rf '%s'", dir));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file__planted_symlink_is_never_written_through),
		cmocka_unit_test(test_file__mode_and_no_temporary_left_on_failure),
		cmocka_unit_test(test_file__writev_joins_the_parts),
		cmocka_unit_test(test_file__read_limit_is_the_callers_and_named),
		cmocka_unit_test(test_file__stale_temporaries_of_one_target_are_removed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
