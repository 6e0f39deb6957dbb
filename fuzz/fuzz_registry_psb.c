/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The public-security export parser (JSON + base64 impressions, 'eseal registry psb-import'). */
#include "es_int.h"
#include "fuzz.h"
#include "eseal/es_platform.h"

static int entry(void *ctx, const es_psb_entry *e, unsigned n)
{
	size_t *count = ctx;
	if (strlen(e->seal_code) >= sizeof(e->seal_code) || strlen(e->name) >= sizeof(e->name) || n == 0 ||
	    (e->impression_len && !e->impression))
		__builtin_trap();
	(*count)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = 0;
	if (es_psb_parse(data, size, entry, &n) < 0)
		n = 0;
	es_error_clear();
	return 0;
}
