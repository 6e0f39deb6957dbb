/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * eseal ca init   — create a built-in authority folder (root, seal maker, TSA, CRL)
 * eseal cert issue — issue a signer certificate (key generated here, or from a CSR)
 * eseal cert revoke / crl / show
 */
#include "cli_pki.h"
#include "text.h"
#include "file.h"
#include "estime.h"
#include "eseal/es_ids.h"
#include <getopt.h>
#include <sys/stat.h>

#define YEAR (365 * 86400LL)

static const char ca_usage[] =
	"usage: eseal ca init --dir DIR [--org NAME] [--credit-code USCC] [--years N] [--json]\n"
	"\n"
	"Create a certificate authority for seal making in DIR: an SM2 root (trust\n"
	"anchor, DIR/trust/root.crt), a seal-maker certificate (制章者, DIR/maker.crt),\n"
	"a time-stamping authority (DIR/tsa.crt) and an empty CRL. Private keys are\n"
	"PKCS#8 encrypted under $ESEAL_PASSPHRASE; when it is unset a random passphrase\n"
	"is generated into DIR/private/passphrase (mode 0600) — fine for a demo, not for\n"
	"production, where keys belong in a token (PKCS#11).\n"
	"\n"
	"  --org NAME           authority name (default 电子印章制作中心 (demo))\n"
	"  --credit-code USCC   the authority's unified social credit code\n"
	"                       (default 12100000000018032A)\n"
	"  --years N            root validity in years (default 20; others 10)\n";

static const char cert_usage[] =
	"usage: eseal cert issue --dir DIR --esid ESID --unit NAME --credit-code USCC\n"
	"                        [--csr FILE] [--days N] [--json]\n"
	"       eseal cert revoke --dir DIR CERT [--reason NAME] [--json]\n"
	"       eseal cert crl --dir DIR [--days N]\n"
	"       eseal cert show CERT [--json]\n"
	"\n"
	"issue   a signer certificate (签章者) with subject O=<USCC><unit>, CN=<esID>,\n"
	"        as the national platform issues them; its key is generated into\n"
	"        DIR/signers/<esID>.key, or, for device seals, taken from a PKCS#10\n"
	"        request (--csr) so the private key never enters the platform\n"
	"revoke  add CERT to DIR/revoked.txt and reissue DIR/trust/root.crl\n"
	"        (--reason: unspecified, keyCompromise, affiliationChanged,\n"
	"        superseded, cessationOfOperation)\n"
	"crl     reissue the CRL (default next update in 30 days)\n"
	"show    print a certificate's subject, issuer, serial and validity\n";

static int new_passphrase(char *out, size_t cap, const char *dir, bool *generated)
{
	const char *env = getenv("ESEAL_PASSPHRASE");
	uint8_t rnd[24];
	char path[4096];
	int err;

	*generated = false;
	if (env && env[0])
		return cli_passphrase(out, cap, dir);
	if ((err = es_random(rnd, sizeof(rnd))) < 0)
		return err;
	if (cap < 2 * sizeof(rnd) + 1)
		return es_error_set(ES_EINTERNAL, "passphrase buffer too small");
	es_hex(out, rnd, sizeof(rnd));
	es_wipe(rnd, sizeof(rnd));
	cli_path(path, sizeof(path), dir, "private/passphrase");
	*generated = true;
	return es_file_write(path, out, strlen(out), 0600);
}

static int issue_to(const char *dir, const char *crt, const char *keyname, const es_issue_options *io,
		    const es_cert *issuer, const es_sm2_key *issuer_key, const char *pass, es_cert **cert_out,
		    es_sm2_key **key_out)
{
	es_sm2_key *key = NULL;
	es_cert *cert = NULL;
	char path[4096];
	int err;

	if ((err = es_sm2_key_generate(&key)) < 0 ||
	    (err = es_cert_issue(&cert, io, key, issuer, issuer ? issuer_key : key)) < 0)
		goto done;
	cli_path(path, sizeof(path), dir, keyname);
	if ((err = cli_key_save(path, key, pass)) < 0)
		goto done;
	cli_path(path, sizeof(path), dir, crt);
	if ((err = cli_cert_save(path, cert)) < 0)
		goto done;
	if (cert_out) {
		*cert_out = cert;
		cert = NULL;
	}
	if (key_out) {
		*key_out = key;
		key = NULL;
	}
done:
	es_cert_free(cert);
	es_sm2_key_free(key);
	return err;
}

typedef struct revoked {
	char serial[80];
	es_time at;
	int reason;
} revoked;

