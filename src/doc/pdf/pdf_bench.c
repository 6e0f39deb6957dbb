/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* A sample one-page PDF and the sealing benchmark (`make bench`). */
#include "pdf_int.h"
#include <time.h>

int es_pdf__sample(es_buf *out, const char *text)
{
	size_t offs[6], xref;
	char content[256];
	int n = snprintf(content, sizeof(content), "BT /F1 14 Tf 72 720 Td (%s) Tj ET", text);
	int err = 0;
	if (n < 0 || (size_t)n >= sizeof(content) || strpbrk(text, "()\\"))
		return es_error_set(ES_EINVAL, "pdf: sample text too long or with ( ) \\");
	err |= es_buf_puts(out, "%PDF-1.7\n");
	offs[1] = out->len;
	err |= es_buf_puts(out, "1 0 obj\n<</Type/Catalog/Pages 2 0 R>>\nendobj\n");
	offs[2] = out->len;
	err |= es_buf_puts(out, "2 0 obj\n<</Type/Pages/Kids[4 0 R]/Count 1>>\nendobj\n");
	offs[3] = out->len;
	err |= es_buf_puts(out, "3 0 obj\n<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>\nendobj\n");
	offs[4] = out->len;
	err |= es_buf_puts(out, "4 0 obj\n<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]"
				"/Resources<</Font<</F1 3 0 R>>>>/Contents 5 0 R>>\nendobj\n");
	offs[5] = out->len;
	err |= es_buf_printf(out, "5 0 obj\n<</Length %d>>\nstream\n%s\nendstream\nendobj\n", n + 1, content);
	xref = out->len;
	err |= es_buf_puts(out, "xref\n0 6\n0000000000 65535 f\r\n");
	for (int i = 1; i <= 5; i++)
		err |= es_buf_printf(out, "%010zu 00000 n\r\n", offs[i]);
	err |= es_buf_printf(out, "trailer\n<</Size 6/Root 1 0 R>>\nstartxref\n%zu\n%%%%EOF\n", xref);
	return err ? es_error_last()->code : 0;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int es_pdf_bench(es_pdf_bench_result *out, double seconds, const uint8_t *picture, size_t picture_len,
		 const es_seal *seal, const es_cert *cert, const es_sm2_key *key)
{
	es_buf pdf = ES_BUF_INIT, sealed = ES_BUF_INIT, sig = ES_BUF_INIT;
	es_pdf_sign_options o = ES_PDF_SIGN_OPTIONS_INIT;
	double t_pdf = 0, t_sm2 = 0, start, t0, el;
	size_t n_pdf = 0, n_sm2 = 0, n;
	int err;

	ES_ASSERT_ARG(out && (picture || seal) && cert && key && seconds > 0);
	memset(out, 0, sizeof(*out));
	o.picture = picture;
	o.picture_len = picture_len;
	o.page = 1;
	o.x_mm = 120;
	o.y_mm = 40;
	if ((err = es_pdf__sample(&pdf, "Benchmark contract")) < 0)
		goto done;
	/* alternate 50 ms slices of each so that both see the same machine load */
	start = now_s();
	while (now_s() - start < 2 * seconds || n_pdf == 0 || n_sm2 == 0) {
		t0 = now_s();
		for (n = 0; (el = now_s() - t0) < 0.05 || n == 0; n++) {
			sealed.len = 0;
			if ((err = es_pdf_sign(&sealed, pdf.ptr, pdf.len, &o, seal, cert, key)) < 0)
				goto done;
		}
		t_pdf += el;
		n_pdf += n;
		t0 = now_s();
		for (n = 0; (el = now_s() - t0) < 0.05 || n == 0; n++) {
			sig.len = 0;
			if ((err = es_sm2_sign(&sig, key, NULL, 0, pdf.ptr, pdf.len < 2048 ? pdf.len : 2048)) < 0)
				goto done;
		}
		t_sm2 += el;
		n_sm2 += n;
	}
	out->pdf_per_s = (double)n_pdf / t_pdf;
	out->sm2_per_s = (double)n_sm2 / t_sm2;
	out->ratio = out->pdf_per_s / out->sm2_per_s;
	out->pdf_bytes = sealed.len;
done:
	es_buf_release(&pdf);
	es_buf_release(&sealed);
	es_buf_release(&sig);
	return err;
}
