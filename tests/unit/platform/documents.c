/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Documents sealed with platform-held seals (es_platform_seal_document): every custody
 * kind, every placement, the refusals with their precise codes, the usage record and the
 * audit chain, the output verified with the platform's anchors, status and time stamp;
 * on both backends. */
#include "tp.h"
#include "eseal/es_crypto.h"
#include "eseal/es_pki.h"
#include "eseal/es_ofd.h"
#include "eseal/es_pdf.h"
#include "eseal/es_auth.h"
#include "doc/pdf/pdf_int.h"
#include <pthread.h>
#include "tp.c.inc"



static void audit_ok(tp_env *e)
{
	es_audit_report r;
	int err = es_platform_audit_verify(e->p, e->auditor, &r);
	if (err != 0)
		fail_msg("audit: %d %lld %s", err, (long long)r.first_bad, r.problem);
}

/* A one-page (or two-page) OFD with text, and a one-page PDF. */
static void make_ofd(es_buf *out, bool two_pages)
{
	static const char *const one[] = { "福建省测试厅采购合同", "甲方盖章处：", "乙方：示例公司" };
	static const char *const two[] = { "福建省测试厅采购合同", "第一页", "\f", "第二页", "甲方盖章处：" };
	es_ofd_make_options mo = ES_OFD_MAKE_OPTIONS_INIT;
	mo.lines = two_pages ? two : one;
	mo.nlines = two_pages ? ES_ARRAY_LEN(two) : ES_ARRAY_LEN(one);
	TU_OK(es_ofd_make(out, &mo));
}

static void make_pdf(es_buf *out)
{
	TU_OK(es_pdf__sample(out, "Contract 2026-7: the buyer seals here"));
}

static void approved(tp_env *e, const es_actor *appr, const char *esid, const es_buf *doc, int64_t *req)
{
	uint8_t h[32];
	TU_OK(es_sm3(h, doc->ptr, doc->len));
	TU_OK(es_platform_use_request(e->p, e->applicant, esid, h, "合同用印", req));
	TU_OK(es_platform_use_decide(e->p, appr, *req, true, NULL));
}

static void state_is(tp_env *e, int64_t req, const char *want)
{
	char st[16];
	TU_OK(es_platform_use_state(e->p, req, st, sizeof(st)));
	assert_string_equal(st, want);
}

static void usage_hashes(tp_env *e, const es_seal_document_result *res, const es_buf *in, const es_buf *out)
{
	uint8_t h[32];
	es_store *st = NULL;
	int64_t n = 0;
	TU_OK(es_sm3(h, in->ptr, in->len));
	assert_memory_equal(h, res->in_sm3, 32);
	TU_OK(es_sm3(h, out->ptr, out->len));
	assert_memory_equal(h, res->out_sm3, 32);
	TU_OK(es_store_open(&st, e->store));
	es_sval pv[4] = { ES_SV_I(res->usage_id), ES_SV_B(res->in_sm3, 32), ES_SV_B(res->out_sm3, 32), ES_SV_S(res->format) };
	TU_OK(es_store_int(st, &n,
			   "SELECT COUNT(*) FROM usage_records WHERE id = ? AND doc_hash = ? AND out_hash = ? AND doc_format = ?",
			   pv, 4));
	es_store_close(st);
	assert_int_equal(n, 1);
}

