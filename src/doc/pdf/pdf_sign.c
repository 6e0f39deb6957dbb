/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Sealing a PDF by one incremental update (docs/pdf.md).
 *
 * MuPDF reads the document and builds the new objects in memory (image,
 * appearance form, widget(s), updated page /Annots and /AcroForm); this file
 * then writes them itself after the original bytes, followed by an xref
 * section (a table, or an xref stream when the previous section is one) and
 * a trailer with /Prev. The signature dictionary is written as text so the
 * ByteRange and the /Contents placeholder sit at known offsets: the ranges
 * are filled in, SM3 is taken over them, and the signature value (CMS or
 * SES_Signature) is written as hex into the placeholder. The original bytes
 * are never changed, so every earlier signature stays valid.
 */
#include "pdf_mu.h"
#include "der/der.h"
#include "estime.h"
#include "file.h"
#include <pthread.h>

#define MM_TO_PT (72.0 / 25.4)
#define BR_WIDTH 48 /* room for "[0 a b c]" padded with spaces */
#define MAX_DIRTY 16

/*
 * Picture cache. Sealing many PDFs with one seal decodes the same PNG and
 * deflates the same pixels for every document (most of the time per PDF).
 * The image XObject and its soft mask are kept, as their dictionaries'
 * text and their deflated bytes, keyed by the picture's bytes, and written
 * as they are into the next document. Entries are copied in and out under
 * a lock, so concurrent signers share it safely.
 */
typedef struct pic_stream {
	char *dict;              /* the dictionary as PDF text, without /Length and /SMask */
	uint8_t *z;              /* the stream's bytes, as filtered (deflated) */
	size_t zlen;
} pic_stream;

typedef struct pic_entry {
	uint8_t *pic;            /* the picture's bytes: the key, compared whole */
	size_t pic_len;
	bool used, has_mask;
	bool is_form;            /* an SVG picture's vector form (no mask) */
	float form_w, form_h;    /* its size in points */
	uint64_t tick;
	pic_stream img, mask;
} pic_entry;

#define PIC_CACHE_SLOTS 8
static pic_entry pic_cache[PIC_CACHE_SLOTS];
static uint64_t pic_tick, pic_hits;
static pthread_mutex_t pic_lock = PTHREAD_MUTEX_INITIALIZER;

static void pic_stream_free(pic_stream *s)
{
	es_free(s->dict);
	es_free(s->z);
	memset(s, 0, sizeof(*s));
}

static void pic_entry_free(pic_entry *e)
{
	es_free(e->pic);
	e->pic = NULL;
	e->pic_len = 0;
	pic_stream_free(&e->img);
	pic_stream_free(&e->mask);
	e->used = false;
}

static int pic_stream_copy(pic_stream *d, const pic_stream *s)
{
	memset(d, 0, sizeof(*d));
	if (!s->dict)
		return 0;
	d->dict = es_strdup(s->dict);
	d->z = es_malloc(s->zlen);
	if (!d->dict || !d->z) {
		pic_stream_free(d);
		return -1;
	}
	if (s->zlen)
		memcpy(d->z, s->z, s->zlen);
	d->zlen = s->zlen;
	return 0;
}

static int pic_entry_copy(pic_entry *d, const pic_entry *s)
{
	*d = *s;
	d->pic = NULL;
	memset(&d->img, 0, sizeof(d->img));
	memset(&d->mask, 0, sizeof(d->mask));
	if (!(d->pic = es_malloc(s->pic_len ? s->pic_len : 1)) || pic_stream_copy(&d->img, &s->img) < 0 ||
	    pic_stream_copy(&d->mask, &s->mask) < 0) {
		pic_entry_free(d);
		return -1;
	}
	if (s->pic_len)
		memcpy(d->pic, s->pic, s->pic_len);
	return 0;
}

static bool same_picture(const pic_entry *e, const uint8_t *pic, size_t len)
{
	return e->used && e->pic_len == len && memcmp(e->pic, pic, len) == 0;
}

/* Copy the entry for picture @pic into @out; false when absent. */
static bool pic_cache_get(const uint8_t *pic, size_t len, pic_entry *out)
{
	bool found = false;
	pthread_mutex_lock(&pic_lock);
	for (size_t i = 0; i < PIC_CACHE_SLOTS && !found; i++)
		if (same_picture(&pic_cache[i], pic, len)) {
			found = pic_entry_copy(out, &pic_cache[i]) == 0;
			pic_cache[i].tick = ++pic_tick;
			pic_hits += found;
		}
	pthread_mutex_unlock(&pic_lock);
	return found;
}

/* Keep a copy of @e, replacing the least recently used slot. */
static void pic_cache_put(const pic_entry *e)
{
	size_t victim = PIC_CACHE_SLOTS;
	pthread_mutex_lock(&pic_lock);
	for (size_t i = 0; i < PIC_CACHE_SLOTS; i++)
		if (same_picture(&pic_cache[i], e->pic, e->pic_len))
			goto out; /* already there */
	for (size_t i = 0; i < PIC_CACHE_SLOTS && victim == PIC_CACHE_SLOTS; i++)
		if (!pic_cache[i].used)
			victim = i;
	if (victim == PIC_CACHE_SLOTS) {
		victim = 0;
		for (size_t i = 1; i < PIC_CACHE_SLOTS; i++)
			if (pic_cache[i].tick < pic_cache[victim].tick)
				victim = i;
	}
	pic_entry_free(&pic_cache[victim]);
	if (pic_entry_copy(&pic_cache[victim], e) == 0) {
		pic_cache[victim].used = true;
		pic_cache[victim].tick = ++pic_tick;
	}
out:
	pthread_mutex_unlock(&pic_lock);
}

uint64_t es_pdf__picture_cache_hits(void)
{
	uint64_t n;
	pthread_mutex_lock(&pic_lock);
	n = pic_hits;
	pthread_mutex_unlock(&pic_lock);
	return n;
}

void es_pdf__picture_cache_clear(void)
{
	pthread_mutex_lock(&pic_lock);
	for (size_t i = 0; i < PIC_CACHE_SLOTS; i++)
		pic_entry_free(&pic_cache[i]);
	pthread_mutex_unlock(&pic_lock);
}

typedef struct sign_job {
	/* inputs */
	const uint8_t *pdf;
	size_t len;
	const es_pdf_sign_options *opt;
	const es_seal *seal;
	const es_cert *cert;
	const es_sm2_key *key;
	es_buf *out;
	/* bytes of the file before out->ptr[0]: 0, or the original's length when
	 * only the update is written (es_pdf_sign_update) */
	size_t base;
	es_time now;
	size_t reserve;          /* bytes reserved for the signature value */
	/* MuPDF state, dropped by sign_cleanup() */
	pdf_document *doc;
	fz_image *image;         /* a raster picture (PNG, JPEG, ...), or */
	fz_display_list *svg;    /* an SVG picture, drawn as vector content */
	bool is_form;            /* the picture is a form of svg_w x svg_h points */
	float svg_w, svg_h;      /* its size in points */
	fz_buffer *tmp;
	pdf_page *pages[ES_PDF_MAX_PAGES];
	int npages_loaded;
	/* bookkeeping */
	int *nums;               /* objects of the update, sorted */
	size_t *offs;            /* and their offsets */
	es_buf sig;              /* the signature value */
	int err;                 /* our own es_error, thrown as a MuPDF error */
	int orig_xref_len;
	int sig_num;
	int dirty[MAX_DIRTY];
	int ndirty;
	char field_name[64];
	/* the picture cache (raster pictures): a hit skips decoding and deflating */
	const uint8_t *pic;      /* the picture in use */
	size_t pic_len;
	pic_entry hit;           /* a copy of the cached entry, when found */
	bool have_hit;
	int img_num, mask_num;   /* objects to capture on a miss (0: none) */
	pic_entry cap;           /* what write_object captured */
} sign_job;

