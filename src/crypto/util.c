/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Shared helpers of the crypto layer: errors, time, names, DER, PEM. */
#include "es_int.h"
#include "estime.h"
#include "crypto/crypto_int.h"

#include <stdarg.h>
#include <time.h>

#include <openssl/objects.h>
#include <openssl/pem.h>

/* ---- library set-up ---------------------------------------------------- */

/*
 * OpenSSL 3.0 has no NID for hmacWithSM3, so PBES2 cannot name it as the
 * PBKDF2 PRF. We register the OID used by GM/T 0091 and GmSSL
 * (1.2.156.10197.1.401.2) once, and tell the PBE table that it is HMAC
 * over SM3; from then on PKCS5_pbe2_set_iv_ex() and the PKCS#8 decoder
 * handle it like hmacWithSHA256. A later OpenSSL that knows the OID is
 * used as is.
 */
#define ES_OID_HMAC_SM3 "1.2.156.10197.1.401.2"

static CRYPTO_ONCE init_once = CRYPTO_ONCE_STATIC_INIT;
static int init_ok;
static int hmac_sm3_nid = NID_undef;

static void do_init(void)
{
	int nid = OBJ_txt2nid(ES_OID_HMAC_SM3);

	if (nid == NID_undef)
		nid = OBJ_create(ES_OID_HMAC_SM3, "hmacWithSM3", "hmacWithSM3");
	if (nid == NID_undef)
		return;
	if (!EVP_PBE_find(EVP_PBE_TYPE_PRF, nid, NULL, NULL, NULL) &&
	    !EVP_PBE_alg_add_type(EVP_PBE_TYPE_PRF, nid, -1, NID_sm3, NULL))
		return;
	hmac_sm3_nid = nid;
	init_ok = 1;
}

int es_crypto__init(void)
{
	if (!CRYPTO_THREAD_run_once(&init_once, do_init) || !init_ok)
		return es_crypto__fail(ES_ECRYPTO, "cannot register the hmacWithSM3 algorithm");
	return 0;
}

int es_crypto__hmac_sm3_nid(void)
{
	return hmac_sm3_nid;
}

/* ---- errors ------------------------------------------------------------ */

int es_crypto__fail(int code, const char *fmt, ...)
{
	char msg[400];
	char reason[120] = "";
	unsigned long e, first = 0;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* The oldest error is the root cause; the rest is the call stack. */
	while ((e = ERR_get_error()) != 0)
		if (first == 0)
			first = e;
	if (first != 0) {
		const char *r = ERR_reason_error_string(first);
		if (r)
			snprintf(reason, sizeof(reason), "%s", r);
		else
			ERR_error_string_n(first, reason, sizeof(reason));
	}
	if (reason[0])
		return es_error_set(code, "%s: %s", msg, reason);
	return es_error_set(code, "%s", msg);
}

int es_crypto__peek_reason(void)
{
	unsigned long e = ERR_peek_error();
	return e ? ERR_GET_REASON(e) : 0;
}

/* ---- time -------------------------------------------------------------- */

int es_crypto__time_from_asn1(es_time *out, const ASN1_TIME *t)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (t == NULL || !ASN1_TIME_to_tm(t, &tm)) {
		ERR_clear_error();
		return es_error_set(ES_EMALFORMED, "invalid time value");
	}
	if (es_time_from_fields(out, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
				tm.tm_min, tm.tm_sec) != 0)
		return es_error_set(ES_EMALFORMED, "time value out of range");
	return 0;
}

void es_crypto__iso(char out[32], es_time t)
{
	es_time_iso(out, t);
}

/* ---- names ------------------------------------------------------------- */

int es_crypto__bio_to_buf(es_buf *out, BIO *bio)
{
	char *p = NULL;
	long n = BIO_get_mem_data(bio, &p);

	if (n < 0)
		return es_error_set(ES_EINTERNAL, "bad memory bio");
	return es_buf_put(out, p, (size_t)n);
}

int es_crypto__name_utf8(es_buf *out, const X509_NAME *name)
{
	BIO *bio = NULL;
	int err = 0;

	if (!name)
		return es_error_set(ES_EMALFORMED, "missing name");
	bio = BIO_new(BIO_s_mem());
	if (!bio)
		return es_crypto__fail(ES_ENOMEM, "cannot allocate a bio");
	/* RFC 2253 order and escaping, but UTF-8 bytes left as they are. */
	if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0) {
		err = es_crypto__fail(ES_EMALFORMED, "cannot print a distinguished name");
		goto done;
	}
	err = es_crypto__bio_to_buf(out, bio);
