"""The gazetteer: city names in English, Russian and local languages -> place id and coordinates."""

from __future__ import annotations

import math
import unicodedata
from functools import lru_cache
from importlib import resources

import msgspec

from market.errors import InvalidInput

__all__ = [
    "Place",
    "near_places",
    "nearest_place",
    "normalize_name",
    "parse_near",
    "place_by_id",
    "places_within",
    "resolve_place",
]


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


@lru_cache(maxsize=1)
def _all_places() -> tuple[Place, ...]:
    return tuple({id(p): p for p in _places().values()}.values())


def _km_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine, mean Earth radius 6371 km)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def places_within(lat: float, lon: float, km: float) -> list[Place]:
    """The known places no farther than ``km`` from a point."""
    return [p for p in _all_places() if _km_between(lat, lon, p.lat, p.lon) <= km]


def nearest_place(country: str, lat: float, lon: float) -> Place | None:
    """The known place in ``country`` closest to a point (None if the country has none)."""
    candidates = [p for p in _all_places() if p.country == country]
    return min(candidates, key=lambda p: _km_between(lat, lon, p.lat, p.lon), default=None)


@lru_cache(maxsize=1)
def _by_id() -> dict[str, Place]:
    return {p.id: p for p in _all_places()}


def place_by_id(place_id: str) -> Place | None:
    return _by_id().get(place_id)


def parse_near(value: str) -> tuple[float, float, float]:
    """``lat,lon,km`` -> (lat, lon, km), or InvalidInput naming ``near`` and the expected form."""
    parts = value.split(",")
    try:
        if len(parts) != 3:
            raise ValueError
        lat, lon, km = (float(p) for p in parts)
    except ValueError:
        raise InvalidInput.field("near", "use 'lat,lon,km', e.g. near=41.31,69.28,300") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InvalidInput.field("near", "latitude must be within -90..90 and longitude within -180..180")
    if not 0 < km <= 5000:
        raise InvalidInput.field("near", "the radius must be more than 0 and at most 5000 km")
    return lat, lon, km


def near_places(value: str) -> tuple[str, ...]:
    """The ids of the known places inside the ``near`` circle (listings are located at places)."""
    return tuple(sorted(p.id for p in places_within(*parse_near(value))))
