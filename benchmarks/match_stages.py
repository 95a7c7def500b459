"""The stages of ``benchmarks.run`` that measure matching: GET /v1/listings/{id}/matches
against the plain API search, and route planning in process.
"""

from __future__ import annotations

import argparse
import random
import time
import uuid
from collections.abc import Callable, Coroutine
from functools import partial
from typing import Any

import asyncpg
import msgspec

from benchmarks.loadgen import (
    PhaseResult,
    get_request,
    median,
    percentile,
    run_count,
)
from benchmarks.queries import SEARCHES, api_path
from benchmarks.runner import alternate, measured, ms, progress, summarize
from market.testing import HOST, Server

__all__ = [
    "ROUTE_COUNTRIES",
    "TARGET_MATCH_RATIO",
    "TARGET_ROUTE_P95_MS",
    "bench_match",
    "bench_routes",
]


TARGET_MATCH_RATIO = 3.0  # match p95 / search p50

TARGET_ROUTE_P95_MS = 5.0

ROUTE_COUNTRIES = ("KZ", "UZ", "TJ", "KG", "TM")


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
    subjects = await _route_ends(pool, ids)
    inside = inside_unknown = 0  # matches whose route runs between two of ROUTE_COUNTRIES
    for index, body in bodies:
        found = decoder.decode(body)["matches"]
        counts.append(len(found))
        for m in found:
            if m["route"] is not None:
                routed += 1
            elif "route_unknown" in m["flags"]:
                unknown += 1
            else:
                same_place += 1
            if _within_region(subjects[ids[index]], m["listing"]):
                inside += 1
                inside_unknown += "route_unknown" in m["flags"]
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
        "matches_in_region": inside,
        "matches_in_region_route_unknown": round(inside_unknown / inside, 4) if inside else None,
        "pass": errors == 0 and ratio <= TARGET_MATCH_RATIO,
    }


async def _route_ends(pool: asyncpg.Pool, ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[str, str | None]]:
    """Each subject listing's side and the country its end of a route is in (an offer's origin,
    a demand's destination)."""
    rows = await pool.fetch(
        "SELECT id, side, CASE side WHEN 'offer' THEN origin ELSE destination END ->> 'country' AS country"
        " FROM listings WHERE id = any($1::uuid[])",
        ids,
    )
    return {r["id"]: (r["side"], r["country"]) for r in rows}


def _within_region(subject: tuple[str, str | None], other: dict[str, Any]) -> bool:
    """Both ends of the match's route (offer origin, demand destination) in ROUTE_COUNTRIES."""
    side, country = subject
    end = other.get("destination" if side == "offer" else "origin") or {}
    return country in ROUTE_COUNTRIES and end.get("country") in ROUTE_COUNTRIES


def _time_routes(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    from market.routes.network import load_network
    from market.routes.planner import plan_routes

    found = [len(plan_routes(load_network(), a, b, k=3)) for a, b in pairs]  # warm: tables and chains
    passes: list[list[float]] = []
    for _ in range(3):
        times: list[float] = []
        for a, b in pairs:
            t0 = time.perf_counter_ns()
            plan_routes(load_network(), a, b, k=3)
            times.append((time.perf_counter_ns() - t0) / 1e6)
        passes.append(times)
    return {
        "pairs": len(pairs),
        "p50_ms": round(median([percentile(t, 50) for t in passes]), 3),
        "p95_ms": round(median([percentile(t, 95) for t in passes]), 3),
        "max_ms": round(max(max(t) for t in passes), 3),
        "pairs_with_route": round(sum(1 for n in found if n) / len(found), 3),
        "mean_routes": round(sum(found) / len(found), 2),
    }


def bench_routes(args: argparse.Namespace) -> dict[str, Any]:
    """plan_routes(load_network(), a, b, k=3) in process over random pairs of hubs of the network
    in KZ/UZ/TJ/KG/TM, and over pairs of their towns drawn by population (first and last miles)."""
    from market.geography import load_gazetteer
    from market.routes.network import load_network

    hubs = sorted(p.id for p in load_network().places.values() if p.country in ROUTE_COUNTRIES)
    towns = [p for p in load_gazetteer().places if p.country in ROUTE_COUNTRIES]
    rng = random.Random(args.seed + 3)
    hub_pairs = [(a, b) for a, b in (rng.sample(hubs, 2) for _ in range(args.route_pairs))]
    town_pairs: list[tuple[str, str]] = []
    while len(town_pairs) < args.route_pairs:
        a, b = rng.choices(towns, [t.population for t in towns], k=2)
        if a.id != b.id:
            town_pairs.append((a.id, b.id))
    result = _time_routes(hub_pairs)
    towns_result = _time_routes(town_pairs)
    return {
        **result,
        "places": len(hubs),
        "towns": {**towns_result, "places": len(towns)},
        "target_p95_ms": TARGET_ROUTE_P95_MS,
        "pass": max(result["p95_ms"], towns_result["p95_ms"]) < TARGET_ROUTE_P95_MS,
    }
