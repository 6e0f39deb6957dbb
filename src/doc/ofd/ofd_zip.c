/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * OFD packages: a zip read into memory under limits (entry count, sizes,
 * compression ratio, names), and written back with libzip.
 */
#include "es_int.h"
#include "ofd_int.h"
#include "der/der.h"
#include <zip.h>

typedef struct pkg_entry {
	char *name;
	uint8_t *data;       /* NULL until first read for an entry of the zip (lazy) */
	size_t len;
	zip_int64_t index;   /* index in the zip read, -1 for a new entry */
	bool dirty;          /* changed since read */
} pkg_entry;

/*
 * A package read from a zip keeps a copy of the zip: writing it back edits
 * that copy (es_ofd_pkg_write), so unchanged entries keep their bytes.
 */
struct es_ofd_pkg {
	pkg_entry *v;
	size_t n, cap;
	uint8_t *orig;       /* copy of the zip read */
	size_t orig_len;
	zip_t *za;           /* the zip read, open over orig: entries are inflated when first asked for */
};

int es_ofd_pkg_new(es_ofd_pkg **out)
{
	ES_ASSERT_ARG(out);
	*out = es_calloc(1, sizeof(**out));
	return *out ? 0 : es_error_set(ES_ENOMEM, "out of memory");
}

void es_ofd_pkg_free(es_ofd_pkg *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++) {
		es_free(p->v[i].name);
		es_free(p->v[i].data);
	}
	if (p->za)
		zip_discard(p->za);
	es_free(p->v);
	es_free(p->orig);
	es_free(p);
}

size_t es_ofd_pkg_count(const es_ofd_pkg *p)
{
	return p ? p->n : 0;
}

const char *es_ofd_pkg_name(const es_ofd_pkg *p, size_t i)
{
	return p && i < p->n ? p->v[i].name : NULL;
}

static pkg_entry *find(const es_ofd_pkg *p, const char *name)
{
	if (name[0] == '/')
		name++;
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->v[i].name, name) == 0)
			return &p->v[i];
	return NULL;
}

/* Inflate an entry of the zip into memory (checked against its declared size and CRC). */
static int load(const es_ofd_pkg *p, pkg_entry *e)
{
	zip_file_t *zf;
	uint8_t *buf, extra;
	zip_int64_t got;
	if (e->data)
		return 0;
	if (!p->za || e->index < 0)
		return es_error_set(ES_EINTERNAL, "package entry '%s' has no bytes", e->name);
	if (!(buf = es_malloc(e->len + 1)))
		return es_error_set(ES_ENOMEM, "out of memory");
	zf = zip_fopen_index(p->za, (zip_uint64_t)e->index, 0);
	if (!zf) {
		es_free(buf);
		return es_error_set(ES_EMALFORMED, "cannot open zip entry '%s'", e->name);
	}
	got = e->len ? zip_fread(zf, buf, e->len) : 0;
	if (got < 0 || (size_t)got != e->len || zip_fread(zf, &extra, 1) != 0) {
		zip_fclose(zf);
		es_free(buf);
		return es_error_set(ES_EMALFORMED, "zip entry '%s' is corrupt (size)", e->name);
	}
	if (zip_fclose(zf) != 0) {
		es_free(buf);
		return es_error_set(ES_EMALFORMED, "zip entry '%s' is corrupt (CRC)", e->name);
	}
	buf[e->len] = 0;
	e->data = buf;
	return 0;
}

int es_ofd_pkg_get(es_bytes *out, const es_ofd_pkg *p, const char *name)
{
	pkg_entry *e;
	int err;
	ES_ASSERT_ARG(out && p && name);
	e = find(p, name);
	if (!e)
		return es_error_set(ES_ENOTFOUND, "no file '%s' in the package", name);
	if ((err = load(p, e)) < 0)
		return err;
	out->ptr = e->data;
	out->len = e->len;
	return 0;
}

