/* SPDX-License-Identifier: AGPL-3.0-or-later */
#ifndef ES_TESTUTIL_H
#define ES_TESTUTIL_H
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "eseal/es_types.h"

/* Read a file or fail the test. */
void tu_read(es_buf *out, const char *path);
/* Read shared/samples/<name>. */
void tu_read_sample(es_buf *out, const char *name);
/* Hex string (spaces allowed) to bytes; returns length. */
size_t tu_unhex(uint8_t *out, size_t max, const char *hex);
/* A fresh empty temporary folder (static storage). */
const char *tu_tmpdir(void);
/* Run a shell command, capture stdout into @out (may be NULL); returns exit status. */
int tu_run(es_buf *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Read one entry of a zip (OFD) file, or of shared/samples/<sample>. */
void tu_zip_read(es_buf *out, const char *zip_path, const char *entry);
void tu_zip_read_sample(es_buf *out, const char *sample, const char *entry);

/* Deliberately ignore a result (the report is what is checked). */
static inline void tu_ignore(int rc)
{
	(void)rc;
}

#define TU_OK(expr)                                                                    \
	do {                                                                           \
		int tu_err_ = (expr);                                                  \
		if (tu_err_ != 0)                                                      \
			fail_msg("%s returned %d: %s", #expr, tu_err_, es_error_last()->message); \
	} while (0)

#endif
