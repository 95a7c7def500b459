"""A draft may wait for its HS code: it gets suggestions, and is published once a code is set."""

from __future__ import annotations

import httpx

from tests.helpers import demand_body, offer_body


async def test_draft_without_code_gets_suggestions_then_publishes(
    client: httpx.AsyncClient, make_org
) -> None:
    org = await make_org(kind="importer", country="UZ", city="Samarkand")
    body = demand_body(status="draft", title="Мука пшеничная, мешки по 50 кг")
    del body["hs_code"]
    created = await client.post("/v1/listings", json=body, headers=org.headers)
    assert created.status_code == 201, created.text
    draft = created.json()
    assert draft["hs_code"] is None and draft["status"] == "draft"
    assert draft["suggested_hs_codes"][0] == "1101"
    assert (await client.get(f"/v1/listings/{draft['id']}/matches", headers=org.headers)).status_code == 422

    publish = await client.patch(
        f"/v1/listings/{draft['id']}", json={"status": "active"}, headers={**org.headers, "If-Match": '"1"'}
    )
    assert publish.status_code == 422 and publish.json()["errors"][0]["field"] == "hs_code"

    coded = await client.patch(
        f"/v1/listings/{draft['id']}",
        json={"status": "active", "hs_code": draft["suggested_hs_codes"][0]},
        headers={**org.headers, "If-Match": '"1"'},
    )
    assert coded.status_code == 200, coded.text
    assert coded.json()["hs_code"] == "1101" and coded.json()["suggested_hs_codes"] == []
    matches = await client.get(f"/v1/listings/{draft['id']}/matches")
    assert matches.status_code == 200


async def test_an_active_listing_needs_a_code(client: httpx.AsyncClient, make_org) -> None:
    org = await make_org()
    body = demand_body()
    del body["hs_code"]
    response = await client.post("/v1/listings", json=body, headers=org.headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "hs_code"


async def test_a_draft_past_its_end_date_is_not_published(client: httpx.AsyncClient, make_org, app) -> None:
    org = await make_org()
    draft = await client.post("/v1/listings", json=offer_body(status="draft"), headers=org.headers)
    await app.state.pool.execute(
        "UPDATE listings SET expires_at = now() - interval '1 day' WHERE id = $1::uuid", draft.json()["id"]
    )
    published = await client.patch(
        f"/v1/listings/{draft.json()['id']}",
        json={"status": "active"},
        headers={**org.headers, "If-Match": "*"},
    )
    assert published.status_code == 422 and published.json()["errors"][0]["field"] == "expires_at"
    renewed = await client.patch(
        f"/v1/listings/{draft.json()['id']}",
        json={"status": "active", "expires_at": "2099-01-01T00:00:00Z"},
        headers={**org.headers, "If-Match": "*"},
    )
    assert renewed.status_code == 422  # more than 365 days ahead
    stored = await app.state.pool.fetchval(
        "SELECT status FROM listings WHERE id = $1::uuid", draft.json()["id"]
    )
    assert stored == "draft"
