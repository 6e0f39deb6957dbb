/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Adding a signature to an OFD (GB/T 33190-2016 §18; STANDARDS.md §2.2,
 * §2.3, §9): Sign_N, the Signatures.xml entry (and <ofd:Signatures> in
 * OFD.xml before digesting), References to every package file except the
 * new Sign_N files and - unless sealing whole - Signatures.xml, then the
 * signed value over the Signature.xml bytes.
 */
#include "es_int.h"
#include "ofd_int.h"
#include "estime.h"

#define NAME_CAP (ES_OFD_MAX_NAME + 1)
#define NS "xmlns:ofd=\"http://www.ofdspec.org/2016\""

int es_ofd__cms_sign(es_buf *out, const uint8_t *data, size_t len, es_time t, const es_cert *cert,
		     const es_sm2_key *key);

typedef struct page {
	char id[32];
	char content[NAME_CAP];
} page;

typedef struct stamp {
	size_t page;      /* 0-based */
	double x, y, w, h;
	bool clip;
	double cx, cy, cw, ch;
} stamp;

typedef struct ctx {
	const es_ofd_sign_options *o;
	es_ofd_pkg *pkg;
	xmlDocPtr ofd, doc, sigs;
	char docroot[NAME_CAP];
	char spath[NAME_CAP];     /* Signatures.xml */
	bool has_spath;
	page *pages;
	size_t npages;
	double pw, ph;
	stamp *stamps;
	size_t nstamps, cap;
} ctx;

static void parse_box(const char *s, double *w, double *h)
{
	double v[4];
	char *end;
	for (int i = 0; i < 4; i++) {
		v[i] = strtod(s, &end);
		if (end == s)
			return;
		s = end;
	}
	if (v[2] > 0 && v[3] > 0) {
		*w = v[2];
		*h = v[3];
	}
}

static int load_doc(ctx *c)
{
	es_bytes b;
	xmlNodePtr body, ps, p;
	char loc[NAME_CAP], tmp[NAME_CAP];
	int err;
	size_t n = 0;

	if ((err = es_ofd_pkg_get(&b, c->pkg, "OFD.xml")) < 0 ||
	    (err = es_ofd__xml_parse(&c->ofd, b.ptr, b.len, "OFD.xml")) < 0)
		return err;
	body = es_ofd__child(xmlDocGetRootElement(c->ofd), "DocBody");
	es_ofd__text(es_ofd__child(body, "DocRoot"), loc, sizeof(loc));
	if (!body || !loc[0])
		return es_error_set(ES_EMALFORMED, "OFD.xml has no DocBody/DocRoot");
	if ((err = es_ofd__resolve(c->docroot, sizeof(c->docroot), "OFD.xml", loc)) < 0)
		return err;
	es_ofd__text(es_ofd__child(body, "Signatures"), loc, sizeof(loc));
	if (loc[0]) {
		if ((err = es_ofd__resolve(c->spath, sizeof(c->spath), "OFD.xml", loc)) < 0)
			return err;
		c->has_spath = true;
	} else {
		const char *slash = strrchr(c->docroot, '/');
		snprintf(c->spath, sizeof(c->spath), "%.*sSigns/Signatures.xml",
			 slash ? (int)(slash - c->docroot) + 1 : 0, c->docroot);
	}
	if ((err = es_ofd_pkg_get(&b, c->pkg, c->docroot)) < 0 ||
	    (err = es_ofd__xml_parse(&c->doc, b.ptr, b.len, c->docroot)) < 0)
		return err;
	c->pw = 210;
	c->ph = 297;
	{
		xmlNodePtr area = es_ofd__child(es_ofd__child(xmlDocGetRootElement(c->doc), "CommonData"), "PageArea");
		es_ofd__text(es_ofd__child(area, "PhysicalBox"), tmp, sizeof(tmp));
		parse_box(tmp, &c->pw, &c->ph);
	}
	ps = es_ofd__child(xmlDocGetRootElement(c->doc), "Pages");
	for (p = es_ofd__child(ps, "Page"); p; p = es_ofd__next(p, "Page"))
		n++;
	if (n == 0)
		return es_error_set(ES_EMALFORMED, "'%s' lists no page", c->docroot);
	c->pages = es_calloc(n, sizeof(*c->pages));
	if (!c->pages)
		return es_error_set(ES_ENOMEM, "out of memory");
	for (p = es_ofd__child(ps, "Page"); p; p = es_ofd__next(p, "Page")) {
		page *pg = &c->pages[c->npages++];
		es_ofd__attr(p, "ID", pg->id, sizeof(pg->id));
		if (!es_ofd__attr(p, "BaseLoc", loc, sizeof(loc)) ||
		    es_ofd__resolve(pg->content, sizeof(pg->content), c->docroot, loc) < 0)
			pg->content[0] = 0;
	}
	return 0;
}

