/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Certificates: real-world SM2 certificates, PEM/DER, garbage input. */
#include "crypto_fixture.h"

/* Length of the DER TLV at p (0 if it does not fit in len). */
static size_t tlv_len(const uint8_t *p, size_t len, size_t *hdr)
{
	size_t h = 2, v;
	if (len < 2)
		return 0;
	if (p[1] < 0x80) {
		v = p[1];
	} else {
		size_t nb = p[1] & 0x7f;
		if (nb == 0 || nb > 3 || len < 2 + nb)
			return 0;
		v = 0;
		for (size_t i = 0; i < nb; i++)
			v = v << 8 | p[2 + i];
		h += nb;
	}
	if (v > len - h)
		return 0;
	if (hdr)
		*hdr = h;
	return h + v;
}

/* Every "30 82 xx xx" TLV in @b that es_cert_from_der accepts. */
static size_t find_certs(es_cert **out, size_t max, const es_buf *b)
{
	size_t n = 0;
	for (size_t i = 0; i + 4 < b->len && n < max; i++) {
		size_t len;
		es_cert *c = NULL;
		if (b->ptr[i] != 0x30 || b->ptr[i + 1] != 0x82)
			continue;
		len = tlv_len(b->ptr + i, b->len - i, NULL);
		if (len < 200 || es_cert_from_der(&c, b->ptr + i, len) != 0)
			continue;
		out[n++] = c;
		i += len - 1;
	}
	return n;
}

/* ofdrw's test v4 seal (shared/samples): the maker certificate and its signature. */
static void test_x509__real_world_seal_certificate(void **state)
{
	es_buf seal, b = ES_BUF_INIT;
	es_cert *certs[4];
	size_t n, hdr = 0, off, info_len, cert_len, oid_len, sig_len;
	const es_sm2_key *pub = NULL;
	es_time t;
	(void)state;
	tu_read_sample(&seal, "ofdrw_test_v4_seal.esl");
	n = find_certs(certs, 4, &seal);
	assert_true(n >= 1);
	for (size_t i = 0; i < n; i++) {
		assert_true(es_cert_is_sm2(certs[i]));
		TU_OK(es_cert_pubkey(&pub, certs[i]));
		TU_OK(es_cert_subject(&b, certs[i]));
		assert_string_equal((char *)b.ptr,
				    "CN=Test Certificate,L=Hangzhou,ST=Zhejiang,O=OFD R&W,C=CN");
		es_buf_release(&b);
		TU_OK(es_cert_issuer(&b, certs[i]));
		assert_string_equal((char *)b.ptr, "CN=OFD Reader and WriterROOT Certificate,"
						   "L=Hangzhou,ST=Zhejiang,O=OFD R&W,C=CN");
		es_buf_release(&b);
		/* KU digitalSignature|nonRepudiation|keyAgreement (03 02 02 c4 ... decoded) */
		assert_true(es_cert_key_usage(certs[i]) & ES_KU_DIGITAL_SIGNATURE);
		assert_false(es_cert_has_eku_timestamping(certs[i]));
	}
	/* the last certificate is SESeal.cert, the maker's */
	TU_OK(es_cert_serial_hex(&b, certs[n - 1]));
	assert_string_equal((char *)b.ptr, "01719D2E201D");
	es_buf_release(&b);
	TU_OK(es_time_parse(&t, "2020-04-21T14:39:38Z"));
	assert_int_equal(es_cert_not_before(certs[n - 1]), t);
	TU_OK(es_time_parse(&t, "2022-04-21T14:39:38Z"));
	assert_int_equal(es_cert_not_after(certs[n - 1]), t);
	/*
	 * SESeal ::= SEQUENCE { SES_SealInfo, cert OCTET STRING, OID, BIT STRING }:
	 * the maker's SM2 signature (default ID) over the SES_SealInfo bytes.
	 */
	off = 0;
	assert_true(tlv_len(seal.ptr, seal.len, &hdr) == seal.len);
	off = hdr;
	info_len = tlv_len(seal.ptr + off, seal.len - off, NULL);
	cert_len = tlv_len(seal.ptr + off + info_len, seal.len - off - info_len, NULL);
	oid_len = tlv_len(seal.ptr + off + info_len + cert_len, seal.len - off - info_len - cert_len, NULL);
	sig_len = tlv_len(seal.ptr + off + info_len + cert_len + oid_len,
			  seal.len - off - info_len - cert_len - oid_len, &hdr);
	assert_true(info_len && cert_len && oid_len && sig_len);
	{
		const uint8_t *bits = seal.ptr + off + info_len + cert_len + oid_len + hdr;
		size_t nbits = sig_len - hdr;
		TU_OK(es_cert_pubkey(&pub, certs[n - 1]));
		assert_int_equal(bits[0], 0); /* unused bits */
		TU_OK(es_sm2_verify(pub, NULL, 0, seal.ptr + off, info_len, bits + 1, nbits - 1));
		assert_int_equal(es_sm2_verify(pub, NULL, 0, seal.ptr + off, info_len - 1, bits + 1,
					       nbits - 1),
				 ES_EVERIFY);
	}
	/* its issuer is not configured: indeterminate, named in the reason */
	{
		fx_pki p;
		es_trust *t = NULL;
		es_path_result r;
		fx_pki_make(&p);
		TU_OK(es_trust_new(&t));
		TU_OK(es_trust_add_anchor(t, p.root));
		TU_OK(es_trust_verify(&r, t, certs[n - 1], NULL, 0, es_cert_not_before(certs[n - 1]) + 1,
				      ES_KU_DIGITAL_SIGNATURE));
		assert_int_equal(r.status, ES_PATH_UNKNOWN_ISSUER);
		assert_non_null(strstr(r.reason, "issuer 'CN=OFD Reader and WriterROOT Certificate,"));
		es_trust_free(t);
		fx_pki_free(&p);
	}
	for (size_t i = 0; i < n; i++)
		es_cert_free(certs[i]);
	es_buf_release(&seal);
}

