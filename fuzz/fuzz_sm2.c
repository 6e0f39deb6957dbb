/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Differential fuzzing of our SM2 (src/crypto/sm2_p256.c) against
 * OpenSSL's on public inputs. The first byte picks the mode:
 *
 *   0: key byte, e[32], DER signature: both verifiers must agree, and
 *      our DER reader must agree with OpenSSL's strict one;
 *   1: key byte, e[32], nonce[32], flip list: we sign e with the nonce,
 *      the input flips bits of r||s; both verifiers must agree (this
 *      reaches valid signatures, which mutation alone never finds);
 *   2: a 65-byte point: accepted by us exactly when OpenSSL takes it as an
 *      SM2 public key, and then both verify alike a raw r||s that follows.
 *
 * Any disagreement aborts.
 */
#include "es_int.h"
#include "fuzz.h"
#include "eseal/es_crypto.h"
#include "crypto/crypto_int.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/param_build.h>

#include <stdlib.h>

#define NKEYS 3

static es_sm2p_key keys[NKEYS];
static EVP_PKEY *okeys[NKEYS];
static uint8_t points[NKEYS][65];

static EVP_PKEY *ossl_key(const uint8_t point[65], const uint8_t *d)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	BIGNUM *bn = d ? BN_bin2bn(d, 32, NULL) : NULL;

	if (bld && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "SM2", 0) &&
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, 65) &&
	    (!bn || OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, bn)) &&
	    (params = OSSL_PARAM_BLD_to_param(bld)) != NULL &&
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "SM2", NULL)) != NULL &&
	    EVP_PKEY_fromdata_init(ctx) > 0)
		if (EVP_PKEY_fromdata(ctx, &pkey, bn ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params) <= 0)
			pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(bn);
	ERR_clear_error();
	return pkey;
}

static void setup(void)
{
	static bool done;
	/* 1, the GB/T 32918.5 example key, n - 2 */
	static const uint8_t ds[NKEYS][32] = {
		{ [31] = 1 },
		{ 0x39, 0x45, 0x20, 0x8F, 0x7B, 0x21, 0x44, 0xB1, 0x3F, 0x36, 0xE3, 0x8A, 0xC6, 0xD3, 0x9F, 0x95,
		  0x88, 0x93, 0x93, 0x69, 0x28, 0x60, 0xB5, 0x1A, 0x42, 0xFB, 0x81, 0xEF, 0x4D, 0xF7, 0xC5, 0xB8 },
		{ 0xFF, 0xFF, 0xFF, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
		  0x72, 0x03, 0xDF, 0x6B, 0x21, 0xC6, 0x05, 0x2B, 0x53, 0xBB, 0xF4, 0x09, 0x39, 0xD5, 0x41, 0x21 },
	};
	if (done)
		return;
	for (int i = 0; i < NKEYS; i++) {
		if (es_sm2p_public_point(points[i], ds[i]) < 0 ||
		    es_sm2p_key_init(&keys[i], points[i], ds[i]) < 0 ||
		    !(okeys[i] = ossl_key(points[i], ds[i])))
			abort();
	}
	done = true;
}

/* OpenSSL's verdict on DER @p sig over e: 1 valid, 0 not. */
static int ossl_verify(EVP_PKEY *k, const uint8_t e[32], const uint8_t *sig, size_t len)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(k, NULL);
	int rc;
	if (!ctx || EVP_PKEY_verify_init(ctx) <= 0)
		abort();
	rc = EVP_PKEY_verify(ctx, sig, len, e, 32) == 1;
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	return rc;
}

/* Our verdict: DER reader then verification. */
static int ours_verify(es_sm2p_key *k, const uint8_t e[32], const uint8_t *sig, size_t len)
{
	uint8_t raw[64];
	if (es_sm2p_der_to_raw(raw, sig, len) < 0)
		return 0;
	return es_sm2p_verify(k, e, raw) == 0;
}

/* OpenSSL's strict DER reader (es_sm2_sig_der_to_raw) against ours. */
static void check_der(const uint8_t *sig, size_t len)
{
	uint8_t a[64], b[64];
	int ra = es_sm2p_der_to_raw(a, sig, len), rb = es_sm2_sig_der_to_raw(b, sig, len);
	es_error_clear();
	if ((ra == 0) != (rb == 0) || (ra == 0 && memcmp(a, b, 64) != 0))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t e[32];
	unsigned ki;

	setup();
	if (size < 2)
		return 0;
	switch (data[0] % 3) {
	case 0: {
		const uint8_t *sig;
		size_t len;
		if (size < 2 + 32)
			return 0;
		ki = data[1] % NKEYS;
		memcpy(e, data + 2, 32);
		sig = data + 34;
		len = size - 34;
		if (len > 200)
			return 0;
		check_der(sig, len);
		if (ours_verify(&keys[ki], e, sig, len) != ossl_verify(okeys[ki], e, sig, len))
			abort();
		break;
	}
	case 1: {
		uint8_t raw[64], der[72];
		size_t len;
		if (size < 2 + 64)
			return 0;
		ki = data[1] % NKEYS;
		memcpy(e, data + 2, 32);
		if (es_sm2p_sign_k(&keys[ki], e, data + 34, raw) < 0)
			return 0; /* nonce out of range or to be discarded */
		for (size_t i = 66; i + 1 < size; i += 2)
			raw[data[i] % 64] ^= data[i + 1];
		len = es_sm2p_raw_to_der(der, raw);
		if (ours_verify(&keys[ki], e, der, len) != ossl_verify(okeys[ki], e, der, len))
			abort();
		break;
	}
	default: {
		es_sm2p_key k;
		EVP_PKEY *ok;
		int ours;
		if (size < 1 + 65)
			return 0;
		ours = es_sm2p_key_init(&k, data + 1, NULL) == 0;
		ok = data[1] == 0x04 ? ossl_key(data + 1, NULL) : NULL;
		if (ours != (ok != NULL))
			abort();
		if (ours && size >= 1 + 65 + 32 + 64) {
			uint8_t der[72];
			size_t len = es_sm2p_raw_to_der(der, data + 1 + 65 + 32);
			memcpy(e, data + 66, 32);
			if (ours_verify(&k, e, der, len) != ossl_verify(ok, e, der, len))
				abort();
		}
		if (ours)
			es_sm2p_key_clear(&k);
		EVP_PKEY_free(ok);
		break;
	}
	}
	return 0;
}
