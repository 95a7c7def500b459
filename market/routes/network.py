"""The route network: hubs, border crossings and the road and rail links between them.

Loaded from ``data/routes.json`` and its hubs in ``data/places.json``, checked on load, and turned
into a ``networkx.MultiDiGraph`` whose nodes are place ids and crossing ids and whose edges are
links, one edge per direction.

The data files name places by the ids they were written with (``X-KZ-KOSTANAI``); on load each
place that is a town of the gazetteer takes its gazetteer id (``KZKSN``, ``GN-1519030``) through
the gazetteer's aliases, so routes, listings and ``/v1/places`` speak the same ids. Places that are
no town (the Khorgos dry port, the Hairatan border post) keep their own ids.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from functools import lru_cache
from importlib import resources
from typing import Annotated, Literal

import msgspec
import networkx as nx

from market.geography import place_index
from schemas.common import CountryCode

__all__ = [
    "MODES",
    "Crossing",
    "Link",
    "Mode",
    "NetworkPlace",
    "RouteDataError",
    "RouteNetwork",
    "load_network",
    "network_graph",
    "parse_network",
]

Mode = Literal["road", "rail"]
MODES: tuple[Mode, ...] = ("road", "rail")
PLACE_KINDS = frozenset({"city", "border_crossing", "dry_port"})

PositiveFloat = Annotated[float, msgspec.Meta(gt=0)]
Latitude = Annotated[float, msgspec.Meta(ge=-90, le=90)]
Longitude = Annotated[float, msgspec.Meta(ge=-180, le=180)]
NonEmpty = Annotated[str, msgspec.Meta(min_length=1)]


class RouteDataError(ValueError):
    """The route data contradicts itself (a dangling link, a one-country crossing, ...)."""


class PlaceNames(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    en: NonEmpty
    ru: str | None = None
    local: str | None = None
    alt: tuple[str, ...] = ()


class NetworkPlace(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A hub of the network: a town (a gazetteer place), a dry port or a border post."""

    id: NonEmpty
    country: CountryCode
    kind: str = "city"
    names: PlaceNames
    lat: Latitude
    lon: Longitude
    source: str = ""
    estimate: bool = False


