"""HTTP: /v1/commodities (HS code lookup and suggestions)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import PathParameter, QueryParameter
from meilisearch_python_sdk import AsyncClient

from market.code_lookups import hs_entry, hs_hierarchy
from market.errors import NotFound
from market.glossary import headings_for
from market.problems import problem_responses
from market.settings import Settings
from schemas.commodities import Commodity, CommodityDetail, CommoditySuggestions
from schemas.common import HS_PREFIX_PATTERN
from search.commodities import suggest_commodities

__all__ = ["CommodityController"]


def _commodity(code: str) -> Commodity:
    entry = hs_entry(code)
    if entry is None:
        raise NotFound(f"HS code {code} is not in the nomenclature")
    return Commodity(code=entry.hscode, description=entry.description, level=len(code), section=entry.section)


class CommodityController(Controller):
    path = "/v1/commodities"
    tags = ["commodities"]

    @get("/", operation_id="suggestCommodities", responses=problem_responses(400))
    async def suggest(
        self,
        meili: NamedDependency[AsyncClient],
        settings: NamedDependency[Settings],
        q: Annotated[str, QueryParameter(min_length=1, max_length=200, description="Free text")],
        limit: Annotated[int, QueryParameter(ge=1, le=50)] = 10,
    ) -> CommoditySuggestions:
        """Suggest HS codes for goods described in English, Russian, Kazakh, Uzbek, Tajik or Kyrgyz."""
        # The glossary knows the region's words for traded goods ("мука", "un", "ұн"); the HS
        # index knows the nomenclature's English. Glossary headings come first.
        from_glossary = [_commodity(code) for code in headings_for(q)[:limit]]
        hits = await suggest_commodities(meili, settings.commodities_index, q.strip(), limit=limit)
        seen = {c.code for c in from_glossary}
        from_index = [c for c in msgspec.convert(hits, list[Commodity]) if c.code not in seen]
        return CommoditySuggestions(query=q, suggestions=[*from_glossary, *from_index][:limit])

    @get("/{code:str}", operation_id="getCommodity", responses=problem_responses(400, 404))
    async def get_one(
        self,
        code: Annotated[str, PathParameter(pattern=HS_PREFIX_PATTERN, description="2, 4 or 6 digits")],
    ) -> CommodityDetail:
        """One HS chapter, heading or subheading, with the entries above it."""
        this = _commodity(code)
        parents = [_commodity(p.hscode) for p in hs_hierarchy(code)]
        return CommodityDetail(**msgspec.structs.asdict(this), parents=parents)
