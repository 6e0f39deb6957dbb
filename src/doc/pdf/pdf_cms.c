/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * CMS SignedData builder for /SubFilter /adbe.pkcs7.detached with SM2/SM3
 * (OpenSSL 3.0's CMS cannot sign with SM2 keys). What it writes is what
 * src/seal/cms.c verifies and what `openssl cms -cmsout -print` prints:
 *
 *   ContentInfo { 1.2.840.113549.1.7.2, [0] SignedData {
 *     version 1, digestAlgorithms { sm3 1.2.156.10197.1.401 },
 *     encapContentInfo { data 1.2.840.113549.1.7.1 }          -- detached
 *     certificates [0] { signer certificate },
 *     signerInfos { SignerInfo { version 1, issuerAndSerialNumber,
 *       digestAlgorithm sm3, signedAttrs [0] { contentType, signingTime,
 *       messageDigest }, signatureAlgorithm SM2-with-SM3 1.2.156.10197.1.501,
 *       signature OCTET STRING (DER SEQUENCE{r,s}),
 *       unsignedAttrs [1] { id-aa-timeStampToken } OPTIONAL } } } }
 */
#include "pdf_int.h"
#include "der/der.h"
#include "estime.h"

void es_pdf__date(char out[32], es_time t)
{
	char iso[32];
	es_time_iso(iso, t); /* YYYY-MM-DDTHH:MM:SSZ */
	snprintf(out, 32, "D:%.4s%.2s%.2s%.2s%.2s%.2sZ", iso, iso + 5, iso + 8, iso + 11, iso + 14, iso + 17);
}

void es_pdf__utctime(char out[16], es_time t)
{
	char iso[32];
	es_time_iso(iso, t);
	snprintf(out, 16, "%.2s%.2s%.2s%.2s%.2s%.2sZ", iso + 2, iso + 5, iso + 8, iso + 11, iso + 14, iso + 17);
}

/* issuer Name and serialNumber TLVs of a certificate. */
static int cert_issuer_serial(const es_cert *cert, es_tlv *issuer, es_tlv *serial)
{
	es_bytes der = es_cert_der(cert);
	es_der d, c, tbs;
	es_tlv alg;
	uint8_t tag = 0;
	if (es_der_init(&d, der.ptr, der.len), es_der_enter(&d, ES_DER_SEQUENCE, &c, NULL) < 0 ||
	    es_der_enter(&c, ES_DER_SEQUENCE, &tbs, NULL) < 0 || es_der_peek(&tbs, &tag) < 0)
		return es_error_set(ES_EMALFORMED, "pdf: signer certificate is not DER");
	if (tag == ES_DER_CONTEXT(0)) {
		es_tlv v;
		if (es_der_read_tlv(&tbs, &v) < 0)
			return es_error_set(ES_EMALFORMED, "pdf: signer certificate version");
	}
	if (es_der_read_tag(&tbs, ES_DER_INTEGER, serial) < 0 || es_der_read_tag(&tbs, ES_DER_SEQUENCE, &alg) < 0 ||
	    es_der_read_tag(&tbs, ES_DER_SEQUENCE, issuer) < 0)
		return es_error_set(ES_EMALFORMED, "pdf: signer certificate issuer/serial");
	return 0;
}

static void put_alg(es_der_writer *w, const char *oid)
{
	es_der_begin(w, ES_DER_SEQUENCE);
	es_der_put_oid(w, oid);
	es_der_end(w);
}

/* SET OF Attribute contents in DER order (lengths 0x18 < 0x1c < 0x2f). */
static void put_signed_attrs(es_der_writer *w, const uint8_t digest[32], es_time t)
{
	char utc[16];
	es_pdf__utctime(utc, t);
	es_der_begin(w, ES_DER_SEQUENCE);
	es_der_put_oid(w, ES_OID_ATTR_CONTENT_TYPE);
	es_der_begin(w, ES_DER_SET);
	es_der_put_oid(w, ES_OID_PKCS7_DATA);
	es_der_end(w);
	es_der_end(w);
	es_der_begin(w, ES_DER_SEQUENCE);
	es_der_put_oid(w, ES_OID_ATTR_SIGNING_TIME);
	es_der_begin(w, ES_DER_SET);
	es_der_put_tlv(w, ES_DER_UTC_TIME, utc, strlen(utc));
	es_der_end(w);
	es_der_end(w);
	es_der_begin(w, ES_DER_SEQUENCE);
	es_der_put_oid(w, ES_OID_ATTR_MESSAGE_DIGEST);
	es_der_begin(w, ES_DER_SET);
	es_der_put_octets(w, digest, 32);
	es_der_end(w);
	es_der_end(w);
}

int es_pdf__cms_build(es_buf *out, const uint8_t digest[32], es_time signing_time, const es_cert *cert,
		      const es_sm2_key *key, const es_cert *tsa_cert, const es_sm2_key *tsa_key)
{
	es_buf attrs = ES_BUF_INIT, sig = ES_BUF_INIT, tst = ES_BUF_INIT;
	es_der_writer w;
	es_tlv issuer, serial;
	es_bytes cder = es_cert_der(cert);
	int err;

	ES_ASSERT_ARG(out && digest && cert && key);
	if (signing_time < 0 || signing_time >= (es_time)2524608000) /* UTCTime: before 2050 */
		return es_error_set(ES_EINVAL, "pdf: signing time out of the UTCTime range");
	if ((err = cert_issuer_serial(cert, &issuer, &serial)) < 0)
		goto done;
	/* DER(SET OF attrs) is what is signed; [0] IMPLICIT replaces the tag. */
	es_der_writer_init(&w, &attrs);
	es_der_begin(&w, ES_DER_SET);
	put_signed_attrs(&w, digest, signing_time);
	es_der_end(&w);
	if ((err = es_der_writer_finish(&w)) < 0)
		goto done;
	if ((err = es_sm2_sign(&sig, key, NULL, 0, attrs.ptr, attrs.len)) < 0)
		goto done;
	if (tsa_cert && tsa_key &&
	    (err = es_tst_create(&tst, tsa_cert, tsa_key, sig.ptr, sig.len, signing_time, NULL)) < 0)
		goto done;

	es_der_writer_init(&w, out);
	es_der_begin(&w, ES_DER_SEQUENCE); /* ContentInfo */
	es_der_put_oid(&w, ES_OID_PKCS7_SIGNED);
	es_der_begin(&w, ES_DER_CONTEXT(0));
	es_der_begin(&w, ES_DER_SEQUENCE); /* SignedData */
	es_der_put_uint(&w, 1);
	es_der_begin(&w, ES_DER_SET);
	put_alg(&w, ES_OID_SM3);
	es_der_end(&w);
	es_der_begin(&w, ES_DER_SEQUENCE);
	es_der_put_oid(&w, ES_OID_PKCS7_DATA);
	es_der_end(&w);
	es_der_begin(&w, ES_DER_CONTEXT(0));
	es_der_put_raw(&w, cder.ptr, cder.len);
	es_der_end(&w);
	es_der_begin(&w, ES_DER_SET); /* signerInfos */
	es_der_begin(&w, ES_DER_SEQUENCE);
	es_der_put_uint(&w, 1);
	es_der_begin(&w, ES_DER_SEQUENCE);
	es_der_put_raw(&w, issuer.whole.ptr, issuer.whole.len);
	es_der_put_raw(&w, serial.whole.ptr, serial.whole.len);
	es_der_end(&w);
	put_alg(&w, ES_OID_SM3);
	es_der_begin(&w, ES_DER_CONTEXT(0));
	put_signed_attrs(&w, digest, signing_time);
	es_der_end(&w);
	put_alg(&w, ES_OID_SM2_SM3);
	es_der_put_octets(&w, sig.ptr, sig.len);
	if (tst.len) {
		es_der_begin(&w, ES_DER_CONTEXT(1));
		es_der_begin(&w, ES_DER_SEQUENCE);
		es_der_put_oid(&w, ES_OID_ATTR_TIMESTAMP_TOKEN);
		es_der_begin(&w, ES_DER_SET);
		es_der_put_raw(&w, tst.ptr, tst.len);
		es_der_end(&w);
		es_der_end(&w);
		es_der_end(&w);
	}
	es_der_end(&w); /* SignerInfo */
	es_der_end(&w);
	es_der_end(&w); /* SignedData */
	es_der_end(&w);
	es_der_end(&w); /* ContentInfo */
	err = es_der_writer_finish(&w);
done:
	es_buf_release(&attrs);
	es_buf_release(&sig);
	es_buf_release(&tst);
	return err;
}

/* Skip one element of @d whatever it is. */
static int skip(es_der *d)
{
	es_tlv t;
	return es_der_read_tlv(d, &t);
}

int es_pdf__cms_find_timestamp(const uint8_t *der, size_t len, es_bytes *token, es_bytes *sigvalue)
{
	es_der d, ci, c0, sd, sis, si, ua;
	es_bytes oid;
	uint8_t tag = 0;
	token->ptr = NULL;
	token->len = 0;
	es_der_init(&d, der, len);
	if (es_der_enter(&d, ES_DER_SEQUENCE, &ci, NULL) < 0 || es_der_read_oid(&ci, &oid) < 0 ||
	    es_der_enter(&ci, ES_DER_CONTEXT(0), &c0, NULL) < 0 || es_der_enter(&c0, ES_DER_SEQUENCE, &sd, NULL) < 0)
		return es_error_set(ES_EMALFORMED, "pdf: not a CMS ContentInfo");
	/* version, digestAlgorithms, encapContentInfo, [0] certs, [1] crls */
	if (skip(&sd) < 0 || skip(&sd) < 0 || skip(&sd) < 0)
		return es_error_set(ES_EMALFORMED, "pdf: CMS SignedData");
	while (es_der_peek(&sd, &tag) == 0 && (tag == ES_DER_CONTEXT(0) || tag == ES_DER_CONTEXT(1)))
		if (skip(&sd) < 0)
			return es_error_set(ES_EMALFORMED, "pdf: CMS SignedData");
	if (es_der_enter(&sd, ES_DER_SET, &sis, NULL) < 0 || es_der_enter(&sis, ES_DER_SEQUENCE, &si, NULL) < 0)
		return es_error_set(ES_EMALFORMED, "pdf: CMS signerInfos");
	/* version, sid, digestAlgorithm, [0] attrs, signatureAlgorithm */
	if (skip(&si) < 0 || skip(&si) < 0 || skip(&si) < 0)
		return es_error_set(ES_EMALFORMED, "pdf: CMS SignerInfo");
	if (es_der_peek(&si, &tag) == 0 && tag == ES_DER_CONTEXT(0) && skip(&si) < 0)
		return es_error_set(ES_EMALFORMED, "pdf: CMS SignerInfo");
	if (skip(&si) < 0 || es_der_read_octets(&si, sigvalue) < 0)
		return es_error_set(ES_EMALFORMED, "pdf: CMS SignerInfo signature");
	if (es_der_peek(&si, &tag) < 0 || tag != ES_DER_CONTEXT(1))
		return 0;
	if (es_der_enter(&si, ES_DER_CONTEXT(1), &ua, NULL) < 0)
		return es_error_set(ES_EMALFORMED, "pdf: CMS unsignedAttrs");
	while (!es_der_empty(&ua)) {
		es_der a, vals;
		es_tlv v;
		if (es_der_enter(&ua, ES_DER_SEQUENCE, &a, NULL) < 0 || es_der_read_oid(&a, &oid) < 0 ||
		    es_der_enter(&a, ES_DER_SET, &vals, NULL) < 0)
			return es_error_set(ES_EMALFORMED, "pdf: CMS unsigned attribute");
		if (es_oid_equal(oid, ES_OID_ATTR_TIMESTAMP_TOKEN)) {
			if (es_der_read_tag(&vals, ES_DER_SEQUENCE, &v) < 0)
				return es_error_set(ES_EMALFORMED, "pdf: CMS timeStampToken");
			*token = v.whole;
			return 0;
		}
	}
	return 0;
}
