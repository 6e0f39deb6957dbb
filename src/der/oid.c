/* SPDX-License-Identifier: AGPL-3.0-or-later */
#include "es_int.h"
#include "der/der.h"

int es_oid_to_text(char *out, size_t outlen, es_bytes oid)
{
	size_t pos = 0;
	uint64_t v = 0;
	bool first = true;

	if (es_der_check_oid(oid) < 0)
		return ES_EMALFORMED;
	for (size_t i = 0; i < oid.len; i++) {
		if (v > (UINT64_MAX >> 7))
			return es_error_set(ES_ELIMIT, "der: OBJECT IDENTIFIER arc too large");
		v = (v << 7) | (oid.ptr[i] & 0x7f);
		if (oid.ptr[i] & 0x80)
			continue;
		int n;
		if (first) {
			uint64_t a = v < 40 ? 0 : v < 80 ? 1 : 2;
			n = snprintf(out + pos, outlen - pos, "%llu.%llu", (unsigned long long)a,
				     (unsigned long long)(v - 40 * a));
			first = false;
		} else {
			n = snprintf(out + pos, outlen - pos, ".%llu", (unsigned long long)v);
		}
		if (n < 0 || (size_t)n >= outlen - pos)
			return es_error_set(ES_ELIMIT, "der: OBJECT IDENTIFIER text too long");
		pos += (size_t)n;
		v = 0;
	}
	return 0;
}

int es_oid_from_text(uint8_t *out, size_t outlen, const char *text)
{
	uint64_t arcs[ES_MAX_OID_ARCS];
	size_t n = 0, len = 0;
	const char *s = text;

	while (*s) {
		uint64_t v = 0;
		if (*s < '0' || *s > '9' || n >= ES_MAX_OID_ARCS)
			return es_error_set(ES_EINVAL, "der: bad OBJECT IDENTIFIER '%s'", text);
		while (*s >= '0' && *s <= '9') {
			if (v > (UINT64_MAX - 9) / 10)
				return es_error_set(ES_EINVAL, "der: OBJECT IDENTIFIER arc too large");
			v = v * 10 + (uint64_t)(*s++ - '0');
		}
		arcs[n++] = v;
		if (*s == '.')
			s++;
		else if (*s)
			return es_error_set(ES_EINVAL, "der: bad OBJECT IDENTIFIER '%s'", text);
	}
	if (n < 2 || arcs[0] > 2 || (arcs[0] < 2 && arcs[1] >= 40))
		return es_error_set(ES_EINVAL, "der: bad OBJECT IDENTIFIER '%s'", text);
	for (size_t i = 1; i < n; i++) {
		uint64_t v = i == 1 ? arcs[0] * 40 + arcs[1] : arcs[i];
		uint8_t tmp[10];
		int k = 0;
		if (i == 1 && v < arcs[1])
			return es_error_set(ES_EINVAL, "der: OBJECT IDENTIFIER arc too large");
		do {
			tmp[k++] = (uint8_t)(v & 0x7f);
			v >>= 7;
		} while (v);
		if (len + (size_t)k > outlen)
			return es_error_set(ES_ELIMIT, "der: OBJECT IDENTIFIER too long");
		while (k > 0) {
			k--;
			out[len++] = (uint8_t)(tmp[k] | (k ? 0x80 : 0));
		}
	}
	return (int)len;
}

bool es_oid_equal(es_bytes oid, const char *dotted)
{
	uint8_t b[64];
	int n = es_oid_from_text(b, sizeof(b), dotted);
	return n > 0 && (size_t)n == oid.len && memcmp(b, oid.ptr, oid.len) == 0;
}
