/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The standard impression of a seal, from its kind and name (issue: seal images). */
#include "cli_seal.h"
#include "eseal/es_seal.h"
#include "eseal/es_render.h"

static const struct {
	int function;
	const char *text;
} function_text[] = {
	{ ES_FUNC_CONTRACT, "合同专用章" }, { ES_FUNC_FINANCE, "财务专用章" },
	{ ES_FUNC_INVOICE, "发票专用章" },  { ES_FUNC_CERTIFICATE, "证照专用章" },
	{ ES_FUNC_LETTER, "公函专用章" },   { ES_FUNC_AUDIT, "审验专用章" },
	{ ES_FUNC_CUSTOMS, "报关专用章" },
};

int cli_render_impression(es_buf *out, unsigned *w, unsigned *h, int kind, int function, const char *name,
			  const char *esid, bool keep_size)
{
	es_render_options ro = ES_RENDER_OPTIONS_INIT;
	es_render_kind rk = ES_RENDER_OFFICIAL;
	const char *text = NULL;
	char arc[512];
	int err;

	snprintf(arc, sizeof(arc), "%s", name);
	if (kind == ES_KIND_SPECIAL) {
		for (size_t i = 0; i < ES_ARRAY_LEN(function_text); i++)
			if (function_text[i].function == function)
				text = function_text[i].text;
		rk = function == ES_FUNC_INVOICE ? ES_RENDER_INVOICE : ES_RENDER_SPECIAL;
		/* "某某公司合同专用章": the unit name goes on the arc, the function under the star */
		if (text) {
			size_t n = strlen(arc), t = strlen(text);
			if (n > t && strcmp(arc + n - t, text) == 0)
				arc[n - t] = '\0';
		}
	} else if (kind == ES_KIND_PERSONAL) {
		rk = ES_RENDER_PERSONAL;
	} else if (kind == ES_KIND_POSITION) {
		rk = ES_RENDER_POSITION;
	}
	if ((err = es_render_options_preset(&ro, rk)) < 0)
		return err;
	ro.name = arc;
	if (text)
		ro.text = text;
	ro.dpi = 300;
	ro.esid = esid;
	ro.microgaps = esid != NULL;
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
