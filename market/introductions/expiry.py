"""The introduction expiry job: a request unanswered for 14 days becomes ``expired``, and both
sides hear of it (``introduction.expired``). Reads already show such a request as expired; this
job records it and tells them."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from market.introductions.service import expired_events

__all__ = ["IntroductionExpiry"]

CLAIM_SQL = """
SELECT id FROM introductions
WHERE status = 'requested' AND expires_at <= now()
ORDER BY expires_at
LIMIT $1
FOR UPDATE SKIP LOCKED
"""
EXPIRE_SQL = """
UPDATE introductions SET status = 'expired', closed_at = expires_at, updated_at = now()
WHERE id = any($1::uuid[])
"""


class IntroductionExpiry:
    """A ``BatchJob`` (market.jobs): claims due requests, expires them and records the events."""

    claim_sql = CLAIM_SQL

    def __init__(self, pool: asyncpg.Pool, *, batch_size: int = 200) -> None:
        self.pool = pool
        self.batch_size = batch_size

    async def run(self, conn: asyncpg.Connection, claimed: Sequence[asyncpg.Record]) -> int:
        ids = [r["id"] for r in claimed]
        await conn.execute(EXPIRE_SQL, ids)
        await expired_events(conn, ids)
        return len(ids)
