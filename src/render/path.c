/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Vector paths in millimetres, affine maps, and small UTF-8 helpers. */
#include "es_int.h"
#include "render/render_int.h"
#include <math.h>

void es_path__release(es_path *p)
{
	if (!p)
		return;
	es_free(p->ops);
	es_free(p->pts);
	memset(p, 0, sizeof(*p));
}

static int path_reserve(es_path *p, size_t nops, size_t npts)
{
	if (p->nops + nops > p->capops) {
		size_t cap = p->capops ? p->capops * 2 : 64;
		uint8_t *n;
		while (cap < p->nops + nops)
			cap *= 2;
		n = es_realloc(p->ops, cap);
		if (!n)
			return es_error_set(ES_ENOMEM, "out of memory");
		p->ops = n;
		p->capops = cap;
	}
	if (p->npts + npts > p->cappts) {
		size_t cap = p->cappts ? p->cappts * 2 : 128, bytes;
		es_pt *n;
		while (cap < p->npts + npts)
			cap *= 2;
		if (ES_MUL_OVERFLOW(cap, sizeof(es_pt), &bytes))
			return es_error_set(ES_ENOMEM, "out of memory");
		n = es_realloc(p->pts, bytes);
		if (!n)
			return es_error_set(ES_ENOMEM, "out of memory");
		p->pts = n;
		p->cappts = cap;
	}
	return 0;
}

static int path_op(es_path *p, uint8_t op, const es_pt *pts, size_t n)
{
	int err = path_reserve(p, 1, n);
	if (err < 0)
		return err;
	p->ops[p->nops++] = op;
	for (size_t i = 0; i < n; i++)
		p->pts[p->npts++] = pts[i];
	return 0;
}

int es_path__move(es_path *p, double x, double y)
{
	es_pt pt = { x, y };
	return path_op(p, ES_OP_MOVE, &pt, 1);
}

int es_path__line(es_path *p, double x, double y)
{
	es_pt pt = { x, y };
	return path_op(p, ES_OP_LINE, &pt, 1);
}

int es_path__curve(es_path *p, double x1, double y1, double x2, double y2, double x3, double y3)
{
	es_pt pts[3] = { { x1, y1 }, { x2, y2 }, { x3, y3 } };
	return path_op(p, ES_OP_CURVE, pts, 3);
}

int es_path__close(es_path *p)
{
	return path_op(p, ES_OP_CLOSE, NULL, 0);
}

int es_path__append(es_path *dst, const es_path *src, const es_affine *m)
{
	int err;
	if (src->nops == 0)
		return 0;
	if ((err = path_reserve(dst, src->nops, src->npts)) < 0)
		return err;
	memcpy(dst->ops + dst->nops, src->ops, src->nops);
	for (size_t i = 0; i < src->npts; i++)
		dst->pts[dst->npts + i] = es_affine__apply(m, src->pts[i]);
	dst->nops += src->nops;
	dst->npts += src->npts;
	return 0;
}

/* Point of the ellipse at parameter t: t = 0 at the top, clockwise. */
static es_pt ell(double rx, double ry, double t)
{
	es_pt p = { rx * sin(t), -ry * cos(t) };
	return p;
}

int es_path__arc(es_path *p, double rx, double ry, double t0, double t1, bool move)
{
	/* Cubic Bézier per piece of at most 90 degrees on the unit circle,
	 * scaled to the ellipse (exact under the affine map). */
	double span = t1 - t0;
	int n = (int)ceil(fabs(span) / (M_PI / 2) - 1e-9);
	int err;
	es_pt a;

	if (n < 1)
		n = 1;
	a = ell(rx, ry, t0);
	if (move && (err = es_path__move(p, a.x, a.y)) < 0)
		return err;
	if (!move && (err = es_path__line(p, a.x, a.y)) < 0)
		return err;
	for (int i = 0; i < n; i++) {
		double s = t0 + span * i / n, e = t0 + span * (i + 1) / n;
		double k = 4.0 / 3.0 * tan((e - s) / 4);
		/* derivative of (sin t, -cos t) is (cos t, sin t) */
		double c1x = sin(s) + k * cos(s), c1y = -cos(s) + k * sin(s);
		double c2x = sin(e) - k * cos(e), c2y = -cos(e) - k * sin(e);
		if ((err = es_path__curve(p, rx * c1x, ry * c1y, rx * c2x, ry * c2y, rx * sin(e),
					  -ry * cos(e))) < 0)
			return err;
	}
	return 0;
}

