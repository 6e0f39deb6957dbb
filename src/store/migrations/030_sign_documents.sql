-- SPDX-License-Identifier: AGPL-3.0-or-later
-- 030: documents sealed by the platform (es_platform_seal_document, docs/sign-services.md):
-- the usage record keeps the SM3 of the sealed copy beside the SM3 of the input, and
-- the format ("ofd", "pdf"); NULL for uses that sealed no document.
ALTER TABLE usage_records ADD COLUMN out_hash BLOB;
ALTER TABLE usage_records ADD COLUMN doc_format TEXT;
-- The seals a registered system's API key may sign with (sign services, /svs/v1/): a key
-- with no row here signs with no seal.
CREATE TABLE api_key_seals (
  key_id BIGINT NOT NULL REFERENCES api_keys(id),
  esid TEXT NOT NULL REFERENCES seals(esid),
  granted_by BIGINT NOT NULL,
  granted_at BIGINT NOT NULL,
  PRIMARY KEY (key_id, esid)
);
