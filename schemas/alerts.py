"""Saved searches (alerts): a named set of listing-search filters, and the views of one."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from schemas.common import NEAR_PATTERN, TEXT_PATTERN, CountryCode, HsPrefix, IncotermCode, TransportMode
from schemas.listings import ListingSide

__all__ = ["Alert", "AlertCreate", "AlertFilters", "AlertList"]

AlertName = Annotated[
    str,
    msgspec.Meta(min_length=1, max_length=100, pattern=TEXT_PATTERN, examples=["Flour into Uzbekistan"]),
]
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


class AlertFilters(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    """The filters of ``GET /v1/listings``, with the same rules; every one given must hold."""

    q: SearchText = ""
    """Every word must be found (typo-tolerant, in any of the region's languages)."""
    side: ListingSide | None = None
    hs_code: HsPrefix | None = None
    origin_country: CountryCode | None = None
    destination_country: CountryCode | None = None
    incoterm: IncotermCode | None = None
    transport_mode: TransportMode | None = None
    near: NearCircle | None = None


class AlertCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A new saved search: new listings of other organizations that fit it raise ``alert.matched``."""

    name: AlertName
    filters: AlertFilters


class Alert(msgspec.Struct, kw_only=True):
    """A saved search of yours."""

    id: UUID
    name: str
    filters: AlertFilters
    matched: int
    """How many listings it has reported so far (each one once)."""
    created_at: datetime


class AlertList(msgspec.Struct, kw_only=True):
    """Your saved searches, oldest first."""

    alerts: list[Alert]
    max_alerts: int
    """How many an organization may keep."""
