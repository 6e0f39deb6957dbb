/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Identifier and name checks (outside input of the platform, the registry
 * feed and the CA-mode commands): credit codes, resident ID numbers, region
 * codes, esIDs and names. None may crash, and what passes must be what the
 * checks promise.
 */
#include "es_int.h"
#include "fuzz.h"
#include "text.h"
#include "eseal/es_ids.h"
#include "eseal/es_seal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[64], n[19];
	size_t len = size < sizeof(s) - 1 ? size : sizeof(s) - 1;
	memcpy(s, data, len);
	s[len] = 0;
	if (es_uscc_check(s) == 0 && strlen(s) != 18)
		__builtin_trap();
	if (es_resident_id_check(s) == 0 && (strlen(s) != 18 || s[0] < '1' || s[0] > '8'))
		__builtin_trap();
	if (es_resident_id_normalize(n, s) == 0 && (strlen(n) != 18 || n[17] == 'x'))
		__builtin_trap();
	if (es_region_check(s) == 0 && strlen(s) != 6)
		__builtin_trap();
	if (es_esid_check(s) == 0 && strlen(s) != 14)
		__builtin_trap();
	if (es_text_check_name("name", s, 40, true) == 0) {
		for (const char *c = s; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == '/' || *c == '=' || *c == '\\')
				__builtin_trap();
	}
	es_error_clear();
	return 0;
}
