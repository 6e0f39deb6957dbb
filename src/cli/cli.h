/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The eseal command: one cmd_<name>.c per command, listed in main.c.
 *
 * Conventions for every command:
 * - int cmd_<name>(int argc, char **argv): argv[0] is the command name
 *   (e.g. "image"), subcommands follow. Parse options with getopt_long
 *   (reset optind = 0 first); every command and subcommand answers
 *   --help with its usage on stdout and exit 0.
 * - --json prints one JSON document on stdout (jansson), nothing else.
 * - Exit codes: ES_EXIT_OK 0 (success / valid), ES_EXIT_INVALID 1,
 *   ES_EXIT_INDETERMINATE 2, ES_EXIT_USAGE 3 (usage or I/O error).
 * - Errors go to stderr as "eseal: <what failed>: <reason>" via cli_fail().
 */
#ifndef ES_CLI_H
#define ES_CLI_H
#include "es_int.h"
#include <jansson.h>

#define ES_EXIT_OK 0
#define ES_EXIT_INVALID 1
#define ES_EXIT_INDETERMINATE 2
#define ES_EXIT_USAGE 3

/*
 * Set by main() when --json is on the command line: cli_fail() and
 * cli_usage_error() then print {"error": {"code", "what", "message"}} on
 * stdout (usage errors have code "EUSAGE") instead of text on stderr.
 */
extern bool cli_json_mode;

/* Print "eseal: <formatted>: <es_error_last()->message>" to stderr, return ES_EXIT_USAGE. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "eseal: <formatted>" + a hint to see --help, return ES_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print a JSON value on stdout (indented, UTF-8 kept) and free it. */
void cli_print_json(json_t *v);
/* In --json mode a failure is {"error": {"code": "EMALFORMED", "message": "..."}} on stdout. */
int cli_fail_json(const char *what);

/* Read a whole file (max ES_MAX_INPUT_FILE) or stdin for "-". */
int cli_read_file(es_buf *out, const char *path);
/* Write a file atomically (mode 0644), or stdout for "-". */
int cli_write_file(const char *path, const void *data, size_t len);

/*
 * GET the status list at @p url (http or https, no redirects, 60 s at most) into @p body
 * (at most @p max bytes) and its X-Status-Signature header into @p sig_b64 ("" when
 * absent or longer than the platform keeps). ES_EIO unless HTTP 200.
 */
int cli_status_list_get(const char *url, es_buf *body, size_t max, char *sig_b64, size_t cap);
/* Decode standard base64 (with padding) into @p out. */
int cli_unbase64(es_buf *out, const char *b64);

int cmd_ca(int argc, char **argv);
int cmd_cert(int argc, char **argv);
int cmd_seal(int argc, char **argv);
int cmd_sign(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_tsa(int argc, char **argv);
int cmd_image(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_bench(int argc, char **argv);

#endif
