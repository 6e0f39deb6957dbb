/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * SM2 keys and signatures (GB/T 32918.1/.2/.5, GB/T 35276 encoding).
 *
 * The distinguishing ID is always set explicitly: OpenSSL's default
 * changed between versions, real-world signatures use GM/T 0009's
 * "1234567812345678".
 */
#include "es_int.h"
#include "crypto/crypto_int.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>

/* Recommended curve parameters, GB/T 32918.5 §3 (needed for Z). */
static const uint8_t sm2_a[32] = {
	0xFF, 0xFF, 0xFF, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
	0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFC,
};
static const uint8_t sm2_b[32] = {
	0x28, 0xE9, 0xFA, 0x9E, 0x9D, 0x9F, 0x5E, 0x34, 0x4D, 0x5A, 0x9E, 0x4B, 0xCF, 0x65, 0x09, 0xA7,
	0xF3, 0x97, 0x89, 0xF5, 0x15, 0xAB, 0x8F, 0x92, 0xDD, 0xBC, 0xBD, 0x41, 0x4D, 0x94, 0x0E, 0x93,
};
static const uint8_t sm2_gx[32] = {
	0x32, 0xC4, 0xAE, 0x2C, 0x1F, 0x19, 0x81, 0x19, 0x5F, 0x99, 0x04, 0x46, 0x6A, 0x39, 0xC9, 0x94,
	0x8F, 0xE3, 0x0B, 0xBF, 0xF2, 0x66, 0x0B, 0xE1, 0x71, 0x5A, 0x45, 0x89, 0x33, 0x4C, 0x74, 0xC7,
};
static const uint8_t sm2_gy[32] = {
	0xBC, 0x37, 0x36, 0xA2, 0xF4, 0xF6, 0x77, 0x9C, 0x59, 0xBD, 0xCE, 0xE3, 0x6B, 0x69, 0x21, 0x53,
	0xD0, 0xA9, 0x87, 0x7C, 0xC6, 0x2A, 0x47, 0x40, 0x02, 0xDF, 0x32, 0xE5, 0x21, 0x39, 0xF0, 0xA0,
};

static const uint8_t default_id[] = ES_SM2_DEFAULT_ID;

/*
 * Default ID for NULL. ENTL is the ID length in bits on 16 bits; OpenSSL
 * accepts up to 8190 bytes, so that is our limit too.
 */
static int pick_id(const uint8_t **id, size_t *idlen)
{
	if (*id == NULL) {
		*id = default_id;
		*idlen = ES_SM2_DEFAULT_ID_LEN;
	}
	if (*idlen > 8190)
		return es_error_set(ES_EINVAL, "sm2 id longer than 8190 bytes");
	return 0;
}

/* ---- key objects ------------------------------------------------------- */

static int pkey_point(uint8_t out[65], const EVP_PKEY *pkey);
static int z_of_point(uint8_t z[32], const uint8_t point[65], const uint8_t *id, size_t idlen);

/*
 * Our per-key state for @p k, when the fast path is on. A key it cannot
 * take (none on the curve reaches here; a scalar out of range can) stays
 * with OpenSSL, which reports what is wrong when it is used.
 */
static void key_fast_init(es_sm2_key *k)
{
	uint8_t point[65], d[32];
	BIGNUM *bd = NULL;
	es_sm2p_key *f;
	bool priv;

	if (!es_sm2p_enabled() || pkey_point(point, k->pkey) < 0) {
		ERR_clear_error();
		es_error_clear();
		return;
	}
	priv = EVP_PKEY_get_bn_param(k->pkey, OSSL_PKEY_PARAM_PRIV_KEY, &bd) == 1;
	ERR_clear_error();
	if (priv && BN_bn2binpad(bd, d, 32) != 32) {
		BN_clear_free(bd);
		return;
	}
	BN_clear_free(bd);
	f = es_malloc(sizeof(*f));
	if (f && es_sm2p_key_init(f, point, priv ? d : NULL) == 0 &&
	    z_of_point(k->zdef, point, (const uint8_t *)ES_SM2_DEFAULT_ID, ES_SM2_DEFAULT_ID_LEN) == 0) {
		k->fast = f;
		f = NULL;
	}
	if (f) {
		es_sm2p_key_clear(f);
		es_free(f);
	}
	es_wipe(d, sizeof(d));
	es_error_clear();
}

int es_crypto__key_wrap(es_sm2_key **out, EVP_PKEY *pkey)
{
	es_sm2_key *k = es_calloc(1, sizeof(*k));

	*out = NULL;
	if (!k) {
		EVP_PKEY_free(pkey);
		return es_error_set(ES_ENOMEM, "out of memory");
	}
	atomic_init(&k->refs, 1);
	k->pkey = pkey;
	key_fast_init(k);
	*out = k;
	return 0;
}

es_sm2_key *es_sm2_key_ref(es_sm2_key *key)
{
	if (key)
		atomic_fetch_add(&key->refs, 1);
	return key;
}

void es_sm2_key_free(es_sm2_key *key)
{
	if (!key || atomic_fetch_sub(&key->refs, 1) != 1)
		return;
	if (key->fast) {
		es_sm2p_key_clear(key->fast);
		es_free(key->fast);
	}
	EVP_PKEY_free(key->pkey);
	es_free(key);
}

