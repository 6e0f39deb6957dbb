/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * eseal verify FILE [--original FILE] [--trust DIR] [--cert FILE]...
 *              [--status FILE [--status-sig FILE] | --status-url URL] [--policy sm|any]
 *              [--at TIME] [--json]
 * The stable scripting entry point: exit 0 valid, 1 invalid,
 * 2 indeterminate, 3 usage or I/O error.
 */
#include "cli.h"
#include "cli_pki.h"
#include "eseal/es_verify.h"
#include "eseal/es_pdf.h"
#include "eseal/es_ofd.h"
#include "estime.h"
#include <getopt.h>
#include <unistd.h>

static const char usage_text[] =
	"usage: eseal verify FILE [options]\n"
	"\n"
	"Verify an electronic seal (.esl), an SES_Signature, a GM/T 0010 SignedData,\n"
	"a bare SM2 signature, an OFD document (every signature of the package) or\n"
	"a PDF (every signature field). The kind is recognised by content.\n"
	"\n"
	"options:\n"
	"  --original FILE   the signed original (what dataHash covers; for OFD\n"
	"                    signed values, the Signature.xml)\n"
	"  --trust DIR       trust anchors, intermediates and CRLs (*.pem, *.crt,\n"
	"                    *.cer, *.der, *.crl); without it chains are indeterminate\n"
	"  --cert FILE       a certificate (PEM/DER) or a seal (.esl) whose certList\n"
	"                    supplies certificates, for signatures that embed none;\n"
	"                    may be repeated\n"
	"  --status FILE     a seal maker's signed status list (JSON: {\"issuer\",\n"
	"                    \"generated\", \"next_update\", \"seals\": [{\"esid\", \"status\",\n"
	"                    \"since\", \"reason\"}]}, e.g. the platform's status.json);\n"
	"                    believed only when its signature verifies with the seal's\n"
	"                    trusted maker certificate; seals it does not list are active\n"
	"  --status-sig FILE the list's SM2 signature (default: FILE.sig)\n"
	"  --status-url URL  fetch the signed status list from a platform instead\n"
	"                    (https://HOST/api/v1/status-list; its signature comes in\n"
	"                    the X-Status-Signature header and is checked the same way)\n"
	"  --policy P        sm (default): only SM2/SM3 can make a signature valid,\n"
	"                    other algorithms are checked and at most indeterminate;\n"
	"                    any: RSA, ECDSA, SHA-1, SHA-256 and MD5 judged on their merits\n"
	"  --at TIME         verify as of TIME (2025-01-31 or 2025-01-31T08:00:00Z)\n"
	"  --json            print the report as JSON\n"
	"  -h, --help        this text\n"
	"\n"
	"exit codes: 0 valid, 1 invalid, 2 indeterminate, 3 usage or I/O error\n";

