/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Making seals (GB/T 38540 §6.2, STANDARDS.md §1.7) and signing with them
 * (§7.2, §1.8). Output is canonical DER v4 only (STANDARDS.md §9).
 */
#include "es_int.h"
#include "gb2260.h"
#include "seal/seal_int.h"
#include "estime.h"

static const struct {
	const char *name;
	int kind;
} kinds[] = {
	{ "official", ES_KIND_OFFICIAL }, { "special", ES_KIND_SPECIAL }, { "position", ES_KIND_POSITION },
	{ "personal", ES_KIND_PERSONAL }, { "device", ES_KIND_DEVICE },
};

static const struct {
	const char *name;
	int function;
	uint64_t type;
} functions[] = {
	{ "none", ES_FUNC_NONE, 0 },          { "contract", ES_FUNC_CONTRACT, 4 },
	{ "finance", ES_FUNC_FINANCE, 2 },    { "invoice", ES_FUNC_INVOICE, 3 },
	{ "certificate", ES_FUNC_CERTIFICATE, 99 }, { "letter", ES_FUNC_LETTER, 99 },
	{ "audit", ES_FUNC_AUDIT, 99 },       { "customs", ES_FUNC_CUSTOMS, 99 },
};

int es_seal_kind_from_name(const char *name)
{
	for (size_t i = 0; i < ES_ARRAY_LEN(kinds); i++)
		if (strcmp(kinds[i].name, name) == 0)
			return kinds[i].kind;
	return -1;
}

const char *es_seal_kind_name(int kind)
{
	for (size_t i = 0; i < ES_ARRAY_LEN(kinds); i++)
		if (kinds[i].kind == kind)
			return kinds[i].name;
	return "unknown";
}

int es_seal_function_from_name(const char *name)
{
	for (size_t i = 0; i < ES_ARRAY_LEN(functions); i++)
		if (strcmp(functions[i].name, name) == 0)
			return functions[i].function;
	return -1;
}

const char *es_seal_function_name(int function)
{
	for (size_t i = 0; i < ES_ARRAY_LEN(functions); i++)
		if (functions[i].function == function)
			return functions[i].name;
	return "unknown";
}

/*
 * SES_ESPropertyInfo.type is "user-defined" in GB/T 38540; we follow the
 * public-security seal-type codes (01 公章, 02 财务, 03 发票, 04 合同,
 * 05 法人章, 99 其他) and use 20/30 for personal and device seals
 * (docs/seal-types.md).
 */
uint64_t es_seal_type_code(int kind, int function)
{
	switch (kind) {
	case ES_KIND_OFFICIAL: return 1;
	case ES_KIND_POSITION: return 5;
	case ES_KIND_PERSONAL: return 20;
	case ES_KIND_DEVICE: return 30;
	case ES_KIND_SPECIAL:
		for (size_t i = 1; i < ES_ARRAY_LEN(functions); i++)
			if (functions[i].function == function)
				return functions[i].type;
		return 99;
	default: return 99;
	}
}

int es_esid_check(const char *esid)
{
	bool known = false;

	if (!esid || strlen(esid) != 14)
		return es_error_set(ES_EINVAL, "esID must be 14 digits (6-digit region code + 8-digit sequence)");
	for (int i = 0; i < 14; i++)
		if (esid[i] < '0' || esid[i] > '9')
			return es_error_set(ES_EINVAL, "esID '%s' must be 14 digits", esid);
	/* the province list of src/seal/gb2260.h; 83 is a residence-permit region, not a PSB organ's */
	for (size_t i = 0; i < ES_ARRAY_LEN(es_gb2260_provinces); i++)
		known |= memcmp(es_gb2260_provinces[i].code, esid, 2) == 0 && memcmp(esid, "83", 2) != 0;
	if (!known)
		return es_error_set(ES_EINVAL, "esID '%s' does not start with a GB/T 2260 province code", esid);
	if (memcmp(esid + 6, "00000000", 8) == 0)
		return es_error_set(ES_EINVAL, "esID '%s' has sequence 00000000", esid);
	return 0;
}

