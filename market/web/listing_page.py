"""A listing's page: everything public about it, its organization, its ranked matches and its route.

The same services as ``GET /v1/listings/{id}``, ``GET /v1/organizations/{id}`` and
``GET /v1/listings/{id}/matches``. Matching needs the search index: while it is away the page
says so and shows the rest.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg
import msgspec
from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.plugins.htmx import HTMXTemplate

from market.access import caller_of
from market.errors import InvalidInput, NotFound
from market.listings.service import get_listing
from market.matching.route_cache import Router
from market.matching.service import MatchFilters, find_matches, route_end
from market.organizations.service import get_organization
from market.routes.network import MODES, RouteNetwork
from market.routes.service import current_network
from market.settings import Settings
from market.web.rendering import page
from market.web.route_map import draw_route
from schemas.listings import Listing
from schemas.matches import Matches, ScoreParts
from schemas.routes import Route
from search.client import SearchReader, SearchUnavailable

__all__ = ["listing_page"]

PART_NAMES = ScoreParts.__struct_fields__


def _own_route(network: RouteNetwork, listing: Listing) -> Route | None:
    """The listing's own route, when it names both where the goods are and where they go (from
    matching's route cache: a listing's page is shown far more often than its places change)."""
    start, end = (
        route_end(msgspec.to_builtins(listing.origin)),
        route_end(msgspec.to_builtins(listing.destination)),
    )
    if not (start and end) or start[0] == end[0]:
        return None
    routes = Router(network).routes(start[0], end[0], MODES, k=1)
    return routes[0] if routes else None


@get("/listings/{listing_id:uuid}", name="listing-page", include_in_schema=False)
async def listing_page(
    request: Request[Any, Any, Any],
    listing_id: FromPath[UUID],
    pool: NamedDependency[asyncpg.Pool],
    search_reader: NamedDependency[SearchReader],
    settings: NamedDependency[Settings],
) -> HTMXTemplate:
    """One listing with its matches and route."""
    caller = caller_of(request.scope)
    async with pool.acquire() as conn:
        listing = await get_listing(conn, listing_id, caller.organization_id)
        organization = await get_organization(conn, listing.organization.id, caller)
        chamber = None
        if organization.member_of is not None:
            try:
                chamber = await get_organization(conn, organization.member_of, caller)
            except NotFound:
                chamber = None
        network, _ = await current_network(conn)
    route = _own_route(network, listing)
    matches: Matches | None = None
    matches_unavailable = None
    try:
        matches = await find_matches(
            pool, search_reader, settings.listings_index, listing_id, caller.organization_id, MatchFilters()
        )
    except SearchUnavailable:
        matches_unavailable = "search"
    except InvalidInput:  # a draft without an HS code: nothing to match on yet
        matches_unavailable = "hs_code"
    return page(
        request,
        "listing.html",
        listing=listing,
        organization=organization,
        chamber=chamber,
        matches=matches,
        matches_unavailable=matches_unavailable,
        part_names=PART_NAMES,
        route=route,
        drawing=draw_route(network, route) if route else None,
        owner=caller.organization_id is not None and caller.organization_id == listing.organization.id,
    )
