/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * PNG (libpng) and JPEG (libjpeg) in memory. Decoders check the declared
 * size against ES_IMAGE_MAX_SIDE / ES_IMAGE_MAX_PIXELS on the header,
 * before any pixel buffer is allocated, and turn every library error or
 * warning into ES_EMALFORMED with the library's reason.
 *
 * Both libraries report errors by longjmp. Each setjmp sits in a small
 * function whose state lives in a context struct reached through a
 * pointer, so no local is clobbered; cleanup happens in the caller.
 */
#include "es_int.h"
#include "render/render_int.h"
#include <math.h>
#include <setjmp.h>
#include <png.h>
#include <zlib.h>
#include <jpeglib.h>

void es_img__release(es_img *img)
{
	if (!img)
		return;
	es_free(img->px);
	memset(img, 0, sizeof(*img));
}

static int check_dims(unsigned w, unsigned h, const char *fmt)
{
	if (w == 0 || h == 0)
		return es_error_set(ES_EMALFORMED, "malformed %s: image is %ux%u pixels", fmt, w, h);
	if (w > ES_IMAGE_MAX_SIDE || h > ES_IMAGE_MAX_SIDE ||
	    (uint64_t)w * h > ES_IMAGE_MAX_PIXELS)
		return es_error_set(ES_ELIMIT,
				    "%s of %ux%u pixels is larger than the limit of %u pixels (%u a side)",
				    fmt, w, h, ES_IMAGE_MAX_PIXELS, ES_IMAGE_MAX_SIDE);
	return 0;
}

/* ---- PNG --------------------------------------------------------------- */

typedef struct pngctx {
	jmp_buf jb;
	const uint8_t *p;
	size_t left;
	png_structp png;
	png_infop info;
	png_bytep *rows;
	uint8_t *px;
	es_buf *out;
	int code;
	char msg[160];
} pngctx;

static void png_on_error(png_structp png, png_const_charp msg)
{
	pngctx *c = png_get_error_ptr(png);
	snprintf(c->msg, sizeof(c->msg), "%s", msg);
	longjmp(c->jb, 1);
}

