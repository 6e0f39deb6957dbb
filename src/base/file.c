/* SPDX-License-Identifier: AGPL-3.0-or-later */
#include "es_int.h"
#include "file.h"
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

int es_file_read(es_buf *out, const char *path, size_t max)
{
	int fd, err = 0;
	struct stat st;
	uint8_t chunk[65536];
	size_t total = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return es_error_set(errno == ENOENT ? ES_ENOTFOUND : ES_EIO, "cannot open '%s': %s",
				    path, strerror(errno));
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		return es_error_set(ES_EIO, "cannot read '%s': is a directory", path);
	}
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = es_error_set(ES_EIO, "cannot read '%s': %s", path, strerror(errno));
			break;
		}
		if (n == 0)
			break;
		total += (size_t)n;
		if (total > max) {
			err = es_error_set(ES_ELIMIT, "file '%s' is larger than the limit of %zu bytes",
					   path, max);
			break;
		}
		if ((err = es_buf_put(out, chunk, (size_t)n)) < 0)
			break;
	}
	close(fd);
	if (err == 0 && out->ptr == NULL)
		err = es_buf_reserve(out, 0); /* an empty file still gives a valid pointer */
	return err;
}

int es_file_write(const char *path, const void *data, size_t len, unsigned mode)
{
	es_buf tmp = ES_BUF_INIT;
	int fd, err = 0;
	const uint8_t *p = data;

	if ((err = es_buf_printf(&tmp, "%s.tmp.%ld", path, (long)getpid())) < 0)
		return err;
	fd = open((char *)tmp.ptr, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0) {
		err = es_error_set(ES_EIO, "cannot create '%s': %s", path, strerror(errno));
		goto done;
	}
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = es_error_set(ES_EIO, "cannot write '%s': %s", path, strerror(errno));
			break;
		}
		p += n;
		len -= (size_t)n;
	}
	if (err == 0 && fsync(fd) != 0)
		err = es_error_set(ES_EIO, "cannot sync '%s': %s", path, strerror(errno));
	close(fd);
	if (err == 0 && rename((char *)tmp.ptr, path) != 0)
		err = es_error_set(ES_EIO, "cannot rename into '%s': %s", path, strerror(errno));
	if (err)
		unlink((char *)tmp.ptr);
done:
	es_buf_release(&tmp);
	return err;
}

int es_file_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

int es_mkdirs(const char *path, unsigned mode)
{
	char *p = es_strdup(path);
	int err = 0;

	if (!p)
		return es_error_set(ES_ENOMEM, "out of memory");
	for (char *s = p + 1;; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;
			*s = '\0';
			if (mkdir(p, mode) != 0 && errno != EEXIST) {
				err = es_error_set(ES_EIO, "cannot create folder '%s': %s", p,
						   strerror(errno));
				break;
			}
			*s = c;
			if (c == '\0')
				break;
		}
	}
	es_free(p);
	return err;
}