static int reason_code(const char *name)
{
	static const char *const names[] = { "unspecified", "keyCompromise", "cACompromise", "affiliationChanged",
					     "superseded", "cessationOfOperation", "certificateHold" };
	for (size_t i = 0; i < ES_ARRAY_LEN(names); i++)
		if (strcmp(names[i], name) == 0)
			return (int)i;
	return -2;
}

static int load_root(const char *dir, const char *pass, es_cert **root, es_sm2_key **key)
{
	char path[4096];
	int err;
	cli_path(path, sizeof(path), dir, "trust/root.crt");
	if ((err = cli_cert_load(root, path)) < 0)
		return err;
	cli_path(path, sizeof(path), dir, "private/root.key");
	return cli_key_load(key, path, pass);
}

/* Reissue DIR/trust/root.crl from DIR/revoked.txt. */
static int write_crl(const char *dir, const char *pass, int days)
{
	char path[4096];
	es_buf list = ES_BUF_INIT, crl = ES_BUF_INIT;
	es_cert *root = NULL;
	es_sm2_key *key = NULL;
	revoked *rv = NULL;
	es_crl_entry *ent = NULL;
	size_t n = 0;
	es_time now = es_time_now();
	int err;

	if ((err = load_root(dir, pass, &root, &key)) < 0)
		goto done;
	cli_path(path, sizeof(path), dir, "revoked.txt");
	if (es_file_exists(path) && (err = es_file_read(&list, path, 16 << 20)) < 0)
		goto done;
	for (size_t i = 0; i < list.len; i++)
		n += list.ptr[i] == '\n';
	rv = es_calloc(n + 1, sizeof(*rv));
	ent = es_calloc(n + 1, sizeof(*ent));
	if (!rv || !ent) {
		err = es_error_set(ES_ENOMEM, "out of memory");
		goto done;
	}
	n = 0;
	for (char *line = (char *)list.ptr, *next; line && *line; line = next) {
		long long t;
		int reason;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (sscanf(line, "%79s %lld %d", rv[n].serial, &t, &reason) == 3) {
			rv[n].at = t;
			rv[n].reason = reason;
			ent[n].serial_hex = rv[n].serial;
			ent[n].revoked_at = rv[n].at;
			ent[n].reason = rv[n].reason;
			n++;
		}
	}
	if ((err = es_crl_issue(&crl, root, key, ent, n, now, now + (es_time)days * 86400, (uint64_t)now)) < 0)
		goto done;
	cli_path(path, sizeof(path), dir, "trust/root.crl");
	err = es_file_write(path, crl.ptr, crl.len, 0644);
done:
	es_free(rv);
	es_free(ent);
	es_buf_release(&list);
	es_buf_release(&crl);
	es_cert_free(root);
	es_sm2_key_free(key);
	return err;
}

