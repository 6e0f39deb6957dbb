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
