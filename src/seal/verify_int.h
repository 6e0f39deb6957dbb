/* SPDX-License-Identifier: AGPL-3.0-or-later */
#ifndef ES_VERIFY_INT_H
#define ES_VERIFY_INT_H
#include "eseal/es_verify.h"

es_time es_verify__now(const es_verify_options *o);
/* Validity at @at, key usage, and path to an anchor, as one named check.
 * @time_known false: @at is only the verification time (the signature has no time). */
void es_verify__cert_check(es_sig_report *s, const char *name, const char *role, const es_cert *c,
			   const es_verify_options *o, es_time at, const char *at_what, bool time_known);
/* The data-hash check: SM3(original) against @data_hash. */
void es_verify__data_hash(es_sig_report *s, es_bytes data_hash, const es_verify_options *o);
/* GM/T 0010 / PKCS#7 SignedData and raw SM2 (src/seal/cms.c). */
int es_verify__cms(es_sig_report *s, const uint8_t *der, size_t len, const es_verify_options *o);
/* An SES_Signature that does not parse: report the seal inside it, if readable. */
int es_verify__broken_ses(es_report *r, const uint8_t *der, size_t len, const es_verify_options *o, const char *why);
int es_verify__raw_sm2(es_sig_report *s, const uint8_t *der, size_t len, const es_verify_options *o);

/*
 * A signature by an algorithm other than SM2-with-SM3 (RSA, ECDSA; SHA-1,
 * SHA-256, MD5): checked on the value into check @name, with the quirk
 * legacy-algorithm; a sound one is indeterminate under the default policy
 * and passes (with a notice) under ES_POLICY_ANY. @alg is the signature
 * algorithm OID, @digest_oid the separate digest OID (CMS) or an empty one.
 */
void es_verify__legacy(es_sig_report *s, const char *name, const char *what, const es_cert *c, es_bytes alg,
		       es_bytes digest_oid, const void *msg, size_t len, es_bytes sig, const es_verify_options *o);
/* Digest name ("SHA1", "SHA256", "MD5", "SM3") of a digest OID, or NULL. */
const char *es_verify__digest_name(es_bytes oid);

/* Status list (status.c): 0 when @l is to be believed for seals of @maker, else -1 and why. */
int es_status_list__accept(const es_status_list *l, const es_cert *maker, char *why, size_t cap);
/* The status of @esid on an accepted list (absent: active); @listed says whether it is named. */
void es_status_list__lookup(const es_status_list *l, const char *esid, es_status_info *out, bool *listed);

#endif
