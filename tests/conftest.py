"""Real services for the whole suite: embedded PostgreSQL and Meilisearch unless the
environment names others (DATABASE_URL, MEILI_URL). Each test makes its own organizations,
so tests share one database and one pair of indexes without seeing each other's data."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import secrets
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import httpx
import msgspec
import pytest
from litestar import Litestar

from market.app import create_app
from market.db import apply_migrations, connect
from market.devstack import Services, ensure_meilisearch_binary, provide_services
from market.docs_ui import ensure_swagger_ui
from market.examples import FLOUR_DEMAND, UZ_PLATES_OFFER
from market.settings import Settings, settings_from_env
from tests.faults.processes import Processes

ADMIN_TOKEN = "test-admin-" + secrets.token_urlsafe(16)


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    """Processes a test starts as the console script (``market dev``, ``market run``...), ended
    (SIGTERM, then SIGKILL) when it ends; their logs are under ``tmp_path/logs``."""
    started = Processes(tmp_path / "logs")
    try:
        yield started
    finally:
        started.stop_all()


@pytest.fixture(scope="session")
def services() -> Iterator[Services]:
    base = settings_from_env()
    # The Meilisearch binary is shared with `make run`; the data of the test services is not.
    binary = str(ensure_meilisearch_binary(base))
    ensure_swagger_ui(base)  # what `make run` fetches too: /docs is tested with the real files
    base = msgspec.structs.replace(base, state_dir=f"{base.state_dir}/test", meili_binary=binary)
    with provide_services(base, database="market_test", reset_database=True) as found:
        yield found


@pytest.fixture(scope="session")
def settings(services: Services) -> Settings:
    base = settings_from_env()
    return msgspec.structs.replace(
        base,
        database_url=services.database_url,
        meili_url=services.meili_url,
        meili_api_key=services.meili_api_key,
        admin_token=ADMIN_TOKEN,
        index_prefix=f"test_{secrets.token_hex(4)}",
        log_level="WARNING",
        # The suite is one client at one address; tests/integration/test_rate_limits.py runs an
        # app of its own with small limits.
        rate_limit_key="1000000/minute",
        rate_limit_anonymous="1000000/minute",
        rate_limit_auth_failures="1000000/minute",
        # Webhook tests run their receivers on 127.0.0.1 and cannot wait minutes for retries.
        webhook_allow_loopback=True,
        webhook_retry_scale=0.01,
        # The lifecycle tests run their own expiry passes; a background pass at the same moment
        # would take their rows first (SKIP LOCKED) and commit after they look.
        expiry_interval_seconds=3600,
    )


@contextlib.asynccontextmanager
async def running(
    application: Litestar, settings: Settings, *, drop_indexes: bool = True
) -> AsyncIterator[Litestar]:
    """Run an app's lifespan around the block, deleting its indexes afterwards if asked."""
    started, stop = asyncio.Event(), asyncio.Event()

    async def run_lifespan() -> None:
        # The lifespan's cancel scope must be entered and left in one task.
        async with application.lifespan():
            started.set()
            await stop.wait()
            for uid in (settings.listings_index, settings.commodities_index) if drop_indexes else ():
                await application.state.meili.delete_index_if_exists(uid)

    task = asyncio.create_task(run_lifespan())
    await asyncio.wait([task, asyncio.create_task(started.wait())], return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        task.result()
    try:
        yield application
    finally:
        stop.set()
        await task


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[Litestar]:
    assert settings.database_url
    conn = await connect(settings.database_url)
    try:
        await apply_migrations(conn)
    finally:
        await conn.close()
    async with running(create_app(settings), settings) as application:
        yield application


@contextlib.asynccontextmanager
async def asgi_client(application: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client that calls the app in this process."""
    transport = httpx.ASGITransport(app=cast(Any, application))  # Litestar types its ASGI call more narrowly
    async with httpx.AsyncClient(transport=transport, base_url="http://market.test") as http:
        yield http


@pytest.fixture(scope="session")
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(app) as http:
        yield http


@pytest.fixture(scope="session")
def admin() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@dataclass
class Org:
    id: str
    key: str
    data: dict[str, Any]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


@pytest.fixture
def make_org(client: httpx.AsyncClient, admin: dict[str, str]) -> Any:
    async def make(kind: str = "exporter", country: str = "UZ", city: str = "Tashkent", **extra: Any) -> Org:
        body = {
            "name": f"Test {kind} {secrets.token_hex(3)}",
            "kind": kind,
            "country": country,
            "city": city,
            "contact": {"email": "trade@example.uz", "phone": "+998 71 000 00 00"},
            **extra,
        }
        created = await client.post("/v1/organizations", json=body, headers=admin)
        assert created.status_code == 201, created.text
        org = created.json()
        key = await client.post(f"/v1/organizations/{org['id']}/api-keys", json={}, headers=admin)
        assert key.status_code == 201, key.text
        return Org(id=org["id"], key=key.json()["secret"], data=org)

    return make


def offer_body(**overrides: Any) -> dict[str, Any]:
    """The documented example offer (Uzbek plates for Kazakhstan), with changes."""
    return {**copy.deepcopy(UZ_PLATES_OFFER), **overrides}


def demand_body(**overrides: Any) -> dict[str, Any]:
    """The documented example demand (flour wanted in Samarkand, in Russian), with changes."""
    return {**copy.deepcopy(FLOUR_DEMAND), **overrides}


async def wait_searchable(
    client: httpx.AsyncClient,
    params: dict[str, Any],
    listing_id: str,
    *,
    present: bool = True,
    within: float = 15,
) -> dict[str, Any]:
    """Poll search until the listing appears (or disappears); return the last result."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        result = await client.get("/v1/listings", params=params)
        assert result.status_code == 200, result.text
        if "x-search-degraded" in result.headers:  # PostgreSQL answered: says nothing of the index
            await asyncio.sleep(0.1)
            continue
        body = result.json()
        found = any(hit["id"] == listing_id for hit in body["hits"])
        if found == present:
            return dict(body)
        if asyncio.get_running_loop().time() > deadline:
            seen = [hit["id"] for hit in body["hits"]]
            raise AssertionError(
                f"listing {listing_id} {'never appeared' if present else 'never left'}; saw {seen}"
            )
        await asyncio.sleep(0.1)


async def wait_matched(
    client: httpx.AsyncClient, listing_id: str, counterpart_id: str, *, within: float = 20
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Poll the listing's matches until the counterpart is among them; return its match and the
    whole answer. A 503 (the search index just came back and the reader still skips it) is retried."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        response = await client.get(f"/v1/listings/{listing_id}/matches")
        if response.status_code == 200:
            body = dict(response.json())
            found = [m for m in body["matches"] if m["listing"]["id"] == counterpart_id]
            if found:
                return found[0], body
            seen = [m["listing"]["id"] for m in body["matches"]]
        else:
            assert response.status_code == 503, response.text
            seen = [response.text]
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{counterpart_id} never matched {listing_id}; saw {seen}")
        await asyncio.sleep(0.1)


REPAIR_SQL = """
UPDATE listings SET status = 'closed', origin = '{"country": "UZ", "city": "Tashkent"}'::jsonb
WHERE id = $1::uuid
"""


async def repair_listing(app: Litestar, listing_id: str) -> None:
    """Undo a test's corruption of a listing (written behind the API's back): close it with sane
    data, drop the work set aside for it, and let the indexer take it out of the index."""
    async with app.state.pool.acquire() as conn, conn.transaction():
        await conn.execute(REPAIR_SQL, listing_id)
        await conn.execute("DELETE FROM search_outbox WHERE listing_id = $1::uuid", listing_id)
        await conn.execute("DELETE FROM match_jobs WHERE listing_id = $1::uuid", listing_id)
        await conn.execute("INSERT INTO search_outbox (listing_id) VALUES ($1::uuid)", listing_id)
        await conn.execute("SELECT pg_notify('market_search_outbox', '')")
