-- Introductions: a request from one organization about another's listing, answered by the
-- listing's owner (double opt-in); contact details are shared only once it is accepted.

-- The language an organization is written to in (email). Existing rows get their country's.
ALTER TABLE organizations ADD COLUMN preferred_language text NOT NULL DEFAULT 'en'
    CHECK (preferred_language IN ('en', 'ru', 'uz', 'kk', 'tg', 'ky'));
UPDATE organizations SET preferred_language = CASE country
    WHEN 'UZ' THEN 'uz' WHEN 'KZ' THEN 'kk' WHEN 'TJ' THEN 'tg' WHEN 'KG' THEN 'ky'
    WHEN 'RU' THEN 'ru' WHEN 'BY' THEN 'ru' WHEN 'TM' THEN 'ru' ELSE 'en' END;

CREATE TABLE introductions (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    seq             bigint GENERATED ALWAYS AS IDENTITY UNIQUE,   -- inbox order and cursor
    listing_id      uuid NOT NULL REFERENCES listings (id),       -- the counterpart's listing
    from_listing_id uuid REFERENCES listings (id),                -- the requester's own, if named
    requester_id    uuid NOT NULL REFERENCES organizations (id),
    recipient_id    uuid NOT NULL REFERENCES organizations (id),  -- the listing's owner
    requested_by    uuid NOT NULL REFERENCES organizations (id),  -- the requester or its chamber
    status          text NOT NULL DEFAULT 'requested'
                    CHECK (status IN ('requested', 'accepted', 'declined', 'withdrawn', 'expired')),
    message         text NOT NULL,
    proposal        jsonb,
    decline_reason  text CHECK (decline_reason IN
                    ('not_interested', 'price', 'quantity', 'timing', 'route', 'other')),
    decline_note    text,
    answered_by     uuid REFERENCES organizations (id),
    outcome         text CHECK (outcome IN ('deal', 'no_deal')),
    outcome_by      uuid REFERENCES organizations (id),
    outcome_at      timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,                         -- unanswered until then: expired
    answered_at     timestamptz,                                  -- accepted or declined
    closed_at       timestamptz,                                  -- declined, withdrawn or expired
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (requester_id <> recipient_id)
);
-- One open request (or live conversation) per requester and listing.
CREATE UNIQUE INDEX introductions_open_idx ON introductions (requester_id, listing_id)
    WHERE status IN ('requested', 'accepted');
CREATE INDEX introductions_sent_idx ON introductions (requester_id, seq DESC);
CREATE INDEX introductions_received_idx ON introductions (recipient_id, seq DESC);
CREATE INDEX introductions_due_idx ON introductions (expires_at) WHERE status = 'requested';
CREATE INDEX introductions_budget_idx ON introductions (requester_id, created_at);

CREATE TABLE introduction_messages (
    id              bigserial PRIMARY KEY,
    introduction_id uuid NOT NULL REFERENCES introductions (id),
    author_id       uuid NOT NULL REFERENCES organizations (id),  -- the party speaking
    posted_by       uuid NOT NULL REFERENCES organizations (id),  -- the party or its chamber
    text            text NOT NULL,
    quote           jsonb,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX introduction_messages_thread_idx ON introduction_messages (introduction_id, id);
CREATE INDEX introduction_messages_rate_idx ON introduction_messages (author_id, created_at);
