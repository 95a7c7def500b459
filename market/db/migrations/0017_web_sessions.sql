-- Sign-in sessions of the web pages. The browser holds a random token; only its SHA-256 is
-- stored, beside the API key it was opened with (never the key's secret). Revoking the key ends
-- its sessions at the next request (the lookup joins live keys); deleting it deletes them.
CREATE TABLE web_sessions (
    token_hash bytea PRIMARY KEY,
    key_id uuid NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX web_sessions_key_idx ON web_sessions (key_id);
CREATE INDEX web_sessions_expiry_idx ON web_sessions (expires_at);