int cmd_verify(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "original", required_argument, NULL, 'o' }, { "trust", required_argument, NULL, 't' },
		{ "cert", required_argument, NULL, 'c' },     { "status", required_argument, NULL, 's' },
		{ "at", required_argument, NULL, 'a' },       { "json", no_argument, NULL, 'j' },
		{ "status-sig", required_argument, NULL, 'S' }, { "policy", required_argument, NULL, 'p' },
		{ "status-url", required_argument, NULL, 'U' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *original = NULL, *trust_dir = NULL, *status_file = NULL, *status_sig = NULL, *at = NULL;
	const char *status_url = NULL;
	const char *cert_files[16];
	size_t ncert_files = 0;
	bool json = false;
	int c, rc = ES_EXIT_USAGE;
	es_buf file = ES_BUF_INIT, orig = ES_BUF_INIT, out = ES_BUF_INIT;
	es_verify_options vo = ES_VERIFY_OPTIONS_INIT;
	es_trust *trust = NULL;
	cli_certs certs = { 0 };
	es_status_list *sl = NULL;
	es_buf sl_json = ES_BUF_INIT, sl_sig = ES_BUF_INIT, sl_path = ES_BUF_INIT;
	es_report report;

	es_report_init(&report);
	es_verify_register_pdf(es_pdf_verify_file);
	es_verify_register_ofd(es_ofd_verify);
	optind = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': original = optarg; break;
		case 't': trust_dir = optarg; break;
		case 'c':
			if (ncert_files >= ES_ARRAY_LEN(cert_files))
				return cli_usage_error("verify", "too many --cert options (at most 16)");
			cert_files[ncert_files++] = optarg;
			break;
		case 's': status_file = optarg; break;
		case 'S': status_sig = optarg; break;
		case 'U': status_url = optarg; break;
		case 'p':
			if (strcmp(optarg, "sm") == 0)
				vo.policy = ES_POLICY_SM;
			else if (strcmp(optarg, "any") == 0)
				vo.policy = ES_POLICY_ANY;
			else
				return cli_usage_error("verify", "--policy '%s': expected sm or any", optarg);
			break;
		case 'a': at = optarg; break;
		case 'j': json = true; break;
		case 'h': fputs(usage_text, stdout); return ES_EXIT_OK;
		default: return cli_usage_error("verify", "unknown option");
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("verify", "expected exactly one FILE to verify");
	if (status_url && (status_file || status_sig))
		return cli_usage_error("verify", "give --status FILE or --status-url URL, not both");

	es_error_clear();
	if (cli_read_file(&file, argv[optind]) < 0) {
		rc = json ? cli_fail_json("read") : cli_fail("cannot read '%s'", argv[optind]);
		goto done;
	}
	if (original) {
		if (cli_read_file(&orig, original) < 0) {
			rc = json ? cli_fail_json("read") : cli_fail("cannot read original '%s'", original);
			goto done;
		}
		vo.original = orig.ptr;
		vo.original_len = orig.len;
		vo.has_original = true;
	}
	if (trust_dir) {
		if (es_trust_new(&trust) < 0 || es_trust_load_dir(trust, trust_dir) < 0) {
			rc = json ? cli_fail_json("trust") : cli_fail("cannot load trust store '%s'", trust_dir);
			goto done;
		}
		vo.trust = trust;
	}
	for (size_t i = 0; i < ncert_files; i++) {
		if (cli_certs_load(&certs, cert_files[i]) < 0) {
			rc = json ? cli_fail_json("cert") : cli_fail("cannot load certificates from '%s'", cert_files[i]);
			goto done;
		}
	}
	vo.certs = certs.v;
	vo.ncerts = certs.n;
	if (status_file) {
		/* the list and its signature; a missing signature leaves the list unbelieved (seal-status says so) */
		if (!status_sig) {
			if (es_buf_printf(&sl_path, "%s.sig", status_file) < 0) {
				rc = cli_fail("out of memory");
				goto done;
			}
			status_sig = (const char *)sl_path.ptr;
		}
		if (cli_read_file(&sl_json, status_file) < 0) {
			rc = json ? cli_fail_json("status") : cli_fail("cannot read status list '%s'", status_file);
			goto done;
		}
		if (access(status_sig, F_OK) == 0 && cli_read_file(&sl_sig, status_sig) < 0) {
			rc = json ? cli_fail_json("status") : cli_fail("cannot read status list signature '%s'", status_sig);
			goto done;
		}
		if (es_status_list_parse(&sl, sl_json.ptr, sl_json.len, sl_sig.ptr, sl_sig.len) < 0) {
			rc = json ? cli_fail_json("status") : cli_fail("cannot read status list '%s'", status_file);
			goto done;
		}
		vo.status_list = sl;
	} else if (status_url) {
		/* the same list over HTTP: the body is the signed JSON, the signature base64 in a header */
		char sig_b64[512];
		if (cli_status_list_get(status_url, &sl_json, ES_STATUS_LIST_MAX, sig_b64, sizeof(sig_b64)) < 0 ||
		    (sig_b64[0] && cli_unbase64(&sl_sig, sig_b64) < 0) ||
		    es_status_list_parse(&sl, sl_json.ptr, sl_json.len, sl_sig.ptr, sl_sig.len) < 0) {
			rc = json ? cli_fail_json("status") : cli_fail("cannot read the status list at '%s'", status_url);
			goto done;
		}
		vo.status_list = sl;
	}
	if (at && es_time_parse(&vo.now, at) != 0) {
		rc = cli_usage_error("verify", "--at '%s' is not a date (2025-01-31 or 2025-01-31T08:00:00Z)", at);
		goto done;
	}

	if (es_verify_file(&report, file.ptr, file.len, &vo) < 0 && report.nsigs == 0) {
		rc = json ? cli_fail_json("verify") : cli_fail("cannot verify '%s'", argv[optind]);
		goto done;
	}
	es_report_finish(&report);
	if (json ? es_report_json(&out, &report) : es_report_text(&out, &report)) {
		rc = cli_fail("cannot format the report");
		goto done;
	}
	fwrite(out.ptr, 1, out.len, stdout);
	if (json)
		fputc('\n', stdout);
	rc = report.verdict == ES_VERDICT_VALID ? ES_EXIT_OK
	     : report.verdict == ES_VERDICT_INVALID ? ES_EXIT_INVALID : ES_EXIT_INDETERMINATE;
done:
	es_report_release(&report);
	es_buf_release(&file);
	es_buf_release(&orig);
	es_buf_release(&out);
	es_trust_free(trust);
	cli_certs_release(&certs);
	es_status_list_free(sl);
	es_buf_release(&sl_json);
	es_buf_release(&sl_sig);
	es_buf_release(&sl_path);
	return rc;
}
