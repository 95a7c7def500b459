-- Email: one outbox row per message to send, made by a trigger on events, so an event and its
-- email commit together and none is lost. The mail sender (market/mail/) drains it.

CREATE TABLE mail_outbox (
    id                 bigserial PRIMARY KEY,
    event_id           bigint NOT NULL UNIQUE REFERENCES events (id),
    organization_id    uuid NOT NULL REFERENCES organizations (id),   -- who is written to
    to_address         text NOT NULL,   -- the organization's contact email when the event was made
    language           text NOT NULL,   -- and its preferred language then
    status             text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts           integer NOT NULL DEFAULT 0,
    -- When the next attempt is due; while an attempt is in flight, when its lease runs out.
    next_attempt_at    timestamptz NOT NULL DEFAULT now(),
    attempt_started_at timestamptz,   -- set while an attempt is in flight: it fences stale results
    first_attempt_at   timestamptz,   -- retries stop 24 h after this
    last_attempt_at    timestamptz,
    last_error         text,
    sent_at            timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX mail_outbox_due_idx ON mail_outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX mail_outbox_organization_idx ON mail_outbox (organization_id, id);

-- One row per event of a type that is emailed, addressed to the told organization's contact
-- email in its language; an organization without an email address gets none.
CREATE FUNCTION mail_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO mail_outbox (event_id, organization_id, to_address, language)
    SELECT NEW.id, o.id, btrim(o.contact ->> 'email'), o.preferred_language
    FROM organizations o
    WHERE o.id = NEW.organization_id
      AND jsonb_typeof(o.contact -> 'email') = 'string'
      AND btrim(o.contact ->> 'email') <> '';
    RETURN NULL;
END
$$;

CREATE TRIGGER events_mail_enqueue AFTER INSERT ON events
    FOR EACH ROW
    WHEN (NEW.type IN ('introduction.requested', 'introduction.accepted', 'introduction.message'))
    EXECUTE FUNCTION mail_enqueue();
