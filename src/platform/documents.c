/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Documents sealed with platform-held seals (sign services, docs/sign-services.md):
 * an OFD or PDF in, the sealed document out, with the seal's key wherever custody.c
 * says it is, under an approved use request for the document's SM3 (or a device
 * seal's batch authorisation), time-stamped by the platform TSA. The same path signs
 * data (SM2, GM/T 0010 SignedData: the /svs/v1/ services) and an OES's digest.
 *
 * Order of work: the cheap checks (role, seal state, request) before anything is
 * opened, so a refused call costs no PIN try; then the key and the signing, outside
 * any transaction (the slow part: MuPDF, zip, a PKCS#11 round trip); then one
 * transaction that checks everything again, uses the request up and writes the usage
 * record and the audit entries. The sealed bytes reach the caller only after it
 * commits; a request used meanwhile by another call is ES_ECONFLICT and the signed
 * copy is thrown away.
 */
#include "es_int.h"
#include "platform_int.h"
#include "estime.h"
#include "text.h"
#include "eseal/es_ofd.h"
#include "eseal/es_pdf.h"
#include "eseal/es_cms.h"
#include "batch_int.h"

/* The sealed copy may be a little larger than the largest document accepted. */
#define SEALED_MAX (((size_t)256 << 20) + ((size_t)8 << 20))

const char *es_document_format(const uint8_t *doc, size_t len)
{
	if (!doc)
		return NULL;
	if (len >= 5 && memcmp(doc, "%PDF-", 5) == 0)
		return "pdf";
	if (len >= 4 && memcmp(doc, "PK\x03\x04", 4) == 0)
		return "ofd";
	return NULL;
}

static int check_options(const es_seal_document_options *o)
{
	if (o->version != ES_SEAL_DOCUMENT_OPTIONS_VERSION)
		return es_error_set(ES_EINVAL, "seal document: unknown options version %u", o->version);
	if (es_esid_check(o->esid) < 0)
		return es_error_set(ES_EINVAL, "seal document: the seal is named by its 14-digit esID");
	if (o->place != ES_DOC_PLACE_POSITION && o->place != ES_DOC_PLACE_KEYWORD && o->place != ES_DOC_PLACE_RIDING)
		return es_error_set(ES_EINVAL, "seal document: placement is position, keyword or riding");
	if (o->place == ES_DOC_PLACE_KEYWORD && (!o->keyword || !o->keyword[0] || strlen(o->keyword) > 256))
		return es_error_set(ES_EINVAL, "seal document: keyword placement needs a keyword of 1 to 256 bytes");
	if (o->page > 100000)
		return es_error_set(ES_EINVAL, "seal document: page %u is out of range", o->page);
	if (!(o->x_mm >= 0 && o->x_mm <= 5000 && o->y_mm >= 0 && o->y_mm <= 5000 && o->w_mm >= 0 && o->w_mm <= 1000 &&
	      o->h_mm >= 0 && o->h_mm <= 1000))
		return es_error_set(ES_EINVAL, "seal document: position 0 to 5000 mm, size 0 to 1000 mm");
	if (o->reason && strlen(o->reason) > 512)
		return es_error_set(ES_EINVAL, "seal document: the reason has at most 512 bytes");
	return 0;
}

/* The seal can be used now: ES_ESTATE naming its state otherwise (not a role question). */
static int seal_state_ok(es_platform *p, const char *esid)
{
	es_seal_record r;
	int err = es_platform_seal_get(p, esid, &r);
	if (err < 0)
		return err;
	if (strcmp(r.state, "active") != 0)
		return es_error_set(ES_ESTATE, "seal %s is %s and cannot be used%s", esid, r.state,
				    strcmp(r.state, "made") == 0	? ": the applicant must confirm its impression first"
				    : strcmp(r.state, "suspended") == 0 ? ": file a reenable application"
				    : strcmp(r.state, "lost") == 0	? ": apply for a reissue"
									: ": apply for a new seal");
	if (es_platform__now(p) >= r.valid_end)
		return es_error_set(ES_ESTATE, "seal %s has expired and cannot be used: apply for a new seal", esid);
	return 0;
}

/* One use of a held seal: what the request covers, how to sign, what to record. */
typedef int (*held_fn)(es_buf *out, es_platform *p, es_held_key *k, es_time t, void *ctx);
typedef struct use_job {
	const char *esid;
	int64_t request;
	const char *pin;
	es_sign_digest_fn device_sign;
	void *device_payload;
	const char *format;      /* "ofd", "pdf", "sm2", "cms": usage_records.doc_format */
	const char *what;        /* audit: how ("keyword", "detached SignedData" ...) */
	held_fn fn;              /* makes the output with the held key */
	void *fn_ctx;
	const es_job_claim *claim; /* an item of a batch job: its claim replaces the request check */
	bool *doc_fault;         /* set when fn failed on the document itself (a job item fails alone) */
} use_job;

typedef struct doc_ctx {
	int64_t actor;
	const use_job *j;
	bool device;
	const uint8_t *in, *out; /* SM3 of the input and of the output */
	const es_buf *made;      /* the output (a job item keeps it) */
	int64_t usage;
} doc_ctx;

/* Everything the transaction will check, without writing (the rollback undoes last_used). */
static int precheck(es_platform *p, doc_ctx *c, const uint8_t in[32])
{
	int64_t batch = 0;
	int err = es_store_begin(p->st);
	if (err < 0)
		return err;
	if ((err = es_platform__use_check(p, c->actor, c->j->esid)) == 0)
		err = c->j->claim ? es_platform__job_claim_check(p, c->j->claim)
		      : c->device ? es_platform__batch_in_force(p, c->j->esid, &batch)
				  : es_platform__request_covers(p, c->j->request, c->j->esid, in);
	es_store_rollback(p->st);
	if (err == ES_EDENIED)
		es_platform__audit_denied(p);
	return err;
}

static int doc_tx(es_platform *p, void *vctx)
{
	doc_ctx *c = vctx;
	const use_job *j = c->j;
	int64_t batch = 0;
	char detail[256], hi[65], ho[65];
	int err;
	if ((err = seal_state_ok(p, j->esid)) < 0 || (err = es_platform__use_check(p, c->actor, j->esid)) < 0)
		return err;
	if (j->claim) {
		if ((err = es_platform__job_claim_check(p, j->claim)) < 0)
			return err;
	} else if (c->device) {
		if ((err = es_platform__batch_in_force(p, j->esid, &batch)) < 0)
			return err;
	} else if ((err = es_platform__request_covers(p, j->request, j->esid, c->in)) < 0 ||
		   (err = es_platform__request_use(p, j->request, j->esid)) < 0) {
		return err;
	}
	if ((err = es_platform__usage(p, c->actor, j->esid, c->in, c->device ? 0 : j->request, batch, &c->usage)) < 0)
		return err;
	es_sval pv[3] = { ES_SV_B(c->out, 32), ES_SV_S(j->format), ES_SV_I(c->usage) };
	if ((err = es_store_exec(p->st, "UPDATE usage_records SET out_hash = ?, doc_format = ? WHERE id = ?", pv, 3, NULL,
				 NULL, NULL)) < 0)
		return err;
	if (j->claim && (err = es_platform__job_claim_done(p, j->claim, c->usage, c->made->ptr, c->made->len, c->out)) < 0)
		return err;
	es_hex(hi, c->in, 32);
	es_hex(ho, c->out, 32);
	if (j->claim)
		snprintf(detail, sizeof(detail), "usage %lld: %s %s signed as %s (%s, job %lld item %lld)", (long long)c->usage,
			 j->format, hi, ho, j->what, (long long)j->claim->job, (long long)j->claim->seq);
	else
		snprintf(detail, sizeof(detail), "usage %lld: %s %s signed as %s (%s)", (long long)c->usage, j->format, hi,
			 ho, j->what);
	return es_platform__audit(p, c->actor, strcmp(j->format, "ofd") == 0 || strcmp(j->format, "pdf") == 0
						       ? "seal-document"
						       : "sign-data",
				  "seal", j->esid, detail, NULL);
}

typedef struct doc_in {
	const uint8_t *doc;
	size_t len;
	const es_seal_document_options *o;
} doc_in;

static int sign_ofd(es_buf *out, es_platform *p, es_held_key *k, es_time t, void *ctx)
{
	const doc_in *d = ctx;
	const es_seal_document_options *o = d->o;
	es_ofd_sign_options so = ES_OFD_SIGN_OPTIONS_INIT;
	so.type = ES_OFD_SEAL;
	so.w = o->w_mm;
	so.h = o->h_mm;
	so.time = t;
	so.provider = "eseal platform";
	so.tsa_cert = p->tsa;
	so.tsa_key = p->tsa_key;
	so.signer = k->signer;
	switch (o->place) {
	case ES_DOC_PLACE_KEYWORD:
		so.place = ES_OFD_PLACE_KEYWORD;
		so.page = o->page;
		so.keyword = o->keyword;
		so.occurrence = 1;
		break;
	case ES_DOC_PLACE_RIDING:
		so.place = ES_OFD_PLACE_RIDING;
		so.riding_y = o->y_mm;
		break;
	default:
		so.place = ES_OFD_PLACE_POSITION;
		so.page = o->page ? o->page : 1;
		so.x = o->x_mm;
		so.y = o->y_mm;
		break;
	}
	return es_ofd_sign(out, d->doc, d->len, &so, k->seal, k->cert, NULL);
}

static int sign_pdf(es_buf *out, es_platform *p, es_held_key *k, es_time t, void *ctx)
{
	const doc_in *d = ctx;
	const es_seal_document_options *o = d->o;
	es_pdf_sign_options so = ES_PDF_SIGN_OPTIONS_INIT;
	so.encoding = ES_PDF_SES; /* the signature carries the seal: its esID and status are found */
	so.page = o->place == ES_DOC_PLACE_KEYWORD ? (int)o->page : (int)(o->page ? o->page : 1);
	so.x_mm = o->x_mm;
	so.y_mm = o->y_mm;
	so.w_mm = o->w_mm;
	so.h_mm = o->h_mm;
	so.keyword = o->place == ES_DOC_PLACE_KEYWORD ? o->keyword : NULL;
	so.riding = o->place == ES_DOC_PLACE_RIDING;
	so.reason = o->reason;
	so.time = t;
	so.tsa_cert = p->tsa;
	so.tsa_key = p->tsa_key;
	so.signer = k->signer;
	if (so.riding)
		so.page = 0;
	return es_pdf_sign(out, d->doc, d->len, &so, k->seal, k->cert, NULL);
}

/* The one path of every use of a held seal (documents, data, messages): see the top of the file. */
static int held_use(es_platform *p, int64_t actor, const use_job *j, const uint8_t in[32], es_buf *out,
		    es_seal_document_result *res)
{
	es_held_key k;
	es_buf made;
	uint8_t oh[32];
	es_time t;
	int err;
	doc_ctx c = { .actor = actor, .j = j, .in = in };
	memset(&k, 0, sizeof(k));
	es_buf_init(&made, SEALED_MAX);
	/* role first (audited by the role table), then what the seal and the request allow */
	if ((err = es_platform__authorize(p, actor, ES_ACT_SEAL_USE, -1, NULL)) < 0)
		return err;
	{
		es_seal_record rec;
		if ((err = es_platform_seal_get(p, j->esid, &rec)) < 0)
			return err;
	}
	/* a device seal signs under its batch authorisation; every other under a use request */
	{
		es_sval pv[1] = { ES_SV_S(j->esid) };
		int64_t n = 0;
		if ((err = es_store_int(p->st, &n, "SELECT COUNT(*) FROM tokens WHERE esid = ? AND kind = 'device'", pv, 1)) < 0)
			return err;
		c.device = n > 0;
	}
	if ((err = seal_state_ok(p, j->esid)) < 0 || (err = precheck(p, &c, in)) < 0)
		goto refused;
	if (c.device && !j->device_sign) {
		err = es_error_set(ES_EDENIED, "seal %s is a device seal: its key never enters the platform; seal where the "
					       "device is, under a batch authorisation",
				   j->esid);
		goto refused;
	}
	/* the key wherever it is; a refused PIN is counted by the token or key store */
	if ((err = es_platform__key_open(p, actor, j->esid, j->pin, j->device_sign, j->device_payload, &k)) < 0) {
		if (err == ES_EAUTH || err == ES_EDENIED || err == ES_ESTATE)
			goto refused;
		goto done;
	}
	t = es_platform__now(p);
	if ((err = j->fn(&made, p, &k, t, j->fn_ctx)) < 0) {
		if (j->doc_fault && err != ES_EVERIFY && err != ES_ENOMEM && err != ES_EIO && err != ES_EDB &&
		    err != ES_ECRYPTO && err != ES_EAUTH && err != ES_EDENIED)
			*j->doc_fault = true;
		if (err == ES_EVERIFY) {
			/* the store or device signed with another key than the certificate's: nothing is used up */
			es_error saved = *es_error_last();
			es_error_set(ES_EVERIFY, "seal %s: %s", j->esid, saved.message);
			es_platform__use_refused(p, actor, j->esid, j->request,
						 "the key store's key does not match the seal's certificate");
		}
		goto done;
	}
	if ((err = es_sm3(oh, made.ptr, made.len)) < 0)
		goto done;
	c.out = oh;
	c.made = &made;
	if ((err = es_platform__tx(p, doc_tx, &c)) < 0) {
		if (err == ES_EDENIED || err == ES_ESTATE || err == ES_ECONFLICT)
			goto refused;
		goto done;
	}
	if ((err = es_buf_put(out, made.ptr, made.len)) < 0)
		goto done;
	if (res) {
		snprintf(res->format, sizeof(res->format), "%s", j->format);
		memcpy(res->in_sm3, in, 32);
		memcpy(res->out_sm3, oh, 32);
		res->usage_id = c.usage;
		res->signed_at = t;
	}
	goto done;
refused:
	es_platform__use_refused(p, actor, j->esid, j->request, "nothing signed");
done:
	es_platform__key_close(&k);
	es_buf_release(&made);
	return err;
}

int es_platform_seal_document(es_platform *p, const es_actor *who, const es_seal_document_options *opt, const uint8_t *doc,
			      size_t len, es_buf *out, es_seal_document_result *res)
{
	int64_t actor = es_platform__enter(p, who);
	ES_ASSERT_ARG(p && opt && (doc || len == 0) && out);
	uint8_t in[32];
	int err;
	const char *format;
	if (res)
		memset(res, 0, sizeof(*res));
	if ((err = check_options(opt)) < 0)
		return err;
	if (!(format = es_document_format(doc, len)))
		return es_error_set(ES_EMALFORMED, "seal document: neither an OFD (zip) nor a PDF (%%PDF- header)");
	if ((err = es_sm3(in, doc, len)) < 0)
		return err;
	doc_in d = { doc, len, opt };
	use_job j = { .esid = opt->esid,
		      .request = opt->request,
		      .pin = opt->pin,
		      .device_sign = opt->device_sign,
		      .device_payload = opt->device_payload,
		      .format = format,
		      .what = opt->place == ES_DOC_PLACE_KEYWORD ? "keyword"
			      : opt->place == ES_DOC_PLACE_RIDING ? "riding"
								  : "position",
		      .fn = strcmp(format, "ofd") == 0 ? sign_ofd : sign_pdf,
		      .fn_ctx = &d };
	return held_use(p, actor, &j, in, out, res);
}

/* ---- data and messages (the GM/T 0029 sign services) ------------------------------------ */

typedef struct data_in {
	const uint8_t *data;
	size_t len;
	es_sign_data_form form;
} data_in;

static int sign_data_fn(es_buf *out, es_platform *p, es_held_key *k, es_time t, void *ctx)
{
	const data_in *d = ctx;
	if (d->form == ES_SIGN_DATA_SM2) {
		/* SM2 with SM3 and the default ID over the data: e = SM3(Z ‖ data) */
		const es_sm2_key *pub = NULL;
		es_sm3_ctx *h = NULL;
		uint8_t z[32], e[32];
		int err;
		if ((err = es_cert_pubkey(&pub, k->cert)) == 0 && (err = es_sm2_z(z, pub, NULL, 0)) == 0 &&
		    (err = es_sm3_new(&h)) == 0 && (err = es_sm3_update(h, z, 32)) == 0 &&
		    (err = es_sm3_update(h, d->data, d->len)) == 0 && (err = es_sm3_final(h, e)) == 0)
			err = es_platform__held_sign_digest(out, e, k);
		es_sm3_free(h);
		return err;
	}
	uint8_t md[32];
	int err = es_sm3(md, d->data, d->len);
	if (err < 0)
		return err;
	es_cms_sign_options co = ES_CMS_SIGN_OPTIONS_INIT;
	co.flavour = ES_CMS_GMT0010;
	co.digest = md;
	co.signing_time = t;
	co.tsa_cert = p->tsa;
	co.tsa_key = p->tsa_key;
	co.sign_digest = es_platform__held_sign_digest;
	co.sign_payload = k;
	return es_cms_sign_detached(out, &co, k->cert, NULL);
}

int es_platform_sign_data(es_platform *p, const es_actor *who, const es_sign_data_options *opt, const uint8_t *data,
			  size_t len, es_buf *out, es_seal_document_result *res)
{
	int64_t actor = es_platform__enter(p, who);
	ES_ASSERT_ARG(p && opt && (data || len == 0) && out);
	uint8_t in[32];
	int err;
	if (res)
		memset(res, 0, sizeof(*res));
	if (opt->version != ES_SIGN_DATA_OPTIONS_VERSION)
		return es_error_set(ES_EINVAL, "sign data: unknown options version %u", opt->version);
	if (es_esid_check(opt->esid) < 0)
		return es_error_set(ES_EINVAL, "sign data: the seal is named by its 14-digit esID");
	if (opt->form != ES_SIGN_DATA_SM2 && opt->form != ES_SIGN_DATA_CMS)
		return es_error_set(ES_EINVAL, "sign data: the form is a bare SM2 signature or a GM/T 0010 SignedData");
	if ((err = es_sm3(in, data ? data : (const uint8_t *)"", len)) < 0)
		return err;
	data_in d = { data ? data : (const uint8_t *)"", len, opt->form };
	use_job j = { .esid = opt->esid,
		      .request = opt->request,
		      .pin = opt->pin,
		      .device_sign = opt->device_sign,
		      .device_payload = opt->device_payload,
		      .format = opt->form == ES_SIGN_DATA_SM2 ? "sm2" : "cms",
		      .what = opt->form == ES_SIGN_DATA_SM2 ? "SM2 signature over the data"
							    : "detached GM/T 0010 SignedData, time-stamped",
		      .fn = sign_data_fn,
		      .fn_ctx = &d };
	return held_use(p, actor, &j, in, out, res);
}

/* ---- the signature over a digest (an OES's Signature.xml) ----------------------------------- */

typedef struct digest_in {
	const uint8_t *hash;
	const char *prop;
} digest_in;

static int sign_digest_fn(es_buf *out, es_platform *p, es_held_key *k, es_time t, void *ctx)
{
	const digest_in *d = ctx;
	es_sign_options so = ES_SIGN_OPTIONS_INIT;
	so.data_hash = d->hash;
	so.property_info = d->prop;
	so.time = t;
	so.tsa_cert = p->tsa;
	so.tsa_key = p->tsa_key;
	return es_ses_signer_sign(k->signer, out, &so);
}

int es_platform_seal_sign_digest(es_platform *p, const es_actor *who, const char *esid, const uint8_t doc_hash[32],
				 int64_t request, const char *pin, const char *property_info, es_buf *sig_out)
{
	int64_t actor = es_platform__enter(p, who);
	ES_ASSERT_ARG(p && esid && doc_hash && sig_out);
	if (es_esid_check(esid) < 0)
		return es_error_set(ES_EINVAL, "sign digest: the seal is named by its 14-digit esID");
	if (property_info && (!property_info[0] || strlen(property_info) > 1024))
		return es_error_set(ES_EINVAL, "propertyInfo has 1 to 1024 ASCII characters");
	digest_in d = { doc_hash, property_info };
	use_job j = { .esid = esid,
		      .request = request,
		      .pin = pin,
		      .format = "ses",
		      .what = property_info ? property_info : "data",
		      .fn = sign_digest_fn,
		      .fn_ctx = &d };
	return held_use(p, actor, &j, doc_hash, sig_out, NULL);
}

/* ---- one item of a batch job (batch.c) ------------------------------------------------------- */

int es_platform__seal_job_item(es_platform *p, int64_t owner, const es_seal_document_options *opt, const uint8_t *doc,
			       size_t len, const es_job_claim *claim, es_buf *out, bool *doc_fault)
{
	uint8_t in[32];
	int err;
	const char *format;
	*doc_fault = false;
	if ((err = check_options(opt)) < 0)
		return err;
	if (!(format = es_document_format(doc, len))) {
		*doc_fault = true;
		return es_error_set(ES_EMALFORMED, "neither an OFD (zip) nor a PDF (%%PDF- header)");
	}
	if ((err = es_sm3(in, doc, len)) < 0)
		return err;
	doc_in d = { doc, len, opt };
	use_job j = { .esid = opt->esid,
		      .request = claim->request,
		      .pin = opt->pin,
		      .format = format,
		      .what = opt->place == ES_DOC_PLACE_KEYWORD ? "keyword"
			      : opt->place == ES_DOC_PLACE_RIDING ? "riding"
								  : "position",
		      .fn = strcmp(format, "ofd") == 0 ? sign_ofd : sign_pdf,
		      .fn_ctx = &d,
		      .claim = claim,
		      .doc_fault = doc_fault };
	return held_use(p, owner, &j, in, out, NULL);
}
