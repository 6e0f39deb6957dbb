/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* MuPDF glue: contexts, opening from memory, error mapping, page text. */
#include "pdf_mu.h"

static void quiet(void *user, const char *message)
{
	ES_UNUSED(user);
	ES_UNUSED(message);
}

fz_context *es_pdf__ctx_new(void)
{
	fz_context *ctx = fz_new_context(NULL, NULL, ES_PDF_STORE);
	if (!ctx)
		return NULL;
	fz_set_warning_callback(ctx, quiet, NULL);
	fz_set_error_callback(ctx, quiet, NULL);
	return ctx;
}

pdf_document *es_pdf__open(fz_context *ctx, const uint8_t *data, size_t len)
{
	fz_stream *stm = fz_open_memory(ctx, data, len);
	pdf_document *doc = NULL;
	fz_try(ctx)
		doc = pdf_open_document_with_stream(ctx, stm);
	fz_always(ctx)
		fz_drop_stream(ctx, stm);
	fz_catch(ctx)
		fz_rethrow(ctx);
	return doc;
}

int es_pdf__caught(fz_context *ctx, int own_err, const char *what)
{
	if (own_err < 0)
		return own_err;
	if (fz_caught(ctx) == FZ_ERROR_MEMORY)
		return es_error_set(ES_ENOMEM, "%s: out of memory", what);
	return es_error_set(ES_EMALFORMED, "%s: %s", what, fz_caught_message(ctx));
}

size_t es_pdf__page_chars(fz_context *ctx, fz_page *page)
{
	fz_stext_page *tp = fz_new_stext_page_from_page(ctx, page, NULL);
	size_t n = 0;
	for (fz_stext_block *b = tp->first_block; b; b = b->next) {
		if (b->type != FZ_STEXT_BLOCK_TEXT)
			continue;
		for (fz_stext_line *l = b->u.t.first_line; l; l = l->next)
			for (fz_stext_char *c = l->first_char; c; c = c->next)
				if (c->c > ' ' && c->c != 0xa0 && c->c != 0x3000 && c->c != 0xfffd)
					n++;
	}
	fz_drop_stext_page(ctx, tp);
	return n;
}

static int page_text_count(fz_context *ctx, size_t *count, const uint8_t *pdf, size_t len, int page)
{
	pdf_document *doc = NULL;
	fz_page *pg = NULL;
	fz_var(doc);
	fz_var(pg);
	fz_try(ctx) {
		int n;
		doc = es_pdf__open(ctx, pdf, len);
		n = pdf_count_pages(ctx, doc);
		if (page < 0 || page > n || n == 0)
			fz_throw(ctx, FZ_ERROR_GENERIC, "no page %d (the document has %d)", page, n);
		pg = fz_load_page(ctx, (fz_document *)doc, page == 0 ? n - 1 : page - 1);
		*count = es_pdf__page_chars(ctx, pg);
	}
	fz_always(ctx) {
		fz_drop_page(ctx, pg);
		pdf_drop_document(ctx, doc);
	}
	fz_catch(ctx)
		return es_pdf__caught(ctx, 0, "pdf");
	return 0;
}

int es_pdf_page_text_count(size_t *count, const uint8_t *pdf, size_t len, int page)
{
	fz_context *ctx;
	int rc;
	ES_ASSERT_ARG(count && (pdf || len == 0));
	*count = 0;
	if (len > ES_PDF_MAX_SIZE)
		return es_error_set(ES_ELIMIT, "pdf: file larger than %zu bytes", ES_PDF_MAX_SIZE);
	if (!(ctx = es_pdf__ctx_new()))
		return es_error_set(ES_ENOMEM, "pdf: no MuPDF context");
	rc = page_text_count(ctx, count, pdf, len, page);
	fz_drop_context(ctx);
	return rc;
}

/* ---- a page as a PNG (the console's preview) --------------------------------------- */

typedef struct render_args {
	const uint8_t *pdf;
	size_t len;
	unsigned page, dpi, pages;
	double w_mm, h_mm;
	es_buf *out;
	int err;
} render_args;