static int ca_init(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },   { "org", required_argument, NULL, 'o' },
		{ "credit-code", required_argument, NULL, 'c' }, { "years", required_argument, NULL, 'y' },
		{ "json", no_argument, NULL, 'j' },        { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = NULL, *org = "电子印章制作中心 (demo)", *uscc = "12100000000018032A";
	int years = 20, c, rc = ES_EXIT_USAGE;
	bool json = false, generated = false;
	char pass[128] = "", path[4096], subj[1024];
	es_cert *root = NULL;
	es_sm2_key *root_key = NULL;
	es_issue_options io = ES_ISSUE_OPTIONS_INIT;
	es_time now = es_time_now();

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'o': org = optarg; break;
		case 'c': uscc = optarg; break;
		case 'y': years = (int)strtol(optarg, NULL, 10); break;
		case 'j': json = true; break;
		case 'h': fputs(ca_usage, stdout); return ES_EXIT_OK;
		default: return cli_usage_error("ca init", "unknown option");
		}
	}
	if (!dir || optind != argc)
		return cli_usage_error("ca init", "--dir DIR is required");
	if (years < 1 || years > 50)
		return cli_usage_error("ca init", "--years must be 1-50");
	if (es_uscc_check(uscc) < 0)
		return cli_fail("--credit-code");
	if (es_text_check_name("--org", org, 200, true) < 0)
		return cli_fail("ca init");
	cli_path(path, sizeof(path), dir, "trust/root.crt");
	if (es_file_exists(path)) {
		es_error_set(ES_EEXISTS, "'%s' already exists; use another --dir", path);
		return cli_fail("ca init");
	}
	cli_path(path, sizeof(path), dir, "private");
	if (es_mkdirs(path, 0700) < 0)
		return cli_fail("ca init");
	chmod(path, 0700);
	cli_path(path, sizeof(path), dir, "trust");
	if (es_mkdirs(path, 0755) < 0)
		return cli_fail("ca init");
	cli_path(path, sizeof(path), dir, "signers");
	if (es_mkdirs(path, 0700) < 0)
		return cli_fail("ca init");
	cli_path(path, sizeof(path), dir, "seals");
	if (es_mkdirs(path, 0755) < 0)
		return cli_fail("ca init");
	if (new_passphrase(pass, sizeof(pass), dir, &generated) < 0) {
		rc = cli_fail("ca init: passphrase");
		goto done;
	}

	snprintf(subj, sizeof(subj), "/C=CN/O=%s/CN=%s SM2 Root CA", org, org);
	io.profile = ES_PROFILE_ROOT_CA;
	io.subject = subj;
	io.not_before = now - 3600;
	io.not_after = now + years * YEAR;
	if (issue_to(dir, "trust/root.crt", "private/root.key", &io, NULL, NULL, pass, &root, &root_key) < 0) {
		rc = cli_fail("ca init: root");
		goto done;
	}
	snprintf(subj, sizeof(subj), "/C=CN/O=%s%s/CN=%s 制章者", uscc, org, org);
	io.profile = ES_PROFILE_SEAL_MAKER;
	io.not_after = now + 10 * YEAR;
	if (issue_to(dir, "maker.crt", "private/maker.key", &io, root, root_key, pass, NULL, NULL) < 0) {
		rc = cli_fail("ca init: seal maker");
		goto done;
	}
	snprintf(subj, sizeof(subj), "/C=CN/O=%s/CN=%s Time Stamping Authority", org, org);
	io.profile = ES_PROFILE_TSA;
	if (issue_to(dir, "tsa.crt", "private/tsa.key", &io, root, root_key, pass, NULL, NULL) < 0) {
		rc = cli_fail("ca init: TSA");
		goto done;
	}
	if (write_crl(dir, pass, 30) < 0) {
		rc = cli_fail("ca init: CRL");
		goto done;
	}
	if (json) {
		cli_print_json(json_pack("{s:s,s:s,s:s,s:s,s:s,s:b}", "dir", dir, "root", "trust/root.crt", "maker",
					 "maker.crt", "tsa", "tsa.crt", "crl", "trust/root.crl", "passphrase_generated",
					 generated));
	} else {
		printf("authority created in %s\n  trust anchor  %s/trust/root.crt (+ root.crl)\n"
		       "  seal maker    %s/maker.crt\n  time stamps   %s/tsa.crt\n",
		       dir, dir, dir, dir);
		if (generated)
			printf("  note: key passphrase generated into %s/private/passphrase (demo only;\n"
			       "        set ESEAL_PASSPHRASE or use a token in production)\n",
			       dir);
	}
	rc = ES_EXIT_OK;
done:
	es_wipe(pass, sizeof(pass));
	es_cert_free(root);
	es_sm2_key_free(root_key);
	return rc;
}

int cmd_ca(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(ca_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? ES_EXIT_USAGE : ES_EXIT_OK;
	}
	if (strcmp(argv[1], "init") == 0)
		return ca_init(argc - 1, argv + 1);
	return cli_usage_error("ca", "unknown subcommand '%s'", argv[1]);
}