static void png_on_warning(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

static png_voidp png_on_malloc(png_structp png, png_alloc_size_t n)
{
	void *p = es_malloc(n);
	pngctx *c = png_get_mem_ptr(png);
	/* libpng turns this into "Out of memory": remember the real cause */
	if (!p && c)
		c->code = es_error_set(ES_ENOMEM, "out of memory");
	return p;
}

static void png_on_free(png_structp png, png_voidp p)
{
	(void)png;
	es_free(p);
}

static void png_on_read(png_structp png, png_bytep data, png_size_t n)
{
	pngctx *c = png_get_io_ptr(png);
	if (n > c->left)
		png_error(png, "file is truncated");
	memcpy(data, c->p, n);
	c->p += n;
	c->left -= n;
}

static unsigned png_dpi(pngctx *c)
{
	png_uint_32 xr, yr;
	int unit;
	if (png_get_pHYs(c->png, c->info, &xr, &yr, &unit) && unit == PNG_RESOLUTION_METER && xr > 0 &&
	    xr < 1000000)
		return (unsigned)lround(xr * 0.0254);
	return 0;
}

static int png_decode_inner(pngctx *c, es_img *out, bool header_only)
{
	png_uint_32 w, h;
	int depth, ctype, err;

	if (setjmp(c->jb))
		return ES_EMALFORMED;
	png_set_read_fn(c->png, c, png_on_read);
	png_set_chunk_malloc_max(c->png, (png_alloc_size_t)8 << 20);
	png_set_chunk_cache_max(c->png, 256);
	png_read_info(c->png, c->info);
	png_get_IHDR(c->png, c->info, &w, &h, &depth, &ctype, NULL, NULL, NULL);
	out->w = (unsigned)w;
	out->h = (unsigned)h;
	out->dpi = png_dpi(c);
	if ((err = check_dims(out->w, out->h, "png")) < 0) {
		c->code = err;
		return err;
	}
	if (header_only)
		return 0;
	png_set_strip_16(c->png);
	png_set_packing(c->png);
	if (ctype == PNG_COLOR_TYPE_PALETTE)
		png_set_palette_to_rgb(c->png);
	if (ctype == PNG_COLOR_TYPE_GRAY && depth < 8)
		png_set_expand_gray_1_2_4_to_8(c->png);
	if (png_get_valid(c->png, c->info, PNG_INFO_tRNS))
		png_set_tRNS_to_alpha(c->png);
	if (ctype == PNG_COLOR_TYPE_GRAY || ctype == PNG_COLOR_TYPE_GRAY_ALPHA)
		png_set_gray_to_rgb(c->png);
	png_set_filler(c->png, 0xFF, PNG_FILLER_AFTER);
	png_set_interlace_handling(c->png);
	png_read_update_info(c->png, c->info);
	if (png_get_rowbytes(c->png, c->info) != (size_t)w * 4)
		png_error(c->png, "unexpected row size");
	c->px = es_malloc((size_t)w * h * 4);
	c->rows = es_malloc(sizeof(png_bytep) * h);
	if (!c->px || !c->rows) {
		c->code = es_error_set(ES_ENOMEM, "out of memory");
		return c->code;
	}
	for (png_uint_32 y = 0; y < h; y++)
		c->rows[y] = c->px + (size_t)y * w * 4;
	png_read_image(c->png, c->rows);
	return 0;
}

static int png_decode(es_img *out, const uint8_t *data, size_t len, bool header_only, bool rgba)
{
	pngctx c;
	int err;

	memset(&c, 0, sizeof(c));
	c.p = data;
	c.left = len;
	c.png = png_create_read_struct_2(PNG_LIBPNG_VER_STRING, &c, png_on_error, png_on_warning, &c,
					 png_on_malloc, png_on_free);
	if (!c.png || !(c.info = png_create_info_struct(c.png))) {
		err = es_error_set(ES_ENOMEM, "out of memory");
		goto done;
	}
	err = png_decode_inner(&c, out, header_only);
	if (err == ES_EMALFORMED && c.code == 0)
		err = es_error_set(ES_EMALFORMED, "malformed png: %s", c.msg);
	else if (err < 0)
		err = c.code;
	if (err == 0 && !header_only && rgba) {
		out->px = c.px;
		out->ch = 4;
		c.px = NULL;
	} else if (err == 0 && !header_only) {
		/* composite over white paper: RGBA -> RGB in place */
		size_t n = (size_t)out->w * out->h;
		for (size_t i = 0; i < n; i++) {
			const uint8_t *s = c.px + i * 4;
			unsigned a = s[3];
			for (int k = 0; k < 3; k++)
				c.px[i * 3 + k] = (uint8_t)((s[k] * a + 255 * (255 - a) + 127) / 255);
		}
		out->px = c.px;
		out->ch = 3;
		c.px = NULL;
	}
done:
	if (c.png)
		png_destroy_read_struct(&c.png, c.info ? &c.info : NULL, NULL);
	es_free(c.rows);
	es_free(c.px);
	return err;
}

static void png_on_write(png_structp png, png_bytep data, png_size_t n)
{
	pngctx *c = png_get_io_ptr(png);
	if (es_buf_put(c->out, data, n) < 0) {
		c->code = es_error_last()->code;
		png_error(png, "cannot grow the output buffer");
	}
}

static void png_on_flush(png_structp png)
{
	(void)png;
}

/* Rows come from @img (RGBA), or from @mask + @color as an indexed image:
 * a seal is one colour at 256 opacities, so a palette of that colour with
 * alpha 0..255 (tRNS) is exact, four times smaller before compression, and
 * several times faster to write than RGBA. */
static int png_encode_inner(pngctx *c, const es_img *img, const uint8_t *mask, uint32_t color)
{
	unsigned w = img->w, h = img->h;
	png_color pal[256];
	png_byte trns[256];

	if (setjmp(c->jb))
		return ES_EMALFORMED;
	png_set_write_fn(c->png, c, png_on_write, png_on_flush);
	png_set_IHDR(c->png, c->info, w, h, 8, mask ? PNG_COLOR_TYPE_PALETTE : PNG_COLOR_TYPE_RGB_ALPHA,
		     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	if (mask) {
		for (int i = 0; i < 256; i++) {
			pal[i].red = (png_byte)(color >> 16);
			pal[i].green = (png_byte)(color >> 8);
			pal[i].blue = (png_byte)color;
			trns[i] = (png_byte)i;
		}
		png_set_PLTE(c->png, c->info, pal, 256);
		png_set_tRNS(c->png, c->info, trns, 256, NULL);
	}
	if (img->dpi) {
		png_uint_32 ppm = (png_uint_32)lround(img->dpi / 0.0254);
		png_set_pHYs(c->png, c->info, ppm, ppm, PNG_RESOLUTION_METER);
	}
	/* Long runs of transparent pixels: run-length deflate without a row
	 * filter is both the smallest and the fastest here (measured). */
	png_set_filter(c->png, PNG_FILTER_TYPE_BASE, mask ? PNG_FILTER_NONE : PNG_FILTER_SUB);
	png_set_compression_strategy(c->png, Z_RLE);
	png_set_compression_level(c->png, 6);
	png_write_info(c->png, c->info);
	for (unsigned y = 0; y < h; y++) {
		if (mask)
			png_write_row(c->png, mask + (size_t)y * w);
		else
			png_write_row(c->png, img->px + (size_t)y * w * 4);
	}
	png_write_end(c->png, NULL);
	return 0;
}

static int png_encode(es_buf *out, const es_img *img, const uint8_t *mask, uint32_t color)
{
	pngctx c;
	int err;

	memset(&c, 0, sizeof(c));
	c.out = out;
	c.png = png_create_write_struct_2(PNG_LIBPNG_VER_STRING, &c, png_on_error, png_on_warning, &c,
					  png_on_malloc, png_on_free);
	if (!c.png || !(c.info = png_create_info_struct(c.png))) {
		err = es_error_set(ES_ENOMEM, "out of memory");
		goto done;
	}
	err = png_encode_inner(&c, img, mask, color);
	if (err < 0)
		err = c.code ? c.code : es_error_set(ES_EINTERNAL, "png encoder: %s", c.msg);
done:
	if (c.png)
		png_destroy_write_struct(&c.png, c.info ? &c.info : NULL);
	es_free(c.px);
	return err;
}

int es_img__png_encode(es_buf *out, const es_img *img)
{
	if (img->ch != 4)
		return es_error_set(ES_EINVAL, "png encoder needs rgba pixels");
	return png_encode(out, img, NULL, 0);
}

int es_img__png_encode_mask(es_buf *out, const uint8_t *mask, unsigned w, unsigned h,
			    uint32_t color, unsigned dpi)
{
	es_img img = { NULL, w, h, 4, dpi };
	return png_encode(out, &img, mask, color);
}

/* ---- JPEG -------------------------------------------------------------- */

typedef struct jpgctx {
	struct jpeg_error_mgr em; /* first: libjpeg casts cinfo->err to us */
	jmp_buf jb;
	struct jpeg_decompress_struct d;
	struct jpeg_compress_struct e;
	struct jpeg_progress_mgr prog;
	struct jpeg_destination_mgr dest;
	bool have_d, have_e;
	uint8_t *px;
	es_buf *out;
	uint8_t chunk[4096];
	int code;
	char msg[JMSG_LENGTH_MAX + 32];
} jpgctx;

static void jpg_on_error(j_common_ptr cinfo)
{
	jpgctx *c = (jpgctx *)cinfo->err;
	char m[JMSG_LENGTH_MAX];
	cinfo->err->format_message(cinfo, m);
	snprintf(c->msg, sizeof(c->msg), "%s", m);
	longjmp(c->jb, 1);
}

/* Corrupt-data warnings are errors here: a seal picture must be intact. */
static void jpg_on_message(j_common_ptr cinfo, int level)
{
	if (level < 0)
		jpg_on_error(cinfo);
}

static void jpg_on_progress(j_common_ptr cinfo)
{
	jpgctx *c = (jpgctx *)cinfo->err;
	/* progressive files can repeat scans to burn CPU: bound them */
	if (cinfo->is_decompressor && c->d.input_scan_number > 100) {
		snprintf(c->msg, sizeof(c->msg), "more than 100 scans");
		longjmp(c->jb, 1);
	}
}

static unsigned jpg_dpi(const struct jpeg_decompress_struct *d)
{
	if (!d->saw_JFIF_marker || d->X_density == 0)
		return 0;
	if (d->density_unit == 1)
		return d->X_density;
	if (d->density_unit == 2)
		return (unsigned)lround(d->X_density * 2.54);
	return 0;
}

static int jpg_decode_inner(jpgctx *c, es_img *out, const uint8_t *data, size_t len, bool header_only)
{
	int err;

	if (setjmp(c->jb))
		return ES_EMALFORMED;
	jpeg_create_decompress(&c->d);
	c->have_d = true;
	c->prog.progress_monitor = jpg_on_progress;
	c->d.progress = &c->prog;
	c->d.mem->max_memory_to_use = (long)512 << 20;
	jpeg_mem_src(&c->d, data, (unsigned long)len);
	jpeg_read_header(&c->d, TRUE);
	out->w = c->d.image_width;
	out->h = c->d.image_height;
	out->dpi = jpg_dpi(&c->d);
	if ((err = check_dims(out->w, out->h, "jpeg")) < 0) {
		c->code = err;
		return err;
	}
	if (header_only)
		return 0;
	c->d.out_color_space = JCS_RGB;
	jpeg_start_decompress(&c->d);
	if (c->d.output_components != 3 || c->d.output_width != out->w ||
	    c->d.output_height != out->h) {
		snprintf(c->msg, sizeof(c->msg), "unexpected output format");
		return ES_EMALFORMED;
	}
	c->px = es_malloc((size_t)out->w * out->h * 3);
	if (!c->px) {
		c->code = es_error_set(ES_ENOMEM, "out of memory");
		return c->code;
	}
	while (c->d.output_scanline < c->d.output_height) {
		JSAMPROW row = c->px + (size_t)c->d.output_scanline * out->w * 3;
		jpeg_read_scanlines(&c->d, &row, 1);
	}
	jpeg_finish_decompress(&c->d);
	return 0;
}

static int jpg_decode(es_img *out, const uint8_t *data, size_t len, bool header_only)
{
	jpgctx *c = es_calloc(1, sizeof(*c));
	int err;

	if (!c)
		return es_error_set(ES_ENOMEM, "out of memory");
	c->d.err = jpeg_std_error(&c->em);
	c->em.error_exit = jpg_on_error;
	c->em.emit_message = jpg_on_message;
	err = jpg_decode_inner(c, out, data, len, header_only);
	if (err == ES_EMALFORMED && c->code == 0)
		err = es_error_set(ES_EMALFORMED, "malformed jpeg: %s", c->msg);
	else if (err < 0)
		err = c->code;
	if (err == 0 && !header_only) {
		out->px = c->px;
		out->ch = 3;
		c->px = NULL;
	}
	if (c->have_d)
		jpeg_destroy_decompress(&c->d);
	es_free(c->px);
	es_free(c);
	return err;
}

static void jpg_dest_init(j_compress_ptr e)
{
	jpgctx *c = (jpgctx *)e->err;
	c->dest.next_output_byte = c->chunk;
	c->dest.free_in_buffer = sizeof(c->chunk);
}

static boolean jpg_dest_empty(j_compress_ptr e)
{
	jpgctx *c = (jpgctx *)e->err;
	if (es_buf_put(c->out, c->chunk, sizeof(c->chunk)) < 0) {
		c->code = es_error_last()->code;
		longjmp(c->jb, 1);
	}
	c->dest.next_output_byte = c->chunk;
	c->dest.free_in_buffer = sizeof(c->chunk);
	return TRUE;
}

static void jpg_dest_term(j_compress_ptr e)
{
	jpgctx *c = (jpgctx *)e->err;
	size_t n = sizeof(c->chunk) - c->dest.free_in_buffer;
	if (es_buf_put(c->out, c->chunk, n) < 0) {
		c->code = es_error_last()->code;
		longjmp(c->jb, 1);
	}
}

static int jpg_encode_inner(jpgctx *c, const es_img *img, int quality)
{
	if (setjmp(c->jb))
		return ES_EMALFORMED;
	jpeg_create_compress(&c->e);
	c->have_e = true;
	c->dest.init_destination = jpg_dest_init;
	c->dest.empty_output_buffer = jpg_dest_empty;
	c->dest.term_destination = jpg_dest_term;
	c->e.dest = &c->dest;
	c->e.image_width = img->w;
	c->e.image_height = img->h;
	c->e.input_components = 3;
	c->e.in_color_space = JCS_RGB;
	jpeg_set_defaults(&c->e);
	jpeg_set_quality(&c->e, quality, TRUE);
	if (img->dpi) {
		c->e.write_JFIF_header = TRUE;
		c->e.density_unit = 1;
		c->e.X_density = (UINT16)img->dpi;
		c->e.Y_density = (UINT16)img->dpi;
	}
	jpeg_start_compress(&c->e, TRUE);
	while (c->e.next_scanline < c->e.image_height) {
		JSAMPROW row = img->px + (size_t)c->e.next_scanline * img->w * 3;
		jpeg_write_scanlines(&c->e, &row, 1);
	}
	jpeg_finish_compress(&c->e);
	return 0;
}

int es_img__jpeg_encode(es_buf *out, const es_img *img, int quality)
{
	jpgctx *c;
	int err;

	if (img->ch != 3 || img->w == 0 || img->h == 0 || img->w > 65500 || img->h > 65500)
		return es_error_set(ES_EINVAL, "jpeg encoder needs rgb pixels");
	if (!(c = es_calloc(1, sizeof(*c))))
		return es_error_set(ES_ENOMEM, "out of memory");
	c->out = out;
	c->e.err = jpeg_std_error(&c->em);
	c->em.error_exit = jpg_on_error;
	c->em.emit_message = jpg_on_message;
	err = jpg_encode_inner(c, img, quality);
	if (err < 0)
		err = c->code ? c->code : es_error_set(ES_EINTERNAL, "jpeg encoder: %s", c->msg);
	if (c->have_e)
		jpeg_destroy_compress(&c->e);
	es_free(c);
	return err;
}

/* ---- dispatch ---------------------------------------------------------- */

static const uint8_t png_sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n' };

static int sniff(const uint8_t *data, size_t len, const char **fmt)
{
	if (!data || len == 0)
		return es_error_set(ES_EMALFORMED, "image is empty");
	if (len > ES_IMAGE_MAX_BYTES)
		return es_error_set(ES_ELIMIT, "image of %zu bytes is larger than the limit of %zu",
				    len, ES_IMAGE_MAX_BYTES);
	if (len >= 8 && memcmp(data, png_sig, 8) == 0) {
		*fmt = "png";
		return 0;
	}
	if (len >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) {
		*fmt = "jpeg";
		return 0;
	}
	return es_error_set(ES_EMALFORMED, "image is neither png nor jpeg");
}

int es_img__decode_rgba(es_img *out, const uint8_t *data, size_t len)
{
	const char *fmt = NULL;
	int err;

	memset(out, 0, sizeof(*out));
	if ((err = sniff(data, len, &fmt)) < 0)
		return err;
	if (fmt[0] != 'p')
		return es_error_set(ES_ENOTSUPPORTED, "only png keeps an alpha channel");
	if ((err = png_decode(out, data, len, false, true)) < 0)
		es_img__release(out);
	return err;
}

int es_img__decode(es_img *out, const uint8_t *data, size_t len)
{
	const char *fmt = NULL;
	int err;

	memset(out, 0, sizeof(*out));
	if ((err = sniff(data, len, &fmt)) < 0)
		return err;
	if (fmt[0] == 'p')
		err = png_decode(out, data, len, false, false);
	else
		err = jpg_decode(out, data, len, false);
	if (err < 0)
		es_img__release(out);
	return err;
}

int es_img__probe(es_image_info *out, const uint8_t *data, size_t len)
{
	const char *fmt = NULL;
	es_img img;
	int err;

	memset(out, 0, sizeof(*out));
	memset(&img, 0, sizeof(img));
	if ((err = sniff(data, len, &fmt)) < 0)
		return err;
	err = fmt[0] == 'p' ? png_decode(&img, data, len, true, false) : jpg_decode(&img, data, len, true);
	if (err < 0)
		return err;
	out->format = fmt;
	out->width_px = img.w;
	out->height_px = img.h;
	out->dpi = img.dpi;
	if (img.dpi) {
		out->width_mm = img.w * ES_MM_PER_INCH / img.dpi;
		out->height_mm = img.h * ES_MM_PER_INCH / img.dpi;
	}
	return 0;
}
