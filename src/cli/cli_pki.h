/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Shared CLI plumbing for keys, certificates and the authority folder
 * that 'eseal ca init' creates:
 *
 *   DIR/trust/root.crt, root.crl    trust anchor and its CRL (--trust DIR/trust)
 *   DIR/maker.crt, DIR/tsa.crt       seal-maker (制章者) and time-stamping certificates
 *   DIR/private/NAME.key             PKCS#8 keys encrypted with PBES2/SM4 (mode 0600)
 *   DIR/private/passphrase           generated demo passphrase, only when
 *                                    ESEAL_PASSPHRASE was not set at init
 *   DIR/signers/<esID>.crt, .key     signer (签章者) certificates and keys
 *   DIR/seals/<esID>.esl             seals made here
 *   DIR/revoked.txt                  serial, time, reason per revoked certificate
 */
#ifndef ES_CLI_PKI_H
#define ES_CLI_PKI_H
#include "cli.h"
#include "eseal/es_pki.h"
#include "eseal/es_seal.h"

typedef struct cli_certs {
	es_cert *v[64];
	size_t n;
} cli_certs;

/* Load PEM (one or more), DER certificates, or a seal's certList (.esl). */
int cli_certs_load(cli_certs *c, const char *path);
void cli_certs_release(cli_certs *c);
int cli_cert_load(es_cert **out, const char *path);
int cli_cert_save(const char *path, const es_cert *c);

/* The key passphrase: $ESEAL_PASSPHRASE, else DIR/private/passphrase. */
int cli_passphrase(char *out, size_t cap, const char *dir);
int cli_key_load(es_sm2_key **out, const char *path, const char *pass);
int cli_key_save(const char *path, const es_sm2_key *key, const char *pass);

/*
 * The files a signing command names: --dir DIR --esid ESID, or --seal,
 * --cert and --key (explicit files override DIR's). CLI_SIGNER_LONGOPTS
 * are their getopt_long entries, returning 'd', 'e', 's', 'c' and 'k';
 * cli_signer_option() keeps @arg when @c is one of those and returns
 * false for any other option.
 */
typedef struct cli_signer_files {
	const char *dir, *esid, *seal, *cert, *key;
} cli_signer_files;

#define CLI_SIGNER_LONGOPTS \
	{ "dir", required_argument, NULL, 'd' }, { "esid", required_argument, NULL, 'e' }, \
	{ "seal", required_argument, NULL, 's' }, { "cert", required_argument, NULL, 'c' }, \
	{ "key", required_argument, NULL, 'k' }

bool cli_signer_option(cli_signer_files *f, int c, const char *arg);

/*
 * What a signing command needs: the seal, the signer certificate and key,
 * and optionally the authority's time-stamping certificate and key. With
 * f->dir and f->esid the files default to DIR/seals/ESID.esl and
 * DIR/signers/ESID.crt/.key; explicit files override. @need_seal false
 * for signatures without a seal (OFD Type=Sign).
 */
typedef struct cli_signer {
	es_seal *seal;
	es_cert *cert, *tsa_cert;
	es_sm2_key *key, *tsa_key;
	es_buf seal_der;
} cli_signer;

int cli_signer_load(cli_signer *s, const cli_signer_files *f, bool need_seal, bool tsa);
void cli_signer_release(cli_signer *s);

/*
 * The options every "bench" subcommand takes: (--dir DIR --esid ESID |
 * --seal S --cert C --key K) [--seconds S] [--json] [--help]. Loads the
 * signing material into @sg. Returns -1 to go on, or the exit code to
 * return (help printed, usage error, or the material could not be loaded).
 */
int cli_bench_begin(int argc, char **argv, const char *cmd, const char *usage, cli_signer *sg, double *seconds,
		    bool *json);

/* "DIR/<rel>" into @out. */
void cli_path(char *out, size_t cap, const char *dir, const char *rel);

#endif
