"""market benchmarks, in one run: ``python -m benchmarks.run`` (``make bench``).

1. Starts private services (state in ``.market/bench``, database ``market_bench`` recreated,
   a random index prefix), migrates.
2. Generates synthetic organizations and listings, loads them with COPY and indexes them with
   the app's own outbox indexer (timed).
3. Serves the real app and a minimal comparison app with uvicorn, one worker each.
4. Measures, alternating the two sides of each comparison (A B, B A, A B, ...):
   API search vs the same search sent straight to Meilisearch; GET /v1/listings/{id} vs the
   minimal app; GET /v1/listings/{id}/matches vs the plain API search; the lag from
   POST /v1/listings until search finds the new listing; the worst request for each endpoint
   in a loop, with /health probed beside it and alone (``hostile.py``). In process: route
   planning per pair.
5. Prints a table (and Markdown), writes ``benchmarks/results/latest.json``.
6. Stops everything it started, on success, error or Ctrl-C.

See benchmarks/README.md for the flags.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import platform
import random
import secrets
import signal
import sys
import time
import uuid
from collections.abc import Callable, Coroutine, Iterator, Sequence
from datetime import UTC, datetime
from functools import partial
from importlib.metadata import version
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import msgspec
from meilisearch_python_sdk import AsyncClient
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from benchmarks.dataset import LISTING_COLUMNS, ORGANIZATION_COLUMNS, Generator, copy_rows, index_outbox
from benchmarks.dataset import listing_body as make_listing_body
from benchmarks.hostile import bench_hostile, hostile_requests, hostile_rows
from benchmarks.loadgen import (
    PhaseResult,
    cpu_seconds,
    get_request,
    median,
    percentile,
    post_request,
    run_count,
    run_duration,
)
from benchmarks.queries import SEARCHES, api_path, meili_body
from market.cli import migrate
from market.db import create_pool
from market.devstack import Services, ensure_meilisearch_binary, provide_services
from market.logging import configure_logging
from market.runtime import prepare_indexes
from market.settings import Settings, settings_from_env
from market.testing import HOST, PROJECT_ROOT, Processes, Server, server_env, wait_ready

ROOT = PROJECT_ROOT
RESULTS = ROOT / "benchmarks" / "results" / "latest.json"
STATE_DIR = ".market/bench"
DATABASE = "market_bench"

TARGET_SEARCH_RATIO = 1.3
TARGET_GET_RATIO = 0.7
TARGET_LAG_P95 = 1.5
TARGET_MATCH_RATIO = 3.0  # match p95 / search p50
TARGET_ROUTE_P95_MS = 5.0
ROUTE_COUNTRIES = ("KZ", "UZ", "TJ", "KG", "TM")

err = Console(stderr=True)
out = Console(width=None if sys.stdout.isatty() else 150)


# -- arguments -------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n")[0])
    parser.add_argument("--listings", type=int, default=100_000, help="synthetic listings (default 100000)")
    parser.add_argument("--organizations", type=int, default=200, help="organizations (default 200)")
    parser.add_argument(
        "--requests",
        type=int,
        default=4000,
        help="measured search requests per side, all rounds (default 4000)",
    )
    parser.add_argument(
        "--match-requests",
        type=int,
        default=1200,
        help="measured match requests (and as many searches) over all rounds (default 1200)",
    )
    parser.add_argument(
        "--route-pairs", type=int, default=400, help="place pairs for in-process route planning (default 400)"
    )
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight (default 8)")
    parser.add_argument(
        "--duration", type=float, default=8.0, help="seconds per side per round of the GET test (default 8)"
    )
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds per comparison (default 4)")
    parser.add_argument(
        "--lag-samples", type=int, default=50, help="listings posted for the lag test (default 50)"
    )
    parser.add_argument(
        "--hostile-seconds",
        type=float,
        default=5.0,
        help="seconds per side (loaded, alone) of each hostile request (default 5)",
    )
    parser.add_argument(
        "--hostile-only", action="store_true", help="load the data, then measure only the hostile input"
    )
    parser.add_argument("--seed", type=int, default=42, help="seed of the synthetic data (default 42)")
    parser.add_argument(
        "--output", type=Path, default=RESULTS, help=f"JSON results (default {RESULTS.relative_to(ROOT)})"
    )
    args = parser.parse_args(argv)
    for name in (
        "listings",
        "organizations",
        "requests",
        "match_requests",
        "route_pairs",
        "concurrency",
        "rounds",
        "lag_samples",
    ):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.organizations < 20:
        parser.error("--organizations must be at least 20 (ten of them are chambers of commerce)")
    return args


# -- subprocesses ----------------------------------------------------------------------------------


async def release(
    procs: Processes,
    settings: Settings,
    pool: asyncpg.Pool,
    sdk: AsyncClient,
    *clients: httpx.AsyncClient,
) -> None:
    """The end of a benchmark run: stop its servers, drop its indexes, close its clients and pool."""
    procs.stop_all()
    with contextlib.suppress(Exception):
        for uid in (settings.listings_index, settings.commodities_index):
            await sdk.delete_index_if_exists(uid)
    for client in clients:
        await client.aclose()
    await sdk.aclose()
    await pool.close()


# -- helpers ---------------------------------------------------------------------------------------


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        console=err,
    )


def machine_info() -> dict[str, Any]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram_gb = math.nan
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    return {
        "cpus": os.cpu_count(),
        "cpu_model": cpu,
        "ram_gb": ram_gb,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "litestar": version("litestar"),
        "uvicorn": version("uvicorn"),
        "asyncpg": version("asyncpg"),
        "meilisearch_python_sdk": version("meilisearch-python-sdk"),
    }


def run_header(args: argparse.Namespace, module: str) -> dict[str, Any]:
    """What every benchmark's results open with: when, the command, its flags, the machine."""
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": f"python -m {module} " + " ".join(sys.argv[1:]),
        "config": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "machine": machine_info(),
    }


