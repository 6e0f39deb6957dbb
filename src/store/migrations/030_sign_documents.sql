-- SPDX-License-Identifier: AGPL-3.0-or-later
-- 030: documents sealed by the platform (es_platform_seal_document, docs/sign-services.md):
-- the usage record keeps the SM3 of the sealed copy beside the SM3 of the input, and
-- the format ("ofd", "pdf"); NULL for uses that sealed no document.
ALTER TABLE usage_records ADD COLUMN out_hash BLOB;
ALTER TABLE usage_records ADD COLUMN doc_format TEXT;
