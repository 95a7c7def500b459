"""Alert matching: each listing that became (or stayed) active is checked against saved searches,
and every alert it newly fits tells its organization (``alert.matched``).

Jobs wait in ``alert_jobs`` (written in the listing's own transaction) and are claimed like match
jobs: with ``FOR UPDATE SKIP LOCKED``, once every listing written before the job is in the search
index, and removed only in the transaction that records their events.

Candidates come from a cheap SQL prefilter on the structural filters (side, HS prefix, countries,
incoterm, transport mode, places). Meilisearch then decides, with the very query search would run
for the alert narrowed to the one listing, so an alert fires exactly for listings its search
finds. An organization is never alerted about its own listings, and ``alert_hits`` makes sure an
(alert, listing) pair is reported once, however often the listing is edited afterwards.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import asyncpg
import msgspec
import structlog
from meilisearch_python_sdk import AsyncClient
from meilisearch_python_sdk.models.search import SearchParams

from market.alerts.service import alert_query
from market.events import Event, emit_many
from schemas.alerts import AlertFilters
from search.filters import FilterBuilder
from search.queries import listing_search_body

__all__ = ["AlertMatcher", "confirm_query"]

log = structlog.get_logger(name=__name__)

CLAIM_SQL = """
SELECT j.id, j.listing_id
FROM alert_jobs j
WHERE NOT EXISTS (
    SELECT 1 FROM search_outbox o WHERE o.enqueued_at <= j.enqueued_at AND o.failed_at IS NULL
)
ORDER BY j.id LIMIT $1 FOR UPDATE OF j SKIP LOCKED
"""
# A superset of the alerts each listing fits (the place test is loose: either end's place).
CANDIDATES_SQL = """
SELECT l.id AS listing_id, l.organization_id AS listing_organization_id,
       l.created_at AS listing_created_at,
       a.id AS alert_id, a.organization_id, a.name, a.filters, a.place_ids
FROM listings l
JOIN alerts a ON a.organization_id <> l.organization_id
WHERE l.id = any($1::uuid[]) AND l.status = 'active' AND l.expires_at > now()
  AND (a.filters->>'side' IS NULL OR a.filters->>'side' = l.side)
  AND (a.filters->>'hs_code' IS NULL OR starts_with(l.hs_code, a.filters->>'hs_code'))
  AND (a.filters->>'origin_country' IS NULL OR a.filters->>'origin_country' = l.origin->>'country')
  AND (a.filters->>'destination_country' IS NULL
       OR a.filters->>'destination_country' = l.destination->>'country')
  AND (a.filters->>'incoterm' IS NULL OR a.filters->>'incoterm' = l.incoterm)
  AND (a.filters->>'transport_mode' IS NULL OR a.filters->>'transport_mode' = any(l.transport_modes))
  AND (a.place_ids IS NULL
       OR a.place_ids && ARRAY[l.origin->>'place_id', l.destination->>'place_id'])
  AND NOT EXISTS (SELECT 1 FROM alert_hits h WHERE h.alert_id = a.id AND h.listing_id = l.id)
"""
HITS_SQL = """
INSERT INTO alert_hits (alert_id, listing_id)
SELECT * FROM unnest($1::uuid[], $2::uuid[])
ON CONFLICT DO NOTHING
RETURNING alert_id, listing_id
"""
# What alert.matched says about the listing: its public fields only (never its reference).
LISTINGS_SQL = """
SELECT l.id, l.organization_id, o.name AS organization_name, o.country AS organization_country,
       l.side, l.status, l.title, l.hs_code, l.quantity, l.price, l.incoterm,
       l.origin->>'country' AS origin_country, l.destination->>'country' AS destination_country,
       l.expires_at, l.version
