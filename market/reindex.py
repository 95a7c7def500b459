"""Zero-downtime rebuild of the listings index: fill a fresh index, then swap it in."""

from __future__ import annotations

import time

import msgspec
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from market.glossary import search_terms
from market.settings import Settings
from search import LISTING_SETTINGS, ensure_index, listing_to_document, wait_for
from search.documents import ListingSource
from search.indexer import LOAD_SQL, notify_outbox

__all__ = ["reindex"]

_LIVE_IDS_SQL = "SELECT id FROM listings WHERE status = 'active' AND expires_at > now() ORDER BY id"
_REQUEUE_SQL = """
INSERT INTO search_outbox (listing_id) SELECT id FROM listings WHERE updated_at >= $1
"""


async def reindex(settings: Settings, *, batch_size: int = 5000, console: Console | None = None) -> int:
    """Rebuild; listings changed while it ran are re-queued for the indexer afterwards."""
    from market.cli import clients

    target = settings.listings_index
    staging = f"{target}_rebuild_{int(time.time())}"
    async with clients(settings) as (pool, meili):
        started_at = await pool.fetchval("SELECT now()")
        await ensure_index(meili, target, LISTING_SETTINGS)
        await ensure_index(meili, staging, LISTING_SETTINGS)
        ids = [r["id"] for r in await pool.fetch(_LIVE_IDS_SQL)]
        columns = [
            TextColumn("[bold]reindexing"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
        ]
        with Progress(*columns, console=console or Console(stderr=True)) as progress:
            bar = progress.add_task("listings", total=len(ids))
            for start in range(0, len(ids), batch_size):
                chunk = ids[start : start + batch_size]
                records = await pool.fetch(LOAD_SQL, chunk)
                sources = [msgspec.convert(r, ListingSource) for r in records]
                docs = [listing_to_document(s, search_terms(s.hs_code or "")) for s in sources]
                task = await meili.index(staging).add_documents(docs)
                await wait_for(meili, task.task_uid, timeout_ms=600_000)
                progress.advance(bar, len(chunk))
        swap = await meili.swap_indexes([(target, staging)])
        await wait_for(meili, swap.task_uid)
        await meili.delete_index_if_exists(staging)
        await pool.execute(_REQUEUE_SQL, started_at)
        await notify_outbox(pool)
    return len(ids)
