/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Importing impressions from synthetic scans the test makes itself: a seal
 * is rendered, stamped (multiplied) onto a tinted paper texture over black
 * print, with noise, turned a few degrees and JPEG-compressed. The import
 * must recover the impression (IoU >= 0.9 against the stamped seal), its
 * shape and its size within 1 mm. Bad files fail with clear errors.
 */
#include "rt.h"

#define SCAN_DPI 300

typedef struct scan {
	es_img page;    /* RGB */
	uint8_t *truth; /* stamped seal coverage on the page, 0..255 */
} scan;

static void scan_release(scan *s)
{
	es_img__release(&s->page);
	es_free(s->truth);
}

/* Coverage of @seal (RGBA) at page point (x, y) for a seal centred at
 * (cx, cy) and turned by @deg, bilinear. */
static double sample(const es_img *seal, double x, double y, double cx, double cy, double deg)
{
	double th = -deg * M_PI / 180, dx = x - cx, dy = y - cy;
	double sx = dx * cos(th) - dy * sin(th) + seal->w / 2.0 - 0.5;
	double sy = dx * sin(th) + dy * cos(th) + seal->h / 2.0 - 0.5;
	long x0 = (long)floor(sx), y0 = (long)floor(sy);
	double fx = sx - x0, fy = sy - y0;
	return ((1 - fx) * (1 - fy) * rt_alpha(seal, x0, y0) + fx * (1 - fy) * rt_alpha(seal, x0 + 1, y0) +
		(1 - fx) * fy * rt_alpha(seal, x0, y0 + 1) + fx * fy * rt_alpha(seal, x0 + 1, y0 + 1)) /
	       255.0;
}

/* Printed text on a form: lines of 10.5 pt "characters" (3.4 mm cells at
 * 300 dpi), each a few 3-pixel horizontal and vertical strokes. */
static bool print_at(unsigned x, unsigned y)
{
	unsigned line = y / 80, ly = y % 80, cell = x / 42, lx = x % 42;
	uint64_t seed;
	if (ly >= 40 || lx >= 36)
		return false;
	seed = (uint64_t)line * 7919 + cell * 104729 + 17;
	for (int k = 0; k < 5; k++) {
		unsigned a = rt_rand(&seed) % 33, b = rt_rand(&seed) % 37, len = 12 + rt_rand(&seed) % 24;
		if (k < 3 && ly >= b && ly < b + 3 && lx >= a / 2 && lx < a / 2 + len)
			return true; /* horizontal stroke */
		if (k >= 3 && lx >= a && lx < a + 3 && ly >= b / 2 && ly < b / 2 + len)
			return true; /* vertical stroke */
	}
	return false;
}

/* Make a scanned page (@page_mm square) holding @seal, as a JPEG in @out. */
static void make_scan(scan *s, es_buf *jpeg, const es_img *seal, double page_mm, double deg,
		      const uint8_t ink[3], bool print, uint64_t seed)
{
	unsigned w = (unsigned)lround(page_mm / 25.4 * SCAN_DPI), h = w;
	double cx = w / 2.0 + 7.3, cy = h / 2.0 - 4.1;
	static const uint8_t paper[3] = { 238, 232, 212 }; /* yellowish form paper */

	s->page.w = w;
	s->page.h = h;
	s->page.ch = 3;
	s->page.dpi = SCAN_DPI;
	s->page.px = es_malloc((size_t)w * h * 3);
	s->truth = es_calloc((size_t)w * h, 1);
	assert_non_null(s->page.px);
	assert_non_null(s->truth);
	for (unsigned y = 0; y < h; y++) {
		for (unsigned x = 0; x < w; x++) {
			size_t p = (size_t)y * w + x;
			/* paper texture: slow shading plus grain */
			double shade = 1.0 - 0.04 * sin(x * 0.013) * cos(y * 0.017);
			int grain = (int)(rt_rand(&seed) % 13) - 6;
			double c[3];
			for (int k = 0; k < 3; k++)
				c[k] = paper[k] * shade + grain;
			/* black print: lines of "characters" across the page */
			if (print && print_at(x, y))
				for (int k = 0; k < 3; k++)
					c[k] = 25 + grain;
			/* the stamp: ink multiplies what is under it */
			{
				double a = sample(seal, x, y, cx, cy, deg);
				for (int k = 0; k < 3; k++)
					c[k] = c[k] * (1 - a) + c[k] * (ink[k] / 255.0) * a;
				s->truth[p] = (uint8_t)lround(a * 255);
			}
			for (int k = 0; k < 3; k++)
				s->page.px[p * 3 + k] = (uint8_t)(c[k] < 0 ? 0 : c[k] > 255 ? 255 : c[k]);
		}
	}
	es_buf_init(jpeg, 0);
	TU_OK(es_img__jpeg_encode(jpeg, &s->page, 88));
}

