"""HTTP: /v1/commodities (HS code lookup and suggestions)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import PathParameter, QueryParameter
from meilisearch_python_sdk import AsyncClient

from market.code_lookups import hs_hierarchy
from market.commodities.service import commodity, suggest_codes
from market.problems import problem_responses
from market.settings import Settings
from schemas.commodities import CommodityDetail, CommoditySuggestions
from schemas.common import HS_PREFIX_PATTERN

__all__ = ["CommodityController"]


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
        return await suggest_codes(meili, settings.commodities_index, q, limit)

    @get("/{code:str}", operation_id="getCommodity", responses=problem_responses(400, 404))
    async def get_one(
        self,
        code: Annotated[str, PathParameter(pattern=HS_PREFIX_PATTERN, description="2, 4 or 6 digits")],
    ) -> CommodityDetail:
        """One HS chapter, heading or subheading, with the entries above it."""
        this = commodity(code)
        parents = [commodity(p.hscode) for p in hs_hierarchy(code)]
        return CommodityDetail(**msgspec.structs.asdict(this), parents=parents)
