/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * OFD page rendering (es_ofd_render.h): every sample and every OFD the
 * tests make renders to PNG, SVG and PDF; pixels of hand-made pages are
 * where GB/T 33190 puts them (paths, rules, colours, clips, templates,
 * text with DeltaX "g", fonts, images, stamps with clips); goldens at
 * 96 DPI with a tolerance; limits skip and say what; bad input never
 * fails the whole page.
 *
 * ES_UPDATE_GOLDEN=1 rewrites the PNGs in tests/vectors/ofd-render/.
 */
#include "es_int.h"
#include "testutil.h"
#include "pki_fixture.h"
#include "eseal/es_ofd.h"
#include "eseal/es_ofd_render.h"
#include "eseal/es_render.h"
#include "render/render_int.h"
#include "doc/ofd/ofd_limits.h"
#include <math.h>

#define DPI 96
#define PPM (DPI / 25.4)
#define ES_MIN(a, b) ((a) < (b) ? (a) : (b))
#define ES_MAX(a, b) ((a) > (b) ? (a) : (b))

/* ---- helpers ------------------------------------------------------------------- */

static const char RES[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	"<ofd:Res xmlns:ofd=\"http://www.ofdspec.org/2016\" BaseLoc=\"Res\">"
	"<ofd:ColorSpaces><ofd:ColorSpace ID=\"10\" Type=\"RGB\"/><ofd:ColorSpace ID=\"11\" Type=\"GRAY\"/>"
	"<ofd:ColorSpace ID=\"12\" Type=\"CMYK\"/>"
	"<ofd:ColorSpace ID=\"13\" Type=\"RGB\"><ofd:Palette><ofd:CV>0 0 0</ofd:CV><ofd:CV>0 128 0</ofd:CV></ofd:Palette></ofd:ColorSpace>"
	"</ofd:ColorSpaces>"
	"<ofd:DrawParams><ofd:DrawParam ID=\"20\" LineWidth=\"2\"><ofd:FillColor Value=\"0 0 255\"/></ofd:DrawParam>"
	"<ofd:DrawParam ID=\"21\" Relative=\"20\"><ofd:StrokeColor Value=\"0 255 0\"/></ofd:DrawParam>"
	"<ofd:DrawParam ID=\"22\" Relative=\"23\"/><ofd:DrawParam ID=\"23\" Relative=\"22\"/></ofd:DrawParams>"
	"<ofd:Fonts><ofd:Font ID=\"1\" FontName=\"宋体\" FamilyName=\"宋体\"/>"
	"<ofd:Font ID=\"2\" FontName=\"NoSuchFont\"/><ofd:Font ID=\"3\" FontName=\"黑体\"/>"
	"<ofd:Font ID=\"4\" FontName=\"楷体\"/><ofd:Font ID=\"5\" FontName=\"Courier New\"/></ofd:Fonts>"
	"<ofd:MultiMedias><ofd:MultiMedia ID=\"30\" Type=\"Image\" Format=\"PNG\"><ofd:MediaFile>red.png</ofd:MediaFile></ofd:MultiMedia>"
	"<ofd:MultiMedia ID=\"31\" Type=\"Image\"><ofd:MediaFile>bad.png</ofd:MediaFile></ofd:MultiMedia>"
	"<ofd:MultiMedia ID=\"32\" Type=\"Image\"><ofd:MediaFile>absent.png</ofd:MediaFile></ofd:MultiMedia></ofd:MultiMedias>"
	"<ofd:CompositeGraphicUnits><ofd:CompositeGraphicUnit ID=\"40\" Width=\"10\" Height=\"10\"><ofd:Content>"
	"<ofd:PathObject ID=\"41\" Boundary=\"0 0 10 10\" Fill=\"true\" Stroke=\"false\"><ofd:FillColor Value=\"255 0 255\"/>"
	"<ofd:AbbreviatedData>M 0 0 L 10 0 L 10 10 L 0 10 C</ofd:AbbreviatedData></ofd:PathObject>"
	"</ofd:Content></ofd:CompositeGraphicUnit></ofd:CompositeGraphicUnits>"
	"</ofd:Res>";

/* An OFD of one 100 x 100 mm page holding @layer_xml (page objects), with
 * an optional template of @tpl_xml objects (ZOrder @tpl_z). */
static void make_pkg(es_buf *out, const char *layer_xml, const char *tpl_xml, const char *tpl_z)
{
	es_ofd_pkg *p;
	es_buf b = ES_BUF_INIT;
	static const char ofd[] =
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?><ofd:OFD xmlns:ofd=\"http://www.ofdspec.org/2016\" Version=\"1.0\">"
		"<ofd:DocBody><ofd:DocInfo><ofd:DocID>x</ofd:DocID></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot>"
		"</ofd:DocBody></ofd:OFD>";
	TU_OK(es_ofd_pkg_new(&p));
	TU_OK(es_ofd_pkg_put(p, "OFD.xml", ofd, strlen(ofd)));
	TU_OK(es_buf_printf(&b,
			    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ofd:Document xmlns:ofd=\"http://www.ofdspec.org/2016\">"
			    "<ofd:CommonData><ofd:MaxUnitID>99</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 100 100"
			    "</ofd:PhysicalBox></ofd:PageArea><ofd:PublicRes>PublicRes.xml</ofd:PublicRes>%s</ofd:CommonData>"
			    "<ofd:Pages><ofd:Page ID=\"1\" BaseLoc=\"Pages/Page_0/Content.xml\"/></ofd:Pages></ofd:Document>",
			    tpl_xml ? "<ofd:TemplatePage ID=\"90\" BaseLoc=\"Tpls/Tpl_0/Content.xml\"/>" : ""));
	TU_OK(es_ofd_pkg_put(p, "Doc_0/Document.xml", b.ptr, b.len));
	TU_OK(es_ofd_pkg_put(p, "Doc_0/PublicRes.xml", RES, strlen(RES)));
	TU_OK(es_ofd_pkg_put(p, "Doc_0/Res/red.png", fx_png, sizeof(fx_png)));
	TU_OK(es_ofd_pkg_put(p, "Doc_0/Res/bad.png", fx_png, 20));
	b.len = 0;
	TU_OK(es_buf_printf(&b,
			    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ofd:Page xmlns:ofd=\"http://www.ofdspec.org/2016\">"
			    "%s%s%s%s<ofd:Content><ofd:Layer ID=\"2\">%s</ofd:Layer></ofd:Content></ofd:Page>",
			    tpl_xml ? "<ofd:Template TemplateID=\"90\" ZOrder=\"" : "", tpl_xml ? tpl_z : "",
			    tpl_xml ? "\"/>" : "", "", layer_xml));
	TU_OK(es_ofd_pkg_put(p, "Doc_0/Pages/Page_0/Content.xml", b.ptr, b.len));
	if (tpl_xml) {
		b.len = 0;
		TU_OK(es_buf_printf(&b,
				    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ofd:Page xmlns:ofd=\"http://www.ofdspec.org/2016\">"
				    "<ofd:Content><ofd:Layer ID=\"3\">%s</ofd:Layer></ofd:Content></ofd:Page>",
				    tpl_xml));
		TU_OK(es_ofd_pkg_put(p, "Doc_0/Tpls/Tpl_0/Content.xml", b.ptr, b.len));
	}
	es_buf_init(out, ES_BUF_DEFAULT_MAX);
	TU_OK(es_ofd_pkg_write(out, p));
	es_ofd_pkg_free(p);
	es_buf_release(&b);
}

/* Render page 1 of @ofd at 96 DPI and decode it. */
static void render_png(es_img *img, es_ofd_render_info *info, const uint8_t *ofd, size_t len)
{
	es_ofd_view *v;
	es_buf png = ES_BUF_INIT;
	es_ofd_render_options ro = ES_OFD_RENDER_OPTIONS_INIT;
	ro.dpi = DPI;
	TU_OK(es_ofd_view_open(&v, ofd, len));
	TU_OK(es_ofd_render_page(&png, v, 1, &ro, info));
	TU_OK(es_img__decode_rgba(img, png.ptr, png.len));
	es_ofd_view_free(v);
	es_buf_release(&png);
}

static void render_layer(es_img *img, es_ofd_render_info *info, const char *layer)
{
	es_buf ofd;
	make_pkg(&ofd, layer, NULL, NULL);
	render_png(img, info, ofd.ptr, ofd.len);
	es_buf_release(&ofd);
}

static const uint8_t *px(const es_img *im, double x_mm, double y_mm)
{
	unsigned x = (unsigned)(x_mm * PPM), y = (unsigned)(y_mm * PPM);
	assert_true(x < im->w && y < im->h);
	return im->px + ((size_t)y * im->w + x) * 4;
}

static void want_px(const es_img *im, double x, double y, int r, int g, int b, const char *what)
{
	const uint8_t *p = px(im, x, y);
	if (abs(p[0] - r) > 24 || abs(p[1] - g) > 24 || abs(p[2] - b) > 24)
		fail_msg("%s: pixel at %.1f,%.1f mm is %d %d %d, expected %d %d %d", what, x, y, p[0], p[1], p[2], r, g,
			 b);
}

static bool white(const es_img *im, double x, double y)
{
	const uint8_t *p = px(im, x, y);
	return p[0] > 240 && p[1] > 240 && p[2] > 240;
}

/* Ink (non-white) pixels inside a box in mm. */
static size_t ink(const es_img *im, double x0, double y0, double x1, double y1)
{
	size_t n = 0;
	for (unsigned y = (unsigned)(y0 * PPM); y < (unsigned)(y1 * PPM) && y < im->h; y++)
		for (unsigned x = (unsigned)(x0 * PPM); x < (unsigned)(x1 * PPM) && x < im->w; x++) {
			const uint8_t *p = im->px + ((size_t)y * im->w + x) * 4;
			if (p[0] < 200 || p[1] < 200 || p[2] < 200)
				n++;
		}
	return n;
}

#define RECT(id, extra, children, x, y, w, h)                                                                 \
	"<ofd:PathObject ID=\"" id "\" Boundary=\"" #x " " #y " " #w " " #h "\" " extra ">" children               \
	"<ofd:AbbreviatedData>M 0 0 L " #w " 0 L " #w " " #h " L 0 " #h " C</ofd:AbbreviatedData></ofd:PathObject>"

/* ---- samples ------------------------------------------------------------------ */

static const char *const SAMPLES[] = {
	"dms360_v1_seal_nonstd_tampered.ofd", "gomain_js-tax_v4_seal.ofd", "gomain_zj-tax_v4_seal.ofd",
	"kinggrid_cq-tax-test_v4_seal.ofd", "ofdrw_two_v4_seals_riding.ofd", "ofdrw_type-sign_digital.ofd",
	"tongz_shandong-cegn_v4seal_plus_gmt0010sign.ofd",
};

static void test_ofd_render__every_sample_every_format(void **state)
{
	(void)state;
	for (size_t i = 0; i < ES_ARRAY_LEN(SAMPLES); i++) {
		es_buf b;
		es_ofd_view *v;
		size_t stamps = 0;
		tu_read_sample(&b, SAMPLES[i]);
		TU_OK(es_ofd_view_open(&v, b.ptr, b.len));
		for (unsigned p = 1; p <= es_ofd_view_pages(v); p++) {
			for (int f = 0; f < 3; f++) {
				es_buf out = ES_BUF_INIT;
				es_ofd_render_options ro = ES_OFD_RENDER_OPTIONS_INIT;
				es_ofd_render_info info;
				ro.format = (es_ofd_render_format)f;
				ro.dpi = 72;
				TU_OK(es_ofd_render_page(&out, v, p, &ro, &info));
				assert_true(out.len > 500);
				assert_true(info.objects > 0);
				if (info.skipped)
					fail_msg("%s page %u skipped: %s", SAMPLES[i], p, info.skipped_what);
				assert_int_equal(info.missing_glyphs, 0);
				if (f == 0)
					stamps += info.stamps;
				if (f == 1)
					assert_non_null(strstr((const char *)out.ptr, "<svg"));
				if (f == 2)
					assert_memory_equal(out.ptr, "%PDF-", 5);
				es_buf_release(&out);
			}
		}
		print_message("%-48s %u pages, %zu stamps drawn\n", SAMPLES[i], es_ofd_view_pages(v), stamps);
		/* every signed sample's stamps are drawn (Type=Sign without picture: none) */
		if (strstr(SAMPLES[i], "riding"))
			assert_int_equal(stamps, 6); /* 5 slices + one whole stamp */
		else if (strstr(SAMPLES[i], "type-sign"))
			assert_int_equal(stamps, 0);
		else
			assert_int_equal(stamps, 1);
		es_ofd_view_free(v);
		es_buf_release(&b);
	}
}

/* A whole multi-page PDF of a sample: one PDF page per OFD page, metadata says "copy". */
static void test_ofd_render__pdf_all_pages_copy_metadata(void **state)
{
	es_buf b, pdf = ES_BUF_INIT, txt = ES_BUF_INIT;
	es_ofd_view *v;
	es_ofd_render_info info;
	const char *dir = tu_tmpdir();
	char path[512];
	FILE *f;
	(void)state;
	tu_read_sample(&b, "kinggrid_cq-tax-test_v4_seal.ofd");
	TU_OK(es_ofd_view_open(&v, b.ptr, b.len));
	TU_OK(es_ofd_render_pdf(&pdf, v, NULL, 0, NULL, &info));
	snprintf(path, sizeof(path), "%s/all.pdf", dir);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(pdf.ptr, 1, pdf.len, f), pdf.len);
	fclose(f);
	if (tu_run(&txt, "pdfinfo '%s' 2>&1", path) != 0) {
		print_message("pdfinfo not installed: metadata not checked\n");
	} else {
		TU_OK(es_buf_put(&txt, "", 1));
		assert_non_null(strstr((const char *)txt.ptr, "Pages:           5"));
		assert_non_null(strstr((const char *)txt.ptr, "converted copy"));
		assert_non_null(strstr((const char *)txt.ptr, "remains the original"));
	}
	es_ofd_view_free(v);
	es_buf_release(&b);
	es_buf_release(&pdf);
	es_buf_release(&txt);
}

