/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Trust stores and path validation at a given time, with CRLs. */
#include "crypto_fixture.h"
#include "crypto/crypto_int.h"

#define AT_OK (FX_T0 + 30 * 86400)

static es_trust *store_with_root(const fx_pki *p)
{
	es_trust *t = NULL;
	TU_OK(es_trust_new(&t));
	TU_OK(es_trust_add_anchor(t, p->root));
	assert_int_equal(es_trust_anchor_count(t), 1);
	return t;
}

static void expect(const es_trust *t, const es_cert *c, es_cert *const *extra, size_t n, es_time at,
		   int ku, es_path_status want, const char *reason_part)
{
	es_path_result r;
	TU_OK(es_trust_verify(&r, t, c, extra, n, at, ku));
	if (r.status != want)
		fail_msg("status %d, want %d: %s", r.status, want, r.reason);
	if (reason_part && !strstr(r.reason, reason_part))
		fail_msg("reason '%s' lacks '%s'", r.reason, reason_part);
}

static void test_trust__ok_with_intermediates(void **state)
{
	fx_pki p;
	es_trust *t;
	es_cert *extra[1];
	(void)state;
	fx_pki_make(&p);
	t = store_with_root(&p);
	extra[0] = p.ca;
	/* CA given by the caller */
	expect(t, p.signer, extra, 1, AT_OK, ES_KU_NON_REPUDIATION, ES_PATH_OK, NULL);
	expect(t, p.maker, extra, 1, AT_OK, ES_KU_DIGITAL_SIGNATURE, ES_PATH_OK, NULL);
	expect(t, p.ca, NULL, 0, AT_OK, 0, ES_PATH_OK, NULL);
	expect(t, p.root, NULL, 0, AT_OK, 0, ES_PATH_OK, NULL);
	expect(t, p.tsa, NULL, 0, AT_OK, 0, ES_PATH_OK, NULL);
	/* CA known to the store */
	TU_OK(es_trust_add_intermediate(t, p.ca));
	TU_OK(es_trust_add_intermediate(t, p.ca)); /* duplicates are ignored */
	expect(t, p.signer, NULL, 0, AT_OK, 0, ES_PATH_OK, "valid");
	es_trust_free(t);
	fx_pki_free(&p);
}

static void test_trust__validity_at_time(void **state)
{
	fx_pki p;
	es_trust *t;
	es_cert *extra[1];
	es_cert *shortlived;
	(void)state;
	fx_pki_make(&p);
	t = store_with_root(&p);
	extra[0] = p.ca;
	/* signer: 2024-01-01 .. 2026-01-01 (2 * 365 days) */
	expect(t, p.signer, extra, 1, FX_T0 + 2 * FX_YEAR + 1, 0, ES_PATH_EXPIRED,
	       "certificate expired at 2025-12-31T00:00:00Z");
	expect(t, p.signer, extra, 1, FX_T0 - 1, 0, ES_PATH_NOT_YET_VALID,
	       "not valid before 2024-01-01T00:00:00Z");
	expect(t, p.signer, extra, 1, FX_T0, 0, ES_PATH_OK, NULL);
	/* OpenSSL counts notAfter itself as expired (X509_cmp_time) */
	expect(t, p.signer, extra, 1, FX_T0 + 2 * FX_YEAR - 1, 0, ES_PATH_OK, NULL);
	/* an expired CA in the path is named */
	shortlived = fx_issue(ES_PROFILE_SUB_CA, "/CN=Short CA", p.ca_key, p.root, p.root_key, FX_T0,
			      FX_T0 + 86400, 0);
	extra[0] = shortlived;
	expect(t, p.signer, extra, 1, FX_T0 + 2 * 86400, 0, ES_PATH_UNKNOWN_ISSUER, NULL);
	es_cert_free(shortlived);
	shortlived = fx_issue(ES_PROFILE_SUB_CA, FX_CA_SUBJECT, p.ca_key, p.root, p.root_key, FX_T0,
			      FX_T0 + 86400, 0);
	extra[0] = shortlived;
	expect(t, p.signer, extra, 1, FX_T0 + 2 * 86400, 0, ES_PATH_EXPIRED,
	       "ca certificate 'CN=eseal Test Seal CA,O=测试电子印章制作系统,C=CN' expired at "
	       "2024-01-02T00:00:00Z");
	es_cert_free(shortlived);
	/* the anchor itself is checked at the time too */
	extra[0] = p.ca;
	expect(t, p.signer, extra, 1, FX_T0 + 10 * FX_YEAR + 1, 0, ES_PATH_EXPIRED,
	       "ca certificate 'CN=eseal Test Root CA,O=测试根证书机构,C=CN' expired at");
	es_trust_free(t);
	fx_pki_free(&p);
}

