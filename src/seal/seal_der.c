/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * GB/T 38540-2020 and GM/T 0031-2014 seal and signature structures.
 * Reading is strict DER with the named vendor quirks of STANDARDS.md §1
 * accepted and recorded; verification always uses the received bytes.
 */
#include "es_int.h"
#include "seal/seal_int.h"
#include "estime.h"

const char *es_quirk_name(unsigned q)
{
	switch (q) {
	case ES_QUIRK_RAW_SIGNATURE: return "raw-signature";
	case ES_QUIRK_EXT_CRITICAL_FALSE: return "ext-critical-false-encoded";
	case ES_QUIRK_V1_CERT_NOT_OCTETS: return "v1-certlist-not-certificates";
	case ES_QUIRK_V1_TIMEINFO_TEXT: return "v1-timeinfo-text";
	case ES_QUIRK_TIMESTAMP_IMPLICIT: return "timestamp-implicit-tag";
	case ES_QUIRK_TIMESTAMP_UNTAGGED: return "timestamp-untagged";
	case ES_QUIRK_ESID_NOT_NUMERIC: return "esid-not-national-code";
	case ES_QUIRK_SIGNED_HASH_DIRECTLY: return "signed-hash-directly";
	case ES_QUIRK_UTCTIME_IN_V4: return "utctime-in-v4";
	case ES_QUIRK_TIME_WITHOUT_Z: return "time-without-z";
	case ES_QUIRK_CERTLIST_TYPE: return "certlisttype-not-1-or-2";
	case ES_QUIRK_BITSTRING_UNUSED: return "bitstring-unused-bits";
	case ES_QUIRK_BITSTRING_LENGTH: return "bitstring-length-byte";
	case ES_QUIRK_FILEREF_SLASHES: return "fileref-doubled-slash";
	case ES_QUIRK_LEGACY_ALGORITHM: return "legacy-algorithm";
	case ES_QUIRK_STAMP_CLIP_WHOLE: return "stamp-clip-whole";
	default: return NULL;
	}
}

int es_seal__count(const es_der *d, size_t *n)
{
	es_der c = *d;
	es_tlv t;
	int err;
	*n = 0;
	while (!es_der_empty(&c)) {
		if ((err = es_der_read_tlv(&c, &t)) < 0)
			return err;
		(*n)++;
	}
	return 0;
}

bool es_seal__ext_known(es_bytes oid)
{
	static const char *const known[] = {
		"1.2.156.112600.7.1", /* seal-making unit (public security) */
		"1.2.156.112600.7.2", /* holder name in a minority script */
		"1.2.156.112600.7.3", /* holder English name */
		"1.2.156.10197.6.7.2.2.1",
	};
	for (size_t i = 0; i < ES_ARRAY_LEN(known); i++)
		if (es_oid_equal(oid, known[i]))
			return true;
	return false;
}

/*
 * ExtensionDatas ::= SEQUENCE SIZE (0..MAX) OF ExtData
 * ExtData ::= SEQUENCE { extnID OBJECT IDENTIFIER,
 *                        critical BOOLEAN DEFAULT FALSE,
 *                        extnValue OCTET STRING }
 */
int es_seal__read_exts(es_der *seq, es_ext_data *exts, size_t *n, unsigned *quirks)
{
	int err;
	*n = 0;
	while (!es_der_empty(seq)) {
		es_der e;
		es_ext_data x = { { NULL, 0 }, false, { NULL, 0 } };
		if (*n >= ES_SEAL_MAX_EXTS)
			return es_error_set(ES_ELIMIT, "seal: more than %d ExtData entries", ES_SEAL_MAX_EXTS);
		if ((err = es_der_enter(seq, ES_DER_SEQUENCE, &e, NULL)) < 0 ||
		    (err = es_der_read_oid(&e, &x.oid)) < 0)
			return es_error_wrap(err, "seal: ExtData %zu", *n);
		if (!es_der_empty(&e) && e.p[0] == ES_DER_BOOLEAN) {
			if ((err = es_der_read_bool(&e, &x.critical)) < 0)
				return es_error_wrap(err, "seal: ExtData %zu critical", *n);
			if (!x.critical)
				*quirks |= ES_QUIRK_EXT_CRITICAL_FALSE;
		}
		if ((err = es_der_read_octets(&e, &x.value)) < 0 ||
		    (err = es_der_finish(&e, "ExtData")) < 0)
			return es_error_wrap(err, "seal: ExtData %zu", *n);
		exts[(*n)++] = x;
	}
	return 0;
}

