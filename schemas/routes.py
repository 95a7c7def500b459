"""Routes across the region's borders: what ``GET /v1/routes`` and the crossing endpoints return."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from schemas.common import TEXT_PATTERN

__all__ = [
    "CrossingStatus",
    "CrossingStatusUpdate",
    "CrossingView",
    "Leg",
    "Route",
    "RouteCrossing",
    "RouteMode",
    "RoutePlace",
    "Routes",
]

RouteMode = Literal["road", "rail"]
CrossingStatus = Literal["open", "restricted", "closed"]


class Leg(msgspec.Struct, frozen=True, kw_only=True):
    from_: str = msgspec.field(name="from")
    to: str
    mode: RouteMode
    km: float
    hours: float
    estimate: bool


class RouteCrossing(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    exit_country: str
    entry_country: str
    exit_name: str
    entry_name: str
    mode: RouteMode
    clearance_hours: float
    status: str
    note: str


class Route(msgspec.Struct, frozen=True, kw_only=True):
    origin: str
    destination: str
    countries: tuple[str, ...]
    """Countries in travel order, the origin's and the destination's included."""
    crossings: tuple[RouteCrossing, ...]
    legs: tuple[Leg, ...]
    km: float
    road_hours: float
    rail_hours: float
    clearance_hours: float
    transfer_hours: float
    """Reloading between rail and road at a hub."""
    hours: float
    days: float
    restricted: bool
    """The route passes a crossing whose status is ``restricted``: confirm it is open before shipping."""
    estimate: bool

    @property
    def transit_countries(self) -> tuple[str, ...]:
        return self.countries[1:-1]


class RoutePlace(msgspec.Struct, frozen=True, kw_only=True):
    """A place a route starts or ends at, as the request named it and as it was resolved."""

    id: str
    name: str
    country: str
    matched: str
    """How the request's value was resolved: ``id``, ``old_id`` (an id the place had before),
    ``name``, ``former_name`` (Frunze, Leninabad), ``transliteration`` (another alphabet or
    spelling) or ``ambiguous_name`` (several towns share it: the most populous is taken)."""


class Routes(msgspec.Struct, kw_only=True):
    """Up to k alternative routes, fastest first; they differ in crossings or transit countries."""

    origin: RoutePlace
    destination: RoutePlace
    modes: list[RouteMode]
    routes: list[Route]


class CrossingView(msgspec.Struct, kw_only=True):
    """A border crossing point with its current status."""

    id: str
    countries: list[str]
    names: dict[str, str]
    modes: list[RouteMode]
    lat: float
    lon: float
    clearance_hours: dict[str, float]
    status: CrossingStatus
    note: str
    source: str
    estimate: bool
    status_updated_at: datetime | None
    """When an admin or a chamber last set the status (null: as shipped in the reference data)."""


class CrossingStatusUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A new status for a crossing; it changes routes and matches at once."""

    status: CrossingStatus
    note: Annotated[str, msgspec.Meta(max_length=500, pattern=TEXT_PATTERN)] = ""
