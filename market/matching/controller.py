"""HTTP: GET /v1/listings/{id}/matches."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

import asyncpg
from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from market.access import requires
from market.auth import Caller
from market.cursors import CURSOR_PATTERN
from market.errors import ServiceUnavailable
from market.matching.inbox import read_inbox
from market.matching.service import MatchFilters, find_matches
from market.params import not_null
from market.problems import problem_responses
from market.settings import Settings
from schemas.matches import Matches, MatchInbox
from search.client import SearchReader, SearchUnavailable

__all__ = ["MatchController", "match_inbox"]


class MatchController(Controller):
    path = "/v1/listings"
    tags = ["matching"]

    @get(
        "/{listing_id:uuid}/matches",
        operation_id="listingMatches",
        responses=problem_responses(400, 401, 404, 422, 503),
    )
    async def matches(
        self,
        listing_id: FromPath[UUID],
        caller: NamedDependency[Caller],
        pool: NamedDependency[asyncpg.Pool],  # each query takes a connection: none waits on Meilisearch
        search_reader: NamedDependency[SearchReader],
        settings: NamedDependency[Settings],
        via: Annotated[
            str | None,
            QueryParameter(
                max_length=100, description="Only routes through this crossing id", schema_extra=not_null(str)
            ),
        ] = None,
        mode: Annotated[
            Literal["road", "rail"] | None, QueryParameter(schema_extra=not_null(str, enum=("road", "rail")))
        ] = None,
        max_days: Annotated[
            float | None,
            QueryParameter(
                gt=0,
                le=60,
                description="Longest route in days",
                schema_extra=not_null(float, exclusive_minimum=0),
            ),
        ] = None,
        min_score: Annotated[float, QueryParameter(ge=0, le=1)] = 0.0,
        limit: Annotated[int, QueryParameter(ge=1, le=50)] = 20,
    ) -> Matches:
        """Counterparts for a listing, best first, each with its score parts, route and a one-line reason."""
        filters = MatchFilters(via=via, mode=mode, max_days=max_days, min_score=min_score, limit=limit)
        try:
            return await find_matches(
                pool, search_reader, settings.listings_index, listing_id, caller.organization_id, filters
            )
        except SearchUnavailable as exc:
            raise ServiceUnavailable(
                "matching needs the search index, which is unavailable; retry shortly"
            ) from exc


@get(
    "/v1/matches",
    operation_id="matchInbox",
    tags=["matching"],
    responses=problem_responses(400, 401, 403, 422),
    **requires("read", organization=True),
)
async def match_inbox(
    caller_organization: NamedDependency[UUID],
    connection: NamedDependency[asyncpg.Connection],
    listing_id: Annotated[
        UUID | None,
        QueryParameter(description="Only events for this listing of yours", schema_extra=not_null(UUID)),
    ] = None,
    cursor: Annotated[
        str | None,
        QueryParameter(
            max_length=18,
            pattern=CURSOR_PATTERN,
            description="next_cursor of the previous page",
            schema_extra=not_null(str),
        ),
    ] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
) -> MatchInbox:
    """Your match inbox: counterparts found for your active listings, newest first."""
    return await read_inbox(
        connection, caller_organization, cursor=cursor, listing_id=listing_id, limit=limit
    )
