/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Fuzz the seal-image import path: PNG/JPEG decoding with its header
 * limits, ink isolation, cropping and shape fitting, in both ink modes,
 * and the header probe on the same bytes.
 */
#include "es_int.h"
#include "fuzz.h"
#include "eseal/es_render.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	es_image_import_options io = ES_IMAGE_IMPORT_OPTIONS_INIT;
	es_image_import_result res;
	es_image_info info;

	if (es_image_info_get(&info, data, size) == 0 && (info.width_px == 0 || info.height_px == 0))
		__builtin_trap();
	for (int pass = 0; pass < 2; pass++) {
		es_buf out = ES_BUF_INIT;
		io.ink = pass ? ES_INK_ANY : ES_INK_RED;
		io.dpi = pass ? 300 : 0;
		if (es_image_import(&out, &res, data, size, &io) == 0) {
			/* a success is a PNG we can read back, of the size reported */
			if (es_image_info_get(&info, out.ptr, out.len) != 0 ||
			    info.width_px != res.width_px || info.height_px != res.height_px)
				__builtin_trap();
		}
		es_buf_release(&out);
	}
	es_render_cache_clear();
	return 0;
}
