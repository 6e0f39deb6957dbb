/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The multipart/form-data parser of the sign services (src/server/multipart.c): what an
 * agency system sends with a document. Input: "CONTENT-TYPE\nBODY". Every part must lie
 * inside the body, names be unique and NUL-terminated. */
#include "es_int.h"
#include "fuzz.h"
#include "server/multipart.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 20)
		return 0;
	const uint8_t *nl = memchr(data, '\n', size);
	if (!nl || (size_t)(nl - data) > 200)
		return 0;
	char type[208];
	size_t tl = (size_t)(nl - data);
	memcpy(type, data, tl);
	type[tl] = 0;
	const uint8_t *body = nl + 1;
	size_t len = size - tl - 1;
	/* a copy of exactly len bytes, so reads past the body are caught */
	uint8_t *copy = es_malloc(len ? len : 1);
	if (!copy)
		return 0;
	memcpy(copy, body, len);
	es_part parts[ES_MULTIPART_MAX_PARTS];
	size_t n = 99;
	int rc = es_multipart_parse(copy, len, type, parts, ES_ARRAY_LEN(parts), &n);
	if (rc > 0 || n > ES_ARRAY_LEN(parts))
		__builtin_trap();
	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (parts[i].data < copy || parts[i].data + parts[i].len > copy + len || !parts[i].name[0] ||
		    strlen(parts[i].name) >= sizeof(parts[i].name) || es_multipart_get(parts, n, parts[i].name) != &parts[i])
			__builtin_trap();
	}
	es_error_clear();
	es_free(copy);
	return 0;
}