/* Stream entry @e (from memory or inflating it) through @fn, 64 KiB at a time, keeping nothing. */
static int stream_entry(const es_ofd_pkg *p, const pkg_entry *e, int (*fn)(void *ctx, const uint8_t *b, size_t n),
			void *ctx, size_t *total, size_t max_total)
{
	uint8_t buf[65536];
	zip_file_t *zf;
	size_t seen = 0;
	int err = 0;
	if (e->data || e->index < 0)
		return fn ? fn(ctx, e->data, e->len) : 0;
	zf = zip_fopen_index(p->za, (zip_uint64_t)e->index, 0);
	if (!zf)
		return es_error_set(ES_EMALFORMED, "cannot open zip entry '%s': %s", e->name, zip_strerror(p->za));
	for (;;) {
		zip_int64_t got = zip_fread(zf, buf, sizeof(buf));
		if (got < 0) {
			err = es_error_set(ES_EMALFORMED, "cannot read zip entry '%s': %s", e->name, zip_file_strerror(zf));
			break;
		}
		if (got == 0)
			break;
		seen += (size_t)got;
		if (seen > e->len) {
			err = es_error_set(ES_EMALFORMED, "zip entry '%s' is corrupt (more data than declared)", e->name);
			break;
		}
		/* the total limit holds on what is inflated, as it is inflated */
		if (total && (ES_ADD_OVERFLOW(*total, (size_t)got, total) || *total > max_total)) {
			err = es_error_set(ES_ELIMIT, "zip content exceeds the limit of %zu bytes uncompressed", max_total);
			break;
		}
		if (fn && (err = fn(ctx, buf, (size_t)got)) < 0)
			break;
	}
	if (zip_fclose(zf) != 0 && err == 0)
		err = es_error_set(ES_EMALFORMED, "zip entry '%s' is corrupt (CRC or size)", e->name);
	if (err == 0 && seen != e->len)
		err = es_error_set(ES_EMALFORMED, "zip entry '%s' is corrupt (CRC or size)", e->name);
	return err;
}

/* Entries up to this size are kept in memory once checked (es_ofd_pkg_open),
 * up to ES_OFD_KEEP_TOTAL bytes for the package. */
#define ES_OFD_KEEP_ENTRY (1u << 20)
#define ES_OFD_KEEP_TOTAL (16u << 20)

typedef struct keep_sink {
	uint8_t *dst; /* e->len + 1 bytes; stream_entry never feeds more than e->len */
	size_t off;
} keep_sink;

static int keep_feed(void *ctx, const uint8_t *b, size_t n)
{
	keep_sink *k = ctx;
	memcpy(k->dst + k->off, b, n);
	k->off += n;
	return 0;
}

static int md_feed(void *ctx, const uint8_t *b, size_t n)
{
	return es_md_update(ctx, b, n);
}

int es_ofd__pkg_digest(uint8_t md[64], size_t *mdlen, const es_ofd_pkg *p, const char *name, const char *alg)
{
	const pkg_entry *e = find(p, name);
	es_md *h = NULL;
	int err;
	if (!e)
		return es_error_set(ES_ENOTFOUND, "no file '%s' in the package", name);
	if ((err = es_md_new(&h, alg)) < 0)
		return err;
	if ((err = stream_entry(p, e, md_feed, h, NULL, 0)) == 0)
		err = es_md_final(h, md, mdlen);
	es_md_free(h);
	return err;
}

bool es_ofd__name_ok(const char *name, size_t len)
{
	const char *seg = name;
	if (len == 0 || len > ES_OFD_MAX_NAME || name[0] == '/' || memchr(name, '\\', len) ||
	    (len >= 2 && name[1] == ':') || !es_der_is_utf8((const uint8_t *)name, len))
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f) /* NUL and control characters */
			return false;
	for (size_t i = 0; i <= len; i++) {
		if (i == len || name[i] == '/') {
			size_t sl = (size_t)(name + i - seg);
			if (sl == 2 && seg[0] == '.' && seg[1] == '.')
				return false;
			if (sl == 1 && seg[0] == '.')
				return false;
			if (sl == 0 && i != len) /* "a//b" */
				return false;
			seg = name + i + 1;
		}
	}
	return true;
}

