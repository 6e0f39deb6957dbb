/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Type=Sign signed values (STANDARDS.md §2.2): GM/T 0010 / PKCS#7
 * SignedData with SM2/SM3, with or without signed attributes, and bare DER
 * SM2 signatures over the original.
 *
 *   ContentInfo ::= SEQUENCE { contentType OID, content [0] EXPLICIT SignedData }
 *   SignedData ::= SEQUENCE { version INTEGER, digestAlgorithms SET,
 *       contentInfo SEQUENCE { contentType OID, content [0] EXPLICIT OCTET STRING OPTIONAL },
 *       certificates [0] IMPLICIT SET OF Certificate OPTIONAL,
 *       crls [1] IMPLICIT ... OPTIONAL, signerInfos SET OF SignerInfo }
 *   SignerInfo ::= SEQUENCE { version INTEGER, issuerAndSerialNumber SEQUENCE { Name, INTEGER },
 *       digestAlgorithm AlgorithmIdentifier, authenticatedAttributes [0] IMPLICIT SET OPTIONAL,
 *       digestEncryptionAlgorithm AlgorithmIdentifier, encryptedDigest OCTET STRING,
 *       unauthenticatedAttributes [1] IMPLICIT SET OPTIONAL }
 */
#include "es_int.h"
#include "seal/seal_int.h"
#include "seal/verify_int.h"
#include "estime.h"

#define OID_PKCS7_SIGNED "1.2.840.113549.1.7.2"
#define OID_GM_SIGNED "1.2.156.10197.6.1.4.2.2"
#define OID_ATTR_CONTENT_TYPE "1.2.840.113549.1.9.3"
#define OID_ATTR_MESSAGE_DIGEST "1.2.840.113549.1.9.4"
#define OID_ATTR_SIGNING_TIME "1.2.840.113549.1.9.5"
#define ES_CMS_MAX_CERTS 8

typedef struct cms {
	es_bytes econtent;   /* encapsulated content (present == true) */
	bool has_econtent;
	es_bytes certs[ES_CMS_MAX_CERTS];
	size_t ncerts;
	es_bytes sid;        /* issuerAndSerialNumber contents */
	es_bytes digest_alg;
	es_bytes attrs;      /* [0] IMPLICIT SET TLV as received (tag 0xa0) */
	bool has_attrs;
	es_bytes message_digest;
	bool has_md;
	es_time signing_time;
	es_bytes sig_alg;
	es_bytes signature;
} cms;

static int read_alg(es_der *d, es_bytes *oid)
{
	es_der a;
	int err;
	if ((err = es_der_enter(d, ES_DER_SEQUENCE, &a, NULL)) < 0 || (err = es_der_read_oid(&a, oid)) < 0)
		return err;
	/* parameters: absent or NULL (anything else is tolerated but ignored) */
	return 0;
}

static int read_attrs(cms *c, es_der *set)
{
	int err;
	while (!es_der_empty(set)) {
		es_der a, vals;
		es_bytes oid;
		if ((err = es_der_enter(set, ES_DER_SEQUENCE, &a, NULL)) < 0 || (err = es_der_read_oid(&a, &oid)) < 0 ||
		    (err = es_der_enter(&a, ES_DER_SET, &vals, NULL)) < 0)
			return es_error_wrap(err, "cms: signed attribute");
		if (es_oid_equal(oid, OID_ATTR_MESSAGE_DIGEST)) {
			if ((err = es_der_read_octets(&vals, &c->message_digest)) < 0)
				return es_error_wrap(err, "cms: messageDigest");
			c->has_md = true;
		} else if (es_oid_equal(oid, OID_ATTR_SIGNING_TIME)) {
			if ((err = es_der_read_time(&vals, &c->signing_time)) < 0)
				return es_error_wrap(err, "cms: signingTime");
		}
	}
	return 0;
}

