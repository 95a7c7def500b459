"""The stages of ``benchmarks.run`` about introductions, each measured in rounds alternating with
its reference against the same server: POST /v1/introductions against POST /v1/listings, and an
organization's inbox (GET /v1/introductions?role=received) against the API search.

A request needs an active listing of another organization, one open request per requester and
listing, and room in the requester's daily budget (``MARKET_INTRODUCTION_DAILY_BUDGET``, 10 a
day, and ``MARKET_INTRODUCTION_DAILY_BUDGET_VERIFIED``, 50). The benchmark server runs with
both raised to ``introduction_budget(args)`` through those settings, which is what they are for;
the requests are spread over every organization of the dataset that is not a chamber, in turn,
each about a live listing it has not asked about yet.
"""

from __future__ import annotations

import argparse
import random
import uuid
from collections import Counter
from collections.abc import Callable, Coroutine
from functools import partial
from typing import Any

import asyncpg
import msgspec

from benchmarks.bulk_parts import quiet
from benchmarks.dataset import listing_body
from benchmarks.load import new_key
from benchmarks.loadgen import (
    Connection,
    PhaseResult,
    get_request,
    median,
    percentile,
    post_request,
    run_count,
)
from benchmarks.queries import SEARCHES, api_path
from benchmarks.runner import alternate, measured, ms, progress, summarize
from market.auth import Caller
from market.introductions import service
from market.introductions.expiry import IntroductionExpiry
from market.jobs import drain
from market.settings import Settings
from market.testing import HOST, Server
from schemas.introductions import Decline, IntroductionCreate

__all__ = ["TARGET_CREATE_RATIO", "bench_introductions", "introduction_budget"]

TARGET_CREATE_RATIO = 1.0  # POST /v1/introductions p50 / POST /v1/listings p50

WARMUP = 16
"""Requests a side before the measured rounds."""
INBOX_STATUSES = {"requested": 40, "accepted": 25, "declined": 15, "withdrawn": 10, "expired": 10}
"""The inbox's introductions by status, in per cent."""
BACKGROUND_QUEUES = ("search_outbox", "match_jobs", "alert_jobs")
"""What a POST /v1/listings leaves the API process to do; drained before each side."""

ORGANIZATIONS_SQL = "SELECT id FROM organizations WHERE kind <> 'chamber' ORDER BY id"
LIVE_SQL = "SELECT id, organization_id FROM listings WHERE status = 'active' AND expires_at > now()"
# The expired share of the inbox: sent 15 days ago, so past their 14 days and out of the budget
# window. Time is the one rule this bypasses; the app's expiry job then expires them.
BACKDATE_SQL = """
UPDATE introductions SET created_at = created_at - interval '15 days',
       expires_at = expires_at - interval '15 days', updated_at = updated_at - interval '15 days'
WHERE id = any($1::uuid[])
"""
MESSAGES = (
    "We are interested in your listing. Could you tell us the earliest shipment date and whether "
    "the price holds for a year's contract?",
    "Мы заинтересованы в вашем предложении. Готовы обсудить условия поставки и оплаты.",
    "We supply this regularly to buyers in Almaty and Bishkek and would like to discuss terms.",
    "Could we arrange a trial lot first? We can take delivery at the border by road.",
)


def introduction_budget(args: argparse.Namespace) -> int:
    """The daily budget (both kinds) of the benchmark server: more than any requester sends in
    the run, whatever the number of organizations."""
    return WARMUP + args.introduction_requests + args.inbox_introductions


class Requests:
    """(requester, listing) pairs nobody has asked about yet: each requester in turn, about a
    random listing of another organization."""

    def __init__(self, rng: random.Random, requesters: list[uuid.UUID]) -> None:
        self.rng = rng
        self.requesters = requesters
        self.asked: set[tuple[uuid.UUID, uuid.UUID]] = set()
        self.turn = 0

    def take(self, n: int, listings: list[asyncpg.Record]) -> list[tuple[uuid.UUID, uuid.UUID]]:
        pairs: list[tuple[uuid.UUID, uuid.UUID]] = []
        while len(pairs) < n:
            requester = self.requesters[self.turn % len(self.requesters)]
            self.turn += 1
            for _ in range(100):
                row = self.rng.choice(listings)
                pair = (requester, row["id"])
                if row["organization_id"] != requester and pair not in self.asked:
                    self.asked.add(pair)
                    pairs.append(pair)
                    break
        return pairs