static void test_trust__unknown_issuer_and_no_store(void **state)
{
	fx_pki p, q;
	es_trust *t, *empty = NULL;
	es_cert *extra[1];
	(void)state;
	fx_pki_make(&p);
	fx_pki_make(&q);
	t = store_with_root(&p);
	/* CA missing */
	expect(t, p.signer, NULL, 0, AT_OK, 0, ES_PATH_UNKNOWN_ISSUER,
	       "issuer 'CN=eseal Test Seal CA,O=测试电子印章制作系统,C=CN' not in the trust store");
	/* another PKI with the same names: the key identifiers do not chain */
	extra[0] = p.ca;
	expect(t, q.signer, extra, 1, AT_OK, 0, ES_PATH_UNKNOWN_ISSUER, NULL);
	/* another root entirely */
	extra[0] = q.ca;
	expect(t, q.signer, extra, 1, AT_OK, 0, ES_PATH_UNKNOWN_ISSUER, NULL);
	expect(t, q.root, NULL, 0, AT_OK, 0, ES_PATH_UNKNOWN_ISSUER, "self-signed");
	/* no store, empty store */
	expect(NULL, p.signer, NULL, 0, AT_OK, 0, ES_PATH_NO_TRUST_STORE, NULL);
	TU_OK(es_trust_new(&empty));
	assert_int_equal(es_trust_anchor_count(empty), 0);
	expect(empty, p.signer, NULL, 0, AT_OK, 0, ES_PATH_NO_TRUST_STORE, NULL);
	es_trust_free(empty);
	es_trust_free(NULL);
	es_trust_free(t);
	fx_pki_free(&p);
	fx_pki_free(&q);
}

static void test_trust__bad_signature_and_key_usage(void **state)
{
	fx_pki p;
	es_trust *t;
	es_cert *extra[1], *bad = NULL;
	es_bytes der;
	uint8_t *copy;
	(void)state;
	fx_pki_make(&p);
	t = store_with_root(&p);
	extra[0] = p.ca;
	/* flip one bit inside the signature value (last byte of the DER) */
	der = es_cert_der(p.signer);
	copy = es_malloc(der.len);
	memcpy(copy, der.ptr, der.len);
	copy[der.len - 1] ^= 0x01;
	TU_OK(es_cert_from_der(&bad, copy, der.len));
	assert_false(es_cert_signed_by(bad, p.ca));
	expect(t, bad, extra, 1, AT_OK, 0, ES_PATH_BAD_SIGNATURE, "does not verify");
	es_cert_free(bad);
	/* tamper inside the TBS: the last byte of the subject name */
	{
		const char *cn = "33010600000123";
		uint8_t *hit = memmem(copy, der.len, cn, strlen(cn));
		assert_non_null(hit);
		copy[der.len - 1] ^= 0x01;
		hit[13] = '4';
		TU_OK(es_cert_from_der(&bad, copy, der.len));
		expect(t, bad, extra, 1, AT_OK, 0, ES_PATH_BAD_SIGNATURE, NULL);
		es_cert_free(bad);
	}
	es_free(copy);
	/* key usage: a signer cert has no keyCertSign; a CA has no digitalSignature */
	expect(t, p.signer, extra, 1, AT_OK, ES_KU_KEY_CERT_SIGN, ES_PATH_BAD_KEY_USAGE,
	       "digitalSignature|nonRepudiation lacks keyCertSign");
	expect(t, p.signer, extra, 1, AT_OK, ES_KU_KEY_CERT_SIGN | ES_KU_DIGITAL_SIGNATURE, ES_PATH_OK, NULL);
	expect(t, p.ca, NULL, 0, AT_OK, ES_KU_DIGITAL_SIGNATURE | ES_KU_NON_REPUDIATION,
	       ES_PATH_BAD_KEY_USAGE, NULL);
	/* an end-entity certificate cannot act as a CA */
	{
		es_cert *ee_issued = fx_issue(ES_PROFILE_SIGNER, "/CN=child", p.signer_key, p.maker,
					      p.maker_key, FX_T0, FX_T0 + FX_YEAR, 0);
		es_cert *chain[2] = { p.ca, p.maker };
		expect(t, ee_issued, chain, 2, AT_OK, 0, ES_PATH_OTHER, NULL);
		es_cert_free(ee_issued);
	}
	/* a sub CA has pathlen 0: no CA below it */
	{
		es_sm2_key *k2 = NULL;
		es_cert *sub2, *leaf, *chain[2];
		TU_OK(es_sm2_key_generate(&k2));
		sub2 = fx_issue(ES_PROFILE_SUB_CA, "/CN=Sub Sub CA", k2, p.ca, p.ca_key, FX_T0,
				FX_T0 + FX_YEAR, 0);
		leaf = fx_issue(ES_PROFILE_SIGNER, "/CN=deep leaf", p.signer_key, sub2, k2, FX_T0,
				FX_T0 + FX_YEAR, 0);
		chain[0] = p.ca;
		chain[1] = sub2;
		expect(t, sub2, chain, 1, AT_OK, 0, ES_PATH_OK, NULL);
		expect(t, leaf, chain, 2, AT_OK, 0, ES_PATH_OTHER, "path length");
		es_cert_free(leaf);
		es_cert_free(sub2);
		es_sm2_key_free(k2);
	}
	es_trust_free(t);
	fx_pki_free(&p);
}

