"""Meilisearch SIGKILLed while it indexes, writes in flight throughout, then restarted: every
acknowledged write is indexed at PostgreSQL's version and nothing else is."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Callable

import httpx
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

pytestmark = pytest.mark.faults

OUTAGE_SECONDS = 2.0


async def _indexing_in_flight(settings: Settings, within: float = 15.0) -> None:
    """Return once Meilisearch holds a documents task for the listings index not yet done."""
    headers = {"Authorization": f"Bearer {settings.meili_api_key}"}
    params = {
        "statuses": "enqueued,processing",
        "indexUids": settings.listings_index,
        "types": "documentAdditionOrUpdate,documentDeletion",
    }
    deadline = time.monotonic() + within
    async with httpx.AsyncClient(base_url=settings.meili_url or "", headers=headers) as meili:
        while time.monotonic() < deadline:
            if (await meili.get("/tasks", params=params)).json()["results"]:
                return
            await asyncio.sleep(0.01)
    raise AssertionError(f"no indexing task seen within {within:.0f} s: nothing to interrupt")


async def test_meilisearch_killed_mid_indexing_loses_nothing(
    stack: Stack, fault_services: Services, fault_settings: Settings, record: Callable[[str, float], None]
) -> None:
    meili = fault_services.meilisearch
    assert meili is not None
    acks = Acks()
    traffic = Traffic(stack.http, stack.org.headers, acks, batch=50)
    traffic.start(writers=3)
    try:
        await _indexing_in_flight(fault_settings)
        await asyncio.to_thread(meili.stop, signal.SIGKILL)
        try:
            acked_before = acks.acknowledged
            await asyncio.sleep(OUTAGE_SECONDS)
            acked_during = acks.acknowledged - acked_before
        finally:
            await asyncio.to_thread(meili.start)
        recovered_at = time.monotonic()
        await asyncio.sleep(1.0)  # writes keep coming while the worker catches up
    finally:
        await traffic.stop()

    assert not acks.unexpected, acks.unexpected[:5]
    assert acked_during > 0, "no write was acknowledged while Meilisearch was away"
    await wait_converged(fault_settings, within=CONVERGE_WITHIN)
    record("Meilisearch restart to converged", time.monotonic() - recovered_at)
    await assert_acknowledged(fault_settings, acks)
    assert stack.api.alive and stack.worker.alive, (
        "the API and the worker ride out the outage without a restart"
    )
