/* SPDX-License-Identifier: AGPL-3.0-or-later */
#include "cli.h"
#include "file.h"
#include <stdarg.h>
#include <unistd.h>

bool cli_json_mode;

/* {"error": {"code", "what", "message"}} on stdout for a failure in --json mode. */
static int fail_json(const char *code, const char *what, const char *message)
{
	cli_print_json(json_pack("{s:{s:s,s:s,s:s}}", "error", "code", code, "what", what, "message", message));
	return ES_EXIT_USAGE;
}

int cli_fail(const char *fmt, ...)
{
	va_list ap;
	if (cli_json_mode) {
		char what[512];
		const es_error *e = es_error_last();
		va_start(ap, fmt);
		vsnprintf(what, sizeof(what), fmt, ap);
		va_end(ap);
		return fail_json(e->message[0] ? es_error_name(e->code) : "EINVAL", what, e->message[0] ? e->message : what);
	}
	fputs("eseal: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (es_error_last()->message[0])
		fprintf(stderr, ": %s", es_error_last()->message);
	fputc('\n', stderr);
	return ES_EXIT_USAGE;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	if (cli_json_mode) {
		char msg[1024];
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg), " (see 'eseal %s --help')", cmd);
		return fail_json("EUSAGE", cmd, msg);
	}
	fputs("eseal: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nsee 'eseal %s --help'\n", cmd);
	return ES_EXIT_USAGE;
}

void cli_print_json(json_t *v)
{
	char *s = v ? json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	if (s) {
		puts(s);
		free(s);
	} else {
		/* json_pack refuses NULL strings and text that is not UTF-8: say so rather than print nothing */
		fputs("eseal: the result could not be written as JSON (out of memory, or text that is not UTF-8)\n", stderr);
	}
	json_decref(v);
}

int cli_fail_json(const char *what)
{
	const es_error *e = es_error_last();
	json_t *o = json_pack("{s:{s:s,s:s,s:s}}", "error", "code", es_error_name(e->code), "what",
			      what, "message", e->message);
	cli_print_json(o);
	return ES_EXIT_USAGE;
}

int cli_read_file(es_buf *out, const char *path)
{
	if (strcmp(path, "-") == 0) {
		uint8_t chunk[65536];
		size_t n;
		int err;
		if (out->max < ES_MAX_INPUT_FILE)
			out->max = ES_MAX_INPUT_FILE;
		while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0) {
			if (out->len + n > ES_MAX_INPUT_FILE)
				return es_file_too_large("standard input", out->len + n, ES_MAX_INPUT_FILE);
			if ((err = es_buf_put(out, chunk, n)) < 0)
				return err;
		}
		return out->ptr ? 0 : es_buf_reserve(out, 0);
	}
	return es_file_read(out, path, ES_MAX_INPUT_FILE);
}

int cli_write_file(const char *path, const void *data, size_t len)
{
	if (strcmp(path, "-") == 0) {
		if (fwrite(data, 1, len, stdout) != len)
			return es_error_set(ES_EIO, "cannot write standard output");
		return 0;
	}
	return es_file_write(path, data, len, 0644);
}
