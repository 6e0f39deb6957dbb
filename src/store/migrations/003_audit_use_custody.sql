-- 003: tamper-evident audit log and its signed checkpoints, use approval
-- (yongyin shenqing), usage records (yongzhang jilu), standing batch authorisations of device
-- seals, key custody (software tokens behind PINs, device seals). See docs/audit.md.
CREATE TABLE audit_log (
  seq BIGINT PRIMARY KEY,
  at BIGINT NOT NULL,
  actor BIGINT NOT NULL,
  event TEXT NOT NULL,
  object TEXT NOT NULL,
  object_id TEXT NOT NULL,
  detail TEXT NOT NULL,
  prev_hash BLOB NOT NULL,
  hash BLOB NOT NULL
);
CREATE TABLE audit_checkpoints (
  seq BIGINT PRIMARY KEY,
  hash BLOB NOT NULL,
  at BIGINT NOT NULL,
  sig BLOB NOT NULL
);
CREATE TABLE use_requests (
  id BIGINT PRIMARY KEY,
  esid TEXT NOT NULL REFERENCES seals(esid),
  doc_hash BLOB NOT NULL,
  purpose TEXT NOT NULL,
  requested_by BIGINT NOT NULL REFERENCES accounts(id),
  state TEXT NOT NULL,
  approver BIGINT REFERENCES accounts(id),
  decision_reason TEXT,
  decided_at BIGINT,
  used_at BIGINT,
  created_at BIGINT NOT NULL
);
CREATE TABLE batch_auths (
  id BIGINT PRIMARY KEY,
  esid TEXT NOT NULL REFERENCES seals(esid),
  purpose TEXT NOT NULL,
  approver BIGINT NOT NULL REFERENCES accounts(id),
  valid_from BIGINT NOT NULL,
  valid_to BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE usage_records (
  id BIGINT PRIMARY KEY,
  esid TEXT NOT NULL REFERENCES seals(esid),
  actor BIGINT NOT NULL REFERENCES accounts(id),
  at BIGINT NOT NULL,
  doc_hash BLOB,
  request_id BIGINT REFERENCES use_requests(id),
  batch_id BIGINT REFERENCES batch_auths(id),
  audit_seq BIGINT NOT NULL
);
CREATE INDEX usage_records_seal ON usage_records (esid, at);
CREATE TABLE tokens (
  esid TEXT PRIMARY KEY REFERENCES seals(esid),
  kind TEXT NOT NULL,
  user_salt BLOB,
  user_wrap BLOB,
  admin_salt BLOB,
  admin_wrap BLOB,
  iterations BIGINT NOT NULL,
  user_fails BIGINT NOT NULL DEFAULT 0,
  admin_fails BIGINT NOT NULL DEFAULT 0,
  locked BIGINT NOT NULL DEFAULT 0,
  unlock_app BIGINT,
  device_cert BLOB,
  updated_at BIGINT NOT NULL
);
