/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Seal rendering: golden images with a pixel tolerance, geometry checked
 * numerically (ring, star, text inside the ring, no overlaps, clockwise
 * text with glyphs facing outwards), determinism, limits and errors.
 *
 * ES_UPDATE_GOLDEN=1 rewrites the PNGs in tests/vectors/render/ (150 dpi);
 * ES_UPDATE_GALLERY=1 rewrites the PNGs in docs/gallery/ (300 dpi) and
 * docs/seal-gallery.md.
 */
#include "rt.h"
#include "eseal/es_seal.h"
#include <pthread.h>

#define GOLDEN_DPI 150
#define GALLERY_DPI 300
/* A pixel differs when its alpha moves by more than this... */
#define GOLDEN_PIXEL_TOL 64
/* ...and an image fails when more than this share of pixels differ. */
#define GOLDEN_MAX_DIFF 0.005

static void render_png(es_buf *out, const es_render_options *o)
{
	es_buf_init(out, 0);
	TU_OK(es_render_png(out, o));
}

/* ---- golden images ----------------------------------------------------- */

static void test_render__goldens_match_within_tolerance(void **state)
{
	bool update = getenv("ES_UPDATE_GOLDEN") != NULL;
	(void)state;
	for (size_t i = 0; i < ES_ARRAY_LEN(rt_cases); i++) {
		const rt_case *c = &rt_cases[i];
		es_render_options o;
		es_buf png, ref;
		es_img a, b;
		char path[4096];
		size_t differ = 0, n;
		double sum = 0;

		rt_options(&o, c, GOLDEN_DPI);
		render_png(&png, &o);
		snprintf(path, sizeof(path), "%s/tests/vectors/render/%s.png", ES_SOURCE_DIR, c->file);
		if (update)
			TU_OK(es_file_write(path, png.ptr, png.len, 0644));
		tu_read(&ref, path);
		rt_decode(&a, &png);
		rt_decode(&b, &ref);
		assert_int_equal(a.w, b.w);
		assert_int_equal(a.h, b.h);
		n = (size_t)a.w * a.h;
		for (size_t p = 0; p < n; p++) {
			int d = abs((int)a.px[p * 4 + 3] - (int)b.px[p * 4 + 3]);
			sum += d;
			differ += d > GOLDEN_PIXEL_TOL;
		}
		print_message("golden %-14s %4ux%-4u %6zu bytes, %zu pixels differ (%.3f%%), mean |da| %.3f\n",
			      c->file, a.w, a.h, png.len, differ, 100.0 * differ / n, sum / n);
		if ((double)differ / n > GOLDEN_MAX_DIFF)
			fail_msg("%s: %zu of %zu pixels differ from the golden image", c->file, differ, n);
		/* the goldens stay small */
		assert_true(ref.len < 100 * 1024);
		es_img__release(&a);
		es_img__release(&b);
		es_buf_release(&png);
		es_buf_release(&ref);
	}
}

