/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * OFD pages drawn with cairo (GB/T 33190-2016 §7-§15, §18 stamps): page
 * areas, templates, layers, page blocks, composite objects, paths, text
 * (embedded fonts through FreeType, other families through fontconfig and
 * the one mapping table below), images (MuPDF's decoders), annotations and
 * the seal pictures of signatures with their clips (riding seals).
 *
 * Coordinates are millimetres, y down, as in OFD; the cairo context is
 * scaled from millimetres to pixels (PNG) or points (SVG, PDF). Every
 * graphic unit is drawn in translate(Boundary.x, Boundary.y) x CTM.
 * Limits (ofd_limits.h): what is over a limit is skipped and counted, the
 * rest of the page is drawn.
 */
#include "es_int.h"
#include "ofd_int.h"
#include "render/render_int.h"
#include "eseal/es_ofd_render.h"
#include "eseal/es_seal.h"
#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <cairo.h>
#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <cairo-ft.h>
#include <ft2build.h>
#include FT_FREETYPE_H
#include <fontconfig/fontconfig.h>

#define NAME_CAP (ES_OFD_MAX_NAME + 1)
#define ES_MIN(a, b) ((a) < (b) ? (a) : (b))
#define ES_CLAMP(x, lo, hi) ((x) < (lo) ? (lo) : (x) > (hi) ? (hi) : (x))

/* In src/doc/pdf/pdf_image.c (MuPDF's decoders). */
int es_mu__decode_image(es_img *out, const uint8_t *data, size_t len, size_t max_pixels);
int es_mu__svg_raster(es_img *out, const uint8_t *data, size_t len, double px_per_mm, size_t max_pixels,
		      double *w_mm, double *h_mm);

/* ---- the one font mapping table --------------------------------------------
 * Families named by OFD documents (FontName/FamilyName, not embedded) to
 * families asked of fontconfig, first installed wins. Debian packages:
 * fonts-arphic-uming (Song), fonts-arphic-ukai (Kai), fonts-wqy-zenhei
 * (Hei), fonts-liberation2 and fonts-dejavu-core (Latin). */
typedef struct font_map {
	const char *names; /* '|'-separated, compared case-insensitively */
	const char *families[4];
} font_map;

static const font_map FONT_MAP[] = {
	{ "宋体|SimSun|新宋体|NSimSun|宋体-方正超大字符集|华文宋体|STSong|Song|SongTi|方正书宋_GBK|FZShuSong-Z01",
	  { "AR PL UMing CN", "AR PL SungtiL GB", "Noto Serif CJK SC", "WenQuanYi Zen Hei" } },
	{ "仿宋|FangSong|仿宋_GB2312|FangSong_GB2312|华文仿宋|STFangsong|方正仿宋_GBK",
	  { "AR PL UMing CN", "Noto Serif CJK SC", "AR PL UKai CN", "WenQuanYi Zen Hei" } },
	{ "黑体|SimHei|微软雅黑|Microsoft YaHei|华文黑体|STHeiti|方正黑体_GBK|等线|DengXian",
	  { "WenQuanYi Zen Hei", "Noto Sans CJK SC", "AR PL UMing CN", NULL } },
	{ "楷体|KaiTi|楷体_GB2312|KaiTi_GB2312|华文楷体|STKaiti|方正楷体_GBK",
	  { "AR PL UKai CN", "AR PL KaitiM GB", "AR PL UMing CN", NULL } },
	{ "Courier New|Courier|CourierNew|Consolas",
	  { "Liberation Mono", "DejaVu Sans Mono", NULL, NULL } },
	{ "Times New Roman|Times|TimesNewRoman|Georgia",
	  { "Liberation Serif", "DejaVu Serif", NULL, NULL } },
	{ "Arial|Helvetica|Calibri|Verdana|Tahoma|Segoe UI",
	  { "Liberation Sans", "DejaVu Sans", NULL, NULL } },
};
/* Asked, in order, for a character the chosen font does not have. */
static const char *const FALLBACK_FAMILIES[] = { "AR PL UMing CN", "WenQuanYi Zen Hei", "DejaVu Sans" };
#define NFALLBACK ES_ARRAY_LEN(FALLBACK_FAMILIES)

static bool name_in(const char *list, const char *name)
{
	size_t n = strlen(name);
	while (*list) {
		const char *bar = strchr(list, '|');
		size_t l = bar ? (size_t)(bar - list) : strlen(list);
		if (l == n && strncasecmp(list, name, n) == 0)
			return true;
		list += l + (bar ? 1 : 0);
	}
	return false;
}

static pthread_mutex_t fc_mu = PTHREAD_MUTEX_INITIALIZER;

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ES_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(ES_ASAN)
/* fontconfig 2.14 keeps 834 bytes of its configuration unreachable after the
 * first FcFontMatch() (a three-line program calling only fontconfig shows
 * it); the sanitizer builds are told so rather than failing on it. */
__attribute__((visibility("default"))) const char *__lsan_default_suppressions(void);
__attribute__((visibility("default"))) const char *__lsan_default_suppressions(void)
{
	return "leak:libfontconfig.so\n";
}
/* ... quietly: the list of used suppressions would land on every command's stderr */
__attribute__((visibility("default"))) const char *__lsan_default_options(void);
__attribute__((visibility("default"))) const char *__lsan_default_options(void)
{
	return "print_suppressions=0";
}
#endif

/* The file fontconfig picks for @family (exact family only when @exact). */
static bool fc_file(const char *family, bool exact, bool bold, bool italic, char *path, size_t cap, int *index)
{
	FcPattern *p, *m;
	FcResult r;
	FcChar8 *file = NULL, *got = NULL;
	bool ok = false;

	pthread_mutex_lock(&fc_mu);
	if (!FcInit())
		goto done;
	p = FcPatternCreate();
	if (!p)
		goto done;
	FcPatternAddString(p, FC_FAMILY, (const FcChar8 *)family);
	if (bold)
		FcPatternAddInteger(p, FC_WEIGHT, FC_WEIGHT_BOLD);
	if (italic)
		FcPatternAddInteger(p, FC_SLANT, FC_SLANT_ITALIC);
	FcConfigSubstitute(NULL, p, FcMatchPattern);
	FcDefaultSubstitute(p);
	m = FcFontMatch(NULL, p, &r);
	FcPatternDestroy(p);
	if (!m)
		goto done;
	if (FcPatternGetString(m, FC_FILE, 0, &file) == FcResultMatch) {
		bool same = !exact;
		for (int i = 0; !same && FcPatternGetString(m, FC_FAMILY, i, &got) == FcResultMatch; i++)
			same = strcasecmp((const char *)got, family) == 0;
		if (!same) {
			FcPatternDestroy(m);
			goto done;
		}
		snprintf(path, cap, "%s", (const char *)file);
		if (FcPatternGetInteger(m, FC_INDEX, 0, index) != FcResultMatch)
			*index = 0;
		ok = true;
	}
	FcPatternDestroy(m);
done:
	pthread_mutex_unlock(&fc_mu);
	return ok;
}

/* ---- the view ---------------------------------------------------------------- */

typedef struct res {
	unsigned long id;
	xmlNodePtr node;
	char *base; /* folder for its files (owned by the view's base list) */
} res;

typedef struct face {
	char key[NAME_CAP + 16]; /* file path or package entry, with flags */
	FT_Face ft;
	cairo_font_face_t *cf;
	bool unicode;            /* has a Unicode charmap */
} face;

typedef struct vfont {
	unsigned long id;
	face *main;              /* NULL: not resolvable */
	bool bold, italic;
	bool tried;
} vfont;

typedef struct vpage {
	char id[32];
	char content[NAME_CAP];
} vpage;

typedef struct stamp {
	char page_id[32];
	double box[4];
	double clip[4];
	bool has_clip;
	size_t sig;              /* index into pictures */
} stamp;

typedef struct picture {
	char type[16];
	uint8_t *data;
	size_t len;
	bool loaded, ok;
	char path[NAME_CAP];     /* SignedValue.dat */
	char seal_path[NAME_CAP];/* Seal.esl, for Type=Sign */
	struct es_ofd_view *inner; /* an OFD picture, opened once; lives with the
				      view (a PDF surface uses its fonts until finished) */
	bool inner_tried;
} picture;

struct es_ofd_view {
	es_ofd_pkg *pkg;
	xmlDocPtr ofd, doc;
	char docroot[NAME_CAP];
	double area[4];          /* the document's PhysicalBox */
	vpage *pages;
	unsigned npages;
	xmlDocPtr *xdocs;        /* resource and annotation files kept parsed */
	char **xnames;
	size_t nxdocs, capxdocs;
	res *res;
	size_t nres, capres;
	bool sorted;
	face *faces[ES_OFD_RENDER_MAX_FONTS + NFALLBACK + 8];
	size_t nfaces;
	face *fallback[NFALLBACK];
	bool fallback_tried;
	vfont *fonts;
	size_t nfonts, capfonts;
	stamp *stamps;
	size_t nstamps;
	picture *pics;
	size_t npics;
	bool stamps_loaded;
	xmlNodePtr annots_root;  /* Annotations.xml */
	char annots_path[NAME_CAP];
	bool annots_loaded;
	unsigned nest;           /* OFD-in-seal depth */
};

static void parse_nums(const char *s, double *v, size_t n)
{
	char *end;
	for (size_t i = 0; i < n; i++) {
		double x;
		while (*s == ' ' || *s == ',' || *s == '\t' || *s == '\n' || *s == '\r')
			s++;
		x = strtod(s, &end);
		if (end == s)
			return;
		v[i] = isfinite(x) ? x : 0;
		s = end;
	}
}

static bool box_attr(xmlNodePtr n, const char *name, double v[4])
{
	char buf[256];
	v[0] = v[1] = v[2] = v[3] = 0;
	if (!es_ofd__attr(n, name, buf, sizeof(buf)))
		return false;
	parse_nums(buf, v, 4);
	return true;
}

static double num_attr(xmlNodePtr n, const char *name, double def)
{
	char buf[64], *end;
	double x;
	if (!es_ofd__attr(n, name, buf, sizeof(buf)))
		return def;
	x = strtod(buf, &end);
	return end != buf && isfinite(x) ? x : def;
}

static bool bool_attr(xmlNodePtr n, const char *name, bool def)
{
	char buf[16];
	if (!es_ofd__attr(n, name, buf, sizeof(buf)))
		return def;
	return strcmp(buf, "true") == 0 || strcmp(buf, "1") == 0;
}

static unsigned long id_attr(xmlNodePtr n, const char *name)
{
	char buf[32], *end;
	unsigned long v;
	if (!es_ofd__attr(n, name, buf, sizeof(buf)))
		return 0;
	v = strtoul(buf, &end, 10);
	return end != buf ? v : 0;
}

/* Parse package XML @name once and keep it; NULL when absent or bad. */
static xmlDocPtr view_xml(es_ofd_view *v, const char *name)
{
	es_bytes b;
	xmlDocPtr d;
	for (size_t i = 0; i < v->nxdocs; i++)
		if (strcmp(v->xnames[i], name) == 0)
			return v->xdocs[i];
	if (es_ofd_pkg_get(&b, v->pkg, name) < 0 || es_ofd__xml_parse(&d, b.ptr, b.len, name) < 0)
		return NULL;
	if (v->nxdocs == v->capxdocs) {
		size_t cap = v->capxdocs ? v->capxdocs * 2 : 8;
		xmlDocPtr *nd = es_realloc(v->xdocs, cap * sizeof(*nd));
		char **nn;
		if (!nd) {
			xmlFreeDoc(d);
			return NULL;
		}
		v->xdocs = nd;
		nn = es_realloc(v->xnames, cap * sizeof(*nn));
		if (!nn) {
			xmlFreeDoc(d);
			return NULL;
		}
		v->xnames = nn;
		v->capxdocs = cap;
	}
	v->xnames[v->nxdocs] = es_strdup(name);
	if (!v->xnames[v->nxdocs]) {
		xmlFreeDoc(d);
		return NULL;
	}
	v->xdocs[v->nxdocs++] = d;
	return d;
}

static char *view_strdup_base(es_ofd_view *v, const char *s)
{
	/* bases live as long as the view: kept in xnames with a marker prefix */
	xmlDocPtr dummy = NULL;
	char *c;
	ES_UNUSED(dummy);
	if (v->nxdocs == v->capxdocs) {
		size_t cap = v->capxdocs ? v->capxdocs * 2 : 8;
		xmlDocPtr *nd = es_realloc(v->xdocs, cap * sizeof(*nd));
		char **nn;
		if (!nd)
			return NULL;
		v->xdocs = nd;
		nn = es_realloc(v->xnames, cap * sizeof(*nn));
		if (!nn)
			return NULL;
		v->xnames = nn;
		v->capxdocs = cap;
	}
	c = es_malloc(strlen(s) + 2);
	if (!c)
		return NULL;
	c[0] = '\x01'; /* never a package name */
	memcpy(c + 1, s, strlen(s) + 1);
	v->xnames[v->nxdocs] = c;
	v->xdocs[v->nxdocs++] = NULL;
	return c + 1;
}

static int res_cmp(const void *a, const void *b)
{
	const res *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

static void res_add(es_ofd_view *v, xmlNodePtr n, char *base, unsigned depth)
{
	for (xmlNodePtr c = n ? n->children : NULL; c; c = c->next) {
		unsigned long id;
		if (c->type != XML_ELEMENT_NODE)
			continue;
		id = id_attr(c, "ID");
		if (id == 0) {
			/* containers: Fonts, ColorSpaces, DrawParams, MultiMedias, CompositeGraphicUnits */
			if (depth < 2)
				res_add(v, c, base, depth + 1);
			continue;
		}
		if (v->nres >= ES_OFD_RENDER_MAX_RES)
			return;
		if (v->nres == v->capres) {
			size_t cap = v->capres ? v->capres * 2 : 64;
			res *nr = es_realloc(v->res, cap * sizeof(*nr));
			if (!nr)
				return;
			v->res = nr;
			v->capres = cap;
		}
		v->res[v->nres].id = id;
		v->res[v->nres].node = c;
		v->res[v->nres].base = base;
		v->nres++;
		v->sorted = false;
	}
}

/* Load a Res file (PublicRes, DocumentRes, PageRes) named relative to @from. */
static void res_load(es_ofd_view *v, const char *from, const char *loc)
{
	char name[NAME_CAP], base[NAME_CAP], tmp[NAME_CAP];
	xmlDocPtr d;
	xmlNodePtr root;
	char *keep;
	const char *slash;

	if (!loc[0] || es_ofd__resolve(name, sizeof(name), from, loc) < 0)
		return;
	for (size_t i = 0; i < v->nxdocs; i++)
		if (v->xdocs[i] && strcmp(v->xnames[i], name) == 0)
			return; /* already loaded */
	if (!(d = view_xml(v, name)))
		return;
	root = xmlDocGetRootElement(d);
	/* files of this Res live under its BaseLoc, relative to the Res file */
	slash = strrchr(name, '/');
	snprintf(base, sizeof(base), "%.*s", slash ? (int)(slash - name) + 1 : 0, name);
	if (es_ofd__attr(root, "BaseLoc", tmp, sizeof(tmp)) && tmp[0]) {
		char r[NAME_CAP];
		size_t l = strlen(tmp);
		if (tmp[l - 1] != '/' && l + 1 < sizeof(tmp)) {
			tmp[l] = '/';
			tmp[l + 1] = 0;
		}
		if (es_ofd__resolve(r, sizeof(r), name, tmp) == 0)
			snprintf(base, sizeof(base), "%s", r);
	}
	if (!(keep = view_strdup_base(v, base)))
		return;
	res_add(v, root, keep, 0);
}

static res *res_find(es_ofd_view *v, unsigned long id)
{
	res key;
	if (id == 0 || v->nres == 0)
		return NULL;
	if (!v->sorted) {
		qsort(v->res, v->nres, sizeof(*v->res), res_cmp);
		v->sorted = true;
	}
	key.id = id;
	return bsearch(&key, v->res, v->nres, sizeof(*v->res), res_cmp);
}

static res *res_find_type(es_ofd_view *v, unsigned long id, const char *type)
{
	res *r = res_find(v, id);
	return r && strcmp((const char *)r->node->name, type) == 0 ? r : NULL;
}

int es_ofd_view_open(es_ofd_view **out, const uint8_t *ofd, size_t len)
{
	es_ofd_view *v;
	xmlNodePtr body, common, ps;
	char loc[NAME_CAP];
	es_bytes b;
	int err;
	unsigned n = 0;

	ES_ASSERT_ARG(out && (ofd || len == 0));
	*out = NULL;
	if (!(v = es_calloc(1, sizeof(*v))))
		return es_error_set(ES_ENOMEM, "out of memory");
	v->area[2] = 210;
	v->area[3] = 297;
	if ((err = es_ofd_pkg_open(&v->pkg, ofd, len, NULL)) < 0)
		goto fail;
	if ((err = es_ofd_pkg_get(&b, v->pkg, "OFD.xml")) < 0) {
		err = es_error_set(ES_EMALFORMED, "not an OFD: the package has no OFD.xml");
		goto fail;
	}
	if ((err = es_ofd__xml_parse(&v->ofd, b.ptr, b.len, "OFD.xml")) < 0)
		goto fail;
	body = es_ofd__child(xmlDocGetRootElement(v->ofd), "DocBody");
	es_ofd__text(es_ofd__child(body, "DocRoot"), loc, sizeof(loc));
	if (!body || !loc[0]) {
		err = es_error_set(ES_EMALFORMED, "OFD.xml has no DocBody/DocRoot");
		goto fail;
	}
	if ((err = es_ofd__resolve(v->docroot, sizeof(v->docroot), "OFD.xml", loc)) < 0)
		goto fail;
	if ((err = es_ofd_pkg_get(&b, v->pkg, v->docroot)) < 0 ||
	    (err = es_ofd__xml_parse(&v->doc, b.ptr, b.len, v->docroot)) < 0) {
		err = es_error_set(ES_EMALFORMED, "cannot read the document '%s'", v->docroot);
		goto fail;
	}
	common = es_ofd__child(xmlDocGetRootElement(v->doc), "CommonData");
	{
		char tmp[256];
		double a[4] = { 0, 0, 0, 0 };
		es_ofd__text(es_ofd__child(es_ofd__child(common, "PageArea"), "PhysicalBox"), tmp, sizeof(tmp));
		parse_nums(tmp, a, 4);
		if (a[2] > 0.1 && a[3] > 0.1)
			memcpy(v->area, a, sizeof(a));
	}
	for (xmlNodePtr r = common ? common->children : NULL; r; r = r->next) {
		if (r->type == XML_ELEMENT_NODE &&
		    (strcmp((const char *)r->name, "PublicRes") == 0 || strcmp((const char *)r->name, "DocumentRes") == 0))
			res_load(v, v->docroot, es_ofd__text(r, loc, sizeof(loc)));
	}
	ps = es_ofd__child(xmlDocGetRootElement(v->doc), "Pages");
	for (xmlNodePtr p = es_ofd__child(ps, "Page"); p; p = es_ofd__next(p, "Page"))
		n++;
	if (n == 0) {
		err = es_error_set(ES_EMALFORMED, "'%s' lists no page", v->docroot);
		goto fail;
	}
	if (n > ES_OFD_MAX_ENTRIES)
		n = ES_OFD_MAX_ENTRIES;
	if (!(v->pages = es_calloc(n, sizeof(*v->pages)))) {
		err = es_error_set(ES_ENOMEM, "out of memory");
		goto fail;
	}
	for (xmlNodePtr p = es_ofd__child(ps, "Page"); p && v->npages < n; p = es_ofd__next(p, "Page")) {
		vpage *pg = &v->pages[v->npages++];
		es_ofd__attr(p, "ID", pg->id, sizeof(pg->id));
		if (!es_ofd__attr(p, "BaseLoc", loc, sizeof(loc)) ||
		    es_ofd__resolve(pg->content, sizeof(pg->content), v->docroot, loc) < 0)
			pg->content[0] = 0;
	}
	*out = v;
	return 0;
fail:
	es_ofd_view_free(v);
	return err;
}

unsigned es_ofd_view_pages(const es_ofd_view *v)
{
	return v ? v->npages : 0;
}

static void page_area(es_ofd_view *v, xmlDocPtr page, double a[4])
{
	char tmp[256];
	double p[4] = { 0, 0, 0, 0 };
	memcpy(a, v->area, sizeof(p));
	if (page) {
		es_ofd__text(es_ofd__child(es_ofd__child(xmlDocGetRootElement(page), "Area"), "PhysicalBox"), tmp,
			     sizeof(tmp));
		parse_nums(tmp, p, 4);
		if (p[2] > 0.1 && p[3] > 0.1)
			memcpy(a, p, sizeof(p));
	}
	a[2] = ES_MIN(a[2], ES_OFD_RENDER_MAX_PAGE_MM);
	a[3] = ES_MIN(a[3], ES_OFD_RENDER_MAX_PAGE_MM);
}

/* A page's Content.xml, parsed for one render and freed after it (pages are
 * not kept: a long document rendered whole would hold every page tree). */
static xmlDocPtr page_doc(const es_ofd_view *v, const char *name)
{
	es_bytes b;
	xmlDocPtr d = NULL;
	if (!name[0] || es_ofd_pkg_get(&b, v->pkg, name) < 0 || es_ofd__xml_parse(&d, b.ptr, b.len, name) < 0) {
		es_error_clear();
		return NULL;
	}
	return d;
}

int es_ofd_view_page_size(const es_ofd_view *v, unsigned page, double *w_mm, double *h_mm)
{
	double a[4];
	xmlDocPtr d;
	ES_ASSERT_ARG(v && w_mm && h_mm);
	if (page < 1 || page > v->npages)
		return es_error_set(ES_EINVAL, "page %u out of range (the document has %u)", page, v->npages);
	d = page_doc(v, v->pages[page - 1].content);
	page_area((es_ofd_view *)v, d, a);
	xmlFreeDoc(d);
	*w_mm = a[2];
	*h_mm = a[3];
	return 0;
}

static void face_free(face *f)
{
	if (!f)
		return;
	if (f->cf)
		cairo_font_face_destroy(f->cf); /* releases the FT_Face through the user data */
	es_free(f);
}

void es_ofd_view_free(es_ofd_view *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->nfaces; i++)
		face_free(v->faces[i]);
	for (size_t i = 0; i < v->nxdocs; i++) {
		xmlFreeDoc(v->xdocs[i]);
		es_free(v->xnames[i]);
	}
	for (size_t i = 0; i < v->npics; i++) {
		es_free(v->pics[i].data);
		es_ofd_view_free(v->pics[i].inner);
	}
	es_free(v->pics);
	es_free(v->stamps);
	es_free(v->xdocs);
	es_free(v->xnames);
	es_free(v->res);
	es_free(v->fonts);
	es_free(v->pages);
	xmlFreeDoc(v->ofd);
	xmlFreeDoc(v->doc);
	es_ofd_pkg_free(v->pkg);
	es_free(v);
}

/* ---- fonts -------------------------------------------------------------------- */

/* One FreeType library for the process: cairo may drop a font face (and so
 * call ft_done) after the view that made it is gone, so faces never depend
 * on a view. Creating and destroying faces is serialised (FreeType's rule
 * for one library); each face is used by one view at a time. */
static FT_Library ft_lib;
static pthread_once_t ft_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t ft_mu = PTHREAD_MUTEX_INITIALIZER;
static const cairo_user_data_key_t ft_key;

static void ft_init(void)
{
	if (FT_Init_FreeType(&ft_lib) != 0)
		ft_lib = NULL;
}

typedef struct ft_owned {
	FT_Face ft;
	uint8_t *data; /* an embedded font's bytes, owned */
} ft_owned;

static void ft_done(void *p)
{
	ft_owned *o = p;
	pthread_mutex_lock(&ft_mu);
	FT_Done_Face(o->ft);
	pthread_mutex_unlock(&ft_mu);
	es_free(o->data);
	es_free(o);
}

/* A face from a file path (installed) or a package entry (embedded), cached. */
static face *face_get(es_ofd_view *v, const char *path, int index, bool embedded)
{
	char key[NAME_CAP + 16];
	face *f;
	FT_Face ft = NULL;
	FT_Error fe;
	ft_owned *o;

	snprintf(key, sizeof(key), "%c%d:%s", embedded ? 'e' : 'f', index, path);
	for (size_t i = 0; i < v->nfaces; i++)
		if (strcmp(v->faces[i]->key, key) == 0)
			return v->faces[i]->cf ? v->faces[i] : NULL;
	if (v->nfaces >= ES_ARRAY_LEN(v->faces))
		return NULL;
	pthread_once(&ft_once, ft_init);
	if (!ft_lib)
		return NULL;
	if (!(f = es_calloc(1, sizeof(*f))))
		return NULL;
	snprintf(f->key, sizeof(f->key), "%s", key);
	v->faces[v->nfaces++] = f; /* cached even when it fails: tried once */
	if (!(o = es_calloc(1, sizeof(*o))))
		return NULL;
	if (embedded) {
		es_bytes b;
		if (es_ofd_pkg_get(&b, v->pkg, path) < 0 || b.len == 0 || b.len > LONG_MAX ||
		    !(o->data = es_malloc(b.len))) {
			es_free(o);
			return NULL;
		}
		memcpy(o->data, b.ptr, b.len);
		pthread_mutex_lock(&ft_mu);
		fe = FT_New_Memory_Face(ft_lib, o->data, (FT_Long)b.len, index, &ft);
		pthread_mutex_unlock(&ft_mu);
	} else {
		pthread_mutex_lock(&ft_mu);
		fe = FT_New_Face(ft_lib, path, index, &ft);
		pthread_mutex_unlock(&ft_mu);
	}
	if (fe != 0 || !ft) {
		es_free(o->data);
		es_free(o);
		return NULL;
	}
	o->ft = ft;
	if (FT_Select_Charmap(ft, FT_ENCODING_UNICODE) == 0)
		f->unicode = true;
	else if (ft->num_charmaps > 0)
		FT_Set_Charmap(ft, ft->charmaps[0]);
	f->cf = cairo_ft_font_face_create_for_ft_face(ft, FT_LOAD_NO_HINTING);
	if (cairo_font_face_set_user_data(f->cf, &ft_key, o, ft_done) != CAIRO_STATUS_SUCCESS) {
		cairo_font_face_destroy(f->cf);
		f->cf = NULL;
		ft_done(o);
		return NULL;
	}
	f->ft = ft;
	return f;
}

/* Glyph index of @cp in @f, 0 when absent (symbol fonts: also U+F000+cp). */
static unsigned glyph_of(const face *f, uint32_t cp)
{
	unsigned g;
	if (!f || !f->ft)
		return 0;
	g = FT_Get_Char_Index(f->ft, cp);
	if (g == 0 && !f->unicode && cp < 0x100)
		g = FT_Get_Char_Index(f->ft, 0xF000 + cp);
	return g;
}

static void fallbacks(es_ofd_view *v)
{
	char path[1024];
	int index;
	if (v->fallback_tried)
		return;
	v->fallback_tried = true;
	for (size_t i = 0; i < NFALLBACK; i++)
		if (fc_file(FALLBACK_FAMILIES[i], true, false, false, path, sizeof(path), &index))
			v->fallback[i] = face_get(v, path, index, false);
}

static vfont *font_get(es_ofd_view *v, unsigned long id)
{
	vfont *vf = NULL;
	res *r;
	char name[256] = "", family[256] = "", loc[NAME_CAP], path[1024];
	int index = 0;

	for (size_t i = 0; i < v->nfonts; i++)
		if (v->fonts[i].id == id)
			return &v->fonts[i];
	if (v->nfonts == v->capfonts) {
		size_t cap = v->capfonts ? v->capfonts * 2 : 16;
		vfont *nf;
		if (cap > ES_OFD_RENDER_MAX_FONTS * 4)
			return NULL;
		nf = es_realloc(v->fonts, cap * sizeof(*nf));
		if (!nf)
			return NULL;
		v->fonts = nf;
		v->capfonts = cap;
	}
	vf = &v->fonts[v->nfonts++];
	memset(vf, 0, sizeof(*vf));
	vf->id = id;
	r = res_find_type(v, id, "Font");
	if (!r)
		return vf; /* fallbacks only */
	es_ofd__attr(r->node, "FontName", name, sizeof(name));
	es_ofd__attr(r->node, "FamilyName", family, sizeof(family));
	vf->bold = bool_attr(r->node, "Bold", false);
	vf->italic = bool_attr(r->node, "Italic", false);
	es_ofd__text(es_ofd__child(r->node, "FontFile"), loc, sizeof(loc));
	if (loc[0]) {
		char file[NAME_CAP];
		char from[NAME_CAP];
		snprintf(from, sizeof(from), "%sx", r->base);
		if (es_ofd__resolve(file, sizeof(file), from, loc) == 0)
			vf->main = face_get(v, file, 0, true);
		/* some producers name FontFile relative to the document root */
		if (!vf->main && es_ofd__resolve(file, sizeof(file), v->docroot, loc) == 0)
			vf->main = face_get(v, file, 0, true);
	}
	if (!vf->main) {
		const char *names[2] = { name, family };
		for (size_t k = 0; k < 2 && !vf->main; k++) {
			if (!names[k][0])
				continue;
			for (size_t m = 0; m < ES_ARRAY_LEN(FONT_MAP) && !vf->main; m++) {
				if (!name_in(FONT_MAP[m].names, names[k]))
					continue;
				for (size_t f = 0; f < 4 && FONT_MAP[m].families[f] && !vf->main; f++)
					if (fc_file(FONT_MAP[m].families[f], true, vf->bold, vf->italic, path, sizeof(path), &index))
						vf->main = face_get(v, path, index, false);
			}
			/* a family installed under its own name */
			if (!vf->main && fc_file(names[k], true, vf->bold, vf->italic, path, sizeof(path), &index))
				vf->main = face_get(v, path, index, false);
		}
	}
	return vf;
}

/* ---- the page context ------------------------------------------------------------ */

struct run {
	face *f;
	cairo_glyph_t g[256];
	cairo_text_cluster_t cl[256];
	char utf8[256 * 4 + 1];
	size_t ng, nu;
};
typedef struct run run;

#define NREASONS 12

typedef struct rctx {
	es_ofd_view *v;
	cairo_t *cr;
	es_ofd_render_info *info;
	const es_ofd_render_options *opt;
	double px_per_mm;        /* raster resolution for SVG seals */
	size_t objects, glyphs, points, image_px;
	bool full;               /* the object limit was reached */
	double *dx, *dy;         /* TextCode deltas (shared by nested renders) */
	struct run *run;
	struct { const char *why; size_t n; } reasons[NREASONS];
} rctx;

static void skip(rctx *c, const char *why)
{
	c->info->skipped++;
	for (size_t i = 0; i < NREASONS; i++) {
		if (!c->reasons[i].why) {
			c->reasons[i].why = why;
			c->reasons[i].n = 1;
			return;
		}
		if (strcmp(c->reasons[i].why, why) == 0) {
			c->reasons[i].n++;
			return;
		}
	}
}

typedef struct gstate {
	double lw, miter, dash_off;
	cairo_line_join_t join;
	cairo_line_cap_t cap;
	double dash[16];
	int ndash;
	xmlNodePtr fill, stroke; /* colour elements */
} gstate;

static void gstate_init(gstate *g)
{
	memset(g, 0, sizeof(*g));
	g->lw = 0.353;
	g->miter = 3.528;
	g->join = CAIRO_LINE_JOIN_MITER;
	g->cap = CAIRO_LINE_CAP_BUTT;
}

static void line_attrs(gstate *g, xmlNodePtr n)
{
	char buf[256];
	double lw = num_attr(n, "LineWidth", -1);
	if (lw >= 0)
		g->lw = lw;
	if (es_ofd__attr(n, "Join", buf, sizeof(buf)))
		g->join = strcmp(buf, "Round") == 0 ? CAIRO_LINE_JOIN_ROUND
			  : strcmp(buf, "Bevel") == 0 ? CAIRO_LINE_JOIN_BEVEL : CAIRO_LINE_JOIN_MITER;
	if (es_ofd__attr(n, "Cap", buf, sizeof(buf)))
		g->cap = strcmp(buf, "Round") == 0 ? CAIRO_LINE_CAP_ROUND
			 : strcmp(buf, "Square") == 0 ? CAIRO_LINE_CAP_SQUARE : CAIRO_LINE_CAP_BUTT;
	g->miter = num_attr(n, "MiterLimit", g->miter);
	g->dash_off = num_attr(n, "DashOffset", g->dash_off);
	if (es_ofd__attr(n, "DashPattern", buf, sizeof(buf))) {
		double d[16];
		int k = 0;
		char *s = buf, *end;
		bool positive = false;
		for (; k < 16; k++) {
			double x = strtod(s, &end);
			if (end == s || !isfinite(x) || x < 0)
				break;
			d[k] = x;
			positive |= x > 0;
			s = end;
		}
		g->ndash = positive ? k : 0;
		memcpy(g->dash, d, sizeof(double) * (size_t)g->ndash);
	}
	if (es_ofd__child(n, "FillColor"))
		g->fill = es_ofd__child(n, "FillColor");
	if (es_ofd__child(n, "StrokeColor"))
		g->stroke = es_ofd__child(n, "StrokeColor");
}

static void drawparam(rctx *c, gstate *g, unsigned long id, unsigned depth)
{
	res *r = res_find_type(c->v, id, "DrawParam");
	if (!r || depth > 8)
		return;
	drawparam(c, g, id_attr(r->node, "Relative"), depth + 1);
	line_attrs(g, r->node);
}

/* Object state: inherited, then its DrawParam, then its own attributes. */
static void object_state(rctx *c, gstate *g, xmlNodePtr n)
{
	drawparam(c, g, id_attr(n, "DrawParam"), 0);
	line_attrs(g, n);
}

/* ---- colours ----------------------------------------------------------------------- */

typedef struct rgba {
	double r, g, b, a;
} rgba;

static void cs_info(rctx *c, unsigned long cs, char *type, size_t cap, int *bpc, xmlNodePtr *palette)
{
	res *r = res_find_type(c->v, cs, "ColorSpace");
	snprintf(type, cap, "RGB");
	*bpc = 8;
	*palette = NULL;
	if (!r)
		return;
	es_ofd__attr(r->node, "Type", type, cap);
	*bpc = (int)num_attr(r->node, "BitsPerComponent", 8);
	if (*bpc < 1 || *bpc > 16)
		*bpc = 8;
	*palette = es_ofd__child(r->node, "Palette");
}

/* Components of a colour value: "r g b", "#FF #00 #00" */
static int parse_comps(const char *s, double *v, int max)
{
	int k = 0;
	char *end;
	while (k < max) {
		while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
			s++;
		if (!*s)
			break;
		if (*s == '#') {
			v[k] = (double)strtoul(s + 1, &end, 16);
			if (end == s + 1)
				break;
		} else {
			v[k] = strtod(s, &end);
			if (end == s || !isfinite(v[k]))
				break;
		}
		k++;
		s = end;
	}
	return k;
}

static rgba color_of(rctx *c, xmlNodePtr n, rgba def)
{
	char type[32], val[256];
	int bpc, k;
	xmlNodePtr pal;
	double comp[4] = { 0, 0, 0, 0 }, max;
	rgba o = def;

	if (!n)
		return def;
	cs_info(c, id_attr(n, "ColorSpace"), type, sizeof(type), &bpc, &pal);
	max = (double)((1u << bpc) - 1);
	o.a = ES_CLAMP(num_attr(n, "Alpha", 255), 0, 255) / 255.0;
	if (es_ofd__attr(n, "Value", val, sizeof(val))) {
		k = parse_comps(val, comp, 4);
	} else if (es_ofd__attr(n, "Index", val, sizeof(val)) && pal) {
		long idx = strtol(val, NULL, 10);
		xmlNodePtr cv = es_ofd__child(pal, "CV");
		for (long i = 0; cv && i < idx && i < 65536; i++)
			cv = es_ofd__next(cv, "CV");
		if (!cv)
			return def;
		k = parse_comps(es_ofd__text(cv, val, sizeof(val)), comp, 4);
	} else {
		k = 0;
		if (!es_ofd__child(n, "AxialShd") && !es_ofd__child(n, "RadialShd"))
			return o.a != def.a ? (rgba){ def.r, def.g, def.b, o.a } : def;
	}
	for (int i = 0; i < 4; i++)
		comp[i] = ES_CLAMP(comp[i] / max, 0, 1);
	if (strcasecmp(type, "GRAY") == 0) {
		if (k < 1)
			return def;
		o.r = o.g = o.b = comp[0];
	} else if (strcasecmp(type, "CMYK") == 0) {
		if (k < 4)
			return def;
		o.r = (1 - comp[0]) * (1 - comp[3]);
		o.g = (1 - comp[1]) * (1 - comp[3]);
		o.b = (1 - comp[2]) * (1 - comp[3]);
	} else {
		if (k < 3) {
			if (k == 1) { /* some producers write grey as one value */
				o.r = o.g = o.b = comp[0];
				return o;
			}
			return def;
		}
		o.r = comp[0];
		o.g = comp[1];
		o.b = comp[2];
	}
	return o;
}

/* A shading colour (AxialShd/RadialShd) as a cairo pattern in the current
 * user space, or NULL. */
static cairo_pattern_t *shading(rctx *c, xmlNodePtr colour, double alpha)
{
	xmlNodePtr shd = es_ofd__child(colour, "AxialShd"), seg;
	cairo_pattern_t *p;
	double a[2] = { 0, 0 }, b[2] = { 0, 0 };
	char buf[128];
	bool radial = false;
	int nseg = 0;

	if (!shd) {
		shd = es_ofd__child(colour, "RadialShd");
		radial = shd != NULL;
	}
	if (!shd)
		return NULL;
	if (es_ofd__attr(shd, "StartPoint", buf, sizeof(buf)))
		parse_nums(buf, a, 2);
	if (es_ofd__attr(shd, "EndPoint", buf, sizeof(buf)))
		parse_nums(buf, b, 2);
	if (radial)
		p = cairo_pattern_create_radial(a[0], a[1], fmax(0, num_attr(shd, "StartRadius", 0)), b[0], b[1],
						fmax(0, num_attr(shd, "EndRadius", 0)));
	else
		p = cairo_pattern_create_linear(a[0], a[1], b[0], b[1]);
	cairo_pattern_set_extend(p, CAIRO_EXTEND_PAD);
	for (seg = es_ofd__child(shd, "Segment"); seg && nseg < 256; seg = es_ofd__next(seg, "Segment"), nseg++) {
		rgba col = color_of(c, es_ofd__child(seg, "Color"), (rgba){ 0, 0, 0, 1 });
		double pos = ES_CLAMP(num_attr(seg, "Position", nseg == 0 ? 0 : 1), 0, 1);
		cairo_pattern_add_color_stop_rgba(p, pos, col.r, col.g, col.b, col.a * alpha);
	}
	if (nseg == 0) {
		cairo_pattern_destroy(p);
		return NULL;
	}
	return p;
}

static void set_source(rctx *c, xmlNodePtr colour, rgba def, double alpha)
{
	cairo_pattern_t *p = colour ? shading(c, colour, alpha) : NULL;
	rgba col;
	if (p) {
		cairo_set_source(c->cr, p);
		cairo_pattern_destroy(p);
		return;
	}
	col = color_of(c, colour, def);
	cairo_set_source_rgba(c->cr, col.r, col.g, col.b, col.a * alpha);
}

/* ---- paths ------------------------------------------------------------------------- */

static void arc_to(cairo_t *cr, double x1, double y1, double rx, double ry, double phi_deg, bool large, bool sweep,
		   double x2, double y2)
{
	/* SVG implementation notes F.6.5: endpoint to centre parametrisation */
	double phi = phi_deg * M_PI / 180, cp = cos(phi), sp = sin(phi);
	double dx = (x1 - x2) / 2, dy = (y1 - y2) / 2;
	double x1p = cp * dx + sp * dy, y1p = -sp * dx + cp * dy;
	double lambda, num, den, coef, cxp, cyp, cx, cy, t1, dt;
	cairo_matrix_t save;

	rx = fabs(rx);
	ry = fabs(ry);
	if (rx < 1e-9 || ry < 1e-9 || (x1 == x2 && y1 == y2)) {
		cairo_line_to(cr, x2, y2);
		return;
	}
	lambda = (x1p * x1p) / (rx * rx) + (y1p * y1p) / (ry * ry);
	if (lambda > 1) {
		rx *= sqrt(lambda);
		ry *= sqrt(lambda);
	}
	num = rx * rx * ry * ry - rx * rx * y1p * y1p - ry * ry * x1p * x1p;
	den = rx * rx * y1p * y1p + ry * ry * x1p * x1p;
	coef = den > 0 && num > 0 ? sqrt(num / den) : 0;
	if (large == sweep)
		coef = -coef;
	cxp = coef * rx * y1p / ry;
	cyp = -coef * ry * x1p / rx;
	cx = cp * cxp - sp * cyp + (x1 + x2) / 2;
	cy = sp * cxp + cp * cyp + (y1 + y2) / 2;
	t1 = atan2((y1p - cyp) / ry, (x1p - cxp) / rx);
	dt = atan2((-y1p - cyp) / ry, (-x1p - cxp) / rx) - t1;
	if (sweep && dt < 0)
		dt += 2 * M_PI;
	else if (!sweep && dt > 0)
		dt -= 2 * M_PI;
	cairo_get_matrix(cr, &save);
	cairo_translate(cr, cx, cy);
	cairo_rotate(cr, phi);
	cairo_scale(cr, rx, ry);
	if (sweep)
		cairo_arc(cr, 0, 0, 1, t1, t1 + dt);
	else
		cairo_arc_negative(cr, 0, 0, 1, t1, t1 + dt);
	cairo_set_matrix(cr, &save);
}

/* Build AbbreviatedData into the current path. false when over a limit. */
static bool path_data(rctx *c, const char *s)
{
	double v[7], cx = 0, cy = 0, sx = 0, sy = 0;
	size_t pts = 0;
	bool have = false;
	char op = 0;

	while (*s) {
		int need, k;
		char *end;
		while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == ',')
			s++;
		if (!*s)
			break;
		if (isalpha((unsigned char)*s)) {
			op = *s++;
			if (op == 'C' || op == 'c' || op == 'Z' || op == 'z') {
				if (have)
					cairo_close_path(c->cr);
				cx = sx;
				cy = sy;
				continue;
			}
		}
		need = op == 'M' || op == 'S' || op == 'L' ? 2 : op == 'Q' ? 4 : op == 'B' ? 6 : op == 'A' ? 7 : -1;
		if (need < 0)
			return true; /* unknown operator: the rest is not drawn */
		for (k = 0; k < need; k++) {
			while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == ',')
				s++;
			v[k] = strtod(s, &end);
			if (end == s || !isfinite(v[k]))
				return true; /* truncated data: draw what was read */
			s = end;
		}
		pts += (size_t)(need / 2 + 1);
		if (pts > ES_OFD_RENDER_MAX_PATH_POINTS || c->points + pts > ES_OFD_RENDER_MAX_PAGE_POINTS) {
			cairo_new_path(c->cr);
			return false;
		}
		if (!have && op != 'M' && op != 'S') {
			cairo_move_to(c->cr, cx, cy);
			have = true;
		}
		switch (op) {
		case 'M':
		case 'S':
			cairo_move_to(c->cr, v[0], v[1]);
			sx = v[0];
			sy = v[1];
			have = true;
			break;
		case 'L': cairo_line_to(c->cr, v[0], v[1]); break;
		case 'Q':
			cairo_curve_to(c->cr, cx + 2.0 / 3 * (v[0] - cx), cy + 2.0 / 3 * (v[1] - cy),
				       v[2] + 2.0 / 3 * (v[0] - v[2]), v[3] + 2.0 / 3 * (v[1] - v[3]), v[2], v[3]);
			break;
		case 'B': cairo_curve_to(c->cr, v[0], v[1], v[2], v[3], v[4], v[5]); break;
		case 'A': arc_to(c->cr, cx, cy, v[0], v[1], v[2], v[3] != 0, v[4] != 0, v[5], v[6]); break;
		}
		cx = v[need - 2];
		cy = v[need - 1];
	}
	c->points += pts;
	return true;
}

