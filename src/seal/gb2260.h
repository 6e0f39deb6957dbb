/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * GB/T 2260 province-level administrative division codes (the first two
 * digits of a region code), as data. Source: GB/T 2260-2007 and its yearly
 * updates by the National Bureau of Statistics; list date 2024-12 (unchanged
 * since Chongqing, 50, in 1997). 81 and 82 are Hong Kong and Macao; 83 is
 * not in GB/T 2260 but is the region of the residence permits of Taiwan
 * residents (国办发〔2018〕81号), whose numbers are resident ID numbers.
 *
 * Only the province level is a list: the prefecture and county digits are
 * checked for their GB/T 2260 structure (see es_region_check), because an
 * ID number keeps the county code of its issue for life, including codes
 * abolished since (巢湖 3414, 莱芜 3712, 万县 5122 ...), and a current list
 * would refuse real people. docs/platform.md says the same.
 */
#ifndef ES_GB2260_H
#define ES_GB2260_H

#define ES_GB2260_DATE "2024-12"

static const struct {
	char code[3];
	const char *name;
} es_gb2260_provinces[] = {
	{ "11", "北京市" },       { "12", "天津市" },         { "13", "河北省" },       { "14", "山西省" },
	{ "15", "内蒙古自治区" }, { "21", "辽宁省" },         { "22", "吉林省" },       { "23", "黑龙江省" },
	{ "31", "上海市" },       { "32", "江苏省" },         { "33", "浙江省" },       { "34", "安徽省" },
	{ "35", "福建省" },       { "36", "江西省" },         { "37", "山东省" },       { "41", "河南省" },
	{ "42", "湖北省" },       { "43", "湖南省" },         { "44", "广东省" },       { "45", "广西壮族自治区" },
	{ "46", "海南省" },       { "50", "重庆市" },         { "51", "四川省" },       { "52", "贵州省" },
	{ "53", "云南省" },       { "54", "西藏自治区" },     { "61", "陕西省" },       { "62", "甘肃省" },
	{ "63", "青海省" },       { "64", "宁夏回族自治区" }, { "65", "新疆维吾尔自治区" }, { "71", "台湾省" },
	{ "81", "香港特别行政区" }, { "82", "澳门特别行政区" }, { "83", "台湾居民居住证" },
};

#endif
