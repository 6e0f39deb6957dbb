/* SPDX-License-Identifier: AGPL-3.0-or-later */
/**
 * @file es_webhooks.h
 * @brief Webhooks (docs/webhooks.md): registered systems subscribe to events, delivered
 *        through the outbox with an HMAC-SM3 over timestamp and body.
 *
 * Events: "application.state" (an application changed state), "seal.status" (a seal's
 * status changed: made, active, suspended, revoked ...), "job.finished" (a batch job ended).
 * Each event of a subscription is an outbox row written in the transaction of the change
 * (never lost), delivered by es_platform_outbox_deliver() with retries and backoff, never
 * reordered per subscription (a later event waits until the earlier one is delivered),
 * with the headers
 *
 *     X-Eseal-Event: seal.status
 *     X-Eseal-Delivery: webhook-ID-EVENTID        (the same on every retry: drop repeats)
 *     X-Eseal-Timestamp: 1767225600               (seconds, the time of this attempt)
 *     X-Eseal-Signature: hmac-sm3=HEX             (HMAC-SM3(secret, timestamp "." body))
 *
 * The receiver recomputes the HMAC with its secret (constant-time comparison), refuses a
 * timestamp more than 300 s from its clock and a delivery id it has seen: a forged body
 * fails the HMAC, a replay fails the timestamp or the id (es_webhook_check()).
 */
#ifndef ESEAL_ES_WEBHOOKS_H
#define ESEAL_ES_WEBHOOKS_H
#include "es_types.h"
#include "es_platform.h"
#ifdef __cplusplus
extern "C" {
#endif

#define ES_WEBHOOK_SECRET_LEN 70   /**< "whsec_" and 64 hex digits */
#define ES_WEBHOOK_URL_MAX 512     /**< bytes of a subscription's URL */
#define ES_WEBHOOK_TOLERANCE 300   /**< seconds a receiver accepts between the timestamp and its clock */
#define ES_WEBHOOK_SIG_LEN 73      /**< "hmac-sm3=" and 64 hex digits */

/**
 * Subscribe @p url (http://IPv4[:port]/path) to @p events (comma-separated: application.state,
 * seal.status, job.finished) of unit @p unit (0: every unit). A system administrator registers
 * it (ES_ACT_ACCOUNT_ADD); audited. The secret is written to @p secret (shown once, kept sealed).
 */
ES_EXTERN(int) es_platform_webhook_add(es_platform *p, const es_actor *actor, const char *url, const char *events,
				       int64_t unit, int64_t *id, char secret[ES_WEBHOOK_SECRET_LEN + 1]) ES_WARN_UNUSED;
/** Stop a subscription (its undelivered events are dropped); audited. */
ES_EXTERN(int) es_platform_webhook_remove(es_platform *p, const es_actor *actor, int64_t id) ES_WARN_UNUSED;

/**
 * The receiver's check of one delivery: the signature header's HMAC-SM3 over
 * timestamp "." body under @p secret, and the timestamp within ES_WEBHOOK_TOLERANCE of
 * @p now. 0, or ES_EVERIFY (forged or altered) / ES_EEXPIRED (too old or too new: a replay).
 */
ES_EXTERN(int) es_webhook_check(const char *secret, const char *timestamp, const char *signature, const uint8_t *body,
				size_t len, es_time now) ES_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
