/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Backend-independent half of the store: opening, migrations, helpers. */
#include "es_int.h"
#include "store_int.h"
#include "estime.h"

static int split_uri(const struct es_store_ops **ops, const char **target, const char *uri)
{
	if (strncmp(uri, "sqlite:", 7) == 0) {
		*ops = &es_store_sqlite_ops;
		*target = uri + 7;
	} else if (strncmp(uri, "postgres:", 9) == 0) {
		*ops = &es_store_pg_ops;
		*target = uri + 9;
	} else if (strncmp(uri, "postgresql://", 13) == 0 || strncmp(uri, "postgres://", 11) == 0) {
		*ops = &es_store_pg_ops;
		*target = uri;
	} else {
		*ops = &es_store_sqlite_ops;
		*target = uri;
	}
	if (!**target)
		return es_error_set(ES_EINVAL, "empty store location: give sqlite:PATH or postgres:CONNINFO");
	return 0;
}

/* Run one migration script: statements separated by ";" at the end of a line. */
static int run_script(es_store *st, const char *sql)
{
	int err = 0;
	es_buf stmt = ES_BUF_INIT;
	const char *p = sql;
	while (*p) {
		const char *end = strstr(p, ";\n");
		size_t n = end ? (size_t)(end - p) : strlen(p);
		stmt.len = 0;
		/* the backend's spelling of BLOB (fixed text, never data) */
		for (size_t i = 0; i < n; i++) {
			if (i + 4 <= n && memcmp(p + i, "BLOB", 4) == 0) {
				if ((err = es_buf_puts(&stmt, st->ops->blob_type)) < 0)
					goto done;
				i += 3;
			} else if ((err = es_buf_put(&stmt, p + i, 1)) < 0) {
				goto done;
			}
		}
		if ((err = es_buf_put(&stmt, "", 1)) < 0)
			goto done;
		bool blank = true;
		for (const char *c = (const char *)stmt.ptr; *c; c++) {
			if (*c == '-' && c[1] == '-') {
				while (*c && *c != '\n')
					c++;
				if (!*c)
					break;
				continue;
			}
			if (*c != ' ' && *c != '\n' && *c != '\t')
				blank = false;
		}
		if (!blank && (err = st->ops->exec(st->db, (const char *)stmt.ptr, NULL, 0, NULL, NULL, NULL)) < 0)
			goto done;
		p = end ? end + 2 : p + n;
	}
done:
	es_buf_release(&stmt);
	return err;
}

static int migrate(es_store *st)
{
	int err;
	for (int attempt = 0;; attempt++) {
		int64_t have = 0;
		if ((err = es_store_begin(st)) < 0)
			return err;
		if ((err = st->ops->lock_schema(st->db)) < 0)
			goto fail;
		if ((err = st->ops->exec(st->db,
					 "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, "
					 "name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
					 NULL, 0, NULL, NULL, NULL)) < 0)
			goto fail;
		err = es_store_int(st, &have, "SELECT MAX(version) FROM schema_migrations", NULL, 0);
		if (err == ES_ENOTFOUND)
			have = 0;
		else if (err < 0)
			goto fail;
		for (size_t i = 0; i < es_store_nmigrations; i++) {
			const es_migration *m = &es_store_migrations[i];
			if (m->version <= have)
				continue;
			if ((err = run_script(st, m->sql)) < 0) {
				es_error_wrap(err, "migration %03lld %s", (long long)m->version, m->name);
				goto fail;
			}
			es_sval pv[3] = { ES_SV_I(m->version), ES_SV_S(m->name), ES_SV_I(es_time_now()) };
			if ((err = es_store_exec(st, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
						 pv, 3, NULL, NULL, NULL)) < 0)
				goto fail;
			have = m->version;
		}
		if ((err = es_store_commit(st)) < 0)
			goto fail;
		st->schema_version = have;
		return 0;
	fail:
		{
			bool retry = es_store_retryable(st) && attempt < ES_STORE_TX_RETRIES;
			es_store_rollback(st);
			if (!retry)
				return err;
		}
	}
}

int es_store_open(es_store **out, const char *uri)
{
	ES_ASSERT_ARG(out && uri);
	const struct es_store_ops *ops;
	const char *target;
	int err;
	*out = NULL;
	if ((err = split_uri(&ops, &target, uri)) < 0)
		return err;
	es_store *st = es_calloc(1, sizeof(*st));
	if (!st)
		return es_error_set(ES_ENOMEM, "out of memory");
	st->ops = ops;
	if ((err = ops->open(&st->db, target)) < 0) {
		es_free(st);
		return err;
	}
	if ((err = migrate(st)) < 0) {
		es_store_close(st);
		return err;
	}
	*out = st;
	return 0;
}

void es_store_close(es_store *st)
{
	if (!st)
		return;
	if (st->in_tx)
		es_store_rollback(st);
	st->ops->close(st->db);
	es_free(st);
}

const char *es_store_backend(const es_store *st)
{
	return st ? st->ops->name : "";
}

int64_t es_store_schema_version(const es_store *st)
{
	return st ? st->schema_version : 0;
}

int es_store_begin(es_store *st)
{
	ES_ASSERT_ARG(st && !st->in_tx);
	int err = st->ops->begin(st->db);
	if (err == 0)
		st->in_tx = true;
	return err;
}

