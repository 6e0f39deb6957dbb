/* SPDX-License-Identifier: AGPL-3.0-or-later */
#include "es_int.h"
#include "eseal/es_ids.h"
#include "estime.h"
#include "gb2260.h"

/* ---- GB/T 2260 region codes --------------------------------------------------- */

static bool digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static const char *province_name(const char *code)
{
	for (size_t i = 0; i < ES_ARRAY_LEN(es_gb2260_provinces); i++)
		if (memcmp(es_gb2260_provinces[i].code, code, 2) == 0)
			return es_gb2260_provinces[i].name;
	return NULL;
}

/*
 * The six digits at @code: a province of the list (src/seal/gb2260.h), then
 * a prefecture 01-70 or 90 (county-level units directly under the province)
 * and any county digits (00: the prefecture itself). The
 * whole-province codes 810000, 820000 and 830000 (Hong Kong, Macao, Taiwan
 * residence permits) pass; 110000 as a person's region does not
 * (@whole_province false).
 */
static int region_check(const char *code, bool whole_province, const char *what)
{
	int pref, county; /* county digits: any, see gb2260.h */
	if (!digits(code, 6))
		return es_error_set(ES_EINVAL, "%s: the region '%.6s' must be six digits (GB/T 2260)", what, code);
	if (!province_name(code))
		return es_error_set(ES_EINVAL, "%s: '%.2s' in region '%.6s' is not a GB/T 2260 province code", what, code,
				    code);
	pref = (code[2] - '0') * 10 + (code[3] - '0');
	county = (code[4] - '0') * 10 + (code[5] - '0');
	if (pref == 0 && county == 0 && (whole_province || code[0] == '8'))
		return 0;
	if (pref == 0 || (pref > 70 && pref != 90))
		return es_error_set(ES_EINVAL, "%s: region '%.6s' has no GB/T 2260 prefecture '%.2s'", what, code, code + 2);
	return 0;
}

int es_region_check(const char *code)
{
	if (!code || strlen(code) != 6)
		return es_error_set(ES_EINVAL, "a GB/T 2260 region code has six digits");
	return region_check(code, true, "region");
}

/* ---- unified social credit code (GB 32100) ------------------------------------- */

/*
 * GB 32100-2015 table 1: registration authority (character 1) and the
 * organisation types it registers (character 2).
 */
static const struct {
	char authority;
	const char *types;
	const char *name;
} uscc_authorities[] = {
	{ '1', "1239", "机构编制" },     { '2', "19", "外交" },     { '3', "123459", "司法行政" },
	{ '4', "19", "文化" },           { '5', "1239", "民政" },   { '6', "129", "旅游" },
	{ '7', "129", "宗教" },          { '8', "19", "工会" },     { '9', "123", "工商" },
	{ 'A', "19", "中央军委改革和编制办公室" }, { 'N', "1239", "农业" }, { 'Y', "1", "其他" },
};

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
	{
		const char *types = NULL;
		for (size_t i = 0; i < ES_ARRAY_LEN(uscc_authorities); i++)
			if (uscc_authorities[i].authority == code[0])
				types = uscc_authorities[i].types;
		if (!types)
			return es_error_set(ES_EINVAL,
					    "credit code '%s': '%c' is not a registration authority of GB 32100 (1-9, A, N, Y)",
					    code, code[0]);
		if (!strchr(types, code[1]))
			return es_error_set(ES_EINVAL,
					    "credit code '%s': '%c' is not an organisation type of registration authority '%c' (GB 32100)",
					    code, code[1], code[0]);
	}
	/* characters 3-8: the registering authority's region; 100000 for the central level */
	if (memcmp(code + 2, "100000", 6) != 0 && region_check(code + 2, true, "credit code") < 0)
		return es_error_wrap(ES_EINVAL, "credit code '%s' has no valid region in characters 3-8", code);
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

int es_resident_id_normalize(char out[19], const char *id)
{
	if (!id || strlen(id) != 18) {
		out[0] = 0;
		return es_error_set(ES_EINVAL, "resident ID number must be 18 characters");
	}
	memcpy(out, id, 19);
	if (out[17] == 'x')
		out[17] = 'X';
	return es_resident_id_check(out);
}

int es_resident_id_check(const char *id)
{
	static const int w[17] = { 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2 };
	static const char check[] = "10X98765432";
	int sum = 0, y, m, d, err;
	es_time t;

	if (!id || strlen(id) != 18)
		return es_error_set(ES_EINVAL, "resident ID number must be 18 characters");
	for (int i = 0; i < 17; i++) {
		if (id[i] < '0' || id[i] > '9')
			return es_error_set(ES_EINVAL, "resident ID number must have 17 digits before its check character");
		sum += (id[i] - '0') * w[i];
	}
	if (id[17] != check[sum % 11] && !(id[17] == 'x' && check[sum % 11] == 'X'))
		return es_error_set(ES_EINVAL, "resident ID number fails its check character (expected '%c')",
				    check[sum % 11]);
	y = (id[6] - '0') * 1000 + (id[7] - '0') * 100 + (id[8] - '0') * 10 + (id[9] - '0');
	m = (id[10] - '0') * 10 + (id[11] - '0');
	d = (id[12] - '0') * 10 + (id[13] - '0');
	if (y < 1850 || es_time_from_fields(&t, y, m, d, 0, 0, 0) != 0 || t > es_time_now())
		return es_error_set(ES_EINVAL, "resident ID number holds an impossible birth date");
	/* the address code: a county (or a whole-region residence permit) of GB/T 2260 */
	if ((err = region_check(id, false, "resident ID number")) < 0)
		return err;
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
