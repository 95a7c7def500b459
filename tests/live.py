"""The app as a real server: uvicorn in a subprocess on a free loopback port, on the suite's
PostgreSQL and Meilisearch, started the way the benchmarks start it (``serve``) or the way
``make run`` starts it (``serve_dev``). For tests that need what the in-process client cannot
give: real HTTP, or everything the process writes to its output."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from market.devstack import ensure_meilisearch_binary
from market.settings import Settings, settings_from_env, settings_to_env
from market.testing import (
    Processes,
    Server,
    clean_environ,
    free_port,
    server_env,
    stop_process_groups,
    wait_ready,
)

__all__ = ["dev_environment", "newcomer_environment", "serve", "serve_dev", "start_process"]


@contextlib.asynccontextmanager
async def serve(settings: Settings, log_dir: Path, name: str, **changes: Any) -> AsyncIterator[Server]:
    """Serve the app until the block ends; ``server.log`` holds all it wrote to stdout and stderr.

    The database must already be migrated (the ``app`` fixture does it). ``changes`` are
    settings the server gets instead of ``settings``' own (``log_level="DEBUG"``, say)."""
    processes = Processes()
    try:
        environment = server_env(settings, **changes)
        server = processes.start(name, "market.app:create_app", environment, log_dir)
        await wait_ready(server, "/ready")
        yield server
    finally:
        processes.stop_all()


def dev_environment(settings: Settings) -> dict[str, str]:
    """The environment of a developer's shell pointed at the suite's PostgreSQL and Meilisearch:
    no other ``MARKET_*`` setting than the index names, so every command runs with its defaults."""
    shell = Settings(
        database_url=settings.database_url,
        meili_url=settings.meili_url,
        meili_api_key=settings.meili_api_key,
        index_prefix=settings.index_prefix,
    )
    return {**clean_environ(), **settings_to_env(shell)}


def newcomer_environment(state_dir: Path) -> dict[str, str]:
    """A newcomer's environment: no service URLs, the embedded services under ``state_dir``."""
    env = clean_environ()
    env.pop("XDG_RUNTIME_DIR", None)  # as outside a login session, where its warning showed
    newcomer = Settings(
        state_dir=str(state_dir),
        meili_binary=str(ensure_meilisearch_binary(settings_from_env())),
        rate_limit_enabled=False,  # a watcher may ask several times a second
        log_format="console",
    )
    return {**env, **settings_to_env(newcomer)}


def start_process(command: list[str], cwd: Path, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """``command`` in ``cwd`` with all its output in ``log``, in a process group of its own (so
    ``stop_process_groups`` stops what it started in the background too)."""
    with open(log, "wb") as fh:
        return subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=fh,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


@contextlib.asynccontextmanager
async def serve_dev(settings: Settings, workdir: Path, *options: str) -> AsyncIterator[Server]:
    """``market dev`` itself, as ``make run`` starts it (plus ``options``), in ``workdir`` (where it
    generates ``.market/admin_token``), on the suite's services; ``server.log`` holds its output."""
    port = free_port()
    command = [
        sys.executable,
        "-c",
        "from market.cli import main; main()",
        "dev",
        "--port",
        str(port),
        *options,
    ]
    process = start_process(command, workdir, dev_environment(settings), workdir / "market-dev.log")
    try:
        server = Server("market dev", port, process, workdir / "market-dev.log")
        await wait_ready(server, "/ready")
        yield server
    finally:
        stop_process_groups([process])
