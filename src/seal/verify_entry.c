/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Recognising what a file is, by content, and verifying it. */
#include "es_int.h"
#include "seal/seal_int.h"
#include "seal/verify_int.h"

static es_doc_verify_fn ofd_fn, pdf_fn;

void es_verify_register_ofd(es_doc_verify_fn fn)
{
	ofd_fn = fn;
}

void es_verify_register_pdf(es_doc_verify_fn fn)
{
	pdf_fn = fn;
}

typedef enum { KIND_UNKNOWN, KIND_SEAL, KIND_SES, KIND_CMS, KIND_RAW_SM2 } der_kind;

/*
 * Tell the structures apart by shape (STANDARDS.md §1.6):
 *   SESeal v4        SEQ { SEQ(SealInfo: SEQ header ...), OCTET, OID, BIT [, [0]] }
 *   SESeal v1        SEQ { SEQ(SealInfo), SEQ(SignInfo) }
 *   SES_Signature v4 SEQ { SEQ(TBS: INTEGER ...), OCTET, OID, BIT [, ts] }
 *   SES_Signature v1 SEQ { SEQ(TBS: INTEGER ...), BIT }
 *   ContentInfo      SEQ { OID, [0] }
 *   SM2 signature    SEQ { INTEGER, INTEGER }
 */
static der_kind classify(const uint8_t *der, size_t len)
{
	es_der d, top, first;
	es_tlv a, b;
	uint8_t tag;

	es_der_init(&d, der, len);
	if (es_der_enter(&d, ES_DER_SEQUENCE, &top, NULL) < 0 || es_der_read_tlv(&top, &a) < 0 ||
	    es_der_peek(&top, &tag) < 0)
		return KIND_UNKNOWN;
	if (a.tag == ES_DER_OID)
		return KIND_CMS;
	if (a.tag == ES_DER_INTEGER)
		return tag == ES_DER_INTEGER ? KIND_RAW_SM2 : KIND_UNKNOWN;
	if (a.tag != ES_DER_SEQUENCE)
		return KIND_UNKNOWN;
	es_der_init(&first, a.value.ptr, a.value.len);
	if (es_der_read_tlv(&first, &b) < 0)
		return KIND_UNKNOWN;
	if (b.tag == ES_DER_INTEGER)
		return KIND_SES;
	if (b.tag == ES_DER_SEQUENCE)
		return KIND_SEAL;
	return KIND_UNKNOWN;
}

int es_verify_signed_value(es_report *r, const char *id, const uint8_t *der, size_t len,
			   const es_verify_options *o, es_sig_report **entry)
{
	int err = 0;
	size_t before = r->nsigs;
	es_sig_report *s = NULL;

	switch (classify(der, len)) {
	case KIND_SES: {
		es_ses_sig *sig = NULL;
		if ((err = es_ses_sig_parse(&sig, der, len)) < 0) {
			char why[sizeof(es_error_last()->message)];
			snprintf(why, sizeof(why), "%s", es_error_last()->message);
			(void)es_verify__broken_ses(r, der, len, o, why);
			es_error_set(err, "%s", why);
			break;
		}
		err = es_verify_ses(r, sig, o);
		es_ses_sig_free(sig);
		break;
	}
	case KIND_SEAL: {
		es_seal *seal = NULL;
		if ((err = es_seal_parse(&seal, der, len)) < 0)
			break;
		err = es_verify_seal(r, seal, o);
		es_seal_free(seal);
		break;
	}
	case KIND_CMS:
		if ((err = es_report_add(r, &s)) < 0)
			return err;
		err = es_verify__cms(s, der, len, o);
		break;
	case KIND_RAW_SM2:
		if ((err = es_report_add(r, &s)) < 0)
			return err;
		err = es_verify__raw_sm2(s, der, len, o);
		break;
	default:
		err = es_error_set(ES_EMALFORMED,
				   "not a seal, an SES_Signature, a SignedData or an SM2 signature (DER expected)");
		break;
	}
	if (err < 0 && r->nsigs == before) {
		/* unreadable: still one entry that says why */
		char msg[sizeof(es_error_last()->message)];
		int code = err;
		snprintf(msg, sizeof(msg), "%s", es_error_last()->message);
		if (es_report_add(r, &s) < 0)
			return code;
		snprintf(s->type, sizeof(s->type), "unknown");
		es_sig_report_check(s, "format", ES_RESULT_FAIL, false, "%s", msg);
		es_error_set(code, "%s", msg);
	}
	if (r->nsigs > before) {
		s = &r->sigs[r->nsigs - 1];
		if (id)
			snprintf(s->id, sizeof(s->id), "%s", id);
		else if (!s->id[0])
			snprintf(s->id, sizeof(s->id), "%s", s->type);
		if (entry)
			*entry = s;
	}
	es_report_finish(r);
	return err;
}

int es_verify_der(es_report *r, const uint8_t *der, size_t len, const es_verify_options *o)
{
	switch (classify(der, len)) {
	case KIND_SEAL: snprintf(r->format, sizeof(r->format), "seal"); break;
	case KIND_SES: snprintf(r->format, sizeof(r->format), "ses"); break;
	case KIND_CMS: snprintf(r->format, sizeof(r->format), "cms"); break;
	case KIND_RAW_SM2: snprintf(r->format, sizeof(r->format), "sm2"); break;
	default: snprintf(r->format, sizeof(r->format), "unknown"); break;
	}
	return es_verify_signed_value(r, NULL, der, len, o, NULL);
}

int es_verify_file(es_report *r, const uint8_t *data, size_t len, const es_verify_options *o)
{
	if (len >= 4 && memcmp(data, "PK\x03\x04", 4) == 0) {
		snprintf(r->format, sizeof(r->format), "ofd");
		if (!ofd_fn)
			return es_error_set(ES_ENOTSUPPORTED, "this is an OFD package; OFD verification is not part of this build");
		return ofd_fn(r, data, len, o);
	}
	if (len >= 5 && memcmp(data, "%PDF-", 5) == 0) {
		snprintf(r->format, sizeof(r->format), "pdf");
		if (!pdf_fn)
			return es_error_set(ES_ENOTSUPPORTED, "this is a PDF; PDF verification is not part of this build");
		return pdf_fn(r, data, len, o);
	}
	if (len == 0 || data[0] != ES_DER_SEQUENCE)
		return es_error_set(ES_EMALFORMED,
				    "unrecognised file: not DER (seal, SES_Signature, SignedData), OFD or PDF");
	return es_verify_der(r, data, len, o);
}