static bool same_key(const es_sm2_key *a, const es_sm2_key *b)
{
	uint8_t pa[65], pb[65];
	return es_sm2_key_point(pa, a) == 0 && es_sm2_key_point(pb, b) == 0 && memcmp(pa, pb, 65) == 0;
}

static int check_usage(const es_cert *c, const char *role)
{
	int ku = es_cert_key_usage(c);
	if (ku >= 0 && !(ku & (ES_KU_DIGITAL_SIGNATURE | ES_KU_NON_REPUDIATION)))
		return es_error_set(ES_EDENIED, "%s certificate key usage allows neither digitalSignature nor nonRepudiation",
				    role);
	return 0;
}

static int check_valid_at(const es_cert *c, es_time t, const char *role)
{
	char a[32], b[32], n[32];
	if (t >= es_cert_not_before(c) && t <= es_cert_not_after(c))
		return 0;
	es_time_iso(a, es_cert_not_before(c));
	es_time_iso(b, es_cert_not_after(c));
	es_time_iso(n, t);
	return es_error_set(ES_EEXPIRED, "%s certificate is not valid at %s (valid %s .. %s)", role, n, a, b);
}

static int check_chain(const es_trust *trust, const es_cert *c, es_time at, const char *role)
{
	es_path_result pr;
	int err;
	if (!trust)
		return 0;
	if ((err = es_trust_verify(&pr, trust, c, NULL, 0, at, ES_KU_DIGITAL_SIGNATURE | ES_KU_NON_REPUDIATION)) < 0)
		return err;
	if (pr.status != ES_PATH_OK)
		return es_error_set(pr.status == ES_PATH_REVOKED ? ES_EREVOKED
				    : pr.status == ES_PATH_EXPIRED || pr.status == ES_PATH_NOT_YET_VALID ? ES_EEXPIRED
									: ES_EVERIFY,
				    "%s certificate: %s", role, pr.reason);
	return 0;
}

static bool picture_type_ok(const char *t)
{
	static const char *const ok[] = { "PNG", "SVG", "GIF", "JPG", "BMP", "OFD" };
	for (size_t i = 0; i < ES_ARRAY_LEN(ok); i++)
		if (strcmp(t, ok[i]) == 0)
			return true;
	return false;
}

