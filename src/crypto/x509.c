/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* X.509 certificates (RFC 5280) with SM2/SM3 (GB/T 20518). */
#include "es_int.h"
#include "crypto/crypto_int.h"

#include <openssl/objects.h>
#include <openssl/pem.h>

static const char *const cert_labels[] = { "CERTIFICATE", "X509 CERTIFICATE", NULL };

int es_crypto__x509_set_default_id(X509 *x)
{
	ASN1_OCTET_STRING *id;

	/*
	 * OpenSSL 3.0 verifies an SM2 certificate signature with the ID held
	 * by the certificate object (X509_verify, X509_verify_cert); without
	 * it the Z value would not match what CAs sign.
	 */
	if (X509_get_signature_nid(x) != NID_SM2_with_SM3)
		return 0;
	id = ASN1_OCTET_STRING_new();
	if (!id || !ASN1_OCTET_STRING_set(id, (const unsigned char *)ES_SM2_DEFAULT_ID,
					  ES_SM2_DEFAULT_ID_LEN)) {
		ASN1_OCTET_STRING_free(id);
		return es_crypto__fail(ES_ENOMEM, "cannot set the sm2 id");
	}
	X509_set0_distinguishing_id(x, id);
	return 0;
}

/* SPKI algorithm is id-ecPublicKey with the SM2 curve, or the SM2 OID. */
static bool spki_is_sm2(X509 *x)
{
	ASN1_OBJECT *alg = NULL;
	const void *pval = NULL;
	int ptype = 0;
	X509_ALGOR *palg = NULL;
	X509_PUBKEY *pk = X509_get_X509_PUBKEY(x);

	if (!pk || !X509_PUBKEY_get0_param(&alg, NULL, NULL, &palg, pk))
		return false;
	if (OBJ_obj2nid(alg) == NID_sm2)
		return true;
	if (OBJ_obj2nid(alg) != NID_X9_62_id_ecPublicKey || !palg)
		return false;
	X509_ALGOR_get0(NULL, &ptype, &pval, palg);
	return ptype == V_ASN1_OBJECT && OBJ_obj2nid(pval) == NID_sm2;
}

int es_cert_from_der(es_cert **out, const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	es_cert *c = NULL;
	int err = 0;

	ES_ASSERT_ARG(out && (der || len == 0));
	*out = NULL;
	if (len == 0)
		return es_error_set(ES_EMALFORMED, "empty certificate");
	if (len > ES_MAX_CERT_DER)
		return es_error_set(ES_ELIMIT, "certificate too large: %zu bytes", len);
	c = es_calloc(1, sizeof(*c));
	if (!c)
		return es_error_set(ES_ENOMEM, "out of memory");
	atomic_init(&c->refs, 1);
	c->x = d2i_X509(NULL, &p, (long)len);
	if (!c->x) {
		err = es_crypto__fail(ES_EMALFORMED, "cannot decode the certificate");
		goto done;
	}
	if (p != der + len) {
		err = es_error_set(ES_EMALFORMED, "trailing %zu bytes after the certificate",
				   (size_t)(der + len - p));
		goto done;
	}
	c->der = es_malloc(len);
	if (!c->der) {
		err = es_error_set(ES_ENOMEM, "out of memory");
		goto done;
	}
	memcpy(c->der, der, len);
	c->derlen = len;
	if ((err = es_sm3(c->der_sm3, der, len)) < 0 || (err = es_crypto__x509_set_default_id(c->x)) < 0)
		goto done;
	c->sm2 = spki_is_sm2(c->x);
	if (c->sm2) {
		EVP_PKEY *pk = X509_get0_pubkey(c->x);
		/* an undecodable key leaves pub NULL: es_cert_pubkey reports it */
		if (!pk || es_crypto__key_from_evp(&c->pub, pk) != 0)
			c->pub = NULL;
	}
	ERR_clear_error();
	*out = c;
	c = NULL;
done:
	es_cert_free(c);
	return err;
}

int es_crypto__cert_from_x509(es_cert **out, X509 *x)
{
	unsigned char *der = NULL;
	int n, err;

	*out = NULL;
	n = i2d_X509(x, &der);
	if (n <= 0)
		return es_crypto__fail(ES_ECRYPTO, "cannot encode the certificate");
	err = es_cert_from_der(out, der, (size_t)n);
	OPENSSL_free(der);
	return err;
}

int es_cert_from_pem(es_cert **out, const uint8_t *pem, size_t len)
{
	es_buf der = ES_BUF_INIT;
	int err;

	ES_ASSERT_ARG(out && (pem || len == 0));
	*out = NULL;
	if (len > ES_MAX_CRL_DER)
		return es_error_set(ES_ELIMIT, "pem input too large: %zu bytes", len);
	if ((err = es_crypto__pem_first(&der, pem, len, cert_labels, "certificate")) == 0)
		err = es_cert_from_der(out, der.ptr, der.len);
	es_buf_release(&der);
	return err;
}

es_bytes es_cert_der(const es_cert *c)
{
	es_bytes b = { NULL, 0 };
	if (c) {
		b.ptr = c->der;
		b.len = c->derlen;
	}
	return b;
}

