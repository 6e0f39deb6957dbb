/* SPDX-License-Identifier: AGPL-3.0-or-later */
/**
 * @file es_types.h
 * @brief Basic types shared by the whole eseal API.
 *
 * Rules for every public header:
 * - Pointer parameters are never NULL unless the documentation says so;
 *   a (pointer, length) pair with length 0 may have a NULL pointer.
 * - Functions that can fail return int: 0 on success, a negative
 *   es_error code (es_error.h) otherwise; es_error_last() has the detail.
 * - Every *_free() and *_release() accepts NULL.
 * - Nothing is thread-affine except the last-error slot, which is
 *   thread-local.
 */
#ifndef ESEAL_ES_TYPES_H
#define ESEAL_ES_TYPES_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#if defined(__GNUC__)
#define ES_EXTERN(type) __attribute__((visibility("default"))) type
#define ES_WARN_UNUSED __attribute__((warn_unused_result))
#else
#define ES_EXTERN(type) type
#define ES_WARN_UNUSED
#endif

#ifdef __cplusplus
extern "C" {
#endif

/** A borrowed view of bytes. Never owns memory. */
/**
 * An authenticated caller of the platform (es_auth.h): opaque, immutable, made only
 * by es_platform_authenticate() or es_actor_system(); every platform call takes one.
 */
typedef struct es_actor es_actor;

typedef struct es_bytes {
	const uint8_t *ptr;
	size_t len;
} es_bytes;

/** Seconds since 1970-01-01T00:00:00Z (UTC). */
typedef int64_t es_time;

/**
 * A growable byte buffer that owns its memory and refuses to grow past
 * @c max bytes (ES_ELIMIT). Initialise with ES_BUF_INIT or es_buf_init().
 * The content is always followed by one NUL byte (not counted in len) so
 * that text can be used as a C string.
 */
typedef struct es_buf {
	uint8_t *ptr;
	size_t len;
	size_t cap;
	size_t max;
} es_buf;

/** Default maximum of an es_buf initialised with ES_BUF_INIT: 64 MiB. */
#define ES_BUF_DEFAULT_MAX ((size_t)64 << 20)
#define ES_BUF_INIT { .max = ES_BUF_DEFAULT_MAX }

ES_EXTERN(void) es_buf_init(es_buf *b, size_t max);
/** Append bytes; on failure the buffer is released and ES_ELIMIT/ES_ENOMEM returned. */
ES_EXTERN(int) es_buf_put(es_buf *b, const void *data, size_t len) ES_WARN_UNUSED;
ES_EXTERN(int) es_buf_puts(es_buf *b, const char *s) ES_WARN_UNUSED;
ES_EXTERN(int) es_buf_printf(es_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3))) ES_WARN_UNUSED;
/** Make room for @p extra more bytes without changing len. */
ES_EXTERN(int) es_buf_reserve(es_buf *b, size_t extra) ES_WARN_UNUSED;
/** Free the content; the buffer is reusable after es_buf_init(). */
ES_EXTERN(void) es_buf_release(es_buf *b);
/** Like es_buf_release() but wipes the bytes first (for secrets). */
ES_EXTERN(void) es_buf_release_secret(es_buf *b);
/** Hand the content over as a view; the buffer stays owner. */
ES_EXTERN(es_bytes) es_buf_bytes(const es_buf *b);

/** Library version string, e.g. "0.1.0". */
ES_EXTERN(const char *) es_version(void);

/**
 * Opt-in tuning for a process that seals or verifies many documents (the
 * eseal command, a batch, a server). It changes process-wide state, so a
 * library never calls it on its own; call it once, early, before threads:
 *  - TZ unset: set to ":/etc/localtime" (same zone), because glibc re-reads
 *    /etc/localtime on every mktime() otherwise, and libzip converts the
 *    time of every zip entry it reads;
 *  - glibc malloc keeps up to 32 MiB of freed heap instead of returning it
 *    to the kernel after every document (brk/munmap and page faults cost
 *    more than the packaging work itself).
 * Returns 0; the calls it makes cannot fail in a way that matters.
 */
ES_EXTERN(int) es_process_tune(void);

#ifdef __cplusplus
}
#endif
#endif