def request_body(rng: random.Random, listing_id: uuid.UUID, own: list[uuid.UUID]) -> dict[str, Any]:
    """What a requester sends: a message; half the time terms, a third of the time one of its
    own listings (the one whose matches it came from)."""
    body: dict[str, Any] = {"listing_id": str(listing_id), "message": rng.choice(MESSAGES)}
    if rng.random() < 0.5:
        terms = listing_body(rng)
        body["proposal"] = {k: terms[k] for k in ("quantity", "price", "incoterm", "incoterm_place")}
    if own and rng.random() < 0.33:
        body["from_listing_id"] = str(rng.choice(own))
    return body


async def fill_inbox(
    pool: asyncpg.Pool,
    settings: Settings,
    owner: uuid.UUID,
    pairs: list[tuple[uuid.UUID, uuid.UUID]],
    seed: int,
) -> dict[str, int]:
    """``owner``'s received introductions, made and answered with the app's service functions."""
    rng = random.Random(seed)
    statuses = rng.choices(list(INBOX_STATUSES), list(INBOX_STATUSES.values()), k=len(pairs))
    expired: list[uuid.UUID] = []
    async with pool.acquire() as conn:
        for (requester, listing_id), status in zip(pairs, statuses, strict=True):
            data = IntroductionCreate(listing_id=listing_id, message=rng.choice(MESSAGES))
            made = await service.create_introduction(conn, requester, data, settings)
            if status in ("accepted", "declined"):
                decline = Decline(reason="price") if status == "declined" else None
                action = "accept" if decline is None else "decline"
                await service.answer(conn, Caller(organization_id=owner), made.id, action, decline)
            elif status == "withdrawn":
                await service.answer(conn, Caller(organization_id=requester), made.id, "withdraw")
            elif status == "expired":
                expired.append(made.id)
        await conn.execute(BACKDATE_SQL, expired)
    await drain(IntroductionExpiry(pool))
    return dict(Counter(statuses))


async def check_statuses(api: Server, requests: list[bytes], expect: int) -> None:
    """Send these one by one (the warm-up); any other answer stops the run, with its body."""
    conn = Connection(HOST, api.port)
    try:
        for raw in requests:
            status, body = await conn.request(raw)
            if status != expect:
                raise RuntimeError(f"{raw.split(b' ', 2)[1].decode()} answered {status}: {body[:500]!r}")
    finally:
        await conn.close()


async def compare(
    pool: asyncpg.Pool,
    pids: dict[str, int],
    label: str,
    sides: tuple[tuple[str, list[bytes]], tuple[str, list[bytes]]],
    rounds: int,
    concurrency: int,
    port: int,
    ok: int,
) -> dict[str, Any]:
    """Both sides' requests in ``rounds`` alternating rounds (A B, B A, ...), the background queues
    drained before each side; per side the usual summary, p95 and the API's CPU a request."""
    per_round = min(len(reqs) for _, reqs in sides) // rounds
    phases: dict[str, list[PhaseResult]] = {name: [] for name, _ in sides}
    cpu: dict[str, list[float]] = {name: [] for name, _ in sides}
    with progress() as bar:
        task = bar.add_task(label, total=2 * per_round * rounds, rate="")
        for i, a_first in alternate(rounds):
            for name, reqs in sides if a_first else reversed(sides):
                await quiet(pool, BACKGROUND_QUEUES)
                batch = reqs[i * per_round : (i + 1) * per_round]
                run: Callable[[], Coroutine[Any, Any, PhaseResult]] = partial(
                    run_count, HOST, port, batch, concurrency, ok=ok
                )
                result, spent = await measured(run, {"api": pids["api"]})
                phases[name].append(result)
                cpu[name].append(1000 * spent["api"] / max(result.count, 1))
                bar.advance(task, per_round)
    out: dict[str, Any] = {"concurrency": concurrency, "requests_per_round": per_round}
    for name, results in phases.items():
        summary = summarize(results)
        summary["p95_ms"] = ms(median([p.p(95) for p in results]))
        summary["pooled_p95_ms"] = ms(percentile([x for p in results for x in p.latencies], 95))
        summary["api_cpu_ms_per_request"] = round(median(cpu[name]), 2)
        out[name] = summary
    (a, a_phases), (b, b_phases) = ((n, phases[n]) for n, _ in sides)
    ratios = [x.p(50) / y.p(50) for x, y in zip(a_phases, b_phases, strict=True)]
    out["ratio_p50"] = round(median(ratios), 3)
    out["ratio_p50_rounds"] = [round(r, 3) for r in ratios]
    out["errors"] = out[a]["errors"] + out[b]["errors"]
    return out


