/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Verification of seals and SES signatures, in the order of GB/T 38540
 * §6.3 (seal) and §7.3 (signature) as summarised in STANDARDS.md §1.9.
 * Every step is one named check in the report; nothing here decides a
 * verdict except es_report_finish().
 */
#include "es_int.h"
#include "seal/seal_int.h"
#include "seal/verify_int.h"
#include "estime.h"

static void copy_text(char *dst, size_t cap, es_bytes b)
{
	size_t n = b.len < cap - 1 ? b.len : cap - 1;
	memcpy(dst, b.ptr, n);
	dst[n] = '\0';
	/* never let a NUL or control byte from the input into a report */
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)dst[i] < 0x20)
			dst[i] = '?';
}

es_time es_verify__now(const es_verify_options *o)
{
	return o->now ? o->now : es_time_now();
}

static void subject_of(char *dst, size_t cap, const es_cert *c)
{
	es_buf b = ES_BUF_INIT;
	if (es_cert_subject(&b, c) == 0 && b.ptr)
		snprintf(dst, cap, "%s", (char *)b.ptr);
	else
		snprintf(dst, cap, "(unreadable subject)");
	es_buf_release(&b);
}

void es_verify__cert_check(es_sig_report *s, const char *name, const char *role, const es_cert *c,
			   const es_verify_options *o, es_time at, const char *at_what, bool time_known)
{
	char t_at[32], t_nb[32], t_na[32], note[200] = "";
	es_time nb = es_cert_not_before(c), na = es_cert_not_after(c), now = es_verify__now(o);
	es_path_result pr;
	int ku = es_cert_key_usage(c);

	es_time_iso(t_at, at);
	es_time_iso(t_nb, nb);
	es_time_iso(t_na, na);
	if (!time_known && at > na) {
		/* no time to judge by: an expired certificate is undecidable, not proof of forgery */
		es_sig_report_check(s, name, ES_RESULT_WARN, true,
				    "%s certificate expired at %s and the signature carries no signing time, so it cannot be told whether it was made while the certificate was valid",
				    role, t_na);
		return;
	}
	if (at < nb || at > na) {
		es_sig_report_check(s, name, ES_RESULT_FAIL, false,
				    "%s certificate was not valid at %s %s (valid %s .. %s)", role, at_what,
				    t_at, t_nb, t_na);
		return;
	}
	if (ku >= 0 && !(ku & (ES_KU_DIGITAL_SIGNATURE | ES_KU_NON_REPUDIATION))) {
		es_sig_report_check(s, name, ES_RESULT_FAIL, false,
				    "%s certificate key usage allows neither digitalSignature nor nonRepudiation",
				    role);
		return;
	}
	if (na < now)
		snprintf(note, sizeof(note), "; expired since %s, judged at %s %s", t_na, at_what, t_at);
	if (es_trust_verify(&pr, o->trust, c, o->certs, o->ncerts, at, 0) < 0) {
		es_sig_report_check(s, name, ES_RESULT_WARN, true, "%s certificate path not checked: %s",
				    role, es_error_last()->message);
		return;
	}
	switch (pr.status) {
	case ES_PATH_OK:
		if (pr.revocation_checked)
			es_sig_report_check(s, name, ES_RESULT_PASS, false,
					    "%s certificate chains to a trust anchor, valid and not revoked at %s %s%s",
					    role, at_what, t_at, note);
		else
			es_sig_report_check(s, name, ES_RESULT_WARN, false,
					    "%s certificate chains to a trust anchor and is valid at %s %s; revocation not checked (no CRL of its issuer in the trust store)%s",
					    role, at_what, t_at, note);
		break;
	case ES_PATH_NO_TRUST_STORE:
		es_sig_report_check(s, name, ES_RESULT_WARN, true,
				    "%s certificate not checked against any trust anchor: none configured (use --trust DIR)%s",
				    role, note);
		break;
	case ES_PATH_UNKNOWN_ISSUER:
	case ES_PATH_CRL_PROBLEM:
	case ES_PATH_OTHER:
		es_sig_report_check(s, name, ES_RESULT_WARN, true, "%s certificate: %s%s", role, pr.reason,
				    note);
		break;
	default:
		es_sig_report_check(s, name, ES_RESULT_FAIL, false, "%s certificate: %s", role, pr.reason);
		break;
	}
}

static bool is_sm2_sm3(es_bytes oid)
{
	return es_oid_equal(oid, ES_OID_SM2_SM3);
}

