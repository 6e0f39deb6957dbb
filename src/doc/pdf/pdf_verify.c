/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Verifying the signatures of a PDF (docs/pdf.md).
 *
 * MuPDF finds the signature fields (/AcroForm /Fields, recursively) and
 * their /V dictionaries; the checks on the bytes are done here on the raw
 * file: the ByteRange must start at 0, leave out exactly the hex string of
 * /Contents, and end either at the end of the file or at the %%EOF of the
 * signed revision. The signature value goes to the core verifier with the
 * ByteRange bytes as the original. Later incremental updates are classified
 * by comparing the signed revision (opened on its own) with the whole file.
 */
#include "pdf_mu.h"
#include "der/der.h"
#include "estime.h"

#define MAX_FIELD_DEPTH 16
#define MAX_WIDGETS 64

typedef struct pdf_sig {
	char name[64];
	int v_num;              /* object number of /V (0: direct), shared by fields of one signature */
	int nfields;
	char fields[256];       /* every field name that carries this /V */
	char subfilter[48];
	int64_t br[4];
	int nbr;
	bool br_ints;
	uint8_t *contents;      /* decoded /Contents (MuPDF's parse), owned */
	size_t contents_len;
	int certify_p;          /* DocMDP P, 0 if not certifying */
	int npages_w;
	int page[MAX_WIDGETS];  /* 0-based page of each widget */
	fz_rect rect[MAX_WIDGETS];
	int widget_num[MAX_WIDGETS];
} pdf_sig;

typedef struct verify_job {
	const uint8_t *pdf;
	size_t len;
	pdf_document *doc;
	pdf_sig *sigs;
	int nsigs;
	int err;
	size_t intact_end;      /* damaged file: signatures read from the revision ending here (0: not damaged) */
} verify_job;

static void vfail(fz_context *ctx, verify_job *j, int err)
{
	j->err = err;
	fz_throw(ctx, FZ_ERROR_GENERIC, "%s", es_error_last()->message);
}

static int page_of(fz_context *ctx, pdf_document *doc, pdf_obj *widget)
{
	pdf_obj *p = pdf_dict_get(ctx, widget, PDF_NAME(P));
	int n = pdf_count_pages(ctx, doc);
	if (p) {
		int i = pdf_lookup_page_number(ctx, doc, p);
		if (i >= 0)
			return i;
	}
	/* no /P: look for the widget in the pages' /Annots */
	for (int i = 0; i < n && i < ES_PDF_MAX_PAGES; i++) {
		pdf_obj *a = pdf_dict_get(ctx, pdf_lookup_page_obj(ctx, doc, i), PDF_NAME(Annots));
		int k = pdf_array_len(ctx, a);
		for (int m = 0; m < k && m < ES_PDF_MAX_ANNOTS; m++)
			if (pdf_objcmp(ctx, pdf_array_get(ctx, a, m), widget) == 0)
				return i;
	}
	return -1;
}

static void add_widget(fz_context *ctx, verify_job *j, pdf_sig *s, pdf_obj *w)
{
	if (s->npages_w >= MAX_WIDGETS)
		return;
	s->page[s->npages_w] = page_of(ctx, j->doc, w);
	s->rect[s->npages_w] = pdf_dict_get_rect(ctx, w, PDF_NAME(Rect));
	s->widget_num[s->npages_w] = pdf_to_num(ctx, w);
	s->npages_w++;
}

static void add_sig(fz_context *ctx, verify_job *j, pdf_obj *field)
{
	pdf_obj *v = pdf_dict_get_inheritable(ctx, field, PDF_NAME(V));
	pdf_obj *br, *kids, *ref;
	pdf_sig *s;
	char *name;
	if (!pdf_is_dict(ctx, v))
		return; /* an unsigned signature field */
	/* fields sharing one /V are one signature, shown in several places */
	if (pdf_is_indirect(ctx, v)) {
		for (int i = 0; i < j->nsigs; i++) {
			pdf_sig *o = &j->sigs[i];
			if (o->v_num == pdf_to_num(ctx, v)) {
				char *fname = pdf_field_name(ctx, field);
				size_t l = strlen(o->fields);
				o->nfields++;
				if (l + strlen(fname ? fname : "") + 3 < sizeof(o->fields))
					snprintf(o->fields + l, sizeof(o->fields) - l, ", %s", fname && *fname ? fname : "(unnamed)");
				fz_free(ctx, fname);
				kids = pdf_dict_get(ctx, field, PDF_NAME(Kids));
				if (pdf_is_array(ctx, kids)) {
					for (int k = 0; k < pdf_array_len(ctx, kids) && k < MAX_WIDGETS; k++)
						add_widget(ctx, j, o, pdf_array_get(ctx, kids, k));
				} else {
					add_widget(ctx, j, o, field);
				}
				return;
			}
		}
	}
	if (j->nsigs >= ES_PDF_MAX_SIGS)
		vfail(ctx, j, es_error_set(ES_ELIMIT, "pdf: more than %d signatures", ES_PDF_MAX_SIGS));
	s = &j->sigs[j->nsigs++];
	memset(s, 0, sizeof(*s));
	name = pdf_field_name(ctx, field);
	snprintf(s->name, sizeof(s->name), "%s", name && *name ? name : "(unnamed)");
	snprintf(s->fields, sizeof(s->fields), "%s", s->name);
	s->nfields = 1;
	s->v_num = pdf_is_indirect(ctx, v) ? pdf_to_num(ctx, v) : 0;
	fz_free(ctx, name);
	snprintf(s->subfilter, sizeof(s->subfilter), "%s", pdf_to_name(ctx, pdf_dict_get(ctx, v, PDF_NAME(SubFilter))));
	br = pdf_dict_get(ctx, v, PDF_NAME(ByteRange));
	s->nbr = pdf_array_len(ctx, br);
	s->br_ints = s->nbr == 4;
	for (int i = 0; i < 4 && i < s->nbr; i++) {
		pdf_obj *x = pdf_array_get(ctx, br, i);
		if (!pdf_is_int(ctx, x))
			s->br_ints = false;
		s->br[i] = pdf_to_int64(ctx, x);
	}
	{
		pdf_obj *c = pdf_dict_get(ctx, v, PDF_NAME(Contents));
		size_t n = pdf_to_str_len(ctx, c);
		if (n > ES_PDF_MAX_CONTENTS)
			vfail(ctx, j, es_error_set(ES_ELIMIT, "pdf: /Contents larger than %zu bytes", ES_PDF_MAX_CONTENTS));
		if (n) {
			s->contents = es_malloc(n);
			if (!s->contents)
				vfail(ctx, j, es_error_set(ES_ENOMEM, "pdf: out of memory"));
			memcpy(s->contents, pdf_to_str_buf(ctx, c), n);
			s->contents_len = n;
		}
	}
	ref = pdf_dict_get(ctx, v, PDF_NAME(Reference));
	for (int i = 0; i < pdf_array_len(ctx, ref) && i < 8; i++) {
		pdf_obj *r = pdf_array_get(ctx, ref, i);
		if (pdf_name_eq(ctx, pdf_dict_get(ctx, r, PDF_NAME(TransformMethod)), PDF_NAME(DocMDP))) {
			pdf_obj *tp = pdf_dict_get(ctx, r, PDF_NAME(TransformParams));
			s->certify_p = tp && pdf_dict_get(ctx, tp, PDF_NAME(P)) ? pdf_dict_get_int(ctx, tp, PDF_NAME(P)) : 2;
		}
	}
	kids = pdf_dict_get(ctx, field, PDF_NAME(Kids));
	if (pdf_is_array(ctx, kids)) {
		for (int i = 0; i < pdf_array_len(ctx, kids) && i < MAX_WIDGETS; i++)
			add_widget(ctx, j, s, pdf_array_get(ctx, kids, i));
	} else {
		add_widget(ctx, j, s, field);
	}
}

