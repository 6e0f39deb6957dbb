/* SPDX-License-Identifier: AGPL-3.0-or-later */
#include "es_int.h"

#undef malloc
#ifdef ES_TEST_FAULTS
#include <stdatomic.h>
static unsigned long fail_at;
static int fail_repeat;
/* counted by every thread (the server's): atomic, relaxed */
static atomic_ulong alloc_count;

void es_mem_fail_after(unsigned long n, int repeat)
{
	fail_at = n;
	fail_repeat = repeat;
	atomic_store_explicit(&alloc_count, 0, memory_order_relaxed);
}

unsigned long es_mem_count(void)
{
	return atomic_load_explicit(&alloc_count, memory_order_relaxed);
}

int es_mem_faults(void)
{
	return 1;
}

static int should_fail(void)
{
	unsigned long count = atomic_fetch_add_explicit(&alloc_count, 1, memory_order_relaxed) + 1;
	if (fail_at == 0)
		return 0;
	if (count == fail_at)
		return 1;
	return fail_repeat && count > fail_at;
}
#else
/* a release build: no shared counter on the allocation path */
void es_mem_fail_after(unsigned long n, int repeat)
{
	(void)n;
	(void)repeat;
}

unsigned long es_mem_count(void)
{
	return 0;
}

int es_mem_faults(void)
{
	return 0;
}

#define should_fail() 0
#endif

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
