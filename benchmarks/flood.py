"""Matches must not flood: the inbox events and webhook deliveries a bulk import makes, per listing.

One seller imports near-identical offers (the documented plates offer, lot by lot) through
``POST /v1/listings/batch``; the members of one chamber each want such plates, and every one of
those offers fits each of their demands. Every organization in the database has a webhook
endpoint for ``match.created``, and the chamber's also takes its members' events: the worst
case, where everyone integrates. Then the match recorder handles the import's match jobs in this
process, as ``market worker`` would, and what it wrote is counted: rows in the inbox table
(``match_events``), ``match.created`` events, and webhook deliveries, each per imported listing.
No dispatcher runs, so the deliveries stay as they were created.
"""

from __future__ import annotations

import copy
import time
import uuid
from typing import Any

import asyncpg
import msgspec

from benchmarks.loadgen import Connection, post_request
from market.auth import Caller
from market.examples import UZ_PLATES_OFFER
from market.jobs import drain
from market.listings import service
from market.matching.recorder import MAX_EVENTS_PER_LISTING, MatchRecorder
from market.organizations.service import create_organization
from schemas.listings import ListingCreate
from schemas.organizations import OrganizationCreate
from search.client import SearchReader

__all__ = ["measure_flood"]

# Jobs left by the measured rounds, which this benchmark never runs (their listings are varied
# goods; what floods is many listings alike): dropped so the recorder handles the import's only.
DROP_JOBS_SQL = "DELETE FROM match_jobs; DELETE FROM alert_jobs"
ENDPOINTS_SQL = """
INSERT INTO webhook_endpoints (organization_id, url, events, secret, include_members)
SELECT id, 'https://hooks.example.com/market', '{match.created}', 'whsec_' || md5(id::text), id = $1
FROM organizations
"""
MARKS_SQL = """
SELECT (SELECT coalesce(max(id), 0) FROM match_events) AS inbox,
       (SELECT coalesce(max(id), 0) FROM events) AS events,
       (SELECT coalesce(max(id), 0) FROM webhook_deliveries) AS deliveries
"""
COUNTS_SQL = """
SELECT (SELECT count(*) FROM match_events WHERE id > $1) AS inbox,
       (SELECT count(*) FROM events WHERE id > $2 AND type = 'match.created') AS events,
       (SELECT count(*) FROM webhook_deliveries WHERE id > $3) AS deliveries,
       (SELECT count(*) FROM match_events WHERE id > $1 AND listing_id = any($4::uuid[])) AS seller_inbox,
       (SELECT count(*) FROM match_events WHERE id > $1 AND listing_id = any($5::uuid[])
                                            AND counterpart_id = any($4::uuid[])) AS buyers_told,
       (SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM match_events WHERE id > $1
                                          GROUP BY listing_id) per) AS most_for_one_listing
"""


def _offer(n: int) -> dict[str, Any]:
    body = copy.deepcopy(UZ_PLATES_OFFER)
    body.update(title=f"{body['title']}, lot {n}", external_ref=f"FLOOD-{n:06d}")
    body["quantity"]["amount"] = 20000 + n % 50
    return body


def _demand(n: int) -> ListingCreate:
    return msgspec.convert(
        {
            "side": "demand",
            "title": f"Ceramic plates wanted for hotel {n}",
            "hs_code": "691200",
            "quantity": {"amount": 5000, "unit": "H87"},
            "price": {"amount": "2.00", "currency": "USD", "per": "H87"},
            "incoterm": "DAP",
            "incoterm_place": "Almaty",
            "destination": {"country": "KZ", "city": "Almaty"},
            "target_countries": ["UZ"],
            "transport_modes": ["road"],
        },
        ListingCreate,
    )


async def _chamber_with_buyers(pool: asyncpg.Pool, buyers: int) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """A Kazakh chamber and ``buyers`` members, each with a demand every import offer fits."""
    admin = Caller(is_admin=True)
    async with pool.acquire() as conn:
        chamber = await create_organization(
            conn,
            admin,
            OrganizationCreate(name="Almaty Chamber", kind="chamber", country="KZ", city="Almaty"),
        )
        as_chamber = Caller(
            organization_id=chamber.id, organization_kind="chamber", scopes=frozenset({"members:write"})
        )
        demands = []
        for n in range(buyers):
            member = await create_organization(
                conn,
                as_chamber,
                OrganizationCreate(
                    name=f"Almaty Hotel Supply {n}", kind="importer", country="KZ", city="Almaty"
                ),
            )
            demands.append((await service.create_listing(conn, member.id, _demand(n))).id)
    return chamber.id, demands


async def measure_flood(
    pool: asyncpg.Pool,
    reader: SearchReader,
    index_uid: str,
    host: str,
    port: int,
    seller_key: str,
    *,
    listings: int,
    buyers: int,
    wait_indexed: Any,
) -> dict[str, Any]:
    """Import ``listings`` look-alike offers against ``buyers`` demands; count what matching wrote."""
    await pool.execute(DROP_JOBS_SQL)
    chamber, demands = await _chamber_with_buyers(pool, buyers)
    await pool.execute(ENDPOINTS_SQL, chamber)
    await wait_indexed()
    await drain(MatchRecorder(pool, reader, index_uid))  # the demands' own jobs: before the marks
    marks = await pool.fetchrow(MARKS_SQL)

    conn = Connection(host, port)
    offer_ids: list[str] = []
    try:
        for start in range(0, listings, 1000):
            items = [_offer(n) for n in range(start, min(start + 1000, listings))]
            raw = post_request(
                host,
                port,
                "/v1/listings/batch",
                msgspec.json.encode(items),
                {"Authorization": f"Bearer {seller_key}"},
            )
            status, answer = await conn.request(raw)
            if status != 200:
                raise RuntimeError(f"the flood import was refused ({status}): {answer[:500]!r}")
            offer_ids += [r["id"] for r in msgspec.json.decode(answer)["results"] if r["status"] == "created"]
    finally:
        await conn.close()
    await wait_indexed()
    started = time.perf_counter()
    jobs = await drain(MatchRecorder(pool, reader, index_uid))
    recorder_s = time.perf_counter() - started
    offers = [uuid.UUID(i) for i in offer_ids]
    counts = await pool.fetchrow(
        COUNTS_SQL, marks["inbox"], marks["events"], marks["deliveries"], offers, demands
    )
    imported = len(offer_ids)
    return {
        "listings": imported,
        "buyers": buyers,
        "match_jobs": jobs,
        "recorder_s": round(recorder_s, 1),
        "inbox_events": counts["inbox"],
        "inbox_events_of_the_seller": counts["seller_inbox"],
        "buyers_told_of_an_offer": counts["buyers_told"],
        "match_created_events": counts["events"],
        "webhook_deliveries": counts["deliveries"],
        "most_inbox_events_for_one_listing": counts["most_for_one_listing"],
        "max_events_per_listing": MAX_EVENTS_PER_LISTING,
        "inbox_events_per_listing": round(counts["inbox"] / imported, 4),
        "match_created_per_listing": round(counts["events"] / imported, 4),
        "webhook_deliveries_per_listing": round(counts["deliveries"] / imported, 4),
    }
