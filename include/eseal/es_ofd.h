/* SPDX-License-Identifier: AGPL-3.0-or-later */
/**
 * @file es_ofd.h
 * @brief OFD documents (GB/T 33190-2016): read packages safely, verify every
 *        signature (§18), seal with Type=Seal (GB/T 38540 SES_Signature v4)
 *        or sign with Type=Sign (GM/T 0010 SignedData), and make small OFDs.
 *
 * Package paths are given without the leading '/' ("Doc_0/Document.xml").
 * Every function that reads a package applies the zip limits of
 * es_ofd_limits (docs/ofd.md): entry count, per-entry and total size,
 * compression ratio, and refuses unsafe or duplicate entry names
 * (ES_ELIMIT / ES_EMALFORMED with the reason). XML is parsed without
 * network, DTDs or entity expansion; a DOCTYPE is refused.
 * Nothing here keeps global state; all functions are thread-safe.
 */
#ifndef ESEAL_ES_OFD_H
#define ESEAL_ES_OFD_H

#include "es_types.h"
#include "es_crypto.h"
#include "es_pki.h"
#include "es_seal.h"
#include "es_verify.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Zip limits; a zero field means the default of docs/ofd.md. Values above the defaults are clamped. */
typedef struct es_ofd_limits {
	size_t max_entries;
	size_t max_entry;   /**< uncompressed bytes of one entry */
	size_t max_total;   /**< uncompressed bytes of all entries */
	size_t max_ratio;   /**< uncompressed/compressed, for entries above 1 MiB */
} es_ofd_limits;

/* ---- packages ------------------------------------------------------------ */

/** An OFD package held in memory: an ordered list of (name, bytes). */
typedef struct es_ofd_pkg es_ofd_pkg;

/** An empty package (for the writer). */
ES_EXTERN(int) es_ofd_pkg_new(es_ofd_pkg **out) ES_WARN_UNUSED;
/**
 * Read a zip from memory. @p lim may be NULL (defaults). The limits are
 * checked on the central directory first, then every entry is inflated
 * once in 64 KiB pieces to check its size and CRC, with the total enforced
 * as it streams; nothing is kept: an entry is inflated into memory when
 * es_ofd_pkg_get() first asks for it, so memory follows what is read, not
 * the package (the input may be freed afterwards; a package is used by one
 * thread at a time).
 * ES_EMALFORMED: not a zip, unsafe or duplicate name; ES_ELIMIT: a limit.
 */
ES_EXTERN(int) es_ofd_pkg_open(es_ofd_pkg **out, const uint8_t *data, size_t len,
			       const es_ofd_limits *lim) ES_WARN_UNUSED;
ES_EXTERN(size_t) es_ofd_pkg_count(const es_ofd_pkg *p);
/** Name of entry @p i (borrowed), NULL when out of range. */
ES_EXTERN(const char *) es_ofd_pkg_name(const es_ofd_pkg *p, size_t i);
/** Borrowed bytes of entry @p name (a leading '/' is ignored), followed by a NUL byte not counted in len; ES_ENOTFOUND. */
ES_EXTERN(int) es_ofd_pkg_get(es_bytes *out, const es_ofd_pkg *p, const char *name) ES_WARN_UNUSED;
/** Add or replace (in place) an entry with a copy of @p data. */
ES_EXTERN(int) es_ofd_pkg_put(es_ofd_pkg *p, const char *name, const void *data, size_t len) ES_WARN_UNUSED;
/** Remove an entry; ES_ENOTFOUND. */
ES_EXTERN(int) es_ofd_pkg_remove(es_ofd_pkg *p, const char *name) ES_WARN_UNUSED;
/**
 * Write the package as a zip, appended to @p out, entries in package order.
 * Entries unchanged since es_ofd_pkg_open() are copied compressed as read;
 * new or changed ones are deflated, or stored when small (<= 4 KB) or
 * already compressed (PNG, JPEG, GIF, .esl, .dat).
 */
ES_EXTERN(int) es_ofd_pkg_write(es_buf *out, const es_ofd_pkg *p) ES_WARN_UNUSED;
ES_EXTERN(void) es_ofd_pkg_free(es_ofd_pkg *p);

/* ---- verification ---------------------------------------------------------- */

/**
 * Verify every signature of an OFD (OFD.xml -> Signatures.xml -> each
 * Signature.xml). One report entry per signature, id = its Signatures.xml
 * ID, type "Seal" or "Sign", with the core checks (es_verify.h; the
 * original is the Signature.xml) plus:
 *  - "references": every Reference digest; files changed, removed, or
 *    added after signing (files covered by no signature fail; files covered
 *    only by a later signature warn);
 *  - "seal-file": Seal.esl equals TBS_Sign.eseal (when <Seal> is present);
 *  - "stamp": the StampAnnots' pages exist; info "page" (1-based, comma
 *    separated), "box" (Boundary mm), "clip", "protects-signatures".
 * A package that cannot be read gives one entry "package" with a failed
 * "format" check and a negative return; an OFD without signatures gives an
 * entry "document" with a failed "signatures" check (verdict invalid).
 * @p opt->original is ignored (each Signature.xml is its own original).
 */
