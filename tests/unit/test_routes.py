"""The route network data and the route planner."""

from __future__ import annotations

import json
import random
from importlib import resources
from typing import Any

import msgspec
import networkx as nx
import pytest

from market.geography import place_index
from market.routes import (
    RouteDataError,
    RouteNetwork,
    load_network,
    network_graph,
    parse_network,
    plan_routes,
)
from market.routes.access import endpoint
from market.routes.network import NetworkPlace
from market.routes.planner import ROAD_HOURS_PER_DAY, OffNetwork, Route
from market.routes.tables import TRANSFER_HOURS, routing_tables

HUBS = {  # gazetteer ids: a UN/LOCODE, or GN-<geonameid> where the town has none (Astana, Osh)
    ("KZ", "Astana"): "GN-1526273",
    ("KZ", "Almaty"): "KZALA",
    ("KZ", "Kostanai"): "KZKSN",
    ("KZ", "Shymkent"): "KZCIT",
    ("KZ", "Karaganda"): "KZKGF",
    ("UZ", "Tashkent"): "UZTAS",
    ("UZ", "Samarkand"): "UZSKD",
    ("UZ", "Termez"): "UZTER",
    ("UZ", "Andijan"): "UZAZN",
    ("TJ", "Dushanbe"): "TJDYU",
    ("TJ", "Khujand"): "TJKHU",
    ("TJ", "Penjikent"): "TJPJK",
    ("KG", "Bishkek"): "KGFRU",
    ("KG", "Osh"): "GN-1527534",
    ("TM", "Ashgabat"): "TMAGT",
    ("TM", "Turkmenbashi"): "TMKRW",
}
CROSSINGS = {
    "kz-uz-zhibek-zholy": {"KZ", "UZ"},
    "kz-uz-saryagash": {"KZ", "UZ"},
    "kz-uz-konysbayev": {"KZ", "UZ"},
    "kz-uz-tazhen": {"KZ", "UZ"},
    "uz-tj-oybek": {"UZ", "TJ"},
    "uz-tj-sariosiyo": {"UZ", "TJ"},
    "uz-tj-jartepa": {"UZ", "TJ"},
    "kz-kg-kordai": {"KZ", "KG"},
    "kg-uz-dostuk": {"KG", "UZ"},
    "kg-tj-karamyk": {"KG", "TJ"},
    "uz-tm-alat": {"UZ", "TM"},
    "kz-cn-dostyk": {"KZ", "CN"},
    "kz-cn-nur-zholy": {"KZ", "CN"},
    "kz-cn-altynkol": {"KZ", "CN"},
    "kg-cn-torugart": {"KG", "CN"},
    "kg-cn-irkeshtam": {"KG", "CN"},
    "uz-af-termez": {"UZ", "AF"},
    "tj-af-panji-poyon": {"TJ", "AF"},
    "kz-ru-kairak": {"KZ", "RU"},
}
KZ_UZ_ROAD = ("kz-uz-zhibek-zholy", "kz-uz-konysbayev", "kz-uz-tazhen")


@pytest.fixture(scope="module")
def network() -> RouteNetwork:
    return load_network()


def shipped_data() -> tuple[dict[str, Any], list[NetworkPlace]]:
    data = resources.files("market") / "data"
    routes = json.loads((data / "routes.json").read_bytes())
    return routes, msgspec.json.decode((data / "places.json").read_bytes(), type=list[NetworkPlace])


def variant(change: Any) -> RouteNetwork:
    """The shipped network with ``change(routes_dict)`` applied, on gazetteer ids as shipped."""
    routes, hubs = shipped_data()
    change(routes)
    return parse_network(json.dumps(routes).encode(), hubs, place_index().aliases)


def crossing_ids(route: Route) -> list[str]:
    return [c.id for c in route.crossings]


# --- data ---


def test_every_listed_crossing_is_present_and_joins_its_two_countries(network: RouteNetwork) -> None:
    assert set(CROSSINGS) <= set(network.crossings)
    for crossing_id, countries in CROSSINGS.items():
        assert set(network.crossings[crossing_id].countries) == countries


