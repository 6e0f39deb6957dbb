/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * eseal demo [--dir DIR] [FILE]: the whole chain in one go — an authority,
 * a signer certificate, a seal with a rendered impression, a time-stamped
 * signature over FILE (default README.md) and its verification report.
 */
#include "cli_pki.h"
#include "file.h"
#include <fcntl.h>
#include <unistd.h>

#define DEMO_ESID "11010500000001"
#define DEMO_UNIT "示例科技有限公司"
#define DEMO_USCC "91110105061311021A"

static bool quiet; /* --json: the steps print nothing ... */
static bool echo = true; /* ... and the command lines are not shown */

/* Run a command with a NULL-terminated list of arguments (copied: commands may permute argv). */
static int run(int (*fn)(int, char **), const char *const *args)
{
	char *argv[32];
	int argc = 0, rc, saved = -1;

	while (args[argc] && argc < 31) {
		argv[argc] = es_strdup(args[argc]);
		if (!argv[argc]) {
			rc = es_error_set(ES_ENOMEM, "out of memory");
			goto done;
		}
		argc++;
	}
	argv[argc] = NULL;
	fflush(stdout);
	if (quiet) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
		saved = dup(STDOUT_FILENO);
		if (null >= 0) {
			dup2(null, STDOUT_FILENO);
			close(null);
		}
	} else if (echo) {
		printf("\n$ eseal");
		for (int i = 0; i < argc; i++)
			printf(" %s", argv[i]);
		printf("\n");
		fflush(stdout);
	}
	rc = fn(argc, argv);
	fflush(stdout);
	if (saved >= 0) {
		dup2(saved, STDOUT_FILENO);
		close(saved);
	}
done:
	for (int i = 0; i < argc; i++)
		es_free(argv[i]);
	return rc;
}

int cmd_demo(int argc, char **argv)
{
	const char *dir = "data", *file = "README.md";
	char path[4096], sig[4096], trust[4096];
	bool json;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			printf("usage: eseal demo [--dir DIR] [--json] [FILE]\n\n"
			       "Create (once) an authority in DIR (default ./data), a signer certificate\n"
			       "and a seal for %s (esID %s), then sign FILE (default README.md)\n"
			       "with a time stamp and verify it against DIR/trust. --json prints only\n"
			       "the final verification report, as 'eseal verify --json' does.\n",
			       DEMO_UNIT, DEMO_ESID);
			return ES_EXIT_OK;
		} else if (strcmp(argv[i], "--json") == 0) {
			quiet = true;
		} else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
			dir = argv[++i];
		} else if (argv[i][0] != '-') {
			file = argv[i];
		} else {
			return cli_usage_error("demo", "unknown option '%s'", argv[i]);
		}
	}
	cli_path(path, sizeof(path), dir, "trust/root.crt");
	if (!es_file_exists(path) &&
	    (rc = run(cmd_ca, (const char *const[]){ "ca", "init", "--dir", dir, NULL })) != 0)
		return rc;
	snprintf(path, sizeof(path), "%s/signers/%s.crt", dir, DEMO_ESID);
	if (!es_file_exists(path) &&
	    (rc = run(cmd_cert,
		      (const char *const[]){ "cert", "issue", "--dir", dir, "--esid", DEMO_ESID, "--unit", DEMO_UNIT,
				  "--credit-code", DEMO_USCC, NULL })) != 0)
		return rc;
	snprintf(path, sizeof(path), "%s/seals/%s.esl", dir, DEMO_ESID);
	if (!es_file_exists(path) &&
	    (rc = run(cmd_seal,
		      (const char *const[]){ "seal", "make", "--dir", dir, "--esid", DEMO_ESID, "--name", DEMO_UNIT,
				  "--kind", "official", NULL })) != 0)
		return rc;
	snprintf(sig, sizeof(sig), "%s/%s.ses", dir, strrchr(file, '/') ? strrchr(file, '/') + 1 : file);
	if ((rc = run(cmd_sign,
		      (const char *const[]){ "sign", file, "--dir", dir, "--esid", DEMO_ESID, "--tsa", "-o", sig,
				  NULL })) != 0)
		return rc;
	cli_path(trust, sizeof(trust), dir, "trust");
	json = quiet;
	quiet = false; /* the report itself goes to stdout */
	echo = !json;
	rc = run(cmd_verify,
		 json ? (const char *const[]){ "verify", sig, "--original", file, "--trust", trust, "--json", NULL }
		      : (const char *const[]){ "verify", sig, "--original", file, "--trust", trust, NULL });
	return rc;
}
