/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Detached CMS SignedData with SM2/SM3 (include/eseal/es_cms.h). */
#include "es_int.h"
#include "eseal/es_cms.h"
#include "eseal/es_seal.h"
#include "der/der.h"
#include "estime.h"

#define OID_ATTR_CONTENT_TYPE "1.2.840.113549.1.9.3"
#define OID_ATTR_MESSAGE_DIGEST "1.2.840.113549.1.9.4"
#define OID_ATTR_SIGNING_TIME "1.2.840.113549.1.9.5"
#define OID_ATTR_TIMESTAMP_TOKEN "1.2.840.113549.1.9.16.2.14"

static const struct {
	const char *signed_data, *data, *sig_alg;
} flavours[] = {
	[ES_CMS_PKCS7] = { "1.2.840.113549.1.7.2", "1.2.840.113549.1.7.1", ES_OID_SM2_SM3 },
	[ES_CMS_GMT0010] = { "1.2.156.10197.6.1.4.2.2", "1.2.156.10197.6.1.4.2.1", "1.2.156.10197.1.301.1" },
};

/* issuer Name and serialNumber TLVs of a certificate (issuerAndSerialNumber). */
static int cert_issuer_serial(const es_cert *cert, es_tlv *issuer, es_tlv *serial)
{
	es_bytes der = es_cert_der(cert);
	es_der d, c, tbs;
	es_tlv alg;
	uint8_t tag = 0;
	int err;

	es_der_init(&d, der.ptr, der.len);
	if ((err = es_der_enter(&d, ES_DER_SEQUENCE, &c, NULL)) < 0 ||
	    (err = es_der_enter(&c, ES_DER_SEQUENCE, &tbs, NULL)) < 0 || (err = es_der_peek(&tbs, &tag)) < 0)
		return es_error_wrap(err, "cms: signer certificate");
	if (tag == ES_DER_CONTEXT(0)) {
		es_tlv v;
		if ((err = es_der_read_tlv(&tbs, &v)) < 0)
			return es_error_wrap(err, "cms: signer certificate version");
	}
	if ((err = es_der_read_tag(&tbs, ES_DER_INTEGER, serial)) < 0 ||
	    (err = es_der_read_tag(&tbs, ES_DER_SEQUENCE, &alg)) < 0 ||
	    (err = es_der_read_tag(&tbs, ES_DER_SEQUENCE, issuer)) < 0)
		return es_error_wrap(err, "cms: signer certificate issuer and serial");
	return 0;
}

static void put_alg(es_der_writer *w, const char *oid)
{
	es_der_begin(w, ES_DER_SEQUENCE);
	es_der_put_oid(w, oid);
	es_der_end(w);
}

static void put_attr(es_der_writer *w, const char *oid)
{
	es_der_begin(w, ES_DER_SEQUENCE);
	es_der_put_oid(w, oid);
	es_der_begin(w, ES_DER_SET);
}

/* The attributes in DER SET OF order: their encodings sort contentType < signingTime < messageDigest. */
static void put_signed_attrs(es_der_writer *w, uint8_t tag, const char *data_oid, const char utc[14],
			     const uint8_t digest[32])
{
	es_der_begin(w, tag);
	put_attr(w, OID_ATTR_CONTENT_TYPE);
	es_der_put_oid(w, data_oid);
	es_der_end(w);
	es_der_end(w);
	put_attr(w, OID_ATTR_SIGNING_TIME);
	es_der_put_tlv(w, ES_DER_UTC_TIME, utc, 13);
	es_der_end(w);
	es_der_end(w);
	put_attr(w, OID_ATTR_MESSAGE_DIGEST);
	es_der_put_octets(w, digest, 32);
	es_der_end(w);
	es_der_end(w);
	es_der_end(w);
}

