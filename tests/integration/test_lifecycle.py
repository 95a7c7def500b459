"""Listings end: a week's warning, expiry at the end date (out of search and matching), renewal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from litestar import Litestar

from market.listings.lifecycle import ListingLifecycle
from tests.helpers import Org, demand_body, letters, offer_body, run_market, wait_searchable
from tests.integration.events_log import events_about


async def _post(client: httpx.AsyncClient, org: Org, body: dict[str, Any]) -> dict[str, Any]:
    created = await client.post("/v1/listings", json=body, headers=org.headers)
    assert created.status_code == 201, created.text
    return dict(created.json())


async def _ends_in(app: Litestar, listing_id: str, interval: str) -> None:
    """Move a listing's end date, as time passing would."""
    await app.state.pool.execute(
        "UPDATE listings SET expires_at = now() + $2::text::interval WHERE id = $1::uuid",
        listing_id,
        interval,
    )


async def _row(app: Litestar, listing_id: str) -> Any:
    return await app.state.pool.fetchrow(
        "SELECT status, version, expires_at FROM listings WHERE id = $1::uuid", listing_id
    )


async def _pass(app: Litestar) -> None:
    await ListingLifecycle(app.state.pool, batch_size=2).run_once()


async def test_the_expiry_pass_expires_due_listings_once_and_leaves_others(
    client: httpx.AsyncClient, app: Litestar, make_org
) -> None:
    org = await make_org()
    word = letters()
    due = await _post(client, org, offer_body(title=f"Due plates {word}"))
    paused = await _post(client, org, offer_body(title=f"Paused plates {word}"))
    draft = await _post(client, org, offer_body(title=f"Draft plates {word}", status="draft"))
    running = await _post(client, org, offer_body(title=f"Running plates {word}"))
    await wait_searchable(client, {"q": f"due plates {word}"}, due["id"])
    read = await client.get(f"/v1/listings/{paused['id']}", headers=org.headers)
    pausing = await client.patch(
        f"/v1/listings/{paused['id']}",
        json={"status": "paused"},
        headers={**org.headers, "If-Match": read.headers["ETag"]},
    )
    assert pausing.status_code == 200, pausing.text
    for listing in (due, paused, draft):
        await _ends_in(app, listing["id"], "-1 minute")

    await _pass(app)  # batch_size=2 with three due: the pass takes a second batch
    await _pass(app)

    assert (await _row(app, due["id"]))["status"] == "expired"
    assert (await _row(app, due["id"]))["version"] == due["version"] + 1
    assert (await _row(app, paused["id"]))["status"] == "expired"
    assert (await _row(app, draft["id"]))["status"] == "draft"  # drafts never expire
    assert (await _row(app, running["id"]))["status"] == "active"
    expired = await events_about(app, due["id"], "listing.expired")
    assert len(expired) == 1
    event = expired[0]
    assert event["organization_id"] == org.id
    listing = event["data"]
    assert listing["listing_id"] == due["id"] and listing["status"] == "expired"
    assert listing["title"] == f"Due plates {word}" and listing["side"] == "offer"
    assert listing["organization_id"] == org.id and listing["expires_at"]
    assert listing["version"] == due["version"] + 1
    assert len(await events_about(app, paused["id"], "listing.expired")) == 1
    assert await events_about(app, draft["id"], "listing.expired") == []
    assert await events_about(app, running["id"], "listing.expired") == []
    await wait_searchable(client, {"q": f"due plates {word}"}, due["id"], present=False)
    gone = await client.get(f"/v1/listings/{due['id']}")
    assert gone.status_code == 200 and gone.json()["status"] == "expired"


