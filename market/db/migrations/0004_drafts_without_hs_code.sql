-- A draft may be posted before its HS code is known; publishing needs one.
ALTER TABLE listings ALTER COLUMN hs_code DROP NOT NULL;
ALTER TABLE listings ADD CONSTRAINT listings_hs_code_to_publish CHECK (hs_code IS NOT NULL OR status = 'draft');