static int cert_issue(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },  { "esid", required_argument, NULL, 'e' },
		{ "unit", required_argument, NULL, 'u' }, { "credit-code", required_argument, NULL, 'c' },
		{ "csr", required_argument, NULL, 'r' },  { "days", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },       { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = NULL, *esid = NULL, *unit = NULL, *uscc = NULL, *csr_file = NULL;
	int days = 365, c, rc = ES_EXIT_USAGE;
	bool json = false;
	char pass[128] = "", path[4096], subj[1024];
	es_cert *root = NULL, *cert = NULL;
	es_sm2_key *root_key = NULL, *key = NULL;
	es_csr *csr = NULL;
	es_buf b = ES_BUF_INIT, serial = ES_BUF_INIT;
	es_issue_options io = ES_ISSUE_OPTIONS_INIT;
	es_time now = es_time_now();

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'e': esid = optarg; break;
		case 'u': unit = optarg; break;
		case 'c': uscc = optarg; break;
		case 'r': csr_file = optarg; break;
		case 'n': days = (int)strtol(optarg, NULL, 10); break;
		case 'j': json = true; break;
		case 'h': fputs(cert_usage, stdout); return ES_EXIT_OK;
		default: return cli_usage_error("cert issue", "unknown option");
		}
	}
	if (!dir || !esid || !unit || !uscc || optind != argc)
		return cli_usage_error("cert issue", "--dir, --esid, --unit and --credit-code are required");
	if (days < 1 || days > 3650)
		return cli_usage_error("cert issue", "--days must be 1-3650");
	if (es_esid_check(esid) < 0)
		return cli_fail("--esid");
	if (es_uscc_check(uscc) < 0)
		return cli_fail("--credit-code");
	if (es_text_check_name("--unit", unit, 200, true) < 0)
		return cli_fail("cert issue");
	if (cli_passphrase(pass, sizeof(pass), dir) < 0 || load_root(dir, pass, &root, &root_key) < 0) {
		rc = cli_fail("cert issue");
		goto done;
	}
	if (csr_file) {
		const es_sm2_key *pub;
		if (es_file_read(&b, csr_file, 1 << 20) < 0 || es_csr_parse(&csr, b.ptr, b.len) < 0 ||
		    es_csr_pubkey(&pub, csr) < 0) {
			rc = cli_fail("cannot use the request '%s'", csr_file);
			goto done;
		}
		key = es_sm2_key_ref((es_sm2_key *)pub);
	} else if (es_sm2_key_generate(&key) < 0) {
		rc = cli_fail("cert issue");
		goto done;
	}
	snprintf(subj, sizeof(subj), "/C=CN/O=%s%s/CN=%s", uscc, unit, esid);
	io.profile = ES_PROFILE_SIGNER;
	io.subject = subj;
	io.not_before = now - 60;
	io.not_after = now + (es_time)days * 86400;
	if (io.not_after > es_cert_not_after(root))
		io.not_after = es_cert_not_after(root);
	if (es_cert_issue(&cert, &io, key, root, root_key) < 0) {
		rc = cli_fail("cert issue");
		goto done;
	}
	snprintf(path, sizeof(path), "%s/signers/%s.crt", dir, esid);
	if (cli_cert_save(path, cert) < 0) {
		rc = cli_fail("cert issue");
		goto done;
	}
	if (!csr_file) {
		snprintf(path, sizeof(path), "%s/signers/%s.key", dir, esid);
		if (cli_key_save(path, key, pass) < 0) {
			rc = cli_fail("cert issue");
			goto done;
		}
	}
	if (es_cert_serial_hex(&serial, cert) < 0) {
		rc = cli_fail("cert issue");
		goto done;
	}
	snprintf(path, sizeof(path), "%s/signers/%s.crt", dir, esid);
	if (json)
		cli_print_json(json_pack("{s:s,s:s,s:s,s:b}", "certificate", path, "subject", subj, "serial",
					 (char *)serial.ptr, "key_generated", !csr_file));
	else
		printf("issued %s\n  subject %s\n  serial  %s\n%s", path, subj, (char *)serial.ptr,
		       csr_file ? "  key     stays in the device (from the PKCS#10 request)\n" : "");
	rc = ES_EXIT_OK;
done:
	es_wipe(pass, sizeof(pass));
	es_buf_release(&b);
	es_buf_release(&serial);
	es_csr_free(csr);
	es_cert_free(root);
	es_cert_free(cert);
	es_sm2_key_free(root_key);
	es_sm2_key_free(key);
	return rc;
}

