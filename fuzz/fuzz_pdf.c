/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The PDF verifier entry point (es_pdf_verify_file) on arbitrary bytes:
 * MuPDF's parser and repair, signature-field discovery, ByteRange checks,
 * the revision comparison after incremental updates, and the core verifier
 * on /Contents. Seeds: fuzz/corpora/pdf/ (plain, signed once, signed twice).
 */
#include "es_int.h"
#include "fuzz.h"
#include "eseal/es_pdf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	es_verify_options vo = ES_VERIFY_OPTIONS_INIT;
	es_report r;
	es_buf out = ES_BUF_INIT;

	vo.now = 1700000000;
	es_report_init(&r);
	if (es_pdf_verify_file(&r, data, size, &vo) == 0 && es_report_json(&out, &r) != 0)
		abort();
	es_report_release(&r);
	es_buf_release(&out);
	return 0;
}