async def test_an_expired_listing_leaves_the_counterparts_matches(
    client: httpx.AsyncClient, app: Litestar, make_org
) -> None:
    exporter, importer = await make_org(), await make_org(kind="importer", country="KZ", city="Almaty")
    word = letters()
    cotton = {"hs_code": "520100", "quantity": {"amount": 40, "unit": "TNE"}, "min_order": None}
    offer = await _post(client, exporter, offer_body(title=f"Raw cotton {word}", price=None, **cotton))
    wanted = demand_body(
        title=f"Cotton wanted {word}",
        destination={"country": "KZ", "city": "Almaty"},
        target_countries=["UZ"],
    )
    demand = await _post(
        client, importer, {**wanted, **cotton, "min_order": None, "transport_modes": ["road"]}
    )
    await wait_searchable(client, {"q": word, "side": "offer"}, offer["id"])

    def matched(response: httpx.Response) -> list[str]:
        assert response.status_code == 200, response.text
        return [m["listing"]["id"] for m in response.json()["matches"]]

    assert offer["id"] in matched(await client.get(f"/v1/listings/{demand['id']}/matches"))
    await _ends_in(app, offer["id"], "-1 second")
    await _pass(app)

    assert offer["id"] not in matched(await client.get(f"/v1/listings/{demand['id']}/matches"))
    await wait_searchable(client, {"q": word, "side": "offer"}, offer["id"], present=False)


async def test_a_listing_another_transaction_refers_to_still_expires(
    client: httpx.AsyncClient, app: Litestar, make_org
) -> None:
    """The match recorder writes rows that point at listings (match_events, events, jobs); while
    its transaction is open those listings are key-share locked. The pass must not skip them."""
    org = await make_org()
    listing = await _post(client, org, offer_body(title=f"Referred plates {letters()}"))
    await _ends_in(app, listing["id"], "-1 second")
    async with app.state.pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT 1 FROM listings WHERE id = $1::uuid FOR KEY SHARE", listing["id"])
        await _pass(app)
    assert (await _row(app, listing["id"]))["status"] == "expired"


async def test_owners_are_warned_once_a_week_ahead_and_again_for_a_renewed_date(
    client: httpx.AsyncClient, app: Litestar, make_org
) -> None:
    org = await make_org()
    listing = await _post(client, org, offer_body(title=f"Warned plates {letters()}"))
    listing_id = listing["id"]
    await _pass(app)
    assert await events_about(app, listing_id, "listing.expiring") == []  # 90 days to go

    await _ends_in(app, listing_id, "6 days")
    await _pass(app)
    await _pass(app)
    warned = await events_about(app, listing_id, "listing.expiring")
    assert len(warned) == 1
    first_date = (await _row(app, listing_id))["expires_at"]
    assert datetime.fromisoformat(warned[0]["data"]["expires_at"]) == first_date

    renewed = await client.post(f"/v1/listings/{listing_id}/renew", json={"days": 5}, headers=org.headers)
    assert renewed.status_code == 200, renewed.text
    await _pass(app)
    await _pass(app)
    warned = await events_about(app, listing_id, "listing.expiring")
    assert len(warned) == 2  # a new date, a new warning: once
    second_date = datetime.fromisoformat(warned[1]["data"]["expires_at"])
    assert second_date == datetime.fromisoformat(renewed.json()["expires_at"]) != first_date

    renewed = await client.post(f"/v1/listings/{listing_id}/renew", headers=org.headers)
    assert renewed.status_code == 200, renewed.text
    await _pass(app)
    assert len(await events_about(app, listing_id, "listing.expiring")) == 2  # 90 days to go again


async def test_renewal_gives_a_new_end_date_and_tells_the_owner(
    client: httpx.AsyncClient, app: Litestar, make_org
) -> None:
    org = await make_org()
    listing = await _post(client, org, offer_body(title=f"Renewed plates {letters()}"))
    before = datetime.now(UTC)

    renewed = await client.post(f"/v1/listings/{listing['id']}/renew", headers=org.headers)

    assert renewed.status_code == 200, renewed.text
    body = renewed.json()
    assert renewed.headers["ETag"] == f'"{listing["version"] + 1}"'
    assert body["version"] == listing["version"] + 1 and body["status"] == "active"
    assert "external_ref" in body  # the owner's view
    expires_at = datetime.fromisoformat(body["expires_at"])
    assert before + timedelta(days=90) <= expires_at <= datetime.now(UTC) + timedelta(days=90)
    wanted = (datetime.now(UTC) + timedelta(days=200)).replace(microsecond=0)
    dated = await client.post(
        f"/v1/listings/{listing['id']}/renew",
        json={"expires_at": wanted.isoformat()},
        headers={**org.headers, "If-Match": renewed.headers["ETag"]},
    )
    assert dated.status_code == 200, dated.text
    assert datetime.fromisoformat(dated.json()["expires_at"]) == wanted
    updates = await events_about(app, listing["id"], "listing.updated")
    assert [u["data"]["version"] for u in updates] == [body["version"], body["version"] + 1]
    assert updates[-1]["organization_id"] == org.id
    assert datetime.fromisoformat(updates[-1]["data"]["expires_at"]) == wanted