bool es_crypto__is_sm2_pkey(const EVP_PKEY *pkey)
{
	char group[64];

	if (!pkey)
		return false;
	if (EVP_PKEY_is_a(pkey, "SM2"))
		return true;
	if (!EVP_PKEY_is_a(pkey, "EC"))
		return false;
	if (!EVP_PKEY_get_group_name(pkey, group, sizeof(group), NULL)) {
		ERR_clear_error();
		return false;
	}
	return strcmp(group, "SM2") == 0;
}

/* The public point as 04‖x‖y, whatever form the key stores it in. */
static int pkey_point(uint8_t out[65], const EVP_PKEY *pkey)
{
	uint8_t enc[133];
	size_t enclen = 0;
	EC_GROUP *group = NULL;
	EC_POINT *pt = NULL;
	int err = 0;

	if (!EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, enc, sizeof(enc), &enclen))
		return es_crypto__fail(ES_ECRYPTO, "sm2 key has no public point");
	if (enclen == 65 && enc[0] == 0x04) {
		memcpy(out, enc, 65);
		return 0;
	}
	group = EC_GROUP_new_by_curve_name(NID_sm2);
	pt = group ? EC_POINT_new(group) : NULL;
	if (!pt || !EC_POINT_oct2point(group, pt, enc, enclen, NULL) ||
	    EC_POINT_point2oct(group, pt, POINT_CONVERSION_UNCOMPRESSED, out, 65, NULL) != 65)
		err = es_crypto__fail(ES_EMALFORMED, "bad sm2 public point");
	EC_POINT_free(pt);
	EC_GROUP_free(group);
	return err;
}

/* New SM2 EVP_PKEY from a public point and an optional private scalar. */
static int sm2_from_data(EVP_PKEY **out, const uint8_t *point, size_t pointlen, const BIGNUM *priv)
{
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	int err = 0;

	*out = NULL;
	bld = OSSL_PARAM_BLD_new();
	if (!bld || !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "SM2", 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, pointlen) ||
	    (priv && !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv)) ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL) {
		err = es_crypto__fail(ES_ENOMEM, "cannot build sm2 key parameters");
		goto done;
	}
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "SM2", NULL);
	if (!ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, out, priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params) <= 0) {
		err = es_crypto__fail(ES_EMALFORMED, "invalid sm2 key");
		goto done;
	}
done:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params); /* OSSL_PARAM_BLD_to_param copies the scalar to secure memory */
	OSSL_PARAM_BLD_free(bld);
	return err;
}

int es_crypto__key_from_evp(es_sm2_key **out, EVP_PKEY *pkey)
{
	uint8_t point[65];
	BIGNUM *priv = NULL;
	EVP_PKEY *conv = NULL;
	int err;

	*out = NULL;
	if (!es_crypto__is_sm2_pkey(pkey))
		return es_error_set(ES_ENOTSUPPORTED, "key is not an sm2 key");
	if (EVP_PKEY_is_a(pkey, "SM2")) {
		if (!EVP_PKEY_up_ref(pkey))
			return es_crypto__fail(ES_ECRYPTO, "cannot reference a key");
		return es_crypto__key_wrap(out, pkey);
	}
	/* An "EC" key on the SM2 curve: rebuild it as an "SM2" key. */
	if ((err = pkey_point(point, pkey)) < 0)
		return err;
	if (!EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY, &priv))
		ERR_clear_error();
	err = sm2_from_data(&conv, point, sizeof(point), priv);
	BN_clear_free(priv);
	if (err)
		return err;
	return es_crypto__key_wrap(out, conv);
}

int es_sm2_key_generate(es_sm2_key **out)
{
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	int err = 0;

	ES_ASSERT_ARG(out);
	*out = NULL;
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "SM2", NULL);
	if (!ctx || EVP_PKEY_keygen_init(ctx) <= 0 || EVP_PKEY_CTX_set_group_name(ctx, "SM2") <= 0 ||
	    EVP_PKEY_generate(ctx, &pkey) <= 0) {
		err = es_crypto__fail(ES_ECRYPTO, "cannot generate an sm2 key");
		goto done;
	}
	err = es_crypto__key_wrap(out, pkey);
done:
	EVP_PKEY_CTX_free(ctx);
	return err;
}

int es_sm2_key_from_spki(es_sm2_key **out, const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	EVP_PKEY *pkey = NULL;
	int err;

	ES_ASSERT_ARG(out && (der || len == 0));
	*out = NULL;
	if (len > ES_MAX_CERT_DER)
		return es_error_set(ES_ELIMIT, "public key info too large: %zu bytes", len);
	pkey = d2i_PUBKEY(NULL, &p, (long)len);
	if (!pkey)
		return es_crypto__fail(ES_EMALFORMED, "cannot decode the subject public key info");
	if (p != der + len) {
		EVP_PKEY_free(pkey);
		return es_error_set(ES_EMALFORMED, "trailing bytes after the subject public key info");
	}
	err = es_crypto__key_from_evp(out, pkey);
	EVP_PKEY_free(pkey);
	return err;
}