/*
 * The store remembers verified (certificate, issuer) pairs: validating the
 * same chain again checks no signature, a tampered certificate is refused
 * every time (failures are not remembered), and a certificate with the
 * same issuer but other bytes is checked afresh.
 */
static void test_trust__remembers_verified_pairs(void **state)
{
	fx_pki p;
	es_trust *t;
	es_cert *extra[1], *bad = NULL;
	unsigned long hits, checks, hits0, checks0;
	es_bytes der;
	uint8_t *copy;
	(void)state;
	fx_pki_make(&p);
	t = store_with_root(&p);
	extra[0] = p.ca;
	expect(t, p.signer, extra, 1, AT_OK, 0, ES_PATH_OK, NULL);
	es_crypto__trust_sig_stats(t, &hits0, &checks0);
	assert_int_equal(checks0, 2); /* signer by CA, CA by root */
	for (int i = 0; i < 3; i++)
		expect(t, p.signer, extra, 1, AT_OK, 0, ES_PATH_OK, NULL);
	es_crypto__trust_sig_stats(t, &hits, &checks);
	assert_int_equal(checks, checks0);
	assert_int_equal(hits, hits0 + 6);
	/* a bad signature below a remembered CA: refused, and again */
	der = es_cert_der(p.signer);
	copy = es_malloc(der.len);
	memcpy(copy, der.ptr, der.len);
	copy[der.len - 1] ^= 0x01;
	TU_OK(es_cert_from_der(&bad, copy, der.len));
	expect(t, bad, extra, 1, AT_OK, 0, ES_PATH_BAD_SIGNATURE, "does not verify");
	expect(t, bad, extra, 1, AT_OK, 0, ES_PATH_BAD_SIGNATURE, "does not verify");
	es_crypto__trust_sig_stats(t, &hits, &checks);
	assert_int_equal(checks, checks0 + 2);
	es_cert_free(bad);
	es_free(copy);
	/* time is still judged on every validation */
	expect(t, p.signer, extra, 1, FX_T0 + 2 * FX_YEAR, 0, ES_PATH_EXPIRED, NULL);
	es_trust_free(t);
	fx_pki_free(&p);
}

