"""PUT /v1/listings/by-ref/{ref}: an integration mirrors its records without duplicates."""

from __future__ import annotations

import httpx

from tests.helpers import offer_body, wait_searchable


async def test_put_creates_then_replaces(client: httpx.AsyncClient, make_org, app) -> None:
    org = await make_org()
    first = await client.put(
        "/v1/listings/by-ref/ERP-42", json=offer_body(title="Ceramic plates ERP-42"), headers=org.headers
    )
    assert first.status_code == 201, first.text
    assert first.json()["external_ref"] == "ERP-42" and first.json()["version"] == 1
    again = await client.put(
        "/v1/listings/by-ref/ERP-42",
        json=offer_body(
            title="Ceramic bowls ERP-42", quantity={"amount": 500, "unit": "H87"}, min_order=None
        ),
        headers=org.headers,
    )
    assert again.status_code == 200, again.text
    assert again.json()["id"] == first.json()["id"] and again.json()["version"] == 2
    assert again.headers["etag"] == '"2"' and again.json()["title"] == "Ceramic bowls ERP-42"
    count = await app.state.pool.fetchval(
        "SELECT count(*) FROM listings WHERE organization_id = $1::uuid AND external_ref = 'ERP-42'", org.id
    )
    assert count == 1
    await wait_searchable(client, {"q": "Ceramic bowls ERP-42"}, first.json()["id"])
    # Another organization's reference of the same name is its own listing.
    other = await make_org()
    theirs = await client.put("/v1/listings/by-ref/ERP-42", json=offer_body(), headers=other.headers)
    assert theirs.status_code == 201 and theirs.json()["id"] != first.json()["id"]


async def test_put_rejects_mismatches_and_closed(client: httpx.AsyncClient, make_org) -> None:
    org = await make_org()
    mismatch = await client.put(
        "/v1/listings/by-ref/A-1", json=offer_body(external_ref="B-2"), headers=org.headers
    )
    assert mismatch.status_code == 422 and mismatch.json()["errors"][0]["field"] == "external_ref"
    created = await client.put("/v1/listings/by-ref/A-1", json=offer_body(), headers=org.headers)
    assert created.status_code == 201
    flipped = await client.put(
        "/v1/listings/by-ref/A-1",
        json={
            **offer_body(side="demand", destination={"country": "KZ", "city": "Almaty"}),
            "min_order": None,
        },
        headers=org.headers,
    )
    assert flipped.status_code == 422 and flipped.json()["errors"][0]["field"] == "side"
    assert (
        await client.delete(f"/v1/listings/{created.json()['id']}", headers=org.headers)
    ).status_code == 204
    closed = await client.put("/v1/listings/by-ref/A-1", json=offer_body(), headers=org.headers)
    assert closed.status_code == 409
    assert (await client.put("/v1/listings/by-ref/A-2", json=offer_body())).status_code == 401
    bad = await client.put("/v1/listings/by-ref/has space", json=offer_body(), headers=org.headers)
    assert bad.status_code == 400
