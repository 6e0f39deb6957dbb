/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The built-in certificate authority: X.509 v3 certificates and v2 CRLs
 * signed with SM2/SM3 and the default ID (GB/T 20518, RFC 5280).
 */
#include "es_int.h"
#include "estime.h"
#include "crypto/crypto_int.h"

#include <openssl/objects.h>

/* Subject key identifier: SHA-1 of the subjectPublicKey bits (RFC 5280 §4.2.1.2 (1)). */
static int key_id(ASN1_OCTET_STRING **out, X509_PUBKEY *pub)
{
	const unsigned char *pk = NULL;
	int pklen = 0;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	*out = NULL;
	if (!X509_PUBKEY_get0_param(NULL, &pk, &pklen, NULL, pub) ||
	    !EVP_Digest(pk, (size_t)pklen, md, &mdlen, EVP_sha1(), NULL))
		return es_crypto__fail(ES_ECRYPTO, "cannot compute a key identifier");
	*out = ASN1_OCTET_STRING_new();
	if (!*out || !ASN1_OCTET_STRING_set(*out, md, (int)mdlen)) {
		ASN1_OCTET_STRING_free(*out);
		*out = NULL;
		return es_crypto__fail(ES_ENOMEM, "out of memory");
	}
	return 0;
}

/* The issuer's key identifier: its SKID if it has one, else computed. */
static int issuer_key_id(ASN1_OCTET_STRING **out, X509 *issuer)
{
	const ASN1_OCTET_STRING *skid = X509_get0_subject_key_id(issuer);

	if (skid) {
		*out = ASN1_OCTET_STRING_dup(skid);
		return *out ? 0 : es_crypto__fail(ES_ENOMEM, "out of memory");
	}
	ERR_clear_error();
	return key_id(out, X509_get_X509_PUBKEY(issuer));
}

static int add_akid_ext(X509 *x, X509_CRL *crl, X509 *issuer)
{
	AUTHORITY_KEYID *akid = AUTHORITY_KEYID_new();
	int err = 0, ok;

	if (!akid)
		return es_crypto__fail(ES_ENOMEM, "out of memory");
	if ((err = issuer_key_id(&akid->keyid, issuer)) < 0)
		goto done;
	if (x)
		ok = X509_add1_ext_i2d(x, NID_authority_key_identifier, akid, 0, X509V3_ADD_DEFAULT);
	else
		ok = X509_CRL_add1_ext_i2d(crl, NID_authority_key_identifier, akid, 0,
					   X509V3_ADD_DEFAULT);
	if (ok != 1)
		err = es_crypto__fail(ES_ECRYPTO, "cannot add the authority key identifier");
done:
	AUTHORITY_KEYID_free(akid);
	return err;
}

static int add_conf_ext(X509 *x, X509V3_CTX *v3, int nid, const char *value)
{
	X509_EXTENSION *ext = X509V3_EXT_nconf_nid(NULL, v3, nid, value);
	int ok;

	if (!ext)
		return es_crypto__fail(ES_ECRYPTO, "cannot build extension '%s'", OBJ_nid2sn(nid));
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok ? 0 : es_crypto__fail(ES_ECRYPTO, "cannot add extension '%s'", OBJ_nid2sn(nid));
}

/* CRL distribution point with one URI, built directly (no config-string parsing). */
static int add_crldp_ext(X509 *x, const char *uri)
{
	CRL_DIST_POINTS *dps = sk_DIST_POINT_new_null();
	DIST_POINT *dp = DIST_POINT_new();
	GENERAL_NAME *gn = GENERAL_NAME_new();
	ASN1_IA5STRING *ia5 = ASN1_IA5STRING_new();
	int err = 0;

	if (!dps || !dp || !gn || !ia5 || !ASN1_STRING_set(ia5, uri, -1)) {
		err = es_crypto__fail(ES_ENOMEM, "out of memory");
		goto done;
	}
	GENERAL_NAME_set0_value(gn, GEN_URI, ia5);
	ia5 = NULL;
	dp->distpoint = DIST_POINT_NAME_new();
	if (!dp->distpoint || (dp->distpoint->name.fullname = GENERAL_NAMES_new()) == NULL ||
	    !sk_GENERAL_NAME_push(dp->distpoint->name.fullname, gn)) {
		err = es_crypto__fail(ES_ENOMEM, "out of memory");
		goto done;
	}
	dp->distpoint->type = 0; /* fullName */
	gn = NULL;
	if (!sk_DIST_POINT_push(dps, dp)) {
		err = es_crypto__fail(ES_ENOMEM, "out of memory");
		goto done;
	}
	dp = NULL;
	if (X509_add1_ext_i2d(x, NID_crl_distribution_points, dps, 0, X509V3_ADD_DEFAULT) != 1)
		err = es_crypto__fail(ES_ECRYPTO, "cannot add the crl distribution point");
done:
	ASN1_IA5STRING_free(ia5);
	GENERAL_NAME_free(gn);
	DIST_POINT_free(dp);
	sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
	return err;
}