es_affine es_affine__identity(void)
{
	es_affine m = { 1, 0, 0, 1, 0, 0 };
	return m;
}

es_affine es_affine__mul(const es_affine *a, const es_affine *b)
{
	es_affine r;
	r.xx = a->xx * b->xx + a->xy * b->yx;
	r.yx = a->yx * b->xx + a->yy * b->yx;
	r.xy = a->xx * b->xy + a->xy * b->yy;
	r.yy = a->yx * b->xy + a->yy * b->yy;
	r.x0 = a->xx * b->x0 + a->xy * b->y0 + a->x0;
	r.y0 = a->yx * b->x0 + a->yy * b->y0 + a->y0;
	return r;
}

es_affine es_affine__translate(double x, double y)
{
	es_affine m = { 1, 0, 0, 1, x, y };
	return m;
}

es_affine es_affine__scale(double sx, double sy)
{
	es_affine m = { sx, 0, 0, sy, 0, 0 };
	return m;
}

es_affine es_affine__rotate(double rad)
{
	double c = cos(rad), s = sin(rad);
	/* y points down, so a positive angle turns clockwise on screen */
	es_affine m = { c, s, -s, c, 0, 0 };
	return m;
}

es_pt es_affine__apply(const es_affine *m, es_pt p)
{
	es_pt r = { m->xx * p.x + m->xy * p.y + m->x0, m->yx * p.x + m->yy * p.y + m->y0 };
	return r;
}

/* ---- UTF-8 ------------------------------------------------------------- */

size_t es_utf8__decode(uint32_t *cp, const char *s, size_t len)
{
	const uint8_t *u = (const uint8_t *)s;
	uint32_t c;
	size_t n;

	if (len == 0)
		return 0;
	if (u[0] < 0x80) {
		*cp = u[0];
		return 1;
	}
	if (u[0] >= 0xC2 && u[0] <= 0xDF) {
		n = 2;
		c = u[0] & 0x1F;
	} else if (u[0] >= 0xE0 && u[0] <= 0xEF) {
		n = 3;
		c = u[0] & 0x0F;
	} else if (u[0] >= 0xF0 && u[0] <= 0xF4) {
		n = 4;
		c = u[0] & 0x07;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((u[i] & 0xC0) != 0x80)
			return 0;
		c = c << 6 | (u[i] & 0x3F);
	}
	/* overlong forms, surrogates and values past U+10FFFF */
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10FFFF)) ||
	    (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return n;
}

int es_utf8__to_cps(uint32_t *cps, size_t max, size_t *n, const char *s, const char *what)
{
	size_t len = s ? strlen(s) : 0, off = 0;

	*n = 0;
	while (off < len) {
		uint32_t cp;
		size_t k = es_utf8__decode(&cp, s + off, len - off);
		if (k == 0)
			return es_error_set(ES_EINVAL, "malformed utf-8 in the %s at byte %zu", what, off);
		if (cp < 0x20 || cp == 0x7F)
			return es_error_set(ES_EINVAL, "control character in the %s at byte %zu", what,
					    off);
		if (*n >= max)
			return es_error_set(ES_ELIMIT, "%s is longer than %zu characters", what, max);
		cps[(*n)++] = cp;
		off += k;
	}
	return 0;
}

const char *es_utf8__encode(char buf[5], uint32_t cp)
{
	if (cp < 0x80) {
		buf[0] = (char)cp;
		buf[1] = 0;
	} else if (cp < 0x800) {
		buf[0] = (char)(0xC0 | cp >> 6);
		buf[1] = (char)(0x80 | (cp & 0x3F));
		buf[2] = 0;
	} else if (cp < 0x10000) {
		buf[0] = (char)(0xE0 | cp >> 12);
		buf[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		buf[2] = (char)(0x80 | (cp & 0x3F));
		buf[3] = 0;
	} else {
		buf[0] = (char)(0xF0 | cp >> 18);
		buf[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		buf[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		buf[3] = (char)(0x80 | (cp & 0x3F));
		buf[4] = 0;
	}
	return buf;
}