static int grow(es_ofd_pkg *p)
{
	if (p->n == p->cap) {
		size_t nc = p->cap ? p->cap * 2 : 32;
		pkg_entry *nv = es_realloc(p->v, nc * sizeof(*nv));
		if (!nv)
			return es_error_set(ES_ENOMEM, "out of memory");
		p->v = nv;
		p->cap = nc;
	}
	return 0;
}

/* An entry of the zip being read: its bytes stay compressed until asked for. */
static int put_lazy(es_ofd_pkg *p, const char *name, size_t len, zip_int64_t index)
{
	pkg_entry *e;
	int err;
	if ((err = grow(p)) < 0)
		return err;
	e = &p->v[p->n];
	if (!(e->name = es_strdup(name)))
		return es_error_set(ES_ENOMEM, "out of memory");
	e->data = NULL;
	e->len = len;
	e->index = index;
	e->dirty = false;
	p->n++;
	return 0;
}

/* Take ownership of @data. */
static int put_owned(es_ofd_pkg *p, const char *name, uint8_t *data, size_t len)
{
	pkg_entry *e;
	if (name[0] == '/')
		name++;
	if (!es_ofd__name_ok(name, strlen(name))) {
		es_free(data);
		return es_error_set(ES_EINVAL, "unsafe package name '%s'", name);
	}
	e = find(p, name);
	if (e) {
		es_free(e->data);
		e->data = data;
		e->len = len;
		e->dirty = true;
		return 0;
	}
	if (p->n == p->cap) {
		size_t nc = p->cap ? p->cap * 2 : 32;
		pkg_entry *nv = es_realloc(p->v, nc * sizeof(*nv));
		if (!nv) {
			es_free(data);
			return es_error_set(ES_ENOMEM, "out of memory");
		}
		p->v = nv;
		p->cap = nc;
	}
	e = &p->v[p->n];
	e->name = es_strdup(name);
	if (!e->name) {
		es_free(data);
		return es_error_set(ES_ENOMEM, "out of memory");
	}
	e->data = data;
	e->len = len;
	e->index = -1;
	e->dirty = true;
	p->n++;
	return 0;
}

int es_ofd_pkg_put(es_ofd_pkg *p, const char *name, const void *data, size_t len)
{
	uint8_t *copy;
	ES_ASSERT_ARG(p && name && (data || len == 0));
	copy = es_malloc(len + 1);
	if (!copy)
		return es_error_set(ES_ENOMEM, "out of memory");
	if (len)
		memcpy(copy, data, len);
	copy[len] = 0;
	return put_owned(p, name, copy, len);
}

int es_ofd_pkg_remove(es_ofd_pkg *p, const char *name)
{
	pkg_entry *e;
	ES_ASSERT_ARG(p && name);
	e = find(p, name);
	if (!e)
		return es_error_set(ES_ENOTFOUND, "no file '%s' in the package", name);
	es_free(e->name);
	es_free(e->data);
	memmove(e, e + 1, (size_t)(p->v + p->n - (e + 1)) * sizeof(*e));
	p->n--;
	return 0;
}

static size_t lim_or(size_t v, size_t def)
{
	return v == 0 || v > def ? def : v;
}

static int zip_fail(int code, zip_error_t *ze, const char *what)
{
	return es_error_set(code, "%s: %s", what, zip_error_strerror(ze));
}