const char *es_verify__digest_name(es_bytes oid)
{
	if (es_oid_equal(oid, ES_OID_SM3))
		return "SM3";
	if (es_oid_equal(oid, "1.3.14.3.2.26"))
		return "SHA1";
	if (es_oid_equal(oid, "2.16.840.1.101.3.4.2.1"))
		return "SHA256";
	if (es_oid_equal(oid, "1.2.840.113549.2.5"))
		return "MD5";
	return NULL;
}

void es_verify__legacy(es_sig_report *s, const char *name, const char *what, const es_cert *c, es_bytes alg,
		       es_bytes digest_oid, const void *msg, size_t len, es_bytes sig, const es_verify_options *o)
{
	static const struct {
		const char *oid, *digest, *label;
	} algs[] = {
		{ "1.2.840.113549.1.1.5", "SHA1", "RSA with SHA-1" },
		{ "1.2.840.113549.1.1.11", "SHA256", "RSA with SHA-256" },
		{ "1.2.840.113549.1.1.4", "MD5", "RSA with MD5" },
		{ "1.2.840.10045.4.1", "SHA1", "ECDSA with SHA-1" },
		{ "1.2.840.10045.4.3.2", "SHA256", "ECDSA with SHA-256" },
	};
	const char *digest = NULL, *label = NULL, *cand[2] = { NULL, NULL };
	char oid[96] = "?", lab[64];
	bool bare_key = es_oid_equal(alg, "1.2.840.113549.1.1.1") || es_oid_equal(alg, "1.2.840.10045.2.1");
	int rc = ES_ENOTSUPPORTED;

	(void)es_oid_to_text(oid, sizeof(oid), alg);
	for (size_t i = 0; i < ES_ARRAY_LEN(algs); i++)
		if (es_oid_equal(alg, algs[i].oid)) {
			digest = algs[i].digest;
			label = algs[i].label;
		}
	if (!digest && bare_key) {
		/* rsaEncryption / ecPublicKey: the digest is named apart (CMS), or SHA-1 then SHA-256 (GM/T 0031 v1 RSA) */
		const char *d = digest_oid.len ? es_verify__digest_name(digest_oid) : NULL;
		cand[0] = d ? d : "SHA1";
		cand[1] = d ? NULL : "SHA256";
	} else {
		cand[0] = digest;
	}
	if (!cand[0] || !c || strcmp(es_cert_key_type(c), "SM2") == 0) {
		es_sig_report_check(s, name, ES_RESULT_SKIP, true, "%s: signature algorithm %s is not supported", what, oid);
		return;
	}
	s->quirks |= ES_QUIRK_LEGACY_ALGORITHM;
	for (size_t i = 0; i < 2 && cand[i] && rc != 0; i++) {
		rc = es_cert_verify_legacy(c, cand[i], msg, len, sig.ptr, sig.len);
		if (!label || bare_key)
			snprintf(lab, sizeof(lab), "%s with %s", es_cert_key_type(c), cand[i]);
		else
			snprintf(lab, sizeof(lab), "%s", label);
	}
	es_error_clear();
	if (rc == ES_ENOTSUPPORTED)
		es_sig_report_check(s, name, ES_RESULT_SKIP, true, "%s: %s (%s) cannot be checked with this certificate's key",
				    what, lab, oid);
	else if (rc != 0)
		es_sig_report_check(s, name, ES_RESULT_FAIL, false, "%s does not verify (%s, legacy algorithm)", what, lab);
	else if (o->policy == ES_POLICY_ANY)
		es_sig_report_check(s, name, ES_RESULT_WARN, false,
				    "%s verifies with %s (legacy algorithm 'legacy-algorithm', accepted by --policy any)", what, lab);
	else
		es_sig_report_check(s, name, ES_RESULT_WARN, true,
				    "%s verifies with %s, but the regulations require SM2 with SM3: at most indeterminate (--policy any judges it on its merits)",
				    what, lab);
}

