-- Responsiveness reads the requests an organization received in the last 180 days: one range
-- per organization on this index (introductions_received_idx is ordered by seq, not by time).
CREATE INDEX introductions_received_at_idx ON introductions (recipient_id, created_at);