int es_ofd_page_size(const uint8_t *ofd, size_t len, double *w, double *h)
{
	ctx c;
	int err;

	ES_ASSERT_ARG((ofd || len == 0) && w && h);
	memset(&c, 0, sizeof(c));
	if ((err = es_ofd_pkg_open(&c.pkg, ofd, len, NULL)) == 0 && (err = load_doc(&c)) == 0) {
		*w = c.pw;
		*h = c.ph;
	}
	es_free(c.pages);
	xmlFreeDoc(c.ofd);
	xmlFreeDoc(c.doc);
	es_ofd_pkg_free(c.pkg);
	return err;
}

/* Refuse when an earlier signature protects Signatures.xml; count IDs. */
static int check_existing(ctx *c, unsigned *max_id)
{
	es_bytes b;
	xmlNodePtr s;
	int err;
	char tmp[NAME_CAP], path[NAME_CAP];

	*max_id = 0;
	if (!c->has_spath)
		return 0;
	if ((err = es_ofd_pkg_get(&b, c->pkg, c->spath)) < 0 ||
	    (err = es_ofd__xml_parse(&c->sigs, b.ptr, b.len, c->spath)) < 0)
		return err;
	es_ofd__text(es_ofd__child(xmlDocGetRootElement(c->sigs), "MaxSignId"), tmp, sizeof(tmp));
	{
		const char *d = tmp;
		while (*d && (*d < '0' || *d > '9'))
			d++;
		if (*d)
			*max_id = (unsigned)strtoul(d, NULL, 10);
	}
	for (s = es_ofd__child(xmlDocGetRootElement(c->sigs), "Signature"); s; s = es_ofd__next(s, "Signature")) {
		xmlDocPtr sd = NULL;
		xmlNodePtr refs, r;
		if (es_ofd__attr(s, "ID", tmp, sizeof(tmp))) {
			const char *d = tmp;
			unsigned v;
			while (*d && (*d < '0' || *d > '9'))
				d++;
			v = *d ? (unsigned)strtoul(d, NULL, 10) : 0;
			if (v > *max_id)
				*max_id = v;
		}
		if (!es_ofd__attr(s, "BaseLoc", tmp, sizeof(tmp)) ||
		    es_ofd__resolve(path, sizeof(path), c->spath, tmp) < 0 || es_ofd_pkg_get(&b, c->pkg, path) < 0 ||
		    es_ofd__xml_parse(&sd, b.ptr, b.len, path) < 0)
			continue; /* a broken earlier signature is the verifier's business */
		refs = es_ofd__child(es_ofd__child(xmlDocGetRootElement(sd), "SignedInfo"), "References");
		for (r = es_ofd__child(refs, "Reference"); r; r = es_ofd__next(r, "Reference")) {
			char name[NAME_CAP];
			if (es_ofd__attr(r, "FileRef", tmp, sizeof(tmp)) &&
			    es_ofd__resolve(name, sizeof(name), "", tmp) == 0 && strcmp(name, c->spath) == 0) {
				xmlFreeDoc(sd);
				return es_error_set(ES_EDENIED,
						    "the document is sealed whole (an earlier signature protects "
						    "Signatures.xml): further signing is refused");
			}
		}
		xmlFreeDoc(sd);
	}
	return 0;
}

