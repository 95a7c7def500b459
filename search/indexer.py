"""The outbox indexer: keeps Meilisearch in step with PostgreSQL.

It claims outbox rows with ``FOR UPDATE SKIP LOCKED`` (and a per-listing advisory lock, so two
workers never race on one listing), re-reads the listings' current state, upserts or deletes
their documents, waits until Meilisearch reports the task ``succeeded``, and only then deletes
the rows. A crash anywhere before the commit leaves the rows for the next pass: replays are
harmless because documents are written whole, by primary key.

``failpoint="indexer_after_task_succeeded"`` (``MARKET_FAILPOINT``, fault-injection tests only)
ends the process at once after the task succeeded and before the rows are deleted: the worst
moment to die, replayed on the next pass (tests/faults, docs/reliability.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime

import asyncpg
import msgspec
import structlog
from meilisearch_python_sdk import AsyncClient

from search.documents import LISTING_SOURCE_SELECT, ListingSource, listing_to_document
from search.indexes import wait_for

__all__ = [
    "AFTER_TASK_SUCCEEDED",
    "LOAD_SQL",
    "NOTIFY_CHANNEL",
    "OutboxIndexer",
    "drain_on_notify",
    "notify_outbox",
]

log = structlog.get_logger(name=__name__)

NOTIFY_CHANNEL = "market_search_outbox"
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
    """Drains ``search_outbox`` into the listings index."""

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

    async def run_once(self) -> int:
        """Index one batch of outbox rows; return how many rows it cleared."""
        async with self.pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(CLAIM_SQL, self.batch_size)
            if not rows:
                return 0
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

    async def drain(self) -> int:
        """Index until the outbox is empty (or only holds rows other workers hold)."""
        total = 0
        while count := await self.run_once():
            total += count
        return total

    async def run_forever(self, *, poll_seconds: float = 2.0) -> None:
        """Drain on every NOTIFY (or every ``poll_seconds``) until cancelled."""
        await drain_on_notify(self.pool, self.drain, name="indexer", poll_seconds=poll_seconds)


def _crash(failpoint: str) -> None:
    """Die like a killed process: no rollback, no cleanup, open transactions left to the server."""
    log.warning("failpoint reached; exiting at once", failpoint=failpoint)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(137)


async def drain_on_notify(
    pool: asyncpg.Pool,
    drain: Callable[[], Awaitable[int]],
    *,
    name: str,
    channel: str = NOTIFY_CHANNEL,
    poll_seconds: float = 2.0,
) -> None:
    """Call ``drain`` whenever ``channel`` is notified (or every ``poll_seconds``), for ever.

    Failures (the index or the database away) back off from 0.2 s to 5 s and retry; each retry
    listens on a fresh connection, in case the old one died with the server.
    """
    wake = asyncio.Event()

    def on_notify(*_: object) -> None:
        wake.set()

    async def release(conn: asyncpg.pool.PoolConnectionProxy) -> None:
        try:
            await conn.remove_listener(channel, on_notify)
        except Exception:
            pass
        try:
            await pool.release(conn, timeout=5)
        except Exception:
            conn.terminate()

    backoff = 0.2
    listener: asyncpg.pool.PoolConnectionProxy | None = None
    try:
        while True:
            try:
                if listener is None:
                    listener = await pool.acquire()
                    await listener.add_listener(channel, on_notify)
                wake.clear()
                await drain()
                backoff = 0.2
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), timeout=poll_seconds)
                continue
            except Exception as exc:  # the SDK wraps transport errors in types of its own
                error = exc
            log.warning(f"{name} pass failed; retrying", error=repr(error), retry_in=backoff)
            if listener is not None:
                held, listener = listener, None
                await release(held)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 5.0)
    finally:
        if listener is not None:
            await asyncio.shield(release(listener))
