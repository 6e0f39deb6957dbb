/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Making seals, signing with them, and the verifier's verdicts on our own output. */
#include "pki_fixture.h"
#include "eseal/es_verify.h"
#include "file.h"
#include "der/der.h"

static fx_pki P;

static int setup(void **state)
{
	(void)state;
	fx_pki_init(&P);
	fx_pki_crl(&P, NULL, 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fx_pki_free(&P);
	return 0;
}

static const es_check *check(const es_report *r, size_t i, const char *name)
{
	const es_check *c;
	assert_true(i < r->nsigs);
	c = es_sig_report_get(&r->sigs[i], name);
	if (!c)
		fail_msg("no check '%s' in the report", name);
	return c;
}

static void expect(const es_report *r, const char *name, es_result res)
{
	const es_check *c = check(r, 0, name);
	if (c->result != res)
		fail_msg("check %s: %s (%s), expected %s", name, es_result_name(c->result), c->reason,
			 es_result_name(res));
}

static void sign_data(es_buf *sig, es_seal *seal, const char *data, bool tsa, es_time t)
{
	es_sign_options so = ES_SIGN_OPTIONS_INIT;
	so.data = (const uint8_t *)data;
	so.data_len = strlen(data);
	so.property_info = "contract.txt";
	so.time = t;
	if (tsa) {
		so.tsa_cert = P.tsa;
		so.tsa_key = P.tsa_key;
	}
	TU_OK(es_ses_sign(sig, &so, seal, P.signer, P.signer_key));
}

static void test_make__fields_round_trip(void **state)
{
	es_buf der = ES_BUF_INIT;
	es_seal *seal = NULL;
	const es_seal_fields *f;
	(void)state;
	fx_make_seal(&der, &P, 1);
	TU_OK(es_seal_parse(&seal, der.ptr, der.len));
	f = es_seal_fields_get(seal);
	assert_int_equal(f->version, 4);
	assert_int_equal(f->header_version, 4);
	assert_memory_equal(f->esid.ptr, FX_ESID, 14);
	assert_int_equal(f->type, 1);
	assert_int_equal(f->cert_list_type, 1);
	assert_int_equal(f->ncerts, 1);
	assert_int_equal(f->valid_start, es_cert_not_before(P.signer));
	assert_int_equal(f->valid_end, es_cert_not_after(P.signer));
	assert_int_equal(f->picture_width, 42);
	assert_int_equal(f->quirks, 0);
	assert_int_equal(f->der.len, der.len);
	es_seal_free(seal);
	es_buf_release(&der);
}

static void test_make__refuses_what_the_rules_forbid(void **state)
{
	es_buf der = ES_BUF_INIT;
	es_seal_make_options mo = ES_SEAL_MAKE_OPTIONS_INIT;
	es_cert *two[2] = { P.signer, P.maker };
	es_cert *one[1] = { P.signer };
	(void)state;
	mo.esid = FX_ESID;
	mo.name = "示例科技有限公司";
	mo.signers = one;
	mo.nsigners = 1;
	mo.picture_type = "PNG";
	mo.picture = fx_png;
	mo.picture_len = sizeof(fx_png);
	mo.width_mm = mo.height_mm = 42;

	mo.esid = "1234";
	assert_int_equal(es_seal_make(&der, &mo, P.maker, P.maker_key, P.trust), ES_EINVAL);
	mo.esid = FX_ESID;
	mo.valid_end = es_cert_not_after(P.signer) + FX_DAY; /* outlives the certificate */
	assert_int_equal(es_seal_make(&der, &mo, P.maker, P.maker_key, P.trust), ES_EINVAL);
	assert_non_null(strstr(es_error_last()->message, "signer certificate validity"));
	mo.valid_end = 0;
	assert_int_equal(es_seal_make(&der, &mo, P.maker, P.signer_key, P.trust), ES_EINVAL); /* wrong key */
	mo.signers = two;
	mo.nsigners = 2;
	assert_int_equal(es_seal_make(&der, &mo, P.maker, P.maker_key, P.trust), ES_EDENIED); /* no reason */
	mo.signers = one;
	mo.nsigners = 1;
	mo.kind = ES_KIND_SPECIAL; /* special without its function */
	assert_int_equal(es_seal_make(&der, &mo, P.maker, P.maker_key, P.trust), ES_EINVAL);
	mo.function = ES_FUNC_CONTRACT;
	TU_OK(es_seal_make(&der, &mo, P.maker, P.maker_key, P.trust));
	assert_int_equal(der.len > 0, 1);
	es_buf_release(&der);
}

static void test_sign__valid_with_trust_and_timestamp(void **state)
{
	es_buf der = ES_BUF_INIT, sig = ES_BUF_INIT;
	es_seal *seal = NULL;
	es_report r;
	es_verify_options vo = ES_VERIFY_OPTIONS_INIT;
	const char *doc = "合同正文 contract body";
	(void)state;
	fx_make_seal(&der, &P, 1);
	TU_OK(es_seal_parse(&seal, der.ptr, der.len));
	sign_data(&sig, seal, doc, true, 0);

	vo.trust = P.trust;
	vo.original = (const uint8_t *)doc;
	vo.original_len = strlen(doc);
	vo.has_original = true;
	es_report_init(&r);
	TU_OK(es_verify_file(&r, sig.ptr, sig.len, &vo));
	assert_string_equal(r.format, "ses");
	for (size_t i = 0; i < r.sigs[0].nchecks; i++)
		if (r.sigs[0].checks[i].result != ES_RESULT_PASS && strcmp(r.sigs[0].checks[i].name, "seal-status") != 0)
			fail_msg("%s: %s", r.sigs[0].checks[i].name, r.sigs[0].checks[i].reason);
	assert_int_equal(r.verdict, ES_VERDICT_VALID);
	assert_string_equal(r.sigs[0].signing_time_source, "timestamp");
	es_report_release(&r);

	/* a changed original */
	vo.original = (const uint8_t *)"tampered";
	vo.original_len = 8;
	es_report_init(&r);
	TU_OK(es_verify_file(&r, sig.ptr, sig.len, &vo));
	expect(&r, "data-hash", ES_RESULT_FAIL);
	assert_int_equal(r.verdict, ES_VERDICT_INVALID);
	es_report_release(&r);

	/* no original: indeterminate, not valid */
	vo.has_original = false;
	es_report_init(&r);
	TU_OK(es_verify_file(&r, sig.ptr, sig.len, &vo));
	expect(&r, "data-hash", ES_RESULT_INDETERMINATE);
	assert_int_equal(r.verdict, ES_VERDICT_INDETERMINATE);
	es_report_release(&r);

	/* no trust store: indeterminate */
	vo.has_original = true;
	vo.original = (const uint8_t *)doc;
	vo.original_len = strlen(doc);
	vo.trust = NULL;
	es_report_init(&r);
	TU_OK(es_verify_file(&r, sig.ptr, sig.len, &vo));
	expect(&r, "signer-chain", ES_RESULT_INDETERMINATE);
	assert_int_equal(r.verdict, ES_VERDICT_INDETERMINATE);
	es_report_release(&r);

	es_seal_free(seal);
	es_buf_release(&der);
	es_buf_release(&sig);
}

static void test_sign__refusals(void **state)
{
	es_buf der = ES_BUF_INIT, sig = ES_BUF_INIT;
	es_seal *seal = NULL, *v1 = NULL;
	es_sign_options so = ES_SIGN_OPTIONS_INIT;
	es_buf v1b = ES_BUF_INIT;
	(void)state;
	fx_make_seal(&der, &P, 1);
	TU_OK(es_seal_parse(&seal, der.ptr, der.len));
	so.data = (const uint8_t *)"x";
	so.data_len = 1;
	/* a certificate not in the certList */
	assert_int_equal(es_ses_sign(&sig, &so, seal, P.maker, P.maker_key), ES_EDENIED);
	/* a key that is not the certificate's */
	assert_int_equal(es_ses_sign(&sig, &so, seal, P.signer, P.maker_key), ES_EINVAL);
	/* outside the validity */
	so.time = es_cert_not_after(P.signer) + FX_DAY;
	assert_int_equal(es_ses_sign(&sig, &so, seal, P.signer, P.signer_key), ES_EEXPIRED);
	so.time = 0;
	/* non-ASCII propertyInfo */
	so.property_info = "合同";
	assert_int_equal(es_ses_sign(&sig, &so, seal, P.signer, P.signer_key), ES_EINVAL);
	/* v1 seals are read, never used to sign */
	tu_read_sample(&v1b, "ofdrw_test_v1_seal.esl");
	TU_OK(es_seal_parse(&v1, v1b.ptr, v1b.len));
	so.property_info = NULL;
	assert_int_equal(es_ses_sign(&sig, &so, v1, P.signer, P.signer_key), ES_ENOTSUPPORTED);
	es_seal_free(v1);
	es_buf_release(&v1b);
	es_seal_free(seal);
	es_buf_release(&der);
	es_buf_release(&sig);
}

static void test_sign__cert_digest_list(void **state)
{
	es_buf der = ES_BUF_INIT, sig = ES_BUF_INIT;
	es_seal *seal = NULL;
	es_report r;
	es_verify_options vo = ES_VERIFY_OPTIONS_INIT;
	(void)state;
	fx_make_seal(&der, &P, 2);
	TU_OK(es_seal_parse(&seal, der.ptr, der.len));
	assert_int_equal(es_seal_fields_get(seal)->ndigests, 1);
	sign_data(&sig, seal, "abc", false, 0);
	vo.trust = P.trust;
	es_report_init(&r);
	TU_OK(es_verify_file(&r, sig.ptr, sig.len, &vo));
	expect(&r, "signer-in-seal", ES_RESULT_PASS);
	expect(&r, "signature", ES_RESULT_PASS);
	es_report_release(&r);
	es_seal_free(seal);
	es_buf_release(&der);
	es_buf_release(&sig);
}

/* Seal status source for the tests: revoked at a chosen time. */
static es_time revoked_at;
static int status_revoked(es_status_info *out, const char *esid, void *payload)
{
	(void)payload;
	out->status = strcmp(esid, FX_ESID) == 0 ? ES_STATUS_REVOKED : ES_STATUS_UNKNOWN;
	out->since = revoked_at;
	snprintf(out->reason, sizeof(out->reason), "unit renamed");
	return 0;
}

static void test_verify__revoked_seal_is_void(void **state)
{
	es_buf der = ES_BUF_INIT, sig = ES_BUF_INIT;
	es_seal *seal = NULL;
	es_report r;
	es_verify_options vo = ES_VERIFY_OPTIONS_INIT;
	const es_check *c;
	(void)state;
	fx_make_seal(&der, &P, 1);
	TU_OK(es_seal_parse(&seal, der.ptr, der.len));
	sign_data(&sig, seal, "abc", false, P.now - 3600);
	vo.trust = P.trust;
	vo.status = status_revoked;

	revoked_at = P.now; /* after a signing time only the signer asserts: cannot tell */
	es_report_init(&r);
	TU_OK(es_verify_file(&r, sig.ptr, sig.len, &vo));
	c = check(&r, 0, "seal-status");
	assert_int_equal(c->result, ES_RESULT_INDETERMINATE);
	assert_non_null(strstr(c->reason, "signer's own claim"));
	assert_int_equal(r.verdict, ES_VERDICT_INDETERMINATE);
	es_report_release(&r);

	revoked_at = P.now - 7200; /* before signing: invalid */
	es_report_init(&r);
	TU_OK(es_verify_file(&r, sig.ptr, sig.len, &vo));
	c = check(&r, 0, "seal-status");
	assert_int_equal(c->result, ES_RESULT_FAIL);
	assert_non_null(strstr(c->reason, "void"));
	assert_int_equal(r.verdict, ES_VERDICT_INVALID);
	es_report_release(&r);

	/* a bare revoked seal fails */
	es_report_init(&r);
	TU_OK(es_verify_file(&r, der.ptr, der.len, &vo));
	assert_string_equal(r.format, "seal");
	expect(&r, "seal-status", ES_RESULT_FAIL);
	es_report_release(&r);
	es_seal_free(seal);
	es_buf_release(&der);
	es_buf_release(&sig);
}

/* A status list as the maker publishes it: JSON and its SM2 signature by @key. */
static void make_list(es_buf *json, es_buf *sig, const es_cert *maker, const es_sm2_key *key, es_time generated,
		      es_time next, const char *esid, const char *status, es_time since)
{
	es_buf subj = ES_BUF_INIT;
	char g[32], n[32], t[32];
	es_time_iso(g, generated);
	es_time_iso(n, next);
	es_time_iso(t, since);
	TU_OK(es_cert_subject(&subj, maker));
	TU_OK(es_buf_put(&subj, "", 1));
	json->len = 0;
	sig->len = 0;
	TU_OK(es_buf_printf(json,
			    "{\"version\": 1, \"issuer\": \"%s\", \"generated\": \"%s\", \"next_update\": \"%s\", "
			    "\"seals\": [{\"esid\": \"%s\", \"status\": \"%s\", \"since\": \"%s\", \"reason\": \"unit dissolved\"}]}",
			    (const char *)subj.ptr, g, n, esid, status, t));
	TU_OK(es_sm2_sign(sig, key, NULL, 0, json->ptr, json->len));
	es_buf_release(&subj);
}

static es_report verify_with_list(const es_buf *sig, const es_buf *lj, const es_buf *ls, es_time now)
{
	es_verify_options vo = ES_VERIFY_OPTIONS_INIT;
	es_status_list *l = NULL;
	es_report r;
	TU_OK(es_status_list_parse(&l, lj->ptr, lj->len, ls->ptr, ls->len));
	vo.trust = P.trust;
	vo.original = (const uint8_t *)"abc";
	vo.original_len = 3;
	vo.has_original = true;
	vo.status_list = l;
	vo.now = now;
	es_report_init(&r);
	TU_OK(es_verify_file(&r, sig->ptr, sig->len, &vo));
	es_status_list_free(l);
	return r;
}

static bool notice_has(const es_sig_report *s, const char *needle)
{
	for (size_t i = 0; i < s->nnotices; i++)
		if (strstr(s->notices[i].text, needle))
			return true;
	return false;
}

/*
 * The maker's signed status list (R5, G§16): believed only when signed by
 * the seal's trusted maker and naming it; unlisted seals are active; revoked
 * before the signing time voids, after a time-stamped signing time warns,
 * after a time the signer only asserts cannot be told; stale, forged and
 * foreign lists leave the status unknown.
 */
static void test_verify__signed_status_list(void **state)
{
	es_buf der = ES_BUF_INIT, plain = ES_BUF_INIT, stamped = ES_BUF_INIT, lj = ES_BUF_INIT, ls = ES_BUF_INIT;
	es_seal *seal = NULL;
	es_report r;
	const es_check *c;
	es_time later = P.now + 7200, gen = P.now + 3600 * 1.5;
	es_sm2_key *other_key = NULL;
	es_cert *other = NULL;
	(void)state;
	fx_make_seal(&der, &P, 1);
	TU_OK(es_seal_parse(&seal, der.ptr, der.len));
	sign_data(&plain, seal, "abc", false, P.now - 60);
	sign_data(&stamped, seal, "abc", true, 0);

	/* active: the list names another seal only */
	make_list(&lj, &ls, P.maker, P.maker_key, gen, later + FX_DAY, "11010500000099", "revoked", P.now);
	r = verify_with_list(&stamped, &lj, &ls, later);
	c = check(&r, 0, "seal-status");
	if (c->result != ES_RESULT_PASS || !strstr(c->reason, "not on the list"))
		fail_msg("active: %s %s", es_result_name(c->result), c->reason);
	assert_int_equal(r.verdict, ES_VERDICT_VALID);
	es_report_release(&r);

	/* revoked before the signing time: void */
	make_list(&lj, &ls, P.maker, P.maker_key, gen, later + FX_DAY, FX_ESID, "revoked", P.now - 3600);
	r = verify_with_list(&stamped, &lj, &ls, later);
	expect(&r, "seal-status", ES_RESULT_FAIL);
	assert_non_null(strstr(check(&r, 0, "seal-status")->reason, "before the signing time"));
	assert_int_equal(r.verdict, ES_VERDICT_INVALID);
	es_report_release(&r);
	r = verify_with_list(&plain, &lj, &ls, later);
	expect(&r, "seal-status", ES_RESULT_FAIL);
	es_report_release(&r);

	/* revoked after a time-stamped signing: valid, with the regulation's warning */
	make_list(&lj, &ls, P.maker, P.maker_key, gen, later + FX_DAY, FX_ESID, "revoked", P.now + 3600);
	r = verify_with_list(&stamped, &lj, &ls, later);
	expect(&r, "seal-status", ES_RESULT_PASS);
	assert_true(notice_has(&r.sigs[0], "void for new documents"));
	assert_true(notice_has(&r.sigs[0], "seal revoked on"));
	assert_int_equal(r.verdict, ES_VERDICT_VALID);
	es_report_release(&r);
	/* ... after a signing time only the signer asserts: cannot tell */
	r = verify_with_list(&plain, &lj, &ls, later);
	expect(&r, "seal-status", ES_RESULT_INDETERMINATE);
	assert_int_equal(r.verdict, ES_VERDICT_INDETERMINATE);
	es_report_release(&r);

	/* stale: verified two days after the list's next update */
	r = verify_with_list(&stamped, &lj, &ls, later + 3 * FX_DAY);
	expect(&r, "seal-status", ES_RESULT_INDETERMINATE);
	assert_non_null(strstr(check(&r, 0, "seal-status")->reason, "stale"));
	assert_non_null(strstr(check(&r, 0, "seal-status")->reason, "2 days ago"));
	es_report_release(&r);

	/* forged: the revocation edited to a harmless status, old signature kept */
	make_list(&lj, &ls, P.maker, P.maker_key, gen, later + FX_DAY, FX_ESID, "revoked", P.now - 3600);
	{
		char *p = strstr((char *)lj.ptr, "\"revoked\"");
		assert_non_null(p);
		memcpy(p, "\"active\" ", 9);
	}
	r = verify_with_list(&stamped, &lj, &ls, later);
	expect(&r, "seal-status", ES_RESULT_INDETERMINATE);
	assert_non_null(strstr(check(&r, 0, "seal-status")->reason, "does not verify"));
	assert_int_not_equal(r.verdict, ES_VERDICT_VALID);
	es_report_release(&r);
	/* unsigned */
	make_list(&lj, &ls, P.maker, P.maker_key, gen, later + FX_DAY, FX_ESID, "revoked", P.now + 3600);
	ls.len = 0;
	r = verify_with_list(&stamped, &lj, &ls, later);
	expect(&r, "seal-status", ES_RESULT_INDETERMINATE);
	assert_non_null(strstr(check(&r, 0, "seal-status")->reason, "no signature"));
	es_report_release(&r);

	/* another maker's list, properly signed by that maker: says nothing about this seal */
	TU_OK(es_sm2_key_generate(&other_key));
	other = fx_issue(other_key, ES_PROFILE_SEAL_MAKER, "/C=CN/O=Other maker/CN=Other", P.root, P.root_key,
			 P.now - FX_DAY, P.now + 100 * FX_DAY);
	make_list(&lj, &ls, other, other_key, gen, later + FX_DAY, "11010500000099", "revoked", P.now);
	r = verify_with_list(&stamped, &lj, &ls, later);
	expect(&r, "seal-status", ES_RESULT_INDETERMINATE);
	assert_non_null(strstr(check(&r, 0, "seal-status")->reason, "not by this seal's maker"));
	es_report_release(&r);
	/* ... nor when it claims our maker as issuer but is signed by the other key */
	make_list(&lj, &ls, P.maker, other_key, gen, later + FX_DAY, FX_ESID, "active", P.now);
	r = verify_with_list(&stamped, &lj, &ls, later);
	expect(&r, "seal-status", ES_RESULT_INDETERMINATE);
	es_report_release(&r);

	es_cert_free(other);
	es_sm2_key_free(other_key);
	es_seal_free(seal);
	es_buf_release(&der);
	es_buf_release(&plain);
	es_buf_release(&stamped);
	es_buf_release(&lj);
	es_buf_release(&ls);
}

static void test_verify__revoked_signer_certificate(void **state)
{
	es_buf der = ES_BUF_INIT, sig = ES_BUF_INIT, crl = ES_BUF_INIT, serial = ES_BUF_INIT;
	es_seal *seal = NULL;
	es_report r;
	es_verify_options vo = ES_VERIFY_OPTIONS_INIT;
	es_trust *t = NULL;
	es_crl_entry e;
	(void)state;
	fx_make_seal(&der, &P, 1);
	TU_OK(es_seal_parse(&seal, der.ptr, der.len));
	sign_data(&sig, seal, "abc", false, P.now - 3600);
	TU_OK(es_cert_serial_hex(&serial, P.signer));
	e.serial_hex = (const char *)serial.ptr;
	e.reason = 1;

	for (int before = 0; before < 2; before++) {
		e.revoked_at = before ? P.now - 7200 : P.now - 60;
		es_buf_release(&crl);
		TU_OK(es_crl_issue(&crl, P.root, P.root_key, &e, 1, P.now - FX_DAY, P.now + FX_DAY, 2));
		TU_OK(es_trust_new(&t));
		TU_OK(es_trust_add_anchor(t, P.root));
		TU_OK(es_trust_add_crl(t, crl.ptr, crl.len));
		vo.trust = t;
		es_report_init(&r);
		TU_OK(es_verify_file(&r, sig.ptr, sig.len, &vo));
		expect(&r, "signer-chain", before ? ES_RESULT_FAIL : ES_RESULT_PASS);
		es_report_release(&r);
		es_trust_free(t);
	}
	es_buf_release(&crl);
	es_buf_release(&serial);
	es_seal_free(seal);
	es_buf_release(&der);
	es_buf_release(&sig);
}

/* Every byte of our own seal and signature matters: flip each, never valid, never a crash. */
static void test_verify__bit_flips_never_valid(void **state)
{
	es_buf der = ES_BUF_INIT, sig = ES_BUF_INIT;
	es_seal *seal = NULL;
	es_verify_options vo = ES_VERIFY_OPTIONS_INIT;
	(void)state;
	fx_make_seal(&der, &P, 1);
	TU_OK(es_seal_parse(&seal, der.ptr, der.len));
	sign_data(&sig, seal, "abc", false, 0);
	vo.trust = P.trust;
	vo.original = (const uint8_t *)"abc";
	vo.original_len = 3;
	vo.has_original = true;
	for (int which = 0; which < 2; which++) {
		es_buf *b = which ? &sig : &der;
		for (size_t i = 0; i < b->len; i++) {
			es_report r;
			b->ptr[i] ^= 0x01;
			es_report_init(&r);
			tu_ignore(es_verify_file(&r, b->ptr, b->len, &vo));
			/* a flip outside the signed bytes (a BIT STRING's unused-bits count) may
			 * leave the values sound: then a quirk must name it, never silently valid */
			if (r.verdict == ES_VERDICT_VALID && r.nsigs && !(r.sigs[0].quirks & ES_QUIRK_BITSTRING_UNUSED))
				fail_msg("%s: flipping byte %zu still verifies", which ? "signature" : "seal", i);
			es_report_release(&r);
			b->ptr[i] ^= 0x01;
		}
		for (size_t n = 0; n < b->len; n++) { /* truncation at every offset */
			es_report r;
			es_report_init(&r);
			tu_ignore(es_verify_file(&r, b->ptr, n, &vo));
			assert_true(r.verdict != ES_VERDICT_VALID || r.nsigs == 0);
			es_report_release(&r);
		}
	}
	es_seal_free(seal);
	es_buf_release(&der);
	es_buf_release(&sig);
}

/* What we write verifies in OpenSSL, and openssl asn1parse reads the structures. */
static void test_interop__openssl_verifies_our_signatures(void **state)
{
	es_buf der = ES_BUF_INIT, sig = ES_BUF_INIT, pem = ES_BUF_INIT, out = ES_BUF_INIT;
	es_seal *seal = NULL;
	es_ses_sig *ses = NULL;
	const char *dir = tu_tmpdir();
	char p[512];
	(void)state;
	fx_make_seal(&der, &P, 1);
	TU_OK(es_seal_parse(&seal, der.ptr, der.len));
	sign_data(&sig, seal, "abc", true, 0);
	TU_OK(es_ses_sig_parse(&ses, sig.ptr, sig.len));
	{
		const es_seal_fields *f = es_seal_fields_get(seal);
		const es_sig_fields *g = es_ses_sig_fields_get(ses);
		snprintf(p, sizeof(p), "%s/sealinfo.der", dir);
		TU_OK(es_file_write(p, f->seal_info.ptr, f->seal_info.len, 0644));
		snprintf(p, sizeof(p), "%s/sealsig.der", dir);
		TU_OK(es_file_write(p, f->signed_value.ptr, f->signed_value.len, 0644));
		snprintf(p, sizeof(p), "%s/tbs.der", dir);
		TU_OK(es_file_write(p, g->tbs.ptr, g->tbs.len, 0644));
		snprintf(p, sizeof(p), "%s/sig.der", dir);
		TU_OK(es_file_write(p, g->signature.ptr, g->signature.len, 0644));
	}
	TU_OK(es_sm2_key_public_pem(&pem, P.maker_key));
	snprintf(p, sizeof(p), "%s/maker.pem", dir);
	TU_OK(es_file_write(p, pem.ptr, pem.len, 0644));
	es_buf_release(&pem);
	TU_OK(es_sm2_key_public_pem(&pem, P.signer_key));
	snprintf(p, sizeof(p), "%s/signer.pem", dir);
	TU_OK(es_file_write(p, pem.ptr, pem.len, 0644));
	snprintf(p, sizeof(p), "%s/seal.esl", dir);
	TU_OK(es_file_write(p, der.ptr, der.len, 0644));
	snprintf(p, sizeof(p), "%s/sig.ses", dir);
	TU_OK(es_file_write(p, sig.ptr, sig.len, 0644));

	assert_int_equal(tu_run(&out, "openssl pkeyutl -verify -pubin -inkey %s/maker.pem -rawin -digest sm3 "
				      "-pkeyopt distid:1234567812345678 -in %s/sealinfo.der -sigfile %s/sealsig.der 2>&1",
				dir, dir, dir), 0);
	assert_non_null(strstr((char *)out.ptr, "Signature Verified Successfully"));
	es_buf_release(&out);
	assert_int_equal(tu_run(&out, "openssl pkeyutl -verify -pubin -inkey %s/signer.pem -rawin -digest sm3 "
				      "-pkeyopt distid:1234567812345678 -in %s/tbs.der -sigfile %s/sig.der 2>&1",
				dir, dir, dir), 0);
	assert_non_null(strstr((char *)out.ptr, "Signature Verified Successfully"));
	es_buf_release(&out);
	/* a flipped TBS fails in OpenSSL too: the check above can fail */
	assert_int_not_equal(tu_run(NULL, "printf 'x' | dd of=%s/tbs.der bs=1 seek=20 conv=notrunc 2>/dev/null; "
					  "openssl pkeyutl -verify -pubin -inkey %s/signer.pem -rawin -digest sm3 "
					  "-pkeyopt distid:1234567812345678 -in %s/tbs.der -sigfile %s/sig.der >/dev/null 2>&1",
				  dir, dir, dir, dir), 0);
	assert_int_equal(tu_run(&out, "openssl asn1parse -inform DER -in %s/seal.esl -i 2>&1", dir), 0);
	assert_non_null(strstr((char *)out.ptr, "IA5STRING         :" FX_ESID));
	assert_non_null(strstr((char *)out.ptr, "SM2-with-SM3"));
	es_buf_release(&out);
	assert_int_equal(tu_run(&out, "openssl asn1parse -inform DER -in %s/sig.ses -i 2>&1", dir), 0);
	assert_non_null(strstr((char *)out.ptr, "GENERALIZEDTIME"));
	assert_non_null(strstr((char *)out.ptr, "cont [ 0 ]")); /* the explicit [0] time stamp */
	es_buf_release(&out);
	tu_run(NULL, "rm -rf %s", dir);
	es_ses_sig_free(ses);
	es_seal_free(seal);
	es_buf_release(&der);
	es_buf_release(&sig);
	es_buf_release(&pem);
}

/* GM/T 0031-2025 (v5): header version 5 and SESeal.timeStamp [0] over the maker signature. */
static void build_v5(es_buf *out, es_time create, bool stamp)
{
	es_buf info = ES_BUF_INIT, sig = ES_BUF_INIT, tok = ES_BUF_INIT;
	es_der_writer w;
	es_bytes signer = es_cert_der(P.signer), maker = es_cert_der(P.maker);
	es_der_writer_init(&w, &info);
	es_der_begin(&w, ES_DER_SEQUENCE);
	es_der_begin(&w, ES_DER_SEQUENCE);
	es_der_put_ia5(&w, "ES", 2);
	es_der_put_uint(&w, 5);
	es_der_put_ia5(&w, "TEST", 4);
	es_der_end(&w);
	es_der_put_ia5(&w, FX_ESID, 14);
	es_der_begin(&w, ES_DER_SEQUENCE);
	es_der_put_uint(&w, 1);
	es_der_put_utf8(&w, "v5", 2);
	es_der_put_uint(&w, 1);
	es_der_begin(&w, ES_DER_SEQUENCE);
	es_der_put_octets(&w, signer.ptr, signer.len);
	es_der_end(&w);
	es_der_put_gentime(&w, create);
	es_der_put_gentime(&w, es_cert_not_before(P.signer));
	es_der_put_gentime(&w, es_cert_not_after(P.signer));
	es_der_end(&w);
	es_der_begin(&w, ES_DER_SEQUENCE);
	es_der_put_ia5(&w, "PNG", 3);
	es_der_put_octets(&w, fx_png, sizeof(fx_png));
	es_der_put_uint(&w, 42);
	es_der_put_uint(&w, 42);
	es_der_end(&w);
	es_der_end(&w);
	TU_OK(es_der_writer_finish(&w));
	TU_OK(es_sm2_sign(&sig, P.maker_key, NULL, 0, info.ptr, info.len));
	TU_OK(es_tst_create(&tok, P.tsa, P.tsa_key, sig.ptr, sig.len, 0, NULL));
	es_der_writer_init(&w, out);
	es_der_begin(&w, ES_DER_SEQUENCE);
	es_der_put_raw(&w, info.ptr, info.len);
	es_der_put_octets(&w, maker.ptr, maker.len);
	es_der_put_oid(&w, ES_OID_SM2_SM3);
	es_der_put_bits(&w, sig.ptr, sig.len);
	if (stamp) {
		es_der_begin(&w, ES_DER_CONTEXT(0));
		es_der_put_bits(&w, tok.ptr, tok.len);
		es_der_end(&w);
	}
	es_der_end(&w);
	TU_OK(es_der_writer_finish(&w));
	es_buf_release(&info);
	es_buf_release(&sig);
	es_buf_release(&tok);
}

static void test_verify__v5_seal_with_time_stamp(void **state)
{
	es_buf der = ES_BUF_INIT;
	es_report r;
	es_verify_options vo = ES_VERIFY_OPTIONS_INIT;
	(void)state;
	vo.trust = P.trust;
	build_v5(&der, P.now - 60, true);
	es_report_init(&r);
	TU_OK(es_verify_file(&r, der.ptr, der.len, &vo));
	assert_int_equal(r.sigs[0].seal_version, 5);
	expect(&r, "seal-signature", ES_RESULT_PASS);
	expect(&r, "seal-timestamp", ES_RESULT_PASS);
	expect(&r, "format", ES_RESULT_PASS);
	es_report_release(&r);
	es_buf_release(&der);

	/* a createDate after the time stamp fails */
	build_v5(&der, P.now + 3600, true);
	es_report_init(&r);
	TU_OK(es_verify_file(&r, der.ptr, der.len, &vo));
	expect(&r, "seal-timestamp", ES_RESULT_FAIL);
	es_report_release(&r);
	es_buf_release(&der);

	/* header version 5 without the time stamp still reads as v5 */
	build_v5(&der, P.now - 60, false);
	es_report_init(&r);
	TU_OK(es_verify_file(&r, der.ptr, der.len, &vo));
	assert_int_equal(r.sigs[0].seal_version, 5);
	assert_null(es_sig_report_get(&r.sigs[0], "seal-timestamp"));
	es_report_release(&r);
	es_buf_release(&der);
}

/* One signer, many documents: the kept SM3 state follows the TBS length. */
static void test_sign__signer_reuse(void **state)
{
	es_buf der = ES_BUF_INIT;
	es_seal *seal = NULL;
	es_ses_signer *sg = NULL;
	static const char *const props[] = { "a.txt", "b.txt", "a-much-longer-protection-scope.txt", "c.txt",
					     "/Doc_0/Signs/Sign_0/Signature.xml" };
	(void)state;
	fx_make_seal(&der, &P, 1);
	TU_OK(es_seal_parse(&seal, der.ptr, der.len));
	TU_OK(es_ses_signer_new(&sg, seal, P.signer, P.signer_key));
	for (size_t i = 0; i < ES_ARRAY_LEN(props); i++) {
		es_buf sig = ES_BUF_INIT;
		es_sign_options so = ES_SIGN_OPTIONS_INIT;
		es_verify_options vo = ES_VERIFY_OPTIONS_INIT;
		es_report r;
		char doc[32];
		snprintf(doc, sizeof(doc), "document %zu", i);
		so.data = (const uint8_t *)doc;
		so.data_len = strlen(doc);
		so.property_info = props[i];
		TU_OK(es_ses_signer_sign(sg, &sig, &so));
		vo.trust = P.trust;
		vo.original = so.data;
		vo.original_len = so.data_len;
		vo.has_original = true;
		es_report_init(&r);
		TU_OK(es_verify_file(&r, sig.ptr, sig.len, &vo));
		expect(&r, "signature", ES_RESULT_PASS);
		expect(&r, "data-hash", ES_RESULT_PASS);
		es_report_release(&r);
		es_buf_release(&sig);
	}
	es_ses_signer_free(sg);
	es_seal_free(seal);
	es_buf_release(&der);
}

/* A key held elsewhere (a token): the callback signs e; raw r‖s or DER. */
typedef struct token {
	es_sm2_key *key;
	bool raw;
	int calls;
} token;

static int token_sign(es_buf *sig, const uint8_t e[32], void *payload)
{
	token *t = payload;
	es_buf der = ES_BUF_INIT;
	uint8_t raw[64];
	int err;
	t->calls++;
	if ((err = es_sm2_sign_digest(&der, t->key, e)) < 0)
		return err;
	if (t->raw) {
		err = es_sm2_sig_der_to_raw(raw, der.ptr, der.len);
		if (err == 0)
			err = es_buf_put(sig, raw, 64);
	} else {
		err = es_buf_put(sig, der.ptr, der.len);
	}
	es_buf_release(&der);
	return err;
}

static void test_sign__external_key(void **state)
{
	es_buf der = ES_BUF_INIT;
	es_seal *seal = NULL;
	(void)state;
	fx_make_seal(&der, &P, 1);
	TU_OK(es_seal_parse(&seal, der.ptr, der.len));
	for (int raw = 0; raw < 2; raw++) {
		token t = { P.signer_key, raw != 0, 0 };
		es_ses_signer *sg = NULL;
		es_buf sig = ES_BUF_INIT;
		es_sign_options so = ES_SIGN_OPTIONS_INIT;
		es_verify_options vo = ES_VERIFY_OPTIONS_INIT;
		es_ses_sig *parsed = NULL;
		es_report r;
		so.data = (const uint8_t *)"token";
		so.data_len = 5;
		TU_OK(es_ses_signer_new_external(&sg, seal, P.signer, token_sign, &t));
		TU_OK(es_ses_signer_sign(sg, &sig, &so));
		assert_int_equal(t.calls, 1);
		/* always DER in what we write, whatever the token returned */
		TU_OK(es_ses_sig_parse(&parsed, sig.ptr, sig.len));
		assert_int_not_equal(es_ses_sig_fields_get(parsed)->signature.len, 64);
		es_ses_sig_free(parsed);
		vo.trust = P.trust;
		vo.original = so.data;
		vo.original_len = so.data_len;
		vo.has_original = true;
		es_report_init(&r);
		TU_OK(es_verify_file(&r, sig.ptr, sig.len, &vo));
		expect(&r, "signature", ES_RESULT_PASS);
		es_report_release(&r);
		es_buf_release(&sig);
		es_ses_signer_free(sg);
	}
	/* a token holding another key is refused, nothing is written */
	{
		token t = { P.maker_key, false, 0 };
		es_ses_signer *sg = NULL;
		es_buf sig = ES_BUF_INIT;
		es_sign_options so = ES_SIGN_OPTIONS_INIT;
		so.data = (const uint8_t *)"token";
		so.data_len = 5;
		TU_OK(es_ses_signer_new_external(&sg, seal, P.signer, token_sign, &t));
		assert_int_equal(es_ses_signer_sign(sg, &sig, &so), ES_EVERIFY);
		assert_int_equal(sig.len, 0);
		es_buf_release(&sig);
		es_ses_signer_free(sg);
	}
	/* a certificate not in the seal's certList is refused up front */
	{
		token t = { P.maker_key, false, 0 };
		es_ses_signer *sg = NULL;
		assert_int_equal(es_ses_signer_new_external(&sg, seal, P.maker, token_sign, &t), ES_EDENIED);
		assert_null(sg);
	}
	es_seal_free(seal);
	es_buf_release(&der);
}

/* The trust store's certificate cache: the same bytes give the same shared object. */
static void test_trust__certificate_cache(void **state)
{
	es_cert *a = NULL, *b = NULL, *c = NULL, *d = NULL;
	es_bytes s = es_cert_der(P.signer), m = es_cert_der(P.maker);
	uint8_t *bad;
	(void)state;
	TU_OK(es_trust_cert_from_der(P.trust, &a, s.ptr, s.len));
	TU_OK(es_trust_cert_from_der(P.trust, &b, s.ptr, s.len));
	assert_ptr_equal(a, b);
	TU_OK(es_trust_cert_from_der(P.trust, &c, m.ptr, m.len));
	assert_ptr_not_equal(a, c);
	TU_OK(es_trust_cert_from_der(NULL, &d, s.ptr, s.len)); /* no store: a fresh parse */
	assert_ptr_not_equal(a, d);
	assert_memory_equal(es_cert_der(d).ptr, s.ptr, s.len);
	/* a changed byte is another certificate (or none), never the cached one */
	bad = es_malloc(s.len);
	memcpy(bad, s.ptr, s.len);
	bad[s.len - 5] ^= 1;
	{
		es_cert *e = NULL;
		if (es_trust_cert_from_der(P.trust, &e, bad, s.len) == 0)
			assert_ptr_not_equal(e, a);
		es_cert_free(e);
	}
	es_free(bad);
	es_cert_free(a);
	es_cert_free(b);
	es_cert_free(c);
	es_cert_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_make__fields_round_trip),
		cmocka_unit_test(test_make__refuses_what_the_rules_forbid),
		cmocka_unit_test(test_sign__valid_with_trust_and_timestamp),
		cmocka_unit_test(test_sign__refusals),
		cmocka_unit_test(test_sign__cert_digest_list),
		cmocka_unit_test(test_sign__signer_reuse),
		cmocka_unit_test(test_sign__external_key),
		cmocka_unit_test(test_trust__certificate_cache),
		cmocka_unit_test(test_verify__revoked_seal_is_void),
		cmocka_unit_test(test_verify__signed_status_list),
		cmocka_unit_test(test_verify__revoked_signer_certificate),
		cmocka_unit_test(test_verify__bit_flips_never_valid),
		cmocka_unit_test(test_interop__openssl_verifies_our_signatures),
		cmocka_unit_test(test_verify__v5_seal_with_time_stamp),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