static int page_has_text(ctx *c, size_t i, bool *out)
{
	es_bytes b;
	*out = false;
	if (!c->pages[i].content[0] || es_ofd_pkg_get(&b, c->pkg, c->pages[i].content) < 0)
		return 0; /* no content: blank */
	return es_ofd_page_has_text(out, b.ptr, b.len);
}

static int add_stamp(ctx *c, const stamp *s)
{
	if (c->nstamps >= ES_OFD_MAX_STAMPS)
		return es_error_set(ES_ELIMIT, "more than %d stamps", ES_OFD_MAX_STAMPS);
	if (c->nstamps == c->cap) {
		size_t nc = c->cap ? c->cap * 2 : 8;
		stamp *ns = es_realloc(c->stamps, nc * sizeof(*ns));
		if (!ns)
			return es_error_set(ES_ENOMEM, "out of memory");
		c->stamps = ns;
		c->cap = nc;
	}
	c->stamps[c->nstamps++] = *s;
	return 0;
}

static int place(ctx *c, double w, double h)
{
	const es_ofd_sign_options *o = c->o;
	int err;
	bool text;

	switch (o->place) {
	case ES_OFD_PLACE_POSITION: {
		size_t p = o->page ? o->page : 1;
		stamp s = { p - 1, o->x, o->y, w, h, false, 0, 0, 0, 0 };
		if (p > c->npages)
			return es_error_set(ES_EINVAL, "page %zu: the document has %zu page(s)", p, c->npages);
		if ((err = page_has_text(c, p - 1, &text)) < 0)
			return err;
		if (!text)
			return es_error_set(ES_EDENIED, "refusing to seal page %zu: it has no text (blank document, R6)", p);
		return add_stamp(c, &s);
	}
	case ES_OFD_PLACE_KEYWORD: {
		size_t first = o->page ? o->page - 1 : 0, last = o->page ? o->page : c->npages, seen = 0;
		es_ofd_text_hit hits[64];
		if (!o->keyword || !o->keyword[0])
			return es_error_set(ES_EINVAL, "keyword placement needs a keyword");
		if (o->page > c->npages)
			return es_error_set(ES_EINVAL, "page %u: the document has %zu page(s)", o->page, c->npages);
		for (size_t p = first; p < last; p++) {
			es_bytes b;
			size_t n;
			if (!c->pages[p].content[0] || es_ofd_pkg_get(&b, c->pkg, c->pages[p].content) < 0)
				continue;
			if ((err = es_ofd_find_text(hits, ES_ARRAY_LEN(hits), &n, NULL, b.ptr, b.len, o->keyword)) < 0)
				return err;
			for (size_t k = 0; k < n && k < ES_ARRAY_LEN(hits); k++) {
				stamp s = { p, hits[k].x + hits[k].w / 2 - w / 2, hits[k].y + hits[k].h / 2 - h / 2, w, h,
					    false, 0, 0, 0, 0 };
				seen++;
				if (o->occurrence && seen != o->occurrence)
					continue;
				if ((err = add_stamp(c, &s)) < 0)
					return err;
			}
		}
		if (c->nstamps == 0)
			return es_error_set(ES_EDENIED, "keyword '%s' not found%s", o->keyword,
					    o->occurrence ? " that many times" : "");
		return 0;
	}
	case ES_OFD_PLACE_RIDING: {
		size_t n = o->pages ? o->npages : c->npages;
		bool any = false;
		double slice;
		if (n < 2)
			return es_error_set(ES_EINVAL, "a riding seal needs at least 2 pages");
		slice = w / (double)n;
		for (size_t j = 0; j < n; j++) {
			size_t p = o->pages ? o->pages[j] : j + 1;
			stamp s;
			if (p == 0 || p > c->npages)
				return es_error_set(ES_EINVAL, "page %zu: the document has %zu page(s)", p, c->npages);
			if ((err = page_has_text(c, p - 1, &text)) < 0)
				return err;
			any |= text;
			s.page = p - 1;
			s.x = c->pw - slice * (double)(j + 1);
			s.y = o->riding_y > 0 ? o->riding_y : (c->ph - h) / 2;
			s.w = w;
			s.h = h;
			s.clip = true;
			s.cx = slice * (double)j;
			s.cy = 0;
			s.cw = slice;
			s.ch = h;
			if ((err = add_stamp(c, &s)) < 0)
				return err;
		}
		if (!any)
			return es_error_set(ES_EDENIED, "refusing to seal: the pages have no text (blank document, R6)");
		return 0;
	}
	case ES_OFD_PLACE_NONE:
		for (size_t p = 0; p < c->npages; p++) {
			if ((err = page_has_text(c, p, &text)) < 0)
				return err;
			if (text)
				return 0;
		}
		return es_error_set(ES_EDENIED, "refusing to sign: the document has no text (blank document, R6)");
	}
	return es_error_set(ES_EINVAL, "unknown placement %d", (int)o->place);
}

