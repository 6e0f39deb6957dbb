/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The standard impression of a seal, from its kind and name (issue: seal images). */
#include "cli_seal.h"
#include "eseal/es_seal.h"
#include "eseal/es_render.h"

int cli_render_impression(es_buf *out, unsigned *w, unsigned *h, int kind, int function, const char *name,
			  const char *esid, bool keep_size)
{
	es_render_options ro = ES_RENDER_OPTIONS_INIT;
	char arc[512];
	/* the platform's rule (es_render_options_for_seal): the same seal draws the same */
	int err = es_render_options_for_seal(&ro, kind, function, name, esid, NULL, arc, sizeof(arc));
	if (err < 0)
		return err;
	ro.dpi = 300;
	if (keep_size && *w) {
		ro.width_mm = *w;
		ro.height_mm = *h;
	}
	if ((err = es_render_png(out, &ro)) < 0)
		return err;
	if (!keep_size) {
		*w = (unsigned)(ro.width_mm + 0.5);
		*h = (unsigned)((ro.shape == ES_SHAPE_ROUND || ro.shape == ES_SHAPE_SQUARE ? ro.width_mm : ro.height_mm) + 0.5);
	}
	return 0;
}