int es_sm2_key_from_point(es_sm2_key **out, const uint8_t point[65])
{
	EVP_PKEY *pkey = NULL;
	int err;

	ES_ASSERT_ARG(out && point);
	*out = NULL;
	if (point[0] != 0x04)
		return es_error_set(ES_EMALFORMED, "sm2 point is not uncompressed (first byte %02x)",
				    point[0]);
	if ((err = sm2_from_data(&pkey, point, 65, NULL)) < 0)
		return err;
	return es_crypto__key_wrap(out, pkey);
}

int es_sm2_key_from_scalar(es_sm2_key **out, const uint8_t d[32])
{
	/* n - 1: a valid SM2 private key satisfies 1 <= d <= n - 2 (GB/T 32918.1 §6.1). */
	static const uint8_t n_minus_1[32] = {
		0xFF, 0xFF, 0xFF, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
		0x72, 0x03, 0xDF, 0x6B, 0x21, 0xC6, 0x05, 0x2B, 0x53, 0xBB, 0xF4, 0x09, 0x39, 0xD5, 0x41, 0x22,
	};
	BIGNUM *bd = NULL, *lim = NULL;
	EC_GROUP *group = NULL;
	EC_POINT *pub = NULL;
	EVP_PKEY *pkey = NULL;
	uint8_t point[65];
	int err = 0;

	ES_ASSERT_ARG(out && d);
	*out = NULL;
	bd = BN_secure_new();
	lim = BN_bin2bn(n_minus_1, 32, NULL);
	group = EC_GROUP_new_by_curve_name(NID_sm2);
	pub = group ? EC_POINT_new(group) : NULL;
	if (!bd || !lim || !pub || !BN_bin2bn(d, 32, bd)) {
		err = es_crypto__fail(ES_ENOMEM, "cannot allocate sm2 key material");
		goto done;
	}
	if (BN_is_zero(bd) || BN_cmp(bd, lim) >= 0) {
		err = es_error_set(ES_EINVAL, "sm2 private scalar out of range");
		goto done;
	}
	if (!EC_POINT_mul(group, pub, bd, NULL, NULL, NULL) ||
	    EC_POINT_point2oct(group, pub, POINT_CONVERSION_UNCOMPRESSED, point, 65, NULL) != 65) {
		err = es_crypto__fail(ES_ECRYPTO, "cannot compute the sm2 public key");
		goto done;
	}
	if ((err = sm2_from_data(&pkey, point, 65, bd)) < 0)
		goto done;
	err = es_crypto__key_wrap(out, pkey);
done:
	BN_clear_free(bd);
	BN_free(lim);
	EC_POINT_free(pub);
	EC_GROUP_free(group);
	return err;
}

/* Passphrase callback that never prompts. */
static int pem_pass_cb(char *buf, int size, int rwflag, void *u)
{
	const char *pass = u;
	size_t n;

	ES_UNUSED(rwflag);
	if (!pass || size <= 0)
		return -1;
	n = strlen(pass);
	if (n > (size_t)size)
		return -1;
	memcpy(buf, pass, n);
	return (int)n;
}

/* Label of the first PEM block, into @p label ("" if none). */
static void pem_label(char *label, size_t max, const uint8_t *pem, size_t len)
{
	static const char begin[] = "-----BEGIN ";
	const uint8_t *p = NULL;
	size_t i, n = 0;

	label[0] = '\0';
	for (i = 0; i + sizeof(begin) - 1 <= len; i++) {
		if (memcmp(pem + i, begin, sizeof(begin) - 1) == 0) {
			p = pem + i + sizeof(begin) - 1;
			break;
		}
	}
	if (!p)
		return;
	while (p + n < pem + len && p[n] != '-' && p[n] != '\n' && n + 1 < max) {
		label[n] = (char)p[n];
		n++;
	}
	label[n] = '\0';
}

int es_sm2_key_from_pem(es_sm2_key **out, const uint8_t *pem, size_t len, const char *pass)
{
	char label[64];
	BIO *bio = NULL;
	EVP_PKEY *pkey = NULL;
	int err = 0;

	ES_ASSERT_ARG(out && (pem || len == 0));
	*out = NULL;
	if ((err = es_crypto__init()) < 0)
		return err;
	if (len > ES_MAX_CERT_DER)
		return es_error_set(ES_ELIMIT, "pem key too large: %zu bytes", len);
	pem_label(label, sizeof(label), pem, len);
	if (!label[0])
		return es_error_set(ES_EMALFORMED, "no pem key found");
	bio = BIO_new_mem_buf(pem, (int)len);
	if (!bio)
		return es_crypto__fail(ES_ENOMEM, "cannot allocate a bio");
	if (strcmp(label, "PUBLIC KEY") == 0) {
		pkey = PEM_read_bio_PUBKEY_ex(bio, NULL, pem_pass_cb, NULL, NULL, NULL);
		if (!pkey) {
			err = es_crypto__fail(ES_EMALFORMED, "cannot decode the pem public key");
			goto done;
		}
	} else if (strcmp(label, "ENCRYPTED PRIVATE KEY") == 0) {
		if (!pass) {
			err = es_error_set(ES_EDENIED, "the private key is encrypted: a passphrase "
				"is required");
			goto done;
		}
		pkey = PEM_read_bio_PrivateKey_ex(bio, NULL, pem_pass_cb, (void *)pass, NULL, NULL);
		if (!pkey) {
			/* PBES2 with a wrong passphrase fails on the padding or the inner DER */
			err = es_crypto__fail(ES_EDENIED, "cannot decrypt the private key: wrong "
					      "passphrase or corrupt key");
			goto done;
		}
	} else if (strcmp(label, "PRIVATE KEY") == 0 || strcmp(label, "EC PRIVATE KEY") == 0 ||
		   strcmp(label, "SM2 PRIVATE KEY") == 0) {
		pkey = PEM_read_bio_PrivateKey_ex(bio, NULL, pem_pass_cb, (void *)pass, NULL, NULL);
		if (!pkey) {
			err = es_crypto__fail(ES_EMALFORMED, "cannot decode the pem private key");
			goto done;
		}
	} else {
		err = es_error_set(ES_ENOTSUPPORTED, "unsupported pem block '%s'", label);
		goto done;
	}
	err = es_crypto__key_from_evp(out, pkey);
done:
	ERR_clear_error();
	EVP_PKEY_free(pkey);
	BIO_free(bio);
	return err;
}