static int set_serial(ASN1_INTEGER **out, uint64_t serial)
{
	uint8_t rnd[16];
	BIGNUM *bn = NULL;
	int err = 0;

	*out = NULL;
	if (serial != 0) {
		*out = ASN1_INTEGER_new();
		if (*out && ASN1_INTEGER_set_uint64(*out, serial))
			return 0;
		ASN1_INTEGER_free(*out);
		*out = NULL;
		return es_crypto__fail(ES_ENOMEM, "cannot set the serial number");
	}
	if ((err = es_random(rnd, sizeof(rnd))) < 0)
		return err;
	/* exactly 16 bytes and positive: top bit clear, next bit set */
	rnd[0] = (uint8_t)((rnd[0] & 0x7F) | 0x40);
	bn = BN_bin2bn(rnd, sizeof(rnd), NULL);
	if (!bn || (*out = BN_to_ASN1_INTEGER(bn, NULL)) == NULL)
		err = es_crypto__fail(ES_ENOMEM, "cannot set the serial number");
	BN_free(bn);
	return err;
}

static int set_time(ASN1_TIME *t, es_time v)
{
	/* UTCTime up to 2049, GeneralizedTime after (RFC 5280 §4.1.2.5) */
	if (!ASN1_TIME_set(t, (time_t)v))
		return es_crypto__fail(ES_EINVAL, "time out of range");
	return 0;
}

