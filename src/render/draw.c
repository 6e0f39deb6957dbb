/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Scene output: SVG text (paths, numbers in micrometres, locale-free) and
 * rasterisation with cairo into an 8-bit coverage mask. The seal is one
 * colour, so a mask plus the colour is the whole picture.
 */
#include "es_int.h"
#include "render/render_int.h"
#include <math.h>
#include <cairo.h>

/* ---- SVG --------------------------------------------------------------- */

/* Fixed-point number with up to 3 decimals, independent of the locale. */
static int put_num(es_buf *b, double v)
{
	long long u = llround(v * 1000);
	char tmp[40];
	int n;
	bool neg = u < 0;
	unsigned long long a = neg ? (unsigned long long)(-u) : (unsigned long long)u;
	unsigned frac = (unsigned)(a % 1000);

	if (frac == 0) {
		n = snprintf(tmp, sizeof(tmp), "%s%llu", neg ? "-" : "", a / 1000);
	} else {
		char f[4];
		int k = 3;
		f[0] = (char)('0' + frac / 100);
		f[1] = (char)('0' + frac / 10 % 10);
		f[2] = (char)('0' + frac % 10);
		while (k > 0 && f[k - 1] == '0')
			k--;
		f[k] = 0;
		n = snprintf(tmp, sizeof(tmp), "%s%llu.%s", neg ? "-" : "", a / 1000, f);
	}
	return es_buf_put(b, tmp, (size_t)n);
}

static int put_pt(es_buf *b, char op, es_pt p)
{
	int err;
	if (op && (err = es_buf_put(b, &op, 1)) < 0)
		return err;
	if ((err = put_num(b, p.x)) < 0 || (err = es_buf_put(b, " ", 1)) < 0 ||
	    (err = put_num(b, p.y)) < 0)
		return err;
	return 0;
}

static int svg_path(es_buf *b, const es_path *p)
{
	size_t k = 0;
	int err = 0;
	for (size_t i = 0; i < p->nops && err == 0; i++) {
		switch (p->ops[i]) {
		case ES_OP_MOVE:
			err = put_pt(b, 'M', p->pts[k++]);
			break;
		case ES_OP_LINE:
			err = put_pt(b, 'L', p->pts[k++]);
			break;
		case ES_OP_CURVE:
			if ((err = put_pt(b, 'C', p->pts[k])) < 0 || (err = es_buf_put(b, " ", 1)) < 0 ||
			    (err = put_pt(b, 0, p->pts[k + 1])) < 0 ||
			    (err = es_buf_put(b, " ", 1)) < 0)
				break;
			err = put_pt(b, 0, p->pts[k + 2]);
			k += 3;
			break;
		default:
			err = es_buf_put(b, "Z", 1);
			break;
		}
	}
	return err;
}

