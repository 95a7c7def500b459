"""The gazetteer in memory: ids and every name -> places, built once at first use from the file.

A lookup tries, in order: an id (UN/LOCODE, ``GN-<geonameid>`` or an id of the old gazetteer);
the ``name_key`` of any name (GeoNames' own, alternate, former); the query transliterated between
the Cyrillic and Latin alphabets of Uzbek and Kazakh; the looser ``spelling_key``. Where a tier
finds several places, the most populous one in the country asked about (or anywhere) is taken,
and the answer says ``ambiguous_name`` and names the others.
"""

from __future__ import annotations

import gzip
import math
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources

import msgspec

from market.geography.locode import km_between
from market.geography.model import Gazetteer, GeoPlace, NameTables, Resolution, ResolvedBy
from market.geography.normalize import edit_distance, name_key, spelling_key
from market.geography.scripts import cyrillic_to_latin, is_cyrillic, latin_to_cyrillic

__all__ = [
    "PlaceIndex",
    "autocomplete",
    "load_gazetteer",
    "name_tables",
    "place_index",
    "resolve",
]

_TRANSLITERATED = ("uz", "kk")


def load_gazetteer(raw: bytes | None = None) -> Gazetteer:
    """The gazetteer file (``market/data/geography.json.gz``), or ``raw`` (its gzip'd bytes)."""
    if raw is None:
        raw = (resources.files("market") / "data" / "geography.json.gz").read_bytes()
    return msgspec.json.decode(gzip.decompress(raw), type=Gazetteer)


def name_tables(places: list[GeoPlace]) -> NameTables:
    """Every key of every name of ``places``: what a lookup searches."""
    names: dict[str, list[int]] = defaultdict(list)
    spellings: dict[str, list[int]] = defaultdict(list)
    former_keys: list[tuple[str, int]] = []
    for i, place in enumerate(places):
        current = {name_key(n): n for n in (place.names.en, *place.names.alt)}
        former = {name_key(n): n for n in place.names.former}
        for key, name in (current | former).items():
            names[key].append(i)
            if max(name) < "\u0530":  # Latin, Greek or Cyrillic: other scripts have no romanisation here
                spellings[spelling_key(name)].append(i)
            if key in former:
                former_keys.append((key, i))
    return NameTables(names=_unique(names), spellings=_unique(spellings), former=former_keys)


def _unique(index: dict[str, list[int]]) -> dict[str, list[int]]:
    return {key: list(dict.fromkeys(index[key])) for key in sorted(index)}


