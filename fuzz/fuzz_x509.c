/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Fuzz target: certificate parsing and every getter, self-signature check. */
#include "es_int.h"
#include "fuzz.h"
#include "eseal/es_pki.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	es_cert *c = NULL;
	es_buf b = ES_BUF_INIT;
	const es_sm2_key *pub = NULL;
	uint8_t point[65];
	int rc;

	if (es_cert_from_der(&c, data, size) != 0)
		return 0;
	rc = es_cert_subject(&b, c);
	rc |= es_cert_issuer(&b, c);
	rc |= es_cert_subject_attr(&b, c, "CN");
	rc |= es_cert_subject_attr(&b, c, "O");
	rc |= es_cert_serial_hex(&b, c);
	rc |= es_cert_to_pem(&b, c);
	(void)es_cert_der(c);
	(void)es_cert_not_before(c);
	(void)es_cert_not_after(c);
	(void)es_cert_key_usage(c);
	(void)es_cert_has_eku_timestamping(c);
	(void)es_cert_signed_by(c, c);
	if (es_cert_is_sm2(c) && es_cert_pubkey(&pub, c) == 0)
		rc |= es_sm2_key_point(point, pub);
	(void)rc;
	es_buf_release(&b);
	/* the PEM form parses back to the same certificate */
	{
		es_buf pem = ES_BUF_INIT;
		es_cert *again = NULL;
		if (es_cert_to_pem(&pem, c) == 0 && es_cert_from_pem(&again, pem.ptr, pem.len) == 0) {
			es_bytes x = es_cert_der(c), y = es_cert_der(again);
			if (x.len != y.len || memcmp(x.ptr, y.ptr, x.len) != 0)
				abort();
		}
		es_cert_free(again);
		es_buf_release(&pem);
	}
	es_cert_free(c);
	return 0;
}
