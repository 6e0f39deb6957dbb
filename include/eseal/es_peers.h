/* SPDX-License-Identifier: AGPL-3.0-or-later */
/**
 * @file es_peers.h
 * @brief Peering (R8 互信互认, docs/peering.md): other platforms' seals filed here.
 *
 * A peer is another seal platform or a self-built system: its maker certificate (which
 * signs its seals and its status list), the roots that certificate chains to, optionally
 * the URL of its signed status list, and the API key it files with. An administrator
 * registers it (es_platform_peer_add); the peer then POSTs a filing per seal change
 * (es_platform_filing_receive, `POST /api/v1/filings`) in the format this platform's own
 * outbox sends (es_filing.h). Filed seals are listed (es_platform_peer_seals_json), their
 * status answers es_platform_seal_status_at() and es_platform_status_fn(), and the verify
 * route trusts the peers' anchors (es_platform_peer_trust_add).
 */
#ifndef ESEAL_ES_PEERS_H
#define ESEAL_ES_PEERS_H
#include "es_types.h"
#include "es_auth.h"
#include "es_pki.h"
#ifdef __cplusplus
extern "C" {
#endif

struct es_platform;

#define ES_FILING_MAX_BODY (2u << 20)  /**< a filing's JSON, seal included */
#define ES_PEER_MAX_BODY (1u << 20)    /**< a peer registration's JSON */
#define ES_PEER_URL_MAX 512

/** One filing as it arrives (the JSON the outbox sends, es_filing.h). */
typedef struct es_filing_record {
	int version;          /**< 1 */
	char event[16];       /**< made, renewed, active, suspended, lost, revoked, expired */
	char esid[15];
	es_time at;           /**< when the change happened on the peer */
	int64_t transition;   /**< the peer's own id of the change (0: not given) */
	char state[16];       /**< the seal's state after the change ("" : from the event) */
	char reason[257];
	es_buf seal;          /**< the SESeal DER, if the filing carries it (the first one must) */
} es_filing_record;

/**
 * Parse a filing's JSON (outside bytes): every field checked, unknown ones refused.
 * ES_EINVAL / ES_EMALFORMED naming the field. Release @p out->seal with es_buf_release
 * whatever the outcome.
 */
ES_EXTERN(int) es_filing_parse(es_filing_record *out, const uint8_t *json, size_t len) ES_WARN_UNUSED;

/** What es_platform_filing_receive did. */
typedef struct es_filing_result {
	int64_t peer;
	char esid[15];
	char state[16];       /**< the seal's state here after the filing */
	bool duplicate;       /**< the idempotency key was seen: nothing changed */
	bool new_seal;        /**< the first filing of this seal */
} es_filing_result;

/**
 * Receive a filing from the registered system signed in as @p actor (an API key bound to
 * a peer): @p idem_key is its Idempotency-Key (1-200 printable characters). A seal it
 * carries must parse, name the filing's esID, be signed by the peer's registered maker
 * certificate (the very certificate: a seal of another maker is refused) and chain to the
 * peer's anchors. ES_EDENIED for a key bound to no peer or a seal of another maker or
 * peer; ES_EINVAL / ES_EMALFORMED for a bad filing; ES_EEXISTS for an esID of this
 * platform's own seals. Audited.
 */
ES_EXTERN(int) es_platform_filing_receive(struct es_platform *p, const es_actor *actor, const char *idem_key,
					  const uint8_t *json, size_t len, es_filing_result *out) ES_WARN_UNUSED;

/**
 * Register a peer (system administrator, ES_ACT_ACCOUNT_ADD) from a JSON object:
 * {"name", "trust": the peer's GET /api/v1/trust document, or "maker": PEM and
 * "anchors": [PEM, …], "status_url": "http(s)://…" (optional), "api_key": ID (optional)}.
 * The maker certificate must chain to one of the anchors now. Audited.
 */
ES_EXTERN(int) es_platform_peer_add(struct es_platform *p, const es_actor *actor, const uint8_t *json, size_t len,
				    int64_t *id) ES_WARN_UNUSED;
/** Remove a peer: its seals are no longer answered for nor trusted. Audited. */
ES_EXTERN(int) es_platform_peer_remove(struct es_platform *p, const es_actor *actor, int64_t id) ES_WARN_UNUSED;
/**
 * The peers as a JSON array (ES_ACT_READ for administrators and auditors): id, name, maker
 * subject, status URL, API key id, state, seals filed, and the status-list fetches (last
 * attempt, last success, last error, ETag, the list's generated and next_update).
 */
ES_EXTERN(int) es_platform_peers_json(struct es_platform *p, const es_actor *actor, es_buf *out) ES_WARN_UNUSED;
/** Filed peer seals as a JSON array ({esid, peer, name, state, since, reason, source, filed}); @p peer 0: all. */
ES_EXTERN(int) es_platform_peer_seals_json(struct es_platform *p, const es_actor *actor, int64_t peer,
					   es_buf *out) ES_WARN_UNUSED;
/**
 * One page of es_platform_peers_json(), by id: {"items": [...], "next": cursor or null}.
 * @p after: the "next" of the previous page, or NULL for the first (anything else that is
 * not a cursor is ES_EINVAL); @p limit 1..ES_LIST_LIMIT_MAX, 0: ES_LIST_LIMIT_DEFAULT.
 */
ES_EXTERN(int) es_platform_peers_page(struct es_platform *p, const es_actor *actor, const char *after,
				      unsigned limit, es_buf *out) ES_WARN_UNUSED;
/** One page of es_platform_peer_seals_json(), by esID, as es_platform_peers_page(). */
ES_EXTERN(int) es_platform_peer_seals_page(struct es_platform *p, const es_actor *actor, int64_t peer,
					   const char *after, unsigned limit, es_buf *out) ES_WARN_UNUSED;

/**
 * Add the active peers' anchors (as anchors) and maker certificates (as intermediates) to
 * @p t; @p version (may be NULL) gets a number that changes whenever the peers change.
 */
ES_EXTERN(int) es_platform_peer_trust_add(struct es_platform *p, es_trust *t, int64_t *version) ES_WARN_UNUSED;
/** The number es_platform_peer_trust_add gives, without building anything. */
ES_EXTERN(int) es_platform_peers_version(struct es_platform *p, int64_t *version) ES_WARN_UNUSED;

/**
 * Fetch the signed status list of peer @p id (0: every active peer with a status URL)
 * from its configured URL (never a caller's), with If-None-Match; believe it only when
 * signed by the peer's maker certificate and issued under its subject; apply it to the
 * peer's filed seals. Each outcome is recorded on the peer (last attempt, last success,
 * last error) and a failure is audited. @p failed (may be NULL) counts the peers that
 * failed; the return is 0 unless the store failed.
 */
ES_EXTERN(int) es_platform_peer_fetch(struct es_platform *p, int64_t id, unsigned *failed) ES_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