def test_crossings_have_a_source_both_names_and_clearance_per_mode(network: RouteNetwork) -> None:
    for crossing in network.crossings.values():
        assert crossing.source.strip(), crossing.id
        assert len(set(crossing.countries)) == 2, crossing.id
        assert set(crossing.names) == set(crossing.countries), crossing.id
        assert all(name.strip() for name in crossing.names.values()), crossing.id
        assert set(crossing.clearance_hours) == set(crossing.modes), crossing.id
        assert all(hours > 0 for hours in crossing.clearance_hours.values()), crossing.id


def test_kazakhstan_and_tajikistan_share_no_crossing(network: RouteNetwork) -> None:
    assert not [c.id for c in network.crossings.values() if set(c.countries) == {"KZ", "TJ"}]


def test_karamyk_is_restricted_with_a_note(network: RouteNetwork) -> None:
    karamyk = network.crossings["kg-tj-karamyk"]
    assert karamyk.status == "restricted"
    assert "uncertain" in karamyk.note


@pytest.mark.parametrize(("key", "place_id"), HUBS.items(), ids=[name for _, name in HUBS])
def test_hubs_resolve_in_the_gazetteer_and_are_linked(
    network: RouteNetwork, key: tuple[str, str], place_id: str
) -> None:
    found = place_index().resolve(key[1], key[0])
    assert found is not None and found.place.id == place_id
    assert network.places[place_id].country == key[0]
    assert any(place_id in (link.from_, link.to) for link in network.links)


def test_links_are_sourced_and_positive(network: RouteNetwork) -> None:
    for link in network.links:
        assert link.source.strip() and link.km > 0 and link.hours > 0, link


def test_graph_has_both_directions_per_link_and_is_cached(network: RouteNetwork) -> None:
    graph = network_graph(network)
    assert graph is network_graph(network)
    assert graph.number_of_edges() == 2 * len(network.links)
    link = network.links[0]
    assert graph.has_edge(link.from_, link.to) and graph.has_edge(link.to, link.from_)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r["links"][0].update(to="X-NOWHERE"), "unknown endpoint 'X-NOWHERE'"),
        (lambda r: r["links"][0].update(km=0), "km"),
        (lambda r: r["links"][0].update(mode="air"), "mode"),
        (lambda r: r["crossings"][0].update(countries=["KZ", "KZ"]), "joins KZ to itself"),
        (lambda r: r["crossings"][0]["names"].pop("UZ"), "one name per country"),
        (lambda r: r["crossings"][0].update(source=""), "source"),
        (
            lambda r: r["links"].append(dict(r["links"][0], **{"from": "KZALA", "to": "UZTAS"})),
            "crosses KZ-UZ without a crossing",
        ),
        (lambda r: r["places"].append(dict(r["places"][0])), "defined twice"),
    ],
    ids=["dangling", "zero-km", "unknown-mode", "one-country", "one-name", "no-source", "no-crossing", "dup"],
)
def test_inconsistent_data_is_rejected(change: Any, message: str) -> None:
    with pytest.raises(RouteDataError, match=message):
        variant(change)


def test_a_crossing_unreachable_from_one_side_is_rejected() -> None:
    def drop_tashkent_side(routes: dict[str, Any]) -> None:
        routes["links"] = [
            link for link in routes["links"] if {link["from"], link["to"]} != {"kz-uz-zhibek-zholy", "UZTAS"}
        ]

    with pytest.raises(RouteDataError, match="'kz-uz-zhibek-zholy' has no road link on the UZ side"):
        variant(drop_tashkent_side)


# --- planner ---


