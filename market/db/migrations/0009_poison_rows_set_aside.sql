-- A match job that keeps failing (bad data, a bug) is set aside after a few attempts instead of
-- blocking the jobs behind it; its error stays here for whoever looks.
ALTER TABLE match_jobs
    ADD COLUMN attempts integer NOT NULL DEFAULT 0,
    ADD COLUMN last_error text,
    ADD COLUMN failed_at timestamptz;

-- Likewise an outbox row whose listing cannot be turned into a document: set aside at once (it
-- would fail the same way every time), so it holds up neither indexing nor the jobs that wait
-- for the index to catch up.
ALTER TABLE search_outbox
    ADD COLUMN failed_at timestamptz,
    ADD COLUMN last_error text;
