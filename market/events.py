"""Events for organizations, written in the caller's transaction.

An event row commits with the change that causes it (a match recorded, a listing updated or
expiring), so a crash never loses one; webhook deliveries are made from these rows.
"""

from __future__ import annotations

from typing import Any, Literal, get_args
from uuid import UUID

import asyncpg
import msgspec

__all__ = ["EVENTS_CHANNEL", "EVENT_TYPES", "EventType", "emit", "notify_events"]

EventType = Literal[
    "match.created", "listing.updated", "listing.expiring", "listing.expired", "alert.matched"
]
EVENT_TYPES: tuple[str, ...] = get_args(EventType)
EVENTS_CHANNEL = "market_events"

INSERT_SQL = """
INSERT INTO events (organization_id, type, listing_id, data) VALUES ($1, $2, $3, $4)
RETURNING id
"""


async def notify_events(conn: asyncpg.Connection | asyncpg.Pool) -> None:
    """Wake the webhook dispatcher (delivered when the caller's transaction commits)."""
    await conn.execute("SELECT pg_notify($1, '')", EVENTS_CHANNEL)


async def emit(
    conn: asyncpg.Connection,
    organization_id: UUID,
    type: EventType,
    data: dict[str, Any],
    *,
    listing_id: UUID | None = None,
) -> int:
    """Record an event for ``organization_id``; call inside the transaction making the change.

    ``listing_id`` orders delivery: events about one listing reach each endpoint in order.
    ``data`` must be JSON-serializable with msgspec (UUIDs and datetimes are fine).
    """
    if type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {type!r}")
    event_id: int = await conn.fetchval(
        INSERT_SQL, organization_id, type, listing_id, msgspec.to_builtins(data)
    )
    await notify_events(conn)
    return event_id
