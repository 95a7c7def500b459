"""The query parameters of ``GET /v1/listings``, and the search any set of filters stands for.

The filters themselves are ``schemas.filters.ListingFilters``; the parameters below take them
from the query string in the same order (the document lists them so), with paging and sort."""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

import msgspec
from litestar.di import Provide
from litestar.params import QueryParameter

from market.params import not_null
from market.places import canonical_place_id, near_places
from schemas.common import (
    COUNTRY_PATTERN,
    HS_PREFIX_PATTERN,
    INCOTERM_PATTERN,
    NEAR_PATTERN,
    PLACE_ID_PATTERN,
    TEXT_PATTERN,
    TransportMode,
)
from schemas.filters import FILTER_NAMES, ListingFilters
from search.queries import ListingQuery, SortKey

__all__ = ["listing_query", "listing_query_dependency", "provide_listing_query", "search_of"]

Country = Annotated[
    str | None,
    QueryParameter(pattern=COUNTRY_PATTERN, description="ISO 3166-1 alpha-2", schema_extra=not_null(str)),
]

PlaceIdParameter = Annotated[
    str | None,
    QueryParameter(
        pattern=PLACE_ID_PATTERN,
        max_length=40,
        description="A place id from GET /v1/places (UN/LOCODE or GN-<geonameid>), e.g. UZKOK",
        schema_extra=not_null(str),
    ),
]


def listing_query(filters: ListingFilters, place_ids: tuple[str, ...] | None, **more: Any) -> ListingQuery:
    """The search ``filters`` stand for; ``near`` arrives as the known places inside it, and
    ``more`` sets what is not a filter (paging, sort, whose listings)."""
    given = {name: getattr(filters, name) for name in FILTER_NAMES if name != "near"}
    return ListingQuery(**given, place_ids=place_ids, **more)


def provide_listing_query(
    q: Annotated[
        str,
        QueryParameter(max_length=200, pattern=TEXT_PATTERN, description="Free text, any language (no NUL)"),
    ] = "",
    side: Annotated[
        Literal["offer", "demand"] | None,
        QueryParameter(schema_extra=not_null(str, enum=("offer", "demand"))),
    ] = None,
    hs_code: Annotated[
        str | None,
        QueryParameter(
            pattern=HS_PREFIX_PATTERN,
            description="HS prefix: 2, 4 or 6 digits",
            schema_extra=not_null(str),
        ),
    ] = None,
    origin_country: Country = None,
    destination_country: Country = None,
    origin_place: PlaceIdParameter = None,
    destination_place: PlaceIdParameter = None,
    incoterm: Annotated[
        str | None, QueryParameter(pattern=INCOTERM_PATTERN, schema_extra=not_null(str))
    ] = None,
    transport_mode: Annotated[
        TransportMode | None,
        QueryParameter(schema_extra=not_null(str, enum=get_args(TransportMode))),
    ] = None,
    near: Annotated[
        str | None,
        QueryParameter(
            pattern=NEAR_PATTERN,
            schema_extra=not_null(str),
            max_length=64,
            description=(
                "Circle as lat,lon,km: latitude -90..90, longitude -180..180,"
                " radius over 0 and at most 5000 km, e.g. 41.31,69.28,300"
            ),
        ),
    ] = None,
    sort: Annotated[
        SortKey | None,
        QueryParameter(
            description="created_at (newest first) or price",
            schema_extra=not_null(str, enum=get_args(SortKey)),
        ),
    ] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
    offset: Annotated[int, QueryParameter(ge=0, le=9900)] = 0,
) -> ListingQuery:
    """The listing search the query string asks for (its parameters are the handler's, to the
    document and to validation alike)."""
    filters = ListingFilters(
        q=q.strip(),
        side=side,
        hs_code=hs_code,
        origin_country=origin_country,
        destination_country=destination_country,
        origin_place=origin_place,
        destination_place=destination_place,
        incoterm=incoterm,
        transport_mode=transport_mode,
        near=near,
    )
    return search_of(filters, sort=sort, limit=limit, offset=offset)


def search_of(filters: ListingFilters, **more: Any) -> ListingQuery:
    """The search valid ``filters`` ask for, from a query string (the API's or a web page's):
    place ids as the index holds them (an old id becomes today's; a saved alert is checked
    likewise), ``near`` as the known places inside it."""
    filters = msgspec.structs.replace(
        filters,
        origin_place=canonical_place_id("origin_place", filters.origin_place),
        destination_place=canonical_place_id("destination_place", filters.destination_place),
    )
    place_ids = near_places(filters.near) if filters.near else None
    return listing_query(filters, place_ids, **more)


listing_query_dependency = Provide(provide_listing_query, sync_to_thread=False)
