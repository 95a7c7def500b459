"""The placement benchmark on a small sample of the benchmark data: inside the five countries
every pair is routed from its own towns, where the former rule sent most to a country hub."""

from __future__ import annotations

import pytest

from benchmarks.placement import bench_placement


def test_inside_the_five_countries_no_pair_lacks_a_route_and_none_starts_at_a_country_hub() -> None:
    result = bench_placement(listings=3_000, pairs=400, seed=7)
    before, after = result["before"]["five_countries"], result["after"]["five_countries"]
    assert after["pairs"] == before["pairs"] > 100
    assert after.get("route_unknown", 0) < 0.02
    assert after.get("routed_own_towns", 0) > 0.9
    assert after.get("routed_from_hub", 0) < before.get("routed_from_hub", 0)
    everywhere = result["after"]["all"]
    assert sum(v for k, v in everywhere.items() if k != "pairs") == pytest.approx(1, abs=0.01)
