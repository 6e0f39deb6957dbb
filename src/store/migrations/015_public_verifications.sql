-- SPDX-License-Identifier: AGPL-3.0-or-later
-- 015: public verifications kept on request (docs/public-services.md): the
-- report of POST /api/v1/verify?keep=1 and the document's hashes (never the
-- document) under a random id, readable until expires_at.
CREATE TABLE verifications (
  id TEXT PRIMARY KEY,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  doc_size BIGINT NOT NULL,
  doc_sm3 BLOB NOT NULL,
  doc_sha256 BLOB NOT NULL,
  original_sm3 BLOB,
  verdict TEXT NOT NULL,
  report TEXT NOT NULL
);
CREATE INDEX verifications_expiry ON verifications (expires_at);
