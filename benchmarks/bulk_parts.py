"""The rows and the meters of the bulk benchmark (``benchmarks.bulk``), which the load benchmark
uses too: synthetic rows as API bodies and as COPY records, an organization with a key, the CPU
of a process tree, an outbox indexer in this process, and waiting until the outbox is empty.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import msgspec

from benchmarks.dataset import LISTING_COLUMNS, Generator
from benchmarks.loadgen import cpu_seconds
from market.auth import Caller
from market.loops import drain_loop, loop_listener
from market.organizations.service import create_api_key, create_organization
from market.settings import Settings
from schemas.organizations import ApiKeyCreate, OrganizationCreate
from search import OutboxIndexer

__all__ = [
    "BODY_FIELDS",
    "CpuMeter",
    "Indexer",
    "body",
    "copy_records",
    "documents_of",
    "generate",
    "new_organization",
    "process_tree",
    "quiet",
]


BODY_FIELDS = (
    "side", "status", "title", "description", "hs_code", "incoterm", "incoterm_place",
    "target_countries", "transport_modes", "available_from", "available_until", "certifications",
    "expires_at", "external_ref",
)  # fmt: skip


def generate(gen: Generator, count: int, tag: str) -> list[dict[str, Any]]:
    """``count`` listings as column -> value, all active and live, each with its own reference."""
    rows = []
    for i, org in enumerate(gen.rng.choices(gen.orgs, gen.org_weights, k=count)):
        row = dict(zip(LISTING_COLUMNS, gen.listing(org), strict=True))
        row.update(status="active", external_ref=f"{tag}-{i:06d}", version=1)
        if row["expires_at"] < gen.now + timedelta(days=2):
            row["expires_at"] = gen.now + timedelta(days=90)
        rows.append(row)
    return rows


def body(row: dict[str, Any]) -> dict[str, Any]:
    """The POST /v1/listings body that the app turns into this very row."""
    doc = {name: row[name] for name in BODY_FIELDS}
    for name in ("quantity", "min_order", "price", "origin", "destination"):
        value = msgspec.json.decode(row[name]) if row[name] else None
        if name in ("origin", "destination") and value:
            value.pop("place_id", None)  # the app works it out again
        doc[name] = value
    return doc


def copy_records(rows: list[dict[str, Any]], organization_id: uuid.UUID) -> list[tuple[Any, ...]]:
    now = datetime.now(UTC)
    fresh = {"organization_id": organization_id, "posted_by": organization_id, "created_at": now}
    return [
        tuple({**row, **fresh, "id": uuid.uuid4(), "updated_at": now}[c] for c in LISTING_COLUMNS)
        for row in rows
    ]


async def new_organization(pool: asyncpg.Pool, name: str) -> tuple[uuid.UUID, str]:
    """An exporter and an API key for it, made the way the admin endpoints make them."""
    admin = Caller(is_admin=True)
    data = OrganizationCreate(name=name, kind="exporter", country="UZ", city="Tashkent")
    async with pool.acquire() as conn:
        org = await create_organization(conn, admin, data)
        key = await create_api_key(conn, admin, org.id, ApiKeyCreate())
    return org.id, key.secret


def process_tree(pid: int) -> list[int]:
    """A process and its children (PostgreSQL runs a process per connection)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                children.append(int(stat.parent.name))
    return [pid, *children]


class CpuMeter:
    """CPU seconds of the API, PostgreSQL, Meilisearch and this process (client and indexer)."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids

    def read(self) -> dict[str, float]:
        spent = {name: cpu_seconds(process_tree(pid)) for name, pid in self.pids.items()}
        return spent | {"bench": time.process_time()}

    def per_listing(self, start: dict[str, float], count: int) -> dict[str, int]:
        end = self.read()
        return {name: round(1e6 * (end[name] - start[name]) / count) for name in end}


class Indexer:
    """The outbox indexer, as ``market worker`` runs it, that a round can hold back."""

    def __init__(self, indexer: OutboxIndexer, settings: Settings) -> None:
        self.indexer = indexer
        self.settings = settings
        self.task: asyncio.Future[tuple[None, None]] | None = None

    def start(self) -> None:
        if self.task is None:
            listener = loop_listener(self.settings)  # its own: it stops and starts with the round
            loop = drain_loop(self.indexer, listener, name="indexer")
            self.task = asyncio.gather(loop, listener.run_forever())

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
            self.task = None


async def quiet(pool: asyncpg.Pool, queues: tuple[str, ...] = ("search_outbox",)) -> None:
    """Wait until the background jobs of these queues (by default the indexer's) have nothing
    left to do, so that no side pays for another's work."""
    pending = " OR ".join(f"EXISTS (SELECT 1 FROM {q})" for q in queues)
    while True:
        if not await pool.fetchval(f"SELECT {pending}"):
            return
        await asyncio.sleep(0.05)


async def documents_of(meili: httpx.AsyncClient, index: str, organization_id: uuid.UUID) -> int:
    found = await meili.post(
        f"/indexes/{index}/documents/fetch",
        json={"filter": f"organization_id = '{organization_id}'", "limit": 1, "fields": ["id"]},
    )
    found.raise_for_status()
    return int(found.json()["total"])
