/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Trust stores and path validation (RFC 5280 §6) at a given time.
 *
 * Path building, validity and CA constraints come from OpenSSL's
 * X509_verify_cert (SM2 certificates carry the default ID, see
 * es_crypto__x509_set_default_id). The last step, the signatures along the
 * chain and the validity periods, is ours (chain_verify, in place of
 * OpenSSL's internal_verify): signatures go through es_cert_signed_by (our
 * SM2), and the store remembers the (certificate, issuer) pairs it has
 * verified, so that many documents sealed with one seal do not verify the
 * same certificate signatures again. Revocation is judged here, not by
 * OpenSSL's CRL check: a certificate revoked *after* the validation time
 * was still good at that time, which is what a seal verifier needs when
 * it validates at the signing time.
 */
#include "es_int.h"
#include "file.h"
#include "crypto/crypto_int.h"
#include <pthread.h>

#include <dirent.h>
#include <stdarg.h>
#include <strings.h>

#include <openssl/objects.h>
#include <openssl/pem.h>

struct es_crl_item {
	X509_CRL *crl;
	uint8_t *der;
	size_t derlen;
};

/* Recently parsed certificates, shared by reference (es_trust_cert_from_der). */
#define ES_TRUST_CERT_CACHE 64
/* Verified (certificate, issuer) signature pairs remembered per store. */
#define ES_TRUST_SIG_CACHE 1024

struct es_trust {
	X509_STORE *store;
	pthread_mutex_t cache_mu;
	struct {
		uint64_t hash; /* der_hash() of the DER, a filter before memcmp */
		es_cert *cert;
	} cache[ES_TRUST_CERT_CACHE];
	size_t cache_next;
	/* verified pairs: SM3 of the certificate's DER, then of its issuer's; under cache_mu */
	uint8_t (*sigs)[64];
	size_t nsigs, sig_next;
	atomic_ulong sig_hits, sig_checks;
	es_cert **anchors;
	size_t nanchors, capanchors;
	es_cert **inter;
	size_t ninter, capinter;
	struct es_crl_item *crls;
	size_t ncrls, capcrls;
};

/* Most certificates and CRLs one store accepts (a sanity bound). */
#define ES_TRUST_MAX_ITEMS 4096

int es_trust_new(es_trust **out)
{
	es_trust *t;

	ES_ASSERT_ARG(out);
	*out = NULL;
	t = es_calloc(1, sizeof(*t));
	if (!t)
		return es_error_set(ES_ENOMEM, "out of memory");
	t->store = X509_STORE_new();
	if (!t->store) {
		es_free(t);
		return es_crypto__fail(ES_ENOMEM, "cannot allocate a certificate store");
	}
	if (pthread_mutex_init(&t->cache_mu, NULL) != 0) {
		X509_STORE_free(t->store);
		es_free(t);
		return es_error_set(ES_EINTERNAL, "cannot create a mutex");
	}
	*out = t;
	return 0;
}

/*
 * A 64-bit hash of a DER for the parsed-certificate cache: only a filter,
 * a hit is confirmed by comparing the bytes (so it need not resist
 * collisions; it is several times faster than SM3).
 */
static uint64_t der_hash(const uint8_t *p, size_t len)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ len, w;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	for (; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h ^ (h >> 29);
}