/* Seal steps shared by bare seals and the seal inside a signature. */
static void seal_checks(es_sig_report *s, const es_seal *seal, const es_verify_options *o, es_time at,
			bool bare)
{
	const es_seal_fields *f = es_seal_fields_get(seal);
	es_cert *maker = NULL;
	const es_sm2_key *pub = NULL;
	char ts[32], te[32], ta[32];
	int err;

	s->seal_version = f->version;
	copy_text(s->esid, sizeof(s->esid), f->esid);
	copy_text(s->seal_name, sizeof(s->seal_name), f->name);
	copy_text(s->vid, sizeof(s->vid), f->vid);
	s->seal_type = f->type;
	s->seal_valid_start = f->valid_start;
	s->seal_valid_end = f->valid_end;
	s->quirks |= f->quirks;

	/* seal-signature: the maker's SM2 signature over SES_SealInfo (v4) or SEQ{...} (v1) */
	if (es_trust_cert_from_der(o->trust, &maker, f->maker_cert.ptr, f->maker_cert.len) < 0) {
		es_sig_report_check(s, "seal-signature", ES_RESULT_FAIL, false,
				    "maker certificate in the seal cannot be read: %s", es_error_last()->message);
	} else if (!is_sm2_sm3(f->sign_alg)) {
		es_bytes signed_part = f->version == 1 ? f->sign_data : f->seal_info, none = { NULL, 0 };
		es_verify__legacy(s, "seal-signature", "maker signature", maker, f->sign_alg, none, signed_part.ptr,
				  signed_part.len, f->signed_value, o);
	} else if ((err = es_cert_pubkey(&pub, maker)) < 0) {
		es_sig_report_check(s, "seal-signature", ES_RESULT_FAIL, false,
				    "maker certificate does not hold an SM2 key: %s", es_error_last()->message);
	} else {
		es_bytes signed_part = f->version == 1 ? f->sign_data : f->seal_info;
		err = es_sm2_verify(pub, NULL, 0, signed_part.ptr, signed_part.len, f->signed_value.ptr,
				    f->signed_value.len);
		if (err == 0)
			es_sig_report_check(s, "seal-signature", ES_RESULT_PASS, false,
					    "maker signature verifies over %s",
					    f->version == 1 ? "SEQUENCE{SES_SealInfo, cert, signatureAlgorithm} (GM/T 0031-2014)"
							    : "SES_SealInfo");
		else
			es_sig_report_check(s, "seal-signature", ES_RESULT_FAIL, false,
					    "maker signature invalid: it does not verify over %s with the maker certificate",
					    f->version == 1 ? "SEQUENCE{SES_SealInfo, cert, signatureAlgorithm}"
							    : "SES_SealInfo");
	}
	if (maker) {
		es_time nb = es_cert_not_before(maker), na = es_cert_not_after(maker);
		subject_of(s->maker, sizeof(s->maker), maker);
		if ((f->create_date < nb || f->create_date > na) && at >= nb && at <= na) {
			/*
			 * createDate is the maker's own claim; some makers write the
			 * application date. The seal existed when it was used, so judge
			 * the maker certificate then, and say so.
			 */
			const es_check *c;
			char cd[32], why[sizeof(c->reason)];
			es_time_iso(cd, f->create_date);
			es_verify__cert_check(s, "maker-chain", "maker", maker, o, at,
					      bare ? "the verification time" : "the signing time", !bare);
			c = es_sig_report_get(s, "maker-chain");
			snprintf(why, sizeof(why), "%s", c->reason);
			es_sig_report_check(s, "maker-chain", c->result == ES_RESULT_PASS ? ES_RESULT_WARN : c->result,
					    c->indeterminate,
					    "%s; the seal's createDate %s lies outside the maker certificate validity", why, cd);
		} else {
			es_verify__cert_check(s, "maker-chain", "maker", maker, o, f->create_date,
					      "the seal's createDate", true);
		}
	} else {
		es_sig_report_check(s, "maker-chain", ES_RESULT_FAIL, false, "no readable maker certificate");
	}
	es_cert_free(maker);

	/* GM/T 0031-2025: a v5 seal may carry a time stamp over its signature value */
	if (f->timestamp.len) {
		es_tst_info ti;
		char tg[32], cd[32];
		memset(&ti, 0, sizeof(ti));
		es_time_iso(cd, f->create_date);
		if (es_tst_verify_trust(&ti, o->trust, f->timestamp.ptr, f->timestamp.len, f->signed_value.ptr, f->signed_value.len) < 0) {
			es_sig_report_check(s, "seal-timestamp", ES_RESULT_FAIL, false,
					    "the seal's time stamp does not verify: %s",
					    ti.reason[0] ? ti.reason : es_error_last()->message);
		} else {
			es_time_iso(tg, ti.gen_time);
			if (f->create_date > ti.gen_time)
				es_sig_report_check(s, "seal-timestamp", ES_RESULT_FAIL, false,
						    "the seal's createDate %s is after its time stamp %s", cd, tg);
			else
				es_sig_report_check(s, "seal-timestamp", ES_RESULT_PASS, false,
						    "the seal's time stamp over the maker signature verifies (genTime %s, createDate %s)",
						    tg, cd);
		}
		es_tst_info_release(&ti);
	}

	/* seal-validity */
	es_time_iso(ts, f->valid_start);
	es_time_iso(te, f->valid_end);
	es_time_iso(ta, at);
	if (f->valid_start > f->valid_end) {
		es_sig_report_check(s, "seal-validity", ES_RESULT_FAIL, false,
				    "seal validity is empty: validStart %s is after validEnd %s", ts, te);
	} else if (at < f->valid_start) {
		es_sig_report_check(s, "seal-validity", ES_RESULT_FAIL, false, "%s %s is before the seal's validStart %s",
				    bare ? "now," : "signing time", ta, ts);
	} else if (at > f->valid_end) {
		if (bare)
			es_sig_report_check(s, "seal-validity", ES_RESULT_WARN, true,
					    "seal expired at %s (valid %s .. %s); it can no longer be used to sign", te,
					    ts, te);
		else
			es_sig_report_check(s, "seal-validity", ES_RESULT_FAIL, false,
					    "signing time %s is after the seal's validEnd %s", ta, te);
	} else {
		es_sig_report_check(s, "seal-validity", ES_RESULT_PASS, false, "%s %s lies within the seal validity %s .. %s",
				    bare ? "now," : "signing time", ta, ts, te);
	}

	/* unknown critical extensions make the seal unusable (X.509 rule, applied to ExtData) */
	for (size_t i = 0; i < f->nexts; i++) {
		if (f->exts[i].critical && !es_seal__ext_known(f->exts[i].oid)) {
			char oid[96] = "?";
			(void)es_oid_to_text(oid, sizeof(oid), f->exts[i].oid);
			es_sig_report_check(s, "format", ES_RESULT_FAIL, false,
					    "seal carries an unknown critical extension %s", oid);
		}
	}
}

