/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* PostgreSQL backend (libpq): PQexecParams only, '?' placeholders numbered. */
#include "es_int.h"
#include "store_int.h"
#include <libpq-fe.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define PG_INT8OID 20
#define PG_INT2OID 21
#define PG_INT4OID 23
#define PG_BYTEAOID 17
#define PG_NUMERICOID 1700

typedef struct pg_db {
	PGconn *conn;
	char sqlstate[6];
} pg_db;

static int pg_fail(pg_db *d, PGresult *r, const char *what)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	memset(d->sqlstate, 0, sizeof(d->sqlstate));
	if (state)
		memcpy(d->sqlstate, state, strnlen(state, 5));
	if (!msg)
		msg = PQerrorMessage(d->conn);
	if (state && strcmp(state, "23505") == 0)
		return es_error_set(ES_EEXISTS, "postgres: %s", msg);
	return es_error_set(ES_EDB, "postgres: %s: %s", what, msg);
}

static void pg_notice(void *arg, const char *msg)
{
	ES_UNUSED(arg);
	ES_UNUSED(msg);
}

static int pg_open(void **out, const char *conninfo)
{
	pg_db *d = es_calloc(1, sizeof(*d));
	if (!d)
		return es_error_set(ES_ENOMEM, "out of memory");
	d->conn = PQconnectdb(conninfo);
	if (!d->conn || PQstatus(d->conn) != CONNECTION_OK) {
		int err = es_error_set(ES_EDB, "cannot connect to postgres: %s",
				       d->conn ? PQerrorMessage(d->conn) : "out of memory");
		PQfinish(d->conn);
		es_free(d);
		return err;
	}
	PQsetNoticeProcessor(d->conn, pg_notice, NULL);
	*out = d;
	return 0;
}

static void pg_close(void *db)
{
	pg_db *d = db;
	if (!d)
		return;
	PQfinish(d->conn);
	es_free(d);
}

static int pg_cmd(pg_db *d, const char *sql)
{
	PGresult *r = PQexecParams(d->conn, sql, 0, NULL, NULL, NULL, NULL, 0);
	int err = 0;
	memset(d->sqlstate, 0, sizeof(d->sqlstate));
	if (!r || (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK))
		err = pg_fail(d, r, sql);
	PQclear(r);
	return err;
}

static int pg_begin(void *db)
{
	return pg_cmd(db, "BEGIN ISOLATION LEVEL READ COMMITTED");
}

static int pg_commit(void *db)
{
	return pg_cmd(db, "COMMIT");
}

static int pg_rollback(void *db)
{
	return pg_cmd(db, "ROLLBACK");
}

static int pg_lock_schema(void *db)
{
	return pg_cmd(db, "SELECT pg_advisory_xact_lock(7317001)");
}

static int pg_retryable(void *db)
{
	pg_db *d = db;
	/* serialization_failure, deadlock_detected, unique_violation (racing inserts) */
	return strcmp(d->sqlstate, "40001") == 0 || strcmp(d->sqlstate, "40P01") == 0 ||
	       strcmp(d->sqlstate, "23505") == 0;
}

/* '?' outside quotes becomes $n. */
static int number_params(es_buf *out, const char *sql)
{
	int n = 0, err;
	char quote = 0;
	for (const char *p = sql; *p; p++) {
		if (quote) {
			if (*p == quote)
				quote = 0;
		} else if (*p == '\'' || *p == '"') {
			quote = *p;
		} else if (*p == '?') {
			if ((err = es_buf_printf(out, "$%d", ++n)) < 0)
				return err;
			continue;
		}
		if ((err = es_buf_put(out, p, 1)) < 0)
			return err;
	}
	return es_buf_put(out, "", 1);
}

