"""Bulk import benchmark: ``python -m benchmarks.bulk`` (``make bench-bulk``).

``POST /v1/listings/batch`` (1000 listings a request, timed from the first request until the
last answer, which comes after the commit) against asyncpg ``copy_records_to_table`` of the very
same rows, the sides alternating round by round; and for the batch, the time from its first
request until search finds every listing of the round. The batch runs twice a round: with the
outbox indexer at work meanwhile, as in production, and with nothing indexing (the round's
outbox rows are dropped), which shows what the write path costs on its own.

Private services in ``.market/bench-bulk`` (database ``market_bench_bulk`` recreated, a random
index prefix); the real app under uvicorn; the app's own outbox indexer in this process, which
stands for ``market worker``. At the end, the inbox events and webhook deliveries of an import of
look-alike offers, per listing (``flood.py``). See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import msgspec
from meilisearch_python_sdk import AsyncClient
from rich.table import Table

from benchmarks.dataset import LISTING_COLUMNS, Generator, copy_rows
from benchmarks.flood import measure_flood
from benchmarks.loadgen import Connection, cpu_seconds, median, percentile, post_request
from benchmarks.runner import alternate, err, ms, out, release, run_benchmark, run_header
from market.auth import Caller
from market.cli import migrate
from market.db import create_pool
from market.devstack import Services
from market.glossary import search_terms
from market.loops import drain_loop, loop_listener
from market.organizations.service import create_api_key, create_organization
from market.runtime import prepare_indexes
from market.settings import Settings
from market.testing import HOST, PROJECT_ROOT, Processes, Server, server_env, wait_ready
from schemas.organizations import ApiKeyCreate, OrganizationCreate
from search import OutboxIndexer
from search.client import SearchReader

__all__ = ["CpuMeter", "bench", "body", "main", "parse_args", "quiet"]

RESULTS = PROJECT_ROOT / "benchmarks" / "results" / "bulk.json"
STATE_DIR = ".market/bench-bulk"
DATABASE = "market_bench_bulk"
TARGET_RATIO = 0.3
SEARCHABLE_WITHIN = 180.0
BODY_FIELDS = (
    "side", "status", "title", "description", "hs_code", "incoterm", "incoterm_place",
    "target_countries", "transport_modes", "available_from", "available_until", "certifications",
    "expires_at", "external_ref",
)  # fmt: skip
POLL_SECONDS = 0.1
SIDES = ("batch", "batch_unindexed", "copy")
DROP_OUTBOX_SQL = """
DELETE FROM search_outbox WHERE listing_id IN (SELECT id FROM listings WHERE organization_id = $1)
"""


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bulk", description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds (default 5)")
    parser.add_argument("--batches", type=int, default=10, help="requests (and COPYs) a round (default 10)")
    parser.add_argument("--batch-size", type=int, default=1000, help="listings a request, 1..1000")
    parser.add_argument(
        "--flood-listings",
        type=int,
        default=3000,
        help="look-alike offers imported at the end to count match events and webhooks (default 3000)",
    )
    parser.add_argument(
        "--flood-buyers",
        type=int,
        default=10,
        help="chamber members whose demand each offer fits (default 10)",
    )
    parser.add_argument("--seed", type=int, default=42, help="seed of the synthetic data (default 42)")
    parser.add_argument(
        "--output",
        type=Path,
        default=RESULTS,
        help=f"JSON results (default {RESULTS.relative_to(PROJECT_ROOT)})",
    )
    args = parser.parse_args(argv)
    if min(args.rounds, args.batches, args.batch_size, args.flood_listings, args.flood_buyers) < 1 or (
        args.batch_size > 1000
    ):
        parser.error("--rounds, --batches and the --flood ones must be at least 1, --batch-size 1 to 1000")
    return args


# -- the rows ----------------------------------------------------------------------------------------


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


# -- measuring ---------------------------------------------------------------------------------------


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


async def quiet(pool: asyncpg.Pool) -> None:
    """Wait until the indexer has nothing left to do, so that no side pays for another's work."""
    while True:
        if not await pool.fetchval("SELECT EXISTS (SELECT 1 FROM search_outbox)"):
            return
        await asyncio.sleep(0.05)