done:
	BIO_free(bio);
	return err;
}

void es_crypto__name_short(char *out, size_t outlen, const X509_NAME *name)
{
	es_buf b = ES_BUF_INIT;

	if (outlen == 0)
		return;
	if (es_crypto__name_utf8(&b, name) != 0 || b.ptr == NULL) {
		snprintf(out, outlen, "?");
	} else {
		size_t n = b.len < outlen - 1 ? b.len : outlen - 1;
		/* do not cut a UTF-8 sequence in the middle */
		while (n > 0 && n < b.len && (b.ptr[n] & 0xC0) == 0x80)
			n--;
		memcpy(out, b.ptr, n);
		out[n] = '\0';
	}
	es_buf_release(&b);
}

int es_crypto__name_attr(es_buf *out, const X509_NAME *name, const char *sn)
{
	int nid = OBJ_txt2nid(sn);
	int idx, n;
	X509_NAME_ENTRY *e;
	unsigned char *utf8 = NULL;
	int err;

	if (nid == NID_undef) {
		ERR_clear_error();
		return es_error_set(ES_EINVAL, "unknown attribute name '%s'", sn);
	}
	idx = X509_NAME_get_index_by_NID(name, nid, -1);
	if (idx < 0)
		return es_error_set(ES_ENOTFOUND, "no attribute '%s' in the name", sn);
	e = X509_NAME_get_entry(name, idx);
	n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));
	if (n < 0)
		return es_crypto__fail(ES_EMALFORMED, "cannot decode attribute '%s'", sn);
	err = es_buf_put(out, utf8, (size_t)n);
	OPENSSL_free(utf8);
	return err;
}

int es_crypto__parse_subject(X509_NAME **out, const char *subject)
{
	X509_NAME *name = NULL;
	char *work = NULL;
	const char *s = subject;
	int err = 0;
	size_t n = strlen(subject);

	*out = NULL;
	if (n == 0 || subject[0] != '/')
		return es_error_set(ES_EINVAL, "subject must look like '/C=CN/O=.../CN=...': '%s'",
				    subject);
	work = es_malloc(n + 1);
	name = X509_NAME_new();
	if (!work || !name) {
		err = es_error_set(ES_ENOMEM, "out of memory");
		goto done;
	}
	s++; /* skip the leading '/' */
	while (*s) {
		size_t w = 0;
		char *eq;

		/* one "type=value" component, '\' escapes the next byte */
		while (*s && *s != '/') {
			if (*s == '\\' && s[1])
				s++;
			work[w++] = *s++;
		}
		work[w] = '\0';
		if (*s == '/')
			s++;
		eq = strchr(work, '=');
		if (!eq || eq == work || eq[1] == '\0') {
			err = es_error_set(ES_EINVAL, "bad subject component '%s'", work);
			goto done;
		}
		*eq = '\0';
		if (!X509_NAME_add_entry_by_txt(name, work, MBSTRING_UTF8,
						(const unsigned char *)(eq + 1), -1, -1, 0)) {
			err = es_crypto__fail(ES_EINVAL, "cannot use subject attribute '%s'", work);
			goto done;
		}
	}
	if (X509_NAME_entry_count(name) == 0) {
		err = es_error_set(ES_EINVAL, "empty subject");
		goto done;
	}
	*out = name;
	name = NULL;
done:
	X509_NAME_free(name);
	es_free(work);
	return err;
}

/* ---- DER --------------------------------------------------------------- */

int es_crypto__tlv(const uint8_t *p, size_t len, uint8_t *tag, size_t *hdr, size_t *vlen)
{
	size_t h = 2, v;

	if (len < 2)
		return es_error_set(ES_EMALFORMED, "truncated der");
	if ((p[0] & 0x1F) == 0x1F)
		return es_error_set(ES_EMALFORMED, "high tag numbers are not supported");
	if (p[1] < 0x80) {
		v = p[1];
	} else {
		size_t nb = p[1] & 0x7F;
		if (nb == 0)
			return es_error_set(ES_EMALFORMED, "indefinite length in der");
		if (nb > 4 || len < 2 + nb)
			return es_error_set(ES_EMALFORMED, "bad der length");
		v = 0;
		for (size_t i = 0; i < nb; i++)
			v = (v << 8) | p[2 + i];
		h += nb;
	}
	if (v > len - h)
		return es_error_set(ES_EMALFORMED, "der value runs past its input");
	*tag = p[0];
	*hdr = h;
	*vlen = v;
	return 0;
}

