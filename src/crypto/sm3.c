/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* SM3 (GB/T 32905), HMAC-SM3 (RFC 2104) and PBKDF2-HMAC-SM3 (RFC 8018). */
#include "es_int.h"
#include "crypto/crypto_int.h"

#include "crypto/sm3_fast.h"
#include "crypto/sm2_p256.h"

#include <openssl/hmac.h>

/*
 * Our SM3 (sm3_fast.c) unless ESEAL_CRYPTO=openssl or built without it;
 * the choice is made once per object.
 */
struct es_sm3_ctx {
	EVP_MD_CTX *ctx; /* NULL when fast */
	es_sm3_state st;
};

int es_sm3_new(es_sm3_ctx **out)
{
	es_sm3_ctx *h;

	ES_ASSERT_ARG(out);
	*out = NULL;
	h = es_calloc(1, sizeof(*h));
	if (!h)
		return es_error_set(ES_ENOMEM, "out of memory");
	if (es_sm2p_enabled()) {
		es_sm3s_init(&h->st);
		*out = h;
		return 0;
	}
	h->ctx = EVP_MD_CTX_new();
	if (!h->ctx || !EVP_DigestInit_ex(h->ctx, EVP_sm3(), NULL)) {
		es_sm3_free(h);
		return es_crypto__fail(ES_ECRYPTO, "cannot start an sm3 hash");
	}
	*out = h;
	return 0;
}

int es_sm3_update(es_sm3_ctx *h, const void *data, size_t len)
{
	ES_ASSERT_ARG(h && (data || len == 0));
	if (!h->ctx) {
		if (len)
			es_sm3s_update(&h->st, data, len);
		return 0;
	}
	if (len && !EVP_DigestUpdate(h->ctx, data, len))
		return es_crypto__fail(ES_ECRYPTO, "sm3 update failed");
	return 0;
}

int es_sm3_final(es_sm3_ctx *h, uint8_t out[ES_SM3_DIGEST_LEN])
{
	unsigned int n = 0;

	ES_ASSERT_ARG(h && out);
	if (!h->ctx) {
		es_sm3s_final(&h->st, out);
		es_sm3s_init(&h->st);
		return 0;
	}
	if (!EVP_DigestFinal_ex(h->ctx, out, &n) || n != ES_SM3_DIGEST_LEN ||
	    !EVP_DigestInit_ex(h->ctx, EVP_sm3(), NULL))
		return es_crypto__fail(ES_ECRYPTO, "sm3 final failed");
	return 0;
}

int es_sm3_copy(es_sm3_ctx *dst, const es_sm3_ctx *src)
{
	ES_ASSERT_ARG(dst && src);
	if (!dst->ctx != !src->ctx)
		return es_error_set(ES_EINVAL, "sm3 contexts of different implementations");
	if (!src->ctx) {
		dst->st = src->st;
		return 0;
	}
	if (!EVP_MD_CTX_copy_ex(dst->ctx, src->ctx))
		return es_crypto__fail(ES_ECRYPTO, "sm3 copy failed");
	return 0;
}

void es_sm3_free(es_sm3_ctx *h)
{
	if (!h)
		return;
	EVP_MD_CTX_free(h->ctx);
	es_wipe(&h->st, sizeof(h->st));
	es_free(h);
}

int es_sm3(uint8_t out[ES_SM3_DIGEST_LEN], const void *data, size_t len)
{
	unsigned int n = 0;

	ES_ASSERT_ARG(out && (data || len == 0));
	if (es_sm2p_enabled()) {
		es_sm3_state st;
		es_sm3s_init(&st);
		if (len)
			es_sm3s_update(&st, data, len);
		es_sm3s_final(&st, out);
		return 0;
	}
	if (!EVP_Digest(len ? data : "", len, out, &n, EVP_sm3(), NULL) || n != ES_SM3_DIGEST_LEN)
		return es_crypto__fail(ES_ECRYPTO, "sm3 failed");
	return 0;
}

int es_hmac_sm3(uint8_t out[ES_SM3_DIGEST_LEN], const uint8_t *key, size_t keylen, const void *data,
		size_t len)
{
	static const uint8_t empty[1] = { 0 };
	unsigned int n = 0;

	ES_ASSERT_ARG(out && (key || keylen == 0) && (data || len == 0));
	if (keylen > (size_t)ES_INT_MAX)
		return es_error_set(ES_ELIMIT, "hmac key too long");
	if (!HMAC(EVP_sm3(), keylen ? key : empty, (int)keylen, len ? data : empty, len, out, &n) ||
	    n != ES_SM3_DIGEST_LEN)
		return es_crypto__fail(ES_ECRYPTO, "hmac-sm3 failed");
	return 0;
}

int es_pbkdf2_sm3(uint8_t *out, size_t outlen, const char *pass, size_t passlen,
		  const uint8_t *salt, size_t saltlen, unsigned iterations)
{
	static const uint8_t empty[1] = { 0 };

	ES_ASSERT_ARG(out && outlen > 0 && (pass || passlen == 0) && (salt || saltlen == 0));
	ES_ASSERT_ARG(iterations > 0);
	if (outlen > (size_t)ES_INT_MAX || passlen > (size_t)ES_INT_MAX ||
	    saltlen > (size_t)ES_INT_MAX || iterations > (unsigned)ES_INT_MAX)
		return es_error_set(ES_ELIMIT, "pbkdf2 parameter too large");
	if (!PKCS5_PBKDF2_HMAC(passlen ? pass : (const char *)empty, (int)passlen,
			       saltlen ? salt : empty, (int)saltlen, (int)iterations, EVP_sm3(),
			       (int)outlen, out))
		return es_crypto__fail(ES_ECRYPTO, "pbkdf2-hmac-sm3 failed");
	return 0;
}
