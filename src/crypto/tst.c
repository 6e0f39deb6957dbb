/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * RFC 3161 / GB/T 20520 time-stamp tokens with SM3 imprints and SM2/SM3
 * signatures.
 *
 * OpenSSL's TS_RESP_CTX signs through PKCS7_dataFinal(), which cannot be
 * given the SM2 distinguishing ID, so its SM2 signatures would use
 * OpenSSL's default Z. The token is therefore assembled from the pieces:
 * TSTInfo with the TS API, SignedData with the PKCS7 structures, and the
 * signature over DER(SET OF signedAttrs) made with es_sm2_sign() (default
 * ID). Verification mirrors it: the same DER of the signed attributes is
 * checked with es_sm2_verify().
 *
 *   TimeStampToken ::= ContentInfo  -- contentType id-signedData,
 *        content SignedData { eContentType id-ct-TSTInfo, eContent TSTInfo }
 *   signedAttrs: contentType, signingTime, messageDigest, signingCertificateV2
 */
#include "es_int.h"
#include "estime.h"
#include "crypto/crypto_int.h"
#include "der/der.h"

#include <stdarg.h>

#include <openssl/ess.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/ts.h>

#define ES_TSA_DEFAULT_POLICY "1.2.156.10197.6.1.4.1"
/* GM/T 0006 sm2-1, the signature OID some Chinese products put in SignerInfo */
#define ES_OID_SM2_1 "1.2.156.10197.1.301.1"

static bool is_sm2_sig_alg(const ASN1_OBJECT *o)
{
	char txt[64];
	int nid = OBJ_obj2nid(o);

	if (nid == NID_SM2_with_SM3 || nid == NID_sm2)
		return true;
	if (OBJ_obj2txt(txt, sizeof(txt), o, 1) <= 0)
		return false;
	return strcmp(txt, ES_OID_SM2_1) == 0;
}

/* ---- creation ---------------------------------------------------------- */

/* TSTInfo over @p hash (of algorithm @p imprint_nid), with the request's nonce if any. */
static int make_tst_info(es_buf *der, const es_cert *tsa, int imprint_nid, const uint8_t *hash, size_t hashlen,
			 es_time at, const char *policy, const ASN1_INTEGER *nonce)
{
	TS_TST_INFO *ti = NULL;
	TS_MSG_IMPRINT *mi = NULL;
	X509_ALGOR *alg = NULL;
	ASN1_OBJECT *pol = NULL;
	ASN1_INTEGER *serial = NULL;
	ASN1_GENERALIZEDTIME *gt = NULL;
	GENERAL_NAME *gn = NULL;
	X509_NAME *name = NULL;
	BIGNUM *bn = NULL;
	unsigned char *p = NULL;
	uint8_t rnd[16];
	int n, err = 0;

	if ((err = es_random(rnd, sizeof(rnd))) < 0)
		return err;
	rnd[0] = (uint8_t)((rnd[0] & 0x7F) | 0x40);
	pol = OBJ_txt2obj(policy, 1);
	if (!pol) {
		err = es_crypto__fail(ES_EINVAL, "bad policy oid '%s'", policy);
		goto done;
	}
	ti = TS_TST_INFO_new();
	mi = TS_MSG_IMPRINT_new();
	alg = X509_ALGOR_new();
	bn = BN_bin2bn(rnd, sizeof(rnd), NULL);
	serial = bn ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
	gt = ASN1_GENERALIZEDTIME_set(NULL, (time_t)at); /* YYYYMMDDHHMMSSZ */
	gn = GENERAL_NAME_new();
	name = X509_NAME_dup(X509_get_subject_name(tsa->x));
	if (!ti || !mi || !alg || !serial || !gt || !gn || !name ||
	    !X509_ALGOR_set0(alg, OBJ_nid2obj(imprint_nid), V_ASN1_NULL, NULL) ||
	    !TS_MSG_IMPRINT_set_algo(mi, alg) || !TS_MSG_IMPRINT_set_msg(mi, (unsigned char *)hash, (int)hashlen) ||
	    !TS_TST_INFO_set_version(ti, 1) || !TS_TST_INFO_set_policy_id(ti, pol) ||
	    !TS_TST_INFO_set_msg_imprint(ti, mi) || !TS_TST_INFO_set_serial(ti, serial) ||
	    !TS_TST_INFO_set_time(ti, gt) || (nonce && !TS_TST_INFO_set_nonce(ti, nonce))) {
		err = es_crypto__fail(ES_ECRYPTO, "cannot build the tstinfo");
		goto done;
	}
	GENERAL_NAME_set0_value(gn, GEN_DIRNAME, name);
	name = NULL;
	if (!TS_TST_INFO_set_tsa(ti, gn)) {
		err = es_crypto__fail(ES_ECRYPTO, "cannot build the tstinfo");
		goto done;
	}
	n = i2d_TS_TST_INFO(ti, &p);
	if (n <= 0) {
		err = es_crypto__fail(ES_ECRYPTO, "cannot encode the tstinfo");
		goto done;
	}
	err = es_buf_put(der, p, (size_t)n);
done:
	OPENSSL_free(p);
	X509_NAME_free(name);
	GENERAL_NAME_free(gn);
	ASN1_GENERALIZEDTIME_free(gt);
	ASN1_INTEGER_free(serial);
	BN_free(bn);
	ASN1_OBJECT_free(pol);
	X509_ALGOR_free(alg);
	TS_MSG_IMPRINT_free(mi);
	TS_TST_INFO_free(ti);
	return err;
}

