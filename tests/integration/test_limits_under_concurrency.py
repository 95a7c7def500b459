"""Per-organization limits hold when many requests arrive at once (each one counted, then the
insert, would let them all count the same number and all pass)."""

from __future__ import annotations

import asyncio
import secrets
from uuid import UUID

import httpx
from litestar import Litestar

from market.alerts.service import MAX_ALERTS
from market.webhooks.service import MAX_ENDPOINTS


async def test_concurrent_webhook_registrations_stop_at_the_limit(
    client: httpx.AsyncClient, app: Litestar, make_org
) -> None:
    org = await make_org()
    word = secrets.token_hex(4)
    posts = [
        client.post(
            "/v1/webhooks",
            json={"url": f"http://127.0.0.1:9/{word}/{n}", "events": ["match.created"]},
            headers=org.headers,
        )
        for n in range(2 * MAX_ENDPOINTS)
    ]
    statuses = sorted(r.status_code for r in await asyncio.gather(*posts))
    assert statuses == [201] * MAX_ENDPOINTS + [409] * MAX_ENDPOINTS
    count = await app.state.pool.fetchval(
        "SELECT count(*) FROM webhook_endpoints WHERE organization_id = $1::uuid", org.id
    )
    assert count == MAX_ENDPOINTS


async def test_concurrent_alerts_stop_at_the_limit(
    client: httpx.AsyncClient, app: Litestar, make_org
) -> None:
    org = await make_org(kind="importer")
    room = 10
    await app.state.pool.execute(  # alerts that never fit a listing, up to `room` below the limit
        "INSERT INTO alerts (organization_id, name, filters)"
        " SELECT $1, 'filler ' || g, '{\"origin_country\": \"AQ\"}' FROM generate_series(1, $2) AS g",
        UUID(org.id),
        MAX_ALERTS - room,
    )
    posts = [
        client.post(
            "/v1/alerts", json={"name": f"race {n}", "filters": {"origin_country": "AQ"}}, headers=org.headers
        )
        for n in range(3 * room)
    ]
    statuses = sorted(r.status_code for r in await asyncio.gather(*posts))
    assert statuses == [201] * room + [409] * (2 * room)
    count = await app.state.pool.fetchval(
        "SELECT count(*) FROM alerts WHERE organization_id = $1::uuid", org.id
    )
    assert count == MAX_ALERTS
