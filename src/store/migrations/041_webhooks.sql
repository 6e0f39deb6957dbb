-- SPDX-License-Identifier: AGPL-3.0-or-later
-- 041: webhooks (docs/webhooks.md): a registered system's subscription to events (application
-- state changes, seal status changes, batch jobs finished), for one unit or all. Each event is
-- an outbox row (target 'webhook') written in the transaction of the change, delivered by HTTP
-- POST with an HMAC-SM3 over timestamp and body; the secret is kept sealed under the data key.
CREATE TABLE webhooks (
  id BIGINT PRIMARY KEY,
  url TEXT NOT NULL,
  events TEXT NOT NULL,
  unit_id BIGINT REFERENCES units(id),
  secret BLOB NOT NULL,
  state TEXT NOT NULL,
  created_by BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);
ALTER TABLE outbox ADD COLUMN webhook_id BIGINT REFERENCES webhooks(id);
CREATE INDEX outbox_webhook ON outbox (webhook_id, state, id);
