"""What must hold after every fault, and the client traffic that keeps requests in flight meanwhile.

1. Convergence: the (listing id, version) pairs of active, unexpired listings in PostgreSQL equal
   the (id, version) pairs of the documents in Meilisearch, and the outbox is empty, within a bound.
2. Durability: every write answered 2xx is in PostgreSQL at that version or later (and, by 1,
   in the index at PostgreSQL's version); every close answered 2xx stays closed.
3. No 500s: a backing service away is a 503 problem+json, never an internal error.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx

from market.settings import Settings
from tests.helpers import offer_body

__all__ = [
    "CONVERGE_WITHIN",
    "EXPORTER",
    "Acks",
    "Traffic",
    "assert_acknowledged",
    "assert_outbox_covers",
    "database_pairs",
    "index_pairs",
    "indexer_running",
    "wait_converged",
]

CONVERGE_WITHIN = 30.0
"""Seconds allowed, after the fault is over, for the index to equal PostgreSQL again."""

LIVE_SQL = "SELECT id::text, version FROM listings WHERE status = 'active' AND expires_at > now()"
OUTBOX_SQL = "SELECT count(*) FROM search_outbox"
QUEUED_SQL = "SELECT DISTINCT listing_id::text AS id FROM search_outbox"
ROWS_SQL = "SELECT id::text, version, status FROM listings WHERE id = any($1::uuid[])"

Pairs = set[tuple[str, int]]


async def _fetch(dsn: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    # A connection per check: the suite restarts PostgreSQL, and a pool would hold dead ones.
    conn = await asyncpg.connect(dsn)
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


async def database_pairs(settings: Settings) -> tuple[Pairs, int]:
    """PostgreSQL's live (id, version) pairs, and how many outbox rows wait."""
    assert settings.database_url
    live = await _fetch(settings.database_url, LIVE_SQL)
    outbox = await _fetch(settings.database_url, OUTBOX_SQL)
    return {(r["id"], r["version"]) for r in live}, int(outbox[0][0])


async def index_pairs(settings: Settings) -> Pairs:
    """The (id, version) of every document in the listings index, read from Meilisearch itself."""
    headers = {"Authorization": f"Bearer {settings.meili_api_key}"}
    found: Pairs = set()
    async with httpx.AsyncClient(base_url=settings.meili_url or "", headers=headers, timeout=10) as meili:
        for offset in itertools.count(0, 1000):
            page = await meili.get(
                f"/indexes/{settings.listings_index}/documents",
                params={"fields": "id,version", "limit": 1000, "offset": offset},
            )
            page.raise_for_status()
            body = page.json()
            found |= {(d["id"], d["version"]) for d in body["results"]}
            if offset + 1000 >= body["total"]:
                return found
    raise AssertionError("unreachable")


async def assert_outbox_covers(settings: Settings) -> int:
    """Wherever the index differs from PostgreSQL, an outbox row is waiting to fix it.

    It holds at every moment, faults included; check it while no indexer runs (the three reads
    are not one snapshot). Returns how many listings differ.
    """
    assert settings.database_url
    (db, _), indexed = await database_pairs(settings), await index_pairs(settings)
    queued = {r["id"] for r in await _fetch(settings.database_url, QUEUED_SQL)}
    differing = {i for i, _ in db ^ indexed}
    uncovered = sorted(differing - queued)
    assert not uncovered, (
        f"{len(uncovered)} listings differ from the index with no outbox row: {uncovered[:5]}"
    )
    return len(differing)


async def wait_converged(settings: Settings, *, within: float = CONVERGE_WITHIN) -> float:
    """Wait until the index equals PostgreSQL and the outbox is empty; return the seconds it took."""
    started = time.monotonic()
    state = "not checked yet"
    while True:
        try:
            (db, outbox), indexed = await database_pairs(settings), await index_pairs(settings)
            if db == indexed and outbox == 0:
                return time.monotonic() - started
            missing, extra = sorted(db - indexed), sorted(indexed - db)
            state = (
                f"{len(missing)} not indexed {missing[:3]}, {len(extra)} stale {extra[:3]}, outbox {outbox}"
            )
        except (OSError, asyncpg.PostgresError, httpx.HTTPError) as exc:
            state = f"a service did not answer: {exc!r}"
        if time.monotonic() - started > within:
            raise AssertionError(f"the index did not converge within {within:.0f} s: {state}")
        await asyncio.sleep(0.2)