int es_scene__svg(es_buf *out, const es_scene *s, uint32_t color)
{
	char col[8];
	int err;

	snprintf(col, sizeof(col), "#%06X", (unsigned)color);
	if ((err = es_buf_puts(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
				    "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"")) < 0 ||
	    (err = put_num(out, s->w)) < 0 || (err = es_buf_puts(out, "mm\" height=\"")) < 0 ||
	    (err = put_num(out, s->h)) < 0 || (err = es_buf_puts(out, "mm\" viewBox=\"")) < 0 ||
	    (err = put_num(out, -s->w / 2)) < 0 || (err = es_buf_puts(out, " ")) < 0 ||
	    (err = put_num(out, -s->h / 2)) < 0 || (err = es_buf_puts(out, " ")) < 0 ||
	    (err = put_num(out, s->w)) < 0 || (err = es_buf_puts(out, " ")) < 0 ||
	    (err = put_num(out, s->h)) < 0 ||
	    (err = es_buf_printf(out, "\">\n<g fill=\"%s\" stroke=\"none\">\n", col)) < 0)
		return err;
	for (size_t i = 0; i < s->nitems; i++) {
		const es_item *it = &s->items[i];
		if (it->stroke > 0) {
			if ((err = es_buf_printf(out, "<path fill=\"none\" stroke=\"%s\" stroke-linejoin=\"%s\" "
						      "stroke-width=\"",
						 col, it->miter ? "miter" : "round")) < 0 ||
			    (err = put_num(out, it->stroke)) < 0 || (err = es_buf_puts(out, "\" d=\"")) < 0)
				return err;
		} else if (it->bold > 0) {
			if ((err = es_buf_printf(out, "<path stroke=\"%s\" stroke-linejoin=\"round\" "
						      "stroke-width=\"",
						 col)) < 0 ||
			    (err = put_num(out, it->bold)) < 0 || (err = es_buf_puts(out, "\" d=\"")) < 0)
				return err;
		} else if ((err = es_buf_puts(out, "<path d=\"")) < 0) {
			return err;
		}
		if ((err = svg_path(out, &it->path)) < 0 || (err = es_buf_puts(out, "\"/>\n")) < 0)
			return err;
	}
	return es_buf_puts(out, "</g>\n</svg>\n");
}

/* ---- raster ------------------------------------------------------------ */

static void cairo_path_from(cairo_t *cr, const es_path *p)
{
	size_t k = 0;
	cairo_new_path(cr);
	for (size_t i = 0; i < p->nops; i++) {
		switch (p->ops[i]) {
		case ES_OP_MOVE:
			cairo_move_to(cr, p->pts[k].x, p->pts[k].y);
			k++;
			break;
		case ES_OP_LINE:
			cairo_line_to(cr, p->pts[k].x, p->pts[k].y);
			k++;
			break;
		case ES_OP_CURVE:
			cairo_curve_to(cr, p->pts[k].x, p->pts[k].y, p->pts[k + 1].x, p->pts[k + 1].y,
				       p->pts[k + 2].x, p->pts[k + 2].y);
			k += 3;
			break;
		default:
			cairo_close_path(cr);
			break;
		}
	}
}

int es_scene__mask(uint8_t **out, const es_scene *s)
{
	unsigned w = s->geo.width_px, h = s->geo.height_px;
	cairo_surface_t *surf = NULL;
	cairo_t *cr = NULL;
	uint8_t *mask = NULL, *data;
	size_t total;
	int stride, err = 0;

	*out = NULL;
	if (ES_MUL_OVERFLOW((size_t)w, (size_t)h, &total) || total == 0)
		return es_error_set(ES_ELIMIT, "image of %ux%u pixels is too large", w, h);
	surf = cairo_image_surface_create(CAIRO_FORMAT_A8, (int)w, (int)h);
	if (cairo_surface_status(surf) != CAIRO_STATUS_SUCCESS) {
		err = es_error_set(ES_ENOMEM, "cannot create a %ux%u image", w, h);
		goto done;
	}
	cr = cairo_create(surf);
	if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
		err = es_error_set(ES_ENOMEM, "cannot create a drawing context");
		goto done;
	}
	/* millimetres, centred; the image spans the seal's outer size exactly */
	cairo_scale(cr, w / s->w, h / s->h);
	cairo_translate(cr, s->w / 2, s->h / 2);
	cairo_set_source_rgba(cr, 0, 0, 0, 1);
	cairo_set_fill_rule(cr, CAIRO_FILL_RULE_WINDING);
	cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
	for (size_t i = 0; i < s->nitems; i++) {
		const es_item *it = &s->items[i];
		cairo_path_from(cr, &it->path);
		if (it->stroke > 0) {
			cairo_set_line_width(cr, it->stroke);
			cairo_set_line_join(cr, it->miter ? CAIRO_LINE_JOIN_MITER : CAIRO_LINE_JOIN_ROUND);
			cairo_stroke(cr);
		} else if (it->bold > 0) {
			cairo_fill_preserve(cr);
			cairo_set_line_width(cr, it->bold);
			cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
			cairo_stroke(cr);
		} else {
			cairo_fill(cr);
		}
	}
	cairo_surface_flush(surf);
	if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
		err = es_error_set(ES_EINTERNAL, "cairo: %s", cairo_status_to_string(cairo_status(cr)));
		goto done;
	}
	mask = es_malloc(total);
	if (!mask) {
		err = es_error_set(ES_ENOMEM, "out of memory");
		goto done;
	}
	data = cairo_image_surface_get_data(surf);
	stride = cairo_image_surface_get_stride(surf);
	for (unsigned y = 0; y < h; y++)
		memcpy(mask + (size_t)y * w, data + (size_t)y * (size_t)stride, w);
	*out = mask;
done:
	if (cr)
		cairo_destroy(cr);
	if (surf)
		cairo_surface_destroy(surf);
	return err;
}