static void t_platform_key(void **state)
{
	(void)state;
	tp_env e;
	char esid[15];
	int64_t req, req2, n;
	es_buf ofd = ES_BUF_INIT, pdf = ES_BUF_INIT, out = ES_BUF_INIT, out2 = ES_BUF_INIT;
	es_seal_document_result res;
	tp_setup(&e);
	es_actor *appr = tp_approver(&e);
	tp_seal(&e, ES_KIND_OFFICIAL, 0, "福建省测试厅", 0, esid);
	make_ofd(&ofd, false);
	make_pdf(&pdf);
	es_seal_document_options o = ES_SEAL_DOCUMENT_OPTIONS_INIT;
	o.esid = esid;
	o.page = 1;
	o.x_mm = 120;
	o.y_mm = 200;

	/* no request, a request of another document, a request not yet approved */
	assert_int_equal(es_platform_seal_document(e.p, e.applicant, &o, ofd.ptr, ofd.len, &out, &res), ES_EDENIED);
	approved(&e, appr, esid, &pdf, &req2);
	o.request = req2;
	assert_int_equal(es_platform_seal_document(e.p, e.applicant, &o, ofd.ptr, ofd.len, &out, &res), ES_EDENIED);
	assert_non_null(strstr(es_error_last()->message, "does not cover"));
	{
		uint8_t h[32];
		TU_OK(es_sm3(h, ofd.ptr, ofd.len));
		TU_OK(es_platform_use_request(e.p, e.applicant, esid, h, "合同用印", &req));
	}
	o.request = req;
	assert_int_equal(es_platform_seal_document(e.p, e.applicant, &o, ofd.ptr, ofd.len, &out, &res), ES_ESTATE);
	TU_OK(es_platform_use_decide(e.p, appr, req, true, NULL));
	/* roles and units: a reviewer may not use seals, another unit's applicant not this one */
	assert_int_equal(es_platform_seal_document(e.p, e.reviewer, &o, ofd.ptr, ofd.len, &out, &res), ES_EDENIED);
	assert_int_equal(es_platform_seal_document(e.p, e.applicant_other, &o, ofd.ptr, ofd.len, &out, &res), ES_EDENIED);
	/* bytes that are no document, bad options */
	{
		static const uint8_t junk[] = "not a document";
		assert_int_equal(es_platform_seal_document(e.p, e.applicant, &o, junk, sizeof(junk), &out, &res),
				 ES_EMALFORMED);
		static const uint8_t zip[] = "PK\x03\x04 broken zip";
		o.request = req;
		int err = es_platform_seal_document(e.p, e.applicant, &o, zip, sizeof(zip), &out, &res);
		assert_true(err == ES_EDENIED); /* the request covers another document's SM3 */
		es_seal_document_options bad = o;
		bad.esid = "123";
		assert_int_equal(es_platform_seal_document(e.p, e.applicant, &bad, ofd.ptr, ofd.len, &out, &res), ES_EINVAL);
		bad = o;
		bad.place = ES_DOC_PLACE_KEYWORD;
		assert_int_equal(es_platform_seal_document(e.p, e.applicant, &bad, ofd.ptr, ofd.len, &out, &res), ES_EINVAL);
		bad = o;
		bad.x_mm = -1;
		assert_int_equal(es_platform_seal_document(e.p, e.applicant, &bad, ofd.ptr, ofd.len, &out, &res), ES_EINVAL);
	}
	assert_int_equal(out.len, 0);
	state_is(&e, req, "approved");

	/* the OFD, by position */
	tp_now_days(1);
	TU_OK(es_platform_seal_document(e.p, e.applicant, &o, ofd.ptr, ofd.len, &out, &res));
	assert_string_equal(res.format, "ofd");
	assert_true(res.usage_id > 0);
	state_is(&e, req, "used");
	tp_verifies(&e, &out, 1);
	usage_hashes(&e, &res, &ofd, &out);
	/* once */
	assert_int_equal(es_platform_seal_document(e.p, e.applicant, &o, ofd.ptr, ofd.len, &out2, &res), ES_ESTATE);
	assert_non_null(strstr(es_error_last()->message, "once"));
	assert_int_equal(out2.len, 0);

	/* the PDF, on a keyword */
	o.request = req2;
	o.place = ES_DOC_PLACE_KEYWORD;
	o.keyword = "buyer";
	o.page = 0;
	o.reason = "合同用印";
	TU_OK(es_platform_seal_document(e.p, e.applicant, &o, pdf.ptr, pdf.len, &out2, &res));
	assert_string_equal(res.format, "pdf");
	assert_true(out2.len > pdf.len && memcmp(out2.ptr, pdf.ptr, pdf.len) == 0); /* an incremental update */
	tp_verifies(&e, &out2, 1);
	usage_hashes(&e, &res, &pdf, &out2);
	state_is(&e, req2, "used");

	/* a keyword that is not there: refused, the request kept */
	{
		es_buf pdf2 = ES_BUF_INIT, o3 = ES_BUF_INIT;
		int64_t req3;
		TU_OK(es_pdf__sample(&pdf2, "Another contract"));
		approved(&e, appr, esid, &pdf2, &req3);
		o.request = req3;
		o.keyword = "nowhere-to-be-found";
		assert_true(es_platform_seal_document(e.p, e.applicant, &o, pdf2.ptr, pdf2.len, &o3, &res) < 0);
		assert_int_equal(o3.len, 0);
		state_is(&e, req3, "approved");
		/* a lost seal is not used, even with an approval: the seal's state */
		es_app_form f = tp_form(&e, ES_BIZ_LOSS, esid);
		int64_t app;
		TU_OK(es_platform_app_create(e.p, e.applicant, &f, &app));
		TU_OK(es_platform_app_submit(e.p, e.applicant, app));
		o.keyword = "Another";
		assert_int_equal(es_platform_seal_document(e.p, e.applicant, &o, pdf2.ptr, pdf2.len, &o3, &res), ES_ESTATE);
		assert_non_null(strstr(es_error_last()->message, "lost"));
		state_is(&e, req3, "approved");
		es_buf_release(&pdf2);
		es_buf_release(&o3);
	}
	TU_OK(es_platform_usage_count(e.p, esid, &n));
	assert_int_equal(n, 2);
	assert_int_equal(tp_count(&e, "SELECT COUNT(*) FROM audit_log WHERE event = 'seal-document'"), 2);
	assert_true(tp_count(&e, "SELECT COUNT(*) FROM audit_log WHERE event = 'use-refused'") >= 6);
	audit_ok(&e);
	es_buf_release(&ofd);
	es_buf_release(&pdf);
	es_buf_release(&out);
	es_buf_release(&out2);
	tp_teardown(&e);
}