@dataclass
class Acks:
    """Every answer the clients got, and what the 2xx ones acknowledged."""

    versions: dict[str, int] = field(default_factory=dict)
    """Listing id -> the highest version a 2xx answer showed."""
    closed: set[str] = field(default_factory=set)
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    """(operation, status) -> count; status 0 is a transport error (no answer)."""
    unexpected: list[str] = field(default_factory=list)
    """Answers that were neither 2xx nor a 503 problem+json."""

    def saw(self, version: int, listing_id: str) -> None:
        self.versions[listing_id] = max(version, self.versions.get(listing_id, 0))

    def record(self, operation: str, response: httpx.Response) -> bool:
        self.statuses[(operation, response.status_code)] += 1
        if response.is_success:
            return True
        problem = response.headers.get("content-type", "").startswith("application/problem+json")
        if response.status_code != 503 or not problem:
            self.unexpected.append(f"{operation} {response.status_code}: {response.text[:300]}")
        return False

    def count(self, status: int) -> int:
        return sum(n for (_, s), n in self.statuses.items() if s == status)

    @property
    def acknowledged(self) -> int:
        return sum(n for (_, s), n in self.statuses.items() if 200 <= s < 300)


async def assert_acknowledged(settings: Settings, acks: Acks) -> None:
    """Every acknowledged write is in PostgreSQL at its version or later, and in the index if live."""
    assert settings.database_url
    assert acks.versions, "no write was acknowledged: the test exercised nothing"
    rows = await _fetch(settings.database_url, ROWS_SQL, list(acks.versions))
    stored = {r["id"]: (r["version"], r["status"]) for r in rows}
    lost = sorted(set(acks.versions) - set(stored))
    assert not lost, f"{len(lost)} acknowledged listings are not in PostgreSQL: {lost[:5]}"
    older = {i: (v, stored[i][0]) for i, v in acks.versions.items() if stored[i][0] < v}
    assert not older, f"acknowledged versions went back (acked, stored): {dict(list(older.items())[:5])}"
    reopened = sorted(i for i in acks.closed if stored[i][1] == "active")
    assert not reopened, f"closed listings are active again: {reopened[:5]}"
    indexed = await index_pairs(settings)
    live = {(i, v) for i, (v, status) in stored.items() if status == "active"}
    assert live <= indexed, f"acknowledged listings missing from the index: {sorted(live - indexed)[:5]}"
    assert not {i for i, _ in indexed} & acks.closed, "closed listings are still in the index"


EXPORTER: dict[str, Any] = {"country": "UZ", "city": "Tashkent", "contact": {"email": "trade@example.uz"}}
"""Where the organization of a fault test is (``create_organization(http, token, **EXPORTER)``)."""


async def indexer_running(api: httpx.AsyncClient, headers: dict[str, str], settings: Settings) -> None:
    """Post a listing and wait until it is indexed: some indexer is up (a worker starts in seconds)."""
    probe = await api.post("/v1/listings", json=offer_body(title="Indexer probe"), headers=headers)
    assert probe.status_code == 201, probe.text
    await wait_converged(settings)


class Traffic:
    """Writers (create, batch of ``batch`` items, update, close) and a reader, until stopped."""

    def __init__(
        self, api: httpx.AsyncClient, headers: dict[str, str], acks: Acks, *, batch: int = 20
    ) -> None:
        self.api, self.headers, self.acks, self.batch = api, headers, acks, batch
        self.stopping = asyncio.Event()
        self.tasks: list[asyncio.Task[None]] = []

    def start(self, writers: int = 3, readers: int = 1) -> None:
        self.tasks += [asyncio.create_task(self._writer(n)) for n in range(writers)]
        self.tasks += [asyncio.create_task(self._reader()) for _ in range(readers)]

    async def stop(self) -> Acks:
        self.stopping.set()
        await asyncio.gather(*self.tasks)
        return self.acks

    async def _send(self, operation: str, method: str, url: str, **kwargs: Any) -> httpx.Response | None:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        try:
            response = await self.api.request(method, url, headers=headers, **kwargs)
        except httpx.TransportError:
            self.acks.statuses[(operation, 0)] += 1
            return None
        return response if self.acks.record(operation, response) else None

    async def _writer(self, n: int) -> None:
        for i in itertools.count():
            if self.stopping.is_set():
                return
            if self.batch and i % 5 == 4:
                items = [offer_body(title=f"Fault batch {n}-{i}-{k}") for k in range(self.batch)]
                done = await self._send("batch", "POST", "/v1/listings/batch", json=items)
                for result in done.json()["results"] if done else []:
                    if result["status"] == "created":
                        self.acks.saw(1, result["id"])
                continue
            created = await self._send(
                "create", "POST", "/v1/listings", json=offer_body(title=f"Fault {n}-{i}")
            )
            if created is None:
                continue
            listing_id = created.json()["id"]
            self.acks.saw(1, listing_id)
            if i % 3 == 0:
                changed = await self._send(
                    "update",
                    "PATCH",
                    f"/v1/listings/{listing_id}",
                    json={"title": f"Fault {n}-{i} renamed"},
                    headers={"If-Match": '"1"'},
                )
                if changed is not None:
                    self.acks.saw(changed.json()["version"], listing_id)
            elif i % 7 == 1:
                if await self._send("close", "DELETE", f"/v1/listings/{listing_id}") is not None:
                    self.acks.closed.add(listing_id)

    async def _reader(self) -> None:
        while not self.stopping.is_set():
            await self._send("search", "GET", "/v1/listings", params={"q": "Fault"})
            await asyncio.sleep(0.05)
