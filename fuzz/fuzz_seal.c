/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* SESeal parsing and bare-seal verification on arbitrary bytes. */
#include "es_int.h"
#include "fuzz.h"
#include "eseal/es_verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	es_seal *seal = NULL;
	es_verify_options vo = ES_VERIFY_OPTIONS_INIT;
	es_report r;

	vo.now = 1700000000;
	if (es_seal_parse(&seal, data, size) == 0) {
		es_buf out = ES_BUF_INIT;
		es_report_init(&r);
		if (es_verify_seal(&r, seal, &vo) == 0 && es_report_json(&out, &r) == 0 && out.len == 0)
			abort();
		es_report_release(&r);
		es_buf_release(&out);
	}
	es_seal_free(seal);
	return 0;
}
