"""The platform admin's page (signed in with the admin token): register an organization and
issue it an API key, the first two steps of the README's walk. The same services as
``POST /v1/organizations`` and ``POST /v1/organizations/{id}/api-keys``."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.plugins.htmx import HTMXTemplate

from market.access import caller_of, requires
from market.auth import Caller
from market.errors import Forbidden
from market.organizations.service import create_api_key, create_organization, get_organization
from market.web.listing_form import organization_from_form
from market.web.rendering import page
from schemas.organizations import ApiKeyCreate

__all__ = ["admin_page", "issue_key_form", "register_organization_form"]

ADMIN_ONLY = requires("admin")


def _admin(request: Request[Any, Any, Any]) -> Caller:
    """The caller, who must be the platform admin (the routes name the API's scopes, which a
    chamber holds too: its own pages are /chamber)."""
    caller = caller_of(request.scope)
    if not caller.is_admin:
        raise Forbidden("this page is the platform admin's")
    return caller


@get("/admin", name="admin-page", include_in_schema=False, **ADMIN_ONLY)
async def admin_page(request: Request[Any, Any, Any]) -> HTMXTemplate:
    """Register an organization."""
    return page(request, "admin.html", organization=None, key=None)


@post(
    "/admin/organizations",
    name="register-organization-form",
    include_in_schema=False,
    **requires("members:write"),
)
async def register_organization_form(
    request: Request[Any, Any, Any], connection: NamedDependency[asyncpg.Connection]
) -> HTMXTemplate:
    """Register an organization of any kind and country."""
    form = await request.form()
    caller = _admin(request)
    created = await create_organization(
        connection, caller, organization_from_form(form, str(form.get("country") or ""))
    )
    return page(request, "admin.html", organization=created, key=None)


@post(
    "/admin/organizations/{organization_id:uuid}/api-keys",
    name="issue-key-form",
    include_in_schema=False,
    **requires("keys:write"),
)
async def issue_key_form(
    request: Request[Any, Any, Any],
    organization_id: FromPath[UUID],
    connection: NamedDependency[asyncpg.Connection],
) -> HTMXTemplate:
    """Issue the organization an API key with its kind's scopes; the secret is shown this once."""
    caller = _admin(request)
    key = await create_api_key(connection, caller, organization_id, ApiKeyCreate())
    organization = await get_organization(connection, organization_id, caller)
    response = page(request, "admin.html", organization=organization, key=key)
    response.headers["Cache-Control"] = "no-store"
    return response