/* Is the signing time proven by a time stamp whose authority is trusted? */
static bool time_proven(const es_sig_report *s)
{
	const es_check *c = es_sig_report_get(s, "timestamp");
	return strcmp(s->signing_time_source, "timestamp") == 0 && c && c->result == ES_RESULT_PASS;
}

/* The seal's status from the maker's signed list: false (check written) when the list cannot be believed. */
static bool status_from_list(es_sig_report *s, const es_seal *seal, const es_verify_options *o, es_status_info *st,
			     bool *listed)
{
	const es_seal_fields *f = es_seal_fields_get(seal);
	const es_status_list *l = o->status_list;
	const es_check *mc = es_sig_report_get(s, "maker-chain");
	es_cert *maker = NULL;
	char why[300], g[32], nu[32];
	es_time now = es_verify__now(o), gen = es_status_list_generated(l), next = es_status_list_next_update(l);
	bool ok = false;

	es_time_iso(g, gen);
	es_time_iso(nu, next);
	if (es_cert_from_der(&maker, f->maker_cert.ptr, f->maker_cert.len) < 0) {
		es_sig_report_check(s, "seal-status", ES_RESULT_WARN, true,
				    "no readable maker certificate to check the status list's signature with");
		goto done;
	}
	if (es_status_list__accept(l, maker, why, sizeof(why)) < 0) {
		es_sig_report_check(s, "seal-status", ES_RESULT_WARN, true, "status of seal '%s' unknown: %s", s->esid,
				    why);
		goto done;
	}
	if (!mc || mc->result != ES_RESULT_PASS) {
		es_sig_report_check(s, "seal-status", ES_RESULT_WARN, true,
				    "status of seal '%s' unknown: the status list is signed by the seal's maker, but the maker certificate is not trusted (see maker-chain)",
				    s->esid);
		goto done;
	}
	if (next && now > next) {
		es_sig_report_check(s, "seal-status", ES_RESULT_WARN, true,
				    "status of seal '%s' unknown: the status list generated %s is stale, its next update was due %s (%lld day%s ago)",
				    s->esid, g, nu, (long long)((now - next) / 86400),
				    (now - next) / 86400 == 1 ? "" : "s");
		goto done;
	}
	if (!next)
		es_sig_report_notice(s, "the status list (generated %s) states no next update, so its freshness cannot be judged",
				     g);
	es_status_list__lookup(l, s->esid, st, listed);
	ok = true;
done:
	es_cert_free(maker);
	return ok;
}

/*
 * seal-status (R5; G§16): a seal revoked, lost or suspended before the
 * signing time voids the signature; after a signing time that a trusted
 * time stamp proves, the signature stands and the seal is void for new
 * documents; after a time only the signer asserts, it cannot be told.
 */
