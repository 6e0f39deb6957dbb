/* SPDX-License-Identifier: AGPL-3.0-or-later */
#include "es_int.h"
#include "eseal/es_ids.h"
#include "estime.h"

static const char uscc_charset[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

static int uscc_value(char c)
{
	const char *p = c ? strchr(uscc_charset, c) : NULL;
	return p ? (int)(p - uscc_charset) : -1;
}

int es_uscc_check(const char *code)
{
	static const int w[17] = { 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28 };
	static const int ow[8] = { 3, 7, 9, 10, 5, 8, 4, 2 };
	int sum = 0, v;

	if (!code || strlen(code) != 18)
		return es_error_set(ES_EINVAL, "credit code must be 18 characters");
	for (int i = 0; i < 18; i++)
		if (uscc_value(code[i]) < 0)
			return es_error_set(ES_EINVAL, "credit code '%s' has '%c' at position %d, outside the GB 32100 character set",
					    code, code[i], i + 1);
	for (int i = 0; i < 17; i++)
		sum += uscc_value(code[i]) * w[i];
	v = (31 - sum % 31) % 31;
	if (code[17] != uscc_charset[v])
		return es_error_set(ES_EINVAL, "credit code '%s' fails its check character (expected '%c')", code,
				    uscc_charset[v]);
	/* inner organisation code (GB 11714), characters 9-17 */
	sum = 0;
	for (int i = 0; i < 8; i++) {
		char c = code[8 + i];
		int x = c >= '0' && c <= '9' ? c - '0' : c - 'A' + 10;
		sum += x * ow[i];
	}
	v = 11 - sum % 11;
	{
		char expect = v == 10 ? 'X' : v == 11 ? '0' : (char)('0' + v);
		if (code[16] != expect)
			return es_error_set(ES_EINVAL,
					    "credit code '%s' fails the inner organisation-code check (expected '%c' at position 17)",
					    code, expect);
	}
	return 0;
}

int es_resident_id_check(const char *id)
{
	static const int w[17] = { 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2 };
	static const char check[] = "10X98765432";
	int sum = 0, y, m, d;
	es_time t;

	if (!id || strlen(id) != 18)
		return es_error_set(ES_EINVAL, "resident ID number must be 18 characters");
	for (int i = 0; i < 17; i++) {
		if (id[i] < '0' || id[i] > '9')
			return es_error_set(ES_EINVAL, "resident ID number must have 17 digits before its check character");
		sum += (id[i] - '0') * w[i];
	}
	if (id[17] != check[sum % 11])
		return es_error_set(ES_EINVAL, "resident ID number fails its check character (expected '%c')",
				    check[sum % 11]);
	y = (id[6] - '0') * 1000 + (id[7] - '0') * 100 + (id[8] - '0') * 10 + (id[9] - '0');
	m = (id[10] - '0') * 10 + (id[11] - '0');
	d = (id[12] - '0') * 10 + (id[13] - '0');
	if (y < 1850 || es_time_from_fields(&t, y, m, d, 0, 0, 0) != 0 || t > es_time_now())
		return es_error_set(ES_EINVAL, "resident ID number holds an impossible birth date");
	return 0;
}

void es_id_mask(char *out, size_t cap, const char *id)
{
	size_t n = strlen(id), k = 0;
	for (size_t i = 0; i < n && k + 1 < cap; i++)
		out[k++] = (i < 6 || i + 4 >= n) ? id[i] : '*';
	if (cap)
		out[k] = '\0';
}
