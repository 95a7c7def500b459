"""The request mix of ``benchmarks.load``, the two ways of driving it, and the ledger of writes.

Each request is drawn at random: 70 % search, 15 % GET by id, 10 % matches, 5 % writes (POST
/v1/listings with an Idempotency-Key, a tenth of them sent twice with the same key as a client
does after a lost answer; PATCH with If-Match). Most requests carry one of several organizations'
API keys, some none. Every write acknowledged with a 2xx goes into the ledger, to be checked
afterwards against PostgreSQL and Meilisearch.

``closed_loop`` keeps a fixed number of requests in flight; ``open_loop`` sends at a fixed rate
whatever the answers do, and measures latency from when each request was due, not from when it
was sent, so that a server falling behind shows in the figures instead of slowing the client.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import msgspec

from benchmarks import vocab
from benchmarks.bulk_parts import body as listing_body
from benchmarks.dataset import LISTING_COLUMNS, Generator, Org
from benchmarks.loadgen import Connection, get_request, percentile, post_request
from benchmarks.queries import SEARCHES, api_path

__all__ = [
    "MIX",
    "REPLAY_ATTEMPTS",
    "Editable",
    "Ledger",
    "Stats",
    "Workload",
    "Writer",
    "closed_loop",
    "open_loop",
    "search_paths",
]

MIX = {"search": 70.0, "get": 15.0, "match": 10.0, "post": 3.5, "patch": 1.5}
REPLAY_SHARE = 0.1
ANONYMOUS_SHARE = {"search": 0.3, "get": 0.4, "match": 0.3}
SUCCESS = {"search": 200, "get": 200, "match": 200, "post": 201, "replay": 201, "patch": 200}
EXPECTED = {"patch": {412}, "replay": {409}}
"""Non-2xx answers the API documents for this load, counted apart from errors: a PATCH that lost
a race (412; the workload never edits one listing from two requests at once, so none should
come), and a retried POST while the first one is "still running" (409 with Retry-After: the API
sends the first answer before it stores it, so a retry sent the moment that answer arrives can
get one; the client waits and retries, as the answer asks)."""
REPLAY_ATTEMPTS = 4
RETRY_AFTER = 1.0
KEEP_ALIVE_REUSE = 4.0
"""Seconds a connection may sit idle and still be reused: uvicorn closes one idle for 5 s
(``--timeout-keep-alive``), and a request written into a closing connection is lost."""
TRANSPORT_ERRORS = (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError)


class Ack(msgspec.Struct):
    id: str
    version: int


@dataclass
class Writer:
    org: Org
    auth: str


@dataclass
class Editable:
    """A listing a writer may PATCH; checked out while a request edits it, so edits never race."""

    id: str
    version: int
    writer: int
    description: str


@dataclass
class Ledger:
    """The last acknowledged version of every listing written, and in which phase."""

    versions: dict[str, int] = field(default_factory=dict)
    phase_of: dict[str, str] = field(default_factory=dict)
    uncertain: set[str] = field(default_factory=set)
    """Listings written later without an answer: the database may hold a newer version."""
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    replay_mismatches: int = 0
    replays_still_running: int = 0
    """Retried POSTs still answered 409 after every attempt."""

    def acknowledge(self, phase: str, kind: str, listing_id: str, version: int) -> None:
        self.versions[listing_id] = version
        self.phase_of[listing_id] = phase
        self.count(phase, kind)

    def count(self, phase: str, kind: str) -> None:
        per_phase = self.counts.setdefault(phase, {})
        per_phase[kind] = per_phase.get(kind, 0) + 1


@dataclass
class KindStats:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    errors: int = 0
    expected: int = 0


@dataclass
class Stats:
    kinds: dict[str, KindStats] = field(default_factory=dict)
    wall: float = 0.0
    dropped: int = 0
    """Open loop: requests never sent because every connection was busy."""
    connections: int = 0
    peak_in_flight: int = 0
    max_dispatch_lag: float = 0.0
    samples: list[str] = field(default_factory=list)
    """The first few unexpected answers, to tell what went wrong."""
    origin: float | None = None
    """Open loop: when the run began; latencies are then also kept second by second."""
    seconds: dict[int, list[float]] = field(default_factory=dict)

    def record(
        self,
        kind: str,
        latency: float | None,
        status: int | None,
        body: bytes = b"",
        due: float | None = None,
    ) -> None:
        if self.origin is not None and due is not None and latency is not None:
            self.seconds.setdefault(int(due - self.origin), []).append(latency)
        stats = self.kinds.setdefault(kind, KindStats())
        label = "transport error" if status is None else str(status)
        stats.statuses[label] = stats.statuses.get(label, 0) + 1
        if status == SUCCESS[kind] and latency is not None:
            stats.latencies.append(latency)
        elif status in EXPECTED.get(kind, ()):
            stats.expected += 1
        else:
            stats.errors += 1
            if len(self.samples) < 5:
                self.samples.append(f"{kind} {label}: {body[:300].decode(errors='replace')}")

    def summary(self) -> dict[str, Any]:
        every = [x for k in self.kinds.values() for x in k.latencies]
        ok = len(every)
        errors = sum(k.errors for k in self.kinds.values()) + self.dropped
        sent = ok + errors + sum(k.expected for k in self.kinds.values())
        writes = [x for name in ("post", "patch") for x in self.kinds.get(name, KindStats()).latencies]
        return {
            "seconds": round(self.wall, 2),
            "requests": sent,
            "ok": ok,
            "rps": round(ok / self.wall, 1) if self.wall else 0.0,
            "p50_ms": _ms(percentile(every, 50)),
            "p99_ms": _ms(percentile(every, 99)),
            "errors": errors,
            "error_rate": round(errors / sent, 5) if sent else 0.0,
            "expected_non_2xx": sum(k.expected for k in self.kinds.values()),
            "dropped": self.dropped,
            "error_samples": self.samples,
            "timeline": [
                {"second": t, "requests": len(x), "p50_ms": _ms(percentile(x, 50)), "max_ms": _ms(max(x))}
                for t, x in sorted(self.seconds.items())
            ],
            "writes": {
                "requests": len(writes),
                "p50_ms": _ms(percentile(writes, 50)),
                "p99_ms": _ms(percentile(writes, 99)),
            },
            "by_kind": {
                name: {
                    "ok": len(k.latencies),
                    "share": round(sum(k.statuses.values()) / sent, 4) if sent else 0.0,
                    "p50_ms": _ms(percentile(k.latencies, 50)),
                    "p99_ms": _ms(percentile(k.latencies, 99)),
                    "errors": k.errors,
                    "statuses": k.statuses,
                }
                for name, k in sorted(self.kinds.items())
            },
        }


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def _typo(rng: random.Random, text: str) -> str:
    """Drop one inner letter of the longest word, as a hurried buyer does."""
    word = max(text.split(), key=len)
    if len(word) < 5:
        return text
    i = rng.randrange(1, len(word) - 1)
    return text.replace(word, word[:i] + word[i + 1 :], 1)


def search_paths(rng: random.Random, count: int) -> list[str]:
    """The fixed searches of ``make bench`` and more like them: goods in English or Russian,
    sometimes misspelt, with the filters, sorts and second pages clients use."""
    paths = [api_path(p) for p in SEARCHES]
    while len(paths) < count:
        product = rng.choice(vocab.PRODUCTS)
        params: dict[str, str] = {}
        if rng.random() < 0.9:
            q = rng.choice(product.en if rng.random() < 0.6 else product.ru).lower()
            params["q"] = _typo(rng, q) if rng.random() < 0.15 else q
        if rng.random() < 0.4:
            params["side"] = rng.choice(("offer", "demand"))
        if rng.random() < 0.3:
            params["origin_country"] = rng.choice(product.origins)
        if rng.random() < 0.2:
            params["destination_country"] = rng.choice(vocab.COUNTRIES)
        if "q" not in params or rng.random() < 0.15:
            params["hs_code"] = product.hs_code[: rng.choice((2, 4, 6))]
        if rng.random() < 0.15:
            params["sort"] = rng.choice(("created_at", "price", "-price"))
        if rng.random() < 0.1:
            params["offset"] = "20"
        paths.append(api_path(params))
    return paths


class Workload:
    """Draws and sends one request of the mix at a time; shared by every connection of a phase."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        seed: int,
        readers: list[str],
        writers: list[Writer],
        editable: list[Editable],
        search: list[str],
        get_ids: list[str],
        match_ids: list[str],
    ) -> None:
        self.host, self.port = host, port
        self.rng = random.Random(seed)
        self.gen = Generator(seed + 1)  # only its vocabulary, places and rules: no organizations
        self.readers, self.writers = readers, writers
        self.editable = deque(editable)
        self.search, self.get_ids, self.match_ids = search, get_ids, match_ids
        self.kinds, self.weights = list(MIX), list(MIX.values())
        self.ledger = Ledger()
        self.phase = "warm-up"
        self.decode_ack = msgspec.json.Decoder(Ack).decode
        self.edits = 0

    async def perform(self, conn: Connection, stats: Stats, due: float | None = None) -> None:
        kind = self.rng.choices(self.kinds, self.weights)[0]
        if kind == "patch" and self.editable:
            await self._patch(conn, stats, due)
        elif kind in ("post", "patch"):
            await self._post(conn, stats, due)
        else:
            await self._send(conn, stats, kind, self._read_request(kind), due)

    async def _send(
        self, conn: Connection, stats: Stats, kind: str, raw: bytes, due: float | None
    ) -> tuple[int, bytes] | None:
        started = time.perf_counter() if due is None else due
        try:
            status, body = await conn.request(raw)
        except TRANSPORT_ERRORS:
            await conn.close()
            stats.record(kind, None, None)
            return None
        stats.record(kind, time.perf_counter() - started, status, body, due)
        return status, body

    def _headers(self, kind: str) -> dict[str, str]:
        if self.rng.random() < ANONYMOUS_SHARE[kind]:
            return {}
        return {"Authorization": self.rng.choice(self.readers)}

    def _read_request(self, kind: str) -> bytes:
        if kind == "search":
            path = self.rng.choice(self.search)
        elif kind == "get":
            path = f"/v1/listings/{self.rng.choice(self.get_ids)}"
        else:
            path = f"/v1/listings/{self.rng.choice(self.match_ids)}/matches"
        return get_request(self.host, self.port, path, self._headers(kind))

    def _new_listing(self, org: Org) -> dict[str, Any]:
        row = dict(zip(LISTING_COLUMNS, self.gen.listing(org), strict=True))
        row.update(status="active", version=1)
        if row["expires_at"] < self.gen.now + timedelta(days=2):
            row["expires_at"] = self.gen.now + timedelta(days=90)
        return listing_body(row)

    async def _post(self, conn: Connection, stats: Stats, due: float | None) -> None:
        w = self.rng.randrange(len(self.writers))
        writer = self.writers[w]
        doc = self._new_listing(writer.org)
        headers = {"Authorization": writer.auth, "Idempotency-Key": str(uuid.uuid4())}
        raw = post_request(self.host, self.port, "/v1/listings", msgspec.json.encode(doc), headers)
        answer = await self._send(conn, stats, "post", raw, due)
        if answer is None or answer[0] != SUCCESS["post"]:
            return
        created = self.decode_ack(answer[1])
        self.ledger.acknowledge(self.phase, "post", created.id, created.version)
        if self.rng.random() < REPLAY_SHARE:
            await self._replay(conn, stats, raw, created.id)
        self.editable.append(Editable(created.id, created.version, w, doc["description"]))

    async def _replay(self, conn: Connection, stats: Stats, raw: bytes, listing_id: str) -> None:
        """The same POST again, same key: the answer must name the same listing."""
        for _ in range(REPLAY_ATTEMPTS):
            again = await self._send(conn, stats, "replay", raw, None)
            if again is None or again[0] not in EXPECTED["replay"]:
                break
            await asyncio.sleep(RETRY_AFTER)
        if again is not None and again[0] in EXPECTED["replay"]:
            self.ledger.replays_still_running += 1
        elif again is not None and again[0] == SUCCESS["replay"]:
            self.ledger.count(self.phase, "replay")
            if self.decode_ack(again[1]).id != listing_id:
                self.ledger.replay_mismatches += 1

    async def _patch(self, conn: Connection, stats: Stats, due: float | None) -> None:
        item = self.editable.popleft()
        self.edits += 1
        body = msgspec.json.encode({"description": f"{item.description} Stock update {self.edits}."})
        headers = {"Authorization": self.writers[item.writer].auth, "If-Match": f'"{item.version}"'}
        path = f"/v1/listings/{item.id}"
        raw = b"PATCH" + post_request(self.host, self.port, path, body, headers).removeprefix(b"POST")
        answer = await self._send(conn, stats, "patch", raw, due)
        if answer is None or answer[0] != SUCCESS["patch"]:
            # Stop editing it. Without an answer, or with a server error, whether it was written
            # is unknown; a 4xx changed nothing.
            if answer is None or answer[0] >= 500:
                self.ledger.uncertain.add(item.id)
            return
        item.version = self.decode_ack(answer[1]).version
        self.ledger.acknowledge(self.phase, "patch", item.id, item.version)
        self.editable.append(item)


