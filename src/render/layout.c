/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Seal layout: from es_render_options to a scene of paths in millimetres
 * (origin at the centre, y down), following STANDARDS §5:
 * - round and oval seals: border, optional inner ring, five-pointed star,
 *   the name clockwise along the upper arc with a constant advance
 *   a = 2·asin(charWidth / (2r)) and every glyph turned to face outwards,
 *   horizontal text under the centre, the seal code along the lower arc
 *   (tops towards the centre), the taxpayer id across the middle;
 * - square and rectangular name seals: characters in cells, read in
 *   columns from the right (张三之印 = 张三 right, 之印 left).
 * Every glyph is fitted to a box; the boxes are kept in the geometry so
 * that tests can check the layout numerically.
 */
#include "es_int.h"
#include "render/render_int.h"
#include <math.h>

#define MAX_TEXT 48u
#define NAME_SX_MIN 0.45  /* narrowest name glyph: 45 % of its natural width */
#define TEXT_SX_MIN 0.40
#define TAXID_SX_MIN 0.60
#define BOX_MARGIN 0.25   /* mm kept free between glyphs of different lines */

typedef struct lay {
	const es_render_options *o;
	es_scene *s;
	double ea, eb; /* content edge: inner edge of border or inner ring */
	double W, H;
	char size_str[32];
} lay;

/* ---- scene helpers ----------------------------------------------------- */

void es_scene__release(es_scene *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nitems; i++)
		es_path__release(&s->items[i].path);
	es_free(s->items);
	s->items = NULL;
	s->nitems = s->capitems = 0;
}

static int scene_item(es_item **out, es_scene *s, double stroke, bool miter)
{
	if (s->nitems == s->capitems) {
		size_t cap = s->capitems ? s->capitems * 2 : 8;
		es_item *n = es_realloc(s->items, cap * sizeof(*n));
		if (!n)
			return es_error_set(ES_ENOMEM, "out of memory");
		s->items = n;
		s->capitems = cap;
	}
	*out = &s->items[s->nitems++];
	memset(*out, 0, sizeof(**out));
	(*out)->stroke = stroke;
	(*out)->miter = miter;
	return 0;
}

/* ---- glyph boxes ------------------------------------------------------- */

typedef struct gtext {
	uint32_t cps[MAX_TEXT + 4];
	const es_glyph *g[MAX_TEXT + 4];
	bool latin[MAX_TEXT + 4]; /* from the Latin font, sized by the digit height */
	size_t n;
} gtext;

#define ES_FONT_MIXED 99 /* ASCII from the Latin font, the rest from the CJK font */

static int text_load(gtext *t, const lay *L, int role, const char *s, const char *what)
{
	int err;
	if ((err = es_utf8__to_cps(t->cps, MAX_TEXT, &t->n, s, what)) < 0)
		return err;
	for (size_t i = 0; i < t->n; i++) {
		es_font_role r = (es_font_role)role;
		if (role == ES_FONT_MIXED)
			r = t->cps[i] < 0x80 ? ES_FONT_LATIN : ES_FONT_CJK;
		t->latin[i] = r == ES_FONT_LATIN;
		if ((err = es_font__glyph(&t->g[i], r, L->o->font_path, L->o->font_index,
					  t->cps[i])) < 0)
			return err;
	}
	return 0;
}

static void box_corners(const es_render_glyph_box *b, double margin, es_pt c[4])
{
	double th = ES_RAD(b->angle_deg), cs = cos(th), sn = sin(th);
	double hw = b->w_mm / 2 + margin, hh = b->h_mm / 2 + margin;
	static const double sx[4] = { -1, 1, 1, -1 }, sy[4] = { -1, -1, 1, 1 };
	for (int i = 0; i < 4; i++) {
		double x = sx[i] * hw, y = sy[i] * hh;
		c[i].x = b->cx_mm + x * cs - y * sn;
		c[i].y = b->cy_mm + x * sn + y * cs;
	}
}

static bool sat_separated(const es_pt a[4], const es_pt b[4])
{
	for (int pass = 0; pass < 2; pass++) {
		const es_pt *p = pass ? b : a;
		for (int i = 0; i < 2; i++) {
			double ax = -(p[i + 1].y - p[i].y), ay = p[i + 1].x - p[i].x;
			double amin = INFINITY, amax = -INFINITY, bmin = INFINITY, bmax = -INFINITY;
			for (int k = 0; k < 4; k++) {
				double va = a[k].x * ax + a[k].y * ay, vb = b[k].x * ax + b[k].y * ay;
				amin = fmin(amin, va);
				amax = fmax(amax, va);
				bmin = fmin(bmin, vb);
				bmax = fmax(bmax, vb);
			}
			if (amax <= bmin || bmax <= amin)
				return true;
		}
	}
	return false;
}

/* Do the boxes overlap once each is grown by @margin (mm)? */
static bool boxes_overlap(const es_render_glyph_box *a, const es_render_glyph_box *b, double margin)
{
	es_pt ca[4], cb[4];
	box_corners(a, margin / 2, ca);
	box_corners(b, margin / 2, cb);
	return !sat_separated(ca, cb);
}

/* Is the box inside the ellipse (a, b) shrunk by @margin? */
static bool box_inside_ellipse(const es_render_glyph_box *bx, double a, double b, double margin)
{
	es_pt c[4];
	box_corners(bx, 0, c);
	a -= margin;
	b -= margin;
	if (a <= 0 || b <= 0)
		return false;
	for (int i = 0; i < 4; i++)
		if ((c[i].x / a) * (c[i].x / a) + (c[i].y / b) * (c[i].y / b) > 1.0)
			return false;
	return true;
}