int es_ofd_pkg_open(es_ofd_pkg **out, const uint8_t *data, size_t len, const es_ofd_limits *lim)
{
	int err = 0;
	zip_error_t ze;
	zip_source_t *src = NULL;
	zip_t *za = NULL;
	es_ofd_pkg *p = NULL;
	zip_int64_t n;
	size_t max_entries, max_entry, max_total, max_ratio, total = 0;

	ES_ASSERT_ARG(out && (data || len == 0));
	*out = NULL;
	max_entries = lim_or(lim ? lim->max_entries : 0, ES_OFD_MAX_ENTRIES);
	max_entry = lim_or(lim ? lim->max_entry : 0, ES_OFD_MAX_ENTRY);
	max_total = lim_or(lim ? lim->max_total : 0, ES_OFD_MAX_TOTAL);
	max_ratio = lim_or(lim ? lim->max_ratio : 0, ES_OFD_MAX_RATIO);
	zip_error_init(&ze);
	if (len > ES_OFD_MAX_PACKAGE)
		return es_error_set(ES_ELIMIT, "OFD package of %zu bytes exceeds the limit of %zu", len,
				    (size_t)ES_OFD_MAX_PACKAGE);
	if (len < 22 || memcmp(data, "PK", 2) != 0)
		return es_error_set(ES_EMALFORMED, "not an OFD package (zip expected)");
	if ((err = es_ofd_pkg_new(&p)) < 0)
		goto done;
	p->orig = es_malloc(len);
	if (!p->orig) {
		err = es_error_set(ES_ENOMEM, "out of memory");
		goto done;
	}
	memcpy(p->orig, data, len);
	p->orig_len = len;
	src = zip_source_buffer_create(p->orig, len, 0, &ze);
	if (!src) {
		err = zip_fail(ES_ENOMEM, &ze, "cannot read the zip");
		goto done;
	}
	za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
	if (!za) {
		err = zip_fail(ES_EMALFORMED, &ze, "not a readable zip");
		zip_source_free(src);
		goto done;
	}
	n = zip_get_num_entries(za, 0);
	if (n < 0 || (uint64_t)n > max_entries) {
		err = es_error_set(ES_ELIMIT, "zip has %lld entries, more than the limit of %zu", (long long)n,
				   max_entries);
		goto done;
	}
	/*
	 * Pass 1, the central directory only: names, declared sizes, ratio and
	 * the declared total, before a byte is inflated (a package over the
	 * total limit costs nothing to refuse).
	 */
	for (zip_int64_t i = 0; i < n; i++) {
		zip_stat_t st;
		const char *name;
		size_t nlen;

		zip_stat_init(&st);
		if (zip_stat_index(za, (zip_uint64_t)i, ZIP_FL_ENC_RAW, &st) < 0 || !(st.valid & ZIP_STAT_NAME) ||
		    !(st.valid & ZIP_STAT_SIZE) || !(st.valid & ZIP_STAT_COMP_SIZE)) {
			err = es_error_set(ES_EMALFORMED, "zip entry %lld unreadable", (long long)i);
			goto done;
		}
		name = st.name;
		nlen = strlen(name);
		if (nlen && name[nlen - 1] == '/' && st.size == 0) {
			if (!es_ofd__name_ok(name, nlen - 1)) {
				err = es_error_set(ES_EMALFORMED, "unsafe zip entry name '%s'", name);
				goto done;
			}
			continue; /* a folder */
		}
		if (!es_ofd__name_ok(name, nlen)) {
			err = es_error_set(ES_EMALFORMED, "unsafe zip entry name '%s'", name);
			goto done;
		}
		if (find(p, name)) {
			err = es_error_set(ES_EMALFORMED, "duplicate zip entry name '%s'", name);
			goto done;
		}
		if (st.size > max_entry) {
			err = es_error_set(ES_ELIMIT, "zip entry '%s' of %llu bytes exceeds the limit of %zu", name,
					   (unsigned long long)st.size, max_entry);
			goto done;
		}
		if (ES_ADD_OVERFLOW(total, (size_t)st.size, &total) || total > max_total) {
			err = es_error_set(ES_ELIMIT, "zip content exceeds the limit of %zu bytes uncompressed",
					   max_total);
			goto done;
		}
		if (st.size > ES_OFD_RATIO_MIN_SIZE &&
		    (st.comp_size == 0 || st.size / st.comp_size > max_ratio)) {
			err = es_error_set(ES_ELIMIT,
					   "zip entry '%s' compression ratio above %zu (zip bomb?)", name,
					   max_ratio);
			goto done;
		}
		if ((err = put_lazy(p, name, (size_t)st.size, i)) < 0)
			goto done;
	}
	/*
	 * Pass 2: inflate every entry once, 64 KiB at a time: sizes and CRCs
	 * are checked and the total is enforced on the bytes as they come.
	 * Entries up to ES_OFD_KEEP_ENTRY bytes are kept as they are checked
	 * (a signer reads them all: inflating them twice cost a CRC pass and a
	 * copy per entry); bigger ones are inflated again when asked for.
	 */
	p->za = za;
	total = 0;
	for (size_t i = 0, kept = 0; i < p->n; i++) {
		pkg_entry *e = &p->v[i];
		keep_sink k = { NULL, 0 };
		if (e->len <= ES_OFD_KEEP_ENTRY && kept + e->len <= ES_OFD_KEEP_TOTAL &&
		    !(k.dst = es_malloc(e->len + 1))) {
			err = es_error_set(ES_ENOMEM, "out of memory");
			p->za = NULL;
			goto done;
		}
		if ((err = stream_entry(p, e, k.dst ? keep_feed : NULL, &k, &total, max_total)) < 0) {
			es_free(k.dst);
			p->za = NULL;
			goto done;
		}
		if (k.dst) {
			k.dst[e->len] = 0;
			e->data = k.dst;
			kept += e->len;
		}
	}
	za = NULL;
	*out = p;
	p = NULL;
done:
	if (za)
		zip_discard(za);
	zip_error_fini(&ze);
	es_ofd_pkg_free(p);
	return err;
}

