"""The stage of ``benchmarks.run`` that measures the web pages against the JSON they are made of:
the search page (full HTML) against ``GET /v1/listings`` for the same queries, a listing's page
(with its matches and route) against ``GET /v1/listings/{id}/matches``, round by round at the
same concurrency; and what the first page costs a browser to load (HTML, stylesheet, htmx).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import uuid
from functools import partial
from typing import Any
from urllib.parse import urlencode

import asyncpg

from benchmarks.loadgen import PhaseResult, get_request, median, run_count
from benchmarks.queries import SEARCHES, api_path
from benchmarks.runner import alternate, measured, progress, summarize
from market.testing import HOST, Server

__all__ = ["TARGET_FIRST_PAGE_KB", "TARGET_PAGE_RATIO", "bench_web"]

TARGET_PAGE_RATIO = 1.5
"""A page's p50 / the p50 of the JSON it shows."""
TARGET_FIRST_PAGE_KB = 100.0


def _page_request(port: int, path: str) -> bytes:
    return get_request(HOST, port, path, {"Accept": "text/html", "Accept-Language": "ru"}).replace(
        b"Accept: application/json\r\n", b""
    )


async def _side_by_side(
    args: argparse.Namespace,
    api: Server,
    pids: dict[str, int],
    pages: list[bytes],
    json: list[bytes],
    label: str,
) -> dict[str, Any]:
    """Pages and their JSON in alternating rounds; the ratio of p50s per round, and its median."""
    per_round = max(1, len(pages) // args.rounds)
    page_phases: list[PhaseResult] = []
    json_phases: list[PhaseResult] = []
    cpu: list[float] = []
    await run_count(HOST, api.port, pages[:16], args.concurrency)  # warm: templates compiled, caches
    await run_count(HOST, api.port, json[:16], args.concurrency)
    with progress() as bar:
        task = bar.add_task(label, total=2 * per_round * args.rounds, rate="")
        for i, page_first in alternate(args.rounds):
            sides = [
                (
                    "page",
                    partial(
                        run_count,
                        HOST,
                        api.port,
                        pages[i * per_round : (i + 1) * per_round],
                        args.concurrency,
                    ),
                ),
                (
                    "json",
                    partial(
                        run_count, HOST, api.port, json[i * per_round : (i + 1) * per_round], args.concurrency
                    ),
                ),
            ]
            for name, run in sides if page_first else reversed(sides):
                result, spent = await measured(run, pids)
                if name == "page":
                    page_phases.append(result)
                    cpu.append(1000 * spent["api"] / max(result.count, 1))
                else:
                    json_phases.append(result)
                bar.advance(task, per_round)
    ratios = [p.p(50) / j.p(50) for p, j in zip(page_phases, json_phases, strict=True)]
    errors = sum(p.errors for p in page_phases + json_phases)
    return {
        "page": summarize(page_phases),
        "json": summarize(json_phases),
        "page_api_cpu_ms": round(median(cpu), 2),
        "ratio_p50": round(median(ratios), 3),
        "ratio_rounds": [round(r, 3) for r in ratios],
        "target_ratio": TARGET_PAGE_RATIO,
        "pass": errors == 0 and median(ratios) <= TARGET_PAGE_RATIO,
    }


async def _fetch(port: int, path: str) -> bytes:
    reader, writer = await asyncio.open_connection(HOST, port)
    writer.write(_page_request(port, path).replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n"))
    await writer.drain()
    raw = await reader.read()
    writer.close()
    return raw.partition(b"\r\n\r\n")[2]


async def first_page_bytes(port: int) -> dict[str, int]:
    """The home page and every file it loads (the stylesheet, htmx), as a first visit fetches them."""
    html = await _fetch(port, "/")
    sizes = {"/": len(html)}
    for path in re.findall(rb'(?:href|src)="(/static/[^"]+)"', html):
        sizes[path.decode()] = len(await _fetch(port, path.decode()))
    return sizes


async def bench_web(
    args: argparse.Namespace, pool: asyncpg.Pool, api: Server, pids: dict[str, int]
) -> dict[str, Any]:
    rng = random.Random(args.seed + 5)
    n = max(args.match_requests, 2 * args.rounds)
    queries = [SEARCHES[rng.randrange(len(SEARCHES))] for _ in range(n)]
    search = await _side_by_side(
        args,
        api,
        pids,
        [_page_request(api.port, "/?" + urlencode(q)) for q in queries],
        [get_request(HOST, api.port, api_path(q)) for q in queries],
        "search page vs JSON search",
    )
    sample = (
        "SELECT id FROM listings WHERE status = 'active' AND expires_at > now() ORDER BY random() LIMIT $1"
    )
    ids: list[uuid.UUID] = [r["id"] for r in await pool.fetch(sample, n)]
    listing = await _side_by_side(
        args,
        api,
        pids,
        [_page_request(api.port, f"/listings/{i}") for i in ids],
        [get_request(HOST, api.port, f"/v1/listings/{i}/matches") for i in ids],
        "listing page vs JSON matches",
    )
    sizes = await first_page_bytes(api.port)
    total_kb = round(sum(sizes.values()) / 1024, 1)
    return {
        "search_page": search,
        "listing_page": listing,
        "first_page_bytes": sizes,
        "first_page_kb": total_kb,
        "target_first_page_kb": TARGET_FIRST_PAGE_KB,
        "first_page_pass": total_kb < TARGET_FIRST_PAGE_KB,
    }