static void test_render__gallery(void **state)
{
	char path[4096];
	es_buf md = ES_BUF_INIT;
	(void)state;
	if (!getenv("ES_UPDATE_GALLERY"))
		skip();
	TU_OK(es_buf_puts(&md,
		"# Seal gallery\n\n"
		"Every kind of seal `eseal image render` draws, at 300 dpi on a transparent\n"
		"background (shown here on the page colour). Regenerate with\n"
		"`scripts/gallery.sh`. The layout rules are in `docs/cli/image.md` and\n"
		"STANDARDS §5; golden copies at 150 dpi guard them in\n"
		"`tests/vectors/render/`.\n\n"
		"| picture | seal | command |\n|---|---|---|\n"));
	for (size_t i = 0; i < ES_ARRAY_LEN(rt_cases); i++) {
		const rt_case *c = &rt_cases[i];
		es_render_options o;
		es_buf png;
		rt_options(&o, c, GALLERY_DPI);
		render_png(&png, &o);
		snprintf(path, sizeof(path), "%s/docs/gallery/%s.png", ES_SOURCE_DIR, c->file);
		TU_OK(es_file_write(path, png.ptr, png.len, 0644));
		TU_OK(es_buf_printf(&md, "| ![%s](gallery/%s.png) | %s | `eseal image render --kind %s --name %s",
				    c->file, c->file, c->title, es_render_kind_name(c->kind), c->name));
		if (c->text && c->kind != ES_RENDER_INVOICE)
			TU_OK(es_buf_printf(&md, " --text %s", c->text));
		if (c->code)
			TU_OK(es_buf_printf(&md, " --code %s", c->code));
		if (c->lower)
			TU_OK(es_buf_printf(&md, " --lower-text '%s'", c->lower));
		if (c->taxid)
			TU_OK(es_buf_printf(&md, " --taxid %s", c->taxid));
		if (c->esid)
			TU_OK(es_buf_printf(&md, " --esid %s", c->esid));
		if (c->inner_ring > 0)
			TU_OK(es_buf_printf(&md, " --inner-ring %g", c->inner_ring));
		if (c->size > 0)
			TU_OK(es_buf_printf(&md, " --size %g", c->size));
		TU_OK(es_buf_printf(&md, " --dpi 300 -o %s.png` |\n", c->file));
		es_buf_release(&png);
	}
	TU_OK(es_buf_puts(&md,
		"\nThe text is AR PL UMing CN (Song/Ming style, Debian `fonts-arphic-uming`),\n"
		"emboldened for a seal's stroke weight; digits are DejaVu Sans\n"
		"(`fonts-dejavu-core`). Names run clockwise from the lower left with a\n"
		"constant advance a = 2·asin(w / 2r), each glyph turned to face outwards;\n"
		"the seal code runs along the lower arc with the tops of the digits towards\n"
		"the centre. Square seals read in columns from the right (张三之印).\n"));
	snprintf(path, sizeof(path), "%s/docs/seal-gallery.md", ES_SOURCE_DIR);
	TU_OK(es_file_write(path, md.ptr, md.len, 0644));
	es_buf_release(&md);
}

/* ---- geometry ---------------------------------------------------------- */

/* Corners of a glyph's em box, or of its ink box with @ink. */
static void corners(const es_render_glyph_box *b, bool ink, double cx[4], double cy[4])
{
	double th = b->angle_deg * M_PI / 180, c = cos(th), s = sin(th);
	double x0 = -b->w_mm / 2, y0 = -b->h_mm / 2, x1 = b->w_mm / 2, y1 = b->h_mm / 2;
	if (ink) {
		x0 = b->ink_mm[0];
		y0 = b->ink_mm[1];
		x1 = b->ink_mm[2];
		y1 = b->ink_mm[3];
	}
	for (int k = 0; k < 4; k++) {
		double x = (k == 1 || k == 2) ? x1 : x0, y = k >= 2 ? y1 : y0;
		cx[k] = b->cx_mm + x * c - y * s;
		cy[k] = b->cy_mm + x * s + y * c;
	}
}

/* Separating-axis test on the ink boxes of two glyphs. */
static bool overlap(const es_render_glyph_box *a, const es_render_glyph_box *b)
{
	double ax[4], ay[4], bx[4], by[4];
	corners(a, true, ax, ay);
	corners(b, true, bx, by);
	for (int r = 0; r < 2; r++) {
		const double *px = r ? bx : ax, *py = r ? by : ay;
		for (int e = 0; e < 2; e++) {
			double nx = py[e] - py[e + 1], ny = px[e + 1] - px[e];
			double a0 = INFINITY, a1 = -INFINITY, b0 = INFINITY, b1 = -INFINITY;
			for (int k = 0; k < 4; k++) {
				double va = ax[k] * nx + ay[k] * ny, vb = bx[k] * nx + by[k] * ny;
				a0 = fmin(a0, va);
				a1 = fmax(a1, va);
				b0 = fmin(b0, vb);
				b1 = fmax(b1, vb);
			}
			if (a1 <= b0 + 1e-9 || b1 <= a0 + 1e-9)
				return false;
		}
	}
	return true;
}