ES_EXTERN(int) es_ofd_verify(es_report *r, const uint8_t *data, size_t len,
			     const es_verify_options *opt) ES_WARN_UNUSED;

/* ---- making OFDs -------------------------------------------------------------- */

/** An image placed on a page of a made OFD. */
typedef struct es_ofd_image {
	unsigned page;            /**< 1-based */
	const char *format;       /**< "PNG", "JPEG", "BMP", "GIF" */
	const uint8_t *data;
	size_t len;
	double x, y, w, h;        /**< box in mm from the page's top-left */
} es_ofd_image;

typedef struct es_ofd_make_options {
	unsigned version;         /**< ES_OFD_MAKE_OPTIONS_VERSION */
	double page_w, page_h;    /**< mm; 0: A4 210 x 297 */
	double margin;            /**< mm; 0: 20 */
	double font_size;         /**< mm; 0: 5 */
	const char *font_name;    /**< NULL: "宋体" (referenced, not embedded) */
	/** Optional font file embedded in the package (TTF/OTF), NULL: referenced by name. */
	const uint8_t *font_data;
	size_t font_len;
	/** UTF-8 text lines; a line "\f" starts a new page; full pages break by themselves. */
	const char *const *lines;
	size_t nlines;
	const es_ofd_image *images;
	size_t nimages;
	const char *title;        /**< DocInfo Title, NULL: none */
	es_time time;             /**< CreationDate; 0: now */
} es_ofd_make_options;
#define ES_OFD_MAKE_OPTIONS_VERSION 1
#define ES_OFD_MAKE_OPTIONS_INIT { .version = ES_OFD_MAKE_OPTIONS_VERSION }

/** Make an OFD from text lines and images (zip appended to @p out). */
ES_EXTERN(int) es_ofd_make(es_buf *out, const es_ofd_make_options *opt) ES_WARN_UNUSED;

/**
 * The page size (PhysicalBox of the document's PageArea, mm) of an OFD, read
 * through the same guarded reader as signing: used to size a seal whose
 * picture is an OFD (GB/T 38540 picture type "OFD"). ES_EMALFORMED when the
 * bytes are not an OFD with a document.
 */
ES_EXTERN(int) es_ofd_page_size(const uint8_t *ofd, size_t len, double *w, double *h) ES_WARN_UNUSED;

/* ---- finding text (keyword placement) ----------------------------------------- */

/** Where a piece of text sits on a page (mm, page space, top-left origin). */
typedef struct es_ofd_text_hit {
	double x, y, w, h;
} es_ofd_text_hit;

/**
 * Find @p keyword (UTF-8) in a page's Content.xml: every occurrence in the
 * page's characters, positioned from TextObject Boundary, TextCode X/Y and
 * DeltaX (CTM is ignored) and joined across TextCodes and TextObjects on
 * the same line. Up to @p max hits into @p hits, the total found into
 * @p n (may exceed @p max). @p has_text is set when the page holds any
 * non-blank text (R6 blank-page rule); may be NULL. @p keyword NULL or ""
 * finds nothing (only @p has_text is computed).
 */
ES_EXTERN(int) es_ofd_find_text(es_ofd_text_hit *hits, size_t max, size_t *n, bool *has_text,
				const uint8_t *content_xml, size_t len, const char *keyword) ES_WARN_UNUSED;

/**
 * The R6 blank-page rule alone, streamed: @p out is set when a TextCode of a
 * TextObject in the page's Content.xml holds a non-blank character. Reading
 * stops at the first such TextCode, so bytes after it are not examined (a
 * page that is malformed before it, or that has no text and is malformed
 * anywhere, is ES_EMALFORMED). Agrees with es_ofd_find_text()'s @p has_text
 * on every well-formed page.
 */
ES_EXTERN(int) es_ofd_page_has_text(bool *out, const uint8_t *content_xml, size_t len) ES_WARN_UNUSED;

/* ---- signing ------------------------------------------------------------------- */

typedef enum es_ofd_sig_type { ES_OFD_SEAL = 0, ES_OFD_SIGN = 1 } es_ofd_sig_type;

typedef enum es_ofd_place {
	ES_OFD_PLACE_POSITION = 0, /**< page + x/y */
	ES_OFD_PLACE_KEYWORD,      /**< centred on a keyword */
	ES_OFD_PLACE_RIDING,       /**< 骑缝章 across the right edges, with Clip */
	ES_OFD_PLACE_NONE,         /**< no StampAnnot (Type=Sign) */
} es_ofd_place;