/* IoU of the recovered impression against the stamped one (alpha >= 50 %). */
static double iou(const scan *s, const es_img *got, const es_image_import_result *r)
{
	size_t inter = 0, uni = 0;
	for (unsigned y = 0; y < s->page.h; y++) {
		for (unsigned x = 0; x < s->page.w; x++) {
			bool a = s->truth[(size_t)y * s->page.w + x] >= 128;
			long gx = (long)x - (long)r->crop_x, gy = (long)y - (long)r->crop_y;
			bool b = rt_alpha(got, gx, gy) >= 128;
			inter += a && b;
			uni += a || b;
		}
	}
	return uni ? (double)inter / uni : 0;
}

static void run_case(const rt_case *c, double deg, es_render_shape shape, double w_mm, double h_mm,
		     bool print)
{
	static const uint8_t ink[3] = { 205, 35, 45 }; /* vermilion stamp pad */
	es_render_options o;
	es_buf png, jpeg, out = ES_BUF_INIT;
	es_img seal, got;
	scan s;
	es_image_import_result r;
	double score;

	rt_options(&o, c, SCAN_DPI);
	es_buf_init(&png, 0);
	TU_OK(es_render_png(&png, &o));
	rt_decode(&seal, &png);
	memset(&s, 0, sizeof(s));
	make_scan(&s, &jpeg, &seal, w_mm + 25, deg, ink, print, 7);
	TU_OK(es_image_import(&out, &r, jpeg.ptr, jpeg.len, NULL));
	if (getenv("ES_DEBUG_SCANS")) {
		char path[256];
		snprintf(path, sizeof(path), "/tmp/scan-%s.jpg", c->file);
		TU_OK(es_file_write(path, jpeg.ptr, jpeg.len, 0644));
		snprintf(path, sizeof(path), "/tmp/scan-%s-out.png", c->file);
		TU_OK(es_file_write(path, out.ptr, out.len, 0644));
	}
	rt_decode(&got, &out);
	score = iou(&s, &got, &r);
	print_message("%-10s turned %4.1f deg: %s %.2fx%.2f mm (true %gx%g), IoU %.3f, ink #%06X, "
		      "jpeg %zu bytes\n",
		      c->file, deg, es_render_shape_name(r.shape), r.width_mm, r.height_mm, w_mm, h_mm,
		      score, (unsigned)r.ink_color, jpeg.len);
	assert_int_equal(r.dpi, SCAN_DPI);
	assert_int_equal(r.dpi_source, ES_DPI_METADATA);
	assert_int_equal(r.shape, shape);
	assert_true(fabs(r.width_mm - w_mm) <= 1.0);
	assert_true(fabs(r.height_mm - h_mm) <= 1.0);
	assert_true(score >= 0.9);
	/* the ink colour is red-dominant */
	assert_true((r.ink_color >> 16) > 2 * ((r.ink_color >> 8) & 0xFF));
	es_img__release(&seal);
	es_img__release(&got);
	scan_release(&s);
	es_buf_release(&png);
	es_buf_release(&jpeg);
	es_buf_release(&out);
}

static void test_import__round_seal_from_a_scanned_form(void **state)
{
	(void)state;
	run_case(&rt_cases[4], 3.0, ES_SHAPE_ROUND, 40, 40, true); /* 合同专用章 over print */
	run_case(&rt_cases[0], -2.0, ES_SHAPE_ROUND, 42, 42, true);
}