/* Map the glyph's em box onto @b; @digit maps the digit height instead of the em. */
static int glyph_draw(es_path *dst, const lay *L, const es_glyph *g, es_render_glyph_box *b,
		      bool digit)
{
	es_affine m = es_affine__translate(b->cx_mm, b->cy_mm), t;
	double top = 0, bottom = 1;
	int err;

	if (digit && (err = es_font__digit_box(&top, &bottom, L->o->font_path, L->o->font_index)) < 0)
		return err;
	t = es_affine__rotate(ES_RAD(b->angle_deg));
	m = es_affine__mul(&m, &t);
	t = es_affine__scale(b->w_mm / g->adv, b->h_mm / (bottom - top));
	m = es_affine__mul(&m, &t);
	t = es_affine__translate(-g->adv / 2, -(top + bottom) / 2);
	m = es_affine__mul(&m, &t);
	if (g->path.nops) {
		double sx = b->w_mm / g->adv, sy = b->h_mm / (bottom - top), my = (top + bottom) / 2;
		b->ink_mm[0] = (g->x0 - g->adv / 2) * sx;
		b->ink_mm[1] = (g->y0 - my) * sy;
		b->ink_mm[2] = (g->x1 - g->adv / 2) * sx;
		b->ink_mm[3] = (g->y1 - my) * sy;
	}
	return es_path__append(dst, &g->path, &m);
}

static int geo_add(lay *L, uint32_t cp, es_render_role role, double cx, double cy, double w,
		   double h, double angle_deg)
{
	es_render_geometry *geo = &L->s->geo;
	es_render_glyph_box *b;
	if (geo->nglyphs >= ES_RENDER_MAX_GLYPHS)
		return es_error_set(ES_ELIMIT, "seal has more than %u glyphs", ES_RENDER_MAX_GLYPHS);
	b = &geo->glyphs[geo->nglyphs++];
	b->codepoint = cp;
	b->role = role;
	b->cx_mm = cx;
	b->cy_mm = cy;
	b->w_mm = w;
	b->h_mm = h;
	b->angle_deg = angle_deg;
	memset(b->ink_mm, 0, sizeof(b->ink_mm));
	return 0;
}

/* Draw every glyph box of @role (added by geo_add since index @from). */
static int draw_role(lay *L, const gtext *t, size_t from)
{
	es_item *it = NULL;
	int err;
	if (t->n == 0)
		return 0;
	if ((err = scene_item(&it, L->s, 0, false)) < 0)
		return err;
	for (size_t i = 0; i < t->n; i++)
		if ((err = glyph_draw(&it->path, L, t->g[i], &L->s->geo.glyphs[from + i],
				      t->latin[i])) < 0)
			return err;
	return 0;
}

/* ---- text on an elliptical arc ---------------------------------------- */

typedef struct arc {
	double ea, eb;  /* the edge the text follows (inner edge of the border) */
	double off;     /* glyph centres lie this far inside it, along the normal */
	bool lower;     /* lower arc: glyph tops towards the centre */
	double h;       /* glyph height */
	double wem;     /* natural glyph width per em of advance */
	double space;   /* natural spacing between glyph centres' boxes */
	double space_in; /* least gap between neighbours' inks along their inner edges */
	double reach;    /* ink_reach() */
	const gtext *t;
	/* results */
	double sx, extra, span;
	double tpos[MAX_TEXT + 4];
} arc;

/* Point at parameter t on the curve parallel to the edge, @d inside it,
 * so that on an oval every glyph keeps the same distance from the border. */
static es_pt arc_at(const arc *A, double t, double d)
{
	double s = sin(t), c = cos(t), nx = A->eb * s, ny = A->ea * c, nn = hypot(nx, ny);
	es_pt p = { A->ea * s - d * nx / nn, 0 };
	p.y = A->lower ? A->eb * c - d * ny / nn : -A->eb * c + d * ny / nn;
	return p;
}

/* Centre of a glyph at parameter t. */
static es_pt arc_pt(const arc *A, double t)
{
	return arc_at(A, t, A->off);
}

/* Clockwise turn of a glyph at t: its top faces outwards (upper arc) or
 * towards the centre (lower arc). */
static double arc_angle(const arc *A, double t)
{
	if (A->lower)
		return atan2(-A->eb * sin(t), A->ea * cos(t));
	return atan2(A->eb * sin(t), A->ea * cos(t));
}

/* Parameter step from t that moves a point of the curve @d inside the
 * edge by chord @chord. For a circle: a = 2·asin(chord / 2r). */
static double curve_step(const arc *A, double t, double d, double chord)
{
	double lo = 0, hi = M_PI;
	es_pt p0;
	if (A->ea == A->eb) {
		double q = chord / (2 * (A->ea - d));
		return q >= 1 ? M_PI : 2 * asin(q);
	}
	p0 = arc_at(A, t, d);
	for (int i = 0; i < 48; i++) {
		double mid = (lo + hi) / 2;
		es_pt p = arc_at(A, t + mid, d);
		if (hypot(p.x - p0.x, p.y - p0.y) < chord)
			lo = mid;
		else
			hi = mid;
	}
	return (lo + hi) / 2;
}

/* Step between neighbours: their centres @dc apart along the centre line
 * (even spacing), and never closer than @din along their inner edges,
 * where glyphs turned to the curve come closest (this rule wins on a
 * circle and at the tight ends of an oval). */
