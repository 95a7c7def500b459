"""Events for organizations, written in the caller's transaction.

An event row commits with the change that causes it (a match recorded, a listing updated or
expiring), so a crash never loses one; webhook deliveries are made from these rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, get_args
from uuid import UUID

import asyncpg
import msgspec

from schemas.webhooks import WebhookEventType

__all__ = ["EVENTS_CHANNEL", "EVENT_TYPES", "Event", "EventType", "emit", "emit_many", "notify_events"]

EventType = WebhookEventType
"""Every event type; the API contract names them (``schemas.webhooks``), subscriptions pick from them."""
EVENT_TYPES: tuple[str, ...] = get_args(EventType)
EVENTS_CHANNEL = "market_events"

# One statement however many events; ids are drawn in the order given (ORDER BY position), which
# is the order deliveries about one listing keep.
INSERT_SQL = """
INSERT INTO events (organization_id, type, listing_id, data)
SELECT organization_id, type, listing_id, data
FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::jsonb[]) WITH ORDINALITY
     AS given (organization_id, type, listing_id, data, position)
ORDER BY position
RETURNING id
"""


class Event(msgspec.Struct, frozen=True, kw_only=True):
    """One event to record: who hears of it, what happened, and what it carries."""

    organization_id: UUID
    type: EventType
    data: dict[str, Any]
    """JSON-serializable with msgspec (UUIDs and datetimes are fine)."""
    listing_id: UUID | None = None
    """Orders delivery: events about one listing reach each endpoint in order."""


async def notify_events(conn: asyncpg.Connection | asyncpg.Pool) -> None:
    """Wake the webhook dispatcher (delivered when the caller's transaction commits)."""
    await conn.execute("SELECT pg_notify($1, '')", EVENTS_CHANNEL)


async def emit_many(conn: asyncpg.Connection, events: Sequence[Event]) -> list[int]:
    """Record ``events`` in one statement, inside the transaction making the change, and wake the
    webhook dispatcher once; return their ids in the order given.

    One NOTIFY serves them all: the dispatcher drains every due delivery when woken, and
    PostgreSQL folds identical notifications of one transaction into one anyway.
    """
    if not events:
        return []
    for event in events:
        if event.type not in EVENT_TYPES:
            raise ValueError(f"unknown event type {event.type!r}")
    rows = await conn.fetch(
        INSERT_SQL,
        [e.organization_id for e in events],
        [e.type for e in events],
        [e.listing_id for e in events],
        [msgspec.to_builtins(e.data) for e in events],
    )
    await notify_events(conn)
    return sorted(r["id"] for r in rows)  # drawn in the order given, so ascending is that order


async def emit(
    conn: asyncpg.Connection,
    organization_id: UUID,
    type: EventType,
    data: dict[str, Any],
    *,
    listing_id: UUID | None = None,
) -> int:
    """Record one event for ``organization_id``; call inside the transaction making the change."""
    [event_id] = await emit_many(
        conn, [Event(organization_id=organization_id, type=type, data=data, listing_id=listing_id)]
    )
    return event_id
