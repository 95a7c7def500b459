-- Events an organization is told about (match.created, listing.updated, listing.expiring,
-- listing.expired, alert.matched). Written in the same transaction as the change that causes
-- them, so none is lost; webhook deliveries are made from these rows.
CREATE TABLE events (
    id              bigserial PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations (id),   -- who is told
    type            text NOT NULL,
    listing_id      uuid REFERENCES listings (id),   -- events about one listing keep their order
    data            jsonb NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_organization_idx ON events (organization_id, id);

-- Listings that became active, still to be checked against saved searches (alerts).
CREATE TABLE alert_jobs (
    id          bigserial PRIMARY KEY,
    listing_id  uuid NOT NULL REFERENCES listings (id),
    enqueued_at timestamptz NOT NULL DEFAULT now()
);
