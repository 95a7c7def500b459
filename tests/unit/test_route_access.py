"""First- and last-mile legs: routes between towns that are not hubs of the network."""

from __future__ import annotations

import statistics

import pytest

from market.geography import km_between, place_index
from market.routes import RouteNetwork, load_network, plan_routes
from market.routes.access import ACCESS_KMH, DETOUR_FACTOR, MAX_ACCESS_KM, endpoint
from market.routes.planner import OffNetwork, Route

KZ_UZ = {"kz-uz-zhibek-zholy", "kz-uz-saryagash", "kz-uz-konysbayev", "kz-uz-tazhen"}
OLD_IDS = {
    "X-KZ-KOSTANAI": "KZKSN",
    "X-TJ-DUSHANBE": "TJDYU",
    "X-KZ-KYZYLORDA": "KZKZO",
    "X-KG-OSH": "GN-1527534",
}


@pytest.fixture(scope="module")
def network() -> RouteNetwork:
    return load_network()


def town(name: str, country: str) -> str:
    found = place_index().resolve(name, country)
    assert found is not None, name
    return found.place.id


def road_links(network: RouteNetwork) -> list[tuple[float, float, float]]:
    """(great-circle km, road km, hours) of each shipped road link longer than 20 km."""
    points = {p.id: (p.lat, p.lon) for p in network.places.values()}
    points |= {c.id: (c.lat, c.lon) for c in network.crossings.values()}
    rows = []
    for link in network.links:
        straight = km_between(*points[link.from_], *points[link.to])
        if link.mode == "road" and straight > 20:
            rows.append((straight, link.km, link.hours))
    return rows


def test_the_detour_factor_is_near_the_median_of_the_shipped_road_links(network: RouteNetwork) -> None:
    median = statistics.median(road / straight for straight, road, _ in road_links(network))
    assert 1.05 <= median <= 1.35  # the data itself: a regression guard on routes.json
    assert abs(DETOUR_FACTOR - median) <= 0.1


def test_the_access_speed_is_no_faster_than_the_shipped_trunk_roads(network: RouteNetwork) -> None:
    median = statistics.median(road / hours for _, road, hours in road_links(network))
    assert 0.7 * median <= ACCESS_KMH <= median


def test_a_hub_is_its_own_endpoint_and_a_town_joins_up_to_three_hubs_of_its_country(
    network: RouteNetwork,
) -> None:
    hub = endpoint(network, "UZTAS")
    assert [(a.hub, a.km) for a in hub.access] == [("UZTAS", 0.0)]
    kokand = endpoint(network, town("Kokand", "UZ"))
    assert 1 <= len(kokand.access) <= 6
    assert all(network.places[a.hub].country == "UZ" for a in kokand.access)
    assert [a.km for a in kokand.access] == sorted(a.km for a in kokand.access)
    nearest = kokand.access[0]
    assert nearest.km <= MAX_ACCESS_KM and nearest.hours == pytest.approx(nearest.km / ACCESS_KMH, abs=0.01)


def check_joined(route: Route, network: RouteNetwork) -> None:
    for before, after in zip(route.legs, route.legs[1:], strict=False):
        assert before.to == after.from_
    assert route.legs[0].from_ == route.origin and route.legs[-1].to == route.destination
    assert route.km == pytest.approx(sum(leg.km for leg in route.legs), abs=0.2)


def test_kokand_to_dushanbe_starts_with_an_estimated_first_mile(network: RouteNetwork) -> None:
    kokand = town("Kokand", "UZ")
    assert kokand not in network.places
    routes = plan_routes(network, kokand, "TJDYU")
    assert routes
    for route in routes:
        first = route.legs[0]
        assert first.from_ == kokand and first.to in network.places and first.mode == "road"
        assert first.estimate and route.estimate
        assert route.countries[0] == "UZ" and route.countries[-1] == "TJ"
        check_joined(route, network)
    assert routes[0].days < 3


def test_namangan_to_karaganda_crosses_the_kz_uz_border_with_both_ends_off_the_network(
    network: RouteNetwork,
) -> None:
    namangan, karaganda = town("Namangan", "UZ"), town("Karaganda", "KZ")
    routes = plan_routes(network, namangan, karaganda)
    fastest = routes[0]
    assert fastest.countries == ("UZ", "KZ")
    assert {x.id for x in fastest.crossings} <= KZ_UZ
    assert fastest.origin == namangan and fastest.destination == karaganda
    check_joined(fastest, network)


def test_a_last_mile_joins_after_the_network(network: RouteNetwork) -> None:
    kulob = town("Kulob", "TJ")
    route = plan_routes(network, "KZALA", town("Danghara", "TJ"))[0]
    assert route.legs[-1].estimate and route.legs[-1].to == route.destination
    assert kulob != route.destination
    check_joined(route, network)


def test_rail_only_from_a_town_starts_by_truck_and_reloads_at_the_station(network: RouteNetwork) -> None:
    routes = plan_routes(network, town("Kokand", "UZ"), "KZALA", modes=("rail",))
    assert routes
    route = routes[0]
    assert route.legs[0].mode == "road" and route.legs[0].estimate
    assert {leg.mode for leg in route.legs[1:]} == {"rail"}
    assert route.transfer_hours >= 12


def test_a_town_too_far_from_every_hub_of_its_country_is_off_the_network(network: RouteNetwork) -> None:
    omsk = town("Omsk", "RU")  # the network's only Russian hub is Troitsk, about 700 km away
    with pytest.raises(OffNetwork, match="every hub of RU"):
        plan_routes(network, omsk, "KZALA")


@pytest.mark.parametrize(("old", "new"), OLD_IDS.items())
def test_old_ids_are_still_accepted(network: RouteNetwork, old: str, new: str) -> None:
    assert endpoint(network, old).id == new
    other = "UZTAS" if new != "UZTAS" else "KZALA"
    assert plan_routes(network, old, other)[0].origin == new


def test_unknown_ids_and_crossings_are_key_errors(network: RouteNetwork) -> None:
    with pytest.raises(KeyError, match="unknown place id 'GN-0'"):
        plan_routes(network, "GN-0", "UZTAS")
    with pytest.raises(KeyError, match="a border crossing"):
        plan_routes(network, "kz-uz-zhibek-zholy", "UZTAS")