static int render_png(fz_context *ctx, render_args *a)
{
	pdf_document *doc = NULL;
	fz_page *pg = NULL;
	fz_pixmap *pix = NULL;
	fz_buffer *png = NULL;
	fz_var(doc);
	fz_var(pg);
	fz_var(pix);
	fz_var(png);
	a->err = 0;
	fz_try(ctx) {
		doc = es_pdf__open(ctx, a->pdf, a->len);
		int n = pdf_count_pages(ctx, doc);
		a->pages = n > 0 ? (unsigned)n : 0;
		if (a->page < 1 || a->page > a->pages) {
			a->err = es_error_set(ES_EINVAL, "pdf: no page %u (the document has %u)", a->page, a->pages);
			fz_throw(ctx, FZ_ERROR_GENERIC, "no such page");
		}
		pg = fz_load_page(ctx, (fz_document *)doc, (int)a->page - 1);
		fz_rect box = fz_bound_page(ctx, pg);
		double w = box.x1 - box.x0, h = box.y1 - box.y0;
		a->w_mm = w * 25.4 / 72.0;
		a->h_mm = h * 25.4 / 72.0;
		double scale = a->dpi / 72.0, px = w * scale, py = h * scale;
		if (!(w > 0 && h > 0) || px * py > (double)ES_PDF_PREVIEW_MAX_PIXELS || px > 65535 || py > 65535) {
			a->err = es_error_set(ES_ELIMIT, "pdf: page %u would be over %zu pixels at %u dpi: ask a lower dpi",
					      a->page, ES_PDF_PREVIEW_MAX_PIXELS, a->dpi);
			fz_throw(ctx, FZ_ERROR_GENERIC, "too large");
		}
		pix = fz_new_pixmap_from_page(ctx, pg, fz_scale((float)scale, (float)scale), fz_device_rgb(ctx), 0);
		png = fz_new_buffer_from_pixmap_as_png(ctx, pix, fz_default_color_params);
		unsigned char *data = NULL;
		size_t dn = fz_buffer_storage(ctx, png, &data);
		if ((a->err = es_buf_put(a->out, data, dn)) < 0)
			fz_throw(ctx, FZ_ERROR_GENERIC, "out of room");
	}
	fz_always(ctx) {
		fz_drop_buffer(ctx, png);
		fz_drop_pixmap(ctx, pix);
		fz_drop_page(ctx, pg);
		pdf_drop_document(ctx, doc);
	}
	fz_catch(ctx)
		return es_pdf__caught(ctx, a->err, "pdf");
	return 0;
}

int es_pdf_render_page_png(es_buf *out, const uint8_t *pdf, size_t len, unsigned page, unsigned dpi, unsigned *pages,
			   double *w_mm, double *h_mm)
{
	fz_context *ctx;
	ES_ASSERT_ARG(out && (pdf || len == 0));
	if (len > ES_PDF_MAX_SIZE)
		return es_error_set(ES_ELIMIT, "pdf: file larger than %zu bytes", ES_PDF_MAX_SIZE);
	if (dpi < ES_PDF_PREVIEW_MIN_DPI || dpi > ES_PDF_PREVIEW_MAX_DPI)
		return es_error_set(ES_EINVAL, "pdf: dpi must be %u to %u", ES_PDF_PREVIEW_MIN_DPI, ES_PDF_PREVIEW_MAX_DPI);
	if (!(ctx = es_pdf__ctx_new()))
		return es_error_set(ES_ENOMEM, "pdf: no MuPDF context");
	render_args a = { pdf, len, page, dpi, 0, 0, 0, out, 0 };
	size_t mark = out->len;
	int rc = render_png(ctx, &a);
	fz_drop_context(ctx);
	if (rc < 0) {
		out->len = mark;
		return rc;
	}
	if (pages)
		*pages = a.pages;
	if (w_mm)
		*w_mm = a.w_mm;
	if (h_mm)
		*h_mm = a.h_mm;
	return 0;
}