int es_trust_cert_from_der(const es_trust *ct, es_cert **out, const uint8_t *der, size_t len)
{
	es_trust *t = (es_trust *)ct; /* the cache is internally synchronised */
	uint64_t h;
	es_cert *c = NULL;
	int err;

	ES_ASSERT_ARG(out && (der || len == 0));
	*out = NULL;
	if (!t)
		return es_cert_from_der(out, der, len);
	h = der_hash(der, len);
	pthread_mutex_lock(&t->cache_mu);
	for (size_t i = 0; i < ES_TRUST_CERT_CACHE; i++) {
		es_cert *k = t->cache[i].cert;
		if (k && t->cache[i].hash == h && k->derlen == len && memcmp(k->der, der, len) == 0) {
			*out = es_cert_ref(k);
			break;
		}
	}
	pthread_mutex_unlock(&t->cache_mu);
	if (*out)
		return 0;
	if ((err = es_cert_from_der(&c, der, len)) < 0)
		return err;
	pthread_mutex_lock(&t->cache_mu);
	{
		size_t i = t->cache_next++ % ES_TRUST_CERT_CACHE;
		es_cert_free(t->cache[i].cert);
		t->cache[i].hash = h;
		t->cache[i].cert = es_cert_ref(c);
	}
	pthread_mutex_unlock(&t->cache_mu);
	*out = c;
	return 0;
}

void es_trust_free(es_trust *t)
{
	if (!t)
		return;
	X509_STORE_free(t->store);
	for (size_t i = 0; i < ES_TRUST_CERT_CACHE; i++)
		es_cert_free(t->cache[i].cert);
	es_free(t->sigs);
	pthread_mutex_destroy(&t->cache_mu);
	for (size_t i = 0; i < t->nanchors; i++)
		es_cert_free(t->anchors[i]);
	for (size_t i = 0; i < t->ninter; i++)
		es_cert_free(t->inter[i]);
	for (size_t i = 0; i < t->ncrls; i++) {
		X509_CRL_free(t->crls[i].crl);
		es_free(t->crls[i].der);
	}
	es_free(t->anchors);
	es_free(t->inter);
	es_free(t->crls);
	es_free(t);
}

size_t es_trust_anchor_count(const es_trust *t)
{
	return t ? t->nanchors : 0;
}

/* Room for one more element in an array of @p elem-sized items; NULL on failure. */
static void *grow(void *arr, size_t *cap, size_t n, size_t elem)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return arr;
	if (n >= ES_TRUST_MAX_ITEMS) {
		es_error_set(ES_ELIMIT, "trust store holds more than %d items", ES_TRUST_MAX_ITEMS);
		return NULL;
	}
	ncap = *cap ? *cap * 2 : 8;
	p = es_realloc(arr, ncap * elem);
	if (!p) {
		es_error_set(ES_ENOMEM, "out of memory");
		return NULL;
	}
	*cap = ncap;
	return p;
}

static bool has_cert(es_cert *const *arr, size_t n, const es_cert *c)
{
	for (size_t i = 0; i < n; i++)
		if (arr[i]->derlen == c->derlen && memcmp(arr[i]->der, c->der, c->derlen) == 0)
			return true;
	return false;
}

int es_trust_add_anchor(es_trust *t, es_cert *c)
{
	es_cert **p;

	ES_ASSERT_ARG(t && c);
	if (has_cert(t->anchors, t->nanchors, c))
		return 0;
	p = grow(t->anchors, &t->capanchors, t->nanchors, sizeof(*t->anchors));
	if (!p)
		return es_error_last()->code;
	t->anchors = p;
	if (!X509_STORE_add_cert(t->store, c->x))
		return es_crypto__fail(ES_ECRYPTO, "cannot add a trust anchor");
	t->anchors[t->nanchors++] = es_cert_ref(c);
	return 0;
}

int es_trust_add_intermediate(es_trust *t, es_cert *c)
{
	es_cert **p;

	ES_ASSERT_ARG(t && c);
	if (has_cert(t->inter, t->ninter, c))
		return 0;
	p = grow(t->inter, &t->capinter, t->ninter, sizeof(*t->inter));
	if (!p)
		return es_error_last()->code;
	t->inter = p;
	t->inter[t->ninter++] = es_cert_ref(c);
	return 0;
}