/* noinline: its locals must not live in run_verify()'s setjmp frame */
__attribute__((noinline)) static void walk_fields(fz_context *ctx, verify_job *j, pdf_obj *arr, int depth)
{
	int n = pdf_array_len(ctx, arr);
	if (depth > MAX_FIELD_DEPTH)
		return;
	for (int i = 0; i < n && i < 10000; i++) {
		pdf_obj *f = pdf_array_get(ctx, arr, i);
		pdf_obj *ft = pdf_dict_get_inheritable(ctx, f, PDF_NAME(FT));
		/* marks guard against cycles; on an exception the document is dropped with them */
		if (pdf_mark_obj(ctx, f))
			continue;
		if (pdf_name_eq(ctx, ft, PDF_NAME(Sig)) && pdf_dict_get(ctx, f, PDF_NAME(T)))
			add_sig(ctx, j, f);
		else if (pdf_is_array(ctx, pdf_dict_get(ctx, f, PDF_NAME(Kids))))
			walk_fields(ctx, j, pdf_dict_get(ctx, f, PDF_NAME(Kids)), depth + 1);
		pdf_unmark_obj(ctx, f);
	}
}

/* ---- checks on the bytes ------------------------------------------------ */

static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Does the file end a revision (…%%EOF[EOL]) at @end? */
static bool ends_revision(const uint8_t *p, size_t end)
{
	size_t k = end;
	while (k > 0 && (p[k - 1] == '\n' || p[k - 1] == '\r' || p[k - 1] == ' '))
		k--;
	return k >= 5 && memcmp(p + k - 5, "%%EOF", 5) == 0;
}

/*
 * Bytes after the last revision (its %%EOF and end-of-line) that are not
 * white space: junk, or an update cut short. 0 when the file ends cleanly.
 */
static size_t trailing_data(const uint8_t *p, size_t from, size_t len)
{
	size_t end = from, k;
	for (size_t i = from; i + 5 <= len; i++)
		if (p[i] == '%' && memcmp(p + i, "%%EOF", 5) == 0)
			end = i + 5;
	for (k = end; k < len; k++)
		if (p[k] != '\n' && p[k] != '\r' && p[k] != ' ' && p[k] != '\t' && p[k] != '\f' && p[k] != 0)
			return len - k;
	return 0;
}

static size_t count_eofs(const uint8_t *p, size_t from, size_t len)
{
	size_t n = 0;
	for (size_t i = from; i + 5 <= len; i++)
		if (p[i] == '%' && memcmp(p + i, "%%EOF", 5) == 0)
			n++;
	return n;
}

/*
 * The byte-range check. Returns true when the ranges are usable (the
 * signature can be checked over them); @signed_end receives b2+b3.
 */
