/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * A batch job's documents as a zip (the HTTP upload) and its results as a zip: read into
 * memory under the job limits (entry count, declared and inflated sizes, CRC, names),
 * written with libzip.
 */
#include "es_int.h"
#include "batch_int.h"
#include "estime.h"
#include <zip.h>

void es_job_docs_free(es_job_docs *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++) {
		es_free(d->names[i]);
		es_free(d->bufs[i]);
	}
	es_free(d->names);
	es_free(d->bufs);
	es_free(d->v);
	memset(d, 0, sizeof(*d));
}

static int grow(es_job_docs *d, size_t *cap)
{
	if (d->n < *cap)
		return 0;
	size_t nc = *cap ? *cap * 2 : 16;
	es_job_doc *v = es_realloc(d->v, nc * sizeof(*v));
	if (v)
		d->v = v;
	char **nm = v ? es_realloc(d->names, nc * sizeof(*nm)) : NULL;
	if (nm)
		d->names = nm;
	uint8_t **b = nm ? es_realloc(d->bufs, nc * sizeof(*b)) : NULL;
	if (!b)
		return es_error_set(ES_ENOMEM, "out of memory");
	d->bufs = b;
	*cap = nc;
	return 0;
}

/* Read entry @p i (declared size @p size) exactly, its CRC checked. */
static int read_entry(zip_t *za, zip_uint64_t i, const char *name, size_t size, uint8_t **out)
{
	uint8_t *buf = es_malloc(size ? size : 1), extra;
	zip_file_t *zf;
	if (!buf)
		return es_error_set(ES_ENOMEM, "out of memory");
	if (!(zf = zip_fopen_index(za, i, 0))) {
		es_free(buf);
		return es_error_set(ES_EMALFORMED, "the zip entry '%.100s' cannot be opened: %s", name, zip_strerror(za));
	}
	zip_int64_t got = size ? zip_fread(zf, buf, size) : 0;
	if (got < 0 || (size_t)got != size || zip_fread(zf, &extra, 1) != 0) {
		zip_fclose(zf);
		es_free(buf);
		return es_error_set(ES_EMALFORMED, "the zip entry '%.100s' is corrupt (its size)", name);
	}
	if (zip_fclose(zf) != 0) {
		es_free(buf);
		return es_error_set(ES_EMALFORMED, "the zip entry '%.100s' is corrupt (its CRC)", name);
	}
	*out = buf;
	return 0;
}

int es_job_docs_from_zip(es_job_docs *d, const uint8_t *zipb, size_t len)
{
	ES_ASSERT_ARG(d && (zipb || len == 0));
	zip_error_t ze;
	zip_source_t *src;
	zip_t *za = NULL;
	size_t cap = 0, total = 0;
	int err = 0;
	memset(d, 0, sizeof(*d));
	if (len < 22 || memcmp(zipb, "PK", 2) != 0)
		return es_error_set(ES_EMALFORMED, "the documents are sent as one zip file");
	zip_error_init(&ze);
	if (!(src = zip_source_buffer_create(zipb, len, 0, &ze))) {
		zip_error_fini(&ze);
		return es_error_set(ES_ENOMEM, "out of memory");
	}
	if (!(za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze))) {
		zip_source_free(src);
		err = es_error_set(ES_EMALFORMED, "not a readable zip: %s", zip_error_strerror(&ze));
		zip_error_fini(&ze);
		return err;
	}
	zip_error_fini(&ze);
	zip_int64_t ne = zip_get_num_entries(za, 0);
	if (ne < 0 || ne > 2 * ES_JOB_MAX_ITEMS) {
		zip_discard(za);
		return es_error_set(ES_ELIMIT, "a job's zip has at most %d documents", ES_JOB_MAX_ITEMS);
	}
	for (zip_int64_t i = 0; i < ne && err == 0; i++) {
		zip_stat_t st;
		zip_stat_init(&st);
		if (zip_stat_index(za, (zip_uint64_t)i, 0, &st) != 0 || !(st.valid & ZIP_STAT_NAME) ||
		    !(st.valid & ZIP_STAT_SIZE)) {
			err = es_error_set(ES_EMALFORMED, "zip entry %lld cannot be read", (long long)i);
			break;
		}
		size_t nl = strlen(st.name);
		if (nl == 0 || st.name[nl - 1] == '/')
			continue; /* a folder */
		const char *base = strrchr(st.name, '/');
		base = base ? base + 1 : st.name;
		/* macOS archive metadata and hidden files are not documents */
		if (base[0] == '.' || strncmp(st.name, "__MACOSX/", 9) == 0)
			continue;
		if (strlen(base) > ES_JOB_MAX_NAME) {
			err = es_error_set(ES_EINVAL, "the zip entry '%.60s...' has a name longer than %d bytes", base,
					   ES_JOB_MAX_NAME);
			break;
		}
		if (d->n >= ES_JOB_MAX_ITEMS) {
			err = es_error_set(ES_ELIMIT, "a job's zip has at most %d documents", ES_JOB_MAX_ITEMS);
			break;
		}
		if (st.size > ES_JOB_MAX_DOC) {
			err = es_error_set(ES_ELIMIT, "the zip entry '%.100s' is larger than %zu MiB", base,
					   ES_JOB_MAX_DOC >> 20);
			break;
		}
		if (ES_ADD_OVERFLOW(total, (size_t)st.size, &total) || total > ES_JOB_MAX_TOTAL) {
			err = es_error_set(ES_ELIMIT, "the documents of a job add up to at most %zu MiB: split it",
					   ES_JOB_MAX_TOTAL >> 20);
			break;
		}
		if ((err = grow(d, &cap)) < 0)
			break;
		uint8_t *buf = NULL;
		char *name = es_strdup(base);
		if (!name) {
			err = es_error_set(ES_ENOMEM, "out of memory");
			break;
		}
		if ((err = read_entry(za, (zip_uint64_t)i, base, (size_t)st.size, &buf)) < 0) {
			es_free(name);
			break;
		}
		d->names[d->n] = name;
		d->bufs[d->n] = buf;
		d->v[d->n].name = name;
		d->v[d->n].doc = buf;
		d->v[d->n].len = (size_t)st.size;
		d->n++;
	}
	zip_discard(za);
	if (err == 0 && d->n == 0)
		err = es_error_set(ES_EINVAL, "the zip holds no documents");
	if (err < 0)
		es_job_docs_free(d);
	return err;
}

