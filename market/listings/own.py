"""An organization's own listings, drafts and closed ones included, newest change first."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from market.listings.service import listing_view_sql, owner_view
from schemas.listings import ListingOwner

__all__ = ["OWN_LISTINGS_SHOWN", "own_listings"]

OWN_LISTINGS_SHOWN = 200
_OWN_SQL = listing_view_sql("l.organization_id = $1 AND ($2::text IS NULL OR l.status = $2)") + (
    "ORDER BY l.updated_at DESC, l.id LIMIT $3"
)


async def own_listings(
    conn: asyncpg.Connection,
    organization_id: UUID,
    status: str | None = None,
    limit: int = OWN_LISTINGS_SHOWN,
) -> list[ListingOwner]:
    """The organization's listings (of one status, if given), as their owner sees them."""
    return [owner_view(row) for row in await conn.fetch(_OWN_SQL, organization_id, status, limit)]
