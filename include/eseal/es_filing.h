/* SPDX-License-Identifier: AGPL-3.0-or-later */
/**
 * @file es_filing.h
 * @brief Filing (备案) delivery: the sender interface of the platform's outbox.
 *
 * Filings are written to the outbox in the same transaction as the seal change
 * (es_platform.h); es_platform_outbox_deliver() hands each due one to a sender,
 * retries failures with exponential backoff and marks the delivered ones. The
 * sender is pluggable: by default an HTTP POST to es_platform_options.outbox_url
 * (es_filing_post, libcurl: HTTP and HTTPS with certificate checks, host names,
 * IPv4 and IPv6) or, without a URL, a file drop under DIR/outbox/TARGET/; a
 * program sets its own with es_platform_set_filing_sender() (a message queue, a
 * receiver needing its own authentication, a test).
 *
 * A sender may see a filing twice (a crash between the send and the mark): each
 * carries an idempotency key for the receiver to drop repeats.
 */
#ifndef ESEAL_ES_FILING_H
#define ESEAL_ES_FILING_H
#include "es_types.h"
#ifdef __cplusplus
extern "C" {
#endif

struct es_platform;

/** One filing to deliver. */
typedef struct es_filing {
	const char *target;  /**< "psb" (public security) or "national" (the national platform) */
	const char *key;     /**< idempotency key: the same filing always has the same key */
	const char *payload; /**< JSON */
	size_t len;
} es_filing;

/** A sender. */
typedef struct es_filing_sender {
	const char *name;    /**< for operators' notes, e.g. "mq" */
	/**
	 * Deliver @p f: 0 once the receiver has it, a negative es_error_code with a
	 * message for the operator otherwise (the filing is retried later). Called by
	 * one thread at a time per platform handle; may block (it runs outside any
	 * transaction).
	 */
	int (*send)(void *ctx, const es_filing *f);
	void *ctx;
} es_filing_sender;

/**
 * POST @p f to @p url (http:// or https://; no redirects; certificates checked against
 * the system's store, or @p ca_file (PEM, may be NULL)) with the headers Content-Type:
 * application/json, Idempotency-Key and X-Filing-Target, within @p timeout_s seconds
 * (0: 10). 0 on a 2xx answer; ES_EIO naming the status or the network failure
 * (never the URL's credentials) otherwise; ES_EINVAL for a URL of another scheme.
 */
ES_EXTERN(int) es_filing_post(const char *url, const char *ca_file, unsigned timeout_s,
			      const es_filing *f) ES_WARN_UNUSED;

/**
 * Deliver the platform's filings through @p s from now on (copied); NULL: the default
 * (HTTP POST to the configured URL, else the file drop). Set it before delivering, not
 * while another thread delivers through the same handle.
 */
ES_EXTERN(void) es_platform_set_filing_sender(struct es_platform *p, const es_filing_sender *s);

#ifdef __cplusplus
}
#endif
#endif