/* PBKDF2 iterations for encrypted PEM keys (as GmSSL and eet use). */
#define PEM_PBKDF2_ITER 65536

int es_sm2_key_private_pem(es_buf *out, const es_sm2_key *key, const char *pass)
{
	BIO *bio = NULL;
	PKCS8_PRIV_KEY_INFO *p8inf = NULL;
	X509_ALGOR *pbe = NULL;
	X509_SIG *p8 = NULL;
	int err = 0;

	ES_ASSERT_ARG(out && key);
	if (!es_sm2_key_has_private(key))
		return es_error_set(ES_EINVAL, "key has no private part");
	if ((err = es_crypto__init()) < 0)
		return err;
	/* secure memory BIO: freed with OPENSSL_clear_free */
	bio = BIO_new(BIO_s_secmem());
	p8inf = EVP_PKEY2PKCS8(key->pkey);
	if (!bio || !p8inf) {
		err = es_crypto__fail(ES_ECRYPTO, "cannot encode the private key");
		goto done;
	}
	if (!pass) {
		if (!PEM_write_bio_PKCS8_PRIV_KEY_INFO(bio, p8inf)) {
			err = es_crypto__fail(ES_ECRYPTO, "cannot write the private key");
			goto done;
		}
	} else {
		size_t plen = strlen(pass);
		if (plen == 0 || plen > 1024) {
			err = es_error_set(ES_EINVAL, "passphrase must be 1 to 1024 bytes");
			goto done;
		}
		/*
		 * PBES2: PBKDF2 with PRF hmacWithSM3 (OID registered in
		 * es_crypto__init, since OpenSSL 3.0 has none) and SM4-CBC.
		 * Salt and IV are random.
		 */
		pbe = PKCS5_pbe2_set_iv_ex(EVP_sm4_cbc(), PEM_PBKDF2_ITER, NULL, 0, NULL,
					   es_crypto__hmac_sm3_nid(), NULL);
		if (!pbe) {
			err = es_crypto__fail(ES_ECRYPTO, "cannot set up pbes2");
			goto done;
		}
		p8 = PKCS8_set0_pbe_ex(pass, (int)plen, p8inf, pbe, NULL, NULL);
		if (!p8) {
			err = es_crypto__fail(ES_ECRYPTO, "cannot encrypt the private key");
			goto done;
		}
		pbe = NULL; /* owned by p8 */
		if (!PEM_write_bio_PKCS8(bio, p8)) {
			err = es_crypto__fail(ES_ECRYPTO, "cannot write the private key");
			goto done;
		}
	}
	err = es_crypto__bio_to_buf(out, bio);
done:
	X509_ALGOR_free(pbe);
	X509_SIG_free(p8);
	PKCS8_PRIV_KEY_INFO_free(p8inf);
	BIO_free(bio);
	return err;
}

int es_sm2_key_public_pem(es_buf *out, const es_sm2_key *key)
{
	BIO *bio;
	int err;

	ES_ASSERT_ARG(out && key);
	bio = BIO_new(BIO_s_mem());
	if (!bio || !PEM_write_bio_PUBKEY(bio, key->pkey)) {
		BIO_free(bio);
		return es_crypto__fail(ES_ECRYPTO, "cannot write the public key");
	}
	err = es_crypto__bio_to_buf(out, bio);
	BIO_free(bio);
	return err;
}

int es_sm2_key_spki(es_buf *out, const es_sm2_key *key)
{
	unsigned char *der = NULL;
	int n, err;

	ES_ASSERT_ARG(out && key);
	n = i2d_PUBKEY(key->pkey, &der);
	if (n <= 0)
		return es_crypto__fail(ES_ECRYPTO, "cannot encode the public key");
	err = es_buf_put(out, der, (size_t)n);
	OPENSSL_free(der);
	return err;
}

int es_sm2_key_point(uint8_t out[65], const es_sm2_key *key)
{
	ES_ASSERT_ARG(out && key);
	return pkey_point(out, key->pkey);
}

