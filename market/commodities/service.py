"""HS codes: one entry, and suggestions for goods described in any of the region's languages."""

from __future__ import annotations

import msgspec
from meilisearch_python_sdk import AsyncClient

from market.code_lookups import hs_entry
from market.errors import NotFound
from market.glossary import headings_for
from schemas.commodities import Commodity, CommoditySuggestions
from search.commodities import suggest_commodities

__all__ = ["commodity", "suggest_codes"]


def commodity(code: str) -> Commodity:
    """The HS chapter, heading or subheading with this code; NotFound if there is none."""
    entry = hs_entry(code)
    if entry is None:
        raise NotFound(f"HS code {code} is not in the nomenclature")
    return Commodity(code=entry.hscode, description=entry.description, level=len(code), section=entry.section)


async def suggest_codes(meili: AsyncClient, index: str, q: str, limit: int = 10) -> CommoditySuggestions:
    """Codes for the goods ``q`` describes, best first.

    The glossary knows the region's words for traded goods ("мука", "un", "ұн"); the HS index
    knows the nomenclature's English. Glossary headings come first."""
    from_glossary = [commodity(code) for code in headings_for(q)[:limit]]
    hits = await suggest_commodities(meili, index, q.strip(), limit=limit)
    seen = {c.code for c in from_glossary}
    from_index = [c for c in msgspec.convert(hits, list[Commodity]) if c.code not in seen]
    return CommoditySuggestions(query=q, suggestions=[*from_glossary, *from_index][:limit])