static void check_layout(const es_render_geometry *g, const char *what)
{
	for (size_t i = 0; i < g->nglyphs; i++) {
		const es_render_glyph_box *b = &g->glyphs[i];
		double cx[4], cy[4];
		/* the em box stays inside the ring; inks never touch each other */
		corners(b, false, cx, cy);
		for (int k = 0; k < 4; k++) {
			double v;
			if (g->shape == ES_SHAPE_ROUND || g->shape == ES_SHAPE_OVAL)
				v = pow(cx[k] / g->inner_rx_mm, 2) + pow(cy[k] / g->inner_ry_mm, 2);
			else
				v = fmax(fabs(cx[k]) / g->inner_rx_mm, fabs(cy[k]) / g->inner_ry_mm);
			if (v > 1.0)
				fail_msg("%s: glyph %zu (U+%04X) leaves the ring (%.3f)", what, i,
					 (unsigned)b->codepoint, v);
		}
		for (size_t j = i + 1; j < g->nglyphs; j++)
			if (overlap(b, &g->glyphs[j]))
				fail_msg("%s: glyphs %zu and %zu overlap", what, i, j);
	}
}

static void test_render__every_kind_keeps_text_inside_without_overlaps(void **state)
{
	(void)state;
	for (size_t i = 0; i < ES_ARRAY_LEN(rt_cases); i++) {
		es_render_options o;
		es_render_geometry g;
		rt_options(&o, &rt_cases[i], 600);
		TU_OK(es_render_geometry_get(&g, &o));
		check_layout(&g, rt_cases[i].file);
		assert_true(g.nglyphs > 0);
	}
}

static void test_render__official_ring_and_star_measured_on_pixels(void **state)
{
	es_render_options o = ES_RENDER_OPTIONS_INIT;
	es_render_geometry g;
	es_buf png;
	es_img img;
	double ppm = 600 / 25.4, c;
	long x, y, ring_in = -1, star_top = -1;
	(void)state;

	o.name = "北京市某某科技发展有限公司";
	TU_OK(es_render_geometry_get(&g, &o));
	assert_true(fabs(g.outer_rx_mm - 21) < 1e-9);
	assert_true(fabs(g.inner_rx_mm - (21 - 1.2)) < 1e-9);
	assert_true(fabs(g.star_mm - 14) < 1e-9);
	assert_int_equal(g.width_px, 992); /* 42 mm at 600 dpi */

	render_png(&png, &o);
	rt_decode(&img, &png);
	assert_int_equal(img.w, 992);
	assert_int_equal(img.dpi, 600);
	c = (img.w - 1) / 2.0;
	/* the border along the horizontal diameter: from the edge inwards */
	y = (long)lround(c);
	assert_true(rt_alpha(&img, 1, y) >= 128);
	for (x = 1; x < (long)img.w / 2; x++)
		if (rt_alpha(&img, x, y) < 128) {
			ring_in = x;
			break;
		}
	print_message("ring: 1.2 mm border measures %.3f mm\n", ring_in / ppm);
	assert_true(fabs(ring_in / ppm - 1.2) < 0.1);
	/* the star's top point: straight up from the centre */
	for (y = (long)lround(c); y > 0; y--)
		if (rt_alpha(&img, (long)lround(c), y) < 128) {
			star_top = y;
			break;
		}
	print_message("star: 7 mm tip radius measures %.3f mm\n", (c - star_top) / ppm);
	assert_true(fabs((c - star_top) / ppm - 7.0) < 0.15);
	es_img__release(&img);
	es_buf_release(&png);
}