/* ---- objects ----------------------------------------------------------------------- */

static void draw_children(rctx *c, xmlNodePtr parent, const gstate *g, unsigned depth, double alpha);

static void apply_ctm(cairo_t *cr, xmlNodePtr n)
{
	char buf[256];
	if (es_ofd__attr(n, "CTM", buf, sizeof(buf))) {
		double m[6] = { 1, 0, 0, 1, 0, 0 };
		cairo_matrix_t cm;
		parse_nums(buf, m, 6);
		cairo_matrix_init(&cm, m[0], m[1], m[2], m[3], m[4], m[5]);
		if (fabs(m[0] * m[3] - m[1] * m[2]) > 1e-12)
			cairo_transform(cr, &cm);
	}
}

/* Clips (§8.4) in the object's boundary space (before its CTM): the areas
 * of one Clip are united, Clips intersect. */
static void clips(rctx *c, xmlNodePtr n)
{
	xmlNodePtr cl = es_ofd__child(n, "Clips");
	if (!cl)
		return;
	for (xmlNodePtr clip = es_ofd__child(cl, "Clip"); clip; clip = es_ofd__next(clip, "Clip")) {
		bool any = false;
		cairo_matrix_t save;
		cairo_get_matrix(c->cr, &save);
		cairo_new_path(c->cr);
		for (xmlNodePtr area = es_ofd__child(clip, "Area"); area; area = es_ofd__next(area, "Area")) {
			xmlNodePtr p = es_ofd__child(area, "Path"), ad;
			xmlChar *t;
			double pb[4];
			cairo_set_matrix(c->cr, &save);
			apply_ctm(c->cr, area);
			if (!p) {
				if (es_ofd__child(area, "Text"))
					skip(c, "text clip areas (drawn unclipped)");
				continue;
			}
			if (box_attr(p, "Boundary", pb))
				cairo_translate(c->cr, pb[0], pb[1]);
			apply_ctm(c->cr, p);
			ad = es_ofd__child(p, "AbbreviatedData");
			t = ad ? xmlNodeGetContent(ad) : NULL;
			if (t && path_data(c, (const char *)t))
				any = true;
			else if (t)
				skip(c, "clip paths over the point limit");
			xmlFree(t);
		}
		cairo_set_matrix(c->cr, &save);
		if (any)
			cairo_clip(c->cr);
		else
			cairo_new_path(c->cr);
	}
}