async def closed_loop(workload: Workload, concurrency: int, seconds: float) -> Stats:
    """``concurrency`` connections, each sending its next request as soon as the last is answered."""
    conns = [Connection(workload.host, workload.port) for _ in range(concurrency)]
    await asyncio.gather(*(c.open() for c in conns))
    stats = Stats(connections=concurrency, peak_in_flight=concurrency)
    deadline = time.perf_counter() + seconds

    async def worker(conn: Connection) -> None:
        while time.perf_counter() < deadline:
            await workload.perform(conn, stats)

    started = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in conns))
    stats.wall = time.perf_counter() - started
    await asyncio.gather(*(c.close() for c in conns))
    return stats


async def open_loop(workload: Workload, rate: float, seconds: float, max_connections: int = 512) -> Stats:
    """A request every 1/``rate`` s for ``seconds``, on as many keep-alive connections as it takes."""
    stats = Stats()
    idle: list[tuple[Connection, float]] = []  # and when it was last answered
    opened: list[Connection] = []
    in_flight: set[asyncio.Task[None]] = set()

    async def one(conn: Connection, due: float, stale: bool) -> None:
        try:
            if stale:
                await conn.close()  # the next request opens it again
            await workload.perform(conn, stats, due)
        finally:
            idle.append((conn, time.perf_counter()))

    started = stats.origin = time.perf_counter()
    for i in range(int(rate * seconds)):
        due = started + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        stats.max_dispatch_lag = max(stats.max_dispatch_lag, time.perf_counter() - due)
        stale = False
        if idle:
            conn, since = idle.pop()
            stale = time.perf_counter() - since > KEEP_ALIVE_REUSE
        elif len(opened) < max_connections:
            conn = Connection(workload.host, workload.port)  # connects on its first request
            opened.append(conn)
        else:
            stats.dropped += 1
            continue
        task = asyncio.create_task(one(conn, due, stale))
        in_flight.add(task)
        task.add_done_callback(in_flight.discard)
        stats.peak_in_flight = max(stats.peak_in_flight, len(in_flight))
    await asyncio.gather(*in_flight)
    stats.wall = time.perf_counter() - started
    stats.connections = len(opened)
    await asyncio.gather(*(c.close() for c in opened))
    return stats
