/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The stable verify entry point on arbitrary bytes: SES_Signature,
 * GM/T 0010 SignedData, raw SM2, seals. The first byte chooses whether an
 * original is supplied (the rest is split), so the data-hash paths run too.
 */
#include "es_int.h"
#include "fuzz.h"
#include "eseal/es_verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	es_verify_options vo = ES_VERIFY_OPTIONS_INIT;
	es_report r;
	es_buf out = ES_BUF_INIT;

	vo.now = 1700000000;
	if (size > 0 && (data[0] & 1)) {
		size_t split = size > 64 ? 64 : size;
		vo.original = data;
		vo.original_len = split;
		vo.has_original = true;
	}
	es_report_init(&r);
	if (es_verify_file(&r, data, size, &vo) == 0 && es_report_json(&out, &r) != 0)
		abort();
	es_report_release(&r);
	es_buf_release(&out);
	return 0;
}
