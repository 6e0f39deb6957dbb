/* SPDX-License-Identifier: AGPL-3.0-or-later */
#include "cli_pki.h"
#include "file.h"
#include <getopt.h>

void cli_path(char *out, size_t cap, const char *dir, const char *rel)
{
	snprintf(out, cap, "%s/%s", dir, rel);
}

static int add(cli_certs *c, es_cert *cert)
{
	if (c->n >= ES_ARRAY_LEN(c->v)) {
		es_cert_free(cert);
		return es_error_set(ES_ELIMIT, "more than %zu certificates", ES_ARRAY_LEN(c->v));
	}
	c->v[c->n++] = cert;
	return 0;
}

int cli_certs_load(cli_certs *c, const char *path)
{
	es_buf b = ES_BUF_INIT;
	es_cert *cert = NULL;
	int err;

	if ((err = es_file_read(&b, path, ES_MAX_INPUT_FILE)) < 0)
		return err;
	if (b.len > 10 && memmem(b.ptr, b.len, "-----BEGIN CERTIFICATE-----", 27)) {
		const uint8_t *p = b.ptr, *end = b.ptr + b.len;
		while ((p = memmem(p, (size_t)(end - p), "-----BEGIN CERTIFICATE-----", 27)) != NULL) {
			if ((err = es_cert_from_pem(&cert, p, (size_t)(end - p))) < 0 || (err = add(c, cert)) < 0)
				goto done;
			p += 27;
		}
	} else if (es_cert_from_der(&cert, b.ptr, b.len) == 0) {
		err = add(c, cert);
	} else {
		es_seal *seal = NULL;
		if ((err = es_seal_parse(&seal, b.ptr, b.len)) < 0) {
			err = es_error_set(ES_EMALFORMED, "'%s' is neither a certificate (PEM/DER) nor a seal", path);
			goto done;
		}
		const es_seal_fields *f = es_seal_fields_get(seal);
		for (size_t i = 0; i < f->ncerts && err == 0; i++)
			if (es_cert_from_der(&cert, f->certs[i].ptr, f->certs[i].len) == 0)
				err = add(c, cert);
		if (err == 0 && f->ncerts == 0)
			err = es_error_set(ES_ENOTFOUND, "seal '%s' lists no certificates", path);
		es_seal_free(seal);
	}
done:
	es_buf_release(&b);
	return err;
}

void cli_certs_release(cli_certs *c)
{
	for (size_t i = 0; i < c->n; i++)
		es_cert_free(c->v[i]);
	c->n = 0;
}

int cli_cert_load(es_cert **out, const char *path)
{
	cli_certs c = { 0 };
	int err = cli_certs_load(&c, path);
	if (err < 0)
		return err;
	*out = c.v[0];
	for (size_t i = 1; i < c.n; i++)
		es_cert_free(c.v[i]);
	return 0;
}

int cli_cert_save(const char *path, const es_cert *c)
{
	es_buf b = ES_BUF_INIT;
	int err = es_cert_to_pem(&b, c);
	if (err == 0)
		err = es_file_write(path, b.ptr, b.len, 0644);
	es_buf_release(&b);
	return err;
}

int cli_passphrase(char *out, size_t cap, const char *dir)
{
	const char *env = getenv("ESEAL_PASSPHRASE");
	char path[4096];
	es_buf b = ES_BUF_INIT;
	int err;

	if (env && env[0]) {
		if (strlen(env) >= cap)
			return es_error_set(ES_EINVAL, "ESEAL_PASSPHRASE is too long");
		snprintf(out, cap, "%s", env);
		return 0;
	}
	if (!dir)
		return es_error_set(ES_EINVAL, "no key passphrase: set ESEAL_PASSPHRASE");
	cli_path(path, sizeof(path), dir, "private/passphrase");
	if ((err = es_file_read(&b, path, 1024)) < 0)
		return es_error_set(ES_EINVAL, "no key passphrase: set ESEAL_PASSPHRASE (no %s/private/passphrase)", dir);
	while (b.len && (b.ptr[b.len - 1] == '\n' || b.ptr[b.len - 1] == '\r'))
		b.len--;
	if (b.len == 0 || b.len >= cap) {
		es_buf_release_secret(&b);
		return es_error_set(ES_EMALFORMED, "the passphrase file is empty or too long");
	}
	memcpy(out, b.ptr, b.len);
	out[b.len] = '\0';
	es_buf_release_secret(&b);
	return 0;
}

int cli_key_load(es_sm2_key **out, const char *path, const char *pass)
{
	es_buf b = ES_BUF_INIT;
	int err = es_file_read(&b, path, 1 << 20);
	if (err == 0)
		err = es_sm2_key_from_pem(out, b.ptr, b.len, pass);
	es_buf_release_secret(&b);
	if (err < 0)
		return es_error_wrap(err, "key '%s'", path);
	return 0;
}

