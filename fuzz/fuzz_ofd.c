/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The OFD reader on arbitrary bytes: zip limits and names, XML parsing
 * (OFD.xml, Signatures.xml, Signature.xml, Document.xml), reference
 * digests and the signed values, through es_ofd_verify(); the page size
 * reader (OFD seal pictures); a package that opens is also written back
 * and reopened.
 */
#include "es_int.h"
#include "fuzz.h"
#include "eseal/es_ofd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	es_verify_options vo = ES_VERIFY_OPTIONS_INIT;
	es_ofd_limits lim = { 64, (size_t)1 << 20, (size_t)4 << 20, 0 };
	es_report r;
	es_buf out = ES_BUF_INIT;
	es_ofd_pkg *p = NULL, *q = NULL;

	vo.now = 1700000000;
	es_report_init(&r);
	if (es_ofd_verify(&r, data, size, &vo) == 0 && es_report_json(&out, &r) != 0)
		abort();
	es_report_release(&r);
	es_buf_release(&out);
	{
		double w = -1, h = -1;
		if (es_ofd_page_size(data, size, &w, &h) == 0 && !(w > 0 && h > 0))
			abort(); /* a size it reports is a size */
	}
	if (es_ofd_pkg_open(&p, data, size, &lim) == 0) {
		if (es_ofd_pkg_write(&out, p) != 0 || es_ofd_pkg_open(&q, out.ptr, out.len, NULL) != 0 ||
		    es_ofd_pkg_count(q) != es_ofd_pkg_count(p))
			abort();
	}
	es_ofd_pkg_free(p);
	es_ofd_pkg_free(q);
	es_buf_release(&out);
	return 0;
}
