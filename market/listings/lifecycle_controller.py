"""HTTP: POST /v1/listings/{id}/renew."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import asyncpg
from litestar import Controller, Response, post
from litestar.di import NamedDependency
from litestar.params import FromPath, HeaderParameter

from market.access import requires
from market.examples import example_body
from market.listings import lifecycle
from market.listings.controller import listing_with_etag
from market.openapi import OptionalBody
from market.params import not_null
from market.problems import problem_responses
from schemas.listings import ListingOwner, ListingRenew

__all__ = ["LifecycleController"]

RenewBody = Annotated[
    ListingRenew | None,
    example_body(
        ("Ninety days from now (the default)", {}),
        ("Thirty days from now", {"days": 30}),
        ("Until a date", {"expires_at": "2027-06-30T00:00:00Z"}),
    ),
]


class LifecycleController(Controller):
    path = "/v1/listings"
    tags = ["listings"]

    @post(
        "/{listing_id:uuid}/renew",
        operation_id="renewListing",
        status_code=200,
        responses=problem_responses(400, 401, 403, 404, 409, 412, 413, 422),
        operation_class=OptionalBody,
        **requires("listings:write", organization=True),
    )
    async def renew(
        self,
        listing_id: FromPath[UUID],
        caller_organization: NamedDependency[UUID],
        connection: NamedDependency[asyncpg.Connection],
        data: RenewBody = None,
        if_match: Annotated[str | None, HeaderParameter(name="If-Match", schema_extra=not_null(str))] = None,
    ) -> Response[ListingOwner]:
        """Renew your listing (default 90 days, at most 365); an expired one goes back on the market."""
        listing = await lifecycle.renew_listing(
            connection, listing_id, caller_organization, data or ListingRenew(), if_match
        )
        return listing_with_etag(listing)  # type: ignore[return-value]
