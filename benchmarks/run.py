"""market benchmarks, in one run: ``python -m benchmarks.run`` (``make bench``).

1. Starts private services (state in ``.market/bench``, database ``market_bench`` recreated,
   a random index prefix), migrates.
2. Generates synthetic organizations and listings, loads them with COPY and indexes them with
   the app's own outbox indexer (timed).
3. Serves the real app and a minimal comparison app with uvicorn, one worker each.
4. Measures, alternating the two sides of each comparison (A B, B A, A B, ...):
   API search vs the same search sent straight to Meilisearch; GET /v1/listings/{id} vs the
   minimal app; GET /v1/listings/{id}/matches vs the plain API search; the lag from
   POST /v1/listings until search finds the new listing; POST /v1/introductions vs
   POST /v1/listings, and an inbox of a few hundred introductions vs the API search (the
   server's daily introduction budgets raised through their settings); the worst request for each endpoint
   in a loop, with /health probed beside it and alone (``hostile.py``). In process: route
   planning per pair.
5. Prints a table (and Markdown), writes ``benchmarks/results/latest.json``.
6. Stops everything it started, on success, error or Ctrl-C.

See benchmarks/README.md for the flags.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from meilisearch_python_sdk import AsyncClient

from benchmarks.introduction_stages import bench_introductions, introduction_budget
from benchmarks.match_stages import bench_match, bench_routes
from benchmarks.placement import bench_placement
from benchmarks.run_report import print_report
from benchmarks.runner import err, release, run_benchmark, run_header
from benchmarks.search_stages import bench_get, bench_search, load_data
from benchmarks.web_stages import bench_web
from benchmarks.write_stages import bench_hostile_input, bench_lag, meili_task_times
from market.db import create_pool
from market.devstack import Services
from market.runtime import migrate, prepare_indexes
from market.settings import Settings
from market.testing import PROJECT_ROOT, Processes, server_env, wait_ready

__all__ = ["bench", "main", "parse_args"]

ROOT = PROJECT_ROOT
RESULTS = ROOT / "benchmarks" / "results" / "latest.json"
STATE_DIR = ".market/bench"
DATABASE = "market_bench"


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
        "--introduction-requests",
        type=int,
        default=800,
        help="measured POST /v1/introductions (and as many POST /v1/listings), all rounds (default 800)",
    )
    parser.add_argument(
        "--inbox-introductions",
        type=int,
        default=300,
        help="introductions the inbox organization has received, across statuses (default 300)",
    )
    parser.add_argument(
        "--inbox-requests",
        type=int,
        default=1200,
        help="measured inbox reads (and as many searches), all rounds (default 1200)",
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
        "introduction_requests",
        "inbox_introductions",
        "inbox_requests",
    ):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.organizations < 20:
        parser.error("--organizations must be at least 20 (ten of them are chambers of commerce)")
    return args


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

        # Introductions: the daily budgets raised through their settings, for this server only.
        budget = introduction_budget(args)
        env = server_env(
            settings, introduction_daily_budget=budget, introduction_daily_budget_verified=budget
        )
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
            results["introductions"] = await bench_introductions(args, settings, pool, api, pids)
            results["web"] = await bench_web(args, pool, api, pids)
        # Last of the HTTP phases: it writes about 20,000 drafts the others need not see.
        results["hostile"] = await bench_hostile_input(args, settings, pool, api)
        if not args.hostile_only:
            err.print("route planning in process ...")
            results["routes"] = bench_routes(args)  # the servers are idle by now
            results["placement"] = bench_placement(seed=args.seed)
        return results
    finally:
        await release(procs, settings, pool, meili)


def main(argv: Sequence[str] | None = None) -> int:
    results = run_benchmark(
        parse_args(argv), state_dir=STATE_DIR, database=DATABASE, bench_fn=bench, report=print_report
    )
    return 130 if results is None else 0


if __name__ == "__main__":
    sys.exit(main())