/* Enter an object's space: translate(Boundary), clips, CTM. */
static void enter(rctx *c, xmlNodePtr n)
{
	double box[4];
	box_attr(n, "Boundary", box);
	cairo_translate(c->cr, box[0], box[1]);
	clips(c, n);
	apply_ctm(c->cr, n);
}

static void draw_path(rctx *c, xmlNodePtr n, const gstate *g, double alpha)
{
	xmlNodePtr ad = es_ofd__child(n, "AbbreviatedData");
	xmlChar *data = ad ? xmlNodeGetContent(ad) : NULL;
	bool stroke = bool_attr(n, "Stroke", true), fill = bool_attr(n, "Fill", false);
	char rule[32];

	if (!data)
		return;
	cairo_new_path(c->cr);
	if (!path_data(c, (const char *)data)) {
		skip(c, "paths over the point limit");
		xmlFree(data);
		return;
	}
	xmlFree(data);
	if (es_ofd__attr(n, "Rule", rule, sizeof(rule)) && strcmp(rule, "Even-Odd") == 0)
		cairo_set_fill_rule(c->cr, CAIRO_FILL_RULE_EVEN_ODD);
	else
		cairo_set_fill_rule(c->cr, CAIRO_FILL_RULE_WINDING);
	if (fill) {
		set_source(c, g->fill, (rgba){ 0, 0, 0, 1 }, alpha);
		if (stroke)
			cairo_fill_preserve(c->cr);
		else
			cairo_fill(c->cr);
	}
	if (stroke) {
		double lw = g->lw;
		/* a zero width is the thinnest line the device draws (one pixel) */
		if (lw <= 0) {
			double ux = 1, uy = 0;
			cairo_device_to_user_distance(c->cr, &ux, &uy);
			lw = hypot(ux, uy);
		}
		cairo_set_line_width(c->cr, lw);
		cairo_set_line_join(c->cr, g->join);
		cairo_set_line_cap(c->cr, g->cap);
		cairo_set_miter_limit(c->cr, g->miter > 1 ? g->miter : 1);
		cairo_set_dash(c->cr, g->dash, g->ndash, g->dash_off);
		set_source(c, g->stroke, (rgba){ 0, 0, 0, 1 }, alpha);
		cairo_stroke(c->cr);
	}
	cairo_new_path(c->cr);
}

