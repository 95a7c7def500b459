-- Listing lifecycle: the expiry date an owner was last warned about (listing.expiring), so each
-- date is warned about once and a renewed listing is warned again for its new date.
ALTER TABLE listings ADD COLUMN expiring_notified_for timestamptz;

-- Saved searches: an organization is told (alert.matched) about new listings that fit one.
CREATE TABLE alerts (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name            text NOT NULL,
    filters         jsonb NOT NULL,   -- the filters of GET /v1/listings; absent keys filter nothing
    place_ids       text[],           -- the known places inside filters.near, resolved when saved
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX alerts_organization_idx ON alerts (organization_id, created_at);

-- Which listings each alert has already reported: never twice for one (alert, listing).
CREATE TABLE alert_hits (
    alert_id    uuid NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    listing_id  uuid NOT NULL REFERENCES listings (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (alert_id, listing_id)
);