async def documents_of(meili: httpx.AsyncClient, index: str, organization_id: uuid.UUID) -> int:
    found = await meili.post(
        f"/indexes/{index}/documents/fetch",
        json={"filter": f"organization_id = '{organization_id}'", "limit": 1, "fields": ["id"]},
    )
    found.raise_for_status()
    return int(found.json()["total"])


# -- the sides ---------------------------------------------------------------------------------------


async def batch_side(
    api: Server,
    cpu: CpuMeter,
    indexer: Indexer,
    meili: httpx.AsyncClient,
    settings: Settings,
    pool: asyncpg.Pool,
    rows: list[dict[str, Any]],
    batch_size: int,
    tag: str,
    *,
    indexed: bool = True,
) -> dict[str, Any]:
    """POST the rows in batches; time to the last commit, and to all of them searchable.

    Not ``indexed``: the indexer is held back during the writes and the round's outbox rows are
    dropped after them, so what is measured is the write path alone, with nothing indexing.
    """
    organization_id, secret = await new_organization(pool, f"Bulk importer {tag}")
    auth = {"Authorization": f"Bearer {secret}"}
    requests = [
        post_request(
            HOST, api.port, "/v1/listings/batch", msgspec.json.encode([body(r) for r in chunk]), auth
        )
        for chunk in (rows[i : i + batch_size] for i in range(0, len(rows), batch_size))
    ]
    decoder = msgspec.json.Decoder()
    conn = Connection(HOST, api.port)
    await conn.open()
    latencies: list[float] = []
    failed = 0
    await quiet(pool)
    if not indexed:
        await indexer.stop()
    try:
        cpu_start = cpu.read()
        started = time.perf_counter()
        for raw in requests:
            sent = time.perf_counter()
            status, payload = await conn.request(raw)
            latencies.append(time.perf_counter() - sent)
            if status != 200:
                raise RuntimeError(f"POST /v1/listings/batch answered {status}: {payload[:500]!r}")
            failed += decoder.decode(payload)["failed"]
        committed = time.perf_counter() - started
        cpu_committed = cpu.per_listing(cpu_start, len(rows))
    finally:
        await conn.close()
        if not indexed:
            await pool.execute(DROP_OUTBOX_SQL, organization_id)
        indexer.start()
    if failed:
        raise RuntimeError(f"{failed} listing(s) were refused: the generated data breaks a rule")
    result = {
        "listings": len(rows),
        "seconds": round(committed, 3),
        "listings_per_s": round(len(rows) / committed, 1),
        "request_p50_ms": ms(percentile(latencies, 50)),
        "request_max_ms": ms(max(latencies)),
        "cpu_us_per_listing": cpu_committed,
    }
    if not indexed:
        return result
    polls = 0
    while (count := await documents_of(meili, settings.listings_index, organization_id)) < len(rows):
        polls += 1
        if time.perf_counter() - started > SEARCHABLE_WITHIN:
            raise RuntimeError(f"only {count} of {len(rows)} listings searchable after {SEARCHABLE_WITHIN} s")
        await asyncio.sleep(POLL_SECONDS)
    searchable = time.perf_counter() - started
    return result | {
        "searchable_s": round(searchable, 3),
        "index_lag_s": round(searchable - committed, 3),
        "polls": polls,
        "cpu_us_per_listing_to_searchable": cpu.per_listing(cpu_start, len(rows)),
    }


async def copy_side(
    cpu: CpuMeter,
    database_url: str,
    pool: asyncpg.Pool,
    rows: list[dict[str, Any]],
    batch_size: int,
    tag: str,
) -> dict[str, Any]:
    """The same rows with COPY, in as many statements as the batch side sends requests."""
    organization_id, _ = await new_organization(pool, f"Bulk copier {tag}")
    records = copy_records(rows, organization_id)
    await quiet(pool)
    conn = await asyncpg.connect(database_url)  # plain codecs: binary COPY of jsonb text
    try:
        cpu_start = cpu.read()
        started = time.perf_counter()
        for i in range(0, len(records), batch_size):
            await copy_rows(conn, "listings", LISTING_COLUMNS, records[i : i + batch_size])
        seconds = time.perf_counter() - started
        spent = cpu.per_listing(cpu_start, len(rows))
    finally:
        await conn.close()
    return {
        "listings": len(rows),
        "seconds": round(seconds, 3),
        "listings_per_s": round(len(rows) / seconds, 1),
        "cpu_us_per_listing": spent,
    }