/* ---- goldens ---------------------------------------------------------------- */

static void test_ofd_render__goldens_match_within_tolerance(void **state)
{
	static const struct {
		const char *sample;
		unsigned page;
		const char *file;
	} G[] = {
		{ "gomain_zj-tax_v4_seal.ofd", 1, "gomain-invoice.png" },
		{ "tongz_shandong-cegn_v4seal_plus_gmt0010sign.ofd", 1, "tongz-embedded-font.png" },
		{ "ofdrw_two_v4_seals_riding.ofd", 1, "riding-page1.png" },
	};
	bool update = getenv("ES_UPDATE_GOLDEN") != NULL;
	(void)state;
	for (size_t i = 0; i < ES_ARRAY_LEN(G); i++) {
		es_buf b, png = ES_BUF_INIT, want;
		es_ofd_view *v;
		es_ofd_render_options ro = ES_OFD_RENDER_OPTIONS_INIT;
		es_img a, e;
		char path[1024];
		size_t differ = 0, n;
		ro.dpi = DPI;
		tu_read_sample(&b, G[i].sample);
		TU_OK(es_ofd_view_open(&v, b.ptr, b.len));
		TU_OK(es_ofd_render_page(&png, v, G[i].page, &ro, NULL));
		snprintf(path, sizeof(path), "%s/tests/vectors/ofd-render/%s", ES_SOURCE_DIR, G[i].file);
		if (update) {
			FILE *f = fopen(path, "wb");
			assert_non_null(f);
			assert_int_equal(fwrite(png.ptr, 1, png.len, f), png.len);
			fclose(f);
		}
		tu_read(&want, path);
		TU_OK(es_img__decode_rgba(&a, png.ptr, png.len));
		TU_OK(es_img__decode_rgba(&e, want.ptr, want.len));
		assert_int_equal(a.w, e.w);
		assert_int_equal(a.h, e.h);
		n = (size_t)a.w * a.h;
		for (size_t k = 0; k < n; k++)
			for (int ch = 0; ch < 3; ch++)
				if (abs(a.px[k * 4 + ch] - e.px[k * 4 + ch]) > 48) {
					differ++;
					break;
				}
		print_message("golden %-26s %4ux%-4u %zu pixels differ (%.3f%%)\n", G[i].file, a.w, a.h, differ,
			      100.0 * (double)differ / (double)n);
		if (differ * 200 > n) /* more than 0.5 % */
			fail_msg("%s: %zu of %zu pixels differ from the golden image", G[i].file, differ, n);
		es_img__release(&a);
		es_img__release(&e);
		es_ofd_view_free(v);
		es_buf_release(&b);
		es_buf_release(&png);
		es_buf_release(&want);
	}
}

