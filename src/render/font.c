/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Fonts: FreeType outlines turned into em-unit paths, kept in one
 * process-wide cache guarded by a mutex. Fonts come from a fixed list of
 * Debian paths (no fontconfig) so that the same packages give the same
 * images everywhere.
 */
#include "es_int.h"
#include "render/render_int.h"
#include <math.h>
#include <pthread.h>
#include <unistd.h>
#include <ft2build.h>
#include FT_FREETYPE_H
#include FT_OUTLINE_H
#include FT_TRUETYPE_TABLES_H

/* Song-style (宋体/明体) CJK fonts, best first. The face whose family name
 * ends with @hint is used (simplified-Chinese glyph forms). */
static const struct font_file {
	const char *path;
	const char *hint;
	double embolden; /* em; light Song faces are too thin for a seal */
} cjk_fonts[] = {
	{ "/usr/share/fonts/truetype/arphic/uming.ttc", "CN", 0.034 }, /* fonts-arphic-uming */
	{ "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", "SC", 0.02 }, /* fonts-noto-cjk */
	{ "/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf", NULL, 0.03 },
}, latin_fonts[] = {
	/* digits of the seal code and taxpayer id: an Arial-like sans */
	{ "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", NULL, 0.012 }, /* fonts-dejavu-core */
};

#define OVERRIDE_EMBOLDEN 0.03
#define MAX_FONTS 8

typedef struct font_ent {
	char *path;
	unsigned index;
	double embolden;
	FT_Face face;
	double upem, em_top;
	es_glyph **slots; /* open addressing on the code point */
	size_t cap, count;
	bool have_digit;
	double digit_top, digit_bottom;
} font_ent;

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static FT_Library ftlib;
static font_ent *fonts[MAX_FONTS];
static size_t nfonts;

static void glyph_free(es_glyph *g)
{
	if (!g)
		return;
	es_path__release(&g->path);
	es_free(g);
}

static void font_free(font_ent *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->cap; i++)
		glyph_free(f->slots[i]);
	es_free(f->slots);
	if (f->face)
		FT_Done_Face(f->face);
	es_free(f->path);
	es_free(f);
}

void es_render_cache_clear(void)
{
	pthread_mutex_lock(&cache_lock);
	for (size_t i = 0; i < nfonts; i++)
		font_free(fonts[i]);
	nfonts = 0;
	if (ftlib) {
		FT_Done_FreeType(ftlib);
		ftlib = NULL;
	}
	pthread_mutex_unlock(&cache_lock);
}

/* Pick the face whose family name ends with @hint; 0 otherwise. */
static long pick_face(const char *path, const char *hint)
{
	FT_Face probe;
	long n, best = 0;

	if (!hint || FT_New_Face(ftlib, path, -1, &probe) != 0)
		return 0;
	n = probe->num_faces;
	FT_Done_Face(probe);
	for (long i = 0; i < n && i < 16; i++) {
		size_t fl, hl = strlen(hint);
		if (FT_New_Face(ftlib, path, i, &probe) != 0)
			continue;
		fl = probe->family_name ? strlen(probe->family_name) : 0;
		if (fl >= hl && strcmp(probe->family_name + fl - hl, hint) == 0) {
			FT_Done_Face(probe);
			best = i;
			break;
		}
		FT_Done_Face(probe);
	}
	return best;
}

static int font_open(font_ent **out, const char *path, long index, double embolden)
{
	font_ent *f;
	FT_Face face = NULL;
	TT_OS2 *os2;
	FT_Error fe;

	for (size_t i = 0; i < nfonts; i++) {
		if (fonts[i]->index == (unsigned)index && strcmp(fonts[i]->path, path) == 0) {
			*out = fonts[i];
			return 0;
		}
	}
	if (nfonts == MAX_FONTS)
		return es_error_set(ES_ELIMIT, "too many fonts in use (at most %d)", MAX_FONTS);
	fe = FT_New_Face(ftlib, path, index, &face);
	if (fe != 0)
		return es_error_set(access(path, R_OK) == 0 ? ES_EMALFORMED : ES_ENOTFOUND,
				    "cannot load font '%s' face %ld (freetype error %d)", path, index,
				    fe);
	if (!FT_IS_SCALABLE(face) || FT_Select_Charmap(face, FT_ENCODING_UNICODE) != 0 ||
	    face->units_per_EM == 0) {
		FT_Done_Face(face);
		return es_error_set(ES_ENOTSUPPORTED, "font '%s' has no scalable unicode outlines",
				    path);
	}
	f = es_calloc(1, sizeof(*f));
	if (!f || !(f->path = es_strdup(path))) {
		es_free(f);
		FT_Done_Face(face);
		return es_error_set(ES_ENOMEM, "out of memory");
	}
	f->index = (unsigned)index;
	f->face = face;
	f->embolden = embolden;
	f->upem = face->units_per_EM;
	/* The em box: the OS/2 typographic ascender when ascender - descender
	 * is one em (CJK fonts), else centred on ascender and descender. */
	os2 = FT_Get_Sfnt_Table(face, FT_SFNT_OS2);
	if (os2 && os2->version != 0xFFFFu &&
	    os2->sTypoAscender - os2->sTypoDescender == face->units_per_EM)
		f->em_top = os2->sTypoAscender;
	else
		f->em_top = (face->ascender + face->descender + f->upem) / 2.0;
	fonts[nfonts++] = f;
	*out = f;
	return 0;
}