bool es_sm2_key_has_private(const es_sm2_key *key)
{
	BIGNUM *d = NULL;
	bool has;

	if (!key)
		return false;
	if (key->fast)
		return key->fast->has_priv;
	has = EVP_PKEY_get_bn_param(key->pkey, OSSL_PKEY_PARAM_PRIV_KEY, &d) == 1;
	BN_clear_free(d);
	ERR_clear_error();
	return has;
}

/* ---- Z and signatures -------------------------------------------------- */

/* Z = SM3(ENTL || ID || a || b || xG || yG || xA || yA) */
static int z_of_point(uint8_t z[32], const uint8_t point[65], const uint8_t *id, size_t idlen)
{
	uint8_t entl[2];
	es_sm3_ctx *h = NULL;
	int err;

	entl[0] = (uint8_t)((idlen * 8) >> 8);
	entl[1] = (uint8_t)(idlen * 8);
	if ((err = es_sm3_new(&h)) < 0)
		return err;
	if ((err = es_sm3_update(h, entl, 2)) < 0 || (err = es_sm3_update(h, id, idlen)) < 0 ||
	    (err = es_sm3_update(h, sm2_a, 32)) < 0 || (err = es_sm3_update(h, sm2_b, 32)) < 0 ||
	    (err = es_sm3_update(h, sm2_gx, 32)) < 0 || (err = es_sm3_update(h, sm2_gy, 32)) < 0 ||
	    (err = es_sm3_update(h, point + 1, 64)) < 0 || (err = es_sm3_final(h, z)) < 0)
		goto done;
done:
	es_sm3_free(h);
	return err;
}

static bool is_default_id(const uint8_t *id, size_t idlen)
{
	return idlen == ES_SM2_DEFAULT_ID_LEN && memcmp(id, default_id, idlen) == 0;
}

int es_sm2_z(uint8_t z[32], const es_sm2_key *key, const uint8_t *id, size_t idlen)
{
	uint8_t point[65];
	int err;

	ES_ASSERT_ARG(z && key && (id || idlen == 0));
	if ((err = pick_id(&id, &idlen)) < 0)
		return err;
	if (key->fast && is_default_id(id, idlen)) {
		memcpy(z, key->zdef, 32);
		return 0;
	}
	if ((err = pkey_point(point, key->pkey)) < 0)
		return err;
	return z_of_point(z, point, id, idlen);
}

/* ---- the fast path (sm2_p256.c) --------------------------------------------- */

/* e = SM3(Z || M) */
static void hash_e(uint8_t e[32], const uint8_t z[32], const void *msg, size_t len)
{
	es_sm3s_hash_head(e, z, msg, len);
}

static int fast_sign_e(es_buf *sig, const es_sm2_key *key, const uint8_t e[32])
{
	uint8_t raw[64], der[72];
	size_t n;

	if (!key->fast->has_priv)
		return es_error_set(ES_EINVAL, "key has no private part");
	if (es_sm2p_sign(key->fast, e, raw) < 0)
		return es_crypto__fail(ES_ECRYPTO, "sm2 signing failed: no random nonce");
	n = es_sm2p_raw_to_der(der, raw);
	return es_buf_put(sig, der, n);
}

static int fast_verify_e(const es_sm2_key *key, const uint8_t e[32], const uint8_t *sig,
			 size_t siglen)
{
	uint8_t raw[64];
	int rc;

	if (es_sm2p_der_to_raw(raw, sig, siglen) < 0) {
		if (siglen != 64)
			return es_error_set(ES_EMALFORMED,
					    "sm2 signature of %zu bytes is neither der nor raw r||s",
					    siglen);
		memcpy(raw, sig, 64);
	}
	/* the key's tables are a cache behind a const key: built once, atomically */
	rc = es_sm2p_verify((es_sm2p_key *)key->fast, e, raw);
	if (rc == -2)
		return es_error_set(ES_ENOMEM, "out of memory");
	if (rc < 0)
		return es_error_set(ES_EVERIFY, "sm2 signature does not verify");
	return 0;
}

/* Z for @p id (default when NULL) into @p z, from the cache when it can. */
static int fast_z(uint8_t z[32], const es_sm2_key *key, const uint8_t *id, size_t idlen)
{
	int err;

	if ((err = pick_id(&id, &idlen)) < 0)
		return err;
	if (is_default_id(id, idlen)) {
		memcpy(z, key->zdef, 32);
		return 0;
	}
	return es_sm2_z(z, key, id, idlen);
}

int es_sm2_sig_raw_to_der(es_buf *out, const uint8_t raw[64])
{
	ECDSA_SIG *sig = NULL;
	BIGNUM *r = NULL, *s = NULL;
	unsigned char *der = NULL;
	int n, err = 0;

	ES_ASSERT_ARG(out && raw);
	sig = ECDSA_SIG_new();
	r = BN_bin2bn(raw, 32, NULL);
	s = BN_bin2bn(raw + 32, 32, NULL);
	if (!sig || !r || !s || !ECDSA_SIG_set0(sig, r, s)) {
		BN_free(r);
		BN_free(s);
		err = es_crypto__fail(ES_ENOMEM, "cannot build a signature");
		goto done;
	}
	n = i2d_ECDSA_SIG(sig, &der);
	if (n <= 0) {
		err = es_crypto__fail(ES_ECRYPTO, "cannot encode a signature");
		goto done;
	}
	err = es_buf_put(out, der, (size_t)n);
done:
	OPENSSL_free(der);
	ECDSA_SIG_free(sig);
	return err;
}

