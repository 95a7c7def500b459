"""Vocabularies (HS, ISO, Incoterms, units) and the gazetteer."""

from __future__ import annotations

import pytest

from market.code_lookups import hs_entry, hs_hierarchy, is_country, is_currency, is_incoterm, is_unit
from market.geography import name_key, resolve


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
    found = resolve(name, "UZ")
    assert found is not None and found.place.id == "UZTAS"


def test_old_names_and_wrong_country() -> None:
    kustanai, kostanai = resolve("Kustanai", "KZ"), resolve("Kostanai", "KZ")
    assert kostanai is not None and kustanai is not None and kustanai.place.id == kostanai.place.id
    assert resolve("Kostanai", "UZ") is None
    assert resolve("Atlantis", "UZ") is None


def test_name_keys_fold_case_hyphens_and_apostrophes() -> None:
    assert name_key("Jalal-Abad") == name_key("jalal abad")
    assert name_key("Qo'qon") == name_key("Qoʻqon") == name_key("QO’QON")
