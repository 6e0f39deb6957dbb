/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Fuzz target: time-stamp token verification over fixed data. */
#include "es_int.h"
#include "fuzz.h"
#include "eseal/es_pki.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char msg[] = "eseal fuzz data";
	es_tst_info info;

	if (es_tst_verify(&info, data, size, msg, sizeof(msg) - 1) == 0) {
		/* a token that verifies carries its TSA certificate */
		if (!info.tsa_cert)
			abort();
	}
	es_tst_info_release(&info);
	return 0;
}
