"""Each organization's match inbox, newest first, with cursor pagination."""

from __future__ import annotations

from uuid import UUID

import asyncpg
import msgspec

from market.cursors import cursor_value
from market.listings.service import VIEWS_SQL
from schemas.listings import Listing
from schemas.matches import MatchEvent, MatchInbox

__all__ = ["read_inbox"]

# Closed, paused or expired listings on either end drop out of the inbox.
INBOX_SQL = """
SELECT e.id, e.created_at, e.listing_id, e.counterpart_id, e.score, e.explanation
FROM match_events e
JOIN listings mine ON mine.id = e.listing_id
JOIN listings theirs ON theirs.id = e.counterpart_id
WHERE e.organization_id = $1
  AND ($2::bigint IS NULL OR e.id < $2)
  AND ($3::uuid IS NULL OR e.listing_id = $3)
  AND mine.status = 'active' AND mine.expires_at > now()
  AND theirs.status = 'active' AND theirs.expires_at > now()
ORDER BY e.id DESC
LIMIT $4
"""


async def read_inbox(
    conn: asyncpg.Connection,
    organization_id: UUID,
    *,
    cursor: str | None,
    listing_id: UUID | None,
    limit: int,
) -> MatchInbox:
    rows = await conn.fetch(INBOX_SQL, organization_id, cursor_value(cursor), listing_id, limit + 1)
    page = rows[:limit]
    counterparts = {
        r["id"]: msgspec.convert(r, Listing)
        for r in await conn.fetch(VIEWS_SQL, [r["counterpart_id"] for r in page])
    }
    events = [
        MatchEvent(
            id=r["id"],
            created_at=r["created_at"],
            listing_id=r["listing_id"],
            counterpart=counterparts[r["counterpart_id"]],
            score=round(r["score"], 3),
            explanation=r["explanation"],
        )
        for r in page
    ]
    return MatchInbox(events=events, next_cursor=str(page[-1]["id"]) if len(rows) > limit else None)