static void status_check(es_sig_report *s, const es_seal *seal, const es_verify_options *o, es_time at, bool bare)
{
	es_status_info st;
	char since[32], t_at[32], src[64] = "";
	bool listed = true, proven = !bare && time_proven(s);
	const char *what;

	memset(&st, 0, sizeof(st));
	if (o->status) {
		if (o->status(&st, s->esid, o->status_payload) < 0) {
			es_sig_report_check(s, "seal-status", ES_RESULT_WARN, true, "seal status source failed: %s",
					    es_error_last()->message);
			return;
		}
		/* the history, when the source keeps one: void at the signing time is void */
		es_status_info then;
		memset(&then, 0, sizeof(then));
		if (!bare && o->status_at && at && o->status_at(&then, s->esid, at, o->status_payload) == 0 &&
		    then.status != ES_STATUS_ACTIVE && then.status != ES_STATUS_UNKNOWN && then.since && then.since <= at) {
			es_time_iso(since, then.since);
			es_time_iso(t_at, at);
			es_sig_report_check(s, "seal-status", ES_RESULT_FAIL, false,
					    "seal '%s' was %s at the signing time %s (%s), since %s%s%s: the seal was void when used",
					    s->esid, es_seal_status_name(then.status), t_at,
					    s->signing_time_source[0] ? s->signing_time_source : "verification time", since,
					    then.reason[0] ? " — " : "", then.reason);
			return;
		}
		es_error_clear();
	} else if (o->status_list) {
		if (!status_from_list(s, seal, o, &st, &listed))
			return;
		snprintf(src, sizeof(src), " (maker's status list)");
	} else {
		es_sig_report_check(s, "seal-status", ES_RESULT_SKIP, false,
				    "no seal status source configured; revocation of the seal not checked");
		return;
	}
	es_time_iso(since, st.since);
	es_time_iso(t_at, at);
	what = es_seal_status_name(st.status);
	switch (st.status) {
	case ES_STATUS_ACTIVE:
		es_sig_report_check(s, "seal-status", ES_RESULT_PASS, false, "seal '%s' is active%s%s", s->esid,
				    listed ? "" : ": not on the list of revoked, lost or suspended seals", src);
		return;
	case ES_STATUS_UNKNOWN:
		es_sig_report_check(s, "seal-status", ES_RESULT_WARN, true,
				    "seal '%s' is not known to the status source%s%s", s->esid, st.reason[0] ? ": " : "",
				    st.reason);
		return;
	default:
		break;
	}
	if (bare) {
		es_sig_report_check(s, "seal-status", ES_RESULT_FAIL, false, "seal '%s' is %s since %s%s%s: the seal is void",
				    s->esid, what, since, st.reason[0] ? " — " : "", st.reason);
	} else if (!st.since) {
		es_sig_report_check(s, "seal-status", ES_RESULT_WARN, true,
				    "seal '%s' is %s, but the status source gives no date: it cannot be told whether this signature was made before",
				    s->esid, what);
	} else if (st.since <= at) {
		es_sig_report_check(s, "seal-status", ES_RESULT_FAIL, false,
				    "seal '%s' was %s on %s, before the signing time %s (%s)%s%s: the seal was void when used",
				    s->esid, what, since, t_at, s->signing_time_source[0] ? s->signing_time_source : "verification time",
				    st.reason[0] ? " — " : "", st.reason);
	} else if (st.status == ES_STATUS_EXPIRED || proven) {
		es_sig_report_check(s, "seal-status", ES_RESULT_WARN, false,
				    "seal %s on %s; void for new documents (this signature was made at %s%s, before)%s%s",
				    what, since, t_at, proven ? ", proven by a trusted time stamp" : "",
				    st.reason[0] ? " — " : "", st.reason);
	} else {
		es_sig_report_check(s, "seal-status", ES_RESULT_WARN, true,
				    "seal %s on %s; the signing time %s is only the signer's own claim (%s) and no trusted time stamp proves the signature was made before: cannot tell whether the seal was still valid",
				    what, since, t_at, s->signing_time_source[0] ? s->signing_time_source : "none");
	}
}

static void format_check(es_sig_report *s, const char *what, int version, unsigned quirks)
{
	char names[300] = "";
	size_t pos = 0;
	if (es_sig_report_get(s, "format"))
		return; /* a failure already recorded (e.g. critical extension) */
	for (unsigned b = 1; b; b <<= 1) {
		const char *n = (quirks & b) ? es_quirk_name(b) : NULL;
		if (n && b != ES_QUIRK_SIGNED_HASH_DIRECTLY) {
			int k = snprintf(names + pos, sizeof(names) - pos, "%s%s", pos ? ", " : "", n);
			if (k > 0 && (size_t)k < sizeof(names) - pos)
				pos += (size_t)k;
		}
	}
	if (pos)
		es_sig_report_check(s, "format", ES_RESULT_WARN, false,
				    "%s v%d (%s) parsed, with vendor deviations accepted: %s", what, version,
				    version == 1 ? "GM/T 0031-2014" : version == 4 ? "GB/T 38540-2020" : "GM/T 0031-2025",
				    names);
	else
		es_sig_report_check(s, "format", ES_RESULT_PASS, false, "%s v%d (%s), well-formed DER", what,
				    version,
				    version == 1 ? "GM/T 0031-2014" : version == 4 ? "GB/T 38540-2020" : "GM/T 0031-2025");
}

