/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Importing a stamped impression (印模采集) from a scan or photo:
 * 1. decode (limits checked on the header), estimate the paper colour and
 *    white-balance by it, so a tinted paper becomes neutral;
 * 2. ink strength per pixel: for red ink the excess of red over the larger
 *    of green and blue (black print and grey paper have none), for any ink
 *    the darkness; scaled by the strength of solid ink so that a pixel half
 *    covered reads 0.5;
 * 3. connected parts of the ink mask: the largest part and every part near
 *    it form the impression; specks far away are dropped;
 * 4. crop, write a transparent PNG in the mean ink colour with alpha = ink;
 * 5. shape: fill the holes of the mask, take the minimum-area bounding
 *    rectangle of its hull; fill ratio ~π/4 means round/oval, ~1 square or
 *    rectangle; the size comes from the second moments (ellipses) or the
 *    rectangle (squares), so it does not change when the scan is rotated.
 */
#include "es_int.h"
#include "render/render_int.h"
#include <math.h>

#define ASSUMED_DPI 300u
#define NOISE_FLOOR 0.07  /* ink strength below this is paper noise */

typedef struct imp {
	es_img img;
	unsigned w, h;
	float *ink;      /* w*h ink strength 0..1 */
	uint32_t *label; /* component labels (0 = none) */
	uint8_t *keep;   /* per label: part of the impression */
	size_t nlabels;
	uint8_t *out;    /* crop: ink opacity 0..255 */
	es_buf stack;
} imp;

static void imp_release(imp *m)
{
	es_img__release(&m->img);
	es_free(m->ink);
	es_free(m->label);
	es_free(m->keep);
	es_free(m->out);
	es_buf_release(&m->stack);
}

/* Value at fraction @q of a 256-bin histogram. */
static unsigned hist_quantile(const size_t hist[256], size_t total, double q)
{
	size_t target = (size_t)(q * (double)total), acc = 0;
	for (unsigned v = 0; v < 256; v++) {
		acc += hist[v];
		if (acc > target)
			return v;
	}
	return 255;
}

/* Red ink stamped over black print is black: those pixels say nothing
 * about the ink. Mark them unknown and fill each from the nearest known
 * pixels on both sides, along the row or the column with the shorter gap,
 * so that strokes and the border run on through thin print. */
static int repair_overprint(imp *m, const uint8_t *dark, unsigned reach)
{
	size_t n = (size_t)m->w * m->h;
	float *fill = es_malloc(n * sizeof(float));

	if (!fill)
		return es_error_set(ES_ENOMEM, "out of memory");
	memcpy(fill, m->ink, n * sizeof(float));
	for (unsigned y = 0; y < m->h; y++) {
		for (unsigned x = 0; x < m->w; x++) {
			size_t p = (size_t)y * m->w + x;
			double best = -1, val = 0;
			if (!dark[p])
				continue;
			for (int axis = 0; axis < 2; axis++) {
				long d0 = 0, d1 = 0;
				float a0 = 0, a1 = 0;
				for (long k = 1; k <= (long)reach && !d0; k++) {
					long xx = axis ? (long)x : (long)x - k, yy = axis ? (long)y - k : (long)y;
					size_t q;
					if (xx < 0 || yy < 0)
						break;
					q = (size_t)yy * m->w + (size_t)xx;
					if (!dark[q]) {
						d0 = k;
						a0 = m->ink[q];
					}
				}
				for (long k = 1; k <= (long)reach && !d1; k++) {
					long xx = axis ? (long)x : (long)x + k, yy = axis ? (long)y + k : (long)y;
					size_t q;
					if (xx >= (long)m->w || yy >= (long)m->h)
						break;
					q = (size_t)yy * m->w + (size_t)xx;
					if (!dark[q]) {
						d1 = k;
						a1 = m->ink[q];
					}
				}
				if (d0 && d1 && (best < 0 || d0 + d1 < best)) {
					best = (double)(d0 + d1);
					val = (a0 * d1 + a1 * d0) / (double)(d0 + d1);
				}
			}
			fill[p] = (float)val;
		}
	}
	memcpy(m->ink, fill, n * sizeof(float));
	es_free(fill);
	return 0;
}

static double lum(const uint8_t *p, const double inv[3])
{
	return 0.299 * p[0] * inv[0] + 0.587 * p[1] * inv[1] + 0.114 * p[2] * inv[2];
}