/* signingCertificateV2 with an SM3 ESSCertIDv2 of the TSA certificate (RFC 5816). */
static int add_signing_cert(PKCS7_SIGNER_INFO *si, X509 *cert)
{
	ESS_SIGNING_CERT_V2 *sc = NULL;
	ASN1_STRING *seq = NULL;
	unsigned char *p = NULL;
	EVP_MD *sm3 = NULL;
	int n, err = 0;

	sm3 = EVP_MD_fetch(NULL, "SM3", NULL);
	sc = sm3 ? OSSL_ESS_signing_cert_v2_new_init(sm3, cert, NULL, 1) : NULL;
	if (!sc || (n = i2d_ESS_SIGNING_CERT_V2(sc, &p)) <= 0 || (seq = ASN1_STRING_new()) == NULL ||
	    !ASN1_STRING_set(seq, p, n) ||
	    !PKCS7_add_signed_attribute(si, NID_id_smime_aa_signingCertificateV2, V_ASN1_SEQUENCE,
					seq)) {
		ASN1_STRING_free(seq);
		err = es_crypto__fail(ES_ECRYPTO, "cannot add the signing certificate attribute");
	}
	OPENSSL_free(p);
	ESS_SIGNING_CERT_V2_free(sc);
	EVP_MD_free(sm3);
	return err;
}

/*
 * The token over an imprint: es_tst_create() (SM3 of the data, certificate
 * included) and es_tsp_respond() (the requester's imprint, nonce and certReq).
 */
