/* SPDX-License-Identifier: AGPL-3.0-or-later */
#ifndef ES_TEXT_H
#define ES_TEXT_H
#include "eseal/es_types.h"
#include <stdbool.h>
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

/*
 * The one check of a name or other free text that ends up in a record, a
 * certificate subject or a seal (unit, seal, person and region names), used
 * by the platform and by the CA-mode commands alike: @what is required
 * when @required, at most @max bytes, UTF-8, and free of control characters
 * (C0, DEL, C1) and of / = \ (which would split a certificate subject).
 * 0, or ES_EINVAL / ES_ELIMIT naming @what.
 */
int es_text_check_name(const char *what, const char *s, size_t max, bool required);

/* Lower-case hex of @n bytes into @out (2n + 1 bytes, NUL-terminated). */
void es_hex(char *out, const unsigned char *in, size_t n);
/*
 * Exactly @n bytes from the @inlen hex digits at @in (lower case only unless
 * @upper_ok): 0, or -1 for a wrong length or a non-hex digit.
 */
int es_unhex(unsigned char *out, size_t n, const char *in, size_t inlen, bool upper_ok);

/*
 * The one base64 of the library. es_base64: RFC 4648 §4 base64 with padding, or
 * with @url the §5 base64url alphabet without padding (tokens, API keys); @out
 * holds es_base64_len(@n, @url) + 1 bytes; NUL-terminated; returns the length.
 */
size_t es_base64_len(size_t n, bool url);
size_t es_base64(char *out, const unsigned char *in, size_t n, bool url);
/*
 * Decode @len characters of padded base64 (§4) and append the bytes to @out.
 * Strict: groups of four, '=' only at the end, zero padding bits (one encoding
 * for each value). With @lenient (feeds from other systems): CR, LF, space and
 * tab are skipped and missing padding is accepted. 0, or ES_EINVAL naming the
 * offset of the first bad character.
 */
int es_unbase64(es_buf *out, const char *in, size_t len, bool lenient);
#endif
