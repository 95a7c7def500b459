"""Responsiveness: how an organization answers introduction requests, over the last 180 days.

Shown on the organization and scored in matching (``market.matching.scoring.responsiveness_part``).
A request is *counted* once it can say something about the recipient: not while it still waits
within its 14 days, and not when the requester withdrew it before any answer (the recipient had
no say). Answered means accepted or declined: a clear no is an answer too.
"""

from __future__ import annotations

from collections.abc import Collection
from uuid import UUID

import asyncpg
import msgspec

from schemas.organizations import RESPONSIVENESS_WINDOW_DAYS, Responsiveness

__all__ = ["NO_HISTORY", "RESPONSIVENESS_SQL", "responsiveness_of"]

NO_HISTORY = Responsiveness(
    requests_received=0,
    requests_counted=0,
    answered_share=None,
    median_hours_to_answer=None,
    deals_reported=0,
)
"""An organization no request has reached in the window (a new one, say)."""

# Both halves read one index range per organization (migration 0014): received requests through
# introductions_received_at_idx (recipient_id, created_at), deals among those sent through
# introductions_sent_deals_idx. Organizations without rows are absent.
RESPONSIVENESS_SQL = """
WITH received AS (
    SELECT recipient_id AS organization_id,
           count(*) AS requests_received,
           count(*) FILTER (
               WHERE NOT (status = 'requested' AND expires_at > now())
                 AND NOT (status = 'withdrawn' AND answered_at IS NULL)) AS requests_counted,
           count(*) FILTER (WHERE answered_at IS NOT NULL) AS answered,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY answered_at - created_at)
               FILTER (WHERE answered_at IS NOT NULL) AS median_to_answer,
           count(*) FILTER (WHERE outcome = 'deal') AS deals
    FROM introductions
    WHERE recipient_id = any($1::uuid[]) AND created_at >= now() - make_interval(days => $2)
    GROUP BY recipient_id
), sent AS (
    SELECT requester_id AS organization_id, count(*) AS deals
    FROM introductions
    WHERE requester_id = any($1::uuid[]) AND created_at >= now() - make_interval(days => $2)
      AND outcome = 'deal'
    GROUP BY requester_id
)
SELECT organization_id,
       coalesce(r.requests_received, 0) AS requests_received,
       coalesce(r.requests_counted, 0) AS requests_counted,
       round(r.answered::numeric / nullif(r.requests_counted, 0), 3)::float8 AS answered_share,
       round(extract(epoch FROM r.median_to_answer)::numeric / 3600, 1)::float8 AS median_hours_to_answer,
       coalesce(r.deals, 0) + coalesce(s.deals, 0) AS deals_reported
FROM received r FULL JOIN sent s USING (organization_id)
"""


async def responsiveness_of(
    db: asyncpg.Connection | asyncpg.Pool, organization_ids: Collection[UUID]
) -> dict[UUID, Responsiveness]:
    """Each organization's responsiveness, in one query however many are asked about; those
    without history get ``NO_HISTORY``."""
    if not organization_ids:
        return {}
    rows = await db.fetch(RESPONSIVENESS_SQL, list(organization_ids), RESPONSIVENESS_WINDOW_DAYS)
    found = {row["organization_id"]: msgspec.convert(row, Responsiveness) for row in rows}
    return {org: found.get(org, NO_HISTORY) for org in organization_ids}