void es_seal__put_exts(es_der_writer *w, const es_seal_ext *exts, size_t n)
{
	es_der_begin(w, ES_DER_SEQUENCE);
	for (size_t i = 0; i < n; i++) {
		es_der_begin(w, ES_DER_SEQUENCE);
		es_der_put_oid(w, exts[i].oid);
		if (exts[i].critical)
			es_der_put_bool(w, true);
		es_der_put_octets(w, exts[i].value, exts[i].len);
		es_der_end(w);
	}
	es_der_end(w);
}

/*
 * A time without its trailing 'Z' ("20201122203202", seen from several
 * makers): read as UTC by appending the 'Z' the writer left out.
 */
static int read_time_no_z(es_der *d, es_time *out)
{
	es_der save = *d, t;
	es_tlv v;
	uint8_t tmp[40];
	int err;
	if ((err = es_der_read_tlv(d, &v)) < 0)
		return err;
	if ((v.tag != ES_DER_GENERALIZED_TIME && v.tag != ES_DER_UTC_TIME) || v.value.len == 0 ||
	    v.value.len + 3 > sizeof(tmp) || v.value.ptr[v.value.len - 1] == 'Z') {
		*d = save;
		return es_error_set(ES_EMALFORMED, "der: not a time without 'Z'");
	}
	tmp[0] = v.tag;
	tmp[1] = (uint8_t)(v.value.len + 1);
	memcpy(tmp + 2, v.value.ptr, v.value.len);
	tmp[2 + v.value.len] = 'Z';
	es_der_init(&t, tmp, v.value.len + 3);
	if ((err = es_der_read_time(&t, out)) < 0)
		*d = save;
	return err;
}

static int read_time_q(es_der *d, es_time *out, unsigned *quirks)
{
	es_der save = *d;
	int err = es_der_read_time(d, out);
	if (err == 0)
		return 0;
	*d = save;
	if (read_time_no_z(d, out) == 0) {
		*quirks |= ES_QUIRK_TIME_WITHOUT_Z;
		es_error_clear();
		return 0;
	}
	*d = save;
	return err;
}

static int read_time_v(es_der *d, int version, es_time *out, unsigned *quirks, const char *what)
{
	int err;
	uint8_t tag;
	if ((err = es_der_peek(d, &tag)) < 0)
		return es_error_wrap(err, "seal: %s", what);
	if (version >= 4 && tag == ES_DER_UTC_TIME)
		*quirks |= ES_QUIRK_UTCTIME_IN_V4;
	if ((err = read_time_q(d, out, quirks)) < 0)
		return es_error_wrap(err, "seal: %s", what);
	return 0;
}

/*
 * A BIT STRING that holds whole octets (signatures, hashes). Two vendor
 * deviations are read, with a quirk: a non-zero unused-bits count over
 * octets that are the value all the same, and (v1 writers) a first byte
 * that is the length of the rest rather than an unused-bits count. The
 * stored octets are the value either way; the signature or hash check
 * decides whether they are right.
 */
