"""HTTP: /v1/listings."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import asyncpg
from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, HeaderParameter, JSONBody, PathParameter, QueryParameter

from market.access import requires
from market.auth import Caller
from market.examples import ListingBody
from market.listings import service
from market.listings.batch import parse_batch_body, summarize, write_batch
from market.listings.fallback import DEGRADED_HEADER, search_or_fallback
from market.listings.openapi import BATCH_MAX_BYTES, BatchOperation
from market.listings.search_params import listing_query_dependency
from market.params import not_null
from market.problems import problem_responses
from market.settings import Settings
from schemas.common import (
    COUNTRY_PATTERN,
    EXTERNAL_REF_PATTERN,
)
from schemas.listings import BatchResults, Listing, ListingCreate, ListingOwner, ListingPatch, SearchResults
from search.client import SearchReader
from search.queries import ListingQuery

__all__ = ["ListingController", "listing_with_etag"]


Country = Annotated[
    str | None,
    QueryParameter(pattern=COUNTRY_PATTERN, description="ISO 3166-1 alpha-2", schema_extra=not_null(str)),
]


def listing_with_etag(listing: Listing, status_code: int = 200) -> Response[Listing]:
    """A listing answer with its ETag: the version a later If-Match names."""
    return Response(listing, status_code=status_code, headers={"ETag": service.etag(listing.version)})


class ListingController(Controller):
    path = "/v1/listings"
    tags = ["listings"]

    @post(
        "/",
        operation_id="createListing",
        responses=problem_responses(400, 401, 403, 409, 413, 422),
        status_code=201,
        **requires("listings:write", organization=True),
    )
    async def create(
        self,
        data: ListingBody[ListingCreate],
        caller_organization: NamedDependency[UUID],
        connection: NamedDependency[asyncpg.Connection],
    ) -> Response[ListingOwner]:
        """Post an export offer or an import demand."""
        listing = await service.create_listing(connection, caller_organization, data)
        return listing_with_etag(listing, 201)  # type: ignore[return-value]

    @post(
        "/batch",
        operation_id="createListingsBatch",
        responses=problem_responses(400, 401, 403, 409, 413, 415, 422),
        status_code=200,
        request_max_body_size=BATCH_MAX_BYTES,
        operation_class=BatchOperation,
        **requires("listings:write", organization=True),
    )
    async def batch(
        self,
        request: Request[Any, Any, Any],
        caller: NamedDependency[Caller],
        pool: NamedDependency[asyncpg.Pool],  # a connection is taken once the body is read and decoded
    ) -> BatchResults:
        """Create or update up to 1,000 listings; one result per item, in input order."""
        items = parse_batch_body(await request.body(), request.content_type[0])
        return summarize(await write_batch(pool, caller, items))

    @put(
        "/by-ref/{external_ref:str}",
        operation_id="putListingByRef",
        responses={
            201: ResponseSpec(
                data_container=ListingOwner, description="Created: no listing had this reference"
            ),
            **problem_responses(400, 401, 403, 409, 413, 422),
        },
        **requires("listings:write", organization=True),
    )
    async def put_by_ref(
        self,
        external_ref: Annotated[str, PathParameter(pattern=EXTERNAL_REF_PATTERN)],
        data: ListingBody[ListingCreate],
        caller_organization: NamedDependency[UUID],
        connection: NamedDependency[asyncpg.Connection],
    ) -> Response[ListingOwner]:
        """Create or replace your listing with this external reference (201 created, 200 replaced)."""
        listing, created = await service.put_by_ref(connection, caller_organization, external_ref, data)
        return listing_with_etag(listing, 201 if created else 200)  # type: ignore[return-value]

    @get("/{listing_id:uuid}", operation_id="getListing", responses=problem_responses(400, 401, 404))
    async def get_one(
        self,
        listing_id: FromPath[UUID],
        caller: NamedDependency[Caller],
        connection: NamedDependency[asyncpg.Connection],
    ) -> Response[Listing]:
        """One listing, with its ETag. Drafts are visible to their owner only."""
        listing = await service.get_listing(connection, listing_id, caller.organization_id)
        return listing_with_etag(listing)

    @patch(
        "/{listing_id:uuid}",
        operation_id="updateListing",
        responses=problem_responses(400, 401, 403, 404, 409, 412, 413, 422, 428),
        **requires("listings:write", organization=True),
    )
    async def update(
        self,
        listing_id: FromPath[UUID],
        data: JSONBody[ListingPatch],
        caller_organization: NamedDependency[UUID],
        connection: NamedDependency[asyncpg.Connection],
        if_match: Annotated[str | None, HeaderParameter(name="If-Match", schema_extra=not_null(str))] = None,
    ) -> Response[ListingOwner]:
        """Change your listing. Send If-Match with the ETag you read; a stale one gets 412."""
        listing = await service.patch_listing(connection, listing_id, caller_organization, data, if_match)
        return listing_with_etag(listing)  # type: ignore[return-value]

    @delete(
        "/{listing_id:uuid}",
        operation_id="closeListing",
        responses=problem_responses(400, 401, 403, 404),
        status_code=204,
        **requires("listings:write", organization=True),
    )
    async def close(
        self,
        listing_id: FromPath[UUID],
        caller_organization: NamedDependency[UUID],
        connection: NamedDependency[asyncpg.Connection],
    ) -> None:
        """Close your listing: it leaves search and matching for good."""
        await service.close_listing(connection, listing_id, caller_organization)

    @get(
        "/",
        operation_id="searchListings",
        responses=problem_responses(400, 401, 422, 503),
        dependencies={"listing_search": listing_query_dependency},
    )
    async def search(
        self,
        search_reader: NamedDependency[SearchReader],
        settings: NamedDependency[Settings],
        pool: NamedDependency[asyncpg.Pool],  # a connection only if Meilisearch cannot answer
        listing_search: NamedDependency[ListingQuery],
    ) -> Response[SearchResults]:
        """Search active listings, typo-tolerant, with filters and facet counts.

        While Meilisearch is away, PostgreSQL answers with the same filters and a simpler ranking
        (every word must appear; newest first), and the response carries
        ``X-Search-Degraded: postgresql``.
        """
        results, degraded = await search_or_fallback(
            search_reader, settings.listings_index, pool, listing_search
        )
        return Response(results, headers={DEGRADED_HEADER: "postgresql"} if degraded else None)
