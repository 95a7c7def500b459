-- Webhooks: endpoints organizations register, and one delivery row per (endpoint, event).
-- Deliveries are made by a trigger on events, so they commit with the event: none is lost.

CREATE TABLE webhook_endpoints (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (id),
    url             text NOT NULL,
    events          text[] NOT NULL CHECK (cardinality(events) > 0),
    -- The signing secret itself (whsec_...): HMAC needs it, so it cannot be stored as a hash.
    secret          text NOT NULL,
    description     text NOT NULL DEFAULT '',
    include_members boolean NOT NULL DEFAULT false,   -- a chamber also hears its members' events
    created_at      timestamptz NOT NULL DEFAULT now(),
    disabled_at     timestamptz                        -- deleted: no new deliveries
);
CREATE INDEX webhook_endpoints_organization_idx ON webhook_endpoints (organization_id)
    WHERE disabled_at IS NULL;

CREATE TABLE webhook_deliveries (
    id                 bigserial PRIMARY KEY,
    endpoint_id        uuid NOT NULL REFERENCES webhook_endpoints (id),
    event_id           bigint NOT NULL REFERENCES events (id),
    listing_id         uuid,          -- copied from the event: deliveries about one listing keep order
    status             text NOT NULL DEFAULT 'pending'
                       CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts           integer NOT NULL DEFAULT 0,
    -- When the next attempt is due; while an attempt is in flight, when its lease runs out.
    next_attempt_at    timestamptz DEFAULT now(),
    first_attempt_at   timestamptz,   -- retries stop 24 h after this
    attempt_started_at timestamptz,   -- set while an attempt is in flight: it fences stale results
    last_attempt_at    timestamptz,
    last_status_code   integer,
    last_error         text,
    delivered_at       timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at)
    WHERE status = 'pending';
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, id DESC);
CREATE INDEX webhook_deliveries_in_flight_idx ON webhook_deliveries (endpoint_id)
    WHERE attempt_started_at IS NOT NULL;
CREATE INDEX webhook_deliveries_listing_idx ON webhook_deliveries (endpoint_id, listing_id, event_id)
    WHERE status = 'pending' AND listing_id IS NOT NULL;

-- Fan-out: one delivery per active endpoint subscribed to the event's type, owned by the
-- event's organization or (include_members) by the chamber it is a member of.
CREATE FUNCTION webhook_fan_out() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO webhook_deliveries (endpoint_id, event_id, listing_id)
    SELECT w.id, NEW.id, NEW.listing_id
    FROM webhook_endpoints w
    WHERE w.disabled_at IS NULL
      AND NEW.type = ANY (w.events)
      AND (w.organization_id = NEW.organization_id
           OR (w.include_members AND w.organization_id =
               (SELECT o.member_of FROM organizations o WHERE o.id = NEW.organization_id)));
    RETURN NULL;
END
$$;

CREATE TRIGGER events_webhook_fan_out AFTER INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION webhook_fan_out();