def summarize(phases: list[PhaseResult]) -> dict[str, Any]:
    """Per-round figures, their medians, and the pooled percentiles."""
    pooled = [x for p in phases for x in p.latencies]
    return {
        "requests": sum(p.count for p in phases),
        "errors": sum(p.errors for p in phases),
        "p50_ms": ms(median([p.p(50) for p in phases])),
        "p99_ms": ms(median([p.p(99) for p in phases])),
        "rps": round(median([p.rps for p in phases]), 1),
        "pooled_p50_ms": ms(percentile(pooled, 50)),
        "pooled_p99_ms": ms(percentile(pooled, 99)),
        "rounds": [
            {"p50_ms": ms(p.p(50)), "p99_ms": ms(p.p(99)), "rps": round(p.rps, 1), "requests": p.count}
            for p in phases
        ],
    }


async def measured(
    run: Callable[[], Coroutine[Any, Any, PhaseResult]], pids: dict[str, int]
) -> tuple[PhaseResult, dict[str, float]]:
    """Run a phase and the CPU seconds each named process spent meanwhile."""
    before = {name: cpu_seconds([pid]) for name, pid in pids.items()}
    result = await run()
    spent = {name: cpu_seconds([pid]) - before[name] for name, pid in pids.items()}
    return result, spent


def alternate(rounds: int) -> Iterator[tuple[int, bool]]:
    """(round, A first?): A B, B A, A B, ... so drift and warm caches hit both sides alike."""
    for i in range(rounds):
        yield i, i % 2 == 0


# -- the stages ------------------------------------------------------------------------------------


async def load_data(
    args: argparse.Namespace, settings: Settings, pool: asyncpg.Pool, meili: AsyncClient
) -> dict[str, Any]:
    assert settings.database_url
    gen = Generator(args.seed)
    conn = await asyncpg.connect(settings.database_url)  # plain codecs: binary COPY of jsonb text
    try:
        t0 = time.perf_counter()
        orgs = gen.organizations(args.organizations)
        await copy_rows(conn, "organizations", ORGANIZATION_COLUMNS, orgs)
        gen_s = copy_s = 0.0
        with progress() as bar:
            task = bar.add_task("generate + COPY listings", total=args.listings, rate="")
            chunks = gen.listings(args.listings)
            done = 0
            while True:
                g0 = time.perf_counter()
                rows = next(chunks, None)
                gen_s += time.perf_counter() - g0
                if rows is None:
                    break
                c0 = time.perf_counter()
                await copy_rows(conn, "listings", LISTING_COLUMNS, rows)
                copy_s += time.perf_counter() - c0
                done += len(rows)
                bar.update(task, completed=done, rate=f"{done / (time.perf_counter() - t0):,.0f}/s")
        await conn.execute("ANALYZE organizations; ANALYZE listings")
        load_s = time.perf_counter() - t0
        stats = await conn.fetchrow(
            """SELECT count(*) AS listings,
                      count(*) FILTER (WHERE status = 'active' AND expires_at > now()) AS live,
                      count(*) FILTER (WHERE side = 'offer') AS offers,
                      count(DISTINCT organization_id) AS posting_orgs,
                      pg_total_relation_size('listings') AS bytes
               FROM listings"""
        )
        await conn.execute(
            "INSERT INTO search_outbox (listing_id) SELECT id FROM listings ORDER BY created_at"
        )
        await conn.execute("ANALYZE search_outbox")
    finally:
        await conn.close()

    with progress() as bar:
        task = bar.add_task("index via outbox", total=stats["listings"], rate="")
        started = time.perf_counter()

        def on_progress(n: int) -> None:
            bar.update(task, completed=n, rate=f"{n / max(time.perf_counter() - started, 1e-9):,.0f}/s")

        cleared, index_s = await index_outbox(pool, meili, settings.listings_index, on_progress)
        on_progress(cleared)
    docs = (await meili.index(settings.listings_index).get_stats()).number_of_documents
    if docs != stats["live"]:
        err.print(f"[yellow]warning: {docs} documents in the index, {stats['live']} live listings[/yellow]")
    return {
        "listings": stats["listings"],
        "live_listings": stats["live"],
        "offers": stats["offers"],
        "organizations": len(orgs),
        "organizations_posting": stats["posting_orgs"],
        "listings_table_mb": round(stats["bytes"] / 1e6, 1),
        "generate_s": round(gen_s, 2),
        "copy_s": round(copy_s, 2),
        "load_s": round(load_s, 2),
        "copy_rows_per_s": round(stats["listings"] / copy_s) if copy_s else None,
        "index_s": round(index_s, 2),
        "index_rows": cleared,
        "index_listings_per_s": round(cleared / index_s, 1),
        "documents_in_index": docs,
    }


