"""Real services for the whole suite: embedded PostgreSQL and Meilisearch unless the
environment names others (DATABASE_URL, MEILI_URL). Each test makes its own organizations,
so tests share one database and one pair of indexes without seeing each other's data."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator, Iterator
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
from market.settings import Settings, settings_from_env
from market.web.assets import ensure_htmx
from tests.faults.processes import Processes
from tests.helpers import Org, create_organization

__all__ = ["ADMIN_TOKEN", "asgi_client", "running"]

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
    ensure_htmx(base)  # and the pages with the real htmx
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
        # The mail tests run senders of their own against their own SMTP servers; the app's would
        # take their rows first.
        send_mail=False,
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


TRADE_CONTACT = {"email": "trade@example.uz", "phone": "+998 71 000 00 00"}


@pytest.fixture
def make_org(client: httpx.AsyncClient) -> Any:
    """Makes organizations through the API: an exporter in Tashkent, with a contact, by default."""

    async def make(kind: str = "exporter", country: str = "UZ", city: str = "Tashkent", **extra: Any) -> Org:
        fields = {"country": country, "city": city, "contact": TRADE_CONTACT, **extra}
        return await create_organization(client, ADMIN_TOKEN, kind, **fields)

    return make
