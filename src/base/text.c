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