int es_trust_add_crl(es_trust *t, const uint8_t *data, size_t len)
{
	static const char *const labels[] = { "X509 CRL", NULL };
	es_buf pem = ES_BUF_INIT;
	const uint8_t *der = data;
	const unsigned char *p;
	X509_CRL *crl = NULL;
	uint8_t *copy = NULL;
	struct es_crl_item *items;
	es_bytes tbs, sig;
	int err = 0;

	ES_ASSERT_ARG(t && (data || len == 0));
	if (len == 0)
		return es_error_set(ES_EMALFORMED, "empty crl");
	if (len > ES_MAX_CRL_DER)
		return es_error_set(ES_ELIMIT, "crl too large: %zu bytes", len);
	if (es_crypto__looks_pem(data, len)) {
		if ((err = es_crypto__pem_first(&pem, data, len, labels, "crl")) < 0)
			goto done;
		der = pem.ptr;
		len = pem.len;
	}
	p = der;
	crl = d2i_X509_CRL(NULL, &p, (long)len);
	if (!crl) {
		err = es_crypto__fail(ES_EMALFORMED, "cannot decode the crl");
		goto done;
	}
	if (p != der + len) {
		err = es_error_set(ES_EMALFORMED, "trailing bytes after the crl");
		goto done;
	}
	if ((err = es_crypto__signed_split(der, len, &tbs, &sig)) < 0)
		goto done;
	items = grow(t->crls, &t->capcrls, t->ncrls, sizeof(*t->crls));
	if (!items) {
		err = es_error_last()->code;
		goto done;
	}
	t->crls = items;
	copy = es_malloc(len);
	if (!copy) {
		err = es_error_set(ES_ENOMEM, "out of memory");
		goto done;
	}
	memcpy(copy, der, len);
	t->crls[t->ncrls].crl = crl;
	t->crls[t->ncrls].der = copy;
	t->crls[t->ncrls].derlen = len;
	t->ncrls++;
	crl = NULL;
	copy = NULL;
done:
	es_free(copy);
	X509_CRL_free(crl);
	es_buf_release(&pem);
	return err;
}

/* Anchor or intermediate, by whether it signs itself. */
static int add_loaded_cert(es_trust *t, es_cert *c)
{
	bool self = X509_NAME_cmp(X509_get_subject_name(c->x), X509_get_issuer_name(c->x)) == 0 &&
		    es_cert_signed_by(c, c);

	return self ? es_trust_add_anchor(t, c) : es_trust_add_intermediate(t, c);
}

static int load_pem_file(es_trust *t, const char *path, const uint8_t *data, size_t len)
{
	BIO *bio;
	int err = 0, count = 0;

	if (len > (size_t)ES_INT_MAX)
		return es_error_set(ES_ELIMIT, "file '%s' too large", path);
	bio = BIO_new_mem_buf(data, (int)len);
	if (!bio)
		return es_crypto__fail(ES_ENOMEM, "cannot allocate a bio");
	for (;;) {
		char *name = NULL, *header = NULL;
		unsigned char *der = NULL;
		long dlen = 0;

		if (!PEM_read_bio(bio, &name, &header, &der, &dlen)) {
			ERR_clear_error();
			break;
		}
		if (strcmp(name, "CERTIFICATE") == 0 || strcmp(name, "X509 CERTIFICATE") == 0) {
			es_cert *c = NULL;
			err = es_cert_from_der(&c, der, (size_t)dlen);
			if (err == 0)
				err = add_loaded_cert(t, c);
			es_cert_free(c);
			count++;
		} else if (strcmp(name, "X509 CRL") == 0) {
			err = es_trust_add_crl(t, der, (size_t)dlen);
			count++;
		}
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_free(der);
		if (err)
			break;
	}
	BIO_free(bio);
	if (err)
		return es_error_wrap(err, "cannot load '%s'", path);
	if (count == 0)
		return es_error_set(ES_EMALFORMED, "no certificate or crl in '%s'", path);
	return 0;
}

static bool has_ext(const char *name, const char *ext)
{
	size_t n = strlen(name), e = strlen(ext);
	return n > e && strcasecmp(name + n - e, ext) == 0;
}

