"""The worker dies between "Meilisearch task succeeded" and "outbox rows deleted"; the next one
replays the rows, harmlessly, and the outbox empties."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest

from market.settings import Settings
from search.indexer import AFTER_TASK_SUCCEEDED
from tests.faults.invariants import (
    EXPORTER,
    Acks,
    assert_acknowledged,
    database_pairs,
    index_pairs,
    wait_converged,
)
from tests.faults.processes import Processes, wait_ready
from tests.helpers import create_organization, offer_body

pytestmark = pytest.mark.faults


async def test_a_worker_killed_after_the_task_succeeded_is_replayed(
    processes: Processes, fault_settings: Settings, record: Callable[[str, float], None]
) -> None:
    assert fault_settings.admin_token
    api = processes.api(fault_settings)
    await wait_ready(api)
    await wait_converged(fault_settings)  # whatever earlier tests left is settled first
    doomed = processes.worker(fault_settings, failpoint=AFTER_TASK_SUCCEEDED)
    acks = Acks()
    async with httpx.AsyncClient(base_url=api.base_url, timeout=60) as http:
        headers = (await create_organization(http, fault_settings.admin_token, **EXPORTER)).headers
        items = [offer_body(title=f"Failpoint plates {n}") for n in range(40)]
        batch = await http.post("/v1/listings/batch", json=items, headers=headers)
        assert acks.record("batch", batch), batch.text
        for result in batch.json()["results"]:
            acks.saw(1, result["id"])
    assert len(acks.versions) == 40

    status = await doomed.wait(within=30)
    assert status == 137, f"the worker should have died at the failpoint:\n{doomed.log_tail()}"
    assert "failpoint reached" in doomed.log.read_text()
    # The window the failpoint opens: Meilisearch has the documents, the outbox still has the rows.
    (live, outbox), indexed = await database_pairs(fault_settings), await index_pairs(fault_settings)
    ours = {(i, 1) for i in acks.versions}
    assert ours <= live and ours <= indexed
    assert outbox >= len(ours)

    started = time.monotonic()
    processes.worker(fault_settings)
    await wait_converged(fault_settings)
    record("replay after the indexer crash", time.monotonic() - started)
    await assert_acknowledged(fault_settings, acks)
    assert await index_pairs(fault_settings) >= ours  # replayed at the same version, nothing doubled