/* DeltaX/DeltaY: numbers and "g N v" (N copies of v) into @out. */
static size_t deltas(double *out, size_t max, const char *s)
{
	size_t n = 0;
	char *end;
	while (s && *s && n < max) {
		while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
			s++;
		if (!*s)
			break;
		if (*s == 'g') {
			unsigned long cnt = strtoul(s + 1, &end, 10);
			double x;
			if (end == s + 1)
				break;
			s = end;
			x = strtod(s, &end);
			if (end == s || !isfinite(x))
				break;
			s = end;
			for (unsigned long i = 0; i < cnt && n < max; i++)
				out[n++] = x;
		} else {
			double x = strtod(s, &end);
			if (end == s || !isfinite(x))
				break;
			out[n++] = x;
			s = end;
		}
	}
	return n;
}


static void run_flush(rctx *c, run *r, const double fm[4], bool fill, bool stroke, bool bold, const gstate *g,
		      double alpha, xmlNodePtr fillc, xmlNodePtr strokec)
{
	cairo_matrix_t m;
	if (r->ng == 0)
		return;
	cairo_set_font_face(c->cr, r->f->cf);
	cairo_matrix_init(&m, fm[0], fm[1], fm[2], fm[3], 0, 0);
	cairo_set_font_matrix(c->cr, &m);
	if (fill) {
		set_source(c, fillc, (rgba){ 0, 0, 0, 1 }, alpha);
		cairo_show_text_glyphs(c->cr, r->utf8, (int)r->nu, r->g, (int)r->ng, r->cl, (int)r->ng, 0);
		if (bold) { /* Weight >= 600 without a bold face: the outline stroked too */
			cairo_new_path(c->cr);
			cairo_glyph_path(c->cr, r->g, (int)r->ng);
			cairo_set_line_width(c->cr, fm[3] * 0.035);
			cairo_set_line_join(c->cr, CAIRO_LINE_JOIN_ROUND);
			cairo_stroke(c->cr);
		}
	}
	if (stroke) {
		cairo_new_path(c->cr);
		cairo_glyph_path(c->cr, r->g, (int)r->ng);
		cairo_set_line_width(c->cr, g->lw > 0 ? g->lw : 0.1);
		cairo_set_line_join(c->cr, g->join);
		set_source(c, strokec, (rgba){ 0, 0, 0, 1 }, alpha);
		cairo_stroke(c->cr);
	}
	c->glyphs += r->ng;
	c->info->glyphs += r->ng;
	r->ng = r->nu = 0;
}