int es_store_commit(es_store *st)
{
	ES_ASSERT_ARG(st && st->in_tx);
	int err = st->ops->commit(st->db);
	if (err == 0)
		st->in_tx = false;
	return err;
}

void es_store_rollback(es_store *st)
{
	if (!st || !st->in_tx)
		return;
	(void)st->ops->rollback(st->db);
	st->in_tx = false;
}

bool es_store_in_tx(const es_store *st)
{
	return st && st->in_tx;
}

bool es_store_retryable(es_store *st)
{
	return st && st->ops->retryable(st->db) != 0;
}

int es_store_exec(es_store *st, const char *sql, const es_sval *params, size_t nparams, es_store_row_fn fn,
		  void *ctx, int64_t *changes)
{
	ES_ASSERT_ARG(st && sql);
	if (nparams > ES_STORE_MAX_PARAMS)
		return es_error_set(ES_ELIMIT, "too many parameters (%zu, at most %d)", nparams, ES_STORE_MAX_PARAMS);
	if (strlen(sql) > ES_STORE_MAX_SQL)
		return es_error_set(ES_ELIMIT, "statement too long");
	if (changes)
		*changes = 0;
	return st->ops->exec(st->db, sql, params, nparams, fn, ctx, changes);
}

typedef struct int_ctx {
	int64_t v;
	bool found;
} int_ctx;

static int int_row(void *ctx, const es_sval *cols, size_t n)
{
	int_ctx *c = ctx;
	if (n < 1 || cols[0].type == ES_SV_NULL)
		return 1;
	if (cols[0].type != ES_SV_INT)
		return es_error_set(ES_EDB, "expected an integer column");
	c->v = cols[0].i;
	c->found = true;
	return 1;
}

int es_store_int(es_store *st, int64_t *out, const char *sql, const es_sval *params, size_t nparams)
{
	int_ctx c = { 0, false };
	int err = es_store_exec(st, sql, params, nparams, int_row, &c, NULL);
	if (err < 0)
		return err;
	if (!c.found)
		return ES_ENOTFOUND;
	*out = c.v;
	return 0;
}

typedef struct text_ctx {
	char *out;
	size_t cap;
	bool found;
} text_ctx;

static int text_row(void *ctx, const es_sval *cols, size_t n)
{
	text_ctx *c = ctx;
	if (n < 1)
		return 1;
	size_t len = 0;
	if (cols[0].type == ES_SV_TEXT) {
		len = cols[0].len < c->cap - 1 ? cols[0].len : c->cap - 1;
		memcpy(c->out, cols[0].s, len);
	} else if (cols[0].type == ES_SV_INT) {
		len = (size_t)snprintf(c->out, c->cap, "%lld", (long long)cols[0].i);
		len = len < c->cap ? len : c->cap - 1;
	} else if (cols[0].type != ES_SV_NULL) {
		return es_error_set(ES_EDB, "expected a text column");
	}
	c->out[len] = 0;
	c->found = true;
	return 1;
}

int es_store_text(es_store *st, char *out, size_t cap, const char *sql, const es_sval *params, size_t nparams)
{
	ES_ASSERT_ARG(out && cap);
	text_ctx c = { out, cap, false };
	out[0] = 0;
	int err = es_store_exec(st, sql, params, nparams, text_row, &c, NULL);
	if (err < 0)
		return err;
	return c.found ? 0 : ES_ENOTFOUND;
}

typedef struct blob_ctx {
	es_buf *out;
	bool found;
} blob_ctx;

static int blob_row(void *ctx, const es_sval *cols, size_t n)
{
	blob_ctx *c = ctx;
	if (n < 1)
		return 1;
	if (cols[0].type == ES_SV_BLOB && cols[0].len) {
		int err = es_buf_put(c->out, cols[0].b, cols[0].len);
		if (err < 0)
			return err;
	} else if (cols[0].type != ES_SV_BLOB && cols[0].type != ES_SV_NULL) {
		return es_error_set(ES_EDB, "expected a blob column");
	}
	c->found = true;
	return 1;
}

int es_store_blob(es_store *st, es_buf *out, const char *sql, const es_sval *params, size_t nparams)
{
	ES_ASSERT_ARG(out);
	blob_ctx c = { out, false };
	int err = es_store_exec(st, sql, params, nparams, blob_row, &c, NULL);
	if (err < 0)
		return err;
	return c.found ? 0 : ES_ENOTFOUND;
}

int es_store_next(es_store *st, int64_t *out, const char *counter)
{
	ES_ASSERT_ARG(st && out && counter && st->in_tx);
	es_sval pv[1] = { ES_SV_S(counter) };
	int err = es_store_int(st, out,
			       "INSERT INTO counters (name, value) VALUES (?, 1) ON CONFLICT (name) "
			       "DO UPDATE SET value = counters.value + 1 RETURNING value",
			       pv, 1);
	if (err == ES_ENOTFOUND)
		return es_error_set(ES_EDB, "counter '%s' returned nothing", counter);
	return err;
}

int es_store_snapshot(es_store *st, es_buf *out)
{
	ES_ASSERT_ARG(st && out && !st->in_tx);
	return st->ops->snapshot(st->db, out);
}

int es_store_restore(const char *uri, const uint8_t *snap, size_t len)
{
	ES_ASSERT_ARG(uri && snap);
	const struct es_store_ops *ops;
	const char *target;
	int err = split_uri(&ops, &target, uri);
	return err < 0 ? err : ops->restore(target, snap, len);
}