int es_seal_make(es_buf *out, const es_seal_make_options *opt, const es_cert *maker_cert,
		 const es_sm2_key *maker_key, const es_trust *trust)
{
	es_buf info = ES_BUF_INIT, sig = ES_BUF_INIT;
	es_der_writer w;
	es_time now = es_time_now(), vs = INT64_MIN, ve = INT64_MAX;
	const es_sm2_key *maker_pub = NULL;
	const char *vid;
	int err;

	ES_ASSERT_ARG(out && opt && maker_cert && maker_key);
	if (opt->version != ES_SEAL_MAKE_OPTIONS_VERSION)
		return es_error_set(ES_EINVAL, "seal: unknown options version %u", opt->version);
	if ((err = es_esid_check(opt->esid)) < 0)
		return err;
	if (opt->kind < ES_KIND_OFFICIAL || opt->kind > ES_KIND_DEVICE)
		return es_error_set(ES_EINVAL, "seal: unknown seal kind %d", opt->kind);
	if (opt->kind == ES_KIND_SPECIAL && (opt->function <= ES_FUNC_NONE || opt->function > ES_FUNC_CUSTOMS))
		return es_error_set(ES_EINVAL,
				    "seal: a special-purpose seal needs its function (contract, finance, invoice, certificate, letter, audit, customs)");
	if (opt->kind != ES_KIND_SPECIAL && opt->function != ES_FUNC_NONE)
		return es_error_set(ES_EINVAL, "seal: only special-purpose seals have a function");
	if (!opt->name || !opt->name[0] || strlen(opt->name) > 200 ||
	    !es_der_is_utf8((const uint8_t *)opt->name, strlen(opt->name)))
		return es_error_set(ES_EINVAL, "seal: the name must be 1-200 bytes of UTF-8");
	vid = opt->vid ? opt->vid : "ESEAL";
	if (!vid[0] || strlen(vid) > 64 || !es_der_is_ia5((const uint8_t *)vid, strlen(vid)))
		return es_error_set(ES_EINVAL, "seal: vendor id must be 1-64 ASCII characters");
	if (!opt->picture || opt->picture_len == 0 || !opt->picture_type || !picture_type_ok(opt->picture_type))
		return es_error_set(ES_EINVAL, "seal: a picture (PNG, SVG, GIF, JPG, BMP or OFD) is required");
	if (opt->picture_len > ES_MAX_SEAL_DER / 2)
		return es_error_set(ES_ELIMIT, "seal: picture of %zu bytes exceeds the limit of %zu", opt->picture_len,
				    ES_MAX_SEAL_DER / 2);
	if (opt->width_mm < 5 || opt->width_mm > 200 || opt->height_mm < 5 || opt->height_mm > 200)
		return es_error_set(ES_EINVAL, "seal: picture size must be 5-200 mm (got %ux%u)", opt->width_mm,
				    opt->height_mm);
	if (opt->nsigners == 0 || !opt->signers)
		return es_error_set(ES_EINVAL, "seal: at least one signer certificate is required");
	if (opt->nsigners > ES_SEAL_MAX_CERTS)
		return es_error_set(ES_ELIMIT, "seal: more than %d signer certificates", ES_SEAL_MAX_CERTS);
	if (opt->nsigners > 1 && (!opt->multi_cert_reason || !opt->multi_cert_reason[0]))
		return es_error_set(ES_EDENIED,
				    "seal: binding %zu certificates to one impression needs a stated reason (FG 二.2)",
				    opt->nsigners);
	if (opt->cert_list_type != 1 && opt->cert_list_type != 2)
		return es_error_set(ES_EINVAL, "seal: certListType must be 1 or 2");
	if (opt->nexts > ES_SEAL_MAX_EXTS)
		return es_error_set(ES_ELIMIT, "seal: more than %d extensions", ES_SEAL_MAX_EXTS);

	/* The maker checks its own certificate before signing (GM/T 0031-2025 step). */
	if ((err = es_cert_pubkey(&maker_pub, maker_cert)) < 0)
		return err;
	if (!same_key(maker_pub, maker_key))
		return es_error_set(ES_EINVAL, "seal: the maker key does not belong to the maker certificate");
	if ((err = check_valid_at(maker_cert, now, "maker")) < 0 || (err = check_usage(maker_cert, "maker")) < 0 ||
	    (err = check_chain(trust, maker_cert, now, "maker")) < 0)
		return err;

	/* Seal validity = the signer certificates' common validity (F§8, J§12, G§12). */
	for (size_t i = 0; i < opt->nsigners; i++) {
		const es_sm2_key *k;
		if (es_cert_pubkey(&k, opt->signers[i]) < 0)
			return es_error_set(ES_EINVAL, "seal: signer certificate %zu does not hold an SM2 key", i + 1);
		if ((err = check_usage(opt->signers[i], "signer")) < 0 ||
		    (err = check_chain(trust, opt->signers[i], now, "signer")) < 0)
			return err;
		if (es_cert_not_before(opt->signers[i]) > vs)
			vs = es_cert_not_before(opt->signers[i]);
		if (es_cert_not_after(opt->signers[i]) < ve)
			ve = es_cert_not_after(opt->signers[i]);
	}
	if (vs > ve)
		return es_error_set(ES_EINVAL, "seal: the signer certificates have no validity period in common");
	if (now > ve)
		return es_error_set(ES_EEXPIRED, "seal: the signer certificate has expired; a seal cannot outlive it");
	if ((opt->valid_start && opt->valid_start != vs) || (opt->valid_end && opt->valid_end != ve)) {
		char a[32], b[32];
		es_time_iso(a, vs);
		es_time_iso(b, ve);
		return es_error_set(ES_EINVAL,
				    "seal: validity must equal the signer certificate validity (%s .. %s)", a, b);
	}

	/* SES_SealInfo */
	es_buf_init(&info, ES_MAX_SEAL_DER);
	es_der_writer_init(&w, &info);
	es_der_begin(&w, ES_DER_SEQUENCE);
	es_der_begin(&w, ES_DER_SEQUENCE); /* SES_Header */
	es_der_put_ia5(&w, "ES", 2);
	es_der_put_uint(&w, 4);
	es_der_put_ia5(&w, vid, strlen(vid));
	es_der_end(&w);
	es_der_put_ia5(&w, opt->esid, strlen(opt->esid));
	es_der_begin(&w, ES_DER_SEQUENCE); /* SES_ESPropertyInfo */
	es_der_put_uint(&w, es_seal_type_code(opt->kind, opt->function));
	es_der_put_utf8(&w, opt->name, strlen(opt->name));
	es_der_put_uint(&w, (uint64_t)opt->cert_list_type);
	es_der_begin(&w, ES_DER_SEQUENCE);
	for (size_t i = 0; i < opt->nsigners; i++) {
		es_bytes c = es_cert_der(opt->signers[i]);
		if (opt->cert_list_type == 1) {
			es_der_put_octets(&w, c.ptr, c.len);
		} else {
			uint8_t h[32];
			if ((err = es_sm3(h, c.ptr, c.len)) < 0)
				goto done;
			es_der_begin(&w, ES_DER_SEQUENCE);
			es_der_put_tlv(&w, ES_DER_PRINTABLE_STRING, "SM3", 3);
			es_der_put_octets(&w, h, 32);
			es_der_end(&w);
		}
	}
	es_der_end(&w);
	es_der_put_gentime(&w, opt->create_date ? opt->create_date : now);
	es_der_put_gentime(&w, vs);
	es_der_put_gentime(&w, ve);
	es_der_end(&w);
	es_der_begin(&w, ES_DER_SEQUENCE); /* SES_ESPictrueInfo */
	es_der_put_ia5(&w, opt->picture_type, strlen(opt->picture_type));
	es_der_put_octets(&w, opt->picture, opt->picture_len);
	es_der_put_uint(&w, opt->width_mm);
	es_der_put_uint(&w, opt->height_mm);
	es_der_end(&w);
	if (opt->nexts)
		es_seal__put_exts(&w, opt->exts, opt->nexts);
	es_der_end(&w);
	if ((err = es_der_writer_finish(&w)) < 0)
		goto done;

	/* signedValue = SM2(maker, DER(SES_SealInfo)) */
	if ((err = es_sm2_sign(&sig, maker_key, NULL, 0, info.ptr, info.len)) < 0)
		goto done;

	es_der_writer_init(&w, out);
	es_der_begin(&w, ES_DER_SEQUENCE);
	es_der_put_raw(&w, info.ptr, info.len);
	{
		es_bytes mc = es_cert_der(maker_cert);
		es_der_put_octets(&w, mc.ptr, mc.len);
	}
	es_der_put_oid(&w, ES_OID_SM2_SM3);
	es_der_put_bits(&w, sig.ptr, sig.len);
	es_der_end(&w);
	err = es_der_writer_finish(&w);
done:
	es_buf_release(&info);
	es_buf_release(&sig);
	return err;
}

