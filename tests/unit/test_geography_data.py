"""The committed gazetteer file: UN/LOCODE attached, old ids kept, and up to date with its build."""

from __future__ import annotations

import json
from collections import Counter
from importlib import resources

from market.geography import load_gazetteer, place_index, resolve
from market.geography.build import DATA_FILE, build_gazetteer, encode_gazetteer

TOWNS = [
    ("UZTAS", "Tashkent"),
    ("KZALA", "Almaty"),
    ("KZKGF", "Karagandy"),
    ("UZKOK", "Qo‘qon"),
    ("TJDYU", "Dushanbe"),
    ("KGFRU", "Bishkek"),
    ("TMAGT", "Ashgabat"),
    ("AFMZR", "Mazār-e Sharīf"),
]


def test_locodes_attach_to_their_towns() -> None:
    index = place_index()
    for code, name in TOWNS:
        place = index.get(code)
        assert place is not None and place.names.en == name and code in place.locodes
    khujand = index.get("TJLBD")  # Leninabad's old code: a second code of Khujand
    assert khujand is not None and khujand.id == "TJKHU" and khujand.locodes == ["TJKHU", "TJLBD"]


def test_unmatched_locodes_are_reported_with_a_reason() -> None:
    gazetteer = load_gazetteer()
    unmatched = {row.locode: row.reason for row in gazetteer.unmatched_locodes}
    attached = sum(len(p.locodes) for p in gazetteer.places)
    assert attached + len(unmatched) == 229
    assert unmatched["AFKBL"].startswith("outside the extracted regions")  # Kabul
    assert "whole degrees" in unmatched["KZPWQ"]  # Pavlodar's code is 73 km off
    assert "UZTAS" not in unmatched and "KZALA" not in unmatched


def test_astana_keeps_a_geonames_id() -> None:
    astana = resolve("Astana", "KZ")
    assert astana is not None and astana.place.id == "GN-1526273" and not astana.place.locodes


def test_every_old_id_still_resolves() -> None:
    old = json.loads((resources.files("market") / "data" / "places.json").read_bytes())
    for row in old:
        found = resolve(row["id"])
        assert found is not None, row["id"]
        assert found.place.country == row["country"]
        assert found.resolved_by in ("id", "old_id")
    found = resolve("X-KZ-ASTANA")
    assert found is not None and (found.place.names.en, found.resolved_by) == ("Astana", "old_id")


def test_every_town_of_the_route_network_is_a_gazetteer_place() -> None:
    routes = json.loads((resources.files("market") / "data" / "routes.json").read_bytes())
    towns = [p for p in routes["places"] if p["kind"] == "city"]
    assert len(towns) >= 10
    for row in towns:
        found = resolve(row["id"])
        assert found is not None and found.resolved_by == "old_id", row["id"]
        assert found.place.country == row["country"]
    others = [p["id"] for p in routes["places"] if p["kind"] != "city"]
    assert others and all(resolve(place_id) is None for place_id in others)  # no town: ids of their own


def test_every_country_and_region_is_there() -> None:
    counts = Counter(p.country for p in load_gazetteer().places)
    assert {"KZ", "UZ", "TJ", "KG", "TM", "CN", "RU", "AF"} == set(counts)
    assert counts["KZ"] > 300 and counts["UZ"] > 200
    assert len({p.id for p in load_gazetteer().places}) == sum(counts.values())


def test_the_data_file_is_what_the_build_writes() -> None:
    committed = (resources.files("market") / "data" / DATA_FILE).read_bytes()
    assert encode_gazetteer(build_gazetteer()) == committed, "run: python -m market.geography.build"
