/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* eseal pdf sign|verify|batch — visible electronic seals on PDF (docs/cli/pdf.md) */
#include "cli_pki.h"
#include "eseal/es_pdf.h"
#include "file.h"
#include <getopt.h>

static const char pdf_usage[] =
	"usage: eseal pdf sign FILE --dir DIR --esid ESID [-o OUT] [placement] [--ses] [--tsa] [--json]\n"
	"       eseal pdf sign FILE --seal SEAL --cert CERT --key KEY ...\n"
	"       eseal pdf batch --dir DIR --esid ESID --out-dir OUTDIR [placement] FILE...\n"
	"       eseal pdf verify FILE [--trust DIR] [--json]\n"
	"       eseal pdf bench (--dir DIR --esid ESID | --seal S --cert C --key K) [--seconds S] [--json]\n"
	"\n"
	"Put a visible electronic seal on a PDF by one incremental update (the\n"
	"original bytes and earlier signatures stay untouched), or verify every\n"
	"signature of a PDF (same options and exit codes as 'eseal verify').\n"
	"\n"
	"  --dir DIR --esid ESID   use DIR/seals/ESID.esl, DIR/signers/ESID.crt/.key\n"
	"  --seal, --cert, --key   or name the files (key passphrase: $ESEAL_PASSPHRASE)\n"
	"  --ses                   GB/T 38540 SES_Signature in /Contents (/SubFilter\n"
	"                          /GB38540.SES); default CMS SM2/SM3 (adbe.pkcs7.detached)\n"
	"  --tsa                   add a time stamp from DIR's time-stamping authority\n"
	"placement:\n"
	"  --page N                page (1-based; default: the last page)\n"
	"  --x MM --y MM           top-left corner of the seal from the page's top-left (default 20 20)\n"
	"  --width MM --height MM  seal size (default: the seal picture's size)\n"
	"  --keyword TEXT          centre the seal on TEXT found on the page\n"
	"  --riding                riding seal (骑缝章) across the right edge of all pages\n"
	"  --certify               certifying first signature (DocMDP P=2)\n"
	"  --picture FILE          appearance picture (PNG, JPEG or SVG) instead of the seal's\n"
	"  --reason TEXT, --location TEXT, --name FIELD\n"
	"  -o OUT                  output (default FILE with .sealed.pdf)\n";

typedef struct pdf_job {
	cli_signer sg;
	es_buf pic;
	es_pdf_sign_options so;
} pdf_job;

static void job_release(pdf_job *j)
{
	cli_signer_release(&j->sg);
	es_buf_release(&j->pic);
}

static int parse_mm(double *out, const char *s)
{
	char *end = NULL;
	double v = strtod(s, &end);
	if (!end || *end || end == s || v < -1000 || v > 5000)
		return -1;
	*out = v;
	return 0;
}

static int progress(size_t done, size_t total, const char *path, int rc, void *payload)
{
	bool json = *(bool *)payload;
	if (!json)
		fprintf(stderr, "[%zu/%zu] %s: %s\n", done, total, path, rc == 0 ? "sealed" : es_error_last()->message);
	return 0;
}

static void default_output(char *out, size_t cap, const char *in, const char *outdir)
{
	const char *base = strrchr(in, '/');
	size_t n;
	base = base ? base + 1 : in;
	n = strlen(base);
	if (n > 4 && strcmp(base + n - 4, ".pdf") == 0)
		n -= 4;
	if (outdir)
		snprintf(out, cap, "%s/%.*s.sealed.pdf", outdir, (int)n, base);
	else
		snprintf(out, cap, "%.*s%.*s.sealed.pdf", (int)(base - in), in, (int)n, base);
}

