-- Border crossing status set by admins and chambers. The crossings themselves are reference data
-- (market/data/routes.json); a row here overrides the shipped status of one crossing.
CREATE TABLE border_crossing_status (
    crossing_id text PRIMARY KEY,
    status      text NOT NULL CHECK (status IN ('open', 'restricted', 'closed')),
    note        text NOT NULL DEFAULT '',
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  uuid REFERENCES organizations (id)
);