static int ink_map(imp *m, es_image_ink ink, unsigned dpi, double paper[3], double *solid)
{
	size_t n = (size_t)m->w * m->h, hist[3][256], shist[1001], ndark = 0;
	const uint8_t *px = m->img.px;
	uint8_t *dark = NULL;
	double inv[3];
	int err = 0;

	memset(hist, 0, sizeof(hist));
	memset(shist, 0, sizeof(shist));
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < 3; k++)
			hist[k][px[i * 3 + k]]++;
	/* paper: a bright quantile of each channel (the paper is most of a form) */
	for (int k = 0; k < 3; k++) {
		paper[k] = hist_quantile(hist[k], n, 0.80);
		if (paper[k] < 40)
			paper[k] = 40;
		inv[k] = 1.0 / paper[k];
	}
	m->ink = es_malloc(n * sizeof(float));
	if (ink == ES_INK_RED)
		dark = es_calloc(n, 1);
	if (!m->ink || (ink == ES_INK_RED && !dark)) {
		err = es_error_set(ES_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		double r = px[i * 3] * inv[0], g = px[i * 3 + 1] * inv[1], b = px[i * 3 + 2] * inv[2], s;
		if (ink == ES_INK_RED) {
			s = fmin(r, 1.0) - fmax(g, b);
			/* black print (or red over it): no channel is bright */
			if (fmax(r, fmax(g, b)) < 0.45) {
				dark[i] = 1;
				ndark++;
			}
		} else {
			s = 1.0 - fmin(1.0, 0.30 * r + 0.59 * g + 0.11 * b);
		}
		if (s < 0)
			s = 0;
		if (s > 1)
			s = 1;
		m->ink[i] = (float)s;
		if (s > NOISE_FLOOR && !(dark && dark[i]))
			shist[(int)(s * 1000)]++;
	}
	/* solid ink: a high quantile of the inked pixels */
	{
		size_t tot = 0, acc = 0;
		for (int v = 0; v <= 1000; v++)
			tot += shist[v];
		*solid = 0;
		for (int v = 0; v <= 1000 && tot; v++) {
			acc += shist[v];
			if (acc >= tot * 0.9) {
				*solid = v / 1000.0;
				break;
			}
		}
	}
	if (*solid < 3 * NOISE_FLOOR) {
		*solid = 0;
		goto done;
	}
	{
		/* Chroma says where the red ink is, but JPEG keeps it at half
		 * resolution; luminance is sharp. Where the pixel is clearly red,
		 * take the ink's share from luminance, between paper (1) and
		 * solid ink (its median luminance). */
		size_t lhist[1001], tot = 0, acc = 0;
		double yink = 0;
		memset(lhist, 0, sizeof(lhist));
		for (size_t i = 0; i < n; i++) {
			double y = lum(px + i * 3, inv);
			if (m->ink[i] / *solid >= 0.9 && !(dark && dark[i])) {
				lhist[(int)(fmin(y, 1.0) * 1000)]++;
				tot++;
			}
		}
		for (int v = 0; v <= 1000 && tot; v++) {
			acc += lhist[v];
			if (acc >= tot / 2) {
				yink = v / 1000.0;
				break;
			}
		}
		for (size_t i = 0; i < n; i++) {
			double s = m->ink[i], a = s / *solid;
			/* fade out the noise floor smoothly */
			if (s < 2 * NOISE_FLOOR)
				a *= s <= NOISE_FLOOR ? 0 : (s - NOISE_FLOOR) / NOISE_FLOOR;
			if (a > 1)
				a = 1;
			if (ink == ES_INK_RED && yink < 0.9) {
				double al = (1 - lum(px + i * 3, inv)) / (1 - yink), w;
				al = al < 0 ? 0 : al > 1 ? 1 : al;
				w = a <= 0.1 ? 0 : a >= 0.3 ? 1 : (a - 0.1) / 0.2;
				a = w * al + (1 - w) * a;
			}
			m->ink[i] = (float)a;
		}
	}
	if (ndark)
		err = repair_overprint(m, dark, (unsigned)lround(1.5 / ES_MM_PER_INCH * dpi) + 1);
done:
	es_free(dark);
	return err;
}

typedef struct comp {
	size_t area;
	unsigned x0, y0, x1, y1;
} comp;