int es_verify_seal(es_report *r, const es_seal *seal, const es_verify_options *o)
{
	es_sig_report *s;
	int err;
	es_time now = es_verify__now(o);

	if ((err = es_report_add(r, &s)) < 0)
		return err;
	snprintf(s->id, sizeof(s->id), "seal");
	snprintf(s->type, sizeof(s->type), "seal");
	seal_checks(s, seal, o, now, true);
	format_check(s, "SESeal", s->seal_version, s->quirks);
	status_check(s, seal, o, now, true);
	es_report_finish(r);
	return 0;
}

/*
 * An SES_Signature that does not parse (GB/T 38540 §7.3 step 1 fails) may
 * still carry a readable seal: one broken part never hides the others, so
 * the seal's maker signature, certificate and validity are reported with
 * the failure. Returns ES_ENOTFOUND when no seal can be read either.
 */
int es_verify__broken_ses(es_report *r, const uint8_t *der, size_t len, const es_verify_options *o, const char *why)
{
	es_der d, top, tbs;
	es_tlv ver, seal_tlv;
	es_seal *seal = NULL;
	es_sig_report *s;
	int err;

	es_der_init(&d, der, len);
	if (es_der_enter(&d, ES_DER_SEQUENCE, &top, NULL) < 0 || es_der_enter(&top, ES_DER_SEQUENCE, &tbs, NULL) < 0 ||
	    es_der_read_tag(&tbs, ES_DER_INTEGER, &ver) < 0 || es_der_read_tag(&tbs, ES_DER_SEQUENCE, &seal_tlv) < 0 ||
	    es_seal_parse(&seal, seal_tlv.whole.ptr, seal_tlv.whole.len) < 0)
		return es_error_set(ES_ENOTFOUND, "no readable seal");
	if ((err = es_report_add(r, &s)) < 0) {
		es_seal_free(seal);
		return err;
	}
	snprintf(s->id, sizeof(s->id), "signature");
	snprintf(s->type, sizeof(s->type), "Seal");
	es_sig_report_check(s, "format", ES_RESULT_FAIL, false,
			    "SES_Signature does not parse: %s; the seal inside it was read and is checked below", why);
	seal_checks(s, seal, o, es_verify__now(o), true);
	es_sig_report_check(s, "signature", ES_RESULT_FAIL, false,
			    "the signer's signature cannot be checked: the SES_Signature around it does not parse");
	es_sig_report_notice(s, "the signing time could not be read: the seal is judged at the verification time");
	status_check(s, seal, o, es_verify__now(o), true);
	es_seal_free(seal);
	es_report_finish(r);
	return 0;
}

static bool hash_eq(es_bytes a, const uint8_t *b, size_t n)
{
	return a.len == n && memcmp(a.ptr, b, n) == 0;
}

static void signer_in_seal(es_sig_report *s, const es_seal_fields *sf, const es_cert *cert)
{
	es_bytes der = es_cert_der(cert);
	uint8_t h[32], hz[32], z[32];
	const es_sm2_key *pub = NULL;
	bool have_z = false;

	if (sf->cert_list_type == 1) {
		for (size_t i = 0; i < sf->ncerts; i++)
			if (sf->certs[i].len == der.len && memcmp(sf->certs[i].ptr, der.ptr, der.len) == 0) {
				es_sig_report_check(s, "signer-in-seal", ES_RESULT_PASS, false,
						    "signer certificate is entry %zu of the seal's certList", i + 1);
				return;
			}
		if (sf->ncerts == 0)
			es_sig_report_check(s, "signer-in-seal", ES_RESULT_FAIL, false,
					    "the seal's certList holds no certificate, so no signer is allowed");
		else
			es_sig_report_check(s, "signer-in-seal", ES_RESULT_FAIL, false,
					    "signer certificate is not in the seal's certList (%zu certificate%s): the seal was not made for this signer",
					    sf->ncerts, sf->ncerts == 1 ? "" : "s");
		return;
	}
	if (es_sm3(h, der.ptr, der.len) < 0)
		goto fail;
	if (es_cert_pubkey(&pub, cert) == 0 && es_sm2_z(z, pub, NULL, 0) == 0) {
		es_sm3_ctx *c = NULL;
		if (es_sm3_new(&c) == 0 && es_sm3_update(c, z, 32) == 0 && es_sm3_update(c, der.ptr, der.len) == 0 &&
		    es_sm3_final(c, hz) == 0)
			have_z = true;
		es_sm3_free(c);
	}
	for (size_t i = 0; i < sf->ndigests; i++) {
		if (hash_eq(sf->digests[i].value, h, 32)) {
			es_sig_report_check(s, "signer-in-seal", ES_RESULT_PASS, false,
					    "SM3 digest of the signer certificate is entry %zu of the seal's certList", i + 1);
			return;
		}
		if (have_z && hash_eq(sf->digests[i].value, hz, 32)) {
			es_sig_report_check(s, "signer-in-seal", ES_RESULT_PASS, false,
					    "SM3(Z ‖ certificate) of the signer is entry %zu of the seal's certList (Z-prefixed digest variant)",
					    i + 1);
			return;
		}
	}
fail:
	es_sig_report_check(s, "signer-in-seal", ES_RESULT_FAIL, false,
			    "no digest in the seal's certList matches the signer certificate");
}