/* Software token: a wrong PIN is ES_EAUTH and counted; riding seal across two OFD pages. */
static void t_soft_token(void **state)
{
	(void)state;
	tp_env e;
	char esid[15];
	int64_t req;
	bool locked;
	int fails;
	es_buf ofd = ES_BUF_INIT, out = ES_BUF_INIT;
	es_seal_document_result res;
	tp_setup(&e);
	es_actor *appr = tp_approver(&e);
	tp_seal(&e, ES_KIND_SPECIAL, ES_FUNC_CONTRACT, "福建省测试厅合同专用章", 0, esid);
	TU_OK(es_platform_token_init(e.p, e.unit_admin, esid, "user-pin-1", "admin-pin-1"));
	make_ofd(&ofd, true);
	approved(&e, appr, esid, &ofd, &req);
	es_seal_document_options o = ES_SEAL_DOCUMENT_OPTIONS_INIT;
	o.esid = esid;
	o.request = req;
	o.place = ES_DOC_PLACE_RIDING;
	o.pin = "wrong-pin-9";
	assert_int_equal(es_platform_seal_document(e.p, e.applicant, &o, ofd.ptr, ofd.len, &out, &res), ES_EAUTH);
	assert_null(strstr(es_error_last()->message, "wrong-pin-9"));
	o.pin = NULL;
	assert_int_equal(es_platform_seal_document(e.p, e.applicant, &o, ofd.ptr, ofd.len, &out, &res), ES_EAUTH);
	TU_OK(es_platform_token_status(e.p, esid, &locked, &fails));
	assert_int_equal(fails, 2);
	state_is(&e, req, "approved");
	o.pin = "user-pin-1";
	TU_OK(es_platform_seal_document(e.p, e.applicant, &o, ofd.ptr, ofd.len, &out, &res));
	tp_verifies(&e, &out, 1);
	usage_hashes(&e, &res, &ofd, &out);
	TU_OK(es_platform_token_status(e.p, esid, &locked, &fails));
	assert_int_equal(fails, 0);
	/* the platform keeps no private key of it, and no PIN anywhere */
	assert_int_equal(tp_count(&e, "SELECT COUNT(*) FROM seals WHERE length(key_enc) = 0"), 1);
	assert_int_equal(tp_count(&e, "SELECT COUNT(*) FROM audit_log WHERE detail LIKE '%pin-1%' OR detail LIKE '%pin-9%'"), 0);
	audit_ok(&e);
	es_buf_release(&ofd);
	es_buf_release(&out);
	tp_teardown(&e);
}