/* The key elsewhere: e = SM3(Z ‖ attrs) signed by opt->sign_digest, checked against the certificate, as DER. */
static int sign_external(es_buf *sig, const es_cms_sign_options *opt, const es_cert *cert, const uint8_t *attrs,
			 size_t len)
{
	const es_sm2_key *pub = NULL;
	es_sm3_ctx *h = NULL;
	es_buf raw = ES_BUF_INIT;
	uint8_t z[32], e[32];
	int err;
	if ((err = es_cert_pubkey(&pub, cert)) < 0 || (err = es_sm2_z(z, pub, NULL, 0)) < 0 || (err = es_sm3_new(&h)) < 0 ||
	    (err = es_sm3_update(h, z, 32)) < 0 || (err = es_sm3_update(h, attrs, len)) < 0 ||
	    (err = es_sm3_final(h, e)) < 0 || (err = opt->sign_digest(&raw, e, opt->sign_payload)) < 0)
		goto done;
	if (es_sm2_verify_digest(pub, e, raw.ptr, raw.len) != 0) {
		err = es_error_set(ES_EVERIFY, "cms: the key store's signature does not verify with the signer certificate");
		goto done;
	}
	err = raw.len == 64 ? es_sm2_sig_raw_to_der(sig, raw.ptr) : es_buf_put(sig, raw.ptr, raw.len);
done:
	es_sm3_free(h);
	es_buf_release(&raw);
	return err;
}

int es_cms_sign_detached(es_buf *out, const es_cms_sign_options *opt, const es_cert *cert, const es_sm2_key *key)
{
	es_buf attrs = ES_BUF_INIT, sig = ES_BUF_INIT, tst = ES_BUF_INIT;
	es_der_writer w;
	es_tlv issuer, serial;
	es_bytes cder;
	char iso[32], utc[14];
	int err;

	ES_ASSERT_ARG(out && opt && opt->digest && cert && (key || opt->sign_digest));
	if (opt->version != ES_CMS_SIGN_OPTIONS_VERSION)
		return es_error_set(ES_EINVAL, "cms: unknown options version %u", opt->version);
	if (opt->flavour != ES_CMS_PKCS7 && opt->flavour != ES_CMS_GMT0010)
		return es_error_set(ES_EINVAL, "cms: unknown flavour %d", (int)opt->flavour);
	if (opt->signing_time < (es_time)-631152000 || opt->signing_time >= (es_time)2524608000)
		return es_error_set(ES_EINVAL, "cms: signing time outside 1950..2049 (UTCTime)");
	es_time_iso(iso, opt->signing_time);
	snprintf(utc, sizeof(utc), "%.2s%.2s%.2s%.2s%.2s%.2sZ", iso + 2, iso + 5, iso + 8, iso + 11, iso + 14,
		 iso + 17);
	if ((err = cert_issuer_serial(cert, &issuer, &serial)) < 0)
		return err;
	cder = es_cert_der(cert);

	/* what is signed: DER(SET OF Attribute); [0] IMPLICIT replaces the tag in SignerInfo */
	es_der_writer_init(&w, &attrs);
	put_signed_attrs(&w, ES_DER_SET, flavours[opt->flavour].data, utc, opt->digest);
	if ((err = es_der_writer_finish(&w)) < 0)
		goto done;
	if (key)
		err = es_sm2_sign(&sig, key, NULL, 0, attrs.ptr, attrs.len);
	else
		err = sign_external(&sig, opt, cert, attrs.ptr, attrs.len);
	if (err < 0)
		goto done;
	if (opt->tsa_cert && opt->tsa_key &&
	    (err = es_tst_create(&tst, opt->tsa_cert, opt->tsa_key, sig.ptr, sig.len, opt->signing_time, NULL)) < 0)
		goto done;

	es_der_writer_init(&w, out);
	es_der_begin(&w, ES_DER_SEQUENCE); /* ContentInfo */
	es_der_put_oid(&w, flavours[opt->flavour].signed_data);
	es_der_begin(&w, ES_DER_CONTEXT(0));
	es_der_begin(&w, ES_DER_SEQUENCE); /* SignedData */
	es_der_put_uint(&w, 1);
	es_der_begin(&w, ES_DER_SET);
	put_alg(&w, ES_OID_SM3);
	es_der_end(&w);
	put_alg(&w, flavours[opt->flavour].data); /* detached: no content */
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
	put_signed_attrs(&w, ES_DER_CONTEXT(0), flavours[opt->flavour].data, utc, opt->digest);
	put_alg(&w, flavours[opt->flavour].sig_alg);
	es_der_put_octets(&w, sig.ptr, sig.len);
	if (tst.len) {
		es_der_begin(&w, ES_DER_CONTEXT(1));
		put_attr(&w, OID_ATTR_TIMESTAMP_TOKEN);
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