int es_cert_to_pem(es_buf *out, const es_cert *c)
{
	BIO *bio;
	int err;

	ES_ASSERT_ARG(out && c);
	bio = BIO_new(BIO_s_mem());
	/* written from the original DER, not re-encoded */
	if (!bio || !PEM_write_bio(bio, "CERTIFICATE", "", c->der, (long)c->derlen)) {
		BIO_free(bio);
		return es_crypto__fail(ES_ECRYPTO, "cannot write the certificate");
	}
	err = es_crypto__bio_to_buf(out, bio);
	BIO_free(bio);
	return err;
}

int es_cert_subject(es_buf *out, const es_cert *c)
{
	ES_ASSERT_ARG(out && c);
	return es_crypto__name_utf8(out, X509_get_subject_name(c->x));
}

int es_cert_issuer(es_buf *out, const es_cert *c)
{
	ES_ASSERT_ARG(out && c);
	return es_crypto__name_utf8(out, X509_get_issuer_name(c->x));
}

int es_cert_subject_attr(es_buf *out, const es_cert *c, const char *sn)
{
	ES_ASSERT_ARG(out && c && sn);
	return es_crypto__name_attr(out, X509_get_subject_name(c->x), sn);
}

int es_cert_serial_hex(es_buf *out, const es_cert *c)
{
	BIGNUM *bn;
	char *hex = NULL;
	int err;

	ES_ASSERT_ARG(out && c);
	bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(c->x), NULL);
	hex = bn ? BN_bn2hex(bn) : NULL;
	if (!hex)
		err = es_crypto__fail(ES_EMALFORMED, "cannot read the serial number");
	else
		err = es_buf_puts(out, hex);
	OPENSSL_free(hex);
	BN_free(bn);
	return err;
}

es_time es_cert_not_before(const es_cert *c)
{
	es_time t = 0;
	if (!c || es_crypto__time_from_asn1(&t, X509_get0_notBefore(c->x)) != 0)
		return 0;
	return t;
}

es_time es_cert_not_after(const es_cert *c)
{
	es_time t = 0;
	if (!c || es_crypto__time_from_asn1(&t, X509_get0_notAfter(c->x)) != 0)
		return 0;
	return t;
}

bool es_cert_is_sm2(const es_cert *c)
{
	return c && c->sm2;
}

int es_cert_pubkey(const es_sm2_key **out, const es_cert *c)
{
	ES_ASSERT_ARG(out && c);
	*out = NULL;
	if (!c->sm2)
		return es_error_set(ES_ENOTSUPPORTED, "certificate key is not an sm2 key");
	if (!c->pub)
		return es_error_set(ES_EMALFORMED, "cannot decode the certificate's sm2 public key");
	*out = c->pub;
	return 0;
}

int es_cert_key_usage(const es_cert *c)
{
	ASN1_BIT_STRING *ku;
	int crit = -1, bits = 0;

	if (!c)
		return 0;
	/* decoded here so that an unrelated bad extension does not hide it */
	ku = X509_get_ext_d2i(c->x, NID_key_usage, &crit, NULL);
	if (!ku) {
		ERR_clear_error();
		return crit == -1 ? -1 : 0; /* absent, or present but broken: nothing allowed */
	}
	for (int i = 0; i < 9; i++)
		if (ASN1_BIT_STRING_get_bit(ku, i))
			bits |= 1 << i;
	ASN1_BIT_STRING_free(ku);
	return bits;
}

bool es_cert_has_eku_timestamping(const es_cert *c)
{
	EXTENDED_KEY_USAGE *eku;
	bool found = false;

	if (!c)
		return false;
	eku = X509_get_ext_d2i(c->x, NID_ext_key_usage, NULL, NULL);
	if (!eku) {
		ERR_clear_error();
		return false;
	}
	for (int i = 0; i < sk_ASN1_OBJECT_num(eku); i++)
		if (OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, i)) == NID_time_stamp)
			found = true;
	sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
	return found;
}

bool es_cert_signed_by(const es_cert *c, const es_cert *issuer)
{
	const X509_ALGOR *outer = NULL;
	int nid, rc;

	if (!c || !issuer)
		return false;
	X509_get0_signature(NULL, &outer, c->x);
	/* the signature algorithm outside must be the one inside the TBS */
	if (!outer || X509_ALGOR_cmp(outer, X509_get0_tbs_sigalg(c->x)) != 0)
		return false;
	nid = X509_get_signature_nid(c->x);
	rc = es_crypto__verify_signed_sm2(c->der, c->derlen, nid, issuer->pub);
	if (rc != ES_ENOTSUPPORTED)
		return rc == 0;
	/* other algorithms: OpenSSL's own verification over the cached TBS */
	{
		EVP_PKEY *pk = X509_get0_pubkey(issuer->x);
		rc = pk ? X509_verify(c->x, pk) : 0;
		ERR_clear_error();
		return rc == 1;
	}
}

es_cert *es_cert_ref(es_cert *c)
{
	if (c)
		atomic_fetch_add(&c->refs, 1);
	return c;
}

void es_cert_free(es_cert *c)
{
	if (!c || atomic_fetch_sub(&c->refs, 1) != 1)
		return;
	X509_free(c->x);
	es_sm2_key_free(c->pub);
	es_free(c->der);
	es_free(c);
}