static int tst_make(es_buf *der_out, const es_cert *tsa_cert, const es_sm2_key *tsa_key, int imprint_nid,
		    const uint8_t *hash, size_t hashlen, es_time at, const char *policy_oid, const ASN1_INTEGER *nonce,
		    bool with_cert)
{
	es_buf tst = ES_BUF_INIT, sig = ES_BUF_INIT;
	uint8_t md[32];
	PKCS7 *p7 = NULL, *inner = NULL;
	PKCS7_SIGNER_INFO *si = NULL;
	ASN1_OCTET_STRING *oct = NULL;
	ASN1_TYPE *other = NULL;
	ASN1_TIME *stime = NULL;
	unsigned char *attrs = NULL, *out = NULL;
	int n, err = 0;

	ES_ASSERT_ARG(der_out && tsa_cert && tsa_key && hash);
	if (!es_cert_has_eku_timestamping(tsa_cert))
		return es_error_set(ES_EINVAL, "certificate is not a time-stamping certificate "
				    "(no extended key usage timestamping)");
	if (!tsa_cert->pub || EVP_PKEY_eq(tsa_cert->pub->pkey, tsa_key->pkey) != 1) {
		ERR_clear_error();
		return es_error_set(ES_EINVAL, "tsa key does not match the tsa certificate");
	}
	if (!es_sm2_key_has_private(tsa_key))
		return es_error_set(ES_EINVAL, "tsa key has no private part");
	if (at == 0)
		at = es_time_now();
	if (!policy_oid)
		policy_oid = ES_TSA_DEFAULT_POLICY;
	if ((err = make_tst_info(&tst, tsa_cert, imprint_nid, hash, hashlen, at, policy_oid, nonce)) < 0 ||
	    (err = es_sm3(md, tst.ptr, tst.len)) < 0)
		goto done;

	/* SignedData { version 3, digestAlgorithms, encapContentInfo, certificates, signerInfos } */
	p7 = PKCS7_new();
	inner = PKCS7_new();
	oct = ASN1_OCTET_STRING_new();
	other = ASN1_TYPE_new();
	si = PKCS7_SIGNER_INFO_new();
	stime = ASN1_TIME_set(NULL, (time_t)at); /* UTCTime until 2049 (RFC 5652 §11.3) */
	if (!p7 || !inner || !oct || !other || !si || !stime || !PKCS7_set_type(p7, NID_pkcs7_signed) ||
	    !ASN1_INTEGER_set(p7->d.sign->version, 3) ||
	    !ASN1_OCTET_STRING_set(oct, tst.ptr, (int)tst.len)) {
		err = es_crypto__fail(ES_ECRYPTO, "cannot build the signed data");
		goto done;
	}
	ASN1_TYPE_set(other, V_ASN1_OCTET_STRING, oct);
	oct = NULL;
	ASN1_OBJECT_free(inner->type);
	inner->type = OBJ_nid2obj(NID_id_smime_ct_TSTInfo);
	inner->d.other = other;
	other = NULL;
	if (!PKCS7_set_content(p7, inner)) {
		err = es_crypto__fail(ES_ECRYPTO, "cannot build the signed data");
		goto done;
	}
	inner = NULL;
	if (with_cert && !PKCS7_add_certificate(p7, tsa_cert->x)) {
		err = es_crypto__fail(ES_ECRYPTO, "cannot add the tsa certificate");
		goto done;
	}
	/* SignerInfo v1: issuerAndSerialNumber, sm3, SM2-with-SM3 */
	if (!ASN1_INTEGER_set(si->version, 1) ||
	    !X509_NAME_set(&si->issuer_and_serial->issuer, X509_get_issuer_name(tsa_cert->x))) {
		err = es_crypto__fail(ES_ECRYPTO, "cannot build the signer info");
		goto done;
	}
	ASN1_INTEGER_free(si->issuer_and_serial->serial);
	si->issuer_and_serial->serial = ASN1_INTEGER_dup(X509_get0_serialNumber(tsa_cert->x));
	if (!si->issuer_and_serial->serial ||
	    !X509_ALGOR_set0(si->digest_alg, OBJ_nid2obj(NID_sm3), V_ASN1_NULL, NULL) ||
	    !X509_ALGOR_set0(si->digest_enc_alg, OBJ_nid2obj(NID_SM2_with_SM3), V_ASN1_UNDEF, NULL)) {
		err = es_crypto__fail(ES_ECRYPTO, "cannot build the signer info");
		goto done;
	}
	if (!PKCS7_add_signed_attribute(si, NID_pkcs9_contentType, V_ASN1_OBJECT,
					OBJ_nid2obj(NID_id_smime_ct_TSTInfo)) ||
	    !PKCS7_add_signed_attribute(si, NID_pkcs9_signingTime, ASN1_STRING_type(stime), stime)) {
		err = es_crypto__fail(ES_ECRYPTO, "cannot add signed attributes");
		goto done;
	}
	stime = NULL;
	if (!PKCS7_add1_attrib_digest(si, md, 32)) {
		err = es_crypto__fail(ES_ECRYPTO, "cannot add the message digest");
		goto done;
	}
	if ((err = add_signing_cert(si, tsa_cert->x)) < 0)
		goto done;
	/* sign DER(SET OF signedAttrs) with SM2, default ID (RFC 5652 §5.4) */
	n = ASN1_item_i2d((ASN1_VALUE *)si->auth_attr, &attrs, ASN1_ITEM_rptr(PKCS7_ATTR_SIGN));
	if (n <= 0) {
		err = es_crypto__fail(ES_ECRYPTO, "cannot encode the signed attributes");
		goto done;
	}
	if ((err = es_sm2_sign(&sig, tsa_key, NULL, 0, attrs, (size_t)n)) < 0)
		goto done;
	if (!ASN1_STRING_set(si->enc_digest, sig.ptr, (int)sig.len) || !PKCS7_add_signer(p7, si)) {
		err = es_crypto__fail(ES_ECRYPTO, "cannot add the signer info");
		goto done;
	}
	si = NULL;
	n = i2d_PKCS7(p7, &out);
	if (n <= 0) {
		err = es_crypto__fail(ES_ECRYPTO, "cannot encode the time-stamp token");
		goto done;
	}
	err = es_buf_put(der_out, out, (size_t)n);
done:
	OPENSSL_free(out);
	OPENSSL_free(attrs);
	ASN1_TIME_free(stime);
	PKCS7_SIGNER_INFO_free(si);
	ASN1_TYPE_free(other);
	ASN1_OCTET_STRING_free(oct);
	PKCS7_free(inner);
	PKCS7_free(p7);
	es_buf_release(&tst);
	es_buf_release(&sig);
	return err;
}