static int signer_listed(const es_seal_fields *f, const es_cert *cert)
{
	es_bytes der = es_cert_der(cert);
	uint8_t h[32];
	int err;
	if (f->cert_list_type == 1) {
		for (size_t i = 0; i < f->ncerts; i++)
			if (f->certs[i].len == der.len && memcmp(f->certs[i].ptr, der.ptr, der.len) == 0)
				return 0;
	} else {
		if ((err = es_sm3(h, der.ptr, der.len)) < 0)
			return err;
		for (size_t i = 0; i < f->ndigests; i++)
			if (f->digests[i].value.len == 32 && memcmp(f->digests[i].value.ptr, h, 32) == 0)
				return 0;
	}
	return es_error_set(ES_EDENIED,
			    "signer certificate is not in the seal's certList; the seal must be re-made for this certificate");
}

/*
 * A signer keeps what repeats between signatures with one seal: the checks
 * of the seal, certificate and key, the signer's Z, and the SM3 state after
 * Z ‖ the start of TBS_Sign up to and including the embedded seal, which
 * is the bulk of TBS_Sign (the picture). Only the few bytes after it are
 * hashed per signature. The state depends on TBS_Sign's outer length, so
 * it is kept for the last length used (propertyInfo of constant length
 * keeps it valid across documents).
 */
