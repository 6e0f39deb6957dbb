/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Image decoding through MuPDF for the OFD renderer (src/doc/ofd/ofd_render.c):
 * every raster format MuPDF reads (PNG, JPEG, GIF, BMP, TIFF, JBIG2 files,
 * JPEG 2000, PNM) to 8-bit RGBA, and SVG pictures rasterised at a given
 * scale. The pixel limit is applied to the header before decoding.
 */
#include "pdf_mu.h"
#include "render/render_int.h"
#include <math.h>

#define ES_MIN(a, b) ((a) < (b) ? (a) : (b))

int es_mu__decode_image(es_img *out, const uint8_t *data, size_t len, size_t max_pixels);
int es_mu__svg_raster(es_img *out, const uint8_t *data, size_t len, double px_per_mm, size_t max_pixels,
		      double *w_mm, double *h_mm);

/* Copy a pixmap into @out as straight (non-premultiplied) RGBA. */
static int to_rgba(fz_context *ctx, fz_pixmap *pix, es_img *out)
{
	fz_pixmap *rgb = NULL;
	int err = 0;
	fz_var(rgb);
	fz_var(err);
	fz_try(ctx)
	{
		if (fz_pixmap_colorspace(ctx, pix) != fz_device_rgb(ctx) || fz_pixmap_components(ctx, pix) != 3 + pix->alpha)
			rgb = fz_convert_pixmap(ctx, pix, fz_device_rgb(ctx), NULL, NULL, fz_default_color_params, 1);
		else
			rgb = fz_keep_pixmap(ctx, pix);
	}
	fz_catch(ctx)
		return es_pdf__caught(ctx, 0, "image");
	{
		unsigned w = (unsigned)rgb->w, h = (unsigned)rgb->h, n = (unsigned)rgb->n;
		bool alpha = rgb->alpha != 0;
		out->px = es_malloc((size_t)w * h * 4);
		if (!out->px) {
			err = es_error_set(ES_ENOMEM, "out of memory");
			goto done;
		}
		out->w = w;
		out->h = h;
		out->ch = 4;
		for (unsigned y = 0; y < h; y++) {
			const uint8_t *s = rgb->samples + (size_t)y * (size_t)rgb->stride;
			uint8_t *d = out->px + (size_t)y * w * 4;
			for (unsigned x = 0; x < w; x++, s += n, d += 4) {
				unsigned a = alpha ? s[3] : 255;
				for (int k = 0; k < 3; k++)
					d[k] = (uint8_t)(a == 0 ? 0 : a == 255 ? s[k] : ES_MIN(255u, (s[k] * 255u + a / 2) / a));
				d[3] = (uint8_t)a;
			}
		}
	}
done:
	fz_drop_pixmap(ctx, rgb);
	return err;
}

int es_mu__decode_image(es_img *out, const uint8_t *data, size_t len, size_t max_pixels)
{
	fz_context *ctx;
	fz_buffer *buf = NULL;
	fz_image *img = NULL;
	fz_pixmap *pix = NULL;
	int err = 0;

	memset(out, 0, sizeof(*out));
	if (!data || len == 0)
		return es_error_set(ES_EMALFORMED, "empty image");
	if (!(ctx = es_pdf__ctx_new()))
		return es_error_set(ES_ENOMEM, "out of memory");
	fz_var(err);
	fz_var(buf);
	fz_var(img);
	fz_var(pix);
	fz_try(ctx)
	{
		buf = fz_new_buffer_from_shared_data(ctx, data, len);
		img = fz_new_image_from_buffer(ctx, buf);
		if (img->w <= 0 || img->h <= 0 || (size_t)img->w > ES_IMAGE_MAX_SIDE ||
		    (size_t)img->h > ES_IMAGE_MAX_SIDE || (size_t)img->w * (size_t)img->h > max_pixels)
			err = es_error_set(ES_ELIMIT, "image of %d x %d pixels exceeds the limit of %zu pixels", img->w,
					   img->h, max_pixels);
		else
			pix = fz_get_pixmap_from_image(ctx, img, NULL, NULL, NULL, NULL);
	}
	fz_catch(ctx)
		err = es_pdf__caught(ctx, err, "image");
	if (err == 0 && pix)
		err = to_rgba(ctx, pix, out);
	fz_drop_pixmap(ctx, pix);
	fz_drop_image(ctx, img);
	fz_drop_buffer(ctx, buf);
	fz_drop_context(ctx);
	if (err < 0)
		es_img__release(out);
	return err;
}

