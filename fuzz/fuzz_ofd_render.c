/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The OFD page renderer on arbitrary bytes. An input starting "PK" is a
 * whole package (zip limits, XML, resources, stamps and seal pictures);
 * any other input is a page's Content.xml placed into a fixed package
 * whose resources (fonts, colour spaces, draw parameters with a Relative
 * cycle, a PNG, a composite unit, a template) give the page something to
 * refer to. The page is drawn at 12 DPI to PNG, and to SVG or PDF by the
 * input's length; a render never fails on page content (only on options,
 * the output limit, or memory).
 */
#include "es_int.h"
#include "fuzz.h"
#include "eseal/es_ofd.h"
#include "eseal/es_ofd_render.h"

static const char OFD[] =
	"<?xml version=\"1.0\"?><ofd:OFD xmlns:ofd=\"http://www.ofdspec.org/2016\"><ofd:DocBody>"
	"<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>";
static const char DOC[] =
	"<?xml version=\"1.0\"?><ofd:Document xmlns:ofd=\"http://www.ofdspec.org/2016\"><ofd:CommonData>"
	"<ofd:PageArea><ofd:PhysicalBox>0 0 100 100</ofd:PhysicalBox></ofd:PageArea>"
	"<ofd:PublicRes>PublicRes.xml</ofd:PublicRes><ofd:TemplatePage ID=\"90\" BaseLoc=\"Tpl.xml\"/></ofd:CommonData>"
	"<ofd:Pages><ofd:Page ID=\"1\" BaseLoc=\"Page.xml\"/></ofd:Pages></ofd:Document>";
static const char RES[] =
	"<?xml version=\"1.0\"?><ofd:Res xmlns:ofd=\"http://www.ofdspec.org/2016\" BaseLoc=\"Res\">"
	"<ofd:ColorSpaces><ofd:ColorSpace ID=\"10\" Type=\"GRAY\"/><ofd:ColorSpace ID=\"11\" Type=\"CMYK\" BitsPerComponent=\"4\"/>"
	"<ofd:ColorSpace ID=\"12\" Type=\"RGB\"><ofd:Palette><ofd:CV>1 2 3</ofd:CV></ofd:Palette></ofd:ColorSpace></ofd:ColorSpaces>"
	"<ofd:DrawParams><ofd:DrawParam ID=\"20\" Relative=\"21\" LineWidth=\"1\"/><ofd:DrawParam ID=\"21\" Relative=\"20\"/>"
	"</ofd:DrawParams><ofd:Fonts><ofd:Font ID=\"1\" FontName=\"宋体\"/><ofd:Font ID=\"2\" FontName=\"x\">"
	"<ofd:FontFile>f.ttf</ofd:FontFile></ofd:Font></ofd:Fonts>"
	"<ofd:MultiMedias><ofd:MultiMedia ID=\"30\" Type=\"Image\"><ofd:MediaFile>i.png</ofd:MediaFile></ofd:MultiMedia>"
	"</ofd:MultiMedias><ofd:CompositeGraphicUnits><ofd:CompositeGraphicUnit ID=\"40\" Width=\"1\" Height=\"1\">"
	"<ofd:Content><ofd:CompositeObject ID=\"41\" ResourceID=\"40\" Boundary=\"0 0 1 1\"/></ofd:Content>"
	"</ofd:CompositeGraphicUnit></ofd:CompositeGraphicUnits></ofd:Res>";
static const char TPL[] =
	"<?xml version=\"1.0\"?><ofd:Page xmlns:ofd=\"http://www.ofdspec.org/2016\"><ofd:Content><ofd:Layer>"
	"<ofd:PathObject ID=\"3\" Boundary=\"0 0 5 5\"><ofd:AbbreviatedData>M 0 0 L 5 5</ofd:AbbreviatedData>"
	"</ofd:PathObject></ofd:Layer></ofd:Content></ofd:Page>";
/* a 1x1 red PNG */
static const uint8_t PNG[] = {
	0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00,
	0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53, 0xde, 0x00,
	0x00, 0x00, 0x0c, 0x49, 0x44, 0x41, 0x54, 0x08, 0xd7, 0x63, 0xf8, 0xcf, 0xc0, 0x00, 0x00, 0x03, 0x01,
	0x01, 0x00, 0x18, 0xdd, 0x8d, 0xb0, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
};

static void render(const uint8_t *ofd, size_t len, size_t salt)
{
	es_ofd_view *v = NULL;
	es_buf out = ES_BUF_INIT;
	es_ofd_render_options ro = ES_OFD_RENDER_OPTIONS_INIT;
	es_ofd_render_info info;
	int rc;

	if (es_ofd_view_open(&v, ofd, len) != 0)
		return;
	if (es_ofd_view_pages(v) == 0)
		abort(); /* an open view has a page */
	ro.dpi = 12;
	rc = es_ofd_render_page(&out, v, 1, &ro, &info);
	if (rc != 0 && rc != ES_ELIMIT && rc != ES_ENOMEM)
		abort();
	if (rc == 0 && (out.len == 0 || info.width_px == 0))
		abort();
	es_buf_release(&out);
	ro.format = salt % 2 ? ES_OFD_RENDER_SVG : ES_OFD_RENDER_PDF;
	rc = es_ofd_render_page(&out, v, 1, &ro, &info);
	if (rc != 0 && rc != ES_ENOMEM)
		abort();
	es_buf_release(&out);
	es_ofd_view_free(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	es_ofd_pkg *p = NULL;
	es_buf zip = ES_BUF_INIT;

	if (size >= 2 && data[0] == 'P' && data[1] == 'K') {
		render(data, size, size);
		return 0;
	}
	if (es_ofd_pkg_new(&p) != 0)
		return 0;
	if (es_ofd_pkg_put(p, "OFD.xml", OFD, strlen(OFD)) == 0 &&
	    es_ofd_pkg_put(p, "Doc_0/Document.xml", DOC, strlen(DOC)) == 0 &&
	    es_ofd_pkg_put(p, "Doc_0/PublicRes.xml", RES, strlen(RES)) == 0 &&
	    es_ofd_pkg_put(p, "Doc_0/Tpl.xml", TPL, strlen(TPL)) == 0 &&
	    es_ofd_pkg_put(p, "Doc_0/Res/i.png", PNG, sizeof(PNG)) == 0 &&
	    es_ofd_pkg_put(p, "Doc_0/Res/f.ttf", data, size < 64 ? size : 64) == 0 &&
	    es_ofd_pkg_put(p, "Doc_0/Page.xml", data, size) == 0 && es_ofd_pkg_write(&zip, p) == 0)
		render(zip.ptr, zip.len, size);
	es_ofd_pkg_free(p);
	es_buf_release(&zip);
	return 0;
}