static bool check_byte_range(es_sig_report *e, const verify_job *j, const pdf_sig *s, size_t *signed_end)
{
	const int64_t *b = s->br;
	size_t gap, k;
	*signed_end = 0;
	if (!s->br_ints || b[0] != 0 || b[1] <= 0 || b[2] <= b[1] || b[3] < 0 || (uint64_t)b[2] > j->len ||
	    (uint64_t)b[3] > j->len - (size_t)b[2]) {
		es_sig_report_check(e, "byte-range", ES_RESULT_FAIL, false,
				    "ByteRange is not [0 a b c] with 0 < a < b and b + c within the %zu-byte file", j->len);
		return false;
	}
	*signed_end = (size_t)(b[2] + b[3]);
	gap = (size_t)(b[2] - b[1]);
	if (j->pdf[b[1]] != '<' || j->pdf[b[2] - 1] != '>' || gap < 2 || (gap - 2) % 2 != 0 ||
	    (gap - 2) / 2 != s->contents_len) {
		es_sig_report_check(e, "byte-range", ES_RESULT_FAIL, false,
				    "the bytes left out by ByteRange are not the /Contents hex string: the file was "
				    "rewritten after signing (not an incremental update)");
		return false;
	}
	for (k = 0; k < s->contents_len; k++) {
		int hi = hexval(j->pdf[b[1] + 1 + 2 * k]), lo = hexval(j->pdf[b[1] + 2 + 2 * k]);
		if (hi < 0 || lo < 0 || (uint8_t)(hi << 4 | lo) != s->contents[k])
			break;
	}
	if (k != s->contents_len) {
		es_sig_report_check(e, "byte-range", ES_RESULT_FAIL, false,
				    "the bytes left out by ByteRange differ from /Contents: the file was rewritten "
				    "after signing (not an incremental update)");
		return false;
	}
	if (*signed_end == j->len) {
		es_sig_report_check(e, "byte-range", ES_RESULT_PASS, false,
				    "ByteRange [0 %lld %lld %lld] covers the whole file except /Contents",
				    (long long)b[1], (long long)b[2], (long long)b[3]);
	} else if (ends_revision(j->pdf, *signed_end)) {
		es_sig_report_check(e, "byte-range", ES_RESULT_PASS, false,
				    "ByteRange [0 %lld %lld %lld] covers the signed revision except /Contents; "
				    "%zu bytes follow it",
				    (long long)b[1], (long long)b[2], (long long)b[3], j->len - *signed_end);
	} else {
		es_sig_report_check(e, "byte-range", ES_RESULT_FAIL, false,
				    "ByteRange ends at byte %zu, which is not the end of a revision (%%%%EOF)", *signed_end);
		return false;
	}
	return true;
}

/* ---- what changed after signing ------------------------------------------ */

/* SM3 of a page's decoded content streams. */
static void page_content_hash(fz_context *ctx, pdf_obj *page, uint8_t out[32])
{
	pdf_obj *c = pdf_dict_get(ctx, page, PDF_NAME(Contents));
	es_sm3_ctx *h = NULL;
	int n = pdf_is_array(ctx, c) ? pdf_array_len(ctx, c) : 1;
	memset(out, 0, 32);
	if (es_sm3_new(&h) < 0)
		fz_throw(ctx, FZ_ERROR_MEMORY, "sm3");
	fz_try(ctx) {
		for (int i = 0; i < n && i < 1024; i++) {
			pdf_obj *s = pdf_is_array(ctx, c) ? pdf_array_get(ctx, c, i) : c;
			fz_buffer *buf;
			unsigned char *d;
			size_t dn;
			if (!pdf_is_stream(ctx, s))
				continue;
			buf = pdf_load_stream(ctx, s);
			dn = fz_buffer_storage(ctx, buf, &d);
			if (es_sm3_update(h, d, dn) < 0) {
				fz_drop_buffer(ctx, buf);
				fz_throw(ctx, FZ_ERROR_MEMORY, "sm3");
			}
			fz_drop_buffer(ctx, buf);
		}
		if (es_sm3_final(h, out) < 0)
			fz_throw(ctx, FZ_ERROR_MEMORY, "sm3");
	}
	fz_always(ctx)
		es_sm3_free(h);
	fz_catch(ctx)
		fz_rethrow(ctx);
}

static bool in_annots(fz_context *ctx, pdf_obj *annots, int num)
{
	int n = pdf_array_len(ctx, annots);
	for (int i = 0; i < n && i < ES_PDF_MAX_ANNOTS; i++)
		if (pdf_to_num(ctx, pdf_array_get(ctx, annots, i)) == num)
			return true;
	return false;
}

static bool is_sig_widget(fz_context *ctx, pdf_obj *a)
{
	return pdf_name_eq(ctx, pdf_dict_get(ctx, a, PDF_NAME(Subtype)), PDF_NAME(Widget)) &&
	       pdf_name_eq(ctx, pdf_dict_get_inheritable(ctx, a, PDF_NAME(FT)), PDF_NAME(Sig));
}

typedef struct change_list {
	char text[380];
	size_t len;
	int bad, warn, later_sigs;
} change_list;

