/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * A small OFD writer (GB/T 33190-2016 §7-§11): text lines and images on
 * A4 (or given) pages, one font referenced by name or embedded, so that
 * tests, benchmarks and electronic licences never depend on a file nobody
 * can regenerate.
 */
#include "es_int.h"
#include "ofd_int.h"
#include "estime.h"
#include "text.h"

#define NS "xmlns:ofd=\"http://www.ofdspec.org/2016\""
#define XML_DECL "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"

/* Length in bytes of the UTF-8 sequence at @s (1 for invalid bytes). */
static size_t u8len(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0 && (s[1] & 0xc0) == 0x80)
		return 2;
	if ((s[0] & 0xf0) == 0xe0 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80)
		return 3;
	if ((s[0] & 0xf8) == 0xf0 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80 && (s[3] & 0xc0) == 0x80)
		return 4;
	return 1;
}

/* Advance of one character: full width for CJK, half for ASCII. */
static double advance(const unsigned char *s, double size)
{
	return s[0] < 0x80 ? size / 2 : size;
}

typedef struct page_buf {
	es_buf xml;
	size_t nobj;
} page_buf;

typedef struct maker {
	const es_ofd_make_options *o;
	double pw, ph, margin, size;
	unsigned next_id;
	page_buf *pages;
	size_t npages, cap;
	double y; /* baseline of the next line, on the last page */
} maker;

static int new_page(maker *m)
{
	if (m->npages == m->cap) {
		size_t nc = m->cap ? m->cap * 2 : 4;
		page_buf *np = es_realloc(m->pages, nc * sizeof(*np));
		if (!np)
			return es_error_set(ES_ENOMEM, "out of memory");
		m->pages = np;
		m->cap = nc;
	}
	es_buf_init(&m->pages[m->npages].xml, ES_BUF_DEFAULT_MAX);
	m->pages[m->npages].nobj = 0;
	m->npages++;
	m->y = m->margin;
	return 0;
}

/* One text object for @n bytes of @s on the current line. */
static int put_text(maker *m, const char *s, size_t n)
{
	es_buf *b = &m->pages[m->npages - 1].xml;
	double w = 0, x = 0;
	char *text = es_strndup(s, n);
	int err;
	size_t i;

	if (!text)
		return es_error_set(ES_ENOMEM, "out of memory");
	for (i = 0; i < n; i += u8len((const unsigned char *)s + i))
		w += advance((const unsigned char *)s + i, m->size);
	err = es_buf_printf(b,
			    "<ofd:TextObject ID=\"%u\" Boundary=\"%.2f %.2f %.2f %.2f\" Font=\"1\" Size=\"%.2f\">"
			    "<ofd:FillColor Value=\"0 0 0\"/><ofd:TextCode X=\"0\" Y=\"%.2f\" DeltaX=\"",
			    m->next_id++, m->margin, m->y, w > 0 ? w : m->size, m->size * 1.2, m->size, m->size);
	for (i = 0; err == 0 && i < n;) {
		size_t l = u8len((const unsigned char *)s + i);
		double a = advance((const unsigned char *)s + i, m->size);
		i += l;
		if (i < n)
			err = es_buf_printf(b, "%s%.2f", x > 0 ? " " : "", a);
		x += a;
	}
	if (err == 0)
		err = es_buf_puts(b, "\">");
	if (err == 0)
		err = es_ofd__xml_escape(b, text);
	if (err == 0)
		err = es_buf_puts(b, "</ofd:TextCode></ofd:TextObject>\n");
	es_free(text);
	m->pages[m->npages - 1].nobj++;
	return err;
}

static int put_line(maker *m, const char *line)
{
	double width = m->pw - 2 * m->margin, w = 0;
	size_t start = 0, i = 0, n = strlen(line);
	int err;

	if (strcmp(line, "\f") == 0)
		return new_page(m);
	for (;;) {
		/* take as many characters as fit */
		w = 0;
		i = start;
		while (i < n) {
			double a = advance((const unsigned char *)line + i, m->size);
			if (w + a > width && i > start)
				break;
			w += a;
			i += u8len((const unsigned char *)line + i);
		}
		if (m->y + m->size * 1.5 > m->ph - m->margin && (err = new_page(m)) < 0)
			return err;
		if (i > start && (err = put_text(m, line + start, i - start)) < 0)
			return err;
		m->y += m->size * 1.5;
		start = i;
		if (start >= n)
			return 0;
	}
}

static const char *media_ext(const char *fmt)
{
	if (strcasecmp(fmt, "PNG") == 0)
		return "png";
	if (strcasecmp(fmt, "JPEG") == 0 || strcasecmp(fmt, "JPG") == 0)
		return "jpg";
	if (strcasecmp(fmt, "BMP") == 0)
		return "bmp";
	if (strcasecmp(fmt, "GIF") == 0)
		return "gif";
	return NULL;
}