static int pg_exec(void *db, const char *sql, const es_sval *params, size_t nparams, es_store_row_fn fn,
		   void *ctx, int64_t *changes)
{
	pg_db *d = db;
	es_buf q = ES_BUF_INIT;
	const char *values[ES_STORE_MAX_PARAMS];
	int lengths[ES_STORE_MAX_PARAMS], formats[ES_STORE_MAX_PARAMS];
	char ints[ES_STORE_MAX_PARAMS][24];
	es_sval cols[ES_STORE_MAX_PARAMS * 2];
	unsigned char *unesc[ES_STORE_MAX_PARAMS * 2];
	PGresult *r = NULL;
	int err = 0;
	memset(unesc, 0, sizeof(unesc));
	memset(d->sqlstate, 0, sizeof(d->sqlstate));
	if ((err = number_params(&q, sql)) < 0)
		goto done;
	for (size_t i = 0; i < nparams; i++) {
		const es_sval *v = &params[i];
		formats[i] = 0;
		lengths[i] = 0;
		switch (v->type) {
		case ES_SV_INT:
			snprintf(ints[i], sizeof(ints[i]), "%lld", (long long)v->i);
			values[i] = ints[i];
			break;
		case ES_SV_TEXT:
			values[i] = v->s;
			break;
		case ES_SV_BLOB:
			values[i] = v->b ? (const char *)v->b : "";
			lengths[i] = (int)v->len;
			formats[i] = 1;
			break;
		default:
			values[i] = NULL;
		}
	}
	r = PQexecParams(d->conn, (const char *)q.ptr, (int)nparams, NULL, values, lengths, formats, 0);
	if (!r || (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)) {
		err = pg_fail(d, r, "statement");
		goto done;
	}
	if (changes) {
		const char *t = PQcmdTuples(r);
		*changes = (t && *t) ? strtoll(t, NULL, 10) : 0;
	}
	if (fn && PQresultStatus(r) == PGRES_TUPLES_OK) {
		int nrows = PQntuples(r), n = PQnfields(r);
		if (n > (int)ES_ARRAY_LEN(cols))
			n = (int)ES_ARRAY_LEN(cols);
		for (int row = 0; row < nrows; row++) {
			for (int c = 0; c < n; c++) {
				es_sval *v = &cols[c];
				memset(v, 0, sizeof(*v));
				if (unesc[c]) {
					PQfreemem(unesc[c]);
					unesc[c] = NULL;
				}
				if (PQgetisnull(r, row, c)) {
					v->type = ES_SV_NULL;
					continue;
				}
				const char *txt = PQgetvalue(r, row, c);
				Oid t = PQftype(r, c);
				if (t == PG_INT8OID || t == PG_INT4OID || t == PG_INT2OID ||
				    (t == PG_NUMERICOID && !strchr(txt, '.'))) {
					v->type = ES_SV_INT;
					v->i = strtoll(txt, NULL, 10);
				} else if (t == PG_BYTEAOID) {
					size_t len = 0;
					unesc[c] = PQunescapeBytea((const unsigned char *)txt, &len);
					if (!unesc[c]) {
						err = es_error_set(ES_ENOMEM, "out of memory");
						goto done;
					}
					v->type = ES_SV_BLOB;
					v->b = unesc[c];
					v->len = len;
				} else {
					v->type = ES_SV_TEXT;
					v->s = txt;
					v->len = (size_t)PQgetlength(r, row, c);
				}
			}
			int rr = fn(ctx, cols, (size_t)n);
			if (rr < 0) {
				err = rr;
				goto done;
			}
			if (rr > 0)
				break;
		}
	}
done:
	for (size_t c = 0; c < ES_ARRAY_LEN(unesc); c++)
		if (unesc[c])
			PQfreemem(unesc[c]);
	PQclear(r);
	es_buf_release(&q);
	return err;
}

/*
 * pg_dump / psql run as child processes (no shell). The connection parameters go
 * to the child in PG* environment variables, never on its command line, so a
 * password does not show in the process list.
 */
static const struct {
	const char *keyword, *env;
} pg_envs[] = {
	{ "host", "PGHOST" },	      { "hostaddr", "PGHOSTADDR" }, { "port", "PGPORT" },
	{ "dbname", "PGDATABASE" },   { "user", "PGUSER" },	    { "password", "PGPASSWORD" },
	{ "sslmode", "PGSSLMODE" },   { "passfile", "PGPASSFILE" }, { "connect_timeout", "PGCONNECT_TIMEOUT" },
};

static void child_env(PQconninfoOption *opts)
{
	for (PQconninfoOption *o = opts; o && o->keyword; o++)
		for (size_t i = 0; i < ES_ARRAY_LEN(pg_envs); i++)
			if (o->val && strcmp(o->keyword, pg_envs[i].keyword) == 0)
				setenv(pg_envs[i].env, o->val, 1);
	unsetenv("PGSERVICE");
}