/* Label 8-connected parts of ink >= 0.5; fills @comps (grown array). */
static int components(imp *m, comp **comps_out)
{
	size_t n = (size_t)m->w * m->h, cap = 64;
	comp *comps = NULL;
	int err = 0;

	*comps_out = NULL;
	m->label = es_calloc(n, sizeof(uint32_t));
	comps = es_malloc(cap * sizeof(comp));
	if (!m->label || !comps) {
		err = es_error_set(ES_ENOMEM, "out of memory");
		goto done;
	}
	m->nlabels = 0;
	for (size_t start = 0; start < n; start++) {
		comp c;
		uint32_t lab;
		if (m->label[start] || m->ink[start] < 0.5f)
			continue;
		if (m->nlabels + 1 >= cap) {
			comp *nc = es_realloc(comps, cap * 2 * sizeof(comp));
			if (!nc) {
				err = es_error_set(ES_ENOMEM, "out of memory");
				goto done;
			}
			comps = nc;
			cap *= 2;
		}
		lab = (uint32_t)++m->nlabels;
		c.area = 0;
		c.x0 = c.x1 = (unsigned)(start % m->w);
		c.y0 = c.y1 = (unsigned)(start / m->w);
		m->stack.len = 0;
		m->label[start] = lab;
		{
			uint32_t s0 = (uint32_t)start;
			if ((err = es_buf_put(&m->stack, &s0, sizeof(s0))) < 0)
				goto done;
		}
		while (m->stack.len) {
			uint32_t p;
			unsigned x, y;
			m->stack.len -= sizeof(uint32_t);
			memcpy(&p, m->stack.ptr + m->stack.len, sizeof(p));
			x = (unsigned)(p % m->w);
			y = (unsigned)(p / m->w);
			c.area++;
			if (x < c.x0) c.x0 = x;
			if (x > c.x1) c.x1 = x;
			if (y < c.y0) c.y0 = y;
			if (y > c.y1) c.y1 = y;
			for (int dy = -1; dy <= 1; dy++) {
				for (int dx = -1; dx <= 1; dx++) {
					long nx = (long)x + dx, ny = (long)y + dy;
					uint32_t q;
					if (nx < 0 || ny < 0 || nx >= (long)m->w || ny >= (long)m->h)
						continue;
					q = (uint32_t)((size_t)ny * m->w + (size_t)nx);
					if (m->label[q] || m->ink[q] < 0.5f)
						continue;
					m->label[q] = lab;
					if ((err = es_buf_put(&m->stack, &q, sizeof(q))) < 0)
						goto done;
				}
			}
		}
		comps[lab] = c;
	}
	*comps_out = comps;
	comps = NULL;
done:
	es_free(comps);
	return err;
}

static bool near_box(const comp *c, long x0, long y0, long x1, long y1)
{
	return (long)c->x1 >= x0 && (long)c->x0 <= x1 && (long)c->y1 >= y0 && (long)c->y0 <= y1;
}

/* ---- shape ------------------------------------------------------------- */

typedef struct shape_fit {
	es_render_shape shape;
	double w_px, h_px, angle_deg;
	double fill, border; /* hull area / rectangle area; share of the outline inked */
} shape_fit;

static double cross(es_pt o, es_pt a, es_pt b)
{
	return (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);
}

static int cmp_pt(const void *a, const void *b)
{
	const es_pt *p = a, *q = b;
	if (p->x != q->x)
		return p->x < q->x ? -1 : 1;
	if (p->y != q->y)
		return p->y < q->y ? -1 : 1;
	return 0;
}

static bool mask_at(const uint8_t *mask, unsigned cw, unsigned ch, double x, double y)
{
	long ix = (long)floor(x), iy = (long)floor(y);
	return ix >= 0 && iy >= 0 && ix < (long)cw && iy < (long)ch && mask[(size_t)iy * cw + (size_t)ix];
}

/* Fit the outline of @mask (cw x ch, 1 = ink): convex hull, its
 * minimum-area bounding rectangle, and how much of the hull's outline is
 * inked (a bordered seal's is, a signature's is not). A filled ellipse
 * covers π/4 of its bounding rectangle, a square all of it. The hull does
 * not care about breaks in the border. */
