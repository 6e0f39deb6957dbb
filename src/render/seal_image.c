/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Public render API: presets for each seal kind (STANDARDS §5.2) and the
 * PNG / SVG / geometry entry points.
 */
#include "es_int.h"
#include "render/render_int.h"
#include "eseal/es_seal.h"

static const struct kind_name {
	es_render_kind kind;
	const char *name;
} kind_names[] = {
	{ ES_RENDER_OFFICIAL, "official" }, { ES_RENDER_SPECIAL, "special" },
	{ ES_RENDER_INVOICE, "invoice" },   { ES_RENDER_FOREIGN, "foreign" },
	{ ES_RENDER_OVAL_30X20, "oval-30x20" }, { ES_RENDER_PERSONAL, "personal" },
	{ ES_RENDER_POSITION, "position" },
};

int es_render_kind_parse(es_render_kind *out, const char *s)
{
	ES_ASSERT_ARG(out);
	ES_ASSERT_ARG(s);
	for (size_t i = 0; i < ES_ARRAY_LEN(kind_names); i++) {
		if (strcmp(s, kind_names[i].name) == 0) {
			*out = kind_names[i].kind;
			return 0;
		}
	}
	return es_error_set(ES_EINVAL,
			    "unknown seal kind '%s' (official, special, invoice, foreign, oval-30x20, "
			    "personal, position)",
			    s);
}

const char *es_render_kind_name(es_render_kind kind)
{
	for (size_t i = 0; i < ES_ARRAY_LEN(kind_names); i++)
		if (kind_names[i].kind == kind)
			return kind_names[i].name;
	return "unknown";
}

const char *es_render_shape_name(es_render_shape shape)
{
	switch (shape) {
	case ES_SHAPE_ROUND: return "round";
	case ES_SHAPE_OVAL: return "oval";
	case ES_SHAPE_SQUARE: return "square";
	case ES_SHAPE_RECT: return "rect";
	case ES_SHAPE_OTHER: return "other";
	}
	return "unknown";
}

int es_render_options_preset(es_render_options *opts, es_render_kind kind)
{
	static const es_render_options base = ES_RENDER_OPTIONS_INIT;

	ES_ASSERT_ARG(opts);
	*opts = base;
	opts->kind = kind;
	switch (kind) {
	case ES_RENDER_OFFICIAL:
		/* 股份/国有 company 公章: Ø42, border 1.2, star 14 mm point to point
		 * (0 = width / 3, so other diameters keep the proportion) */
		opts->star_mm = 0;
		break;
	case ES_RENDER_SPECIAL:
		/* 专用章 (合同/财务…): Ø40, border 1, usage text under the centre */
		opts->width_mm = opts->height_mm = 40;
		opts->border_mm = 1.0;
		opts->star_mm = 0; /* proportional: 13.3 mm */
		break;
	case ES_RENDER_INVOICE:
		/* 发票专用章, 国家税务总局公告2011年第7号 */
		opts->shape = ES_SHAPE_OVAL;
		opts->width_mm = 40;
		opts->height_mm = 30;
		opts->border_mm = 1.0;
		opts->star = false;
		opts->star_mm = 0;
		opts->name_height_mm = 4.2;       /* 4.2 mm high, 0.5 mm from the border */
		opts->name_gap_mm = 0.5;
		opts->name_span_min_deg = 210;    /* 210-260 degrees */
		opts->name_span_max_deg = 260;
		opts->text = "\xE5\x8F\x91\xE7\xA5\xA8\xE4\xB8\x93\xE7\x94\xA8\xE7\xAB\xA0"; /* 发票专用章 */
		opts->text_height_mm = 4.6;       /* 4.6 x 3 mm */
		opts->text_width_mm = 3.0;
		opts->text_top_mm = 4.2;          /* top edge 4.2 mm below the centre line */
		opts->taxid_height_mm = 3.7;      /* 3.7 x 1.3 mm, 26 mm for 18 characters */
		opts->taxid_width_mm = 26;
		break;
	case ES_RENDER_FOREIGN:
		/* 中外合资/外资 company seal: oval 45x30, no star */
		opts->shape = ES_SHAPE_OVAL;
		opts->width_mm = 45;
		opts->height_mm = 30;
		opts->border_mm = 1.0;
		opts->star = false;
		opts->star_mm = 0;
		break;
	case ES_RENDER_OVAL_30X20:
		opts->shape = ES_SHAPE_OVAL;
		opts->width_mm = 30;
		opts->height_mm = 20;
		opts->border_mm = 0.8;
		opts->star = false;
		opts->star_mm = 0;
		break;
	case ES_RENDER_PERSONAL:
		/* 个人方章 1.8 x 1.8 cm */
		opts->shape = ES_SHAPE_SQUARE;
		opts->width_mm = opts->height_mm = 18;
		opts->border_mm = 0.8;
		opts->star = false;
		opts->star_mm = 0;
		opts->name_pad = true;
		break;
	case ES_RENDER_POSITION:
		/* 法定代表人名章 2 x 2 cm */
		opts->shape = ES_SHAPE_SQUARE;
		opts->width_mm = opts->height_mm = 20;
		opts->border_mm = 1.0;
		opts->star = false;
		opts->star_mm = 0;
		opts->name_pad = true;
		break;
	default:
		return es_error_set(ES_EINVAL, "unknown seal kind %d", (int)kind);
	}
	return 0;
}

