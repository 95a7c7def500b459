"""Alternative routes between two places, as sequences of border crossings.

How alternatives are found. A route is the crossings it passes, in order, joined by the fastest
path inside each country. For every chain of neighbouring countries from the origin's to the
destination's (at most ``MAX_CROSSINGS`` borders, no country twice) every combination of open
crossings is priced with per-country shortest-path tables, so each candidate is a distinct
crossing sequence and small detours inside a country never count as alternatives. The part of a
route between leaving the origin's country and entering the destination's depends only on the
two countries (and the modes and closed crossings): it is priced once and cached, and so are a
place's hours to each border of its country. From the
candidates no slower than ``max(2 x fastest, fastest + 24 h)``:

1. the fastest;
2. then, fastest first, each route that avoids a transit country of every route already chosen
   (so Kostanai -> Dushanbe offers Uzbekistan *and* Kyrgyzstan before a second Uzbek variant);
3. then the fastest remaining crossing sequences, until there are ``k``.

A route may start or end at any town: ``market.routes.access`` joins a town off the network to
its country's nearest hubs by an estimated road leg, and the planner starts from all of them at
once, each offset by its leg's hours.

Estimated days: ``road_hours / 10`` (a truck drives about 10 hours a day) plus
``(rail_hours + clearance_hours + transfer_hours) / 24`` (trains, border queues and reloading run
around the clock).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Collection
from typing import Any

import msgspec

from market.routes.access import Endpoint, OffNetwork, endpoint
from market.routes.network import MODES, Mode, RouteNetwork
from market.routes.tables import TRANSFER_HOURS, Node, RoutingTables, routing_tables
from schemas.routes import Leg, Route, RouteCrossing

__all__ = [
    "ROAD_HOURS_PER_DAY",
    "TRANSFER_HOURS",
    "Leg",
    "OffNetwork",
    "Route",
    "RouteCrossing",
    "plan_routes",
]

ROAD_HOURS_PER_DAY = 10.0
MAX_CROSSINGS = 4
SLOWER_BY_FACTOR = 2.0
SLOWER_BY_HOURS = 24.0
MAX_PARTIAL_ROUTES = 200
"""Partial routes kept per border while pricing one chain of countries: bounds the work per query."""

_Step = tuple[str, Mode]  # (crossing id, mode)
_End = tuple[Node, float]
"""A node a route may start or end at, and the hours it takes to get there (or away from there)."""


class _Candidate(msgspec.Struct, frozen=True, order=True):
    hours: float
    countries: tuple[str, ...]
    steps: tuple[_Step, ...]
    crossings: tuple[str, ...]
    """The crossing ids of ``steps``."""

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

    The places are network hubs or any town of the gazetteer (by id, old ids included).
    ``closed`` names crossings to avoid on top of those whose status is ``closed``. An empty list
    means no route exists with the modes and crossings allowed; ``OffNetwork`` that a town is too
    far from every hub of its country to be routed at all.
    """
    origin, destination = endpoint(network, from_place_id), endpoint(network, to_place_id)
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
    tables = routing_tables(network, wanted)
    candidates = _candidates(tables, origin, destination, blocked)
    return [_route(network, tables, origin, destination, c) for c in _choose(candidates, k)]


def _ends(tables: RoutingTables, place: Endpoint) -> list[_End]:
    """The hub nodes a place reaches, each with its access hours (a truck reloads onto a train)."""
    table = tables.countries.get(place.country)
    return [
        (node, way.hours + (TRANSFER_HOURS if m == "rail" and way.km else 0.0))
        for way in place.access
        for m in MODES
        if table and (node := ("p", way.hub, m)) in table.dist
    ]


def _fastest(
    tables: RoutingTables, country: str, froms: list[_End], tos: list[_End]
) -> tuple[float, Node, Node]:
    """The fastest way across one country from any of ``froms`` to any of ``tos`` (both non-empty),
    their offsets included."""
    table = tables.countries[country]
    return min((da + table.dist.get(a, {}).get(b, math.inf) + db, a, b) for a, da in froms for b, db in tos)


def _candidates(
    tables: RoutingTables,
    origin: Endpoint,
    destination: Endpoint,
    blocked: frozenset[str],
) -> list[_Candidate]:
    sources, targets = _ends(tables, origin), _ends(tables, destination)
    if not sources or not targets:
        return []
    if origin.country == destination.country:
        hours = _fastest(tables, origin.country, sources, targets)[0]
        return [_Candidate(hours, (origin.country,), (), ())] if hours < math.inf else []
    # A route abroad is the way out of the origin's country to a border, a way between the two
    # countries' borders (the same for every origin and destination: worked out once) and the way
    # in from a border: the first and the last are worked out once per place, border and modes.
    throughs = _throughs(tables, origin.country, destination.country, blocked)
    leave, enter = _offsets(tables, origin, "o"), _offsets(tables, destination, "i")
    found = []
    for t in throughs:
        hours = leave(t.leave) + t.hours + enter(t.enter)
        if hours < math.inf:
            found.append(_Candidate(round(hours, 6), t.countries, t.steps, t.crossings))
    return sorted(found)


class _Through(msgspec.Struct, frozen=True):
    """A way between two countries' borders: out of the first country by ``leave``, into the last
    by ``enter``; ``hours`` are the clearances and the countries in between."""

    hours: float
    leave: Node
    enter: Node
    countries: tuple[str, ...]
    steps: tuple[_Step, ...]
    crossings: tuple[str, ...]


