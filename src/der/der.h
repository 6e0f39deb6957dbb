/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * A small strict DER cursor (STYLE.md §2.6) and writer.
 *
 * Reading: an es_der cursor walks a buffer; each es_der_read_*() either
 * consumes one whole TLV and returns 0, or returns a negative es_error and
 * leaves the cursor where it was. Results are views into the input (the
 * input must outlive them). Rejected: indefinite and non-minimal lengths,
 * lengths over 4 bytes or beyond the input, high tag numbers, nesting
 * deeper than ES_MAX_DER_DEPTH, trailing bytes (es_der_finish), and the
 * per-type rules below.
 *
 * Writing: an es_der_writer appends to an es_buf; constructed types are
 * opened with es_der_begin() and closed with es_der_end(), which fixes the
 * length in place (one memmove when the length needs more than one byte).
 * Output is always canonical DER.
 */
#ifndef ES_DER_H
#define ES_DER_H
#include "eseal/es_types.h"

/* Universal tags (single-byte identifiers). */
enum {
	ES_DER_BOOLEAN = 0x01,
	ES_DER_INTEGER = 0x02,
	ES_DER_BIT_STRING = 0x03,
	ES_DER_OCTET_STRING = 0x04,
	ES_DER_NULL = 0x05,
	ES_DER_OID = 0x06,
	ES_DER_UTF8_STRING = 0x0c,
	ES_DER_PRINTABLE_STRING = 0x13,
	ES_DER_T61_STRING = 0x14,
	ES_DER_IA5_STRING = 0x16,
	ES_DER_UTC_TIME = 0x17,
	ES_DER_GENERALIZED_TIME = 0x18,
	ES_DER_BMP_STRING = 0x1e,
	ES_DER_SEQUENCE = 0x30,
	ES_DER_SET = 0x31,
};
#define ES_DER_CONTEXT(n) (0xa0 | (n))      /* [n] constructed (EXPLICIT) */
#define ES_DER_CONTEXT_PRIM(n) (0x80 | (n)) /* [n] primitive (IMPLICIT) */

typedef struct es_der {
	const uint8_t *p;
	size_t left;
	unsigned depth;
} es_der;

/* One decoded TLV. */
typedef struct es_tlv {
	uint8_t tag;
	es_bytes value; /* the contents octets */
	es_bytes whole; /* tag + length + contents, exactly as received */
} es_tlv;

void es_der_init(es_der *d, const uint8_t *p, size_t len);
bool es_der_empty(const es_der *d);
/* Tag of the next element; ES_ETRUNC when empty. */
int es_der_peek(const es_der *d, uint8_t *tag);
/* Any TLV. */
int es_der_read_tlv(es_der *d, es_tlv *out);
/* A TLV with exactly this tag (ES_EMALFORMED naming both tags otherwise). */
int es_der_read_tag(es_der *d, uint8_t tag, es_tlv *out);
/* Optional element: *present false and 0 when the next tag differs or input ended. */
int es_der_read_optional(es_der *d, uint8_t tag, es_tlv *out, bool *present);
/* Enter a constructed element with this tag: @inner walks its contents. */
int es_der_enter(es_der *d, uint8_t tag, es_der *inner, es_bytes *whole);
/* ES_EMALFORMED if anything is left ("trailing N bytes after <what>"). */
int es_der_finish(const es_der *d, const char *what);

/* INTEGER, minimal encoding, non-negative, fitting in 63 bits. */
int es_der_read_uint(es_der *d, uint64_t *out);
/* INTEGER, minimal, non-negative, any size: value bytes without the sign 0x00. */
int es_der_read_uint_bytes(es_der *d, es_bytes *out);
/* BOOLEAN: 0x00 or 0xFF only. */
int es_der_read_bool(es_der *d, bool *out);
/* OBJECT IDENTIFIER: well-formed arcs, at most ES_MAX_OID_ARCS. */
int es_der_read_oid(es_der *d, es_bytes *out);
/* OCTET STRING contents. */
int es_der_read_octets(es_der *d, es_bytes *out);
/* BIT STRING: @out are the bytes after the unused-bits octet; padding bits must be zero. */
int es_der_read_bits(es_der *d, es_bytes *out, unsigned *unused);
/* BIT STRING holding whole octets (signatures, hashes): unused bits must be 0. */
int es_der_read_bytes_bits(es_der *d, es_bytes *out);
/* IA5String (bytes < 0x80). */
int es_der_read_ia5(es_der *d, es_bytes *out);
/* UTF8String (valid UTF-8, no overlongs or surrogates). */
int es_der_read_utf8(es_der *d, es_bytes *out);
/* PrintableString (the X.680 character set). */
int es_der_read_printable(es_der *d, es_bytes *out);
/* GeneralizedTime "YYYYMMDDHHMMSS[.f+]Z" (fraction: no trailing zero). */
int es_der_read_gentime(es_der *d, es_time *out);
/* UTCTime "YYMMDDHHMMSSZ" (50-99 -> 19xx). */
int es_der_read_utctime(es_der *d, es_time *out);
/* Either time type. */
int es_der_read_time(es_der *d, es_time *out);

/* Validation helpers on raw contents (also used by the writer). */
int es_der_check_oid(es_bytes v);
bool es_der_is_utf8(const uint8_t *p, size_t n);
bool es_der_is_ia5(const uint8_t *p, size_t n);
bool es_der_is_printable(const uint8_t *p, size_t n);

/* OID <-> dotted text. */
int es_oid_to_text(char *out, size_t outlen, es_bytes oid);
/* Encode dotted text into @out (contents only, max 64 bytes); returns length or <0. */
int es_oid_from_text(uint8_t *out, size_t outlen, const char *text);
bool es_oid_equal(es_bytes oid, const char *dotted);

/* ---- writer ---- */

#define ES_DER_MAX_OPEN 16
typedef struct es_der_writer {
	es_buf *out;
	size_t open[ES_DER_MAX_OPEN]; /* offsets of open headers */
	unsigned nopen;
	int err; /* first error; later calls do nothing */
} es_der_writer;

void es_der_writer_init(es_der_writer *w, es_buf *out);
/* The identifier and length octets of a TLV with @len content bytes; returns their count (2-6). */
size_t es_der_header(uint8_t h[6], uint8_t tag, size_t len);
/* Returns the first error of the whole write, 0 if none, and checks all were closed. */
int es_der_writer_finish(es_der_writer *w);
void es_der_begin(es_der_writer *w, uint8_t tag);
void es_der_end(es_der_writer *w);
void es_der_put_tlv(es_der_writer *w, uint8_t tag, const void *p, size_t n);
/* Copy already-encoded DER verbatim (e.g. a parsed SESeal). */
void es_der_put_raw(es_der_writer *w, const void *p, size_t n);
void es_der_put_uint(es_der_writer *w, uint64_t v);
void es_der_put_uint_bytes(es_der_writer *w, const uint8_t *p, size_t n);
void es_der_put_bool(es_der_writer *w, bool v);
void es_der_put_oid(es_der_writer *w, const char *dotted);
void es_der_put_octets(es_der_writer *w, const void *p, size_t n);
void es_der_put_bits(es_der_writer *w, const void *p, size_t n);
void es_der_put_ia5(es_der_writer *w, const char *p, size_t n);
void es_der_put_utf8(es_der_writer *w, const char *p, size_t n);
void es_der_put_gentime(es_der_writer *w, es_time t);
void es_der_put_null(es_der_writer *w);

#endif