/* Throw our own error through MuPDF so fz_always cleans up. */
static void fail(fz_context *ctx, sign_job *j, int err)
{
	j->err = err;
	fz_throw(ctx, FZ_ERROR_GENERIC, "%s", es_error_last()->message);
}

static void mark_dirty(sign_job *j, int num)
{
	for (int i = 0; i < j->ndirty; i++)
		if (j->dirty[i] == num)
			return;
	if (j->ndirty < MAX_DIRTY)
		j->dirty[j->ndirty++] = num;
}

static pdf_page *load_page(fz_context *ctx, sign_job *j, int idx)
{
	if (j->npages_loaded >= ES_PDF_MAX_PAGES)
		fail(ctx, j, es_error_set(ES_ELIMIT, "pdf: more than %d pages", ES_PDF_MAX_PAGES));
	j->pages[j->npages_loaded] = pdf_load_page(ctx, j->doc, idx);
	return j->pages[j->npages_loaded++];
}

/*
 * Form XObject for a widget whose box is @disp on the displayed page (MuPDF
 * page space: points, y down, /Rotate applied) showing the picture placed
 * at @img in the same space, clipped to the box. The picture stays upright
 * as displayed, whatever the page's /Rotate; *user receives the widget's
 * /Rect in PDF user space.
 */
static pdf_obj *make_appearance(fz_context *ctx, sign_job *j, pdf_obj *imref, pdf_page *page, fz_rect disp,
				fz_rect img, fz_rect *user)
{
	fz_rect mediabox;
	fz_matrix ctm, inv, m;
	float w, h;
	pdf_obj *dict = NULL, *res, *xo, *ap = NULL;
	fz_buffer *buf = fz_new_buffer(ctx, 128);
	fz_var(dict);
	fz_var(ap);
	pdf_page_transform(ctx, page, &mediabox, &ctm);
	inv = fz_invert_matrix(ctm);
	*user = fz_transform_rect(disp, inv);
	w = user->x1 - user->x0;
	h = user->y1 - user->y0;
	/* unit square (image space, top row at y=1) -> display box -> user space -> form space */
	m = fz_make_matrix(img.x1 - img.x0, 0, 0, -(img.y1 - img.y0), img.x0, img.y1);
	m = fz_concat(fz_concat(m, inv), fz_translate(-user->x0, -user->y0));
	if (j->is_form) /* a form of svg_w x svg_h points (y up) onto the unit square first */
		m = fz_concat(fz_scale(1 / j->svg_w, 1 / j->svg_h), m);
	fz_try(ctx) {
		fz_append_printf(ctx, buf, "q %g %g %g %g %g %g cm /Im0 Do Q\n", m.a, m.b, m.c, m.d, m.e, m.f);
		dict = pdf_new_dict(ctx, j->doc, 6);
		pdf_dict_put(ctx, dict, PDF_NAME(Type), PDF_NAME(XObject));
		pdf_dict_put(ctx, dict, PDF_NAME(Subtype), PDF_NAME(Form));
		pdf_dict_put_rect(ctx, dict, PDF_NAME(BBox), fz_make_rect(0, 0, w, h));
		res = pdf_dict_put_dict(ctx, dict, PDF_NAME(Resources), 1);
		xo = pdf_dict_put_dict(ctx, res, PDF_NAME(XObject), 1);
		pdf_dict_puts(ctx, xo, "Im0", imref);
		ap = pdf_add_stream(ctx, j->doc, buf, dict, 0);
	}
	fz_always(ctx) {
		pdf_drop_obj(ctx, dict);
		fz_drop_buffer(ctx, buf);
	}
	fz_catch(ctx)
		fz_rethrow(ctx);
	return ap;
}

/* A widget annotation on @page at user-space @rect with appearance @ap; returns its reference. */
static pdf_obj *add_widget(fz_context *ctx, sign_job *j, int page_idx, fz_rect rect, pdf_obj *ap,
			   pdf_obj *parent_or_null)
{
	pdf_obj *w = NULL, *ref = NULL, *apd, *annots;
	pdf_obj *page = pdf_lookup_page_obj(ctx, j->doc, page_idx);
	fz_var(w);
	fz_var(ref);
	fz_try(ctx) {
		w = pdf_new_dict(ctx, j->doc, 10);
		pdf_dict_put(ctx, w, PDF_NAME(Type), PDF_NAME(Annot));
		pdf_dict_put(ctx, w, PDF_NAME(Subtype), PDF_NAME(Widget));
		pdf_dict_put_rect(ctx, w, PDF_NAME(Rect), rect);
		pdf_dict_put_int(ctx, w, PDF_NAME(F), 4 | 128); /* Print, Locked */
		pdf_dict_put(ctx, w, PDF_NAME(P), page);
		apd = pdf_dict_put_dict(ctx, w, PDF_NAME(AP), 1);
		pdf_dict_put(ctx, apd, PDF_NAME(N), ap);
		if (parent_or_null) {
			pdf_dict_put(ctx, w, PDF_NAME(Parent), parent_or_null);
		} else {
			pdf_dict_put(ctx, w, PDF_NAME(FT), PDF_NAME(Sig));
			pdf_dict_put_text_string(ctx, w, PDF_NAME(T), j->field_name);
			pdf_dict_put_drop(ctx, w, PDF_NAME(V), pdf_new_indirect(ctx, j->doc, j->sig_num, 0));
		}
		ref = pdf_add_object(ctx, j->doc, w);
		annots = pdf_dict_get(ctx, page, PDF_NAME(Annots));
		if (!pdf_is_array(ctx, annots)) {
			annots = pdf_dict_put_array(ctx, page, PDF_NAME(Annots), 1);
			mark_dirty(j, pdf_to_num(ctx, page));
		} else {
			mark_dirty(j, pdf_is_indirect(ctx, annots) ? pdf_to_num(ctx, annots) : pdf_to_num(ctx, page));
		}
		pdf_array_push(ctx, annots, ref);
	}
	fz_always(ctx)
		pdf_drop_obj(ctx, w);
	fz_catch(ctx) {
		pdf_drop_obj(ctx, ref);
		fz_rethrow(ctx);
	}
	return ref;
}

/* Register the field in /AcroForm /Fields with SigFlags 3 (and /Perms for DocMDP). */
static void add_to_acroform(fz_context *ctx, sign_job *j, pdf_obj *field)
{
	pdf_obj *root = pdf_dict_get(ctx, pdf_trailer(ctx, j->doc), PDF_NAME(Root));
	pdf_obj *acro = pdf_dict_get(ctx, root, PDF_NAME(AcroForm));
	pdf_obj *fields;
	if (!pdf_is_dict(ctx, acro)) {
		acro = pdf_dict_put_dict(ctx, root, PDF_NAME(AcroForm), 2);
		mark_dirty(j, pdf_to_num(ctx, root));
	} else {
		mark_dirty(j, pdf_is_indirect(ctx, acro) ? pdf_to_num(ctx, acro) : pdf_to_num(ctx, root));
	}
	fields = pdf_dict_get(ctx, acro, PDF_NAME(Fields));
	if (!pdf_is_array(ctx, fields))
		fields = pdf_dict_put_array(ctx, acro, PDF_NAME(Fields), 1);
	else if (pdf_is_indirect(ctx, fields))
		mark_dirty(j, pdf_to_num(ctx, fields));
	pdf_array_push(ctx, fields, field);
	pdf_dict_put_int(ctx, acro, PDF_NAME(SigFlags), 3);
	if (j->opt->certify) {
		pdf_obj *perms = pdf_dict_put_dict(ctx, root, PDF_NAME(Perms), 1);
		pdf_dict_put_drop(ctx, perms, PDF_NAME(DocMDP), pdf_new_indirect(ctx, j->doc, j->sig_num, 0));
		mark_dirty(j, pdf_to_num(ctx, root));
	}
}

