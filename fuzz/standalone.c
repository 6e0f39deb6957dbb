/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Replays every file of a corpus folder through a fuzz target, so each
 * committed corpus is an ordinary test in non-fuzzing builds (like
 * libgit2's fuzzers/standalone_driver.c). Runs under ASan/UBSan in the
 * sanitizer build.
 */
#include "es_int.h"
#include "file.h"
#include "fuzz.h"
#include <dirent.h>

int main(int argc, char **argv)
{
	int count = 0;
	for (int i = 1; i < argc; i++) {
		DIR *d = opendir(argv[i]);
		struct dirent *e;
		if (!d) {
			fprintf(stderr, "cannot open corpus '%s'\n", argv[i]);
			return 1;
		}
		while ((e = readdir(d)) != NULL) {
			char path[4096];
			es_buf b = ES_BUF_INIT;
			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
			if (es_file_read(&b, path, (size_t)64 << 20) != 0) {
				fprintf(stderr, "cannot read '%s'\n", path);
				closedir(d);
				return 1;
			}
			LLVMFuzzerTestOneInput(b.ptr ? b.ptr : (const uint8_t *)"", b.len);
			es_buf_release(&b);
			count++;
		}
		closedir(d);
	}
	printf("%d passed, 0 failed\n", count);
	return 0;
}
