/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The audit entry decoder (docs/audit.md): whatever decodes re-encodes to the same bytes. */
#include "es_int.h"
#include "fuzz.h"
#include "eseal/es_platform.h"

static char *dup_n(const char *s, size_t n)
{
	char *r = es_malloc(n + 1);
	if (r) {
		if (n)
			memcpy(r, s, n);
		r[n] = 0;
	}
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	es_audit_view v;
	es_buf again = ES_BUF_INIT;
	if (es_audit_entry_decode(&v, data, size) < 0) {
		es_error_clear();
		return 0;
	}
	char *ev = dup_n(v.e.event, v.event_len), *ob = dup_n(v.e.object, v.object_len),
	     *id = dup_n(v.e.object_id, v.object_id_len), *de = dup_n(v.e.detail, v.detail_len);
	if (ev && ob && id && de) {
		es_audit_entry e = v.e;
		e.event = ev;
		e.object = ob;
		e.object_id = id;
		e.detail = de;
		/* strings with a NUL inside do not round-trip through C strings: skip those */
		if (strlen(ev) == v.event_len && strlen(ob) == v.object_len && strlen(id) == v.object_id_len &&
		    strlen(de) == v.detail_len) {
			if (es_audit_entry_encode(&again, &e) < 0 || again.len != size || memcmp(again.ptr, data, size) != 0)
				__builtin_trap();
		}
	}
	es_free(ev);
	es_free(ob);
	es_free(id);
	es_free(de);
	es_buf_release(&again);
	es_error_clear();
	return 0;
}
