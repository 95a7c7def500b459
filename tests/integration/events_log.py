"""Reading the ``events`` table in tests: delivery is the webhooks' business, recording is ours."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

from litestar import Litestar

from market.events import emit

__all__ = ["delivery_of_an_update", "events_about", "wait_for_events", "wait_recorded"]

EVENTS_SQL = """
SELECT organization_id::text, type, data FROM events
WHERE listing_id = $1::uuid AND type = $2 ORDER BY id
"""


async def events_about(
    app: Litestar, listing_id: str, type: str, *, organization_id: str | None = None
) -> list[dict[str, Any]]:
    """Events of ``type`` about a listing (for one organization, if given), oldest first, as
    {organization_id, data}."""
    rows = await app.state.pool.fetch(EVENTS_SQL, listing_id, type)
    return [
        {"organization_id": r["organization_id"], "data": r["data"]}
        for r in rows
        if organization_id is None or r["organization_id"] == organization_id
    ]


async def wait_for_events(
    app: Litestar,
    listing_id: str,
    type: str,
    *,
    count: int = 1,
    within: float = 20,
    organization_id: str | None = None,
) -> list[dict[str, Any]]:
    """Poll until at least ``count`` events of ``type`` about the listing exist (for one
    organization, if given); return them."""
    deadline = asyncio.get_running_loop().time() + within
    while len(found := await events_about(app, listing_id, type, organization_id=organization_id)) < count:
        assert asyncio.get_running_loop().time() < deadline, f"no {type} event for {listing_id}: {found}"
        await asyncio.sleep(0.1)
    return found


async def wait_recorded(app: Litestar, listing_ids: list[str], *, within: float = 120) -> None:
    """Wait until the match recorder has taken every job of these listings (their events are in)."""
    deadline = asyncio.get_running_loop().time() + within
    while await app.state.pool.fetchval(
        "SELECT count(*) FROM match_jobs WHERE listing_id = any($1::uuid[]) AND failed_at IS NULL",
        listing_ids,
    ):
        assert asyncio.get_running_loop().time() < deadline, "match jobs still waiting"
        await asyncio.sleep(0.2)


async def delivery_of_an_update(app: Litestar, organization_id: str, listing_id: str, webhook_id: str) -> int:
    """Emit ``listing.updated`` for the listing and return the delivery it queued for the webhook."""
    async with app.state.pool.acquire() as conn, conn.transaction():
        await emit(conn, UUID(organization_id), "listing.updated", {"listing_id": listing_id})
    delivery_id = await app.state.pool.fetchval(
        "SELECT max(id) FROM webhook_deliveries WHERE endpoint_id = $1::uuid", webhook_id
    )
    assert delivery_id is not None, "the event queued no delivery for the webhook"
    return int(delivery_id)