async def check_search_parity(api: Server, settings: Settings) -> list[str]:
    """The API and the direct query must find the same thing, or the comparison means nothing."""
    problems = []
    meili_url = f"/indexes/{settings.listings_index}/search"
    headers = {"Authorization": f"Bearer {settings.meili_api_key}", "Content-Type": "application/json"}
    async with (
        httpx.AsyncClient(base_url=api.base_url, timeout=30) as a,
        httpx.AsyncClient(base_url=settings.meili_url or "", timeout=30, headers=headers) as m,
    ):
        for params in SEARCHES:
            mine = (await a.get(api_path(params))).json()
            direct = (await m.post(meili_url, content=meili_body(params))).json()
            ids_api = [h["id"] for h in mine["hits"]]
            ids_direct = [h["id"] for h in direct["hits"]]
            if ids_api != ids_direct or mine["estimated_total"] != direct["estimatedTotalHits"]:
                problems.append(f"{params}: API {len(ids_api)}/{mine['estimated_total']}, "
                                f"direct {len(ids_direct)}/{direct['estimatedTotalHits']}")  # fmt: skip
            if not ids_api:
                problems.append(f"{params}: no hits")
    return problems


async def bench_search(
    args: argparse.Namespace, settings: Settings, api: Server, pids: dict[str, int]
) -> dict[str, Any]:
    assert settings.meili_url
    meili_host, port_text = settings.meili_url.removeprefix("http://").split(":")
    meili_port = int(port_text)
    auth = {"Authorization": f"Bearer {settings.meili_api_key}"}
    meili_path = f"/indexes/{settings.listings_index}/search"
    rng = random.Random(args.seed)

    def workload(n: int) -> list[int]:
        order: list[int] = []
        while len(order) < n:
            batch = list(range(len(SEARCHES)))
            rng.shuffle(batch)
            order += batch
        return order[:n]

    def api_requests(order: list[int]) -> list[bytes]:
        return [get_request(HOST, api.port, api_path(SEARCHES[i])) for i in order]

    def direct_requests(order: list[int]) -> list[bytes]:
        bodies = [meili_body(p) for p in SEARCHES]  # built now: the filter holds the current time
        return [post_request(meili_host, meili_port, meili_path, bodies[i], auth) for i in order]

    parity = await check_search_parity(api, settings)
    for problem in parity:
        err.print(f"[yellow]search parity: {problem}[/yellow]")

    warm = list(range(len(SEARCHES))) * 2
    await run_count(HOST, api.port, api_requests(warm), args.concurrency)
    await run_count(meili_host, meili_port, direct_requests(warm), args.concurrency)

    per_round = max(1, args.requests // args.rounds)
    api_phases: list[PhaseResult] = []
    direct_phases: list[PhaseResult] = []
    cpu: dict[str, list[dict[str, float]]] = {"api": [], "direct": []}
    with progress() as bar:
        task = bar.add_task("search: API vs direct Meilisearch", total=2 * per_round * args.rounds, rate="")
        for _, api_first in alternate(args.rounds):
            order = workload(per_round)
            sides: list[tuple[str, Callable[[], Coroutine[Any, Any, PhaseResult]]]] = [
                ("api", partial(run_count, HOST, api.port, api_requests(order), args.concurrency)),
                (
                    "direct",
                    partial(run_count, meili_host, meili_port, direct_requests(order), args.concurrency),
                ),
            ]
            for name, run in sides if api_first else reversed(sides):
                result, spent = await measured(run, pids)
                (api_phases if name == "api" else direct_phases).append(result)
                cpu[name].append(spent)
                bar.advance(task, per_round)
    # Unloaded: one request at a time, so what is left is the per-request cost, not queueing.
    single_api: list[PhaseResult] = []
    single_direct: list[PhaseResult] = []
    for _, api_first in alternate(2):
        order = workload(2 * len(SEARCHES))
        pair = [
            (single_api, partial(run_count, HOST, api.port, api_requests(order), 1)),
            (single_direct, partial(run_count, meili_host, meili_port, direct_requests(order), 1)),
        ]
        for sink, run in pair if api_first else reversed(pair):
            sink.append(await run())
    api_sum = summarize(api_phases)
    direct_sum = summarize(direct_phases)
    ratios = [a.p(50) / d.p(50) for a, d in zip(api_phases, direct_phases, strict=True)]
    ratios99 = [a.p(99) / d.p(99) for a, d in zip(api_phases, direct_phases, strict=True)]

    def cpu_ms(side: str, proc: str, phases: list[PhaseResult]) -> float:
        return round(1000 * sum(c[proc] for c in cpu[side]) / sum(p.count for p in phases), 3)

    ratio = median(ratios)
    return {
        "queries": len(SEARCHES),
        "concurrency": args.concurrency,
        "api": api_sum,
        "direct": direct_sum,
        "ratio_p50": round(ratio, 3),
        "ratio_p50_rounds": [round(r, 3) for r in ratios],
        "ratio_p99": round(median(ratios99), 3),
        "target_ratio_p50": TARGET_SEARCH_RATIO,
        "pass": ratio <= TARGET_SEARCH_RATIO,
        "cpu_ms_per_search": {
            "api_process_during_api": cpu_ms("api", "api", api_phases),
            "meilisearch_during_api": cpu_ms("api", "meilisearch", api_phases),
            "meilisearch_during_direct": cpu_ms("direct", "meilisearch", direct_phases),
        },
        "unloaded": {
            "concurrency": 1,
            "api_p50_ms": ms(median([p.p(50) for p in single_api])),
            "direct_p50_ms": ms(median([p.p(50) for p in single_direct])),
            "ratio_p50": round(
                median([a.p(50) / d.p(50) for a, d in zip(single_api, single_direct, strict=True)]), 3
            ),
        },
        "parity_problems": parity,
    }


async def bench_get(
    args: argparse.Namespace, pool: asyncpg.Pool, api: Server, minimal: Server, pids: dict[str, int]
) -> dict[str, Any]:
    ids = [
        r["id"]
        for r in await pool.fetch(
            "SELECT id FROM listings WHERE status = 'active' ORDER BY random() LIMIT 20000"
        )
    ]
    api_reqs = [get_request(HOST, api.port, f"/v1/listings/{i}") for i in ids]
    min_reqs = [get_request(HOST, minimal.port, f"/listings/{i}") for i in ids]
    warmup = min(3.0, args.duration)
    await run_duration(HOST, api.port, api_reqs, args.concurrency, warmup)
    await run_duration(HOST, minimal.port, min_reqs, args.concurrency, warmup)

    api_phases: list[PhaseResult] = []
    min_phases: list[PhaseResult] = []
    cpu_us: dict[str, list[float]] = {"api": [], "minimal": []}
    with progress() as bar:
        task = bar.add_task("GET by id: API vs minimal app", total=2 * args.rounds, rate="")
        for i, api_first in alternate(args.rounds):
            start = (i * 4099) % len(ids)
            sides = [
                ("api", api, api_reqs, api_phases),
                ("minimal", minimal, min_reqs, min_phases),
            ]
            for name, server, reqs, phases in sides if api_first else reversed(sides):
                run = partial(
                    run_duration, HOST, server.port, reqs, args.concurrency, args.duration, start=start
                )
                result, spent = await measured(run, {name: pids[name]})
                phases.append(result)
                cpu_us[name].append(1e6 * spent[name] / max(result.count, 1))
                bar.advance(task)
    ratios = [a.rps / m.rps for a, m in zip(api_phases, min_phases, strict=True)]
    ratio = median(ratios)
    api_sum = summarize(api_phases)
    min_sum = summarize(min_phases)
    api_sum["server_cpu_us_per_request"] = round(median(cpu_us["api"]), 1)
    min_sum["server_cpu_us_per_request"] = round(median(cpu_us["minimal"]), 1)
    return {
        "concurrency": args.concurrency,
        "seconds_per_round": args.duration,
        "api": api_sum,
        "minimal": min_sum,
        "ratio_rps": round(ratio, 3),
        "ratio_rps_rounds": [round(r, 3) for r in ratios],
        "target_ratio_rps": TARGET_GET_RATIO,
        "pass": ratio >= TARGET_GET_RATIO,
    }


async def bench_match(
    args: argparse.Namespace, pool: asyncpg.Pool, api: Server, pids: dict[str, int]
) -> dict[str, Any]:
    """GET /v1/listings/{id}/matches against the plain API search, round by round, same concurrency."""
    per_side = max(args.match_requests, 200)
    ids: list[uuid.UUID] = []
    for side in ("offer", "demand"):
        ids += [
            r["id"]
            for r in await pool.fetch(
                "SELECT id FROM listings WHERE status = 'active' AND expires_at > now() AND side = $1"
                " ORDER BY random() LIMIT $2",
                side,
                per_side,
            )
        ]
    rng = random.Random(args.seed + 2)
    rng.shuffle(ids)
    match_reqs = [get_request(HOST, api.port, f"/v1/listings/{i}/matches") for i in ids]
    search_reqs = [get_request(HOST, api.port, api_path(p)) for p in SEARCHES]

    def searches(n: int) -> list[bytes]:
        order: list[int] = []
        while len(order) < n:
            batch = list(range(len(SEARCHES)))
            rng.shuffle(batch)
            order += batch
        return [search_reqs[i] for i in order[:n]]

    # Warm-up: the routing tables for each set of modes are built on first use.
    await run_count(HOST, api.port, match_reqs[-64:], args.concurrency)
    await run_count(HOST, api.port, searches(2 * len(SEARCHES)), args.concurrency)

    per_round = max(1, args.match_requests // args.rounds)
    match_phases: list[PhaseResult] = []
    search_phases: list[PhaseResult] = []
    cpu_ms: dict[str, list[float]] = {"api": [], "meilisearch": []}
    bodies: list[tuple[int, bytes]] = []
    sent: list[bytes] = []
    with progress() as bar:
        task = bar.add_task("matches vs API search", total=2 * per_round * args.rounds, rate="")
        for i, match_first in alternate(args.rounds):
            batch = match_reqs[i * per_round : (i + 1) * per_round]
            offset = len(sent)
            sent += batch
            round_bodies: list[tuple[int, bytes]] = []
            sides: list[tuple[str, Callable[[], Coroutine[Any, Any, PhaseResult]]]] = [
                ("match", partial(run_count, HOST, api.port, batch, args.concurrency, round_bodies)),
                ("search", partial(run_count, HOST, api.port, searches(per_round), args.concurrency)),
            ]
            for name, run in sides if match_first else reversed(sides):
                result, spent = await measured(run, pids)
                if name == "match":
                    match_phases.append(result)
                    for proc, sink in cpu_ms.items():
                        sink.append(1000 * spent[proc] / max(result.count, 1))
                else:
                    search_phases.append(result)
                bar.advance(task, per_round)
            bodies += [(offset + j, body) for j, body in round_bodies]

    decoder = msgspec.json.Decoder()
    counts: list[int] = []
    routed = unknown = same_place = 0
    for _, body in bodies:
        found = decoder.decode(body)["matches"]
        counts.append(len(found))
        for m in found:
            if m["route"] is not None:
                routed += 1
            elif "route_unknown" in m["flags"]:
                unknown += 1
            else:
                same_place += 1
    total_matches = sum(counts)
    ratios = [m.p(95) / s.p(50) for m, s in zip(match_phases, search_phases, strict=True)]
    ratio = median(ratios)
    match_sum = summarize(match_phases)
    match_sum["p95_ms"] = ms(median([p.p(95) for p in match_phases]))
    match_sum["pooled_p95_ms"] = ms(percentile([x for p in match_phases for x in p.latencies], 95))
    match_sum["api_cpu_ms_per_request"] = round(median(cpu_ms["api"]), 2)
    match_sum["meilisearch_cpu_ms_per_request"] = round(median(cpu_ms["meilisearch"]), 2)
    errors = match_sum["errors"] + sum(p.errors for p in search_phases)
    return {
        "concurrency": args.concurrency,
        "requests_per_round": per_round,
        "match": match_sum,
        "search": summarize(search_phases),
        "ratio_p95_to_search_p50": round(ratio, 3),
        "ratio_rounds": [round(r, 3) for r in ratios],
        "target_ratio": TARGET_MATCH_RATIO,
        "responses": len(counts),
        "share_with_match": round(sum(1 for c in counts if c) / len(counts), 3) if counts else None,
        "mean_matches": round(total_matches / len(counts), 2) if counts else None,
        "matches_with_route": round(routed / total_matches, 3) if total_matches else None,
        "matches_route_unknown": round(unknown / total_matches, 3) if total_matches else None,
        "matches_same_place": round(same_place / total_matches, 3) if total_matches else None,
        "pass": errors == 0 and ratio <= TARGET_MATCH_RATIO,
    }


async def bench_hostile_input(
    args: argparse.Namespace, settings: Settings, pool: asyncpg.Pool, api: Server
) -> dict[str, Any]:
    """The worst request for each endpoint in a loop, and /health beside it (``benchmarks/hostile.py``)."""
    ids = await pool.fetch(
        "SELECT id::text FROM listings WHERE status = 'active' AND expires_at > now()"
        " ORDER BY random() LIMIT 50"
    )
    secret = await bench_api_key(settings, api)
    hostiles = await hostile_requests(
        api.base_url, HOST, api.port, secret, [r["id"] for r in ids], args.seed + 4
    )
    with progress() as bar:
        return await bench_hostile(hostiles, HOST, api.port, api.process.pid, args.hostile_seconds, bar)


def bench_routes(args: argparse.Namespace) -> dict[str, Any]:
    """plan_routes(load_network(), a, b, k=3) in process, over random pairs of Central Asian places."""
    from market.routes.network import load_network
    from market.routes.planner import plan_routes

    network = load_network()
    places = sorted(p.id for p in network.places.values() if p.country in ROUTE_COUNTRIES)
    rng = random.Random(args.seed + 3)
    pairs = [tuple(rng.sample(places, 2)) for _ in range(args.route_pairs)]
    found = [len(plan_routes(load_network(), a, b, k=3)) for a, b in pairs]  # warm: tables and chains
    passes: list[list[float]] = []
    for _ in range(3):
        times: list[float] = []
        for a, b in pairs:
            t0 = time.perf_counter_ns()
            plan_routes(load_network(), a, b, k=3)
            times.append((time.perf_counter_ns() - t0) / 1e6)
        passes.append(times)
    p95 = median([percentile(t, 95) for t in passes])
    return {
        "pairs": len(pairs),
        "places": len(places),
        "passes": len(passes),
        "p50_ms": round(median([percentile(t, 50) for t in passes]), 3),
        "p95_ms": round(p95, 3),
        "max_ms": round(max(max(t) for t in passes), 3),
        "pairs_with_route": round(sum(1 for n in found if n) / len(found), 3),
        "mean_routes": round(sum(found) / len(found), 2),
        "target_p95_ms": TARGET_ROUTE_P95_MS,
        "pass": p95 < TARGET_ROUTE_P95_MS,
    }


async def bench_api_key(settings: Settings, api: Server) -> str:
    """A new exporter organization's API key (default scopes), made with the admin token."""
    admin = {"Authorization": f"Bearer {settings.admin_token}"}
    async with httpx.AsyncClient(base_url=api.base_url, timeout=30) as client:
        org = await client.post(
            "/v1/organizations",
            json={
                "name": f"Benchmark Exporter {secrets.token_hex(3)}",
                "kind": "exporter",
                "country": "UZ",
                "city": "Tashkent",
                "contact": {"email": "bench@example.uz"},
            },
            headers=admin,
        )
        org.raise_for_status()
        key = await client.post(f"/v1/organizations/{org.json()['id']}/api-keys", json={}, headers=admin)
        key.raise_for_status()
        return str(key.json()["secret"])


async def bench_lag(args: argparse.Namespace, settings: Settings, api: Server) -> dict[str, Any]:
    from benchmarks.loadgen import Connection

    secret = await bench_api_key(settings, api)
    rng = random.Random(args.seed + 1)
    conn = Connection(HOST, api.port)
    await conn.open()
    lags: list[float] = []
    from_send: list[float] = []
    post_latency: list[float] = []
    polls: list[int] = []
    failures = 0
    decoder = msgspec.json.Decoder()
    try:
        with progress() as bar:
            task = bar.add_task("POST -> searchable", total=args.lag_samples, rate="")
            for _ in range(args.lag_samples):
                token = "".join(rng.choice("bcdfghjklmnpqrstvwxz") + rng.choice("aeiou") for _ in range(6))
                body = make_listing_body(rng, f"Dried apricots lot {token}, sulphur-free")
                raw = post_request(
                    HOST,
                    api.port,
                    "/v1/listings",
                    msgspec.json.encode(body),
                    {"Authorization": f"Bearer {secret}"},
                )
                sent = time.perf_counter()
                status, payload = await conn.request(raw)
                created = time.perf_counter()
                if status != 201:
                    raise RuntimeError(f"POST /v1/listings answered {status}: {payload[:500]!r}")
                listing_id = decoder.decode(payload)["id"]
                search = get_request(HOST, api.port, api_path({"q": token}))
                n = 0
                while True:
                    n += 1
                    status, payload = await conn.request(search)
                    now = time.perf_counter()
                    if status == 200 and any(h["id"] == listing_id for h in decoder.decode(payload)["hits"]):
                        lags.append(now - created)
                        from_send.append(now - sent)
                        post_latency.append(created - sent)
                        polls.append(n)
                        break
                    if now - created > 30:
                        failures += 1
                        break
                    await asyncio.sleep(0.02)
                bar.advance(task)
                await asyncio.sleep(rng.uniform(0.05, 0.25))  # not in lockstep with the indexer
    finally:
        await conn.close()
    p95 = percentile(lags, 95)
    return {
        "samples": len(lags),
        "failures": failures,
        "poll_interval_ms": 20,
        "p50_s": round(percentile(lags, 50), 3),
        "p95_s": round(p95, 3),
        "max_s": round(max(lags), 3) if lags else None,
        "p50_from_post_sent_s": round(percentile(from_send, 50), 3),
        "post_p50_ms": ms(percentile(post_latency, 50)),
        "searches_per_sample_p50": percentile(polls, 50),
        "target_p95_s": TARGET_LAG_P95,
        "pass": failures == 0 and p95 <= TARGET_LAG_P95,
    }


async def meili_task_times(settings: Settings, meili: AsyncClient, limit: int) -> dict[str, Any]:
    """How long Meilisearch itself took over the lag test's single-listing updates."""
    assert settings.meili_url
    headers = {"Authorization": f"Bearer {settings.meili_api_key}"}
    params = {"indexUids": settings.listings_index, "types": "documentAdditionOrUpdate", "limit": str(limit)}
    async with httpx.AsyncClient(base_url=settings.meili_url, headers=headers, timeout=30) as client:
        tasks = (await client.get("/tasks", params=params)).json()["results"]

    def parse(ts: str) -> float:
        # 2026-11-27T22:13:50.123456789Z: keep microseconds
        head, _, frac = ts.rstrip("Z").partition(".")
        return datetime.fromisoformat(head).replace(tzinfo=UTC).timestamp() + float("0." + (frac or "0"))

    small = [t for t in tasks if (t.get("details") or {}).get("receivedDocuments") == 1]
    queued = [parse(t["startedAt"]) - parse(t["enqueuedAt"]) for t in small]
    running = [parse(t["finishedAt"]) - parse(t["startedAt"]) for t in small]
    return {
        "tasks": len(small),
        "queued_p50_ms": ms(percentile(queued, 50)),
        "processing_p50_ms": ms(percentile(running, 50)),
        "processing_p95_ms": ms(percentile(running, 95)),
    }


# -- report ----------------------------------------------------------------------------------------


def rows(results: dict[str, Any]) -> list[tuple[str, ...]]:
    hostile = hostile_rows(results["hostile"])
    if "search" not in results:  # --hostile-only
        d = results["dataset"]
        return [
            ("Load: generate + COPY listings", f"{d['listings']:,} in {d['load_s']} s", "", "", "", ""),
            *hostile,
        ]
    return [*measured_rows(results), *hostile]


def measured_rows(results: dict[str, Any]) -> list[tuple[str, ...]]:
    d, s, g, lag = results["dataset"], results["search"], results["get"], results["lag"]
    mt, rt = results["match"], results["routes"]
    one = s["unloaded"]

    def verdict(ok: bool) -> str:
        return "met" if ok else "MISSED"

    def row(
        measure: str, api: str, ref: str = "", ratio: str = "", target: str = "", result: str = ""
    ) -> tuple[str, ...]:
        return (measure, api, ref, ratio, target, result)

    c = s["concurrency"]
    return [
        row("Load: generate + COPY listings", f"{d['listings']:,} in {d['load_s']} s"),
        row(
            "Indexing via outbox (listings/s)", f"{d['index_listings_per_s']:,.0f}", f"{d['index_s']} s total"
        ),
        row(
            f"Search p50, ms ({s['queries']} queries, c={c})",
            f"{s['api']['p50_ms']}",
            f"{s['direct']['p50_ms']} (direct)",
            f"{s['ratio_p50']}",
            f"<= {s['target_ratio_p50']}",
            verdict(s["pass"]),
        ),
        row(
            "Search p99, ms",
            f"{s['api']['p99_ms']}",
            f"{s['direct']['p99_ms']} (direct)",
            f"{s['ratio_p99']}",
        ),
        row(
            "Search p50, ms, one at a time (c=1)",
            f"{one['api_p50_ms']}",
            f"{one['direct_p50_ms']} (direct)",
            f"{one['ratio_p50']}",
        ),
        row(
            f"GET /v1/listings/{{id}} req/s (c={g['concurrency']})",
            f"{g['api']['rps']:,.0f}",
            f"{g['minimal']['rps']:,.0f} (minimal)",
            f"{g['ratio_rps']}",
            f">= {g['target_ratio_rps']}",
            verdict(g["pass"]),
        ),
        row(
            "GET by id p50 / p99, ms",
            f"{g['api']['p50_ms']} / {g['api']['p99_ms']}",
            f"{g['minimal']['p50_ms']} / {g['minimal']['p99_ms']}",
        ),
        row(
            "GET by id server CPU per request, µs",
            f"{g['api']['server_cpu_us_per_request']:,.0f}",
            f"{g['minimal']['server_cpu_us_per_request']:,.0f}",
        ),
        row(
            f"Matches p50 / p95, ms (c={mt['concurrency']}), vs API search p50",
            f"{mt['match']['p50_ms']} / {mt['match']['p95_ms']}",
            f"{mt['search']['p50_ms']} (search p50)",
            f"{mt['ratio_p95_to_search_p50']}",
            f"p95/search p50 <= {mt['target_ratio']:g}",
            verdict(mt["pass"]),
        ),
        row(
            f"Matches: responses with >= 1 match; mean matches ({mt['responses']:,} responses)",
            f"{100 * (mt['share_with_match'] or 0):.1f} %; {mt['mean_matches']}",
            f"{100 * (mt['matches_with_route'] or 0):.1f} % with a route",
        ),
        row(
            f"Route planning p50 / p95, ms (in process, {rt['pairs']} pairs, k=3)",
            f"{rt['p50_ms']} / {rt['p95_ms']}",
            f"max {rt['max_ms']}",
            "",
            f"p95 < {rt['target_p95_ms']:g}",
            verdict(rt["pass"]),
        ),
        row("POST -> searchable p50, s", f"{lag['p50_s']}"),
        row(
            f"POST -> searchable p95, s ({lag['samples']} posts)",
            f"{lag['p95_s']}",
            "",
            "",
            f"<= {lag['target_p95_s']}",
            verdict(lag["pass"]),
        ),
    ]


HEADERS = ("Measure", "market API", "Reference", "Ratio", "Target", "Result")


def print_report(results: dict[str, Any]) -> None:
    table = Table(title="market benchmarks (medians of alternating rounds)")
    for h in HEADERS:
        table.add_column(h, justify="left" if h == "Measure" else "right")
    for row in rows(results):
        style = "red" if row[5] == "MISSED" else None
        table.add_row(*row, style=style)
    out.print(table)
    out.print()
    out.print(markdown_table(results), markup=False, highlight=False, soft_wrap=True)


def markdown_table(results: dict[str, Any]) -> str:
    lines = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    for row in rows(results):
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
    return "\n".join(lines)


# -- main ------------------------------------------------------------------------------------------


async def bench(
    args: argparse.Namespace, settings: Settings, services: Services, procs: Processes
) -> dict[str, Any]:
    assert settings.database_url and settings.meili_url
    results = run_header(args, "benchmarks.run")
    await migrate(settings)
    pool = await create_pool(settings.database_url, min_size=2, max_size=4)
    meili = AsyncClient(settings.meili_url, settings.meili_api_key, timeout=120)
    try:
        results["machine"]["postgresql"] = await pool.fetchval("SHOW server_version")
        results["machine"]["meilisearch"] = (await meili.get_version()).pkg_version
        for index in (await meili.get_indexes()) or []:  # leftovers of interrupted runs
            if index.uid.startswith("bench_") and not index.uid.startswith(settings.index_prefix + "_"):
                await meili.delete_index_if_exists(index.uid)
        await prepare_indexes(settings, meili)
        results["dataset"] = await load_data(args, settings, pool, meili)

        env = server_env(settings)
        log_dir = settings.state_path / "logs"
        api = procs.start("api", "market.app:create_app", env, log_dir)
        minimal = procs.start("minimal", "benchmarks.minimal_app:create_app", env, log_dir)
        any_id = await pool.fetchval("SELECT id FROM listings LIMIT 1")
        await asyncio.gather(wait_ready(api, "/ready"), wait_ready(minimal, f"/listings/{any_id}"))
        assert services.meilisearch is not None and services.meilisearch.process is not None
        pids = {
            "api": api.process.pid,
            "minimal": minimal.process.pid,
            "meilisearch": services.meilisearch.process.pid,
        }

        err.print("[bold]measuring[/bold] (each comparison alternates its sides round by round)")
        if not args.hostile_only:
            results["search"] = await bench_search(args, settings, api, pids)
            results["get"] = await bench_get(args, pool, api, minimal, pids)
            results["match"] = await bench_match(args, pool, api, pids)
            results["lag"] = await bench_lag(args, settings, api)
            results["lag"]["meilisearch_tasks"] = await meili_task_times(settings, meili, args.lag_samples)
        # Last of the HTTP phases: it writes about 20,000 drafts the others need not see.
        results["hostile"] = await bench_hostile_input(args, settings, pool, api)
        if not args.hostile_only:
            err.print("route planning in process ...")
            results["routes"] = bench_routes(args)  # the servers are idle by now
        return results
    finally:
        await release(procs, settings, pool, meili)


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


BenchFunction = Callable[
    [argparse.Namespace, Settings, Services, Processes], Coroutine[Any, Any, dict[str, Any]]
]


def run_benchmark(
    args: argparse.Namespace,
    *,
    state_dir: str,
    database: str,
    bench_fn: BenchFunction,
    report: Callable[[dict[str, Any]], None],
) -> dict[str, Any] | None:
    """What every benchmark's ``main`` does: start private services (state in ``state_dir``,
    ``database`` recreated, a random index prefix), run ``bench_fn`` on uvloop when there is one,
    write ``args.output`` and print the report. Ctrl-C or SIGTERM stops whatever was started, in
    order, and answers None."""
    configure_logging("WARNING", "console")
    signal.signal(signal.SIGTERM, _raise_interrupt)  # stop servers and services in order, as on Ctrl-C
    base = settings_from_env()
    settings = msgspec.structs.replace(
        base,
        database_url=None,
        meili_url=None,
        meili_api_key=None,
        meili_binary=str(ensure_meilisearch_binary(base)),  # the pinned binary `make run` and tests share
        env="dev",
        state_dir=state_dir,
        index_prefix=f"bench_{uuid.uuid4().hex[:8]}",
        admin_token="bench-admin-" + secrets.token_urlsafe(16),
        log_level="WARNING",
        run_indexer=True,
    )
    started = time.perf_counter()
    procs = Processes()
    try:
        with contextlib.ExitStack() as stack:
            err.print(f"starting PostgreSQL and Meilisearch in {state_dir} ...")
            services = stack.enter_context(provide_services(settings, database=database, reset_database=True))
            stack.callback(procs.stop_all)
            settings = msgspec.structs.replace(
                settings,
                database_url=services.database_url,
                meili_url=services.meili_url,
                meili_api_key=services.meili_api_key,
            )
            runner_kwargs: dict[str, Any] = {}
            with contextlib.suppress(ImportError):
                import uvloop

                runner_kwargs["loop_factory"] = uvloop.new_event_loop
            with asyncio.Runner(**runner_kwargs) as runner:
                results = runner.run(bench_fn(args, settings, services, procs))
    except KeyboardInterrupt:
        err.print("[yellow]interrupted; everything this run started has been stopped[/yellow]")
        return None
    results["total_s"] = round(time.perf_counter() - started, 1)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    report(results)
    err.print(f"\nresults: {args.output}  (whole run {results['total_s']} s)")
    return results


def main(argv: Sequence[str] | None = None) -> int:
    results = run_benchmark(
        parse_args(argv), state_dir=STATE_DIR, database=DATABASE, bench_fn=bench, report=print_report
    )
    return 130 if results is None else 0


if __name__ == "__main__":
    sys.exit(main())
