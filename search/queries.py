"""Listing search: typed parameters in, a Meilisearch query out, plain dicts back."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Literal

from meilisearch_python_sdk import AsyncClient

from search.filters import FilterBuilder

__all__ = ["FACETS", "ListingQuery", "build_listing_filter", "search_listings"]

FACETS = ["side", "hs_chapter", "origin_country", "destination_country", "incoterm"]
_SORTS = {
    "created_at": "created_at_ts:desc",
    "-created_at": "created_at_ts:desc",
    "+created_at": "created_at_ts:asc",
    "price": "price_amount:asc",
    "+price": "price_amount:asc",
    "-price": "price_amount:desc",
}
SortKey = Literal["created_at", "+created_at", "-created_at", "price", "+price", "-price"]
_RETRIEVE = [
    "id",
    "side",
    "title",
    "description",
    "hs_code",
    "hs_description",
    "quantity",
    "price",
    "incoterm",
    "origin",
    "destination",
    "transport_modes",
    "organization",
    "expires_at",
    "created_at",
]


@dataclass(frozen=True)
class Near:
    """A circle on the map: centre and radius in km."""

    lat: float
    lon: float
    km: float


@dataclass(frozen=True)
class ListingQuery:
    """A listing search as the API understood it. Every value is typed and validated."""

    q: str = ""
    side: str | None = None
    hs_code: str | None = None
    origin_country: str | None = None
    destination_country: str | None = None
    incoterm: str | None = None
    transport_mode: str | None = None
    near: Near | None = None
    sort: SortKey | None = None
    limit: int = 20
    offset: int = 0
    organization_id: str | None = None


def build_listing_filter(query: ListingQuery, *, now: float | None = None) -> str:
    """(server part: active and unexpired) AND (the caller's typed filters)."""
    f = FilterBuilder()
    f.equals("status", "active")
    f.greater_than("expires_at_ts", int(time.time() if now is None else now))
    if query.side:
        f.equals("side", query.side)
    if query.hs_code:
        attribute = {2: "hs_chapter", 4: "hs_heading", 6: "hs_code"}[len(query.hs_code)]
        f.equals(attribute, query.hs_code)
    if query.origin_country:
        f.equals("origin_country", query.origin_country)
    if query.destination_country:
        f.equals("destination_country", query.destination_country)
    if query.incoterm:
        f.equals("incoterm", query.incoterm)
    if query.transport_mode:
        f.equals("transport_modes", query.transport_mode)
    if query.organization_id:
        f.equals("organization_id", query.organization_id)
    if query.near:
        f.within(query.near.lat, query.near.lon, int(query.near.km * 1000))
    built = f.build()
    assert built is not None
    return built


async def search_listings(client: AsyncClient, index_uid: str, query: ListingQuery) -> dict[str, Any]:
    """Run a listing search; returns hits, facet counts and the estimated total."""
    index = client.index(index_uid)
    result = await index.search(
        query.q or None,
        filter=build_listing_filter(query),
        facets=FACETS,
        sort=[_SORTS[query.sort]] if query.sort else None,
        limit=query.limit,
        offset=query.offset,
        attributes_to_retrieve=_RETRIEVE,
    )
    distribution = result.facet_distribution or {}
    return {
        "hits": result.hits,
        "facets": {name: distribution.get(name, {}) for name in FACETS},
        "estimated_total": result.estimated_total_hits or 0,
        "limit": query.limit,
        "offset": query.offset,
    }
