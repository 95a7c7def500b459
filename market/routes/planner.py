"""Alternative routes between two places, as sequences of border crossings.

How alternatives are found. A route is the crossings it passes, in order, joined by the fastest
path inside each country. For every chain of neighbouring countries from the origin's to the
destination's (at most ``MAX_CROSSINGS`` borders, no country twice) every combination of open
crossings is priced with per-country shortest-path tables, so each candidate is a distinct
crossing sequence and small detours inside a country never count as alternatives. From the
candidates no slower than ``max(2 x fastest, fastest + 24 h)``:

1. the fastest;
2. then, fastest first, each route that avoids a transit country of every route already chosen
   (so Kostanai -> Dushanbe offers Uzbekistan *and* Kyrgyzstan before a second Uzbek variant);
3. then the fastest remaining crossing sequences, until there are ``k``.

Estimated days: ``road_hours / 10`` (a truck drives about 10 hours a day) plus
``(rail_hours + clearance_hours + transfer_hours) / 24`` (trains, border queues and reloading run
around the clock).
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field

import msgspec
import networkx as nx

from market.places import Place
from market.routes.network import MODES, Link, Mode, RouteNetwork, network_graph
from schemas.routes import Leg, Route, RouteCrossing

__all__ = ["ROAD_HOURS_PER_DAY", "TRANSFER_HOURS", "Leg", "Route", "RouteCrossing", "plan_routes"]

ROAD_HOURS_PER_DAY = 10.0
MAX_CROSSINGS = 4
SLOWER_BY_FACTOR = 2.0
SLOWER_BY_HOURS = 24.0
MAX_PARTIAL_ROUTES = 200
"""Partial routes kept per border while pricing one chain of countries: bounds the work per query."""

TRANSFER_HOURS = 12.0
"""Reloading a consignment between rail and road at a hub [E]: half a day of handling and waiting."""

_Step = tuple[str, Mode]  # (crossing id, mode)
_Node = tuple[str, str, Mode]
"""(role, id, mode): role "p" is a place, "i" entering the country by a crossing, "o" leaving by one."""


class _Candidate(msgspec.Struct, frozen=True, order=True):
    hours: float
    countries: tuple[str, ...]
    steps: tuple[_Step, ...]

    @property
    def transit(self) -> frozenset[str]:
        return frozenset(self.countries[1:-1])


def plan_routes(
    network: RouteNetwork,
    from_place_id: str,
    to_place_id: str,
    *,
    modes: Collection[str] = MODES,
    k: int = 3,
    closed: Collection[str] = frozenset(),
) -> list[Route]:
    """Up to ``k`` routes that differ in their crossings or transit countries, fastest first.

    ``closed`` names crossings to avoid on top of those whose status is ``closed``. An empty list
    means no route exists with the modes and crossings allowed.
    """
    origin, destination = _place(network, from_place_id), _place(network, to_place_id)
    if origin.id == destination.id:
        raise ValueError(f"origin and destination are the same place: {origin.id!r}")
    if k < 1:
        raise ValueError(f"k must be at least 1, not {k}")
    wanted = frozenset(modes)
    if not wanted or not wanted <= set(MODES):
        raise ValueError(f"modes must be a non-empty subset of {list(MODES)}, not {sorted(wanted)}")
    unknown = set(closed) - network.crossings.keys()
    if unknown:
        raise KeyError(f"unknown crossing id(s) in closed: {sorted(unknown)}")
    blocked = frozenset(closed) | {c.id for c in network.crossings.values() if c.status == "closed"}
    tables = _routing_tables(network, wanted)
    candidates = _candidates(tables, origin, destination, blocked)
    return [_route(network, tables, origin, destination, c) for c in _choose(candidates, k)]


def _place(network: RouteNetwork, place_id: str) -> Place:
    place = network.places.get(place_id)
    if place is None:
        hint = " (a border crossing; routes start and end at places)" if place_id in network.crossings else ""
        raise KeyError(f"unknown place id {place_id!r}{hint}")
    return place


def _ends(tables: _Tables, place: Place) -> list[_Node]:
    table = tables.countries.get(place.country)
    return [node for m in MODES if table and (node := ("p", place.id, m)) in table.dist]


def _fastest(
    tables: _Tables, country: str, froms: list[_Node], tos: list[_Node]
) -> tuple[float, _Node, _Node]:
    """The fastest way across one country between any of ``froms`` and any of ``tos`` (both non-empty)."""
    table = tables.countries[country]
    return min((table.dist.get(a, {}).get(b, math.inf), a, b) for a in froms for b in tos)


def _candidates(
    tables: _Tables, origin: Place, destination: Place, blocked: frozenset[str]
) -> list[_Candidate]:
    sources, targets = _ends(tables, origin), _ends(tables, destination)
    if not sources or not targets:
        return []
    found = []
    for countries in tables.country_chains(origin.country, destination.country, MAX_CROSSINGS):
        # (hours so far, nodes we may enter the current country at, crossings passed)
        partial: list[tuple[float, list[_Node], tuple[_Step, ...]]] = [(0.0, sources, ())]
        for here, there in itertools.pairwise(countries):
            onward = []
            for hours, entries, steps in partial:
                for crossing_id, mode, clearance in tables.gateways.get((here, there), ()):
                    if crossing_id in blocked:
                        continue
                    inside, _, _ = _fastest(tables, here, entries, [("o", crossing_id, mode)])
                    if inside < math.inf:
                        step = (crossing_id, mode)
                        onward.append((hours + inside + clearance, [("i", *step)], (*steps, step)))
            partial = sorted(onward, key=lambda p: p[0])[:MAX_PARTIAL_ROUTES]
        for hours, entries, steps in partial:
            last, _, _ = _fastest(tables, countries[-1], entries, targets)
            if last < math.inf:
                found.append(_Candidate(hours + last, countries, steps))
    return sorted(found)


def _choose(candidates: list[_Candidate], k: int) -> list[_Candidate]:
    # Road and rail through the same crossings are one alternative, not two: keep the faster.
    by_crossings: dict[tuple[str, ...], _Candidate] = {}
    for c in candidates:
        by_crossings.setdefault(tuple(x for x, _ in c.steps), c)
    unique = list(by_crossings.values())
    if not unique:
        return []
    fastest = unique[0].hours
    limit = max(fastest * SLOWER_BY_FACTOR, fastest + SLOWER_BY_HOURS)
    usable = [c for c in unique if c.hours <= limit]
    chosen = usable[:1]
    for c in usable[1:]:
        if len(chosen) < k and all(not c.transit >= other.transit for other in chosen):
            chosen.append(c)
    chosen += [c for c in usable if c not in chosen][: k - len(chosen)]
    return sorted(chosen)


def _route(network: RouteNetwork, tables: _Tables, origin: Place, destination: Place, c: _Candidate) -> Route:
    nodes: list[_Node] = []
    entries = _ends(tables, origin)
    for i, country in enumerate(c.countries):
        exits = [("o", *c.steps[i])] if i < len(c.steps) else _ends(tables, destination)
        _, start, end = _fastest(tables, country, entries, exits)
        nodes += tables.countries[country].paths[start][end]
        entries = [("i", *c.steps[i])] if i < len(c.steps) else []
    legs, transfers = [], 0
    for a, b in itertools.pairwise(nodes):
        if a[1] == b[1]:  # crossing a border, or reloading between modes at a hub
            transfers += a[0] == b[0] == "p"
            continue
        link = tables.links[(a[1], b[1], a[2])]
        legs.append(
            Leg(from_=a[1], to=b[1], mode=link.mode, km=link.km, hours=link.hours, estimate=link.estimate)
        )
    crossings = []
    for (crossing_id, mode), (out, into) in zip(c.steps, itertools.pairwise(c.countries), strict=True):
        x = network.crossings[crossing_id]
        crossings.append(
            RouteCrossing(
                id=x.id,
                exit_country=out,
                entry_country=into,
                exit_name=x.names[out],
                entry_name=x.names[into],
                mode=mode,
                clearance_hours=x.clearance_hours[mode],
                status=x.status,
                note=x.note,
            )
        )
    road = sum(leg.hours for leg in legs if leg.mode == "road")
    rail = sum(leg.hours for leg in legs if leg.mode == "rail")
    clearance = sum(x.clearance_hours for x in crossings)
    transfer = transfers * TRANSFER_HOURS
    return Route(
        origin=origin.id,
        destination=destination.id,
        countries=c.countries,
        crossings=tuple(crossings),
        legs=tuple(legs),
        km=round(sum(leg.km for leg in legs), 1),
        road_hours=round(road, 2),
        rail_hours=round(rail, 2),
        clearance_hours=round(clearance, 2),
        transfer_hours=round(transfer, 2),
        hours=round(road + rail + clearance + transfer, 2),
        days=round(road / ROAD_HOURS_PER_DAY + (rail + clearance + transfer) / 24, 1),
        restricted=any(x.status == "restricted" for x in crossings),
        estimate=any(leg.estimate for leg in legs)
        or any(network.crossings[x.id].estimate for x in crossings),
    )


# --- Shortest paths inside each country, computed once per network version and set of modes.
# Inside a country the search runs over (place, mode) states, so switching between rail and road
# at a hub costs TRANSFER_HOURS and a train never turns into a truck at a border. A crossing
# appears twice per mode: ("i", id, mode) where a route enters the country (edges out only) and
# ("o", id, mode) where it leaves (edges in only), so no path inside a country passes through one.


@dataclass(frozen=True)
class _CountryTable:
    dist: dict[_Node, dict[_Node, float]]
    paths: dict[_Node, dict[_Node, list[_Node]]]


@dataclass(frozen=True)
class _Tables:
    countries: dict[str, _CountryTable]
    links: dict[tuple[str, str, str], Link]
    """The fastest link per (from, to, mode), both directions."""
    gateways: dict[tuple[str, str], list[tuple[str, Mode, float]]]
    """(crossing id, mode, clearance hours) per ordered pair of countries, whatever the crossing's status."""
    neighbours: nx.Graph
    _chains: dict[tuple[str, str, int], list[tuple[str, ...]]] = field(default_factory=dict)

    def country_chains(self, start: str, end: str, max_borders: int) -> list[tuple[str, ...]]:
        """Each way through neighbouring countries from ``start`` to ``end``, no country twice."""
        key = (start, end, max_borders)
        if key not in self._chains:
            self._chains[key] = list(self._walk(start, end, max_borders))
        return self._chains[key]

    def _walk(self, start: str, end: str, max_borders: int) -> Iterator[tuple[str, ...]]:
        if start == end:
            yield (start,)
        elif start in self.neighbours and end in self.neighbours:
            for path in nx.all_simple_paths(self.neighbours, start, end, cutoff=max_borders):
                yield tuple(path)


