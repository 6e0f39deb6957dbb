/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The keyword locator on arbitrary page content: the bytes up to the first
 * NUL (at most 32) are the keyword, the rest is the Content.xml. The
 * streamed blank-page check (es_ofd_page_has_text) runs on the same page.
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
	bool quick;
	int full, streamed;

	full = es_ofd_find_text(hits, ES_ARRAY_LEN(hits), &n, &text, data + k, size - k, kw);
	if (full == 0 && kw[0] == 0 && n)
		abort(); /* an empty keyword finds nothing */
	/* the streamed blank-page check agrees with the full parse: it may only
	 * stop early (text found before a later error) */
	streamed = es_ofd_page_has_text(&quick, data + k, size - k);
	if (full == 0 && (streamed != 0 || quick != text))
		abort();
	return 0;
}