static int read_octet_bits(es_der *d, es_bytes *out, unsigned *quirks)
{
	es_der save = *d;
	es_tlv t;
	int err;
	uint8_t first;
	if ((err = es_der_read_tag(d, ES_DER_BIT_STRING, &t)) < 0)
		return err;
	if (t.value.len == 0) {
		*d = save;
		return es_error_set(ES_EMALFORMED, "der: BIT STRING without its unused-bits byte");
	}
	first = t.value.ptr[0];
	out->ptr = t.value.ptr + 1;
	out->len = t.value.len - 1;
	if (first == 0)
		return 0;
	if (t.value.len > 1 && first <= 7) {
		*quirks |= ES_QUIRK_BITSTRING_UNUSED;
		return 0;
	}
	if ((size_t)first == t.value.len - 1) {
		*quirks |= ES_QUIRK_BITSTRING_LENGTH;
		return 0;
	}
	*d = save;
	return es_error_set(ES_EMALFORMED, "der: BIT STRING first byte %u is neither an unused-bits count nor a length",
			    first);
}

static bool esid_is_national(es_bytes id)
{
	if (id.len != 14)
		return false;
	for (size_t i = 0; i < id.len; i++)
		if (id.ptr[i] < '0' || id.ptr[i] > '9')
			return false;
	return true;
}

/*
 * SES_SealInfo ::= SEQUENCE { header SES_Header, esID IA5String,
 *     property SES_ESPropertyInfo, picture SES_ESPictrueInfo,
 *     extDatas ExtensionDatas OPTIONAL }
 * SES_Header ::= SEQUENCE { ID IA5String, version INTEGER, Vid IA5String }
 * SES_ESPropertyInfo ::= SEQUENCE { type INTEGER, name UTF8String,
 *     certListType INTEGER,                         -- v4 only
 *     certList SES_CertList, createDate, validStart, validEnd }
 * SES_ESPictrueInfo ::= SEQUENCE { type IA5String, data OCTET STRING,
 *     width INTEGER, height INTEGER }
 */
