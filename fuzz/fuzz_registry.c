/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The registry feed parser (CSV and JSON, outside input of 'eseal registry import'). */
#include "es_int.h"
#include "fuzz.h"
#include "eseal/es_platform.h"

static int entry(void *ctx, const es_registry_entry *e, unsigned line)
{
	size_t *n = ctx;
	/* every field is a NUL-terminated string within its buffer */
	if (strlen(e->name) >= sizeof(e->name) || strlen(e->credit_code) >= sizeof(e->credit_code) ||
	    strlen(e->region) >= sizeof(e->region) || strlen(e->legal_rep) >= sizeof(e->legal_rep) || line == 0)
		__builtin_trap();
	(*n)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = 0;
	if (es_registry_parse(data, size, entry, &n) < 0)
		n = 0;
	es_error_clear();
	return 0;
}
