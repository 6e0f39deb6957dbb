/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * OFD signature verification (GB/T 33190-2016 §18; STANDARDS.md §2.4):
 * OFD.xml -> Signatures.xml -> every Signature.xml, References digests,
 * the signed value through the core verifier with the Signature.xml as
 * original, Seal.esl against TBS_Sign.eseal, and where the stamps sit.
 */
#include "es_int.h"
#include "ofd_int.h"
#include "eseal/es_crypto.h"
#include <libxml/parser.h>

#define NAME_CAP (ES_OFD_MAX_NAME + 1)

typedef struct osig {
	char id[64];
	char type[16];
	char xml_path[NAME_CAP];
	char sv_path[NAME_CAP];  /* SignedValue, "" if unknown */
	char seal_path[NAME_CAP];/* Seal BaseLoc, "" if none */
	xmlDocPtr doc;
	char **refs;             /* resolved FileRef names */
	size_t nrefs;
	int err;
	char errmsg[sizeof(((es_error *)0)->message)]; /* a whole es_error message */
	unsigned quirks;         /* ES_QUIRK_FILEREF_SLASHES */
	char quirk_loc[128];     /* the first such location, for the notice */
} osig;

typedef struct pages {
	size_t n;
	char (*id)[32];
} pages;

static void osig_release(osig *s)
{
	for (size_t i = 0; i < s->nrefs; i++)
		es_free(s->refs[i]);
	es_free(s->refs);
	xmlFreeDoc(s->doc);
}

static bool refs_has(const osig *s, const char *name)
{
	for (size_t i = 0; i < s->nrefs; i++)
		if (strcmp(s->refs[i], name) == 0)
			return true;
	return false;
}

/* Append "sep item" to a bounded reason list. */
static void list_add(char *buf, size_t cap, const char *item)
{
	size_t l = strlen(buf);
	if (l + 8 >= cap)
		return;
	if (l && l + strlen(item) + 3 >= cap - 5) {
		if (!strstr(buf, ", ..."))
			snprintf(buf + l, cap - l, ", ...");
		return;
	}
	snprintf(buf + l, cap - l, "%s/%s", l ? ", " : "", item);
}

static int load_pages(pages *pg, const es_ofd_pkg *pkg, const char *doc_path)
{
	es_bytes b;
	xmlDocPtr doc = NULL;
	xmlNodePtr ps, p;
	size_t n = 0;
	int err;
	char tmp[32];

	pg->n = 0;
	pg->id = NULL;
	if ((err = es_ofd_pkg_get(&b, pkg, doc_path)) < 0 || (err = es_ofd__xml_parse(&doc, b.ptr, b.len, doc_path)) < 0)
		return err;
	ps = es_ofd__child(xmlDocGetRootElement(doc), "Pages");
	for (p = es_ofd__child(ps, "Page"); p; p = es_ofd__next(p, "Page"))
		n++;
	if (n) {
		pg->id = es_calloc(n, sizeof(*pg->id));
		if (!pg->id) {
			xmlFreeDoc(doc);
			return es_error_set(ES_ENOMEM, "out of memory");
		}
	}
	for (p = es_ofd__child(ps, "Page"); p; p = es_ofd__next(p, "Page"))
		snprintf(pg->id[pg->n++], sizeof(pg->id[0]), "%s", es_ofd__attr(p, "ID", tmp, sizeof(tmp)) ? tmp : "");
	xmlFreeDoc(doc);
	return 0;
}

static size_t page_index(const pages *pg, const char *ref)
{
	for (size_t i = 0; i < pg->n; i++)
		if (strcmp(pg->id[i], ref) == 0)
			return i + 1;
	return 0;
}

/* Load one Signature.xml and its References' names. */
static void note_loc(osig *s, const char *loc)
{
	if (strstr(loc, "//") && !(s->quirks & ES_QUIRK_FILEREF_SLASHES)) {
		s->quirks |= ES_QUIRK_FILEREF_SLASHES;
		snprintf(s->quirk_loc, sizeof(s->quirk_loc), "%s", loc);
	}
}

