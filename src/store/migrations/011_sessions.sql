-- SPDX-License-Identifier: AGPL-3.0-or-later
-- 011: console sessions (es_auth.h, docs/identity.md): the SM3 of a random
-- token, the account, how it signed in, the CSRF token, idle and absolute
-- timeouts checked on every use; every node of one store sees the same sessions.
CREATE TABLE sessions (
  token_hash BLOB PRIMARY KEY,
  account_id BIGINT NOT NULL REFERENCES accounts(id),
  how BIGINT NOT NULL,
  must_change BIGINT NOT NULL,
  csrf TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  last_seen BIGINT NOT NULL,
  ended_at BIGINT
);
CREATE INDEX sessions_account ON sessions (account_id);
