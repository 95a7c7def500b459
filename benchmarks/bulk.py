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
import sys
import time
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import msgspec
from meilisearch_python_sdk import AsyncClient

from benchmarks.bulk_parts import (
    CpuMeter,
    Indexer,
    body,
    copy_records,
    documents_of,
    generate,
    new_organization,
    quiet,
)
from benchmarks.bulk_report import print_report, summary
from benchmarks.dataset import LISTING_COLUMNS, Generator, copy_rows
from benchmarks.flood import measure_flood
from benchmarks.loadgen import Connection, median, percentile, post_request
from benchmarks.runner import alternate, err, ms, release, run_benchmark, run_header
from market.db import create_pool
from market.devstack import Services
from market.glossary import search_terms
from market.runtime import migrate, prepare_indexes
from market.settings import Settings
from market.testing import HOST, PROJECT_ROOT, Processes, Server, server_env, wait_ready
from search import OutboxIndexer
from search.client import SearchReader

__all__ = ["bench", "main", "parse_args"]

RESULTS = PROJECT_ROOT / "benchmarks" / "results" / "bulk.json"
STATE_DIR = ".market/bench-bulk"
DATABASE = "market_bench_bulk"
TARGET_RATIO = 0.3
SEARCHABLE_WITHIN = 180.0
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


def main(argv: Sequence[str] | None = None) -> int:
    results = run_benchmark(
        parse_args(argv), state_dir=STATE_DIR, database=DATABASE, bench_fn=bench, report=print_report
    )
    return 130 if results is None else 0


if __name__ == "__main__":
    sys.exit(main())
