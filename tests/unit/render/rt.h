/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Helpers shared by the render tests: the seal catalogue and image access. */
#ifndef ES_TEST_RT_H
#define ES_TEST_RT_H
#include "es_int.h"
#include "testutil.h"
#include "file.h"
#include "render/render_int.h"
#include <math.h>

/* One seal of every kind; the goldens in tests/vectors/render/ and the
 * gallery in docs/gallery/ are made from this list. */
typedef struct rt_case {
	const char *file;
	es_render_kind kind;
	const char *name, *text, *code, *taxid;
	const char *esid;   /* micro-gaps */
	double inner_ring;  /* mm, 0 = none */
	double size;        /* diameter override, 0 = preset */
	const char *title;  /* gallery caption */
	const char *lower;  /* text on the lower arc */
} rt_case;

static const rt_case rt_cases[] = {
	{ "official", ES_RENDER_OFFICIAL, "北京市某某科技发展有限公司", NULL, "11010800012345", NULL, NULL,
	  0, 0, "公章 official, round Ø42, border 1.2 mm, star 14 mm, 14-digit seal code", NULL },
	{ "official-38", ES_RENDER_OFFICIAL, "杭州某某商贸有限公司", NULL, NULL, NULL, NULL, 0, 38,
	  "公章 个体/私营 round Ø38 (star scaled to 12.7 mm)", NULL },
	{ "official-gaps", ES_RENDER_OFFICIAL, "深圳市某某电子股份有限公司", NULL, "44030500000123",
	  NULL, "44030500000123", 0, 0, "公章 with anti-forgery micro-gaps seeded from the esID", NULL },
	{ "union", ES_RENDER_OFFICIAL, "某某市总工会", NULL, NULL, NULL, NULL, 0.1, 0,
	  "工会 double ring (1.2 mm + 0.1 mm inner ring)", NULL },
	{ "special", ES_RENDER_SPECIAL, "上海某某贸易有限公司", "合同专用章", "31010100000567", NULL,
	  NULL, 0, 0, "合同专用章 special-purpose, round Ø40, usage text under the star", NULL },
	{ "finance", ES_RENDER_SPECIAL, "广州某某餐饮管理有限公司", "财务专用章", NULL, NULL, NULL, 0, 0,
	  "财务专用章 special-purpose, round Ø40", NULL },
	{ "invoice", ES_RENDER_INVOICE, "北京某某科技有限公司", NULL, NULL, "91110105061311021A", NULL,
	  0, 0, "发票专用章 oval 40×30 (国家税务总局公告2011年第7号)", NULL },
	{ "foreign", ES_RENDER_FOREIGN, "某某（中国）投资有限公司", NULL, NULL, NULL, NULL, 0, 0,
	  "中外合资/外资 company seal, oval 45×30, no star, English name on the lower arc",
	  "MOUMOU (CHINA) INVESTMENT CO., LTD." },
	{ "oval-30x20", ES_RENDER_OVAL_30X20, "全国统一发票监制章", "国家税务总局", NULL, NULL, NULL, 0, 0,
	  "oval 30×20 (监制章 size)", NULL },
	{ "personal", ES_RENDER_PERSONAL, "张三", NULL, NULL, NULL, NULL, 0, 0,
	  "personal name seal, square 18 mm, 2 characters + 之印", NULL },
	{ "personal-3", ES_RENDER_PERSONAL, "王小明", NULL, NULL, NULL, NULL, 0, 0,
	  "personal name seal, 3 characters + 印", NULL },
	{ "position", ES_RENDER_POSITION, "欧阳小明", NULL, NULL, NULL, NULL, 0, 0,
	  "法定代表人 name seal, square 20 mm, 4 characters", NULL },
};

static inline void rt_options(es_render_options *o, const rt_case *c, unsigned dpi)
{
	TU_OK(es_render_options_preset(o, c->kind));
	o->name = c->name;
	if (c->text)
		o->text = c->text;
	o->code = c->code;
	o->lower_text = c->lower;
	o->taxid = c->taxid;
	if (c->esid) {
		o->esid = c->esid;
		o->microgaps = true;
	}
	o->inner_ring_mm = c->inner_ring;
	if (c->size > 0)
		o->width_mm = o->height_mm = c->size;
	o->dpi = dpi;
}

/* Decode a PNG keeping alpha, or fail the test. */
static inline void rt_decode(es_img *img, const es_buf *png)
{
	TU_OK(es_img__decode_rgba(img, png->ptr, png->len));
	assert_int_equal(img->ch, 4);
}

static inline uint8_t rt_alpha(const es_img *img, long x, long y)
{
	if (x < 0 || y < 0 || x >= (long)img->w || y >= (long)img->h)
		return 0;
	return img->px[((size_t)y * img->w + (size_t)x) * 4 + 3];
}

/* Small deterministic generator for test pictures. */
static inline uint32_t rt_rand(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(*s >> 33);
}

#endif
