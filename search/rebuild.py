"""Zero-downtime rebuild of the listings index: fill a fresh index, then swap it in.

Beside the indexer, whose ``LOAD_SQL`` and documents it shares; it takes an open pool and client,
so the CLI and tests call it with their own.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import asyncpg
import msgspec
from meilisearch_python_sdk import AsyncClient
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from search.documents import LISTING_SETTINGS, ListingSource, listing_to_document
from search.indexer import LOAD_SQL, notify_outbox
from search.indexes import ensure_index, wait_for

__all__ = ["rebuild_listings"]

LIVE_IDS_SQL = "SELECT id FROM listings WHERE status = 'active' AND expires_at > now() ORDER BY id"
REQUEUE_SQL = """
INSERT INTO search_outbox (listing_id) SELECT id FROM listings WHERE updated_at >= $1
"""


async def rebuild_listings(
    pool: asyncpg.Pool,
    meili: AsyncClient,
    index_uid: str,
    *,
    terms_for: Callable[[str], Sequence[str]],
    batch_size: int = 5000,
    console: Console | None = None,
) -> int:
    """Rebuild ``index_uid``; listings changed while it ran are re-queued for the indexer after.

    ``terms_for(hs_code)`` gives a listing's glossary terms, as the indexer's does.
    """
    staging = f"{index_uid}_rebuild_{int(time.time())}"
    started_at = await pool.fetchval("SELECT now()")
    await ensure_index(meili, index_uid, LISTING_SETTINGS)
    await ensure_index(meili, staging, LISTING_SETTINGS)
    ids = [r["id"] for r in await pool.fetch(LIVE_IDS_SQL)]
    columns = [TextColumn("[bold]reindexing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()]
    with Progress(*columns, console=console or Console(stderr=True)) as progress:
        bar = progress.add_task("listings", total=len(ids))
        for start in range(0, len(ids), batch_size):
            chunk = ids[start : start + batch_size]
            records = await pool.fetch(LOAD_SQL, chunk)
            sources = [msgspec.convert(r, ListingSource) for r in records]
            docs = [listing_to_document(s, terms_for(s.hs_code or "")) for s in sources]
            task = await meili.index(staging).add_documents(docs)
            await wait_for(meili, task.task_uid, timeout_ms=600_000)
            progress.advance(bar, len(chunk))
    swap = await meili.swap_indexes([(index_uid, staging)])
    await wait_for(meili, swap.task_uid)
    await meili.delete_index_if_exists(staging)
    await pool.execute(REQUEUE_SQL, started_at)
    await notify_outbox(pool)
    return len(ids)