struct es_ses_signer {
	const es_seal *seal;
	es_cert *cert;
	es_sm2_key *key;
	es_sm2_signer *sm2;
	es_sm3_ctx *prefix;  /* SM3 over Z ‖ TBS header ‖ version ‖ seal */
	es_sm3_ctx *work;
	size_t prefix_for;   /* the TBS content length the prefix was made for; 0: none */
	uint8_t z[32];
	es_sign_digest_fn external; /* the key is elsewhere (token); then sm2 and key are NULL */
	void *payload;
};

void es_ses_signer_free(es_ses_signer *s)
{
	if (!s)
		return;
	es_cert_free(s->cert);
	es_sm2_key_free(s->key);
	es_sm2_signer_free(s->sm2);
	es_sm3_free(s->prefix);
	es_sm3_free(s->work);
	es_free(s);
}

int es_ses_signer_new(es_ses_signer **out, const es_seal *seal, const es_cert *signer_cert,
		      const es_sm2_key *signer_key)
{
	const es_seal_fields *f;
	const es_sm2_key *pub = NULL;
	es_ses_signer *s;
	int err;

	ES_ASSERT_ARG(out && seal && signer_cert && signer_key);
	*out = NULL;
	f = es_seal_fields_get(seal);
	if (f->version != 4)
		return es_error_set(ES_ENOTSUPPORTED, "sign: only v4 (GB/T 38540-2020) seals are used for signing; this one is v%d",
				    f->version);
	if ((err = es_cert_pubkey(&pub, signer_cert)) < 0)
		return err;
	if (!same_key(pub, signer_key))
		return es_error_set(ES_EINVAL, "sign: the signer key does not belong to the signer certificate");
	if ((err = signer_listed(f, signer_cert)) < 0 || (err = check_usage(signer_cert, "signer")) < 0)
		return err;
	s = es_calloc(1, sizeof(*s));
	if (!s)
		return es_error_set(ES_ENOMEM, "out of memory");
	s->seal = seal;
	/* references: the caller's objects may be freed while the signer lives */
	s->cert = es_cert_ref((es_cert *)signer_cert);
	s->key = es_sm2_key_ref((es_sm2_key *)signer_key);
	if ((err = es_sm2_signer_new(&s->sm2, s->key, NULL, 0)) < 0 || (err = es_sm3_new(&s->prefix)) < 0 ||
	    (err = es_sm3_new(&s->work)) < 0) {
		es_ses_signer_free(s);
		return err;
	}
	memcpy(s->z, es_sm2_signer_z(s->sm2), 32);
	*out = s;
	return 0;
}

