/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * MuPDF glue shared by the PDF layer's files (the only headers that may
 * include <mupdf/...>). Every function here follows STYLE §12: MuPDF
 * exceptions are caught at this layer and turned into es_error codes.
 */
#ifndef ES_PDF_MU_H
#define ES_PDF_MU_H
#include "pdf_int.h"
#include <mupdf/fitz.h>
#include <mupdf/pdf.h>

/* A context with silent warnings/errors (messages kept for es_error). */
fz_context *es_pdf__ctx_new(void);
/* Open @data (borrowed; must outlive the document) as a PDF; throws. */
pdf_document *es_pdf__open(fz_context *ctx, const uint8_t *data, size_t len);
/* The es_error for the MuPDF error caught last, with @what as context. */
int es_pdf__caught(fz_context *ctx, int own_err, const char *what);
/* Non-space characters of a loaded page's text; throws. */
size_t es_pdf__page_chars(fz_context *ctx, fz_page *page);
#endif
