/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The seal picture on its way into a PDF appearance: arbitrary bytes as the
 * picture of a CMS signature on a one-page PDF (PNG/JPEG decoding, or the
 * SVG parser and the vector form built from it). Never a crash or a leak;
 * an error leaves the output empty; success appends an incremental update.
 */
#include "es_int.h"
#include "fuzz.h"
#include "eseal/es_pdf.h"
#include "eseal/es_pki.h"
#include "estime.h"

static es_sm2_key *key;
static es_cert *cert;
static es_buf pdf = ES_BUF_INIT;

/* A one-page PDF with a line of text, with exact xref offsets. */
static void make_pdf(void)
{
	static const char *const objs[] = {
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
		"/Resources << /Font << /F1 5 0 R >> >> >>",
		"<< /Length 44 >>\nstream\nBT /F1 14 Tf 72 760 Td (Sealed text.) Tj ET\nendstream",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	};
	size_t offs[5], x;
	if (es_buf_puts(&pdf, "%PDF-1.7\n") < 0)
		abort();
	for (size_t i = 0; i < 5; i++) {
		offs[i] = pdf.len;
		if (es_buf_printf(&pdf, "%zu 0 obj\n%s\nendobj\n", i + 1, objs[i]) < 0)
			abort();
	}
	x = pdf.len;
	if (es_buf_puts(&pdf, "xref\n0 6\n0000000000 65535 f \n") < 0)
		abort();
	for (size_t i = 0; i < 5; i++)
		if (es_buf_printf(&pdf, "%010zu 00000 n \n", offs[i]) < 0)
			abort();
	if (es_buf_printf(&pdf, "trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n%zu\n%%%%EOF\n", x) < 0)
		abort();
}

static void init(void)
{
	es_issue_options io = ES_ISSUE_OPTIONS_INIT;
	es_time now = es_time_now();
	es_sm2_key *root_key = NULL;
	es_cert *root = NULL;
	io.profile = ES_PROFILE_ROOT_CA;
	io.subject = "/CN=fuzz root";
	io.not_before = now - 86400;
	io.not_after = now + 86400;
	if (es_sm2_key_generate(&root_key) < 0 || es_cert_issue(&root, &io, root_key, NULL, root_key) < 0)
		abort();
	io.profile = ES_PROFILE_SIGNER;
	io.subject = "/CN=fuzz signer";
	if (es_sm2_key_generate(&key) < 0 || es_cert_issue(&cert, &io, key, root, root_key) < 0)
		abort();
	es_cert_free(root);
	es_sm2_key_free(root_key);
	make_pdf();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	es_pdf_sign_options o = ES_PDF_SIGN_OPTIONS_INIT;
	es_buf out = ES_BUF_INIT;

	if (!key)
		init();
	if (size == 0 || size > 65536)
		return 0;
	o.picture = data;
	o.picture_len = size;
	o.x_mm = 100;
	o.y_mm = 100;
	o.w_mm = 40;
	o.h_mm = 40;
	if (es_pdf_sign(&out, pdf.ptr, pdf.len, &o, NULL, cert, key) < 0) {
		if (out.len != 0)
			abort(); /* nothing half-written */
	} else if (out.len <= pdf.len || memcmp(out.ptr, pdf.ptr, pdf.len) != 0) {
		abort(); /* an incremental update of the original */
	}
	es_buf_release(&out);
	return 0;
}
