-- One match event per organization pair, not per listing pair: a seller importing 30,000
-- near-identical offers must not fill a buyer's inbox (or its chamber's webhooks) 30,000 times.
-- A listing's inbox holds at most one event per counterpart organization (its best listing), and
-- an organization hears about one counterpart listing once (through its own best listing).
ALTER TABLE match_events ADD COLUMN counterpart_organization_id uuid REFERENCES organizations (id);
UPDATE match_events m SET counterpart_organization_id = c.organization_id
FROM listings c WHERE c.id = m.counterpart_id;
ALTER TABLE match_events ALTER COLUMN counterpart_organization_id SET NOT NULL;

-- Keep the best-scoring (then the first) event of each group recorded before this rule.
DELETE FROM match_events m USING (
    SELECT id, row_number() OVER (PARTITION BY listing_id, counterpart_organization_id
                                  ORDER BY score DESC, id) AS rank
    FROM match_events
) ranked WHERE ranked.id = m.id AND ranked.rank > 1;
DELETE FROM match_events m USING (
    SELECT id, row_number() OVER (PARTITION BY organization_id, counterpart_id
                                  ORDER BY score DESC, id) AS rank
    FROM match_events
) ranked WHERE ranked.id = m.id AND ranked.rank > 1;

ALTER TABLE match_events DROP CONSTRAINT match_events_listing_id_counterpart_id_key;
CREATE UNIQUE INDEX match_events_listing_organization_key
    ON match_events (listing_id, counterpart_organization_id);
CREATE UNIQUE INDEX match_events_organization_counterpart_key
    ON match_events (organization_id, counterpart_id);