_TABLES: dict[tuple[str, frozenset[str]], _Tables] = {}


def _routing_tables(network: RouteNetwork, modes: frozenset[str]) -> _Tables:
    """The tables for these modes, built on first use for each network version."""
    key = (network.version, modes)
    tables = _TABLES.get(key)
    if tables is None:
        tables = _build(network, modes)
        if len(_TABLES) >= 12:  # three sets of modes per network; a few networks in tests
            _TABLES.pop(next(iter(_TABLES)))
        _TABLES[key] = tables
    return tables


def _build(network: RouteNetwork, modes: frozenset[str]) -> _Tables:
    graph = network_graph(network)
    links: dict[tuple[str, str, str], Link] = {}
    for a, b, data in graph.edges(data=True):
        key = (a, b, data["mode"])
        if data["mode"] in modes and (key not in links or data["hours"] < links[key].hours):
            links[key] = data["link"]
    inside: dict[str, nx.DiGraph] = defaultdict(nx.DiGraph)
    for (a, b, mode), link in links.items():
        if a in network.places and b in network.places:
            country, u, v = network.places[a].country, ("p", a, mode), ("p", b, mode)
        elif a in network.places:
            country, u, v = network.places[a].country, ("p", a, mode), ("o", b, mode)
        else:
            country, u, v = network.places[b].country, ("i", a, mode), ("p", b, mode)
        inside[country].add_edge(u, v, weight=link.hours)
    for g in inside.values():
        hubs = [n for n in g if n[0] == "p" and n[2] == "road" and ("p", n[1], "rail") in g]
        for road in hubs:
            rail = ("p", road[1], "rail")
            g.add_edge(road, rail, weight=TRANSFER_HOURS)
            g.add_edge(rail, road, weight=TRANSFER_HOURS)
    countries = {}
    for country, g in inside.items():
        dist, paths = {}, {}
        for source in g:
            if source[0] != "o":
                dist[source], paths[source] = nx.single_source_dijkstra(g, source, weight="weight")
        countries[country] = _CountryTable(dist=dist, paths=paths)
    gateways: dict[tuple[str, str], list[tuple[str, Mode, float]]] = defaultdict(list)
    neighbours = nx.Graph()
    for crossing in network.crossings.values():
        neighbours.add_edge(*crossing.countries)
        for mode in crossing.modes:
            if mode in modes:
                a, b = crossing.countries
                hours = crossing.clearance_hours[mode]
                gateways[(a, b)].append((crossing.id, mode, hours))
                gateways[(b, a)].append((crossing.id, mode, hours))
    return _Tables(countries=countries, links=links, gateways=dict(gateways), neighbours=neighbours)