static void osig_load(osig *s, const es_ofd_pkg *pkg)
{
	es_bytes b;
	xmlNodePtr si, refs, ref;
	char loc[NAME_CAP], name[NAME_CAP];

	if ((s->err = es_ofd_pkg_get(&b, pkg, s->xml_path)) < 0 ||
	    (s->err = es_ofd__xml_parse(&s->doc, b.ptr, b.len, s->xml_path)) < 0) {
		snprintf(s->errmsg, sizeof(s->errmsg), "%s", es_error_last()->message);
		return;
	}
	si = es_ofd__child(xmlDocGetRootElement(s->doc), "SignedInfo");
	es_ofd__text(es_ofd__child(xmlDocGetRootElement(s->doc), "SignedValue"), loc, sizeof(loc));
	note_loc(s, loc);
	if (es_ofd__resolve(s->sv_path, sizeof(s->sv_path), s->xml_path, loc) < 0)
		s->sv_path[0] = 0;
	es_ofd__text(es_ofd__child(es_ofd__child(si, "Seal"), "BaseLoc"), loc, sizeof(loc));
	note_loc(s, loc);
	if (!loc[0] || es_ofd__resolve(s->seal_path, sizeof(s->seal_path), s->xml_path, loc) < 0)
		s->seal_path[0] = 0;
	refs = es_ofd__child(si, "References");
	for (ref = es_ofd__child(refs, "Reference"); ref; ref = es_ofd__next(ref, "Reference")) {
		char **nv;
		if (s->nrefs >= ES_OFD_MAX_REFERENCES) {
			s->err = es_error_set(ES_ELIMIT, "more than %d references", ES_OFD_MAX_REFERENCES);
			snprintf(s->errmsg, sizeof(s->errmsg), "%s", es_error_last()->message);
			return;
		}
		if (es_ofd__attr(ref, "FileRef", loc, sizeof(loc)))
			note_loc(s, loc);
		if (!es_ofd__attr(ref, "FileRef", loc, sizeof(loc)) || es_ofd__resolve(name, sizeof(name), "", loc) < 0) {
			/* "?" marks it unresolvable; cutting the rest of a long name is harmless */
			int n = snprintf(name, sizeof(name), "?%s", loc);
			if (n < 0)
				memcpy(name, "?", 2);
		}
		nv = es_realloc(s->refs, (s->nrefs + 1) * sizeof(*nv));
		if (!nv) {
			s->err = es_error_set(ES_ENOMEM, "out of memory");
			return;
		}
		s->refs = nv;
		s->refs[s->nrefs] = es_strdup(name);
		if (!s->refs[s->nrefs]) {
			s->err = es_error_set(ES_ENOMEM, "out of memory");
			return;
		}
		s->nrefs++;
	}
}

typedef enum { M_SM3, M_SM3_LEGACY, M_FOREIGN, M_UNKNOWN } method;

/* The CheckMethod; for M_FOREIGN, *alg names the digest ("SHA1", "MD5", "SHA256"). */
static method check_method(const char *m, const char **alg)
{
	*alg = "SM3";
	if (!m || strcmp(m, ES_OID_SM3) == 0 || strcasecmp(m, "SM3") == 0)
		return M_SM3;
	if (strcmp(m, "1.2.156.10197.1.401.2") == 0)
		return M_SM3_LEGACY;
	if (strcasecmp(m, "MD5") == 0 || strcmp(m, "1.2.840.113549.2.5") == 0)
		*alg = "MD5";
	else if (strcasecmp(m, "SHA1") == 0 || strcasecmp(m, "SHA-1") == 0 || strcmp(m, "1.3.14.3.2.26") == 0)
		*alg = "SHA1";
	else if (strcasecmp(m, "SHA256") == 0 || strcasecmp(m, "SHA-256") == 0 || strcmp(m, "2.16.840.1.101.3.4.2.1") == 0)
		*alg = "SHA256";
	else
		return M_UNKNOWN;
	return M_FOREIGN;
}

static void strip_ws(char *s)
{
	char *o = s;
	for (; *s; s++)
		if (*s != ' ' && *s != '\n' && *s != '\r' && *s != '\t')
			*o++ = *s;
	*o = 0;
}

