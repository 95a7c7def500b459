"""A route drawn as SVG from its places' coordinates: no map tiles, nothing fetched.

The projection is equirectangular, scaled by the cosine of the middle latitude so that a degree
of longitude is as long as it is on the ground there; at Central Asia's latitudes (35-55 N) over a
few thousand km that is close enough to read a route by. The drawing is data (points in the
view box); the template writes the SVG, so every name is escaped like any other text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from market.geography import place_index
from market.routes.network import RouteNetwork
from schemas.routes import Route

__all__ = ["Drawing", "Mark", "Stroke", "draw_route"]

WIDTH, HEIGHT, MARGIN = 640.0, 400.0, 36.0


@dataclass(frozen=True)
class Mark:
    """A place or a crossing: where it is drawn and what it is called."""

    x: float
    y: float
    name: str
    kind: str
    """``end`` (origin or destination), ``hub``, or a crossing's status (``open``, ``restricted``...)."""
    note: str = ""


@dataclass(frozen=True)
class Stroke:
    """One leg: a line from place to place, by road or rail."""

    x1: float
    y1: float
    x2: float
    y2: float
    mode: str
    access: bool
    """An estimated first or last mile, between a town and the network."""


@dataclass(frozen=True)
class Drawing:
    width: float
    height: float
    strokes: list[Stroke]
    marks: list[Mark]


def _where(network: RouteNetwork, place_id: str) -> tuple[float, float, str] | None:
    """(lat, lon, name) of a hub, a crossing or any town of the gazetteer."""
    if (hub := network.places.get(place_id)) is not None:
        return hub.lat, hub.lon, hub.names.en
    if (crossing := network.crossings.get(place_id)) is not None:
        return crossing.lat, crossing.lon, crossing.id
    if (town := place_index().get(place_id)) is not None:
        return town.lat, town.lon, town.names.en
    return None


def draw_route(network: RouteNetwork, route: Route, names: dict[str, str] | None = None) -> Drawing | None:
    """The route's legs and crossings in a WIDTH x HEIGHT box; None if a place has no coordinates.
    ``names`` overrides place names by id (the page's language)."""
    names = names or {}
    points: dict[str, tuple[float, float, str]] = {}
    for leg in route.legs:
        for place_id in (leg.from_, leg.to):
            if place_id not in points:
                found = _where(network, place_id)
                if found is None:
                    return None
                points[place_id] = found
    for crossing in route.crossings:
        found = _where(network, crossing.id)
        if found is not None:
            points[crossing.id] = (found[0], found[1], f"{crossing.exit_name} / {crossing.entry_name}")
    if not points:
        return None
    lats = [p[0] for p in points.values()]
    lons = [p[1] for p in points.values()]
    squeeze = math.cos(math.radians((min(lats) + max(lats)) / 2))
    span_x = max((max(lons) - min(lons)) * squeeze, 0.5)
    span_y = max(max(lats) - min(lats), 0.5)
    scale = min((WIDTH - 2 * MARGIN) / span_x, (HEIGHT - 2 * MARGIN) / span_y)
    left = MARGIN + ((WIDTH - 2 * MARGIN) - span_x * scale) / 2
    top = MARGIN + ((HEIGHT - 2 * MARGIN) - span_y * scale) / 2

    def xy(place_id: str) -> tuple[float, float]:
        lat, lon, _ = points[place_id]
        return (
            round(left + (lon - min(lons)) * squeeze * scale, 1),
            round(top + (max(lats) - lat) * scale, 1),
        )

    on_network = network.places.keys() | network.crossings.keys()
    strokes = [
        Stroke(
            *xy(leg.from_),
            *xy(leg.to),
            mode=leg.mode,
            access=leg.from_ not in on_network or leg.to not in on_network,
        )
        for leg in route.legs
        if leg.from_ != leg.to
    ]
    ends = {route.origin, route.destination}
    marks = [
        Mark(*xy(pid), name=names.get(pid, points[pid][2]), kind="end" if pid in ends else "hub")
        for pid in points
        if pid not in {c.id for c in route.crossings}
    ]
    marks += [
        Mark(*xy(c.id), name=points[c.id][2], kind=c.status, note=c.note)
        for c in route.crossings
        if c.id in points
    ]
    return Drawing(WIDTH, HEIGHT, strokes, marks)