def assert_well_formed(route: Route, network: RouteNetwork) -> None:
    assert route.legs[0].from_ == route.origin and route.legs[-1].to == route.destination
    for before, after in zip(route.legs, route.legs[1:], strict=False):
        assert before.to == after.from_
    passed = [leg.to for leg in route.legs if leg.to in network.crossings]
    assert passed == crossing_ids(route)
    for crossing in route.crossings:
        assert crossing.exit_name and crossing.entry_name
        assert {crossing.exit_country, crossing.entry_country} == set(
            network.crossings[crossing.id].countries
        )
    assert route.km == pytest.approx(sum(leg.km for leg in route.legs))
    expected_days = (
        route.road_hours / ROAD_HOURS_PER_DAY
        + (route.rail_hours + route.clearance_hours + route.transfer_hours) / 24
    )
    assert route.days == pytest.approx(expected_days, abs=0.06)


def test_kostanai_to_dushanbe_via_uzbekistan_and_via_kyrgyzstan(network: RouteNetwork) -> None:
    routes = plan_routes(network, "KZKSN", "TJDYU", k=3)
    assert len(routes) >= 2
    by_transit = {r.transit_countries: r for r in routes}
    assert ("UZ",) in by_transit and ("KG",) in by_transit
    for route in (by_transit[("UZ",)], by_transit[("KG",)]):
        assert len(route.crossings) == 2
        assert 2000 <= route.km <= 4000
        assert route.days > 1
        assert_well_formed(route, network)
    assert by_transit[("KG",)].restricted  # Karamyk
    assert not by_transit[("UZ",)].restricted
    assert [r.hours for r in routes] == sorted(r.hours for r in routes)
    assert len({tuple(crossing_ids(r)) for r in routes}) == len(routes)


def test_kostanai_to_dushanbe_by_rail_only(network: RouteNetwork) -> None:
    routes = plan_routes(network, "KZKSN", "TJDYU", modes=("rail",))
    assert routes
    for route in routes:
        assert {leg.mode for leg in route.legs} == {"rail"} and route.road_hours == 0
        assert route.transit_countries == ("UZ",)
        assert_well_formed(route, network)


def test_tashkent_to_almaty_crosses_kz_uz(network: RouteNetwork) -> None:
    fastest = plan_routes(network, "UZTAS", "KZALA")[0]
    assert fastest.countries == ("UZ", "KZ")
    assert len(fastest.crossings) == 1
    assert set(network.crossings[fastest.crossings[0].id].countries) == {"KZ", "UZ"}
    assert_well_formed(fastest, network)


def test_closing_zhibek_zholy_moves_shymkent_tashkent_to_another_crossing(network: RouteNetwork) -> None:
    before = plan_routes(network, "KZCIT", "UZTAS", modes=("road",))
    assert crossing_ids(before[0]) == ["kz-uz-zhibek-zholy"]
    after = plan_routes(network, "KZCIT", "UZTAS", modes=("road",), closed={"kz-uz-zhibek-zholy"})
    assert after
    assert all("kz-uz-zhibek-zholy" not in crossing_ids(r) for r in after)
    assert crossing_ids(after[0]) == ["kz-uz-konysbayev"]


def test_with_every_kz_uz_road_crossing_closed_no_route_crosses_kz_uz(network: RouteNetwork) -> None:
    routes = plan_routes(network, "KZCIT", "UZTAS", modes=("road",), closed=KZ_UZ_ROAD)
    for route in routes:  # what remains, if anything, goes round through a third country
        assert not set(crossing_ids(route)) & set(KZ_UZ_ROAD)
        assert len(route.countries) > 2


def test_a_crossing_closed_in_the_data_is_never_used() -> None:
    def close_zhibek_zholy(routes: dict[str, Any]) -> None:
        for crossing in routes["crossings"]:
            if crossing["id"] == "kz-uz-zhibek-zholy":
                crossing["status"] = "closed"

    closed_network = variant(close_zhibek_zholy)
    routes = plan_routes(closed_network, "KZCIT", "UZTAS", modes=("road",))
    assert routes and all("kz-uz-zhibek-zholy" not in crossing_ids(r) for r in routes)


