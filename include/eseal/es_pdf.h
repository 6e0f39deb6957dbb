/* SPDX-License-Identifier: AGPL-3.0-or-later */
/**
 * @file es_pdf.h
 * @brief Visible electronic seals on PDF documents: signing by incremental
 *        update and verification of every signature (docs/pdf.md).
 *
 * Two encodings of the signature value in /Contents:
 * - ES_PDF_CMS: CMS SignedData (PKCS#7 OIDs, SM3 digest, SM2-with-SM3
 *   signature, detached, signed attributes contentType, signingTime,
 *   messageDigest; the signer certificate; optional RFC 3161 time stamp as
 *   unsigned attribute), /SubFilter /adbe.pkcs7.detached.
 * - ES_PDF_SES: a GB/T 38540 v4 SES_Signature whose dataHash is SM3 of the
 *   ByteRange bytes and whose propertyInfo describes the ByteRange,
 *   /SubFilter /GB38540.SES (a name of this project, see docs/pdf.md).
 */
#ifndef ESEAL_ES_PDF_H
#define ESEAL_ES_PDF_H

#include "es_types.h"
#include "es_crypto.h"
#include "es_pki.h"
#include "es_seal.h"
#include "es_verify.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ES_PDF_SUBFILTER_CMS "adbe.pkcs7.detached"
#define ES_PDF_SUBFILTER_SES "GB38540.SES"

typedef enum es_pdf_encoding {
	ES_PDF_CMS = 0, /**< CMS SignedData SM2/SM3, adbe.pkcs7.detached */
	ES_PDF_SES = 1, /**< GB/T 38540 SES_Signature, GB38540.SES */
} es_pdf_encoding;

typedef struct es_pdf_sign_options {
	unsigned version;        /**< ES_PDF_SIGN_OPTIONS_VERSION */
	int encoding;            /**< es_pdf_encoding */
	/** Target page, 1-based; 0 means the last page. */
	int page;
	/** Seal box: top-left corner from the page's top-left corner, in mm. */
	double x_mm, y_mm;
	/** Box size in mm; 0 takes the seal picture's size (40 mm if unknown). */
	double w_mm, h_mm;
	/**
	 * Optional: centre the seal on the first occurrence of this text on the
	 * target page (or, with page 0, on the first page that has it);
	 * x_mm/y_mm are then ignored. ES_ENOTFOUND when absent.
	 */
	const char *keyword;
	/**
	 * Riding seal (骑缝章): one widget per page along the right edge, each
	 * showing its vertical slice of the picture, all one signature; y_mm is
	 * the top of the seal. Needs at least 2 pages.
	 */
	bool riding;
	/** Certify (DocMDP, P=2: form fill and further signatures allowed); first signature only. */
	bool certify;
	/** Appearance picture (PNG or JPEG); NULL: the seal's own picture. */
	const uint8_t *picture;
	size_t picture_len;
	const char *field_name;  /**< NULL: "Seal1", "Seal2", ... */
	const char *reason;      /**< optional /Reason */
	const char *location;    /**< optional /Location */
	es_time time;            /**< 0: now */
	/** Optional time-stamping authority: RFC 3161 token over the signature value. */
	const es_cert *tsa_cert;
	const es_sm2_key *tsa_key;
	/**
	 * Optional, ES_PDF_SES only: a signer made with es_ses_signer_new() or
	 * es_ses_signer_new_external() for this seal and certificate (the key
	 * held elsewhere: a token, a key store, a device); @p signer_key of
	 * es_pdf_sign() may then be NULL. The same hook as es_ofd_sign_options.
	 */
	es_ses_signer *signer;
} es_pdf_sign_options;
#define ES_PDF_SIGN_OPTIONS_VERSION 1
#define ES_PDF_SIGN_OPTIONS_INIT \
	{ .version = ES_PDF_SIGN_OPTIONS_VERSION, .encoding = ES_PDF_CMS, .x_mm = 20.0, .y_mm = 20.0 }

/**
 * Seal @p pdf: the output @p out receives the original bytes unchanged
 * followed by one incremental update holding the widget(s), the appearance
 * and the signature. @p seal is required for ES_PDF_SES and supplies the
 * picture otherwise; @p signer_cert must be in its certList. Refused
 * (ES_EDENIED) when the target page has no text (blank page, R6), when the
 * document is encrypted or was repaired on load, and when a certifying
 * signature is asked for on an already signed document.
 */
ES_EXTERN(int) es_pdf_sign(es_buf *out, const uint8_t *pdf, size_t len, const es_pdf_sign_options *opt,
			   const es_seal *seal, const es_cert *signer_cert, const es_sm2_key *signer_key) ES_WARN_UNUSED;

