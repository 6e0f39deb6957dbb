/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The one base64 decoder (src/base/text.c), fed from outside in the SVS
 * service, the public-security export and eseal verify --status-url: no
 * crash, and what a strict decode accepts encodes back to the same text.
 */
#include "es_int.h"
#include "fuzz.h"
#include "text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	es_buf b = ES_BUF_INIT;
	const char *s = (const char *)data;
	if (size > 1 << 16)
		return 0;
	if (es_unbase64(&b, s, size, false) == 0) {
		char *again = es_malloc(es_base64_len(b.len, false) + 1);
		if (!again)
			__builtin_trap();
		if (es_base64(again, b.ptr, b.len, false) != size || memcmp(again, s, size) != 0)
			__builtin_trap();
		es_free(again);
	}
	b.len = 0;
	(void)es_unbase64(&b, s, size, true);
	es_buf_release(&b);
	es_error_clear();
	return 0;
}
