"""The outbox keeps Meilisearch in step with PostgreSQL, even across a Meilisearch outage."""

from __future__ import annotations

import asyncio
import signal

import httpx
import pytest

from market.devstack import Services
from tests.helpers import offer_body, repair_listing, wait_searchable


async def _index_versions(app, settings, ids: list[str]) -> dict[str, int]:
    index = app.state.meili.index(settings.listings_index)
    found = await index.get_documents(ids=ids, fields=["id", "version"], limit=len(ids))
    return {doc["id"]: doc["version"] for doc in found.results}


async def _db_versions(app, ids: list[str]) -> dict[str, int]:
    rows = await app.state.pool.fetch(
        "SELECT id::text, version FROM listings WHERE id = any($1::uuid[])", ids
    )
    return {r["id"]: r["version"] for r in rows}


async def test_writes_survive_a_meilisearch_outage(
    client: httpx.AsyncClient, make_org, services: Services, app, settings
) -> None:
    meili = services.meilisearch
    if meili is None:
        pytest.skip("needs the embedded Meilisearch, which this test stops and restarts")
    org = await make_org()
    first = await client.post(
        "/v1/listings", json=offer_body(title="Outage plates before"), headers=org.headers
    )
    await wait_searchable(client, {"q": "Outage plates before"}, first.json()["id"])

    meili.stop(signal.SIGKILL)  # a crash, not a clean shutdown
    try:
        ids = []
        for n in range(12):
            created = await client.post(
                "/v1/listings", json=offer_body(title=f"Outage plates batch item{n}"), headers=org.headers
            )
            assert created.status_code == 201, created.text
            ids.append(created.json()["id"])
        # an update and a close while the index is away must land too
        patched = await client.patch(
            f"/v1/listings/{ids[0]}",
            json={"title": "Outage plates renamed"},
            headers={**org.headers, "If-Match": '"1"'},
        )
        assert patched.status_code == 200
        assert (await client.delete(f"/v1/listings/{ids[1]}", headers=org.headers)).status_code == 204
        # Search carries on from PostgreSQL, which already holds the writes made during the outage;
        # matching needs the index and says so.
        search = await client.get("/v1/listings", params={"q": "Outage plates", "limit": 100})
        assert search.status_code == 200 and search.headers["x-search-degraded"] == "postgresql"
        titles = {hit["id"]: hit["title"] for hit in search.json()["hits"]}
        assert titles.get(ids[0]) == "Outage plates renamed" and ids[1] not in titles
        matches = await client.get(f"/v1/listings/{ids[0]}/matches")
        assert matches.status_code == 503
        assert matches.headers["content-type"].startswith("application/problem+json")
        ready = await client.get("/ready")
        assert ready.status_code == 200 and ready.json()["status"] == "degraded"
        assert ready.json()["meilisearch"] == "unavailable" and ready.json()["search"] == "postgresql"
        pending = await app.state.pool.fetchval(
            "SELECT count(DISTINCT listing_id) FROM search_outbox WHERE listing_id = any($1::uuid[])", ids
        )
        assert pending == len(ids)
    finally:
        await asyncio.to_thread(meili.start)

    # Everything acknowledged is indexed, at the version PostgreSQL holds; the closed one is gone;
    # and the outbox is empty (rows go only after their Meilisearch task succeeded).
    deadline = asyncio.get_running_loop().time() + 30
    expected = {i: v for i, v in (await _db_versions(app, ids)).items() if i != ids[1]}
    assert expected[ids[0]] == 2
    while True:
        indexed = await _index_versions(app, settings, ids)
        remaining = await app.state.pool.fetchval(
            "SELECT count(*) FROM search_outbox WHERE listing_id = any($1::uuid[])", ids
        )
        if indexed == expected and remaining == 0:
            break
        assert asyncio.get_running_loop().time() < deadline, (
            f"index never caught up: {indexed} vs {expected}, {remaining} outbox rows left"
        )
        await asyncio.sleep(0.2)
    await wait_searchable(client, {"q": "Outage plates renamed"}, ids[0])


async def test_replayed_outbox_rows_are_harmless(client: httpx.AsyncClient, make_org, app, settings) -> None:
    org = await make_org()
    created = await client.post("/v1/listings", json=offer_body(title="Replay plates"), headers=org.headers)
    listing_id = created.json()["id"]
    await wait_searchable(client, {"q": "Replay plates"}, listing_id)
    # The same row delivered again (e.g. a worker died after the task succeeded, before deleting it).
    for _ in range(3):
        await app.state.pool.execute("INSERT INTO search_outbox (listing_id) VALUES ($1)", listing_id)
    await app.state.pool.execute("SELECT pg_notify('market_search_outbox', '')")
    deadline = asyncio.get_running_loop().time() + 30
    while await app.state.pool.fetchval(
        "SELECT count(*) FROM search_outbox WHERE listing_id = $1", listing_id
    ):
        assert asyncio.get_running_loop().time() < deadline
        await asyncio.sleep(0.1)
    assert await _index_versions(app, settings, [listing_id]) == {listing_id: 1}


async def test_a_listing_that_cannot_be_indexed_is_set_aside_and_holds_up_nothing(
    client: httpx.AsyncClient, make_org, app
) -> None:
    org = await make_org()
    broken = await client.post("/v1/listings", json=offer_body(title="Broken plates"), headers=org.headers)
    broken_id = broken.json()["id"]
    async with app.state.pool.acquire() as conn, conn.transaction():
        # Data the API never writes, as a bad migration might leave it: no document can be made.
        await conn.execute("UPDATE listings SET origin = '\"nowhere\"'::jsonb WHERE id = $1::uuid", broken_id)
        await conn.execute("INSERT INTO search_outbox (listing_id) VALUES ($1::uuid)", broken_id)
        await conn.execute("SELECT pg_notify('market_search_outbox', '')")
    try:
        after = await client.post(
            "/v1/listings", json=offer_body(title="Plates after the broken one"), headers=org.headers
        )
        await wait_searchable(client, {"q": "Plates after the broken one"}, after.json()["id"])
        # Search shows the next listing a moment before the indexer's transaction commits.
        deadline = asyncio.get_running_loop().time() + 30
        while True:
            row = await app.state.pool.fetchrow(
                "SELECT failed_at, last_error FROM search_outbox"
                " WHERE listing_id = $1::uuid AND failed_at IS NOT NULL",
                broken_id,
            )
            if row is not None or asyncio.get_running_loop().time() > deadline:
                break
            await asyncio.sleep(0.05)
        assert row is not None and "origin" in row["last_error"]
    finally:
        await repair_listing(app, broken_id)
