-- 005: checkpoints that cannot be deleted unseen (docs/audit.md, "ES-AUDIT-CP-2"):
-- each names the checkpoint before it (prev_seq, prev_hash) and the interval in
-- force (every), and carries the platform TSA's time stamp (tst). Rows written
-- before this migration keep NULL there and verify as version 1.
ALTER TABLE audit_checkpoints ADD COLUMN prev_seq BIGINT;
ALTER TABLE audit_checkpoints ADD COLUMN prev_hash BLOB;
ALTER TABLE audit_checkpoints ADD COLUMN every BIGINT;
ALTER TABLE audit_checkpoints ADD COLUMN tst BLOB;
