"""Each organization's introductions, newest first: those it sent, those it received, or both."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from market.cursors import cursor_value
from market.introductions.views import EXPIRED_OR_STATUS, introduction_sql, introduction_view
from schemas.introductions import IntroductionPage

__all__ = ["read_introductions"]

_WHO = {
    "sent": "i.requester_id = $1",
    "received": "i.recipient_id = $1",
    None: "(i.requester_id = $1 OR i.recipient_id = $1)",
}
PAGE_SQL = {
    role: introduction_sql(
        f"{who} AND ($2::text IS NULL OR {EXPIRED_OR_STATUS} = $2) AND ($3::bigint IS NULL OR i.seq < $3)",
        "ORDER BY i.seq DESC LIMIT $4",
    )
    for role, who in _WHO.items()
}


async def read_introductions(
    conn: asyncpg.Connection,
    organization_id: UUID,
    *,
    role: str | None,
    status: str | None,
    cursor: str | None,
    limit: int,
) -> IntroductionPage:
    """A page of ``organization_id``'s introductions (read by it, or by its chamber)."""
    rows = await conn.fetch(PAGE_SQL[role], organization_id, status, cursor_value(cursor), limit + 1)
    page = rows[:limit]
    return IntroductionPage(
        introductions=[introduction_view(r, organization_id) for r in page],
        next_cursor=str(page[-1]["seq"]) if len(rows) > limit else None,
    )