int es_tst_create(es_buf *der_out, const es_cert *tsa_cert, const es_sm2_key *tsa_key,
		  const void *data, size_t len, es_time at, const char *policy_oid)
{
	uint8_t hash[32];
	int err;

	ES_ASSERT_ARG(der_out && tsa_cert && tsa_key && (data || len == 0));
	if ((err = es_sm3(hash, data, len)) < 0)
		return err;
	return tst_make(der_out, tsa_cert, tsa_key, NID_sm3, hash, sizeof(hash), at, policy_oid, NULL, true);
}

/* ---- the RFC 3161 protocol: TimeStampReq in, TimeStampResp out ------------ */

/*
 *   TimeStampReq ::= SEQUENCE { version INTEGER { v1(1) }, messageImprint MessageImprint,
 *        reqPolicy TSAPolicyId OPTIONAL, nonce INTEGER OPTIONAL,
 *        certReq BOOLEAN DEFAULT FALSE, extensions [0] IMPLICIT Extensions OPTIONAL }
 *   TimeStampResp ::= SEQUENCE { status PKIStatusInfo, timeStampToken TimeStampToken OPTIONAL }
 *   PKIStatusInfo ::= SEQUENCE { status PKIStatus, statusString PKIFreeText OPTIONAL,
 *        failInfo PKIFailureInfo OPTIONAL }
 */
static int tsp_reject(es_tsp_result *out, int fail_bit, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int tsp_reject(es_tsp_result *out, int fail_bit, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out->reason, sizeof(out->reason), fmt, ap);
	va_end(ap);
	out->granted = false;
	out->fail_info = fail_bit;
	return 1;
}

/* Check a request; 0 when it may be granted, 1 with out->reason and out->fail_info when not. */
static int tsp_check(es_tsp_result *out, const TS_REQ *rq, int *nid, const uint8_t **hash, size_t *hashlen)
{
	TS_MSG_IMPRINT *mi = TS_REQ_get_msg_imprint((TS_REQ *)rq);
	X509_ALGOR *alg = mi ? TS_MSG_IMPRINT_get_algo(mi) : NULL;
	ASN1_OCTET_STRING *h = mi ? TS_MSG_IMPRINT_get_msg(mi) : NULL;
	const ASN1_OBJECT *obj = NULL;
	const ASN1_OBJECT *pol = TS_REQ_get_policy_id((TS_REQ *)rq);
	char txt[80];
	size_t want;

	if (TS_REQ_get_version(rq) != 1)
		return tsp_reject(out, TS_INFO_BAD_DATA_FORMAT, "unsupported request version %ld (expected 1)",
				  TS_REQ_get_version(rq));
	if (!alg || !h)
		return tsp_reject(out, TS_INFO_BAD_DATA_FORMAT, "the request has no message imprint");
	X509_ALGOR_get0(&obj, NULL, NULL, alg);
	*nid = OBJ_obj2nid(obj);
	if (*nid == NID_sm3)
		want = 32;
	else if (*nid == NID_sha256)
		want = 32;
	else {
		if (OBJ_obj2txt(txt, sizeof(txt), obj, 1) <= 0)
			snprintf(txt, sizeof(txt), "?");
		return tsp_reject(out, TS_INFO_BAD_ALG, "imprint hash algorithm %s is not accepted: use SM3 (or SHA-256)",
				  txt);
	}
	if ((size_t)ASN1_STRING_length(h) != want)
		return tsp_reject(out, TS_INFO_BAD_DATA_FORMAT, "the imprint is %d bytes, %s gives %zu",
				  ASN1_STRING_length(h), OBJ_nid2sn(*nid), want);
	if (pol) {
		if (OBJ_obj2txt(txt, sizeof(txt), pol, 1) <= 0 || strcmp(txt, ES_TSA_DEFAULT_POLICY) != 0)
			return tsp_reject(out, TS_INFO_UNACCEPTED_POLICY, "policy %s is not this TSA's (%s)", txt,
					  ES_TSA_DEFAULT_POLICY);
	}
	if (TS_REQ_get_exts((TS_REQ *)rq) && sk_X509_EXTENSION_num(TS_REQ_get_exts((TS_REQ *)rq)) > 0)
		return tsp_reject(out, TS_INFO_UNACCEPTED_EXTENSION, "request extensions are not supported");
	*hash = ASN1_STRING_get0_data(h);
	*hashlen = want;
	return 0;
}

