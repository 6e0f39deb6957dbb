/* SPDX-License-Identifier: AGPL-3.0-or-later */
#include "cli.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *desc;
} commands[] = {
	{ "ca", cmd_ca, "run a built-in certificate authority (init, status)" },
	{ "cert", cmd_cert, "issue, revoke and inspect certificates; issue CRLs" },
	{ "seal", cmd_seal, "make and inspect GB/T 38540 electronic seals" },
	{ "sign", cmd_sign, "sign a file or hash with a seal (SES_Signature)" },
	{ "verify", cmd_verify, "verify a seal, a signature, an OFD or a PDF" },
	{ "image", cmd_image, "render and import seal images" },
	{ "demo", cmd_demo, "run the end-to-end demo (make run)" },
};

static void usage(FILE *to)
{
	fprintf(to, "usage: eseal <command> [options]\n\n"
		    "eseal %s — GB/T 38540 electronic seals: make, sign, verify\n\ncommands:\n",
		es_version());
	for (size_t i = 0; i < ES_ARRAY_LEN(commands); i++)
		fprintf(to, "  %-8s %s\n", commands[i].name, commands[i].desc);
	fprintf(to, "\n'eseal <command> --help' describes each command.\n"
		    "exit codes: 0 success/valid, 1 invalid, 2 indeterminate, 3 usage or I/O error\n");
}

int main(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return argc < 2 ? ES_EXIT_USAGE : ES_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("eseal %s\n", es_version());
		return ES_EXIT_OK;
	}
	for (size_t i = 0; i < ES_ARRAY_LEN(commands); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "eseal: '%s' is not a command\n\n", argv[1]);
	usage(stderr);
	return ES_EXIT_USAGE;
}