class PlaceIndex:
    """Every place of the gazetteer by id and by every key of every name."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.places = gazetteer.places
        self.aliases = gazetteer.aliases
        self.by_id: dict[str, int] = {}
        for i, place in enumerate(self.places):
            for code in (place.id, f"GN-{place.geonameid}", *place.locodes):
                self.by_id.setdefault(code, i)
        tables = gazetteer.tables or name_tables(self.places)
        self.names = tables.names
        self.spellings = tables.spellings
        self.former = {(key, i) for key, i in tables.former}
        self.sorted_names = sorted(self.names)
        self.sorted_spellings = sorted(self.spellings)

    def get(self, place_id: str) -> GeoPlace | None:
        """The place of an id (a UN/LOCODE, ``GN-<geonameid>`` or an old id), or None."""
        code = place_id.strip().upper()
        i = self.by_id.get(self.aliases.get(code, code))
        return None if i is None else self.places[i]

    def _in(self, hits: Iterable[int], country: str | None) -> list[int]:
        found = [i for i in hits if country is None or self.places[i].country == country]
        return sorted(found, key=lambda i: (-self.places[i].population, self.places[i].geonameid))

    def _answer(self, hits: list[int], resolved_by: ResolvedBy) -> Resolution:
        place = self.places[hits[0]]
        if len(hits) > 1:
            return Resolution(
                place=place, resolved_by="ambiguous_name", others=[self.places[i].id for i in hits[1:6]]
            )
        return Resolution(place=place, resolved_by=resolved_by)

    def identify(self, place_id: str) -> Resolution | None:
        """The place of an id, saying whether it is one of today's ids (``id``: a UN/LOCODE or
        ``GN-<geonameid>``) or an id the place had before (``old_id``); None if neither."""
        code = place_id.strip().upper()
        if code in self.by_id:
            return Resolution(place=self.places[self.by_id[code]], resolved_by="id")
        if code in self.aliases:
            return Resolution(place=self.places[self.by_id[self.aliases[code]]], resolved_by="old_id")
        return None

    def resolve(self, query: str, country: str | None = None) -> Resolution | None:
        """The place a query names (an id or a name in any spelling), and how it was found."""
        if found := self.identify(query):
            return found
        key = name_key(query)
        if not key:
            return None
        if hits := self._in(self.names.get(key, ()), country):
            former = all((key, i) in self.former for i in hits)
            return self._answer(hits, "former_name" if former else "name")
        for language in _TRANSLITERATED:
            other = cyrillic_to_latin(key, language) if is_cyrillic(key) else latin_to_cyrillic(key, language)
            if hits := self._in(self.names.get(name_key(other), ()), country):
                return self._answer(hits, "transliteration")
        if hits := self._in(self.spellings.get(spelling_key(query), ()), country):
            return self._answer(hits, "transliteration")
        return None

    def within(self, lat: float, lon: float, km: float) -> list[GeoPlace]:
        """The places no farther than ``km`` from a point."""
        # A degree of latitude is 111 km everywhere; of longitude, less away from the equator.
        dlat = km / 111.0
        dlon = km / max(111.0 * math.cos(math.radians(min(abs(lat) + dlat, 89.9))), 1e-6)
        return [
            p
            for p in self.places
            if abs(p.lat - lat) <= dlat
            and (abs(p.lon - lon) <= dlon or abs(p.lon - lon) >= 360 - dlon)
            and km_between(lat, lon, p.lat, p.lon) <= km
        ]

    def nearest(self, country: str, lat: float, lon: float, within_km: float) -> GeoPlace | None:
        """The place of ``country`` nearest a point, if one is within ``within_km``."""
        found = [(km_between(lat, lon, p.lat, p.lon), p) for p in self.within(lat, lon, within_km)]
        found = [(km, p) for km, p in found if p.country == country]
        return min(found, key=lambda pair: (pair[0], -pair[1].population))[1] if found else None

    def _prefixed(self, keys: list[str], table: dict[str, list[int]], prefix: str) -> list[int]:
        found: list[int] = []
        start = bisect_left(keys, prefix)
        for key in keys[start : start + 400]:
            if not key.startswith(prefix):
                break
            found += table[key]
        return found

    def autocomplete(self, query: str, country: str | None = None, limit: int = 10) -> list[GeoPlace]:
        """Places for a partly typed name, best first: exact, then prefix, then fuzzy matches."""
        key, spelling = name_key(query), spelling_key(query)
        if not key:
            return []
        tiers = [
            self._in([*self.names.get(key, ()), *self.spellings.get(spelling, ())], country),
            self._in(self._prefixed(self.sorted_names, self.names, key), country),
            self._in(self._prefixed(self.sorted_spellings, self.spellings, spelling), country),
        ]
        chosen = list(dict.fromkeys(i for tier in tiers for i in tier))
        # Near spellings only when nothing starts so: a typo ("Samarkant"), not a short prefix,
        # which the tiers above already answer and which would match half the region fuzzily.
        if not chosen and len(spelling) >= 3:
            chosen = self._fuzzy(spelling, country)
        return [self.places[i] for i in chosen[:limit]]

    def _fuzzy(self, spelling: str, country: str | None) -> list[int]:
        """Places whose spelling starts within one or two edits of ``spelling``, among the keys
        sharing its first two letters (a typo is rarely there, and that keeps the scan short)."""
        limit = 1 if len(spelling) <= 5 else 2
        start = bisect_left(self.sorted_spellings, spelling[:2])
        scored: dict[int, int] = {}
        for key in self.sorted_spellings[start:]:
            if not key.startswith(spelling[:2]):
                break
            distance = edit_distance(spelling, key[: len(spelling) + limit], limit)
            if distance <= limit:
                for i in self.spellings[key]:
                    scored[i] = min(scored.get(i, distance), distance)
        ranked = self._in(scored, country)
        return sorted(ranked, key=lambda i: scored[i])


@lru_cache(maxsize=1)
def place_index() -> PlaceIndex:
    """The index of the shipped gazetteer, built at first use."""
    return PlaceIndex(load_gazetteer())


def resolve(query: str, country: str | None = None) -> Resolution | None:
    """``place_index().resolve``: the place an id or a name in any spelling names."""
    return place_index().resolve(query, country)


def autocomplete(query: str, country: str | None = None, limit: int = 10) -> list[GeoPlace]:
    """``place_index().autocomplete``: places for a partly typed name, best first."""
    return place_index().autocomplete(query, country, limit)
