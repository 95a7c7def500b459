"""The outbox indexer: keeps Meilisearch in step with PostgreSQL.

It claims outbox rows with ``FOR UPDATE SKIP LOCKED`` (and a per-listing advisory lock, so two
workers never race on one listing), re-reads the listings' current state, upserts or deletes
their documents, waits until Meilisearch reports the task ``succeeded``, and only then deletes
the rows. A crash anywhere before the commit leaves the rows for the next pass: replays are
harmless because documents are written whole, by primary key. The claim and the loop around it
are ``market.jobs``'s; this module does the Meilisearch part of a batch.

``failpoint="indexer_after_task_succeeded"`` (``MARKET_FAILPOINT``, fault-injection tests only)
ends the process at once after the task succeeded and before the rows are deleted: the worst
moment to die, replayed on the next pass (tests/faults, docs/reliability.md).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import asyncpg
import msgspec
import structlog
from meilisearch_python_sdk import AsyncClient

from search.documents import LISTING_SOURCE_SELECT, ListingSource, listing_to_document
from search.indexes import wait_for

__all__ = ["AFTER_TASK_SUCCEEDED", "LOAD_SQL", "NOTIFY_CHANNEL", "OutboxIndexer", "notify_outbox"]

log = structlog.get_logger(name=__name__)

NOTIFY_CHANNEL = "market_search_outbox"
"""Notified when outbox rows are queued (wakes the indexer) and when a batch of them is indexed
(wakes the match recorder and the alert matcher, which wait for the index to hold their listing)."""
AFTER_TASK_SUCCEEDED = "indexer_after_task_succeeded"
"""The failpoint between "Meilisearch task succeeded" and "outbox rows deleted"."""

CLAIM_SQL = """
WITH candidates AS (
    SELECT id, listing_id FROM search_outbox WHERE failed_at IS NULL
    ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED
)
SELECT id, listing_id FROM candidates
WHERE pg_try_advisory_xact_lock(hashtextextended(listing_id::text, 7))
"""
LOAD_SQL = f"""
SELECT {LISTING_SOURCE_SELECT}
FROM listings l JOIN organizations o ON o.id = l.organization_id
WHERE l.id = any($1::uuid[])
"""
DELETE_SQL = "DELETE FROM search_outbox WHERE id = any($1::bigint[])"
SET_ASIDE_SQL = """
UPDATE search_outbox SET failed_at = now(), last_error = $2
WHERE id = any($1::bigint[]) AND listing_id = $3::uuid
"""


async def notify_outbox(conn: asyncpg.Connection | asyncpg.Pool) -> None:
    """Wake the indexer and the match recorder (delivered when the caller's transaction commits)."""
    await conn.execute("SELECT pg_notify($1, '')", NOTIFY_CHANNEL)


class OutboxIndexer:
    """Drains ``search_outbox`` into the listings index (a ``market.jobs.BatchJob``)."""

    claim_sql = CLAIM_SQL

    def __init__(
        self,
        pool: asyncpg.Pool,
        client: AsyncClient,
        index_uid: str,
        *,
        batch_size: int = 1000,
        terms_for: Callable[[str], Sequence[str]] | None = None,
        failpoint: str | None = None,
    ) -> None:
        self.terms_for = terms_for or (lambda _code: ())
        self.failpoint = failpoint
        self.pool = pool
        self.client = client
        self.index_uid = index_uid
        self.batch_size = batch_size

    async def run(self, conn: asyncpg.Connection, rows: Sequence[asyncpg.Record]) -> int:
        """Index claimed outbox rows in their claiming transaction; return how many it cleared.

        ``market.jobs.drain`` claims the rows and calls this; this module knows nothing of loops.
        """
        listing_ids = list({r["listing_id"] for r in rows})
        records = await conn.fetch(LOAD_SQL, listing_ids)
        sources, broken = [], set()
        for record in records:
            try:
                sources.append(msgspec.convert(record, ListingSource))
            except msgspec.ValidationError as exc:  # the same every time: set it aside
                log.error("listing cannot be indexed; set aside", listing_id=record["id"], error=str(exc))
                await conn.execute(SET_ASIDE_SQL, [r["id"] for r in rows], str(exc), record["id"])
                broken.add(record["id"])
        rows = [r for r in rows if str(r["listing_id"]) not in broken]
        listing_ids = [i for i in listing_ids if str(i) not in broken]
        now = datetime.now(UTC)
        live = [s for s in sources if s.status == "active" and s.expires_at > now]
        live_ids = {s.id for s in live}
        gone = [str(i) for i in listing_ids if str(i) not in live_ids]
        index = self.client.index(self.index_uid)
        tasks = []
        if live:
            tasks.append(
                await index.add_documents(
                    [listing_to_document(s, self.terms_for(s.hs_code or "")) for s in live]
                )
            )
        if gone:
            tasks.append(await index.delete_documents(gone))
        for task in tasks:
            await wait_for(self.client, task.task_uid)
        if self.failpoint == AFTER_TASK_SUCCEEDED:
            _crash(self.failpoint)
        await conn.execute(DELETE_SQL, [r["id"] for r in rows])
        await notify_outbox(conn)  # the match recorder waits for the index to catch up
        log.debug("outbox batch indexed", rows=len(rows), upserted=len(live), deleted=len(gone))
        return len(rows)


def _crash(failpoint: str) -> None:
    """Die like a killed process: no rollback, no cleanup, open transactions left to the server."""
    log.warning("failpoint reached; exiting at once", failpoint=failpoint)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(137)