static int read_seal_info(es_der *d, es_seal_fields *f)
{
	es_der info, hdr, prop, list, pic, ext;
	int err;
	bool v1 = f->version == 1;

	if ((err = es_der_enter(d, ES_DER_SEQUENCE, &info, &f->seal_info)) < 0)
		return es_error_wrap(err, "seal: SES_SealInfo");
	if ((err = es_der_enter(&info, ES_DER_SEQUENCE, &hdr, NULL)) < 0 ||
	    (err = es_der_read_ia5(&hdr, &f->header_id)) < 0 ||
	    (err = es_der_read_uint(&hdr, &f->header_version)) < 0 ||
	    (err = es_der_read_ia5(&hdr, &f->vid)) < 0 || (err = es_der_finish(&hdr, "SES_Header")) < 0)
		return es_error_wrap(err, "seal: SES_Header");
	if (f->header_id.len != 2 || memcmp(f->header_id.ptr, "ES", 2) != 0)
		return es_error_set(ES_EMALFORMED, "seal: SES_Header.ID is not \"ES\"");
	if ((err = es_der_read_ia5(&info, &f->esid)) < 0)
		return es_error_wrap(err, "seal: esID");
	if (!esid_is_national(f->esid))
		f->quirks |= ES_QUIRK_ESID_NOT_NUMERIC;

	if ((err = es_der_enter(&info, ES_DER_SEQUENCE, &prop, NULL)) < 0 ||
	    (err = es_der_read_uint(&prop, &f->type)) < 0 || (err = es_der_read_utf8(&prop, &f->name)) < 0)
		return es_error_wrap(err, "seal: SES_ESPropertyInfo");
	if (v1) {
		f->cert_list_type = 1;
	} else {
		if ((err = es_der_read_uint(&prop, &f->cert_list_type)) < 0)
			return es_error_wrap(err, "seal: certListType");
	}
	if ((err = es_der_enter(&prop, ES_DER_SEQUENCE, &list, NULL)) < 0)
		return es_error_wrap(err, "seal: certList");
	if (f->cert_list_type != 1 && f->cert_list_type != 2) {
		/* some makers write other values over a plain list of certificates: read it as type 1 */
		es_der scan = list;
		es_tlv t;
		while (!es_der_empty(&scan)) {
			if ((err = es_der_read_tlv(&scan, &t)) < 0)
				return es_error_wrap(err, "seal: certList");
			if (t.tag != ES_DER_OCTET_STRING)
				return es_error_set(ES_EMALFORMED,
						    "seal: certListType %llu is neither 1 nor 2 and its list is not of certificates",
						    (unsigned long long)f->cert_list_type);
		}
		f->cert_list_type_declared = f->cert_list_type;
		f->cert_list_type = 1;
		f->quirks |= ES_QUIRK_CERTLIST_TYPE;
	}
	while (!es_der_empty(&list)) {
		if (f->ncerts + f->ndigests >= ES_SEAL_MAX_CERTS)
			return es_error_set(ES_ELIMIT, "seal: certList holds more than %d entries",
					    ES_SEAL_MAX_CERTS);
		if (f->cert_list_type == 2) {
			es_der obj;
			es_cert_digest *cd = &f->digests[f->ndigests];
			if ((err = es_der_enter(&list, ES_DER_SEQUENCE, &obj, NULL)) < 0 ||
			    (err = es_der_read_printable(&obj, &cd->type)) < 0 ||
			    (err = es_der_read_octets(&obj, &cd->value)) < 0 ||
			    (err = es_der_finish(&obj, "CertDigestObj")) < 0)
				return es_error_wrap(err, "seal: CertDigestObj");
			f->ndigests++;
		} else if (v1 && list.p[0] != ES_DER_OCTET_STRING) {
			es_tlv t;
			/* GM/T 0031-2014's text also names certID IA5String; keep but flag. */
			if ((err = es_der_read_tlv(&list, &t)) < 0)
				return es_error_wrap(err, "seal: certList");
			f->quirks |= ES_QUIRK_V1_CERT_NOT_OCTETS;
		} else {
			if ((err = es_der_read_octets(&list, &f->certs[f->ncerts])) < 0)
				return es_error_wrap(err, "seal: certList certificate");
			f->ncerts++;
		}
	}
	if ((err = read_time_v(&prop, f->version, &f->create_date, &f->quirks, "createDate")) < 0 ||
	    (err = read_time_v(&prop, f->version, &f->valid_start, &f->quirks, "validStart")) < 0 ||
	    (err = read_time_v(&prop, f->version, &f->valid_end, &f->quirks, "validEnd")) < 0 ||
	    (err = es_der_finish(&prop, "SES_ESPropertyInfo")) < 0)
		return err;

	if ((err = es_der_enter(&info, ES_DER_SEQUENCE, &pic, NULL)) < 0 ||
	    (err = es_der_read_ia5(&pic, &f->picture_type)) < 0 ||
	    (err = es_der_read_octets(&pic, &f->picture)) < 0 ||
	    (err = es_der_read_uint(&pic, &f->picture_width)) < 0 ||
	    (err = es_der_read_uint(&pic, &f->picture_height)) < 0 ||
	    (err = es_der_finish(&pic, "SES_ESPictrueInfo")) < 0)
		return es_error_wrap(err, "seal: SES_ESPictrueInfo");

	if (!es_der_empty(&info)) {
		if ((err = es_der_enter(&info, ES_DER_SEQUENCE, &ext, NULL)) < 0 ||
		    (err = es_seal__read_exts(&ext, f->exts, &f->nexts, &f->quirks)) < 0)
			return es_error_wrap(err, "seal: extDatas");
	}
	if ((err = es_der_finish(&info, "SES_SealInfo")) < 0)
		return err;
	return 0;
}

static void note_sig_form(es_bytes sig, unsigned *quirks)
{
	if (sig.len == 64)
		*quirks |= ES_QUIRK_RAW_SIGNATURE;
}

