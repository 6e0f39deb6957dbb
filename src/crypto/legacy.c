/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Checking what other makers signed with algorithms other than SM2/SM3:
 * SHA-1, SHA-256 and MD5 digests (OFD CheckMethod), RSA PKCS#1 v1.5 and
 * ECDSA signatures (GM/T 0031-2014 v1 allowed RSA; PDF CMS from foreign
 * tools). Verification only: eseal never signs with these. Whether such a
 * result may make a signature valid is the verifier's policy, not ours.
 */
#include "es_int.h"
#include "crypto/crypto_int.h"

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/err.h>

struct es_md {
	EVP_MD_CTX *ctx;
};

static const EVP_MD *md_by_name(const char *name)
{
	if (!name)
		return NULL;
	if (strcasecmp(name, "SM3") == 0)
		return EVP_sm3();
	if (strcasecmp(name, "SHA1") == 0 || strcasecmp(name, "SHA-1") == 0)
		return EVP_sha1();
	if (strcasecmp(name, "SHA256") == 0 || strcasecmp(name, "SHA-256") == 0)
		return EVP_sha256();
	if (strcasecmp(name, "MD5") == 0)
		return EVP_md5();
	return NULL;
}

int es_md_new(es_md **out, const char *name)
{
	const EVP_MD *md = md_by_name(name);
	es_md *m;
	ES_ASSERT_ARG(out);
	*out = NULL;
	if (!md)
		return es_error_set(ES_ENOTSUPPORTED, "digest '%s' is not supported", name ? name : "(none)");
	if (!(m = es_calloc(1, sizeof(*m))) || !(m->ctx = EVP_MD_CTX_new())) {
		es_free(m);
		return es_error_set(ES_ENOMEM, "out of memory");
	}
	if (EVP_DigestInit_ex(m->ctx, md, NULL) != 1) {
		es_md_free(m);
		return es_error_set(ES_ENOTSUPPORTED, "digest '%s' is not available in this OpenSSL", name);
	}
	*out = m;
	return 0;
}

int es_md_update(es_md *m, const void *data, size_t len)
{
	ES_ASSERT_ARG(m && (data || len == 0));
	if (len && EVP_DigestUpdate(m->ctx, data, len) != 1)
		return es_error_set(ES_EINTERNAL, "digest update failed");
	return 0;
}

int es_md_final(es_md *m, uint8_t out[64], size_t *len)
{
	unsigned n = 0;
	ES_ASSERT_ARG(m && out && len);
	if (EVP_DigestFinal_ex(m->ctx, out, &n) != 1)
		return es_error_set(ES_EINTERNAL, "digest final failed");
	*len = n;
	return 0;
}

void es_md_free(es_md *m)
{
	if (!m)
		return;
	EVP_MD_CTX_free(m->ctx);
	es_free(m);
}

const char *es_cert_key_type(const es_cert *c)
{
	EVP_PKEY *k = c ? X509_get0_pubkey(c->x) : NULL;
	if (c && c->sm2)
		return "SM2";
	if (!k)
		return "other";
	if (EVP_PKEY_is_a(k, "RSA"))
		return "RSA";
	if (EVP_PKEY_is_a(k, "EC"))
		return "EC";
	return "other";
}

int es_cert_verify_legacy(const es_cert *c, const char *digest, const void *msg, size_t len, const uint8_t *sig,
			  size_t siglen)
{
	const EVP_MD *md = md_by_name(digest);
	EVP_PKEY *k;
	EVP_MD_CTX *ctx;
	int rc;
	ES_ASSERT_ARG(c && (msg || len == 0) && (sig || siglen == 0));
	k = X509_get0_pubkey(c->x);
	if (!md || !k)
		return es_error_set(ES_ENOTSUPPORTED, "digest '%s' or the certificate's key is not supported",
				    digest ? digest : "(none)");
	if (c->sm2 || (!EVP_PKEY_is_a(k, "RSA") && !EVP_PKEY_is_a(k, "EC")))
		return es_error_set(ES_ENOTSUPPORTED, "only RSA and ECDSA keys are checked here");
	if (!(ctx = EVP_MD_CTX_new()))
		return es_error_set(ES_ENOMEM, "out of memory");
	rc = EVP_DigestVerifyInit(ctx, NULL, md, NULL, k) == 1 ? EVP_DigestVerify(ctx, sig, siglen, msg, len) : -1;
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return rc == 1 ? 0 : es_error_set(ES_EVERIFY, "%s signature does not verify", es_cert_key_type(c));
}