/* Key store custody (token:ESID), and an unreachable PKCS#11 module. */
static void t_keystore(void **state)
{
	(void)state;
	tp_env e;
	char a[15], b[15], loc[64];
	int64_t req, n;
	es_buf pdf = ES_BUF_INIT, out = ES_BUF_INIT, cert = ES_BUF_INIT;
	es_seal_document_result res;
	tp_setup(&e);
	es_actor *appr = tp_approver(&e);
	tp_seal(&e, ES_KIND_OFFICIAL, 0, "福建省测试厅", 0, a);
	tp_seal(&e, ES_KIND_SPECIAL, ES_FUNC_FINANCE, "福建省测试厅财务专用章", 0, b);
	TU_OK(es_platform_token_init(e.p, e.unit_admin, b, "hold-pin-1", "hold-admin-1"));
	snprintf(loc, sizeof(loc), "token:%s", b);
	TU_OK(es_platform_seal_bind_keystore(e.p, e.unit_admin, a, loc, "hold-pin-1", &cert));
	make_pdf(&pdf);
	approved(&e, appr, a, &pdf, &req);
	es_seal_document_options o = ES_SEAL_DOCUMENT_OPTIONS_INIT;
	o.esid = a;
	o.request = req;
	o.page = 1;
	o.x_mm = 100;
	o.y_mm = 30;
	o.pin = "nope-nope-1";
	assert_int_equal(es_platform_seal_document(e.p, e.applicant, &o, pdf.ptr, pdf.len, &out, &res), ES_EAUTH);
	o.pin = "hold-pin-1";
	TU_OK(es_platform_seal_document(e.p, e.applicant, &o, pdf.ptr, pdf.len, &out, &res));
	tp_verifies(&e, &out, 1);
	usage_hashes(&e, &res, &pdf, &out);
	/* a seal bound to a PKCS#11 module that is gone: said so, nothing used up */
	{
		es_buf o2 = ES_BUF_INIT;
		int64_t req2;
		char c[15];
		tp_seal(&e, ES_KIND_SPECIAL, ES_FUNC_LETTER, "福建省测试厅公函专用章", 0, c);
		es_store *st = NULL;
		TU_OK(es_store_open(&st, e.store));
		es_sval pv[2] = { ES_SV_S(c), ES_SV_S("pkcs11:/nonexistent/libnone-p11.so|tok|key|0x80000101|0x80000001") };
		TU_OK(es_store_exec(st, "INSERT INTO tokens (esid, kind, iterations, updated_at, location) VALUES (?, 'keystore', 0, 0, ?)",
				    pv, 2, NULL, NULL, NULL));
		es_store_close(st);
		approved(&e, appr, c, &pdf, &req2);
		o.esid = c;
		o.request = req2;
		assert_int_equal(es_platform_seal_document(e.p, e.applicant, &o, pdf.ptr, pdf.len, &o2, &res), ES_ENOTFOUND);
		assert_non_null(strstr(es_error_last()->message, "unreachable"));
		assert_null(strstr(es_error_last()->message, "hold-pin-1"));
		state_is(&e, req2, "approved");
		TU_OK(es_platform_usage_count(e.p, c, &n));
		assert_int_equal(n, 0);
		es_buf_release(&o2);
	}
	audit_ok(&e);
	es_buf_release(&pdf);
	es_buf_release(&out);
	es_buf_release(&cert);
	tp_teardown(&e);
}

