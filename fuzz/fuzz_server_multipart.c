/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The multipart/form-data parser of POST /api/v1/verify (src/server/multipart.c).
 * Input: "CONTENT-TYPE\nBODY". Every part must lie inside the body, in order. */
#include "es_int.h"
#include "fuzz.h"
#include "server/multipart.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > (1u << 20))
		return 0;
	const uint8_t *nl = memchr(data, '\n', size);
	size_t tl = nl ? (size_t)(nl - data) : 0;
	char type[256];
	if (tl >= sizeof(type))
		return 0;
	memcpy(type, data, tl);
	type[tl] = 0;
	const uint8_t *body = nl ? nl + 1 : data;
	size_t len = size - (size_t)(body - data);
	es_part parts[ES_MULTIPART_MAX_PARTS];
	size_t n = 99;
	int err = es_multipart_parse(body, len, type, parts, ES_ARRAY_LEN(parts), &n);
	if (err == 0) {
		const uint8_t *prev = body;
		if (n > ES_ARRAY_LEN(parts))
			__builtin_trap();
		for (size_t i = 0; i < n; i++) {
			const es_part *p = &parts[i];
			if ((p->data.len && (p->data.ptr < prev || p->data.ptr + p->data.len > body + len)) || !p->name[0] ||
			    strnlen(p->name, sizeof(p->name)) == sizeof(p->name) ||
			    strnlen(p->filename, sizeof(p->filename)) == sizeof(p->filename) ||
			    strnlen(p->type, sizeof(p->type)) == sizeof(p->type))
				__builtin_trap();
			if (p->data.len)
				prev = p->data.ptr + p->data.len;
		}
	} else if (err != ES_EMALFORMED && err != ES_ELIMIT) {
		__builtin_trap();
	}
	es_error_clear();
	return 0;
}
