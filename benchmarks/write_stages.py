"""The stages of ``benchmarks.run`` that write through the API: the lag from POST /v1/listings
until search finds the listing (and Meilisearch's own share of it), and the hostile input of
``benchmarks/hostile.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import secrets
import time
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
import msgspec
from meilisearch_python_sdk import AsyncClient

from benchmarks.dataset import listing_body as make_listing_body
from benchmarks.hostile import bench_hostile, hostile_requests
from benchmarks.loadgen import (
    get_request,
    percentile,
    post_request,
)
from benchmarks.queries import api_path
from benchmarks.runner import ms, progress
from market.settings import Settings
from market.testing import HOST, Server

__all__ = [
    "TARGET_LAG_P95",
    "bench_api_key",
    "bench_hostile_input",
    "bench_lag",
    "meili_task_times",
]


TARGET_LAG_P95 = 1.5


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
