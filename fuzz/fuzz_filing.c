/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Peering's outside input (docs/peering.md): a filing's JSON (POST /api/v1/filings,
 * es_filing_parse) when the first byte is even, a peer registration's JSON (POST
 * /api/v1/peers, its trust document or PEM certificates) when it is odd.
 */
#include "es_int.h"
#include "fuzz.h"
#include "eseal/es_peers.h"
#include "platform/platform_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if ((data[0] & 1) == 0) {
		es_filing_record f;
		es_buf_init(&f.seal, ES_FILING_MAX_BODY);
		if (es_filing_parse(&f, data + 1, size - 1) == 0) {
			/* what the receiver relies on: a known version, NUL-terminated fields, a seal code */
			if (f.version != 1 || strlen(f.esid) != 14 || strlen(f.event) >= sizeof(f.event) ||
			    strlen(f.reason) >= sizeof(f.reason) || f.at <= 0 || f.transition < 0 ||
			    f.seal.len > ES_FILING_MAX_BODY)
				__builtin_trap();
		}
		es_buf_release(&f.seal);
	} else {
		(void)es_peer_spec_check(data + 1, size - 1);
	}
	es_error_clear();
	return 0;
}
