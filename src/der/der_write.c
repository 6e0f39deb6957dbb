/* SPDX-License-Identifier: AGPL-3.0-or-later */
#include "es_int.h"
#include "der/der.h"
#include <time.h>

void es_der_writer_init(es_der_writer *w, es_buf *out)
{
	w->out = out;
	w->nopen = 0;
	w->err = 0;
}

int es_der_writer_finish(es_der_writer *w)
{
	if (w->err == 0 && w->nopen != 0)
		w->err = es_error_set(ES_EINTERNAL, "der: %u constructed element(s) left open", w->nopen);
	return w->err;
}

static void put(es_der_writer *w, const void *p, size_t n)
{
	if (w->err)
		return;
	w->err = es_buf_put(w->out, p, n);
}

size_t es_der_header(uint8_t h[6], uint8_t tag, size_t len)
{
	size_t n = 0;
	h[n++] = tag;
	if (len < 0x80) {
		h[n++] = (uint8_t)len;
	} else {
		int k = len > 0xffffff ? 4 : len > 0xffff ? 3 : len > 0xff ? 2 : 1;
		h[n++] = (uint8_t)(0x80 | k);
		for (int i = k - 1; i >= 0; i--)
			h[n++] = (uint8_t)(len >> (8 * i));
	}
	return n;
}

static void put_header(es_der_writer *w, uint8_t tag, size_t len)
{
	uint8_t h[6];
	size_t n = es_der_header(h, tag, len);
	put(w, h, n);
}

void es_der_begin(es_der_writer *w, uint8_t tag)
{
	if (w->err)
		return;
	if (w->nopen >= ES_DER_MAX_OPEN) {
		w->err = es_error_set(ES_ELIMIT, "der: more than %d nested elements", ES_DER_MAX_OPEN);
		return;
	}
	w->open[w->nopen++] = w->out->len;
	put_header(w, tag, 0); /* one length byte, fixed by es_der_end() */
}

void es_der_end(es_der_writer *w)
{
	size_t start, clen;
	int k;
	uint8_t *p;

	if (w->err)
		return;
	if (w->nopen == 0) {
		w->err = es_error_set(ES_EINTERNAL, "der: end without begin");
		return;
	}
	start = w->open[--w->nopen];
	clen = w->out->len - start - 2;
	if (clen < 0x80) {
		w->out->ptr[start + 1] = (uint8_t)clen;
		return;
	}
	if (clen > 0xffffffffu) {
		w->err = es_error_set(ES_ELIMIT, "der: element too large");
		return;
	}
	k = clen > 0xffffff ? 4 : clen > 0xffff ? 3 : clen > 0xff ? 2 : 1;
	if ((w->err = es_buf_reserve(w->out, (size_t)k)) < 0)
		return;
	p = w->out->ptr;
	memmove(p + start + 2 + k, p + start + 2, clen);
	p[start + 1] = (uint8_t)(0x80 | k);
	for (int i = 0; i < k; i++)
		p[start + 2 + i] = (uint8_t)(clen >> (8 * (k - 1 - i)));
	w->out->len += (size_t)k;
	w->out->ptr[w->out->len] = '\0';
}

void es_der_put_tlv(es_der_writer *w, uint8_t tag, const void *p, size_t n)
{
	put_header(w, tag, n);
	put(w, p, n);
}

void es_der_put_raw(es_der_writer *w, const void *p, size_t n)
{
	put(w, p, n);
}

void es_der_put_uint_bytes(es_der_writer *w, const uint8_t *p, size_t n)
{
	while (n > 1 && p[0] == 0) {
		p++;
		n--;
	}
	if (n == 0) {
		static const uint8_t zero = 0;
		es_der_put_tlv(w, ES_DER_INTEGER, &zero, 1);
		return;
	}
	if (p[0] & 0x80) {
		put_header(w, ES_DER_INTEGER, n + 1);
		put(w, "", 1);
		put(w, p, n);
		return;
	}
	es_der_put_tlv(w, ES_DER_INTEGER, p, n);
}

void es_der_put_uint(es_der_writer *w, uint64_t v)
{
	uint8_t b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (56 - 8 * i));
	es_der_put_uint_bytes(w, b, 8);
}

void es_der_put_bool(es_der_writer *w, bool v)
{
	uint8_t b = v ? 0xff : 0x00;
	es_der_put_tlv(w, ES_DER_BOOLEAN, &b, 1);
}

void es_der_put_oid(es_der_writer *w, const char *dotted)
{
	uint8_t b[64];
	int n = es_oid_from_text(b, sizeof(b), dotted);
	if (w->err)
		return;
	if (n < 0) {
		w->err = n;
		return;
	}
	es_der_put_tlv(w, ES_DER_OID, b, (size_t)n);
}

void es_der_put_octets(es_der_writer *w, const void *p, size_t n)
{
	es_der_put_tlv(w, ES_DER_OCTET_STRING, p, n);
}

void es_der_put_bits(es_der_writer *w, const void *p, size_t n)
{
	put_header(w, ES_DER_BIT_STRING, n + 1);
	put(w, "", 1); /* unused bits = 0 */
	put(w, p, n);
}

void es_der_put_ia5(es_der_writer *w, const char *p, size_t n)
{
	if (!w->err && !es_der_is_ia5((const uint8_t *)p, n)) {
		w->err = es_error_set(ES_EINVAL, "der: text for an IA5String must be ASCII");
		return;
	}
	es_der_put_tlv(w, ES_DER_IA5_STRING, p, n);
}

void es_der_put_utf8(es_der_writer *w, const char *p, size_t n)
{
	if (!w->err && !es_der_is_utf8((const uint8_t *)p, n)) {
		w->err = es_error_set(ES_EINVAL, "der: text for a UTF8String is not valid UTF-8");
		return;
	}
	es_der_put_tlv(w, ES_DER_UTF8_STRING, p, n);
}

void es_der_put_gentime(es_der_writer *w, es_time t)
{
	struct tm tm;
	time_t tt = (time_t)t;
	char s[32];
	if (w->err)
		return;
	if (!gmtime_r(&tt, &tm) || tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 1) {
		w->err = es_error_set(ES_EINVAL, "der: time out of range for GeneralizedTime");
		return;
	}
	strftime(s, sizeof(s), "%Y%m%d%H%M%SZ", &tm);
	es_der_put_tlv(w, ES_DER_GENERALIZED_TIME, s, 15);
}

void es_der_put_null(es_der_writer *w)
{
	es_der_put_tlv(w, ES_DER_NULL, NULL, 0);
}
