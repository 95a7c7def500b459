"""The stages of ``benchmarks.run`` that load the data and read it: generate + COPY + index,
API search against the same search sent straight to Meilisearch, and GET by id against the
minimal app.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable, Coroutine
from functools import partial
from typing import Any

import asyncpg
import httpx
from meilisearch_python_sdk import AsyncClient

from benchmarks.dataset import LISTING_COLUMNS, ORGANIZATION_COLUMNS, Generator, copy_rows, index_outbox
from benchmarks.loadgen import (
    PhaseResult,
    get_request,
    median,
    post_request,
    run_count,
    run_duration,
)
from benchmarks.queries import SEARCHES, api_path, meili_body
from benchmarks.runner import alternate, err, measured, ms, progress, summarize
from market.settings import Settings
from market.testing import HOST, Server

__all__ = [
    "TARGET_GET_RATIO",
    "TARGET_SEARCH_RATIO",
    "bench_get",
    "bench_search",
    "check_search_parity",
    "load_data",
]


TARGET_SEARCH_RATIO = 1.3

TARGET_GET_RATIO = 0.7


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