/* DER of TimeStampResp: the status and, when granted, the token (RFC 3161 §2.4.2). */
static int tsp_encode(es_buf *resp, const es_tsp_result *r, const es_buf *token)
{
	es_der_writer w;

	es_der_writer_init(&w, resp);
	es_der_begin(&w, 0x30);
	es_der_begin(&w, 0x30);
	es_der_put_uint(&w, r->granted ? 0 : 2); /* granted, rejection */
	if (!r->granted) {
		/* statusString: one UTF8String; failInfo: a named bit, trailing zero bits dropped */
		uint8_t bits[5] = { 0 };
		unsigned b = (unsigned)r->fail_info;
		es_der_begin(&w, 0x30);
		es_der_put_tlv(&w, 0x0C, r->reason, strlen(r->reason));
		es_der_end(&w);
		bits[0] = (uint8_t)(7 - b % 8);
		bits[1 + b / 8] = (uint8_t)(0x80 >> (b % 8));
		es_der_put_tlv(&w, 0x03, bits, 2 + b / 8);
	}
	es_der_end(&w);
	if (r->granted)
		es_der_put_raw(&w, token->ptr, token->len);
	es_der_end(&w);
	return es_der_writer_finish(&w);
}

int es_tsp_respond(es_buf *resp_der, const es_cert *tsa_cert, const es_sm2_key *tsa_key, const uint8_t *req,
		   size_t len, es_time at, es_tsp_result *out)
{
	es_buf token = ES_BUF_INIT;
	const unsigned char *p = req;
	TS_REQ *rq = NULL;
	const uint8_t *hash = NULL;
	size_t hashlen = 0;
	int nid = NID_undef, err = 0;

	ES_ASSERT_ARG(resp_der && tsa_cert && tsa_key && (req || len == 0) && out);
	memset(out, 0, sizeof(*out));
	out->fail_info = -1;
	if (at == 0)
		at = es_time_now();
	if (len == 0 || len > ES_TSP_MAX_REQUEST)
		tsp_reject(out, TS_INFO_BAD_REQUEST, "a time-stamp request is 1 to %d bytes of DER (got %zu)",
			   ES_TSP_MAX_REQUEST, len);
	else if (!(rq = d2i_TS_REQ(NULL, &p, (long)len)) || p != req + len)
		tsp_reject(out, TS_INFO_BAD_REQUEST, "the body is not one DER TimeStampReq (RFC 3161 §2.4.1)");
	else if (tsp_check(out, rq, &nid, &hash, &hashlen) == 0) {
		if ((err = tst_make(&token, tsa_cert, tsa_key, nid, hash, hashlen, at, NULL, TS_REQ_get_nonce(rq),
				    TS_REQ_get_cert_req(rq) != 0)) < 0) {
			/* the TSA itself failed: a systemFailure answer, and the caller learns why */
			tsp_reject(out, TS_INFO_SYSTEM_FAILURE, "the time-stamping authority failed");
			if (tsp_encode(resp_der, out, &token) < 0)
				es_error_set(err, "the time-stamping authority failed");
			goto done;
		}
		out->granted = true;
		out->gen_time = at;
		snprintf(out->reason, sizeof(out->reason), "granted");
	}
	err = tsp_encode(resp_der, out, &token);
done:
	ERR_clear_error();
	TS_REQ_free(rq);
	es_buf_release(&token);
	return err;
}

/* ---- verification ------------------------------------------------------ */

static int tst_fail(es_tst_info *out, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int tst_fail(es_tst_info *out, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out->reason, sizeof(out->reason), fmt, ap);
	va_end(ap);
	ERR_clear_error();
	return es_error_set(code, "%s", out->reason);
}