static double arc_step(const arc *A, double t, double dc, double din)
{
	double a = curve_step(A, t, A->off, dc), b = curve_step(A, t, A->off + A->h / 2, din);
	return a > b ? a : b;
}

static double glyph_w(const arc *A, size_t i, double sx)
{
	return sx * A->wem * A->t->g[i]->adv;
}

/* How far the inks reach from a glyph's centre, as a share of its width:
 * the widest of the text, so that equal glyphs keep an equal advance (side
 * bearings let the em boxes of neighbours overlap where the inks do not). */
static double ink_reach(const arc *A)
{
	double r = 0;
	for (size_t i = 0; i < A->t->n; i++) {
		const es_glyph *g = A->t->g[i];
		if (g->path.nops)
			r = fmax(r, fmax(g->adv / 2 - g->x0, g->x1 - g->adv / 2) / g->adv);
	}
	return r > 0 ? r : 0.5;
}

/* Place glyph centres from @start; returns the span edge to edge. */
static double arc_place(arc *A, double sx, double extra, double start)
{
	size_t n = A->t->n;
	double spc = sx * A->space + extra, spi = sx * A->space_in, t, first, last, w0, wl;

	w0 = glyph_w(A, 0, sx);
	t = start + arc_step(A, start, (w0 + spc) / 2, (w0 + spi) / 2);
	first = start;
	A->tpos[0] = t;
	for (size_t i = 1; i < n; i++) {
		double w = (glyph_w(A, i - 1, sx) + glyph_w(A, i, sx)) / 2;
		double ink = A->reach * (glyph_w(A, i - 1, sx) + glyph_w(A, i, sx));
		t += arc_step(A, t, w + spc, ink + spi);
		A->tpos[i] = t;
	}
	wl = glyph_w(A, n - 1, sx);
	last = t + arc_step(A, t, (wl + spc) / 2, (wl + spi) / 2);
	return last - first;
}

/* Centre the text on the top (or bottom) of the arc. */
static double arc_layout(arc *A, double sx, double extra)
{
	double start;

	A->reach = ink_reach(A);
	start = -arc_place(A, sx, extra, 0) / 2;
	for (int k = 0; k < 3 && A->ea != A->eb; k++) {
		/* ellipse: steps vary along the curve; re-centre on the edges */
		double end = start + arc_place(A, sx, extra, start);
		start -= (start + end) / 2;
	}
	return arc_place(A, sx, extra, start);
}

/* Fit the text into [min, max] radians: spread short texts up to
 * @extra_max mm between glyphs, compress long ones down to @sx_min. */
static int arc_fit(arc *A, double min, double max, double extra_max, double sx_min)
{
	double span = arc_layout(A, 1, 0);

	A->sx = 1;
	A->extra = 0;
	if (span > max) {
		double lo = sx_min, hi = 1;
		if (arc_layout(A, sx_min, 0) > max)
			return ES_ELIMIT;
		for (int i = 0; i < 40; i++) {
			double mid = (lo + hi) / 2;
			if (arc_layout(A, mid, 0) > max)
				hi = mid;
			else
				lo = mid;
		}
		A->sx = lo;
	} else if (span < min && extra_max > 0) {
		double lo = 0, hi = extra_max;
		if (arc_layout(A, 1, extra_max) < min) {
			lo = extra_max;
		} else {
			for (int i = 0; i < 40; i++) {
				double mid = (lo + hi) / 2;
				if (arc_layout(A, 1, mid) < min)
					lo = mid;
				else
					hi = mid;
			}
		}
		A->extra = lo;
	}
	A->span = arc_layout(A, A->sx, A->extra);
	return 0;
}

/* Most CJK characters that fit into @max at the narrowest width. */
static size_t arc_capacity(const arc *A, double max, double sx_min)
{
	arc B = *A;
	gtext one;
	size_t n;
	const es_glyph *g = A->t->g[0];

	memset(&one, 0, sizeof(one));
	B.t = &one;
	for (n = 1; n <= MAX_TEXT; n++) {
		one.n = n;
		for (size_t i = 0; i < n; i++)
			one.g[i] = g;
		if (arc_layout(&B, sx_min, 0) > max)
			return n - 1;
	}
	return MAX_TEXT;
}

static int arc_emit(lay *L, arc *A, es_render_role role)
{
	for (size_t i = 0; i < A->t->n; i++) {
		double t = A->tpos[i], th = arc_angle(A, t);
		es_pt p = arc_pt(A, t);
		int err = geo_add(L, A->t->cps[i], role, p.x, p.y, glyph_w(A, i, A->sx), A->h,
				  ES_DEG(th));
		if (err < 0)
			return err;
	}
	return 0;
}

/* ---- border ------------------------------------------------------------ */

static uint64_t seed_from(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (; *s; s++) {
		h ^= (uint8_t)*s;
		h *= 1099511628211ull;
	}
	return h;
}