static int parse_seal_at(es_seal *s)
{
	es_seal_fields *f = &s->f;
	es_der top, d;
	size_t n;
	int err;
	es_tlv cert_tlv, alg_tlv;

	es_der_init(&d, s->buf, f->der.len);
	if ((err = es_der_enter(&d, ES_DER_SEQUENCE, &top, &f->der)) < 0)
		return es_error_wrap(err, "seal: SESeal");
	if ((err = es_der_finish(&d, "SESeal")) < 0)
		return err;
	if ((err = es_seal__count(&top, &n)) < 0)
		return es_error_wrap(err, "seal: SESeal");
	if (n == 2)
		f->version = 1;
	else if (n == 4 || n == 5)
		f->version = 4;
	else
		return es_error_set(ES_EMALFORMED, "seal: SESeal has %zu elements (2 for v1, 4 or 5 for v4/v5)", n);

	if ((err = read_seal_info(&top, f)) < 0)
		return err;
	if (f->version == 4 && (n == 5 || f->header_version == 5))
		f->version = 5;

	if (f->version == 1) {
		/* SES_SignInfo ::= SEQUENCE { cert OCTET STRING, signatureAlgorithm OID, signData BIT STRING } */
		es_der si;
		es_der_writer w;
		es_buf b = ES_BUF_INIT;
		if ((err = es_der_enter(&top, ES_DER_SEQUENCE, &si, NULL)) < 0 ||
		    (err = es_der_read_tag(&si, ES_DER_OCTET_STRING, &cert_tlv)) < 0 ||
		    (err = es_der_read_tag(&si, ES_DER_OID, &alg_tlv)) < 0 ||
		    (err = es_der_check_oid(alg_tlv.value)) < 0 ||
		    (err = read_octet_bits(&si, &f->signed_value, &f->quirks)) < 0 ||
		    (err = es_der_finish(&si, "SES_SignInfo")) < 0)
			return es_error_wrap(err, "seal: SES_SignInfo");
		f->maker_cert = cert_tlv.value;
		f->sign_alg = alg_tlv.value;
		/* GM/T 0031-2014 §6.1.1.2: the maker signs SEQ{SES_SealInfo, cert, alg}. */
		es_der_writer_init(&w, &b);
		es_der_begin(&w, ES_DER_SEQUENCE);
		es_der_put_raw(&w, f->seal_info.ptr, f->seal_info.len);
		es_der_put_raw(&w, cert_tlv.whole.ptr, cert_tlv.whole.len);
		es_der_put_raw(&w, alg_tlv.whole.ptr, alg_tlv.whole.len);
		es_der_end(&w);
		if ((err = es_der_writer_finish(&w)) < 0)
			return err;
		s->sign_data = b.ptr;
		f->sign_data.ptr = b.ptr;
		f->sign_data.len = b.len;
	} else {
		if ((err = es_der_read_octets(&top, &f->maker_cert)) < 0 ||
		    (err = es_der_read_oid(&top, &f->sign_alg)) < 0 ||
		    (err = read_octet_bits(&top, &f->signed_value, &f->quirks)) < 0)
			return es_error_wrap(err, "seal: SESeal");
		if (!es_der_empty(&top)) {
			/* GM/T 0031-2025: timeStamp [0] BIT STRING OPTIONAL */
			es_der ts;
			if ((err = es_der_enter(&top, ES_DER_CONTEXT(0), &ts, NULL)) < 0 ||
			    (err = es_der_read_bytes_bits(&ts, &f->timestamp)) < 0 ||
			    (err = es_der_finish(&ts, "SESeal.timeStamp")) < 0)
				return es_error_wrap(err, "seal: SESeal.timeStamp");
		}
	}
	note_sig_form(f->signed_value, &f->quirks);
	return es_der_finish(&top, "SESeal");
}

int es_seal_parse(es_seal **out, const uint8_t *der, size_t len)
{
	es_seal *s;
	int err;

	*out = NULL;
	if (!der || len == 0)
		return es_error_set(ES_EMALFORMED, "seal: empty input");
	if (len > ES_MAX_SEAL_DER)
		return es_error_set(ES_ELIMIT, "seal: %zu bytes exceeds the limit of %zu", len,
				    ES_MAX_SEAL_DER);
	s = es_calloc(1, sizeof(*s));
	if (!s || !(s->buf = es_malloc(len))) {
		es_free(s);
		return es_error_set(ES_ENOMEM, "out of memory");
	}
	memcpy(s->buf, der, len);
	s->f.der.ptr = s->buf;
	s->f.der.len = len;
	if ((err = parse_seal_at(s)) < 0) {
		es_seal_free(s);
		return err;
	}
	*out = s;
	return 0;
}

