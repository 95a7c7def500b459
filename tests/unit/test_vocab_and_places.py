"""Vocabularies (HS, ISO, Incoterms, units) and the gazetteer."""

from __future__ import annotations

import pytest

from market.code_lookups import hs_entry, hs_hierarchy, is_country, is_currency, is_incoterm, is_unit
from market.places import normalize_name, resolve_place


def test_hs_codes_at_every_level() -> None:
    assert hs_entry("69") is not None
    assert hs_entry("6912") is not None
    assert hs_entry("691200") is not None
    assert hs_entry("691299") is None
    assert [e.hscode for e in hs_hierarchy("691200")] == ["69", "6912"]


@pytest.mark.parametrize("placeholder", ["99", "9999", "999999", "TOTAL"])
def test_statistical_placeholders_are_not_goods(placeholder: str) -> None:
    assert hs_entry(placeholder) is None


def test_countries_currencies_units_incoterms() -> None:
    assert is_country("KZ") and is_country("TJ") and not is_country("XX")
    assert is_currency("UZS") and is_currency("KZT") and not is_currency("XYZ")
    assert is_unit("TNE") and is_unit("H87") and not is_unit("BOX")
    assert is_incoterm("DAP") and is_incoterm("FOB") and not is_incoterm("ABC")


@pytest.mark.parametrize("name", ["Tashkent", "Ташкент", "Toshkent", "TASHKENT", " tashkent "])
def test_tashkent_in_any_language(name: str) -> None:
    place = resolve_place("UZ", name)
    assert place is not None and place.id == "UZTAS"


def test_old_names_and_wrong_country() -> None:
    assert resolve_place("KZ", "Kustanai") == resolve_place("KZ", "Kostanai")
    assert resolve_place("KZ", "Kostanai") is not None
    assert resolve_place("UZ", "Kostanai") is None
    assert resolve_place("UZ", "Atlantis") is None
    assert resolve_place("UZ", None) is None


def test_normalize_name() -> None:
    assert normalize_name("Jalal-Abad") == normalize_name("jalal abad")
    assert normalize_name("Qo'qon") == "qoqon"
