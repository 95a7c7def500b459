"""A handler's pooled connection goes back to the pool once it has answered, whether it answered
well, with a problem, or by raising; and none is held while Meilisearch answers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import msgspec
import pytest
from litestar import Litestar

from market.alerts import service as alerts_service
from market.app import create_app
from market.settings import Settings
from tests.conftest import asgi_client, running
from tests.helpers import Org, offer_body

MISSING = "00000000-0000-0000-0000-000000000000"
POOL_SIZE = 2


def in_use(pool: asyncpg.Pool) -> int:
    return int(pool.get_size() - pool.get_idle_size())


@pytest.fixture
async def small_pool(settings: Settings, app: Litestar) -> AsyncIterator[tuple[Litestar, httpx.AsyncClient]]:
    """An app of its own with a pool of two connections and no background loops, so every
    connection in use is a request's (it shares the suite's services and indexes, and only reads
    the index)."""
    small = msgspec.structs.replace(settings, run_indexer=False, pool_min_size=1, pool_max_size=POOL_SIZE)
    async with running(create_app(small), small, drop_indexes=False) as application:
        async with asgi_client(application) as http:
            yield application, http


async def test_the_connection_is_released_after_each_answer(small_pool, make_org, admin) -> None:
    application, client = small_pool
    pool = application.state.pool
    org: Org = await make_org()
    answers = [
        await client.get("/v1/alerts", headers=org.headers),  # 200
        await client.get(f"/v1/alerts/{MISSING}", headers=org.headers),  # the service raises: 404
        await client.post("/v1/alerts", json={"name": ""}, headers=org.headers),  # invalid body
        await client.get("/v1/alerts", headers=admin),  # the guard refuses: 403
        await client.get("/v1/alerts"),  # 401
    ]
    assert [a.status_code for a in answers] == [200, 404, 400, 403, 401]
    assert in_use(pool) == 0


async def test_a_handler_that_raises_gives_its_connection_back(
    small_pool, make_org, monkeypatch: pytest.MonkeyPatch
) -> None:
    application, client = small_pool
    pool = application.state.pool
    org: Org = await make_org()
    held: list[int] = []

    async def failing(conn: asyncpg.Connection, organization_id: Any) -> Any:
        held.append(in_use(pool))
        raise RuntimeError("the handler failed")

    monkeypatch.setattr(alerts_service, "list_alerts", failing)
    # More failures than the pool has connections: a leaked one would leave the next waiting.
    for _ in range(3 * POOL_SIZE):
        answer = await asyncio.wait_for(client.get("/v1/alerts", headers=org.headers), 10)
        assert answer.status_code == 500
        assert in_use(pool) == 0
    answers = await asyncio.wait_for(
        asyncio.gather(*(client.get("/v1/alerts", headers=org.headers) for _ in range(3 * POOL_SIZE))), 20
    )
    assert {a.status_code for a in answers} == {500}
    assert in_use(pool) == 0
    assert held and min(held) >= 1  # the handler did hold one of this pool's connections


async def test_no_connection_is_held_while_meilisearch_answers(
    small_pool, make_org, monkeypatch: pytest.MonkeyPatch
) -> None:
    application, client = small_pool
    pool = application.state.pool
    org: Org = await make_org()
    created = await client.post("/v1/listings", json=offer_body(), headers=org.headers)
    assert created.status_code == 201, created.text
    reader = application.state.search_reader
    search, held = reader.search, []

    async def watched(index_uid: str, body: bytes) -> bytes:
        held.append(in_use(pool))
        answer: bytes = await search(index_uid, body)
        return answer

    monkeypatch.setattr(reader, "search", watched)
    found = await client.get("/v1/listings", params={"q": "plates"}, headers=org.headers)
    assert found.status_code == 200, found.text
    matches = await client.get(f"/v1/listings/{created.json()['id']}/matches", headers=org.headers)
    assert matches.status_code == 200, matches.text
    assert len(held) >= 2 and set(held) == {0}
    assert in_use(pool) == 0
