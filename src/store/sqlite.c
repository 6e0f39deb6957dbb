/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* SQLite backend: WAL, foreign keys, busy timeout, prepared statements only. */
#include "es_int.h"
#include "store_int.h"
#include "file.h"
#include <sqlite3.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct sq_db {
	sqlite3 *db;
	int last_rc;
} sq_db;

static int sq_fail(sq_db *d, int rc, const char *what)
{
	d->last_rc = rc;
	return es_error_set(ES_EDB, "sqlite: %s: %s", what, d->db ? sqlite3_errmsg(d->db) : sqlite3_errstr(rc));
}

static int sq_simple(sq_db *d, const char *sql)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(d->db, sql, -1, &s, NULL);
	int err = 0;
	if (rc != SQLITE_OK) {
		err = sq_fail(d, rc, sql);
		goto done;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		;
	if (rc != SQLITE_DONE)
		err = sq_fail(d, rc, sql);
done:
	sqlite3_finalize(s);
	return err;
}

static int sq_open(void **out, const char *path)
{
	sq_db *d = es_calloc(1, sizeof(*d));
	int err = 0;
	if (!d)
		return es_error_set(ES_ENOMEM, "out of memory");
	/*
	 * A new database file is created here, mode 0600 (SQLite would make it
	 * 0644); its -wal and -shm files take the same mode.
	 */
	if (path[0] != ':' && strncmp(path, "file:", 5) != 0) {
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0)
			close(fd);
		else if (errno != EEXIST) {
			err = es_error_set(ES_EDB, "cannot create database '%s': %s", path, strerror(errno));
			es_free(d);
			return err;
		}
	}
	int rc = sqlite3_open_v2(path, &d->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		err = es_error_set(ES_EDB, "cannot open database '%s': %s", path, sqlite3_errstr(rc));
		goto done;
	}
	sqlite3_busy_timeout(d->db, ES_STORE_BUSY_TIMEOUT_MS);
	if ((err = sq_simple(d, "PRAGMA journal_mode=WAL")) < 0 ||
	    (err = sq_simple(d, "PRAGMA foreign_keys=ON")) < 0 ||
	    (err = sq_simple(d, "PRAGMA synchronous=FULL")) < 0)
		goto done;
done:
	if (err < 0) {
		sqlite3_close(d->db);
		es_free(d);
		return err;
	}
	*out = d;
	return 0;
}

static void sq_close(void *db)
{
	sq_db *d = db;
	if (!d)
		return;
	sqlite3_close(d->db);
	es_free(d);
}

/* BEGIN IMMEDIATE takes the write lock up front: no upgrade deadlocks. */
static int sq_begin(void *db)
{
	return sq_simple(db, "BEGIN IMMEDIATE");
}

static int sq_commit(void *db)
{
	return sq_simple(db, "COMMIT");
}

static int sq_rollback(void *db)
{
	return sq_simple(db, "ROLLBACK");
}

static int sq_lock_schema(void *db)
{
	ES_UNUSED(db);
	return 0; /* BEGIN IMMEDIATE already serialises writers */
}

static int sq_retryable(void *db)
{
	sq_db *d = db;
	int rc = d->last_rc & 0xff;
	return rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
}