static double advance_of(rctx *c, face *f, unsigned gid, const double fm[4])
{
	cairo_glyph_t gl = { gid, 0, 0 };
	cairo_text_extents_t e;
	cairo_matrix_t m;
	cairo_set_font_face(c->cr, f->cf);
	cairo_matrix_init(&m, fm[0], fm[1], fm[2], fm[3], 0, 0);
	cairo_set_font_matrix(c->cr, &m);
	cairo_glyph_extents(c->cr, &gl, 1, &e);
	return isfinite(e.x_advance) ? e.x_advance : fm[0];
}

static void draw_text(rctx *c, xmlNodePtr n, const gstate *g, double alpha)
{
	double size = num_attr(n, "Size", 3.5), hscale = num_attr(n, "HScale", 1), fm[4];
	bool fill = bool_attr(n, "Fill", true), stroke = bool_attr(n, "Stroke", false);
	int chardir = (int)num_attr(n, "CharDirection", 0);
	vfont *vf = font_get(c->v, id_attr(n, "Font"));
	double weight = num_attr(n, "Weight", 400);
	bool italic = bool_attr(n, "Italic", false) || (vf && vf->italic);
	double x = 0, y = 0;
	double *dx = c->dx, *dy = c->dy;
	run *r = c->run;
	bool bold = weight >= 600 || (vf && vf->bold);
	xmlNodePtr fillc = g->fill, strokec = g->stroke;

	if (!(size > 0 && size < 1000) || !(hscale > 0 && hscale < 100))
		return;
	fallbacks(c->v);
	fm[0] = size * hscale;
	fm[1] = 0;
	fm[2] = italic ? -0.2 * size : 0;
	fm[3] = size;
	if (!dx || !dy || !r) {
		skip(c, "text (out of memory)");
		return;
	}
	r->ng = r->nu = 0;
	r->f = NULL;
	for (xmlNodePtr tc = es_ofd__child(n, "TextCode"); tc; tc = es_ofd__next(tc, "TextCode")) {
		xmlChar *t = xmlNodeGetContent(tc);
		const char *s = (const char *)t;
		char buf[64];
		size_t ndx, ndy, i = 0, len;
		unsigned cg_glyphs[256];
		size_t cg_pos = 0, cg_n = 0;

		if (!t)
			continue;
		len = strlen(s);
		{
			char *dxs = NULL, *dys = NULL;
			xmlChar *a = xmlGetProp(tc, (const xmlChar *)"DeltaX"), *b = xmlGetProp(tc, (const xmlChar *)"DeltaY");
			dxs = (char *)a;
			dys = (char *)b;
			ndx = deltas(dx, ES_OFD_RENDER_MAX_CODE_CHARS, dxs);
			ndy = deltas(dy, ES_OFD_RENDER_MAX_CODE_CHARS, dys);
			xmlFree(a);
			xmlFree(b);
		}
		if (es_ofd__attr(tc, "X", buf, sizeof(buf)))
			x = num_attr(tc, "X", x);
		if (es_ofd__attr(tc, "Y", buf, sizeof(buf)))
			y = num_attr(tc, "Y", y);
		/* CGTransform (§11.4): glyph indexes for the characters of this code */
		{
			xmlNodePtr cg = es_ofd__child(n, "CGTransform");
			if (cg && vf && vf->main) {
				char gb[4096];
				xmlNodePtr gl = es_ofd__child(cg, "Glyphs");
				double gv[256];
				size_t k;
				cg_pos = (size_t)ES_CLAMP(num_attr(cg, "CodePosition", 0), 0, 1e6);
				es_ofd__text(gl, gb, sizeof(gb));
				k = deltas(gv, 256, gb);
				for (size_t j = 0; j < k; j++)
					cg_glyphs[j] = gv[j] >= 0 && gv[j] < 65536 ? (unsigned)gv[j] : 0;
				cg_n = ES_MIN(k, (size_t)ES_CLAMP(num_attr(cg, "CodeCount", (double)k), 0, 256));
			}
		}
		for (size_t off = 0; off < len && i < ES_OFD_RENDER_MAX_CODE_CHARS; i++) {
			uint32_t cp;
			size_t l = es_utf8__decode(&cp, s + off, len - off);
			face *f = NULL;
			unsigned gid = 0;
			double gx = x, gy = y;
			if (l == 0) {
				l = 1;
				cp = 0xFFFD;
			}
			if (c->glyphs + r->ng >= ES_OFD_RENDER_MAX_GLYPHS) {
				skip(c, "glyphs over the page limit");
				break;
			}
			if (vf && vf->main && cg_n && i >= cg_pos && i < cg_pos + cg_n) {
				f = vf->main;
				gid = cg_glyphs[i - cg_pos];
			} else if (vf && vf->main && (gid = glyph_of(vf->main, cp)) != 0) {
				f = vf->main;
			} else {
				for (size_t k = 0; k < NFALLBACK && !gid; k++)
					if (c->v->fallback[k] && (gid = glyph_of(c->v->fallback[k], cp)) != 0)
						f = c->v->fallback[k];
			}
			if (f && gid) {
				if (r->f != f || r->ng == ES_ARRAY_LEN(r->g) || r->nu + l >= sizeof(r->utf8) - 1 || chardir) {
					run_flush(c, r, fm, fill, stroke, bold, g, alpha, fillc, strokec);
					r->f = f;
				}
				if (chardir) {
					/* one glyph rotated about its origin */
					cairo_save(c->cr);
					cairo_translate(c->cr, gx, gy);
					cairo_rotate(c->cr, chardir * M_PI / 180);
					gx = gy = 0;
				}
				r->g[r->ng].index = gid;
				r->g[r->ng].x = gx;
				r->g[r->ng].y = gy;
				r->cl[r->ng].num_bytes = (int)l;
				r->cl[r->ng].num_glyphs = 1;
				memcpy(r->utf8 + r->nu, s + off, l);
				r->nu += l;
				r->ng++;
				if (chardir) {
					run_flush(c, r, fm, fill, stroke, bold, g, alpha, fillc, strokec);
					cairo_restore(c->cr);
				}
			} else if (cp > ' ' && cp != 0x3000 && cp != 0xa0) {
				c->info->missing_glyphs++;
			}
			/* the next glyph's position */
			if (i < ndx)
				x += dx[i];
			else if (i < ndy)
				; /* vertical runs give DeltaY only: x stays */
			else if (f && gid) /* also after the last: a next TextCode without X goes on from there */
				x += advance_of(c, f, gid, fm);
			else
				x += size;
			if (i < ndy)
				y += dy[i];
			off += l;
		}
		run_flush(c, r, fm, fill, stroke, bold, g, alpha, fillc, strokec);
		xmlFree(t);
	}
}