static void test_render__name_runs_clockwise_with_even_advance(void **state)
{
	es_render_options o = ES_RENDER_OPTIONS_INIT;
	es_render_geometry g;
	size_t n = 0, ncode = 0;
	double step = 0;
	(void)state;

	o.name = "北京市某某科技发展有限公司";
	o.code = "11010800012345";
	TU_OK(es_render_geometry_get(&g, &o));
	for (size_t i = 0; i < g.nglyphs; i++) {
		const es_render_glyph_box *b = &g.glyphs[i];
		double pos = atan2(b->cx_mm, -b->cy_mm) * 180 / M_PI; /* clockwise from the top */
		if (b->role == ES_ROLE_NAME) {
			/* upright relative to the centre: turned by its own position */
			assert_true(fabs(b->angle_deg - pos) < 1e-6);
			if (n > 0) {
				double d = b->angle_deg - g.glyphs[i - 1].angle_deg;
				assert_true(d > 0); /* clockwise */
				if (n > 1)
					assert_true(fabs(d - step) < 1e-9); /* constant advance */
				step = d;
			}
			n++;
		} else if (b->role == ES_ROLE_CODE) {
			/* lower arc, left to right, tops towards the centre */
			double from_bottom = atan2(b->cx_mm, b->cy_mm) * 180 / M_PI;
			assert_true(b->cy_mm > 0);
			assert_true(fabs(b->angle_deg + from_bottom) < 1e-6);
			if (ncode > 0)
				assert_true(b->cx_mm > g.glyphs[i - 1].cx_mm);
			ncode++;
		}
	}
	assert_int_equal(n, 13);
	assert_int_equal(ncode, 14);
	/* symmetric about the vertical axis, starting lower left */
	assert_true(fabs(g.glyphs[0].angle_deg + g.glyphs[12].angle_deg) < 1e-6);
	assert_true(g.glyphs[0].angle_deg < -90);
	/* a = 2·asin(chord / 2r): neighbours are one box width plus spacing apart */
	{
		const es_render_glyph_box *a = &g.glyphs[5], *b = &g.glyphs[6];
		double r = hypot(a->cx_mm, a->cy_mm), chord = hypot(a->cx_mm - b->cx_mm, a->cy_mm - b->cy_mm);
		assert_true(fabs(2 * asin(chord / (2 * r)) * 180 / M_PI - step) < 1e-6);
	}
	print_message("name: 13 glyphs over %.1f deg, step %.2f deg, compressed to %.2f\n",
		      g.name_span_deg, step, g.name_scale_x);
}

static void test_render__long_names_compress_then_refuse_with_the_maximum(void **state)
{
	static const char *unit = "某";
	es_render_options o = ES_RENDER_OPTIONS_INIT;
	es_render_geometry g;
	char name[512] = "";
	unsigned maxn = 0;
	const char *msg;
	es_buf png = ES_BUF_INIT;
	(void)state;

	/* short names are spread, long ones compressed */
	o.name = "某某公司";
	TU_OK(es_render_geometry_get(&g, &o));
	assert_true(g.name_scale_x == 1.0);
	assert_true(g.name_span_deg >= 179.9);
	for (int i = 0; i < 40; i++)
		strncat(name, unit, sizeof(name) - strlen(name) - 1);
	o.name = name;
	assert_int_equal(es_render_geometry_get(&g, &o), ES_ELIMIT);
	msg = es_error_last()->message;
	print_message("40 chars on Ø42: %s\n", msg);
	assert_non_null(strstr(msg, "at most "));
	maxn = (unsigned)strtoul(strstr(msg, "at most ") + 8, NULL, 10);
	assert_true(maxn >= 20 && maxn < 40);
	/* exactly the maximum renders, one more does not */
	name[0] = 0;
	for (unsigned i = 0; i < maxn; i++)
		strncat(name, unit, sizeof(name) - strlen(name) - 1);
	TU_OK(es_render_geometry_get(&g, &o));
	assert_true(g.name_scale_x < 0.5);
	check_layout(&g, "longest name");
	TU_OK(es_render_png(&png, &o));
	strncat(name, unit, sizeof(name) - strlen(name) - 1);
	assert_int_equal(es_render_geometry_get(&g, &o), ES_ELIMIT);
	es_buf_release(&png);

	/* the usage text has its own limit */
	o.name = "上海某某贸易有限公司";
	o.text = "合同专用章合同专用章合同专用章合同专用章";
	assert_int_equal(es_render_geometry_get(&g, &o), ES_ELIMIT);
	assert_non_null(strstr(es_error_last()->message, "text is too long"));
	/* a square seal holds four characters */
	TU_OK(es_render_options_preset(&o, ES_RENDER_PERSONAL));
	o.name = "诸葛孔明先生";
	assert_int_equal(es_render_geometry_get(&g, &o), ES_ELIMIT);
	assert_non_null(strstr(es_error_last()->message, "at most 4"));
}