/* ---- what is drawn ---------------------------------------------------------- */

static void test_ofd_render__paths_colours_rules(void **state)
{
	es_img im;
	es_ofd_render_info info;
	(void)state;
	render_layer(&im, &info,
		     /* red fill, RGB */
		     RECT("5", "Fill=\"true\" Stroke=\"false\"", "<ofd:FillColor Value=\"255 0 0\"/>", 10, 10, 20, 20)
		     /* CMYK cyan (0..255 components) */
		     RECT("6", "Fill=\"true\" Stroke=\"false\"", "<ofd:FillColor ColorSpace=\"12\" Value=\"255 0 0 0\"/>",
			  40, 10, 20, 20)
		     /* grey */
		     RECT("7", "Fill=\"true\" Stroke=\"false\"", "<ofd:FillColor ColorSpace=\"11\" Value=\"128\"/>", 70,
			  10, 20, 20)
		     /* palette index 1: green 128 */
		     RECT("8", "Fill=\"true\" Stroke=\"false\"", "<ofd:FillColor ColorSpace=\"13\" Index=\"1\"/>", 10, 40,
			  20, 20)
		     /* DrawParam 21 relative to 20: blue fill, green stroke 2 mm */
		     RECT("9", "DrawParam=\"21\" Fill=\"true\"", "", 40, 40, 20, 20)
		     /* even-odd: two squares, the inner one a hole */
		     "<ofd:PathObject ID=\"10\" Boundary=\"70 40 20 20\" Fill=\"true\" Stroke=\"false\" Rule=\"Even-Odd\">"
		     "<ofd:FillColor Value=\"0 0 0\"/><ofd:AbbreviatedData>M 0 0 L 20 0 L 20 20 L 0 20 C M 5 5 L 15 5 L 15 15 "
		     "L 5 15 C</ofd:AbbreviatedData></ofd:PathObject>"
		     /* non-zero (default): the same squares, no hole */
		     "<ofd:PathObject ID=\"11\" Boundary=\"10 70 20 20\" Fill=\"true\" Stroke=\"false\">"
		     "<ofd:FillColor Value=\"0 0 0\"/><ofd:AbbreviatedData>M 0 0 L 20 0 L 20 20 L 0 20 C M 5 5 L 15 5 L 15 15 "
		     "L 5 15 C</ofd:AbbreviatedData></ofd:PathObject>"
		     /* alpha 128 red over white: pink */
		     RECT("12", "Fill=\"true\" Stroke=\"false\"", "<ofd:FillColor Value=\"255 0 0\" Alpha=\"128\"/>", 40, 70,
			  20, 20)
		     /* composite unit 40 (magenta 10x10), scaled by CTM 2 */
		     "<ofd:CompositeObject ID=\"13\" Boundary=\"70 70 20 20\" CTM=\"2 0 0 2 0 0\" ResourceID=\"40\"/>");
	want_px(&im, 20, 20, 255, 0, 0, "RGB fill");
	want_px(&im, 50, 20, 0, 255, 255, "CMYK cyan");
	want_px(&im, 80, 20, 128, 128, 128, "Gray");
	want_px(&im, 20, 50, 0, 128, 0, "palette index");
	want_px(&im, 50, 50, 0, 0, 255, "DrawParam fill");
	want_px(&im, 40.2, 50, 0, 255, 0, "Relative DrawParam stroke");
	want_px(&im, 80, 50, 255, 255, 255, "even-odd hole");
	want_px(&im, 72, 50, 0, 0, 0, "even-odd ring");
	want_px(&im, 20, 80, 0, 0, 0, "non-zero: no hole");
	want_px(&im, 50, 80, 255, 127, 127, "alpha");
	want_px(&im, 88, 88, 255, 0, 255, "composite object under CTM");
	assert_true(white(&im, 35, 35));
	assert_int_equal(info.skipped, 0);
	es_img__release(&im);
}

