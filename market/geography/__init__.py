"""Real geography: every populated place of the region (GeoNames) with its UN/LOCODE, by any name.

The data is built once by ``python -m market.geography.build`` into
``market/data/geography.json.gz``; the server reads only that file, at first use. Listings place
their origin and destination on it (``market.places``) and routes start and end at its towns
(``market.routes.access``).
"""

from __future__ import annotations

from market.geography.index import PlaceIndex, autocomplete, load_gazetteer, place_index, resolve
from market.geography.locode import km_between
from market.geography.model import Gazetteer, GeoNames, GeoPlace, Resolution, ResolvedBy, UnmatchedLocode
from market.geography.normalize import name_key, spelling_key
from market.geography.scripts import cyrillic_to_latin, is_cyrillic, latin_to_cyrillic

__all__ = [
    "Gazetteer",
    "GeoNames",
    "GeoPlace",
    "PlaceIndex",
    "Resolution",
    "ResolvedBy",
    "UnmatchedLocode",
    "autocomplete",
    "cyrillic_to_latin",
    "is_cyrillic",
    "km_between",
    "latin_to_cyrillic",
    "load_gazetteer",
    "name_key",
    "place_index",
    "resolve",
    "spelling_key",
]