static void test_render__personal_names_are_padded_and_read_from_the_right(void **state)
{
	es_render_options o;
	es_render_geometry g;
	(void)state;

	TU_OK(es_render_options_preset(&o, ES_RENDER_PERSONAL));
	o.name = "张三";
	TU_OK(es_render_geometry_get(&g, &o));
	assert_int_equal(g.nglyphs, 4);
	assert_int_equal(g.glyphs[0].codepoint, 0x5F20); /* 张: right column, top */
	assert_int_equal(g.glyphs[1].codepoint, 0x4E09); /* 三: right column, bottom */
	assert_int_equal(g.glyphs[2].codepoint, 0x4E4B); /* 之: left column, top */
	assert_int_equal(g.glyphs[3].codepoint, 0x5370); /* 印 */
	assert_true(g.glyphs[0].cx_mm > 0 && g.glyphs[0].cy_mm < 0);
	assert_true(g.glyphs[1].cx_mm > 0 && g.glyphs[1].cy_mm > 0);
	assert_true(g.glyphs[2].cx_mm < 0 && g.glyphs[2].cy_mm < 0);
	assert_true(g.glyphs[3].cx_mm < 0 && g.glyphs[3].cy_mm > 0);
	check_layout(&g, "张三之印");

	o.name = "王小明";
	TU_OK(es_render_geometry_get(&g, &o));
	assert_int_equal(g.nglyphs, 4);
	assert_int_equal(g.glyphs[3].codepoint, 0x5370); /* 印 */

	o.name = "欧阳小明";
	TU_OK(es_render_geometry_get(&g, &o));
	assert_int_equal(g.nglyphs, 4);
	assert_int_equal(g.glyphs[3].codepoint, 0x660E); /* 明: no padding */

	o.name = "张三";
	o.name_pad = false;
	TU_OK(es_render_geometry_get(&g, &o));
	assert_int_equal(g.nglyphs, 2);

	/* borderless and rectangular variants */
	o.name_pad = true;
	o.border_mm = 0;
	TU_OK(es_render_geometry_get(&g, &o));
	assert_int_equal(g.nglyphs, 4);
	o.shape = ES_SHAPE_RECT;
	o.width_mm = 24;
	o.height_mm = 10;
	o.border_mm = 0.6;
	TU_OK(es_render_geometry_get(&g, &o));
	assert_int_equal(g.nglyphs, 2);
	check_layout(&g, "rect");
}

