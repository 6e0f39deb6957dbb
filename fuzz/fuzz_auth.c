/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* What a caller hands to sign-in and key administration (es_auth.h): address
 * allow-lists and addresses, scope names, password rules, stored password hashes.
 * Input: one byte choosing the parser, then text split at the first '\n'. */
#include "es_int.h"
#include "fuzz.h"
#include "eseal/es_auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 4096)
		return 0;
	char *text = es_malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = 0;
	char *second = strchr(text, '\n');
	if (second)
		*second++ = 0;
	else
		second = text;
	uint64_t scope;
	switch (data[0] % 4) {
	case 0:
		/* a list that passes the check must never fail to parse when matching */
		if (es_cidr_list_check(text) == 0 && !es_cidr_list_match(text, second) && strcmp(text, second) == 0 &&
		    !strchr(text, '/') && !strchr(text, ','))
			__builtin_trap(); /* an address always matches itself as a /32 or /128 block */
		(void)es_cidr_list_match(text, second);
		break;
	case 1:
		if (es_scope_parse(text, &scope) == 0 && (scope >> 63))
			__builtin_trap(); /* no name maps outside the actions */
		break;
	case 2:
		if (es_password_rules(second, text) == 0 && strlen(text) < ES_PASSWORD_MIN)
			__builtin_trap(); /* fewer bytes than the minimum of characters */
		break;
	default:
		/* a stored hash with a huge cost is refused before any work */
		if (es_password_verify(text, second, NULL) == 0 && strncmp(text, "pbkdf2-sm3$", 11) != 0)
			__builtin_trap();
		break;
	}
	es_error_clear();
	es_free(text);
	return 0;
}
