/* SPDX-License-Identifier: AGPL-3.0-or-later */
/**
 * @file es_error.h
 * @brief Error codes and the thread-local last-error message.
 *
 * Every function that can fail returns 0 or one of these negative codes.
 * The message in es_error_last() is one lowercase line, error first, subject
 * in quotes; it never contains secret material.
 */
#ifndef ESEAL_ES_ERROR_H
#define ESEAL_ES_ERROR_H

#include "es_types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum es_error_code {
	ES_OK = 0,
	ES_EINVAL = -1,        /**< invalid argument (caller bug or bad option) */
	ES_ENOMEM = -2,        /**< out of memory */
	ES_EMALFORMED = -3,    /**< malformed input: DER, XML, PDF, JSON ... */
	ES_ETRUNC = -4,        /**< input ends early */
	ES_ELIMIT = -5,        /**< a documented limit was exceeded */
	ES_EVERIFY = -6,       /**< a signature or seal does not verify */
	ES_EEXPIRED = -7,      /**< certificate or seal outside its validity */
	ES_EREVOKED = -8,      /**< certificate or seal revoked */
	ES_ENOTFOUND = -9,     /**< no such object */
	ES_EEXISTS = -10,      /**< object already exists */
	ES_ECRYPTO = -11,      /**< the crypto library failed */
	ES_EIO = -12,          /**< file or network I/O failed */
	ES_EDB = -13,          /**< database failure */
	ES_ENOTSUPPORTED = -14,/**< valid but not supported (algorithm, version) */
	ES_EDENIED = -15,      /**< refused by a role or a rule (the actor is known) */
	ES_EAUTH = -16,        /**< not authenticated: wrong or unknown password, key, PIN or certificate */
	ES_ECONFLICT = -17,    /**< lost a compare-and-set to another writer: reload and retry */
	ES_ESTATE = -18,       /**< the object is in the wrong state for this action */
	ES_EINTERNAL = -99     /**< a bug: please report */
} es_error_code;

typedef struct es_error {
	int code;
	char message[512];
} es_error;

/** The last error set on this thread (never NULL; code 0 if none). */
ES_EXTERN(const es_error *) es_error_last(void);
/** Set the last error; returns @p code so it can be used in return statements. */
ES_EXTERN(int) es_error_set(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/** Prefix the current message with context ("reading 'x': ..."); returns @p code. */
ES_EXTERN(int) es_error_wrap(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
ES_EXTERN(void) es_error_clear(void);
/** Short name of a code: "EMALFORMED", ... */
ES_EXTERN(const char *) es_error_name(int code);

#ifdef __cplusplus
}
#endif
#endif