static int parse_cms(cms *c, const uint8_t *der, size_t len)
{
	es_der d, ci, x, sd, set, inner, sis, si;
	es_bytes oid;
	uint64_t v;
	int err;

	memset(c, 0, sizeof(*c));
	es_der_init(&d, der, len);
	if ((err = es_der_enter(&d, ES_DER_SEQUENCE, &ci, NULL)) < 0 || (err = es_der_finish(&d, "ContentInfo")) < 0 ||
	    (err = es_der_read_oid(&ci, &oid)) < 0)
		return es_error_wrap(err, "cms: ContentInfo");
	if (!es_oid_equal(oid, OID_GM_SIGNED) && !es_oid_equal(oid, OID_PKCS7_SIGNED))
		return es_error_set(ES_ENOTSUPPORTED, "cms: content type is not SignedData");
	if ((err = es_der_enter(&ci, ES_DER_CONTEXT(0), &x, NULL)) < 0 ||
	    (err = es_der_enter(&x, ES_DER_SEQUENCE, &sd, NULL)) < 0 || (err = es_der_read_uint(&sd, &v)) < 0 ||
	    (err = es_der_enter(&sd, ES_DER_SET, &set, NULL)) < 0 ||
	    (err = es_der_enter(&sd, ES_DER_SEQUENCE, &inner, NULL)) < 0 || (err = es_der_read_oid(&inner, &oid)) < 0)
		return es_error_wrap(err, "cms: SignedData");
	if (!es_der_empty(&inner)) {
		es_der ec;
		if ((err = es_der_enter(&inner, ES_DER_CONTEXT(0), &ec, NULL)) < 0 ||
		    (err = es_der_read_octets(&ec, &c->econtent)) < 0)
			return es_error_wrap(err, "cms: encapsulated content");
		c->has_econtent = true;
	}
	if (!es_der_empty(&sd) && sd.p[0] == ES_DER_CONTEXT(0)) {
		es_der cs;
		if ((err = es_der_enter(&sd, ES_DER_CONTEXT(0), &cs, NULL)) < 0)
			return es_error_wrap(err, "cms: certificates");
		while (!es_der_empty(&cs)) {
			es_tlv t;
			if ((err = es_der_read_tag(&cs, ES_DER_SEQUENCE, &t)) < 0)
				return es_error_wrap(err, "cms: certificate");
			if (c->ncerts < ES_CMS_MAX_CERTS)
				c->certs[c->ncerts++] = t.whole;
		}
	}
	if (!es_der_empty(&sd) && sd.p[0] == ES_DER_CONTEXT(1)) {
		es_tlv t;
		if ((err = es_der_read_tlv(&sd, &t)) < 0)
			return es_error_wrap(err, "cms: crls");
	}
	if ((err = es_der_enter(&sd, ES_DER_SET, &sis, NULL)) < 0)
		return es_error_wrap(err, "cms: signerInfos");
	if ((err = es_der_enter(&sis, ES_DER_SEQUENCE, &si, NULL)) < 0 || (err = es_der_read_uint(&si, &v)) < 0)
		return es_error_wrap(err, "cms: SignerInfo");
	if (!es_der_empty(&sis))
		return es_error_set(ES_ENOTSUPPORTED, "cms: more than one SignerInfo");
	{
		es_tlv sid;
		if ((err = es_der_read_tag(&si, ES_DER_SEQUENCE, &sid)) < 0)
			return es_error_wrap(err, "cms: issuerAndSerialNumber");
		c->sid = sid.value;
	}
	if ((err = read_alg(&si, &c->digest_alg)) < 0)
		return es_error_wrap(err, "cms: digestAlgorithm");
	if (!es_der_empty(&si) && si.p[0] == ES_DER_CONTEXT(0)) {
		es_der attrs;
		if ((err = es_der_enter(&si, ES_DER_CONTEXT(0), &attrs, &c->attrs)) < 0 ||
		    (err = read_attrs(c, &attrs)) < 0)
			return es_error_wrap(err, "cms: authenticatedAttributes");
		c->has_attrs = true;
	}
	if ((err = read_alg(&si, &c->sig_alg)) < 0 || (err = es_der_read_octets(&si, &c->signature)) < 0)
		return es_error_wrap(err, "cms: SignerInfo");
	if (!es_der_empty(&si) && si.p[0] == ES_DER_CONTEXT(1)) {
		es_tlv t;
		if ((err = es_der_read_tlv(&si, &t)) < 0)
			return es_error_wrap(err, "cms: unauthenticatedAttributes");
	}
	if ((err = es_der_finish(&si, "SignerInfo")) < 0)
		return err;
	return 0;
}