static double next_unit(uint64_t *st)
{
	/* splitmix64 */
	uint64_t z = (*st += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	z ^= z >> 31;
	return (double)(z >> 11) / 9007199254740992.0;
}

/* Gap positions as fractions of the perimeter parameter, sorted. */
static unsigned gaps_make(const lay *L, double pos[5], double len_mm[5])
{
	uint64_t st;
	unsigned k;
	if (!L->o->microgaps || !L->o->esid)
		return 0;
	st = seed_from(L->o->esid);
	k = 3 + (unsigned)(next_unit(&st) * 3); /* 3..5 */
	for (unsigned i = 0; i < k; i++) {
		pos[i] = (i + 0.15 + 0.7 * next_unit(&st)) / k;
		len_mm[i] = 0.18 + 0.22 * next_unit(&st);
	}
	return k;
}

static int border_ellipse(lay *L, double ra, double rb, double width, bool gaps)
{
	es_item *it = NULL;
	double pos[5], len[5];
	unsigned k = gaps ? gaps_make(L, pos, len) : 0;
	int err;

	if ((err = scene_item(&it, L->s, width, false)) < 0)
		return err;
	if (k == 0) {
		if ((err = es_path__arc(&it->path, ra, rb, 0, 2 * M_PI, true)) < 0)
			return err;
		return es_path__close(&it->path);
	}
	L->s->geo.gaps = k;
	for (unsigned i = 0; i < k; i++) {
		double r = (ra + rb) / 2;
		double t0 = 2 * M_PI * pos[i] + len[i] / (2 * r);
		double t1 = 2 * M_PI * (i + 1 < k ? pos[i + 1] : pos[0] + 1) -
			    len[(i + 1) % k] / (2 * r);
		if ((err = es_path__arc(&it->path, ra, rb, t0, t1, true)) < 0)
			return err;
	}
	return 0;
}

/* Point at fraction @f of a rectangle's perimeter, clockwise from top-left. */
static es_pt rect_at(double hw, double hh, double f, int *side)
{
	double per = 4 * (hw + hh), d = fmod(f, 1.0) * per;
	es_pt p;
	if (d < 2 * hw) {
		p.x = -hw + d;
		p.y = -hh;
		*side = 0;
	} else if ((d -= 2 * hw) < 2 * hh) {
		p.x = hw;
		p.y = -hh + d;
		*side = 1;
	} else if ((d -= 2 * hh) < 2 * hw) {
		p.x = hw - d;
		p.y = hh;
		*side = 2;
	} else {
		d -= 2 * hw;
		p.x = -hw;
		p.y = hh - d;
		*side = 3;
	}
	return p;
}

static int border_rect(lay *L, double hw, double hh, double width)
{
	static const double cx[4] = { 1, 1, -1, -1 }, cy[4] = { -1, 1, 1, -1 }; /* corner after side */
	es_item *it = NULL;
	double pos[5], len[5], per = 4 * (hw + hh);
	unsigned k = gaps_make(L, pos, len);
	int err;

	if ((err = scene_item(&it, L->s, width, true)) < 0)
		return err;
	if (k == 0) {
		if ((err = es_path__move(&it->path, -hw, -hh)) < 0 ||
		    (err = es_path__line(&it->path, hw, -hh)) < 0 ||
		    (err = es_path__line(&it->path, hw, hh)) < 0 ||
		    (err = es_path__line(&it->path, -hw, hh)) < 0 ||
		    (err = es_path__close(&it->path)) < 0)
			return err;
		return 0;
	}
	L->s->geo.gaps = k;
	for (unsigned i = 0; i < k; i++) {
		double f0 = pos[i] + len[i] / (2 * per);
		double f1 = (i + 1 < k ? pos[i + 1] : pos[0] + 1) - len[(i + 1) % k] / (2 * per);
		int s0, s1;
		es_pt a = rect_at(hw, hh, f0, &s0), b = rect_at(hw, hh, f1, &s1);
		if ((err = es_path__move(&it->path, a.x, a.y)) < 0)
			return err;
		/* walk the corners between the two ends */
		for (int s = s0, guard = 0; (s != s1 || (guard == 0 && f1 - f0 > 0.5)) && guard < 5;
		     s = (s + 1) % 4, guard++)
			if ((err = es_path__line(&it->path, cx[s] * hw, cy[s] * hh)) < 0)
				return err;
		if ((err = es_path__line(&it->path, b.x, b.y)) < 0)
			return err;
	}
	return 0;
}

/* ---- star -------------------------------------------------------------- */

static int star_draw(lay *L, double r)
{
	es_item *it = NULL;
	double ri = r * sin(ES_RAD(18)) / sin(ES_RAD(54)); /* pentagram inner radius */
	int err;

	if ((err = scene_item(&it, L->s, 0, false)) < 0)
		return err;
	for (int i = 0; i < 10; i++) {
		double ang = ES_RAD(-90 + 36 * i), rr = (i % 2) ? ri : r;
		double x = rr * cos(ang), y = rr * sin(ang);
		if ((err = (i == 0 ? es_path__move(&it->path, x, y) : es_path__line(&it->path, x, y))) < 0)
			return err;
	}
	L->s->geo.star_mm = 2 * r;
	return es_path__close(&it->path);
}

/* ---- horizontal lines of text ------------------------------------------ */

/* Lay one horizontal line centred on x = 0 with its top at @top; glyph i
 * gets width sx * wem * adv. */
static double line_w(const gtext *t, size_t i, double wem, double sx, bool mono)
{
	return mono ? sx * wem : sx * wem * t->g[i]->adv;
}

static int line_boxes(lay *L, const gtext *t, es_render_role role, double top, double h, double wem,
		      double space, double sx, bool mono)
{
	double total = 0, x;
	for (size_t i = 0; i < t->n; i++)
		total += line_w(t, i, wem, sx, mono);
	total += (t->n - 1) * space * sx;
	x = -total / 2;
	for (size_t i = 0; i < t->n; i++) {
		double w = line_w(t, i, wem, sx, mono);
		int err = geo_add(L, t->cps[i], role, x + w / 2, top + h / 2, w, h, 0);
		if (err < 0)
			return err;
		x += w + space * sx;
	}
	return 0;
}

/* Do the boxes from @from on stay inside the content edge and clear of
 * all earlier boxes? */
static bool line_fits(const lay *L, size_t from)
{
	const es_render_geometry *g = &L->s->geo;
	for (size_t i = from; i < g->nglyphs; i++) {
		if (!box_inside_ellipse(&g->glyphs[i], L->ea, L->eb, 0.3))
			return false;
		for (size_t j = 0; j < from; j++)
			if (boxes_overlap(&g->glyphs[i], &g->glyphs[j], BOX_MARGIN))
				return false;
	}
	return true;
}

/* Place a horizontal line, compressing it until it fits; *sx_out gets the
 * compression. ES_ELIMIT with the capacity in the message otherwise. */
static int line_fit(lay *L, const gtext *t, es_render_role role, double top, double h, double wem,
		    double space, bool mono, double sx_min, const char *what, double *sx_out)
{
	es_render_geometry *g = &L->s->geo;
	size_t from = g->nglyphs;
	int err;

	for (double sx = 1.0; sx >= sx_min - 1e-9; sx -= 0.01) {
		g->nglyphs = from;
		if ((err = line_boxes(L, t, role, top, h, wem, space, sx, mono)) < 0)
			return err;
		if (line_fits(L, from)) {
			if (sx_out)
				*sx_out = sx;
			return 0;
		}
	}
	/* how many CJK characters would fit? */
	{
		gtext probe;
		size_t cap = 0;
		memset(&probe, 0, sizeof(probe));
		for (size_t n = t->n; n-- > 1;) {
			probe.n = n;
			for (size_t i = 0; i < n; i++) {
				probe.g[i] = t->g[0];
				probe.cps[i] = t->cps[0];
			}
			g->nglyphs = from;
			if ((err = line_boxes(L, &probe, role, top, h, wem, space, sx_min, mono)) < 0)
				return err;
			if (line_fits(L, from)) {
				cap = n;
				break;
			}
		}
		g->nglyphs = from;
		return es_error_set(ES_ELIMIT, "%s is too long for a %s mm seal: at most %zu characters",
				    what, L->size_str, cap);
	}
}

/* ---- round and oval ---------------------------------------------------- */

static bool has(const char *s)
{
	return s && s[0];
}

static int layout_ellipse(lay *L)
{
	const es_render_options *o = L->o;
	es_render_geometry *geo = &L->s->geo;
	bool round = o->shape == ES_SHAPE_ROUND;
	double A = L->W / 2, B = L->H / 2, bw = o->border_mm, small = round ? L->W : L->H;
	gtext name, code, text, taxid, serial;
	arc an, ac;
	size_t i0;
	double star_r = 0, gap, hn, hc, span_min, span_max, code_span = 0, text_bottom = 0;
	int err;

	memset(&an, 0, sizeof(an));
	memset(&ac, 0, sizeof(ac));
	code.n = text.n = taxid.n = serial.n = 0;

	/* border and inner ring */
	L->ea = A - bw;
	L->eb = B - bw;
	if (bw > 0 && (err = border_ellipse(L, A - bw / 2, B - bw / 2, bw, true)) < 0)
		return err;
	if (o->inner_ring_mm > 0) {
		double g = o->inner_ring_gap_mm > 0 ? o->inner_ring_gap_mm : 0.6, w = o->inner_ring_mm;
		if ((err = border_ellipse(L, L->ea - g - w / 2, L->eb - g - w / 2, w, false)) < 0)
			return err;
		L->ea -= g + w;
		L->eb -= g + w;
	}
	geo->inner_rx_mm = L->ea;
	geo->inner_ry_mm = L->eb;
	if (L->ea < 2 || L->eb < 2)
		return es_error_set(ES_EINVAL, "border is too wide for a %s mm seal", L->size_str);

	/* star */
	if (o->star) {
		star_r = (o->star_mm > 0 ? o->star_mm : small / 3) / 2;
		if (star_r > 0.8 * fmin(L->ea, L->eb))
			return es_error_set(ES_EINVAL, "star of %.1f mm does not fit a %s mm seal",
					    2 * star_r, L->size_str);
		if ((err = star_draw(L, star_r)) < 0)
			return err;
	}

	gap = o->name_gap_mm > 0 ? o->name_gap_mm : fmax(0.5, 0.5 + 0.012 * (small - 40));
	hn = o->name_height_mm > 0 ? o->name_height_mm : (round ? 0.15 : 0.14) * small;
	hc = o->code_height_mm > 0 ? o->code_height_mm : (round ? 0.055 : 0.08) * small;

	/* seal code (or other text) on the lower arc, placed first: it bounds
	 * the name */
	if (has(o->code) || has(o->lower_text)) {
		if ((err = has(o->code) ? text_load(&code, L, ES_FONT_LATIN, o->code, "seal code")
					: text_load(&code, L, ES_FONT_MIXED, o->lower_text,
						    "lower text")) < 0)
			return err;
		ac.ea = L->ea;
		ac.eb = L->eb;
		ac.off = gap + hc / 2;
		ac.lower = true;
		ac.h = hc;
		/* digits 0.62 of their height wide; other glyphs in proportion */
		{
			const es_glyph *zero;
			if ((err = es_font__glyph(&zero, ES_FONT_LATIN, o->font_path, o->font_index,
						  '0')) < 0)
				return err;
			ac.wem = 0.62 * hc / zero->adv;
		}
		ac.space = 0.2 * hc;
		ac.space_in = 0.1 * hc;
		ac.t = &code;
		if (L->eb - ac.off <= hc || arc_fit(&ac, 0, ES_RAD(has(o->code) ? 150 : 170), 0,
						    0.6) < 0)
			return es_error_set(ES_ELIMIT, "%s does not fit a %s mm seal: at most %zu characters",
					    has(o->code) ? "seal code" : "lower text", L->size_str,
					    arc_capacity(&ac, ES_RAD(170), 0.6));
		code_span = ac.span;
	}

	/* the name on the upper arc */
	if ((err = text_load(&name, L, ES_FONT_CJK, o->name, "name")) < 0)
		return err;
	if (name.n == 0)
		return es_error_set(ES_EINVAL, "the seal needs a name");
	if (name.n > ES_RENDER_MAX_NAME_CHARS)
		return es_error_set(ES_ELIMIT, "name is longer than %u characters",
				    ES_RENDER_MAX_NAME_CHARS);
	span_min = ES_RAD(o->name_span_min_deg > 0 ? o->name_span_min_deg : (round ? 180 : 170));
	span_max = ES_RAD(o->name_span_max_deg > 0 ? o->name_span_max_deg : (round ? 270 : 250));
	if (code.n)
		span_max = fmin(span_max, 2 * M_PI - code_span - ES_RAD(2 * 12));
	span_min = fmin(span_min, span_max);
	an.ea = L->ea;
	an.eb = L->eb;
	an.off = gap + hn / 2;
	an.h = hn;
	an.wem = (round ? 0.95 : 0.9) * hn;
	an.space = 0.2 * hn;
	an.space_in = 0.06 * hn;
	an.t = &name;
	if (L->eb - an.off <= hn / 2 + 1)
		return es_error_set(ES_ELIMIT, "name height of %.1f mm does not fit a %s mm seal", hn,
				    L->size_str);
	if (arc_fit(&an, span_min, span_max, 0.9 * hn, NAME_SX_MIN) < 0)
		return es_error_set(ES_ELIMIT, "name is too long for a %s mm seal: at most %zu characters",
				    L->size_str, arc_capacity(&an, span_max, NAME_SX_MIN));
	geo->name_span_deg = ES_DEG(an.span);
	geo->name_scale_x = an.sx;
	i0 = geo->nglyphs;
	if ((err = arc_emit(L, &an, ES_ROLE_NAME)) < 0 || (err = draw_role(L, &name, i0)) < 0)
		return err;
	if (code.n) {
		i0 = geo->nglyphs;
		if ((err = arc_emit(L, &ac, ES_ROLE_CODE)) < 0 ||
		    (err = draw_role(L, &code, i0)) < 0)
			return err;
	}

	/* taxpayer id across the middle (国家税务总局公告2011年第7号: 3.7 x 1.3 mm,
	 * 18 characters over 26 mm) */
	if (has(o->taxid)) {
		double th = o->taxid_height_mm > 0 ? o->taxid_height_mm : 3.7;
		double tw = o->taxid_width_mm > 0 ? o->taxid_width_mm : 26;
		double pitch = tw / 18, sx;
		if ((err = text_load(&taxid, L, ES_FONT_LATIN, o->taxid, "taxpayer id")) < 0)
			return err;
		i0 = geo->nglyphs;
		/* every glyph box 90 % of the pitch, whatever its advance */
		if ((err = line_fit(L, &taxid, ES_ROLE_TAXID, -th / 2, th,
				    0.9 * pitch, 0.1 * pitch, true, TAXID_SX_MIN,
				    "taxpayer id", &sx)) < 0)
			return err;
		if ((err = draw_role(L, &taxid, i0)) < 0)
			return err;
		text_bottom = th / 2;
	}

	/* horizontal text under the star or the taxpayer id */
	if (has(o->text)) {
		double ht = o->text_height_mm > 0 ? o->text_height_mm : (round ? 0.11 : 0.15) * small;
		double wt = o->text_width_mm > 0 ? o->text_width_mm : 0.85 * ht;
		double top = o->text_top_mm, sx;
		if ((err = text_load(&text, L, ES_FONT_CJK, o->text, "text")) < 0)
			return err;
		if (top == 0) {
			if (star_r > 0)
				top = star_r * sin(ES_RAD(54)) + 0.06 * small;
			else if (taxid.n)
				top = text_bottom + 0.1 * small;
			else if (round)
				top = 0.05 * small;
			else
				top = -ht / 2;
		}
		i0 = geo->nglyphs;
		if ((err = line_fit(L, &text, ES_ROLE_TEXT, top, ht, wt, 0.08 * ht, false, TEXT_SX_MIN, "text",
				    &sx)) < 0 ||
		    (err = draw_role(L, &text, i0)) < 0)
			return err;
		geo->text_scale_x = sx;
		text_bottom = top + ht;
	}

	/* serial, e.g. "(1)" (公告2011年第7号: 2.2 x 1.7 mm, top 10 mm below the centre) */
	if (has(o->serial)) {
		double hs = 2.2, top = round || !has(o->taxid) ? text_bottom + 0.8 : 10.0, sx;
		if ((err = text_load(&serial, L, ES_FONT_LATIN, o->serial, "serial")) < 0)
			return err;
		i0 = geo->nglyphs;
		if ((err = line_fit(L, &serial, ES_ROLE_SERIAL, top, hs, 1.7 / serial.g[0]->adv, 0.2,
				    false, 0.6, "serial", &sx)) < 0 ||
		    (err = draw_role(L, &serial, i0)) < 0)
			return err;
	}
	return 0;
}

/* ---- square and rectangular name seals --------------------------------- */

static int layout_square(lay *L)
{
	const es_render_options *o = L->o;
	es_render_geometry *geo = &L->s->geo;
	double bw = o->border_mm, pad = bw > 0 ? 0.06 * fmin(L->W, L->H) : 0.3;
	double x0 = -L->W / 2 + bw + pad, y0 = -L->H / 2 + bw + pad;
	double cw = L->W - 2 * (bw + pad), ch = L->H - 2 * (bw + pad), cg;
	gtext name;
	uint32_t cps[8];
	size_t n;
	es_item *it = NULL;
	int err;

	if (has(o->text) || has(o->code) || has(o->lower_text) || has(o->taxid) || has(o->serial))
		return es_error_set(ES_EINVAL, "%s seals carry only the name",
				    es_render_shape_name(o->shape));
	if ((err = es_utf8__to_cps(cps, 8, &n, o->name, "name")) < 0)
		return err;
	if (n == 0)
		return es_error_set(ES_EINVAL, "the seal needs a name");
	if (o->shape == ES_SHAPE_SQUARE && o->name_pad) {
		/* 2 characters + 之印, 3 + 印 (e签宝 and seal-shop practice) */
		if (n <= 2 && n + 2 <= 8) {
			cps[n++] = 0x4E4B; /* 之 */
			cps[n++] = 0x5370; /* 印 */
		} else if (n == 3) {
			cps[n++] = 0x5370;
		}
	}
	if (o->shape == ES_SHAPE_SQUARE && n > 4)
		return es_error_set(ES_ELIMIT, "name is too long for a square seal: at most 4 characters");
	if (ch < 2 || cw < 2)
		return es_error_set(ES_EINVAL, "border is too wide for a %s mm seal", L->size_str);

	if (bw > 0 && (err = border_rect(L, L->W / 2 - bw / 2, L->H / 2 - bw / 2, bw)) < 0)
		return err;
	geo->inner_rx_mm = L->W / 2 - bw;
	geo->inner_ry_mm = L->H / 2 - bw;
	name.n = n;
	for (size_t i = 0; i < n; i++) {
		name.cps[i] = cps[i];
		if ((err = es_font__glyph(&name.g[i], ES_FONT_CJK, o->font_path, o->font_index,
					  cps[i])) < 0)
			return err;
	}

	cg = 0.04 * fmin(L->W, L->H);
	if (o->shape == ES_SHAPE_RECT) {
		double w = (cw - (n - 1) * cg) / n;
		if (w < 0.45 * ch)
			return es_error_set(ES_ELIMIT, "name is too long for a %s mm seal: at most %zu characters",
					    L->size_str, (size_t)((cw + cg) / (0.45 * ch + cg)));
		for (size_t i = 0; i < n; i++)
			if ((err = geo_add(L, cps[i], ES_ROLE_NAME, x0 + i * (w + cg) + w / 2,
					   y0 + ch / 2, w, ch, 0)) < 0)
				return err;
	} else {
		/* columns from the right; a column with one character is full height */
		size_t cols = n == 1 ? 1 : 2, idx = 0;
		size_t per[2] = { n == 1 ? 1 : (n == 4 ? 2 : 1), n == 1 ? 0 : (n >= 3 ? 2 : 1) };
		double colw = (cw - (cols - 1) * cg) / cols;
		for (size_t c = 0; c < cols; c++) {
			double cx = x0 + cw - colw / 2 - c * (colw + cg);
			double rowh = (ch - (per[c] - 1) * cg) / per[c];
			for (size_t r = 0; r < per[c]; r++, idx++)
				if ((err = geo_add(L, cps[idx], ES_ROLE_NAME, cx,
						   y0 + r * (rowh + cg) + rowh / 2, colw, rowh, 0)) < 0)
					return err;
		}
	}
	if ((err = scene_item(&it, L->s, 0, false)) < 0)
		return err;
	/* name seals are cut heavier than the light Song face */
	it->bold = 0.006 * fmin(cw, ch);
	for (size_t i = 0; i < n; i++)
		if ((err = glyph_draw(&it->path, L, name.g[i], &geo->glyphs[i], false)) < 0)
			return err;
	geo->name_scale_x = 1;
	return 0;
}

/* ---- options ----------------------------------------------------------- */

static int check_chars(const char *s, const char *what, size_t minlen, size_t maxlen, bool letters)
{
	size_t n = strlen(s);
	if (n < minlen || n > maxlen)
		return es_error_set(ES_EINVAL, "%s must have %zu to %zu characters, not %zu", what,
				    minlen, maxlen, n);
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!(c >= '0' && c <= '9') && !(letters && c >= 'A' && c <= 'Z'))
			return es_error_set(ES_EINVAL, "%s has a bad character at position %zu", what,
					    i + 1);
	}
	return 0;
}

