/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Type=Sign values: a detached GM/T 0010-2012 SignedData with signed
 * attributes (STANDARDS.md §2.2 variant 3, as ofdrw
 * GBT35275PKCS9DSContainer), verified by src/seal/cms.c.
 *
 *   ContentInfo ::= SEQUENCE { contentType 1.2.156.10197.6.1.4.2.2,
 *                              content [0] EXPLICIT SignedData }
 *   SignedData ::= SEQUENCE { version 1, digestAlgorithms SET { sm3 },
 *       contentInfo SEQUENCE { 1.2.156.10197.6.1.4.2.1 } -- detached,
 *       certificates [0] IMPLICIT SET OF Certificate, signerInfos SET { SignerInfo } }
 *   SignerInfo ::= SEQUENCE { version 1, issuerAndSerialNumber,
 *       digestAlgorithm sm3, authenticatedAttributes [0] IMPLICIT SET OF Attribute,
 *       digestEncryptionAlgorithm 1.2.156.10197.1.301.1, encryptedDigest OCTET STRING }
 *
 * The signature is SM2 with Z (default ID) over DER(SET OF Attribute):
 * contentType, signingTime (UTCTime), messageDigest = SM3(Signature.xml),
 * written in DER SET OF order (by encoding).
 */
#include "es_int.h"
#include "ofd_int.h"
#include "der/der.h"
#include "estime.h"

#define OID_GM_SIGNED "1.2.156.10197.6.1.4.2.2"
#define OID_GM_DATA "1.2.156.10197.6.1.4.2.1"
#define OID_SM2_SIGN "1.2.156.10197.1.301.1"

int es_ofd__cms_sign(es_buf *out, const uint8_t *data, size_t len, es_time t, const es_cert *cert,
		     const es_sm2_key *key);

static void put_attrs(es_der_writer *w, uint8_t tag, const uint8_t md[32], const char utc[14])
{
	es_der_begin(w, tag);
	es_der_begin(w, ES_DER_SEQUENCE); /* 30 19: contentType */
	es_der_put_oid(w, "1.2.840.113549.1.9.3");
	es_der_begin(w, ES_DER_SET);
	es_der_put_oid(w, OID_GM_DATA);
	es_der_end(w);
	es_der_end(w);
	es_der_begin(w, ES_DER_SEQUENCE); /* 30 1c: signingTime */
	es_der_put_oid(w, "1.2.840.113549.1.9.5");
	es_der_begin(w, ES_DER_SET);
	es_der_put_tlv(w, ES_DER_UTC_TIME, utc, 13);
	es_der_end(w);
	es_der_end(w);
	es_der_begin(w, ES_DER_SEQUENCE); /* 30 2f: messageDigest */
	es_der_put_oid(w, "1.2.840.113549.1.9.4");
	es_der_begin(w, ES_DER_SET);
	es_der_put_octets(w, md, 32);
	es_der_end(w);
	es_der_end(w);
	es_der_end(w);
}

int es_ofd__cms_sign(es_buf *out, const uint8_t *data, size_t len, es_time t, const es_cert *cert,
		     const es_sm2_key *key)
{
	es_buf attrs = ES_BUF_INIT, sig = ES_BUF_INIT;
	es_der_writer w;
	es_der d, c, tbs;
	es_tlv serial, alg, issuer;
	es_bytes cder = es_cert_der(cert);
	uint8_t md[32];
	char iso[32], utc[14];
	int err;

	if (t < 946684800 || t >= 2524608000) /* UTCTime: 2000..2049 */
		return es_error_set(ES_EINVAL, "signing time outside 2000..2049 (UTCTime)");
	es_time_iso(iso, t);
	snprintf(utc, sizeof(utc), "%.2s%.2s%.2s%.2s%.2s%.2sZ", iso + 2, iso + 5, iso + 8, iso + 11, iso + 14, iso + 17);
	es_der_init(&d, cder.ptr, cder.len);
	if ((err = es_der_enter(&d, ES_DER_SEQUENCE, &c, NULL)) < 0 ||
	    (err = es_der_enter(&c, ES_DER_SEQUENCE, &tbs, NULL)) < 0)
		return es_error_wrap(err, "signer certificate");
	if (!es_der_empty(&tbs) && tbs.p[0] == ES_DER_CONTEXT(0)) {
		es_tlv ver;
		if ((err = es_der_read_tlv(&tbs, &ver)) < 0)
			return es_error_wrap(err, "signer certificate");
	}
	if ((err = es_der_read_tag(&tbs, ES_DER_INTEGER, &serial)) < 0 ||
	    (err = es_der_read_tag(&tbs, ES_DER_SEQUENCE, &alg)) < 0 ||
	    (err = es_der_read_tag(&tbs, ES_DER_SEQUENCE, &issuer)) < 0)
		return es_error_wrap(err, "signer certificate");
	if ((err = es_sm3(md, data, len)) < 0)
		return err;
	/* what is signed: the attributes as a DER SET */
	es_der_writer_init(&w, &attrs);
	put_attrs(&w, ES_DER_SET, md, utc);
	if ((err = es_der_writer_finish(&w)) < 0 ||
	    (err = es_sm2_sign(&sig, key, NULL, 0, attrs.ptr, attrs.len)) < 0)
		goto done;
	es_der_writer_init(&w, out);
	es_der_begin(&w, ES_DER_SEQUENCE);
	es_der_put_oid(&w, OID_GM_SIGNED);
	es_der_begin(&w, ES_DER_CONTEXT(0));
	es_der_begin(&w, ES_DER_SEQUENCE);
	es_der_put_uint(&w, 1);
	es_der_begin(&w, ES_DER_SET);
	es_der_begin(&w, ES_DER_SEQUENCE);
	es_der_put_oid(&w, ES_OID_SM3);
	es_der_end(&w);
	es_der_end(&w);
	es_der_begin(&w, ES_DER_SEQUENCE);
	es_der_put_oid(&w, OID_GM_DATA);
	es_der_end(&w);
	es_der_begin(&w, ES_DER_CONTEXT(0));
	es_der_put_raw(&w, cder.ptr, cder.len);
	es_der_end(&w);
	es_der_begin(&w, ES_DER_SET);
	es_der_begin(&w, ES_DER_SEQUENCE);
	es_der_put_uint(&w, 1);
	es_der_begin(&w, ES_DER_SEQUENCE);
	es_der_put_raw(&w, issuer.whole.ptr, issuer.whole.len);
	es_der_put_raw(&w, serial.whole.ptr, serial.whole.len);
	es_der_end(&w);
	es_der_begin(&w, ES_DER_SEQUENCE);
	es_der_put_oid(&w, ES_OID_SM3);
	es_der_end(&w);
	put_attrs(&w, ES_DER_CONTEXT(0), md, utc);
	es_der_begin(&w, ES_DER_SEQUENCE);
	es_der_put_oid(&w, OID_SM2_SIGN);
	es_der_end(&w);
	es_der_put_octets(&w, sig.ptr, sig.len);
	es_der_end(&w);
	es_der_end(&w);
	es_der_end(&w);
	es_der_end(&w);
	es_der_end(&w);
	err = es_der_writer_finish(&w);
done:
	es_buf_release(&attrs);
	es_buf_release(&sig);
	return err;
}