/* Insert @ins before the first "</prefix:name>" (or last, @last) in @file. */
static int insert_before_close(ctx *c, const char *file, xmlNodePtr el, const char *ins, bool last)
{
	es_bytes b;
	es_buf nb = ES_BUF_INIT;
	char tag[96];
	const char *prefix = el->ns && el->ns->prefix ? (const char *)el->ns->prefix : NULL;
	const char *hit = NULL;
	int err;

	snprintf(tag, sizeof(tag), "</%s%s%s", prefix ? prefix : "", prefix ? ":" : "", (const char *)el->name);
	if ((err = es_ofd_pkg_get(&b, c->pkg, file)) < 0)
		return err;
	for (const char *p = memmem(b.ptr, b.len, tag, strlen(tag)); p;
	     p = memmem(p + 1, b.len - (size_t)(p + 1 - (const char *)b.ptr), tag, strlen(tag))) {
		hit = p;
		if (!last)
			break;
	}
	if (!hit)
		return es_error_set(ES_EMALFORMED, "'%s' has no '%s>'", file, tag);
	if ((err = es_buf_put(&nb, b.ptr, (size_t)(hit - (const char *)b.ptr))) < 0 ||
	    (err = es_buf_puts(&nb, ins)) < 0 ||
	    (err = es_buf_put(&nb, hit, b.len - (size_t)(hit - (const char *)b.ptr))) < 0)
		return err;
	err = es_ofd_pkg_put(c->pkg, file, nb.ptr, nb.len);
	es_buf_release(&nb);
	return err;
}

/* Replace the text of <prefix:MaxSignId> in Signatures.xml, when present. */
static int update_max_id(ctx *c, xmlNodePtr root, const char *id)
{
	es_bytes b;
	es_buf nb = ES_BUF_INIT;
	char open_tag[96], close_tag[96];
	const char *prefix = root->ns && root->ns->prefix ? (const char *)root->ns->prefix : NULL;
	const char *o, *e;
	int err;

	snprintf(open_tag, sizeof(open_tag), "<%s%sMaxSignId>", prefix ? prefix : "", prefix ? ":" : "");
	snprintf(close_tag, sizeof(close_tag), "</%s%sMaxSignId>", prefix ? prefix : "", prefix ? ":" : "");
	if ((err = es_ofd_pkg_get(&b, c->pkg, c->spath)) < 0)
		return err;
	o = memmem(b.ptr, b.len, open_tag, strlen(open_tag));
	if (!o)
		return 0;
	o += strlen(open_tag);
	e = memmem(o, b.len - (size_t)(o - (const char *)b.ptr), close_tag, strlen(close_tag));
	if (!e)
		return 0;
	if ((err = es_buf_put(&nb, b.ptr, (size_t)(o - (const char *)b.ptr))) < 0 || (err = es_buf_puts(&nb, id)) < 0 ||
	    (err = es_buf_put(&nb, e, b.len - (size_t)(e - (const char *)b.ptr))) < 0)
		return err;
	err = es_ofd_pkg_put(c->pkg, c->spath, nb.ptr, nb.len);
	es_buf_release(&nb);
	return err;
}

static bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void compact_time(char out[20], es_time t)
{
	char iso[32];
	es_time_iso(iso, t); /* 2025-01-31T08:00:00Z */
	snprintf(out, 20, "%.4s%.2s%.2s%.2s%.2s%.2sZ", iso, iso + 5, iso + 8, iso + 11, iso + 14, iso + 17);
}

/*
 * One document being signed: es_ofd_sign() runs job_prepare, the part
 * digests and job_finish on one; es_ofd_sign_many() prepares a batch, hashes
 * the parts of all of them together (es_sm3_many: one part per SIMD lane),
 * then finishes each.
 */
typedef struct job {
	ctx c;
	es_time t;
	bool is_seal;
	char id[32], folder[NAME_CAP], xml_path[NAME_CAP];
	/* the package files the signature references, in package order */
	size_t nref;
	const char **ref_name;
	const uint8_t **ref_ptr;
	size_t *ref_len;
	uint8_t (*ref_md)[32];
} job;

static void job_release(job *j)
{
	es_free(j->ref_name);
	es_free(j->ref_ptr);
	es_free(j->ref_len);
	es_free(j->ref_md);
	es_free(j->c.pages);
	es_free(j->c.stamps);
	xmlFreeDoc(j->c.ofd);
	xmlFreeDoc(j->c.doc);
	xmlFreeDoc(j->c.sigs);
	es_ofd_pkg_free(j->c.pkg);
	memset(j, 0, sizeof(*j));
}