static cairo_surface_t *surface_of(const es_img *im, const es_img *mask)
{
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, (int)im->w, (int)im->h);
	uint8_t *d;
	int stride;
	if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS)
		return s;
	cairo_surface_flush(s);
	d = cairo_image_surface_get_data(s);
	stride = cairo_image_surface_get_stride(s);
	for (unsigned y = 0; y < im->h; y++) {
		const uint8_t *p = im->px + (size_t)y * im->w * im->ch;
		uint32_t *o = (uint32_t *)(void *)(d + (size_t)y * (size_t)stride);
		for (unsigned x = 0; x < im->w; x++, p += im->ch) {
			uint32_t a = im->ch == 4 ? p[3] : 255;
			if (mask) /* ImageMask: the mask's grey as coverage (white keeps) */
				a = a * mask->px[((size_t)y * mask->w + x) * mask->ch] / 255;
			o[x] = a << 24 | (p[0] * a / 255) << 16 | (p[1] * a / 255) << 8 | (p[2] * a / 255);
		}
	}
	cairo_surface_mark_dirty(s);
	return s;
}

static bool image_budget(rctx *c, const es_img *im)
{
	size_t px = (size_t)im->w * im->h;
	if (c->image_px + px > ES_OFD_RENDER_MAX_PAGE_IMAGE_PIXELS)
		return false;
	c->image_px += px;
	return true;
}

/* Paint @im into the unit square of the current space (OFD image space). */
static void paint_unit(rctx *c, const es_img *im, const es_img *mask, double alpha)
{
	cairo_surface_t *s = surface_of(im, mask);
	cairo_pattern_t *p;
	cairo_matrix_t m;
	if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(s);
		skip(c, "images (out of memory)");
		return;
	}
	p = cairo_pattern_create_for_surface(s);
	cairo_matrix_init_scale(&m, im->w, im->h);
	cairo_pattern_set_matrix(p, &m);
	cairo_pattern_set_filter(p, (im->w < 400 && im->h < 400) ? CAIRO_FILTER_GOOD : CAIRO_FILTER_BILINEAR);
	cairo_pattern_set_extend(p, CAIRO_EXTEND_PAD);
	cairo_save(c->cr);
	cairo_rectangle(c->cr, 0, 0, 1, 1);
	cairo_clip(c->cr);
	cairo_set_source(c->cr, p);
	cairo_paint_with_alpha(c->cr, alpha);
	cairo_restore(c->cr);
	cairo_pattern_destroy(p);
	cairo_surface_destroy(s);
	c->info->images++;
}

static int media_bytes(rctx *c, unsigned long id, es_bytes *b)
{
	res *r = res_find_type(c->v, id, "MultiMedia");
	char loc[NAME_CAP], name[NAME_CAP], from[NAME_CAP];
	if (!r)
		return ES_ENOTFOUND;
	es_ofd__text(es_ofd__child(r->node, "MediaFile"), loc, sizeof(loc));
	snprintf(from, sizeof(from), "%sx", r->base);
	if (loc[0] && es_ofd__resolve(name, sizeof(name), from, loc) == 0 && es_ofd_pkg_get(b, c->v->pkg, name) == 0)
		return 0;
	if (loc[0] && es_ofd__resolve(name, sizeof(name), c->v->docroot, loc) == 0 &&
	    es_ofd_pkg_get(b, c->v->pkg, name) == 0)
		return 0;
	return ES_ENOTFOUND;
}

static void draw_image(rctx *c, xmlNodePtr n, double alpha)
{
	es_bytes b, mb;
	es_img im = { 0 }, mask = { 0 };
	bool have_mask = false;

	if (media_bytes(c, id_attr(n, "ResourceID"), &b) < 0) {
		skip(c, "images (resource or file missing)");
		return;
	}
	if (es_mu__decode_image(&im, b.ptr, b.len, ES_OFD_RENDER_MAX_IMAGE_PIXELS) < 0) {
		skip(c, "images (undecodable or over the pixel limit)");
		return;
	}
	if (!image_budget(c, &im)) {
		skip(c, "images over the page's pixel limit");
		goto done;
	}
	if (id_attr(n, "ImageMask") && media_bytes(c, id_attr(n, "ImageMask"), &mb) == 0 &&
	    es_mu__decode_image(&mask, mb.ptr, mb.len, ES_OFD_RENDER_MAX_IMAGE_PIXELS) == 0) {
		if (mask.w == im.w && mask.h == im.h)
			have_mask = true;
		else
			skip(c, "image masks of another size");
	}
	paint_unit(c, &im, have_mask ? &mask : NULL, alpha);
done:
	es_img__release(&im);
	es_img__release(&mask);
}

static void draw_object(rctx *c, xmlNodePtr n, const gstate *parent, unsigned depth, double alpha)
{
	const char *name = (const char *)n->name;
	gstate g = *parent;
	double a = alpha * ES_CLAMP(num_attr(n, "Alpha", 255), 0, 255) / 255.0;
	enum { PATH, TEXT, IMAGE, COMPOSITE, BLOCK } kind;

	if (strcmp(name, "PathObject") == 0)
		kind = PATH;
	else if (strcmp(name, "TextObject") == 0)
		kind = TEXT;
	else if (strcmp(name, "ImageObject") == 0)
		kind = IMAGE;
	else if (strcmp(name, "CompositeObject") == 0)
		kind = COMPOSITE;
	else if (strcmp(name, "PageBlock") == 0)
		kind = BLOCK;
	else
		return; /* not a graphic unit */
	if (!bool_attr(n, "Visible", true))
		return;
	if (c->objects >= ES_OFD_RENDER_MAX_OBJECTS) {
		if (!c->full)
			skip(c, "objects over the page limit (the rest of the page)");
		c->full = true;
		return;
	}
	c->objects++;
	c->info->objects++;
	if (kind == BLOCK) {
		draw_children(c, n, &g, depth + 1, a);
		return;
	}
	object_state(c, &g, n);
	cairo_save(c->cr);
	enter(c, n);
	switch (kind) {
	case PATH: draw_path(c, n, &g, a); break;
	case TEXT: draw_text(c, n, &g, a); break;
	case IMAGE: draw_image(c, n, a); break;
	case COMPOSITE: {
		res *r = res_find_type(c->v, id_attr(n, "ResourceID"), "CompositeGraphicUnit");
		if (!r)
			skip(c, "composite objects (resource missing)");
		else if (depth + 1 > ES_OFD_RENDER_MAX_DEPTH)
			skip(c, "objects nested deeper than the limit");
		else
			draw_children(c, es_ofd__child(r->node, "Content"), &g, depth + 1, a);
		break;
	}
	default: break;
	}
	cairo_restore(c->cr);
}

static void draw_children(rctx *c, xmlNodePtr parent, const gstate *g, unsigned depth, double alpha)
{
	if (!parent)
		return;
	if (depth > ES_OFD_RENDER_MAX_DEPTH) {
		skip(c, "objects nested deeper than the limit");
		return;
	}
	for (xmlNodePtr n = parent->children; n && !c->full; n = n->next)
		if (n->type == XML_ELEMENT_NODE)
			draw_object(c, n, g, depth, alpha);
}

/* Layers of a page's Content, Background, then Body, then Foreground. */
static void draw_content(rctx *c, xmlNodePtr page_root, unsigned depth)
{
	xmlNodePtr content = es_ofd__child(page_root, "Content");
	static const char *const order[3] = { "Background", "Body", "Foreground" };
	for (int pass = 0; pass < 3; pass++) {
		for (xmlNodePtr l = es_ofd__child(content, "Layer"); l; l = es_ofd__next(l, "Layer")) {
			char type[32] = "Body";
			gstate g;
			es_ofd__attr(l, "Type", type, sizeof(type));
			if (strcmp(type, "Background") != 0 && strcmp(type, "Foreground") != 0)
				snprintf(type, sizeof(type), "Body");
			if (strcmp(type, order[pass]) != 0)
				continue;
			gstate_init(&g);
			drawparam(c, &g, id_attr(l, "DrawParam"), 0);
			draw_children(c, l, &g, depth + 1, 1.0);
		}
	}
}

static void page_res(rctx *c, xmlNodePtr root, const char *path)
{
	char loc[NAME_CAP];
	for (xmlNodePtr r = es_ofd__child(root, "PageRes"); r; r = es_ofd__next(r, "PageRes"))
		res_load(c->v, path, es_ofd__text(r, loc, sizeof(loc)));
}