static void test_render__invoice_follows_the_tax_rules(void **state)
{
	es_render_options o;
	es_render_geometry g;
	double x0 = INFINITY, x1 = -INFINITY;
	size_t ntax = 0;
	(void)state;

	TU_OK(es_render_options_preset(&o, ES_RENDER_INVOICE));
	o.name = "北京某某科技有限公司";
	o.taxid = "91110105061311021A";
	TU_OK(es_render_geometry_get(&g, &o));
	assert_true(g.shape == ES_SHAPE_OVAL);
	assert_true(g.width_mm == 40 && g.height_mm == 30);
	assert_true(g.name_span_deg >= 210 - 1e-6 && g.name_span_deg <= 260 + 1e-6);
	for (size_t i = 0; i < g.nglyphs; i++) {
		const es_render_glyph_box *b = &g.glyphs[i];
		if (b->role == ES_ROLE_TAXID) {
			assert_true(fabs(b->h_mm - 3.7) < 1e-9);
			assert_true(fabs(b->w_mm - 1.3) < 1e-9);
			x0 = fmin(x0, b->cx_mm - b->w_mm / 2);
			x1 = fmax(x1, b->cx_mm + b->w_mm / 2);
			ntax++;
		} else if (b->role == ES_ROLE_TEXT) {
			/* 发票专用章 4.6 x 3 mm, top edge 4.2 mm below the centre line */
			assert_true(fabs(b->h_mm - 4.6) < 1e-9);
			assert_true(fabs(b->w_mm - 3.0) < 1e-9);
			assert_true(fabs(b->cy_mm - b->h_mm / 2 - 4.2) < 1e-9);
		} else if (b->role == ES_ROLE_NAME) {
			assert_true(fabs(b->h_mm - 4.2) < 1e-9);
		}
	}
	assert_int_equal(ntax, 18);
	/* 18 characters over 26 mm */
	print_message("taxpayer id spans %.2f mm\n", x1 - x0);
	assert_true(fabs((x1 - x0) - (26 - 0.1444)) < 0.01);
	check_layout(&g, "invoice");
	o.star = true;
	assert_int_equal(es_render_geometry_get(&g, &o), ES_EINVAL);
}

static void test_render__other_diameters_scale_the_star(void **state)
{
	static const double sizes[] = { 38, 40, 42, 45, 50, 60 };
	(void)state;
	for (size_t i = 0; i < ES_ARRAY_LEN(sizes); i++) {
		es_render_options o;
		es_render_geometry g;
		TU_OK(es_render_options_preset(&o, ES_RENDER_OFFICIAL));
		o.width_mm = sizes[i];
		o.name = "某某市某某区人民政府";
		o.text = "办公室";
		TU_OK(es_render_geometry_get(&g, &o));
		assert_true(fabs(g.star_mm - sizes[i] / 3) < 1e-9);
		assert_true(fabs(g.outer_rx_mm - sizes[i] / 2) < 1e-9);
		check_layout(&g, "diameter");
	}
}

/* ---- determinism ------------------------------------------------------- */

static void test_render__same_input_same_bytes(void **state)
{
	es_render_options o;
	es_buf a, b, s1 = ES_BUF_INIT, s2 = ES_BUF_INIT;
	(void)state;

	rt_options(&o, &rt_cases[2], 300); /* official with micro-gaps */
	render_png(&a, &o);
	es_render_cache_clear(); /* reload the fonts: still the same */
	render_png(&b, &o);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.ptr, b.ptr, a.len);
	/* no time chunk in the PNG */
	assert_null(memmem(a.ptr, a.len, "tIME", 4));
	TU_OK(es_render_svg(&s1, &o));
	TU_OK(es_render_svg(&s2, &o));
	assert_int_equal(s1.len, s2.len);
	assert_memory_equal(s1.ptr, s2.ptr, s1.len);
	assert_non_null(strstr((char *)s1.ptr, "viewBox=\"-21 -21 42 42\""));
	assert_non_null(strstr((char *)s1.ptr, "width=\"42mm\""));
	assert_non_null(strstr((char *)s1.ptr, "</svg>"));
	/* another esid cuts other gaps */
	es_buf_release(&b);
	o.esid = "44030500000124";
	render_png(&b, &o);
	assert_true(a.len != b.len || memcmp(a.ptr, b.ptr, a.len) != 0);
	es_buf_release(&a);
	es_buf_release(&b);
	es_buf_release(&s1);
	es_buf_release(&s2);
}