int es_ses_signer_new_external(es_ses_signer **out, const es_seal *seal, const es_cert *signer_cert,
			       es_sign_digest_fn fn, void *payload)
{
	const es_seal_fields *f;
	const es_sm2_key *pub = NULL;
	es_ses_signer *s;
	int err;

	ES_ASSERT_ARG(out && seal && signer_cert && fn);
	*out = NULL;
	f = es_seal_fields_get(seal);
	if (f->version != 4)
		return es_error_set(ES_ENOTSUPPORTED, "sign: only v4 (GB/T 38540-2020) seals are used for signing; this one is v%d",
				    f->version);
	if ((err = es_cert_pubkey(&pub, signer_cert)) < 0 || (err = signer_listed(f, signer_cert)) < 0 ||
	    (err = check_usage(signer_cert, "signer")) < 0)
		return err;
	s = es_calloc(1, sizeof(*s));
	if (!s)
		return es_error_set(ES_ENOMEM, "out of memory");
	s->seal = seal;
	s->cert = es_cert_ref((es_cert *)signer_cert);
	s->external = fn;
	s->payload = payload;
	if ((err = es_sm2_z(s->z, pub, NULL, 0)) < 0 || (err = es_sm3_new(&s->prefix)) < 0 ||
	    (err = es_sm3_new(&s->work)) < 0) {
		es_ses_signer_free(s);
		return err;
	}
	*out = s;
	return 0;
}

/* e signed by the token, checked against the certificate, as DER. */
static int sign_external(es_ses_signer *s, es_buf *sig, const uint8_t e[32])
{
	es_buf raw = ES_BUF_INIT;
	const es_sm2_key *pub = NULL;
	int err;

	if ((err = s->external(&raw, e, s->payload)) < 0)
		goto done;
	if ((err = es_cert_pubkey(&pub, s->cert)) < 0)
		goto done;
	if (es_sm2_verify_digest(pub, e, raw.ptr, raw.len) != 0) {
		err = es_error_set(ES_EVERIFY,
				   "sign: the key store's signature does not verify with the signer certificate (wrong key in the token?)");
		goto done;
	}
	err = raw.len == 64 ? es_sm2_sig_raw_to_der(sig, raw.ptr) : es_buf_put(sig, raw.ptr, raw.len);
done:
	es_buf_release(&raw);
	return err;
}