static int count_existing_sigs(fz_context *ctx, sign_job *j)
{
	return pdf_count_signatures(ctx, j->doc);
}

/* Seal box size in points. */
static void seal_size(const sign_job *j, float *w, float *h)
{
	double wm = j->opt->w_mm, hm = j->opt->h_mm;
	if (wm <= 0 || hm <= 0) {
		const es_seal_fields *f = j->seal ? es_seal_fields_get(j->seal) : NULL;
		double pw = f && f->picture_width ? (double)f->picture_width : 40.0;
		double ph = f && f->picture_height ? (double)f->picture_height : 40.0;
		if (wm <= 0 && hm <= 0) {
			wm = pw;
			hm = ph;
		} else if (wm <= 0) {
			wm = hm * pw / ph;
		} else {
			hm = wm * ph / pw;
		}
	}
	*w = (float)(wm * MM_TO_PT);
	*h = (float)(hm * MM_TO_PT);
}

/* An SVG picture (GB/T 38540 picture type "SVG"): its first bytes name it. */
static bool is_svg(const uint8_t *p, size_t n)
{
	size_t k = n < 1024 ? n : 1024;
	return k >= 4 && memmem(p, k, "<svg", 4) != NULL;
}

/* No indirect reference anywhere inside @obj (a dictionary kept as text must stand alone). */
static bool self_contained(fz_context *ctx, pdf_obj *obj, int depth)
{
	if (depth > 16)
		return false;
	if (depth > 0 && pdf_is_indirect(ctx, obj))
		return false;
	if (pdf_is_dict(ctx, obj)) {
		for (int i = 0; i < pdf_dict_len(ctx, obj); i++)
			if (!self_contained(ctx, pdf_dict_get_val(ctx, obj, i), depth + 1))
				return false;
	} else if (pdf_is_array(ctx, obj)) {
		for (int i = 0; i < pdf_array_len(ctx, obj); i++)
			if (!self_contained(ctx, pdf_array_get(ctx, obj, i), depth + 1))
				return false;
	}
	return true;
}

/*
 * MuPDF 1.21's SVG path lexer never advances past a '+' that starts a
 * number ("L+1 2", "points='0,0 +1,1'"): the signer would spin forever on
 * such a picture (found by fuzz_pdf_picture). A leading '+' changes nothing
 * in a number, so inside d="..." and points="..." each '+' that is not an
 * exponent's sign becomes a space ("1+1" is two numbers either way).
 */
static bool attr_at(const uint8_t *p, size_t len, size_t i, const char *name, size_t *value, uint8_t *quote)
{
	size_t n = strlen(name), k;
	if (i == 0 || !(p[i - 1] == ' ' || p[i - 1] == '\t' || p[i - 1] == '\n' || p[i - 1] == '\r') ||
	    i + n >= len || memcmp(p + i, name, n) != 0)
		return false;
	for (k = i + n; k < len && (p[k] == ' ' || p[k] == '\t' || p[k] == '\n' || p[k] == '\r'); k++)
		;
	if (k >= len || p[k] != '=')
		return false;
	for (k++; k < len && (p[k] == ' ' || p[k] == '\t' || p[k] == '\n' || p[k] == '\r'); k++)
		;
	if (k >= len || (p[k] != '"' && p[k] != '\''))
		return false;
	*quote = p[k];
	*value = k + 1;
	return true;
}

static void svg_plus_signs(uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		size_t v;
		uint8_t q;
		if (!attr_at(p, len, i, "d", &v, &q) && !attr_at(p, len, i, "points", &v, &q))
			continue;
		for (i = v; i < len && p[i] != q; i++)
			if (p[i] == '+' && !(i > v && (p[i - 1] == 'e' || p[i - 1] == 'E')))
				p[i] = ' ';
	}
}

/* The SVG picture as a Form XObject of svg_w x svg_h points, drawn as vectors. */
static pdf_obj *svg_form(fz_context *ctx, sign_job *j)
{
	fz_rect box = fz_make_rect(0, 0, j->svg_w, j->svg_h);
	fz_device *dev = NULL;
	pdf_obj *res = NULL, *form = NULL;
	fz_buffer *contents = NULL;
	fz_var(dev);
	fz_var(res);
	fz_var(contents);
	fz_var(form);
	fz_try(ctx) {
		dev = pdf_page_write(ctx, j->doc, box, &res, &contents);
		fz_run_display_list(ctx, j->svg, dev, fz_identity, fz_infinite_rect, NULL);
		fz_close_device(ctx, dev);
		form = pdf_new_xobject(ctx, j->doc, box, fz_identity, res, contents);
		if (self_contained(ctx, form, 0))
			j->img_num = pdf_to_num(ctx, form); /* kept for the next document */
	}
	fz_always(ctx) {
		fz_drop_device(ctx, dev);
		pdf_drop_obj(ctx, res);
		fz_drop_buffer(ctx, contents);
	}
	fz_catch(ctx)
		fz_rethrow(ctx);
	return form;
}

/* Parse a dictionary kept as PDF text. */
static pdf_obj *parse_dict(fz_context *ctx, sign_job *j, const char *text)
{
	fz_stream *st = fz_open_memory(ctx, (const unsigned char *)text, strlen(text));
	pdf_lexbuf lb;
	pdf_obj *obj = NULL;
	pdf_lexbuf_init(ctx, &lb, PDF_LEXBUF_SMALL);
	fz_try(ctx)
		obj = pdf_parse_stm_obj(ctx, j->doc, st, &lb);
	fz_always(ctx) {
		pdf_lexbuf_fin(ctx, &lb);
		fz_drop_stream(ctx, st);
	}
	fz_catch(ctx)
		fz_rethrow(ctx);
	if (!pdf_is_dict(ctx, obj)) {
		pdf_drop_obj(ctx, obj);
		fz_throw(ctx, FZ_ERROR_GENERIC, "pdf: picture cache entry is not a dictionary");
	}
	return obj;
}

/* A stream object from a kept dictionary and its filtered bytes. */
static pdf_obj *add_kept_stream(fz_context *ctx, sign_job *j, const pic_stream *ps, pdf_obj *smask)
{
	pdf_obj *dict = parse_dict(ctx, j, ps->dict), *ref = NULL;
	fz_buffer *buf = NULL;
	fz_var(buf);
	fz_var(ref);
	fz_try(ctx) {
		if (smask)
			pdf_dict_put(ctx, dict, PDF_NAME(SMask), smask);
		buf = fz_new_buffer_from_copied_data(ctx, ps->z, ps->zlen);
		ref = pdf_add_stream(ctx, j->doc, buf, dict, 1);
	}
	fz_always(ctx) {
		fz_drop_buffer(ctx, buf);
		pdf_drop_obj(ctx, dict);
	}
	fz_catch(ctx)
		fz_rethrow(ctx);
	return ref;
}

/* The image (and its soft mask) from the picture cache. */
static pdf_obj *cached_image(fz_context *ctx, sign_job *j)
{
	pdf_obj *mask = NULL, *img = NULL;
	fz_var(mask);
	fz_var(img);
	fz_try(ctx) {
		if (j->hit.has_mask)
			mask = add_kept_stream(ctx, j, &j->hit.mask, NULL);
		img = add_kept_stream(ctx, j, &j->hit.img, mask);
	}
	fz_always(ctx)
		pdf_drop_obj(ctx, mask);
	fz_catch(ctx)
		fz_rethrow(ctx);
	return img;
}