/* Strict DER SEQUENCE{r, s} with 0 < r, s < 2^256; NULL on failure. */
static ECDSA_SIG *sig_from_der(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	unsigned char *re = NULL;
	ECDSA_SIG *sig;
	const BIGNUM *r, *s;
	bool ok = false;
	int n;

	if (len < 8 || len > ES_SM2_MAX_SIG_LEN)
		return NULL;
	sig = d2i_ECDSA_SIG(NULL, &p, (long)len);
	if (!sig || p != der + len)
		goto done;
	ECDSA_SIG_get0(sig, &r, &s);
	if (BN_is_negative(r) || BN_is_negative(s) || BN_num_bytes(r) > 32 || BN_num_bytes(s) > 32)
		goto done;
	/* reject BER and non-minimal integers: the encoding must round-trip */
	n = i2d_ECDSA_SIG(sig, &re);
	ok = n >= 0 && (size_t)n == len && memcmp(re, der, len) == 0;
done:
	OPENSSL_free(re);
	ERR_clear_error();
	if (ok)
		return sig;
	ECDSA_SIG_free(sig);
	return NULL;
}

int es_sm2_sig_der_to_raw(uint8_t raw[64], const uint8_t *der, size_t len)
{
	ECDSA_SIG *sig;
	const BIGNUM *r, *s;

	ES_ASSERT_ARG(raw && (der || len == 0));
	sig = sig_from_der(der, len);
	if (!sig)
		return es_error_set(ES_EMALFORMED, "sm2 signature is not der sequence{r, s}");
	ECDSA_SIG_get0(sig, &r, &s);
	BN_bn2binpad(r, raw, 32);
	BN_bn2binpad(s, raw + 32, 32);
	ECDSA_SIG_free(sig);
	return 0;
}

/*
 * Canonical DER form of a signature given as DER or raw r‖s, into
 * @p der (ES_SM2_MAX_SIG_LEN bytes).
 */
static int sig_normalize(uint8_t *der, size_t *derlen, const uint8_t *sig, size_t siglen)
{
	ECDSA_SIG *s = sig_from_der(sig, siglen);

	if (s) {
		ECDSA_SIG_free(s);
		memcpy(der, sig, siglen);
		*derlen = siglen;
		return 0;
	}
	if (siglen == 64) {
		es_buf b = ES_BUF_INIT;
		int err = es_sm2_sig_raw_to_der(&b, sig);
		if (err == 0 && b.len <= ES_SM2_MAX_SIG_LEN) {
			memcpy(der, b.ptr, b.len);
			*derlen = b.len;
		} else if (err == 0) {
			err = es_error_set(ES_EINTERNAL, "signature encoding too long");
		}
		es_buf_release(&b);
		return err;
	}
	return es_error_set(ES_EMALFORMED, "sm2 signature of %zu bytes is neither der nor raw r||s",
			    siglen);
}

int es_sm2_sign(es_buf *sig, const es_sm2_key *key, const uint8_t *id, size_t idlen,
		const void *msg, size_t len)
{
	EVP_MD_CTX *mctx = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	uint8_t out[ES_SM2_MAX_SIG_LEN + 8];
	size_t outlen = sizeof(out);
	int err = 0;

	ES_ASSERT_ARG(sig && key && (id || idlen == 0) && (msg || len == 0));
	if (key->fast) {
		uint8_t z[32], e[32];
		if ((err = fast_z(z, key, id, idlen)) < 0)
			return err;
		hash_e(e, z, msg, len);
		return fast_sign_e(sig, key, e);
	}
	if ((err = pick_id(&id, &idlen)) < 0)
		return err;
	mctx = EVP_MD_CTX_new();
	pctx = EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL);
	if (!mctx || !pctx) {
		err = es_crypto__fail(ES_ENOMEM, "cannot allocate a signing context");
		goto done;
	}
	/* The documented SM2 pattern (EVP_PKEY-SM2(7)): ID on the pkey ctx first. */
	if (EVP_PKEY_CTX_set1_id(pctx, id, (int)idlen) <= 0) {
		err = es_crypto__fail(ES_ECRYPTO, "cannot set the sm2 id");
		goto done;
	}
	EVP_MD_CTX_set_pkey_ctx(mctx, pctx);
	if (EVP_DigestSignInit_ex(mctx, NULL, "SM3", NULL, NULL, key->pkey, NULL) <= 0 ||
	    EVP_DigestSign(mctx, out, &outlen, len ? msg : (const void *)"", len) <= 0) {
		err = es_crypto__fail(ES_ECRYPTO, "sm2 signing failed");
		goto done;
	}
	err = es_buf_put(sig, out, outlen);
done:
	EVP_MD_CTX_free(mctx);
	EVP_PKEY_CTX_free(pctx);
	return err;
}

