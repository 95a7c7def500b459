-- Responsiveness (market/introductions/responsiveness.py) reads, per organization, the requests
-- it received in the last 180 days and the deals among those it sent: one index range each.
-- introductions_received_idx is ordered by seq, not by time; introductions_budget_idx would read
-- every request sent to find the few that ended in a deal. The received index carries the
-- columns the figures need, so it is read without visiting the table (an index-only scan):
-- for 100 organizations among 178,000 requests, 2 ms instead of 17 ms.
CREATE INDEX introductions_received_at_idx ON introductions (recipient_id, created_at)
    INCLUDE (status, expires_at, answered_at, outcome);
CREATE INDEX introductions_sent_deals_idx ON introductions (requester_id, created_at)
    WHERE outcome = 'deal';