/* One file of a trust folder: certificates (PEM or DER) or a CRL. */
static int load_file(es_trust *t, const char *dir, const char *name, bool is_crl)
{
	es_buf path = ES_BUF_INIT, data = ES_BUF_INIT;
	es_cert *c = NULL;
	int err;

	if ((err = es_buf_printf(&path, "%s/%s", dir, name)) < 0 ||
	    (err = es_file_read(&data, (const char *)path.ptr, ES_MAX_CRL_DER)) < 0)
		goto done;
	if (is_crl) {
		if ((err = es_trust_add_crl(t, data.ptr, data.len)) < 0)
			err = es_error_wrap(err, "cannot load '%s'", (const char *)path.ptr);
	} else if (es_crypto__looks_pem(data.ptr, data.len)) {
		err = load_pem_file(t, (const char *)path.ptr, data.ptr, data.len);
	} else {
		err = es_cert_from_der(&c, data.ptr, data.len);
		if (err == 0)
			err = add_loaded_cert(t, c);
		if (err)
			err = es_error_wrap(err, "cannot load '%s'", (const char *)path.ptr);
	}
done:
	es_cert_free(c);
	es_buf_release(&path);
	es_buf_release(&data);
	return err;
}

int es_trust_load_dir(es_trust *t, const char *dir)
{
	DIR *d;
	struct dirent *e;
	int err = 0;

	ES_ASSERT_ARG(t && dir);
	d = opendir(dir);
	if (!d)
		return es_error_set(ES_EIO, "cannot open folder '%s'", dir);
	while (err == 0 && (e = readdir(d)) != NULL) {
		bool is_crl = has_ext(e->d_name, ".crl");
		bool is_cert = has_ext(e->d_name, ".pem") || has_ext(e->d_name, ".crt") ||
			       has_ext(e->d_name, ".cer") || has_ext(e->d_name, ".der");

		if (e->d_name[0] != '.' && (is_crl || is_cert))
			err = load_file(t, dir, e->d_name, is_crl);
	}
	closedir(d);
	return err;
}

/* ---- path validation --------------------------------------------------- */

