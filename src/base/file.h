/* SPDX-License-Identifier: AGPL-3.0-or-later */
#ifndef ES_FILE_H
#define ES_FILE_H
#include "eseal/es_types.h"

/* Read a whole file into @out (appended), refusing files larger than @max. */
int es_file_read(es_buf *out, const char *path, size_t max);
/* Write atomically: temp file in the same folder, fsync, rename. */
int es_file_write(const char *path, const void *data, size_t len, unsigned mode);
int es_file_exists(const char *path);
/* mkdir -p with @mode for the folders created. */
int es_mkdirs(const char *path, unsigned mode);

#endif
