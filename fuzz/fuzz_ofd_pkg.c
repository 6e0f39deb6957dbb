/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * OFD verification past the zip layer: the input is a list of
 * "name\0content\0" pairs packed into a valid zip, so mutations reach the
 * XML (OFD.xml, Signatures.xml, Signature.xml, Document.xml), location
 * resolution, References and the signed values.
 */
#include "es_int.h"
#include "fuzz.h"
#include "eseal/es_ofd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	es_verify_options vo = ES_VERIFY_OPTIONS_INIT;
	es_report r;
	es_buf zip = ES_BUF_INIT, out = ES_BUF_INIT;
	es_ofd_pkg *p = NULL;
	size_t i = 0, n = 0;

	if (es_ofd_pkg_new(&p) != 0)
		return 0;
	while (i < size && n < 64) {
		const uint8_t *name = data + i, *nul = memchr(name, 0, size - i), *content, *end;
		char nm[256];
		if (!nul)
			break;
		content = nul + 1;
		end = content < data + size ? memchr(content, 0, (size_t)(data + size - content)) : NULL;
		if (!end)
			end = data + size;
		if ((size_t)(nul - name) < sizeof(nm)) {
			memcpy(nm, name, (size_t)(nul - name));
			nm[nul - name] = 0;
			if (nm[0] && es_ofd_pkg_put(p, nm, content, (size_t)(end - content)) == 0)
				n++;
		}
		i = (size_t)(end - data) + 1;
	}
	if (es_ofd_pkg_write(&zip, p) == 0) {
		vo.now = 1700000000;
		es_report_init(&r);
		if (es_ofd_verify(&r, zip.ptr, zip.len, &vo) == 0 && es_report_json(&out, &r) != 0)
			abort();
		es_report_release(&r);
	}
	es_buf_release(&out);
	es_buf_release(&zip);
	es_ofd_pkg_free(p);
	return 0;
}
