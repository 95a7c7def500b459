"""The listing-search filters, declared once: ``GET /v1/listings`` takes them as query
parameters, a saved search (alert) keeps them as its body, and both become the same search."""

from __future__ import annotations

from typing import Annotated

import msgspec

from schemas.common import (
    NEAR_PATTERN,
    TEXT_PATTERN,
    CountryCode,
    HsPrefix,
    IncotermCode,
    PlaceId,
    TransportMode,
)
from schemas.listings import ListingSide

__all__ = ["FILTER_NAMES", "ListingFilters", "NearCircle", "SearchText"]

SearchText = Annotated[
    str,
    msgspec.Meta(
        max_length=200, pattern=TEXT_PATTERN, description="Free text, any language", examples=["мука"]
    ),
]
NearCircle = Annotated[
    str,
    msgspec.Meta(
        max_length=64,
        pattern=NEAR_PATTERN,
        description="lat,lon,km: listings located at a known place inside this circle",
        examples=["39.65,66.96,300"],
    ),
]


class ListingFilters(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    """The filters of a listing search; every one given must hold."""

    q: SearchText = ""
    """Every word must be found (typo-tolerant, in any of the region's languages)."""
    side: ListingSide | None = None
    hs_code: HsPrefix | None = None
    origin_country: CountryCode | None = None
    destination_country: CountryCode | None = None
    origin_place: PlaceId | None = None
    """Only listings whose origin is this place (an id from ``GET /v1/places``)."""
    destination_place: PlaceId | None = None
    """Only listings whose destination is this place."""
    incoterm: IncotermCode | None = None
    transport_mode: TransportMode | None = None
    near: NearCircle | None = None
    """A circle; search itself is given the known places inside it."""


FILTER_NAMES: tuple[str, ...] = ListingFilters.__struct_fields__
"""The filters by name, in the order they are documented."""