int es_sm2_verify(const es_sm2_key *key, const uint8_t *id, size_t idlen, const void *msg,
		  size_t len, const uint8_t *sig, size_t siglen)
{
	EVP_MD_CTX *mctx = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	uint8_t der[ES_SM2_MAX_SIG_LEN];
	size_t derlen = 0;
	int err, rc;

	ES_ASSERT_ARG(key && (id || idlen == 0) && (msg || len == 0) && (sig || siglen == 0));
	if (key->fast) {
		uint8_t z[32], e[32];
		if ((err = fast_z(z, key, id, idlen)) < 0)
			return err;
		es_sm3s_hash_prefixed(e, z, msg, len); /* public data: the prefix cache may keep it */
		return fast_verify_e(key, e, sig, siglen);
	}
	if ((err = pick_id(&id, &idlen)) < 0)
		return err;
	if ((err = sig_normalize(der, &derlen, sig, siglen)) < 0)
		return err;
	mctx = EVP_MD_CTX_new();
	pctx = EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL);
	if (!mctx || !pctx) {
		err = es_crypto__fail(ES_ENOMEM, "cannot allocate a verification context");
		goto done;
	}
	if (EVP_PKEY_CTX_set1_id(pctx, id, (int)idlen) <= 0) {
		err = es_crypto__fail(ES_ECRYPTO, "cannot set the sm2 id");
		goto done;
	}
	EVP_MD_CTX_set_pkey_ctx(mctx, pctx);
	if (EVP_DigestVerifyInit_ex(mctx, NULL, "SM3", NULL, NULL, key->pkey, NULL) <= 0) {
		err = es_crypto__fail(ES_ECRYPTO, "cannot start sm2 verification");
		goto done;
	}
	rc = EVP_DigestVerify(mctx, der, derlen, len ? msg : (const void *)"", len);
	ERR_clear_error();
	if (rc != 1)
		err = es_error_set(ES_EVERIFY, "sm2 signature does not verify");
done:
	EVP_MD_CTX_free(mctx);
	EVP_PKEY_CTX_free(pctx);
	return err;
}

/* SM2 on a precomputed e with an initialised pkey ctx. */
static int sign_e(es_buf *sig, EVP_PKEY_CTX *ctx, const uint8_t e[32])
{
	uint8_t out[ES_SM2_MAX_SIG_LEN + 8];
	size_t outlen = sizeof(out);

	if (EVP_PKEY_sign(ctx, out, &outlen, e, 32) <= 0)
		return es_crypto__fail(ES_ECRYPTO, "sm2 signing failed");
	return es_buf_put(sig, out, outlen);
}

static int verify_e(EVP_PKEY_CTX *ctx, const uint8_t e[32], const uint8_t *sig, size_t siglen)
{
	uint8_t der[ES_SM2_MAX_SIG_LEN];
	size_t derlen = 0;
	int err, rc;

	if ((err = sig_normalize(der, &derlen, sig, siglen)) < 0)
		return err;
	rc = EVP_PKEY_verify(ctx, der, derlen, e, 32);
	ERR_clear_error();
	if (rc != 1)
		return es_error_set(ES_EVERIFY, "sm2 signature does not verify");
	return 0;
}

int es_sm2_sign_digest(es_buf *sig, const es_sm2_key *key, const uint8_t e[32])
{
	EVP_PKEY_CTX *ctx;
	int err;

	ES_ASSERT_ARG(sig && key && e);
	if (key->fast)
		return fast_sign_e(sig, key, e);
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL);
	if (!ctx || EVP_PKEY_sign_init(ctx) <= 0) {
		EVP_PKEY_CTX_free(ctx);
		return es_crypto__fail(ES_ECRYPTO, "cannot start sm2 signing");
	}
	err = sign_e(sig, ctx, e);
	EVP_PKEY_CTX_free(ctx);
	return err;
}

int es_sm2_verify_digest(const es_sm2_key *key, const uint8_t e[32], const uint8_t *sig,
			 size_t siglen)
{
	EVP_PKEY_CTX *ctx;
	int err;

	ES_ASSERT_ARG(key && e && (sig || siglen == 0));
	if (key->fast)
		return fast_verify_e(key, e, sig, siglen);
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL);
	if (!ctx || EVP_PKEY_verify_init(ctx) <= 0) {
		EVP_PKEY_CTX_free(ctx);
		return es_crypto__fail(ES_ECRYPTO, "cannot start sm2 verification");
	}
	err = verify_e(ctx, e, sig, siglen);
	EVP_PKEY_CTX_free(ctx);
	return err;
}

/* ---- signer ------------------------------------------------------------ */

struct es_sm2_signer {
	es_sm2_key *key;
	uint8_t z[32];
	EVP_MD *sm3;
	EVP_MD_CTX *md;
	EVP_PKEY_CTX *sign; /* NULL for a public key */
	EVP_PKEY_CTX *verify;
};