typedef struct job {
	const es_render_options *o;
	es_buf out;
	int err;
} job;

static void *render_thread(void *arg)
{
	job *j = arg;
	for (int i = 0; i < 3 && j->err == 0; i++) {
		es_buf_release(&j->out);
		j->err = es_render_png(&j->out, j->o);
	}
	return NULL;
}

static void test_render__threads_share_the_font_cache(void **state)
{
	es_render_options o;
	pthread_t th[4];
	job jobs[4];
	(void)state;

	rt_options(&o, &rt_cases[4], 150);
	es_render_cache_clear();
	for (int i = 0; i < 4; i++) {
		jobs[i].o = &o;
		es_buf_init(&jobs[i].out, 0);
		jobs[i].err = 0;
		assert_int_equal(pthread_create(&th[i], NULL, render_thread, &jobs[i]), 0);
	}
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(jobs[i].err, 0);
		assert_int_equal(jobs[i].out.len, jobs[0].out.len);
		assert_memory_equal(jobs[i].out.ptr, jobs[0].out.ptr, jobs[0].out.len);
	}
	for (int i = 0; i < 4; i++)
		es_buf_release(&jobs[i].out);
}

/* ---- errors ------------------------------------------------------------ */

static void expect(int code, const es_render_options *o, const char *needle)
{
	es_buf b = ES_BUF_INIT;
	int err = es_render_png(&b, o);
	es_buf_release(&b);
	if (err != code)
		fail_msg("expected %s, got %s: %s", es_error_name(code), es_error_name(err),
			 es_error_last()->message);
	if (needle && !strstr(es_error_last()->message, needle))
		fail_msg("message '%s' lacks '%s'", es_error_last()->message, needle);
}

static void test_render__bad_options_are_refused_clearly(void **state)
{
	es_render_options o = ES_RENDER_OPTIONS_INIT, p;
	es_render_kind k;
	(void)state;

	o.name = "";
	expect(ES_EINVAL, &o, "needs a name");
	o.name = NULL;
	expect(ES_EINVAL, &o, "needs a name");
	o.name = "某某\xFF公司";
	expect(ES_EINVAL, &o, "malformed utf-8");
	o.name = "某某公司\xF0\x9F\x98\x80"; /* an emoji: not in a Song font */
	expect(ES_ENOTSUPPORTED, &o, "U+1F600");
	o.name = "某某公司";
	p = o;
	p.code = "1234";
	expect(ES_EINVAL, &p, "seal code");
	p = o;
	p.code = "1101080001234X";
	expect(ES_EINVAL, &p, "seal code");
	p = o;
	p.version = 99;
	expect(ES_EINVAL, &p, "version");
	p = o;
	p.width_mm = 500;
	expect(ES_EINVAL, &p, "size");
	p = o;
	p.dpi = 5000;
	expect(ES_EINVAL, &p, "dpi");
	p = o;
	p.color = 0x1000000;
	expect(ES_EINVAL, &p, "colour");
	p = o;
	p.microgaps = true;
	expect(ES_EINVAL, &p, "esid");
	p = o;
	p.border_mm = 4.9;
	p.inner_ring_mm = 3;
	p.inner_ring_gap_mm = 5;
	p.width_mm = 20;
	expect(ES_EINVAL, &p, "too wide");
	p = o;
	p.font_path = "/nonexistent/font.ttf";
	expect(ES_ENOTFOUND, &p, "font");
	p = o;
	p.star_mm = 60;
	expect(ES_EINVAL, &p, "star");
	assert_int_equal(es_render_kind_parse(&k, "round"), ES_EINVAL);
	TU_OK(es_render_kind_parse(&k, "oval-30x20"));
	assert_int_equal(k, ES_RENDER_OVAL_30X20);
	assert_int_equal(es_render_options_preset(&p, (es_render_kind)42), ES_EINVAL);
	assert_string_equal(es_render_kind_name(ES_RENDER_INVOICE), "invoice");
}