static void test_ofd_render__strokes_arcs_curves_dashes(void **state)
{
	es_img im;
	es_ofd_render_info info;
	size_t on = 0, off = 0;
	(void)state;
	render_layer(&im, &info,
		     /* circle of radius 10 around (30,30) from two arcs */
		     "<ofd:PathObject ID=\"5\" Boundary=\"20 20 20 20\" LineWidth=\"1\"><ofd:AbbreviatedData>M 0 10 "
		     "A 10 10 0 1 1 20 10 A 10 10 0 1 1 0 10</ofd:AbbreviatedData></ofd:PathObject>"
		     /* dashed horizontal line, 2 on 2 off, 1 mm wide */
		     "<ofd:PathObject ID=\"6\" Boundary=\"10 60 80 2\" LineWidth=\"1\" DashPattern=\"2 2\">"
		     "<ofd:AbbreviatedData>M 0 1 L 80 1</ofd:AbbreviatedData></ofd:PathObject>"
		     /* quadratic and cubic curves */
		     "<ofd:PathObject ID=\"7\" Boundary=\"50 10 40 40\" LineWidth=\"1\"><ofd:AbbreviatedData>M 0 40 Q 20 -40 40 "
		     "40 M 0 0 B 0 40 40 40 40 0</ofd:AbbreviatedData></ofd:PathObject>"
		     /* round caps make a zero-length stroke a dot */
		     "<ofd:PathObject ID=\"8\" Boundary=\"10 80 10 10\" LineWidth=\"4\" Cap=\"Round\">"
		     "<ofd:AbbreviatedData>M 5 5 L 5 5</ofd:AbbreviatedData></ofd:PathObject>");
	/* the circle passes through (30,20), (40,30), (30,40), (20,30); its centre is empty */
	assert_true(ink(&im, 29, 19, 31, 21) > 0);
	assert_true(ink(&im, 39, 29, 41, 31) > 0);
	assert_true(ink(&im, 29, 39, 31, 41) > 0);
	assert_true(ink(&im, 19, 29, 21, 31) > 0);
	assert_true(white(&im, 30, 30));
	for (double x = 10.5; x < 89; x += 1) {
		if (!white(&im, x, 61))
			on++;
		else
			off++;
	}
	assert_true(on > 25 && off > 25);
	/* the quadratic peaks at y = 10 + 0 (control -40: midpoint at 0) */
	assert_true(ink(&im, 69, 9.5, 71, 11.5) > 0);
	/* the cubic dips to y = 10 + 30 */
	assert_true(ink(&im, 69, 38.5, 71, 41.5) > 0);
	assert_true(!white(&im, 15, 85));
	es_img__release(&im);
}

static void test_ofd_render__clips_templates_layers(void **state)
{
	es_buf ofd;
	es_img im;
	es_ofd_render_info info;
	(void)state;
	/* a red square clipped to its left half */
	make_pkg(&ofd,
		 RECT("5", "Fill=\"true\" Stroke=\"false\"",
		      "<ofd:Clips><ofd:Clip><ofd:Area><ofd:Path Boundary=\"0 0 10 20\"><ofd:AbbreviatedData>M 0 0 L 10 0 L 10 20 "
		      "L 0 20 C</ofd:AbbreviatedData></ofd:Path></ofd:Area></ofd:Clip></ofd:Clips><ofd:FillColor Value=\"255 0 0\"/>",
		      10, 10, 20, 20)
		 /* page content over a background template */
		 RECT("6", "Fill=\"true\" Stroke=\"false\"", "<ofd:FillColor Value=\"0 0 255\"/>", 50, 50, 20, 20),
		 RECT("7", "Fill=\"true\" Stroke=\"false\"", "<ofd:FillColor Value=\"0 255 0\"/>", 40, 40, 20, 20),
		 "Background");
	render_png(&im, &info, ofd.ptr, ofd.len);
	want_px(&im, 15, 20, 255, 0, 0, "inside the clip");
	assert_true(white(&im, 25, 20));
	want_px(&im, 55, 55, 0, 0, 255, "content above a background template");
	want_px(&im, 45, 45, 0, 255, 0, "template");
	es_img__release(&im);
	es_buf_release(&ofd);
	make_pkg(&ofd, RECT("6", "Fill=\"true\" Stroke=\"false\"", "<ofd:FillColor Value=\"0 0 255\"/>", 50, 50, 20, 20),
		 RECT("7", "Fill=\"true\" Stroke=\"false\"", "<ofd:FillColor Value=\"0 255 0\"/>", 40, 40, 20, 20),
		 "Foreground");
	render_png(&im, &info, ofd.ptr, ofd.len);
	want_px(&im, 55, 55, 0, 255, 0, "foreground template above content");
	es_img__release(&im);
	es_buf_release(&ofd);
}

/* Text: DeltaX with "g", unembedded families through the mapping table,
 * no tofu, and glyph positions from X + DeltaX. */
static void test_ofd_render__text_positions_and_fonts(void **state)
{
	es_img im;
	es_ofd_render_info info;
	(void)state;
	render_layer(&im, &info,
		     "<ofd:TextObject ID=\"5\" Boundary=\"0 0 100 20\" Font=\"1\" Size=\"8\">"
		     "<ofd:TextCode X=\"10\" Y=\"10\" DeltaX=\"g 3 20\">电子印章</ofd:TextCode></ofd:TextObject>"
		     "<ofd:TextObject ID=\"6\" Boundary=\"0 30 100 20\" Font=\"3\" Size=\"8\">"
		     "<ofd:TextCode X=\"10\" Y=\"10\">黑体楷</ofd:TextCode></ofd:TextObject>"
		     "<ofd:TextObject ID=\"7\" Boundary=\"0 50 100 20\" Font=\"4\" Size=\"8\">"
		     "<ofd:TextCode X=\"10\" Y=\"10\">楷体字</ofd:TextCode></ofd:TextObject>"
		     "<ofd:TextObject ID=\"8\" Boundary=\"0 70 100 20\" Font=\"2\" Size=\"6\">"
		     "<ofd:TextCode X=\"10\" Y=\"10\" DeltaX=\"5 5 5\">Abc中</ofd:TextCode></ofd:TextObject>"
		     /* vertical: DeltaY only keeps x */
		     "<ofd:TextObject ID=\"9\" Boundary=\"90 0 10 100\" Font=\"1\" Size=\"5\">"
		     "<ofd:TextCode X=\"0\" Y=\"10\" DeltaY=\"20 20\">购买方</ofd:TextCode></ofd:TextObject>");
	assert_int_equal(info.missing_glyphs, 0);
	assert_int_equal(info.glyphs, 4 + 3 + 3 + 4 + 3);
	/* glyph i of the first code sits at x = 10 + 20 i, baseline 10, 8 mm high */
	for (int i = 0; i < 4; i++)
		if (ink(&im, 10 + 20 * i, 3, 10 + 20 * i + 8, 11) < 20)
			fail_msg("glyph %d not at x = %d mm", i, 10 + 20 * i);
	assert_int_equal(ink(&im, 19, 3, 29.5, 11), 0); /* nothing between glyphs 0 and 1 */
	assert_true(ink(&im, 10, 33, 34, 41) > 50);
	assert_true(ink(&im, 10, 53, 34, 61) > 50);
	assert_true(ink(&im, 10, 73, 30, 81) > 20);
	/* the vertical run: three glyphs in one column */
	for (int i = 0; i < 3; i++)
		assert_true(ink(&im, 90, 6 + 20 * i, 95.5, 11 + 20 * i) > 10);
	es_img__release(&im);
}

static void test_ofd_render__missing_glyph_counted(void **state)
{
	es_img im;
	es_ofd_render_info info;
	(void)state;
	/* a private-use character no installed font has */
	render_layer(&im, &info,
		     "<ofd:TextObject ID=\"5\" Boundary=\"0 0 100 20\" Font=\"1\" Size=\"8\">"
		     "<ofd:TextCode X=\"10\" Y=\"10\">A\xee\x80\x80</ofd:TextCode></ofd:TextObject>");
	assert_int_equal(info.missing_glyphs, 1);
	assert_int_equal(info.glyphs, 1);
	es_img__release(&im);
}

