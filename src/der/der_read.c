/* SPDX-License-Identifier: AGPL-3.0-or-later */
#include "es_int.h"
#include "der/der.h"
#include "estime.h"

void es_der_init(es_der *d, const uint8_t *p, size_t len)
{
	d->p = p;
	d->left = p ? len : 0;
	d->depth = 0;
}

bool es_der_empty(const es_der *d)
{
	return d->left == 0;
}

int es_der_peek(const es_der *d, uint8_t *tag)
{
	if (d->left == 0)
		return es_error_set(ES_ETRUNC, "der: expected an element, input ended");
	*tag = d->p[0];
	return 0;
}

/* Parse one TLV header+contents at the cursor without moving it. */
static int parse_tlv(const es_der *d, es_tlv *out, size_t *consumed)
{
	const uint8_t *p = d->p;
	size_t left = d->left, len, hdr;

	if (left < 2)
		return es_error_set(ES_ETRUNC, "der: truncated element header (%zu byte%s left)", left,
				    left == 1 ? "" : "s");
	if ((p[0] & 0x1f) == 0x1f)
		return es_error_set(ES_EMALFORMED, "der: high-tag-number form 0x%02x not allowed", p[0]);
	if (p[1] < 0x80) {
		len = p[1];
		hdr = 2;
	} else if (p[1] == 0x80) {
		return es_error_set(ES_EMALFORMED, "der: indefinite length not allowed (tag 0x%02x)", p[0]);
	} else {
		size_t n = p[1] & 0x7f;
		if (n > 4)
			return es_error_set(ES_EMALFORMED, "der: length field of %zu bytes is too long", n);
		if (left < 2 + n)
			return es_error_set(ES_ETRUNC, "der: truncated length field");
		if (p[2] == 0)
			return es_error_set(ES_EMALFORMED, "der: non-minimal length (leading zero byte)");
		len = 0;
		for (size_t i = 0; i < n; i++)
			len = (len << 8) | p[2 + i];
		if (len < 0x80)
			return es_error_set(ES_EMALFORMED, "der: non-minimal length %zu in long form", len);
		hdr = 2 + n;
	}
	if (len > left - hdr)
		return es_error_set(ES_ETRUNC, "der: element of %zu bytes but only %zu left (tag 0x%02x)",
				    len, left - hdr, p[0]);
	out->tag = p[0];
	out->value.ptr = p + hdr;
	out->value.len = len;
	out->whole.ptr = p;
	out->whole.len = hdr + len;
	*consumed = hdr + len;
	return 0;
}

int es_der_read_tlv(es_der *d, es_tlv *out)
{
	size_t n = 0;
	int err = parse_tlv(d, out, &n);
	if (err < 0)
		return err;
	d->p += n;
	d->left -= n;
	return 0;
}

static const char *tag_name(uint8_t tag)
{
	switch (tag) {
	case ES_DER_BOOLEAN: return "BOOLEAN";
	case ES_DER_INTEGER: return "INTEGER";
	case ES_DER_BIT_STRING: return "BIT STRING";
	case ES_DER_OCTET_STRING: return "OCTET STRING";
	case ES_DER_NULL: return "NULL";
	case ES_DER_OID: return "OBJECT IDENTIFIER";
	case ES_DER_UTF8_STRING: return "UTF8String";
	case ES_DER_PRINTABLE_STRING: return "PrintableString";
	case ES_DER_IA5_STRING: return "IA5String";
	case ES_DER_UTC_TIME: return "UTCTime";
	case ES_DER_GENERALIZED_TIME: return "GeneralizedTime";
	case ES_DER_SEQUENCE: return "SEQUENCE";
	case ES_DER_SET: return "SET";
	default: return NULL;
	}
}

