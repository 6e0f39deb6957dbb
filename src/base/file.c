/* SPDX-License-Identifier: AGPL-3.0-or-later */
#include "es_int.h"
#include "file.h"
#include "text.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

/* Temporary names: "<folder>/.<name>.tmp-<16 hex digits>" (see file.h). */
#define TMP_TAG ".tmp-"
#define TMP_HEX 16
/* The target's name is cut to this many bytes in its temporary name (NAME_MAX 255). */
#define TMP_BASE_MAX 200

void es_file_size_text(char *out, size_t cap, uint64_t n)
{
	if (n >= ((uint64_t)1 << 30) && n % ((uint64_t)1 << 30) == 0)
		snprintf(out, cap, "%llu GiB", (unsigned long long)(n >> 30));
	else if (n >= ((uint64_t)1 << 20))
		snprintf(out, cap, n % ((uint64_t)1 << 20) == 0 ? "%.0f MiB" : "%.1f MiB", (double)n / (1 << 20));
	else if (n >= 1024)
		snprintf(out, cap, n % 1024 == 0 ? "%.0f KiB" : "%.1f KiB", (double)n / 1024);
	else
		snprintf(out, cap, "%llu bytes", (unsigned long long)n);
}

int es_file_too_large(const char *what, uint64_t size, size_t max)
{
	char a[32], b[32];
	es_file_size_text(a, sizeof(a), size);
	es_file_size_text(b, sizeof(b), max);
	/* just over the limit: "over 256 MiB", not "256.0 MiB, more than the 256 MiB limit" */
	if (size <= max || size - max < max / 1000 + 1 || strcmp(a, b) == 0)
		snprintf(a, sizeof(a), "over %s", b);
	return es_error_set(ES_ELIMIT, "%s is %s, more than the %s limit (docs/limits.md)", what, a, b);
}

int es_file_read(es_buf *out, const char *path, size_t max)
{
	int fd, err = 0;
	struct stat st;
	size_t start = out->len, total = 0;
	char what[4200];

	snprintf(what, sizeof(what), "'%s'", path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return es_error_set(errno == ENOENT ? ES_ENOTFOUND : ES_EIO, "cannot open '%s': %s", path,
				    strerror(errno));
	if (fstat(fd, &st) != 0) {
		err = es_error_set(ES_EIO, "cannot read '%s': %s", path, strerror(errno));
		goto done;
	}
	if (S_ISDIR(st.st_mode)) {
		err = es_error_set(ES_EIO, "cannot read '%s': is a directory", path);
		goto done;
	}
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > max) {
		err = es_file_too_large(what, (uint64_t)st.st_size, max);
		goto done;
	}
	/* the caller's @max rules, not the buffer's default limit */
	if (out->max - out->len < max && out->len <= SIZE_MAX - max)
		out->max = out->len + max;
	/* one allocation of the file's size: a regular file is never copied while it grows */
	if ((err = es_buf_reserve(out, S_ISREG(st.st_mode) && st.st_size > 0 ? (size_t)st.st_size
									       : (max < 65536 ? max : 65536))) < 0)
		goto done;
	for (;;) {
		size_t room = out->cap - 1 - out->len;
		ssize_t n;
		uint8_t probe;
		if (room == 0 && total < max) {
			size_t more = max - total < 65536 ? max - total : 65536;
			if ((err = es_buf_reserve(out, more)) < 0)
				break;
			room = out->cap - 1 - out->len;
		}
		if (room > max - total)
			room = max - total;
		/* at the limit, one more byte tells a file of exactly @max from a larger one */
		n = room ? read(fd, out->ptr + out->len, room) : read(fd, &probe, 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = es_error_set(ES_EIO, "cannot read '%s': %s", path, strerror(errno));
			break;
		}
		if (n == 0)
			break;
		if (room == 0) {
			err = es_file_too_large(what, (uint64_t)total + 1, max);
			break;
		}
		total += (size_t)n;
		out->len += (size_t)n;
		out->ptr[out->len] = '\0';
	}
done:
	close(fd);
	if (err < 0 && out->ptr) {
		out->len = start;
		out->ptr[start] = '\0';
	}
	return err;
}