/* A device seal: the caller's device signs, under a batch authorisation in force. */
typedef struct device {
	es_sm2_key *key;
	unsigned calls;
} device;

static int device_sign(es_buf *sig, const uint8_t e[32], void *payload)
{
	device *d = payload;
	d->calls++;
	return es_sm2_sign_digest(sig, d->key, e);
}

static void t_device(void **state)
{
	(void)state;
	tp_env e;
	char esid[15];
	int64_t batch, n;
	device dev = { NULL, 0 }, other = { NULL, 0 };
	es_buf csr = ES_BUF_INIT, cert = ES_BUF_INIT, ofd = ES_BUF_INIT, out = ES_BUF_INIT;
	es_seal_document_result res;
	tp_setup(&e);
	es_actor *appr = tp_approver(&e);
	tp_seal(&e, ES_KIND_OFFICIAL, 0, "福建省测试厅", 0, esid);
	TU_OK(es_sm2_key_generate(&dev.key));
	TU_OK(es_sm2_key_generate(&other.key));
	TU_OK(es_csr_make(&csr, dev.key, "/C=CN/CN=usb key"));
	TU_OK(es_platform_seal_bind_device(e.p, e.unit_admin, esid, csr.ptr, csr.len, &cert));
	make_ofd(&ofd, false);
	es_seal_document_options o = ES_SEAL_DOCUMENT_OPTIONS_INIT;
	o.esid = esid;
	o.page = 1;
	o.x_mm = 20;
	o.y_mm = 20;
	/* without its device, and without a batch authorisation: refused */
	assert_int_equal(es_platform_seal_document(e.p, e.applicant, &o, ofd.ptr, ofd.len, &out, &res), ES_EDENIED);
	o.device_sign = device_sign;
	o.device_payload = &dev;
	assert_int_equal(es_platform_seal_document(e.p, e.applicant, &o, ofd.ptr, ofd.len, &out, &res), ES_EDENIED);
	assert_non_null(strstr(es_error_last()->message, "batch authorisation"));
	assert_int_equal(dev.calls, 0);
	es_time now = es_time_now();
	TU_OK(es_platform_batch_authorise(e.p, appr, esid, "批量用印", now, now + 10 * TP_DAY, &batch));
	o.device_sign = NULL;
	assert_int_equal(es_platform_seal_document(e.p, e.applicant, &o, ofd.ptr, ofd.len, &out, &res), ES_EDENIED);
	/* another key in the "device": refused by the seal layer, no use recorded */
	o.device_sign = device_sign;
	o.device_payload = &other;
	assert_int_equal(es_platform_seal_document(e.p, e.applicant, &o, ofd.ptr, ofd.len, &out, &res), ES_EVERIFY);
	TU_OK(es_platform_usage_count(e.p, esid, &n));
	assert_int_equal(n, 0);
	o.device_payload = &dev;
	for (int i = 0; i < 2; i++) {
		out.len = 0;
		TU_OK(es_platform_seal_document(e.p, e.applicant, &o, ofd.ptr, ofd.len, &out, &res));
		tp_verifies(&e, &out, 1);
	}
	TU_OK(es_platform_usage_count(e.p, esid, &n));
	assert_int_equal(n, 2);
	assert_int_equal(tp_count(&e, "SELECT COUNT(*) FROM usage_records WHERE batch_id IS NOT NULL AND out_hash IS NOT NULL"), 2);
	/* the authorisation ends */
	tp_now_days(11);
	assert_int_equal(es_platform_seal_document(e.p, e.applicant, &o, ofd.ptr, ofd.len, &out, &res), ES_EDENIED);
	audit_ok(&e);
	es_sm2_key_free(dev.key);
	es_sm2_key_free(other.key);
	es_buf_release(&csr);
	es_buf_release(&cert);
	es_buf_release(&ofd);
	es_buf_release(&out);
	tp_teardown(&e);
}