int es_render_geometry_get(es_render_geometry *out, const es_render_options *opts)
{
	es_scene s;
	int err;

	ES_ASSERT_ARG(out);
	ES_ASSERT_ARG(opts);
	if ((err = es_scene__build(&s, opts)) < 0)
		return err;
	*out = s.geo;
	es_scene__release(&s);
	return 0;
}

int es_render_png(es_buf *out, const es_render_options *opts)
{
	es_scene s;
	uint8_t *mask = NULL;
	int err;

	ES_ASSERT_ARG(out);
	ES_ASSERT_ARG(opts);
	if ((err = es_scene__build(&s, opts)) < 0)
		return err;
	if ((err = es_scene__mask(&mask, &s)) < 0)
		goto done;
	err = es_img__png_encode_mask(out, mask, s.geo.width_px, s.geo.height_px, opts->color,
				      s.geo.dpi);
done:
	es_free(mask);
	es_scene__release(&s);
	return err;
}

int es_render_svg(es_buf *out, const es_render_options *opts)
{
	es_scene s;
	int err;

	ES_ASSERT_ARG(out);
	ES_ASSERT_ARG(opts);
	if ((err = es_scene__build(&s, opts)) < 0)
		return err;
	err = es_scene__svg(out, &s, opts->color);
	es_scene__release(&s);
	return err;
}

static const struct {
	int function;
	const char *text;
} function_texts[] = {
	{ ES_FUNC_CONTRACT, "合同专用章" }, { ES_FUNC_FINANCE, "财务专用章" },
	{ ES_FUNC_INVOICE, "发票专用章" },  { ES_FUNC_CERTIFICATE, "证照专用章" },
	{ ES_FUNC_LETTER, "公函专用章" },   { ES_FUNC_AUDIT, "审验专用章" },
	{ ES_FUNC_CUSTOMS, "报关专用章" },
};

int es_render_options_for_seal(es_render_options *ro, int kind, int function, const char *name, const char *code,
			       const char *taxid, char *arc, size_t arc_cap)
{
	ES_ASSERT_ARG(ro && arc && arc_cap);
	es_render_kind rk;
	const char *text = NULL;
	int err;
	switch (kind) {
	case ES_KIND_OFFICIAL:
	case ES_KIND_DEVICE:
		rk = ES_RENDER_OFFICIAL;
		break;
	case ES_KIND_SPECIAL:
		rk = function == ES_FUNC_INVOICE ? ES_RENDER_INVOICE : ES_RENDER_SPECIAL;
		for (size_t i = 0; i < ES_ARRAY_LEN(function_texts); i++)
			if (function_texts[i].function == function)
				text = function_texts[i].text;
		break;
	case ES_KIND_PERSONAL:
		rk = ES_RENDER_PERSONAL;
		break;
	case ES_KIND_POSITION:
		rk = ES_RENDER_POSITION;
		break;
	default:
		return es_error_set(ES_EINVAL, "no standard impression for seal kind %d", kind);
	}
	if ((err = es_render_options_preset(ro, rk)) < 0)
		return err;
	snprintf(arc, arc_cap, "%s", name ? name : "");
	/* "某某公司合同专用章": the unit's name goes on the arc, the function under the star */
	if (text) {
		size_t n = strlen(arc), t = strlen(text);
		if (n > t && strcmp(arc + n - t, text) == 0)
			arc[n - t] = 0;
		ro->text = text;
	}
	ro->name = arc;
	if (kind != ES_KIND_PERSONAL && kind != ES_KIND_POSITION) {
		ro->code = code;
		if (function == ES_FUNC_INVOICE)
			ro->taxid = taxid;
	}
	ro->esid = code;
	ro->microgaps = code != NULL;
	return 0;
}