static void test_ofd_render__images(void **state)
{
	es_img im;
	es_ofd_render_info info;
	(void)state;
	render_layer(&im, &info,
		     "<ofd:ImageObject ID=\"5\" Boundary=\"10 10 30 20\" CTM=\"30 0 0 20 0 0\" ResourceID=\"30\"/>"
		     "<ofd:ImageObject ID=\"6\" Boundary=\"50 10 30 20\" CTM=\"30 0 0 20 0 0\" ResourceID=\"31\"/>"
		     "<ofd:ImageObject ID=\"7\" Boundary=\"50 50 30 20\" CTM=\"30 0 0 20 0 0\" ResourceID=\"32\"/>"
		     "<ofd:ImageObject ID=\"8\" Boundary=\"10 50 30 20\" CTM=\"30 0 0 20 0 0\" ResourceID=\"30\" Alpha=\"0\"/>");
	want_px(&im, 25, 20, 255, 0, 0, "image scaled to its CTM");
	assert_true(white(&im, 45, 20));
	assert_true(white(&im, 25, 60)); /* alpha 0 */
	assert_int_equal(info.images, 2);
	assert_int_equal(info.skipped, 2);
	assert_non_null(strstr(info.skipped_what, "undecodable"));
	assert_non_null(strstr(info.skipped_what, "missing"));
	es_img__release(&im);
}

/* A 24-bit BMP of w x h pixels in one colour (bottom-up rows padded to 4 bytes). */
static void bmp(es_buf *out, unsigned w, unsigned h, uint8_t r, uint8_t g, uint8_t b)
{
	unsigned row = (w * 3 + 3) & ~3u, size = 54 + row * h;
	uint8_t hd[54] = { 'B', 'M' };
	hd[2] = (uint8_t)size, hd[3] = (uint8_t)(size >> 8), hd[4] = (uint8_t)(size >> 16);
	hd[10] = 54;
	hd[14] = 40;
	hd[18] = (uint8_t)w, hd[19] = (uint8_t)(w >> 8);
	hd[22] = (uint8_t)h, hd[23] = (uint8_t)(h >> 8);
	hd[26] = 1;
	hd[28] = 24;
	es_buf_init(out, ES_BUF_DEFAULT_MAX);
	TU_OK(es_buf_put(out, hd, sizeof(hd)));
	for (unsigned y = 0; y < h; y++)
		for (unsigned x = 0; x < row; x++) {
			uint8_t px3[3] = { b, g, r };
			TU_OK(es_buf_put(out, x < w * 3 ? &px3[x % 3] : (const uint8_t *)"", 1));
		}
}

/* Images in other formats through MuPDF's decoders: BMP here, JBIG2 in the tax invoice samples. */
static void test_ofd_render__bmp_image(void **state)
{
	es_buf pic, ofd = ES_BUF_INIT;
	es_ofd_make_options mo = ES_OFD_MAKE_OPTIONS_INIT;
	es_ofd_image im = { 1, "BMP", NULL, 0, 20, 30, 40, 20 };
	static const char *const lines[] = { "BMP" };
	es_img out;
	es_ofd_render_info info;
	(void)state;
	bmp(&pic, 5, 3, 0, 0, 255);
	im.data = pic.ptr;
	im.len = pic.len;
	mo.lines = lines;
	mo.nlines = 1;
	mo.images = &im;
	mo.nimages = 1;
	TU_OK(es_ofd_make(&ofd, &mo));
	render_png(&out, &info, ofd.ptr, ofd.len);
	assert_int_equal(info.images, 1);
	assert_int_equal(info.skipped, 0);
	want_px(&out, 40, 40, 0, 0, 255, "BMP image");
	assert_true(white(&out, 65, 40));
	es_img__release(&out);
	es_buf_release(&pic);
	es_buf_release(&ofd);
}

/* ---- stamps on OFDs the tests make ------------------------------------------------------ */

static fx_pki P;

static int setup(void **state)
{
	(void)state;
	fx_pki_init(&P);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fx_pki_free(&P);
	return 0;
}

static void seal_with(es_buf *out, const char *type, const uint8_t *pic, size_t len)
{
	es_seal_make_options mo = ES_SEAL_MAKE_OPTIONS_INIT;
	es_cert *signers[1] = { P.signer };
	mo.esid = FX_ESID;
	mo.name = "示例科技有限公司";
	mo.signers = signers;
	mo.nsigners = 1;
	mo.cert_list_type = 1;
	mo.picture_type = type;
	mo.picture = pic;
	mo.picture_len = len;
	mo.width_mm = 40;
	mo.height_mm = 40;
	es_buf_init(out, ES_BUF_DEFAULT_MAX);
	TU_OK(es_seal_make(out, &mo, P.maker, P.maker_key, P.trust));
}

/* Red pixels' bounding box in mm (page space). */
static bool red_box(const es_img *im, double box[4])
{
	unsigned x0 = im->w, y0 = im->h, x1 = 0, y1 = 0;
	for (unsigned y = 0; y < im->h; y++)
		for (unsigned x = 0; x < im->w; x++) {
			const uint8_t *p = im->px + ((size_t)y * im->w + x) * 4;
			if (p[0] > 180 && p[1] < 90 && p[2] < 90) {
				x0 = ES_MIN(x0, x);
				y0 = ES_MIN(y0, y);
				x1 = ES_MAX(x1, x + 1);
				y1 = ES_MAX(y1, y + 1);
			}
		}
	if (x1 == 0)
		return false;
	box[0] = x0 / PPM;
	box[1] = y0 / PPM;
	box[2] = x1 / PPM;
	box[3] = y1 / PPM;
	return true;
}