/* The OES path: the signature over a Signature.xml digest, with its propertyInfo, time-stamped. */
static void t_sign_digest(void **state)
{
	(void)state;
	tp_env e;
	char esid[15];
	uint8_t h[32];
	int64_t req;
	es_buf sig = ES_BUF_INIT;
	es_ses_sig *ss = NULL;
	tp_setup(&e);
	es_actor *appr = tp_approver(&e);
	tp_seal(&e, ES_KIND_OFFICIAL, 0, "福建省测试厅", 0, esid);
	TU_OK(es_sm3(h, "<ofd:Signature/>", 16));
	TU_OK(es_platform_use_request(e.p, e.applicant, esid, h, "OES", &req));
	TU_OK(es_platform_use_decide(e.p, appr, req, true, NULL));
	assert_int_equal(es_platform_seal_sign_digest(e.p, e.applicant, esid, h, req, NULL, "", &sig), ES_EINVAL);
	TU_OK(es_platform_seal_sign_digest(e.p, e.applicant, esid, h, req, NULL, "/Doc_0/Signs/Sign_0/Signature.xml", &sig));
	TU_OK(es_ses_sig_parse(&ss, sig.ptr, sig.len));
	const es_sig_fields *f = es_ses_sig_fields_get(ss);
	assert_int_equal(f->property_info.len, strlen("/Doc_0/Signs/Sign_0/Signature.xml"));
	assert_memory_equal(f->data_hash.ptr, h, 32);
	assert_true(f->timestamp.len > 0);
	es_ses_sig_free(ss);
	assert_int_equal(es_platform_seal_sign_digest(e.p, e.applicant, esid, h, req, NULL, NULL, &sig), ES_ESTATE);
	audit_ok(&e);
	es_buf_release(&sig);
	tp_teardown(&e);
}