static void set_result(es_path_result *out, es_path_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_result(es_path_result *out, es_path_status st, const char *fmt, ...)
{
	va_list ap;

	out->status = st;
	va_start(ap, fmt);
	vsnprintf(out->reason, sizeof(out->reason), fmt, ap);
	va_end(ap);
}

/* "certificate" for the end entity, "ca certificate 'CN=...'" above it. */
static void who(char *out, size_t n, X509 *x, int depth)
{
	char name[160];

	if (depth == 0) {
		snprintf(out, n, "certificate");
		return;
	}
	es_crypto__name_short(name, sizeof(name), X509_get_subject_name(x));
	snprintf(out, n, "ca certificate '%s'", name);
}

static void map_x509_error(es_path_result *out, X509_STORE_CTX *ctx)
{
	int e = X509_STORE_CTX_get_error(ctx);
	int depth = X509_STORE_CTX_get_error_depth(ctx);
	X509 *cur = X509_STORE_CTX_get_current_cert(ctx);
	char w[200], name[160], iso[32];
	es_time tm = 0;

	if (!cur) {
		set_result(out, ES_PATH_OTHER, "path validation failed: %s",
			   X509_verify_cert_error_string(e));
		return;
	}
	who(w, sizeof(w), cur, depth);
	switch (e) {
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_CERT_UNTRUSTED:
		if (e == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT ||
		    e == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN) {
			es_crypto__name_short(name, sizeof(name), X509_get_subject_name(cur));
			set_result(out, ES_PATH_UNKNOWN_ISSUER, "self-signed '%s' not in the trust store",
				   name);
		} else {
			es_crypto__name_short(name, sizeof(name), X509_get_issuer_name(cur));
			set_result(out, ES_PATH_UNKNOWN_ISSUER, "issuer '%s' not in the trust store",
				   name);
		}
		break;
	case X509_V_ERR_CERT_SIGNATURE_FAILURE:
	case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
	case X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY:
	case X509_V_ERR_SIGNATURE_ALGORITHM_MISMATCH:
		set_result(out, ES_PATH_BAD_SIGNATURE, "signature of the %s does not verify", w);
		break;
	case X509_V_ERR_CERT_HAS_EXPIRED:
		if (es_crypto__time_from_asn1(&tm, X509_get0_notAfter(cur)) == 0) {
			es_crypto__iso(iso, tm);
			set_result(out, ES_PATH_EXPIRED, "%s expired at %s", w, iso);
		} else {
			set_result(out, ES_PATH_EXPIRED, "%s has expired", w);
		}
		break;
	case X509_V_ERR_CERT_NOT_YET_VALID:
		if (es_crypto__time_from_asn1(&tm, X509_get0_notBefore(cur)) == 0) {
			es_crypto__iso(iso, tm);
			set_result(out, ES_PATH_NOT_YET_VALID, "%s not valid before %s", w, iso);
		} else {
			set_result(out, ES_PATH_NOT_YET_VALID, "%s is not yet valid", w);
		}
		break;
	case X509_V_ERR_KEYUSAGE_NO_CERTSIGN:
	case X509_V_ERR_INVALID_PURPOSE:
		set_result(out, ES_PATH_BAD_KEY_USAGE, "key usage of the %s does not allow it: %s", w,
			   X509_verify_cert_error_string(e));
		break;
	default:
		set_result(out, ES_PATH_OTHER, "%s: %s", w, X509_verify_cert_error_string(e));
		break;
	}
}

/*
 * A CRL with a critical extension we do not process must not be used
 * (RFC 5280 §5.2): delta CRLs, indirect CRLs and the like.
 */
static bool crl_usable(const X509_CRL *crl)
{
	for (int i = 0; i < X509_CRL_get_ext_count(crl); i++) {
		X509_EXTENSION *ext = X509_CRL_get_ext(crl, i);
		int nid = OBJ_obj2nid(X509_EXTENSION_get_object(ext));
		if (X509_EXTENSION_get_critical(ext) && nid != NID_crl_number &&
		    nid != NID_authority_key_identifier)
			return false;
	}
	return true;
}

/* Revocation of @p x by the best CRL of @p issuer, judged at @p at. */
static int check_revocation(es_path_result *out, const es_trust *t, X509 *x, X509 *issuer,
			    const es_sm2_key *ikey, es_time at, int depth, bool *found)
{
	const struct es_crl_item *best = NULL;
	es_time best_update = 0;
	bool bad_sig = false, unusable = false;
	X509_REVOKED *rev = NULL;
	char w[200], iname[160], iso[32];
	es_time tm;

	*found = false;
	for (size_t i = 0; i < t->ncrls; i++) {
		const struct es_crl_item *it = &t->crls[i];
		es_time upd;
		int rc;

		if (X509_NAME_cmp(X509_CRL_get_issuer(it->crl), X509_get_subject_name(issuer)) != 0)
			continue;
		if (!crl_usable(it->crl)) {
			unusable = true;
			continue;
		}
		rc = es_crypto__verify_signed_sm2(it->der, it->derlen,
						  X509_CRL_get_signature_nid(it->crl), ikey);
		if (rc == ES_ENOTSUPPORTED) {
			EVP_PKEY *pk = X509_get0_pubkey(issuer);
			rc = pk && X509_CRL_verify(it->crl, pk) == 1 ? 0 : ES_EVERIFY;
			ERR_clear_error();
		}
		if (rc != 0) {
			bad_sig = true;
			continue;
		}
		if (es_crypto__time_from_asn1(&upd, X509_CRL_get0_lastUpdate(it->crl)) != 0)
			continue;
		if (!best || upd > best_update) {
			best = it;
			best_update = upd;
		}
	}
	es_crypto__name_short(iname, sizeof(iname), X509_get_subject_name(issuer));
	if (!best) {
		if (bad_sig) {
			set_result(out, ES_PATH_CRL_PROBLEM, "crl of '%s' has a bad signature", iname);
			return 1;
		}
		if (unusable) {
			set_result(out, ES_PATH_CRL_PROBLEM,
				   "crl of '%s' has an unsupported critical extension", iname);
			return 1;
		}
		return 0;
	}
	*found = true;
	who(w, sizeof(w), x, depth);
	if (X509_CRL_get0_by_cert(best->crl, &rev, x) == 1 && rev) {
		if (es_crypto__time_from_asn1(&tm, X509_REVOKED_get0_revocationDate(rev)) != 0) {
			set_result(out, ES_PATH_CRL_PROBLEM, "crl of '%s' has a bad revocation date",
				   iname);
			return 1;
		}
		if (tm <= at) {
			es_crypto__iso(iso, tm);
			out->revoked_at = tm;
			set_result(out, ES_PATH_REVOKED, "%s revoked at %s", w, iso);
			return 1;
		}
		/* revoked after the validation time: still good at that time */
	}
	ERR_clear_error();
	if (X509_CRL_get0_nextUpdate(best->crl) &&
	    es_crypto__time_from_asn1(&tm, X509_CRL_get0_nextUpdate(best->crl)) == 0 && tm < at) {
		es_crypto__iso(iso, tm);
		set_result(out, ES_PATH_CRL_PROBLEM, "crl of '%s' expired at %s", iname, iso);
		return 1;
	}
	return 0;
}

static const char *ku_names(char *buf, size_t n, int ku)
{
	static const char *const names[] = { "digitalSignature", "nonRepudiation",
					     "keyEncipherment", "dataEncipherment",
					     "keyAgreement", "keyCertSign", "cRLSign",
					     "encipherOnly", "decipherOnly" };
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ES_ARRAY_LEN(names); i++) {
		if (!(ku & (1 << i)))
			continue;
		int w = snprintf(buf + used, n - used, "%s%s", used ? "|" : "", names[i]);
		if (w < 0 || (size_t)w >= n - used)
			break;
		used += (size_t)w;
	}
	return buf[0] ? buf : "none";
}

