"""The gazetteer: city names in English, Russian and local languages -> place id and coordinates."""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from importlib import resources

import msgspec

__all__ = ["Place", "normalize_name", "resolve_place"]


class PlaceNames(msgspec.Struct, kw_only=True):
    en: str
    ru: str | None = None
    local: str | None = None
    alt: list[str] = []


class Place(msgspec.Struct, kw_only=True):
    """A hub or city, with a UN/LOCODE id where one exists."""

    id: str
    country: str
    names: PlaceNames
    lat: float
    lon: float
    kind: str = "city"
    source: str = ""
    estimate: bool = False


def normalize_name(name: str) -> str:
    """Case-, accent- and punctuation-insensitive form of a place name ("Tashkent" == "TASHKENT")."""
    folded = unicodedata.normalize("NFKD", name.casefold())
    letters = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(letters.replace("-", " ").replace("'", "").replace("ʻ", "").split())


@lru_cache(maxsize=1)
def _places() -> dict[tuple[str, str], Place]:
    raw = (resources.files("market") / "data" / "places.json").read_bytes()
    index: dict[tuple[str, str], Place] = {}
    for place in msgspec.json.decode(raw, type=list[Place]):
        names = [place.names.en, place.names.ru, place.names.local, *place.names.alt]
        for name in names:
            if name:
                index.setdefault((place.country, normalize_name(name)), place)
    return index


def resolve_place(country: str, city: str | None) -> Place | None:
    """The known place with this name in this country, in any of its languages."""
    if not city:
        return None
    return _places().get((country, normalize_name(city)))