int es_mu__svg_raster(es_img *out, const uint8_t *data, size_t len, double px_per_mm, size_t max_pixels,
		      double *w_mm, double *h_mm)
{
	fz_context *ctx;
	fz_buffer *buf = NULL;
	fz_display_list *dl = NULL;
	fz_pixmap *pix = NULL;
	fz_device *dev = NULL;
	uint8_t *copy = NULL;
	float w = 0, h = 0;
	int err = 0;

	memset(out, 0, sizeof(*out));
	if (!data || len == 0)
		return es_error_set(ES_EMALFORMED, "empty SVG");
	/* MuPDF 1.21's path lexer loops on '+' signs (see pdf_sign.c): a copy without them */
	if (!(copy = es_malloc(len)))
		return es_error_set(ES_ENOMEM, "out of memory");
	for (size_t i = 0; i < len; i++)
		copy[i] = data[i] == '+' ? ' ' : data[i];
	if (!(ctx = es_pdf__ctx_new())) {
		es_free(copy);
		return es_error_set(ES_ENOMEM, "out of memory");
	}
	fz_var(err);
	fz_var(w);
	fz_var(h);
	fz_var(buf);
	fz_var(dl);
	fz_var(pix);
	fz_var(dev);
	fz_try(ctx)
	{
		buf = fz_new_buffer_from_copied_data(ctx, copy, len); /* the SVG parser resizes it */
		dl = fz_new_display_list_from_svg(ctx, buf, NULL, NULL, &w, &h);
		if (!(w > 0.01f && h > 0.01f && w < 14400 && h < 14400)) {
			err = es_error_set(ES_EMALFORMED, "the SVG has no usable size");
		} else {
			/* SVG user units are CSS pixels at 96 per inch (points in MuPDF: 72) */
			double s = px_per_mm * 25.4 / 72.0;
			double pw = ceil(w * s), ph = ceil(h * s);
			if (pw < 1)
				pw = 1;
			if (ph < 1)
				ph = 1;
			if (pw * ph > (double)max_pixels) {
				err = es_error_set(ES_ELIMIT, "SVG raster of %.0f x %.0f pixels exceeds the limit", pw, ph);
			} else {
				pix = fz_new_pixmap(ctx, fz_device_rgb(ctx), (int)pw, (int)ph, NULL, 1);
				fz_clear_pixmap(ctx, pix);
				dev = fz_new_draw_device(ctx, fz_scale((float)s, (float)s), pix);
				fz_run_display_list(ctx, dl, dev, fz_identity, fz_infinite_rect, NULL);
				fz_close_device(ctx, dev);
			}
		}
	}
	fz_catch(ctx)
		err = es_pdf__caught(ctx, err, "SVG");
	if (err == 0 && pix) {
		err = to_rgba(ctx, pix, out);
		if (w_mm)
			*w_mm = w * 25.4 / 72.0;
		if (h_mm)
			*h_mm = h * 25.4 / 72.0;
	}
	fz_drop_device(ctx, dev);
	fz_drop_pixmap(ctx, pix);
	fz_drop_display_list(ctx, dl);
	fz_drop_buffer(ctx, buf);
	fz_drop_context(ctx);
	es_free(copy);
	if (err < 0)
		es_img__release(out);
	return err;
}