/* The es_cert owning @p x among everything given to the validation. */
static const es_cert *find_cert(const es_trust *t, const es_cert *c, es_cert *const *extra,
				size_t nextra, const X509 *x)
{
	if (c->x == x)
		return c;
	for (size_t i = 0; i < t->nanchors; i++)
		if (t->anchors[i]->x == x)
			return t->anchors[i];
	for (size_t i = 0; i < t->ninter; i++)
		if (t->inter[i]->x == x)
			return t->inter[i];
	for (size_t i = 0; i < nextra; i++)
		if (extra[i] && extra[i]->x == x)
			return extra[i];
	return NULL;
}

/* ---- signatures along the chain, remembered ------------------------------ */

/* What chain_verify needs to find our es_cert objects. */
struct chain_info {
	es_trust *t;
	const es_cert *c;
	es_cert *const *extra;
	size_t nextra;
};

/* Is @p cs signed by @p ci? From the store's memory when it has checked the pair before. */
static bool pair_signed(es_trust *t, const es_cert *cs, const es_cert *ci)
{
	uint8_t key[64];
	bool hit = false;

	memcpy(key, cs->der_sm3, 32);
	memcpy(key + 32, ci->der_sm3, 32);
	pthread_mutex_lock(&t->cache_mu);
	for (size_t i = 0; i < t->nsigs && !hit; i++)
		hit = memcmp(t->sigs[i], key, 64) == 0;
	pthread_mutex_unlock(&t->cache_mu);
	if (hit) {
		atomic_fetch_add(&t->sig_hits, 1);
		return true;
	}
	atomic_fetch_add(&t->sig_checks, 1);
	if (!es_cert_signed_by(cs, ci))
		return false; /* failures are not remembered */
	pthread_mutex_lock(&t->cache_mu);
	if (!t->sigs)
		t->sigs = es_calloc(ES_TRUST_SIG_CACHE, 64);
	if (t->sigs) {
		memcpy(t->sigs[t->sig_next], key, 64);
		t->sig_next = (t->sig_next + 1) % ES_TRUST_SIG_CACHE;
		if (t->nsigs < ES_TRUST_SIG_CACHE)
			t->nsigs++;
	}
	pthread_mutex_unlock(&t->cache_mu);
	return true;
}