static void test_import__oval_and_square_seals(void **state)
{
	(void)state;
	run_case(&rt_cases[6], 2.5, ES_SHAPE_OVAL, 40, 30, true);
	run_case(&rt_cases[7], -1.5, ES_SHAPE_OVAL, 45, 30, false);
	run_case(&rt_cases[9], 2.0, ES_SHAPE_SQUARE, 18, 18, true);
}

static void test_import__signature_in_any_ink(void **state)
{
	static const uint8_t blue[3] = { 30, 40, 110 };
	es_image_import_options io = ES_IMAGE_IMPORT_OPTIONS_INIT;
	es_image_import_result r;
	es_buf jpeg, out = ES_BUF_INIT;
	es_img sig;
	scan s;
	(void)state;

	/* a "signature": a few thick strokes */
	sig.w = 300;
	sig.h = 120;
	sig.ch = 4;
	sig.dpi = SCAN_DPI;
	sig.px = es_calloc((size_t)sig.w * sig.h * 4, 1);
	assert_non_null(sig.px);
	for (unsigned x = 10; x < 290; x++) {
		double y = 60 + 35 * sin(x * 0.05) * cos(x * 0.013);
		for (int dy = -3; dy <= 3; dy++)
			sig.px[((size_t)(y + dy) * sig.w + x) * 4 + 3] = 255;
	}
	memset(&s, 0, sizeof(s));
	make_scan(&s, &jpeg, &sig, 40, 4, blue, false, 11);
	io.ink = ES_INK_ANY;
	TU_OK(es_image_import(&out, &r, jpeg.ptr, jpeg.len, &io));
	print_message("signature: %s %.1fx%.1f mm, ink #%06X\n", es_render_shape_name(r.shape),
		      r.width_mm, r.height_mm, (unsigned)r.ink_color);
	assert_int_equal(r.shape, ES_SHAPE_OTHER);
	assert_true(fabs(r.width_mm - 280 * 25.4 / SCAN_DPI) < 2.5);
	/* red mode sees no seal in blue ink */
	es_buf_release(&out);
	assert_int_equal(es_image_import(&out, &r, jpeg.ptr, jpeg.len, NULL), ES_ENOTFOUND);
	es_img__release(&sig);
	scan_release(&s);
	es_buf_release(&jpeg);
	es_buf_release(&out);
}

static void test_import__no_impression_is_refused(void **state)
{
	static const uint8_t none[3] = { 255, 255, 255 };
	es_img blank = { NULL, 4, 4, 4, SCAN_DPI };
	es_buf jpeg, png = ES_BUF_INIT, out = ES_BUF_INIT;
	scan s;
	(void)state;

	blank.px = es_calloc(4 * 4 * 4, 1);
	memset(&s, 0, sizeof(s));
	make_scan(&s, &jpeg, &blank, 30, 0, none, true, 3); /* print, no stamp */
	assert_int_equal(es_image_import(&out, NULL, jpeg.ptr, jpeg.len, NULL), ES_ENOTFOUND);
	assert_non_null(strstr(es_error_last()->message, "no red ink impression"));
	/* a blank PNG */
	TU_OK(es_img__png_encode(&png, &blank));
	assert_int_equal(es_image_import(&out, NULL, png.ptr, png.len, NULL), ES_ENOTFOUND);
	es_img__release(&blank);
	scan_release(&s);
	es_buf_release(&jpeg);
	es_buf_release(&png);
	es_buf_release(&out);
}

/* ---- bad files --------------------------------------------------------- */

static uint32_t crc32_of(const uint8_t *p, size_t n)
{
	uint32_t c = 0xFFFFFFFFu;
	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
	}
	return ~c;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* A PNG that declares @w x @h and carries a tiny IDAT. */
static size_t png_header_bomb(uint8_t *out, uint32_t w, uint32_t h)
{
	static const uint8_t sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n' };
	static const uint8_t idat[] = { 0x78, 0x9C, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01 };
	size_t n = 0;
	memcpy(out, sig, 8);
	n = 8;
	put32(out + n, 13);
	memcpy(out + n + 4, "IHDR", 4);
	put32(out + n + 8, w);
	put32(out + n + 12, h);
	out[n + 16] = 8; /* depth */
	out[n + 17] = 6; /* RGBA */
	out[n + 18] = out[n + 19] = out[n + 20] = 0;
	put32(out + n + 21, crc32_of(out + n + 4, 17));
	n += 25;
	put32(out + n, sizeof(idat));
	memcpy(out + n + 4, "IDAT", 4);
	memcpy(out + n + 8, idat, sizeof(idat));
	put32(out + n + 8 + sizeof(idat), crc32_of(out + n + 4, 4 + sizeof(idat)));
	n += 12 + sizeof(idat);
	put32(out + n, 0);
	memcpy(out + n + 4, "IEND", 4);
	put32(out + n + 8, crc32_of(out + n + 4, 4));
	return n + 12;
}