int es_der_read_tag(es_der *d, uint8_t tag, es_tlv *out)
{
	size_t n;
	int err;

	if (d->left == 0) {
		const char *nm = tag_name(tag);
		return nm ? es_error_set(ES_ETRUNC, "der: expected %s, input ended", nm)
			  : es_error_set(ES_ETRUNC, "der: expected tag 0x%02x, input ended", tag);
	}
	if (d->p[0] != tag) {
		const char *want = tag_name(tag), *got = tag_name(d->p[0]);
		char wb[8], gb[8];
		snprintf(wb, sizeof(wb), "0x%02x", tag);
		snprintf(gb, sizeof(gb), "0x%02x", d->p[0]);
		return es_error_set(ES_EMALFORMED, "der: expected %s, found %s", want ? want : wb,
				    got ? got : gb);
	}
	if ((err = parse_tlv(d, out, &n)) < 0)
		return err;
	d->p += n;
	d->left -= n;
	return 0;
}

int es_der_read_optional(es_der *d, uint8_t tag, es_tlv *out, bool *present)
{
	*present = false;
	if (d->left == 0 || d->p[0] != tag)
		return 0;
	*present = true;
	return es_der_read_tag(d, tag, out);
}

int es_der_enter(es_der *d, uint8_t tag, es_der *inner, es_bytes *whole)
{
	es_tlv t;
	int err;

	if (!(tag & 0x20))
		return es_error_set(ES_EINTERNAL, "der: tag 0x%02x is not constructed", tag);
	if (d->depth + 1 > ES_MAX_DER_DEPTH)
		return es_error_set(ES_ELIMIT, "der: nesting deeper than %d levels", ES_MAX_DER_DEPTH);
	if ((err = es_der_read_tag(d, tag, &t)) < 0)
		return err;
	es_der_init(inner, t.value.ptr, t.value.len);
	inner->depth = d->depth + 1;
	if (whole)
		*whole = t.whole;
	return 0;
}

int es_der_finish(const es_der *d, const char *what)
{
	if (d->left)
		return es_error_set(ES_EMALFORMED, "der: trailing %zu byte%s after %s", d->left,
				    d->left == 1 ? "" : "s", what);
	return 0;
}

static int check_uint(es_bytes v)
{
	if (v.len == 0)
		return es_error_set(ES_EMALFORMED, "der: empty INTEGER");
	if (v.ptr[0] & 0x80)
		return es_error_set(ES_EMALFORMED, "der: negative INTEGER where a positive one is required");
	if (v.len > 1 && v.ptr[0] == 0 && !(v.ptr[1] & 0x80))
		return es_error_set(ES_EMALFORMED, "der: non-minimal INTEGER encoding");
	return 0;
}

int es_der_read_uint(es_der *d, uint64_t *out)
{
	es_der save = *d;
	es_tlv t;
	uint64_t v = 0;
	int err;

	if ((err = es_der_read_tag(d, ES_DER_INTEGER, &t)) < 0 || (err = check_uint(t.value)) < 0)
		goto fail;
	if (t.value.len > 8 || (t.value.len == 8 && (t.value.ptr[0] & 0x80))) {
		err = es_error_set(ES_ELIMIT, "der: INTEGER too large");
		goto fail;
	}
	for (size_t i = 0; i < t.value.len; i++)
		v = (v << 8) | t.value.ptr[i];
	*out = v;
	return 0;
fail:
	*d = save;
	return err;
}

int es_der_read_uint_bytes(es_der *d, es_bytes *out)
{
	es_der save = *d;
	es_tlv t;
	int err;

	if ((err = es_der_read_tag(d, ES_DER_INTEGER, &t)) < 0 || (err = check_uint(t.value)) < 0) {
		*d = save;
		return err;
	}
	*out = t.value;
	if (out->len > 1 && out->ptr[0] == 0) {
		out->ptr++;
		out->len--;
	}
	return 0;
}

int es_der_read_bool(es_der *d, bool *out)
{
	es_der save = *d;
	es_tlv t;
	int err;

	if ((err = es_der_read_tag(d, ES_DER_BOOLEAN, &t)) < 0)
		return err;
	if (t.value.len != 1 || (t.value.ptr[0] != 0 && t.value.ptr[0] != 0xff)) {
		*d = save;
		return es_error_set(ES_EMALFORMED, "der: BOOLEAN must be one byte 0x00 or 0xff");
	}
	*out = t.value.ptr[0] != 0;
	return 0;
}

