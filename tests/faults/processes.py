"""The processes a fault test runs and breaks: the API (``market run``), the worker (``market
worker``), and the suite's own embedded PostgreSQL, stopped and started again."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from market.devstack import EmbeddedPostgres
from market.settings import Settings, settings_to_env
from market.testing import HOST, clean_environ, free_port, log_tail, service_settings, stop_process_groups

__all__ = ["HOST", "MARKET", "Proc", "Processes", "process_env", "restart_postgres", "wait_ready"]

MARKET = str(Path(sys.executable).with_name("market"))
"""The console script of this environment: the production command, not an import of the app."""


def process_env(settings: Settings, **changes: Any) -> dict[str, str]:
    """What production sets (with the fields in ``changes`` changed), and nothing of the test
    run's own ``MARKET_*`` variables."""
    assert settings.database_url and settings.meili_url and settings.admin_token
    production = service_settings(
        settings,
        env="prod",
        run_indexer=False,
        rate_limit_enabled=False,  # the load here is the test's, not abuse
        log_level="WARNING",
    )
    return {**clean_environ(), **settings_to_env(production, **changes)}


@dataclass
class Proc:
    """One started process, its log, and (for the API) its port."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path
    port: int | None = None

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    async def wait(self, within: float) -> int:
        """The exit status (negative: the signal that ended it); fails after ``within`` seconds."""
        return await asyncio.to_thread(self.process.wait, within)

    def log_tail(self, lines: int = 40) -> str:
        return log_tail(self.log, lines)


@dataclass
class Processes:
    """What one test started; ``stop_all`` ends whatever is still running."""

    log_dir: Path
    started: list[Proc] = field(default_factory=list)

    def api(self, settings: Settings, *, run_indexer: bool = False) -> Proc:
        port = free_port()
        env = process_env(settings, run_indexer=run_indexer)
        return self.start("api", [MARKET, "run", "--host", HOST, "--port", str(port)], env, port)

    def worker(self, settings: Settings, *, failpoint: str | None = None) -> Proc:
        env = process_env(settings, failpoint=failpoint)
        return self.start("worker", [MARKET, "worker"], env)

    def start(self, name: str, argv: list[str], env: dict[str, str], port: int | None = None) -> Proc:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_dir / f"{name}-{len(self.started)}.log"
        with open(log, "wb") as fh:
            # Its own session: a signal meant for the process group reaches it and its children.
            process = subprocess.Popen(
                argv, env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True
            )
        proc = Proc(name, process, log, port)
        self.started.append(proc)
        return proc

    def stop_all(self) -> None:
        stop_process_groups([p.process for p in self.started if p.alive])

    def logs(self) -> str:
        """Each log's internal errors (the first three) and its last lines, for a failure's report."""
        parts = []
        for proc in self.started:
            with contextlib.suppress(OSError):
                errors = [
                    line for line in proc.log.read_text(errors="replace").splitlines() if "unhandled" in line
                ]
                parts.append(f"--- {proc.log} ---\n" + "\n".join([*errors[:3], "...", proc.log_tail()]))
        return "\n".join(parts)


async def wait_ready(api: Proc, within: float = 60.0) -> float:
    """Poll /ready until it answers 200; return the seconds it took."""
    started = time.monotonic()
    async with httpx.AsyncClient(base_url=api.base_url, timeout=2) as client:
        while time.monotonic() - started < within:
            if not api.alive:
                raise AssertionError(f"{api.name} exited ({api.process.returncode}):\n{api.log_tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get("/ready")).status_code == 200:
                    return time.monotonic() - started
            await asyncio.sleep(0.1)
    raise AssertionError(f"{api.name} not ready within {within:.0f} s:\n{api.log_tail()}")


def restart_postgres(postgres: EmbeddedPostgres, down_seconds: float) -> float:
    """Stop the server (``pg_ctl stop``, fast mode: sessions are cut), stay down, start it again.

    Returns the moment (``time.monotonic()``) it accepts connections again. Blocking: call it in
    a thread so requests keep flowing meanwhile.
    """
    server = postgres.server()
    server.stop()
    time.sleep(down_seconds)
    server.start()
    return time.monotonic()
