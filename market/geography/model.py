"""The gazetteer file's shape (``market/data/geography.json.gz``) and a lookup's answer."""

from __future__ import annotations

from typing import Literal

import msgspec

__all__ = ["Gazetteer", "GeoNames", "GeoPlace", "NameTables", "Resolution", "ResolvedBy", "UnmatchedLocode"]


class GeoNames(msgspec.Struct, kw_only=True, omit_defaults=True):
    en: str
    """GeoNames' own name of the place (its English-language form)."""
    ru: str | None = None
    """The Russian form, chosen among the Cyrillic alternate names (GeoNames does not tag languages)."""
    local: str | None = None
    """The form in the country's own language and script, where one can be told apart."""
    alt: list[str] = []
    """Every alternate name GeoNames gives, in any script."""
    former: list[str] = []
    """Former (mostly Soviet) names, from ``market.geography.regions.FORMER_NAMES``."""


class GeoPlace(msgspec.Struct, kw_only=True, omit_defaults=True):
    id: str
    """The UN/LOCODE where one is attached, else ``GN-<geonameid>``."""
    geonameid: int
    country: str
    admin1: str
    """GeoNames admin1 code of the region (first-level division) within the country."""
    lat: float
    lon: float
    population: int
    names: GeoNames
    locodes: list[str] = []
    """Every UN/LOCODE attached to this place, the one used as id first."""


class UnmatchedLocode(msgspec.Struct, kw_only=True):
    locode: str
    name: str
    reason: str


class NameTables(msgspec.Struct, kw_only=True):
    """The name keys of every place (``market.geography.index.name_tables``), worked out when the
    file is built so that the server does not compute them at start."""

    names: dict[str, list[int]]
    """``name_key`` of each name -> the places (by position) that have it, sorted by key."""
    spellings: dict[str, list[int]]
    """``spelling_key`` of each Latin, Greek or Cyrillic name -> its places, sorted by key."""
    former: list[tuple[str, int]]
    """(name key, place) where the name is one the place had before."""


class Gazetteer(msgspec.Struct, kw_only=True):
    sources: list[str]
    places: list[GeoPlace]
    aliases: dict[str, str]
    """Ids of the former hand-written gazetteer (``market/data/places.json``) and of the route
    network's towns (``market/data/routes.json``) -> ids here."""
    unmatched_locodes: list[UnmatchedLocode]
    tables: NameTables | None = None
    """None: worked out from ``places`` when the index is built."""


ResolvedBy = Literal["id", "old_id", "name", "former_name", "transliteration", "ambiguous_name"]


class Resolution(msgspec.Struct, kw_only=True):
    place: GeoPlace
    resolved_by: ResolvedBy
    """How the query met the place: its id, an id of the old gazetteer, one of its names, a
    former (mostly Soviet) name, a transliteration or other spelling, or a name several places share (the most
    populous of them in the country asked about, or anywhere, is taken)."""
    others: list[str] = []
    """With ``ambiguous_name``: the ids of the other places of that name, most populous first."""
