"""What every process of market starts with, without Litestar or click.

The app's lifespan, ``market worker``, ``market dev``, the other commands, the benchmarks and the
fault suite all start the same way, so they are built from the same four pieces here:

- ``resolved_settings(settings)``: the settings with service URLs filled in, starting (or joining)
  the embedded PostgreSQL and Meilisearch in dev when they are unset, and the dev admin token.
- ``open_resources(settings)``: the asyncpg pool (``MARKET_POOL_MIN_SIZE``/``MAX_SIZE``), the
  Meilisearch client and the search reader, closed together; ``open_pool`` for the pool alone.
- ``migrate(settings)`` and ``prepare_indexes(settings, meili)``: the schema and the indexes.
- ``running_loops(resources)``: every background loop of ``market.loops`` and their one LISTEN
  connection, started together and cancelled together.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator

import asyncpg
import msgspec
from meilisearch_python_sdk import AsyncClient

from market.commodities.documents import commodity_documents
from market.db import apply_migrations, connect, create_pool
from market.devstack import dev_admin_token, provide_services
from market.loops import LoopResources, start_loops
from market.settings import Settings
from search import COMMODITY_SETTINGS, LISTING_SETTINGS, ensure_index
from search.client import SearchReader, meili_client
from search.commodities import load_commodities

__all__ = [
    "WORKER_MEILI_TIMEOUT",
    "LoopResources",
    "migrate",
    "open_pool",
    "open_resources",
    "prepare_indexes",
    "resolved_settings",
    "running_loops",
]

WORKER_MEILI_TIMEOUT = 60
"""Seconds the admin client of ``market worker`` and ``search reindex`` waits for Meilisearch: they
send document batches and wait on tasks. The API keeps the client's 10 s, for its requests'
sake (its searches go through ``SearchReader``, which has its own)."""


@contextlib.contextmanager
def resolved_settings(settings: Settings, *, search: bool = True) -> Iterator[Settings]:
    """Settings whose service URLs are set, starting embedded services in dev for unset ones.

    ``search=False`` is for commands that only touch PostgreSQL. Not inside a running event loop:
    creating the embedded database runs one of its own. The services started here stop on exit
    (unless another process of the same state dir still uses them).
    """
    with provide_services(settings, search=search) as services:
        admin_token = settings.admin_token
        if admin_token is None and settings.env == "dev":
            admin_token = dev_admin_token(settings)
        yield msgspec.structs.replace(
            settings,
            database_url=services.database_url,
            meili_url=services.meili_url or None,
            meili_api_key=services.meili_api_key,
            admin_token=admin_token,
        )


@contextlib.asynccontextmanager
async def open_pool(settings: Settings) -> AsyncIterator[asyncpg.Pool]:
    """The asyncpg pool of resolved settings (``MARKET_POOL_MIN_SIZE`` to ``MAX_SIZE``), closed on exit."""
    if not settings.database_url:
        raise ValueError("open_pool() needs resolved settings: DATABASE_URL")
    pool = await create_pool(
        settings.database_url, min_size=settings.pool_min_size, max_size=settings.pool_max_size
    )
    try:
        yield pool
    finally:
        await pool.close()


@contextlib.asynccontextmanager
async def open_resources(settings: Settings, *, meili_timeout: int = 10) -> AsyncIterator[LoopResources]:
    """The pool, the Meilisearch client and the search reader of resolved settings, closed on exit."""
    if not (settings.database_url and settings.meili_url):
        raise ValueError("open_resources() needs resolved settings: DATABASE_URL and MEILI_URL")
    async with open_pool(settings) as pool:
        meili = meili_client(settings.meili_url, settings.meili_api_key, timeout=meili_timeout)
        reader = SearchReader(settings.meili_url, settings.meili_api_key)
        try:
            yield LoopResources(pool, meili, reader, settings)
        finally:
            await reader.close()
            await meili.aclose()


async def migrate(settings: Settings) -> list[str]:
    """Apply pending SQL migrations; the names of those applied."""
    if not settings.database_url:
        raise ValueError("migrate() needs resolved settings: DATABASE_URL")
    conn = await connect(settings.database_url)
    try:
        return await apply_migrations(conn)
    finally:
        await conn.close()


async def prepare_indexes(settings: Settings, meili: AsyncClient) -> None:
    """Create indexes and apply settings if they changed; load the HS index if it is empty."""
    await ensure_index(meili, settings.listings_index, LISTING_SETTINGS)
    await ensure_index(meili, settings.commodities_index, COMMODITY_SETTINGS)
    stats = await meili.index(settings.commodities_index).get_stats()
    if stats.number_of_documents == 0:
        await load_commodities(meili, settings.commodities_index, commodity_documents())


@contextlib.asynccontextmanager
async def running_loops(resources: LoopResources) -> AsyncIterator[asyncio.Future[list[None]]]:
    """Run every background loop while the block runs; cancel them all (between batches: a batch
    in flight rolls back, its rows stay claimable) when it ends. The future ends only if a loop
    fails outside its own retries or the loops are cancelled."""
    loops = asyncio.gather(*start_loops(resources))
    try:
        yield loops
    finally:
        loops.cancel()
        try:
            await loops
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise  # the caller itself is being cancelled, not only the loops
