"""Webhook endpoints and their delivery logs: SQL and the rules around it.

Every query is scoped to the caller's organization: another organization's endpoint is 404.
"""

from __future__ import annotations

from uuid import UUID

import asyncpg
import msgspec

from market.auth import Caller
from market.db.locks import hold_organization_limit
from market.errors import Conflict, InvalidInput, NotFound
from market.events import notify_events
from market.settings import Settings
from market.webhooks.signing import generate_secret
from market.webhooks.ssrf import UnsafeUrl, check_url, resolve_checked
from schemas.webhooks import Delivery, DeliveryPage, DeliveryStatus, Webhook, WebhookCreate, WebhookCreated

__all__ = [
    "MAX_ENDPOINTS",
    "MESSAGE_ID_SQL",
    "check_new_webhook",
    "check_webhook_url",
    "create_webhook",
    "delete_webhook",
    "get_webhook",
    "list_deliveries",
    "list_webhooks",
    "loopback_allowed",
    "redeliver",
    "store_webhook",
]

MAX_ENDPOINTS = 20
MESSAGE_ID_SQL = "'msg_' || d.id"
"""The ``webhook-id`` of delivery ``d``: one per (endpoint, event), kept across retries."""

_COLUMNS = "id, organization_id, url, events, description, include_members, created_at"
INSERT_SQL = f"""
INSERT INTO webhook_endpoints (organization_id, url, events, secret, description, include_members)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING {_COLUMNS}
"""
COUNT_SQL = "SELECT count(*) FROM webhook_endpoints WHERE organization_id = $1 AND disabled_at IS NULL"
LIST_SQL = f"""
SELECT {_COLUMNS} FROM webhook_endpoints
WHERE organization_id = $1 AND disabled_at IS NULL ORDER BY created_at, id
"""
GET_SQL = f"""
SELECT {_COLUMNS} FROM webhook_endpoints
WHERE id = $1 AND organization_id = $2 AND disabled_at IS NULL
"""
DISABLE_SQL = """
UPDATE webhook_endpoints SET disabled_at = now()
WHERE id = $1 AND organization_id = $2 AND disabled_at IS NULL
RETURNING id
"""
# A deleted endpoint's queue is closed; an attempt in flight loses its fence and is not recorded.
ABANDON_SQL = """
UPDATE webhook_deliveries
SET status = 'failed', next_attempt_at = NULL, attempt_started_at = NULL,
    last_error = 'the endpoint was deleted'
WHERE endpoint_id = $1 AND status = 'pending'
"""
DELIVERIES_SQL = f"""
SELECT d.id, {MESSAGE_ID_SQL} AS message_id, d.event_id, e.type AS event_type, d.listing_id,
       d.status, d.attempts, d.next_attempt_at, d.last_attempt_at, d.last_status_code,
       d.last_error, d.delivered_at, d.created_at
FROM webhook_deliveries d JOIN events e ON e.id = d.event_id
WHERE d.endpoint_id = $1 AND ($2::bigint IS NULL OR d.id < $2) AND ($3::text IS NULL OR d.status = $3)
ORDER BY d.id DESC
LIMIT $4
"""
ONE_DELIVERY_SQL = DELIVERIES_SQL.replace("($2::bigint IS NULL OR d.id < $2)", "d.id = $2")
# A fresh start: a new 24 h retry window, due now. Not while an attempt is in flight (its lease
# has not run out), which would send the same message twice at once.
REDELIVER_SQL = """
UPDATE webhook_deliveries
SET status = 'pending', next_attempt_at = now(), attempts = 0, first_attempt_at = NULL,
    attempt_started_at = NULL, delivered_at = NULL
WHERE id = $1 AND endpoint_id = $2
  AND NOT (status = 'pending' AND attempt_started_at IS NOT NULL AND next_attempt_at > now())
RETURNING id
"""


def loopback_allowed(settings: Settings) -> bool:
    """Loopback receivers (and plain http to them) for development and tests; never in prod."""
    return settings.webhook_allow_loopback and settings.env != "prod"


async def check_webhook_url(url: str, *, allow_loopback: bool) -> None:
    """The registration check: the URL's form, and every address its host resolves to now."""
    target = check_url(url, allow_loopback=allow_loopback)
    if target.literal is None:
        await resolve_checked(target.host, target.port, allow_loopback=allow_loopback)