/* GM/T 0029 SignData / SignMessage: a bare SM2 signature and a detached SignedData over data. */
static void t_sign_data(void **state)
{
	(void)state;
	tp_env e;
	char esid[15];
	const char *data = "报文：付款 100 元", *msg = "电子公文正文";
	uint8_t h[32];
	int64_t req, req2;
	es_buf sig = ES_BUF_INIT, cms = ES_BUF_INIT, der = ES_BUF_INIT;
	es_seal_document_result res;
	tp_setup(&e);
	es_actor *appr = tp_approver(&e);
	tp_seal(&e, ES_KIND_OFFICIAL, 0, "福建省测试厅", 0, esid);
	TU_OK(es_sm3(h, data, strlen(data)));
	TU_OK(es_platform_use_request(e.p, e.applicant, esid, h, "报文签名", &req));
	es_sign_data_options o = ES_SIGN_DATA_OPTIONS_INIT;
	o.esid = esid;
	o.request = req;
	assert_int_equal(es_platform_sign_data(e.p, e.applicant, &o, (const uint8_t *)data, strlen(data), &sig, &res),
			 ES_ESTATE);
	TU_OK(es_platform_use_decide(e.p, appr, req, true, NULL));
	assert_int_equal(es_platform_sign_data(e.p, e.reviewer, &o, (const uint8_t *)data, strlen(data), &sig, &res),
			 ES_EDENIED);
	assert_int_equal(es_platform_sign_data(e.p, e.applicant, &o, (const uint8_t *)msg, strlen(msg), &sig, &res),
			 ES_EDENIED);
	TU_OK(es_platform_sign_data(e.p, e.applicant, &o, (const uint8_t *)data, strlen(data), &sig, &res));
	assert_string_equal(res.format, "sm2");
	{
		es_seal *seal = NULL;
		es_cert *c = NULL;
		const es_sm2_key *pub = NULL;
		TU_OK(es_platform_seal_der(e.p, esid, &der));
		TU_OK(es_seal_parse(&seal, der.ptr, der.len));
		TU_OK(es_cert_from_der(&c, es_seal_fields_get(seal)->certs[0].ptr, es_seal_fields_get(seal)->certs[0].len));
		TU_OK(es_cert_pubkey(&pub, c));
		TU_OK(es_sm2_verify(pub, NULL, 0, data, strlen(data), sig.ptr, sig.len));
		assert_int_not_equal(es_sm2_verify(pub, NULL, 0, msg, strlen(msg), sig.ptr, sig.len), 0);
		es_error_clear();
		es_cert_free(c);
		es_seal_free(seal);
	}
	assert_int_equal(es_platform_sign_data(e.p, e.applicant, &o, (const uint8_t *)data, strlen(data), &sig, &res),
			 ES_ESTATE);
	/* a SignedData through the software token, verified with the original */
	TU_OK(es_platform_token_init(e.p, e.unit_admin, esid, "user-pin-1", "admin-pin-1"));
	TU_OK(es_sm3(h, msg, strlen(msg)));
	TU_OK(es_platform_use_request(e.p, e.applicant, esid, h, "公文", &req2));
	TU_OK(es_platform_use_decide(e.p, appr, req2, true, NULL));
	o.request = req2;
	o.form = ES_SIGN_DATA_CMS;
	o.pin = "user-pin-x";
	assert_int_equal(es_platform_sign_data(e.p, e.applicant, &o, (const uint8_t *)msg, strlen(msg), &cms, &res),
			 ES_EAUTH);
	o.pin = "user-pin-1";
	TU_OK(es_platform_sign_data(e.p, e.applicant, &o, (const uint8_t *)msg, strlen(msg), &cms, &res));
	assert_string_equal(res.format, "cms");
	{
		es_buf root_pem = ES_BUF_INIT;
		es_cert *root = NULL;
		es_trust *trust = NULL;
		es_report r;
		es_verify_options vo = ES_VERIFY_OPTIONS_INIT;
		TU_OK(es_platform_authority_pem(e.p, &root_pem, NULL));
		TU_OK(es_cert_from_pem(&root, root_pem.ptr, root_pem.len));
		TU_OK(es_trust_new(&trust));
		TU_OK(es_trust_add_anchor(trust, root));
		vo.trust = trust;
		vo.original = (const uint8_t *)msg;
		vo.original_len = strlen(msg);
		vo.has_original = true;
		es_report_init(&r);
		TU_OK(es_verify_der(&r, cms.ptr, cms.len, &vo));
		if (r.verdict != ES_VERDICT_VALID) {
			es_buf j = ES_BUF_INIT;
			TU_OK(es_report_json(&j, &r));
			fail_msg("SignedData: %s: %.*s", es_verdict_name(r.verdict), (int)j.len, (const char *)j.ptr);
		}
		es_report_release(&r);
		es_trust_free(trust);
		es_cert_free(root);
		es_buf_release(&root_pem);
	}
	assert_int_equal(tp_count(&e, "SELECT COUNT(*) FROM audit_log WHERE event = 'sign-data'"), 2);
	audit_ok(&e);
	es_buf_release(&sig);
	es_buf_release(&cms);
	es_buf_release(&der);
	tp_teardown(&e);
}

