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
#include "eseal/es_cms.h"
#include "ofd_int.h"
#include "der/der.h"
#include "estime.h"

int es_ofd__cms_sign(es_buf *out, const uint8_t *data, size_t len, es_time t, const es_cert *cert,
		     const es_sm2_key *key)
{
	es_cms_sign_options co = ES_CMS_SIGN_OPTIONS_INIT;
	uint8_t md[32];
	int err;
	if ((err = es_sm3(md, data, len)) < 0)
		return err;
	co.flavour = ES_CMS_GMT0010;
	co.digest = md;
	co.signing_time = t;
	return es_cms_sign_detached(out, &co, cert, key);
}
