"""A chamber's members, as the chamber sees them."""

from __future__ import annotations

from uuid import UUID

import asyncpg
import msgspec

from schemas.organizations import OrganizationSummary

__all__ = ["MEMBERS_SHOWN", "chamber_members"]

MEMBERS_SHOWN = 500
_MEMBERS_SQL = """
SELECT id, name, kind, country, verified_by IS NOT NULL AS verified
FROM organizations WHERE member_of = $1 ORDER BY name, id LIMIT $2
"""


async def chamber_members(conn: asyncpg.Connection, chamber_id: UUID) -> list[OrganizationSummary]:
    """The chamber's members, by name (verified or not)."""
    return [
        msgspec.convert(row, OrganizationSummary)
        for row in await conn.fetch(_MEMBERS_SQL, chamber_id, MEMBERS_SHOWN)
    ]