int es_cert_issue(es_cert **out, const es_issue_options *opt, const es_sm2_key *subject_key,
		  const es_cert *issuer, const es_sm2_key *issuer_key)
{
	X509 *x = NULL;
	X509_NAME *subj = NULL;
	ASN1_INTEGER *serial = NULL;
	ASN1_OCTET_STRING *skid = NULL;
	EVP_MD_CTX *mctx = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	X509V3_CTX v3;
	X509 *iss;
	es_time nb, na;
	const char *bc, *ku;
	int err = 0;

	ES_ASSERT_ARG(out && opt && subject_key && issuer_key);
	*out = NULL;
	if (opt->version != ES_ISSUE_OPTIONS_VERSION)
		return es_error_set(ES_EINVAL, "unsupported issue options version %u", opt->version);
	if (!opt->subject)
		return es_error_set(ES_EINVAL, "issue options: subject is required");
	switch (opt->profile) {
	case ES_PROFILE_ROOT_CA:
		bc = "critical,CA:TRUE";
		ku = "critical,keyCertSign,cRLSign";
		break;
	case ES_PROFILE_SUB_CA:
		bc = "critical,CA:TRUE,pathlen:0";
		ku = "critical,keyCertSign,cRLSign";
		break;
	case ES_PROFILE_SEAL_MAKER:
	case ES_PROFILE_SIGNER:
		bc = "CA:FALSE";
		ku = "critical,digitalSignature,nonRepudiation";
		break;
	case ES_PROFILE_TSA:
		bc = "CA:FALSE";
		ku = "critical,digitalSignature";
		break;
	default:
		return es_error_set(ES_EINVAL, "unknown certificate profile %d", opt->profile);
	}
	if (opt->profile == ES_PROFILE_ROOT_CA && issuer)
		return es_error_set(ES_EINVAL, "a root ca certificate is self-signed: issuer must be null");
	if (opt->profile != ES_PROFILE_ROOT_CA && !issuer)
		return es_error_set(ES_EINVAL, "an issuer certificate is required for this profile");
	if (!es_sm2_key_has_private(issuer_key))
		return es_error_set(ES_EINVAL, "issuer key has no private part");
	if (issuer ? !issuer->pub || EVP_PKEY_eq(issuer->pub->pkey, issuer_key->pkey) != 1
		   : EVP_PKEY_eq(subject_key->pkey, issuer_key->pkey) != 1) {
		ERR_clear_error();
		return es_error_set(ES_EINVAL, issuer ? "issuer key does not match the issuer certificate"
						     : "a self-signed certificate needs subject key == issuer key");
	}
	nb = opt->not_before ? opt->not_before : es_time_now();
	na = opt->not_after;
	if (na <= nb)
		return es_error_set(ES_EINVAL, "not_after must be later than not_before");

	if ((err = es_crypto__parse_subject(&subj, opt->subject)) < 0 ||
	    (err = set_serial(&serial, opt->serial)) < 0)
		goto done;
	x = X509_new();
	if (!x || !X509_set_version(x, X509_VERSION_3) || !X509_set_serialNumber(x, serial) ||
	    !X509_set_subject_name(x, subj) ||
	    !X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer->x) : subj) ||
	    !X509_set_pubkey(x, subject_key->pkey)) {
		err = es_crypto__fail(ES_ECRYPTO, "cannot build the certificate");
		goto done;
	}
	if ((err = set_time(X509_getm_notBefore(x), nb)) < 0 ||
	    (err = set_time(X509_getm_notAfter(x), na)) < 0)
		goto done;

	iss = issuer ? issuer->x : x;
	X509V3_set_ctx(&v3, iss, x, NULL, NULL, 0);
	if ((err = add_conf_ext(x, &v3, NID_basic_constraints, bc)) < 0 ||
	    (err = add_conf_ext(x, &v3, NID_key_usage, ku)) < 0)
		goto done;
	if (opt->profile == ES_PROFILE_TSA &&
	    (err = add_conf_ext(x, &v3, NID_ext_key_usage, "critical,timeStamping")) < 0)
		goto done;
	if ((err = key_id(&skid, X509_get_X509_PUBKEY(x))) < 0)
		goto done;
	if (X509_add1_ext_i2d(x, NID_subject_key_identifier, skid, 0, X509V3_ADD_DEFAULT) != 1) {
		err = es_crypto__fail(ES_ECRYPTO, "cannot add the subject key identifier");
		goto done;
	}
	if ((err = add_akid_ext(x, NULL, iss)) < 0)
		goto done;
	if (opt->crl_uri && (err = add_crldp_ext(x, opt->crl_uri)) < 0)
		goto done;

	if ((err = es_crypto__sign_ctx_new(&mctx, &pctx, issuer_key)) < 0)
		goto done;
	if (X509_sign_ctx(x, mctx) <= 0) {
		err = es_crypto__fail(ES_ECRYPTO, "cannot sign the certificate");
		goto done;
	}
	err = es_crypto__cert_from_x509(out, x);
done:
	es_crypto__sign_ctx_free(mctx, pctx);
	ASN1_OCTET_STRING_free(skid);
	ASN1_INTEGER_free(serial);
	X509_NAME_free(subj);
	X509_free(x);
	return err;
}

/* ---- CRLs -------------------------------------------------------------- */