static int pdf_sign_cmd(int argc, char **argv, bool batch)
{
	static const struct option longopts[] = {
		CLI_SIGNER_LONGOPTS,
		{ "tsa", no_argument, NULL, 't' },
		{ "ses", no_argument, NULL, 'S' },           { "cms", no_argument, NULL, 'C' },
		{ "page", required_argument, NULL, 'p' },    { "x", required_argument, NULL, 'x' },
		{ "y", required_argument, NULL, 'y' },       { "width", required_argument, NULL, 'W' },
		{ "height", required_argument, NULL, 'H' },  { "keyword", required_argument, NULL, 'K' },
		{ "riding", no_argument, NULL, 'R' },        { "certify", no_argument, NULL, 'M' },
		{ "picture", required_argument, NULL, 'P' }, { "reason", required_argument, NULL, 'r' },
		{ "location", required_argument, NULL, 'l' }, { "name", required_argument, NULL, 'n' },
		{ "output", required_argument, NULL, 'o' },  { "out-dir", required_argument, NULL, 'O' },
		{ "json", no_argument, NULL, 'j' },          { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	cli_signer_files files = { 0 };
	const char *output = NULL, *outdir = NULL, *picture = NULL;
	bool tsa = false, json = false;
	int c, rc = ES_EXIT_USAGE;
	char outp[4096];
	es_buf data = ES_BUF_INIT, out = ES_BUF_INIT;
	pdf_job j;
	const char *cmd = batch ? "pdf batch" : "pdf sign";

	memset(&j, 0, sizeof(j));
	j.so = (es_pdf_sign_options)ES_PDF_SIGN_OPTIONS_INIT;
	es_buf_init(&j.pic, ES_BUF_DEFAULT_MAX);
	optind = 0;
	while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		if (cli_signer_option(&files, c, optarg))
			continue;
		switch (c) {
		case 't': tsa = true; break;
		case 'S': j.so.encoding = ES_PDF_SES; break;
		case 'C': j.so.encoding = ES_PDF_CMS; break;
		case 'p': {
			char *end = NULL;
			long v = strtol(optarg, &end, 10);
			if (!end || *end || v < 0 || v > 1000000)
				return cli_usage_error(cmd, "--page needs a page number");
			j.so.page = (int)v;
			break;
		}
		case 'x':
			if (parse_mm(&j.so.x_mm, optarg) < 0)
				return cli_usage_error(cmd, "--x needs millimetres");
			break;
		case 'y':
			if (parse_mm(&j.so.y_mm, optarg) < 0)
				return cli_usage_error(cmd, "--y needs millimetres");
			break;
		case 'W':
			if (parse_mm(&j.so.w_mm, optarg) < 0)
				return cli_usage_error(cmd, "--width needs millimetres");
			break;
		case 'H':
			if (parse_mm(&j.so.h_mm, optarg) < 0)
				return cli_usage_error(cmd, "--height needs millimetres");
			break;
		case 'K': j.so.keyword = optarg; break;
		case 'R': j.so.riding = true; break;
		case 'M': j.so.certify = true; break;
		case 'P': picture = optarg; break;
		case 'r': j.so.reason = optarg; break;
		case 'l': j.so.location = optarg; break;
		case 'n': j.so.field_name = optarg; break;
		case 'o': output = optarg; break;
		case 'O': outdir = optarg; break;
		case 'j': json = true; break;
		case 'h': fputs(pdf_usage, stdout); return ES_EXIT_OK;
		default: return cli_usage_error(cmd, "unknown option");
		}
	}
	if (batch ? (optind >= argc || !outdir) : (optind + 1 != argc))
		return cli_usage_error(cmd, batch ? "give --out-dir and one or more FILEs" : "give one FILE");
	if (!(files.dir && files.esid) && (!files.seal || !files.cert || !files.key))
		return cli_usage_error(cmd, "give --dir and --esid, or --seal, --cert and --key");
	if (tsa && !files.dir)
		return cli_usage_error(cmd, "--tsa needs --dir (the authority folder with tsa.crt)");
	if (cli_signer_load(&j.sg, &files, true, tsa) < 0) {
		rc = json ? cli_fail_json(cmd) : cli_fail("%s", cmd);
		goto done;
	}
	j.so.tsa_cert = j.sg.tsa_cert;
	j.so.tsa_key = j.sg.tsa_key;
	if (picture) {
		if (cli_read_file(&j.pic, picture) < 0) {
			rc = cli_fail("cannot read '%s'", picture);
			goto done;
		}
		j.so.picture = j.pic.ptr;
		j.so.picture_len = j.pic.len;
	}
	if (batch) {
		size_t n = (size_t)(argc - optind), nok = 0;
		char **outs = es_calloc(n, sizeof(char *));
		int err;
		if (!outs || es_mkdirs(outdir, 0755) < 0) {
			es_free(outs);
			rc = cli_fail("%s: '%s'", cmd, outdir);
			goto done;
		}
		for (size_t i = 0; i < n; i++) {
			default_output(outp, sizeof(outp), argv[optind + (int)i], outdir);
			outs[i] = es_malloc(strlen(outp) + 1);
			if (outs[i])
				memcpy(outs[i], outp, strlen(outp) + 1);
		}
		for (size_t i = 0; i < n; i++)
			if (!outs[i])
				goto batch_done;
		err = es_pdf_sign_batch((const char *const *)(argv + optind), (const char *const *)outs, n, &j.so, j.sg.seal,
					j.sg.cert, j.sg.key, progress, &json, &nok);
		if (json)
			cli_print_json(json_pack("{s:I,s:I,s:I}", "files", (json_int_t)n, "sealed", (json_int_t)nok,
						 "failed", (json_int_t)(n - nok)));
		else
			printf("sealed %zu of %zu files\n", nok, n);
		rc = err == 0 ? ES_EXIT_OK : ES_EXIT_INVALID;
batch_done:
		for (size_t i = 0; i < n; i++)
			es_free(outs[i]);
		es_free(outs);
		goto done;
	}
	if (cli_read_file(&data, argv[optind]) < 0) {
		rc = cli_fail("cannot read '%s'", argv[optind]);
		goto done;
	}
	if (output)
		snprintf(outp, sizeof(outp), "%s", output);
	else
		default_output(outp, sizeof(outp), argv[optind], NULL);
	/* only the update is made; the original is written from the one copy read */
	if (es_pdf_sign_update(&out, data.ptr, data.len, &j.so, j.sg.seal, j.sg.cert, j.sg.key) < 0) {
		rc = json ? cli_fail_json(cmd) : cli_fail("cannot seal '%s'", argv[optind]);
		goto done;
	}
	if (strcmp(outp, "-") == 0) {
		if (fwrite(data.ptr, 1, data.len, stdout) != data.len || fwrite(out.ptr, 1, out.len, stdout) != out.len) {
			rc = cli_fail("cannot write standard output");
			goto done;
		}
	} else {
		es_file_part parts[2] = { { data.ptr, data.len }, { out.ptr, out.len } };
		if (es_file_writev(outp, parts, 2, 0644) < 0) {
			rc = cli_fail("cannot write '%s'", outp);
			goto done;
		}
	}
	if (json)
		cli_print_json(json_pack("{s:s,s:I,s:s,s:b}", "output", outp, "bytes", (json_int_t)(data.len + out.len), "subfilter",
					 j.so.encoding == ES_PDF_SES ? ES_PDF_SUBFILTER_SES : ES_PDF_SUBFILTER_CMS,
					 "timestamp", tsa));
	else if (strcmp(outp, "-") != 0)
		printf("sealed: %s (%zu bytes, /SubFilter /%s%s)\n", outp, data.len + out.len,
		       j.so.encoding == ES_PDF_SES ? ES_PDF_SUBFILTER_SES : ES_PDF_SUBFILTER_CMS,
		       tsa ? ", time-stamped" : "");
	rc = ES_EXIT_OK;
done:
	es_buf_release(&data);
	es_buf_release(&out);
	job_release(&j);
	return rc;
}

/* ---- bench ------------------------------------------------------------------ */

static int pdf_bench(int argc, char **argv)
{
	double seconds;
	bool json;
	int rc;
	cli_signer sg;
	es_pdf_bench_result br;

	if ((rc = cli_bench_begin(argc, argv, "pdf bench", pdf_usage, &sg, &seconds, &json)) >= 0)
		goto done;
	if (es_pdf_bench(&br, seconds, NULL, 0, sg.seal, sg.cert, sg.key) < 0) {
		rc = cli_fail("pdf bench");
		goto done;
	}
	if (json)
		cli_print_json(json_pack("{s:f,s:f,s:f,s:I}", "pdf_per_s", br.pdf_per_s, "sm2_per_s", br.sm2_per_s,
					 "ratio", br.ratio, "pdf_bytes", (json_int_t)br.pdf_bytes));
	else
		printf("PDF sealed: %.1f/s (one page, %zu bytes sealed)\nSM2 sign:   %.1f/s\nratio:      %.2f\n",
		       br.pdf_per_s, br.pdf_bytes, br.sm2_per_s, br.ratio);
	rc = ES_EXIT_OK;
done:
	cli_signer_release(&sg);
	return rc;
}

int cmd_pdf(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		if (argc < 2)
			return cli_usage_error("pdf", "give a subcommand: sign, batch, verify or bench");
		fputs(pdf_usage, stdout);
		return ES_EXIT_OK;
	}
	if (strcmp(argv[1], "sign") == 0)
		return pdf_sign_cmd(argc - 1, argv + 1, false);
	if (strcmp(argv[1], "batch") == 0)
		return pdf_sign_cmd(argc - 1, argv + 1, true);
	if (strcmp(argv[1], "bench") == 0)
		return pdf_bench(argc - 1, argv + 1);
	if (strcmp(argv[1], "verify") == 0)
		return cmd_verify(argc - 1, argv + 1); /* argv[1] is "verify": same options */
	return cli_usage_error("pdf", "unknown subcommand '%s'", argv[1]);
}
