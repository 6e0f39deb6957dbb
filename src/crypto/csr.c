/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* PKCS#10 certification requests (RFC 2986) with SM2/SM3. */
#include "es_int.h"
#include "crypto/crypto_int.h"

#include <openssl/objects.h>

struct es_csr {
	X509_REQ *req;
	es_sm2_key *pub; /* NULL when the request key is not SM2 */
};

void es_csr_free(es_csr *r)
{
	if (!r)
		return;
	X509_REQ_free(r->req);
	es_sm2_key_free(r->pub);
	es_free(r);
}

int es_csr_parse(es_csr **out, const uint8_t *data, size_t len)
{
	static const char *const labels[] = { "CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST", NULL };
	es_buf pem = ES_BUF_INIT;
	const uint8_t *der = data;
	const unsigned char *p;
	es_csr *r = NULL;
	EVP_PKEY *pk;
	int err = 0, rc;

	ES_ASSERT_ARG(out && (data || len == 0));
	*out = NULL;
	if (len == 0)
		return es_error_set(ES_EMALFORMED, "empty certification request");
	if (len > ES_MAX_CERT_DER)
		return es_error_set(ES_ELIMIT, "certification request too large: %zu bytes", len);
	if (es_crypto__looks_pem(data, len)) {
		if ((err = es_crypto__pem_first(&pem, data, len, labels, "certification request")) < 0)
			goto done;
		der = pem.ptr;
		len = pem.len;
	}
	r = es_calloc(1, sizeof(*r));
	if (!r) {
		err = es_error_set(ES_ENOMEM, "out of memory");
		goto done;
	}
	p = der;
	r->req = d2i_X509_REQ(NULL, &p, (long)len);
	if (!r->req) {
		err = es_crypto__fail(ES_EMALFORMED, "cannot decode the certification request");
		goto done;
	}
	if (p != der + len) {
		err = es_error_set(ES_EMALFORMED, "trailing bytes after the certification request");
		goto done;
	}
	pk = X509_REQ_get0_pubkey(r->req);
	if (!pk) {
		err = es_crypto__fail(ES_EMALFORMED, "cannot decode the request's public key");
		goto done;
	}
	if (es_crypto__is_sm2_pkey(pk) && (err = es_crypto__key_from_evp(&r->pub, pk)) < 0)
		goto done;
	/* proof of possession: the self-signature over the original request info */
	rc = es_crypto__verify_signed_sm2(der, len, X509_REQ_get_signature_nid(r->req), r->pub);
	if (rc == ES_ENOTSUPPORTED) {
		rc = X509_REQ_verify(r->req, pk) == 1 ? 0 : ES_EVERIFY;
		ERR_clear_error();
	}
	if (rc == ES_EMALFORMED) {
		err = rc;
		goto done;
	}
	if (rc != 0) {
		err = es_error_set(ES_EVERIFY, "certification request signature does not verify");
		goto done;
	}
	*out = r;
	r = NULL;
done:
	es_csr_free(r);
	es_buf_release(&pem);
	return err;
}

int es_csr_make(es_buf *der_out, es_sm2_key *key, const char *subject)
{
	X509_REQ *req = NULL;
	X509_NAME *name = NULL;
	EVP_MD_CTX *mctx = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	unsigned char *der = NULL;
	int n, err = 0;

	ES_ASSERT_ARG(der_out && key && subject);
	if (!es_sm2_key_has_private(key))
		return es_error_set(ES_EINVAL, "a certification request needs the private key");
	if ((err = es_crypto__parse_subject(&name, subject)) < 0)
		return err;
	req = X509_REQ_new();
	if (!req || !X509_REQ_set_version(req, X509_REQ_VERSION_1) ||
	    !X509_REQ_set_subject_name(req, name) || !X509_REQ_set_pubkey(req, key->pkey)) {
		err = es_crypto__fail(ES_ECRYPTO, "cannot build the certification request");
		goto done;
	}
	if ((err = es_crypto__sign_ctx_new(&mctx, &pctx, key)) < 0)
		goto done;
	if (X509_REQ_sign_ctx(req, mctx) <= 0) {
		err = es_crypto__fail(ES_ECRYPTO, "cannot sign the certification request");
		goto done;
	}
	n = i2d_X509_REQ(req, &der);
	if (n <= 0) {
		err = es_crypto__fail(ES_ECRYPTO, "cannot encode the certification request");
		goto done;
	}
	err = es_buf_put(der_out, der, (size_t)n);
done:
	OPENSSL_free(der);
	es_crypto__sign_ctx_free(mctx, pctx);
	X509_REQ_free(req);
	X509_NAME_free(name);
	return err;
}

int es_csr_subject(es_buf *out, const es_csr *r)
{
	ES_ASSERT_ARG(out && r);
	return es_crypto__name_utf8(out, X509_REQ_get_subject_name(r->req));
}

int es_csr_pubkey(const es_sm2_key **out, const es_csr *r)
{
	ES_ASSERT_ARG(out && r);
	*out = r->pub;
	if (!r->pub)
		return es_error_set(ES_ENOTSUPPORTED, "certification request key is not an sm2 key");
	return 0;
}
