"""Matching's route cache: a lookup that may not plan says so, and finds what was planned."""

from __future__ import annotations

import uuid

import msgspec
import pytest

from market.matching.route_cache import Router, Unplanned
from market.routes import RouteNetwork, load_network


def fresh_network() -> RouteNetwork:
    """The shipped network under a version of its own: the cache is process-wide and keyed on the
    version, so routes other tests of this process planned are not found here."""
    return msgspec.structs.replace(load_network(), version=f"test-{uuid.uuid4().hex}")


def test_a_router_that_may_not_plan_raises_for_a_new_pair_and_finds_it_once_planned() -> None:
    network = fresh_network()
    start, end, modes = "KZKSN", "TJDYU", frozenset({"rail", "road"})
    with pytest.raises(Unplanned):
        Router(network, new_pairs=0).routes(start, end, modes)
    planned = Router(network).routes(start, end, modes)
    assert planned, "Kostanai to Dushanbe has a route"
    assert Router(network, new_pairs=0).routes(start, end, modes) == planned


def test_the_same_place_needs_no_route_and_no_planning() -> None:
    network = fresh_network()
    modes = frozenset({"road"})
    Router(network).routes("KZALA", "KZALA", modes)
    assert Router(network, new_pairs=0).routes("KZALA", "KZALA", modes) == []


def test_a_town_no_route_reaches_is_none_not_an_empty_list() -> None:
    # Omsk (RU) is farther than the first-mile limit from Troitsk, the network's only Russian hub.
    network = fresh_network()
    assert Router(network).routes("GN-1496153", "KZALA", frozenset({"road"})) is None
    assert Router(network, new_pairs=0).routes("GN-1496153", "KZALA", frozenset({"road"})) is None


def test_a_router_plans_up_to_its_budget_of_new_pairs_then_raises() -> None:
    network = fresh_network()
    modes = frozenset({"road"})
    router = Router(network, new_pairs=2)
    assert router.routes("KZALA", "UZTAS", modes) and router.routes("KZALA", "TJDYU", modes)
    with pytest.raises(Unplanned):
        router.routes("KZALA", "KGFRU", modes)
    assert router.routes("KZALA", "UZTAS", modes)  # planned pairs cost nothing from the budget