static void note(change_list *c, bool bad, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void note(change_list *c, bool bad, const char *fmt, ...)
{
	va_list ap;
	int n;
	if (bad)
		c->bad++;
	else
		c->warn++;
	if (c->len + 4 >= sizeof(c->text))
		return;
	if (c->len) {
		memcpy(c->text + c->len, "; ", 2);
		c->len += 2;
	}
	va_start(ap, fmt);
	n = vsnprintf(c->text + c->len, sizeof(c->text) - c->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		c->len = c->len + (size_t)n < sizeof(c->text) ? c->len + (size_t)n : sizeof(c->text) - 1;
}

/* Feed a stream's raw bytes to @h (nothing when @obj is not a stream). */
static void hash_raw_stream(fz_context *ctx, pdf_document *doc, pdf_obj *obj, es_sm3_ctx *h)
{
	fz_buffer *buf;
	unsigned char *d;
	size_t dn;
	int rc;
	if (!pdf_is_stream(ctx, obj))
		return;
	buf = pdf_load_raw_stream_number(ctx, doc, pdf_to_num(ctx, obj));
	dn = fz_buffer_storage(ctx, buf, &d);
	rc = es_sm3_update(h, d, dn);
	fz_drop_buffer(ctx, buf);
	if (rc < 0)
		fz_throw(ctx, FZ_ERROR_MEMORY, "sm3");
}

/* SM3 of what a widget shows: its dictionary, /AP /N and the XObjects (and SMasks) it draws. */
static void appearance_hash(fz_context *ctx, pdf_document *doc, int num, uint8_t out[32])
{
	es_sm3_ctx *h = NULL;
	fz_buffer *txt = NULL;
	fz_output *fo = NULL;
	memset(out, 0, 32);
	if (es_sm3_new(&h) < 0)
		fz_throw(ctx, FZ_ERROR_MEMORY, "sm3");
	fz_var(txt);
	fz_var(fo);
	fz_try(ctx) {
		pdf_obj *w = pdf_new_indirect(ctx, doc, num, 0);
		pdf_obj *ap = NULL, *xo;
		unsigned char *d;
		size_t dn;
		fz_try(ctx) {
			pdf_obj *r = pdf_resolve_indirect(ctx, w);
			txt = fz_new_buffer(ctx, 256);
			fo = fz_new_output_with_buffer(ctx, txt);
			pdf_print_obj(ctx, fo, r, 1, 0);
			fz_close_output(ctx, fo);
			dn = fz_buffer_storage(ctx, txt, &d);
			if (es_sm3_update(h, d, dn) < 0)
				fz_throw(ctx, FZ_ERROR_MEMORY, "sm3");
			ap = pdf_dict_getl(ctx, r, PDF_NAME(AP), PDF_NAME(N), NULL);
			hash_raw_stream(ctx, doc, ap, h);
			xo = pdf_dict_getl(ctx, ap, PDF_NAME(Resources), PDF_NAME(XObject), NULL);
			for (int i = 0; i < pdf_dict_len(ctx, xo) && i < 64; i++) {
				pdf_obj *x = pdf_dict_get_val(ctx, xo, i);
				hash_raw_stream(ctx, doc, x, h);
				hash_raw_stream(ctx, doc, pdf_dict_get(ctx, x, PDF_NAME(SMask)), h);
			}
		}
		fz_always(ctx)
			pdf_drop_obj(ctx, w);
		fz_catch(ctx)
			fz_rethrow(ctx);
		if (es_sm3_final(h, out) < 0)
			fz_throw(ctx, FZ_ERROR_MEMORY, "sm3");
	}
	fz_always(ctx) {
		fz_drop_output(ctx, fo);
		fz_drop_buffer(ctx, txt);
		es_sm3_free(h);
	}
	fz_catch(ctx)
		fz_rethrow(ctx);
}

/* The terminal form fields of a document (object numbers), walked with limits. */
typedef struct field_set {
	int num[ES_PDF_MAX_FIELDS];
	pdf_obj *obj[ES_PDF_MAX_FIELDS];
	int n;
} field_set;

static void collect_fields(fz_context *ctx, pdf_obj *arr, int depth, field_set *f)
{
	if (depth > ES_PDF_MAX_FIELD_DEPTH)
		return;
	for (int i = 0; i < pdf_array_len(ctx, arr) && f->n < ES_PDF_MAX_FIELDS; i++) {
		pdf_obj *fld = pdf_array_get(ctx, arr, i), *kids = pdf_dict_get(ctx, fld, PDF_NAME(Kids));
		bool field_kids = false;
		/* kids that carry a /T are fields; kids without are its widgets */
		for (int k = 0; k < pdf_array_len(ctx, kids) && !field_kids; k++)
			field_kids = pdf_dict_get(ctx, pdf_array_get(ctx, kids, k), PDF_NAME(T)) != NULL;
		if (field_kids) {
			collect_fields(ctx, kids, depth + 1, f);
		} else if (pdf_is_indirect(ctx, fld)) {
			f->num[f->n] = pdf_to_num(ctx, fld);
			f->obj[f->n++] = fld;
		}
	}
}

static pdf_obj *field_by_num(const field_set *f, int num)
{
	for (int i = 0; i < f->n; i++)
		if (f->num[i] == num)
			return f->obj[i];
	return NULL;
}

static const char *field_label(fz_context *ctx, pdf_obj *fld, char *buf, size_t cap)
{
	const char *t = pdf_to_text_string(ctx, pdf_dict_get(ctx, fld, PDF_NAME(T)));
	snprintf(buf, cap, "%s", t && *t ? t : "(unnamed)");
	for (char *p = buf; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = '?';
	return buf;
}

/*
 * What changed in the document itself: catalog entries (an /OpenAction,
 * /Names with JavaScript or files, /AA, /URI ... added after signing is a
 * change to the document; /DSS, /Metadata, /Version and /Extensions are
 * what later signers update, /AcroForm is left to the rules below), and
 * form fields other than signatures. A field filled
 * later is allowed by a certifying signature with P=2 or 3 (DocMDP), a
 * warning for an approval signature (a human decides), and not allowed
 * with P=1 (already failed). A field added later is not allowed under
 * DocMDP and a warning otherwise. XFA changes are never allowed.
 */
static void compare_document(fz_context *ctx, pdf_document *nd, const pdf_sig *s, pdf_document *old, change_list *c)
{
	pdf_obj *ro = pdf_dict_get(ctx, pdf_trailer(ctx, old), PDF_NAME(Root));
	pdf_obj *rn = pdf_dict_get(ctx, pdf_trailer(ctx, nd), PDF_NAME(Root));
	pdf_obj *fo = pdf_dict_get(ctx, ro, PDF_NAME(AcroForm)), *fn = pdf_dict_get(ctx, rn, PDF_NAME(AcroForm));
	field_set *of = NULL, *nf = NULL;
	char name[64];

	for (int pass = 0; pass < 2; pass++) {
		pdf_obj *a = pass ? rn : ro, *b = pass ? ro : rn;
		for (int i = 0; i < pdf_dict_len(ctx, a) && i < 256; i++) {
			pdf_obj *k = pdf_dict_get_key(ctx, a, i), *vb = pdf_dict_get(ctx, b, k);
			if (pdf_name_eq(ctx, k, PDF_NAME(AcroForm)) || pdf_name_eq(ctx, k, PDF_NAME(Pages)) ||
			    pdf_name_eq(ctx, k, PDF_NAME(Metadata)) || pdf_name_eq(ctx, k, PDF_NAME(Version)) ||
			    strcmp(pdf_to_name(ctx, k), "DSS") == 0 || strcmp(pdf_to_name(ctx, k), "Extensions") == 0)
				continue; /* what later signers legitimately update */
			if (!vb)
				note(c, true, "the document catalog's /%s was %s after signing", pdf_to_name(ctx, k),
				     pass ? "added" : "removed");
			else if (!pass && pdf_objcmp_resolve(ctx, pdf_dict_get_val(ctx, a, i), vb) != 0)
				note(c, true, "the document catalog's /%s was changed after signing", pdf_to_name(ctx, k));
		}
	}
	if (pdf_objcmp_resolve(ctx, pdf_dict_get(ctx, fo, PDF_NAME(XFA)), pdf_dict_get(ctx, fn, PDF_NAME(XFA))) != 0)
		note(c, true, "the form's XFA was changed after signing");
	if (!fn)
		return;
	fz_var(nf);
	of = fz_malloc_struct(ctx, field_set);
	fz_try(ctx) {
		nf = fz_malloc_struct(ctx, field_set);
		collect_fields(ctx, pdf_dict_get(ctx, fo, PDF_NAME(Fields)), 0, of);
		collect_fields(ctx, pdf_dict_get(ctx, fn, PDF_NAME(Fields)), 0, nf);
		for (int i = 0; i < nf->n; i++) {
			pdf_obj *now = nf->obj[i], *then = field_by_num(of, nf->num[i]);
			bool sig = pdf_name_eq(ctx, pdf_dict_get_inheritable(ctx, now, PDF_NAME(FT)), PDF_NAME(Sig));
			if (!then) {
				if (!sig)
					note(c, s->certify_p != 0, "form field '%s' added after signing",
					     field_label(ctx, now, name, sizeof(name)));
				continue;
			}
			if (sig)
				continue; /* later signatures are judged by their own checks */
			if (pdf_objcmp_resolve(ctx, pdf_dict_get(ctx, then, PDF_NAME(V)), pdf_dict_get(ctx, now, PDF_NAME(V))) != 0 &&
			    s->certify_p != 2 && s->certify_p != 3)
				note(c, s->certify_p == 1, "form field '%s' filled in after signing",
				     field_label(ctx, now, name, sizeof(name)));
		}
		for (int i = 0; i < of->n; i++)
			if (!field_by_num(nf, of->num[i]))
				note(c, true, "form field '%s' removed after signing", field_label(ctx, of->obj[i], name, sizeof(name)));
	}
	fz_always(ctx) {
		fz_free(ctx, of);
		fz_free(ctx, nf);
	}
	fz_catch(ctx)
		fz_rethrow(ctx);
}

static void compare_revisions(fz_context *ctx, pdf_document *nd, const pdf_sig *s, pdf_document *old, change_list *c)
{
	int nold = pdf_count_pages(ctx, old), nnew = pdf_count_pages(ctx, nd);
	for (int w = 0; w < s->npages_w; w++) {
		uint8_t ho[32], hn[32];
		if (!s->widget_num[w])
			continue;
		appearance_hash(ctx, old, s->widget_num[w], ho);
		appearance_hash(ctx, nd, s->widget_num[w], hn);
		if (memcmp(ho, hn, 32) != 0)
			note(c, true, "the seal's widget or appearance was changed%s",
			     s->npages_w > 1 ? " (riding seal)" : "");
	}
	if (nnew > nold)
		note(c, true, "%d page%s added after signing", nnew - nold, nnew - nold == 1 ? "" : "s");
	else if (nnew < nold)
		note(c, true, "%d page%s removed after signing", nold - nnew, nold - nnew == 1 ? "" : "s");
	for (int i = 0; i < nold && i < nnew && i < ES_PDF_MAX_PAGES; i++) {
		pdf_obj *po = pdf_lookup_page_obj(ctx, old, i), *pn = pdf_lookup_page_obj(ctx, nd, i);
		pdf_obj *ao = pdf_dict_get(ctx, po, PDF_NAME(Annots)), *an = pdf_dict_get(ctx, pn, PDF_NAME(Annots));
		uint8_t ho[32], hn[32];
		int na = pdf_array_len(ctx, an);
		page_content_hash(ctx, po, ho);
		page_content_hash(ctx, pn, hn);
		if (memcmp(ho, hn, 32) != 0 ||
		    pdf_objcmp_resolve(ctx, pdf_dict_get(ctx, po, PDF_NAME(Resources)),
				       pdf_dict_get(ctx, pn, PDF_NAME(Resources))) != 0)
			note(c, true, "page content changed on page %d", i + 1);
		for (int k = 0; k < na && k < ES_PDF_MAX_ANNOTS; k++) {
			pdf_obj *a = pdf_array_get(ctx, an, k);
			int num = pdf_to_num(ctx, a);
			fz_rect r;
			bool over = false;
			if (num && in_annots(ctx, ao, num)) {
				/* the seal's own widget must stay where it was */
				for (int w = 0; w < s->npages_w; w++)
					if (s->widget_num[w] == num && s->page[w] == i &&
					    !fz_contains_rect(s->rect[w], pdf_dict_get_rect(ctx, a, PDF_NAME(Rect))))
						note(c, true, "the seal's widget was moved on page %d", i + 1);
				continue;
			}
			if (is_sig_widget(ctx, a)) {
				c->later_sigs++;
				continue;
			}
			r = pdf_dict_get_rect(ctx, a, PDF_NAME(Rect));
			for (int w = 0; w < s->npages_w; w++)
				if (s->page[w] == i && !fz_is_empty_rect(fz_intersect_rect(r, s->rect[w])))
					over = true;
			if (over)
				note(c, true, "annotation over the seal added on page %d (%s)", i + 1,
				     pdf_to_name(ctx, pdf_dict_get(ctx, a, PDF_NAME(Subtype))));
			else
				note(c, s->certify_p == 1 || s->certify_p == 2, "annotation added on page %d (%s)", i + 1,
				     pdf_to_name(ctx, pdf_dict_get(ctx, a, PDF_NAME(Subtype))));
		}
	}
	compare_document(ctx, nd, s, old, c);
}

/*
 * Compare the revision ending at @from with the one ending at @to (0: the
 * whole file, already open); false (reason in c->text) when one cannot be
 * read on its own.
 */
__attribute__((noinline)) static bool compare_with_signed(fz_context *ctx, verify_job *j, const pdf_sig *s,
							  size_t from, size_t to, change_list *c)
{
	pdf_document *old = NULL, *nd = NULL;
	fz_var(old);
	fz_var(nd);
	fz_try(ctx) {
		old = es_pdf__open(ctx, j->pdf, from);
		if (to)
			nd = es_pdf__open(ctx, j->pdf, to);
		compare_revisions(ctx, to ? nd : j->doc, s, old, c);
	}
	fz_always(ctx) {
		pdf_drop_document(ctx, old);
		pdf_drop_document(ctx, nd);
	}
	fz_catch(ctx) {
		if (fz_caught(ctx) == FZ_ERROR_MEMORY)
			fz_rethrow(ctx);
		snprintf(c->text, sizeof(c->text), "%s", fz_caught_message(ctx));
		return false;
	}
	return true;
}

/* End of the revision whose %%EOF starts at @at (after its end-of-line). */
static size_t revision_end(const uint8_t *p, size_t len, size_t at)
{
	size_t k = at + 5;
	if (k < len && p[k] == '\r')
		k++;
	if (k < len && p[k] == '\n')
		k++;
	return k;
}

/* One info entry per later update (at most 4), saying what it did. */
static void list_updates(fz_context *ctx, verify_job *j, es_sig_report *e, const pdf_sig *s, size_t signed_end)
{
	size_t from = signed_end, n = 0;
	for (size_t i = signed_end; i + 5 <= j->len && n < 4; i++) {
		change_list c;
		size_t to;
		char key[32];
		if (j->pdf[i] != '%' || memcmp(j->pdf + i, "%%EOF", 5) != 0)
			continue;
		to = revision_end(j->pdf, j->len, i);
		memset(&c, 0, sizeof(c));
		snprintf(key, sizeof(key), "update-%zu", ++n);
		if (!compare_with_signed(ctx, j, s, from, to, &c))
			es_sig_report_info(e, key, "bytes %zu..%zu: cannot be read on its own", from, to);
		else if (c.bad || c.warn)
			es_sig_report_info(e, key, "bytes %zu..%zu: %s", from, to, c.text);
		else if (c.later_sigs)
			es_sig_report_info(e, key, "bytes %zu..%zu: %d signature%s added", from, to, c.later_sigs,
					   c.later_sigs == 1 ? "" : "s");
		else
			es_sig_report_info(e, key, "bytes %zu..%zu: no change to pages or the seal", from, to);
		from = to;
		i = to - 1;
	}
}

static void check_changes(fz_context *ctx, verify_job *j, es_sig_report *e, const pdf_sig *s, size_t signed_end)
{
	change_list c;
	size_t updates, trailing;
	memset(&c, 0, sizeof(c));
	if (signed_end >= j->len) {
		es_sig_report_check(e, "changes", ES_RESULT_PASS, false, "no change after signing");
		return;
	}
	if (j->intact_end) {
		es_sig_report_check(e, "changes", ES_RESULT_WARN, true,
				    "the file after byte %zu is damaged (its cross-reference chain loops or cannot be read): what a viewer shows may differ from the signed revision, and the later bytes cannot be judged",
				    j->intact_end);
		return;
	}
	updates = count_eofs(j->pdf, signed_end, j->len);
	trailing = trailing_data(j->pdf, signed_end, j->len);
	es_sig_report_info(e, "updates-after", "%zu", updates);
	if (trailing && updates == 0) {
		es_sig_report_check(e, "changes", ES_RESULT_WARN, false,
				    "no later update; %zu bytes of trailing data after the signed revision are not a well-formed incremental update (junk or a cut update): readers ignore them and no signature covers them",
				    trailing);
		return;
	}
	if (updates > ES_PDF_MAX_UPDATES) {
		es_sig_report_check(e, "changes", ES_RESULT_FAIL, false, "more than %d updates after signing",
				    ES_PDF_MAX_UPDATES);
		return;
	}
	if (s->certify_p == 1)
		note(&c, true, "the certifying signature (DocMDP P=1) allows no change at all");
	if (!compare_with_signed(ctx, j, s, signed_end, 0, &c)) {
		es_sig_report_check(e, "changes", ES_RESULT_FAIL, false,
				    "the signed revision cannot be read on its own: %s", c.text);
		return;
	}
	list_updates(ctx, j, e, s, signed_end);
	if (trailing)
		note(&c, false, "%zu bytes of trailing data after the last revision are not a well-formed incremental update (junk or a cut update)",
		     trailing);
	if (c.bad)
		es_sig_report_check(e, "changes", ES_RESULT_FAIL, false, "%zu update%s after signing: %s", updates,
				    updates == 1 ? "" : "s", c.text);
	else if (c.warn)
		es_sig_report_check(e, "changes", ES_RESULT_WARN, false,
				    "%zu update%s after signing: %d later signature%s; %s", updates, updates == 1 ? "" : "s",
				    c.later_sigs, c.later_sigs == 1 ? "" : "s", c.text);
	else
		es_sig_report_check(e, "changes", ES_RESULT_PASS, false,
				    "%zu later update%s, allowed: %d later signature%s, no change to pages or the seal",
				    updates, updates == 1 ? "" : "s", c.later_sigs, c.later_sigs == 1 ? "" : "s");
}

/* The RFC 3161 token of a CMS value: verified over the signature value, TSA chained at genTime. */
static void check_cms_timestamp(es_sig_report *e, const uint8_t *der, size_t len, const es_verify_options *opt)
{
	es_bytes tok, sigv;
	es_tst_info ti;
	es_path_result pr;
	char iso[32];
	if (es_pdf__cms_find_timestamp(der, len, &tok, &sigv) < 0 || !tok.len)
		return;
	memset(&ti, 0, sizeof(ti));
	memset(&pr, 0, sizeof(pr));
	if (es_tst_verify_trust(&ti, opt->trust, tok.ptr, tok.len, sigv.ptr, sigv.len) != 0) {
		es_sig_report_check(e, "timestamp", ES_RESULT_FAIL, false, "RFC 3161 time stamp does not verify: %s",
				    ti.reason[0] ? ti.reason : es_error_last()->message);
		es_tst_info_release(&ti);
		return;
	}
	es_time_iso(iso, ti.gen_time);
	e->signing_time = ti.gen_time;
	snprintf(e->signing_time_source, sizeof(e->signing_time_source), "timestamp");
	if (!ti.tsa_cert || es_trust_verify(&pr, opt->trust, ti.tsa_cert, NULL, 0, ti.gen_time, 0) < 0) {
		es_sig_report_check(e, "timestamp", ES_RESULT_SKIP, true,
				    "RFC 3161 time stamp verifies (genTime %s) but its authority could not be checked", iso);
	} else if (pr.status == ES_PATH_OK) {
		es_sig_report_check(e, "timestamp", pr.revocation_checked ? ES_RESULT_PASS : ES_RESULT_WARN, false,
				    "RFC 3161 time stamp over the signature value verifies, genTime %s; its authority "
				    "chains to a trust anchor%s",
				    iso, pr.revocation_checked ? "" : "; revocation not checked (no CRL)");
	} else if (pr.status == ES_PATH_NO_TRUST_STORE || pr.status == ES_PATH_UNKNOWN_ISSUER) {
		es_sig_report_check(e, "timestamp", ES_RESULT_SKIP, true,
				    "RFC 3161 time stamp verifies (genTime %s); its authority is not trusted: %s", iso,
				    pr.reason);
	} else {
		es_sig_report_check(e, "timestamp", ES_RESULT_FAIL, false,
				    "RFC 3161 time stamp verifies (genTime %s) but its authority fails: %s", iso, pr.reason);
	}
	es_tst_info_release(&ti);
}

static void ignore_rc(int rc)
{
	ES_UNUSED(rc); /* a failure is in the report (format check) */
}

static int verify_one(fz_context *ctx, verify_job *j, es_report *r, const pdf_sig *s, const es_verify_options *opt)
{
	es_verify_options o = *opt;
	es_sig_report *e = NULL;
	uint8_t *orig = NULL;
	size_t signed_end = 0, derlen = 0;
	bool usable;
	int err = 0;
	es_sig_report probe;
	bool is_ses = strcmp(s->subfilter, ES_PDF_SUBFILTER_SES) == 0;

	/* the DER value without the zero padding */
	if (s->contents_len) {
		es_der d;
		es_tlv t;
		es_der_init(&d, s->contents, s->contents_len);
		if (es_der_read_tlv(&d, &t) == 0)
			derlen = t.whole.len;
	}
	memset(&probe, 0, sizeof(probe));
	usable = check_byte_range(&probe, j, s, &signed_end);
	if (usable && derlen) {
		size_t a = (size_t)s->br[1], c = (size_t)s->br[3];
		orig = es_malloc(a + c + 1);
		if (!orig)
			return es_error_set(ES_ENOMEM, "pdf: out of memory");
		memcpy(orig, j->pdf, a);
		memcpy(orig + a, j->pdf + s->br[2], c);
		o.original = orig;
		o.original_len = a + c;
		o.has_original = true;
	} else {
		o.original = NULL;
		o.original_len = 0;
		o.has_original = false;
	}
	if (derlen)
		ignore_rc(es_verify_signed_value(r, s->name, s->contents, derlen, &o, &e));
	if (!e) {
		if ((err = es_report_add(r, &e)) < 0)
			goto done;
		snprintf(e->id, sizeof(e->id), "%s", s->name);
		snprintf(e->type, sizeof(e->type), "pdf");
		es_sig_report_check(e, "format", ES_RESULT_FAIL, false, "/Contents is not a signature value: %s",
				    derlen ? es_error_last()->message : "no DER value");
	}
	for (size_t k = 0; k < probe.nchecks; k++)
		es_sig_report_check(e, probe.checks[k].name, probe.checks[k].result, probe.checks[k].indeterminate, "%s",
				    probe.checks[k].reason);
	if (!usable)
		es_sig_report_check(e, "data-hash", ES_RESULT_FAIL, false,
				    "the signed bytes cannot be located (see byte-range)");
	if (!is_ses && strcmp(s->subfilter, ES_PDF_SUBFILTER_CMS) == 0)
		check_cms_timestamp(e, s->contents, derlen, opt);
	if (is_ses && strcmp(e->type, "Sign") == 0)
		es_sig_report_check(e, "format", ES_RESULT_FAIL, false,
				    "/SubFilter /%s but /Contents is not an SES_Signature", s->subfilter);
	else if (!is_ses && strcmp(e->type, "Seal") == 0)
		es_sig_report_check(e, "format", ES_RESULT_FAIL, false,
				    "/SubFilter /%s but /Contents is an SES_Signature", s->subfilter);
	es_sig_report_info(e, "subfilter", "%s", s->subfilter[0] ? s->subfilter : "(none)");
	es_sig_report_info(e, "byte-range", "%lld %lld %lld %lld", (long long)s->br[0], (long long)s->br[1],
			   (long long)s->br[2], (long long)s->br[3]);
	if (s->certify_p)
		es_sig_report_info(e, "docmdp", "P=%d (certifying signature)", s->certify_p);
	if (s->npages_w > 0) {
		es_sig_report_info(e, "page", "%d", s->page[0] + 1);
		es_sig_report_info(e, "rect", "%.1f %.1f %.1f %.1f", s->rect[0].x0, s->rect[0].y0, s->rect[0].x1,
				   s->rect[0].y1);
	}
	if (s->npages_w > 1)
		es_sig_report_info(e, "widgets", "%d (riding seal)", s->npages_w);
	if (s->nfields > 1)
		es_sig_report_info(e, "fields", "%d fields share this signature: %s", s->nfields, s->fields);
	if (j->intact_end)
		es_sig_report_notice(e, "damage: the file as a whole cannot be read (cross-reference /Prev loop or broken update after byte %zu); signatures were read from the last intact revision",
				     j->intact_end);
	if (usable && signed_end)
		check_changes(ctx, j, e, s, signed_end);
	else
		es_sig_report_check(e, "changes", ES_RESULT_SKIP, true, "the signed revision cannot be located");
done:
	es_free(orig);
	return err;
}

/*
 * The whole file needed repair (a /Prev loop, a broken last update): MuPDF's
 * reconstruction may drop the form. Read the signatures from the last
 * revision that opens without repair, and remember where the damage starts.
 */
__attribute__((noinline)) static void open_intact(fz_context *ctx, verify_job *j)
{
	size_t ends[64], n = 0;
	for (size_t i = 0; i + 5 <= j->len && n < ES_ARRAY_LEN(ends); i++)
		if (j->pdf[i] == '%' && memcmp(j->pdf + i, "%%EOF", 5) == 0)
			ends[n++] = revision_end(j->pdf, j->len, i);
	while (n-- > 0) {
		pdf_document *d = NULL;
		fz_var(d);
		if (ends[n] >= j->len)
			continue;
		fz_try(ctx) {
			d = es_pdf__open(ctx, j->pdf, ends[n]);
			if (pdf_was_repaired(ctx, d)) {
				pdf_drop_document(ctx, d);
				d = NULL;
			}
		}
		fz_catch(ctx) {
			if (fz_caught(ctx) == FZ_ERROR_MEMORY)
				fz_rethrow(ctx);
			d = NULL;
		}
		if (d) {
			pdf_drop_document(ctx, j->doc);
			j->doc = d;
			j->intact_end = ends[n];
			return;
		}
	}
}

static int run_verify(fz_context *ctx, verify_job *j, es_report *r, const es_verify_options *opt)
{
	fz_try(ctx) {
		pdf_obj *root, *acro;
		j->doc = es_pdf__open(ctx, j->pdf, j->len);
		if (pdf_needs_password(ctx, j->doc))
			vfail(ctx, j, es_error_set(ES_ENOTSUPPORTED, "pdf: encrypted document"));
		root = pdf_dict_get(ctx, pdf_trailer(ctx, j->doc), PDF_NAME(Root));
		acro = pdf_dict_get(ctx, root, PDF_NAME(AcroForm));
		walk_fields(ctx, j, pdf_dict_get(ctx, acro, PDF_NAME(Fields)), 0);
		/*
		 * Repaired, or nothing found although the file has several
		 * revisions: a damaged later update (a /Prev loop) may hide the
		 * form; read it from the last intact revision instead.
		 */
		if (pdf_was_repaired(ctx, j->doc) || (j->nsigs == 0 && count_eofs(j->pdf, 0, j->len) > 1)) {
			open_intact(ctx, j);
			if (j->intact_end) {
				for (int i = 0; i < j->nsigs; i++) {
					es_free(j->sigs[i].contents);
					j->sigs[i].contents = NULL;
				}
				j->nsigs = 0;
				root = pdf_dict_get(ctx, pdf_trailer(ctx, j->doc), PDF_NAME(Root));
				acro = pdf_dict_get(ctx, root, PDF_NAME(AcroForm));
				walk_fields(ctx, j, pdf_dict_get(ctx, acro, PDF_NAME(Fields)), 0);
			}
		}
		for (int i = 0; i < j->nsigs; i++) {
			int err = verify_one(ctx, j, r, &j->sigs[i], opt);
			if (err < 0)
				vfail(ctx, j, err);
		}
	}
	fz_always(ctx) {
		pdf_drop_document(ctx, j->doc);
		j->doc = NULL;
	}
	fz_catch(ctx)
		return es_pdf__caught(ctx, j->err, "pdf");
	return 0;
}

int es_pdf_verify_file(es_report *r, const uint8_t *pdf, size_t len, const es_verify_options *opt)
{
	verify_job *j;
	fz_context *ctx;
	es_verify_options defaults = ES_VERIFY_OPTIONS_INIT;
	int rc;

	ES_ASSERT_ARG(r && (pdf || len == 0));
	if (!opt)
		opt = &defaults;
	snprintf(r->format, sizeof(r->format), "pdf");
	if (len > ES_PDF_MAX_SIZE)
		return es_error_set(ES_ELIMIT, "pdf: file larger than %zu bytes", ES_PDF_MAX_SIZE);
	if (len < 8 || memcmp(pdf, "%PDF-", 5) != 0)
		return es_error_set(ES_EMALFORMED, "pdf: not a PDF (no %%PDF- header)");
	if (!(j = es_calloc(1, sizeof(*j))))
		return es_error_set(ES_ENOMEM, "pdf: out of memory");
	if (!(j->sigs = es_calloc(ES_PDF_MAX_SIGS, sizeof(pdf_sig)))) {
		es_free(j);
		return es_error_set(ES_ENOMEM, "pdf: out of memory");
	}
	j->pdf = pdf;
	j->len = len;
	if (!(ctx = es_pdf__ctx_new())) {
		es_free(j->sigs);
		es_free(j);
		return es_error_set(ES_ENOMEM, "pdf: no MuPDF context");
	}
	rc = run_verify(ctx, j, r, opt);
	fz_drop_context(ctx);
	for (int i = 0; i < j->nsigs; i++)
		es_free(j->sigs[i].contents);
	es_free(j->sigs);
	es_free(j);
	if (rc == 0) {
		if (r->nsigs == 0)
			snprintf(r->reason, sizeof(r->reason),
				 "the PDF has no signed signature field: nothing to verify");
		es_report_finish(r);
	}
	return rc;
}