int es_crypto__signed_split(const uint8_t *der, size_t len, es_bytes *tbs, es_bytes *sig)
{
	uint8_t tag = 0;
	size_t hdr, vlen, off;
	int err;

	if ((err = es_crypto__tlv(der, len, &tag, &hdr, &vlen)) < 0)
		return err;
	if (tag != 0x30 || hdr + vlen != len)
		return es_error_set(ES_EMALFORMED, "signed structure is not one der sequence");
	off = hdr;
	/* tbs */
	if ((err = es_crypto__tlv(der + off, len - off, &tag, &hdr, &vlen)) < 0)
		return err;
	if (tag != 0x30)
		return es_error_set(ES_EMALFORMED, "signed structure: tbs is not a sequence");
	tbs->ptr = der + off;
	tbs->len = hdr + vlen;
	off += hdr + vlen;
	/* AlgorithmIdentifier */
	if ((err = es_crypto__tlv(der + off, len - off, &tag, &hdr, &vlen)) < 0)
		return err;
	if (tag != 0x30)
		return es_error_set(ES_EMALFORMED, "signed structure: bad algorithm identifier");
	off += hdr + vlen;
	/* BIT STRING */
	if ((err = es_crypto__tlv(der + off, len - off, &tag, &hdr, &vlen)) < 0)
		return err;
	if (tag != 0x03 || vlen < 1 || der[off + hdr] != 0 || off + hdr + vlen != len)
		return es_error_set(ES_EMALFORMED, "signed structure: bad signature bit string");
	sig->ptr = der + off + hdr + 1;
	sig->len = vlen - 1;
	return 0;
}

int es_crypto__verify_signed_sm2(const uint8_t *der, size_t len, int sig_nid, const es_sm2_key *pub)
{
	es_bytes tbs = { NULL, 0 }, sig = { NULL, 0 };
	int err;

	if (sig_nid != NID_SM2_with_SM3)
		return ES_ENOTSUPPORTED;
	if (!pub)
		return es_error_set(ES_EVERIFY, "issuer key is not an sm2 key");
	if ((err = es_crypto__signed_split(der, len, &tbs, &sig)) < 0)
		return err;
	err = es_sm2_verify(pub, NULL, 0, tbs.ptr, tbs.len, sig.ptr, sig.len);
	/* the structure is sound: an undecodable signature value is just a bad signature */
	if (err == ES_EMALFORMED)
		err = es_error_set(ES_EVERIFY, "signature value is not an sm2 signature");
	return err;
}

/* ---- PEM --------------------------------------------------------------- */

bool es_crypto__looks_pem(const uint8_t *data, size_t len)
{
	static const char begin[] = "-----BEGIN ";
	size_t i = 0;

	while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'))
		i++;
	return len - i >= sizeof(begin) - 1 && memcmp(data + i, begin, sizeof(begin) - 1) == 0;
}

int es_crypto__pem_first(es_buf *der, const uint8_t *pem, size_t len, const char *const *labels,
			 const char *what)
{
	BIO *bio = NULL;
	int err = ES_EMALFORMED;
	bool found = false;

	if (len > ES_INT_MAX)
		return es_error_set(ES_ELIMIT, "pem input too large");
	bio = BIO_new_mem_buf(pem, (int)len);
	if (!bio)
		return es_crypto__fail(ES_ENOMEM, "cannot allocate a bio");
	while (!found) {
		char *name = NULL, *header = NULL;
		unsigned char *data = NULL;
		long dlen = 0;

		if (!PEM_read_bio(bio, &name, &header, &data, &dlen))
			break;
		for (size_t i = 0; labels[i]; i++)
			if (strcmp(name, labels[i]) == 0)
				found = true;
		if (found)
			err = es_buf_put(der, data, (size_t)dlen);
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_free(data);
	}
	ERR_clear_error();
	if (!found)
		err = es_error_set(ES_EMALFORMED, "no pem %s found", what);
	BIO_free(bio);
	return err;
}
