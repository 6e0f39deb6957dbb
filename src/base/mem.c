/* SPDX-License-Identifier: AGPL-3.0-or-later */
#include "es_int.h"

#undef malloc
static unsigned long fail_at;
static int fail_repeat;
static unsigned long alloc_count;

void es_mem_fail_after(unsigned long n, int repeat)
{
	fail_at = n;
	fail_repeat = repeat;
	alloc_count = 0;
}

unsigned long es_mem_count(void)
{
	return alloc_count;
}

static int should_fail(void)
{
	alloc_count++;
	if (fail_at == 0)
		return 0;
	if (alloc_count == fail_at)
		return 1;
	return fail_repeat && alloc_count > fail_at;
}

void *es_malloc(size_t n)
{
	if (should_fail())
		return NULL;
	return malloc(n ? n : 1);
}

void *es_calloc(size_t n, size_t size)
{
	size_t total;
	if (ES_MUL_OVERFLOW(n, size, &total) || should_fail())
		return NULL;
	return calloc(1, total ? total : 1);
}

void *es_realloc(void *p, size_t n)
{
	if (should_fail())
		return NULL;
	return realloc(p, n ? n : 1);
}

void es_free(void *p)
{
	free(p);
}

char *es_strndup(const char *s, size_t n)
{
	char *d = es_malloc(n + 1);
	if (!d)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

char *es_strdup(const char *s)
{
	return es_strndup(s, strlen(s));
}