static int sq_exec(void *db, const char *sql, const es_sval *params, size_t nparams, es_store_row_fn fn,
		   void *ctx, int64_t *changes)
{
	sq_db *d = db;
	sqlite3_stmt *s = NULL;
	es_sval cols[ES_STORE_MAX_PARAMS * 2];
	int err = 0, rc;
	d->last_rc = 0;
	rc = sqlite3_prepare_v2(d->db, sql, -1, &s, NULL);
	if (rc != SQLITE_OK) {
		err = sq_fail(d, rc, "prepare");
		goto done;
	}
	for (size_t i = 0; i < nparams; i++) {
		const es_sval *v = &params[i];
		int col = (int)i + 1;
		switch (v->type) {
		case ES_SV_INT:
			rc = sqlite3_bind_int64(s, col, v->i);
			break;
		case ES_SV_TEXT:
			rc = sqlite3_bind_text(s, col, v->s, (int)v->len, SQLITE_STATIC);
			break;
		case ES_SV_BLOB:
			rc = sqlite3_bind_blob(s, col, v->b ? (const void *)v->b : (const void *)"", (int)v->len,
					       SQLITE_STATIC);
			break;
		default:
			rc = sqlite3_bind_null(s, col);
		}
		if (rc != SQLITE_OK) {
			err = sq_fail(d, rc, "bind");
			goto done;
		}
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int n = sqlite3_column_count(s);
		if (n > (int)ES_ARRAY_LEN(cols))
			n = (int)ES_ARRAY_LEN(cols);
		for (int c = 0; c < n; c++) {
			es_sval *v = &cols[c];
			memset(v, 0, sizeof(*v));
			switch (sqlite3_column_type(s, c)) {
			case SQLITE_INTEGER:
				v->type = ES_SV_INT;
				v->i = sqlite3_column_int64(s, c);
				break;
			case SQLITE_TEXT:
				v->type = ES_SV_TEXT;
				v->s = (const char *)sqlite3_column_text(s, c);
				v->len = (size_t)sqlite3_column_bytes(s, c);
				break;
			case SQLITE_BLOB:
				v->type = ES_SV_BLOB;
				v->b = sqlite3_column_blob(s, c);
				v->len = (size_t)sqlite3_column_bytes(s, c);
				break;
			case SQLITE_FLOAT:
				v->type = ES_SV_INT;
				v->i = (int64_t)sqlite3_column_double(s, c);
				break;
			default:
				v->type = ES_SV_NULL;
			}
		}
		if (!fn)
			continue;
		int r = fn(ctx, cols, (size_t)n);
		if (r < 0) {
			err = r;
			goto done;
		}
		if (r > 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE) {
		if ((rc & 0xff) == SQLITE_CONSTRAINT) {
			d->last_rc = rc;
			err = es_error_set(ES_EEXISTS, "sqlite: %s", sqlite3_errmsg(d->db));
		} else {
			err = sq_fail(d, rc, "step");
		}
		goto done;
	}
	if (changes)
		*changes = sqlite3_changes(d->db);
done:
	sqlite3_finalize(s);
	return err;
}

/* The online backup API into an in-memory copy, then serialised: one consistent
 * read of the whole database while other connections keep writing. */
static int sq_snapshot(void *db, es_buf *out)
{
	sq_db *d = db;
	sqlite3 *mem = NULL;
	sqlite3_backup *b = NULL;
	unsigned char *bytes = NULL;
	sqlite3_int64 size = 0;
	int err = 0, rc = sqlite3_open_v2(":memory:", &mem, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK) {
		err = es_error_set(ES_EDB, "sqlite: cannot open a memory database: %s", sqlite3_errstr(rc));
		goto done;
	}
	for (int attempt = 0;; attempt++) {
		b = sqlite3_backup_init(mem, "main", d->db, "main");
		if (!b) {
			err = es_error_set(ES_EDB, "sqlite: backup: %s", sqlite3_errmsg(mem));
			goto done;
		}
		rc = sqlite3_backup_step(b, -1);
		sqlite3_backup_finish(b);
		if (rc == SQLITE_DONE)
			break;
		if ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && attempt < 50) {
			sqlite3_sleep(20);
			continue;
		}
		err = es_error_set(ES_EDB, "sqlite: backup: %s", sqlite3_errstr(rc));
		goto done;
	}
	bytes = sqlite3_serialize(mem, "main", &size, 0);
	if (!bytes) {
		err = es_error_set(ES_ENOMEM, "sqlite: cannot serialise the snapshot");
		goto done;
	}
	err = es_buf_put(out, bytes, (size_t)size);
done:
	sqlite3_free(bytes);
	sqlite3_close(mem);
	return err;
}

static int sq_restore(const char *path, const uint8_t *snap, size_t len)
{
	struct stat sb;
	if (len < 100 || memcmp(snap, "SQLite format 3", 16) != 0)
		return es_error_set(ES_EMALFORMED, "the snapshot is not an SQLite database");
	if (stat(path, &sb) == 0)
		return es_error_set(ES_EEXISTS, "'%s' exists: restore into a fresh data directory", path);
	/* temporary file, fsync, rename: never a half-written database under the name */
	return es_file_write(path, snap, len, 0600);
}

const struct es_store_ops es_store_sqlite_ops = {
	"sqlite", sq_open, sq_close, sq_begin, sq_commit, sq_rollback, sq_exec, sq_lock_schema, "BLOB", sq_retryable,
	sq_snapshot, sq_restore,
};
