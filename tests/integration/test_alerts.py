"""Saved searches: kept per organization, checked like a search, and alert.matched once per listing."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

import httpx
from litestar import Litestar

from market.alerts.service import MAX_ALERTS
from tests.helpers import Org, letters, offer_body
from tests.integration.events_log import events_about, wait_for_events

MISSING = "00000000-0000-0000-0000-000000000000"


async def _alert(client: httpx.AsyncClient, org: Org, name: str, **filters: Any) -> dict[str, Any]:
    created = await client.post("/v1/alerts", json={"name": name, "filters": filters}, headers=org.headers)
    assert created.status_code == 201, created.text
    return dict(created.json())


async def _post(client: httpx.AsyncClient, org: Org, body: dict[str, Any]) -> str:
    created = await client.post("/v1/listings", json=body, headers=org.headers)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def _alerts_checked(app: Litestar, listing_id: str, within: float = 20) -> None:
    """Wait until the matcher has handled every alert job for the listing."""
    deadline = asyncio.get_running_loop().time() + within
    sql = "SELECT count(*) FROM alert_jobs WHERE listing_id = $1::uuid"
    while await app.state.pool.fetchval(sql, listing_id):
        assert asyncio.get_running_loop().time() < deadline, "the alert jobs were never handled"
        await asyncio.sleep(0.1)


async def _count(app: Litestar, org: Org) -> int:
    return int(
        await app.state.pool.fetchval("SELECT count(*) FROM alerts WHERE organization_id = $1", UUID(org.id))
    )


async def test_alerts_are_kept_per_organization(
    client: httpx.AsyncClient, make_org, admin: dict[str, str]
) -> None:
    org, other = await make_org(kind="importer"), await make_org()
    alert = await _alert(client, org, "Flour into Samarkand", side="offer", hs_code="1101", q="  мука ")
    assert alert["filters"] == {"side": "offer", "hs_code": "1101", "q": "мука"}
    assert alert["matched"] == 0 and alert["name"] == "Flour into Samarkand"

    listed = await client.get("/v1/alerts", headers=org.headers)
    assert listed.status_code == 200
    assert [a["id"] for a in listed.json()["alerts"]] == [alert["id"]]
    assert listed.json()["max_alerts"] == MAX_ALERTS
    assert (await client.get(f"/v1/alerts/{alert['id']}", headers=org.headers)).json() == alert
    assert (await client.get("/v1/alerts", headers=other.headers)).json()["alerts"] == []
    assert (await client.get(f"/v1/alerts/{alert['id']}", headers=other.headers)).status_code == 404
    assert (await client.delete(f"/v1/alerts/{alert['id']}", headers=other.headers)).status_code == 404
    assert (await client.get(f"/v1/alerts/{MISSING}", headers=org.headers)).status_code == 404
    assert (await client.get("/v1/alerts")).status_code == 401
    assert (await client.get("/v1/alerts", headers=admin)).status_code == 403
    issued = await client.post(
        f"/v1/organizations/{org.id}/api-keys", json={"scopes": ["listings:write"]}, headers=admin
    )
    writer = {"Authorization": f"Bearer {issued.json()['secret']}"}
    body = {"name": "x", "filters": {"side": "offer"}}
    assert (await client.post("/v1/alerts", json=body, headers=writer)).status_code == 403
    assert (await client.delete(f"/v1/alerts/{alert['id']}", headers=writer)).status_code == 403

    assert (await client.delete(f"/v1/alerts/{alert['id']}", headers=org.headers)).status_code == 204
    assert (await client.get(f"/v1/alerts/{alert['id']}", headers=org.headers)).status_code == 404
    assert (await client.delete(f"/v1/alerts/{alert['id']}", headers=org.headers)).status_code == 404


async def test_bad_filters_name_the_field_and_store_nothing(
    client: httpx.AsyncClient, app: Litestar, make_org
) -> None:
    org = await make_org(kind="importer")
    for filters, status, field in (
        ({"hs_code": "69a"}, 400, "filters.hs_code"),
        ({"hs_code": "691"}, 400, "filters.hs_code"),
        ({"hs_code": "9998"}, 422, "filters.hs_code"),
        ({"origin_country": "uz"}, 400, "filters.origin_country"),
        ({"destination_country": "XX"}, 422, "filters.destination_country"),
        ({"incoterm": "ZZZ"}, 422, "filters.incoterm"),
        ({"side": "sell"}, 400, "filters.side"),
        ({"transport_mode": "sea"}, 400, "filters.transport_mode"),
        ({"near": "41.31,69.28"}, 400, "filters.near"),
        ({"near": "0,-160,10"}, 422, "filters.near"),
        ({"q": "x" * 201}, 400, "filters.q"),
        ({"colour": "red"}, 400, "filters.colour"),
        ({"q": "  "}, 422, "filters"),
        ({}, 422, "filters"),
    ):
        refused = await client.post(
            "/v1/alerts", json={"name": "bad", "filters": filters}, headers=org.headers
        )
        assert refused.status_code == status, (filters, refused.text)
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert field in [e["field"] for e in refused.json()["errors"]], (filters, refused.text)
    refused = await client.post("/v1/alerts", json={"filters": {"side": "offer"}}, headers=org.headers)
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "name"
    assert await _count(app, org) == 0


async def test_an_organization_keeps_at_most_the_limit(
    client: httpx.AsyncClient, app: Litestar, make_org
) -> None:
    org = await make_org(kind="importer")
    # Alerts that can never fit a listing, so the matcher's prefilter drops them at once.
    await app.state.pool.execute(
        "INSERT INTO alerts (organization_id, name, filters)"
        " SELECT $1, 'filler ' || g, '{\"origin_country\": \"AQ\"}' FROM generate_series(2, $2) AS g",
        UUID(org.id),
        MAX_ALERTS,
    )
    await _alert(client, org, "the last one", origin_country="AQ")
    refused = await client.post(
        "/v1/alerts", json={"name": "one too many", "filters": {"origin_country": "AQ"}}, headers=org.headers
    )
    assert refused.status_code == 409 and str(MAX_ALERTS) in refused.json()["detail"]
    assert await _count(app, org) == MAX_ALERTS


async def test_new_listings_of_others_that_fit_raise_alert_matched_once(
    client: httpx.AsyncClient, app: Litestar, make_org
) -> None:
    buyer, seller = await make_org(kind="importer", country="KZ", city="Almaty"), await make_org()
    word = letters()
    fits = await _alert(
        client, buyer, "Plates from Tashkent", q=word, side="offer", hs_code="69", near="41.31,69.28,50"
    )
    elsewhere = await _alert(client, buyer, "Plates from Almaty", q=word, near="43.24,76.89,50")
    more_words = await _alert(client, buyer, "Blue plates", q=f"{word} cobalt")
    demands = await _alert(client, buyer, "Plates wanted", q=word, side="demand")

    listing_id = await _post(client, seller, offer_body(title=f"Glazed plates {word}"))

    await wait_for_events(app, listing_id, "alert.matched", organization_id=buyer.id)
    await _alerts_checked(app, listing_id)
    # (Another test's saved search may fit this listing as well: only the buyer's count here.)
    matched = await events_about(app, listing_id, "alert.matched", organization_id=buyer.id)
    assert len(matched) == 1, matched  # the destination is Almaty, but the goods are in Tashkent
    event = matched[0]
    assert event["organization_id"] == buyer.id and event["data"]["organization_id"] == buyer.id
    assert event["data"]["alert"] == {"id": fits["id"], "name": "Plates from Tashkent"}
    listing = event["data"]["listing"]
    assert listing["id"] == listing_id and listing["title"] == f"Glazed plates {word}"
    assert listing["side"] == "offer" and listing["status"] == "active"
    assert listing["organization_id"] == seller.id and listing["hs_code"] == "691200"
    assert listing["origin_country"] == "UZ" and listing["organization_name"] == seller.data["name"]
    assert "external_ref" not in listing  # the seller's own reference is not for others
    hits = {
        a["id"]: a["matched"]
        for a in (await client.get("/v1/alerts", headers=buyer.headers)).json()["alerts"]
    }
    assert hits == {fits["id"]: 1, elsewhere["id"]: 0, more_words["id"]: 0, demands["id"]: 0}

    read = await client.get(f"/v1/listings/{listing_id}", headers=seller.headers)
    patched = await client.patch(
        f"/v1/listings/{listing_id}",
        json={"description": f"Now with {word} saucers"},
        headers={**seller.headers, "If-Match": read.headers["ETag"]},
    )
    assert patched.status_code == 200, patched.text
    await _alerts_checked(app, listing_id)
    assert (
        len(await events_about(app, listing_id, "alert.matched", organization_id=buyer.id)) == 1
    )  # not twice


async def test_no_alert_for_own_listings_drafts_or_listings_that_do_not_fit(
    client: httpx.AsyncClient, app: Litestar, make_org
) -> None:
    buyer, seller = await make_org(kind="trader"), await make_org()
    word = letters()
    await _alert(client, buyer, "Plates", q=word, side="offer")

    own = await _post(client, buyer, offer_body(title=f"Our own plates {word}"))
    draft = await _post(client, seller, offer_body(title=f"Draft plates {word}", status="draft"))
    other_word = await _post(client, seller, offer_body(title=f"Plates {letters()}"))
    for listing_id in (own, draft, other_word):
        await _alerts_checked(app, listing_id)
    # A listing that fits, posted last: once it is reported, the ones before were handled too.
    fits = await _post(client, seller, offer_body(title=f"Fine plates {word}"))
    await wait_for_events(app, fits, "alert.matched", organization_id=buyer.id)
    for listing_id in (own, draft, other_word):
        assert await events_about(app, listing_id, "alert.matched", organization_id=buyer.id) == [], (
            listing_id
        )