/* The templates of @page_root whose ZOrder is @z ("Background"/"Foreground"). */
static void draw_templates(rctx *c, xmlNodePtr page_root, bool foreground)
{
	xmlNodePtr common = es_ofd__child(xmlDocGetRootElement(c->v->doc), "CommonData");
	for (xmlNodePtr t = es_ofd__child(page_root, "Template"); t; t = es_ofd__next(t, "Template")) {
		unsigned long id = id_attr(t, "TemplateID");
		char z[32] = "", loc[NAME_CAP], path[NAME_CAP];
		xmlNodePtr tp;
		xmlDocPtr d;
		for (tp = es_ofd__child(common, "TemplatePage"); tp; tp = es_ofd__next(tp, "TemplatePage"))
			if (id_attr(tp, "ID") == id)
				break;
		if (!tp) {
			skip(c, "templates not declared in the document");
			continue;
		}
		if (!es_ofd__attr(t, "ZOrder", z, sizeof(z)))
			es_ofd__attr(tp, "ZOrder", z, sizeof(z));
		if ((strcmp(z, "Foreground") == 0) != foreground)
			continue;
		if (!es_ofd__attr(tp, "BaseLoc", loc, sizeof(loc)) ||
		    es_ofd__resolve(path, sizeof(path), c->v->docroot, loc) < 0 || !(d = view_xml(c->v, path))) {
			skip(c, "templates (file missing or malformed)");
			continue;
		}
		page_res(c, xmlDocGetRootElement(d), path);
		draw_content(c, xmlDocGetRootElement(d), 1);
	}
}

/* ---- annotations ------------------------------------------------------------------------ */

static void draw_annots(rctx *c, const vpage *pg)
{
	es_ofd_view *v = c->v;
	char loc[NAME_CAP], path[NAME_CAP];
	if (!v->annots_loaded) {
		xmlDocPtr d;
		v->annots_loaded = true;
		es_ofd__text(es_ofd__child(xmlDocGetRootElement(v->doc), "Annotations"), loc, sizeof(loc));
		if (loc[0] && es_ofd__resolve(v->annots_path, sizeof(v->annots_path), v->docroot, loc) == 0 &&
		    (d = view_xml(v, v->annots_path)))
			v->annots_root = xmlDocGetRootElement(d);
	}
	if (!v->annots_root)
		return;
	for (xmlNodePtr p = es_ofd__child(v->annots_root, "Page"); p; p = es_ofd__next(p, "Page")) {
		char id[32];
		xmlDocPtr d;
		if (!es_ofd__attr(p, "PageID", id, sizeof(id)) || strcmp(id, pg->id) != 0)
			continue;
		es_ofd__text(es_ofd__child(p, "FileLoc"), loc, sizeof(loc));
		if (!loc[0] || es_ofd__resolve(path, sizeof(path), v->annots_path, loc) < 0 || !(d = view_xml(v, path))) {
			skip(c, "annotation files (missing or malformed)");
			continue;
		}
		for (xmlNodePtr an = es_ofd__child(xmlDocGetRootElement(d), "Annot"); an; an = es_ofd__next(an, "Annot")) {
			xmlNodePtr ap = es_ofd__child(an, "Appearance");
			double box[4];
			gstate g;
			if (!ap || !bool_attr(an, "Visible", true))
				continue;
			gstate_init(&g);
			cairo_save(c->cr);
			box_attr(ap, "Boundary", box);
			cairo_translate(c->cr, box[0], box[1]);
			draw_children(c, ap, &g, 1, 1.0);
			cairo_restore(c->cr);
		}
	}
}

/* ---- stamps (signatures' seal pictures) ------------------------------------------------- */

static void stamps_load(es_ofd_view *v)
{
	char loc[NAME_CAP], spath[NAME_CAP];
	xmlNodePtr body;
	xmlDocPtr sd;
	size_t nsig = 0, nst = 0;

	v->stamps_loaded = true;
	body = es_ofd__child(xmlDocGetRootElement(v->ofd), "DocBody");
	es_ofd__text(es_ofd__child(body, "Signatures"), loc, sizeof(loc));
	if (!loc[0] || es_ofd__resolve(spath, sizeof(spath), "OFD.xml", loc) < 0 || !(sd = view_xml(v, spath)))
		return;
	for (xmlNodePtr s = es_ofd__child(xmlDocGetRootElement(sd), "Signature"); s; s = es_ofd__next(s, "Signature"))
		nsig++;
	nsig = ES_MIN(nsig, (size_t)ES_OFD_MAX_SIGNATURES);
	if (!nsig || !(v->pics = es_calloc(nsig, sizeof(*v->pics))) ||
	    !(v->stamps = es_calloc(ES_OFD_MAX_STAMPS, sizeof(*v->stamps))))
		return;
	for (xmlNodePtr s = es_ofd__child(xmlDocGetRootElement(sd), "Signature"); s && v->npics < nsig;
	     s = es_ofd__next(s, "Signature")) {
		char sigpath[NAME_CAP];
		xmlDocPtr x;
		xmlNodePtr si, root;
		picture *pic;
		if (!es_ofd__attr(s, "BaseLoc", loc, sizeof(loc)) || es_ofd__resolve(sigpath, sizeof(sigpath), spath, loc) < 0 ||
		    !(x = view_xml(v, sigpath)))
			continue;
		pic = &v->pics[v->npics];
		root = xmlDocGetRootElement(x);
		es_ofd__text(es_ofd__child(root, "SignedValue"), loc, sizeof(loc));
		if (!loc[0] || es_ofd__resolve(pic->path, sizeof(pic->path), sigpath, loc) < 0)
			pic->path[0] = 0;
		si = es_ofd__child(root, "SignedInfo");
		es_ofd__text(es_ofd__child(es_ofd__child(si, "Seal"), "BaseLoc"), loc, sizeof(loc));
		if (!loc[0] || es_ofd__resolve(pic->seal_path, sizeof(pic->seal_path), sigpath, loc) < 0)
			pic->seal_path[0] = 0;
		for (xmlNodePtr st = es_ofd__child(si, "StampAnnot"); st && nst < ES_OFD_MAX_STAMPS;
		     st = es_ofd__next(st, "StampAnnot")) {
			stamp *sp = &v->stamps[nst];
			if (!es_ofd__attr(st, "PageRef", sp->page_id, sizeof(sp->page_id)) || !box_attr(st, "Boundary", sp->box))
				continue;
			sp->has_clip = box_attr(st, "Clip", sp->clip);
			sp->sig = v->npics;
			nst++;
		}
		v->npics++;
	}
	v->nstamps = nst;
}

static void pic_load(es_ofd_view *v, picture *pic)
{
	es_bytes b;
	const es_seal_fields *sf = NULL;
	es_ses_sig *sig = NULL;
	es_seal *seal = NULL;

	pic->loaded = true;
	if (pic->path[0] && es_ofd_pkg_get(&b, v->pkg, pic->path) == 0 && es_ses_sig_parse(&sig, b.ptr, b.len) == 0)
		sf = es_seal_fields_get(es_ses_sig_fields_get(sig)->seal);
	else if (pic->seal_path[0] && es_ofd_pkg_get(&b, v->pkg, pic->seal_path) == 0 &&
		 es_seal_parse(&seal, b.ptr, b.len) == 0)
		sf = es_seal_fields_get(seal);
	if (sf && sf->picture.len > 0 && (pic->data = es_malloc(sf->picture.len))) {
		memcpy(pic->data, sf->picture.ptr, sf->picture.len);
		pic->len = sf->picture.len;
		snprintf(pic->type, sizeof(pic->type), "%.*s", (int)ES_MIN(sf->picture_type.len, (size_t)15),
			 (const char *)sf->picture_type.ptr);
		pic->ok = true;
	}
	es_ses_sig_free(sig);
	es_seal_free(seal);
	es_error_clear();
}

static int render_into(rctx *parent, es_ofd_view *v, unsigned page, double w, double h);

/* Draw a seal picture into the unit square of the current space. */
static bool draw_picture(rctx *c, picture *pic, double w_mm, double h_mm)
{
	const uint8_t *p = pic->data;
	size_t n = pic->len;
	es_img im = { 0 };
	bool ok = false;

	if (n >= 4 && p[0] == 'P' && p[1] == 'K') { /* an OFD picture (GB/T 38540 type "OFD") */
		if (c->v->nest >= ES_OFD_RENDER_MAX_SEAL_NEST) {
			skip(c, "OFD seal pictures nested in OFD seal pictures");
			return false;
		}
		if (!pic->inner_tried) {
			pic->inner_tried = true;
			if (es_ofd_view_open(&pic->inner, p, n) == 0)
				pic->inner->nest = c->v->nest + 1;
			es_error_clear();
		}
		return pic->inner && render_into(c, pic->inner, 1, 1, 1) == 0;
	}
	if (n >= 5 && (memmem(p, ES_MIN(n, (size_t)512), "<svg", 4) || memmem(p, ES_MIN(n, (size_t)512), "<?xml", 5))) {
		double ppm = fmax(c->px_per_mm, 300 / 25.4 * 0.5);
		size_t cap = (size_t)(w_mm * ppm * 2 + 2) * (size_t)(h_mm * ppm * 2 + 2);
		if (es_mu__svg_raster(&im, p, n, ppm, ES_MIN(cap * 4, ES_OFD_RENDER_MAX_IMAGE_PIXELS), NULL, NULL) < 0) {
			es_error_clear();
			return false;
		}
	} else if (es_mu__decode_image(&im, p, n, ES_OFD_RENDER_MAX_IMAGE_PIXELS) < 0) {
		es_error_clear();
		return false;
	}
	if (image_budget(c, &im)) {
		paint_unit(c, &im, NULL, 1.0);
		c->info->images--; /* counted as a stamp */
		ok = true;
	}
	es_img__release(&im);
	return ok;
}

static void draw_stamps(rctx *c, const vpage *pg)
{
	es_ofd_view *v = c->v;
	if (!v->stamps_loaded)
		stamps_load(v);
	for (size_t i = 0; i < v->nstamps; i++) {
		stamp *s = &v->stamps[i];
		picture *pic = &v->pics[s->sig];
		if (strcmp(s->page_id, pg->id) != 0 || !(s->box[2] > 0 && s->box[3] > 0))
			continue;
		if (!pic->loaded)
			pic_load(v, pic);
		if (!pic->ok) {
			skip(c, "stamps without a readable seal picture");
			continue;
		}
		cairo_save(c->cr);
		cairo_translate(c->cr, s->box[0], s->box[1]);
		if (s->has_clip) {
			cairo_rectangle(c->cr, s->clip[0], s->clip[1], s->clip[2], s->clip[3]);
			cairo_clip(c->cr);
		}
		cairo_scale(c->cr, s->box[2], s->box[3]);
		if (draw_picture(c, pic, s->box[2], s->box[3]))
			c->info->stamps++;
		else
			skip(c, "stamps whose seal picture cannot be drawn");
		cairo_restore(c->cr);
	}
}

/* ---- pages ------------------------------------------------------------------------------- */

/* Draw page @page of @v into c->cr, its physical box mapped onto [0,w] x [0,h]
 * of the current space (w, h: the page size in mm for a normal render, 1 x 1
 * for an OFD seal picture drawn into a unit square). */