static int cert_revoke(int argc, char **argv, bool crl_only)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' }, { "reason", required_argument, NULL, 'r' },
		{ "days", required_argument, NULL, 'n' }, { "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },      { NULL, 0, NULL, 0 },
	};
	const char *dir = NULL, *reason = "unspecified";
	int c, rc = ES_EXIT_USAGE, days = 30, code;
	bool json = false;
	char pass[128] = "", path[4096];
	es_cert *cert = NULL;
	es_buf serial = ES_BUF_INIT, list = ES_BUF_INIT;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'r': reason = optarg; break;
		case 'n': days = (int)strtol(optarg, NULL, 10); break;
		case 'j': json = true; break;
		case 'h': fputs(cert_usage, stdout); return ES_EXIT_OK;
		default: return cli_usage_error("cert", "unknown option");
		}
	}
	if (!dir || optind != argc - (crl_only ? 0 : 1))
		return cli_usage_error("cert", crl_only ? "usage: eseal cert crl --dir DIR" : "usage: eseal cert revoke --dir DIR CERT");
	if ((code = reason_code(reason)) < -1)
		return cli_usage_error("cert revoke", "unknown --reason '%s'", reason);
	if (days < 1 || days > 366)
		return cli_usage_error("cert", "--days must be 1-366");
	if (cli_passphrase(pass, sizeof(pass), dir) < 0) {
		rc = cli_fail("cert");
		goto done;
	}
	if (!crl_only) {
		if (cli_cert_load(&cert, argv[optind]) < 0 || es_cert_serial_hex(&serial, cert) < 0) {
			rc = cli_fail("cannot read '%s'", argv[optind]);
			goto done;
		}
		cli_path(path, sizeof(path), dir, "revoked.txt");
		if (es_file_exists(path) && es_file_read(&list, path, 16 << 20) < 0) {
			rc = cli_fail("cert revoke");
			goto done;
		}
		if (list.ptr && strstr((char *)list.ptr, (char *)serial.ptr)) {
			es_error_set(ES_EEXISTS, "certificate %s is already revoked", (char *)serial.ptr);
			rc = cli_fail("cert revoke");
			goto done;
		}
		if (es_buf_printf(&list, "%s %lld %d\n", (char *)serial.ptr, (long long)es_time_now(), code) < 0 ||
		    es_file_write(path, list.ptr, list.len, 0644) < 0) {
			rc = cli_fail("cert revoke");
			goto done;
		}
	}
	if (write_crl(dir, pass, days) < 0) {
		rc = cli_fail("cert: CRL");
		goto done;
	}
	if (json)
		cli_print_json(json_pack("{s:s,s:s?}", "crl", "trust/root.crl", "revoked",
					 crl_only ? NULL : (char *)serial.ptr));
	else if (crl_only)
		printf("CRL reissued: %s/trust/root.crl\n", dir);
	else
		printf("revoked %s (%s); CRL reissued: %s/trust/root.crl\n", (char *)serial.ptr, reason, dir);
	rc = ES_EXIT_OK;
done:
	es_wipe(pass, sizeof(pass));
	es_cert_free(cert);
	es_buf_release(&serial);
	es_buf_release(&list);
	return rc;
}

static int cert_show(int argc, char **argv)
{
	bool json = argc > 2 && strcmp(argv[2], "--json") == 0;
	es_cert *cert = NULL;
	es_buf subj = ES_BUF_INIT, iss = ES_BUF_INIT, ser = ES_BUF_INIT;
	char nb[32], na[32];
	int rc = ES_EXIT_OK;

	if (argc < 2 || strcmp(argv[1], "--help") == 0) {
		fputs(cert_usage, stdout);
		return argc < 2 ? ES_EXIT_USAGE : ES_EXIT_OK;
	}
	if (cli_cert_load(&cert, argv[1]) < 0 || es_cert_subject(&subj, cert) < 0 || es_cert_issuer(&iss, cert) < 0 ||
	    es_cert_serial_hex(&ser, cert) < 0) {
		rc = json ? cli_fail_json("cert show") : cli_fail("cannot read '%s'", argv[1]);
		goto done;
	}
	es_time_iso(nb, es_cert_not_before(cert));
	es_time_iso(na, es_cert_not_after(cert));
	if (json)
		cli_print_json(json_pack("{s:s,s:s,s:s,s:s,s:s,s:b,s:i}", "subject", (char *)subj.ptr, "issuer",
					 (char *)iss.ptr, "serial", (char *)ser.ptr, "not_before", nb, "not_after", na,
					 "sm2", es_cert_is_sm2(cert), "key_usage", es_cert_key_usage(cert)));
	else
		printf("subject  %s\nissuer   %s\nserial   %s\nvalid    %s .. %s\nkey      %s\n", (char *)subj.ptr,
		       (char *)iss.ptr, (char *)ser.ptr, nb, na, es_cert_is_sm2(cert) ? "SM2" : "not SM2");
done:
	es_cert_free(cert);
	es_buf_release(&subj);
	es_buf_release(&iss);
	es_buf_release(&ser);
	return rc;
}

int cmd_cert(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(cert_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? ES_EXIT_USAGE : ES_EXIT_OK;
	}
	if (strcmp(argv[1], "issue") == 0)
		return cert_issue(argc - 1, argv + 1);
	if (strcmp(argv[1], "revoke") == 0)
		return cert_revoke(argc - 1, argv + 1, false);
	if (strcmp(argv[1], "crl") == 0)
		return cert_revoke(argc - 1, argv + 1, true);
	if (strcmp(argv[1], "show") == 0)
		return cert_show(argc - 1, argv + 1);
	return cli_usage_error("cert", "unknown subcommand '%s'", argv[1]);
}