# -- the run -----------------------------------------------------------------------------------------


def summary(rounds: list[dict[str, Any]], side: str) -> dict[str, Any]:
    """Medians over the rounds; CPU per process."""
    first = rounds[0][side]
    found: dict[str, Any] = {}
    for key, value in first.items():
        if isinstance(value, dict):
            found[key] = {n: round(median([r[side][key][n] for r in rounds])) for n in value}
        elif key not in ("listings", "polls"):
            found[key] = round(median([r[side][key] for r in rounds]), 3)
    if "searchable_s" in first:
        found["searchable_max_s"] = max(r[side]["searchable_s"] for r in rounds)
    return found


async def bench(
    args: argparse.Namespace, settings: Settings, services: Services, procs: Processes
) -> dict[str, Any]:
    assert settings.database_url and settings.meili_url
    await migrate(settings)
    pool = await create_pool(settings.database_url, min_size=2, max_size=4)
    meili_sdk = AsyncClient(settings.meili_url, settings.meili_api_key, timeout=120)
    meili = httpx.AsyncClient(
        base_url=settings.meili_url, headers={"Authorization": f"Bearer {settings.meili_api_key}"}, timeout=30
    )
    indexer = Indexer(
        OutboxIndexer(pool, meili_sdk, settings.listings_index, terms_for=search_terms), settings
    )
    try:
        await prepare_indexes(settings, meili_sdk)
        indexer.start()
        env = server_env(settings, run_indexer=False)  # the indexer runs here instead
        api = procs.start("api", "market.app:create_app", env, settings.state_path / "logs")
        await wait_ready(api, "/ready")
        assert services.meilisearch is not None and services.meilisearch.process is not None
        postmaster = int((settings.state_path / "pg" / "postmaster.pid").read_text().split()[0])
        cpu = CpuMeter(
            {"api": api.process.pid, "postgres": postmaster, "meilisearch": services.meilisearch.process.pid}
        )
        run_batch = partial(batch_side, api, cpu, indexer, meili, settings, pool)
        sides = {
            "batch": run_batch,
            "batch_unindexed": partial(run_batch, indexed=False),
            "copy": partial(copy_side, cpu, settings.database_url, pool),
        }
        gen = Generator(args.seed)
        gen.organizations(20)
        err.print("warming up (one request a side) ...")
        warm = generate(gen, args.batch_size, "WARM")
        for side, run in sides.items():
            await run(warm, args.batch_size, f"warm-up {side}")

        per_round = args.batches * args.batch_size
        rounds: list[dict[str, Any]] = []
        for i, forward in alternate(args.rounds):
            rows = generate(gen, per_round, f"R{i}")
            err.print(f"round {i + 1}/{args.rounds}: {per_round:,} listings a side ...")
            result: dict[str, Any] = {"order": list(SIDES if forward else reversed(SIDES))}
            for side in result["order"]:
                result[side] = await sides[side](rows, args.batch_size, f"r{i} {side}")
            copy_rate = result["copy"]["listings_per_s"]
            result["ratio"] = round(result["batch"]["listings_per_s"] / copy_rate, 3)
            result["ratio_unindexed"] = round(result["batch_unindexed"]["listings_per_s"] / copy_rate, 3)
            rounds.append(result)
        ratio = median([r["ratio"] for r in rounds])
        ratio_unindexed = median([r["ratio_unindexed"] for r in rounds])
        err.print(f"match events: {args.flood_listings:,} look-alike offers, then the match recorder ...")
        indexer.start()
        _, seller_key = await new_organization(pool, "Flood Plates Exporter")
        reader = SearchReader(settings.meili_url, settings.meili_api_key)
        try:
            flood = await measure_flood(
                pool,
                reader,
                settings.listings_index,
                HOST,
                api.port,
                seller_key,
                listings=args.flood_listings,
                buyers=args.flood_buyers,
                wait_indexed=partial(quiet, pool),
            )
        finally:
            await reader.close()
        header = run_header(args, "benchmarks.bulk")
        header["machine"]["postgresql"] = await pool.fetchval("SHOW server_version")
        return {
            **header,
            "listings_per_round_a_side": per_round,
            **{side: summary(rounds, side) for side in SIDES},
            "ratio": round(ratio, 3),
            "ratio_unindexed": round(ratio_unindexed, 3),
            "target_ratio": TARGET_RATIO,
            "pass": ratio >= TARGET_RATIO,
            "pass_unindexed": ratio_unindexed >= TARGET_RATIO,
            "match_events": flood,
            "rounds": rounds,
        }
    finally:
        await indexer.stop()
        await release(procs, settings, pool, meili_sdk, meili)