/* Report @p err on @p x at @p depth through the verify callback: its verdict. */
static int chain_error(X509_STORE_CTX *ctx, int err, X509 *x, int depth)
{
	X509_STORE_CTX_set_error(ctx, err);
	X509_STORE_CTX_set_error_depth(ctx, depth);
	X509_STORE_CTX_set_current_cert(ctx, x);
	return X509_STORE_CTX_get_verify_cb(ctx)(0, ctx);
}

/* Validity of @p x at the validation time (as OpenSSL's x509_check_cert_time). */
static int chain_time(X509_STORE_CTX *ctx, X509 *x, int depth)
{
	time_t at = X509_VERIFY_PARAM_get_time(X509_STORE_CTX_get0_param(ctx));
	int i = X509_cmp_time(X509_get0_notBefore(x), &at);

	if (i == 0 && !chain_error(ctx, X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD, x, depth))
		return 0;
	if (i > 0 && !chain_error(ctx, X509_V_ERR_CERT_NOT_YET_VALID, x, depth))
		return 0;
	i = X509_cmp_time(X509_get0_notAfter(x), &at);
	if (i == 0 && !chain_error(ctx, X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD, x, depth))
		return 0;
	if (i < 0 && !chain_error(ctx, X509_V_ERR_CERT_HAS_EXPIRED, x, depth))
		return 0;
	return 1;
}

/*
 * The chain's signatures and validity periods, top down, as OpenSSL 3.0's
 * internal_verify: a self-issued top is not checked against itself (no
 * X509_V_FLAG_CHECK_SS_SIGNATURE), each other certificate against the
 * next one up.
 */
static int chain_verify(X509_STORE_CTX *ctx)
{
	struct chain_info *ci = X509_STORE_CTX_get_app_data(ctx);
	STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
	int n = sk_X509_num(chain) - 1;
	X509 *xi, *xs;

	if (!ci || n < 0)
		return 0;
	xi = sk_X509_value(chain, n);
	if (X509_check_issued(xi, xi) == X509_V_OK) {
		xs = xi;
	} else {
		if (n <= 0)
			return chain_error(ctx, X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE, xi, 0);
		n--;
		xs = sk_X509_value(chain, n);
	}
	for (; n >= 0; n--) {
		if (xs != xi) {
			const es_cert *cs = find_cert(ci->t, ci->c, ci->extra, ci->nextra, xs);
			const es_cert *cis = find_cert(ci->t, ci->c, ci->extra, ci->nextra, xi);
			bool ok;
			if (cs && cis) {
				ok = pair_signed(ci->t, cs, cis);
			} else { /* not one of ours (cannot happen today): OpenSSL's check */
				EVP_PKEY *pk = X509_get0_pubkey(xi);
				ok = pk && X509_verify(xs, pk) == 1;
				ERR_clear_error();
			}
			if (!ok && !chain_error(ctx, X509_V_ERR_CERT_SIGNATURE_FAILURE, xs, n))
				return 0;
		}
		if (!chain_time(ctx, xs, n))
			return 0;
		X509_STORE_CTX_set_error_depth(ctx, n);
		X509_STORE_CTX_set_current_cert(ctx, xs);
		if (!X509_STORE_CTX_get_verify_cb(ctx)(1, ctx))
			return 0;
		if (n > 0) {
			xi = xs;
			xs = sk_X509_value(chain, n - 1);
		}
	}
	return 1;
}