async def bench_introductions(
    args: argparse.Namespace, settings: Settings, pool: asyncpg.Pool, api: Server, pids: dict[str, int]
) -> dict[str, Any]:
    rng = random.Random(args.seed + 6)
    budget = introduction_budget(args)
    settings = msgspec.structs.replace(
        settings, introduction_daily_budget=budget, introduction_daily_budget_verified=budget
    )
    organizations = [r["id"] for r in await pool.fetch(ORGANIZATIONS_SQL)]
    live = await pool.fetch(LIVE_SQL)
    own: dict[uuid.UUID, list[asyncpg.Record]] = {}
    for row in live:
        own.setdefault(row["organization_id"], []).append(row)
    owner = max(organizations, key=lambda o: len(own.get(o, [])))  # the most listings, the most asked
    auth = {o: {"Authorization": await new_key(pool, o)} for o in organizations}
    requests = Requests(rng, [o for o in organizations if o != owner])
    inbox_statuses = await fill_inbox(
        pool, settings, owner, requests.take(args.inbox_introductions, own[owner]), args.seed + 7
    )

    # The inbox against the API search (the fixed queries with text), both with the owner's key.
    inbox_reqs = [get_request(HOST, api.port, "/v1/introductions?role=received", auth[owner])]
    texts = [get_request(HOST, api.port, api_path(p), auth[owner]) for p in SEARCHES if p.get("q")]
    n = WARMUP + args.inbox_requests
    inbox_side = inbox_reqs * n
    search_side = [rng.choice(texts) for _ in range(n)]
    await check_statuses(api, inbox_side[:WARMUP] + search_side[:WARMUP], 200)
    sides = (("inbox", inbox_side[WARMUP:]), ("search", search_side[WARMUP:]))
    inbox = await compare(
        pool, pids, "inbox vs API search", sides, args.rounds, args.concurrency, api.port, 200
    )
    inbox.update(received=args.inbox_introductions, received_by_status=inbox_statuses)

    # POST /v1/introductions against POST /v1/listings, by the same organizations in turn.
    pairs = requests.take(WARMUP + args.introduction_requests, live)
    own_ids = {o: [r["id"] for r in rows] for o, rows in own.items()}
    encode = msgspec.json.encode
    asks = [
        post_request(
            HOST, api.port, "/v1/introductions", encode(request_body(rng, lid, own_ids.get(r, []))), auth[r]
        )
        for r, lid in pairs
    ]
    posts = [
        post_request(HOST, api.port, "/v1/listings", encode(listing_body(rng)), auth[r]) for r, _ in pairs
    ]
    await check_statuses(api, asks[:WARMUP] + posts[:WARMUP], 201)
    sides = (("introduction", asks[WARMUP:]), ("listing", posts[WARMUP:]))
    create = await compare(
        pool, pids, "POST introductions vs listings", sides, args.rounds, args.concurrency, api.port, 201
    )
    create.update(
        daily_budget=budget,
        requesters=len({r for r, _ in pairs}),
        listings=len({lid for _, lid in pairs}),
        most_sent_by_one_requester=max(Counter(r for r, _ in requests.asked).values()),
        target_ratio_p50=TARGET_CREATE_RATIO,
    )
    create["pass"] = create["errors"] == 0 and create["ratio_p50"] <= TARGET_CREATE_RATIO
    return {"create": create, "inbox": inbox}