/* Digest named by an AlgorithmIdentifier, or NULL. Free with EVP_MD_free(). */
static EVP_MD *md_of(const X509_ALGOR *alg)
{
	const ASN1_OBJECT *obj = NULL;
	int nid;
	EVP_MD *md;

	X509_ALGOR_get0(&obj, NULL, NULL, alg);
	nid = OBJ_obj2nid(obj);
	if (nid == NID_undef)
		return NULL;
	md = EVP_MD_fetch(NULL, OBJ_nid2sn(nid), NULL);
	ERR_clear_error();
	return md;
}

static int digest(EVP_MD *md, const void *data, size_t len, uint8_t *out, unsigned *outlen)
{
	return EVP_Digest(len ? data : "", len, out, outlen, md, NULL) ? 0 : -1;
}

/* Check signingCertificate / signingCertificateV2 when present. */
static int check_ess(es_tst_info *out, PKCS7_SIGNER_INFO *si, X509 *cert)
{
	ASN1_TYPE *a1 = PKCS7_get_signed_attribute(si, NID_id_smime_aa_signingCertificate);
	ASN1_TYPE *a2 = PKCS7_get_signed_attribute(si, NID_id_smime_aa_signingCertificateV2);
	ESS_SIGNING_CERT *ss = NULL;
	ESS_SIGNING_CERT_V2 *ss2 = NULL;
	STACK_OF(X509) *chain = NULL;
	const unsigned char *p;
	int rc, err = 0;

	if (!a1 && !a2)
		return 0;
	if (a1) {
		if (a1->type != V_ASN1_SEQUENCE)
			return tst_fail(out, ES_EMALFORMED, "bad signing certificate attribute");
		p = a1->value.sequence->data;
		ss = d2i_ESS_SIGNING_CERT(NULL, &p, a1->value.sequence->length);
		if (!ss) {
			err = tst_fail(out, ES_EMALFORMED, "bad signing certificate attribute");
			goto done;
		}
	}
	if (a2) {
		if (a2->type != V_ASN1_SEQUENCE) {
			err = tst_fail(out, ES_EMALFORMED, "bad signing certificate v2 attribute");
			goto done;
		}
		p = a2->value.sequence->data;
		ss2 = d2i_ESS_SIGNING_CERT_V2(NULL, &p, a2->value.sequence->length);
		if (!ss2) {
			err = tst_fail(out, ES_EMALFORMED, "bad signing certificate v2 attribute");
			goto done;
		}
	}
	chain = sk_X509_new_null();
	if (!chain || !sk_X509_push(chain, cert)) {
		err = es_error_set(ES_ENOMEM, "out of memory");
		goto done;
	}
	rc = OSSL_ESS_check_signing_certs(ss, ss2, chain, 0);
	if (rc != 1)
		err = tst_fail(out, ES_EVERIFY, "signing certificate attribute does not match the tsa "
			       "certificate");
done:
	sk_X509_free(chain);
	ESS_SIGNING_CERT_free(ss);
	ESS_SIGNING_CERT_V2_free(ss2);
	return err;
}