/* Already-compressed content is stored, not deflated again; so are small
 * entries (a deflate stream costs ~270 KB of state to set up, more than the
 * bytes it would save on a signature file). */
static bool store_entry(const char *name, size_t len)
{
	static const char *const ext[] = { ".dat", ".esl", ".png", ".jpg", ".jpeg", ".gif", ".zip", ".ofd" };
	size_t l = strlen(name);
	if (len <= 4096)
		return true;
	for (size_t i = 0; i < ES_ARRAY_LEN(ext); i++) {
		size_t el = strlen(ext[i]);
		if (l > el && strcasecmp(name + l - el, ext[i]) == 0)
			return true;
	}
	return false;
}

/* Add @e to @za, or replace the entry it was read from, with its bytes in memory. */
static int put_entry(zip_t *za, const pkg_entry *e)
{
	zip_source_t *s = zip_source_buffer(za, e->data, e->len, 0);
	zip_int64_t idx;
	if (!s)
		return es_error_set(ES_ENOMEM, "zip: %s", zip_strerror(za));
	if (e->index >= 0) {
		idx = e->index;
		if (zip_file_replace(za, (zip_uint64_t)idx, s, ZIP_FL_ENC_UTF_8) < 0)
			idx = -1;
	} else {
		idx = zip_file_add(za, e->name, s, ZIP_FL_ENC_UTF_8);
	}
	if (idx < 0) {
		zip_source_free(s);
		return es_error_set(ES_EINTERNAL, "zip: cannot add '%s': %s", e->name, zip_strerror(za));
	}
	zip_set_file_compression(za, (zip_uint64_t)idx, store_entry(e->name, e->len) ? ZIP_CM_STORE : ZIP_CM_DEFLATE, 0);
	/* fixed times keep the output reproducible */
	zip_file_set_mtime(za, (zip_uint64_t)idx, 1577836800, 0);
	return 0;
}

/*
 * A package read from a zip is written as libzip's edit of that zip: entries
 * not touched are copied raw (compressed bytes as they were, headers written
 * again from the same fields), changed ones are replaced in place, removed
 * ones deleted, folder entries kept, and new ones appended in the order they
 * were put. Nothing is recompressed but what changed.
 */
