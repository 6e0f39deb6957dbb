/* SPDX-License-Identifier: AGPL-3.0-or-later */
/**
 * @file es_ids.h
 * @brief Chinese identifiers: unified social credit code (GB 32100-2015)
 *        and resident identity number (GB 11643-1999), STANDARDS.md §4.
 */
#ifndef ESEAL_ES_IDS_H
#define ESEAL_ES_IDS_H
#include "es_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Check an 18-character unified social credit code: charset, the GB 32100
 * check character, the registration authority (character 1) and the
 * organisation types it registers (character 2, GB 32100 table 1), the
 * region of characters 3-8 (GB/T 2260, or 100000 for the central level)
 * and the inner GB 11714 organisation-code check character.
 * 0 if valid, ES_EINVAL with the reason otherwise.
 */
ES_EXTERN(int) es_uscc_check(const char *code) ES_WARN_UNUSED;
/**
 * Check an 18-character resident ID number (GB 11643): the address code
 * (a GB/T 2260 province of the list in src/seal/gb2260.h, then a valid
 * prefecture and county structure), the birth date and the check character
 * (a lowercase 'x' is accepted; store the normalised form).
 */
ES_EXTERN(int) es_resident_id_check(const char *id) ES_WARN_UNUSED;
/** Copy @p id into @p out with a lowercase check character 'x' made 'X', then check it. */
ES_EXTERN(int) es_resident_id_normalize(char out[19], const char *id) ES_WARN_UNUSED;
/**
 * Check a six-digit GB/T 2260 region code: a province of the list, a
 * prefecture 01-70 or 90 and any county digits (00: the prefecture itself),
 * or a whole province (xx0000).
 */
ES_EXTERN(int) es_region_check(const char *code) ES_WARN_UNUSED;
/** Mask an ID for display: first 6 and last 4 kept, e.g. 110105********002X. */
ES_EXTERN(void) es_id_mask(char *out, size_t cap, const char *id);

#ifdef __cplusplus
}
#endif
#endif