static bool owned_by_signature(const osig *sigs, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(name, sigs[i].xml_path) == 0 || strcmp(name, sigs[i].sv_path) == 0 ||
		    strcmp(name, sigs[i].seal_path) == 0)
			return true;
	return false;
}

/* Does the package file @in mention @name (its path, or its last component)? */
static bool mentions(const es_ofd_pkg *pkg, const char *in, const char *name)
{
	es_bytes b;
	const char *base = strrchr(name, '/');
	base = base ? base + 1 : name;
	if (es_ofd_pkg_get(&b, pkg, in) < 0 || !b.ptr)
		return false;
	/* package entries are NUL-terminated in memory (es_ofd_pkg_get) */
	return strstr((const char *)b.ptr, base) != NULL;
}

static bool covered_by_any(const osig *sigs, size_t n, const char *name)
{
	for (size_t j = 0; j < n; j++)
		if (refs_has(&sigs[j], name))
			return true;
	return false;
}

static void check_references(es_sig_report *s, const es_ofd_pkg *pkg, const osig *sigs, size_t nsigs, size_t k,
			     const char *signatures_path, const es_verify_options *opt)
{
	const osig *me = &sigs[k];
	xmlNodePtr si = es_ofd__child(xmlDocGetRootElement(me->doc), "SignedInfo");
	xmlNodePtr refs = es_ofd__child(si, "References"), ref;
	char mbuf[64], cv[256], mine[64];
	const char *m = es_ofd__attr(refs, "CheckMethod", mbuf, sizeof(mbuf)), *alg = "SM3";
	method meth = check_method(m, &alg);
	char changed[300] = "", missing[300] = "", added[300] = "", later[300] = "", loose[300] = "";
	size_t nbad = 0, i = 0, nadded = 0, nlater = 0, nloose = 0, nchanged = 0;
	const char **changed_names = NULL;
	bool protects = false;

	if (!refs || me->nrefs == 0) {
		es_sig_report_check(s, "references", ES_RESULT_FAIL, false, "the signature protects no file");
		return;
	}
	if (meth == M_UNKNOWN) {
		es_sig_report_check(s, "references", ES_RESULT_SKIP, true,
				    "CheckMethod '%s' is unknown: file digests not checked", m);
		return;
	}
	changed_names = es_calloc(me->nrefs, sizeof(*changed_names));
	if (!changed_names) {
		es_sig_report_check(s, "references", ES_RESULT_WARN, true, "out of memory");
		return;
	}
	for (ref = es_ofd__child(refs, "Reference"); ref; ref = es_ofd__next(ref, "Reference"), i++) {
		const char *name = me->refs[i];
		uint8_t md[64];
		size_t mdlen = 0;
		int herr;
		if (strcmp(name, signatures_path) == 0)
			protects = true;
		es_ofd__text(es_ofd__child(ref, "CheckValue"), cv, sizeof(cv));
		strip_ws(cv);
		/* streamed: a referenced file is inflated and hashed, never held */
		if (name[0] == '?' || (herr = es_ofd__pkg_digest(md, &mdlen, pkg, name, alg)) == ES_ENOTFOUND) {
			nbad++;
			list_add(missing, sizeof(missing), name);
			continue;
		}
		if (herr < 0 || es_ofd__b64(mine, sizeof(mine), md, mdlen) < 0 || strcmp(mine, cv) != 0) {
			nbad++;
			list_add(changed, sizeof(changed), name);
			changed_names[nchanged++] = name;
		}
	}
	/*
	 * Files in the package that this signature does not cover. Covered by
	 * another signature: stacking (later signatures add their own files).
	 * Covered by none: unprotected (template pages, resources the signer
	 * did not list) -- a notice, unless the package proves the file came
	 * later: a file this signature covers, changed since, refers to it.
	 */
	for (size_t f = 0; f < es_ofd_pkg_count(pkg); f++) {
		const char *name = es_ofd_pkg_name(pkg, f);
		bool proven = false;
		if (refs_has(me, name) || strcmp(name, "OFD.xml") == 0 || strcmp(name, signatures_path) == 0 ||
		    owned_by_signature(sigs, nsigs, name))
			continue;
		if (covered_by_any(sigs, nsigs, name)) {
			nlater++;
			list_add(later, sizeof(later), name);
			continue;
		}
		for (size_t c = 0; c < nchanged && !proven; c++)
			proven = mentions(pkg, changed_names[c], name);
		if (proven) {
			nadded++;
			list_add(added, sizeof(added), name);
		} else {
			nloose++;
			list_add(loose, sizeof(loose), name);
		}
	}
	es_free(changed_names);
	if (meth == M_FOREIGN)
		s->quirks |= ES_QUIRK_LEGACY_ALGORITHM;
	es_sig_report_info(s, "protects-signatures", "%s", protects ? "yes" : "no");
	if (nloose)
		es_sig_report_notice(s, "%zu file(s) not covered by any signature; changes to them would not be detected: %s",
				     nloose, loose);
	if (nbad || nadded) {
		es_sig_report_check(s, "references", ES_RESULT_FAIL, false,
				    "%zu of %zu references mismatch%s%s%s%s; %zu file(s) added after signing%s%s%s",
				    nbad, me->nrefs, changed[0] ? ": changed " : "", changed,
				    missing[0] ? (changed[0] ? "; removed " : ": removed ") : "", missing,
				    nadded, nadded ? " (referred to by a file changed since): " : "", added,
				    meth == M_SM3_LEGACY ? " (CheckMethod 1.2.156.10197.1.401.2 read as SM3)" : "");
	} else if (meth == M_FOREIGN) {
		/* checked on the value; the regulations require SM3 */
		s->quirks |= ES_QUIRK_LEGACY_ALGORITHM;
		es_sig_report_check(s, "references", ES_RESULT_WARN, opt->policy != ES_POLICY_ANY,
				    "%zu/%zu references match with CheckMethod %s (legacy algorithm)%s%s%s", me->nrefs,
				    me->nrefs, alg,
				    opt->policy != ES_POLICY_ANY ? ", but the regulations require SM3: at most indeterminate (--policy any judges it on its merits)" : ", accepted by --policy any",
				    nlater ? "; covered only by another signature: " : "", later);
	} else if (meth == M_SM3_LEGACY || nlater) {
		es_sig_report_check(s, "references", ES_RESULT_WARN, false,
				    "%zu/%zu references match%s%s%s",
				    me->nrefs, me->nrefs,
				    meth == M_SM3_LEGACY ? " (CheckMethod 1.2.156.10197.1.401.2 read as SM3)" : "",
				    nlater ? "; covered only by another signature: " : "", later);
	} else {
		es_sig_report_check(s, "references", ES_RESULT_PASS, false, "%zu/%zu references match (SM3)",
				    me->nrefs, me->nrefs);
	}
}

