"""HS commodities: lookups and free-text suggestions."""

from __future__ import annotations

import msgspec

__all__ = ["Commodity", "CommodityDetail", "CommoditySuggestions"]


class Commodity(msgspec.Struct, kw_only=True):
    """One entry of the Harmonized System: a chapter, heading or subheading."""

    code: str
    description: str
    level: int
    """2 (chapter), 4 (heading) or 6 (subheading)."""
    section: str


class CommodityDetail(Commodity, kw_only=True):
    """An HS entry with the chain of entries above it, chapter first."""

    parents: list[Commodity]


class CommoditySuggestions(msgspec.Struct, kw_only=True):
    """HS codes that fit a piece of free text, best first."""

    query: str
    suggestions: list[Commodity]
