"""SIGTERM to the API: it stops accepting, finishes what it is serving, exits 0, and leaves the
outbox consistent (its in-process indexer stops between batches)."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Callable

import asyncpg
import httpx
import pytest

from market.settings import Settings
from tests.faults.invariants import (
    EXPORTER,
    Acks,
    assert_acknowledged,
    assert_outbox_covers,
    wait_converged,
)
from tests.faults.processes import HOST, Processes, wait_ready
from tests.helpers import create_organization, offer_body

pytestmark = pytest.mark.faults

BATCHES, BATCH_SIZE = 4, 100
EXIT_WITHIN = 15.0
WAITING_ON_LOCKS_SQL = """
SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'
"""


async def _blocked_in_the_server(dsn: str, count: int, within: float = 15.0) -> None:
    """Wait until ``count`` requests wait on the lock the test holds: surely in flight, not queued."""
    # Its own connection: inside the lock holder's transaction pg_stat_activity would not change.
    watcher = await asyncpg.connect(dsn)
    try:
        deadline = time.monotonic() + within
        while (waiting := await watcher.fetchval(WAITING_ON_LOCKS_SQL)) < count:
            assert time.monotonic() < deadline, f"{waiting} of {count} requests reached the database"
            await asyncio.sleep(0.02)
    finally:
        await watcher.close()


async def _first_refusal(port: int, within: float) -> float:
    """When a new connection to ``port`` is first refused (``time.monotonic()``)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            _, writer = await asyncio.open_connection(HOST, port)
        except ConnectionRefusedError:
            return time.monotonic()
        writer.close()
        await asyncio.sleep(0.02)
    raise AssertionError(f"new connections were still accepted {within:.0f} s after SIGTERM")


async def test_sigterm_finishes_in_flight_requests_then_exits_0(
    processes: Processes, fault_settings: Settings, record: Callable[[str, float], None]
) -> None:
    assert fault_settings.admin_token and fault_settings.database_url
    api = processes.api(fault_settings, run_indexer=True)
    await wait_ready(api)
    await wait_converged(fault_settings)
    acks = Acks()
    locker = await asyncpg.connect(fault_settings.database_url)
    try:
        async with httpx.AsyncClient(base_url=api.base_url, timeout=60) as http:
            org = await create_organization(http, fault_settings.admin_token, **EXPORTER)
            search = await http.get("/v1/listings", params={"q": "plates"})  # a keep-alive connection
            assert acks.record("search", search), search.text

            async def post_batch(n: int) -> httpx.Response:
                items = [offer_body(title=f"Shutdown plates {n}-{k}") for k in range(BATCH_SIZE)]
                return await http.post("/v1/listings/batch", json=items, headers=org.headers)

            # Holding the organization's row makes the batches' inserts wait inside the server, so
            # they are in flight for certain when SIGTERM comes, however fast or slow the machine.
            hold = locker.transaction()
            await hold.start()
            await locker.execute("SELECT 1 FROM organizations WHERE id = $1 FOR UPDATE", org.id)
            sent = [asyncio.create_task(post_batch(n)) for n in range(BATCHES)]
            await _blocked_in_the_server(fault_settings.database_url, BATCHES)
            assert api.port is not None
            sigterm_at = time.monotonic()
            api.process.send_signal(signal.SIGTERM)
            refused_at = await _first_refusal(api.port, within=EXIT_WITHIN)
            assert not any(task.done() for task in sent), "a request ended before it was let go"
            await hold.rollback()
            responses = await asyncio.gather(*sent)
            answered_at = time.monotonic()
            status = await api.wait(within=EXIT_WITHIN)
            exited_at = time.monotonic()
    finally:
        await locker.close()

    for response in responses:
        assert acks.record("batch", response), response.text
        assert response.json()["created"] == BATCH_SIZE
        for result in response.json()["results"]:
            acks.saw(1, result["id"])
    assert status == 0, f"the API exited with {status}:\n{api.log_tail()}"
    record("SIGTERM to new connections refused", refused_at - sigterm_at)
    record("in-flight requests let go to exit", exited_at - answered_at)

    await assert_outbox_covers(fault_settings)  # nothing committed is lost to the index
    started = time.monotonic()
    processes.worker(fault_settings)
    await wait_converged(fault_settings)
    record("worker start to converged after SIGTERM", time.monotonic() - started)
    await assert_acknowledged(fault_settings, acks)
