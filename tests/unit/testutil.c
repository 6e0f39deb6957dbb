/* SPDX-License-Identifier: AGPL-3.0-or-later */
#include "es_int.h"
#include "testutil.h"
#include "file.h"
#include <stdarg.h>
#include <unistd.h>

void tu_read(es_buf *out, const char *path)
{
	es_buf_init(out, 0);
	if (es_file_read(out, path, (size_t)512 << 20) != 0)
		fail_msg("cannot read %s: %s", path, es_error_last()->message);
}

void tu_read_sample(es_buf *out, const char *name)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", ES_SAMPLES_DIR, name);
	tu_read(out, path);
}

size_t tu_unhex(uint8_t *out, size_t max, const char *hex)
{
	size_t n = 0;
	int hi = -1;
	for (; *hex; hex++) {
		int v;
		char c = *hex;
		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v = c - 'A' + 10;
		else
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			if (n >= max)
				fail_msg("hex longer than %zu bytes", max);
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	return n;
}

const char *tu_tmpdir(void)
{
	static char dir[256];
	snprintf(dir, sizeof(dir), "/tmp/eseal-test-XXXXXX");
	if (!mkdtemp(dir))
		fail_msg("mkdtemp failed");
	return dir;
}

int tu_run(es_buf *out, const char *fmt, ...)
{
	char cmd[8192];
	char chunk[4096];
	va_list ap;
	FILE *p;
	size_t n;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	p = popen(cmd, "r");
	if (!p)
		fail_msg("popen failed: %s", cmd);
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		if (out && es_buf_put(out, chunk, n) != 0)
			fail_msg("output too large");
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

#include <zip.h>

void tu_zip_read(es_buf *out, const char *zip_path, const char *entry)
{
	int zerr = 0;
	zip_t *z = zip_open(zip_path, ZIP_RDONLY, &zerr);
	zip_file_t *f = NULL;
	zip_stat_t st;
	uint8_t chunk[8192];
	zip_int64_t n;

	es_buf_init(out, 0);
	if (!z)
		fail_msg("cannot open zip %s (%d)", zip_path, zerr);
	if (zip_stat(z, entry, 0, &st) != 0 || !(f = zip_fopen(z, entry, 0)))
		fail_msg("no entry %s in %s", entry, zip_path);
	while ((n = zip_fread(f, chunk, sizeof(chunk))) > 0)
		if (es_buf_put(out, chunk, (size_t)n) != 0)
			fail_msg("entry too large");
	zip_fclose(f);
	zip_close(z);
}

void tu_zip_read_sample(es_buf *out, const char *sample, const char *entry)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", ES_SAMPLES_DIR, sample);
	tu_zip_read(out, path, entry);
}