static void check_seal_file(es_sig_report *s, const es_ofd_pkg *pkg, const osig *me, const uint8_t *value,
			    size_t vlen)
{
	xmlNodePtr si = es_ofd__child(xmlDocGetRootElement(me->doc), "SignedInfo");
	xmlNodePtr seal = es_ofd__child(si, "Seal");
	char loc[NAME_CAP], name[NAME_CAP];
	es_bytes b;
	es_ses_sig *sig = NULL;

	if (!seal)
		return;
	es_ofd__text(es_ofd__child(seal, "BaseLoc"), loc, sizeof(loc));
	if (es_ofd__resolve(name, sizeof(name), me->xml_path, loc) < 0 || es_ofd_pkg_get(&b, pkg, name) < 0) {
		es_sig_report_check(s, "seal-file", ES_RESULT_FAIL, false, "Seal file '%s' is missing", loc);
		return;
	}
	if (es_ses_sig_parse(&sig, value, vlen) < 0) {
		es_sig_report_check(s, "seal-file", ES_RESULT_SKIP, false,
				    "the signed value is not an SES_Signature: Seal file not compared");
		return;
	}
	{
		const es_seal_fields *sf = es_seal_fields_get(es_ses_sig_fields_get(sig)->seal);
		if (sf->der.len == b.len && memcmp(sf->der.ptr, b.ptr, b.len) == 0)
			es_sig_report_check(s, "seal-file", ES_RESULT_PASS, false,
					    "'/%s' is byte-identical to TBS_Sign.eseal", name);
		else
			es_sig_report_check(s, "seal-file", ES_RESULT_FAIL, false,
					    "'/%s' differs from the seal inside the signature (TBS_Sign.eseal)", name);
	}
	es_ses_sig_free(sig);
}

