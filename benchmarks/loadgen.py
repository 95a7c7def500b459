"""A small HTTP/1.1 keep-alive load client on raw asyncio streams.

A general-purpose client (httpx) spends about as much CPU per request as the server under test,
and on a two-core machine that CPU comes out of the server's share. This one writes prebuilt
request bytes and reads the response by Content-Length (or chunked encoding), which keeps the
client's share small and the same for both sides of every comparison.
"""

from __future__ import annotations

import asyncio
import math
import os
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = [
    "Connection",
    "PhaseResult",
    "cpu_seconds",
    "get_request",
    "median",
    "percentile",
    "post_request",
    "run_count",
    "run_duration",
]


def get_request(host: str, port: int, path: str, headers: dict[str, str] | None = None) -> bytes:
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "Accept: application/json"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def post_request(
    host: str, port: int, path: str, body: bytes, headers: dict[str, str] | None = None
) -> bytes:
    lines = [
        f"POST {path} HTTP/1.1",
        f"Host: {host}:{port}",
        "Accept: application/json",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
    ]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class Connection:
    """One keep-alive connection; ``request`` sends prebuilt bytes and returns (status, body)."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port, limit=1 << 22)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except OSError:
                pass
            self.writer = self.reader = None

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            await self.open()
        assert self.reader is not None and self.writer is not None
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = -1
        chunked = False
        close = False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
        if chunked:
            parts = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    await self.reader.readuntil(b"\r\n")
                    break
                parts.append(await self.reader.readexactly(size + 2))
            body = b"".join(p[:-2] for p in parts)
        elif length >= 0:
            body = await self.reader.readexactly(length)
        else:
            body = await self.reader.read()
            close = True
        if close:
            await self.close()
        return status, body


@dataclass
class PhaseResult:
    """What one side did in one phase: latencies (s), wall time (s), errors, statuses."""

    latencies: list[float] = field(default_factory=list)
    wall: float = 0.0
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return len(self.latencies)

    @property
    def rps(self) -> float:
        return self.count / self.wall if self.wall else 0.0

    def p(self, q: float) -> float:
        return percentile(self.latencies, q)


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: Sequence[int]) -> float:
    """User + system CPU time of these processes so far (0 for any that is gone)."""
    total = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / _TICK
    return total


async def _open_all(host: str, port: int, n: int) -> list[Connection]:
    conns = [Connection(host, port) for _ in range(n)]
    await asyncio.gather(*(c.open() for c in conns))
    return conns


async def run_count(
    host: str,
    port: int,
    requests: Sequence[bytes],
    concurrency: int,
    bodies: list[tuple[int, bytes]] | None = None,
    *,
    ok: int = 200,
) -> PhaseResult:
    """Send every request once, ``concurrency`` at a time; connections are opened beforehand.
    A request succeeds with status ``ok`` (201 for a POST that creates).

    With ``bodies``, each successful response's (request index, body) is appended to it, to be
    read after the phase (keeping a reference costs the client next to nothing while it measures).
    """
    conns = await _open_all(host, port, concurrency)
    result = PhaseResult()
    next_index = 0

    async def worker(conn: Connection) -> None:
        nonlocal next_index
        while next_index < len(requests):
            index = next_index
            raw = requests[index]
            next_index += 1
            body = await _timed(conn, raw, result, ok)
            if body is not None and bodies is not None:
                bodies.append((index, body))

    t0 = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in conns))
    result.wall = time.perf_counter() - t0
    await asyncio.gather(*(c.close() for c in conns))
    return result


async def _timed(conn: Connection, raw: bytes, result: PhaseResult, ok: int = 200) -> bytes | None:
    """Send one request, record its status and (if ``ok``) latency; the body if ``ok``, else None."""
    started = time.perf_counter()
    try:
        status, body = await conn.request(raw)
    except (OSError, asyncio.IncompleteReadError, ValueError):
        result.errors += 1
        await conn.close()
        return None
    elapsed = time.perf_counter() - started
    result.statuses[status] = result.statuses.get(status, 0) + 1
    if status != ok:
        result.errors += 1
        return None
    result.latencies.append(elapsed)
    return body


async def run_duration(
    host: str,
    port: int,
    requests: Sequence[bytes],
    concurrency: int,
    seconds: float,
    *,
    start: int = 0,
) -> PhaseResult:
    """Cycle through ``requests`` for ``seconds``; requests started before the deadline count."""
    conns = await _open_all(host, port, concurrency)
    result = PhaseResult()
    next_index = start
    deadline = 0.0

    async def worker(conn: Connection) -> None:
        nonlocal next_index
        while time.perf_counter() < deadline:
            raw = requests[next_index % len(requests)]
            next_index += 1
            await _timed(conn, raw, result)

    t0 = time.perf_counter()
    deadline = t0 + seconds
    await asyncio.gather(*(worker(c) for c in conns))
    result.wall = time.perf_counter() - t0
    await asyncio.gather(*(c.close() for c in conns))
    return result