void es_verify__data_hash(es_sig_report *s, es_bytes data_hash, const es_verify_options *o)
{
	uint8_t h[32];
	if (!o->has_original) {
		es_sig_report_check(s, "data-hash", ES_RESULT_SKIP, true,
				    "no original supplied, so dataHash cannot be compared (use --original FILE%s%s)",
				    s->property_info[0] ? "; propertyInfo names " : "", s->property_info);
		return;
	}
	if (data_hash.len != 32 || (s->quirks & ES_QUIRK_LEGACY_ALGORITHM)) {
		/* RSA seals pair with SHA-1 or SHA-256 (GM/T 0031-2014 §6.2.1) */
		static const char *const names[] = { "SHA1", "SHA256", "SM3" };
		for (size_t i = 0; i < ES_ARRAY_LEN(names) && (s->quirks & ES_QUIRK_LEGACY_ALGORITHM); i++) {
			es_md *m = NULL;
			uint8_t d[64];
			size_t n = 0;
			if (es_md_new(&m, names[i]) == 0 && es_md_update(m, o->original, o->original_len) == 0 &&
			    es_md_final(m, d, &n) == 0 && n == data_hash.len && memcmp(d, data_hash.ptr, n) == 0) {
				es_md_free(m);
				es_sig_report_check(s, "data-hash", ES_RESULT_PASS, false,
						    "dataHash equals %s of the original (%zu bytes)", names[i], o->original_len);
				return;
			}
			es_md_free(m);
		}
		es_error_clear();
		if (data_hash.len != 32) {
			es_sig_report_check(s, "data-hash", ES_RESULT_FAIL, false,
					    "dataHash is %zu bytes and matches no digest of the original", data_hash.len);
			return;
		}
	}
	if (es_sm3(h, o->original, o->original_len) < 0) {
		es_sig_report_check(s, "data-hash", ES_RESULT_WARN, true, "cannot hash the original: %s",
				    es_error_last()->message);
		return;
	}
	if (memcmp(h, data_hash.ptr, 32) == 0)
		es_sig_report_check(s, "data-hash", ES_RESULT_PASS, false,
				    "dataHash equals SM3 of the original (%zu bytes)", o->original_len);
	else
		es_sig_report_check(s, "data-hash", ES_RESULT_FAIL, false,
				    "dataHash does not match SM3 of the original: the document was changed after signing");
}