async def test_an_expired_listing_is_renewed_back_onto_the_market(
    client: httpx.AsyncClient, app: Litestar, make_org
) -> None:
    org = await make_org()
    word = letters()
    listing = await _post(client, org, offer_body(title=f"Revived plates {word}"))
    await _ends_in(app, listing["id"], "-1 minute")
    await _pass(app)
    assert (await _row(app, listing["id"]))["status"] == "expired"

    renewed = await client.post(f"/v1/listings/{listing['id']}/renew", json={"days": 30}, headers=org.headers)

    assert renewed.status_code == 200, renewed.text
    assert renewed.json()["status"] == "active"
    await wait_searchable(client, {"q": f"revived plates {word}"}, listing["id"])
    update = (await events_about(app, listing["id"], "listing.updated"))[-1]["data"]
    assert update["status"] == "active" and update["version"] == renewed.json()["version"]


async def test_renewal_refuses_bad_dates_other_owners_and_ended_listings(
    client: httpx.AsyncClient, app: Litestar, make_org, admin: dict[str, str]
) -> None:
    org, stranger = await make_org(), await make_org()
    listing = await _post(client, org, offer_body(title=f"Guarded plates {letters()}"))
    url = f"/v1/listings/{listing['id']}/renew"
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    too_far = (datetime.now(UTC) + timedelta(days=366)).isoformat()
    for body, status, field in (
        ({"days": 0}, 400, "days"),
        ({"days": 366}, 400, "days"),
        ({"days": "ten"}, 400, "days"),
        ({"expires_at": past}, 422, "expires_at"),
        ({"expires_at": too_far}, 422, "expires_at"),
        ({"expires_at": "2027-05-01T00:00:00"}, 422, "expires_at"),
        ({"days": 10, "expires_at": too_far}, 422, "days"),
        ({"weeks": 2}, 400, "weeks"),
    ):
        refused = await client.post(url, json=body, headers=org.headers)
        assert refused.status_code == status, (body, refused.text)
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert field in [e["field"] for e in refused.json()["errors"]], (body, refused.text)
    assert (await client.post(url, headers=stranger.headers)).status_code == 404
    assert (await client.post(url)).status_code == 401
    assert (await client.post(url, headers=admin)).status_code == 403
    read_key = await client.post(
        f"/v1/organizations/{org.id}/api-keys", json={"scopes": ["read"]}, headers=admin
    )
    read_only = {"Authorization": f"Bearer {read_key.json()['secret']}"}
    assert (await client.post(url, headers=read_only)).status_code == 403
    stale = await client.post(url, headers={**org.headers, "If-Match": '"999"'})
    assert stale.status_code == 412
    assert (await _row(app, listing["id"]))["version"] == listing["version"]  # nothing changed
    assert await events_about(app, listing["id"], "listing.updated") == []

    draft = await _post(client, org, offer_body(title="Draft plates", status="draft"))
    refused = await client.post(f"/v1/listings/{draft['id']}/renew", headers=org.headers)
    assert refused.status_code == 409 and "draft" in refused.json()["detail"]
    assert (await client.delete(f"/v1/listings/{listing['id']}", headers=org.headers)).status_code == 204
    refused = await client.post(url, headers=org.headers)
    assert refused.status_code == 409 and "closed" in refused.json()["detail"]


async def test_the_cli_runs_one_expiry_pass(
    client: httpx.AsyncClient, app: Litestar, make_org, settings
) -> None:
    org = await make_org()
    listing = await _post(client, org, offer_body(title=f"Command-line plates {letters()}"))
    await _ends_in(app, listing["id"], "-1 minute")

    result = run_market(settings, "listings", "expire")

    assert result.returncode == 0, result.stderr
    assert "expired" in result.stdout + result.stderr
    assert (await _row(app, listing["id"]))["status"] == "expired"
    assert len(await events_about(app, listing["id"], "listing.expired")) == 1
