/* SPDX-License-Identifier: AGPL-3.0-or-later */
#ifndef ES_MEM_H
#define ES_MEM_H
#include <stddef.h>

/* All heap use goes through these (tests can fail the Nth allocation). */
void *es_malloc(size_t n);
void *es_calloc(size_t n, size_t size);
void *es_realloc(void *p, size_t n);
void es_free(void *p);
char *es_strdup(const char *s);
char *es_strndup(const char *s, size_t n);

/*
 * Fault injection for tests: fail allocation number n (1-based) and every
 * one after it when repeat is true; 0 disables. Test builds only
 * (ES_TEST_FAULTS, on with ES_TEST_CLOCK): a release build counts nothing, its
 * allocations never fail on purpose, and es_mem_faults() is false, so a test
 * that needs the faults skips itself there.
 */
void es_mem_fail_after(unsigned long n, int repeat);
unsigned long es_mem_count(void);
int es_mem_faults(void);

#endif