static int options_check(const es_render_options *o)
{
	int err;
	if (o->version != ES_RENDER_OPTIONS_VERSION)
		return es_error_set(ES_EINVAL, "unsupported render options version %u", o->version);
	if (o->shape > ES_SHAPE_RECT)
		return es_error_set(ES_EINVAL, "unknown seal shape %d", (int)o->shape);
	if (!(o->width_mm >= ES_RENDER_MIN_MM && o->width_mm <= ES_RENDER_MAX_MM) ||
	    ((o->shape == ES_SHAPE_OVAL || o->shape == ES_SHAPE_RECT) &&
	     !(o->height_mm >= ES_RENDER_MIN_MM && o->height_mm <= ES_RENDER_MAX_MM)))
		return es_error_set(ES_EINVAL, "seal size must be %.0f to %.0f mm", ES_RENDER_MIN_MM,
				    ES_RENDER_MAX_MM);
	if (!(o->border_mm >= 0 && o->border_mm <= 5) || !(o->inner_ring_mm >= 0 && o->inner_ring_mm <= 3) ||
	    !(o->inner_ring_gap_mm >= 0 && o->inner_ring_gap_mm <= 5))
		return es_error_set(ES_EINVAL, "border and ring widths must be 0 to 5 mm");
	if (!(o->star_mm >= 0 && o->star_mm <= ES_RENDER_MAX_MM) ||
	    !(o->name_height_mm >= 0 && o->name_height_mm <= 20) ||
	    !(o->name_gap_mm >= 0 && o->name_gap_mm <= 10) ||
	    !(o->text_height_mm >= 0 && o->text_height_mm <= 20) ||
	    !(o->text_width_mm >= 0 && o->text_width_mm <= 20) ||
	    !(o->text_top_mm >= -40 && o->text_top_mm <= 40) ||
	    !(o->code_height_mm >= 0 && o->code_height_mm <= 10) ||
	    !(o->taxid_height_mm >= 0 && o->taxid_height_mm <= 10) ||
	    !(o->taxid_width_mm >= 0 && o->taxid_width_mm <= ES_RENDER_MAX_MM) ||
	    !(o->name_span_min_deg >= 0 && o->name_span_min_deg <= 340) ||
	    !(o->name_span_max_deg >= 0 && o->name_span_max_deg <= 340))
		return es_error_set(ES_EINVAL, "a size or angle option is out of range");
	if (o->color > 0xFFFFFFu)
		return es_error_set(ES_EINVAL, "colour 0x%X is not 0xRRGGBB", (unsigned)o->color);
	if (o->dpi != 0 && (o->dpi < ES_RENDER_MIN_DPI || o->dpi > ES_RENDER_MAX_DPI))
		return es_error_set(ES_EINVAL, "dpi must be %u to %u", ES_RENDER_MIN_DPI,
				    ES_RENDER_MAX_DPI);
	if (o->microgaps && !has(o->esid))
		return es_error_set(ES_EINVAL, "micro-gaps need the seal's esid");
	if (has(o->code) && (err = check_chars(o->code, "seal code", 14, 14, false)) < 0)
		return err;
	if (has(o->taxid) && (err = check_chars(o->taxid, "taxpayer id", 15, 20, true)) < 0)
		return err;
	if (has(o->code) && has(o->lower_text))
		return es_error_set(ES_EINVAL, "the lower arc takes a seal code or a lower text, not both");
	if (has(o->taxid) && o->star)
		return es_error_set(ES_EINVAL, "a seal cannot carry both a star and a taxpayer id");
	if (has(o->esid) && strlen(o->esid) > 64)
		return es_error_set(ES_EINVAL, "esid is longer than 64 characters");
	return 0;
}

