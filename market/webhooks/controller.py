"""HTTP: /v1/webhooks."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar, get_args
from uuid import UUID

import asyncpg
from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, PathParameter, QueryParameter

from market.access import requires
from market.auth import Caller
from market.examples import example_body
from market.idempotency import SECRET_RESPONSE
from market.params import INT64_MAX, not_null
from market.problems import problem_responses
from market.settings import Settings
from market.webhooks import service
from schemas.webhooks import (
    Delivery,
    DeliveryPage,
    DeliveryStatus,
    Webhook,
    WebhookCreate,
    WebhookCreated,
    WebhookList,
)

__all__ = ["WebhookController"]

T = TypeVar("T")

CHAMBER_WEBHOOK: dict[str, Any] = {
    "url": "https://chamber.example.kz/market/webhooks",
    "events": ["match.created", "listing.expiring"],
    "description": "Members' matches into our CRM",
    "include_members": True,
}
MEMBER_WEBHOOK: dict[str, Any] = {
    "url": "https://erp.example.uz/hooks/market",
    "events": ["match.created", "listing.updated", "listing.expired"],
}
WebhookBody = Annotated[
    T,
    example_body(
        ("A chamber hearing its members' matches", CHAMBER_WEBHOOK),
        ("An exporter's ERP", MEMBER_WEBHOOK),
    ),
]


class WebhookController(Controller):
    path = "/v1/webhooks"
    tags = ["webhooks"]

    @post(
        "/",
        operation_id="createWebhook",
        status_code=201,
        responses=problem_responses(400, 401, 403, 409, 413, 422),
        opt={SECRET_RESPONSE: True},  # the signing secret is shown once: never stored for replay
        **requires("webhooks:write", organization=True),
    )
    async def create(
        self,
        data: WebhookBody[WebhookCreate],
        caller: NamedDependency[Caller],
        caller_organization: NamedDependency[UUID],
        pool: NamedDependency[asyncpg.Pool],  # no connection is held while the URL's host resolves
        settings: NamedDependency[Settings],
    ) -> WebhookCreated:
        """Register a webhook endpoint. The signing secret is in this response only; store it now."""
        await service.check_new_webhook(data, caller.organization_kind, settings)
        async with pool.acquire() as conn:
            return await service.store_webhook(conn, caller_organization, data)

    @get(
        "/",
        operation_id="listWebhooks",
        responses=problem_responses(401, 403),
        **requires("read", organization=True),
    )
    async def list_all(
        self, caller_organization: NamedDependency[UUID], connection: NamedDependency[asyncpg.Connection]
    ) -> WebhookList:
        """Your webhook endpoints."""
        return WebhookList(webhooks=await service.list_webhooks(connection, caller_organization))

    @get(
        "/{webhook_id:uuid}",
        operation_id="getWebhook",
        responses=problem_responses(400, 401, 403, 404),
        **requires("read", organization=True),
    )
    async def get_one(
        self,
        webhook_id: FromPath[UUID],
        caller_organization: NamedDependency[UUID],
        connection: NamedDependency[asyncpg.Connection],
    ) -> Webhook:
        """One of your webhook endpoints (never its secret)."""
        return await service.get_webhook(connection, caller_organization, webhook_id)

    @delete(
        "/{webhook_id:uuid}",
        operation_id="deleteWebhook",
        status_code=204,
        responses=problem_responses(400, 401, 403, 404),
        **requires("webhooks:write", organization=True),
    )
    async def remove(
        self,
        webhook_id: FromPath[UUID],
        caller_organization: NamedDependency[UUID],
        connection: NamedDependency[asyncpg.Connection],
    ) -> None:
        """Delete a webhook endpoint: nothing more is sent to it, pending deliveries included."""
        await service.delete_webhook(connection, caller_organization, webhook_id)

    @get(
        "/{webhook_id:uuid}/deliveries",
        operation_id="listWebhookDeliveries",
        responses=problem_responses(400, 401, 403, 404),
        **requires("read", organization=True),
    )
    async def deliveries(
        self,
        webhook_id: FromPath[UUID],
        caller_organization: NamedDependency[UUID],
        connection: NamedDependency[asyncpg.Connection],
        status: Annotated[
            DeliveryStatus | None,
            QueryParameter(
                description="Only this status", schema_extra=not_null(str, enum=get_args(DeliveryStatus))
            ),
        ] = None,
        cursor: Annotated[
            int | None,
            QueryParameter(
                ge=1,
                le=INT64_MAX,
                description="next_cursor of the previous page",
                schema_extra=not_null(int, minimum=1, maximum=INT64_MAX),
            ),
        ] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
    ) -> DeliveryPage:
        """An endpoint's delivery log, newest first: status, attempts, last answer, next attempt."""
        return await service.list_deliveries(
            connection, caller_organization, webhook_id, cursor=cursor, status=status, limit=limit
        )

    @post(
        "/{webhook_id:uuid}/deliveries/{delivery_id:int}/redeliver",
        operation_id="redeliverWebhook",
        status_code=202,
        responses=problem_responses(400, 401, 403, 404, 409),
        **requires("webhooks:write", organization=True),
    )
    async def redeliver(
        self,
        webhook_id: FromPath[UUID],
        delivery_id: Annotated[
            int, PathParameter(ge=1, le=INT64_MAX, schema_extra={"minimum": 1, "maximum": INT64_MAX})
        ],
        caller_organization: NamedDependency[UUID],
        connection: NamedDependency[asyncpg.Connection],
    ) -> Delivery:
        """Send a delivery again now, with the same webhook-id (a fresh 24 h of retries)."""
        return await service.redeliver(connection, caller_organization, webhook_id, delivery_id)