static int sync_folder(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	int fd, err = 0;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return es_error_set(ES_EIO, "cannot open the folder of '%s': %s", path, strerror(errno));
	/* some file systems cannot sync a folder (EINVAL): the rename stands */
	if (fsync(fd) != 0 && errno != EINVAL && errno != EROFS)
		err = es_error_set(ES_EIO, "cannot sync the folder of '%s': %s", path, strerror(errno));
	close(fd);
	return err;
}

/* The temporary name for @path with @rnd as its random part. */
static int temp_name(char *out, size_t cap, const char *path, const uint8_t rnd[TMP_HEX / 2])
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	int dirlen = slash ? (int)(slash - path + 1) : 0, n;
	char tail[TMP_HEX + 1];

	if (!*base)
		return es_error_set(ES_EINVAL, "cannot write '%s': it names a folder", path);
	es_hex(tail, rnd, TMP_HEX / 2);
	n = snprintf(out, cap, "%.*s.%.*s" TMP_TAG "%s", dirlen, path, TMP_BASE_MAX, base, tail);
	if (n < 0 || (size_t)n >= cap)
		return es_error_set(ES_ELIMIT, "cannot write '%s': the path is too long", path);
	return 0;
}

static int write_all(int fd, const char *path, const uint8_t *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return es_error_set(ES_EIO, "cannot write '%s': %s", path, strerror(errno));
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int es_file_writev(const char *path, const es_file_part *parts, size_t nparts, unsigned mode)
{
	char tmp[4352];
	uint8_t rnd[TMP_HEX / 2];
	int fd = -1, err = 0;

	/*
	 * A fresh random name, created exclusively and never through a link
	 * (O_EXCL refuses any existing name, a planted symlink included; a
	 * collision draws another name).
	 */
	for (int attempt = 0; fd < 0; attempt++) {
		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			return es_error_set(ES_ECRYPTO, "cannot write '%s': no random numbers", path);
		if ((err = temp_name(tmp, sizeof(tmp), path, rnd)) < 0)
			return err;
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode & 07777);
		if (fd < 0 && (errno != EEXIST || attempt >= 16))
			return es_error_set(ES_EIO, "cannot create '%s': %s", path, strerror(errno));
	}
	for (size_t i = 0; i < nparts && err == 0; i++)
		err = write_all(fd, path, parts[i].data, parts[i].len);
	if (err == 0 && fsync(fd) != 0)
		err = es_error_set(ES_EIO, "cannot sync '%s': %s", path, strerror(errno));
	if (close(fd) != 0 && err == 0)
		err = es_error_set(ES_EIO, "cannot write '%s': %s", path, strerror(errno));
	if (err == 0 && rename(tmp, path) != 0)
		err = es_error_set(ES_EIO, "cannot rename into '%s': %s", path, strerror(errno));
	if (err < 0) {
		unlink(tmp);
		return err;
	}
	return sync_folder(path);
}

int es_file_write(const char *path, const void *data, size_t len, unsigned mode)
{
	es_file_part part = { data, len };
	return es_file_writev(path, &part, 1, mode);
}

int es_file_clean_temps(const char *path, unsigned *removed)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	char dir[4096], prefix[TMP_BASE_MAX + 8], victim[4400];
	size_t plen;
	DIR *d;
	struct dirent *e;
	int err = 0;

	if (removed)
		*removed = 0;
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	snprintf(prefix, sizeof(prefix), ".%.*s" TMP_TAG, TMP_BASE_MAX, base);
	plen = strlen(prefix);
	if (!(d = opendir(dir)))
		return errno == ENOENT ? 0 : es_error_set(ES_EIO, "cannot list '%s': %s", dir, strerror(errno));
	while ((e = readdir(d)) != NULL) {
		const char *tail = e->d_name + plen;
		bool hex = strlen(e->d_name) == plen + TMP_HEX;
		if (strncmp(e->d_name, prefix, plen) != 0)
			continue;
		for (int i = 0; hex && i < TMP_HEX; i++)
			hex = (tail[i] >= '0' && tail[i] <= '9') || (tail[i] >= 'a' && tail[i] <= 'f');
		if (!hex)
			continue;
		snprintf(victim, sizeof(victim), "%s/%s", dir, e->d_name);
		if (unlink(victim) != 0 && errno != ENOENT) {
			err = es_error_set(ES_EIO, "cannot remove the stale temporary file '%s': %s", victim, strerror(errno));
			break;
		}
		if (removed)
			(*removed)++;
	}
	closedir(d);
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