def test_a_domestic_route_crosses_no_border(network: RouteNetwork) -> None:
    routes = plan_routes(network, "KZKSN", "KZALA")
    assert routes[0].countries == ("KZ",) and not routes[0].crossings
    assert_well_formed(routes[0], network)


def test_same_place_is_an_error(network: RouteNetwork) -> None:
    with pytest.raises(ValueError, match="same place"):
        plan_routes(network, "UZTAS", "UZTAS")


def test_unknown_place_is_named_in_the_error(network: RouteNetwork) -> None:
    with pytest.raises(KeyError, match="unknown place id 'X-UZ-ATLANTIS'"):
        plan_routes(network, "X-UZ-ATLANTIS", "UZTAS")
    with pytest.raises(KeyError, match="a border crossing"):
        plan_routes(network, "UZTAS", "kz-uz-zhibek-zholy")


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"modes": ("air",)}, ValueError),
        ({"modes": ()}, ValueError),
        ({"k": 0}, ValueError),
        ({"closed": {"kz-uz-nowhere"}}, KeyError),
    ],
)
def test_bad_arguments_are_errors(
    network: RouteNetwork, kwargs: dict[str, Any], error: type[Exception]
) -> None:
    with pytest.raises(error):
        plan_routes(network, "UZTAS", "KZALA", **kwargs)


# --- the planner's fastest route against a plain shortest path ---


def shortest_hours(network: RouteNetwork, start: str, end: str, modes: frozenset[str]) -> float:
    """Dijkstra over every country's table joined by the open crossings: an oracle for the
    planner, which prices borders once per pair of countries and first and last miles once per place."""
    tables = routing_tables(network, modes)
    graph = nx.DiGraph()
    for country, table in tables.countries.items():
        for a, reach in table.dist.items():
            for b, hours in reach.items():
                graph.add_edge((country, a), (country, b), weight=hours)
    for (out, into), gateways in tables.gateways.items():
        for crossing_id, by, clearance in gateways:
            if network.crossings[crossing_id].status != "closed":
                graph.add_edge(
                    (out, ("o", crossing_id, by)), (into, ("i", crossing_id, by)), weight=clearance
                )
    for place, role in ((endpoint(network, start), "start"), (endpoint(network, end), "end")):
        for way in place.access:
            for mode in modes:
                node = (place.country, ("p", way.hub, mode))
                if node in graph:
                    hours = way.hours + (TRANSFER_HOURS if mode == "rail" and way.km else 0.0)
                    graph.add_edge(*((role, node) if role == "start" else (node, role)), weight=hours)
    return float(nx.dijkstra_path_length(graph, "start", "end"))


@pytest.mark.parametrize("modes", [frozenset({"road", "rail"}), frozenset({"road"}), frozenset({"rail"})])
def test_the_fastest_route_is_the_shortest_path_between_towns(
    network: RouteNetwork, modes: frozenset[str]
) -> None:
    towns = [p for p in place_index().places if p.country in {"KZ", "UZ", "TJ", "KG", "TM"}]
    rng = random.Random(12)
    pairs = [(a.id, b.id) for a, b in (rng.sample(towns, 2) for _ in range(60)) if a.country != b.country]
    pairs += [("KZKSN", "TJDYU"), ("UZNMA", "KZKGF"), ("UZNMA", "UZTAS")]
    compared = routed = 0
    for start, end in pairs:
        try:
            expected = shortest_hours(network, start, end, modes)
        except (nx.NetworkXNoPath, nx.NodeNotFound):
            expected = None
        try:
            routes = plan_routes(network, start, end, modes=modes, k=3)
        except OffNetwork:
            continue
        assert (routes[0].hours if routes else None) == (
            None if expected is None else pytest.approx(expected, abs=0.02)
        )
        compared += 1
        if routes:  # k=1 is the first of the alternatives
            assert plan_routes(network, start, end, modes=modes, k=1) == routes[:1]
            routed += 1
    assert compared >= 30 and routed >= 10
