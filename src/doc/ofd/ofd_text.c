/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Finding text on an OFD page (keyword placement, blank-page rule R6).
 * Character positions follow GB/T 33190 §11.3: the TextObject Boundary
 * origin, TextCode X/Y (Y is the baseline) and DeltaX, whose "g N v"
 * form repeats v N times. CTM and Size transforms beyond that are ignored.
 */
#include "es_int.h"
#include "ofd_int.h"
#include <libxml/xmlreader.h>

#define MAX_DX 4096

/* Parse "a b g 3 c d" into up to @max advances; returns the count. */
static size_t parse_deltax(double *dx, size_t max, const char *s)
{
	size_t n = 0;
	char *end;
	while (*s && n < max) {
		while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
			s++;
		if (!*s)
			break;
		if (*s == 'g') {
			long cnt;
			double v;
			s++;
			cnt = strtol(s, &end, 10);
			if (end == s || cnt < 0)
				break;
			s = end;
			v = strtod(s, &end);
			if (end == s)
				break;
			s = end;
			for (long i = 0; i < cnt && n < max; i++)
				dx[n++] = v;
			continue;
		}
		dx[n] = strtod(s, &end);
		if (end == s)
			break;
		n++;
		s = end;
	}
	return n;
}

static void parse4(const char *s, double v[4])
{
	char *end;
	for (int i = 0; i < 4; i++) {
		v[i] = s ? strtod(s, &end) : 0;
		if (!s || end == s) {
			v[i] = 0;
			s = NULL;
			continue;
		}
		s = end;
	}
}

static double num_attr(xmlNodePtr n, const char *name, double def)
{
	char buf[64], *end;
	double v;
	if (!es_ofd__attr(n, name, buf, sizeof(buf)))
		return def;
	v = strtod(buf, &end);
	return end == buf ? def : v;
}

/* One character of the page, in content order. */
typedef struct glyph {
	size_t off;        /* byte offset in the page text */
	double x, base, w, size;
} glyph;

typedef struct finder {
	bool has_text;
	bool want_glyphs;
	double *dx;
	es_buf text;       /* the page's characters; '\n' between lines */
	glyph *g;
	size_t ng, cap;
	int err;
} finder;

static bool blank(const char *s)
{
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
			return false;
	return true;
}

/* Bytes of the UTF-8 character at @q (1 for a stray byte). */
static size_t step(const char *q)
{
	unsigned char c = (unsigned char)*q;
	return c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 1;
}

static double adv(const double *dx, size_t ndx, size_t i, double size)
{
	return i < ndx ? dx[i] : ndx ? dx[ndx - 1] : size;
}

static void add_glyph(finder *f, const char *q, size_t l, double x, double base, double w, double size)
{
	if (f->err)
		return;
	if (f->ng) {
		/* a new line, or a jump back or far ahead: no match across it */
		const glyph *pg = &f->g[f->ng - 1];
		if (base - pg->base > pg->size / 2 || pg->base - base > pg->size / 2 || x < pg->x ||
		    x - (pg->x + pg->w) > 2 * size)
			f->err = es_buf_put(&f->text, "\n", 1);
	}
	if (f->ng == f->cap) {
		size_t nc = f->cap ? f->cap * 2 : 256;
		glyph *ng = f->ng >= ES_OFD_MAX_GLYPHS ? NULL : es_realloc(f->g, nc * sizeof(*ng));
		if (!ng) {
			f->err = f->ng >= ES_OFD_MAX_GLYPHS ? es_error_set(ES_ELIMIT, "page has more than %d characters", ES_OFD_MAX_GLYPHS)
							     : es_error_set(ES_ENOMEM, "out of memory");
			return;
		}
		f->g = ng;
		f->cap = nc;
	}
	if (f->err)
		return;
	f->g[f->ng].off = f->text.len;
	f->g[f->ng].x = x;
	f->g[f->ng].base = base;
	f->g[f->ng].w = w;
	f->g[f->ng].size = size;
	f->ng++;
	f->err = es_buf_put(&f->text, q, l);
}

static void text_code(finder *f, xmlNodePtr tc, const double box[4], double size, double *x, double *y)
{
	xmlChar *content = xmlNodeGetContent(tc);
	const char *t = content ? (const char *)content : "";
	char dxs[8192];
	size_t ndx = 0, ci = 0;

	/* X and Y carry over from the previous TextCode when absent */
	*x = num_attr(tc, "X", *x);
	*y = num_attr(tc, "Y", *y);
	if (!blank(t))
		f->has_text = true;
	if (!f->want_glyphs)
		goto done;
	if (es_ofd__attr(tc, "DeltaX", dxs, sizeof(dxs)))
		ndx = parse_deltax(f->dx, MAX_DX, dxs);
	for (const char *q = t; *q; ci++) {
		size_t l = step(q);
		double a = adv(f->dx, ndx, ci, size);
		bool last = !q[l];
		/* the last character has no advance of its own: its width is the font's */
		double w = last ? ((*q & 0x80) ? size : size / 2) : a;
		if (l > 1 && memchr(q, 0, l))
			break;
		add_glyph(f, q, l, box[0] + *x, box[1] + *y, w, size);
		*x += a;
		q += l;
	}
done:
	xmlFree(content);
}

