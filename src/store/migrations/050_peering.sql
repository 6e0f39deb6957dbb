-- SPDX-License-Identifier: AGPL-3.0-or-later
-- 050: peering (R8 互信互认, docs/peering.md). A peer is another platform or a self-built
-- system: its maker certificate (which signs its seals and its status list), the roots that
-- certificate chains to, optionally the URL of its signed status list (configured here by an
-- administrator, never taken from a request) and the API key it files its seals with.
CREATE TABLE peers (
  id BIGINT PRIMARY KEY,
  name TEXT NOT NULL,
  maker_der BLOB NOT NULL,
  maker_subject TEXT NOT NULL,
  anchors BLOB NOT NULL,
  status_url TEXT,
  key_id BIGINT REFERENCES api_keys(id),
  state TEXT NOT NULL,
  etag TEXT,
  last_fetch_at BIGINT,
  last_ok_at BIGINT,
  last_error TEXT,
  list_generated BIGINT,
  list_next_update BIGINT,
  created_by BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);
-- A peer's seal filed here: its DER as filed, its state as the filings and the peer's status
-- list tell it (state_source: 'filing' or 'status-list').
CREATE TABLE peer_seals (
  esid TEXT PRIMARY KEY,
  peer_id BIGINT NOT NULL REFERENCES peers(id),
  name TEXT NOT NULL,
  seal_der BLOB NOT NULL,
  valid_start BIGINT NOT NULL,
  valid_end BIGINT NOT NULL,
  state TEXT NOT NULL,
  state_since BIGINT NOT NULL,
  state_reason TEXT NOT NULL,
  state_source TEXT NOT NULL,
  filed_at BIGINT NOT NULL
);
CREATE INDEX peer_seals_peer ON peer_seals (peer_id, esid);
-- Every state a peer seal was in, from when (the history the verifier asks at a signing time),
-- and the idempotency key of the filing that said it: a repeat is recognised and dropped.
CREATE TABLE peer_events (
  id BIGINT PRIMARY KEY,
  peer_id BIGINT NOT NULL REFERENCES peers(id),
  idem_key TEXT NOT NULL,
  esid TEXT NOT NULL,
  event TEXT NOT NULL,
  state TEXT NOT NULL,
  at BIGINT NOT NULL,
  reason TEXT NOT NULL,
  received_at BIGINT NOT NULL,
  UNIQUE (peer_id, idem_key)
);
CREATE INDEX peer_events_esid ON peer_events (esid, at);
-- Independent deployment (docs/public-services.md "Roles"): what a verify node, which never opens the
-- master key, serves. A full node writes the platform's public certificates and, on every
-- publication, the signed status list and the CRL here; a newer publication is never
-- replaced by an older one (version: the count of seal transitions it covers).
CREATE TABLE published_status (
  id BIGINT PRIMARY KEY,
  version BIGINT NOT NULL,
  list TEXT NOT NULL,
  sig BLOB NOT NULL,
  crl BLOB NOT NULL,
  crl_this BIGINT NOT NULL,
  crl_next BIGINT NOT NULL
);
CREATE TABLE public_certs (
  role TEXT PRIMARY KEY,
  der BLOB NOT NULL
);