/* issuer and serial of a certificate, as TLVs, to match a SignerInfo sid. */
static bool cert_matches_sid(es_bytes cert, es_bytes sid)
{
	es_der d, c, tbs, s;
	es_tlv serial, alg, issuer, sid_issuer, sid_serial;
	es_der_init(&d, cert.ptr, cert.len);
	if (es_der_enter(&d, ES_DER_SEQUENCE, &c, NULL) < 0 || es_der_enter(&c, ES_DER_SEQUENCE, &tbs, NULL) < 0)
		return false;
	if (!es_der_empty(&tbs) && tbs.p[0] == ES_DER_CONTEXT(0)) {
		es_tlv ver;
		if (es_der_read_tlv(&tbs, &ver) < 0)
			return false;
	}
	if (es_der_read_tag(&tbs, ES_DER_INTEGER, &serial) < 0 || es_der_read_tag(&tbs, ES_DER_SEQUENCE, &alg) < 0 ||
	    es_der_read_tag(&tbs, ES_DER_SEQUENCE, &issuer) < 0)
		return false;
	es_der_init(&s, sid.ptr, sid.len);
	if (es_der_read_tag(&s, ES_DER_SEQUENCE, &sid_issuer) < 0 || es_der_read_tag(&s, ES_DER_INTEGER, &sid_serial) < 0)
		return false;
	return serial.whole.len == sid_serial.whole.len &&
	       memcmp(serial.whole.ptr, sid_serial.whole.ptr, serial.whole.len) == 0 &&
	       issuer.whole.len == sid_issuer.whole.len &&
	       memcmp(issuer.whole.ptr, sid_issuer.whole.ptr, issuer.whole.len) == 0;
}

static bool is_sm2_alg(es_bytes oid)
{
	return es_oid_equal(oid, "1.2.156.10197.1.301.1") || es_oid_equal(oid, ES_OID_SM2_SM3) ||
	       es_oid_equal(oid, ES_OID_SM2) || es_oid_equal(oid, "1.2.840.10045.2.1");
}

static void subject_into(char *dst, size_t cap, const es_cert *c)
{
	es_buf b = ES_BUF_INIT;
	if (es_cert_subject(&b, c) == 0 && b.ptr)
		snprintf(dst, cap, "%s", (char *)b.ptr);
	es_buf_release(&b);
}

/* Digest of @msg with the named algorithm into @out (64 bytes); its length, or 0 on failure. */
static size_t digest_of(const char *name, const uint8_t *msg, size_t len, uint8_t out[64])
{
	es_md *m = NULL;
	size_t n = 0;
	if (es_md_new(&m, name) < 0 || es_md_update(m, msg, len) < 0 || es_md_final(m, out, &n) < 0)
		n = 0;
	es_md_free(m);
	es_error_clear();
	return n;
}

/* RSA / ECDSA, SHA-1 / SHA-256 / MD5 SignedData (PDF from foreign tools): checked, judged by policy. */
static void legacy_cms(es_sig_report *s, const cms *c, const es_cert *cert, const uint8_t *msg, size_t msglen,
		       bool msg_known, const es_verify_options *o)
{
	const char *dn = es_verify__digest_name(c->digest_alg);
	uint8_t h[64];
	size_t hn;
	es_buf attrs = ES_BUF_INIT;
	if (!dn) {
		char oid[96] = "?";
		(void)es_oid_to_text(oid, sizeof(oid), c->digest_alg);
		es_sig_report_check(s, "signature", ES_RESULT_SKIP, true, "digest algorithm %s is not supported", oid);
		return;
	}
	if (c->has_attrs) {
		if (es_buf_put(&attrs, c->attrs.ptr, c->attrs.len) < 0)
			return;
		attrs.ptr[0] = ES_DER_SET;
		es_verify__legacy(s, "signature", "signature over the signed attributes", cert, c->sig_alg, c->digest_alg,
				  attrs.ptr, attrs.len, c->signature, o);
		es_buf_release(&attrs);
		if (!msg_known)
			es_sig_report_check(s, "data-hash", ES_RESULT_SKIP, true,
					    "detached content and no original supplied (use --original FILE)");
		else if ((hn = digest_of(dn, msg, msglen, h)) && c->message_digest.len == hn &&
			 memcmp(h, c->message_digest.ptr, hn) == 0)
			es_sig_report_check(s, "data-hash", ES_RESULT_PASS, false,
					    "messageDigest equals %s of the %s (%zu bytes)", dn,
					    c->has_econtent ? "encapsulated content" : "original", msglen);
		else
			es_sig_report_check(s, "data-hash", ES_RESULT_FAIL, false,
					    "messageDigest does not match %s of the %s: the data was changed after signing", dn,
					    c->has_econtent ? "encapsulated content" : "original");
	} else if (!msg_known) {
		es_sig_report_check(s, "signature", ES_RESULT_SKIP, true,
				    "detached content without signed attributes: the original is needed (use --original FILE)");
	} else {
		es_verify__legacy(s, "signature", "signature over the content", cert, c->sig_alg, c->digest_alg, msg, msglen,
				  c->signature, o);
	}
}

