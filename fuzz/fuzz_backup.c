/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The backup file reader ('eseal restore' input): header checks and authenticated opening. */
#include "es_int.h"
#include "fuzz.h"
#include "eseal/es_platform.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t key[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
					 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32 };
	es_buf out = ES_BUF_INIT;
	const char *backend = NULL;
	int err = es_backup_open(&out, key, data, size, &backend);
	/* nothing forged opens: any success must carry a backend name */
	if (err == 0 && !backend)
		__builtin_trap();
	es_buf_release(&out);
	es_error_clear();
	return 0;
}
