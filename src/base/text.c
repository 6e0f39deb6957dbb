/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Byte-limited text that stays whole UTF-8 characters. */
#include "es_int.h"
#include "text.h"

/* Bytes the sequence starting with lead byte @c should have (0: not a lead). */
static size_t seq_len(unsigned char c)
{
	return c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
}

void es_text_trim_cut(char *s)
{
	size_t n = strlen(s), k = n, back = 0;
	/* step back over continuation bytes (at most 3) to the lead byte */
	while (k > 0 && back < 4 && ((unsigned char)s[k - 1] & 0xc0) == 0x80) {
		k--;
		back++;
	}
	if (k == 0 || back >= 4)
		return; /* not UTF-8 at all: leave it */
	if ((unsigned char)s[k - 1] >= 0x80 && seq_len((unsigned char)s[k - 1]) > back + 1)
		s[k - 1] = '\0'; /* the last character lost bytes: drop it */
}

size_t es_text_copy(char *dst, size_t cap, const char *src)
{
	size_t n;
	if (cap == 0)
		return 0;
	n = strlen(src);
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
	if (src[n] != '\0')
		es_text_trim_cut(dst);
	return strlen(dst);
}

int es_text_check_name(const char *what, const char *s, size_t max, bool required)
{
	const unsigned char *c, *end;
	if (!s || !*s) {
		if (required)
			return es_error_set(ES_EINVAL, "%s is required: fill it in", what);
		return 0;
	}
	if (strlen(s) > max)
		return es_error_set(ES_ELIMIT, "%s is too long (at most %zu bytes)", what, max);
	end = (const unsigned char *)s + strlen(s);
	for (c = (const unsigned char *)s; c < end;) {
		size_t n = seq_len(*c);
		if (n == 0 || (size_t)(end - c) < n)
			return es_error_set(ES_EINVAL, "%s is not UTF-8 text: retype it", what);
		for (size_t k = 1; k < n; k++)
			if ((c[k] & 0xc0) != 0x80)
				return es_error_set(ES_EINVAL, "%s is not UTF-8 text: retype it", what);
		/* C0 and C1 control characters, DEL, and what would split a certificate subject */
		if (*c < 0x20 || *c == 0x7f || *c == '/' || *c == '=' || *c == '\\' || (*c == 0xc2 && c[1] < 0xa0))
			return es_error_set(ES_EINVAL, "%s contains a control character or one of / = \\: remove it", what);
		c += n;
	}
	return 0;
}

void es_hex(char *out, const unsigned char *in, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = 0;
}

int es_unhex(unsigned char *out, size_t n, const char *in, size_t inlen, bool upper_ok)
{
	if (inlen != 2 * n)
		return -1;
	for (size_t i = 0; i < 2 * n; i++) {
		int c = (unsigned char)in[i], v;
		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else if (upper_ok && c >= 'A' && c <= 'F')
			v = c - 'A' + 10;
		else
			return -1;
		out[i / 2] = (unsigned char)(i % 2 ? (out[i / 2] | v) : v << 4);
	}
	return 0;
}

static const char b64_std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64_url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t es_base64_len(size_t n, bool url)
{
	return url ? (n * 8 + 5) / 6 : (n + 2) / 3 * 4;
}

size_t es_base64(char *out, const unsigned char *in, size_t n, bool url)
{
	const char *a = url ? b64_url : b64_std;
	size_t o = 0;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		size_t left = n - i;
		if (left > 1)
			v |= (uint32_t)in[i + 1] << 8;
		if (left > 2)
			v |= in[i + 2];
		out[o++] = a[(v >> 18) & 63];
		out[o++] = a[(v >> 12) & 63];
		if (left > 1)
			out[o++] = a[(v >> 6) & 63];
		else if (!url)
			out[o++] = '=';
		if (left > 2)
			out[o++] = a[v & 63];
		else if (!url)
			out[o++] = '=';
	}
	out[o] = 0;
	return o;
}

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int es_unbase64(es_buf *out, const char *in, size_t len, bool lenient)
{
	int v[4], k = 0, pad = 0, err;
	for (size_t i = 0; i <= len; i++) {
		bool end = i == len;
		if (!end && lenient && strchr(" \t\r\n", in[i]) && in[i])
			continue;
		if (!end) {
			unsigned char c = (unsigned char)in[i];
			if (c == '=') {
				/* padding: only in the last two places of the last group */
				if (k < 2)
					return es_error_set(ES_EINVAL, "not base64 at character %zu", i);
				pad++;
				v[k++] = 0;
			} else if (pad || (v[k] = b64_value(c)) < 0) {
				return es_error_set(ES_EINVAL, "not base64 at character %zu", i);
			} else {
				k++;
			}
			if (k < 4)
				continue;
		} else if (k == 0) {
			break;
		} else if (!lenient || k == 1) {
			return es_error_set(ES_EINVAL, "base64 comes in groups of 4 characters");
		} else {
			/* lenient: the padding left out */
			pad += 4 - k;
			while (k < 4)
				v[k++] = 0;
		}
		size_t n = 3 - (size_t)pad;
		uint8_t b[3] = { (uint8_t)(v[0] << 2 | v[1] >> 4), (uint8_t)((v[1] & 15) << 4 | v[2] >> 2),
				 (uint8_t)((v[2] & 3) << 6 | v[3]) };
		/* canonical: the bits the padding drops are zero */
		if ((n == 1 && (v[1] & 15)) || (n == 2 && (v[2] & 3)))
			return es_error_set(ES_EINVAL, "base64 with non-zero padding bits");
		if ((err = es_buf_put(out, b, n)) < 0)
			return err;
		k = 0;
		if (pad && !end) {
			/* nothing but (lenient) white space may follow the padding */
			for (size_t j = i + 1; j < len; j++)
				if (!lenient || !strchr(" \t\r\n", in[j]) || !in[j])
					return es_error_set(ES_EINVAL, "not base64 at character %zu", j);
			break;
		}
	}
	return 0;
}