int cli_key_save(const char *path, const es_sm2_key *key, const char *pass)
{
	es_buf b = ES_BUF_INIT;
	int err = es_sm2_key_private_pem(&b, key, pass);
	if (err == 0)
		err = es_file_write(path, b.ptr, b.len, 0600);
	es_buf_release_secret(&b);
	return err;
}

void cli_signer_release(cli_signer *s)
{
	es_seal_free(s->seal);
	es_cert_free(s->cert);
	es_cert_free(s->tsa_cert);
	es_sm2_key_free(s->key);
	es_sm2_key_free(s->tsa_key);
	es_buf_release(&s->seal_der);
	memset(s, 0, sizeof(*s));
}

bool cli_signer_option(cli_signer_files *f, int c, const char *arg)
{
	switch (c) {
	case 'd': f->dir = arg; return true;
	case 'e': f->esid = arg; return true;
	case 's': f->seal = arg; return true;
	case 'c': f->cert = arg; return true;
	case 'k': f->key = arg; return true;
	default: return false;
	}
}

int cli_signer_load(cli_signer *s, const cli_signer_files *f, bool need_seal, bool tsa)
{
	const char *dir = f->dir, *esid = f->esid, *seal_file = f->seal, *cert_file = f->cert, *key_file = f->key;
	char pass[128] = "", p1[4096], p2[4096], p3[4096];
	int err = 0;

	memset(s, 0, sizeof(*s));
	es_buf_init(&s->seal_der, ES_MAX_SEAL_DER);
	if (dir && esid) {
		snprintf(p1, sizeof(p1), "%s/seals/%s.esl", dir, esid);
		snprintf(p2, sizeof(p2), "%s/signers/%s.crt", dir, esid);
		snprintf(p3, sizeof(p3), "%s/signers/%s.key", dir, esid);
		seal_file = seal_file ? seal_file : p1;
		cert_file = cert_file ? cert_file : p2;
		key_file = key_file ? key_file : p3;
	}
	if (!cert_file || !key_file || (need_seal && !seal_file))
		return es_error_set(ES_EINVAL, "give --dir and --esid, or --seal, --cert and --key");
	if (tsa && !dir)
		return es_error_set(ES_EINVAL, "--tsa needs --dir (the authority folder with tsa.crt)");
	/* an unknown esID is named before any passphrase is asked for */
	if (dir && esid && (es_file_exists(p2) != 1 || es_file_exists(p3) != 1 || (need_seal && es_file_exists(p1) != 1)))
		return es_error_set(ES_ENOTFOUND,
				    "no seal or signer with esID %s in '%s' (%s/seals/%s.esl, %s/signers/%s.crt): check "
				    "--esid, or issue it with 'eseal cert issue' and 'eseal seal make'",
				    esid, dir, dir, esid, dir, esid);
	if ((err = cli_passphrase(pass, sizeof(pass), dir)) < 0 || (err = cli_key_load(&s->key, key_file, pass)) < 0 ||
	    (err = cli_cert_load(&s->cert, cert_file)) < 0)
		goto done;
	if (need_seal && ((err = es_file_read(&s->seal_der, seal_file, ES_MAX_SEAL_DER)) < 0 ||
			  (err = es_seal_parse(&s->seal, s->seal_der.ptr, s->seal_der.len)) < 0)) {
		es_error_wrap(err, "seal '%s'", seal_file);
		goto done;
	}
	if (tsa) {
		char tp[4096];
		cli_path(tp, sizeof(tp), dir, "tsa.crt");
		if ((err = cli_cert_load(&s->tsa_cert, tp)) < 0)
			goto done;
		cli_path(tp, sizeof(tp), dir, "private/tsa.key");
		if ((err = cli_key_load(&s->tsa_key, tp, pass)) < 0)
			goto done;
	}
done:
	es_wipe(pass, sizeof(pass));
	if (err < 0)
		cli_signer_release(s);
	return err;
}

int cli_bench_begin(int argc, char **argv, const char *cmd, const char *usage, cli_signer *sg, double *seconds,
		    bool *json)
{
	static const struct option longopts[] = {
		CLI_SIGNER_LONGOPTS,
		{ "seconds", required_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	cli_signer_files files = { 0 };
	char *end;
	int c;

	memset(sg, 0, sizeof(*sg));
	*seconds = 2;
	*json = false;
	optind = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (cli_signer_option(&files, c, optarg))
			continue;
		switch (c) {
		case 'S':
			*seconds = strtod(optarg, &end);
			if (end == optarg || *end || !(*seconds > 0 && *seconds <= 600))
				return cli_usage_error(cmd, "--seconds takes 0..600");
			break;
		case 'J': *json = true; break;
		case 'h': fputs(usage, stdout); return ES_EXIT_OK;
		default: return cli_usage_error(cmd, "unknown option");
		}
	}
	if (cli_signer_load(sg, &files, true, false) < 0)
		return cli_fail("%s", cmd);
	return -1;
}