int es_sm2_signer_new(es_sm2_signer **out, es_sm2_key *key, const uint8_t *id, size_t idlen)
{
	es_sm2_signer *s;
	int err;

	ES_ASSERT_ARG(out && key && (id || idlen == 0));
	*out = NULL;
	s = es_calloc(1, sizeof(*s));
	if (!s)
		return es_error_set(ES_ENOMEM, "out of memory");
	s->key = es_sm2_key_ref(key);
	if ((err = es_sm2_z(s->z, key, id, idlen)) < 0)
		goto done;
	if (key->fast) {
		*out = s;
		return 0;
	}
	s->sm3 = EVP_MD_fetch(NULL, "SM3", NULL);
	s->md = EVP_MD_CTX_new();
	s->verify = EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL);
	if (!s->sm3 || !s->md || !s->verify || EVP_PKEY_verify_init(s->verify) <= 0) {
		err = es_crypto__fail(ES_ECRYPTO, "cannot set up an sm2 signer");
		goto done;
	}
	if (es_sm2_key_has_private(key)) {
		s->sign = EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL);
		if (!s->sign || EVP_PKEY_sign_init(s->sign) <= 0) {
			err = es_crypto__fail(ES_ECRYPTO, "cannot set up an sm2 signer");
			goto done;
		}
	}
	*out = s;
	s = NULL;
done:
	es_sm2_signer_free(s);
	return err;
}

/* e = SM3(Z ‖ M) */
static int signer_e(es_sm2_signer *s, uint8_t e[32], const void *msg, size_t len)
{
	unsigned int n = 0;

	if (s->key->fast) {
		hash_e(e, s->z, msg, len);
		return 0;
	}
	if (!EVP_DigestInit_ex(s->md, s->sm3, NULL) || !EVP_DigestUpdate(s->md, s->z, 32) ||
	    (len && !EVP_DigestUpdate(s->md, msg, len)) || !EVP_DigestFinal_ex(s->md, e, &n) ||
	    n != 32)
		return es_crypto__fail(ES_ECRYPTO, "sm3 failed");
	return 0;
}

int es_sm2_signer_sign(es_sm2_signer *s, es_buf *sig, const void *msg, size_t len)
{
	uint8_t e[32];
	int err;

	ES_ASSERT_ARG(s && sig && (msg || len == 0));
	if (s->key->fast) {
		uint8_t e[32];
		hash_e(e, s->z, msg, len);
		return fast_sign_e(sig, s->key, e);
	}
	if (!s->sign)
		return es_error_set(ES_EINVAL, "signer key has no private part");
	if ((err = signer_e(s, e, msg, len)) < 0)
		return err;
	return sign_e(sig, s->sign, e);
}

int es_sm2_signer_sign_digest(es_sm2_signer *s, es_buf *sig, const uint8_t e[32])
{
	ES_ASSERT_ARG(s && sig && e);
	if (s->key->fast)
		return fast_sign_e(sig, s->key, e);
	if (!s->sign)
		return es_error_set(ES_EINVAL, "signer key has no private part");
	return sign_e(sig, s->sign, e);
}

const uint8_t *es_sm2_signer_z(const es_sm2_signer *s)
{
	return s->z;
}

int es_sm2_signer_verify(es_sm2_signer *s, const void *msg, size_t len, const uint8_t *sig,
			  size_t siglen)
{
	uint8_t e[32];
	int err;

	ES_ASSERT_ARG(s && (msg || len == 0) && (sig || siglen == 0));
	if (s->key->fast) {
		es_sm3s_hash_prefixed(e, s->z, msg, len);
		return fast_verify_e(s->key, e, sig, siglen);
	}
	if ((err = signer_e(s, e, msg, len)) < 0)
		return err;
	return verify_e(s->verify, e, sig, siglen);
}

void es_sm2_signer_free(es_sm2_signer *s)
{
	if (!s)
		return;
	EVP_PKEY_CTX_free(s->sign);
	EVP_PKEY_CTX_free(s->verify);
	EVP_MD_CTX_free(s->md);
	EVP_MD_free(s->sm3);
	es_sm2_key_free(s->key);
	es_wipe(s->z, sizeof(s->z));
	es_free(s);
}

/* ---- signing contexts for X.509 objects --------------------------------- */

int es_crypto__sign_ctx_new(EVP_MD_CTX **mctx, EVP_PKEY_CTX **pctx, const es_sm2_key *key)
{
	bool ok = false;

	*mctx = EVP_MD_CTX_new();
	*pctx = EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL);
	if (!*mctx || !*pctx ||
	    EVP_PKEY_CTX_set1_id(*pctx, default_id, ES_SM2_DEFAULT_ID_LEN) <= 0)
		goto done;
	EVP_MD_CTX_set_pkey_ctx(*mctx, *pctx);
	ok = EVP_DigestSignInit_ex(*mctx, NULL, "SM3", NULL, NULL, key->pkey, NULL) > 0;
done:
	if (ok)
		return 0;
	es_crypto__sign_ctx_free(*mctx, *pctx);
	*mctx = NULL;
	*pctx = NULL;
	return es_crypto__fail(ES_ECRYPTO, "cannot set up sm2 signing");
}

void es_crypto__sign_ctx_free(EVP_MD_CTX *mctx, EVP_PKEY_CTX *pctx)
{
	/* EVP_MD_CTX_set_pkey_ctx leaves the pkey ctx to us */
	EVP_MD_CTX_free(mctx);
	EVP_PKEY_CTX_free(pctx);
}