/**
 * As es_pdf_sign(), but the empty buffer @p update receives only the
 * incremental update: the sealed file is @p pdf followed by @p update. For
 * large files, where a second copy of the original would double the memory.
 */
ES_EXTERN(int) es_pdf_sign_update(es_buf *update, const uint8_t *pdf, size_t len, const es_pdf_sign_options *opt,
				  const es_seal *seal, const es_cert *signer_cert,
				  const es_sm2_key *signer_key) ES_WARN_UNUSED;

/**
 * Seal @p pdf into the file @p path (written as every eseal output: a
 * random exclusive temporary file, fsync, rename) without copying the
 * original in memory. @p written (optional) receives the file's size.
 */
ES_EXTERN(int) es_pdf_write_sealed(const char *path, const uint8_t *pdf, size_t len, const es_pdf_sign_options *opt,
				   const es_seal *seal, const es_cert *signer_cert, const es_sm2_key *signer_key,
				   size_t *written) ES_WARN_UNUSED;

/**
 * Verify every signature field of a PDF into @p r (format "pdf"): one entry
 * per signature with the core checks (format, signature, data-hash,
 * seal and signer checks, timestamp) plus "byte-range" (the ranges cover
 * the whole file but /Contents) and "changes" (what later incremental
 * updates did). Returns a negative code only when the bytes are not a PDF
 * that can be opened or a limit is exceeded; a PDF without signatures gives
 * a report with no entries and verdict indeterminate.
 * Suitable for es_verify_register_pdf().
 */
ES_EXTERN(int) es_pdf_verify_file(es_report *r, const uint8_t *pdf, size_t len,
				  const es_verify_options *opt) ES_WARN_UNUSED;

/** Count the text characters (non-space) of a page (1-based; 0 = last). */
ES_EXTERN(int) es_pdf_page_text_count(size_t *count, const uint8_t *pdf, size_t len, int page) ES_WARN_UNUSED;

/** DPI range and pixel limit of es_pdf_render_page_png() (a preview, not a print). */
#define ES_PDF_PREVIEW_MIN_DPI 10u
#define ES_PDF_PREVIEW_MAX_DPI 300u
#define ES_PDF_PREVIEW_MAX_PIXELS ((size_t)16 << 20)

/**
 * Draw page @p page (1-based) of a PDF as an 8-bit RGB PNG at @p dpi, appended to
 * @p out, for a person to see where a seal goes. @p pages (may be NULL) receives the
 * number of pages; @p w_mm and @p h_mm (may be NULL) the page's size in millimetres.
 * @return 0; ES_EMALFORMED not a PDF that can be read; ES_EINVAL no such page, or
 *  @p dpi outside ES_PDF_PREVIEW_MIN_DPI..MAX_DPI; ES_ELIMIT the file is larger than
 *  the PDF limit or the picture would be over ES_PDF_PREVIEW_MAX_PIXELS; ES_ENOMEM.
 */
ES_EXTERN(int) es_pdf_render_page_png(es_buf *out, const uint8_t *pdf, size_t len, unsigned page, unsigned dpi,
				      unsigned *pages, double *w_mm, double *h_mm) ES_WARN_UNUSED;

/** Progress callback for batches: return non-zero to stop. */
typedef int (*es_pdf_progress_fn)(size_t done, size_t total, const char *path, int rc, void *payload);

/**
 * Seal @p n files: each inputs[i] is written to outputs[i] with the same
 * options. Returns 0 when all succeeded, otherwise the first error code;
 * @p nok receives the number of successes. @p progress may be NULL.
 */
ES_EXTERN(int) es_pdf_sign_batch(const char *const *inputs, const char *const *outputs, size_t n,
				 const es_pdf_sign_options *opt, const es_seal *seal, const es_cert *signer_cert,
				 const es_sm2_key *signer_key, es_pdf_progress_fn progress, void *payload,
				 size_t *nok) ES_WARN_UNUSED;

/* ---- benchmark ----------------------------------------------------------------- */

/** PDFs sealed per second beside raw SM2 signatures per second, interleaved. */
typedef struct es_pdf_bench_result {
	double pdf_per_s;
	double sm2_per_s;         /**< es_sm2_sign() over 2 KB with the same key */
	double ratio;             /**< pdf_per_s / sm2_per_s */
	size_t pdf_bytes;         /**< size of the sealed one-page PDF */
} es_pdf_bench_result;

/**
 * Seal a generated one-page A4 PDF (CMS encoding, position placement) with
 * @p seal's picture, or @p picture when given, in alternating 50 ms slices
 * with es_sm2_sign(), for about 2 x @p seconds.
 */
ES_EXTERN(int) es_pdf_bench(es_pdf_bench_result *out, double seconds, const uint8_t *picture, size_t picture_len,
			    const es_seal *seal, const es_cert *cert, const es_sm2_key *key) ES_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
