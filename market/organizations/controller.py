"""HTTP: /v1/organizations."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import asyncpg
from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.openapi.spec import OpenAPIResponse, Operation, Schema
from litestar.params import FromPath, JSONBody

from market.access import requires
from market.auth import Caller
from market.examples import OrganizationBody
from market.idempotency import SECRET_RESPONSE
from market.openapi import OptionalBody
from market.organizations import service
from market.problems import problem_responses
from schemas.organizations import (
    ApiKeyCreate,
    ApiKeyCreated,
    OrganizationCreate,
    OrganizationPatch,
    OrganizationPrivate,
    OrganizationPublic,
)

__all__ = ["OrganizationController"]


@dataclass
class _PublicOrPrivate(Operation):
    """The private view adds fields to the public one, so an answer fits both: anyOf, not oneOf."""

    def __post_init__(self) -> None:
        ok = (self.responses or {}).get("200")
        for media in (ok.content or {}).values() if isinstance(ok, OpenAPIResponse) else ():
            if isinstance(media.schema, Schema) and media.schema.one_of:
                media.schema.any_of, media.schema.one_of = media.schema.one_of, None


class OrganizationController(Controller):
    path = "/v1/organizations"
    tags = ["organizations"]

    @post(
        "/",
        operation_id="createOrganization",
        status_code=201,
        responses=problem_responses(400, 401, 403, 409, 413, 422),
        **requires("members:write"),
    )
    async def create(
        self,
        data: OrganizationBody[OrganizationCreate],
        caller: NamedDependency[Caller],
        connection: NamedDependency[asyncpg.Connection],
    ) -> OrganizationPrivate:
        """Create an organization (platform admin, or a chamber creating a member)."""
        return await service.create_organization(connection, caller, data)

    @get(
        "/me",
        operation_id="getMyOrganization",
        responses=problem_responses(401, 403),
        **requires(organization=True),
    )
    async def me(
        self,
        caller: NamedDependency[Caller],
        caller_organization: NamedDependency[UUID],
        connection: NamedDependency[asyncpg.Connection],
    ) -> OrganizationPrivate:
        """The organization the API key belongs to."""
        org = await service.get_organization(connection, caller_organization, caller)
        assert isinstance(org, OrganizationPrivate)
        return org

    @get(
        "/{organization_id:uuid}",
        operation_id="getOrganization",
        responses=problem_responses(400, 401, 404),
        operation_class=_PublicOrPrivate,
    )
    async def get_one(
        self,
        organization_id: FromPath[UUID],
        caller: NamedDependency[Caller],
        connection: NamedDependency[asyncpg.Connection],
    ) -> OrganizationPublic | OrganizationPrivate:
        """One organization, with how it answers introduction requests. Contact details are shown
        to the organization itself, its chamber, the platform admin, and organizations with an
        accepted introduction between them."""
        return await service.get_organization(connection, organization_id, caller)

    @patch(
        "/{organization_id:uuid}",
        operation_id="updateOrganization",
        responses=problem_responses(400, 401, 403, 404, 413),
        **requires("profile:write"),
    )
    async def update(
        self,
        organization_id: FromPath[UUID],
        data: JSONBody[OrganizationPatch],
        caller: NamedDependency[Caller],
        connection: NamedDependency[asyncpg.Connection],
    ) -> OrganizationPrivate:
        """Change an organization's city, contact details or the language email comes in: the
        organization itself, its chamber (which also needs ``members:write``) or the admin."""
        return await service.update_organization(connection, caller, organization_id, data)

    @post(
        "/{organization_id:uuid}/api-keys",
        operation_id="createApiKey",
        status_code=201,
        responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
        operation_class=OptionalBody,
        opt={SECRET_RESPONSE: True},  # the secret is shown once: never stored for replay
        **requires("keys:write"),
    )
    async def create_key(
        self,
        organization_id: FromPath[UUID],
        caller: NamedDependency[Caller],
        connection: NamedDependency[asyncpg.Connection],
        data: JSONBody[ApiKeyCreate | None] = None,
    ) -> ApiKeyCreated:
        """Issue an API key. The secret is in this response only; store it now."""
        return await service.create_api_key(connection, caller, organization_id, data or ApiKeyCreate())

    @post(
        "/{organization_id:uuid}/verify",
        operation_id="verifyOrganization",
        status_code=200,
        responses=problem_responses(400, 401, 403, 404),
        **requires("members:write"),
    )
    async def verify(
        self,
        organization_id: FromPath[UUID],
        caller: NamedDependency[Caller],
        connection: NamedDependency[asyncpg.Connection],
    ) -> OrganizationPrivate:
        """A chamber marks one of its members verified; matching shows it as trust."""
        return await service.verify_member(connection, caller, organization_id)

    @delete(
        "/{organization_id:uuid}/api-keys/{key_id:uuid}",
        operation_id="revokeApiKey",
        status_code=204,
        responses=problem_responses(400, 401, 403, 404),
        **requires("keys:write"),
    )
    async def revoke_key(
        self,
        organization_id: FromPath[UUID],
        key_id: FromPath[UUID],
        caller: NamedDependency[Caller],
        connection: NamedDependency[asyncpg.Connection],
    ) -> None:
        """Revoke an API key: it stops working at once (issue the new one first to rotate)."""
        await service.revoke_api_key(connection, caller, organization_id, key_id)
