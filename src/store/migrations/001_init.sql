-- 001: records, roles, applications, seals, transitions, filing outbox.
-- Portable SQL (SQLite and PostgreSQL); BLOB is spelt BYTEA on PostgreSQL.
-- Times are Unix seconds (BIGINT). Statements end with ";" at a line end.
CREATE TABLE counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL);
CREATE TABLE settings (name TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE regions (
  code TEXT PRIMARY KEY CHECK (length(code) = 6),
  name TEXT NOT NULL,
  level BIGINT NOT NULL CHECK (level BETWEEN 1 AND 3),
  parent TEXT REFERENCES regions(code)
);
CREATE TABLE units (
  id BIGINT PRIMARY KEY,
  name TEXT NOT NULL,
  credit_code TEXT NOT NULL UNIQUE,
  legacy_code BIGINT NOT NULL DEFAULT 0,
  region TEXT NOT NULL REFERENCES regions(code),
  superior BIGINT REFERENCES units(id),
  legal_rep TEXT,
  source TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE people (
  id BIGINT PRIMARY KEY,
  name TEXT NOT NULL,
  id_enc BLOB NOT NULL,
  id_mask TEXT NOT NULL,
  id_hash BLOB NOT NULL UNIQUE,
  mobile_enc BLOB,
  unit_id BIGINT REFERENCES units(id),
  created_at BIGINT NOT NULL
);
CREATE TABLE accounts (
  id BIGINT PRIMARY KEY,
  login TEXT NOT NULL UNIQUE,
  roles BIGINT NOT NULL,
  unit_id BIGINT REFERENCES units(id),
  person_id BIGINT REFERENCES people(id),
  region TEXT REFERENCES regions(code),
  created_at BIGINT NOT NULL
);
CREATE TABLE applications (
  id BIGINT PRIMARY KEY,
  business TEXT NOT NULL,
  state TEXT NOT NULL,
  unit_id BIGINT NOT NULL REFERENCES units(id),
  applicant BIGINT NOT NULL REFERENCES accounts(id),
  batch_id BIGINT,
  seal_kind TEXT NOT NULL,
  seal_function TEXT,
  seal_name TEXT NOT NULL,
  width_mm BIGINT NOT NULL,
  height_mm BIGINT NOT NULL,
  holder_person BIGINT REFERENCES people(id),
  handler_name TEXT,
  handler_mobile_enc BLOB,
  handler_id_enc BLOB,
  handler_id_mask TEXT,
  target_esid TEXT,
  reason TEXT,
  impression BLOB,
  impression_type TEXT,
  multi_cert_reason TEXT,
  office_region TEXT NOT NULL REFERENCES regions(code),
  checked_by BIGINT REFERENCES accounts(id),
  reviewed_by BIGINT REFERENCES accounts(id),
  made_by BIGINT REFERENCES accounts(id),
  review_reason TEXT,
  result_esid TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX applications_state ON applications (state);
CREATE TABLE attachments (
  id BIGINT PRIMARY KEY,
  app_id BIGINT NOT NULL REFERENCES applications(id),
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  data BLOB NOT NULL
);
CREATE TABLE seals (
  esid TEXT PRIMARY KEY,
  unit_id BIGINT NOT NULL REFERENCES units(id),
  app_id BIGINT REFERENCES applications(id),
  kind TEXT NOT NULL,
  function TEXT,
  name TEXT NOT NULL,
  state TEXT NOT NULL,
  seal_der BLOB NOT NULL,
  picture BLOB NOT NULL,
  picture_type TEXT NOT NULL,
  impression_hash BLOB NOT NULL,
  cert_der BLOB NOT NULL,
  key_enc BLOB NOT NULL,
  multi_cert_reason TEXT,
  made_by BIGINT REFERENCES accounts(id),
  valid_start BIGINT NOT NULL,
  valid_end BIGINT NOT NULL,
  confirmed BIGINT NOT NULL DEFAULT 0,
  last_used BIGINT,
  state_since BIGINT NOT NULL,
  state_reason TEXT,
  replaced_by TEXT,
  created_at BIGINT NOT NULL
);
CREATE INDEX seals_state ON seals (state);
CREATE INDEX seals_impression ON seals (impression_hash);
CREATE TABLE transitions (
  id BIGINT PRIMARY KEY,
  object TEXT NOT NULL,
  object_id TEXT NOT NULL,
  from_state TEXT,
  to_state TEXT NOT NULL,
  actor BIGINT,
  reason TEXT,
  at BIGINT NOT NULL
);
CREATE INDEX transitions_object ON transitions (object, object_id);
CREATE TABLE authorisations (
  id BIGINT PRIMARY KEY,
  esid TEXT NOT NULL REFERENCES seals(esid),
  grantee_unit BIGINT NOT NULL REFERENCES units(id),
  valid_from BIGINT NOT NULL,
  valid_to BIGINT NOT NULL,
  letter TEXT NOT NULL,
  created_by BIGINT REFERENCES accounts(id),
  created_at BIGINT NOT NULL
);
CREATE TABLE outbox (
  id BIGINT PRIMARY KEY,
  idem_key TEXT NOT NULL UNIQUE,
  target TEXT NOT NULL,
  esid TEXT NOT NULL,
  event TEXT NOT NULL,
  payload TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts BIGINT NOT NULL DEFAULT 0,
  next_at BIGINT NOT NULL,
  last_error TEXT,
  sent_at BIGINT,
  created_at BIGINT NOT NULL
);
CREATE INDEX outbox_pending ON outbox (state, next_at);