typedef struct es_ofd_sign_options {
	unsigned version;         /**< ES_OFD_SIGN_OPTIONS_VERSION */
	es_ofd_sig_type type;
	es_ofd_place place;
	unsigned page;            /**< 1-based page for POSITION (0: 1) and KEYWORD (0: all pages) */
	double x, y;              /**< mm, top-left of the stamp box (POSITION) */
	double w, h;              /**< stamp size in mm; 0: the seal picture's size (else 40) */
	const char *keyword;      /**< KEYWORD: UTF-8 text to centre on */
	unsigned occurrence;      /**< KEYWORD: 0 every occurrence, n the n-th */
	const unsigned *pages;    /**< RIDING: 1-based pages, NULL: all (needs >= 2) */
	size_t npages;
	double riding_y;          /**< RIDING: top of the box in mm; 0: centred vertically */
	/** Protect Signatures.xml too: no further signature is allowed afterwards. */
	bool whole;
	es_time time;             /**< 0: now */
	const char *provider;     /**< ProviderName, NULL: "eseal" */
	const char *company;      /**< NULL: "eseal" */
	const es_cert *tsa_cert;  /**< optional time stamp (Type=Seal) */
	const es_sm2_key *tsa_key;
	/**
	 * Optional: a signer made with es_ses_signer_new() for this seal,
	 * certificate and key, kept across documents so the seal is hashed
	 * once (batches; one signer per thread); or with
	 * es_ses_signer_new_external() when the key is held elsewhere, and then
	 * the @p key of es_ofd_sign() may be NULL (Type=Seal).
	 */
	es_ses_signer *signer;
} es_ofd_sign_options;
#define ES_OFD_SIGN_OPTIONS_VERSION 1
#define ES_OFD_SIGN_OPTIONS_INIT \
	{ .version = ES_OFD_SIGN_OPTIONS_VERSION, .type = ES_OFD_SEAL, .place = ES_OFD_PLACE_POSITION }

/**
 * Add one signature to an OFD and append the new package to @p out.
 * Type=Seal needs @p seal (v4, its certList holding @p cert); Type=Sign
 * ignores it and writes a detached GM/T 0010 SignedData with signed
 * attributes. Earlier signatures stay valid (Signatures.xml is referenced
 * only with @p opt->whole). Refused with ES_EDENIED: a document already
 * sealed whole; a target page without text (blank document, R6); a keyword
 * not found. ES_EINVAL names a bad option.
 */
ES_EXTERN(int) es_ofd_sign(es_buf *out, const uint8_t *ofd, size_t len, const es_ofd_sign_options *opt,
			   const es_seal *seal, const es_cert *cert, const es_sm2_key *key) ES_WARN_UNUSED;

/** The most documents es_ofd_sign_many() takes at once. */
#define ES_OFD_SIGN_MANY_MAX 4096

/**
 * es_ofd_sign() over @p n documents with the same options, seal, certificate
 * and key (batches of licences): @p outs[i] gets the signed @p ofds[i] (of
 * @p lens[i] bytes) appended, exactly what es_ofd_sign() would write with the
 * same time and signature. The package files of all the documents are
 * digested together (es_sm3_many, one file per SIMD lane), which is several
 * times faster than one document after the other; give a kept signer
 * (@p opt->signer) so the seal is hashed once. Memory: every document of the
 * batch is held open until its digests are done (batches of 16 to 256 are
 * plenty). On an error, @p failed (when not NULL) gets the index of the
 * document that failed (@p n when all were signed) and the message names it
 * ("document 3 of the batch: ..."): the outputs before it are signed, it
 * and the ones after are left as they were; seal those again without it.
 */
ES_EXTERN(int) es_ofd_sign_many(es_buf *outs, const uint8_t *const *ofds, const size_t *lens, size_t n,
				const es_ofd_sign_options *opt, const es_seal *seal, const es_cert *cert,
				const es_sm2_key *key, size_t *failed) ES_WARN_UNUSED;

/* ---- benchmark ----------------------------------------------------------------- */

/** OFDs sealed per second and raw SM2 signatures per second over @p seconds each. */
typedef struct es_ofd_bench_result {
	double ofd_per_s;
	double sm2_per_s;
	double ratio;             /**< ofd_per_s / sm2_per_s */
	size_t ofd_bytes;         /**< size of the one-page licence used */
} es_ofd_bench_result;
ES_EXTERN(int) es_ofd_bench(es_ofd_bench_result *out, double seconds, const es_seal *seal, const es_cert *cert,
			    const es_sm2_key *key) ES_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
