/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The RFC 3161 protocol (es_tsp_respond): requests made with OpenSSL's TS API,
 * answers read back with it; the granted token verifies with es_tst_verify. */
#include "crypto_fixture.h"
#include <openssl/ts.h>

static const char data[] = "a document handed to the time-stamping service";
#define GEN_TIME (FX_T0 + 777)

/* A TimeStampReq over @p data with digest @p md (NULL: none given), nonce, certReq and policy. */
static void make_req(es_buf *out, const char *md, long nonce, bool cert_req, const char *policy, size_t cut)
{
	TS_REQ *rq = TS_REQ_new();
	TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
	X509_ALGOR *alg = X509_ALGOR_new();
	unsigned char h[EVP_MAX_MD_SIZE], *der = NULL;
	unsigned hl = 0;
	EVP_MD *m = EVP_MD_fetch(NULL, md, NULL);
	assert_non_null(m);
	assert_int_equal(EVP_Digest(data, sizeof(data) - 1, h, &hl, m, NULL), 1);
	assert_int_equal(X509_ALGOR_set0(alg, OBJ_nid2obj(EVP_MD_get_type(m)), V_ASN1_NULL, NULL), 1);
	assert_int_equal(TS_MSG_IMPRINT_set_algo(mi, alg), 1);
	assert_int_equal(TS_MSG_IMPRINT_set_msg(mi, h, (int)(hl - cut)), 1);
	assert_int_equal(TS_REQ_set_version(rq, 1), 1);
	assert_int_equal(TS_REQ_set_msg_imprint(rq, mi), 1);
	if (nonce) {
		ASN1_INTEGER *n = ASN1_INTEGER_new();
		ASN1_INTEGER_set(n, nonce);
		assert_int_equal(TS_REQ_set_nonce(rq, n), 1);
		ASN1_INTEGER_free(n);
	}
	if (policy) {
		ASN1_OBJECT *o = OBJ_txt2obj(policy, 1);
		assert_int_equal(TS_REQ_set_policy_id(rq, o), 1);
		ASN1_OBJECT_free(o);
	}
	assert_int_equal(TS_REQ_set_cert_req(rq, cert_req), 1);
	int n = i2d_TS_REQ(rq, &der);
	assert_true(n > 0);
	TU_OK(es_buf_put(out, der, (size_t)n));
	OPENSSL_free(der);
	EVP_MD_free(m);
	X509_ALGOR_free(alg);
	TS_MSG_IMPRINT_free(mi);
	TS_REQ_free(rq);
}

/* The status and failure bit of a TimeStampResp, and its token as DER in @p token. */
static long read_resp(const es_buf *resp, int *fail_bit, es_buf *token, long *nonce)
{
	const unsigned char *p = resp->ptr;
	TS_RESP *r = d2i_TS_RESP(NULL, &p, (long)resp->len);
	assert_non_null(r);
	assert_ptr_equal(p, resp->ptr + resp->len);
	TS_STATUS_INFO *si = TS_RESP_get_status_info(r);
	long status = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(si));
	const ASN1_BIT_STRING *fi = TS_STATUS_INFO_get0_failure_info(si);
	*fail_bit = -1;
	for (int b = 0; fi && b < 32; b++)
		if (ASN1_BIT_STRING_get_bit(fi, b))
			*fail_bit = b;
	PKCS7 *p7 = TS_RESP_get_token(r);
	if (p7 && token) {
		unsigned char *der = NULL;
		int n = i2d_PKCS7(p7, &der);
		TU_OK(es_buf_put(token, der, (size_t)n));
		OPENSSL_free(der);
	}
	TS_TST_INFO *ti = TS_RESP_get_tst_info(r);
	if (ti && nonce)
		*nonce = TS_TST_INFO_get_nonce(ti) ? ASN1_INTEGER_get(TS_TST_INFO_get_nonce(ti)) : 0;
	TS_RESP_free(r);
	return status;
}