const es_seal_fields *es_seal_fields_get(const es_seal *seal)
{
	return &seal->f;
}

void es_seal_free(es_seal *seal)
{
	if (!seal)
		return;
	es_free(seal->sign_data);
	es_free(seal->buf);
	es_free(seal);
}

/* v1 timeInfo holds text ("2020-01-25T07:31:56.377Z", "2020-01-25 07:31:56"). */
static es_time parse_text_time(es_bytes t)
{
	char s[32];
	es_time out;
	if (t.len < 19 || t.len >= sizeof(s))
		return 0;
	memcpy(s, t.ptr, 19);
	s[10] = 'T';
	s[19] = 'Z';
	s[20] = '\0';
	return es_time_parse(&out, s) == 0 ? out : 0;
}

static int parse_sig(es_ses_sig *g)
{
	es_sig_fields *f = &g->f;
	es_der d, top, tbs;
	es_tlv seal_tlv;
	size_t n;
	int err;
	uint8_t tag;

	es_der_init(&d, g->buf, f->der.len);
	if ((err = es_der_enter(&d, ES_DER_SEQUENCE, &top, &f->der)) < 0)
		return es_error_wrap(err, "signature: SES_Signature");
	if ((err = es_der_finish(&d, "SES_Signature")) < 0 || (err = es_seal__count(&top, &n)) < 0)
		return err;
	if (n != 2 && n != 4 && n != 5)
		return es_error_set(ES_EMALFORMED,
				    "signature: SES_Signature has %zu elements (2 for v1, 4 or 5 for v4)", n);
	if ((err = es_der_enter(&top, ES_DER_SEQUENCE, &tbs, &f->tbs)) < 0 ||
	    (err = es_der_read_uint(&tbs, &f->tbs_version)) < 0 ||
	    (err = es_der_read_tag(&tbs, ES_DER_SEQUENCE, &seal_tlv)) < 0)
		return es_error_wrap(err, "signature: TBS_Sign");
	if ((err = es_seal_parse(&g->seal, seal_tlv.whole.ptr, seal_tlv.whole.len)) < 0)
		return es_error_wrap(err, "signature: TBS_Sign.eseal");
	f->seal = g->seal;
	f->version = g->seal->f.version;
	if ((n == 2) != (f->version == 1))
		return es_error_set(ES_EMALFORMED, "signature: a v%d seal inside a %s SES_Signature",
				    f->version, n == 2 ? "v1" : "v4");
	if (n == 2) {
		if ((err = es_der_peek(&tbs, &tag)) < 0)
			return es_error_wrap(err, "signature: timeInfo");
		if (tag == ES_DER_BIT_STRING) {
			if ((err = read_octet_bits(&tbs, &f->time_info_raw, &f->quirks)) < 0)
				return es_error_wrap(err, "signature: timeInfo");
			f->time_info = parse_text_time(f->time_info_raw);
			f->quirks |= ES_QUIRK_V1_TIMEINFO_TEXT;
		} else if ((err = read_time_q(&tbs, &f->time_info, &f->quirks)) < 0) {
			return es_error_wrap(err, "signature: timeInfo");
		}
	} else {
		if ((err = read_time_v(&tbs, 4, &f->time_info, &f->quirks, "timeInfo")) < 0)
			return err;
	}
	if ((err = read_octet_bits(&tbs, &f->data_hash, &f->quirks)) < 0 ||
	    (err = es_der_read_ia5(&tbs, &f->property_info)) < 0)
		return es_error_wrap(err, "signature: TBS_Sign");
	if (n == 2) {
		if ((err = es_der_read_octets(&tbs, &f->cert)) < 0 ||
		    (err = es_der_read_oid(&tbs, &f->sign_alg)) < 0)
			return es_error_wrap(err, "signature: TBS_Sign");
	} else if (!es_der_empty(&tbs)) {
		es_der x, seq;
		if ((err = es_der_enter(&tbs, ES_DER_CONTEXT(0), &x, NULL)) < 0 ||
		    (err = es_der_enter(&x, ES_DER_SEQUENCE, &seq, NULL)) < 0 ||
		    (err = es_der_finish(&x, "TBS_Sign.extDatas")) < 0 ||
		    (err = es_seal__read_exts(&seq, f->exts, &f->nexts, &f->quirks)) < 0)
			return es_error_wrap(err, "signature: TBS_Sign.extDatas");
	}
	if ((err = es_der_finish(&tbs, "TBS_Sign")) < 0)
		return es_error_wrap(err, "signature");

	if (n == 2) {
		if ((err = read_octet_bits(&top, &f->signature, &f->quirks)) < 0)
			return es_error_wrap(err, "signature: SES_Signature.signature");
	} else {
		if ((err = es_der_read_octets(&top, &f->cert)) < 0 ||
		    (err = es_der_read_oid(&top, &f->sign_alg)) < 0 ||
		    (err = read_octet_bits(&top, &f->signature, &f->quirks)) < 0)
			return es_error_wrap(err, "signature: SES_Signature");
		if (n == 5) {
			/* timeStamp [0] BIT STRING OPTIONAL: explicit (written), implicit or bare (read). */
			if ((err = es_der_peek(&top, &tag)) < 0)
				return err;
			if (tag == ES_DER_CONTEXT(0)) {
				es_der x;
				if ((err = es_der_enter(&top, tag, &x, NULL)) < 0 ||
				    (err = es_der_read_bytes_bits(&x, &f->timestamp)) < 0 ||
				    (err = es_der_finish(&x, "timeStamp")) < 0)
					return es_error_wrap(err, "signature: timeStamp");
			} else if (tag == ES_DER_CONTEXT_PRIM(0) || tag == ES_DER_BIT_STRING) {
				es_tlv t;
				if ((err = es_der_read_tlv(&top, &t)) < 0)
					return es_error_wrap(err, "signature: timeStamp");
				if (t.value.len < 1 || t.value.ptr[0] != 0)
					return es_error_set(ES_EMALFORMED, "signature: timeStamp BIT STRING with unused bits");
				f->timestamp.ptr = t.value.ptr + 1;
				f->timestamp.len = t.value.len - 1;
				f->quirks |= tag == ES_DER_BIT_STRING ? ES_QUIRK_TIMESTAMP_UNTAGGED
								      : ES_QUIRK_TIMESTAMP_IMPLICIT;
			} else {
				return es_error_set(ES_EMALFORMED, "signature: unexpected tag 0x%02x after signature",
						    tag);
			}
		}
	}
	note_sig_form(f->signature, &f->quirks);
	return es_der_finish(&top, "SES_Signature");
}

int es_ses_sig_parse(es_ses_sig **out, const uint8_t *der, size_t len)
{
	es_ses_sig *g;
	int err;

	*out = NULL;
	if (!der || len == 0)
		return es_error_set(ES_EMALFORMED, "signature: empty input");
	if (len > ES_MAX_SIG_DER)
		return es_error_set(ES_ELIMIT, "signature: %zu bytes exceeds the limit of %zu", len,
				    ES_MAX_SIG_DER);
	g = es_calloc(1, sizeof(*g));
	if (!g || !(g->buf = es_malloc(len))) {
		es_free(g);
		return es_error_set(ES_ENOMEM, "out of memory");
	}
	memcpy(g->buf, der, len);
	g->f.der.ptr = g->buf;
	g->f.der.len = len;
	if ((err = parse_sig(g)) < 0) {
		es_ses_sig_free(g);
		return err;
	}
	*out = g;
	return 0;
}

const es_sig_fields *es_ses_sig_fields_get(const es_ses_sig *sig)
{
	return &sig->f;
}

void es_ses_sig_free(es_ses_sig *sig)
{
	if (!sig)
		return;
	es_seal_free(sig->seal);
	es_free(sig->buf);
	es_free(sig);
}
