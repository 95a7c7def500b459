"""Running the app as real processes, for tests and benchmarks: free ports, servers started with
uvicorn in process groups of their own, waiting until they answer, stopping them in order, and
the environment they are started with.

Nothing here imports the app: a server is a subprocess, configured only by its environment.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import msgspec

from market.settings import Settings, settings_to_env

__all__ = [
    "HOST",
    "PROJECT_ROOT",
    "Processes",
    "Server",
    "clean_environ",
    "free_port",
    "log_tail",
    "server_env",
    "service_settings",
    "stop_process_groups",
    "wait_ready",
]

HOST = "127.0.0.1"
PROJECT_ROOT = Path(__file__).resolve().parents[1]
"""The checkout market runs from: where ``benchmarks.minimal_app`` and the like import from."""

_INHERITED_NOT = ("MARKET_", "MEILI_", "LITESTAR_")
_PLAIN_SETTINGS = ("DATABASE_URL", "FORWARDED_ALLOW_IPS")


def clean_environ() -> dict[str, str]:
    """This process's environment without anything ``settings_from_env`` (or Litestar's CLI)
    would read: what a child is started with before its own settings are added."""
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(_INHERITED_NOT) and name not in _PLAIN_SETTINGS
    }


TEST_SECRET_KEY = "test-secret-key-for-the-web-forms-of-the-suite"
"""What a production process of the suite signs its forms with (prod requires one)."""


def service_settings(settings: Settings, **changes: Any) -> Settings:
    """The defaults, except where ``settings`` says the services are (PostgreSQL, Meilisearch),
    its admin token, secret key and index names, and ``changes``: what a production process is told."""
    return Settings(
        database_url=settings.database_url,
        meili_url=settings.meili_url,
        meili_api_key=settings.meili_api_key,
        admin_token=settings.admin_token,
        secret_key=settings.secret_key or TEST_SECRET_KEY,
        index_prefix=settings.index_prefix,
        **changes,
    )


def server_env(settings: Settings, **changes: Any) -> dict[str, str]:
    """The environment of an app served on ``settings`` (with ``changes``): dev, the indexer in
    process, warnings only, and the rate limits on (their cost is measured) but out of reach."""
    assert settings.database_url and settings.meili_url and settings.admin_token
    served = msgspec.structs.replace(
        settings,
        env="dev",
        run_indexer=True,
        log_level="WARNING",
        rate_limit_key="10000000/minute",
        rate_limit_anonymous="10000000/minute",
    )
    return {**clean_environ(), **settings_to_env(served, **changes)}


def log_tail(log: Path, lines: int) -> str:
    """The last lines of a process's log, or nothing if it cannot be read."""
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def free_port() -> int:
    """A loopback port nothing listens on (at the moment of asking)."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A started server process, its port and the log of all it wrote."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def log_tail(self, lines: int = 30) -> str:
        return log_tail(self.log, lines)


@dataclass
class Processes:
    """The servers started so far; ``stop_all`` is safe to call twice."""

    servers: list[Server] = field(default_factory=list)

    def start(self, name: str, app: str, env: dict[str, str], log_dir: Path) -> Server:
        """Serve the ASGI app factory ``app`` (``module:function``) with uvicorn, one worker, on a
        free port; all its output goes to ``log_dir/<name>.log``."""
        port = free_port()
        log_dir.mkdir(parents=True, exist_ok=True)
        log = log_dir / f"{name}.log"
        command = [sys.executable, "-m", "uvicorn", "--factory", app, "--host", HOST, "--port", str(port)]
        with open(log, "wb") as fh:
            process = subprocess.Popen(
                [*command, "--no-access-log", "--log-level", "warning"],
                cwd=PROJECT_ROOT,
                env=env,
                stdout=fh,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # our own process group: Ctrl-C is handled here, in order
            )
        server = Server(name, port, process, log)
        self.servers.append(server)
        return server

    def stop_all(self) -> None:
        stop_process_groups([server.process for server in reversed(self.servers)])
        self.servers.clear()


def stop_process_groups(processes: Sequence[subprocess.Popen[bytes]], *, grace: float = 15) -> None:
    """SIGTERM each still-running process's group (each was started in a session of its own), wait
    up to ``grace`` seconds for each, then SIGKILL what is left."""
    for process in processes:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


async def wait_ready(server: Server, path: str, within: float = 60.0) -> None:
    """Poll ``path`` until it answers 200; fail at once if the server exits, or after ``within``."""
    deadline = time.monotonic() + within
    async with httpx.AsyncClient(base_url=server.base_url, timeout=2) as client:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise RuntimeError(
                    f"{server.name} exited ({server.process.returncode}):\n{server.log_tail()}"
                )
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(path)).status_code == 200:
                    return
            await asyncio.sleep(0.2)
    raise RuntimeError(f"{server.name} did not become ready within {within:.0f} s:\n{server.log_tail()}")
