-- 002: seal codes and impressions imported from a public-security export
-- (R8: impression and seal-code lookups). A new application of the same unit,
-- seal kind and name takes its esID and impression from here.
CREATE TABLE psb_seals (
  seal_code TEXT PRIMARY KEY,
  credit_code TEXT NOT NULL,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  picture BLOB,
  used_by TEXT,
  imported_at BIGINT NOT NULL
);
CREATE INDEX psb_seals_unit ON psb_seals (credit_code, kind, name);
