/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* SM4 (GB/T 32907): one block, CBC with PKCS#7 padding, CTR. */
#include "es_int.h"
#include "crypto/crypto_int.h"

static int sm4_block(uint8_t out[16], const uint8_t key[16], const uint8_t in[16], int enc)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0, err = 0;

	if (!ctx)
		return es_crypto__fail(ES_ENOMEM, "cannot allocate a cipher context");
	if (!EVP_CipherInit_ex(ctx, EVP_sm4_ecb(), NULL, key, NULL, enc) ||
	    !EVP_CIPHER_CTX_set_padding(ctx, 0) || !EVP_CipherUpdate(ctx, out, &n, in, 16) ||
	    n != 16)
		err = es_crypto__fail(ES_ECRYPTO, "sm4 block operation failed");
	EVP_CIPHER_CTX_free(ctx); /* wipes the key schedule */
	return err;
}

int es_sm4_encrypt_block(uint8_t out[16], const uint8_t key[16], const uint8_t in[16])
{
	ES_ASSERT_ARG(out && key && in);
	return sm4_block(out, key, in, 1);
}

int es_sm4_decrypt_block(uint8_t out[16], const uint8_t key[16], const uint8_t in[16])
{
	ES_ASSERT_ARG(out && key && in);
	return sm4_block(out, key, in, 0);
}

/*
 * Run @p cipher over @p in and append to @p out. On failure the bytes
 * already written past the old length are wiped and dropped.
 */
static int sm4_run(es_buf *out, const EVP_CIPHER *cipher, const uint8_t key[16],
		   const uint8_t iv[16], const uint8_t *in, size_t len, int enc, bool pad)
{
	EVP_CIPHER_CTX *ctx = NULL;
	size_t start = out->len, room;
	int err = 0, n1 = 0, n2 = 0;

	if (len > (size_t)ES_INT_MAX - 32)
		return es_error_set(ES_ELIMIT, "sm4 input too large");
	room = len + 16;
	if ((err = es_buf_reserve(out, room)) < 0)
		return err;
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return es_crypto__fail(ES_ENOMEM, "cannot allocate a cipher context");
	if (!EVP_CipherInit_ex(ctx, cipher, NULL, key, iv, enc) ||
	    !EVP_CIPHER_CTX_set_padding(ctx, pad ? 1 : 0)) {
		err = es_crypto__fail(ES_ECRYPTO, "cannot start sm4");
		goto done;
	}
	if (!EVP_CipherUpdate(ctx, out->ptr + start, &n1, len ? in : (const uint8_t *)"", (int)len)) {
		err = es_crypto__fail(ES_ECRYPTO, "sm4 failed");
		goto done;
	}
	if (!EVP_CipherFinal_ex(ctx, out->ptr + start + n1, &n2)) {
		if (!enc && pad)
			err = es_crypto__fail(ES_EVERIFY, "sm4-cbc decryption failed: bad padding "
						"(wrong key or corrupt data)");
		else
			err = es_crypto__fail(ES_ECRYPTO, "sm4 failed");
		goto done;
	}
	out->len = start + (size_t)n1 + (size_t)n2;
	out->ptr[out->len] = '\0';
done:
	if (err) {
		OPENSSL_cleanse(out->ptr + start, room);
		out->len = start;
		out->ptr[start] = '\0';
	}
	EVP_CIPHER_CTX_free(ctx);
	return err;
}

int es_sm4_cbc_encrypt(es_buf *out, const uint8_t key[16], const uint8_t iv[16], const uint8_t *in,
		       size_t len)
{
	ES_ASSERT_ARG(out && key && iv && (in || len == 0));
	return sm4_run(out, EVP_sm4_cbc(), key, iv, in, len, 1, true);
}

int es_sm4_cbc_decrypt(es_buf *out, const uint8_t key[16], const uint8_t iv[16], const uint8_t *in,
		       size_t len)
{
	ES_ASSERT_ARG(out && key && iv && (in || len == 0));
	if (len == 0 || len % 16 != 0)
		return es_error_set(ES_EMALFORMED, "sm4-cbc ciphertext length %zu is not a positive "
				    "multiple of 16", len);
	return sm4_run(out, EVP_sm4_cbc(), key, iv, in, len, 0, true);
}

int es_sm4_ctr(es_buf *out, const uint8_t key[16], const uint8_t iv[16], const uint8_t *in,
	       size_t len)
{
	ES_ASSERT_ARG(out && key && iv && (in || len == 0));
	return sm4_run(out, EVP_sm4_ctr(), key, iv, in, len, 1, false);
}