FROM listings l JOIN organizations o ON o.id = l.organization_id
WHERE l.id = any($1::uuid[])
"""
DONE_SQL = "DELETE FROM alert_jobs WHERE id = any($1::bigint[])"
QUERIES_PER_REQUEST = 100
CONFIRM_HITS = 20
"""Listings of one organization created within the same millisecond: more is not expected."""


def confirm_query(candidate: asyncpg.Record | dict[str, Any]) -> dict[str, Any]:
    """The alert's search narrowed to one listing: a hit means the alert fits it.

    Every word of ``q`` must be found (``matchingStrategy: all``): search ranks listings that hold
    only some words below the rest, which is right for browsing but too loose for a notification.
    """
    filters = msgspec.convert(candidate["filters"], AlertFilters)
    place_ids = tuple(candidate["place_ids"]) if candidate["place_ids"] is not None else None
    query = alert_query(filters, place_ids, organization_id=candidate["organization_id"])
    body = listing_search_body(dataclasses.replace(query, limit=CONFIRM_HITS), ids_only=True)
    # Narrowed to the listing by its organization and creation time (to the millisecond), not by
    # its id: a filterable `id` made Meilisearch rework its filter index of 100,000 distinct
    # values on every update (one-listing updates 10x slower). The caller checks the id.
    created = candidate["listing_created_at"].timestamp()
    narrow = FilterBuilder().equals("organization_id", str(candidate["listing_organization_id"]))
    narrow.between("created_at_ts", created - 0.001, created + 0.001)
    body["filter"] += " AND " + str(narrow.build())
    body["matchingStrategy"] = "all"
    return body


class AlertMatcher:
    """Drains ``alert_jobs`` into ``alert.matched`` events (a ``market.jobs.BatchJob``)."""

    claim_sql = CLAIM_SQL

    def __init__(
        self, pool: asyncpg.Pool, meili: AsyncClient, index_uid: str, *, batch_size: int = 20
    ) -> None:
        self.pool = pool
        self.meili = meili
        self.index_uid = index_uid
        self.batch_size = batch_size

    async def _confirmed(self, candidates: Sequence[asyncpg.Record]) -> list[asyncpg.Record]:
        """The candidates whose search, run by Meilisearch, finds their listing."""
        found: list[asyncpg.Record] = []
        for start in range(0, len(candidates), QUERIES_PER_REQUEST):
            chunk = candidates[start : start + QUERIES_PER_REQUEST]
            queries = [
                SearchParams.model_validate({"indexUid": self.index_uid, **confirm_query(c)}) for c in chunk
            ]
            results = await self.meili.multi_search(queries)
            assert isinstance(results, list)  # no federation asked for: one result per query
            found.extend(
                c
                for c, result in zip(chunk, results, strict=True)
                if any(hit["id"] == str(c["listing_id"]) for hit in result.hits)
            )
        return found

    async def run(self, conn: asyncpg.Connection, jobs: Sequence[asyncpg.Record]) -> int:
        """Tell each alert the claimed listings newly fit; a failure retries the whole batch."""
        listing_ids = list({j["listing_id"] for j in jobs})
        candidates = await conn.fetch(CANDIDATES_SQL, listing_ids)
        matched = await self._confirmed(candidates) if candidates else []
        events = 0
        if matched:
            # Two workers may confirm one pair at once: only the insert that wins tells anyone.
            new = await conn.fetch(
                HITS_SQL, [m["alert_id"] for m in matched], [m["listing_id"] for m in matched]
            )
            won = {(r["alert_id"], r["listing_id"]) for r in new}
            listings = {r["id"]: dict(r) for r in await conn.fetch(LISTINGS_SQL, listing_ids)}
            alerted = [
                Event(
                    organization_id=m["organization_id"],
                    type="alert.matched",
                    data={
                        "organization_id": m["organization_id"],
                        "alert": {"id": m["alert_id"], "name": m["name"]},
                        "listing": listings[m["listing_id"]],
                    },
                    listing_id=m["listing_id"],
                )
                for m in matched
                if (m["alert_id"], m["listing_id"]) in won
            ]
            await emit_many(conn, alerted)
            events = len(alerted)
        await conn.execute(DONE_SQL, [j["id"] for j in jobs])
        log.debug("alert jobs checked", jobs=len(jobs), candidates=len(candidates), events=events)
        return len(jobs)
