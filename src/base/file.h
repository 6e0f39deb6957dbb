/* SPDX-License-Identifier: AGPL-3.0-or-later */
#ifndef ES_FILE_H
#define ES_FILE_H
#include "eseal/es_types.h"

/*
 * Read a whole file into @out (appended), refusing files larger than @max
 * with "'FILE' is 300 MiB, more than the 256 MiB limit (docs/limits.md)".
 * @max, not the buffer's default maximum, is the limit; a regular file is
 * read into one allocation of its size.
 */
int es_file_read(es_buf *out, const char *path, size_t max);

/* One piece of a file written by es_file_writev(). */
typedef struct es_file_part {
	const void *data;
	size_t len;
} es_file_part;

/*
 * Every file eseal writes goes through here. Written atomically: a
 * random temporary name in the target's folder ("<folder>/.<name>.tmp-<16
 * hex digits>"), created with O_EXCL|O_NOFOLLOW and @mode (a planted name
 * or symlink is never written through), the parts written, fsync, rename
 * over @path, fsync of the folder. On any failure the temporary file is
 * removed and @path is as it was.
 */
int es_file_writev(const char *path, const es_file_part *parts, size_t nparts, unsigned mode);
int es_file_write(const char *path, const void *data, size_t len, unsigned mode);
/*
 * Remove the temporary files es_file_write() left for @path when a run was
 * killed between creating and renaming them. @removed (optional) counts them.
 */
int es_file_clean_temps(const char *path, unsigned *removed);

int es_file_exists(const char *path);
/* mkdir -p with @mode for the folders created. */
int es_mkdirs(const char *path, unsigned mode);

/* "300 MiB", "1.5 KiB", "12 bytes". */
void es_file_size_text(char *out, size_t cap, uint64_t n);
/* ES_ELIMIT: "@what is SIZE, more than the MAX limit (docs/limits.md)". */
int es_file_too_large(const char *what, uint64_t size, size_t max);

#endif
