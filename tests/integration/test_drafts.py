"""A draft may wait for its HS code: it gets suggestions, and is published once a code is set."""

from __future__ import annotations

import httpx

from tests.conftest import demand_body


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
