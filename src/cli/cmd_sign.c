/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* eseal sign FILE | --hash HEX  — a detached GB/T 38540 SES_Signature */
#include "cli_pki.h"
#include "file.h"
#include <getopt.h>

static const char sign_usage[] =
	"usage: eseal sign FILE --dir DIR --esid ESID [-o OUT] [--tsa] [--property TEXT] [--json]\n"
	"       eseal sign FILE --seal SEAL --cert CERT --key KEY [-o OUT] ...\n"
	"       eseal sign --hash HEX ...\n"
	"\n"
	"Make a detached SES_Signature (GB/T 38540-2020 v4) over FILE (dataHash =\n"
	"SM3 of its bytes) or over a given SM3 hash. The signer certificate must be\n"
	"in the seal's certList and, like the seal, valid now.\n"
	"\n"
	"  --dir DIR --esid ESID   use DIR/seals/ESID.esl, DIR/signers/ESID.crt/.key\n"
	"  --seal, --cert, --key   or name the files (key passphrase: $ESEAL_PASSPHRASE)\n"
	"  --tsa                   add a time stamp from DIR's time-stamping authority\n"
	"  --property TEXT         propertyInfo, the protection scope (default: FILE's name)\n"
	"  --hash HEX              sign a 32-byte SM3 hash instead of a file\n"
	"  -o OUT                  output (default FILE.ses)\n";

static int unhex32(uint8_t out[32], const char *hex)
{
	if (strlen(hex) != 64)
		return -1;
	for (int i = 0; i < 32; i++) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return 0;
}

int cmd_sign(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_SIGNER_LONGOPTS,
		{ "tsa", no_argument, NULL, 't' },
		{ "property", required_argument, NULL, 'p' }, { "hash", required_argument, NULL, 'H' },
		{ "output", required_argument, NULL, 'o' }, { "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },       { NULL, 0, NULL, 0 },
	};
	cli_signer_files files = { 0 };
	const char *prop = NULL, *hash_hex = NULL, *output = NULL, *input = NULL;
	bool tsa = false, json = false;
	int c, rc = ES_EXIT_USAGE;
	char outp[4096];
	uint8_t hash[32];
	es_buf data = ES_BUF_INIT, out = ES_BUF_INIT, propb = ES_BUF_INIT;
	cli_signer sg;
	es_sign_options so = ES_SIGN_OPTIONS_INIT;

	optind = 0;
	while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		if (cli_signer_option(&files, c, optarg))
			continue;
		switch (c) {
		case 't': tsa = true; break;
		case 'p': prop = optarg; break;
		case 'H': hash_hex = optarg; break;
		case 'o': output = optarg; break;
		case 'j': json = true; break;
		case 'h': fputs(sign_usage, stdout); return ES_EXIT_OK;
		default: return cli_usage_error("sign", "unknown option");
		}
	}
	if (optind < argc)
		input = argv[optind++];
	if (optind != argc || (!input == !hash_hex))
		return cli_usage_error("sign", "give one FILE or --hash HEX");
	if (hash_hex && unhex32(hash, hash_hex) < 0)
		return cli_usage_error("sign", "--hash must be 64 hex digits (an SM3 hash)");
	if (!(files.dir && files.esid) && (!files.seal || !files.cert || !files.key))
		return cli_usage_error("sign", "give --dir and --esid, or --seal, --cert and --key");
	if (tsa && !files.dir)
		return cli_usage_error("sign", "--tsa needs --dir (the authority folder with tsa.crt)");
	if (cli_signer_load(&sg, &files, true, tsa) < 0)
		return json ? cli_fail_json("sign") : cli_fail("sign");
	so.tsa_cert = sg.tsa_cert;
	so.tsa_key = sg.tsa_key;
	if (input) {
		const char *base = strrchr(input, '/');
		if (cli_read_file(&data, input) < 0) {
			rc = cli_fail("cannot read '%s'", input);
			goto done;
		}
		so.data = data.ptr;
		so.data_len = data.len;
		if (!prop)
			prop = base ? base + 1 : input;
	} else {
		so.data_hash = hash;
	}
	/* propertyInfo is an IA5String: keep a non-ASCII name, percent-encoded (RFC 3986) */
	for (const unsigned char *q = (const unsigned char *)(prop ? prop : ""); *q; q++) {
		int e = (*q < 0x80 && *q >= 0x20 && *q != '%') ? es_buf_put(&propb, q, 1)
							       : es_buf_printf(&propb, "%%%02X", *q);
		if (e < 0) {
			rc = cli_fail("sign");
			goto done;
		}
	}
	so.property_info = propb.len ? (const char *)propb.ptr : NULL;
	if (es_ses_sign(&out, &so, sg.seal, sg.cert, sg.key) < 0) {
		rc = json ? cli_fail_json("sign") : cli_fail("cannot sign");
		goto done;
	}
	if (output)
		snprintf(outp, sizeof(outp), "%s", output);
	else if (input && strcmp(input, "-") != 0)
		snprintf(outp, sizeof(outp), "%s.ses", input);
	else
		snprintf(outp, sizeof(outp), "-");
	if (cli_write_file(outp, out.ptr, out.len) < 0) {
		rc = cli_fail("cannot write '%s'", outp);
		goto done;
	}
	if (json)
		cli_print_json(json_pack("{s:s,s:I,s:b}", "signature", outp, "bytes", (json_int_t)out.len, "timestamp",
					 tsa));
	else if (strcmp(outp, "-") != 0)
		printf("signed: %s (%zu bytes%s)\n", outp, out.len, tsa ? ", time-stamped" : "");
	rc = ES_EXIT_OK;
done:
	es_buf_release(&data);
	es_buf_release(&out);
	es_buf_release(&propb);
	cli_signer_release(&sg);
	return rc;
}
