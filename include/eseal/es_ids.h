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
 * Check an 18-character unified social credit code: charset, the inner
 * GB 11714 organisation-code check character and the GB 32100 check
 * character. 0 if valid, ES_EINVAL with the reason otherwise.
 */
ES_EXTERN(int) es_uscc_check(const char *code) ES_WARN_UNUSED;
/** Check an 18-character resident ID number (GB 11643): date and check character. */
ES_EXTERN(int) es_resident_id_check(const char *id) ES_WARN_UNUSED;
/** Mask an ID for display: first 6 and last 4 kept, e.g. 110105********002X. */
ES_EXTERN(void) es_id_mask(char *out, size_t cap, const char *id);

#ifdef __cplusplus
}
#endif
#endif