static int draw_page(rctx *c, unsigned page, double w, double h)
{
	es_ofd_view *v = c->v;
	vpage *pg = &v->pages[page - 1];
	xmlDocPtr d = page_doc(v, pg->content);
	xmlNodePtr root;
	double a[4];

	page_area(v, d, a);
	cairo_save(c->cr);
	cairo_scale(c->cr, w / a[2], h / a[3]);
	cairo_translate(c->cr, -a[0], -a[1]);
	if (!d) {
		skip(c, "pages (content missing or malformed)");
		cairo_restore(c->cr);
		return 0;
	}
	root = xmlDocGetRootElement(d);
	page_res(c, root, pg->content);
	draw_templates(c, root, false);
	draw_content(c, root, 0);
	draw_templates(c, root, true);
	if (!c->opt->no_annots)
		draw_annots(c, pg);
	if (!c->opt->no_stamps)
		draw_stamps(c, pg);
	cairo_restore(c->cr);
	xmlFreeDoc(d);
	return 0;
}

static int render_into(rctx *parent, es_ofd_view *v, unsigned page, double w, double h)
{
	rctx c = *parent;
	int err;
	if (page < 1 || page > v->npages)
		return ES_EINVAL;
	c.v = v;
	cairo_save(c.cr);
	err = draw_page(&c, page, w, h);
	cairo_restore(c.cr);
	/* budgets are shared with the outer page */
	parent->objects = c.objects;
	parent->glyphs = c.glyphs;
	parent->points = c.points;
	parent->image_px = c.image_px;
	memcpy(parent->reasons, c.reasons, sizeof(c.reasons));
	return err;
}

static void finish_info(rctx *c)
{
	es_ofd_render_info *in = c->info;
	size_t off = strlen(in->skipped_what);
	for (size_t i = 0; i < NREASONS && c->reasons[i].why; i++) {
		int k = snprintf(in->skipped_what + off, sizeof(in->skipped_what) - off, "%s%zu %s", off ? "; " : "",
				 c->reasons[i].n, c->reasons[i].why);
		if (k < 0 || (size_t)k >= sizeof(in->skipped_what) - off)
			break;
		off += (size_t)k;
	}
}

static int check_opts(const es_ofd_render_options *opt)
{
	if (opt->version != ES_OFD_RENDER_OPTIONS_VERSION)
		return es_error_set(ES_EINVAL, "es_ofd_render_options version %u (expected %u)", opt->version,
				    ES_OFD_RENDER_OPTIONS_VERSION);
	if (opt->format > ES_OFD_RENDER_PDF)
		return es_error_set(ES_EINVAL, "unknown output format %d", (int)opt->format);
	if (opt->dpi && (opt->dpi < ES_OFD_RENDER_MIN_DPI || opt->dpi > ES_OFD_RENDER_MAX_DPI))
		return es_error_set(ES_EINVAL, "dpi %u out of range %u-%u", opt->dpi, ES_OFD_RENDER_MIN_DPI,
				    ES_OFD_RENDER_MAX_DPI);
	return 0;
}

/* Draw one page on @cr (already scaled to millimetres), white background. */
static void render_on(cairo_t *cr, es_ofd_view *v, unsigned page, double w, double h, double px_per_mm,
		      const es_ofd_render_options *opt, es_ofd_render_info *info)
{
	rctx c;
	memset(&c, 0, sizeof(c));
	c.v = v;
	c.cr = cr;
	c.info = info;
	c.opt = opt;
	c.px_per_mm = px_per_mm;
	c.dx = es_malloc(sizeof(double) * ES_OFD_RENDER_MAX_CODE_CHARS);
	c.dy = es_malloc(sizeof(double) * ES_OFD_RENDER_MAX_CODE_CHARS);
	c.run = es_malloc(sizeof(run));
	cairo_save(cr);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_rectangle(cr, 0, 0, w, h);
	cairo_fill(cr);
	cairo_rectangle(cr, 0, 0, w, h);
	cairo_clip(cr);
	(void)draw_page(&c, page, w, h);
	cairo_restore(cr);
	finish_info(&c);
	es_free(c.dx);
	es_free(c.dy);
	es_free(c.run);
}

static cairo_status_t write_buf(void *closure, const unsigned char *data, unsigned int len)
{
	return es_buf_put((es_buf *)closure, data, len) == 0 ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

static int png_page(es_buf *out, es_ofd_view *v, unsigned page, const es_ofd_render_options *opt,
		    es_ofd_render_info *info, double w, double h)
{
	unsigned dpi = opt->dpi ? opt->dpi : 150;
	double ppm = dpi / 25.4;
	double pw = ceil(w * ppm - 1e-6), ph = ceil(h * ppm - 1e-6);
	cairo_surface_t *s;
	cairo_t *cr;
	es_img im = { 0 };
	int err = 0;

	if (pw < 1)
		pw = 1;
	if (ph < 1)
		ph = 1;
	if (pw * ph > (double)ES_OFD_RENDER_MAX_PIXELS || pw > 32767 || ph > 32767)
		return es_error_set(ES_ELIMIT,
				    "page %u at %u DPI would be %.0f x %.0f pixels, over the limit of %zu; lower --dpi",
				    page, dpi, pw, ph, ES_OFD_RENDER_MAX_PIXELS);
	s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, (int)pw, (int)ph);
	if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(s);
		return es_error_set(ES_ENOMEM, "out of memory for a %.0f x %.0f page", pw, ph);
	}
	cr = cairo_create(s);
	cairo_scale(cr, ppm, ppm);
	render_on(cr, v, page, w, h, ppm, opt, info);
	cairo_destroy(cr);
	cairo_surface_flush(s);
	im.w = (unsigned)pw;
	im.h = (unsigned)ph;
	im.ch = 4;
	im.dpi = dpi;
	if (!(im.px = es_malloc((size_t)im.w * im.h * 4))) {
		err = es_error_set(ES_ENOMEM, "out of memory");
		goto done;
	}
	{
		const uint8_t *d = cairo_image_surface_get_data(s);
		int stride = cairo_image_surface_get_stride(s);
		for (unsigned y = 0; y < im.h; y++) {
			const uint32_t *row = (const uint32_t *)(const void *)(d + (size_t)y * (size_t)stride);
			uint8_t *o = im.px + (size_t)y * im.w * 4;
			for (unsigned x = 0; x < im.w; x++, o += 4) {
				uint32_t p = row[x], a = p >> 24;
				/* the page is opaque (white background): no un-premultiplying needed
				 * except at alpha < 255, which only a clipped page edge can leave */
				o[0] = (uint8_t)(a ? ((p >> 16) & 255) * 255 / a : 0);
				o[1] = (uint8_t)(a ? ((p >> 8) & 255) * 255 / a : 0);
				o[2] = (uint8_t)(a ? (p & 255) * 255 / a : 0);
				o[3] = (uint8_t)a;
			}
		}
	}
	info->width_px = im.w;
	info->height_px = im.h;
	err = es_img__png_encode(out, &im);
done:
	es_img__release(&im);
	cairo_surface_destroy(s);
	return err;
}

static void pdf_meta(cairo_surface_t *s)
{
	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, "Converted copy of an OFD document");
	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_SUBJECT,
				       "A converted copy only: the sealed OFD file remains the original; "
				       "verify signatures on the OFD, not on this PDF");
	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_KEYWORDS, "OFD; converted copy; GB/T 33190");
	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "eseal ofd render");
}

int es_ofd_render_page(es_buf *out, es_ofd_view *v, unsigned page, const es_ofd_render_options *opt,
		       es_ofd_render_info *info)
{
	es_ofd_render_options def = ES_OFD_RENDER_OPTIONS_INIT;
	es_ofd_render_info dummy;
	double w, h;
	int err;

	ES_ASSERT_ARG(out && v);
	if (!opt)
		opt = &def;
	if (!info)
		info = &dummy;
	memset(info, 0, sizeof(*info));
	if ((err = check_opts(opt)) < 0)
		return err;
	if (opt->format == ES_OFD_RENDER_PDF)
		return es_ofd_render_pdf(out, v, &page, 1, opt, info);
	if ((err = es_ofd_view_page_size(v, page, &w, &h)) < 0)
		return err;
	info->width_mm = w;
	info->height_mm = h;
	if (opt->format == ES_OFD_RENDER_PNG)
		return png_page(out, v, page, opt, info, w, h);
	{
		/* user units are millimetres: width="Wmm" viewBox="0 0 W H" */
		cairo_surface_t *s = cairo_svg_surface_create_for_stream(write_buf, out, w, h);
		cairo_t *cr;
		cairo_svg_surface_set_document_unit(s, CAIRO_SVG_UNIT_MM);
		cr = cairo_create(s);
		render_on(cr, v, page, w, h, (opt->dpi ? opt->dpi : 150) / 25.4, opt, info);
		cairo_destroy(cr);
		cairo_surface_finish(s);
		err = cairo_surface_status(s) == CAIRO_STATUS_SUCCESS ? 0 : es_error_set(ES_ENOMEM, "SVG output failed");
		cairo_surface_destroy(s);
		return err;
	}
}

int es_ofd_render_pdf(es_buf *out, es_ofd_view *v, const unsigned *pages, size_t n, const es_ofd_render_options *opt,
		      es_ofd_render_info *info)
{
	es_ofd_render_options def = ES_OFD_RENDER_OPTIONS_INIT;
	es_ofd_render_info dummy;
	cairo_surface_t *s;
	cairo_t *cr;
	double pt = 72.0 / 25.4;
	int err = 0;

	ES_ASSERT_ARG(out && v);
	if (!opt)
		opt = &def;
	if (!info)
		info = &dummy;
	memset(info, 0, sizeof(*info));
	if ((err = check_opts(opt)) < 0)
		return err;
	if (!pages)
		n = v->npages;
	if (n == 0)
		return es_error_set(ES_EINVAL, "no page to render");
	for (size_t i = 0; pages && i < n; i++)
		if (pages[i] < 1 || pages[i] > v->npages)
			return es_error_set(ES_EINVAL, "page %u out of range (the document has %u)", pages[i], v->npages);
	s = cairo_pdf_surface_create_for_stream(write_buf, out, 595, 842);
	cairo_pdf_surface_restrict_to_version(s, CAIRO_PDF_VERSION_1_5);
	pdf_meta(s);
	cr = cairo_create(s);
	for (size_t i = 0; i < n; i++) {
		unsigned p = pages ? pages[i] : (unsigned)i + 1;
		double w, h;
		if ((err = es_ofd_view_page_size(v, p, &w, &h)) < 0)
			break;
		cairo_pdf_surface_set_size(s, w * pt, h * pt);
		cairo_save(cr);
		cairo_scale(cr, pt, pt);
		render_on(cr, v, p, w, h, (opt->dpi ? opt->dpi : 150) / 25.4 * 2, opt, info);
		cairo_restore(cr);
		cairo_show_page(cr);
		info->width_mm = w;
		info->height_mm = h;
	}
	cairo_destroy(cr);
	cairo_surface_finish(s);
	if (err == 0 && cairo_surface_status(s) != CAIRO_STATUS_SUCCESS)
		err = es_error_set(ES_ENOMEM, "PDF output failed: %s", cairo_status_to_string(cairo_surface_status(s)));
	cairo_surface_destroy(s);
	return err;
}
