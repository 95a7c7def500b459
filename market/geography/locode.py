"""UN/LOCODE rows -> the GeoNames places they name; ids of the old gazetteer -> the new ids.

A code is attached to a place of the same country with a name of the same ``name_key`` or
``spelling_key`` (any of its names: GeoNames' own, alternate or former), no farther than 25 km
from the code's coordinates; the nearest such place wins. UN/LOCODE coordinates are given to the
minute, and a town's GeoNames point is its centre, so 25 km leaves room for both.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections import defaultdict
from collections.abc import Iterable

import msgspec

from market.geography.model import GeoPlace, UnmatchedLocode
from market.geography.normalize import variants
from market.geography.regions import NORTH_AFGHANISTAN_ISO

__all__ = ["MATCH_KM", "LocodeRow", "attach_locodes", "km_between", "old_ids", "read_locodes"]

MATCH_KM = 25.0


class LocodeRow(msgspec.Struct, kw_only=True):
    locode: str
    name: str
    subdivision: str
    lat: float | None
    lon: float | None


def km_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine, mean Earth radius 6371 km)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def read_locodes(text: str) -> list[LocodeRow]:
    """The rows of ``unlocode-central-asia.csv`` (locode, name, subdivision, lat, lon)."""
    return [
        LocodeRow(
            locode=row["locode"],
            name=row["name"],
            subdivision=row["subdivision_code"],
            lat=float(row["lat"]) if row["lat"] else None,
            lon=float(row["lon"]) if row["lon"] else None,
        )
        for row in csv.DictReader(io.StringIO(text))
    ]


def _name_index(places: Iterable[GeoPlace]) -> dict[tuple[str, str], list[GeoPlace]]:
    index: dict[tuple[str, str], list[GeoPlace]] = defaultdict(list)
    for place in places:
        names = [place.names.en, *place.names.alt, *place.names.former]
        for key in {k for name in names for k in variants(name) if k}:
            index[(place.country, key)].append(place)
    return index


def _spellings(name: str) -> set[str]:
    """A UN/LOCODE name and the other name it gives in parentheses: "Nurak (Nurek)"."""
    parts = [name, *re.split(r"[()]", name)]
    return {k for part in parts if part.strip() for k in variants(part) if k}


def _nearest(
    index: dict[tuple[str, str], list[GeoPlace]], country: str, names: Iterable[str], lat: float, lon: float
) -> tuple[GeoPlace | None, float]:
    found = {id(p): p for name in names for key in _spellings(name) for p in index.get((country, key), ())}
    ranked = sorted(
        (km_between(lat, lon, p.lat, p.lon), -p.population, p.geonameid, p) for p in found.values()
    )
    return (ranked[0][3], ranked[0][0]) if ranked else (None, math.inf)


def attach_locodes(places: list[GeoPlace], rows: list[LocodeRow]) -> list[UnmatchedLocode]:
    """Attach each code to its place (setting ``locodes`` and ``id``); the codes left unmatched."""
    index = _name_index(places)
    unmatched: list[UnmatchedLocode] = []
    for row in rows:
        if row.lat is None or row.lon is None:
            unmatched.append(UnmatchedLocode(locode=row.locode, name=row.name, reason="no coordinates"))
            continue
        place, km = _nearest(index, row.locode[:2], [row.name], row.lat, row.lon)
        if place is not None and km <= MATCH_KM:
            place.locodes.append(row.locode)
            continue
        unmatched.append(UnmatchedLocode(locode=row.locode, name=row.name, reason=_why(row, place, km)))
    for place in places:
        if place.locodes:
            # The code whose own name is the place's name first; then in code order.
            own = set(variants(place.names.en))
            by_name = {r.locode: bool(_spellings(r.name) & own) for r in rows}
            place.locodes.sort(key=lambda code: (not by_name[code], code))
            place.id = place.locodes[0]
    return unmatched


def _why(row: LocodeRow, place: GeoPlace | None, km: float) -> str:
    if row.locode.startswith("AF") and row.subdivision not in NORTH_AFGHANISTAN_ISO:
        return f"outside the extracted regions (AF-{row.subdivision or '?'})"
    if place is None:
        return "no place of that name among the extracted GeoNames places"
    whole = row.lat is not None and row.lon is not None and row.lat.is_integer() and row.lon.is_integer()
    return f"the nearest place of that name is {km:.0f} km away" + (
        " (the code's coordinates are whole degrees)" if whole else ""
    )


class OldPlace(msgspec.Struct, kw_only=True):
    """A place of the old hand-written gazetteer (``market/data/places.json``) or of the route
    network (``market/data/routes.json``)."""

    id: str
    country: str
    kind: str = "city"
    lat: float
    lon: float
    names: dict[str, str | list[str] | None]


def old_ids(places: list[GeoPlace], old_json: bytes) -> dict[str, str]:
    """Each id of the old places -> the id of its place here (its code if attached, else by name).

    Every town must be found; a place of another kind (a dry port, a border post) that is no
    GeoNames town keeps its own id and is left out.
    """
    index = _name_index(places)
    by_locode = {code: p.id for p in places for code in p.locodes}
    aliases: dict[str, str] = {}
    for old in msgspec.json.decode(old_json, type=list[OldPlace]):
        if old.id in by_locode:
            continue  # still an id as it is
        names = [n for v in old.names.values() if v for n in ([v] if isinstance(v, str) else v)]
        place, km = _nearest(index, old.country, names, old.lat, old.lon)
        if (place is None or km > MATCH_KM) and old.kind != "city":
            continue
        if place is None or km > MATCH_KM:
            raise ValueError(f"old place {old.id} has no GeoNames place of its names within {MATCH_KM} km")
        aliases[old.id] = place.id
    return aliases