_THROUGHS: dict[tuple[str, frozenset[str], str, str, frozenset[str]], list[_Through]] = {}
_OFFSETS: dict[tuple[str, frozenset[str], str, str], dict[Node, float]] = {}
THROUGHS_KEPT = 512
"""Lists of ways between two countries' borders kept (per pair of countries, modes and crossings
closed; about a hundred ways, 20 KB, each): there are about 50 pairs of countries and 3 sets of modes."""
OFFSETS_KEPT = 4096
"""Places whose hours to their country's borders are kept (a few dozen floats each)."""


def _keep(cache: dict[Any, Any], kept: int, key: Any, value: Any) -> None:
    if len(cache) >= kept:
        cache.pop(next(iter(cache)))
    cache[key] = value


def _throughs(tables: RoutingTables, start: str, end: str, blocked: frozenset[str]) -> list[_Through]:
    key = (tables.version, tables.modes, start, end, blocked)
    found = _THROUGHS.get(key)
    if found is None:
        found = []
        for countries in tables.country_chains(start, end, MAX_CROSSINGS):
            # (hours since leaving the first country, the border left it by, crossings passed)
            partial: list[tuple[float, Node, tuple[_Step, ...]]] = [(0.0, ("o", "", "road"), ())]
            for here, there in itertools.pairwise(countries):
                onward = []
                for hours, first, steps in partial:
                    for crossing_id, mode, clearance in tables.gateways.get((here, there), ()):
                        exit_node: Node = ("o", crossing_id, mode)
                        if crossing_id in blocked:
                            continue
                        if steps:  # entered by the last crossing: the way across this country
                            across = (
                                tables.countries[here]
                                .dist.get(("i", *steps[-1]), {})
                                .get(exit_node, math.inf)
                            )
                        else:
                            across, first = 0.0, exit_node
                        if across < math.inf:
                            onward.append((hours + across + clearance, first, (*steps, (crossing_id, mode))))
                partial = sorted(onward, key=lambda p: p[0])[:MAX_PARTIAL_ROUTES]
            found += [
                _Through(h, first, ("i", *steps[-1]), countries, steps, tuple(x for x, _ in steps))
                for h, first, steps in partial
            ]
        _keep(_THROUGHS, THROUGHS_KEPT, key, found)
    return found


def _offsets(tables: RoutingTables, place: Endpoint, role: str) -> Callable[[Node], float]:
    """Hours from the place to each border node of its country it leaves by (``role`` "o"), or from
    each it enters by ("i") to the place, worked out on first use."""
    key = (tables.version, tables.modes, place.id, role)
    known = _OFFSETS.get(key)
    if known is None:
        known = {}
        _keep(_OFFSETS, OFFSETS_KEPT, key, known)
    ends = _ends(tables, place)

    def hours(border: Node) -> float:
        if border not in known:
            pair = (ends, [(border, 0.0)]) if role == "o" else ([(border, 0.0)], ends)
            known[border] = _fastest(tables, place.country, *pair)[0]
        return known[border]

    return hours


def _choose(candidates: list[_Candidate], k: int) -> list[_Candidate]:
    # Road and rail through the same crossings are one alternative, not two: keep the faster.
    by_crossings: dict[tuple[str, ...], _Candidate] = {}
    for c in candidates:
        by_crossings.setdefault(c.crossings, c)
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


def _access_leg(place: Endpoint, node: Node, *, first: bool) -> Leg | None:
    """The estimated road leg between a town and the hub ``node`` it joins at (None at a hub)."""
    way = next(w for w in place.access if w.hub == node[1])
    if not way.km:
        return None
    ends = (place.id, way.hub) if first else (way.hub, place.id)
    return Leg(from_=ends[0], to=ends[1], mode="road", km=way.km, hours=way.hours, estimate=True)


def _route(
    network: RouteNetwork, tables: RoutingTables, origin: Endpoint, destination: Endpoint, c: _Candidate
) -> Route:
    nodes: list[Node] = []
    entries = _ends(tables, origin)
    for i, country in enumerate(c.countries):
        exits = [(("o", *c.steps[i]), 0.0)] if i < len(c.steps) else _ends(tables, destination)
        _, start, end = _fastest(tables, country, entries, exits)
        nodes += tables.countries[country].paths[start][end]
        entries = [(("i", *c.steps[i]), 0.0)] if i < len(c.steps) else []
    first, last = _access_leg(origin, nodes[0], first=True), _access_leg(destination, nodes[-1], first=False)
    # A truck reloads onto a train (or off one) where a first or last mile meets a rail hub.
    transfers = sum(1 for leg, node in ((first, nodes[0]), (last, nodes[-1])) if leg and node[2] == "rail")
    legs = [first] if first else []
    for a, b in itertools.pairwise(nodes):
        if a[1] == b[1]:  # crossing a border, or reloading between modes at a hub
            transfers += a[0] == b[0] == "p"
            continue
        link = tables.links[(a[1], b[1], a[2])]
        legs.append(
            Leg(from_=a[1], to=b[1], mode=link.mode, km=link.km, hours=link.hours, estimate=link.estimate)
        )
    legs += [last] if last else []
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