/* Run @p argv with the connection of @p opts; feed @p in to its stdin or collect stdout in @p out. */
static int pg_child(PQconninfoOption *opts, char *const argv[], const uint8_t *in, size_t inlen, es_buf *out)
{
	int fds[2];
	int err = 0, status = 0;
	if (pipe(fds) != 0)
		return es_error_set(ES_EIO, "cannot create a pipe: %s", strerror(errno));
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return es_error_set(ES_EIO, "cannot start %s: %s", argv[0], strerror(errno));
	}
	if (pid == 0) {
		/* dies with its parent: a killed backup leaves no pg_dump behind */
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		int devnull = open("/dev/null", O_WRONLY);
		child_env(opts);
		if (in) {
			dup2(fds[0], 0);
			dup2(devnull, 1);
		} else {
			dup2(fds[1], 1);
		}
		close(fds[0]);
		close(fds[1]);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (in) {
		close(fds[0]);
		void (*old)(int) = signal(SIGPIPE, SIG_IGN);
		for (size_t done = 0; done < inlen;) {
			ssize_t n = write(fds[1], in + done, inlen - done);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				err = es_error_set(ES_EIO, "%s stopped reading its input", argv[0]);
				break;
			}
			done += (size_t)n;
		}
		close(fds[1]);
		signal(SIGPIPE, old);
	} else {
		close(fds[1]);
		uint8_t buf[65536];
		for (;;) {
			ssize_t n = read(fds[0], buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			if (err == 0)
				err = es_buf_put(out, buf, (size_t)n);
		}
		close(fds[0]);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (err == 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
		err = es_error_set(ES_EIO, "%s failed (exit status %d)%s", argv[0],
				   WIFEXITED(status) ? WEXITSTATUS(status) : -1,
				   WIFEXITED(status) && WEXITSTATUS(status) == 127 ? ": is it installed?" : "");
	return err;
}

static int pg_snapshot(void *db, es_buf *out)
{
	pg_db *d = db;
	char *argv[] = { (char *)"pg_dump", (char *)"--format=plain", (char *)"--no-owner", (char *)"--no-privileges",
			 (char *)"--serializable-deferrable", NULL };
	PQconninfoOption *opts = PQconninfo(d->conn);
	if (!opts)
		return es_error_set(ES_ENOMEM, "out of memory");
	int err = pg_child(opts, argv, NULL, 0, out);
	PQconninfoFree(opts);
	return err;
}

static int pg_restore(const char *conninfo, const uint8_t *snap, size_t len)
{
	char *argv[] = { (char *)"psql", (char *)"-X", (char *)"-q", (char *)"-v", (char *)"ON_ERROR_STOP=1",
			 (char *)"--single-transaction", (char *)"-f", (char *)"-", NULL };
	char *errmsg = NULL;
	PQconninfoOption *opts = PQconninfoParse(conninfo, &errmsg);
	if (!opts) {
		int err = es_error_set(ES_EINVAL, "bad connection string: %s", errmsg ? errmsg : "out of memory");
		PQfreemem(errmsg);
		return err;
	}
	/* only into an empty database */
	PGconn *c = PQconnectdb(conninfo);
	int err = 0;
	if (!c || PQstatus(c) != CONNECTION_OK) {
		err = es_error_set(ES_EDB, "cannot connect to postgres: %s", c ? PQerrorMessage(c) : "out of memory");
	} else {
		PGresult *r = PQexec(c, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'");
		if (!r || PQresultStatus(r) != PGRES_TUPLES_OK)
			err = es_error_set(ES_EDB, "postgres: %s", PQerrorMessage(c));
		else if (strcmp(PQgetvalue(r, 0, 0), "0") != 0)
			err = es_error_set(ES_EEXISTS, "the target database is not empty: restore into a fresh database");
		PQclear(r);
	}
	PQfinish(c);
	if (err == 0)
		err = pg_child(opts, argv, snap, len, NULL);
	PQconninfoFree(opts);
	return err;
}

const struct es_store_ops es_store_pg_ops = {
	"postgres", pg_open, pg_close, pg_begin, pg_commit, pg_rollback, pg_exec, pg_lock_schema, "BYTEA", pg_retryable,
	pg_snapshot, pg_restore,
};
