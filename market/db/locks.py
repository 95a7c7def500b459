"""Per-organization limits that hold under concurrency.

Counting rows and then inserting is a race: two requests both count 19 and both insert the 20th.
``hold_organization_limit`` takes a transaction-scoped advisory lock for one limit of one
organization, so its writers go one at a time until the transaction ends; nobody else waits.
"""

from __future__ import annotations

from uuid import UUID

import asyncpg

__all__ = ["hold_organization_limit"]

LOCK_SQL = "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))"


async def hold_organization_limit(conn: asyncpg.Connection, limit: str, organization_id: UUID) -> None:
    """Serialize ``limit``'s writers for this organization; call inside a transaction."""
    assert conn.is_in_transaction(), "an advisory transaction lock outside a transaction ends at once"
    await conn.execute(LOCK_SQL, f"{limit}:{organization_id}")