static int shape_detect(shape_fit *out, const uint8_t *mask, unsigned cw, unsigned ch, double band)
{
	es_pt *pts = NULL, *hull = NULL;
	size_t npts = 0, hn = 0;
	double best = INFINITY, bw = 0, bh = 0, bang = 0, area = 0, perim = 0;
	int err = 0;

	memset(out, 0, sizeof(*out));
	out->shape = ES_SHAPE_OTHER;
	pts = es_malloc((size_t)ch * 4 * sizeof(es_pt));
	hull = es_malloc(((size_t)ch * 8 + 2) * sizeof(es_pt));
	if (!pts || !hull) {
		err = es_error_set(ES_ENOMEM, "out of memory");
		goto done;
	}
	/* only the first and last ink pixel of a row can be on the hull */
	for (unsigned y = 0; y < ch; y++) {
		long x0 = -1, x1 = -1;
		for (unsigned x = 0; x < cw; x++)
			if (mask[(size_t)y * cw + x]) {
				if (x0 < 0)
					x0 = x;
				x1 = x;
			}
		if (x0 < 0)
			continue;
		pts[npts++] = (es_pt){ (double)x0, (double)y };
		pts[npts++] = (es_pt){ (double)x0, y + 1.0 };
		pts[npts++] = (es_pt){ x1 + 1.0, (double)y };
		pts[npts++] = (es_pt){ x1 + 1.0, y + 1.0 };
	}
	if (npts < 8)
		goto done;
	qsort(pts, npts, sizeof(es_pt), cmp_pt);
	for (size_t i = 0; i < npts; i++) {
		while (hn >= 2 && cross(hull[hn - 2], hull[hn - 1], pts[i]) <= 0)
			hn--;
		hull[hn++] = pts[i];
	}
	for (size_t i = npts - 1, lo = hn + 1; i-- > 0;) {
		while (hn >= lo && cross(hull[hn - 2], hull[hn - 1], pts[i]) <= 0)
			hn--;
		hull[hn++] = pts[i];
	}
	hn--; /* the last point repeats the first */
	if (hn < 3)
		goto done;
	for (size_t i = 0; i < hn; i++) {
		es_pt a = hull[i], b = hull[(i + 1) % hn];
		double ang = atan2(b.y - a.y, b.x - a.x), c = cos(ang), s = sin(ang);
		double u0 = INFINITY, u1 = -INFINITY, v0 = INFINITY, v1 = -INFINITY;
		area += a.x * b.y - b.x * a.y;
		perim += hypot(b.x - a.x, b.y - a.y);
		for (size_t k = 0; k < hn; k++) {
			double u = hull[k].x * c + hull[k].y * s, v = -hull[k].x * s + hull[k].y * c;
			u0 = fmin(u0, u);
			u1 = fmax(u1, u);
			v0 = fmin(v0, v);
			v1 = fmax(v1, v);
		}
		if ((u1 - u0) * (v1 - v0) < best) {
			best = (u1 - u0) * (v1 - v0);
			bw = u1 - u0;
			bh = v1 - v0;
			bang = ang;
		}
	}
	area = fabs(area) / 2;
	out->fill = best > 0 ? area / best : 0;
	/* walk the hull (clockwise on screen) and look for ink just inside it */
	{
		size_t hits = 0, total = 0;
		double step = perim / 360;
		for (size_t i = 0; i < hn; i++) {
			es_pt a = hull[i], b = hull[(i + 1) % hn];
			double len = hypot(b.x - a.x, b.y - a.y), nx, ny;
			if (len <= 0)
				continue;
			/* the hull only turns one way (positive cross products), so
			 * this normal points inside */
			nx = -(b.y - a.y) / len;
			ny = (b.x - a.x) / len;
			for (double d = 0; d < len; d += step) {
				double px = a.x + (b.x - a.x) * d / len, py = a.y + (b.y - a.y) * d / len;
				bool hit = false;
				for (double k = 0.5; k <= band && !hit; k += 0.5)
					hit = mask_at(mask, cw, ch, px + nx * k, py + ny * k);
				hits += hit;
				total++;
			}
		}
		out->border = total ? (double)hits / total : 0;
	}
	if (out->border >= 0.75) {
		double lw = fmax(bw, bh), lh = fmin(bw, bh), a = ES_DEG(bang);
		if (out->fill < 0.86)
			out->shape = lw / lh < 1.06 ? ES_SHAPE_ROUND : ES_SHAPE_OVAL;
		else if (out->fill > 0.92)
			out->shape = lw / lh < 1.06 ? ES_SHAPE_SQUARE : ES_SHAPE_RECT;
		if (out->shape != ES_SHAPE_OTHER) {
			/* width is the side closer to horizontal; angle in [-45, 45] */
			out->w_px = bw;
			out->h_px = bh;
			while (a > 90)
				a -= 180;
			while (a <= -90)
				a += 180;
			if (fabs(a) > 45) {
				out->w_px = bh;
				out->h_px = bw;
				a += a > 0 ? -90 : 90;
			}
			out->angle_deg = out->shape == ES_SHAPE_ROUND ? 0 : a;
		}
	}
done:
	es_free(pts);
	es_free(hull);
	return err;
}

