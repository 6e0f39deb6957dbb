-- SPDX-License-Identifier: AGPL-3.0-or-later
-- 010: identity (es_auth.h, docs/identity.md). Accounts get a password
-- credential, API keys for registered systems and SM2 certificates mapped to
-- them; failed sign-ins are counted here so every node sees the lockout.
ALTER TABLE accounts ADD COLUMN disabled BIGINT NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN failed_signins BIGINT NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN locked_until BIGINT NOT NULL DEFAULT 0;
-- hash: "pbkdf2-sm3$ITERATIONS$SALT_HEX$HASH_HEX"; must_change: a one-time password
CREATE TABLE credentials (
  account_id BIGINT PRIMARY KEY REFERENCES accounts(id),
  hash TEXT NOT NULL,
  must_change BIGINT NOT NULL,
  changed_at BIGINT NOT NULL
);
-- key_hash: SM3 of the whole key as shown once; scope: bit (1 << es_action)
CREATE TABLE api_keys (
  id BIGINT PRIMARY KEY,
  account_id BIGINT NOT NULL REFERENCES accounts(id),
  name TEXT NOT NULL,
  key_hash BLOB NOT NULL,
  scope BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  allow_from TEXT,
  created_by BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  revoked_at BIGINT
);
CREATE TABLE client_certs (
  id BIGINT PRIMARY KEY,
  account_id BIGINT NOT NULL REFERENCES accounts(id),
  subject TEXT NOT NULL,
  issuer TEXT NOT NULL,
  fingerprint BLOB NOT NULL,
  created_at BIGINT NOT NULL,
  UNIQUE (subject, issuer)
);
-- one-time sign-in challenges for certificate (USB key) sign-in
CREATE TABLE signin_challenges (
  nonce BLOB PRIMARY KEY,
  expires_at BIGINT NOT NULL
);
