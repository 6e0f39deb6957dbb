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
#include "eseal/es_cms.h"
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

int es_pdf__cms_build(es_buf *out, const uint8_t digest[32], es_time signing_time, const es_cert *cert,
		      const es_sm2_key *key, const es_cert *tsa_cert, const es_sm2_key *tsa_key)
{
	es_cms_sign_options co = ES_CMS_SIGN_OPTIONS_INIT;
	co.flavour = ES_CMS_PKCS7;
	co.digest = digest;
	co.signing_time = signing_time;
	co.tsa_cert = tsa_cert;
	co.tsa_key = tsa_key;
	return es_cms_sign_detached(out, &co, cert, key);
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