static void test_ofd_render__stamps_png_svg_ofd_and_riding(void **state)
{
	static const char *const lines[] = { "第一页 盖章", "\f", "第二页", "\f", "第三页" };
	es_ofd_make_options mo = ES_OFD_MAKE_OPTIONS_INIT;
	es_buf doc = ES_BUF_INIT, seal_png, seal_svg, seal_ofd, red_png = ES_BUF_INIT, svg = ES_BUF_INIT,
	       pic_ofd = ES_BUF_INIT;
	es_render_options rop = ES_RENDER_OPTIONS_INIT;
	(void)state;
	mo.lines = lines;
	mo.nlines = ES_ARRAY_LEN(lines);
	TU_OK(es_ofd_make(&doc, &mo));
	/* three seal pictures: a rendered PNG, the same seal as SVG, an OFD holding the PNG */
	rop.name = "示例科技有限公司";
	rop.dpi = 300;
	TU_OK(es_render_png(&red_png, &rop));
	TU_OK(es_render_svg(&svg, &rop));
	{
		es_ofd_make_options po = ES_OFD_MAKE_OPTIONS_INIT;
		es_ofd_image im = { 1, "PNG", red_png.ptr, red_png.len, 0, 0, 42, 42 };
		static const char *const none[] = { "" };
		po.page_w = po.page_h = 42;
		po.margin = 1;
		po.font_size = 1;
		po.images = &im;
		po.nimages = 1;
		po.lines = none;
		po.nlines = 1;
		TU_OK(es_ofd_make(&pic_ofd, &po));
	}
	seal_with(&seal_png, "PNG", red_png.ptr, red_png.len);
	seal_with(&seal_svg, "SVG", svg.ptr, svg.len);
	seal_with(&seal_ofd, "OFD", pic_ofd.ptr, pic_ofd.len);
	{
		const es_buf *seals[3] = { &seal_png, &seal_svg, &seal_ofd };
		for (int k = 0; k < 3; k++) {
			es_seal *s;
			es_buf out = ES_BUF_INIT;
			es_ofd_sign_options so = ES_OFD_SIGN_OPTIONS_INIT;
			es_img im;
			es_ofd_render_info info;
			double box[4];
			TU_OK(es_seal_parse(&s, seals[k]->ptr, seals[k]->len));
			so.x = 100;
			so.y = 150;
			so.w = so.h = 40;
			TU_OK(es_ofd_sign(&out, doc.ptr, doc.len, &so, s, P.signer, P.signer_key));
			render_png(&im, &info, out.ptr, out.len);
			if (info.stamps != 1)
				fail_msg("seal %d: no stamp drawn: %s", k, info.skipped_what);
			assert_int_equal(info.skipped, 0);
			assert_true(red_box(&im, box));
			print_message("seal %d: red in %.2f %.2f %.2f %.2f mm\n", k, box[0], box[1], box[2], box[3]);
			/* the seal's red lands in the stamp box, within 1 mm */
			assert_true(fabs(box[0] - 100) <= 1 && fabs(box[1] - 150) <= 1);
			assert_true(fabs(box[2] - 140) <= 1 && fabs(box[3] - 190) <= 1);
			es_img__release(&im);
			/* --no-stamps leaves it out */
			{
				es_ofd_view *v;
				es_buf png = ES_BUF_INIT;
				es_ofd_render_options ro = ES_OFD_RENDER_OPTIONS_INIT;
				ro.dpi = DPI;
				ro.no_stamps = true;
				TU_OK(es_ofd_view_open(&v, out.ptr, out.len));
				TU_OK(es_ofd_render_page(&png, v, 1, &ro, &info));
				TU_OK(es_img__decode_rgba(&im, png.ptr, png.len));
				assert_false(red_box(&im, box));
				es_img__release(&im);
				es_ofd_view_free(v);
				es_buf_release(&png);
			}
			if (k == 0) { /* riding: each page shows its slice at the right edge */
				es_buf rid = ES_BUF_INIT;
				es_ofd_view *v;
				so.place = ES_OFD_PLACE_RIDING;
				TU_OK(es_ofd_sign(&rid, doc.ptr, doc.len, &so, s, P.signer, P.signer_key));
				TU_OK(es_ofd_view_open(&v, rid.ptr, rid.len));
				for (unsigned p = 1; p <= 3; p++) {
					es_buf png = ES_BUF_INIT;
					es_ofd_render_options ro = ES_OFD_RENDER_OPTIONS_INIT;
					ro.dpi = DPI;
					TU_OK(es_ofd_render_page(&png, v, p, &ro, &info));
					TU_OK(es_img__decode_rgba(&im, png.ptr, png.len));
					assert_int_equal(info.stamps, 1);
					assert_true(red_box(&im, box));
					/* a third of 40 mm at the right edge (210 mm) */
					print_message("riding page %u: red x %.2f-%.2f\n", p, box[0], box[2]);
					assert_true(box[2] > 208.5 && box[0] > 210 - 40.0 / 3 - 1 && box[0] < 210 - 40.0 / 3 + 2);
					es_img__release(&im);
					es_buf_release(&png);
				}
				es_ofd_view_free(v);
				es_buf_release(&rid);
			}
			es_seal_free(s);
			es_buf_release(&out);
		}
	}
	es_buf_release(&doc);
	es_buf_release(&seal_png);
	es_buf_release(&seal_svg);
	es_buf_release(&seal_ofd);
	es_buf_release(&red_png);
	es_buf_release(&svg);
	es_buf_release(&pic_ofd);
}

/* pdftotext on our PDF yields the TextCodes' text, in order. */
static void test_ofd_render__pdf_text_in_order(void **state)
{
	static const char *const lines[] = { "电子营业执照", "名称：示例科技有限公司", "统一社会信用代码 91110105061311021A",
					     "住所：北京市海淀区", "\f", "第二页 Page two" };
	es_ofd_make_options mo = ES_OFD_MAKE_OPTIONS_INIT;
	es_buf doc = ES_BUF_INIT, pdf = ES_BUF_INIT, txt = ES_BUF_INIT;
	es_ofd_view *v;
	char path[512];
	FILE *f;
	const char *at;
	(void)state;
	mo.lines = lines;
	mo.nlines = ES_ARRAY_LEN(lines);
	TU_OK(es_ofd_make(&doc, &mo));
	TU_OK(es_ofd_view_open(&v, doc.ptr, doc.len));
	TU_OK(es_ofd_render_pdf(&pdf, v, NULL, 0, NULL, NULL));
	snprintf(path, sizeof(path), "%s/text.pdf", tu_tmpdir());
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(pdf.ptr, 1, pdf.len, f), pdf.len);
	fclose(f);
	if (tu_run(&txt, "pdftotext -raw '%s' - 2>/dev/null", path) != 0) {
		print_message("pdftotext not installed: text not checked\n");
		goto done;
	}
	TU_OK(es_buf_put(&txt, "", 1));
	at = (const char *)txt.ptr;
	for (size_t i = 0; i < ES_ARRAY_LEN(lines); i++) {
		const char *hit;
		if (strcmp(lines[i], "\f") == 0)
			continue;
		hit = strstr(at, lines[i]);
		if (!hit)
			fail_msg("'%s' not found (in order) in pdftotext output:\n%s", lines[i], (const char *)txt.ptr);
		at = hit + strlen(lines[i]);
	}
done:
	es_ofd_view_free(v);
	es_buf_release(&doc);
	es_buf_release(&pdf);
	es_buf_release(&txt);
}

/* ---- limits and bad input ------------------------------------------------------------- */

static void test_ofd_render__limits_skip_and_say(void **state)
{
	es_buf layer = ES_BUF_INIT;
	es_img im;
	es_ofd_render_info info;
	(void)state;
	/* a path over the point limit, then a normal red square that is still drawn */
	TU_OK(es_buf_puts(&layer, "<ofd:PathObject ID=\"5\" Boundary=\"0 0 100 100\"><ofd:AbbreviatedData>M 0 0"));
	{
		/* varied numbers: repeated text would trip the zip ratio limit first */
		uint32_t r = 12345;
		for (int i = 0; i < ES_OFD_RENDER_MAX_PATH_POINTS + 10; i++) {
			r = r * 1103515245u + 12345u;
			TU_OK(es_buf_printf(&layer, " L %u.%u %u", (r >> 8) % 100, (r >> 16) % 1000, (r >> 3) % 97));
		}
	}
	TU_OK(es_buf_puts(&layer, "</ofd:AbbreviatedData></ofd:PathObject>"));
	/* nesting deeper than the limit */
	for (int i = 0; i < ES_OFD_RENDER_MAX_DEPTH + 2; i++)
		TU_OK(es_buf_puts(&layer, "<ofd:PageBlock>"));
	TU_OK(es_buf_puts(&layer, RECT("6", "Fill=\"true\"", "", 60, 60, 10, 10)));
	for (int i = 0; i < ES_OFD_RENDER_MAX_DEPTH + 2; i++)
		TU_OK(es_buf_puts(&layer, "</ofd:PageBlock>"));
	TU_OK(es_buf_puts(&layer, RECT("7", "Fill=\"true\" Stroke=\"false\"", "<ofd:FillColor Value=\"255 0 0\"/>", 10, 10,
				       20, 20)));
	TU_OK(es_buf_put(&layer, "", 1));
	render_layer(&im, &info, (const char *)layer.ptr);
	assert_int_equal(info.skipped, 2);
	assert_non_null(strstr(info.skipped_what, "point limit"));
	assert_non_null(strstr(info.skipped_what, "nested deeper"));
	want_px(&im, 20, 20, 255, 0, 0, "drawn after skipped parts");
	assert_true(white(&im, 65, 65));
	es_img__release(&im);
	es_buf_release(&layer);
}

