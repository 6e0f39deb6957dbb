/* SPDX-License-Identifier: AGPL-3.0-or-later */
#include "es_int.h"
#include <stdarg.h>

void es_buf_init(es_buf *b, size_t max)
{
	b->ptr = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max ? max : ES_BUF_DEFAULT_MAX;
}

void es_buf_release(es_buf *b)
{
	if (!b)
		return;
	es_free(b->ptr);
	b->ptr = NULL;
	b->len = 0;
	b->cap = 0;
}

void es_buf_release_secret(es_buf *b)
{
	if (!b)
		return;
	if (b->ptr) {
		volatile uint8_t *p = b->ptr;
		for (size_t i = 0; i < b->cap; i++)
			p[i] = 0;
	}
	es_buf_release(b);
}

int es_buf_reserve(es_buf *b, size_t extra)
{
	size_t need, ncap;
	uint8_t *np;

	if (ES_ADD_OVERFLOW(b->len, extra, &need) || need > b->max) {
		es_buf_release(b);
		return es_error_set(ES_ELIMIT, "buffer would exceed its limit of %zu bytes", b->max);
	}
	if (need + 1 <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 64;
	while (ncap < need + 1)
		ncap = ncap > SIZE_MAX / 2 ? need + 1 : ncap * 2;
	np = es_realloc(b->ptr, ncap);
	if (!np) {
		es_buf_release(b);
		return es_error_set(ES_ENOMEM, "out of memory");
	}
	b->ptr = np;
	b->cap = ncap;
	b->ptr[b->len] = '\0';
	return 0;
}

int es_buf_put(es_buf *b, const void *data, size_t len)
{
	int err;
	if ((err = es_buf_reserve(b, len)) < 0)
		return err;
	if (len)
		memcpy(b->ptr + b->len, data, len);
	b->len += len;
	b->ptr[b->len] = '\0';
	return 0;
}

int es_buf_puts(es_buf *b, const char *s)
{
	return es_buf_put(b, s, strlen(s));
}

int es_buf_printf(es_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n, err;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return es_error_set(ES_EINTERNAL, "bad format string");
	if ((err = es_buf_reserve(b, (size_t)n)) < 0)
		return err;
	va_start(ap, fmt);
	vsnprintf((char *)b->ptr + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

es_bytes es_buf_bytes(const es_buf *b)
{
	es_bytes v = { b->ptr, b->len };
	return v;
}