class Crossing(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A border crossing point: one node for both sides of the border."""

    id: NonEmpty
    countries: tuple[CountryCode, CountryCode]
    """The two countries it joins."""
    names: dict[CountryCode, NonEmpty]
    """The name each side uses, by country."""
    modes: tuple[Mode, ...]
    lat: Latitude
    lon: Longitude
    clearance_hours: dict[Mode, PositiveFloat]
    """Typical time to clear the crossing, by mode."""
    status: Literal["open", "restricted", "closed"] = "open"
    """``closed`` crossings are never routed; ``restricted`` ones are, with a flag on the route."""
    note: str = ""
    source: NonEmpty
    estimate: bool
    """True when any value in the row (coordinates, clearance) is an estimate or a proxy."""


class Link(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A road or rail connection between two places, or between a place and a crossing."""

    from_: NonEmpty = msgspec.field(name="from")
    to: NonEmpty
    mode: Mode
    km: PositiveFloat
    hours: PositiveFloat
    """Typical travel time, stops included, border clearance excluded."""
    source: NonEmpty
    estimate: bool


class _RoutesFile(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    places: list[NetworkPlace] = []
    crossings: list[Crossing] = []
    links: list[Link] = []


class RouteNetwork(msgspec.Struct, frozen=True, kw_only=True):
    """The whole network, checked: every link endpoint exists and every crossing joins two countries."""

    places: dict[str, NetworkPlace]
    crossings: dict[str, Crossing]
    links: tuple[Link, ...]
    version: str
    """A digest of the data: caches of derived structures are keyed on it."""


def parse_network(
    routes_json: bytes, hubs: Iterable[NetworkPlace] = (), aliases: Mapping[str, str] | None = None
) -> RouteNetwork:
    """Decode ``routes.json``, join it with ``hubs`` (more places) and check it; ``RouteDataError``
    if inconsistent. ``aliases`` renames place ids (old id -> gazetteer id) in places and links."""
    try:
        data = msgspec.json.decode(routes_json, type=_RoutesFile)
    except msgspec.ValidationError as exc:
        raise RouteDataError(f"routes data: {exc}") from exc
    if aliases:
        data = _renamed(data, aliases)
        hubs = [msgspec.structs.replace(p, id=aliases.get(p.id, p.id)) for p in hubs]
    places: dict[str, NetworkPlace] = {}
    problems: list[str] = []
    for place in [*hubs, *data.places]:
        if place.id in places:
            problems.append(f"place {place.id!r} is defined twice")
        places[place.id] = place
    crossings: dict[str, Crossing] = {}
    for crossing in data.crossings:
        if crossing.id in crossings or crossing.id in places:
            problems.append(f"crossing id {crossing.id!r} is already taken")
        crossings[crossing.id] = crossing
    problems += _place_problems(data.places)
    problems += [p for c in data.crossings for p in _crossing_problems(c)]
    problems += [p for link in data.links for p in _link_problems(link, places, crossings)]
    problems += _unconnected_sides(data.links, places, crossings)
    if problems:
        raise RouteDataError("routes data: " + "; ".join(problems))
    digest = hashlib.blake2b(routes_json, digest_size=8)
    digest.update(msgspec.json.encode([places[key] for key in sorted(places)]))
    return RouteNetwork(
        places=places, crossings=crossings, links=tuple(data.links), version=digest.hexdigest()
    )


def _renamed(data: _RoutesFile, aliases: Mapping[str, str]) -> _RoutesFile:
    def new(place_id: str) -> str:
        return aliases.get(place_id, place_id)

    return _RoutesFile(
        places=[msgspec.structs.replace(p, id=new(p.id)) for p in data.places],
        crossings=data.crossings,
        links=[msgspec.structs.replace(x, from_=new(x.from_), to=new(x.to)) for x in data.links],
    )


def _place_problems(places: list[NetworkPlace]) -> list[str]:
    problems = []
    for place in places:
        if place.kind not in PLACE_KINDS:
            problems.append(f"place {place.id!r}: unknown kind {place.kind!r}")
        if not place.source:
            problems.append(f"place {place.id!r}: no source")
    return problems


def _crossing_problems(crossing: Crossing) -> list[str]:
    where = f"crossing {crossing.id!r}"
    problems = []
    if crossing.countries[0] == crossing.countries[1]:
        problems.append(f"{where} joins {crossing.countries[0]} to itself")
    if set(crossing.names) != set(crossing.countries):
        problems.append(f"{where} needs one name per country {list(crossing.countries)}")
    if not crossing.modes or len(set(crossing.modes)) != len(crossing.modes):
        problems.append(f"{where} needs distinct modes")
    if set(crossing.clearance_hours) != set(crossing.modes):
        problems.append(f"{where} needs clearance hours for exactly its modes {list(crossing.modes)}")
    return problems


def _link_problems(link: Link, places: dict[str, NetworkPlace], crossings: dict[str, Crossing]) -> list[str]:
    where = f"link {link.from_!r} -> {link.to!r} ({link.mode})"
    ends = (link.from_, link.to)
    missing = [end for end in ends if end not in places and end not in crossings]
    if missing:
        return [f"{where}: unknown endpoint {', '.join(map(repr, missing))}"]
    if link.from_ == link.to:
        return [f"{where} is a loop"]
    border = [crossings[end] for end in ends if end in crossings]
    countries = [places[end].country for end in ends if end in places]
    if len(border) == 2:
        return [f"{where} joins two crossings; a hub must lie between them"]
    if not border:
        if countries[0] != countries[1]:
            return [f"{where} crosses {countries[0]}-{countries[1]} without a crossing"]
        return []
    crossing, country = border[0], countries[0]
    if country not in crossing.countries:
        return [f"{where}: {country} is not a side of crossing {crossing.id!r}"]
    if link.mode not in crossing.modes:
        return [f"{where}: crossing {crossing.id!r} has no {link.mode} clearance"]
    return []


def _unconnected_sides(
    links: Iterable[Link], places: dict[str, NetworkPlace], crossings: dict[str, Crossing]
) -> list[str]:
    """Each crossing must be reachable by each of its modes from both countries, or it can never be used."""
    sides = set()
    for link in links:
        for here, there in ((link.from_, link.to), (link.to, link.from_)):
            if here in crossings and there in places:
                sides.add((here, link.mode, places[there].country))
    return [
        f"crossing {c.id!r} has no {mode} link on the {country} side"
        for c in crossings.values()
        for mode in c.modes
        for country in c.countries
        if (c.id, mode, country) not in sides
    ]


@lru_cache(maxsize=1)
def load_network() -> RouteNetwork:
    """The network shipped with the package (``places.json`` hubs plus ``routes.json``), on
    gazetteer ids, loaded once."""
    data = resources.files("market") / "data"
    hubs = msgspec.json.decode((data / "places.json").read_bytes(), type=list[NetworkPlace])
    return parse_network((data / "routes.json").read_bytes(), hubs, place_index().aliases)


_GRAPHS: dict[str, nx.MultiDiGraph] = {}


def network_graph(network: RouteNetwork) -> nx.MultiDiGraph:
    """Nodes are place and crossing ids; each link is an edge in both directions, keyed by mode.

    Built once per network version. Treat the result as read-only: it is shared.
    """
    graph = _GRAPHS.get(network.version)
    if graph is None:
        graph = nx.MultiDiGraph(version=network.version)
        for place in network.places.values():
            graph.add_node(place.id, kind="place", country=place.country)
        for crossing in network.crossings.values():
            graph.add_node(crossing.id, kind="crossing", countries=crossing.countries)
        for link in network.links:
            for a, b in ((link.from_, link.to), (link.to, link.from_)):
                graph.add_edge(a, b, mode=link.mode, hours=link.hours, km=link.km, link=link)
        if len(_GRAPHS) >= 4:  # one network in practice; a few in tests
            _GRAPHS.pop(next(iter(_GRAPHS)))
        _GRAPHS[network.version] = graph
    return graph