static void test_ofd_render__output_pixel_limit(void **state)
{
	es_buf ofd, out = ES_BUF_INIT;
	es_ofd_view *v;
	es_ofd_render_options ro = ES_OFD_RENDER_OPTIONS_INIT;
	(void)state;
	make_pkg(&ofd, "", NULL, NULL);
	TU_OK(es_ofd_view_open(&v, ofd.ptr, ofd.len));
	ro.dpi = 2400; /* 100 mm at 2400 DPI = 9449 px square: 89 MP, allowed */
	ro.dpi = 2600;
	assert_int_equal(es_ofd_render_page(&out, v, 1, &ro, NULL), ES_EINVAL);
	ro.dpi = 0;
	ro.version = 99;
	assert_int_equal(es_ofd_render_page(&out, v, 1, &ro, NULL), ES_EINVAL);
	ro.version = ES_OFD_RENDER_OPTIONS_VERSION;
	assert_int_equal(es_ofd_render_page(&out, v, 2, &ro, NULL), ES_EINVAL);
	assert_int_equal(es_ofd_render_page(&out, v, 0, &ro, NULL), ES_EINVAL);
	es_ofd_view_free(v);
	es_buf_release(&ofd);
	/* a 5000 x 5000 mm page at 96 DPI is 18898 px square: 357 MP, refused */
	{
		es_ofd_pkg *p;
		es_buf b = ES_BUF_INIT;
		static const char big[] =
			"<?xml version=\"1.0\"?><ofd:Document xmlns:ofd=\"http://www.ofdspec.org/2016\"><ofd:CommonData>"
			"<ofd:PageArea><ofd:PhysicalBox>0 0 90000 90000</ofd:PhysicalBox></ofd:PageArea></ofd:CommonData>"
			"<ofd:Pages><ofd:Page ID=\"1\" BaseLoc=\"P.xml\"/></ofd:Pages></ofd:Document>";
		static const char ofdx[] = "<ofd:OFD xmlns:ofd=\"http://www.ofdspec.org/2016\"><ofd:DocBody><ofd:DocRoot>"
					   "D/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>";
		TU_OK(es_ofd_pkg_new(&p));
		TU_OK(es_ofd_pkg_put(p, "OFD.xml", ofdx, strlen(ofdx)));
		TU_OK(es_ofd_pkg_put(p, "D/Document.xml", big, strlen(big)));
		TU_OK(es_ofd_pkg_write(&b, p));
		es_ofd_pkg_free(p);
		TU_OK(es_ofd_view_open(&v, b.ptr, b.len));
		ro.dpi = 96;
		assert_int_equal(es_ofd_render_page(&out, v, 1, &ro, NULL), ES_ELIMIT);
		assert_non_null(strstr(es_error_last()->message, "lower --dpi"));
		/* a PDF has no pixels: drawn (the page content is missing: skipped, said) */
		{
			es_ofd_render_info info;
			ro.format = ES_OFD_RENDER_PDF;
			out.len = 0;
			TU_OK(es_ofd_render_page(&out, v, 1, &ro, &info));
			assert_int_equal(info.skipped, 1);
			assert_non_null(strstr(info.skipped_what, "content missing"));
			assert_true(info.width_mm <= ES_OFD_RENDER_MAX_PAGE_MM);
		}
		es_ofd_view_free(v);
		es_buf_release(&b);
	}
	es_buf_release(&out);
}

