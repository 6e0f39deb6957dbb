/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* CSPRNG, constant-time comparison and wiping. */
#include "es_int.h"
#include "crypto/crypto_int.h"

#include <openssl/rand.h>

int es_random(uint8_t *out, size_t len)
{
	ES_ASSERT_ARG(out || len == 0);
	while (len > 0) {
		int n = len > (size_t)ES_INT_MAX ? ES_INT_MAX : (int)len;
		if (RAND_bytes(out, n) != 1)
			return es_crypto__fail(ES_ECRYPTO, "random generator failed");
		out += n;
		len -= (size_t)n;
	}
	return 0;
}

int es_ct_eq(const void *a, const void *b, size_t len)
{
	if (len == 0)
		return 0;
	return CRYPTO_memcmp(a, b, len) == 0 ? 0 : -1;
}

void es_wipe(void *p, size_t len)
{
	if (p && len)
		OPENSSL_cleanse(p, len);
}