int es_platform_job_results_zip(es_platform *p, const es_actor *who, int64_t job, es_buf *out)
{
	ES_ASSERT_ARG(p && out);
	es_job_info j;
	es_buf json = ES_BUF_INIT;
	zip_error_t ze;
	zip_source_t *dst = NULL;
	zip_t *za = NULL;
	es_buf *sealed = NULL;
	int err;
	if ((err = es_platform_job_get(p, who, job, &j)) < 0 || (err = es_platform_job_json(p, who, job, &json)) < 0)
		goto done;
	if (j.purged_at) {
		char at[32];
		es_time_iso(at, j.purged_at);
		err = es_error_set(ES_ESTATE, "job %lld was purged at %s (its retention ran out): its sealed copies are gone",
				   (long long)job, at);
		goto done;
	}
	if (!(sealed = es_calloc((size_t)j.total, sizeof(*sealed)))) {
		err = es_error_set(ES_ENOMEM, "out of memory");
		goto done;
	}
	zip_error_init(&ze);
	if (!(dst = zip_source_buffer_create(NULL, 0, 0, &ze)) || !(za = zip_open_from_source(dst, ZIP_TRUNCATE, &ze))) {
		err = es_error_set(ES_ENOMEM, "cannot make a zip: %s", zip_error_strerror(&ze));
		zip_error_fini(&ze);
		goto done;
	}
	zip_error_fini(&ze);
	zip_source_keep(dst);
	for (int64_t seq = 1; seq <= j.total && err == 0; seq++) {
		es_job_item it;
		es_buf *b = &sealed[seq - 1];
		es_buf_init(b, ES_JOB_MAX_DOC + ((size_t)8 << 20));
		if ((err = es_platform_job_item(p, who, job, seq, &it, b)) < 0 || strcmp(it.state, "done") != 0)
			continue;
		zip_source_t *s = zip_source_buffer(za, b->ptr, b->len, 0);
		if (!s || zip_file_add(za, it.name, s, ZIP_FL_ENC_UTF_8) < 0) {
			zip_source_free(s);
			err = es_error_set(ES_EIO, "cannot add '%s' to the results: %s", it.name, zip_strerror(za));
		}
	}
	if (err == 0) {
		zip_source_t *s = zip_source_buffer(za, json.ptr, json.len, 0);
		if (!s || zip_file_add(za, "results.json", s, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE) < 0) {
			zip_source_free(s);
			err = es_error_set(ES_EIO, "cannot add results.json: %s", zip_strerror(za));
		}
	}
	if (err == 0 && zip_close(za) < 0) {
		err = es_error_set(ES_EIO, "cannot write the results zip: %s", zip_strerror(za));
		zip_discard(za);
	} else if (err < 0) {
		zip_discard(za);
	}
	za = NULL;
	if (err == 0) {
		zip_stat_t st;
		if (zip_source_stat(dst, &st) < 0 || zip_source_open(dst) < 0) {
			err = es_error_set(ES_EIO, "cannot read the results zip back");
		} else {
			uint8_t buf[65536];
			zip_int64_t got;
			while ((got = zip_source_read(dst, buf, sizeof(buf))) > 0 && err == 0)
				err = es_buf_put(out, buf, (size_t)got);
			if (got < 0 && err == 0)
				err = es_error_set(ES_EIO, "cannot read the results zip back");
			zip_source_close(dst);
		}
	}
done:
	if (dst)
		zip_source_free(dst);
	if (sealed)
		for (int64_t i = 0; i < j.total; i++)
			es_buf_release(&sealed[i]);
	es_free(sealed);
	es_buf_release(&json);
	return err;
}