void es_crypto__trust_sig_stats(const es_trust *t, unsigned long *hits, unsigned long *checks)
{
	*hits = atomic_load(&t->sig_hits);
	*checks = atomic_load(&t->sig_checks);
}

int es_trust_verify(es_path_result *out, const es_trust *t, const es_cert *c, es_cert *const *extra,
		    size_t nextra, es_time at, int required_ku)
{
	struct chain_info info;
	X509_STORE_CTX *ctx = NULL;
	STACK_OF(X509) *untrusted = NULL;
	STACK_OF(X509) *chain;
	X509_VERIFY_PARAM *param;
	int err = 0, n;

	ES_ASSERT_ARG(out && c && (extra || nextra == 0));
	memset(out, 0, sizeof(*out));
	if (!t || t->nanchors == 0) {
		set_result(out, ES_PATH_NO_TRUST_STORE, "no trust anchors configured");
		return 0;
	}
	untrusted = sk_X509_new_null();
	ctx = X509_STORE_CTX_new();
	if (!untrusted || !ctx) {
		err = es_crypto__fail(ES_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < t->ninter + nextra; i++) {
		const es_cert *u = i < t->ninter ? t->inter[i] : extra[i - t->ninter];
		if (u && !sk_X509_push(untrusted, u->x)) {
			err = es_error_set(ES_ENOMEM, "out of memory");
			goto done;
		}
	}
	if (!X509_STORE_CTX_init(ctx, t->store, c->x, untrusted)) {
		err = es_crypto__fail(ES_ECRYPTO, "cannot start path validation");
		goto done;
	}
	info.t = (es_trust *)t; /* the pair memory is internally synchronised */
	info.c = c;
	info.extra = extra;
	info.nextra = nextra;
	X509_STORE_CTX_set_app_data(ctx, &info);
	X509_STORE_CTX_set_verify(ctx, chain_verify);
	param = X509_STORE_CTX_get0_param(ctx);
	/* validation at the caller's time; partial chains stay off */
	X509_VERIFY_PARAM_set_time(param, (time_t)at);
	/* OpenSSL's depth counts the CAs between the end entity and the anchor */
	X509_VERIFY_PARAM_set_depth(param, ES_MAX_CHAIN - 2);
	n = X509_verify_cert(ctx);
	ERR_clear_error();
	if (n < 0) {
		/* internal error inside OpenSSL, not a verdict on the certificate */
		set_result(out, ES_PATH_OTHER, "path validation failed: %s",
			   X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
		goto done;
	}
	if (n == 0) {
		map_x509_error(out, ctx);
		goto done;
	}
	/* revocation, end entity first, each by its issuer's CRL */
	chain = X509_STORE_CTX_get0_chain(ctx);
	n = sk_X509_num(chain);
	for (int i = 0; i + 1 < n; i++) {
		X509 *x = sk_X509_value(chain, i), *iss = sk_X509_value(chain, i + 1);
		const es_cert *ic = find_cert(t, c, extra, nextra, iss);
		bool found = false;
		int rc;

		/* the chain holds our own X509 objects, so the issuer is known */
		if (!ic) {
			err = es_error_set(ES_EINTERNAL, "path validation returned an unknown certificate");
			goto done;
		}
		rc = check_revocation(out, t, x, iss, ic->pub, at, i, &found);
		if (i == 0)
			out->revocation_checked = found;
		if (rc)
			goto done;
	}
	if (required_ku) {
		int ku = es_cert_key_usage(c);
		if (ku >= 0 && (ku & required_ku) == 0) {
			char have[160], want[160];
			set_result(out, ES_PATH_BAD_KEY_USAGE,
				   "certificate key usage %s lacks %s", ku_names(have, sizeof(have), ku),
				   ku_names(want, sizeof(want), required_ku));
			goto done;
		}
	}
	set_result(out, ES_PATH_OK, "certificate valid at the given time");
done:
	X509_STORE_CTX_free(ctx);
	sk_X509_free(untrusted);
	return err;
}