/* A baseline JPEG header (SOI, SOF0, SOS) declaring @w x @h, then EOI. */
static size_t jpeg_header_bomb(uint8_t *out, unsigned w, unsigned h)
{
	static const uint8_t sof[] = { 0xFF, 0xC0, 0x00, 0x11, 0x08, 0, 0, 0, 0, 0x03, 0x01, 0x22,
				       0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01 };
	static const uint8_t sos[] = { 0xFF, 0xDA, 0x00, 0x0C, 0x03, 0x01, 0x00, 0x02, 0x11,
				       0x03, 0x11, 0x00, 0x3F, 0x00 };
	size_t n = 0;
	out[n++] = 0xFF;
	out[n++] = 0xD8;
	memcpy(out + n, sof, sizeof(sof));
	out[n + 5] = (uint8_t)(h >> 8);
	out[n + 6] = (uint8_t)h;
	out[n + 7] = (uint8_t)(w >> 8);
	out[n + 8] = (uint8_t)w;
	n += sizeof(sof);
	memcpy(out + n, sos, sizeof(sos));
	n += sizeof(sos);
	out[n++] = 0xFF;
	out[n++] = 0xD9;
	return n;
}

static void expect_import(int code, const uint8_t *p, size_t n, const char *needle)
{
	es_buf out = ES_BUF_INIT;
	int err = es_image_import(&out, NULL, p, n, NULL);
	es_buf_release(&out);
	if (err != code)
		fail_msg("expected %s, got %s: %s", es_error_name(code), es_error_name(err),
			 es_error_last()->message);
	if (needle && !strstr(es_error_last()->message, needle))
		fail_msg("message '%s' lacks '%s'", es_error_last()->message, needle);
	print_message("  %s: %s\n", es_error_name(err), es_error_last()->message);
}

static void test_import__bad_files_fail_clearly(void **state)
{
	uint8_t bomb[128];
	es_render_options o;
	es_buf png = ES_BUF_INIT, jpeg = ES_BUF_INIT, bad = ES_BUF_INIT;
	es_image_info info;
	es_img img;
	size_t n;
	(void)state;

	expect_import(ES_EMALFORMED, NULL, 0, "empty");
	expect_import(ES_EMALFORMED, (const uint8_t *)"GIF89a....", 10, "neither png nor jpeg");

	/* header bombs: refused on the header, nothing decoded */
	n = png_header_bomb(bomb, 50000, 50000);
	expect_import(ES_ELIMIT, bomb, n, "50000x50000");
	assert_int_equal(es_image_info_get(&info, bomb, n), ES_ELIMIT);
	n = jpeg_header_bomb(bomb, 50000, 50000);
	expect_import(ES_ELIMIT, bomb, n, "50000x50000");
	n = png_header_bomb(bomb, 0, 10);
	expect_import(ES_EMALFORMED, bomb, n, NULL);
	/* a header that is in range but the data is missing */
	n = png_header_bomb(bomb, 100, 100);
	expect_import(ES_EMALFORMED, bomb, n, "malformed png");

	/* a real PNG and JPEG, truncated and corrupted */
	rt_options(&o, &rt_cases[9], 150);
	TU_OK(es_render_png(&png, &o));
	TU_OK(es_img__decode(&img, png.ptr, png.len));
	TU_OK(es_img__jpeg_encode(&jpeg, &img, 90));
	TU_OK(es_image_info_get(&info, jpeg.ptr, jpeg.len));
	assert_string_equal(info.format, "jpeg");
	assert_int_equal(info.dpi, 150);
	assert_true(fabs(info.width_mm - 18) < 0.2);
	expect_import(ES_EMALFORMED, png.ptr, png.len / 2, "malformed png");
	expect_import(ES_EMALFORMED, jpeg.ptr, jpeg.len / 2, "malformed jpeg");
	TU_OK(es_buf_put(&bad, png.ptr, png.len));
	bad.ptr[40] ^= 0x55; /* inside IHDR/PLTE: CRC mismatch */
	expect_import(ES_EMALFORMED, bad.ptr, bad.len, "malformed png");
	bad.len = 0;
	TU_OK(es_buf_put(&bad, jpeg.ptr, jpeg.len));
	for (size_t i = bad.len / 3; i < bad.len / 3 + 64; i++)
		bad.ptr[i] = 0xFF; /* markers in the middle of the entropy data */
	expect_import(ES_EMALFORMED, bad.ptr, bad.len, "malformed jpeg");
	/* the intact ones import */
	{
		es_buf out = ES_BUF_INIT;
		es_image_import_result r;
		TU_OK(es_image_import(&out, &r, png.ptr, png.len, NULL));
		assert_int_equal(r.shape, ES_SHAPE_SQUARE);
		es_buf_release(&out);
		TU_OK(es_image_import(&out, &r, jpeg.ptr, jpeg.len, NULL));
		assert_int_equal(r.shape, ES_SHAPE_SQUARE);
		es_buf_release(&out);
	}
	es_img__release(&img);
	es_buf_release(&png);
	es_buf_release(&jpeg);
	es_buf_release(&bad);
}