static void test_tsp__granted(void **state)
{
	(void)state;
	fx_pki p;
	es_buf req = ES_BUF_INIT, resp = ES_BUF_INIT, tok = ES_BUF_INIT;
	es_tsp_result r;
	es_tst_info info;
	int bit;
	long nonce = 0;
	fx_pki_make(&p);
	/* SM3, a nonce, the certificate asked for */
	make_req(&req, "SM3", 0x5eed1234, true, NULL, 0);
	TU_OK(es_tsp_respond(&resp, p.tsa, p.tsa_key, req.ptr, req.len, GEN_TIME, &r));
	assert_true(r.granted);
	assert_int_equal(r.fail_info, -1);
	assert_int_equal(r.gen_time, GEN_TIME);
	assert_int_equal(read_resp(&resp, &bit, &tok, &nonce), 0);
	assert_int_equal(nonce, 0x5eed1234);
	TU_OK(es_tst_verify(&info, tok.ptr, tok.len, data, sizeof(data) - 1));
	assert_int_equal(info.gen_time, GEN_TIME);
	es_tst_info_release(&info);
	assert_int_equal(es_tst_verify(&info, tok.ptr, tok.len, data, sizeof(data) - 2), ES_EVERIFY);
	es_tst_info_release(&info);
	/* SHA-256, no nonce, no certificate: the token holds none, so it needs the TSA's from elsewhere */
	req.len = resp.len = tok.len = 0;
	make_req(&req, "SHA256", 0, false, "1.2.156.10197.6.1.4.1", 0);
	TU_OK(es_tsp_respond(&resp, p.tsa, p.tsa_key, req.ptr, req.len, GEN_TIME, &r));
	assert_true(r.granted);
	assert_int_equal(read_resp(&resp, &bit, &tok, &nonce), 0);
	assert_int_equal(nonce, 0);
	assert_int_equal(es_tst_verify(&info, tok.ptr, tok.len, data, sizeof(data) - 1), ES_EVERIFY);
	assert_non_null(strstr(info.reason, "not in the token"));
	es_tst_info_release(&info);
	es_buf_release(&req);
	es_buf_release(&resp);
	es_buf_release(&tok);
	fx_pki_free(&p);
}

static void expect_reject(fx_pki *p, const uint8_t *req, size_t len, int want_bit, const char *words)
{
	es_buf resp = ES_BUF_INIT;
	es_tsp_result r;
	int bit;
	TU_OK(es_tsp_respond(&resp, p->tsa, p->tsa_key, req, len, GEN_TIME, &r));
	assert_false(r.granted);
	if (r.fail_info != want_bit || !strstr(r.reason, words))
		fail_msg("expected failInfo %d with '%s', got %d '%s'", want_bit, words, r.fail_info, r.reason);
	assert_int_equal(read_resp(&resp, &bit, NULL, NULL), 2); /* rejection */
	assert_int_equal(bit, want_bit);
	es_buf_release(&resp);
}

static void test_tsp__rejections(void **state)
{
	(void)state;
	fx_pki p;
	es_buf req = ES_BUF_INIT;
	fx_pki_make(&p);
	make_req(&req, "SHA1", 7, true, NULL, 0);
	expect_reject(&p, req.ptr, req.len, TS_INFO_BAD_ALG, "not accepted");
	req.len = 0;
	make_req(&req, "SM3", 7, true, NULL, 1); /* a 31-byte SM3 imprint */
	expect_reject(&p, req.ptr, req.len, TS_INFO_BAD_DATA_FORMAT, "31 bytes");
	req.len = 0;
	make_req(&req, "SM3", 7, true, "1.2.3.4", 0);
	expect_reject(&p, req.ptr, req.len, TS_INFO_UNACCEPTED_POLICY, "1.2.3.4");
	/* trailing bytes, a cut request, nothing, garbage, too much */
	TU_OK(es_buf_put(&req, "\0", 1));
	expect_reject(&p, req.ptr, req.len, TS_INFO_BAD_REQUEST, "not one DER");
	expect_reject(&p, req.ptr, req.len - 5, TS_INFO_BAD_REQUEST, "not one DER");
	expect_reject(&p, (const uint8_t *)"", 0, TS_INFO_BAD_REQUEST, "1 to");
	expect_reject(&p, (const uint8_t *)"hello", 5, TS_INFO_BAD_REQUEST, "not one DER");
	static uint8_t big[ES_TSP_MAX_REQUEST + 1];
	expect_reject(&p, big, sizeof(big), TS_INFO_BAD_REQUEST, "1 to");
	/* every truncation of a good request is answered, never crashes */
	req.len = 0;
	make_req(&req, "SM3", 99, true, NULL, 0);
	for (size_t n = 1; n < req.len; n++) {
		es_buf resp = ES_BUF_INIT;
		es_tsp_result r;
		TU_OK(es_tsp_respond(&resp, p.tsa, p.tsa_key, req.ptr, n, GEN_TIME, &r));
		assert_false(r.granted);
		es_buf_release(&resp);
	}
	/* a key that is not the TSA's: the TSA fails, a systemFailure answer is still made */
	es_buf resp = ES_BUF_INIT;
	es_tsp_result r;
	int bit;
	assert_true(es_tsp_respond(&resp, p.tsa, p.signer_key, req.ptr, req.len, GEN_TIME, &r) < 0);
	assert_int_equal(r.fail_info, TS_INFO_SYSTEM_FAILURE);
	assert_int_equal(read_resp(&resp, &bit, NULL, NULL), 2);
	es_buf_release(&resp);
	es_buf_release(&req);
	fx_pki_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tsp__granted),
		cmocka_unit_test(test_tsp__rejections),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