static void test_render__allocation_failures_are_clean(void **state)
{
	es_render_options o;
	int err = -1;
	(void)state;
	if (!es_mem_faults())
		skip(); /* a release build has no allocation-fault counters */

	rt_options(&o, &rt_cases[4], 72);
	for (unsigned long n = 1; n < 5000 && err != 0; n++) {
		es_buf b = ES_BUF_INIT;
		es_render_cache_clear();
		es_mem_fail_after(n, 1);
		err = es_render_png(&b, &o);
		es_mem_fail_after(0, 0);
		es_buf_release(&b);
		if (err != 0 && err != ES_ENOMEM && err != ES_ELIMIT)
			fail_msg("allocation %lu: %s (%s)", n, es_error_name(err), es_error_last()->message);
	}
	assert_int_equal(err, 0);
	es_render_cache_clear();
}

/* One rule from a seal to its impression (the platform and the command line share it). */
static void test_render__one_rule_for_a_seal(void **state)
{
	(void)state;
	es_render_options o = ES_RENDER_OPTIONS_INIT, p = ES_RENDER_OPTIONS_INIT;
	char arc[256], arc2[256];
	TU_OK(es_render_options_for_seal(&o, ES_KIND_SPECIAL, ES_FUNC_CONTRACT, "示例科技有限公司合同专用章", "11010500000001",
					 NULL, arc, sizeof(arc)));
	assert_string_equal(o.name, "示例科技有限公司"); /* the function goes under the star */
	assert_string_equal(o.text, "合同专用章");
	assert_string_equal(o.code, "11010500000001");
	assert_true(o.microgaps);
	TU_OK(es_render_options_for_seal(&p, ES_KIND_SPECIAL, ES_FUNC_CONTRACT, "示例科技有限公司", "11010500000001", NULL,
					 arc2, sizeof(arc2)));
	assert_string_equal(p.name, o.name);
	assert_int_equal(p.kind, o.kind);
	/* the invoice seal: its geometry, the tax id across it */
	TU_OK(es_render_options_for_seal(&o, ES_KIND_SPECIAL, ES_FUNC_INVOICE, "示例科技有限公司", "11010500000002",
					 "91110105061311021A", arc, sizeof(arc)));
	assert_int_equal(o.kind, ES_RENDER_INVOICE);
	assert_string_equal(o.taxid, "91110105061311021A");
	/* a personal seal: the holder, no code on it */
	TU_OK(es_render_options_for_seal(&o, ES_KIND_PERSONAL, 0, "张三", "11010500000003", NULL, arc, sizeof(arc)));
	assert_int_equal(o.kind, ES_RENDER_PERSONAL);
	assert_null(o.code);
	assert_int_equal(es_render_options_for_seal(&o, 77, 0, "x", NULL, NULL, arc, sizeof(arc)), ES_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render__goldens_match_within_tolerance),
		cmocka_unit_test(test_render__gallery),
		cmocka_unit_test(test_render__every_kind_keeps_text_inside_without_overlaps),
		cmocka_unit_test(test_render__official_ring_and_star_measured_on_pixels),
		cmocka_unit_test(test_render__name_runs_clockwise_with_even_advance),
		cmocka_unit_test(test_render__long_names_compress_then_refuse_with_the_maximum),
		cmocka_unit_test(test_render__personal_names_are_padded_and_read_from_the_right),
		cmocka_unit_test(test_render__invoice_follows_the_tax_rules),
		cmocka_unit_test(test_render__other_diameters_scale_the_star),
		cmocka_unit_test(test_render__same_input_same_bytes),
		cmocka_unit_test(test_render__threads_share_the_font_cache),
		cmocka_unit_test(test_render__bad_options_are_refused_clearly),
		cmocka_unit_test(test_render__allocation_failures_are_clean),
		cmocka_unit_test(test_render__one_rule_for_a_seal),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	es_render_cache_clear();
	return rc;
}
