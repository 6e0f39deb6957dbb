/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The console's static files (docs/console.md): GET and HEAD of any path outside
 * /api/ that no route takes are read from the web root, /vendor/ from its
 * node_modules (npm packages installed by scripts/deps.sh). Known file types
 * only, never a directory listing, never a file outside the root (no "." or
 * ".." segment, no hidden name, the real path checked under the root's real
 * path, so a symbolic link cannot lead out; node_modules only as /vendor/). Answers carry an ETag and
 * "Cache-Control: no-cache": the browser revalidates and gets 304. */
#include "server.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#define STATIC_MAX_FILE (16u * 1024 * 1024)
#define VENDOR "/vendor/"

static const struct {
	const char *ext;
	const char *type;
} content_types[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".mjs", "text/javascript; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".ico", "image/x-icon" },
	{ ".woff2", "font/woff2" },
	/* pdf.js (/vendor/pdfjs-dist/): the standard fonts and packed CMaps it fetches */
	{ ".ttf", "font/ttf" },
	{ ".pfb", "application/octet-stream" },
	{ ".bcmap", "application/octet-stream" },
	{ ".txt", "text/plain; charset=utf-8" },
};

const char *es_static_type(const char *name)
{
	const char *dot = strrchr(name, '.');
	if (!dot || strchr(dot, '/'))
		return NULL;
	for (size_t i = 0; i < ES_ARRAY_LEN(content_types); i++)
		if (strcmp(dot, content_types[i].ext) == 0)
			return content_types[i].type;
	return NULL;
}

bool es_static_wants(const char *method, const char *url)
{
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return false;
	return url[0] == '/' && strncmp(url, "/api/", 5) != 0 && strcmp(url, "/api") != 0;
}

int es_static_path(const char *url, char *rel, size_t n, bool *vendor)
{
	*vendor = false;
	if (url[0] != '/')
		return es_error_set(ES_ENOTFOUND, "no such file");
	const char *p = url + 1;
	if (strncmp(url, VENDOR, strlen(VENDOR)) == 0) {
		*vendor = true;
		p = url + strlen(VENDOR);
	}
	/* npm's folder only through /vendor/ */
	if (!*vendor && strncmp(p, "node_modules", 12) == 0 && (p[12] == '/' || p[12] == 0))
		return es_error_set(ES_ENOTFOUND, "no such file");
	size_t len = strlen(p);
	bool dir = len == 0 || p[len - 1] == '/';
	if (len + (dir ? strlen("index.html") : 0) >= n || len > 512)
		return es_error_set(ES_ENOTFOUND, "no such file");
	/* each segment: not empty, not hidden ("." and ".." included), no backslash or control byte */
	for (const char *seg = p; *seg;) {
		const char *end = strchr(seg, '/');
		size_t sl = end ? (size_t)(end - seg) : strlen(seg);
		if (sl == 0 || seg[0] == '.')
			return es_error_set(ES_ENOTFOUND, "no such file");
		for (size_t i = 0; i < sl; i++) {
			unsigned char c = (unsigned char)seg[i];
			if (c < 0x20 || c == 0x7f || c == '\\')
				return es_error_set(ES_ENOTFOUND, "no such file");
		}
		seg += sl;
		if (*seg == '/')
			seg++;
	}
	memcpy(rel, p, len);
	rel[len] = 0;
	if (dir) {
		if (*vendor && len == 0)
			return es_error_set(ES_ENOTFOUND, "no such file");
		memcpy(rel + len, "index.html", strlen("index.html") + 1);
	}
	if (!es_static_type(rel))
		return es_error_set(ES_ENOTFOUND, "no such file");
	return 0;
}

/* The file's real path, when it lies under the real path of @p base. */
static int resolve_under(const char *base, const char *rel, char *out)
{
	char root[PATH_MAX], want[PATH_MAX * 2];
	if (!realpath(base, root))
		return es_error_set(ES_ENOTFOUND, "no such file");
	snprintf(want, sizeof(want), "%s/%s", root, rel);
	if (!realpath(want, out))
		return es_error_set(ES_ENOTFOUND, "no such file");
	size_t rl = strlen(root);
	if (strncmp(out, root, rl) != 0 || out[rl] != '/')
		return es_error_set(ES_ENOTFOUND, "no such file");
	return 0;
}

int es_static_serve(es_req *rq)
{
	const char *root = rq->srv->cfg.web_root;
	char rel[600], base[PATH_MAX], real[PATH_MAX];
	bool vendor;
	int err;
	if (!root)
		return es_error_set(ES_ENOTFOUND, "no such route: see /api/openapi.json");
	if ((err = es_static_path(rq->url, rel, sizeof(rel), &vendor)) < 0)
		return err;
	snprintf(base, sizeof(base), "%s%s", root, vendor ? "/node_modules" : "");
	if ((err = resolve_under(base, rel, real)) < 0)
		return err;
	int fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return es_error_set(ES_ENOTFOUND, "no such file");
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > STATIC_MAX_FILE) {
		close(fd);
		return es_error_set(ES_ENOTFOUND, "no such file");
	}
	char etag[64];
	snprintf(etag, sizeof(etag), "\"%llx-%llx-%lx\"", (unsigned long long)st.st_size,
		 (unsigned long long)st.st_mtim.tv_sec, (unsigned long)st.st_mtim.tv_nsec);
	snprintf(rq->extra_header[0], sizeof(rq->extra_header[0]), "ETag: %s", etag);
	rq->cache_control = "no-cache";
	const char *inm = es_header(rq, "If-None-Match");
	if (inm && strstr(inm, etag)) {
		close(fd);
		return es_reply_text(rq, 304, NULL, "", 0);
	}
	rq->out.len = 0;
	if ((err = es_buf_reserve(&rq->out, (size_t)st.st_size)) < 0) {
		close(fd);
		return err;
	}
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, rq->out.ptr + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			close(fd);
			return es_error_set(ES_EIO, "reading a console file failed: %s", r < 0 ? strerror(errno) : "short");
		}
		got += (size_t)r;
	}
	close(fd);
	rq->out.len = got;
	rq->out.ptr[got] = 0;
	rq->status = 200;
	rq->content_type = es_static_type(rel);
	rq->answered = true;
	return 0;
}
