/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The audit anchor parser (docs/audit.md, `eseal audit verify --anchor FILE`): whatever
 * parses writes back as JSON that parses to the same anchor. */
#include "es_int.h"
#include "fuzz.h"
#include "eseal/es_platform.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	es_audit_anchor *a = es_calloc(2, sizeof(*a));
	es_buf json = ES_BUF_INIT;
	if (!a)
		return 0;
	if (es_audit_anchor_parse(&a[0], data, size) == 0) {
		if (es_audit_anchor_json(&json, &a[0]) < 0 || es_audit_anchor_parse(&a[1], json.ptr, json.len) < 0 ||
		    memcmp(&a[0], &a[1], sizeof(a[0])) != 0)
			__builtin_trap();
	}
	es_buf_release(&json);
	es_free(a);
	es_error_clear();
	return 0;
}