int es_verify__cms(es_sig_report *s, const uint8_t *der, size_t len, const es_verify_options *o)
{
	cms c;
	es_cert *cert = NULL;
	const es_sm2_key *pub = NULL;
	es_buf signed_attrs = ES_BUF_INIT;
	uint8_t h[32];
	int err;
	es_time at;
	const uint8_t *msg = NULL;
	size_t msglen = 0;
	bool msg_known = false;

	snprintf(s->type, sizeof(s->type), "Sign");
	if ((err = parse_cms(&c, der, len)) < 0) {
		es_sig_report_check(s, "format", ES_RESULT_FAIL, false, "not a readable GM/T 0010 SignedData: %s",
				    es_error_last()->message);
		return 0;
	}
	if (c.signature.len == 64) {
		/* raw r‖s where GM/T 0010 / GB/T 35276 ask for DER SEQUENCE{r, s} */
		s->quirks |= ES_QUIRK_RAW_SIGNATURE;
		es_sig_report_check(s, "format", ES_RESULT_WARN, false,
				    "GM/T 0010 / PKCS#7 SignedData, %s signed attributes, content %s, with vendor deviations accepted: raw-signature (encryptedDigest is a raw 64-byte r‖s)",
				    c.has_attrs ? "with" : "without", c.has_econtent ? "encapsulated" : "detached");
	} else {
		es_sig_report_check(s, "format", ES_RESULT_PASS, false,
				    "GM/T 0010 / PKCS#7 SignedData, %s signed attributes, content %s",
				    c.has_attrs ? "with" : "without", c.has_econtent ? "encapsulated" : "detached");
	}
	es_sig_report_info(s, "container", "GM/T 0010 SignedData");

	/* the signer certificate: embedded and matching the sid, else one supplied */
	for (size_t i = 0; i < c.ncerts && !cert; i++)
		if (cert_matches_sid(c.certs[i], c.sid) || c.ncerts == 1)
			if (es_cert_from_der(&cert, c.certs[i].ptr, c.certs[i].len) < 0)
				cert = NULL;
	for (size_t i = 0; i < o->ncerts && !cert; i++)
		if (cert_matches_sid(es_cert_der(o->certs[i]), c.sid))
			cert = es_cert_ref(o->certs[i]);
	if (!cert) {
		es_sig_report_check(s, "signature", ES_RESULT_SKIP, true,
				    "no signer certificate in the SignedData or supplied (--cert FILE)");
		goto done;
	}
	subject_into(s->signer, sizeof(s->signer), cert);

	at = c.signing_time ? c.signing_time : es_verify__now(o);
	s->signing_time = c.signing_time;
	snprintf(s->signing_time_source, sizeof(s->signing_time_source), "%s", c.signing_time ? "signingTime" : "");
	es_verify__cert_check(s, "signer-chain", "signer", cert, o, at,
			      c.signing_time ? "the signingTime attribute" : "the verification time", c.signing_time != 0);

	/* What the signer's key signed. */
	if (c.has_econtent) {
		msg = c.econtent.ptr;
		msglen = c.econtent.len;
		msg_known = true;
	} else if (o->has_original) {
		msg = o->original;
		msglen = o->original_len;
		msg_known = true;
	}
	if (!es_oid_equal(c.digest_alg, ES_OID_SM3) || !is_sm2_alg(c.sig_alg) || es_cert_is_sm2(cert) == false) {
		legacy_cms(s, &c, cert, msg, msglen, msg_known, o);
		goto done;
	}
	if ((err = es_cert_pubkey(&pub, cert)) < 0) {
		es_sig_report_check(s, "signature", ES_RESULT_FAIL, false, "signer certificate does not hold an SM2 key");
		goto done;
	}
	if (c.has_attrs) {
		/* Signed attributes are signed as DER SET OF (tag 0x31), not as [0]. */
		if (es_buf_put(&signed_attrs, c.attrs.ptr, c.attrs.len) < 0)
			goto done;
		signed_attrs.ptr[0] = ES_DER_SET;
		if (!c.has_md) {
			es_sig_report_check(s, "signature", ES_RESULT_FAIL, false,
					    "signed attributes lack messageDigest");
			goto done;
		}
		if (es_sm2_verify(pub, NULL, 0, signed_attrs.ptr, signed_attrs.len, c.signature.ptr, c.signature.len) == 0)
			es_sig_report_check(s, "signature", ES_RESULT_PASS, false,
					    "SM2 signature verifies over the DER signed attributes (SET)");
		else
			es_sig_report_check(s, "signature", ES_RESULT_FAIL, false,
					    "SM2 signature does not verify over the signed attributes");
		if (!msg_known) {
			es_sig_report_check(s, "data-hash", ES_RESULT_SKIP, true,
					    "detached content and no original supplied (use --original FILE)");
		} else if (es_sm3(h, msg, msglen) == 0 && c.message_digest.len == 32 &&
			   memcmp(h, c.message_digest.ptr, 32) == 0) {
			es_sig_report_check(s, "data-hash", ES_RESULT_PASS, false,
					    "messageDigest equals SM3 of the %s (%zu bytes)",
					    c.has_econtent ? "encapsulated content" : "original", msglen);
		} else {
			es_sig_report_check(s, "data-hash", ES_RESULT_FAIL, false,
					    "messageDigest does not match SM3 of the %s: the data was changed after signing",
					    c.has_econtent ? "encapsulated content" : "original");
		}
	} else if (!msg_known) {
		es_sig_report_check(s, "signature", ES_RESULT_SKIP, true,
				    "detached content without signed attributes: the original is needed (use --original FILE)");
		es_sig_report_check(s, "data-hash", ES_RESULT_SKIP, true, "no original supplied");
		goto done;
	} else {
		if (es_sm2_verify(pub, NULL, 0, msg, msglen, c.signature.ptr, c.signature.len) == 0)
			es_sig_report_check(s, "signature", ES_RESULT_PASS, false,
					    "SM2 signature verifies over the %s",
					    c.has_econtent ? "encapsulated content" : "original");
		else
			es_sig_report_check(s, "signature", ES_RESULT_FAIL, false,
					    "SM2 signature does not verify over the %s",
					    c.has_econtent ? "encapsulated content" : "original");
	}
	/* An encapsulated 32-byte content is SM3(original) in OFD practice (GM/T 0099). */
	if (c.has_econtent) {
		if (!o->has_original) {
			es_sig_report_check(s, "data-hash", ES_RESULT_SKIP, true,
					    "no original supplied to compare the encapsulated content with (use --original FILE)");
		} else if (es_sm3(h, o->original, o->original_len) == 0 && c.econtent.len == 32 &&
			   memcmp(h, c.econtent.ptr, 32) == 0) {
			es_sig_report_check(s, "data-hash", ES_RESULT_PASS, false,
					    "encapsulated content equals SM3 of the original");
		} else if (c.econtent.len == o->original_len &&
			   memcmp(c.econtent.ptr, o->original, o->original_len) == 0) {
			es_sig_report_check(s, "data-hash", ES_RESULT_PASS, false,
					    "encapsulated content equals the original");
		} else {
			es_sig_report_check(s, "data-hash", ES_RESULT_FAIL, false,
					    "encapsulated content matches neither the original nor its SM3: the data was changed after signing");
		}
	}
done:
	es_sig_report_check(s, "timestamp", ES_RESULT_SKIP, false, "no time stamp");
	es_buf_release(&signed_attrs);
	es_cert_free(cert);
	return 0;
}

