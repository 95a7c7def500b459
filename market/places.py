"""Where a listing's goods are: its origin or destination resolved against the gazetteer
(``market.geography``), as stored with the listing; the ``near`` circle; place-id filters.

A location is resolved, in order, by its ``place_id``; by its city's name in any spelling (in
its country); by the place nearest its coordinates (within ``NEAREST_WITHIN_KM``); otherwise
only its country is known (``resolved_by: "country"``), and the owner's view suggests names.
"""

from __future__ import annotations

from typing import Any, Literal

from market.errors import InvalidInput
from market.geography import (
    GeoPlace,
    cyrillic_to_latin,
    is_cyrillic,
    latin_to_cyrillic,
    name_key,
    place_index,
)
from schemas.listings import Location, PlaceChoice, PlaceSuggestion
from schemas.listings import Place as GivenPlace

__all__ = [
    "NEAREST_WITHIN_KM",
    "canonical_place_id",
    "given_place",
    "location_doc",
    "near_places",
    "parse_near",
    "place_suggestion",
    "search_names",
]

NEAREST_WITHIN_KM = 50.0
"""Coordinates farther than this from every known place of the country place nothing."""
SEARCH_NAMES = 24
"""At most this many of a place's names go into its listings' search documents."""
SUGGESTIONS = 5
_TWO_ALPHABETS = {"UZ": "uz", "KZ": "kk"}
"""Countries whose language is written in both Latin and Cyrillic letters."""


_SEARCH_NAMES: dict[str, tuple[str, ...]] = {}
"""``search_names`` per place id, worked out once (at most one entry per gazetteer place)."""


def search_names(place: GeoPlace) -> list[str]:
    """The names a search may find the place by: its own, Russian, local and former names, the
    local name in the other alphabet of Uzbek or Kazakh (Qo'qon, Қўқон), then its alternate
    names in the Latin and Cyrillic scripts the region writes in, one per spelling."""
    found = _SEARCH_NAMES.get(place.id)
    if found is None:
        found = _SEARCH_NAMES[place.id] = tuple(_search_names(place))
    return list(found)


def _search_names(place: GeoPlace) -> list[str]:
    names = place.names
    local = (names.local or names.en).lower()
    other = ""
    if language := _TWO_ALPHABETS.get(place.country):
        other = (
            cyrillic_to_latin(local, language) if is_cyrillic(local) else latin_to_cyrillic(local, language)
        )
        other = other[:1].upper() + other[1:]
    # Alternate names written in lower case are mostly machine romanisations of other scripts.
    alt = [name for name in names.alt if name[:1].isupper()]
    by_key: dict[str, str] = {}
    for name in (names.en, names.ru, names.local, other, *names.former, *alt):
        if name and _latin_or_cyrillic(name) and (key := name_key(name)) and key not in by_key:
            by_key[key] = name
    return list(by_key.values())[:SEARCH_NAMES]


def _latin_or_cyrillic(name: str) -> bool:
    return all(c < "\u0250" or "\u0400" <= c < "\u0530" or c in "ʻʼ’‘`ˌ" for c in name)


def _stored(place: GeoPlace) -> dict[str, Any]:
    names = {"en": place.names.en, "ru": place.names.ru, "local": place.names.local}
    return {"names": {k: v for k, v in names.items() if v}, "lat": place.lat, "lon": place.lon}


def _resolve(field: str, given: GivenPlace) -> tuple[GeoPlace | None, str]:
    index = place_index()
    if given.place_id is not None:
        found = index.identify(given.place_id)
        if found is None:
            raise InvalidInput.field(
                f"{field}.place_id", f"no place with id '{given.place_id}'; GET /v1/places?q=... finds one"
            )
        place = found.place
        if place.country != given.country:
            raise InvalidInput.field(
                f"{field}.place_id",
                f"{place.id} ({place.names.en}) is in {place.country}, not {given.country}:"
                " fix the country or the place",
            )
        return place, found.resolved_by
    if given.city:
        found = index.resolve(given.city, given.country)
        if found is not None and found.place.country == given.country:
            return found.place, found.resolved_by
    if given.lat is not None and given.lon is not None:
        nearest = index.nearest(given.country, given.lat, given.lon, NEAREST_WITHIN_KM)
        if nearest is not None:
            return nearest, "nearest"
    return None, "country"


def location_doc(field: str, given: GivenPlace | None) -> dict[str, Any] | None:
    """A location as stored with its listing (the jsonb of ``origin``/``destination``): what was
    given, the place it resolved to, how, and the names search finds it by (``known_as``, which
    the API does not show). InvalidInput naming ``<field>.place_id`` for an unknown or foreign id."""
    if given is None:
        return None
    place, how = _resolve(field, given)
    doc: dict[str, Any] = {"country": given.country}
    if given.city is not None:
        doc["city"] = given.city
    if given.lat is not None and given.lon is not None:
        doc["lat"], doc["lon"] = given.lat, given.lon
    doc["resolved_by"] = how
    if place is not None:
        doc["place_id"], doc["place"] = place.id, _stored(place)
        doc["known_as"] = search_names(place)
    return doc


def given_place(stored: dict[str, Any]) -> dict[str, Any]:
    """The fields of a stored location its writer gave (a PATCH re-validates them): the place
    id only where it was given, not where it was found from the city or coordinates."""
    given = {k: stored[k] for k in ("country", "city", "lat", "lon") if stored.get(k) is not None}
    if stored.get("resolved_by") in ("id", "old_id") and stored.get("place_id"):
        given["place_id"] = stored["place_id"]
    return given


def place_suggestion(
    field: Literal["origin", "destination"], location: Location | None
) -> PlaceSuggestion | None:
    """For a city the gazetteer does not know, or that several places share: the closest known
    places of its country, best first."""
    if location is None or not location.city or location.resolved_by not in ("country", "ambiguous_name"):
        return None
    index = place_index()
    if location.resolved_by == "ambiguous_name":
        found = index.resolve(location.city, location.country)
        ids = [found.place.id, *found.others] if found else []
        places = [p for i in ids if (p := index.get(i)) is not None]
    else:
        places = index.autocomplete(location.city, location.country, SUGGESTIONS)
    if not places:
        return None
    choices = [
        PlaceChoice(id=p.id, name=p.names.en, region=p.admin1, population=p.population)
        for p in places[:SUGGESTIONS]
    ]
    return PlaceSuggestion(field=field, city=location.city, places=choices)


def canonical_place_id(field: str, value: str | None) -> str | None:
    """A place-id filter as the index holds it (an old id becomes today's); InvalidInput if unknown."""
    if value is None:
        return None
    place = place_index().get(value)
    if place is None:
        raise InvalidInput.field(field, f"no place with id '{value}'; GET /v1/places?q=... finds one")
    return place.id


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
    return tuple(sorted(p.id for p in place_index().within(*parse_near(value))))