int es_ofd_pkg_write(es_buf *out, const es_ofd_pkg *p)
{
	int err = 0;
	zip_error_t ze;
	zip_source_t *src = NULL;
	zip_t *za = NULL;
	zip_int64_t size;
	bool *kept = NULL;

	ES_ASSERT_ARG(out && p);
	if (p->n == 0) {
		/* libzip writes nothing for an empty archive: an end record alone */
		static const uint8_t eocd[22] = { 'P', 'K', 5, 6 };
		return es_buf_put(out, eocd, sizeof(eocd));
	}
	zip_error_init(&ze);
	if (p->orig) {
		/* libzip's buffer source frees what it was given once the edit is
		 * written, so it gets a copy of its own (the package may be
		 * written again) */
		uint8_t *copy = es_malloc(p->orig_len);
		if (!copy) {
			err = es_error_set(ES_ENOMEM, "out of memory");
			goto done;
		}
		memcpy(copy, p->orig, p->orig_len);
		src = zip_source_buffer_create(copy, p->orig_len, 1, &ze);
		if (!src)
			es_free(copy);
	} else {
		src = zip_source_buffer_create(NULL, 0, 0, &ze);
	}
	if (!src) {
		err = zip_fail(ES_ENOMEM, &ze, "cannot make a zip");
		goto done;
	}
	zip_source_keep(src);
	/* the original was checked on reading (ZIP_CHECKCONS) and is unchanged */
	za = zip_open_from_source(src, p->orig ? 0 : ZIP_TRUNCATE, &ze);
	if (!za) {
		err = zip_fail(ES_EINTERNAL, &ze, "cannot make a zip");
		goto done;
	}
	if (p->orig) {
		zip_int64_t n = zip_get_num_entries(za, 0);
		kept = es_calloc(n > 0 ? (size_t)n : 1, sizeof(*kept));
		if (!kept) {
			err = es_error_set(ES_ENOMEM, "out of memory");
			goto done;
		}
		for (size_t i = 0; i < p->n; i++)
			if (p->v[i].index >= 0 && p->v[i].index < n)
				kept[p->v[i].index] = true;
		for (zip_int64_t i = 0; i < n; i++) {
			const char *name = zip_get_name(za, (zip_uint64_t)i, ZIP_FL_ENC_RAW);
			size_t l = name ? strlen(name) : 0;
			if (l && name[l - 1] == '/')
				continue; /* folder entries stay */
			if (!kept[i] && zip_delete(za, (zip_uint64_t)i) < 0) {
				err = es_error_set(ES_EINTERNAL, "zip: %s", zip_strerror(za));
				goto done;
			}
		}
	}
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].dirty && (err = put_entry(za, &p->v[i])) < 0)
			goto done;
	if (zip_close(za) < 0) {
		err = es_error_set(ES_EIO, "zip: %s", zip_strerror(za));
		goto done;
	}
	za = NULL;
	if (zip_source_open(src) < 0 || zip_source_seek(src, 0, SEEK_END) < 0 || (size = zip_source_tell(src)) < 0 ||
	    zip_source_seek(src, 0, SEEK_SET) < 0) {
		err = es_error_set(ES_EIO, "zip: cannot read back the archive");
		goto done;
	}
	if ((err = es_buf_reserve(out, (size_t)size)) < 0) {
		zip_source_close(src);
		goto done;
	}
	if (zip_source_read(src, out->ptr + out->len, (zip_uint64_t)size) != size) {
		zip_source_close(src);
		err = es_error_set(ES_EIO, "zip: cannot read back the archive");
		goto done;
	}
	out->len += (size_t)size;
	out->ptr[out->len] = 0;
	zip_source_close(src);
done:
	es_free(kept);
	if (za)
		zip_discard(za);
	if (src)
		zip_source_free(src);
	zip_error_fini(&ze);
	return err;
}