static bool file_ok(const char *path)
{
	return access(path, R_OK) == 0;
}

/* Resolve the font for @role; caller holds the lock. */
static int font_get(font_ent **out, es_font_role role, const char *font_path, unsigned font_index)
{
	if (!ftlib && FT_Init_FreeType(&ftlib) != 0) {
		ftlib = NULL;
		return es_error_set(ES_EINTERNAL, "cannot initialise freetype");
	}
	if (role == ES_FONT_LATIN) {
		for (size_t i = 0; i < ES_ARRAY_LEN(latin_fonts); i++)
			if (file_ok(latin_fonts[i].path))
				return font_open(out, latin_fonts[i].path, 0, latin_fonts[i].embolden);
		/* no Latin font: the CJK font has digits too */
	}
	if (font_path && font_path[0]) {
		if (!file_ok(font_path))
			return es_error_set(ES_ENOTFOUND, "cannot read font '%s'", font_path);
		return font_open(out, font_path, font_index, OVERRIDE_EMBOLDEN);
	}
	for (size_t i = 0; i < ES_ARRAY_LEN(cjk_fonts); i++)
		if (file_ok(cjk_fonts[i].path))
			return font_open(out, cjk_fonts[i].path, pick_face(cjk_fonts[i].path,
									   cjk_fonts[i].hint),
					 cjk_fonts[i].embolden);
	return es_error_set(ES_ENOTFOUND,
			    "no song-style cjk font found: install fonts-arphic-uming (looked for '%s')",
			    cjk_fonts[0].path);
}

/* ---- outline decomposition --------------------------------------------- */

typedef struct decomp {
	es_path *p;
	double scale, top;
	es_pt last;
	int err;
	bool open;
} decomp;

static es_pt dpt(const decomp *d, const FT_Vector *v)
{
	es_pt p = { v->x * d->scale, (d->top - v->y) * d->scale };
	return p;
}

static int d_move(const FT_Vector *to, void *user)
{
	decomp *d = user;
	es_pt p = dpt(d, to);
	if (d->open && d->err == 0)
		d->err = es_path__close(d->p);
	if (d->err == 0)
		d->err = es_path__move(d->p, p.x, p.y);
	d->last = p;
	d->open = true;
	return d->err ? 1 : 0;
}

static int d_line(const FT_Vector *to, void *user)
{
	decomp *d = user;
	es_pt p = dpt(d, to);
	if (d->err == 0)
		d->err = es_path__line(d->p, p.x, p.y);
	d->last = p;
	return d->err ? 1 : 0;
}

static int d_conic(const FT_Vector *control, const FT_Vector *to, void *user)
{
	decomp *d = user;
	es_pt c = dpt(d, control), p = dpt(d, to);
	/* quadratic -> cubic: control points at 2/3 towards the quadratic one */
	if (d->err == 0)
		d->err = es_path__curve(d->p, d->last.x + 2.0 / 3 * (c.x - d->last.x),
					d->last.y + 2.0 / 3 * (c.y - d->last.y),
					p.x + 2.0 / 3 * (c.x - p.x), p.y + 2.0 / 3 * (c.y - p.y), p.x,
					p.y);
	d->last = p;
	return d->err ? 1 : 0;
}

static int d_cubic(const FT_Vector *c1, const FT_Vector *c2, const FT_Vector *to, void *user)
{
	decomp *d = user;
	es_pt a = dpt(d, c1), b = dpt(d, c2), p = dpt(d, to);
	if (d->err == 0)
		d->err = es_path__curve(d->p, a.x, a.y, b.x, b.y, p.x, p.y);
	d->last = p;
	return d->err ? 1 : 0;
}

