"""Webhooks (signed in): the endpoints, a new one (its secret shown once), each one's delivery
log with redelivery. The same services as ``/v1/webhooks``."""

from __future__ import annotations

from typing import Any, get_args
from uuid import UUID

import asyncpg
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.plugins.htmx import HTMXTemplate
from litestar.response import Redirect

from market.access import caller_of, requires
from market.settings import Settings
from market.web.listing_form import decode_or_refuse, every
from market.web.rendering import page
from market.webhooks import service
from schemas.webhooks import WebhookCreate, WebhookEventType

__all__ = ["create_webhook_form", "delete_webhook_form", "redeliver_form", "webhook_page", "webhooks_page"]

EVENT_TYPES = get_args(WebhookEventType)
READ = requires("read", organization=True)
WRITE = requires("webhooks:write", organization=True)


@get("/webhooks", name="webhooks-page", include_in_schema=False, **READ)
async def webhooks_page(
    request: Request[Any, Any, Any],
    caller_organization: NamedDependency[UUID],
    connection: NamedDependency[asyncpg.Connection],
) -> HTMXTemplate:
    """The organization's webhook endpoints, and a form for a new one."""
    endpoints = await service.list_webhooks(connection, caller_organization)
    return page(request, "webhooks.html", endpoints=endpoints, event_types=EVENT_TYPES, created=None)


@post("/webhooks", name="create-webhook-form", include_in_schema=False, **WRITE)
async def create_webhook_form(
    request: Request[Any, Any, Any],
    caller_organization: NamedDependency[UUID],
    pool: NamedDependency[asyncpg.Pool],
    settings: NamedDependency[Settings],
) -> HTMXTemplate:
    """Register an endpoint; the page shows its signing secret this once."""
    form = await request.form()
    body = {
        "url": str(form.get("url") or "").strip(),
        "events": every(form, "events"),
        "description": str(form.get("description") or "").strip(),
        "include_members": form.get("include_members") == "on",
    }
    data = decode_or_refuse(body, WebhookCreate)
    caller = caller_of(request.scope)
    await service.check_new_webhook(data, caller.organization_kind, settings)
    async with pool.acquire() as conn:
        created = await service.store_webhook(conn, caller_organization, data)
        endpoints = await service.list_webhooks(conn, caller_organization)
    response = page(request, "webhooks.html", endpoints=endpoints, event_types=EVENT_TYPES, created=created)
    response.headers["Cache-Control"] = "no-store"  # the secret is shown once and never kept
    return response


@get("/webhooks/{webhook_id:uuid}", name="webhook-page", include_in_schema=False, **READ)
async def webhook_page(
    request: Request[Any, Any, Any],
    webhook_id: FromPath[UUID],
    caller_organization: NamedDependency[UUID],
    connection: NamedDependency[asyncpg.Connection],
) -> HTMXTemplate:
    """One endpoint's delivery log, newest first."""
    endpoint = await service.get_webhook(connection, caller_organization, webhook_id)
    log = await service.list_deliveries(
        connection, caller_organization, webhook_id, cursor=None, status=None, limit=100
    )
    return page(request, "webhook.html", endpoint=endpoint, deliveries=log.deliveries)


@post("/webhooks/{webhook_id:uuid}/delete", name="delete-webhook-form", include_in_schema=False, **WRITE)
async def delete_webhook_form(
    webhook_id: FromPath[UUID],
    caller_organization: NamedDependency[UUID],
    connection: NamedDependency[asyncpg.Connection],
) -> Redirect:
    """Remove an endpoint."""
    await service.delete_webhook(connection, caller_organization, webhook_id)
    return Redirect("/webhooks", status_code=303)


@post(
    "/webhooks/{webhook_id:uuid}/deliveries/{delivery_id:int}/redeliver",
    name="redeliver-form",
    include_in_schema=False,
    **WRITE,
)
async def redeliver_form(
    webhook_id: FromPath[UUID],
    delivery_id: FromPath[int],
    caller_organization: NamedDependency[UUID],
    connection: NamedDependency[asyncpg.Connection],
) -> Redirect:
    """Queue a delivery again, with the same ``webhook-id``."""
    await service.redeliver(connection, caller_organization, webhook_id, delivery_id)
    return Redirect(f"/webhooks/{webhook_id}", status_code=303)