static void test_trust__revocation_at_time(void **state)
{
	fx_pki p;
	es_trust *t;
	es_cert *extra[1];
	es_buf crl = ES_BUF_INIT, serial = ES_BUF_INIT;
	es_crl_entry e;
	es_path_result r;
	es_time revoked = FX_T0 + 100 * 86400;
	(void)state;
	fx_pki_make(&p);
	t = store_with_root(&p);
	extra[0] = p.ca;
	/* no CRL: OK, revocation not checked */
	TU_OK(es_trust_verify(&r, t, p.signer, extra, 1, AT_OK, 0));
	assert_int_equal(r.status, ES_PATH_OK);
	assert_false(r.revocation_checked);
	TU_OK(es_cert_serial_hex(&serial, p.signer));
	e.serial_hex = (const char *)serial.ptr;
	e.revoked_at = revoked;
	e.reason = 1;
	TU_OK(es_crl_issue(&crl, p.ca, p.ca_key, &e, 1, FX_T0 + 120 * 86400, FX_T0 + 400 * 86400, 2));
	TU_OK(es_trust_add_crl(t, crl.ptr, crl.len));
	/* after the revocation: REVOKED with the time */
	TU_OK(es_trust_verify(&r, t, p.signer, extra, 1, revoked + 1, 0));
	assert_int_equal(r.status, ES_PATH_REVOKED);
	assert_int_equal(r.revoked_at, revoked);
	assert_true(r.revocation_checked);
	assert_non_null(strstr(r.reason, "revoked at 2024-04-10T00:00:00Z"));
	TU_OK(es_trust_verify(&r, t, p.signer, extra, 1, revoked, 0));
	assert_int_equal(r.status, ES_PATH_REVOKED);
	/* signed before the revocation: still OK at that time */
	TU_OK(es_trust_verify(&r, t, p.signer, extra, 1, revoked - 1, 0));
	assert_int_equal(r.status, ES_PATH_OK);
	assert_true(r.revocation_checked);
	/* other certificates of the same CA are not affected */
	expect(t, p.maker, extra, 1, revoked + 1, 0, ES_PATH_OK, NULL);
	/* the CRL has expired at the time asked */
	expect(t, p.maker, extra, 1, FX_T0 + 401 * 86400, 0, ES_PATH_CRL_PROBLEM,
	       "expired at 2025-02-04T00:00:00Z");
	es_trust_free(t);
	es_buf_release(&crl);
	es_buf_release(&serial);
	fx_pki_free(&p);
}

static void test_trust__crl_signed_by_someone_else(void **state)
{
	fx_pki p, q;
	es_trust *t;
	es_cert *extra[1];
	es_buf crl = ES_BUF_INIT;
	(void)state;
	fx_pki_make(&p);
	fx_pki_make(&q);
	t = store_with_root(&p);
	extra[0] = p.ca;
	/* same issuer name, other key: a forged CRL */
	TU_OK(es_crl_issue(&crl, q.ca, q.ca_key, NULL, 0, FX_T0, FX_T0 + FX_YEAR, 1));
	TU_OK(es_trust_add_crl(t, crl.ptr, crl.len));
	expect(t, p.signer, extra, 1, AT_OK, 0, ES_PATH_CRL_PROBLEM, "bad signature");
	/* a good CRL next to it wins */
	es_buf_release(&crl);
	TU_OK(es_crl_issue(&crl, p.ca, p.ca_key, NULL, 0, FX_T0, FX_T0 + FX_YEAR, 1));
	TU_OK(es_trust_add_crl(t, crl.ptr, crl.len));
	expect(t, p.signer, extra, 1, AT_OK, 0, ES_PATH_OK, NULL);
	es_buf_release(&crl);
	es_trust_free(t);
	fx_pki_free(&p);
	fx_pki_free(&q);
}

static void test_trust__add_crl_garbage(void **state)
{
	es_trust *t = NULL;
	uint8_t junk[64];
	static const char pem[] = "-----BEGIN X509 CRL-----\nMAA=\n-----END X509 CRL-----\n";
	(void)state;
	TU_OK(es_trust_new(&t));
	memset(junk, 0x30, sizeof(junk));
	assert_int_equal(es_trust_add_crl(t, junk, sizeof(junk)), ES_EMALFORMED);
	assert_int_equal(es_trust_add_crl(t, junk, 0), ES_EMALFORMED);
	assert_int_equal(es_trust_add_crl(t, (const uint8_t *)pem, strlen(pem)), ES_EMALFORMED);
	assert_int_equal(es_trust_add_crl(t, (const uint8_t *)"-----BEGIN CERTIFICATE-----", 27),
			 ES_EMALFORMED);
	es_trust_free(t);
}

