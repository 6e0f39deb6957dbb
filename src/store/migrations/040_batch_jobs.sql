-- SPDX-License-Identifier: AGPL-3.0-or-later
-- 040: batch sealing jobs (docs/batch-jobs.md): many documents under one approved use
-- request covering the job's manifest (SM3 over the documents' SM3s, in order). The
-- items are claimed by any worker of any process or node (PostgreSQL: FOR UPDATE SKIP
-- LOCKED; SQLite: the write lock of BEGIN IMMEDIATE), each for a lease, under a random
-- claim token: the item, its sealed copy and its usage record are written in one
-- transaction that only commits for the holder of the claim, so an item is sealed
-- once even when a worker dies between signing and committing.
CREATE TABLE jobs (
  id BIGINT PRIMARY KEY,
  owner BIGINT NOT NULL REFERENCES accounts(id),
  esid TEXT NOT NULL REFERENCES seals(esid),
  request_id BIGINT REFERENCES use_requests(id),
  manifest BLOB NOT NULL,
  state TEXT NOT NULL,
  place TEXT NOT NULL,
  page BIGINT NOT NULL,
  x_um BIGINT NOT NULL,
  y_um BIGINT NOT NULL,
  w_um BIGINT NOT NULL,
  h_um BIGINT NOT NULL,
  keyword TEXT,
  reason TEXT,
  total BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  started_at BIGINT,
  finished_at BIGINT
);
CREATE INDEX jobs_owner ON jobs (owner, id);
CREATE TABLE job_items (
  job_id BIGINT NOT NULL REFERENCES jobs(id),
  seq BIGINT NOT NULL,
  name TEXT NOT NULL,
  doc BLOB NOT NULL,
  doc_hash BLOB NOT NULL,
  state TEXT NOT NULL,
  claim TEXT,
  lease_until BIGINT,
  attempts BIGINT NOT NULL,
  sealed BLOB,
  out_hash BLOB,
  usage_id BIGINT REFERENCES usage_records(id),
  error TEXT,
  finished_at BIGINT,
  PRIMARY KEY (job_id, seq)
);
CREATE INDEX job_items_state ON job_items (job_id, state, seq);