int es_verify_ses(es_report *r, const es_ses_sig *sig, const es_verify_options *o)
{
	const es_sig_fields *f = es_ses_sig_fields_get(sig);
	const es_seal_fields *sf = es_seal_fields_get(f->seal);
	es_sig_report *s;
	es_cert *signer = NULL;
	const es_sm2_key *pub = NULL;
	es_time at = f->time_info;
	int err;

	if ((err = es_report_add(r, &s)) < 0)
		return err;
	snprintf(s->id, sizeof(s->id), "signature");
	snprintf(s->type, sizeof(s->type), "Seal");
	copy_text(s->property_info, sizeof(s->property_info), f->property_info);
	s->quirks |= f->quirks;
	s->signing_time = f->time_info;
	snprintf(s->signing_time_source, sizeof(s->signing_time_source), "%s", f->time_info ? "timeInfo" : "");

	if (es_trust_cert_from_der(o->trust, &signer, f->cert.ptr, f->cert.len) < 0) {
		es_sig_report_check(s, "signature", ES_RESULT_FAIL, false,
				    "signer certificate cannot be read: %s", es_error_last()->message);
	} else {
		subject_of(s->signer, sizeof(s->signer), signer);
	}

	/* timestamp: fixes the signing time when present (GB/T 38540 §7.3 step 5) */
	if (f->timestamp.len) {
		es_tst_info ti;
		memset(&ti, 0, sizeof(ti));
		err = es_tst_verify_trust(&ti, o->trust, f->timestamp.ptr, f->timestamp.len, f->signature.ptr, f->signature.len);
		if (err == 0) {
			char tg[32];
			es_time_iso(tg, ti.gen_time);
			at = ti.gen_time;
			s->signing_time = at;
			snprintf(s->signing_time_source, sizeof(s->signing_time_source), "timestamp");
			if (ti.tsa_cert) {
				const es_check *c;
				char why[sizeof(c->reason)];
				es_verify__cert_check(s, "timestamp", "time-stamping authority", ti.tsa_cert, o,
						      ti.gen_time, "the time stamp", true);
				c = es_sig_report_get(s, "timestamp");
				snprintf(why, sizeof(why), "%s", c->reason);
				es_sig_report_check(s, "timestamp", c->result, c->indeterminate,
						    "time stamp over the signature value verifies, genTime %s; %s", tg, why);
			} else {
				es_sig_report_check(s, "timestamp", ES_RESULT_WARN, true,
						    "time stamp verifies (genTime %s) but names no authority certificate", tg);
			}
			if (f->time_info && f->time_info > ti.gen_time + 300)
				es_sig_report_info(s, "note", "timeInfo is later than the time stamp's genTime");
		} else {
			es_sig_report_check(s, "timestamp", ES_RESULT_FAIL, false, "time stamp does not verify: %s",
					    ti.reason[0] ? ti.reason : es_error_last()->message);
		}
		es_tst_info_release(&ti);
	} else {
		es_sig_report_check(s, "timestamp", ES_RESULT_SKIP, false,
				    "no time stamp; the signing time is the signer's own timeInfo");
	}
	bool time_known = at != 0;
	if (!time_known) {
		at = es_verify__now(o);
		es_sig_report_info(s, "note", "timeInfo unreadable; times judged now");
	}

	seal_checks(s, f->seal, o, at, false);

	if (signer) {
		signer_in_seal(s, sf, signer);
		es_verify__cert_check(s, "signer-chain", "signer", signer, o, at,
				      strcmp(s->signing_time_source, "timestamp") == 0
					      ? "the time-stamped signing time" : "the signing time (timeInfo)",
				      time_known);

		/* signature over the received TBS_Sign bytes */
		if (!is_sm2_sm3(f->sign_alg)) {
			es_bytes none = { NULL, 0 };
			es_verify__legacy(s, "signature", "signer's signature over TBS_Sign", signer, f->sign_alg, none,
					  f->tbs.ptr, f->tbs.len, f->signature, o);
		} else if (es_cert_pubkey(&pub, signer) < 0) {
			es_sig_report_check(s, "signature", ES_RESULT_FAIL, false,
					    "signer certificate does not hold an SM2 key");
		} else if (es_sm2_verify(pub, NULL, 0, f->tbs.ptr, f->tbs.len, f->signature.ptr,
					 f->signature.len) == 0) {
			es_sig_report_check(s, "signature", ES_RESULT_PASS, false,
					    "signer's SM2 signature verifies over TBS_Sign");
		} else if (f->data_hash.len == 32 &&
			   es_sm2_verify_digest(pub, f->data_hash.ptr, f->signature.ptr, f->signature.len) == 0) {
			s->quirks |= ES_QUIRK_SIGNED_HASH_DIRECTLY;
			es_sig_report_check(s, "signature", ES_RESULT_FAIL, false,
					    "signature does not verify over TBS_Sign; it verifies over dataHash directly (vendor quirk 'signed-hash-directly', non-conformant to GM/T 0031 and GB/T 38540: TBS_Sign, and with it the seal, is not protected)");
		} else {
			es_sig_report_check(s, "signature", ES_RESULT_FAIL, false,
					    "signer's SM2 signature does not verify over TBS_Sign");
		}
	} else {
		es_sig_report_check(s, "signer-in-seal", ES_RESULT_FAIL, false, "no readable signer certificate");
		es_sig_report_check(s, "signer-chain", ES_RESULT_FAIL, false, "no readable signer certificate");
	}
	if (f->tbs_version != (uint64_t)sf->header_version)
		es_sig_report_info(s, "note", "TBS_Sign.version %llu differs from the seal header version %llu",
				   (unsigned long long)f->tbs_version, (unsigned long long)sf->header_version);

	es_verify__data_hash(s, f->data_hash, o);
	format_check(s, "SES_Signature", f->version, s->quirks);
	status_check(s, f->seal, o, at, false);
	es_cert_free(signer);
	es_report_finish(r);
	return 0;
}
