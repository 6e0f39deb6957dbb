/* SPDX-License-Identifier: AGPL-3.0-or-later */
/**
 * @file es_ofd_render.h
 * @brief OFD pages drawn as a reader would (GB/T 33190-2016), seals
 *        included, to PNG, SVG or PDF, on cairo.
 *
 * A rendered copy is only a copy: the sealed OFD stays the original (the
 * PDF output says so in its metadata). Rendering reads the package through
 * the guarded OFD reader (es_ofd.h limits) and applies the renderer limits
 * of docs/limits.md (objects per page, nesting depth, path points, image
 * pixels, glyphs, output pixels): what is over a limit, or in a format that
 * cannot be drawn, is skipped and counted in es_ofd_render_info, the rest
 * of the page is drawn. Not thread-safe per view; different views may be
 * used from different threads.
 */
#ifndef ESEAL_ES_OFD_RENDER_H
#define ESEAL_ES_OFD_RENDER_H

#include "es_types.h"
#include "es_ofd.h"

#ifdef __cplusplus
extern "C" {
#endif

/** An OFD opened for rendering (its package, document and resources). */
typedef struct es_ofd_view es_ofd_view;

typedef enum es_ofd_render_format {
	ES_OFD_RENDER_PNG = 0, /**< 8-bit RGBA PNG on a white page, pHYs = dpi */
	ES_OFD_RENDER_SVG = 1, /**< SVG 1.1, size in mm */
	ES_OFD_RENDER_PDF = 2  /**< PDF 1.5, one page per OFD page, page size in mm */
} es_ofd_render_format;

/** DPI range of PNG output; the output is at most ES_OFD_RENDER_MAX_PIXELS pixels. */
#define ES_OFD_RENDER_MIN_DPI 10u
#define ES_OFD_RENDER_MAX_DPI 2400u

typedef struct es_ofd_render_options {
	unsigned version;            /**< ES_OFD_RENDER_OPTIONS_VERSION */
	es_ofd_render_format format;
	unsigned dpi;                /**< PNG (and raster parts of SVG/PDF); 0: 150 */
	bool no_stamps;              /**< leave out signature stamps (seal pictures) */
	bool no_annots;              /**< leave out annotations (Annotations.xml) */
} es_ofd_render_options;
#define ES_OFD_RENDER_OPTIONS_VERSION 1u
#define ES_OFD_RENDER_OPTIONS_INIT { .version = ES_OFD_RENDER_OPTIONS_VERSION, .format = ES_OFD_RENDER_PNG }

/** What a render drew and what it skipped (all pages of the call). */
typedef struct es_ofd_render_info {
	size_t objects;              /**< graphic units drawn */
	size_t glyphs;               /**< glyphs drawn */
	size_t images;               /**< images drawn */
	size_t stamps;               /**< seal pictures drawn */
	size_t skipped;              /**< objects or parts left out */
	size_t missing_glyphs;       /**< characters no font had (drawn as nothing) */
	char skipped_what[512];      /**< why, e.g. "2 images (TIFF decode failed); ..." ("" none) */
	double width_mm, height_mm;  /**< size of the last page rendered */
	unsigned width_px, height_px;/**< PNG only: pixels of the last page */
} es_ofd_render_info;

/**
 * Open an OFD for rendering; @p ofd is copied. ES_EMALFORMED: no readable
 * document or no page; ES_ELIMIT: a package limit.
 */
ES_EXTERN(int) es_ofd_view_open(es_ofd_view **out, const uint8_t *ofd, size_t len) ES_WARN_UNUSED;
/** Number of pages of the first document. */
ES_EXTERN(unsigned) es_ofd_view_pages(const es_ofd_view *v);
/** Physical size of page @p page (1-based) in mm; ES_EINVAL for a page out of range. */
ES_EXTERN(int) es_ofd_view_page_size(const es_ofd_view *v, unsigned page, double *w_mm, double *h_mm) ES_WARN_UNUSED;
ES_EXTERN(void) es_ofd_view_free(es_ofd_view *v);

/**
 * Render page @p page (1-based) as PNG, SVG or a one-page PDF, appended to
 * @p out. @p opt may be NULL (PNG at 150 DPI); @p info may be NULL.
 * @return 0 (skipped parts are reported in @p info, not as errors);
 *  ES_EINVAL bad options or page; ES_ELIMIT the output would exceed
 *  ES_OFD_RENDER_MAX_PIXELS; ES_ENOMEM.
 */
ES_EXTERN(int) es_ofd_render_page(es_buf *out, es_ofd_view *v, unsigned page, const es_ofd_render_options *opt,
				  es_ofd_render_info *info) ES_WARN_UNUSED;

/**
 * Render @p n pages (1-based numbers, in the given order; @p pages NULL:
 * every page) into one PDF appended to @p out; the PDF's metadata names it
 * a converted copy of the OFD. @p opt->format is ignored.
 */
ES_EXTERN(int) es_ofd_render_pdf(es_buf *out, es_ofd_view *v, const unsigned *pages, size_t n,
				 const es_ofd_render_options *opt, es_ofd_render_info *info) ES_WARN_UNUSED;

/** Pages rendered per second at 150 DPI (PNG and PDF) of a one-page licence and a one-page invoice. */
typedef struct es_ofd_render_bench_result {
	double licence_png_per_s, licence_pdf_per_s;
	double invoice_png_per_s, invoice_pdf_per_s;
	size_t licence_bytes, invoice_bytes; /**< the OFDs rendered */
} es_ofd_render_bench_result;
/**
 * Make both documents in memory (a licence of text lines and a photo; an
 * invoice of a template with a ruled table and ~70 text objects), seal
 * each with @p seal / @p cert / @p key when given (all three, or NULL for
 * no stamp), open each once and render page 1 for @p seconds per figure.
 */
ES_EXTERN(int) es_ofd_render_bench(es_ofd_render_bench_result *out, double seconds, const es_seal *seal,
				   const es_cert *cert, const es_sm2_key *key) ES_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