static bool near0(double d)
{
	return d > -0.01 && d < 0.01;
}

static void check_stamps(es_sig_report *s, const osig *me, const pages *pg)
{
	xmlNodePtr si = es_ofd__child(xmlDocGetRootElement(me->doc), "SignedInfo");
	char pagelist[200] = "", boxes[240] = "", clips[240] = "", unknown[120] = "", a[96];
	size_t n = 0;

	for (xmlNodePtr st = es_ofd__child(si, "StampAnnot"); st; st = es_ofd__next(st, "StampAnnot"), n++) {
		char pr[32] = "", item[128];
		size_t idx;
		es_ofd__attr(st, "PageRef", pr, sizeof(pr));
		idx = page_index(pg, pr);
		if (idx)
			snprintf(item, sizeof(item), "%zu", idx);
		else
			snprintf(item, sizeof(item), "?");
		if (strlen(pagelist) + strlen(item) + 2 < sizeof(pagelist))
			snprintf(pagelist + strlen(pagelist), sizeof(pagelist) - strlen(pagelist), "%s%s",
				 pagelist[0] ? "," : "", item);
		if (!idx && strlen(unknown) + strlen(pr) + 2 < sizeof(unknown))
			snprintf(unknown + strlen(unknown), sizeof(unknown) - strlen(unknown), "%s%s",
				 unknown[0] ? "," : "", pr);
		double bx[4] = { 0, 0, 0, 0 }, cx[4];
		bool have_box = false;
		if (es_ofd__attr(st, "Boundary", a, sizeof(a))) {
			have_box = sscanf(a, "%lf %lf %lf %lf", &bx[0], &bx[1], &bx[2], &bx[3]) == 4;
			if (strlen(boxes) + strlen(a) + 3 < sizeof(boxes))
				snprintf(boxes + strlen(boxes), sizeof(boxes) - strlen(boxes), "%s%s", boxes[0] ? "; " : "", a);
		}
		if (es_ofd__attr(st, "Clip", a, sizeof(a))) {
			/* a clip that is the whole stamp (in its own space, or its boundary) clips nothing */
			bool whole = have_box && sscanf(a, "%lf %lf %lf %lf", &cx[0], &cx[1], &cx[2], &cx[3]) == 4 &&
				     near0(cx[2] - bx[2]) && near0(cx[3] - bx[3]) &&
				     ((near0(cx[0]) && near0(cx[1])) ||
				      (near0(cx[0] - bx[0]) && near0(cx[1] - bx[1])));
			if (whole)
				s->quirks |= ES_QUIRK_STAMP_CLIP_WHOLE;
			else if (strlen(clips) + strlen(a) + 3 < sizeof(clips))
				snprintf(clips + strlen(clips), sizeof(clips) - strlen(clips), "%s%s", clips[0] ? "; " : "", a);
		}
	}
	if (n == 0)
		return;
	if (s->quirks & ES_QUIRK_STAMP_CLIP_WHOLE)
		es_sig_report_notice(s, "a stamp's Clip is the whole stamp (vendor quirk 'stamp-clip-whole'): it clips nothing, not a riding seal");
	es_sig_report_info(s, "page", "%s", pagelist);
	es_sig_report_info(s, "box", "%s", boxes);
	if (clips[0])
		es_sig_report_info(s, "clip", "%s", clips);
	if (unknown[0])
		es_sig_report_check(s, "stamp", ES_RESULT_WARN, false,
				    "%zu stamp(s); PageRef %s is not a page object of the document", n, unknown);
	else
		es_sig_report_check(s, "stamp", ES_RESULT_PASS, false, "%zu stamp(s) on page %s%s", n, pagelist,
				    clips[0] ? " (riding seal, clipped)" : "");
}

