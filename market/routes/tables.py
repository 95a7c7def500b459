"""Routing tables: shortest paths inside each country, computed once per network version and
set of modes, and which crossings join which pairs of countries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

import networkx as nx

from market.routes.network import Link, Mode, RouteNetwork, network_graph

__all__ = ["TRANSFER_HOURS", "CountryTable", "Node", "RoutingTables", "routing_tables"]

TRANSFER_HOURS = 12.0
"""Reloading a consignment between rail and road at a hub [E]: half a day of handling and waiting."""

Node = tuple[str, str, Mode]
"""(role, id, mode): role "p" is a place, "i" entering the country by a crossing, "o" leaving by one."""

# --- Shortest paths inside each country, computed once per network version and set of modes.
# Inside a country the search runs over (place, mode) states, so switching between rail and road
# at a hub costs TRANSFER_HOURS and a train never turns into a truck at a border. A crossing
# appears twice per mode: ("i", id, mode) where a route enters the country (edges out only) and
# ("o", id, mode) where it leaves (edges in only), so no path inside a country passes through one.


@dataclass(frozen=True)
class CountryTable:
    dist: dict[Node, dict[Node, float]]
    paths: dict[Node, dict[Node, list[Node]]]


@dataclass(frozen=True)
class RoutingTables:
    version: str
    """The network version the tables were built from."""
    modes: frozenset[str]
    countries: dict[str, CountryTable]
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


_TABLES: dict[tuple[str, frozenset[str]], RoutingTables] = {}


def routing_tables(network: RouteNetwork, modes: frozenset[str]) -> RoutingTables:
    """The tables for these modes, built on first use for each network version."""
    key = (network.version, modes)
    tables = _TABLES.get(key)
    if tables is None:
        tables = _build(network, modes)
        if len(_TABLES) >= 12:  # three sets of modes per network; a few networks in tests
            _TABLES.pop(next(iter(_TABLES)))
        _TABLES[key] = tables
    return tables


def _build(network: RouteNetwork, modes: frozenset[str]) -> RoutingTables:
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
        countries[country] = CountryTable(dist=dist, paths=paths)
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
    return RoutingTables(
        version=network.version,
        modes=modes,
        countries=countries,
        links=links,
        gateways=dict(gateways),
        neighbours=neighbours,
    )