static int verify_signature(es_tst_info *out, PKCS7_SIGNER_INFO *si, X509 *cert, const es_cert *ec,
			    EVP_MD *md, const uint8_t *tst, size_t tstlen)
{
	unsigned char *attrs = NULL;
	const uint8_t *msg = tst;
	size_t msglen = tstlen;
	const uint8_t *sig = ASN1_STRING_get0_data(si->enc_digest);
	size_t siglen = (size_t)ASN1_STRING_length(si->enc_digest);
	int err = 0, n;

	if (sk_X509_ATTRIBUTE_num(si->auth_attr) > 0) {
		ASN1_TYPE *ct = PKCS7_get_signed_attribute(si, NID_pkcs9_contentType);
		ASN1_TYPE *mdv = PKCS7_get_signed_attribute(si, NID_pkcs9_messageDigest);
		uint8_t h[EVP_MAX_MD_SIZE];
		unsigned hlen = 0;

		if (!ct || ct->type != V_ASN1_OBJECT ||
		    OBJ_obj2nid(ct->value.object) != NID_id_smime_ct_TSTInfo)
			return tst_fail(out, ES_EVERIFY, "signed content type is not tstinfo");
		if (!mdv || mdv->type != V_ASN1_OCTET_STRING)
			return tst_fail(out, ES_EVERIFY, "signed attributes lack the message digest");
		if (digest(md, tst, tstlen, h, &hlen) != 0)
			return tst_fail(out, ES_ECRYPTO, "cannot hash the tstinfo");
		if ((unsigned)ASN1_STRING_length(mdv->value.octet_string) != hlen ||
		    CRYPTO_memcmp(ASN1_STRING_get0_data(mdv->value.octet_string), h, hlen) != 0)
			return tst_fail(out, ES_EVERIFY, "message digest does not match the tstinfo");
		/* the signature covers DER(SET OF attributes), in the order received */
		n = ASN1_item_i2d((ASN1_VALUE *)si->auth_attr, &attrs, ASN1_ITEM_rptr(PKCS7_ATTR_VERIFY));
		if (n <= 0)
			return tst_fail(out, ES_EMALFORMED, "cannot encode the signed attributes");
		msg = attrs;
		msglen = (size_t)n;
	}
	if (is_sm2_sig_alg(si->digest_enc_alg->algorithm) || ec->sm2) {
		/* an SM2 key only with an SM2 signature algorithm, and the other way round */
		if (!ec->pub || !is_sm2_sig_alg(si->digest_enc_alg->algorithm)) {
			err = tst_fail(out, ES_EVERIFY, "signature algorithm does not fit the tsa key");
			goto done;
		}
		n = es_sm2_verify(ec->pub, NULL, 0, msg, msglen, sig, siglen);
		if (n != 0)
			err = tst_fail(out, ES_EVERIFY, "time-stamp signature does not verify");
	} else {
		EVP_MD_CTX *mctx = EVP_MD_CTX_new();
		EVP_PKEY *pk = X509_get0_pubkey(cert);
		int rc = mctx && pk &&
			 EVP_DigestVerifyInit_ex(mctx, NULL, EVP_MD_get0_name(md), NULL, NULL, pk, NULL) > 0 &&
			 EVP_DigestVerify(mctx, sig, siglen, msg, msglen) == 1;
		EVP_MD_CTX_free(mctx);
		if (!rc)
			err = tst_fail(out, ES_EVERIFY, "time-stamp signature does not verify");
	}
done:
	OPENSSL_free(attrs);
	return err;
}

int es_tst_verify(es_tst_info *out, const uint8_t *token, size_t toklen, const void *data,
		  size_t len)
{
	return es_tst_verify_trust(out, NULL, token, toklen, data, len);
}