int es_verify__raw_sm2(es_sig_report *s, const uint8_t *der, size_t len, const es_verify_options *o)
{
	snprintf(s->type, sizeof(s->type), "Sign");
	es_sig_report_check(s, "format", ES_RESULT_PASS, false, "bare DER SM2 signature (no certificate embedded)");
	es_sig_report_info(s, "container", "bare SM2 signature");
	if (o->ncerts == 0) {
		es_sig_report_check(s, "signature", ES_RESULT_SKIP, true,
				    "the signature embeds no certificate: supply the signer's (--cert FILE)");
		return 0;
	}
	if (!o->has_original) {
		es_sig_report_check(s, "signature", ES_RESULT_SKIP, true,
				    "the signature covers the original directly: supply it (--original FILE)");
		return 0;
	}
	for (size_t i = 0; i < o->ncerts; i++) {
		const es_sm2_key *pub = NULL;
		if (es_cert_pubkey(&pub, o->certs[i]) < 0)
			continue;
		if (es_sm2_verify(pub, NULL, 0, o->original, o->original_len, der, len) == 0) {
			subject_into(s->signer, sizeof(s->signer), o->certs[i]);
			es_sig_report_check(s, "signature", ES_RESULT_PASS, false,
					    "SM2 signature over the original verifies with supplied certificate %zu", i + 1);
			es_sig_report_check(s, "data-hash", ES_RESULT_PASS, false,
					    "the signature covers the original bytes directly");
			es_verify__cert_check(s, "signer-chain", "signer", o->certs[i], o, es_verify__now(o),
					      "the verification time (the signature carries no time)", false);
			return 0;
		}
	}
	es_sig_report_check(s, "signature", ES_RESULT_FAIL, false,
			    "SM2 signature over the original verifies with none of the %zu supplied certificate%s",
			    o->ncerts, o->ncerts == 1 ? "" : "s");
	return 0;
}
