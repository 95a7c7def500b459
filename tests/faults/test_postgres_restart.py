"""PostgreSQL stopped and started again under load: requests meanwhile get 503 problem+json (never
500), the API and the worker recover without a restart, and every acknowledged write survived."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest

from market.devstack import Services
from market.settings import Settings
from tests.faults.conftest import Stack
from tests.faults.invariants import (
    CONVERGE_WITHIN,
    Acks,
    Traffic,
    assert_acknowledged,
    wait_converged,
)
from tests.faults.processes import restart_postgres
from tests.helpers import offer_body

pytestmark = pytest.mark.faults

DOWN_SECONDS = 2.0
RECOVER_WITHIN = 30.0


async def _first_acknowledged_write(stack: Stack, acks: Acks) -> float:
    """Post until one write is answered 201; return when (``time.monotonic()``)."""
    deadline = time.monotonic() + RECOVER_WITHIN
    while time.monotonic() < deadline:
        probe = offer_body(title="Restart probe")
        created = await stack.http.post("/v1/listings", json=probe, headers=stack.org.headers)
        if created.status_code == 201:
            acks.saw(1, created.json()["id"])
            return time.monotonic()
        assert created.status_code == 503, created.text
        await asyncio.sleep(0.05)
    raise AssertionError(f"no write succeeded within {RECOVER_WITHIN:.0f} s of PostgreSQL's return")


async def test_postgres_restart_under_load_gives_503s_then_recovers(
    stack: Stack, fault_services: Services, fault_settings: Settings, record: Callable[[str, float], None]
) -> None:
    assert fault_services.postgres is not None
    acks = Acks()
    traffic = Traffic(stack.http, stack.org.headers, acks)
    traffic.start(writers=3)
    try:
        await asyncio.sleep(1.0)
        back_at = await asyncio.to_thread(restart_postgres, fault_services.postgres, DOWN_SECONDS)
        first_write_at = await _first_acknowledged_write(stack, acks)
        await asyncio.sleep(1.0)
    finally:
        await traffic.stop()

    assert not acks.unexpected, acks.unexpected[:5]
    assert acks.count(503) > 0, f"no request saw the outage: {dict(acks.statuses)}"
    record("PostgreSQL back to first acknowledged write", first_write_at - back_at)
    await wait_converged(fault_settings, within=CONVERGE_WITHIN)
    record("PostgreSQL back to converged", time.monotonic() - back_at)
    await assert_acknowledged(fault_settings, acks)
    assert stack.api.alive and stack.worker.alive, "the API and the worker ride out the restart without one"
