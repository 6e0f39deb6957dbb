/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* A sample one-page PDF and the sealing benchmark (`make bench`). */
#include "pdf_int.h"
#include "bench.h"

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

/* The two units of es_pdf_bench(): one sealed PDF, one SM2 signature. */
typedef struct pdf_bench_job {
	es_buf pdf, sealed, sig;
	es_pdf_sign_options o;
	const es_seal *seal;
	const es_cert *cert;
	const es_sm2_key *key;
} pdf_bench_job;

static int seal_one(void *arg)
{
	pdf_bench_job *b = arg;
	b->sealed.len = 0;
	return es_pdf_sign(&b->sealed, b->pdf.ptr, b->pdf.len, &b->o, b->seal, b->cert, b->key);
}

static int sign_one(void *arg)
{
	pdf_bench_job *b = arg;
	b->sig.len = 0;
	return es_sm2_sign(&b->sig, b->key, NULL, 0, b->pdf.ptr, b->pdf.len < 2048 ? b->pdf.len : 2048);
}

int es_pdf_bench(es_pdf_bench_result *out, double seconds, const uint8_t *picture, size_t picture_len,
		 const es_seal *seal, const es_cert *cert, const es_sm2_key *key)
{
	pdf_bench_job b = { ES_BUF_INIT, ES_BUF_INIT, ES_BUF_INIT, ES_PDF_SIGN_OPTIONS_INIT, seal, cert, key };
	int err;

	ES_ASSERT_ARG(out && (picture || seal) && cert && key && seconds > 0);
	memset(out, 0, sizeof(*out));
	b.o.picture = picture;
	b.o.picture_len = picture_len;
	b.o.page = 1;
	b.o.x_mm = 120;
	b.o.y_mm = 40;
	if ((err = es_pdf__sample(&b.pdf, "Benchmark contract")) == 0 &&
	    (err = es_bench_interleaved(seconds, seal_one, &b, sign_one, &b, &out->pdf_per_s, &out->sm2_per_s)) == 0) {
		out->ratio = out->pdf_per_s / out->sm2_per_s;
		out->pdf_bytes = b.sealed.len;
	}
	es_buf_release(&b.pdf);
	es_buf_release(&b.sealed);
	es_buf_release(&b.sig);
	return err;
}