/*
 * A real self-signed SM2 certificate (dms360 sample, inside an OFD): its
 * signature verifies with the default ID. Needs unzip(1).
 */
static void test_x509__real_world_self_signed(void **state)
{
	es_buf data = ES_BUF_INIT, b = ES_BUF_INIT;
	es_cert *certs[4];
	size_t n, found = 0;
	(void)state;
	if (tu_run(&data, "unzip -p '%s/dms360_v1_seal_nonstd_tampered.ofd' "
			  "Doc_0/Signs/Sign_0/SignedValue.dat 2>/dev/null",
		   ES_SAMPLES_DIR) != 0 ||
	    data.len == 0) {
		es_buf_release(&data);
		skip();
	}
	n = find_certs(certs, 4, &data);
	for (size_t i = 0; i < n; i++) {
		TU_OK(es_cert_subject(&b, certs[i]));
		if (strstr((char *)b.ptr, "CN=www.dms360.cn")) {
			found++;
			assert_true(es_cert_is_sm2(certs[i]));
			assert_true(es_cert_signed_by(certs[i], certs[i]));
			assert_int_equal(es_cert_key_usage(certs[i]), ES_KU_KEY_CERT_SIGN | ES_KU_CRL_SIGN);
		}
		es_buf_release(&b);
		es_cert_free(certs[i]);
	}
	assert_true(found >= 1);
	es_buf_release(&data);
}

static void test_x509__pem_der_round_trip_and_refs(void **state)
{
	fx_pki p;
	es_buf pem = ES_BUF_INIT, two = ES_BUF_INIT;
	es_cert *c = NULL, *r;
	es_bytes a, b;
	(void)state;
	fx_pki_make(&p);
	TU_OK(es_cert_to_pem(&pem, p.signer));
	assert_non_null(strstr((char *)pem.ptr, "-----BEGIN CERTIFICATE-----"));
	TU_OK(es_cert_from_pem(&c, pem.ptr, pem.len));
	a = es_cert_der(c);
	b = es_cert_der(p.signer);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.ptr, b.ptr, a.len);
	es_cert_free(c);
	/* the first certificate of a bundle, skipping other blocks */
	TU_OK(es_buf_puts(&two, "-----BEGIN X509 CRL-----\nMAA=\n-----END X509 CRL-----\n"));
	TU_OK(es_cert_to_pem(&two, p.root));
	TU_OK(es_cert_to_pem(&two, p.ca));
	TU_OK(es_cert_from_pem(&c, two.ptr, two.len));
	a = es_cert_der(c);
	b = es_cert_der(p.root);
	assert_int_equal(a.len, b.len);
	r = es_cert_ref(c);
	assert_ptr_equal(r, c);
	es_cert_free(c);
	a = es_cert_der(r); /* still alive */
	assert_int_equal(a.len, b.len);
	es_cert_free(r);
	es_cert_free(NULL);
	assert_int_equal(es_cert_from_pem(&c, (const uint8_t *)"nothing", 7), ES_EMALFORMED);
	assert_null(c);
	es_buf_release(&pem);
	es_buf_release(&two);
	fx_pki_free(&p);
}

/* Truncations and bit flips of a good certificate: clean errors, never a crash. */
static void test_x509__garbage_and_truncated_der(void **state)
{
	fx_pki p;
	es_bytes der;
	uint8_t *copy;
	es_cert *c = NULL;
	uint8_t junk[300];
	(void)state;
	fx_pki_make(&p);
	der = es_cert_der(p.signer);
	copy = es_malloc(der.len + 1);
	for (size_t n = 0; n < der.len; n++) {
		assert_true(es_cert_from_der(&c, der.ptr, n) < 0);
		assert_null(c);
	}
	memcpy(copy, der.ptr, der.len);
	copy[der.len] = 0;
	assert_int_equal(es_cert_from_der(&c, copy, der.len + 1), ES_EMALFORMED); /* trailing byte */
	for (size_t i = 0; i < der.len; i++) {
		memcpy(copy, der.ptr, der.len);
		copy[i] ^= (uint8_t)(1u << (i % 8));
		if (es_cert_from_der(&c, copy, der.len) == 0) {
			es_buf b = ES_BUF_INIT;
			/* whatever parses must be safe to use */
			assert_true(es_cert_subject(&b, c) <= 0);
			assert_true(es_cert_serial_hex(&b, c) <= 0);
			(void)es_cert_key_usage(c);
			(void)es_cert_not_after(c);
			if (es_cert_signed_by(c, p.ca)) {
				/* only flips outside the signed bytes may still verify */
				es_buf_release(&b);
				fail_msg("flip at %zu still verifies", i);
			}
			es_buf_release(&b);
			es_cert_free(c);
			c = NULL;
		}
	}
	memset(junk, 0xff, sizeof(junk));
	assert_int_equal(es_cert_from_der(&c, junk, sizeof(junk)), ES_EMALFORMED);
	assert_int_equal(es_cert_from_der(&c, junk, 0), ES_EMALFORMED);
	es_free(copy);
	fx_pki_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_x509__real_world_seal_certificate),
		cmocka_unit_test(test_x509__real_world_self_signed),
		cmocka_unit_test(test_x509__pem_der_round_trip_and_refs),
		cmocka_unit_test(test_x509__garbage_and_truncated_der),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
