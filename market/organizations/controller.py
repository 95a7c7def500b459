"""HTTP: /v1/organizations."""

from __future__ import annotations

from uuid import UUID

import asyncpg
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from market.auth import Caller
from market.examples import OrganizationBody
from market.organizations import service
from schemas.organizations import (
    ApiKeyCreate,
    ApiKeyCreated,
    OrganizationCreate,
    OrganizationPrivate,
    OrganizationPublic,
)

__all__ = ["OrganizationController"]


class OrganizationController(Controller):
    path = "/v1/organizations"
    tags = ["organizations"]

    @post("/", operation_id="createOrganization", status_code=201)
    async def create(
        self,
        data: OrganizationBody[OrganizationCreate],
        caller: NamedDependency[Caller],
        pool: NamedDependency[asyncpg.Pool],
    ) -> OrganizationPrivate:
        """Create an organization (platform admin, or a chamber creating a member)."""
        async with pool.acquire() as conn:
            return await service.create_organization(conn, caller, data)

    @get("/me", operation_id="getMyOrganization")
    async def me(
        self, caller: NamedDependency[Caller], pool: NamedDependency[asyncpg.Pool]
    ) -> OrganizationPrivate:
        """The organization the API key belongs to."""
        organization_id = caller.require_organization()
        async with pool.acquire() as conn:
            org = await service.get_organization(conn, organization_id, with_contact=True)
        assert isinstance(org, OrganizationPrivate)
        return org

    @get("/{organization_id:uuid}", operation_id="getOrganization")
    async def get_one(
        self,
        organization_id: FromPath[UUID],
        caller: NamedDependency[Caller],
        pool: NamedDependency[asyncpg.Pool],
    ) -> OrganizationPublic | OrganizationPrivate:
        """One organization; contact details only for authenticated callers."""
        async with pool.acquire() as conn:
            return await service.get_organization(conn, organization_id, with_contact=not caller.is_anonymous)

    @post("/{organization_id:uuid}/api-keys", operation_id="createApiKey", status_code=201)
    async def create_key(
        self,
        organization_id: FromPath[UUID],
        caller: NamedDependency[Caller],
        pool: NamedDependency[asyncpg.Pool],
        data: JSONBody[ApiKeyCreate | None] = None,
    ) -> ApiKeyCreated:
        """Issue an API key. The secret is in this response only; store it now."""
        async with pool.acquire() as conn:
            return await service.create_api_key(conn, caller, organization_id, data or ApiKeyCreate())
