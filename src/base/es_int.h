/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* First include of every .c file in src/: public API, limits, banned calls. */
#ifndef ES_INT_H
#define ES_INT_H

#define _GNU_SOURCE 1
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>

#include "eseal/es_types.h"
#include "eseal/es_error.h"
#include "es_limits.h"
#include "mem.h"

#define ES_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define ES_UNUSED(x) ((void)(x))

/** Caller bug: message + ES_EINVAL (never abort on input data). */
#define ES_ASSERT_ARG(expr)                                                       \
	do {                                                                      \
		if (!(expr))                                                      \
			return es_error_set(ES_EINVAL, "invalid argument: '%s'", #expr); \
	} while (0)

#define ES_ADD_OVERFLOW(a, b, out) __builtin_add_overflow((a), (b), (out))
#define ES_MUL_OVERFLOW(a, b, out) __builtin_mul_overflow((a), (b), (out))

#include "banned.h"
#endif