int es_der_check_oid(es_bytes v)
{
	size_t arcs = 1; /* the first byte(s) encode two arcs */
	if (v.len == 0)
		return es_error_set(ES_EMALFORMED, "der: empty OBJECT IDENTIFIER");
	if (v.ptr[v.len - 1] & 0x80)
		return es_error_set(ES_EMALFORMED, "der: OBJECT IDENTIFIER ends inside an arc");
	for (size_t i = 0; i < v.len; i++) {
		bool start = i == 0 || !(v.ptr[i - 1] & 0x80);
		if (start && v.ptr[i] == 0x80)
			return es_error_set(ES_EMALFORMED, "der: non-minimal OBJECT IDENTIFIER arc");
		if (!(v.ptr[i] & 0x80)) {
			arcs++;
		}
	}
	if (arcs > ES_MAX_OID_ARCS)
		return es_error_set(ES_ELIMIT, "der: OBJECT IDENTIFIER has more than %d arcs",
				    ES_MAX_OID_ARCS);
	return 0;
}

int es_der_read_oid(es_der *d, es_bytes *out)
{
	es_der save = *d;
	es_tlv t;
	int err;

	if ((err = es_der_read_tag(d, ES_DER_OID, &t)) < 0)
		return err;
	if ((err = es_der_check_oid(t.value)) < 0) {
		*d = save;
		return err;
	}
	*out = t.value;
	return 0;
}

int es_der_read_octets(es_der *d, es_bytes *out)
{
	es_tlv t;
	int err = es_der_read_tag(d, ES_DER_OCTET_STRING, &t);
	if (err == 0)
		*out = t.value;
	return err;
}

int es_der_read_bits(es_der *d, es_bytes *out, unsigned *unused)
{
	es_der save = *d;
	es_tlv t;
	int err;
	unsigned u;

	if ((err = es_der_read_tag(d, ES_DER_BIT_STRING, &t)) < 0)
		return err;
	if (t.value.len == 0) {
		err = es_error_set(ES_EMALFORMED, "der: BIT STRING without its unused-bits byte");
		goto fail;
	}
	u = t.value.ptr[0];
	if (u > 7 || (t.value.len == 1 && u != 0)) {
		err = es_error_set(ES_EMALFORMED, "der: BIT STRING with %u unused bits", u);
		goto fail;
	}
	if (u && (t.value.ptr[t.value.len - 1] & ((1u << u) - 1))) {
		err = es_error_set(ES_EMALFORMED, "der: BIT STRING padding bits are not zero");
		goto fail;
	}
	out->ptr = t.value.ptr + 1;
	out->len = t.value.len - 1;
	if (unused)
		*unused = u;
	return 0;
fail:
	*d = save;
	return err;
}

int es_der_read_bytes_bits(es_der *d, es_bytes *out)
{
	es_der save = *d;
	unsigned unused = 0;
	int err = es_der_read_bits(d, out, &unused);
	if (err == 0 && unused != 0) {
		*d = save;
		return es_error_set(ES_EMALFORMED, "der: BIT STRING of whole octets has %u unused bits", unused);
	}
	return err;
}

bool es_der_is_ia5(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] & 0x80)
			return false;
	return true;
}

bool es_der_is_printable(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
			continue;
		if (!strchr(" '()+,-./:=?", c) || c == 0)
			return false;
	}
	return true;
}

