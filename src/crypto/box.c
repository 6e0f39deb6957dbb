/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * es_box: SM4-CTR then HMAC-SM3 (encrypt-then-MAC) for data at rest.
 *
 *   box = version(1) ‖ iv(16) ‖ ciphertext ‖ tag(32)
 *   tag = HMAC-SM3(mac_key, version ‖ iv ‖ aad_len(8, big endian) ‖ aad ‖ ciphertext)
 *
 * The two keys come from the 32-byte box key with one HKDF-Expand block
 * each (RFC 5869 with SM3; the box key is already uniform, so the
 * Extract step is skipped):
 *   enc_key = HMAC-SM3(key, "eseal box v1 enc" ‖ 0x01)[0..16]
 *   mac_key = HMAC-SM3(key, "eseal box v1 mac" ‖ 0x01)
 */
#include "es_int.h"
#include "crypto/crypto_int.h"

#define BOX_VERSION 1
#define BOX_IV_LEN 16
#define BOX_TAG_LEN 32

static int box_keys(uint8_t enc[16], uint8_t mac[32], const uint8_t key[ES_BOX_KEY_LEN])
{
	static const uint8_t enc_info[] = "eseal box v1 enc\x01";
	static const uint8_t mac_info[] = "eseal box v1 mac\x01";
	uint8_t t[32];
	int err;

	if ((err = es_hmac_sm3(t, key, ES_BOX_KEY_LEN, enc_info, sizeof(enc_info) - 1)) < 0)
		goto done;
	memcpy(enc, t, 16);
	err = es_hmac_sm3(mac, key, ES_BOX_KEY_LEN, mac_info, sizeof(mac_info) - 1);
done:
	es_wipe(t, sizeof(t));
	return err;
}

static int box_tag(uint8_t tag[32], const uint8_t mac_key[32], const uint8_t *head,
		   const uint8_t *aad, size_t aadlen, const uint8_t *ct, size_t ctlen)
{
	EVP_MAC *mac = NULL;
	EVP_MAC_CTX *ctx = NULL;
	OSSL_PARAM params[2];
	uint8_t lenbe[8];
	size_t n = 0;
	int err = 0;

	for (int i = 0; i < 8; i++)
		lenbe[i] = (uint8_t)((uint64_t)aadlen >> (56 - 8 * i));
	params[0] = OSSL_PARAM_construct_utf8_string("digest", (char *)"SM3", 0);
	params[1] = OSSL_PARAM_construct_end();
	mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	if (!ctx || !EVP_MAC_init(ctx, mac_key, 32, params) ||
	    !EVP_MAC_update(ctx, head, 1 + BOX_IV_LEN) || !EVP_MAC_update(ctx, lenbe, 8) ||
	    (aadlen && !EVP_MAC_update(ctx, aad, aadlen)) || (ctlen && !EVP_MAC_update(ctx, ct, ctlen)) ||
	    !EVP_MAC_final(ctx, tag, &n, 32) || n != 32)
		err = es_crypto__fail(ES_ECRYPTO, "hmac-sm3 failed");
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return err;
}

int es_box_seal(es_buf *out, const uint8_t key[ES_BOX_KEY_LEN], const uint8_t *aad, size_t aadlen,
		const uint8_t *in, size_t len)
{
	uint8_t enc[16], mac[32], head[1 + BOX_IV_LEN], tag[32];
	size_t start, total;
	int err;

	ES_ASSERT_ARG(out && key && (aad || aadlen == 0) && (in || len == 0));
	start = out->len;
	if (ES_ADD_OVERFLOW(len, (size_t)ES_BOX_OVERHEAD, &total))
		return es_error_set(ES_ELIMIT, "box input too large");
	head[0] = BOX_VERSION;
	if ((err = box_keys(enc, mac, key)) < 0 || (err = es_random(head + 1, BOX_IV_LEN)) < 0 ||
	    (err = es_buf_reserve(out, total)) < 0 || (err = es_buf_put(out, head, sizeof(head))) < 0 ||
	    (err = es_sm4_ctr(out, enc, head + 1, in, len)) < 0 ||
	    (err = box_tag(tag, mac, head, aad, aadlen, out->ptr + start + sizeof(head), len)) < 0 ||
	    (err = es_buf_put(out, tag, sizeof(tag))) < 0)
		goto done;
done:
	if (err && out->ptr) {
		out->len = start;
		out->ptr[start] = '\0';
	}
	es_wipe(enc, sizeof(enc));
	es_wipe(mac, sizeof(mac));
	return err;
}

int es_box_open(es_buf *out, const uint8_t key[ES_BOX_KEY_LEN], const uint8_t *aad, size_t aadlen,
		const uint8_t *in, size_t len)
{
	uint8_t enc[16], mac[32], tag[32];
	const uint8_t *ct;
	size_t ctlen;
	int err;

	ES_ASSERT_ARG(out && key && (aad || aadlen == 0) && (in || len == 0));
	if (len < ES_BOX_OVERHEAD)
		return es_error_set(ES_EMALFORMED, "box too short: %zu bytes", len);
	ct = in + 1 + BOX_IV_LEN;
	ctlen = len - ES_BOX_OVERHEAD;
	if ((err = box_keys(enc, mac, key)) < 0 ||
	    (err = box_tag(tag, mac, in, aad, aadlen, ct, ctlen)) < 0)
		goto done;
	/* Authenticate first; nothing is decrypted unless the tag matches. */
	if (es_ct_eq(tag, ct + ctlen, BOX_TAG_LEN) != 0) {
		err = es_error_set(ES_EVERIFY, "box does not verify: wrong key or modified data");
		goto done;
	}
	if (in[0] != BOX_VERSION) {
		err = es_error_set(ES_ENOTSUPPORTED, "box version %u is not supported", in[0]);
		goto done;
	}
	err = es_sm4_ctr(out, enc, in + 1, ct, ctlen);
done:
	es_wipe(enc, sizeof(enc));
	es_wipe(mac, sizeof(mac));
	es_wipe(tag, sizeof(tag));
	return err;
}
