-- Organizations, API keys, listings and the search outbox.

CREATE TABLE organizations (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('exporter', 'importer', 'trader', 'chamber')),
    country     char(2) NOT NULL,
    city        text NOT NULL,
    contact     jsonb NOT NULL DEFAULT '{}'::jsonb,
    member_of   uuid REFERENCES organizations (id),
    verified_by uuid REFERENCES organizations (id),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name            text NOT NULL,
    prefix          text NOT NULL,
    key_hash        bytea NOT NULL UNIQUE,
    scopes          text[] NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    revoked_at      timestamptz
);
CREATE INDEX api_keys_organization_idx ON api_keys (organization_id);

CREATE TABLE listings (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id   uuid NOT NULL REFERENCES organizations (id),
    side              text NOT NULL CHECK (side IN ('offer', 'demand')),
    status            text NOT NULL CHECK (status IN ('draft', 'active', 'paused', 'closed', 'expired')),
    title             text NOT NULL,
    description       text NOT NULL DEFAULT '',
    hs_code           text NOT NULL CHECK (hs_code ~ '^[0-9]{4}([0-9]{2})?$'),
    hs_description    text NOT NULL DEFAULT '',
    quantity          jsonb NOT NULL,
    min_order         jsonb,
    price             jsonb,
    incoterm          text,
    incoterm_place    text,
    origin            jsonb,
    destination       jsonb,
    geo_lat           double precision,   -- where the goods are (offers) or are wanted (demands)
    geo_lon           double precision,
    target_countries  text[] NOT NULL DEFAULT '{}',
    transport_modes   text[] NOT NULL DEFAULT '{}',
    available_from    date,
    available_until   date,
    certifications    text[] NOT NULL DEFAULT '{}',
    expires_at        timestamptz NOT NULL,
    external_ref      text,
    version           integer NOT NULL DEFAULT 1,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CHECK (available_until IS NULL OR available_from IS NULL OR available_from <= available_until),
    UNIQUE (organization_id, external_ref)
);
CREATE INDEX listings_organization_idx ON listings (organization_id, created_at DESC);
CREATE INDEX listings_active_idx ON listings (status, expires_at);

-- Transactional outbox: one row per listing change still to be reflected in Meilisearch.
CREATE TABLE search_outbox (
    id          bigserial PRIMARY KEY,
    listing_id  uuid NOT NULL,
    enqueued_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX search_outbox_listing_idx ON search_outbox (listing_id);