static int fail_entry(es_report *r, const char *id, const char *type, const char *check, const char *fmt,
		      const char *arg)
{
	es_sig_report *s;
	int err = es_report_add(r, &s);
	if (err < 0)
		return err;
	snprintf(s->id, sizeof(s->id), "%s", id);
	snprintf(s->type, sizeof(s->type), "%s", type);
	es_sig_report_check(s, check, ES_RESULT_FAIL, false, fmt, arg);
	return 0;
}

static int verify_one(es_report *r, const es_ofd_pkg *pkg, const osig *sigs, size_t n, size_t k,
		      const char *signatures_path, const pages *pg, const es_verify_options *opt)
{
	const osig *me = &sigs[k];
	es_verify_options vo = opt ? *opt : (es_verify_options)ES_VERIFY_OPTIONS_INIT;
	char loc[NAME_CAP], name[NAME_CAP];
	es_bytes xml, value;
	es_sig_report *s = NULL;
	int err;

	if (me->err < 0)
		return fail_entry(r, me->id, me->type, "format", "%s", me->errmsg);
	if (es_ofd_pkg_get(&xml, pkg, me->xml_path) < 0)
		return fail_entry(r, me->id, me->type, "format", "'%s' missing", me->xml_path);
	es_ofd__text(es_ofd__child(xmlDocGetRootElement(me->doc), "SignedValue"), loc, sizeof(loc));
	if (es_ofd__resolve(name, sizeof(name), me->xml_path, loc) < 0 || es_ofd_pkg_get(&value, pkg, name) < 0)
		return fail_entry(r, me->id, me->type, "format", "SignedValue '%s' is missing", loc);
	vo.original = xml.ptr;
	vo.original_len = xml.len;
	vo.has_original = true;
	err = es_verify_signed_value(r, me->id, value.ptr, value.len, &vo, &s);
	if (!s)
		return err < 0 ? err : es_error_set(ES_EINTERNAL, "no report entry");
	snprintf(s->type, sizeof(s->type), "%s", me->type);
	es_sig_report_info(s, "signature-xml", "/%s", me->xml_path);
	if (me->quirks & ES_QUIRK_FILEREF_SLASHES) {
		s->quirks |= ES_QUIRK_FILEREF_SLASHES;
		es_sig_report_notice(s, "location '%s' has a doubled slash (vendor quirk 'fileref-doubled-slash'): empty segments collapse",
				     me->quirk_loc);
	}
	check_references(s, pkg, sigs, n, k, signatures_path, &vo);
	if (strcmp(me->type, "Seal") == 0)
		check_seal_file(s, pkg, me, value.ptr, value.len);
	check_stamps(s, me, pg);
	return 0;
}

