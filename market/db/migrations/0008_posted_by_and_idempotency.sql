-- Who posted each listing: the owner itself, or its chamber of commerce (on_behalf_of).
ALTER TABLE listings ADD COLUMN posted_by uuid REFERENCES organizations (id);
UPDATE listings SET posted_by = organization_id;
ALTER TABLE listings ALTER COLUMN posted_by SET NOT NULL;

-- Responses to POSTs sent with an Idempotency-Key, replayed for 24 hours. ``scope`` is a digest
-- of the credential, so two clients can never see each other's stored responses.
CREATE TABLE idempotency_keys (
    scope        bytea NOT NULL,
    key          text NOT NULL,
    fingerprint  bytea NOT NULL,          -- method, path, query and body of the first request
    status       integer,                 -- NULL while the first request is still running
    headers      jsonb,
    body         bytea,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
