/* SPDX-License-Identifier: AGPL-3.0-or-later */
#include "cli.h"
#include <getopt.h>

/*
 * Commands of optional layers are weak references: a layer that is not
 * part of the build leaves its command out (NULL), nothing else.
 */
extern int cmd_ofd(int argc, char **argv) __attribute__((weak));
extern int cmd_pdf(int argc, char **argv) __attribute__((weak));
extern int cmd_platform(int argc, char **argv) __attribute__((weak));
extern int cmd_jobs(int argc, char **argv) __attribute__((weak));
extern int cmd_registry(int argc, char **argv) __attribute__((weak));
extern int cmd_audit(int argc, char **argv) __attribute__((weak));
extern int cmd_backup(int argc, char **argv) __attribute__((weak));
extern int cmd_restore(int argc, char **argv) __attribute__((weak));
extern int cmd_serve(int argc, char **argv) __attribute__((weak));

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *desc;
} commands[] = {
	{ "ca", cmd_ca, "run a built-in certificate authority" },
	{ "cert", cmd_cert, "issue, revoke and inspect certificates; issue CRLs" },
	{ "seal", cmd_seal, "make and inspect GB/T 38540 electronic seals" },
	{ "sign", cmd_sign, "sign a file or hash with a seal (SES_Signature)" },
	{ "verify", cmd_verify, "verify a seal, a signature, an OFD or a PDF" },
	{ "image", cmd_image, "render and import seal images" },
	{ "ofd", cmd_ofd, "seal and verify OFD documents" },
	{ "pdf", cmd_pdf, "seal and verify PDF documents" },
	{ "platform", cmd_platform, "the seal platform: units, people, applications, seals" },
	{ "jobs", cmd_jobs, "run the platform's scheduled jobs" },
	{ "registry", cmd_registry, "import a business registration feed" },
	{ "audit", cmd_audit, "verify the tamper-evident audit log" },
	{ "backup", cmd_backup, "make an encrypted, authenticated backup" },
	{ "restore", cmd_restore, "restore a backup and verify it" },
	{ "serve", cmd_serve, "run the HTTP service" },
	{ "demo", cmd_demo, "run the end-to-end demo (make run)" },
	{ "bench", cmd_bench, "measure our SM2/SM3 beside OpenSSL's" },
};

static void usage(FILE *to)
{
	fprintf(to, "usage: eseal <command> [options]\n\n"
		    "eseal %s — GB/T 38540 electronic seals: make, sign, verify\n\ncommands:\n",
		es_version());
	for (size_t i = 0; i < ES_ARRAY_LEN(commands); i++)
		if (commands[i].fn)
			fprintf(to, "  %-9s %s\n", commands[i].name, commands[i].desc);
	fprintf(to, "\n'eseal <command> --help' describes each command.\n"
		    "exit codes: 0 success/valid, 1 invalid, 2 indeterminate, 3 usage or I/O error,\n"
		    "            4 refused by a rule or a role (platform, jobs, registry, audit, backup)\n"
		    "--json: the result, or {\"error\": {...}} on failure, as JSON on stdout\n");
}

int main(int argc, char **argv)
{
	es_process_tune();
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return argc < 2 ? ES_EXIT_USAGE : ES_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("eseal %s\n", es_version());
		return ES_EXIT_OK;
	}
	for (int i = 2; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--json") == 0)
			cli_json_mode = true;
	if (cli_json_mode)
		opterr = 0; /* getopt's text would come before the JSON error */
	for (size_t i = 0; i < ES_ARRAY_LEN(commands); i++)
		if (commands[i].fn && strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "eseal: '%s' is not a command\n\n", argv[1]);
	usage(stderr);
	return ES_EXIT_USAGE;
}