/* Only direct values (names, numbers, arrays of them, empty dictionaries): nothing to follow. */
static bool all_direct(fz_context *ctx, pdf_obj *dict, pdf_obj *except)
{
	for (int i = 0; i < pdf_dict_len(ctx, dict); i++) {
		pdf_obj *v = pdf_dict_get_val(ctx, dict, i);
		if (pdf_dict_get_key(ctx, dict, i) == except)
			continue;
		if (pdf_is_indirect(ctx, v))
			return false;
		if (pdf_is_array(ctx, v))
			for (int k = 0; k < pdf_array_len(ctx, v); k++)
				if (pdf_is_indirect(ctx, pdf_array_get(ctx, v, k)) || pdf_is_dict(ctx, pdf_array_get(ctx, v, k)) ||
				    pdf_is_array(ctx, pdf_array_get(ctx, v, k)))
					return false;
		if (pdf_is_dict(ctx, v) && pdf_dict_len(ctx, v) > 0) /* an empty /DecodeParms is fine */
			return false;
	}
	return true;
}

/* The decoded picture as a new image; its objects are captured for the cache
 * when they are plain (an image and at most a soft mask, nothing else). */
static pdf_obj *added_image(fz_context *ctx, sign_job *j)
{
	pdf_obj *img = pdf_add_image(ctx, j->doc, j->image);
	pdf_obj *mask = pdf_dict_get(ctx, img, PDF_NAME(SMask));
	if (all_direct(ctx, img, PDF_NAME(SMask)) && (!mask || (pdf_is_indirect(ctx, mask) && all_direct(ctx, mask, NULL)))) {
		j->img_num = pdf_to_num(ctx, img);
		j->mask_num = mask ? pdf_to_num(ctx, mask) : 0;
	}
	return img;
}

/* Build every new object in MuPDF's memory. */
static void build_objects(fz_context *ctx, sign_job *j)
{
	const es_pdf_sign_options *o = j->opt;
	const uint8_t *pic = o->picture;
	size_t piclen = o->picture_len;
	int npages = pdf_count_pages(ctx, j->doc);
	int idx;
	float w, h;
	pdf_obj *imref = NULL, *ap = NULL, *field = NULL, *kids;

	if (pdf_needs_password(ctx, j->doc) || pdf_dict_get(ctx, pdf_trailer(ctx, j->doc), PDF_NAME(Encrypt)))
		fail(ctx, j, es_error_set(ES_ENOTSUPPORTED, "pdf: encrypted documents cannot be sealed"));
	if (pdf_was_repaired(ctx, j->doc))
		fail(ctx, j, es_error_set(ES_EDENIED, "pdf: the document is damaged (its cross-reference was repaired): "
						      "an incremental update would not be reliable"));
	if (npages <= 0)
		fail(ctx, j, es_error_set(ES_EMALFORMED, "pdf: the document has no pages"));
	if (npages > ES_PDF_MAX_PAGES)
		fail(ctx, j, es_error_set(ES_ELIMIT, "pdf: more than %d pages", ES_PDF_MAX_PAGES));
	if (o->page < 0 || o->page > npages)
		fail(ctx, j, es_error_set(ES_EINVAL, "pdf: no page %d (the document has %d)", o->page, npages));
	if (o->riding && npages < 2)
		fail(ctx, j, es_error_set(ES_EINVAL, "pdf: a riding seal needs at least 2 pages"));
	if (o->certify && count_existing_sigs(ctx, j) > 0)
		fail(ctx, j, es_error_set(ES_EDENIED, "pdf: only the first signature can certify (DocMDP)"));
	if (pdf_count_signatures(ctx, j->doc) >= ES_PDF_MAX_SIGS)
		fail(ctx, j, es_error_set(ES_ELIMIT, "pdf: already %d signatures", ES_PDF_MAX_SIGS));
	idx = o->page == 0 ? npages - 1 : o->page - 1;
	seal_size(j, &w, &h);

	{
		pdf_obj *root = pdf_dict_get(ctx, pdf_trailer(ctx, j->doc), PDF_NAME(Root));
		pdf_obj *fields = pdf_dict_getl(ctx, root, PDF_NAME(AcroForm), PDF_NAME(Fields), NULL);
		pdf_obj *mdp = pdf_dict_getl(ctx, root, PDF_NAME(Perms), PDF_NAME(DocMDP), NULL);
		if (mdp) {
			pdf_obj *ref = pdf_dict_get(ctx, mdp, PDF_NAME(Reference));
			for (int i = 0; i < pdf_array_len(ctx, ref) && i < 8; i++) {
				pdf_obj *tp = pdf_dict_get(ctx, pdf_array_get(ctx, ref, i), PDF_NAME(TransformParams));
				if (tp && pdf_dict_get_int(ctx, tp, PDF_NAME(P)) == 1)
					fail(ctx, j, es_error_set(ES_EDENIED, "pdf: the document is certified with DocMDP P=1 "
									      "(no change allowed)"));
			}
		}
		if (o->field_name) {
			snprintf(j->field_name, sizeof(j->field_name), "%s", o->field_name);
			if (pdf_lookup_field(ctx, fields, j->field_name))
				fail(ctx, j, es_error_set(ES_EEXISTS, "pdf: a field named '%s' exists", j->field_name));
		} else {
			int n = pdf_count_signatures(ctx, j->doc) + 1;
			do
				snprintf(j->field_name, sizeof(j->field_name), "Seal%d", n++);
			while (pdf_lookup_field(ctx, fields, j->field_name) && n < 100000);
		}
	}

	/* the picture */
	if (!pic) {
		const es_seal_fields *f = j->seal ? es_seal_fields_get(j->seal) : NULL;
		if (!f || !f->picture.len)
			fail(ctx, j, es_error_set(ES_EINVAL, "pdf: no appearance picture (the seal has none)"));
		pic = f->picture.ptr;
		piclen = f->picture.len;
	}
	if (piclen > ES_PDF_MAX_PICTURE)
		fail(ctx, j, es_error_set(ES_ELIMIT, "pdf: picture larger than %zu bytes", ES_PDF_MAX_PICTURE));
	j->tmp = fz_new_buffer_from_copied_data(ctx, pic, piclen);
	j->pic = pic;
	j->pic_len = piclen;
	if (pic_cache_get(pic, piclen, &j->hit)) {
		/* decoded (and deflated) before: written as it was */
		j->have_hit = true;
		j->is_form = j->hit.is_form;
		j->svg_w = j->hit.form_w;
		j->svg_h = j->hit.form_h;
	} else if (is_svg(pic, piclen)) {
		unsigned char *d;
		size_t dn = fz_buffer_storage(ctx, j->tmp, &d);
		j->is_form = true;
		svg_plus_signs(d, dn); /* j->tmp is our own copy */
		fz_try(ctx)
			j->svg = fz_new_display_list_from_svg(ctx, j->tmp, NULL, NULL, &j->svg_w, &j->svg_h);
		fz_catch(ctx)
			fail(ctx, j, es_error_set(ES_ENOTSUPPORTED, "pdf: the SVG seal picture cannot be drawn: %s",
						  fz_caught_message(ctx)));
		if (!(j->svg_w > 0.01f && j->svg_h > 0.01f && j->svg_w < 14400 && j->svg_h < 14400))
			fail(ctx, j, es_error_set(ES_EMALFORMED, "pdf: the SVG seal picture has no usable size"));
	} else {
		fz_try(ctx)
			j->image = fz_new_image_from_buffer(ctx, j->tmp);
		fz_catch(ctx)
			fail(ctx, j, es_error_set(ES_ENOTSUPPORTED, "pdf: the appearance picture is not a PNG, JPEG "
								    "or SVG image"));
	}
	fz_drop_buffer(ctx, j->tmp);
	j->tmp = NULL;

	j->orig_xref_len = pdf_xref_len(ctx, j->doc);
	j->sig_num = pdf_create_object(ctx, j->doc);
	fz_var(imref);
	fz_var(ap);
	fz_var(field);
	fz_var(idx);
	fz_try(ctx) {
		imref = j->have_hit ? cached_image(ctx, j) : j->svg ? svg_form(ctx, j) : added_image(ctx, j);
		if (!o->riding) {
			pdf_page *page = NULL;
			fz_rect box;
			if (o->keyword && *o->keyword && o->page == 0) {
				/* no page given: the first page where the keyword occurs */
				fz_quad hit;
				for (int i = 0; i < npages && !page; i++) {
					pdf_page *p = load_page(ctx, j, i);
					if (fz_search_page(ctx, (fz_page *)p, o->keyword, NULL, &hit, 1) > 0) {
						page = p;
						idx = i;
					}
				}
				if (!page)
					fail(ctx, j, es_error_set(ES_ENOTFOUND, "pdf: keyword '%s' not found in the document",
								  o->keyword));
			} else {
				page = load_page(ctx, j, idx);
			}
			if (es_pdf__page_chars(ctx, (fz_page *)page) == 0)
				fail(ctx, j, es_error_set(ES_EDENIED,
							  "pdf: page %d has no text: a blank page is not sealed (R6)", idx + 1));
			if (o->keyword && *o->keyword) {
				fz_quad hit;
				fz_rect hb;
				if (fz_search_page(ctx, (fz_page *)page, o->keyword, NULL, &hit, 1) < 1)
					fail(ctx, j, es_error_set(ES_ENOTFOUND, "pdf: keyword '%s' not found on page %d",
								  o->keyword, idx + 1));
				hb = fz_rect_from_quad(hit);
				box = fz_make_rect((hb.x0 + hb.x1) / 2 - w / 2, (hb.y0 + hb.y1) / 2 - h / 2,
						   (hb.x0 + hb.x1) / 2 + w / 2, (hb.y0 + hb.y1) / 2 + h / 2);
			} else {
				float x = (float)(o->x_mm * MM_TO_PT), y = (float)(o->y_mm * MM_TO_PT);
				box = fz_make_rect(x, y, x + w, y + h);
			}
			ap = make_appearance(ctx, j, imref, page, box, box, &box);
			field = add_widget(ctx, j, idx, box, ap, NULL);
		} else {
			/* one field, one widget per page on the right edge, each with its slice */
			pdf_obj *fd = pdf_new_dict(ctx, j->doc, 4);
			float slice = w / (float)npages;
			size_t chars = 0;
			fz_var(chars);
			fz_try(ctx) {
				pdf_dict_put(ctx, fd, PDF_NAME(FT), PDF_NAME(Sig));
				pdf_dict_put_text_string(ctx, fd, PDF_NAME(T), j->field_name);
				pdf_dict_put_drop(ctx, fd, PDF_NAME(V), pdf_new_indirect(ctx, j->doc, j->sig_num, 0));
				pdf_dict_put_int(ctx, fd, PDF_NAME(F), 4 | 128);
				pdf_dict_put_array(ctx, fd, PDF_NAME(Kids), npages);
				field = pdf_add_object(ctx, j->doc, fd);
			}
			fz_always(ctx)
				pdf_drop_obj(ctx, fd);
			fz_catch(ctx)
				fz_rethrow(ctx);
			kids = pdf_dict_get(ctx, field, PDF_NAME(Kids));
			for (int i = 0; i < npages; i++) {
				pdf_page *page = load_page(ctx, j, i);
				fz_rect b = fz_bound_page(ctx, (fz_page *)page), box;
				pdf_obj *wref;
				float y = (float)(o->y_mm * MM_TO_PT);
				chars += es_pdf__page_chars(ctx, (fz_page *)page);
				/* page i shows slice i: the whole picture, shifted left by i slices */
				fz_rect disp = fz_make_rect(b.x1 - slice, y, b.x1, y + h);
				fz_rect img = fz_make_rect(b.x1 - slice * (float)(i + 1), y, b.x1 - slice * (float)(i + 1) + w,
							   y + h);
				pdf_drop_obj(ctx, ap);
				ap = NULL;
				ap = make_appearance(ctx, j, imref, page, disp, img, &box);
				wref = add_widget(ctx, j, i, box, ap, field);
				pdf_array_push_drop(ctx, kids, wref);
			}
			if (chars == 0)
				fail(ctx, j, es_error_set(ES_EDENIED, "pdf: the document has no text: blank pages are not sealed (R6)"));
		}
		add_to_acroform(ctx, j, field);
	}
	fz_always(ctx) {
		pdf_drop_obj(ctx, imref);
		pdf_drop_obj(ctx, ap);
		pdf_drop_obj(ctx, field);
	}
	fz_catch(ctx)
		fz_rethrow(ctx);
}

