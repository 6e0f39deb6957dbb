/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The single list of input limits. Each has its reason; docs/limits.md
 * mirrors this file.
 */
#ifndef ES_ES_LIMITS_H
#define ES_ES_LIMITS_H

/* Largest SESeal we read or write. Real seals are 2-40 KB (picture +
 * certificates); 4 MiB allows a large OFD-in-seal picture. */
#define ES_MAX_SEAL_DER ((size_t)4 << 20)
/* A maker's signed seal status list (JSON): 100 000 non-active seals of ~300 bytes. */
#define ES_STATUS_LIST_MAX ((size_t)32 << 20)
/* Largest SES_Signature: a seal plus the signer certificate and a token. */
#define ES_MAX_SIG_DER ((size_t)5 << 20)
/* DER nesting: SES_Signature is 6 deep, certificates ~10; 32 is ample and
 * stops stack-depth attacks. */
#define ES_MAX_DER_DEPTH 32
/* OID arcs (GmSSL ASN1_OID_MAX_NODES). */
#define ES_MAX_OID_ARCS 32
/* Certificates in one seal's certList and extensions in one ExtensionDatas. */
#define ES_MAX_CERT_LIST 16
#define ES_MAX_EXT_DATAS 32
/* Certificate path length, anchor included. */
#define ES_MAX_CHAIN 8
/* Largest single certificate, CRL, CSR, time-stamp token. */
#define ES_MAX_CERT_DER ((size_t)64 << 10)
#define ES_MAX_CRL_DER ((size_t)16 << 20)
/* Largest file the CLI reads whole (documents go through their own layer). */
#define ES_MAX_INPUT_FILE ((size_t)256 << 20)

#if ES_MAX_DER_DEPTH > 64
#error ES_MAX_DER_DEPTH may not exceed 64
#endif
#if ES_MAX_CERT_LIST > 256
#error ES_MAX_CERT_LIST may not exceed 256
#endif

#endif