static void test_trust__load_dir(void **state)
{
	const char *dir = tu_tmpdir();
	fx_pki p;
	es_trust *t = NULL;
	es_buf crl = ES_BUF_INIT, serial = ES_BUF_INIT, pem = ES_BUF_INIT, bundle = ES_BUF_INIT;
	es_bytes der;
	es_crl_entry e;
	es_path_result r;
	char path[600];
	(void)state;
	fx_pki_make(&p);
	/* root as DER .cer, a PEM bundle with the CA and the TSA, a DER CRL, a PEM CRL */
	der = es_cert_der(p.root);
	fx_write(dir, "root.cer", der.ptr, der.len);
	TU_OK(es_cert_to_pem(&bundle, p.ca));
	TU_OK(es_buf_puts(&bundle, "some text between blocks\n"));
	TU_OK(es_cert_to_pem(&bundle, p.tsa));
	fx_write(dir, "intermediates.PEM", bundle.ptr, bundle.len);
	TU_OK(es_cert_serial_hex(&serial, p.signer));
	e.serial_hex = (const char *)serial.ptr;
	e.revoked_at = FX_T0 + 50 * 86400;
	e.reason = -1;
	TU_OK(es_crl_issue(&crl, p.ca, p.ca_key, &e, 1, FX_T0 + 60 * 86400, FX_T0 + 90 * 86400, 3));
	fx_write(dir, "ca.crl", crl.ptr, crl.len);
	fx_write(dir, "README.txt", "ignored", 7);
	es_buf_release(&crl);
	TU_OK(es_crl_issue(&crl, p.root, p.root_key, NULL, 0, FX_T0, FX_T0 + 90 * 86400, 1));
	fx_write(dir, "root-crl.bin", crl.ptr, crl.len); /* not a listed extension: ignored */
	/* the same CRL as PEM, when openssl(1) is there to convert it */
	snprintf(path, sizeof(path), "%s/root-crl.bin", dir);
	(void)tu_run(NULL, "openssl crl -inform DER -in %s -outform PEM -out %s/root.crl 2>/dev/null",
		     path, dir);
	TU_OK(es_trust_new(&t));
	TU_OK(es_trust_load_dir(t, dir));
	assert_int_equal(es_trust_anchor_count(t), 1);
	/* the CA comes from the folder; the CRL revokes the signer */
	TU_OK(es_trust_verify(&r, t, p.signer, NULL, 0, FX_T0 + 70 * 86400, 0));
	assert_int_equal(r.status, ES_PATH_REVOKED);
	assert_int_equal(r.revoked_at, FX_T0 + 50 * 86400);
	TU_OK(es_trust_verify(&r, t, p.signer, NULL, 0, FX_T0 + 40 * 86400, 0));
	assert_int_equal(r.status, ES_PATH_OK);
	TU_OK(es_trust_verify(&r, t, p.tsa, NULL, 0, FX_T0 + 40 * 86400, 0));
	assert_int_equal(r.status, ES_PATH_OK);
	es_trust_free(t);
	/* a broken file makes loading fail with its name */
	fx_write(dir, "broken.der", "\x30\x03\x02\x01", 4);
	TU_OK(es_trust_new(&t));
	assert_int_equal(es_trust_load_dir(t, dir), ES_EMALFORMED);
	assert_non_null(strstr(es_error_last()->message, "broken.der"));
	es_trust_free(t);
	TU_OK(es_trust_new(&t));
	assert_int_equal(es_trust_load_dir(t, "/nonexistent/eseal"), ES_EIO);
	es_trust_free(t);
	es_buf_release(&crl);
	es_buf_release(&serial);
	es_buf_release(&pem);
	es_buf_release(&bundle);
	fx_pki_free(&p);
	tu_run(NULL, "rm -rf %s", dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trust__ok_with_intermediates),
		cmocka_unit_test(test_trust__validity_at_time),
		cmocka_unit_test(test_trust__unknown_issuer_and_no_store),
		cmocka_unit_test(test_trust__bad_signature_and_key_usage),
		cmocka_unit_test(test_trust__remembers_verified_pairs),
		cmocka_unit_test(test_trust__revocation_at_time),
		cmocka_unit_test(test_trust__crl_signed_by_someone_else),
		cmocka_unit_test(test_trust__add_crl_garbage),
		cmocka_unit_test(test_trust__load_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
