"""HTTP: /health (the process is up) and /ready (PostgreSQL and Meilisearch answer)."""

from __future__ import annotations

import asyncio

import asyncpg
from litestar import Response, get
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from meilisearch_python_sdk import AsyncClient

from schemas.health import Health, Readiness

__all__ = ["health", "ready"]


@get("/health", operation_id="health", tags=["operations"])
async def health() -> Health:
    """Liveness: the process is up and serving."""
    return Health(status="ok")


async def _postgres_ok(pool: asyncpg.Pool) -> bool:
    try:
        async with asyncio.timeout(2):
            return bool(await pool.fetchval("SELECT 1") == 1)
    except Exception:
        return False


async def _meili_ok(meili: AsyncClient) -> bool:
    try:
        async with asyncio.timeout(2):
            return (await meili.health()).status == "available"
    except Exception:
        return False


@get(
    "/ready",
    operation_id="ready",
    tags=["operations"],
    responses={503: ResponseSpec(data_container=Readiness, description="PostgreSQL is away")},
)
async def ready(
    pool: NamedDependency[asyncpg.Pool], meili: NamedDependency[AsyncClient]
) -> Response[Readiness]:
    """Readiness of the instance to serve.

    200 while PostgreSQL answers ("degraded" if Meilisearch is away: search then comes from
    PostgreSQL and matching answers 503), 503 when PostgreSQL is away."""
    pg, ms = await asyncio.gather(_postgres_ok(pool), _meili_ok(meili))
    body = Readiness(
        status="unavailable" if not pg else "ready" if ms else "degraded",
        postgres="ok" if pg else "unavailable",
        meilisearch="ok" if ms else "unavailable",
        search="meilisearch" if ms else "postgresql" if pg else "unavailable",
    )
    return Response(body, status_code=200 if pg else 503)
