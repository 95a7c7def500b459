-- Match events: each organization's inbox of counterparts found for its listings.
-- match_jobs is a durable queue of listings whose matches are still to be computed.
CREATE TABLE match_jobs (
    id          bigserial PRIMARY KEY,
    listing_id  uuid NOT NULL REFERENCES listings (id),
    enqueued_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE match_events (
    id              bigserial PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations (id),   -- whose inbox
    listing_id      uuid NOT NULL REFERENCES listings (id),        -- that organization's listing
    counterpart_id  uuid NOT NULL REFERENCES listings (id),        -- the listing suggested to it
    score           real NOT NULL,
    explanation     text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (listing_id, counterpart_id)
);
CREATE INDEX match_events_inbox_idx ON match_events (organization_id, id DESC);