static void test_import__options_and_dpi(void **state)
{
	es_image_import_options io = ES_IMAGE_IMPORT_OPTIONS_INIT;
	es_image_import_result r;
	es_render_options o;
	es_buf png = ES_BUF_INIT, out = ES_BUF_INIT;
	(void)state;

	rt_options(&o, &rt_cases[0], 200);
	TU_OK(es_render_png(&png, &o));
	TU_OK(es_image_import(&out, &r, png.ptr, png.len, NULL));
	assert_int_equal(r.dpi_source, ES_DPI_METADATA);
	assert_true(fabs(r.width_mm - 42) < 0.5);
	/* a wrong DPI given by the user wins */
	io.dpi = 400;
	es_buf_release(&out);
	TU_OK(es_image_import(&out, &r, png.ptr, png.len, &io));
	assert_int_equal(r.dpi_source, ES_DPI_OPTION);
	assert_true(fabs(r.width_mm - 21) < 0.5);
	io.dpi = 1;
	assert_int_equal(es_image_import(&out, &r, png.ptr, png.len, &io), ES_EINVAL);
	io.dpi = 0;
	io.version = 7;
	assert_int_equal(es_image_import(&out, &r, png.ptr, png.len, &io), ES_EINVAL);
	es_buf_release(&png);
	es_buf_release(&out);
}

static void test_import__allocation_failures_are_clean(void **state)
{
	es_render_options o;
	es_buf png = ES_BUF_INIT;
	int err = -1;
	(void)state;
	if (!es_mem_faults())
		skip(); /* a release build has no allocation-fault counters */

	rt_options(&o, &rt_cases[9], 100);
	TU_OK(es_render_png(&png, &o));
	for (unsigned long n = 1; n < 2000 && err != 0; n++) {
		es_buf out = ES_BUF_INIT;
		es_mem_fail_after(n, 1);
		err = es_image_import(&out, NULL, png.ptr, png.len, NULL);
		es_mem_fail_after(0, 0);
		es_buf_release(&out);
		if (err != 0 && err != ES_ENOMEM && err != ES_ELIMIT)
			fail_msg("allocation %lu: %s (%s)", n, es_error_name(err), es_error_last()->message);
	}
	assert_int_equal(err, 0);
	es_buf_release(&png);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_import__round_seal_from_a_scanned_form),
		cmocka_unit_test(test_import__oval_and_square_seals),
		cmocka_unit_test(test_import__signature_in_any_ink),
		cmocka_unit_test(test_import__no_impression_is_refused),
		cmocka_unit_test(test_import__bad_files_fail_clearly),
		cmocka_unit_test(test_import__options_and_dpi),
		cmocka_unit_test(test_import__allocation_failures_are_clean),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	es_render_cache_clear();
	return rc;
}