/* Everything up to the digests: placement, Sign_N, the Signatures.xml entry, the list of files to digest. */
static int job_prepare(job *j, const uint8_t *ofd, size_t len, const es_ofd_sign_options *opt, const es_seal *seal)
{
	ctx *c = &j->c;
	int err, n;
	unsigned max_id = 0, n_sign = 0;
	char tmp[NAME_CAP * 2];
	double w, h;
	size_t count;

	memset(j, 0, sizeof(*j));
	j->is_seal = opt->type == ES_OFD_SEAL;
	if (j->is_seal && !seal)
		return es_error_set(ES_EINVAL, "Type=Seal needs a seal");
	c->o = opt;
	j->t = opt->time ? opt->time : es_time_now();
	if ((err = es_ofd_pkg_open(&c->pkg, ofd, len, NULL)) < 0 || (err = load_doc(c)) < 0 ||
	    (err = check_existing(c, &max_id)) < 0)
		return err;
	w = opt->w > 0 ? opt->w : 0;
	h = opt->h > 0 ? opt->h : 0;
	if (seal && (w == 0 || h == 0)) {
		const es_seal_fields *f = es_seal_fields_get(seal);
		if (w == 0 && f->picture_width)
			w = (double)f->picture_width;
		if (h == 0 && f->picture_height)
			h = (double)f->picture_height;
	}
	w = w > 0 ? w : 40;
	h = h > 0 ? h : 40;
	if ((err = place(c, w, h)) < 0)
		return err;

	/* Sign_N: the first free folder next to Signatures.xml */
	{
		const char *slash = strrchr(c->spath, '/');
		int dl = slash ? (int)(slash - c->spath) + 1 : 0;
		for (;; n_sign++) {
			bool used = false;
			n = snprintf(j->folder, sizeof(j->folder), "%.*sSign_%u/", dl, c->spath, n_sign);
			if (n < 0 || (size_t)n >= sizeof(j->folder) || n_sign > ES_OFD_MAX_SIGNATURES)
				return es_error_set(ES_ELIMIT, "no room for another Sign_N folder next to '%s'", c->spath);
			for (size_t i = 0; i < es_ofd_pkg_count(c->pkg) && !used; i++)
				used = has_prefix(es_ofd_pkg_name(c->pkg, i), j->folder);
			if (!used)
				break;
		}
	}
	snprintf(j->id, sizeof(j->id), "s%03u", max_id + 1);
	n = snprintf(j->xml_path, sizeof(j->xml_path), "%sSignature.xml", j->folder);
	if (n < 0 || (size_t)n >= sizeof(j->xml_path))
		return es_error_set(ES_ELIMIT, "signature path '%sSignature.xml' too long", j->folder);

	/* OFD.xml gets <ofd:Signatures> before digesting (ofdrw OFDSigner.exeSign) */
	if (!c->has_spath) {
		xmlNodePtr body = es_ofd__child(xmlDocGetRootElement(c->ofd), "DocBody");
		const char *prefix = body->ns && body->ns->prefix ? (const char *)body->ns->prefix : NULL;
		snprintf(tmp, sizeof(tmp), "<%s%sSignatures>/%s</%s%sSignatures>", prefix ? prefix : "", prefix ? ":" : "",
			 c->spath, prefix ? prefix : "", prefix ? ":" : "");
		if ((err = insert_before_close(c, "OFD.xml", body, tmp, false)) < 0)
			return err;
		snprintf(tmp, sizeof(tmp),
			 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ofd:Signatures " NS
			 "><ofd:MaxSignId>%s</ofd:MaxSignId><ofd:Signature ID=\"%s\" Type=\"%s\" BaseLoc=\"/%s\"/>"
			 "</ofd:Signatures>\n",
			 j->id, j->id, j->is_seal ? "Seal" : "Sign", j->xml_path);
		if ((err = es_ofd_pkg_put(c->pkg, c->spath, tmp, strlen(tmp))) < 0)
			return err;
	} else {
		xmlNodePtr root = xmlDocGetRootElement(c->sigs);
		const char *prefix = root->ns && root->ns->prefix ? (const char *)root->ns->prefix : NULL;
		snprintf(tmp, sizeof(tmp), "<%s%sSignature ID=\"%s\" Type=\"%s\" BaseLoc=\"/%s\"/>", prefix ? prefix : "",
			 prefix ? ":" : "", j->id, j->is_seal ? "Seal" : "Sign", j->xml_path);
		if ((err = insert_before_close(c, c->spath, root, tmp, true)) < 0 ||
		    (err = update_max_id(c, root, j->id)) < 0)
			return err;
	}

	/* the files to digest: every one but the new folder's and (unless whole) Signatures.xml */
	count = es_ofd_pkg_count(c->pkg);
	j->ref_name = es_calloc(count ? count : 1, sizeof(*j->ref_name));
	j->ref_ptr = es_calloc(count ? count : 1, sizeof(*j->ref_ptr));
	j->ref_len = es_calloc(count ? count : 1, sizeof(*j->ref_len));
	j->ref_md = es_calloc(count ? count : 1, sizeof(*j->ref_md));
	if (!j->ref_name || !j->ref_ptr || !j->ref_len || !j->ref_md)
		return es_error_set(ES_ENOMEM, "out of memory");
	for (size_t i = 0; i < count; i++) {
		const char *name = es_ofd_pkg_name(c->pkg, i);
		es_bytes b;
		if (has_prefix(name, j->folder) || (!opt->whole && strcmp(name, c->spath) == 0))
			continue;
		if ((err = es_ofd_pkg_get(&b, c->pkg, name)) < 0)
			return err;
		j->ref_name[j->nref] = name;
		j->ref_ptr[j->nref] = b.ptr;
		j->ref_len[j->nref] = b.len;
		j->nref++;
	}
	return 0;
}

