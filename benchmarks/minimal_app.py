"""The comparison app for GET /v1/listings/{id}: bare Litestar, an asyncpg pool, one handler.

It does the same work as the API's handler (the same SELECT, ``VIEW_SQL``, on a pool with the
same codecs and size, converted to the same msgspec Struct) and nothing else: no middleware, no
caller resolution, no exception mapping. The API's throughput divided by this one's is the share
the real app keeps after its own layers.

    DATABASE_URL=... python -m uvicorn --factory benchmarks.minimal_app:create_app
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from uuid import UUID

import msgspec
from litestar import Litestar, get
from litestar.datastructures import State
from litestar.exceptions import NotFoundException

from market.db import create_pool
from market.listings.service import VIEW_SQL
from schemas.listings import Listing

__all__ = ["create_app"]


@contextlib.asynccontextmanager
async def lifespan(app: Litestar) -> AsyncIterator[None]:
    app.state.pool = await create_pool(
        os.environ["DATABASE_URL"],
        min_size=int(os.environ.get("MARKET_POOL_MIN_SIZE", "2")),
        max_size=int(os.environ.get("MARKET_POOL_MAX_SIZE", "10")),
    )
    try:
        yield
    finally:
        await app.state.pool.close()


@get("/listings/{listing_id:uuid}")
async def get_listing(listing_id: UUID, state: State) -> Listing:
    async with state.pool.acquire() as conn:
        row = await conn.fetchrow(VIEW_SQL, listing_id)
    if row is None:
        raise NotFoundException()
    return msgspec.convert(row, Listing)


def create_app() -> Litestar:
    return Litestar(route_handlers=[get_listing], lifespan=[lifespan])
