/* SPDX-License-Identifier: AGPL-3.0-or-later */
/**
 * @file es_store.h
 * @brief The platform's storage interface: one vtable (struct es_store_ops),
 *        two backends (SQLite, PostgreSQL). src/store is the only code that
 *        includes sqlite3.h or libpq-fe.h.
 *
 * SQL is written once, with '?' placeholders; the PostgreSQL backend
 * numbers them ($1, $2 ...). Every statement is prepared and its
 * parameters bound (sqlite3_prepare_v2 + sqlite3_bind_*, PQexecParams);
 * nothing is ever formatted into SQL text. Row values handed to a row
 * callback live until the callback returns.
 */
#ifndef ESEAL_ES_STORE_H
#define ESEAL_ES_STORE_H
#include <string.h>
#include "es_types.h"
#ifdef __cplusplus
extern "C" {
#endif

typedef enum es_sval_type { ES_SV_NULL = 0, ES_SV_INT, ES_SV_TEXT, ES_SV_BLOB } es_sval_type;

/** One bound parameter or one column of a result row. */
typedef struct es_sval {
	int type;          /**< es_sval_type */
	int64_t i;         /**< ES_SV_INT */
	const char *s;     /**< ES_SV_TEXT (NUL-terminated) */
	const uint8_t *b;  /**< ES_SV_BLOB */
	size_t len;        /**< ES_SV_TEXT / ES_SV_BLOB length */
} es_sval;

static inline es_sval es_sv_int(int64_t v)
{
	es_sval r = { ES_SV_INT, v, NULL, NULL, 0 };
	return r;
}
static inline es_sval es_sv_text(const char *s)
{
	es_sval r = { s ? ES_SV_TEXT : ES_SV_NULL, 0, s, NULL, s ? strlen(s) : 0 };
	return r;
}
static inline es_sval es_sv_blob(const void *p, size_t n)
{
	es_sval r = { p ? ES_SV_BLOB : ES_SV_NULL, 0, NULL, (const uint8_t *)p, n };
	return r;
}
#define ES_SV_I(v) es_sv_int((int64_t)(v))
#define ES_SV_S(v) es_sv_text(v)
#define ES_SV_B(p, n) es_sv_blob((p), (n))
#define ES_SV_NUL ((es_sval){ ES_SV_NULL, 0, NULL, NULL, 0 })

/** Row callback: return 0 to go on, 1 to stop early, negative to fail. */
typedef int (*es_store_row_fn)(void *ctx, const es_sval *cols, size_t ncols);

/** A storage backend. All functions return 0 or a negative es_error. */
struct es_store_ops {
	const char *name;                             /**< "sqlite" or "postgres" */
	int (*open)(void **db, const char *target);   /**< file path / libpq conninfo */
	void (*close)(void *db);
	int (*begin)(void *db);                       /**< a write transaction */
	int (*commit)(void *db);
	int (*rollback)(void *db);
	/** Prepare, bind, run one statement; rows (if any) to @p fn; *changes = rows changed. */
	int (*exec)(void *db, const char *sql, const es_sval *params, size_t nparams,
		    es_store_row_fn fn, void *ctx, int64_t *changes);
	/** Serialise schema migrations between processes (inside begin()). */
	int (*lock_schema)(void *db);
	/** Backend spelling of a DDL type ("BLOB" is "BYTEA" in PostgreSQL). */
	const char *blob_type;
	/** Is @p code (from exec) a retryable conflict (busy, serialisation, unique race)? */
	int (*retryable)(void *db);
	/** A consistent online snapshot appended to @p out (SQLite backup API / pg_dump). */
	int (*snapshot)(void *db, es_buf *out);
	/** Load a snapshot into the empty store @p target (a new SQLite file / an empty database). */
	int (*restore)(const char *target, const uint8_t *snap, size_t len);
};

typedef struct es_store es_store;

/**
 * Open a store and bring its schema up to date. @p uri is
 * "sqlite:PATH", "postgres:CONNINFO" (or "postgresql://..."), or a plain path (SQLite).
 */
ES_EXTERN(int) es_store_open(es_store **out, const char *uri) ES_WARN_UNUSED;
ES_EXTERN(void) es_store_close(es_store *st);
ES_EXTERN(const char *) es_store_backend(const es_store *st);
/** Schema version after open (the highest migration applied). */
ES_EXTERN(int64_t) es_store_schema_version(const es_store *st);

ES_EXTERN(int) es_store_begin(es_store *st) ES_WARN_UNUSED;
ES_EXTERN(int) es_store_commit(es_store *st) ES_WARN_UNUSED;
ES_EXTERN(void) es_store_rollback(es_store *st);
ES_EXTERN(bool) es_store_in_tx(const es_store *st);
/** Was the last failure a transient conflict worth retrying the transaction for? */
ES_EXTERN(bool) es_store_retryable(es_store *st);

ES_EXTERN(int) es_store_exec(es_store *st, const char *sql, const es_sval *params, size_t nparams,
			     es_store_row_fn fn, void *ctx, int64_t *changes) ES_WARN_UNUSED;
/** Run a query expecting at most one row of one integer; ES_ENOTFOUND if none. */
ES_EXTERN(int) es_store_int(es_store *st, int64_t *out, const char *sql, const es_sval *params,
			    size_t nparams) ES_WARN_UNUSED;
/**
 * Run a query expecting at most one row of one text (or integer) column, copied into @p out
 * (truncated to @p cap - 1 bytes, NUL-terminated; "" for NULL); ES_ENOTFOUND if no row.
 */
ES_EXTERN(int) es_store_text(es_store *st, char *out, size_t cap, const char *sql, const es_sval *params,
			     size_t nparams) ES_WARN_UNUSED;
/**
 * Run a query expecting at most one row of one blob column, appended to @p out (nothing for
 * NULL; ES_EDB for a column of another type); ES_ENOTFOUND (no message) if no row.
 */
ES_EXTERN(int) es_store_blob(es_store *st, es_buf *out, const char *sql, const es_sval *params,
			     size_t nparams) ES_WARN_UNUSED;
/** A consistent snapshot of the whole store, taken while others keep writing. */
ES_EXTERN(int) es_store_snapshot(es_store *st, es_buf *out) ES_WARN_UNUSED;
/** Load a snapshot (of the same backend) into a new, empty store at @p uri; then es_store_open it. */
ES_EXTERN(int) es_store_restore(const char *uri, const uint8_t *snap, size_t len) ES_WARN_UNUSED;
/** Next value of a named counter, inside the current transaction (never reused). */
ES_EXTERN(int) es_store_next(es_store *st, int64_t *out, const char *counter) ES_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
