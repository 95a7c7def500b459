"""Places: the region's towns from GeoNames, with their UN/LOCODEs, as the API shows them."""

from __future__ import annotations

import msgspec

__all__ = ["PlaceNames", "PlaceSuggestions", "PlaceView"]


class PlaceNames(msgspec.Struct, kw_only=True):
    """A place's names: GeoNames' own (English-language) form, the Russian one and the one in the
    country's language, where they can be told apart, and former (mostly Soviet) names."""

    en: str
    ru: str | None
    local: str | None
    former: list[str]


class PlaceView(msgspec.Struct, kw_only=True):
    """A populated place: a town, a city, a border settlement."""

    id: str
    """Its UN/LOCODE where one is attached (``UZTAS``), else ``GN-<geonameid>``."""
    names: PlaceNames
    country: str
    region: str
    """The GeoNames code of its first-level region within the country (admin1)."""
    lat: float
    lon: float
    population: int
    locodes: list[str]
    """Every UN/LOCODE attached to the place, the id first."""
    geonameid: int


class PlaceSuggestions(msgspec.Struct, kw_only=True):
    """Places for a partly typed name, best first: exact names, then prefixes, then near spellings."""

    places: list[PlaceView]
