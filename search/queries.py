"""Listing search: typed parameters in, a Meilisearch query out, response Structs back."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Literal

import msgspec

from schemas.listings import Facets, SearchHit, SearchResults
from search.client import SearchReader
from search.filters import FilterBuilder

__all__ = [
    "FACETS",
    "ListingQuery",
    "SortKey",
    "build_listing_filter",
    "listing_search_body",
    "search_ids",
    "search_listings",
]

FACETS = ["side", "hs_chapter", "origin_country", "destination_country", "incoterm", "transport_modes"]
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
class ListingQuery:
    """A listing search as the API understood it. Every value is typed and validated."""

    q: str = ""
    side: str | None = None
    hs_code: str | None = None
    origin_country: str | None = None
    destination_country: str | None = None
    origin_place: str | None = None
    destination_place: str | None = None
    incoterm: str | None = None
    transport_mode: str | None = None
    place_ids: tuple[str, ...] | None = None
    """Only listings located at one of these places (how `near=lat,lon,km` arrives here)."""

    @property
    def matches_nothing(self) -> bool:
        """A `near` circle with no known place in it: no need to ask Meilisearch."""
        return self.place_ids is not None and not self.place_ids

    sort: SortKey | None = None
    limit: int = 20
    offset: int = 0
    organization_id: str | None = None
    exclude_organization_id: str | None = None
    # Set by matching only, never from a client: a counterpart's countries must fit.
    origin_country_in: tuple[str, ...] | None = None
    """Only listings whose origin is in one of these countries, or that give no origin."""
    destination_country_in: tuple[str, ...] | None = None
    """Only listings whose destination is in one of these countries, or that give none."""
    serves_country: str | None = None
    """Only listings whose ``target_countries`` name this country, or name none."""
    one_per_organization: bool = False
    """At most one listing per organization: its best-ranked (Meilisearch's ``distinct``)."""


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
    if query.origin_place:
        f.equals("origin_place", query.origin_place)
    if query.destination_place:
        f.equals("destination_place", query.destination_place)
    if query.incoterm:
        f.equals("incoterm", query.incoterm)
    if query.transport_mode:
        f.equals("transport_modes", query.transport_mode)
    if query.organization_id:
        f.equals("organization_id", query.organization_id)
    if query.exclude_organization_id:
        f.differs("organization_id", query.exclude_organization_id)
    if query.place_ids:
        f.one_of("place_id", query.place_ids)
    if query.origin_country_in:
        f.one_of_or_null("origin_country", query.origin_country_in)
    if query.destination_country_in:
        f.one_of_or_null("destination_country", query.destination_country_in)
    if query.serves_country:
        f.holds_or_empty("target_countries", query.serves_country)
    built = f.build()
    assert built is not None
    return built


class _MeiliResponse(msgspec.Struct, rename="camel"):
    hits: list[SearchHit]
    estimated_total_hits: int = 0
    facet_distribution: dict[str, dict[str, int]] = {}


def listing_search_body(
    query: ListingQuery, *, now: float | None = None, ids_only: bool = False
) -> dict[str, Any]:
    """The JSON body the API sends to ``POST /indexes/{uid}/search`` for a listing query.

    ``ids_only`` asks for the hits' ids and nothing else: no facets, no stored fields.
    """
    body: dict[str, Any] = {
        "filter": build_listing_filter(query, now=now),
        "limit": query.limit,
        "offset": query.offset,
        "attributesToRetrieve": ["id"] if ids_only else _RETRIEVE,
    }
    if not ids_only:
        body["facets"] = FACETS
    if query.q:
        body["q"] = query.q
    if query.sort:
        body["sort"] = [_SORTS[query.sort]]
    if query.one_per_organization:
        body["distinct"] = "organization_id"
    return body


async def search_listings(reader: SearchReader, index_uid: str, query: ListingQuery) -> SearchResults:
    """Run a listing search; returns hits, facet counts and the estimated total.

    This is the hot path, so it posts the body through the lean ``SearchReader`` and decodes
    the answer straight into the response Structs with msgspec, instead of through the SDK's
    pydantic models. Raises ``SearchUnavailable`` when Meilisearch cannot answer.
    """
    if query.matches_nothing:
        empty = Facets(**{name: {} for name in FACETS})
        return SearchResults(hits=[], facets=empty, estimated_total=0, limit=query.limit, offset=query.offset)
    found = _decode(await reader.search(index_uid, _encode(listing_search_body(query))))
    return SearchResults(
        hits=found.hits,
        facets=Facets(**{name: found.facet_distribution.get(name, {}) for name in FACETS}),
        estimated_total=found.estimated_total_hits,
        limit=query.limit,
        offset=query.offset,
    )


class _IdHit(msgspec.Struct):
    id: str


class _IdsResponse(msgspec.Struct):
    hits: list[_IdHit]


async def search_ids(reader: SearchReader, index_uid: str, query: ListingQuery) -> list[str]:
    """Only the ids of the hits: no facets, no stored fields (matching reads the rows from
    PostgreSQL, the source of truth, so asking Meilisearch for more is wasted work on both sides)."""
    if query.matches_nothing:
        return []
    body = _encode(listing_search_body(query, ids_only=True))
    found = msgspec.json.decode(await reader.search(index_uid, body), type=_IdsResponse)
    return [hit.id for hit in found.hits]


_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder(_MeiliResponse).decode