static int verify_pkg(es_report *r, const es_ofd_pkg *pkg, const es_verify_options *opt)
{
	es_bytes b;
	xmlDocPtr ofd = NULL, sdoc = NULL;
	xmlNodePtr body, sig;
	char loc[NAME_CAP], docroot[NAME_CAP], spath[NAME_CAP], tmp[NAME_CAP];
	osig *sigs = NULL;
	size_t n = 0;
	pages pg = { 0, NULL };
	int err;

	if ((err = es_ofd_pkg_get(&b, pkg, "OFD.xml")) < 0 || (err = es_ofd__xml_parse(&ofd, b.ptr, b.len, "OFD.xml")) < 0)
		return fail_entry(r, "package", "ofd", "format", "%s", es_error_last()->message) < 0 ? ES_ENOMEM : err;
	body = es_ofd__child(xmlDocGetRootElement(ofd), "DocBody");
	es_ofd__text(es_ofd__child(body, "DocRoot"), loc, sizeof(loc));
	if (!body || !loc[0] || es_ofd__resolve(docroot, sizeof(docroot), "OFD.xml", loc) < 0) {
		err = es_error_set(ES_EMALFORMED, "OFD.xml has no DocBody/DocRoot");
		fail_entry(r, "package", "ofd", "format", "%s", "OFD.xml has no DocBody/DocRoot");
		goto done;
	}
	(void)load_pages(&pg, pkg, docroot); /* stamps report '?' when pages cannot be read */
	es_ofd__text(es_ofd__child(body, "Signatures"), loc, sizeof(loc));
	if (!loc[0]) {
		/* nothing to verify: indeterminate, not invalid (es_report_finish) */
		snprintf(r->reason, sizeof(r->reason),
			 "the document carries no signature (OFD.xml names no Signatures.xml): nothing to verify");
		err = 0;
		goto done;
	}
	if ((err = es_ofd__resolve(spath, sizeof(spath), "OFD.xml", loc)) < 0 ||
	    (err = es_ofd_pkg_get(&b, pkg, spath)) < 0 || (err = es_ofd__xml_parse(&sdoc, b.ptr, b.len, spath)) < 0) {
		err = fail_entry(r, "document", "ofd", "signatures", "%s", es_error_last()->message);
		goto done;
	}
	for (sig = es_ofd__child(xmlDocGetRootElement(sdoc), "Signature"); sig; sig = es_ofd__next(sig, "Signature"))
		n++;
	if (n == 0) {
		snprintf(r->reason, sizeof(r->reason), "'/%s' lists no signature: nothing to verify", spath);
		err = 0;
		goto done;
	}
	if (n > ES_OFD_MAX_SIGNATURES) {
		err = es_error_set(ES_ELIMIT, "more than %d signatures", ES_OFD_MAX_SIGNATURES);
		fail_entry(r, "document", "ofd", "signatures", "%s", es_error_last()->message);
		goto done;
	}
	sigs = es_calloc(n, sizeof(*sigs));
	if (!sigs) {
		err = es_error_set(ES_ENOMEM, "out of memory");
		goto done;
	}
	n = 0;
	for (sig = es_ofd__child(xmlDocGetRootElement(sdoc), "Signature"); sig; sig = es_ofd__next(sig, "Signature")) {
		osig *s = &sigs[n++];
		if (!es_ofd__attr(sig, "ID", s->id, sizeof(s->id)))
			snprintf(s->id, sizeof(s->id), "#%zu", n);
		if (!es_ofd__attr(sig, "Type", s->type, sizeof(s->type)) || !s->type[0])
			snprintf(s->type, sizeof(s->type), "Seal");
		if (!es_ofd__attr(sig, "BaseLoc", tmp, sizeof(tmp)) ||
		    es_ofd__resolve(s->xml_path, sizeof(s->xml_path), spath, tmp) < 0) {
			s->err = ES_EMALFORMED;
			snprintf(s->errmsg, sizeof(s->errmsg), "signature '%s' has no usable BaseLoc", s->id);
			continue;
		}
		osig_load(s, pkg);
		if (s->err == ES_ENOMEM) {
			err = s->err;
			goto done;
		}
	}
	for (size_t k = 0; k < n; k++)
		if ((err = verify_one(r, pkg, sigs, n, k, spath, &pg, opt)) == ES_ENOMEM)
			goto done;
	err = 0;
done:
	for (size_t k = 0; sigs && k < n; k++)
		osig_release(&sigs[k]);
	es_free(sigs);
	es_free(pg.id);
	xmlFreeDoc(sdoc);
	xmlFreeDoc(ofd);
	return err;
}

int es_ofd_verify(es_report *r, const uint8_t *data, size_t len, const es_verify_options *opt)
{
	es_ofd_pkg *pkg = NULL;
	int err;

	ES_ASSERT_ARG(r && (data || len == 0));
	snprintf(r->format, sizeof(r->format), "ofd");
	if ((err = es_ofd_pkg_open(&pkg, data, len, NULL)) < 0) {
		char msg[sizeof(es_error_last()->message)];
		snprintf(msg, sizeof(msg), "%s", es_error_last()->message);
		if (fail_entry(r, "package", "ofd", "format", "%s", msg) == 0)
			es_error_set(err, "%s", msg);
		es_report_finish(r);
		return err;
	}
	err = verify_pkg(r, pkg, opt);
	es_report_finish(r);
	es_ofd_pkg_free(pkg);
	return err;
}

/* es_verify_file() reaches OFDs through this hook as soon as this object is
 * linked (the CLI's ofd command and every OFD API user link it). */
__attribute__((constructor)) static void es_ofd__register(void)
{
	xmlInitParser(); /* once, before any thread parses (libxml2 threads rule) */
	es_verify_register_ofd(es_ofd_verify);
}
