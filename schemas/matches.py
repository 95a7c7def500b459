"""Counterparty suggestions: a listing's matches, each with its score parts and route."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

import msgspec

from schemas.listings import Listing

__all__ = ["Match", "MatchEvent", "MatchInbox", "MatchRoute", "Matches", "ScoreParts"]


class ScoreParts(msgspec.Struct, kw_only=True):
    """Each part is 0..1; the score is their weighted sum (docs/matching.md)."""

    commodity: float
    route: float
    quantity: float
    price: float
    timing: float
    trust: float
    freshness: float
    responsiveness: float
    """How the counterpart answers introduction requests; 0.5 (neutral) without enough history."""


class MatchRoute(msgspec.Struct, kw_only=True):
    """The route the goods would travel: from the offer's origin to the demand's destination."""

    origin: str
    origin_resolved_by: str
    """How the listing's location was resolved (its ``resolved_by``: ``id``, ``name``,
    ``nearest``...), or ``country``: nothing but the country to go on, so the route starts at
    the country's main hub."""
    destination: str
    destination_resolved_by: str
    countries: list[str]
    crossings: list[str]
    """Crossing names in order, each as ``exit side/entry side``."""
    crossing_ids: list[str]
    modes: list[str]
    km: float
    days: float
    restricted: bool


class Match(msgspec.Struct, kw_only=True):
    """One suggested counterpart listing."""

    listing: Listing
    score: float
    parts: ScoreParts
    route: MatchRoute | None
    flags: list[str]
    """Warnings that do not exclude the match, e.g. ``sea_incoterm_on_landlocked_lane``."""
    explanation: str


class Matches(msgspec.Struct, kw_only=True):
    """Suggestions for one listing, best first."""

    listing_id: UUID
    rates_as_of: date
    """Prices are compared in USD with the rates of this date."""
    matches: list[Match]


class MatchEvent(msgspec.Struct, kw_only=True):
    """A counterpart found for one of your listings."""

    id: int
    created_at: datetime
    listing_id: UUID
    """Your listing."""
    counterpart: Listing
    score: float
    explanation: str


class MatchInbox(msgspec.Struct, kw_only=True):
    """Newest first. Pass ``next_cursor`` as ``cursor`` for the next page; null means the end."""

    events: list[MatchEvent]
    next_cursor: str | None
