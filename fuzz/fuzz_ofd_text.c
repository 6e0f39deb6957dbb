/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The keyword locator on arbitrary page content: the bytes up to the first
 * NUL (at most 32) are the keyword, the rest is the Content.xml.
 */
#include "es_int.h"
#include "fuzz.h"
#include "eseal/es_ofd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	es_ofd_text_hit hits[8];
	char kw[33];
	size_t k = 0, n;
	bool text;

	while (k < size && k < 32 && data[k])
		k++;
	memcpy(kw, data, k);
	kw[k] = 0;
	if (k < size)
		k++;
	if (es_ofd_find_text(hits, ES_ARRAY_LEN(hits), &n, &text, data + k, size - k, kw) == 0 && kw[0] == 0 && n)
		abort(); /* an empty keyword finds nothing */
	return 0;
}