/* ---- the import -------------------------------------------------------- */

int es_image_import(es_buf *out, es_image_import_result *info, const uint8_t *data, size_t len,
		    const es_image_import_options *opts)
{
	static const es_image_import_options defaults = ES_IMAGE_IMPORT_OPTIONS_INIT;
	es_image_import_result res;
	imp m;
	comp *comps = NULL;
	double paper[3], solid = 0, ink_rgb[3] = { 0, 0, 0 }, ink_w = 0, inked = 0;
	size_t biggest = 0;
	long bx0, by0, bx1, by1, reach;
	unsigned dpi, cw, ch, cx0, cy0;
	uint32_t color;
	uint8_t *mask = NULL;
	shape_fit fit;
	int err;

	memset(&m, 0, sizeof(m));
	memset(&res, 0, sizeof(res));
	es_buf_init(&m.stack, (size_t)ES_IMAGE_MAX_PIXELS * sizeof(uint32_t));
	if (!out)
		return es_error_set(ES_EINVAL, "invalid argument: 'out'");
	if (!opts)
		opts = &defaults;
	if (opts->version != ES_IMAGE_IMPORT_OPTIONS_VERSION)
		return es_error_set(ES_EINVAL, "unsupported import options version %u", opts->version);
	if (opts->ink != ES_INK_RED && opts->ink != ES_INK_ANY)
		return es_error_set(ES_EINVAL, "unknown ink %d", (int)opts->ink);
	if (opts->dpi != 0 && (opts->dpi < 50 || opts->dpi > 4800))
		return es_error_set(ES_EINVAL, "scan dpi must be 50 to 4800");

	if ((err = es_img__decode(&m.img, data, len)) < 0)
		goto done;
	m.w = m.img.w;
	m.h = m.img.h;
	if (opts->dpi) {
		dpi = opts->dpi;
		res.dpi_source = ES_DPI_OPTION;
	} else if (m.img.dpi >= 50 && m.img.dpi <= 4800) {
		dpi = m.img.dpi;
		res.dpi_source = ES_DPI_METADATA;
	} else {
		dpi = ASSUMED_DPI;
		res.dpi_source = ES_DPI_ASSUMED;
	}
	res.dpi = dpi;

	if ((err = ink_map(&m, opts->ink, dpi, paper, &solid)) < 0)
		goto done;
	if (solid == 0) {
		err = es_error_set(ES_ENOTFOUND, "no %s ink impression found in the image",
				   opts->ink == ES_INK_RED ? "red" : "dark");
		goto done;
	}
	if ((err = components(&m, &comps)) < 0)
		goto done;
	for (size_t l = 1; l <= m.nlabels; l++)
		if (biggest == 0 || comps[l].area > comps[biggest].area)
			biggest = l;
	/* an impression is at least 3 mm across and has some body */
	if (biggest == 0 || comps[biggest].area < 50 ||
	    (double)fmax(comps[biggest].x1 - comps[biggest].x0, comps[biggest].y1 - comps[biggest].y0) <
		    3.0 / ES_MM_PER_INCH * dpi) {
		err = es_error_set(ES_ENOTFOUND, "no %s ink impression found in the image",
				   opts->ink == ES_INK_RED ? "red" : "dark");
		goto done;
	}
	/* grow the impression from the largest part: parts within reach join */
	m.keep = es_calloc(m.nlabels + 1, 1);
	if (!m.keep) {
		err = es_error_set(ES_ENOMEM, "out of memory");
		goto done;
	}
	m.keep[biggest] = 1;
	bx0 = comps[biggest].x0;
	by0 = comps[biggest].y0;
	bx1 = comps[biggest].x1;
	by1 = comps[biggest].y1;
	reach = (long)(2.0 / ES_MM_PER_INCH * dpi); /* 2 mm */
	for (bool grew = true; grew;) {
		grew = false;
		for (size_t l = 1; l <= m.nlabels; l++) {
			const comp *c = &comps[l];
			if (m.keep[l] || c->area < 3)
				continue;
			if (near_box(c, bx0 - reach, by0 - reach, bx1 + reach, by1 + reach)) {
				m.keep[l] = 1;
				bx0 = bx0 < (long)c->x0 ? bx0 : (long)c->x0;
				by0 = by0 < (long)c->y0 ? by0 : (long)c->y0;
				bx1 = bx1 > (long)c->x1 ? bx1 : (long)c->x1;
				by1 = by1 > (long)c->y1 ? by1 : (long)c->y1;
				grew = true;
			}
		}
	}
	/* crop with a 2-pixel margin for the soft edge */
	cx0 = (unsigned)(bx0 > 2 ? bx0 - 2 : 0);
	cy0 = (unsigned)(by0 > 2 ? by0 - 2 : 0);
	cw = (unsigned)((bx1 + 3 < (long)m.w ? bx1 + 3 : (long)m.w) - (long)cx0);
	ch = (unsigned)((by1 + 3 < (long)m.h ? by1 + 3 : (long)m.h) - (long)cy0);

	/* ink colour: mean of the solid pixels, in the paper-balanced space */
	for (unsigned y = 0; y < ch; y++) {
		for (unsigned x = 0; x < cw; x++) {
			size_t p = (size_t)(cy0 + y) * m.w + cx0 + x;
			if (m.ink[p] >= 0.9f && m.keep[m.label[p]]) {
				for (int k = 0; k < 3; k++)
					ink_rgb[k] += fmin(255.0, m.img.px[p * 3 + k] * 255.0 / paper[k]);
				ink_w += 1;
			}
		}
	}
	if (ink_w > 0) {
		for (int k = 0; k < 3; k++)
			ink_rgb[k] = ink_rgb[k] / ink_w;
	} else {
		ink_rgb[0] = 255;
	}
	color = (uint32_t)lround(ink_rgb[0]) << 16 | (uint32_t)lround(ink_rgb[1]) << 8 |
		(uint32_t)lround(ink_rgb[2]);

	m.out = es_malloc((size_t)cw * ch);
	mask = es_malloc((size_t)cw * ch);
	if (!m.out || !mask) {
		err = es_error_set(ES_ENOMEM, "out of memory");
		goto done;
	}
	for (unsigned y = 0; y < ch; y++) {
		for (unsigned x = 0; x < cw; x++) {
			size_t p = (size_t)(cy0 + y) * m.w + cx0 + x, q = (size_t)y * cw + x;
			uint32_t lab = m.label[p];
			float a = m.ink[p];
			/* pixels of dropped parts go; faint edge pixels stay */
			if (lab && !m.keep[lab])
				a = 0;
			if (!lab) {
				/* a faint pixel belongs to the impression only next to it */
				bool near = false;
				for (int dy = -2; dy <= 2 && !near && a > 0; dy++)
					for (int dx = -2; dx <= 2 && !near; dx++) {
						long nx = (long)(cx0 + x) + dx, ny = (long)(cy0 + y) + dy;
						if (nx >= 0 && ny >= 0 && nx < (long)m.w && ny < (long)m.h) {
							uint32_t l2 = m.label[(size_t)ny * m.w + (size_t)nx];
							near = l2 && m.keep[l2];
						}
					}
				if (!near)
					a = 0;
			}
			m.out[q] = (uint8_t)lroundf(a * 255);
			mask[q] = a >= 0.5f ? 1 : 0;
			inked += a >= 0.5f;
		}
	}
	if ((err = shape_detect(&fit, mask, cw, ch, 1.0 / ES_MM_PER_INCH * dpi + 1)) < 0)
		goto done;
	if (fit.shape == ES_SHAPE_OTHER) {
		/* no regular outline: the crop is the size */
		fit.w_px = (double)(bx1 - bx0 + 1);
		fit.h_px = (double)(by1 - by0 + 1);
	}
	if ((err = es_img__png_encode_mask(out, m.out, cw, ch, color, dpi)) < 0)
		goto done;
	res.shape = fit.shape;
	res.width_mm = fit.w_px * ES_MM_PER_INCH / dpi;
	res.height_mm = fit.h_px * ES_MM_PER_INCH / dpi;
	res.angle_deg = fit.angle_deg;
	res.crop_x = cx0;
	res.crop_y = cy0;
	res.width_px = cw;
	res.height_px = ch;
	res.ink_color = color;
	res.ink_fraction = inked / ((double)cw * ch);
	if (info)
		*info = res;
done:
	es_free(comps);
	es_free(mask);
	imp_release(&m);
	return err;
}

int es_image_info_get(es_image_info *out, const uint8_t *data, size_t len)
{
	if (!out)
		return es_error_set(ES_EINVAL, "invalid argument: 'out'");
	return es_img__probe(out, data, len);
}
