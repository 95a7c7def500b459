"""Commands run next to a live ``market dev`` use its PostgreSQL and Meilisearch, and leave them be.

``market dev`` runs as it does for a newcomer (embedded services under a state dir of its own,
no URLs), and reindex, migrate, import and expire run beside it as the same person would type
them. Meanwhile ``/ready`` and a search are asked every 0.2 s: not one answer may be degraded.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from market.settings import settings_from_env
from market.testing import free_port
from tests.faults.processes import HOST, MARKET, Proc, Processes, wait_ready
from tests.helpers import EXAMPLE_CSV
from tests.live import newcomer_environment

DEMO_EXPORTER = "Toshkent Sopol Ceramics and Glass LLC"
"""A demo organization (market/data/demo.json), whose listings the example file adds to."""


@dataclass
class Watcher:
    """Asks ``/ready`` and a search every 0.2 s; keeps every answer that was not healthy."""

    http: httpx.AsyncClient
    asked: int = 0
    unhealthy: list[str] = field(default_factory=list)

    async def run(self) -> None:
        while True:
            await self.check()
            await asyncio.sleep(0.2)

    async def check(self) -> None:
        self.asked += 1
        at = time.strftime("%H:%M:%S")
        try:
            ready = await self.http.get("/ready")
            if ready.status_code != 200 or ready.json()["status"] != "ready":
                self.unhealthy.append(f"{at} /ready {ready.status_code} {ready.text}")
            search = await self.http.get("/v1/listings", params={"q": "ceramic", "limit": 1})
            if search.status_code != 200 or "x-search-degraded" in search.headers:
                self.unhealthy.append(f"{at} search {search.status_code} {dict(search.headers)}")
        except httpx.HTTPError as exc:
            self.unhealthy.append(f"{at} {exc!r}")


@contextlib.asynccontextmanager
async def watching(http: httpx.AsyncClient) -> AsyncIterator[Watcher]:
    watcher = Watcher(http)
    task = asyncio.create_task(watcher.run())
    try:
        yield watcher
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def market(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    command = [MARKET, *args]
    return await asyncio.to_thread(
        subprocess.run, command, env=env, capture_output=True, text=True, timeout=180, check=False
    )


async def test_commands_next_to_market_dev_use_its_services(processes: Processes, tmp_path: Path) -> None:
    # A state dir of the test's own, kept between runs like a newcomer's .market (the first run
    # makes the database; later ones find it and its demo data).
    state_dir = settings_from_env().state_path / "test" / "dev"
    env = newcomer_environment(state_dir)
    port = free_port()
    dev: Proc = processes.start("dev", [MARKET, "dev", "--host", HOST, "--port", str(port)], env, port)
    await wait_ready(dev, within=180)

    async with httpx.AsyncClient(base_url=dev.base_url, timeout=10) as http, watching(http) as watcher:
        await watcher.check()
        assert watcher.unhealthy == [], "market dev was not healthy before any command ran"
        commands = [
            ("search", "reindex"),
            ("db", "migrate"),
            (
                "import",
                str(EXAMPLE_CSV),
                "--organization",
                DEMO_EXPORTER,
                "--rejects",
                str(tmp_path / "r.csv"),
            ),
            ("listings", "expire"),
        ]
        for command in commands:
            done = await market(env, *command)
            output = done.stdout + done.stderr
            assert done.returncode == 0, f"market {' '.join(command)}:\n{output}"
            assert "stale" not in output, f"market {' '.join(command)} stopped a service:\n{output}"
            assert "XDG_RUNTIME_DIR" not in output, output
        # The import went through PostgreSQL; the server's own indexer must still reach its
        # Meilisearch to make it searchable.
        deadline = time.monotonic() + 30
        while True:
            found = await http.get("/v1/listings", params={"q": "Porcelain tea sets", "origin_country": "UZ"})
            if found.status_code == 200 and "x-search-degraded" not in found.headers:
                titles = [hit["title"] for hit in found.json()["hits"]]
                if any("Porcelain tea sets" in title for title in titles):
                    break
            assert time.monotonic() < deadline, f"the imported listing never became searchable: {found.text}"
            await asyncio.sleep(0.2)
        await asyncio.sleep(2)  # and it stays healthy after the last command has gone
    assert watcher.asked > 10
    assert watcher.unhealthy == [], "\n".join(watcher.unhealthy[:10]) + "\n" + dev.log_tail()

    # The server was the last user: stopping it stops both services.
    processes.stop_all()
    assert dev.process.returncode == 0, dev.log_tail()
    assert not (state_dir / "meili" / "meilisearch.json").exists(), dev.log_tail()
    assert not (state_dir / "pg.json").exists(), dev.log_tail()
    assert "XDG_RUNTIME_DIR" not in dev.log.read_text(), dev.log_tail()