int es_ofd_make(es_buf *out, const es_ofd_make_options *opt)
{
	int err = 0;
	maker m;
	es_ofd_pkg *pkg = NULL;
	es_buf x = ES_BUF_INIT, res = ES_BUF_INIT;
	unsigned font_id, *img_ids = NULL;
	uint8_t rnd[16];
	char docid[33], iso[32], name[128];

	ES_ASSERT_ARG(out && opt && opt->version == ES_OFD_MAKE_OPTIONS_VERSION);
	ES_ASSERT_ARG(opt->lines || opt->nlines == 0);
	ES_ASSERT_ARG(opt->images || opt->nimages == 0);
	memset(&m, 0, sizeof(m));
	m.o = opt;
	m.pw = opt->page_w > 0 ? opt->page_w : 210;
	m.ph = opt->page_h > 0 ? opt->page_h : 297;
	m.margin = opt->margin > 0 ? opt->margin : 20;
	m.size = opt->font_size > 0 ? opt->font_size : 5;
	if (m.pw > 5000 || m.ph > 5000 || 2 * m.margin + m.size * 2 > m.pw || 2 * m.margin + m.size * 2 > m.ph)
		return es_error_set(ES_EINVAL, "page %.1f x %.1f mm too small or too large for margin and font size",
				    m.pw, m.ph);
	font_id = 1;
	m.next_id = 2;
	if (opt->nimages && !(img_ids = es_calloc(opt->nimages, sizeof(*img_ids))))
		return es_error_set(ES_ENOMEM, "out of memory");
	for (size_t i = 0; i < opt->nimages; i++) {
		if (!opt->images[i].data || !opt->images[i].len || !opt->images[i].format ||
		    !media_ext(opt->images[i].format) || opt->images[i].page == 0) {
			err = es_error_set(ES_EINVAL, "image %zu: give page (1-based), format PNG/JPEG/BMP/GIF and data", i);
			goto done;
		}
		img_ids[i] = m.next_id++;
	}
	if ((err = new_page(&m)) < 0)
		goto done;
	for (size_t i = 0; i < opt->nlines; i++)
		if ((err = put_line(&m, opt->lines[i] ? opt->lines[i] : "")) < 0)
			goto done;
	for (size_t i = 0; i < opt->nimages; i++)
		while (m.npages < opt->images[i].page)
			if ((err = new_page(&m)) < 0)
				goto done;
	if ((err = es_ofd_pkg_new(&pkg)) < 0 || (err = es_random(rnd, sizeof(rnd))) < 0)
		goto done;
	es_hex(docid, rnd, 16);
	es_time_iso(iso, opt->time ? opt->time : es_time_now());
	iso[10] = 0;

	/* OFD.xml */
	err = es_buf_puts(&x, XML_DECL "<ofd:OFD " NS " Version=\"1.0\" DocType=\"OFD\"><ofd:DocBody><ofd:DocInfo>");
	if (err == 0)
		err = es_buf_printf(&x, "<ofd:DocID>%s</ofd:DocID>", docid);
	if (err == 0 && opt->title) {
		err = es_buf_puts(&x, "<ofd:Title>");
		if (err == 0)
			err = es_ofd__xml_escape(&x, opt->title);
		if (err == 0)
			err = es_buf_puts(&x, "</ofd:Title>");
	}
	if (err == 0)
		err = es_buf_printf(&x,
				    "<ofd:CreationDate>%s</ofd:CreationDate><ofd:Creator>eseal</ofd:Creator>"
				    "<ofd:CreatorVersion>%s</ofd:CreatorVersion></ofd:DocInfo>"
				    "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>\n",
				    iso, es_version());
	if (err < 0 || (err = es_ofd_pkg_put(pkg, "OFD.xml", x.ptr, x.len)) < 0)
		goto done;
	es_buf_release(&x);

	/* Document.xml */
	err = es_buf_printf(&x,
			    XML_DECL "<ofd:Document " NS "><ofd:CommonData><ofd:MaxUnitID>%u</ofd:MaxUnitID>"
				     "<ofd:PageArea><ofd:PhysicalBox>0 0 %.2f %.2f</ofd:PhysicalBox></ofd:PageArea>"
				     "<ofd:PublicRes>PublicRes.xml</ofd:PublicRes>%s</ofd:CommonData><ofd:Pages>",
			    m.next_id + 2 * (unsigned)m.npages + (unsigned)opt->nimages + 1, m.pw, m.ph,
			    opt->nimages ? "<ofd:DocumentRes>DocumentRes.xml</ofd:DocumentRes>" : "");
	for (size_t p = 0; err == 0 && p < m.npages; p++)
		err = es_buf_printf(&x, "<ofd:Page ID=\"%u\" BaseLoc=\"Pages/Page_%zu/Content.xml\"/>",
				    m.next_id + (unsigned)p, p);
	if (err == 0)
		err = es_buf_puts(&x, "</ofd:Pages></ofd:Document>\n");
	if (err < 0 || (err = es_ofd_pkg_put(pkg, "Doc_0/Document.xml", x.ptr, x.len)) < 0)
		goto done;
	es_buf_release(&x);

	/* PublicRes.xml: the font */
	err = es_buf_printf(&x, XML_DECL "<ofd:Res " NS " BaseLoc=\"Res\"><ofd:Fonts><ofd:Font ID=\"%u\" FontName=\"",
			    font_id);
	if (err == 0)
		err = es_ofd__xml_escape(&x, opt->font_name ? opt->font_name : "宋体");
	if (err == 0)
		err = es_buf_puts(&x, "\" FamilyName=\"");
	if (err == 0)
		err = es_ofd__xml_escape(&x, opt->font_name ? opt->font_name : "宋体");
	if (err == 0)
		err = es_buf_puts(&x, opt->font_data ? "\"><ofd:FontFile>font_1.ttf</ofd:FontFile></ofd:Font>" : "\"/>");
	if (err == 0)
		err = es_buf_puts(&x, "</ofd:Fonts></ofd:Res>\n");
	if (err < 0 || (err = es_ofd_pkg_put(pkg, "Doc_0/PublicRes.xml", x.ptr, x.len)) < 0)
		goto done;
	es_buf_release(&x);
	if (opt->font_data && (err = es_ofd_pkg_put(pkg, "Doc_0/Res/font_1.ttf", opt->font_data, opt->font_len)) < 0)
		goto done;

	/* DocumentRes.xml and the images */
	if (opt->nimages) {
		err = es_buf_puts(&res, XML_DECL "<ofd:Res " NS " BaseLoc=\"Res\"><ofd:MultiMedias>");
		for (size_t i = 0; err == 0 && i < opt->nimages; i++) {
			const es_ofd_image *im = &opt->images[i];
			page_buf *pb = &m.pages[im->page - 1];
			snprintf(name, sizeof(name), "image_%u.%s", img_ids[i], media_ext(im->format));
			err = es_buf_printf(&res,
					    "<ofd:MultiMedia ID=\"%u\" Type=\"Image\" Format=\"%s\">"
					    "<ofd:MediaFile>%s</ofd:MediaFile></ofd:MultiMedia>",
					    img_ids[i], media_ext(im->format), name);
			if (err == 0)
				err = es_buf_printf(&pb->xml,
						    "<ofd:ImageObject ID=\"%u\" Boundary=\"%.2f %.2f %.2f %.2f\" "
						    "CTM=\"%.2f 0 0 %.2f 0 0\" ResourceID=\"%u\"/>\n",
						    m.next_id + (unsigned)m.npages + 1 + (unsigned)i, im->x, im->y, im->w,
						    im->h, im->w, im->h, img_ids[i]);
			pb->nobj++;
			if (err == 0) {
				char path[160];
				snprintf(path, sizeof(path), "Doc_0/Res/%s", name);
				err = es_ofd_pkg_put(pkg, path, im->data, im->len);
			}
		}
		if (err == 0)
			err = es_buf_puts(&res, "</ofd:MultiMedias></ofd:Res>\n");
		if (err < 0 || (err = es_ofd_pkg_put(pkg, "Doc_0/DocumentRes.xml", res.ptr, res.len)) < 0)
			goto done;
	}

	/* the pages */
	for (size_t p = 0; p < m.npages; p++) {
		char path[64];
		es_buf_release(&x);
		err = es_buf_printf(&x, XML_DECL "<ofd:Page " NS "><ofd:Content><ofd:Layer ID=\"%u\">\n",
				    m.next_id + (unsigned)m.npages + 1 + (unsigned)opt->nimages + (unsigned)p);
		if (err == 0 && m.pages[p].xml.len)
			err = es_buf_put(&x, m.pages[p].xml.ptr, m.pages[p].xml.len);
		if (err == 0)
			err = es_buf_puts(&x, "</ofd:Layer></ofd:Content></ofd:Page>\n");
		snprintf(path, sizeof(path), "Doc_0/Pages/Page_%zu/Content.xml", p);
		if (err < 0 || (err = es_ofd_pkg_put(pkg, path, x.ptr, x.len)) < 0)
			goto done;
	}
	err = es_ofd_pkg_write(out, pkg);
done:
	for (size_t p = 0; p < m.npages; p++)
		es_buf_release(&m.pages[p].xml);
	es_free(m.pages);
	es_free(img_ids);
	es_buf_release(&x);
	es_buf_release(&res);
	es_ofd_pkg_free(pkg);
	return err;
}
