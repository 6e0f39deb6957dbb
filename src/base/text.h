/* SPDX-License-Identifier: AGPL-3.0-or-later */
#ifndef ES_TEXT_H
#define ES_TEXT_H
#include <stddef.h>

/*
 * Copy @src into @dst (@cap bytes, NUL included) and, when it does not
 * fit, cut at a UTF-8 character boundary: a byte-limited copy of a Chinese
 * reason or name never ends in half a character (which JSON encoders and
 * terminals reject). Returns the length written.
 */
size_t es_text_copy(char *dst, size_t cap, const char *src);

/* Drop an incomplete UTF-8 sequence from the end of @s (after a cut). */
void es_text_trim_cut(char *s);

#endif