static void walk(finder *f, xmlNodePtr n, unsigned depth)
{
	if (depth > ES_OFD_MAX_XML_DEPTH)
		return;
	for (xmlNodePtr c = n; c && !f->err; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (strcmp((const char *)c->name, "TextObject") == 0) {
			char b[128];
			double box[4], x = 0, y;
			double size = num_attr(c, "Size", 3.5);
			y = size;
			parse4(es_ofd__attr(c, "Boundary", b, sizeof(b)), box);
			for (xmlNodePtr tc = es_ofd__child(c, "TextCode"); tc; tc = es_ofd__next(tc, "TextCode"))
				text_code(f, tc, box, size, &x, &y);
			continue;
		}
		walk(f, c->children, depth + 1);
	}
}

/* The glyph that starts at byte @off (binary search; glyphs are in order). */
static size_t glyph_at(const finder *f, size_t off)
{
	size_t lo = 0, hi = f->ng;
	while (lo + 1 < hi) {
		size_t mid = (lo + hi) / 2;
		if (f->g[mid].off <= off)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

int es_ofd_find_text(es_ofd_text_hit *hits, size_t max, size_t *n, bool *has_text, const uint8_t *content_xml,
		     size_t len, const char *keyword)
{
	xmlDocPtr doc = NULL;
	finder f;
	size_t kwlen = keyword ? strlen(keyword) : 0;
	int err;

	ES_ASSERT_ARG(n && (hits || max == 0) && (content_xml || len == 0));
	*n = 0;
	if (has_text)
		*has_text = false;
	memset(&f, 0, sizeof(f));
	es_buf_init(&f.text, ES_OFD_MAX_XML);
	f.want_glyphs = kwlen > 0;
	if ((err = es_ofd__xml_parse(&doc, content_xml, len, "Content.xml")) < 0)
		return err;
	if (f.want_glyphs && !(f.dx = es_malloc(MAX_DX * sizeof(double)))) {
		err = es_error_set(ES_ENOMEM, "out of memory");
		goto done;
	}
	walk(&f, xmlDocGetRootElement(doc), 0);
	if ((err = f.err) < 0)
		goto done;
	if (has_text)
		*has_text = f.has_text;
	for (const char *t = f.text.len ? (const char *)f.text.ptr : "", *p = strstr(t, keyword ? keyword : "");
	     kwlen && p; p = strstr(p + kwlen, keyword)) {
		size_t a = glyph_at(&f, (size_t)(p - t)), b = glyph_at(&f, (size_t)(p - t) + kwlen - 1);
		if (f.g[a].off != (size_t)(p - t))
			continue; /* not on a character boundary */
		if (*n < max) {
			es_ofd_text_hit *h = &hits[*n];
			double top = f.g[a].base - f.g[a].size, bottom = f.g[a].base;
			for (size_t k = a; k <= b; k++) {
				if (f.g[k].base - f.g[k].size < top)
					top = f.g[k].base - f.g[k].size;
				if (f.g[k].base > bottom)
					bottom = f.g[k].base;
			}
			h->x = f.g[a].x;
			h->w = f.g[b].x + f.g[b].w - f.g[a].x;
			h->y = top;
			h->h = bottom - top;
		}
		(*n)++;
	}
done:
	es_free(f.dx);
	es_free(f.g);
	es_buf_release(&f.text);
	xmlFreeDoc(doc);
	return err;
}

/*
 * The blank-page rule alone: stream the page with an xmlTextReader and stop
 * at the first TextCode (child of a TextObject) holding a non-blank
 * character. No tree is built, and a page with text near its start is
 * decided after a few elements.
 */
int es_ofd_page_has_text(bool *out, const uint8_t *content_xml, size_t len)
{
	xmlTextReaderPtr r;
	es_ofd_xml_handlers h;
	int err, ret, obj_depth = -1;

	ES_ASSERT_ARG(out && (content_xml || len == 0));
	*out = false;
	if ((err = es_ofd__xml_precheck(content_xml, len, "Content.xml")) < 0)
		return err;
	if (len == 0)
		return es_error_set(ES_EMALFORMED, "'Content.xml' is empty");
	es_ofd__xml_quiet(&h);
	r = xmlReaderForMemory((const char *)content_xml, (int)len, NULL, NULL, ES_OFD_XML_OPTIONS);
	if (!r) {
		es_ofd__xml_restore(&h);
		return es_error_set(ES_ENOMEM, "out of memory");
	}
	while ((ret = xmlTextReaderRead(r)) == 1) {
		int type = xmlTextReaderNodeType(r), depth = xmlTextReaderDepth(r);
		const char *name;
		if (type == XML_READER_TYPE_ELEMENT && depth >= ES_OFD_MAX_XML_DEPTH) {
			err = es_error_set(ES_ELIMIT, "'Content.xml' nests elements deeper than %d", ES_OFD_MAX_XML_DEPTH);
			break;
		}
		if (type == XML_READER_TYPE_END_ELEMENT && depth == obj_depth) {
			obj_depth = -1;
			continue;
		}
		if (type != XML_READER_TYPE_ELEMENT)
			continue;
		name = (const char *)xmlTextReaderConstLocalName(r);
		if (!name)
			continue;
		if (obj_depth < 0 && strcmp(name, "TextObject") == 0) {
			if (!xmlTextReaderIsEmptyElement(r))
				obj_depth = depth;
		} else if (obj_depth >= 0 && depth == obj_depth + 1 && strcmp(name, "TextCode") == 0) {
			xmlChar *t = xmlTextReaderReadString(r);
			bool text = t && !blank((const char *)t);
			xmlFree(t);
			if (text) {
				*out = true;
				break;
			}
		}
	}
	if (err == 0 && ret < 0)
		err = es_error_set(ES_EMALFORMED, "'Content.xml' is not well-formed XML");
	xmlFreeTextReader(r);
	es_ofd__xml_restore(&h);
	if (err < 0)
		*out = false;
	return err;
}