static int add_revoked(X509_CRL *crl, const es_crl_entry *e)
{
	X509_REVOKED *rev = NULL;
	BIGNUM *bn = NULL;
	ASN1_INTEGER *serial = NULL;
	ASN1_TIME *t = NULL;
	ASN1_ENUMERATED *reason = NULL;
	int err = 0;

	if (!e->serial_hex || !e->serial_hex[0])
		return es_error_set(ES_EINVAL, "crl entry without a serial number");
	if (e->reason < -1 || e->reason > 10 || e->reason == 7)
		return es_error_set(ES_EINVAL, "bad crl reason code %d", e->reason);
	if (BN_hex2bn(&bn, e->serial_hex) != (int)strlen(e->serial_hex)) {
		err = es_error_set(ES_EINVAL, "bad serial number '%s'", e->serial_hex);
		goto done;
	}
	rev = X509_REVOKED_new();
	serial = BN_to_ASN1_INTEGER(bn, NULL);
	t = ASN1_TIME_new();
	if (!rev || !serial || !t) {
		err = es_crypto__fail(ES_ENOMEM, "out of memory");
		goto done;
	}
	if ((err = set_time(t, e->revoked_at)) < 0)
		goto done;
	if (!X509_REVOKED_set_serialNumber(rev, serial) || !X509_REVOKED_set_revocationDate(rev, t)) {
		err = es_crypto__fail(ES_ECRYPTO, "cannot build a crl entry");
		goto done;
	}
	if (e->reason >= 0) {
		reason = ASN1_ENUMERATED_new();
		if (!reason || !ASN1_ENUMERATED_set(reason, e->reason) ||
		    X509_REVOKED_add1_ext_i2d(rev, NID_crl_reason, reason, 0, X509V3_ADD_DEFAULT) != 1) {
			err = es_crypto__fail(ES_ECRYPTO, "cannot add the crl reason");
			goto done;
		}
	}
	if (!X509_CRL_add0_revoked(crl, rev)) {
		err = es_crypto__fail(ES_ENOMEM, "out of memory");
		goto done;
	}
	rev = NULL;
done:
	ASN1_ENUMERATED_free(reason);
	ASN1_TIME_free(t);
	ASN1_INTEGER_free(serial);
	BN_free(bn);
	X509_REVOKED_free(rev);
	return err;
}

int es_crl_issue(es_buf *der_out, const es_cert *issuer, const es_sm2_key *issuer_key,
		 const es_crl_entry *entries, size_t n, es_time this_update, es_time next_update,
		 uint64_t crl_number)
{
	X509_CRL *crl = NULL;
	ASN1_TIME *t = NULL;
	ASN1_INTEGER *num = NULL;
	EVP_MD_CTX *mctx = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	unsigned char *der = NULL;
	int len, err = 0;

	ES_ASSERT_ARG(der_out && issuer && issuer_key && (entries || n == 0));
	if (next_update <= this_update)
		return es_error_set(ES_EINVAL, "crl next_update must be later than this_update");
	if (!issuer->pub || EVP_PKEY_eq(issuer->pub->pkey, issuer_key->pkey) != 1) {
		ERR_clear_error();
		return es_error_set(ES_EINVAL, "issuer key does not match the issuer certificate");
	}
	crl = X509_CRL_new();
	t = ASN1_TIME_new();
	num = ASN1_INTEGER_new();
	if (!crl || !t || !num || !X509_CRL_set_version(crl, X509_CRL_VERSION_2) ||
	    !X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer->x))) {
		err = es_crypto__fail(ES_ENOMEM, "cannot build the crl");
		goto done;
	}
	if ((err = set_time(t, this_update)) < 0)
		goto done;
	if (!X509_CRL_set1_lastUpdate(crl, t)) {
		err = es_crypto__fail(ES_ECRYPTO, "cannot set the crl time");
		goto done;
	}
	if ((err = set_time(t, next_update)) < 0)
		goto done;
	if (!X509_CRL_set1_nextUpdate(crl, t)) {
		err = es_crypto__fail(ES_ECRYPTO, "cannot set the crl time");
		goto done;
	}
	for (size_t i = 0; i < n; i++)
		if ((err = add_revoked(crl, &entries[i])) < 0)
			goto done;
	if (!X509_CRL_sort(crl) || !ASN1_INTEGER_set_uint64(num, crl_number) ||
	    X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0, X509V3_ADD_DEFAULT) != 1) {
		err = es_crypto__fail(ES_ECRYPTO, "cannot add the crl number");
		goto done;
	}
	if ((err = add_akid_ext(NULL, crl, issuer->x)) < 0)
		goto done;
	if ((err = es_crypto__sign_ctx_new(&mctx, &pctx, issuer_key)) < 0)
		goto done;
	if (X509_CRL_sign_ctx(crl, mctx) <= 0) {
		err = es_crypto__fail(ES_ECRYPTO, "cannot sign the crl");
		goto done;
	}
	len = i2d_X509_CRL(crl, &der);
	if (len <= 0) {
		err = es_crypto__fail(ES_ECRYPTO, "cannot encode the crl");
		goto done;
	}
	err = es_buf_put(der_out, der, (size_t)len);
done:
	OPENSSL_free(der);
	es_crypto__sign_ctx_free(mctx, pctx);
	ASN1_INTEGER_free(num);
	ASN1_TIME_free(t);
	X509_CRL_free(crl);
	return err;
}
