"""The match inbox: events recorded in the background for both sides, newest first, paged."""

from __future__ import annotations

import asyncio
import secrets

import httpx

from tests.helpers import demand_body, offer_body, repair_listing


async def _inbox(client: httpx.AsyncClient, org, **params: str) -> dict:
    response = await client.get("/v1/matches", params=params, headers=org.headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _wait_for_events(client: httpx.AsyncClient, org, count: int, about: str | None = None) -> dict:
    """Poll the inbox until it holds ``count`` events (with ``about`` as their counterpart, if given)."""
    deadline = asyncio.get_running_loop().time() + 30
    while True:
        inbox = await _inbox(client, org, limit="100")
        events = [e for e in inbox["events"] if about is None or e["counterpart"]["id"] == about]
        if len(events) >= count:
            return inbox
        assert asyncio.get_running_loop().time() < deadline, f"only {len(events)} events arrived"
        await asyncio.sleep(0.1)


async def test_both_sides_get_an_event_and_closed_listings_drop_out(
    client: httpx.AsyncClient, make_org, app
) -> None:
    code = "252329"  # cement: one chapter few other tests use
    word = "cem" + secrets.token_hex(3)
    exporter = await make_org(country="UZ", city="Tashkent")
    importer = await make_org(kind="importer", country="KZ", city="Shymkent")
    wanted = await client.post(
        "/v1/listings",
        json=demand_body(
            title=f"Cement wanted {word}",
            hs_code=code,
            quantity={"amount": 2000, "unit": "TNE"},
            price={"amount": "60.00", "currency": "USD", "per": "TNE"},
            destination={"country": "KZ", "city": "Shymkent"},
            incoterm="DAP",
            incoterm_place="Shymkent",
            target_countries=["UZ"],
            transport_modes=["road"],
        ),
        headers=importer.headers,
    )
    assert wanted.status_code == 201
    offered = await client.post(
        "/v1/listings",
        json=offer_body(
            title=f"Portland cement {word}",
            hs_code=code,
            quantity={"amount": 5000, "unit": "TNE"},
            min_order={"amount": 100, "unit": "TNE"},
            price={"amount": "55.00", "currency": "USD", "per": "TNE"},
            incoterm="DAP",
            incoterm_place="Shymkent",
            target_countries=["KZ"],
            transport_modes=["road"],
        ),
        headers=exporter.headers,
    )
    assert offered.status_code == 201
    offer_id, demand_id = offered.json()["id"], wanted.json()["id"]

    # Other tests' demands may match this offer too: wait for the event about this demand.
    mine = await _wait_for_events(client, exporter, 1, about=demand_id)
    event = next(e for e in mine["events"] if e["counterpart"]["id"] == demand_id)
    assert (
        event["listing_id"] == offer_id and event["score"] >= 0.5 and "same HS 2523" in event["explanation"]
    )
    theirs = await _wait_for_events(client, importer, 1, about=offer_id)
    assert any(e["counterpart"]["id"] == offer_id and e["listing_id"] == demand_id for e in theirs["events"])
    # Each side also gets one match.created event (what webhooks deliver), naming both listings.
    created = await app.state.pool.fetch(
        "SELECT organization_id::text AS org, data FROM events WHERE type = 'match.created'"
        " AND listing_id = any($1::uuid[]) AND data->'counterpart'->>'id' = any($2::text[])",
        [offer_id, demand_id],
        [offer_id, demand_id],
    )
    by_org = {row["org"]: row["data"] for row in created}
    assert len(created) == 2 and set(by_org) == {exporter.id, importer.id}
    assert by_org[exporter.id]["listing"]["id"] == offer_id
    assert by_org[exporter.id]["counterpart"]["id"] == demand_id
    assert by_org[importer.id]["counterpart"]["title"] == f"Portland cement {word}"
    # Matching the pair again (the offer changed) refreshes the score but tells nobody twice.
    changed = await client.patch(
        f"/v1/listings/{offer_id}",
        json={"description": "Bagged, 50 kg"},
        headers={**exporter.headers, "If-Match": "*"},
    )
    assert changed.status_code == 200
    deadline = asyncio.get_running_loop().time() + 15
    while await app.state.pool.fetchval(
        "SELECT count(*) FROM match_jobs WHERE listing_id = $1::uuid", offer_id
    ):
        assert asyncio.get_running_loop().time() < deadline, "the match job never ran"
        await asyncio.sleep(0.05)
    again = await app.state.pool.fetchval(
        "SELECT count(*) FROM events WHERE type = 'match.created' AND listing_id = any($1::uuid[])"
        " AND data->'counterpart'->>'id' = any($2::text[])",
        [offer_id, demand_id],
        [offer_id, demand_id],
    )
    assert again == 2
    only = await _inbox(client, importer, listing_id=demand_id)
    assert only["events"] and all(e["listing_id"] == demand_id for e in only["events"])

    assert (await client.delete(f"/v1/listings/{demand_id}", headers=importer.headers)).status_code == 204
    after = await _inbox(client, exporter, limit="100")
    assert all(e["counterpart"]["id"] != demand_id for e in after["events"])


async def test_inbox_pages_with_a_cursor_and_needs_a_key(client: httpx.AsyncClient, make_org, app) -> None:
    exporter = await make_org()
    ids = []
    for n in range(3):
        created = await client.post(
            "/v1/listings", json=offer_body(title=f"Plates lot {n}"), headers=exporter.headers
        )
        ids.append(created.json()["id"])
    counterpart = await make_org(kind="importer", country="KZ")
    # Write the events directly: this test is about paging, not about the recorder. One event per
    # organization pair and counterpart listing, so each offer gets a demand of its own.
    for listing_id in ids:
        demand = await client.post(
            "/v1/listings",
            json=demand_body(
                title="Plates wanted", hs_code="691200", quantity={"amount": 1000, "unit": "H87"}, price=None
            ),
            headers=counterpart.headers,
        )
        await app.state.pool.execute(
            "INSERT INTO match_events (organization_id, listing_id, counterpart_id, score, explanation,"
            " counterpart_organization_id) VALUES ($1, $2, $3, 0.8, 'test', $4) ON CONFLICT DO NOTHING",
            exporter.id,
            listing_id,
            demand.json()["id"],
            counterpart.id,
        )
    first = await _inbox(client, exporter, limit="2")
    assert len(first["events"]) == 2 and first["next_cursor"]
    second = await _inbox(client, exporter, limit="2", cursor=first["next_cursor"])
    seen = [e["id"] for e in first["events"] + second["events"]]
    assert seen == sorted(seen, reverse=True) and len(set(seen)) == len(seen)
    assert (await client.get("/v1/matches")).status_code == 401
    bad = await client.get("/v1/matches", params={"cursor": "abc"}, headers=exporter.headers)
    # the schema states the form, so a malformed cursor is refused as a bad parameter (400)
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "cursor"


async def test_a_job_that_keeps_failing_is_set_aside_and_blocks_nothing(
    client: httpx.AsyncClient, make_org, app
) -> None:
    exporter = await make_org(country="UZ", city="Tashkent")
    buyer = await make_org(kind="importer", country="KZ", city="Almaty")
    plates = demand_body(
        title="Ceramic plates wanted", hs_code="691200", quantity={"amount": 5000, "unit": "H87"}, price=None
    )
    assert (await client.post("/v1/listings", json=plates, headers=buyer.headers)).status_code == 201
    broken = await client.post("/v1/listings", json=offer_body(status="draft"), headers=exporter.headers)
    broken_id = broken.json()["id"]
    # Data no code path expects (written behind the API's back): scoring it against the plates
    # demand raises every time.
    async with app.state.pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "UPDATE listings SET status = 'active', origin = '\"nowhere\"'::jsonb WHERE id = $1::uuid",
            broken_id,
        )
        await conn.execute("INSERT INTO match_jobs (listing_id) VALUES ($1::uuid)", broken_id)
        await conn.execute("SELECT pg_notify('market_search_outbox', '')")
    try:
        # Jobs queued behind it still run: a fresh pair finds each other.
        word = "psn" + secrets.token_hex(3)
        importer = await make_org(kind="importer", country="KZ", city="Shymkent")
        common = {
            "hs_code": "252329",
            "incoterm": "DAP",
            "incoterm_place": "Shymkent",
            "transport_modes": ["road"],
        }
        demand = await client.post(
            "/v1/listings",
            json=demand_body(
                title=f"Portland cement {word}",
                quantity={"amount": 2000, "unit": "TNE"},
                price={"amount": "60.00", "currency": "USD", "per": "TNE"},
                destination={"country": "KZ", "city": "Shymkent"},
                target_countries=["UZ"],
                **common,
            ),
            headers=importer.headers,
        )
        offer = await client.post(
            "/v1/listings",
            json=offer_body(
                title=f"Portland cement {word}",
                quantity={"amount": 5000, "unit": "TNE"},
                min_order={"amount": 100, "unit": "TNE"},
                price={"amount": "55.00", "currency": "USD", "per": "TNE"},
                target_countries=["KZ"],
                **common,
            ),
            headers=exporter.headers,
        )
        # (Older cement offers may reach the importer's inbox first: wait for this one.)
        inbox = await _wait_for_events(client, importer, 1, about=offer.json()["id"])
        assert any(e["counterpart"]["id"] == offer.json()["id"] for e in inbox["events"])
        assert demand.status_code == 201
        # The broken job is retried beside the others and set aside after its fifth failure; the
        # fresh pair may well be served between two of those retries.
        deadline = asyncio.get_running_loop().time() + 20
        while True:
            job = await app.state.pool.fetchrow(
                "SELECT attempts, failed_at, last_error FROM match_jobs WHERE listing_id = $1::uuid",
                broken_id,
            )
            assert job is not None
            if job["failed_at"] is not None or asyncio.get_running_loop().time() > deadline:
                break
            await asyncio.sleep(0.1)
        assert job["attempts"] == 5 and job["failed_at"] is not None, dict(job)
        assert "Error" in job["last_error"]
    finally:
        await repair_listing(app, broken_id)
