/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The DER cursor: walk any input as a tree, reading every primitive type. */
#include "es_int.h"
#include "fuzz.h"
#include "der/der.h"

static void walk(es_der *d)
{
	while (!es_der_empty(d)) {
		es_tlv t;
		uint64_t u;
		bool b;
		es_bytes v;
		es_time tm;
		unsigned unused;
		char txt[128];
		es_der save = *d;

		if (d->p[0] & 0x20) {
			es_der in;
			if (es_der_enter(d, d->p[0], &in, NULL) < 0)
				return;
			walk(&in);
			continue;
		}
		switch (d->p[0]) {
		case ES_DER_INTEGER: if (es_der_read_uint(d, &u) == 0) continue; break;
		case ES_DER_BOOLEAN: if (es_der_read_bool(d, &b) == 0) continue; break;
		case ES_DER_OID:
			if (es_der_read_oid(d, &v) == 0) {
				(void)es_oid_to_text(txt, sizeof(txt), v);
				continue;
			}
			break;
		case ES_DER_BIT_STRING: if (es_der_read_bits(d, &v, &unused) == 0) continue; break;
		case ES_DER_UTF8_STRING: if (es_der_read_utf8(d, &v) == 0) continue; break;
		case ES_DER_IA5_STRING: if (es_der_read_ia5(d, &v) == 0) continue; break;
		case ES_DER_PRINTABLE_STRING: if (es_der_read_printable(d, &v) == 0) continue; break;
		case ES_DER_UTC_TIME:
		case ES_DER_GENERALIZED_TIME: if (es_der_read_time(d, &tm) == 0) continue; break;
		default: break;
		}
		*d = save;
		if (es_der_read_tlv(d, &t) < 0)
			return;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	es_der d;
	es_buf b = ES_BUF_INIT;
	es_der_writer w;

	es_der_init(&d, data, size);
	walk(&d);
	/* the writer round trip on a value taken from the input */
	es_der_writer_init(&w, &b);
	es_der_begin(&w, ES_DER_SEQUENCE);
	es_der_put_octets(&w, data, size);
	es_der_end(&w);
	if (es_der_writer_finish(&w) == 0) {
		es_der r, in;
		es_bytes v;
		es_der_init(&r, b.ptr, b.len);
		if (es_der_enter(&r, ES_DER_SEQUENCE, &in, NULL) != 0 || es_der_read_octets(&in, &v) != 0 ||
		    v.len != size || (size && memcmp(v.ptr, data, size) != 0))
			abort();
	}
	es_buf_release(&b);
	return 0;
}