int es_ses_signer_sign(es_ses_signer *s, es_buf *out, const es_sign_options *opt)
{
	static const uint8_t version4[3] = { ES_DER_INTEGER, 1, 4 };
	const es_seal_fields *f;
	es_buf tail = ES_BUF_INIT, sig = ES_BUF_INIT, token = ES_BUF_INIT;
	es_der_writer w;
	uint8_t hash[32], e[32], hdr[6];
	size_t hdr_len, content;
	const char *prop;
	es_time t;
	int err;

	ES_ASSERT_ARG(s && out && opt);
	if (opt->version != ES_SIGN_OPTIONS_VERSION)
		return es_error_set(ES_EINVAL, "sign: unknown options version %u", opt->version);
	f = es_seal_fields_get(s->seal);
	if (!opt->data && !opt->data_hash)
		return es_error_set(ES_EINVAL, "sign: nothing to sign (data or data_hash)");
	prop = opt->property_info ? opt->property_info : "data";
	if (!prop[0] || strlen(prop) > 1024 || !es_der_is_ia5((const uint8_t *)prop, strlen(prop)))
		return es_error_set(ES_EINVAL, "sign: propertyInfo must be 1-1024 ASCII characters");
	t = opt->time ? opt->time : es_time_now();
	if ((err = check_valid_at(s->cert, t, "signer")) < 0 || (err = check_chain(opt->trust, s->cert, t, "signer")) < 0)
		return err;
	if (t < f->valid_start || t > f->valid_end) {
		char a[32], b[32];
		es_time_iso(a, f->valid_start);
		es_time_iso(b, f->valid_end);
		return es_error_set(ES_EEXPIRED, "sign: the seal is not valid now (valid %s .. %s)", a, b);
	}
	if (opt->data) {
		if ((err = es_sm3(hash, opt->data, opt->data_len)) < 0)
			return err;
	} else {
		memcpy(hash, opt->data_hash, 32);
	}

	/* TBS_Sign ::= SEQUENCE { version, eseal, timeInfo, dataHash, propertyInfo } */
	es_der_writer_init(&w, &tail);
	es_der_put_gentime(&w, t);
	es_der_put_bits(&w, hash, 32);
	es_der_put_ia5(&w, prop, strlen(prop));
	if ((err = es_der_writer_finish(&w)) < 0)
		goto done;
	content = sizeof(version4) + f->der.len + tail.len;
	hdr_len = es_der_header(hdr, ES_DER_SEQUENCE, content);
	if (s->prefix_for != content) {
		s->prefix_for = 0;
		if ((err = es_sm3_final(s->prefix, e)) < 0 || /* resets */
		    (err = es_sm3_update(s->prefix, s->z, 32)) < 0 ||
		    (err = es_sm3_update(s->prefix, hdr, hdr_len)) < 0 ||
		    (err = es_sm3_update(s->prefix, version4, sizeof(version4))) < 0 ||
		    (err = es_sm3_update(s->prefix, f->der.ptr, f->der.len)) < 0)
			goto done;
		s->prefix_for = content;
	}
	/* e = SM3(Z ‖ TBS_Sign), continuing from the kept state */
	if ((err = es_sm3_copy(s->work, s->prefix)) < 0 || (err = es_sm3_update(s->work, tail.ptr, tail.len)) < 0 ||
	    (err = es_sm3_final(s->work, e)) < 0 ||
	    (err = s->external ? sign_external(s, &sig, e) : es_sm2_signer_sign_digest(s->sm2, &sig, e)) < 0)
		goto done;
	if (opt->tsa_cert && opt->tsa_key &&
	    (err = es_tst_create(&token, opt->tsa_cert, opt->tsa_key, sig.ptr, sig.len, 0, NULL)) < 0)
		goto done;

	/* SES_Signature ::= SEQUENCE { toSign, cert, signatureAlgID, signature, timeStamp [0] } */
	es_der_writer_init(&w, out);
	es_der_begin(&w, ES_DER_SEQUENCE);
	es_der_put_raw(&w, hdr, hdr_len);
	es_der_put_raw(&w, version4, sizeof(version4));
	es_der_put_raw(&w, f->der.ptr, f->der.len);
	es_der_put_raw(&w, tail.ptr, tail.len);
	{
		es_bytes c = es_cert_der(s->cert);
		es_der_put_octets(&w, c.ptr, c.len);
	}
	es_der_put_oid(&w, ES_OID_SM2_SM3);
	es_der_put_bits(&w, sig.ptr, sig.len);
	if (token.len) {
		es_der_begin(&w, ES_DER_CONTEXT(0));
		es_der_put_bits(&w, token.ptr, token.len);
		es_der_end(&w);
	}
	es_der_end(&w);
	err = es_der_writer_finish(&w);
done:
	if (err < 0)
		s->prefix_for = 0; /* the kept state may be half-updated */
	es_buf_release(&tail);
	es_buf_release(&sig);
	es_buf_release(&token);
	return err;
}

int es_ses_sign(es_buf *out, const es_sign_options *opt, const es_seal *seal, const es_cert *signer_cert,
		const es_sm2_key *signer_key)
{
	es_ses_signer *s = NULL;
	int err;

	ES_ASSERT_ARG(out && opt && seal && signer_cert && signer_key);
	if (opt->version != ES_SIGN_OPTIONS_VERSION)
		return es_error_set(ES_EINVAL, "sign: unknown options version %u", opt->version);
	if ((err = es_ses_signer_new(&s, seal, signer_cert, signer_key)) < 0)
		return err;
	err = es_ses_signer_sign(s, out, opt);
	es_ses_signer_free(s);
	return err;
}