/* Signature.xml over the digests in j->ref_md, the signed value, the package written to @out. */
static int job_finish(job *j, es_buf *out, const es_ofd_sign_options *opt, const es_seal *seal, const es_cert *cert,
		      const es_sm2_key *key)
{
	ctx *c = &j->c;
	char tmp[NAME_CAP * 2], when[20];
	es_buf sx = ES_BUF_INIT, sv = ES_BUF_INIT;
	int err;

	compact_time(when, j->t);
	err = es_buf_printf(&sx,
			    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ofd:Signature " NS "><ofd:SignedInfo>"
			    "<ofd:Provider ProviderName=\"");
	if (err == 0)
		err = es_ofd__xml_escape(&sx, opt->provider ? opt->provider : "eseal");
	if (err == 0)
		err = es_buf_puts(&sx, "\" Company=\"");
	if (err == 0)
		err = es_ofd__xml_escape(&sx, opt->company ? opt->company : "eseal");
	if (err == 0)
		err = es_buf_printf(&sx,
				    "\" Version=\"%s\"/><ofd:SignatureMethod>1.2.156.10197.1.501</ofd:SignatureMethod>"
				    "<ofd:SignatureDateTime>%s</ofd:SignatureDateTime>"
				    "<ofd:References CheckMethod=\"1.2.156.10197.1.401\">",
				    es_version(), when);
	for (size_t i = 0; err == 0 && i < j->nref; i++) {
		char b64[64];
		if ((err = es_ofd__b64(b64, sizeof(b64), j->ref_md[i], 32)) < 0)
			break;
		err = es_buf_puts(&sx, "<ofd:Reference FileRef=\"/");
		if (err == 0)
			err = es_ofd__xml_escape(&sx, j->ref_name[i]);
		if (err == 0)
			err = es_buf_puts(&sx, "\"><ofd:CheckValue>");
		if (err == 0)
			err = es_buf_puts(&sx, b64);
		if (err == 0)
			err = es_buf_puts(&sx, "</ofd:CheckValue></ofd:Reference>");
	}
	if (err == 0)
		err = es_buf_puts(&sx, "</ofd:References>");
	for (size_t i = 0; err == 0 && i < c->nstamps; i++) {
		const stamp *s = &c->stamps[i];
		err = es_buf_printf(&sx, "<ofd:StampAnnot ID=\"%zu\" PageRef=\"%s\" Boundary=\"%.2f %.2f %.2f %.2f\"",
				    i + 1, c->pages[s->page].id, s->x, s->y, s->w, s->h);
		if (err == 0 && s->clip)
			err = es_buf_printf(&sx, " Clip=\"%.2f %.2f %.2f %.2f\"", s->cx, s->cy, s->cw, s->ch);
		if (err == 0)
			err = es_buf_puts(&sx, "/>");
	}
	if (err == 0 && j->is_seal)
		err = es_buf_printf(&sx, "<ofd:Seal><ofd:BaseLoc>/%sSeal.esl</ofd:BaseLoc></ofd:Seal>", j->folder);
	if (err == 0)
		err = es_buf_printf(&sx, "</ofd:SignedInfo><ofd:SignedValue>/%sSignedValue.dat</ofd:SignedValue>"
					 "</ofd:Signature>\n",
				    j->folder);
	if (err < 0)
		goto done;

	/* the signed value over the Signature.xml bytes */
	if (j->is_seal) {
		es_sign_options so = ES_SIGN_OPTIONS_INIT;
		char prop[NAME_CAP + 1];
		const es_seal_fields *f = es_seal_fields_get(seal);
		snprintf(prop, sizeof(prop), "/%s", j->xml_path);
		so.data = sx.ptr;
		so.data_len = sx.len;
		so.property_info = prop;
		so.time = j->t;
		so.tsa_cert = opt->tsa_cert;
		so.tsa_key = opt->tsa_key;
		if ((err = opt->signer ? es_ses_signer_sign(opt->signer, &sv, &so) : es_ses_sign(&sv, &so, seal, cert, key)) < 0)
			goto done;
		snprintf(tmp, sizeof(tmp), "%sSeal.esl", j->folder);
		if ((err = es_ofd_pkg_put(c->pkg, tmp, f->der.ptr, f->der.len)) < 0)
			goto done;
	} else if ((err = es_ofd__cms_sign(&sv, sx.ptr, sx.len, j->t, cert, key)) < 0) {
		goto done;
	}
	snprintf(tmp, sizeof(tmp), "%sSignedValue.dat", j->folder);
	if ((err = es_ofd_pkg_put(c->pkg, j->xml_path, sx.ptr, sx.len)) < 0 ||
	    (err = es_ofd_pkg_put(c->pkg, tmp, sv.ptr, sv.len)) < 0)
		goto done;
	err = es_ofd_pkg_write(out, c->pkg);
done:
	es_buf_release(&sx);
	es_buf_release(&sv);
	return err;
}

