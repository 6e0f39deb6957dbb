/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Private declarations of the render layer. Only src/render/ includes the
 * cairo, FreeType, libpng and libjpeg headers, with one exception: the OFD
 * page renderer (src/doc/ofd/ofd_render.c) draws with cairo and FreeType
 * because it also needs libxml2, which only the OFD layer includes. This
 * header includes none of them, so tests may use it.
 *
 * Model: a seal is laid out as a scene in millimetres (origin at the
 * centre, y down). A scene is a list of items, each a path that is either
 * filled (non-zero winding) or stroked with a width. The SVG writer and
 * the rasteriser consume the same scene, so both outputs agree.
 */
#ifndef ES_RENDER_INT_H
#define ES_RENDER_INT_H
#include "es_int.h"
#include "eseal/es_render.h"

/* ---- paths ------------------------------------------------------------- */

typedef struct es_pt {
	double x, y;
} es_pt;

/* a point maps to (xx*x + xy*y + x0, yx*x + yy*y + y0) */
typedef struct es_affine {
	double xx, yx, xy, yy, x0, y0;
} es_affine;

enum { ES_OP_MOVE, ES_OP_LINE, ES_OP_CURVE, ES_OP_CLOSE };

typedef struct es_path {
	uint8_t *ops;
	es_pt *pts;
	size_t nops, npts;
	size_t capops, cappts;
} es_path;

#define ES_PATH_INIT { NULL, NULL, 0, 0, 0, 0 }

void es_path__release(es_path *p);
int es_path__move(es_path *p, double x, double y);
int es_path__line(es_path *p, double x, double y);
int es_path__curve(es_path *p, double x1, double y1, double x2, double y2, double x3, double y3);
int es_path__close(es_path *p);
/* Append @src with every point mapped by @m. */
int es_path__append(es_path *dst, const es_path *src, const es_affine *m);
/* Elliptical arc centred at the origin from parameter t0 to t1 (radians,
 * t = 0 at the top, growing clockwise on screen); starts a new sub-path
 * when @move is set. */
int es_path__arc(es_path *p, double rx, double ry, double t0, double t1, bool move);

es_affine es_affine__identity(void);
es_affine es_affine__mul(const es_affine *a, const es_affine *b); /* a after b */
es_affine es_affine__translate(double x, double y);
es_affine es_affine__scale(double sx, double sy);
es_affine es_affine__rotate(double rad); /* clockwise on screen (y down) */
es_pt es_affine__apply(const es_affine *m, es_pt p);

/* ---- fonts ------------------------------------------------------------- */

/* A glyph outline in em units: x right, y down, em box [0,adv] x [0,1]. */
typedef struct es_glyph {
	uint32_t cp;
	double adv;       /* advance in em */
	double x0, y0, x1, y1; /* ink box in em */
	es_path path;
} es_glyph;

typedef enum es_font_role { ES_FONT_CJK = 0, ES_FONT_LATIN = 1 } es_font_role;

/* Look up a glyph, loading the font on first use. The returned glyph is
 * owned by the process-wide cache and stays valid until
 * es_render_cache_clear(). @font_path may be NULL for the built-in list.
 * Latin falls back to the CJK font when no Latin font is installed. */
int es_font__glyph(const es_glyph **out, es_font_role role, const char *font_path,
		   unsigned font_index, uint32_t cp);
/* Height of capital letters/digits in em for the Latin font (y down, top of
 * '0'); used to size digits by their visible height. */
int es_font__digit_box(double *top, double *bottom, const char *font_path, unsigned font_index);

/* ---- scenes ------------------------------------------------------------ */

typedef struct es_item {
	es_path path;
	double stroke; /* 0 = fill */
	bool miter;    /* stroke joins */
	double bold;   /* fill, then also stroke the outline this wide (round joins) */
} es_item;

typedef struct es_scene {
	double w, h;       /* mm; the scene spans [-w/2, w/2] x [-h/2, h/2] */
	es_item *items;
	size_t nitems, capitems;
	es_render_geometry geo;
} es_scene;

void es_scene__release(es_scene *s);
/* Lay out @opts into @out (initialised by the call). */
int es_scene__build(es_scene *out, const es_render_options *opts);
int es_scene__svg(es_buf *out, const es_scene *s, uint32_t color);
/* Rasterise to an 8-bit coverage mask of geo.width_px x geo.height_px. */
int es_scene__mask(uint8_t **out, const es_scene *s);

/* ---- codecs ------------------------------------------------------------ */

/* Decoded 8-bit image. RGB (3 channels) or RGBA (4). */
typedef struct es_img {
	uint8_t *px;
	unsigned w, h, ch;
	unsigned dpi; /* 0 = unknown */
} es_img;

void es_img__release(es_img *img);
/* Decode PNG or JPEG to RGB (alpha composited over white). */
int es_img__decode(es_img *out, const uint8_t *data, size_t len);
/* Decode a PNG to RGBA (ch 4), alpha kept. */
int es_img__decode_rgba(es_img *out, const uint8_t *data, size_t len);
/* Encode RGBA (ch 4) as PNG with pHYs when dpi != 0. */
int es_img__png_encode(es_buf *out, const es_img *img);
/* PNG from a coverage mask in one colour (indexed, 256 alpha levels). */
int es_img__png_encode_mask(es_buf *out, const uint8_t *mask, unsigned w, unsigned h,
			    uint32_t color, unsigned dpi);
/* Encode RGB (ch 3) as baseline JPEG with JFIF density (tests, corpora). */
int es_img__jpeg_encode(es_buf *out, const es_img *img, int quality);
/* Header only: sizes and density, with the pixel limits applied. */
int es_img__probe(es_image_info *out, const uint8_t *data, size_t len);

/* ---- utilities --------------------------------------------------------- */

/* Decode one UTF-8 code point; returns bytes used or 0 on malformed input. */
size_t es_utf8__decode(uint32_t *cp, const char *s, size_t len);
/* Decode a NUL-terminated string into @cps (at most @max); sets *n.
 * Returns ES_EINVAL on malformed UTF-8, ES_ELIMIT above @max. */
int es_utf8__to_cps(uint32_t *cps, size_t max, size_t *n, const char *s, const char *what);
/* Encode one code point as UTF-8 into @buf (5 bytes); returns @buf. */
const char *es_utf8__encode(char buf[5], uint32_t cp);

#define ES_MM_PER_INCH 25.4
#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif
#define ES_DEG(rad) ((rad) * 180.0 / M_PI)
#define ES_RAD(deg) ((deg) * M_PI / 180.0)

#endif
