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

/* Status list (status.c): 0 when @l is to be believed for seals of @maker, else -1 and why. */
int es_status_list__accept(const es_status_list *l, const es_cert *maker, char *why, size_t cap);
/* The status of @esid on an accepted list (absent: active); @listed says whether it is named. */
void es_status_list__lookup(const es_status_list *l, const char *esid, es_status_info *out, bool *listed);

#endif
