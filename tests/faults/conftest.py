"""Services of the fault suite's own: it kills and restarts them, so no other test may share them.

PostgreSQL and Meilisearch are always the embedded ones, under ``<MARKET_STATE_DIR>/faults``
(database ``market_faults`` and index ``faults_listings``, both recreated each run), even when the
environment names other services for the rest of the suite. They stop when this package is done.
"""

from __future__ import annotations

import json
import secrets
import shutil
import time
from collections.abc import AsyncIterator, Callable, Generator, Iterator
from dataclasses import dataclass

import httpx
import msgspec
import pytest

from market.devstack import Services, ensure_meilisearch_binary, provide_services
from market.runtime import migrate
from market.settings import Settings, settings_from_env
from search.client import meili_client
from tests.faults.invariants import EXPORTER, indexer_running
from tests.faults.processes import Proc, Processes, wait_ready
from tests.helpers import Org, create_organization

__all__ = ["Stack"]

INDEX_PREFIX = "faults"


@pytest.fixture(scope="package")
def fault_services() -> Iterator[Services]:
    base = settings_from_env()
    binary = str(ensure_meilisearch_binary(base))
    own = msgspec.structs.replace(
        base,
        state_dir=f"{base.state_dir}/faults",
        meili_binary=binary,
        database_url=None,
        meili_url=None,
        meili_api_key=None,
        env="dev",
    )
    with provide_services(own, database="market_faults", reset_database=True) as found:
        yield found


@pytest.fixture(scope="package")
async def fault_settings(fault_services: Services) -> Settings:
    base = settings_from_env()
    settings = msgspec.structs.replace(
        base,
        state_dir=f"{base.state_dir}/faults",
        database_url=fault_services.database_url,
        meili_url=fault_services.meili_url,
        meili_api_key=fault_services.meili_api_key,
        admin_token="faults-admin-" + secrets.token_urlsafe(16),
        index_prefix=INDEX_PREFIX,
    )
    await migrate(settings)
    shutil.rmtree(settings.state_path / "logs", ignore_errors=True)  # the last run's stay till now
    meili = meili_client(settings.meili_url or "", settings.meili_api_key)
    try:
        await meili.delete_index_if_exists(settings.listings_index)  # the database was recreated too
    finally:
        await meili.aclose()
    return settings


@pytest.fixture
def processes(request: pytest.FixtureRequest, fault_settings: Settings) -> Iterator[Processes]:
    """Processes a test starts, ended when it ends; their logs go with a failure's report."""
    started = Processes(fault_settings.state_path / "logs" / request.node.name)
    try:
        yield started
    finally:
        started.stop_all()
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            print(started.logs())


@dataclass
class Stack:
    """The API (indexing left to the worker), a worker, a client of the API, an organization."""

    api: Proc
    worker: Proc
    http: httpx.AsyncClient
    org: Org


@pytest.fixture
async def stack(processes: Processes, fault_settings: Settings) -> AsyncIterator[Stack]:
    """Everything running, and the worker seen indexing (a worker that starts while a service is
    away exits, for its supervisor to restart; these tests are about one that is running)."""
    assert fault_settings.admin_token
    api = processes.api(fault_settings)
    await wait_ready(api)
    worker = processes.worker(fault_settings)
    async with httpx.AsyncClient(base_url=api.base_url, timeout=60) as http:
        org = await create_organization(http, fault_settings.admin_token, **EXPORTER)
        await indexer_running(http, org.headers, fault_settings)
        yield Stack(api, worker, http, org)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]
    return report


@pytest.fixture
def record(request: pytest.FixtureRequest, fault_settings: Settings) -> Callable[[str, float], None]:
    """Append a measured figure to ``<state>/faults/measurements.jsonl`` (docs/reliability.md)."""
    path = fault_settings.state_path / "measurements.jsonl"

    def write(figure: str, seconds: float) -> None:
        line = {"test": request.node.name, "figure": figure, "seconds": round(seconds, 3), "at": time.time()}
        with path.open("a") as fh:
            fh.write(json.dumps(line) + "\n")

    return write
