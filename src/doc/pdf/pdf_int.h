/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Internals of the PDF layer shared between its files (no MuPDF here). */
#ifndef ES_PDF_INT_H
#define ES_PDF_INT_H
#include "es_int.h"
#include "eseal/es_pdf.h"
#include "pdf_limits.h"

#define ES_OID_PKCS7_DATA "1.2.840.113549.1.7.1"
#define ES_OID_PKCS7_SIGNED "1.2.840.113549.1.7.2"
#define ES_OID_ATTR_CONTENT_TYPE "1.2.840.113549.1.9.3"
#define ES_OID_ATTR_MESSAGE_DIGEST "1.2.840.113549.1.9.4"
#define ES_OID_ATTR_SIGNING_TIME "1.2.840.113549.1.9.5"
#define ES_OID_ATTR_TIMESTAMP_TOKEN "1.2.840.113549.1.9.16.2.14"

/*
 * CMS SignedData (ContentInfo, PKCS#7 OIDs) over a detached content whose
 * SM3 is @digest: signed attributes contentType, signingTime and
 * messageDigest, SM2 signature with the default ID over DER(SET attrs),
 * the signer certificate, and an RFC 3161 token over the signature value
 * when @tsa_cert is given. Appended to @out.
 */
int es_pdf__cms_build(es_buf *out, const uint8_t digest[32], es_time signing_time, const es_cert *cert,
		      const es_sm2_key *key, const es_cert *tsa_cert, const es_sm2_key *tsa_key);

/* The unsigned RFC 3161 token and the signature value of a CMS SignerInfo (views into @der). */
int es_pdf__cms_find_timestamp(const uint8_t *der, size_t len, es_bytes *token, es_bytes *sigvalue);

/* Date as "D:YYYYMMDDHHmmSSZ" (PDF) and "YYMMDDHHMMSSZ" (UTCTime). */
void es_pdf__date(char out[32], es_time t);
void es_pdf__utctime(char out[16], es_time t);

/* ByteRange geometry in a file: checks and the gap's hex decoded. */
typedef struct es_pdf_range {
	int64_t b[4];
} es_pdf_range;
/* Forget the kept appearance pictures (tests; a process may call it to free memory). */
void es_pdf__picture_cache_clear(void);
/* How many documents were written from the cache so far (tests). */
uint64_t es_pdf__picture_cache_hits(void);
/* A one-page A4 PDF with a line of text (Helvetica), appended to @out. */
int es_pdf__sample(es_buf *out, const char *text);
#endif