static int glyph_load(es_glyph **out, font_ent *f, uint32_t cp)
{
	static const FT_Outline_Funcs funcs = { d_move, d_line, d_conic, d_cubic, 0, 0 };
	FT_UInt gi = FT_Get_Char_Index(f->face, cp);
	FT_Outline *ol;
	FT_BBox box;
	es_glyph *g;
	decomp d;
	char u8[5];

	if (gi == 0)
		return es_error_set(ES_ENOTSUPPORTED, "character '%s' (U+%04X) is not in font '%s'",
				    es_utf8__encode(u8, cp), (unsigned)cp, f->path);
	if (FT_Load_Glyph(f->face, gi, FT_LOAD_NO_SCALE | FT_LOAD_NO_HINTING | FT_LOAD_NO_BITMAP |
						FT_LOAD_IGNORE_TRANSFORM) != 0 ||
	    f->face->glyph->format != FT_GLYPH_FORMAT_OUTLINE)
		return es_error_set(ES_ENOTSUPPORTED,
				    "character '%s' (U+%04X) has no outline in font '%s'",
				    es_utf8__encode(u8, cp), (unsigned)cp, f->path);
	ol = &f->face->glyph->outline;
	if (f->embolden > 0 && ol->n_points > 0)
		FT_Outline_Embolden(ol, (FT_Pos)lround(f->embolden * f->upem));
	g = es_calloc(1, sizeof(*g));
	if (!g)
		return es_error_set(ES_ENOMEM, "out of memory");
	g->cp = cp;
	g->adv = f->face->glyph->metrics.horiAdvance / f->upem;
	if (g->adv <= 0)
		g->adv = 1.0;
	d.p = &g->path;
	d.scale = 1.0 / f->upem;
	d.top = f->em_top;
	d.err = 0;
	d.open = false;
	d.last.x = d.last.y = 0;
	if (ol->n_points > 0) {
		if (FT_Outline_Decompose(ol, &funcs, &d) != 0 && d.err == 0)
			d.err = es_error_set(ES_EMALFORMED, "bad outline for U+%04X in font '%s'",
					     (unsigned)cp, f->path);
		if (d.err == 0 && d.open)
			d.err = es_path__close(&g->path);
		if (d.err < 0) {
			glyph_free(g);
			return d.err;
		}
		FT_Outline_Get_CBox(ol, &box);
		g->x0 = box.xMin / f->upem;
		g->x1 = box.xMax / f->upem;
		g->y0 = (f->em_top - box.yMax) / f->upem;
		g->y1 = (f->em_top - box.yMin) / f->upem;
	}
	*out = g;
	return 0;
}

static int table_insert(font_ent *f, es_glyph *g)
{
	if ((f->count + 1) * 2 > f->cap) {
		size_t ncap = f->cap ? f->cap * 2 : 256;
		es_glyph **n = es_calloc(ncap, sizeof(*n));
		if (!n)
			return es_error_set(ES_ENOMEM, "out of memory");
		for (size_t i = 0; i < f->cap; i++) {
			es_glyph *o = f->slots[i];
			size_t j;
			if (!o)
				continue;
			for (j = (o->cp * 2654435761u) & (ncap - 1); n[j]; j = (j + 1) & (ncap - 1))
				;
			n[j] = o;
		}
		es_free(f->slots);
		f->slots = n;
		f->cap = ncap;
	}
	{
		size_t j;
		for (j = (g->cp * 2654435761u) & (f->cap - 1); f->slots[j]; j = (j + 1) & (f->cap - 1))
			;
		f->slots[j] = g;
		f->count++;
	}
	return 0;
}

static es_glyph *table_find(const font_ent *f, uint32_t cp)
{
	if (!f->cap)
		return NULL;
	for (size_t j = (cp * 2654435761u) & (f->cap - 1); f->slots[j]; j = (j + 1) & (f->cap - 1))
		if (f->slots[j]->cp == cp)
			return f->slots[j];
	return NULL;
}

static int glyph_get_locked(const es_glyph **out, font_ent *f, uint32_t cp)
{
	es_glyph *g = table_find(f, cp);
	int err;

	if (g) {
		*out = g;
		return 0;
	}
	if ((err = glyph_load(&g, f, cp)) < 0)
		return err;
	if ((err = table_insert(f, g)) < 0) {
		glyph_free(g);
		return err;
	}
	*out = g;
	return 0;
}

int es_font__glyph(const es_glyph **out, es_font_role role, const char *font_path,
		   unsigned font_index, uint32_t cp)
{
	font_ent *f;
	int err;

	pthread_mutex_lock(&cache_lock);
	err = font_get(&f, role, font_path, font_index);
	if (err == 0)
		err = glyph_get_locked(out, f, cp);
	pthread_mutex_unlock(&cache_lock);
	return err;
}

int es_font__digit_box(double *top, double *bottom, const char *font_path, unsigned font_index)
{
	font_ent *f;
	const es_glyph *g;
	int err;

	pthread_mutex_lock(&cache_lock);
	err = font_get(&f, ES_FONT_LATIN, font_path, font_index);
	if (err == 0 && !f->have_digit) {
		err = glyph_get_locked(&g, f, '0');
		if (err == 0) {
			f->digit_top = g->y0;
			f->digit_bottom = g->y1;
			f->have_digit = true;
		}
	}
	if (err == 0) {
		*top = f->digit_top;
		*bottom = f->digit_bottom;
	}
	pthread_mutex_unlock(&cache_lock);
	return err;
}