def print_report(results: dict[str, Any]) -> None:
    b, d, c = results["batch"], results["batch_unindexed"], results["copy"]
    table = Table(
        title=f"bulk import: {results['listings_per_round_a_side']:,} listings a side a round, "
        f"medians of {len(results['rounds'])} alternating rounds"
    )
    for name in ("Measure", "Batch API", "Batch, no indexing", "COPY", "Ratios", "Target", "Result"):
        table.add_column(name, justify="left" if name == "Measure" else "right")
    verdict = "met" if results["pass"] else "MISSED"
    table.add_row(
        "listings/s, first request to last commit",
        f"{b['listings_per_s']:,.0f}",
        f"{d['listings_per_s']:,.0f}",
        f"{c['listings_per_s']:,.0f}",
        f"{results['ratio']} / {results['ratio_unindexed']}",
        f">= {results['target_ratio']}",
        verdict,
        style=None if results["pass"] else "red",
    )
    table.add_row("request p50, ms", f"{b['request_p50_ms']:,.0f}", f"{d['request_p50_ms']:,.0f}")
    table.add_row(
        "first request -> all searchable, s (median; max)", f"{b['searchable_s']}; {b['searchable_max_s']}"
    )
    table.add_row("last commit -> all searchable, s", f"{b['index_lag_s']}")
    processes = {
        "api": "API",
        "postgres": "PostgreSQL",
        "meilisearch": "Meilisearch",
        "bench": "client + indexer",
    }
    for name, label in processes.items():
        cells = [f"{s['cpu_us_per_listing'][name]:,}" for s in (b, d, c)]
        table.add_row(f"CPU µs a listing until committed: {label}", *cells)
    to_searchable = b["cpu_us_per_listing_to_searchable"]
    table.add_row("CPU µs a listing until searchable: Meilisearch", f"{to_searchable['meilisearch']:,}")
    out.print(table)
    f = results["match_events"]
    out.print(
        f"Match events of an import of {f['listings']:,} look-alike offers ({f['buyers']} chamber members"
        f" want such goods, {f['buyers_told_of_an_offer']} of them were told of one; every organization has"
        f" a match.created webhook): {f['match_jobs']:,} match jobs in {f['recorder_s']} s; per imported"
        f" listing {f['inbox_events_per_listing']} inbox events ({f['inbox_events']:,} in all,"
        f" {f['inbox_events_of_the_seller']:,} in the seller's inbox), {f['match_created_per_listing']}"
        f" match.created events ({f['match_created_events']:,}), {f['webhook_deliveries_per_listing']}"
        f" webhook deliveries ({f['webhook_deliveries']:,}); at most"
        f" {f['most_inbox_events_for_one_listing']} for one listing (cap {f['max_events_per_listing']})."
    )


def main(argv: Sequence[str] | None = None) -> int:
    results = run_benchmark(
        parse_args(argv), state_dir=STATE_DIR, database=DATABASE, bench_fn=bench, report=print_report
    )
    return 130 if results is None else 0


if __name__ == "__main__":
    sys.exit(main())
