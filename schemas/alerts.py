"""Saved searches (alerts): a named set of listing-search filters, and the views of one."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from schemas.common import TEXT_PATTERN
from schemas.filters import ListingFilters

__all__ = ["Alert", "AlertCreate", "AlertFilters", "AlertList"]

AlertName = Annotated[
    str,
    msgspec.Meta(min_length=1, max_length=100, pattern=TEXT_PATTERN, examples=["Flour into Uzbekistan"]),
]


class AlertFilters(ListingFilters, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    """The filters of ``GET /v1/listings``, with the same rules; every one given must hold."""


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
