"""The app as a real server: uvicorn in a subprocess on a free loopback port, on the suite's
PostgreSQL and Meilisearch, started the way the benchmarks start it (``serve``) or the way
``make run`` starts it (``serve_dev``). For tests that need what the in-process client cannot
give: real HTTP, or everything the process writes to its output."""

from __future__ import annotations

import contextlib
import secrets
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx

from market.settings import Settings
from market.testing import Processes, Server, free_port, server_env, stop_process_groups, wait_ready

__all__ = ["dev_environment", "organization_with_key", "serve", "serve_dev", "start_process"]


@contextlib.asynccontextmanager
async def serve(settings: Settings, log_dir: Path, name: str, **env: str) -> AsyncIterator[Server]:
    """Serve the app until the block ends; ``server.log`` holds all it wrote to stdout and stderr.

    The database must already be migrated (the ``app`` fixture does it). ``env`` adds or
    overrides environment variables (``MARKET_LOG_LEVEL="DEBUG"``, say)."""
    processes = Processes()
    try:
        environment = {**_as_environment(settings), **server_env(settings), **env}
        server = processes.start(name, "market.app:create_app", environment, log_dir)
        await wait_ready(server, "/ready")
        yield server
    finally:
        processes.stop_all()


def dev_environment(settings: Settings) -> dict[str, str]:
    """The environment of a developer's shell pointed at the suite's PostgreSQL and Meilisearch:
    no other ``MARKET_*`` setting than the index names, so every command runs with its defaults."""
    served = server_env(settings)
    plain = {name: value for name, value in served.items() if not name.startswith("MARKET_")}
    return {**plain, "MARKET_INDEX_PREFIX": settings.index_prefix}


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


def _as_environment(settings: Settings) -> dict[str, str]:
    """``MARKET_*`` variables for every setting the suite changed (rate limits, webhook retries, ...),
    so the served app is configured like the in-process one."""
    defaults = Settings()
    changed = {
        name: value
        for name in Settings.__struct_fields__
        if (value := getattr(settings, name)) != getattr(defaults, name)
        and value is not None
        and name not in ("database_url", "meili_url", "meili_api_key")  # server_env names these
    }
    return {
        f"MARKET_{name.upper()}": str(value).lower() if isinstance(value, bool) else str(value)
        for name, value in changed.items()
    }


async def organization_with_key(
    http: httpx.AsyncClient, admin_token: str, kind: str = "exporter", **fields: Any
) -> tuple[dict[str, Any], str]:
    """A new organization (created by the admin) and the secret of its first API key."""
    admin = {"Authorization": f"Bearer {admin_token}"}
    body = {"name": f"Test {kind} {secrets.token_hex(3)}", "kind": kind, "country": "KZ", "city": "Almaty"}
    created = await http.post("/v1/organizations", json={**body, **fields}, headers=admin)
    assert created.status_code == 201, created.text
    key = await http.post(f"/v1/organizations/{created.json()['id']}/api-keys", json={}, headers=admin)
    assert key.status_code == 201, key.text
    return created.json(), str(key.json()["secret"])