bool es_der_is_utf8(const uint8_t *p, size_t n)
{
	size_t i = 0;
	while (i < n) {
		uint8_t c = p[i];
		uint32_t cp;
		size_t k;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			k = 1;
			cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			k = 2;
			cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			k = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (n - i <= k)
			return false;
		for (size_t j = 1; j <= k; j++) {
			if ((p[i + j] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i + j] & 0x3f);
		}
		if ((k == 1 && cp < 0x80) || (k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += k + 1;
	}
	return true;
}

static int read_string(es_der *d, uint8_t tag, es_bytes *out, bool (*ok)(const uint8_t *, size_t),
		       const char *name)
{
	es_der save = *d;
	es_tlv t;
	int err;

	if ((err = es_der_read_tag(d, tag, &t)) < 0)
		return err;
	if (!ok(t.value.ptr, t.value.len)) {
		*d = save;
		return es_error_set(ES_EMALFORMED, "der: %s holds characters outside its set", name);
	}
	*out = t.value;
	return 0;
}

int es_der_read_ia5(es_der *d, es_bytes *out)
{
	return read_string(d, ES_DER_IA5_STRING, out, es_der_is_ia5, "IA5String");
}

int es_der_read_utf8(es_der *d, es_bytes *out)
{
	return read_string(d, ES_DER_UTF8_STRING, out, es_der_is_utf8, "UTF8String");
}

int es_der_read_printable(es_der *d, es_bytes *out)
{
	return read_string(d, ES_DER_PRINTABLE_STRING, out, es_der_is_printable, "PrintableString");
}

static int num(const uint8_t *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int parse_time(es_bytes v, bool generalized, es_time *out)
{
	const uint8_t *s = v.ptr;
	size_t ylen = generalized ? 4 : 2, base = ylen + 10;
	int y, mo, dd, h, mi, se;

	if (v.len < base + 1 || s[v.len - 1] != 'Z')
		return es_error_set(ES_EMALFORMED, "der: %s must be %s with seconds and end in 'Z'",
				    generalized ? "GeneralizedTime" : "UTCTime",
				    generalized ? "YYYYMMDDHHMMSS[.f]Z" : "YYMMDDHHMMSSZ");
	if (v.len > base + 1) {
		/* fractional seconds: '.' digits, no trailing zero (X.690 11.7) */
		if (!generalized || s[base] != '.' || v.len < base + 3 || s[v.len - 2] == '0')
			return es_error_set(ES_EMALFORMED, "der: malformed fractional seconds in time");
		for (size_t i = base + 1; i < v.len - 1; i++)
			if (s[i] < '0' || s[i] > '9')
				return es_error_set(ES_EMALFORMED, "der: malformed fractional seconds in time");
	}
	y = num(s, (int)ylen);
	mo = num(s + ylen, 2);
	dd = num(s + ylen + 2, 2);
	h = num(s + ylen + 4, 2);
	mi = num(s + ylen + 6, 2);
	se = num(s + ylen + 8, 2);
	if (y < 0 || mo < 0 || dd < 0 || h < 0 || mi < 0 || se < 0)
		return es_error_set(ES_EMALFORMED, "der: time holds a non-digit");
	if (!generalized)
		y += y >= 50 ? 1900 : 2000;
	if (es_time_from_fields(out, y, mo, dd, h, mi, se) != 0)
		return es_error_set(ES_EMALFORMED, "der: time out of range");
	return 0;
}

static int read_time_tag(es_der *d, uint8_t tag, es_time *out)
{
	es_der save = *d;
	es_tlv t;
	int err;

	if ((err = es_der_read_tag(d, tag, &t)) < 0)
		return err;
	if ((err = parse_time(t.value, tag == ES_DER_GENERALIZED_TIME, out)) < 0)
		*d = save;
	return err;
}

int es_der_read_gentime(es_der *d, es_time *out)
{
	return read_time_tag(d, ES_DER_GENERALIZED_TIME, out);
}

int es_der_read_utctime(es_der *d, es_time *out)
{
	return read_time_tag(d, ES_DER_UTC_TIME, out);
}

int es_der_read_time(es_der *d, es_time *out)
{
	if (d->left && d->p[0] == ES_DER_UTC_TIME)
		return es_der_read_utctime(d, out);
	return es_der_read_gentime(d, out);
}