/* Registered systems sign only with the seals their API key is allowed. */
static void t_api_key_seals(void **state)
{
	(void)state;
	tp_env e;
	char esid[15], key[ES_API_KEY_MAX];
	int64_t id;
	tp_setup(&e);
	tp_seal(&e, ES_KIND_OFFICIAL, 0, "福建省测试厅", 0, esid);
	es_api_key_spec spec = { .login = "applicant", .name = "OA", .expires = es_time_now() + 30 * TP_DAY };
	TU_OK(es_platform_api_key_create(e.p, e.admin, &spec, key, &id));
	assert_int_equal(es_platform_api_key_may_use(e.p, id, esid), ES_EDENIED);
	assert_int_equal(es_platform_api_key_seal(e.p, e.applicant, id, esid, true), ES_EDENIED);
	assert_int_equal(es_platform_api_key_seal(e.p, e.admin, id, "123", true), ES_EINVAL);
	assert_int_equal(es_platform_api_key_seal(e.p, e.admin, id + 100, esid, true), ES_ENOTFOUND);
	assert_int_equal(es_platform_api_key_seal(e.p, e.admin, id, "35000000009999", true), ES_ENOTFOUND);
	TU_OK(es_platform_api_key_seal(e.p, e.admin, id, esid, true));
	TU_OK(es_platform_api_key_may_use(e.p, id, esid));
	assert_int_equal(es_platform_api_key_seal(e.p, e.admin, id, esid, true), ES_EEXISTS);
	TU_OK(es_platform_api_key_seal(e.p, e.admin, id, esid, false));
	assert_int_equal(es_platform_api_key_may_use(e.p, id, esid), ES_EDENIED);
	assert_int_equal(es_platform_api_key_seal(e.p, e.admin, id, esid, false), ES_ENOTFOUND);
	/* a revoked key is allowed nothing new */
	TU_OK(es_platform_api_key_revoke(e.p, e.admin, id));
	assert_int_equal(es_platform_api_key_seal(e.p, e.admin, id, esid, true), ES_ENOTFOUND);
	assert_int_equal(tp_count(&e, "SELECT COUNT(*) FROM audit_log WHERE event LIKE 'api-key-seal%'"), 2);
	audit_ok(&e);
	tp_teardown(&e);
}

/* Two callers race with one approved request, each on its own handle: one document is sealed. */
typedef struct racer {
	es_platform *p;
	const es_actor *actor; /* one actor, shared: immutable (es_auth.h) */
	const es_seal_document_options *o;
	const es_buf *doc;
	es_buf out;
	int rc;
} racer;

static void *race(void *arg)
{
	racer *r = arg;
	es_seal_document_result res;
	r->rc = es_platform_seal_document(r->p, r->actor, r->o, r->doc->ptr, r->doc->len, &r->out, &res);
	return NULL;
}

static void t_race(void **state)
{
	(void)state;
	tp_env e, e2;
	char esid[15];
	int64_t req, n;
	es_buf ofd = ES_BUF_INIT;
	pthread_t th[2];
	tp_setup(&e);
	es_actor *appr = tp_approver(&e);
	tp_seal(&e, ES_KIND_OFFICIAL, 0, "福建省测试厅", 0, esid);
	make_ofd(&ofd, false);
	approved(&e, appr, esid, &ofd, &req);
	e2 = e;
	tp_open(&e2, NULL);
	es_seal_document_options o = ES_SEAL_DOCUMENT_OPTIONS_INIT;
	o.esid = esid;
	o.request = req;
	o.page = 1;
	racer r[2] = { { e.p, e.applicant, &o, &ofd, ES_BUF_INIT, 0 }, { e2.p, e.applicant, &o, &ofd, ES_BUF_INIT, 0 } };
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&th[i], NULL, race, &r[i]), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	int ok = (r[0].rc == 0) + (r[1].rc == 0);
	if (ok != 1)
		fail_msg("%d callers sealed with one request (%d, %d)", ok, r[0].rc, r[1].rc);
	for (int i = 0; i < 2; i++) {
		if (r[i].rc == 0)
			tp_verifies(&e, &r[i].out, 1);
		else if (r[i].rc != ES_ESTATE && r[i].rc != ES_ECONFLICT)
			fail_msg("the loser got %d, not ESTATE or ECONFLICT", r[i].rc);
		else
			assert_int_equal(r[i].out.len, 0);
		es_buf_release(&r[i].out);
	}
	TU_OK(es_platform_usage_count(e.p, esid, &n));
	assert_int_equal(n, 1);
	state_is(&e, req, "used");
	es_platform_close(e2.p);
	audit_ok(&e);
	es_buf_release(&ofd);
	tp_teardown(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_platform_key), cmocka_unit_test(t_soft_token), cmocka_unit_test(t_keystore),
		cmocka_unit_test(t_device),	  cmocka_unit_test(t_sign_digest), cmocka_unit_test(t_sign_data), cmocka_unit_test(t_api_key_seals), cmocka_unit_test(t_race),
	};
	return tp_main(tests, ES_ARRAY_LEN(tests), "platform-documents");
}