int es_tst_verify_trust(es_tst_info *out, const es_trust *trust, const uint8_t *token, size_t toklen,
			const void *data, size_t len)
{
	const unsigned char *p = token;
	PKCS7 *p7 = NULL;
	PKCS7_SIGNED *sd;
	PKCS7_SIGNER_INFO *si;
	TS_TST_INFO *ti = NULL;
	const TS_MSG_IMPRINT *mi;
	const ASN1_OCTET_STRING *imprint;
	ASN1_OCTET_STRING *content;
	X509 *cert;
	es_cert *ec = NULL;
	EVP_MD *md = NULL, *imd = NULL;
	uint8_t h[EVP_MAX_MD_SIZE];
	unsigned hlen = 0;
	int err = 0;

	ES_ASSERT_ARG(out && (token || toklen == 0) && (data || len == 0));
	memset(out, 0, sizeof(*out));
	if (toklen == 0)
		return tst_fail(out, ES_EMALFORMED, "empty time-stamp token");
	if (toklen > ES_MAX_CERT_DER * 4)
		return tst_fail(out, ES_ELIMIT, "time-stamp token too large: %zu bytes", toklen);
	p7 = d2i_PKCS7(NULL, &p, (long)toklen);
	if (!p7 || p != token + toklen) {
		err = tst_fail(out, ES_EMALFORMED, "time-stamp token is not one der contentinfo");
		goto done;
	}
	if (!PKCS7_type_is_signed(p7) || !p7->d.sign || !p7->d.sign->contents) {
		err = tst_fail(out, ES_EMALFORMED, "time-stamp token is not signed data");
		goto done;
	}
	sd = p7->d.sign;
	if (OBJ_obj2nid(sd->contents->type) != NID_id_smime_ct_TSTInfo || !sd->contents->d.other ||
	    sd->contents->d.other->type != V_ASN1_OCTET_STRING) {
		err = tst_fail(out, ES_EMALFORMED, "signed data does not hold a tstinfo");
		goto done;
	}
	content = sd->contents->d.other->value.octet_string;
	p = ASN1_STRING_get0_data(content);
	ti = d2i_TS_TST_INFO(NULL, &p, ASN1_STRING_length(content));
	if (!ti || p != ASN1_STRING_get0_data(content) + ASN1_STRING_length(content)) {
		err = tst_fail(out, ES_EMALFORMED, "cannot decode the tstinfo");
		goto done;
	}
	if ((err = es_crypto__time_from_asn1(&out->gen_time, TS_TST_INFO_get_time(ti))) < 0) {
		err = tst_fail(out, ES_EMALFORMED, "bad gentime in the tstinfo");
		goto done;
	}
	if (sk_PKCS7_SIGNER_INFO_num(sd->signer_info) != 1) {
		err = tst_fail(out, ES_EMALFORMED, "time-stamp token must have exactly one signer");
		goto done;
	}
	si = sk_PKCS7_SIGNER_INFO_value(sd->signer_info, 0);
	if (!si->issuer_and_serial || !si->enc_digest || !si->digest_alg || !si->digest_enc_alg) {
		err = tst_fail(out, ES_EMALFORMED, "incomplete signer info");
		goto done;
	}
	cert = X509_find_by_issuer_and_serial(sd->cert, si->issuer_and_serial->issuer,
					      si->issuer_and_serial->serial);
	if (!cert) {
		err = tst_fail(out, ES_EVERIFY, "tsa certificate is not in the token");
		goto done;
	}
	{
		/* through the store's parsed-certificate cache when there is one: the same
		 * TSA certificate comes with every token */
		unsigned char *der = NULL;
		int n = i2d_X509(cert, &der);
		err = n <= 0 ? es_crypto__fail(ES_ECRYPTO, "cannot encode the certificate")
			     : es_trust_cert_from_der(trust, &ec, der, (size_t)n);
		OPENSSL_free(der);
	}
	if (err < 0) {
		err = tst_fail(out, err, "cannot read the tsa certificate");
		goto done;
	}
	md = md_of(si->digest_alg);
	if (!md) {
		err = tst_fail(out, ES_ENOTSUPPORTED, "unsupported digest algorithm in the signer info");
		goto done;
	}
	if ((err = verify_signature(out, si, ec->x, ec, md, ASN1_STRING_get0_data(content),
				    (size_t)ASN1_STRING_length(content))) < 0 ||
	    (err = check_ess(out, si, ec->x)) < 0)
		goto done;
	if (!es_cert_has_eku_timestamping(ec)) {
		err = tst_fail(out, ES_EVERIFY, "tsa certificate lacks extended key usage timestamping");
		goto done;
	}
	/* the imprint, with the algorithm the token names */
	mi = TS_TST_INFO_get_msg_imprint(ti);
	imprint = TS_MSG_IMPRINT_get_msg((TS_MSG_IMPRINT *)mi);
	imd = md_of(TS_MSG_IMPRINT_get_algo((TS_MSG_IMPRINT *)mi));
	if (!imd) {
		err = tst_fail(out, ES_ENOTSUPPORTED, "unsupported imprint hash algorithm");
		goto done;
	}
	if (digest(imd, data, len, h, &hlen) != 0) {
		err = tst_fail(out, ES_ECRYPTO, "cannot hash the data");
		goto done;
	}
	if ((unsigned)ASN1_STRING_length(imprint) != hlen ||
	    CRYPTO_memcmp(ASN1_STRING_get0_data(imprint), h, hlen) != 0) {
		err = tst_fail(out, ES_EVERIFY, "time-stamp imprint does not match the data");
		goto done;
	}
	snprintf(out->reason, sizeof(out->reason), "time-stamp token verifies");
	out->tsa_cert = ec;
	ec = NULL;
done:
	ERR_clear_error();
	es_cert_free(ec);
	EVP_MD_free(md);
	EVP_MD_free(imd);
	TS_TST_INFO_free(ti);
	PKCS7_free(p7);
	return err;
}

void es_tst_info_release(es_tst_info *info)
{
	if (!info)
		return;
	es_cert_free(info->tsa_cert);
	info->tsa_cert = NULL;
}