static void fmt_mm(char *out, size_t n, double v)
{
	if (fabs(v - round(v)) < 1e-9)
		snprintf(out, n, "%.0f", v);
	else
		snprintf(out, n, "%.1f", v);
}

int es_scene__build(es_scene *out, const es_render_options *opts)
{
	lay L;
	es_render_geometry *geo;
	unsigned dpi;
	double px_w, px_h;
	int err;
	char a[12], b[12];

	memset(out, 0, sizeof(*out));
	if (!opts)
		return es_error_set(ES_EINVAL, "invalid argument: 'opts'");
	if ((err = options_check(opts)) < 0)
		return err;
	memset(&L, 0, sizeof(L));
	L.o = opts;
	L.s = out;
	L.W = opts->width_mm;
	L.H = (opts->shape == ES_SHAPE_OVAL || opts->shape == ES_SHAPE_RECT) ? opts->height_mm
									     : opts->width_mm;
	fmt_mm(a, sizeof(a), L.W);
	fmt_mm(b, sizeof(b), L.H);
	if (opts->shape == ES_SHAPE_ROUND)
		snprintf(L.size_str, sizeof(L.size_str), "\xC3\x98%s", a); /* Ø */
	else
		snprintf(L.size_str, sizeof(L.size_str), "%sx%s", a, b);

	dpi = opts->dpi ? opts->dpi : 600;
	px_w = round(L.W / ES_MM_PER_INCH * dpi);
	px_h = round(L.H / ES_MM_PER_INCH * dpi);
	out->w = L.W;
	out->h = L.H;
	geo = &out->geo;
	geo->shape = opts->shape;
	geo->width_mm = L.W;
	geo->height_mm = L.H;
	geo->width_px = (unsigned)px_w;
	geo->height_px = (unsigned)px_h;
	geo->dpi = dpi;
	geo->border_mm = opts->border_mm;
	geo->outer_rx_mm = L.W / 2;
	geo->outer_ry_mm = L.H / 2;
	geo->name_scale_x = 1;
	geo->text_scale_x = 1;

	if (opts->shape == ES_SHAPE_ROUND || opts->shape == ES_SHAPE_OVAL)
		err = layout_ellipse(&L);
	else
		err = layout_square(&L);
	if (err < 0)
		es_scene__release(out);
	return err;
}