/* Original generation number of an object (0 for new ones). */
static int obj_gen(fz_context *ctx, sign_job *j, int num)
{
	pdf_xref_entry *e;
	if (num >= j->orig_xref_len)
		return 0;
	e = pdf_get_xref_entry(ctx, j->doc, num);
	return e && e->type == 'n' ? e->gen : 0;
}

static void put(fz_context *ctx, sign_job *j, const void *p, size_t n)
{
	if (es_buf_put(j->out, p, n) < 0)
		fail(ctx, j, es_error_last()->code ? es_error_last()->code : ES_ENOMEM);
}

static void putf(fz_context *ctx, sign_job *j, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void putf(fz_context *ctx, sign_job *j, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;
	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		fail(ctx, j, es_error_set(ES_EINTERNAL, "pdf: formatted text too long"));
	put(ctx, j, tmp, (size_t)n);
}

/* Append the tight text form of @obj. */
static void put_obj_text(fz_context *ctx, sign_job *j, pdf_obj *obj)
{
	fz_buffer *b = fz_new_buffer(ctx, 64);
	fz_output *fo = NULL;
	fz_var(fo);
	fz_try(ctx) {
		unsigned char *d;
		size_t dn;
		fo = fz_new_output_with_buffer(ctx, b);
		pdf_print_obj(ctx, fo, obj, 1, 0);
		fz_close_output(ctx, fo);
		dn = fz_buffer_storage(ctx, b, &d);
		put(ctx, j, d, dn);
	}
	fz_always(ctx) {
		fz_drop_output(ctx, fo);
		fz_drop_buffer(ctx, b);
	}
	fz_catch(ctx)
		fz_rethrow(ctx);
}

/* Keep a new image's dictionary (without /Length and /SMask) and filtered bytes. */
static void capture(fz_context *ctx, pic_stream *ps, pdf_obj *dict, fz_buffer *raw)
{
	pdf_obj *d = pdf_copy_dict(ctx, dict);
	fz_buffer *txt = NULL;
	fz_output *fo = NULL;
	fz_var(txt);
	fz_var(fo);
	fz_try(ctx) {
		unsigned char *data;
		size_t n, zn;
		pdf_dict_del(ctx, d, PDF_NAME(Length));
		pdf_dict_del(ctx, d, PDF_NAME(SMask));
		txt = fz_new_buffer(ctx, 128);
		fo = fz_new_output_with_buffer(ctx, txt);
		pdf_print_obj(ctx, fo, d, 1, 0);
		fz_close_output(ctx, fo);
		n = fz_buffer_storage(ctx, txt, &data);
		zn = fz_buffer_storage(ctx, raw, NULL);
		pic_stream_free(ps);
		ps->dict = es_strndup((const char *)data, n);
		ps->z = es_malloc(zn ? zn : 1);
		if (ps->dict && ps->z) {
			unsigned char *zd;
			fz_buffer_storage(ctx, raw, &zd);
			if (zn)
				memcpy(ps->z, zd, zn);
			ps->zlen = zn;
		} else {
			pic_stream_free(ps); /* no memory: this picture is simply not kept */
		}
	}
	fz_always(ctx) {
		fz_drop_output(ctx, fo);
		fz_drop_buffer(ctx, txt);
		pdf_drop_obj(ctx, d);
	}
	fz_catch(ctx)
		fz_rethrow(ctx);
}

/* Print one object (with its raw stream) as "num gen obj ... endobj". */
static void write_object(fz_context *ctx, sign_job *j, int num)
{
	pdf_obj *ref = pdf_new_indirect(ctx, j->doc, num, obj_gen(ctx, j, num));
	pdf_obj *obj = NULL;
	fz_buffer *raw = NULL, *txt = fz_new_buffer(ctx, 256);
	fz_output *fo = NULL;
	fz_var(obj);
	fz_var(raw);
	fz_var(fo);
	fz_try(ctx) {
		unsigned char *data;
		size_t n;
		obj = pdf_resolve_indirect(ctx, ref);
		if (pdf_is_stream(ctx, ref)) {
			raw = pdf_load_raw_stream_number(ctx, j->doc, num);
			obj = pdf_copy_dict(ctx, obj);
			if (num >= j->orig_xref_len && !pdf_dict_get(ctx, obj, PDF_NAME(Filter))) {
				/* MuPDF leaves new images unfiltered: deflate them */
				size_t zn = 0;
				unsigned char *z = fz_new_deflated_data_from_buffer(ctx, &zn, raw, FZ_DEFLATE_BEST_SPEED);
				fz_drop_buffer(ctx, raw);
				raw = NULL;
				raw = fz_new_buffer_from_data(ctx, z, zn);
				pdf_dict_put(ctx, obj, PDF_NAME(Filter), PDF_NAME(FlateDecode));
				pdf_dict_del(ctx, obj, PDF_NAME(DecodeParms));
			}
			if (j->img_num && (num == j->img_num || num == j->mask_num))
				capture(ctx, num == j->img_num ? &j->cap.img : &j->cap.mask, obj, raw);
			pdf_dict_put_int(ctx, obj, PDF_NAME(Length), (int64_t)fz_buffer_storage(ctx, raw, NULL));
		} else {
			obj = pdf_keep_obj(ctx, obj);
		}
		fo = fz_new_output_with_buffer(ctx, txt);
		pdf_print_obj(ctx, fo, obj, 1, 0);
		fz_close_output(ctx, fo);
		putf(ctx, j, "%d %d obj\n", num, obj_gen(ctx, j, num));
		n = fz_buffer_storage(ctx, txt, &data);
		put(ctx, j, data, n);
		if (raw) {
			put(ctx, j, "\nstream\n", 8);
			n = fz_buffer_storage(ctx, raw, &data);
			put(ctx, j, data, n);
			put(ctx, j, "\nendstream", 10);
		}
		put(ctx, j, "\nendobj\n", 8);
	}
	fz_always(ctx) {
		fz_drop_output(ctx, fo);
		fz_drop_buffer(ctx, txt);
		fz_drop_buffer(ctx, raw);
		pdf_drop_obj(ctx, obj);
		pdf_drop_obj(ctx, ref);
	}
	fz_catch(ctx)
		fz_rethrow(ctx);
}

/*
 * A PDF text string: ASCII as a literal with ( ) \\ escaped, anything else as
 * UTF-16BE with BOM in hex (PDF 32000 §7.9.2.2). Invalid UTF-8 becomes U+FFFD.
 */
static void put_pdf_string(fz_context *ctx, sign_job *j, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	bool ascii = true;
	for (const unsigned char *q = p; *q; q++)
		if (*q >= 0x80 || *q < 0x20)
			ascii = false;
	if (ascii) {
		put(ctx, j, "(", 1);
		for (; *p; p++) {
			if (*p == '(' || *p == ')' || *p == '\\')
				put(ctx, j, "\\", 1);
			put(ctx, j, p, 1);
		}
		put(ctx, j, ")", 1);
		return;
	}
	put(ctx, j, "<FEFF", 5);
	while (*p) {
		int rune = 0;
		int n = fz_chartorune(&rune, (const char *)p);
		if (n <= 0)
			break;
		p += n;
		if (rune < 0x20 && rune != '\t')
			rune = 0xfffd;
		if (rune >= 0x10000) {
			int v = rune - 0x10000;
			putf(ctx, j, "%04X%04X", 0xd800 + (v >> 10), 0xdc00 + (v & 0x3ff));
		} else {
			putf(ctx, j, "%04X", rune);
		}
	}
	put(ctx, j, ">", 1);
}

/* The signature dictionary; records where ByteRange and Contents are. */
static void write_sig_dict(fz_context *ctx, sign_job *j, size_t *br_at, size_t *contents_at)
{
	char date[32];
	es_pdf__date(date, j->now);
	putf(ctx, j, "%d 0 obj\n<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/%s/M(%s)", j->sig_num,
	     j->opt->encoding == ES_PDF_SES ? ES_PDF_SUBFILTER_SES : ES_PDF_SUBFILTER_CMS, date);
	if (j->opt->reason) {
		put(ctx, j, "/Reason", 7);
		put_pdf_string(ctx, j, j->opt->reason);
	}
	if (j->opt->location) {
		put(ctx, j, "/Location", 9);
		put_pdf_string(ctx, j, j->opt->location);
	}
	if (j->opt->certify)
		put(ctx, j, "/Reference[<</Type/SigRef/TransformMethod/DocMDP/TransformParams<</Type/TransformParams/P 2/V/1.2>>>>]",
		    strlen("/Reference[<</Type/SigRef/TransformMethod/DocMDP/TransformParams<</Type/TransformParams/P 2/V/1.2>>>>]"));
	put(ctx, j, "/ByteRange", 10);
	*br_at = j->out->len;
	for (int i = 0; i < BR_WIDTH; i++)
		put(ctx, j, " ", 1);
	put(ctx, j, "/Contents<", 10);
	*contents_at = j->out->len - 1;
	if (es_buf_reserve(j->out, 2 * j->reserve + 64) < 0)
		fail(ctx, j, es_error_last()->code);
	memset(j->out->ptr + j->out->len, '0', 2 * j->reserve);
	j->out->len += 2 * j->reserve;
	j->out->ptr[j->out->len] = 0;
	put(ctx, j, ">>>\nendobj\n", 11);
}

/* Byte offset of the last startxref's target, and whether it is an xref stream. */
static int64_t last_startxref(const uint8_t *p, size_t len, bool *is_stream)
{
	size_t from = len > 1024 ? len - 1024 : 0;
	int64_t v = -1;
	*is_stream = false;
	for (size_t i = len; i-- > from;) {
		if (i + 9 <= len && memcmp(p + i, "startxref", 9) == 0) {
			size_t k = i + 9;
			while (k < len && (p[k] == ' ' || p[k] == '\r' || p[k] == '\n'))
				k++;
			v = 0;
			while (k < len && p[k] >= '0' && p[k] <= '9' && v < ((int64_t)1 << 40))
				v = v * 10 + (p[k++] - '0');
			break;
		}
	}
	if (v >= 0 && (size_t)v < len) {
		size_t k = (size_t)v;
		while (k < len && (p[k] == ' ' || p[k] == '\r' || p[k] == '\n'))
			k++;
		*is_stream = !(k + 4 <= len && memcmp(p + k, "xref", 4) == 0);
	}
	return v;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/* Write the update after the original, fill ByteRange, hash, sign. */
static void write_update(fz_context *ctx, sign_job *j, int (*sign_fn)(sign_job *, const uint8_t *, size_t, es_buf *))
{
	static const char *keys[] = { "Root", "Info", "ID" };
	int total = pdf_xref_len(ctx, j->doc);
	int n = 0;
	size_t br_at = 0, contents_at = 0, contents_end, xref_at;
	bool xstream;
	int64_t prev = last_startxref(j->pdf, j->len, &xstream);
	pdf_obj *trailer = pdf_trailer(ctx, j->doc);
	uint8_t digest[32];
	char br[BR_WIDTH + 1];
	int bn;
	es_sm3_ctx *h = NULL;

	if (prev < 0)
		fail(ctx, j, es_error_set(ES_EMALFORMED, "pdf: no startxref at the end of the file"));
	j->nums = fz_malloc_array(ctx, (size_t)(total - j->orig_xref_len + j->ndirty + 1), int);
	j->offs = fz_malloc_array(ctx, (size_t)(total - j->orig_xref_len + j->ndirty + 1), size_t);
	for (int i = 0; i < j->ndirty; i++)
		j->nums[n++] = j->dirty[i];
	for (int i = j->orig_xref_len; i < total; i++)
		j->nums[n++] = i;
	qsort(j->nums, (size_t)n, sizeof(int), cmp_int);
	if (!j->base)
		put(ctx, j, j->pdf, j->len);
	if (j->len && j->pdf[j->len - 1] != '\n' && j->pdf[j->len - 1] != '\r')
		put(ctx, j, "\n", 1);
	for (int i = 0; i < n; i++) {
		j->offs[i] = j->base + j->out->len;
		if (j->nums[i] == j->sig_num)
			write_sig_dict(ctx, j, &br_at, &contents_at);
		else
			write_object(ctx, j, j->nums[i]);
	}
	xref_at = j->base + j->out->len;
	if (!xstream) {
		put(ctx, j, "xref\n", 5);
		for (int i = 0; i < n; i++)
			putf(ctx, j, "%d 1\n%010zu %05d n\r\n", j->nums[i], j->offs[i], obj_gen(ctx, j, j->nums[i]));
		putf(ctx, j, "trailer\n<</Size %d/Prev %lld", total, (long long)prev);
	} else {
		/* an xref stream numbered @total, itself included */
		putf(ctx, j, "%d 0 obj\n<</Type/XRef/Size %d/W[1 4 2]/Index[", total, total + 1);
		for (int i = 0; i < n; i++)
			putf(ctx, j, "%d 1 ", j->nums[i]);
		putf(ctx, j, "%d 1]/Length %d/Prev %lld", total, 7 * (n + 1), (long long)prev);
	}
	for (size_t k = 0; k < ES_ARRAY_LEN(keys); k++) {
		pdf_obj *v = pdf_dict_gets(ctx, trailer, keys[k]);
		if (!v)
			continue;
		putf(ctx, j, "/%s ", keys[k]);
		put_obj_text(ctx, j, v);
	}
	if (!xstream) {
		put(ctx, j, ">>\n", 3);
	} else {
		put(ctx, j, ">>\nstream\n", 10);
		for (int i = 0; i <= n; i++) {
			size_t off = i < n ? j->offs[i] : xref_at;
			int gen = i < n ? obj_gen(ctx, j, j->nums[i]) : 0;
			uint8_t e[7] = { 1, (uint8_t)(off >> 24), (uint8_t)(off >> 16), (uint8_t)(off >> 8),
					 (uint8_t)off, (uint8_t)(gen >> 8), (uint8_t)gen };
			if (off > 0xffffffffu)
				fail(ctx, j, es_error_set(ES_ELIMIT, "pdf: output larger than 4 GiB"));
			put(ctx, j, e, 7);
		}
		put(ctx, j, "\nendstream\nendobj\n", 18);
	}
	putf(ctx, j, "startxref\n%zu\n%%%%EOF\n", xref_at);

	/* ByteRange, digest, signature; contents_at and contents_end index j->out, the
	 * ByteRange counts from the start of the file (j->base bytes earlier) */
	contents_end = contents_at + 2 * j->reserve + 2;
	bn = snprintf(br, sizeof(br), "[0 %zu %zu %zu]", j->base + contents_at, j->base + contents_end,
		      j->out->len - contents_end);
	if (bn < 0 || bn > BR_WIDTH)
		fail(ctx, j, es_error_set(ES_EINTERNAL, "pdf: ByteRange does not fit"));
	memcpy(j->out->ptr + br_at, br, (size_t)bn);
	if (es_sm3_new(&h) < 0 || (j->base && es_sm3_update(h, j->pdf, j->len) < 0) ||
	    es_sm3_update(h, j->out->ptr, contents_at) < 0 ||
	    es_sm3_update(h, j->out->ptr + contents_end, j->out->len - contents_end) < 0 ||
	    es_sm3_final(h, digest) < 0) {
		es_sm3_free(h);
		fail(ctx, j, es_error_last()->code ? es_error_last()->code : ES_ECRYPTO);
	}
	es_sm3_free(h);
	if (sign_fn(j, digest, j->base + contents_at, &j->sig) < 0)
		fail(ctx, j, es_error_last()->code ? es_error_last()->code : ES_EINTERNAL);
	if (j->sig.len > j->reserve)
		fail(ctx, j, es_error_set(ES_EINTERNAL, "pdf: signature of %zu bytes exceeds the %zu reserved",
					  j->sig.len, j->reserve));
	for (size_t i = 0; i < j->sig.len; i++) {
		static const char hx[] = "0123456789ABCDEF";
		j->out->ptr[contents_at + 1 + 2 * i] = (uint8_t)hx[j->sig.ptr[i] >> 4];
		j->out->ptr[contents_at + 2 + 2 * i] = (uint8_t)hx[j->sig.ptr[i] & 15];
	}
}

/* The signature value over @digest (SM3 of the ByteRange bytes). */
static int sign_value(sign_job *j, const uint8_t digest[32], size_t contents_at, es_buf *out)
{
	if (j->opt->encoding == ES_PDF_SES) {
		es_sign_options so = ES_SIGN_OPTIONS_INIT;
		char prop[160];
		size_t total = j->out ? j->base + j->out->len : 0;
		size_t cend = contents_at + 2 * j->reserve + 2;
		if (j->out && total >= cend)
			snprintf(prop, sizeof(prop), "pdf ByteRange [0 %zu %zu %zu]", contents_at, cend, total - cend);
		else
			snprintf(prop, sizeof(prop), "pdf ByteRange [0 0000000000 0000000000 0000000000]");
		so.data_hash = digest;
		so.property_info = prop;
		so.time = j->now;
		so.tsa_cert = j->opt->tsa_cert;
		so.tsa_key = j->opt->tsa_key;
		if (j->opt->signer)
			return es_ses_signer_sign(j->opt->signer, out, &so);
		return es_ses_sign(out, &so, j->seal, j->cert, j->key);
	}
	return es_pdf__cms_build(out, digest, j->now, j->cert, j->key, j->opt->tsa_cert, j->opt->tsa_key);
}

static int sign_value_cb(sign_job *j, const uint8_t *digest, size_t contents_at, es_buf *out)
{
	return sign_value(j, digest, contents_at, out);
}

static void sign_cleanup(fz_context *ctx, sign_job *j)
{
	for (int i = 0; i < j->npages_loaded; i++)
		fz_drop_page(ctx, (fz_page *)j->pages[i]);
	j->npages_loaded = 0;
	fz_drop_image(ctx, j->image);
	fz_drop_display_list(ctx, j->svg);
	j->svg = NULL;
	pic_entry_free(&j->hit);
	pic_entry_free(&j->cap);
	j->have_hit = false;
	fz_drop_buffer(ctx, j->tmp);
	pdf_drop_document(ctx, j->doc);
	fz_free(ctx, j->nums);
	fz_free(ctx, j->offs);
	es_buf_release(&j->sig);
	j->nums = NULL;
	j->offs = NULL;
	j->image = NULL;
	j->tmp = NULL;
	j->doc = NULL;
}

/* The MuPDF part of signing; the update is appended to j->out. */
static int run_sign(fz_context *ctx, sign_job *j)
{
	size_t start = j->out->len;
	fz_try(ctx) {
		j->doc = es_pdf__open(ctx, j->pdf, j->len);
		build_objects(ctx, j);
		write_update(ctx, j, sign_value_cb);
		if (j->img_num && j->cap.img.dict && (!j->mask_num || j->cap.mask.dict)) {
			/* the picture is borrowed for the copy the cache makes */
			j->cap.pic = (uint8_t *)(uintptr_t)j->pic;
			j->cap.pic_len = j->pic_len;
			j->cap.has_mask = j->mask_num != 0;
			j->cap.is_form = j->is_form;
			j->cap.form_w = j->svg_w;
			j->cap.form_h = j->svg_h;
			pic_cache_put(&j->cap);
			j->cap.pic = NULL;
			j->cap.pic_len = 0;
		}
	}
	fz_always(ctx)
		sign_cleanup(ctx, j);
	fz_catch(ctx) {
		if (j->out->ptr && j->out->len > start)
			j->out->len = start;
		return es_pdf__caught(ctx, j->err, "pdf");
	}
	return 0;
}

static int sign_pdf(es_buf *out, bool update_only, const uint8_t *pdf, size_t len, const es_pdf_sign_options *opt,
		    const es_seal *seal, const es_cert *signer_cert, const es_sm2_key *signer_key)
{
	sign_job *j = NULL;
	fz_context *ctx = NULL;
	es_buf probe = ES_BUF_INIT;
	uint8_t zero[32] = { 0 };
	int rc = 0;

	ES_ASSERT_ARG(out && (pdf || len == 0) && opt && signer_cert && (signer_key || opt->signer));
	if (opt->version != ES_PDF_SIGN_OPTIONS_VERSION)
		return es_error_set(ES_EINVAL, "pdf: unknown sign options version %u", opt->version);
	if (opt->signer && opt->encoding != ES_PDF_SES)
		return es_error_set(ES_EINVAL, "pdf: a kept or external signer makes GB/T 38540 signatures: use ES_PDF_SES");
	if (opt->encoding != ES_PDF_CMS && opt->encoding != ES_PDF_SES)
		return es_error_set(ES_EINVAL, "pdf: unknown encoding %d", opt->encoding);
	if (opt->encoding == ES_PDF_SES && !seal)
		return es_error_set(ES_EINVAL, "pdf: the SES encoding needs a seal");
	if (len > ES_PDF_MAX_SIZE)
		return es_error_set(ES_ELIMIT, "pdf: file larger than %zu bytes", ES_PDF_MAX_SIZE);
	if (len < 8 || memcmp(pdf, "%PDF-", 5) != 0)
		return es_error_set(ES_EMALFORMED, "pdf: not a PDF (no %%PDF- header)");
	if (opt->w_mm < 0 || opt->h_mm < 0 || opt->w_mm > 1000 || opt->h_mm > 1000 || opt->x_mm < -1000 ||
	    opt->x_mm > 5000 || opt->y_mm < -1000 || opt->y_mm > 5000)
		return es_error_set(ES_EINVAL, "pdf: seal box out of range");
	if (!(j = es_calloc(1, sizeof(*j))))
		return es_error_set(ES_ENOMEM, "pdf: out of memory");
	j->pdf = pdf;
	j->len = len;
	j->opt = opt;
	j->seal = seal;
	j->cert = signer_cert;
	j->key = signer_key;
	j->now = opt->time ? opt->time : es_time_now();
	/*
	 * Size the placeholder: a CMS without time stamp is the certificate
	 * plus under 400 bytes; otherwise sign a dummy digest once.
	 */
	if (opt->encoding == ES_PDF_CMS && !opt->tsa_cert) {
		j->reserve = es_cert_der(signer_cert).len + 1024;
	} else {
		if ((rc = sign_value(j, zero, 0, &probe)) < 0)
			goto done;
		j->reserve = probe.len + 512;
	}
	if (j->reserve > ES_PDF_MAX_CONTENTS) {
		rc = es_error_set(ES_ELIMIT, "pdf: signature value larger than %zu bytes", ES_PDF_MAX_CONTENTS);
		goto done;
	}
	if (!(ctx = es_pdf__ctx_new())) {
		rc = es_error_set(ES_ENOMEM, "pdf: no MuPDF context");
		goto done;
	}
	j->out = out;
	j->base = update_only ? len : 0;
	j->sig = (es_buf)ES_BUF_INIT;
	rc = run_sign(ctx, j);
done:
	if (ctx)
		fz_drop_context(ctx);
	es_buf_release(&probe);
	es_free(j);
	return rc;
}

int es_pdf_sign(es_buf *out, const uint8_t *pdf, size_t len, const es_pdf_sign_options *opt, const es_seal *seal,
		const es_cert *signer_cert, const es_sm2_key *signer_key)
{
	return sign_pdf(out, false, pdf, len, opt, seal, signer_cert, signer_key);
}

int es_pdf_sign_update(es_buf *update, const uint8_t *pdf, size_t len, const es_pdf_sign_options *opt,
		       const es_seal *seal, const es_cert *signer_cert, const es_sm2_key *signer_key)
{
	ES_ASSERT_ARG(update && update->len == 0);
	return sign_pdf(update, true, pdf, len, opt, seal, signer_cert, signer_key);
}

int es_pdf_write_sealed(const char *path, const uint8_t *pdf, size_t len, const es_pdf_sign_options *opt,
			const es_seal *seal, const es_cert *signer_cert, const es_sm2_key *signer_key, size_t *written)
{
	es_buf update = ES_BUF_INIT;
	int rc;
	ES_ASSERT_ARG(path && (pdf || len == 0));
	if ((rc = es_pdf_sign_update(&update, pdf, len, opt, seal, signer_cert, signer_key)) == 0) {
		es_file_part parts[2] = { { pdf, len }, { update.ptr, update.len } };
		rc = es_file_writev(path, parts, 2, 0644);
		if (rc == 0 && written)
			*written = len + update.len;
	}
	es_buf_release(&update);
	return rc;
}

int es_pdf_sign_batch(const char *const *inputs, const char *const *outputs, size_t n, const es_pdf_sign_options *opt,
		      const es_seal *seal, const es_cert *signer_cert, const es_sm2_key *signer_key,
		      es_pdf_progress_fn progress, void *payload, size_t *nok)
{
	int first = 0;
	size_t ok = 0;
	ES_ASSERT_ARG((inputs && outputs) || n == 0);
	for (size_t i = 0; i < n; i++) {
		es_buf in = ES_BUF_INIT;
		/* one copy of each file in memory: the update is written after the original */
		int rc = es_file_read(&in, inputs[i], ES_PDF_MAX_SIZE);
		if (rc == 0)
			rc = es_pdf_write_sealed(outputs[i], in.ptr, in.len, opt, seal, signer_cert, signer_key, NULL);
		if (rc == 0)
			ok++;
		else if (first == 0)
			first = rc;
		es_buf_release(&in);
		if (progress && progress(i + 1, n, inputs[i], rc, payload) != 0) {
			if (first == 0)
				first = es_error_set(ES_EDENIED, "pdf: batch stopped after %zu of %zu files", i + 1, n);
			break;
		}
	}
	if (nok)
		*nok = ok;
	return first;
}
