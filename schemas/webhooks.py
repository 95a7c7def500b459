"""Webhooks: registering an endpoint, the views of it, its delivery log and the payload sent."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, get_args
from uuid import UUID

import msgspec

__all__ = [
    "WEBHOOK_EVENT_TYPES",
    "Delivery",
    "DeliveryPage",
    "DeliveryStatus",
    "Webhook",
    "WebhookCreate",
    "WebhookCreated",
    "WebhookEventType",
    "WebhookList",
    "WebhookPayload",
]

# Every event market records (market.events uses this list).
WebhookEventType = Literal[
    "match.created",
    "listing.updated",
    "listing.expiring",
    "listing.expired",
    "alert.matched",
    "introduction.requested",
    "introduction.accepted",
    "introduction.declined",
    "introduction.withdrawn",
    "introduction.expired",
    "introduction.message",
]
WEBHOOK_EVENT_TYPES: tuple[str, ...] = get_args(WebhookEventType)
DeliveryStatus = Literal["pending", "delivered", "failed"]

WebhookUrl = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=2048,
        description="An https URL on a public address. Redirects are not followed.",
        examples=["https://chamber.example.kz/market/webhooks"],
    ),
]


class WebhookCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A new webhook endpoint."""

    url: WebhookUrl
    events: Annotated[list[WebhookEventType], msgspec.Meta(min_length=1, max_length=20)]
    """The event types to receive (at least one)."""
    description: Annotated[str, msgspec.Meta(max_length=200)] = ""
    include_members: bool = False
    """Chambers only: also receive the events of member organizations."""


class Webhook(msgspec.Struct, kw_only=True):
    """A webhook endpoint, without its secret."""

    id: UUID
    organization_id: UUID
    url: str
    events: list[str]
    description: str
    include_members: bool
    created_at: datetime


class WebhookCreated(Webhook, kw_only=True):
    """A new webhook endpoint. The signing secret is shown here once and never again."""

    secret: str
    """``whsec_...``: verify each delivery's ``webhook-signature`` with it."""


class WebhookList(msgspec.Struct, kw_only=True):
    """Your webhook endpoints, oldest first."""

    webhooks: list[Webhook]


class Delivery(msgspec.Struct, kw_only=True):
    """One event sent (or being sent) to one endpoint."""

    id: int
    message_id: str
    """The ``webhook-id`` header: the same on every attempt and redelivery; dedupe on it."""
    event_id: int
    event_type: str
    listing_id: UUID | None
    status: DeliveryStatus
    attempts: int
    """Attempts since the delivery was (re)queued."""
    next_attempt_at: datetime | None
    """When a pending delivery is tried next (null once delivered or failed)."""
    last_attempt_at: datetime | None
    last_status_code: int | None
    """The HTTP status of the last attempt (null when no response came)."""
    last_error: str | None
    """Why the last attempt failed: a short excerpt, never the whole response."""
    delivered_at: datetime | None
    created_at: datetime


class DeliveryPage(msgspec.Struct, kw_only=True):
    """Newest first. Pass ``next_cursor`` as ``cursor`` for the next page; null means the end."""

    deliveries: list[Delivery]
    next_cursor: str | None


class WebhookPayload(msgspec.Struct, kw_only=True):
    """The JSON body of every delivery (the Standard Webhooks shape)."""

    type: str
    timestamp: datetime
    """When the event happened (the same on every attempt)."""
    data: dict[str, Any]
    """The event's data, with the ``organization_id`` it concerns."""