static void test_ofd_render__bad_input(void **state)
{
	static const char *const layers[] = {
		/* numbers that are not numbers */
		"<ofd:PathObject ID=\"5\" Boundary=\"nan inf -1e999 1e999\" CTM=\"0 0 0 0 0 0\" LineWidth=\"-5\">"
		"<ofd:AbbreviatedData>M nan 0 L 1e308 1e308 A 0 0 0 1 1 5 5 A 1e-300 1 0 0 0 1 1</ofd:AbbreviatedData></ofd:PathObject>",
		/* truncated and unknown path operators */
		"<ofd:PathObject ID=\"5\" Boundary=\"0 0 10 10\"><ofd:AbbreviatedData>M 0 0 L 5</ofd:AbbreviatedData></ofd:PathObject>"
		"<ofd:PathObject ID=\"6\" Boundary=\"0 0 10 10\"><ofd:AbbreviatedData>M 0 0 X 5 5 L 1 1</ofd:AbbreviatedData></ofd:PathObject>"
		"<ofd:PathObject ID=\"7\" Boundary=\"0 0 10 10\"><ofd:AbbreviatedData>L 1 1 C C Q</ofd:AbbreviatedData></ofd:PathObject>",
		/* huge repeat counts, negative and odd deltas, no font, size 0 */
		"<ofd:TextObject ID=\"5\" Boundary=\"0 0 10 10\" Font=\"77\" Size=\"3\"><ofd:TextCode X=\"1\" Y=\"1\" "
		"DeltaX=\"g 4294967295 1 g -1 2 g x\" DeltaY=\"g 99999999999999999999 1\">abc</ofd:TextCode></ofd:TextObject>"
		"<ofd:TextObject ID=\"6\" Boundary=\"0 0 10 10\" Font=\"1\" Size=\"0\"><ofd:TextCode>abc</ofd:TextCode></ofd:TextObject>"
		"<ofd:TextObject ID=\"7\" Boundary=\"0 0 10 10\" Font=\"1\" Size=\"3\" HScale=\"0\"><ofd:TextCode>a\xff\xfe</ofd:TextCode>"
		"</ofd:TextObject>"
		"<ofd:TextObject ID=\"8\" Boundary=\"0 0 10 10\" Font=\"1\" Size=\"3\" CharDirection=\"90\"><ofd:CGTransform "
		"CodePosition=\"-5\" CodeCount=\"99999\" GlyphCount=\"3\"><ofd:Glyphs>1 99999 -3</ofd:Glyphs></ofd:CGTransform>"
		"<ofd:TextCode>ab</ofd:TextCode></ofd:TextObject>",
		/* a DrawParam cycle, unknown resources, colours out of range or short */
		"<ofd:PathObject ID=\"5\" Boundary=\"0 0 10 10\" DrawParam=\"22\" Fill=\"true\"><ofd:FillColor ColorSpace=\"12\" "
		"Value=\"1\"/><ofd:StrokeColor Value=\"#ZZ 999 -4\" Index=\"99\" ColorSpace=\"13\"/>"
		"<ofd:AbbreviatedData>M 0 0 L 5 5</ofd:AbbreviatedData></ofd:PathObject>"
		"<ofd:CompositeObject ID=\"6\" Boundary=\"0 0 1 1\" ResourceID=\"30\"/>"
		"<ofd:ImageObject ID=\"7\" Boundary=\"0 0 1 1\" ResourceID=\"40\"/>",
		/* shadings with no or odd segments */
		"<ofd:PathObject ID=\"5\" Boundary=\"0 0 10 10\" Fill=\"true\"><ofd:FillColor><ofd:AxialShd StartPoint=\"0 0\" "
		"EndPoint=\"0 0\"/></ofd:FillColor><ofd:AbbreviatedData>M 0 0 L 5 5 L 0 5 C</ofd:AbbreviatedData></ofd:PathObject>"
		"<ofd:PathObject ID=\"6\" Boundary=\"0 0 10 10\" Fill=\"true\"><ofd:FillColor><ofd:RadialShd StartRadius=\"-1\" "
		"EndRadius=\"nan\"><ofd:Segment Position=\"2\"><ofd:Color Value=\"1 2 3\"/></ofd:Segment></ofd:RadialShd>"
		"</ofd:FillColor><ofd:AbbreviatedData>M 0 0 L 5 5 L 0 5 C</ofd:AbbreviatedData></ofd:PathObject>",
		/* clips without areas, with text areas */
		"<ofd:PathObject ID=\"5\" Boundary=\"0 0 10 10\"><ofd:Clips><ofd:Clip/><ofd:Clip><ofd:Area><ofd:Text/></ofd:Area>"
		"</ofd:Clip></ofd:Clips><ofd:AbbreviatedData>M 0 0 L 5 5</ofd:AbbreviatedData></ofd:PathObject>",
	};
	(void)state;
	for (size_t i = 0; i < ES_ARRAY_LEN(layers); i++) {
		es_img im;
		es_ofd_render_info info;
		render_layer(&im, &info, layers[i]);
		es_img__release(&im);
	}
	/* packages that are not OFDs */
	{
		es_ofd_view *v = NULL;
		es_ofd_pkg *p;
		es_buf b = ES_BUF_INIT;
		static const uint8_t junk[] = "PK\x03\x04 not a zip";
		assert_int_equal(es_ofd_view_open(&v, junk, sizeof(junk)), ES_EMALFORMED);
		assert_int_equal(es_ofd_view_open(&v, NULL, 0), ES_EMALFORMED);
		TU_OK(es_ofd_pkg_new(&p));
		TU_OK(es_ofd_pkg_put(p, "OFD.xml", "<OFD/>", 6));
		TU_OK(es_ofd_pkg_write(&b, p));
		assert_int_equal(es_ofd_view_open(&v, b.ptr, b.len), ES_EMALFORMED);
		assert_non_null(strstr(es_error_last()->message, "DocRoot"));
		{
			static const char o[] = "<OFD><DocBody><DocRoot>D.xml</DocRoot></DocBody></OFD>";
			TU_OK(es_ofd_pkg_put(p, "OFD.xml", o, strlen(o)));
		}
		{
			static const char d[] = "<Document><Pages/></Document>";
			TU_OK(es_ofd_pkg_put(p, "D.xml", d, strlen(d)));
		}
		b.len = 0;
		TU_OK(es_ofd_pkg_write(&b, p));
		assert_int_equal(es_ofd_view_open(&v, b.ptr, b.len), ES_EMALFORMED);
		assert_non_null(strstr(es_error_last()->message, "no page"));
		/* a page whose content is not XML: drawn blank, said */
		{
			static const char d[] = "<Document><Pages><Page ID=\"1\" BaseLoc=\"P.xml\"/></Pages></Document>";
			TU_OK(es_ofd_pkg_put(p, "D.xml", d, strlen(d)));
		}
		TU_OK(es_ofd_pkg_put(p, "P.xml", "<Page><Content>", 15));
		b.len = 0;
		TU_OK(es_ofd_pkg_write(&b, p));
		TU_OK(es_ofd_view_open(&v, b.ptr, b.len));
		{
			es_buf out = ES_BUF_INIT;
			es_ofd_render_info info;
			TU_OK(es_ofd_render_page(&out, v, 1, NULL, &info));
			assert_int_equal(info.skipped, 1);
			assert_int_equal((int)(info.width_mm + 0.5), 210); /* A4 default */
			es_buf_release(&out);
		}
		es_ofd_view_free(v);
		es_ofd_pkg_free(p);
		es_buf_release(&b);
	}
}

/* The fuzz corpus replays through the same entry the harness uses. */
static void test_ofd_render__sign_of_unreadable_stamp(void **state)
{
	es_buf b;
	es_ofd_pkg *p;
	es_buf out = ES_BUF_INIT, w = ES_BUF_INIT;
	es_ofd_view *v;
	es_ofd_render_info info;
	(void)state;
	/* a sealed sample whose SignedValue.dat is replaced by junk: the page draws, the stamp is skipped and said */
	tu_read_sample(&b, "gomain_zj-tax_v4_seal.ofd");
	TU_OK(es_ofd_pkg_open(&p, b.ptr, b.len, NULL));
	TU_OK(es_ofd_pkg_put(p, "Doc_0/Signs/Sign_0/SignedValue.dat", "junk", 4));
	TU_OK(es_ofd_pkg_write(&w, p));
	TU_OK(es_ofd_view_open(&v, w.ptr, w.len));
	TU_OK(es_ofd_render_page(&out, v, 1, NULL, &info));
	assert_int_equal(info.stamps, 0);
	assert_int_equal(info.skipped, 1);
	assert_non_null(strstr(info.skipped_what, "seal picture"));
	assert_true(info.glyphs > 100);
	es_ofd_view_free(v);
	es_ofd_pkg_free(p);
	es_buf_release(&b);
	es_buf_release(&w);
	es_buf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ofd_render__every_sample_every_format),
		cmocka_unit_test(test_ofd_render__pdf_all_pages_copy_metadata),
		cmocka_unit_test(test_ofd_render__goldens_match_within_tolerance),
		cmocka_unit_test(test_ofd_render__paths_colours_rules),
		cmocka_unit_test(test_ofd_render__strokes_arcs_curves_dashes),
		cmocka_unit_test(test_ofd_render__clips_templates_layers),
		cmocka_unit_test(test_ofd_render__text_positions_and_fonts),
		cmocka_unit_test(test_ofd_render__missing_glyph_counted),
		cmocka_unit_test(test_ofd_render__images),
		cmocka_unit_test(test_ofd_render__bmp_image),
		cmocka_unit_test(test_ofd_render__stamps_png_svg_ofd_and_riding),
		cmocka_unit_test(test_ofd_render__pdf_text_in_order),
		cmocka_unit_test(test_ofd_render__limits_skip_and_say),
		cmocka_unit_test(test_ofd_render__output_pixel_limit),
		cmocka_unit_test(test_ofd_render__bad_input),
		cmocka_unit_test(test_ofd_render__sign_of_unreadable_stamp),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