async def create_webhook(
    conn: asyncpg.Connection, caller: Caller, data: WebhookCreate, settings: Settings
) -> WebhookCreated:
    """Register an endpoint for the caller's organization; the secret is returned this once."""
    organization_id = caller.require_organization()
    await check_new_webhook(data, caller.organization_kind, settings)
    return await store_webhook(conn, organization_id, data)


async def check_new_webhook(data: WebhookCreate, organization_kind: str | None, settings: Settings) -> None:
    """What ``store_webhook`` expects checked first, the URL's DNS answer among it: no
    connection is needed meanwhile."""
    if data.include_members and organization_kind != "chamber":
        raise InvalidInput.field("include_members", "only a chamber of commerce has members")
    try:
        await check_webhook_url(data.url, allow_loopback=loopback_allowed(settings))
    except UnsafeUrl as exc:
        raise InvalidInput.field("url", str(exc)) from None


async def store_webhook(
    conn: asyncpg.Connection, organization_id: UUID, data: WebhookCreate
) -> WebhookCreated:
    """Store a checked endpoint (``check_new_webhook``) within the organization's limit."""
    secret = generate_secret()
    events = sorted(set(data.events))
    async with conn.transaction():
        await hold_organization_limit(conn, "webhooks", organization_id)
        if await conn.fetchval(COUNT_SQL, organization_id) >= MAX_ENDPOINTS:
            raise Conflict(f"an organization has at most {MAX_ENDPOINTS} webhooks; delete one first")
        row = await conn.fetchrow(
            INSERT_SQL, organization_id, data.url, events, secret, data.description, data.include_members
        )
    return msgspec.convert({**dict(row), "secret": secret}, WebhookCreated)


async def list_webhooks(conn: asyncpg.Connection, organization_id: UUID) -> list[Webhook]:
    return [msgspec.convert(r, Webhook) for r in await conn.fetch(LIST_SQL, organization_id)]


async def get_webhook(conn: asyncpg.Connection, organization_id: UUID, webhook_id: UUID) -> Webhook:
    row = await conn.fetchrow(GET_SQL, webhook_id, organization_id)
    if row is None:
        raise NotFound(f"no webhook with id {webhook_id}")
    return msgspec.convert(row, Webhook)


async def delete_webhook(conn: asyncpg.Connection, organization_id: UUID, webhook_id: UUID) -> None:
    """Stop an endpoint: no new deliveries, and pending ones are given up."""
    async with conn.transaction():
        if await conn.fetchval(DISABLE_SQL, webhook_id, organization_id) is None:
            raise NotFound(f"no webhook with id {webhook_id}")
        await conn.execute(ABANDON_SQL, webhook_id)


async def list_deliveries(
    conn: asyncpg.Connection,
    organization_id: UUID,
    webhook_id: UUID,
    *,
    cursor: int | None,
    status: DeliveryStatus | None,
    limit: int,
) -> DeliveryPage:
    """An endpoint's delivery log, newest first."""
    await get_webhook(conn, organization_id, webhook_id)
    rows = await conn.fetch(DELIVERIES_SQL, webhook_id, cursor, status, limit + 1)
    page = rows[:limit]
    return DeliveryPage(
        deliveries=[msgspec.convert(r, Delivery) for r in page],
        next_cursor=str(page[-1]["id"]) if len(rows) > limit else None,
    )


async def redeliver(
    conn: asyncpg.Connection, organization_id: UUID, webhook_id: UUID, delivery_id: int
) -> Delivery:
    """Queue a delivery again, due now, with the same ``webhook-id``."""
    await get_webhook(conn, organization_id, webhook_id)
    async with conn.transaction():
        if await conn.fetchval(REDELIVER_SQL, delivery_id, webhook_id) is None:
            if await conn.fetchrow(ONE_DELIVERY_SQL, webhook_id, delivery_id, None, 1) is None:
                raise NotFound(f"no delivery {delivery_id} for webhook {webhook_id}")
            raise Conflict("an attempt at this delivery is in progress; check its status shortly")
        await notify_events(conn)
        row = await conn.fetchrow(ONE_DELIVERY_SQL, webhook_id, delivery_id, None, 1)
    return msgspec.convert(row, Delivery)
