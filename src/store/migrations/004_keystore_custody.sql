-- 004: seals whose signing key is in a key store (R2): the platform's software
-- token of another seal ("token:ESID") or a PKCS#11 module
-- ("pkcs11:MODULE|TOKEN|KEY[|MECHANISM|KEYTYPE]"). Such a seal has a tokens row
-- of kind 'keystore' with the location here; the platform keeps no private key
-- for it (seals.key_enc is empty). See docs/platform.md, "Keys in key stores".
ALTER TABLE tokens ADD COLUMN location TEXT;
