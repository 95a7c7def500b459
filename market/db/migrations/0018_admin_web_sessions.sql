-- The platform admin signs in to the web pages with the admin token. Its session names no key:
-- it keeps the token's SHA-256, so a new MARKET_ADMIN_TOKEN ends the old token's sessions.
ALTER TABLE web_sessions ALTER COLUMN key_id DROP NOT NULL;
ALTER TABLE web_sessions ADD COLUMN admin_token_hash bytea;
ALTER TABLE web_sessions ADD CONSTRAINT web_sessions_one_credential
    CHECK ((key_id IS NULL) <> (admin_token_hash IS NULL));
