/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * A page of a PDF drawn as a PNG for the console's preview (es_pdf_render_page_png,
 * POST /api/v1/documents/preview) on arbitrary bytes: MuPDF's parser and repair, the
 * page count, the page box, the pixel limit, drawing and PNG output. The first byte
 * picks the page (1-4) and the dpi (10-40, small to keep runs fast). Never a crash or
 * a leak; an error leaves the output as it was; success appends one PNG and tells a
 * page count at least the page asked. Seeds: fuzz/corpora/pdf_preview/.
 */
#include "es_int.h"
#include "fuzz.h"
#include "eseal/es_pdf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned page = 1 + (data[0] & 3), dpi = 10 + (data[0] >> 2) % 31, pages = 0;
	double w = 0, h = 0;
	es_buf out = ES_BUF_INIT;
	if (es_buf_puts(&out, "x") < 0)
		abort();
	int err = es_pdf_render_page_png(&out, data + 1, size - 1, page, dpi, &pages, &w, &h);
	if (err == 0 && (out.len < 9 || memcmp(out.ptr + 1, "\x89PNG", 4) != 0 || pages < page || !(w > 0 && h > 0)))
		abort();
	if (err < 0 && out.len != 1)
		abort();
	es_buf_release(&out);
	return 0;
}