#define SIGN_ARGS_OK(opt, cert, key)                                                                  \
	((opt) && (opt)->version == ES_OFD_SIGN_OPTIONS_VERSION && (cert) &&                          \
	 ((key) || ((opt)->signer && (opt)->type == ES_OFD_SEAL)))

int es_ofd_sign(es_buf *out, const uint8_t *ofd, size_t len, const es_ofd_sign_options *opt, const es_seal *seal,
		const es_cert *cert, const es_sm2_key *key)
{
	job j;
	int err;

	ES_ASSERT_ARG(out && (ofd || len == 0) && SIGN_ARGS_OK(opt, cert, key));
	err = job_prepare(&j, ofd, len, opt, seal);
	for (size_t i = 0; err == 0 && i < j.nref; i++)
		err = es_sm3(j.ref_md[i], j.ref_ptr[i], j.ref_len[i]);
	if (err == 0)
		err = job_finish(&j, out, opt, seal, cert, key);
	job_release(&j);
	return err;
}

int es_ofd_sign_many(es_buf *outs, const uint8_t *const *ofds, const size_t *lens, size_t n,
		     const es_ofd_sign_options *opt, const es_seal *seal, const es_cert *cert, const es_sm2_key *key,
		     size_t *failed)
{
	job *jobs = NULL;
	const uint8_t **ptrs = NULL;
	size_t *plens = NULL, total = 0, k = 0, at = 0;
	uint8_t (*mds)[32] = NULL;
	int err = 0;

	ES_ASSERT_ARG(outs && ofds && lens && SIGN_ARGS_OK(opt, cert, key));
	if (failed)
		*failed = n;
	if (n == 0)
		return 0;
	if (n > ES_OFD_SIGN_MANY_MAX)
		return es_error_set(ES_ELIMIT, "a batch of %zu documents: at most %d at once", n, ES_OFD_SIGN_MANY_MAX);
	for (size_t i = 0; i < n; i++)
		ES_ASSERT_ARG(ofds[i] || lens[i] == 0);
	if (!(jobs = es_calloc(n, sizeof(*jobs))))
		return es_error_set(ES_ENOMEM, "out of memory");
	for (at = 0; at < n; at++) {
		if ((err = job_prepare(&jobs[at], ofds[at], lens[at], opt, seal)) < 0)
			goto done;
		total += jobs[at].nref;
	}
	/* every part of every document in one es_sm3_many call */
	ptrs = es_calloc(total ? total : 1, sizeof(*ptrs));
	plens = es_calloc(total ? total : 1, sizeof(*plens));
	mds = es_calloc(total ? total : 1, sizeof(*mds));
	if (!ptrs || !plens || !mds) {
		err = es_error_set(ES_ENOMEM, "out of memory");
		at = 0;
		goto done;
	}
	for (size_t i = 0; i < n; i++)
		for (size_t r = 0; r < jobs[i].nref; r++, k++) {
			ptrs[k] = jobs[i].ref_ptr[r];
			plens[k] = jobs[i].ref_len[r];
		}
	if ((err = es_sm3_many(mds, ptrs, plens, total)) < 0) {
		at = 0; /* none finished */
		goto done;
	}
	k = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t r = 0; r < jobs[i].nref; r++, k++)
			memcpy(jobs[i].ref_md[r], mds[k], 32);
	for (at = 0; at < n; at++) {
		if ((err = job_finish(&jobs[at], &outs[at], opt, seal, cert, key)) < 0)
			goto done;
		job_release(&jobs[at]);
	}
done:
	if (err < 0) {
		err = es_error_wrap(err, "document %zu of the batch", at + 1);
		if (failed)
			*failed = at;
	}
	for (size_t i = 0; i < n; i++)
		job_release(&jobs[i]);
	es_free(jobs);
	es_free(ptrs);
	es_free(plens);
	es_free(mds);
	return err;
}
