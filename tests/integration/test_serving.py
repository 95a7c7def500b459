"""How `market dev` and `market run` serve: a taken port is refused before anything starts,
X-Forwarded-For is believed only from a configured proxy, and uvicorn gets its bounds from
settings. Each server is the real console script in a process of its own."""

from __future__ import annotations

import asyncio
import re
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from market.server import uvicorn_config
from market.settings import Settings, settings_from_env
from market.testing import free_port
from tests.faults.processes import HOST, MARKET, Proc, Processes, process_env, wait_ready
from tests.live import newcomer_environment


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        sock.listen()
        yield int(sock.getsockname()[1])


@pytest.mark.parametrize("command", ["dev", "run"])
def test_a_taken_port_is_refused_before_anything_starts(
    command: str, taken_port: int, tmp_path: Path
) -> None:
    state_dir = tmp_path / "state"
    done = subprocess.run(
        [MARKET, command, "--host", HOST, "--port", str(taken_port)],
        env=newcomer_environment(state_dir),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = " ".join((done.stdout + done.stderr).replace("│", " ").split())
    assert done.returncode == 1, output
    assert f"port {taken_port} on {HOST} is already in use" in output
    assert "--port" in output and "make run PORT=" in output
    assert "market on http" not in output, "the banner came before the refusal"
    assert not state_dir.exists(), "services were started for a server that could not listen"


def test_settings_reach_uvicorn() -> None:
    settings = settings_from_env(
        {
            "FORWARDED_ALLOW_IPS": "10.0.0.0/8",
            "MARKET_LIMIT_CONCURRENCY": "7",
            "MARKET_KEEP_ALIVE_SECONDS": "2",
        }
    )
    config = uvicorn_config(None, settings)  # type: ignore[arg-type]
    assert (config.proxy_headers, config.forwarded_allow_ips) == (True, "10.0.0.0/8")
    assert (config.limit_concurrency, config.timeout_keep_alive) == (7, 2)
    # MARKET_ spelling wins over uvicorn's; and by default no proxy is trusted at all.
    both = settings_from_env({"FORWARDED_ALLOW_IPS": "10.0.0.1", "MARKET_FORWARDED_ALLOW_IPS": "10.0.0.2"})
    assert both.forwarded_allow_ips == "10.0.0.2"
    assert uvicorn_config(None, Settings()).proxy_headers is False  # type: ignore[arg-type]


async def _api(processes: Processes, settings: Settings, **env: str) -> Proc:
    port = free_port()
    # No FORWARDED_ALLOW_IPS is inherited: uvicorn's default applies unless a test sets it.
    environment = process_env(settings, rate_limit_enabled=True, rate_limit_anonymous="3/minute")
    environment.update(env)
    api = processes.start("api", [MARKET, "run", "--host", HOST, "--port", str(port)], environment, port)
    await wait_ready(api)
    return api


async def _budgets(api: Proc, forwarded_for: list[str]) -> list[str]:
    """The anonymous budget each request saw (its RateLimit header), or 429."""
    seen = []
    async with httpx.AsyncClient(base_url=api.base_url, timeout=10) as http:
        for address in forwarded_for:
            answer = await http.get(
                "/v1/commodities", params={"q": "wheat"}, headers={"X-Forwarded-For": address}
            )
            seen.append("429" if answer.status_code == 429 else answer.headers["ratelimit"].split(";")[1])
    return seen


async def test_x_forwarded_for_from_loopback_is_not_believed_by_default(
    processes: Processes, settings: Settings, app
) -> None:
    api = await _api(processes, settings)
    # Four "different clients" named by the header are one loopback client with one budget.
    assert await _budgets(api, ["198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4"]) == [
        "r=2",
        "r=1",
        "r=0",
        "429",
    ]


@pytest.mark.parametrize("variable", ["MARKET_FORWARDED_ALLOW_IPS", "FORWARDED_ALLOW_IPS"])
async def test_x_forwarded_for_from_a_configured_proxy_names_the_client(
    variable: str, processes: Processes, settings: Settings, app
) -> None:
    api = await _api(processes, settings, **{variable: "127.0.0.1"})
    seen = await _budgets(api, ["198.51.100.1", "198.51.100.2", "198.51.100.1"])
    assert seen == ["r=2", "r=2", "r=1"], "each forwarded address has a budget of its own"


def _http_get(sock: socket.socket) -> bytes:
    """One whole response: its head, then as many body bytes as Content-Length says (uvicorn may
    send the two in separate writes, so one recv() can end after the head)."""
    sock.sendall(f"GET /health HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
    response = b""
    while b"\r\n\r\n" not in response:
        chunk = sock.recv(65536)
        assert chunk, f"the connection closed mid-response: {response!r}"
        response += chunk
    head, _, body = response.partition(b"\r\n\r\n")
    match = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    while match and len(body) < int(match.group(1)):
        chunk = sock.recv(65536)
        assert chunk, f"the connection closed mid-body: {response!r}"
        body += chunk
    return head + b"\r\n\r\n" + body


async def test_idle_keep_alive_and_concurrency_are_bounded_from_settings(
    processes: Processes, settings: Settings, app
) -> None:
    api = await _api(processes, settings, MARKET_KEEP_ALIVE_SECONDS="1", MARKET_LIMIT_CONCURRENCY="3")
    assert api.port is not None
    with socket.create_connection((HOST, api.port), timeout=10) as kept:
        assert _http_get(kept).startswith(b"HTTP/1.1 200")
        started = time.monotonic()
        assert kept.recv(1) == b"", "the idle keep-alive connection was closed by the server"
        assert time.monotonic() - started < 3, "closed after MARKET_KEEP_ALIVE_SECONDS, not uvicorn's 5 s"

    idle = [socket.create_connection((HOST, api.port), timeout=10) for _ in range(2)]
    try:
        await asyncio.sleep(0.3)  # accepted: uvicorn counts them
        with socket.create_connection((HOST, api.port), timeout=10) as third:
            assert _http_get(third).startswith(b"HTTP/1.1 503"), "over MARKET_LIMIT_CONCURRENCY=3"
    finally:
        for sock in idle:
            sock.close()
    await asyncio.sleep(0.3)
    async with httpx.AsyncClient(base_url=api.base_url, timeout=10) as http:
        assert (await http.get("/health")).status_code == 200
