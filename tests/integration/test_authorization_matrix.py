"""The authorization matrix: every endpoint that names an object, called by someone it does not
belong to (another organization, a chamber the owner is not a member of, an anonymous caller),
answers 401, 403 or 404 and never the object's data, and changes nothing.

A last test lists the app's routes and fails if one that takes an object id is missing here.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from litestar import Litestar

from market.web.assets import HTMX_VERSION
from tests.helpers import Org, offer_body
from tests.integration.events_log import delivery_of_an_update

PROBLEM_JSON = "application/problem+json"


@dataclass
class World:
    """Organization B's objects, and the strangers who try them."""

    owner: Org
    member: dict[str, Any]
    chamber: Org
    listing: dict[str, Any]
    draft: dict[str, Any]
    key_id: str
    alert_id: str
    webhook_id: str
    delivery_id: int
    introduction_id: str
    secret_words: tuple[str, ...]


@pytest.fixture
async def world(client: httpx.AsyncClient, make_org, app: Litestar, admin) -> World:
    word = "mx" + secrets.token_hex(4)
    chamber = await make_org(kind="chamber", country="UZ", city="Tashkent")
    owner = await make_org(country="UZ", city="Tashkent")
    member = await client.post(
        "/v1/organizations",
        json={"name": f"Member {word}", "kind": "exporter", "country": "UZ", "city": "Fergana"},
        headers=chamber.headers,
    )
    listing = await client.post(
        "/v1/listings",
        json=offer_body(title=f"Plates {word}", external_ref=f"ref-{word}"),
        headers=owner.headers,
    )
    draft = await client.post(
        "/v1/listings", json=offer_body(title=f"Draft {word}", status="draft"), headers=owner.headers
    )
    key = await client.post(f"/v1/organizations/{owner.id}/api-keys", json={"name": "spare"}, headers=admin)
    alert = await client.post(
        "/v1/alerts", json={"name": f"Alert {word}", "filters": {"q": "flour"}}, headers=owner.headers
    )
    hook_url = f"http://127.0.0.1:9/{word}"  # loopback receivers are allowed in tests
    webhook = await client.post(
        "/v1/webhooks", json={"url": hook_url, "events": ["listing.updated"]}, headers=owner.headers
    )
    for response in (member, listing, draft, key, alert, webhook):
        assert response.status_code == 201, response.text
    delivery_id = await delivery_of_an_update(app, owner.id, listing.json()["id"], webhook.json()["id"])
    partner = await make_org(kind="importer", country="KZ", city="Almaty")
    introduction = await client.post(
        "/v1/introductions",
        json={"listing_id": listing.json()["id"], "message": f"Hello {word}"},
        headers=partner.headers,
    )
    assert introduction.status_code == 201, introduction.text
    introduction_id = introduction.json()["id"]
    accepted = await client.post(f"/v1/introductions/{introduction_id}/accept", headers=owner.headers)
    assert accepted.status_code == 200, accepted.text
    return World(
        owner=owner,
        member=member.json(),
        chamber=chamber,
        listing=listing.json(),
        draft=draft.json(),
        key_id=key.json()["id"],
        alert_id=alert.json()["id"],
        webhook_id=webhook.json()["id"],
        delivery_id=delivery_id,
        introduction_id=introduction_id,
        secret_words=(f"Draft {word}", f"Alert {word}", hook_url, f"ref-{word}", f"Hello {word}"),
    )


# (method, route as the app names it, path values, body) -> who may not, and what they get.
def requests(w: World) -> list[tuple[str, str, str, Any]]:
    listing, draft = w.listing["id"], w.draft["id"]
    return [
        ("GET", "/v1/listings/{listing_id:uuid}", f"/v1/listings/{draft}", None),
        ("PATCH", "/v1/listings/{listing_id:uuid}", f"/v1/listings/{listing}", {"title": "taken over"}),
        ("DELETE", "/v1/listings/{listing_id:uuid}", f"/v1/listings/{listing}", None),
        ("POST", "/v1/listings/{listing_id:uuid}/renew", f"/v1/listings/{listing}/renew", {"days": 30}),
        ("GET", "/v1/listings/{listing_id:uuid}/matches", f"/v1/listings/{draft}/matches", None),
        (
            "PATCH",
            "/v1/organizations/{organization_id:uuid}",
            f"/v1/organizations/{w.owner.id}",
            {"contact": {"email": "thief@example.com"}},
        ),
        (
            "POST",
            "/v1/organizations/{organization_id:uuid}/api-keys",
            f"/v1/organizations/{w.owner.id}/api-keys",
            {"name": "stolen"},
        ),
        (
            "DELETE",
            "/v1/organizations/{organization_id:uuid}/api-keys/{key_id:uuid}",
            f"/v1/organizations/{w.owner.id}/api-keys/{w.key_id}",
            None,
        ),
        (
            "POST",
            "/v1/organizations/{organization_id:uuid}/verify",
            f"/v1/organizations/{w.member['id']}/verify",
            None,
        ),
        ("GET", "/v1/alerts/{alert_id:uuid}", f"/v1/alerts/{w.alert_id}", None),
        ("DELETE", "/v1/alerts/{alert_id:uuid}", f"/v1/alerts/{w.alert_id}", None),
        ("GET", "/v1/webhooks/{webhook_id:uuid}", f"/v1/webhooks/{w.webhook_id}", None),
        ("DELETE", "/v1/webhooks/{webhook_id:uuid}", f"/v1/webhooks/{w.webhook_id}", None),
        (
            "GET",
            "/v1/webhooks/{webhook_id:uuid}/deliveries",
            f"/v1/webhooks/{w.webhook_id}/deliveries",
            None,
        ),
        (
            "POST",
            "/v1/webhooks/{webhook_id:uuid}/deliveries/{delivery_id:int}/redeliver",
            f"/v1/webhooks/{w.webhook_id}/deliveries/{w.delivery_id}/redeliver",
            None,
        ),
        *introduction_requests(w.introduction_id),
        (
            "PATCH",
            "/v1/border-crossings/{crossing_id:str}",
            "/v1/border-crossings/kz-uz-zhibek-zholy",
            {"status": "closed"},
        ),
    ]


def introduction_requests(introduction_id: str) -> list[tuple[str, str, str, Any]]:
    route, path = "/v1/introductions/{introduction_id:uuid}", f"/v1/introductions/{introduction_id}"
    return [
        ("GET", route, path, None),
        ("POST", f"{route}/accept", f"{path}/accept", None),
        ("POST", f"{route}/decline", f"{path}/decline", {"reason": "other"}),
        ("POST", f"{route}/withdraw", f"{path}/withdraw", None),
        ("GET", f"{route}/messages", f"{path}/messages", None),
        ("POST", f"{route}/messages", f"{path}/messages", {"text": "taken over"}),
        ("POST", f"{route}/outcome", f"{path}/outcome", {"outcome": "no_deal"}),
    ]


COVERED_ELSEWHERE = {
    # Public by design: any caller may read a published listing, an organization's public view
    # (contact only for itself, its chamber, the admin and accepted introductions:
    # test_authorization.py, test_introduction_privacy.py), an HS code.
    "GET /v1/organizations/{organization_id:uuid}",
    "GET /v1/commodities/{code:str}",
    "GET /v1/places/{place_id:str}",
    # Writes under the caller's own namespace: another organization's reference is never reached
    # (test_external_ref_is_for_the_owner_only in test_authorization.py, and below for members).
    "PUT /v1/listings/by-ref/{external_ref:str}",
    # The web page of a listing runs the API's own read (drafts for their owner only); its HTML
    # answers to strangers are tested in test_web_pages.py. The pages' static files hold no object.
    "GET /listings/{listing_id:uuid}",
    # The forms that change a listing: strangers' sessions in test_web_forms.py.
    "GET /my/listings/{listing_id:uuid}/edit",
    "POST /my/listings/{listing_id:uuid}",
    "POST /my/listings/{listing_id:uuid}/{action:str}",
    "POST /border-crossings/{crossing_id:str}",
    # An introduction's page and its forms run the API's own service calls (get_introduction,
    # answer, post_message): strangers get their 404 from the same code, tested in the matrix.
    "GET /introductions/{introduction_id:uuid}",
    "POST /introductions/{introduction_id:uuid}/{action:str}",
    "POST /introductions/{introduction_id:uuid}/messages",
    # The chamber page's verify button runs verify_member, which refuses any caller but the
    # member's own chamber (test_chamber_members.py, test_organization_routes.py).
    "POST /chamber/members/{member_id:uuid}/verify",
    # Stopping a saved search runs delete_alert, which finds only the caller's own (the matrix's
    # DELETE /v1/alerts/{alert_id}).
    "POST /alerts/{alert_id:uuid}/delete",
    # The webhook pages run the API's own get_webhook / delete_webhook / redeliver, which find
    # only the caller's endpoints (the matrix's /v1/webhooks rows).
    "GET /webhooks/{webhook_id:uuid}",
    # The admin page's key button is the admin's alone (requires("admin"): test_web_forms.py).
    "POST /admin/organizations/{organization_id:uuid}/api-keys",
    "POST /webhooks/{webhook_id:uuid}/delete",
    "POST /webhooks/{webhook_id:uuid}/deliveries/{delivery_id:int}/redeliver",
    "GET /static/app/{file_path:path}",
    f"GET /static/htmx-{HTMX_VERSION}/{{file_path:path}}",
}


async def _snapshot(app: Litestar, w: World) -> tuple[Any, ...]:
    pool = app.state.pool
    return (
        await pool.fetchval("SELECT version FROM listings WHERE id = $1::uuid", w.listing["id"]),
        await pool.fetchval("SELECT count(*) FROM api_keys WHERE organization_id = $1::uuid", w.owner.id),
        await pool.fetchval("SELECT revoked_at FROM api_keys WHERE id = $1::uuid", w.key_id),
        await pool.fetchval("SELECT verified_by FROM organizations WHERE id = $1::uuid", w.member["id"]),
        await pool.fetchrow("SELECT city, contact FROM organizations WHERE id = $1::uuid", w.owner.id),
        await pool.fetchval("SELECT count(*) FROM alerts WHERE id = $1::uuid", w.alert_id),
        await pool.fetchval("SELECT count(*) FROM webhook_endpoints WHERE id = $1::uuid", w.webhook_id),
        await pool.fetchval(
            "SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = $1::uuid", w.webhook_id
        ),
        await pool.fetchrow(
            "SELECT status, outcome FROM introductions WHERE id = $1::uuid", w.introduction_id
        ),
        await pool.fetchval(
            "SELECT count(*) FROM introduction_messages WHERE introduction_id = $1::uuid", w.introduction_id
        ),
    )


@pytest.mark.parametrize("stranger", ["other organization", "other chamber", "anonymous"])
async def test_strangers_get_nothing_and_change_nothing(
    client: httpx.AsyncClient, make_org, app: Litestar, world: World, stranger: str
) -> None:
    headers = {
        "other organization": (await make_org(kind="importer", country="KZ", city="Almaty")).headers,
        "other chamber": (await make_org(kind="chamber", country="TJ", city="Dushanbe")).headers,
        "anonymous": {},
    }[stranger]
    before = await _snapshot(app, world)
    for method, route, path, body in requests(world):
        response = await client.request(method, path, json=body, headers=headers)
        expected = {401, 404} if stranger == "anonymous" else {403, 404}  # anonymous reads: 404
        assert response.status_code in expected, (stranger, route, response.status_code, response.text)
        assert response.headers["content-type"].startswith(PROBLEM_JSON), route
        for secret in world.secret_words:
            assert secret not in response.text, (route, secret)
    assert await _snapshot(app, world) == before


async def test_the_owner_reaches_every_object_in_the_matrix(
    client: httpx.AsyncClient, app: Litestar, world: World
) -> None:
    """The matrix is honest only if the same requests work for the owner (and its chamber)."""
    reads = [r for r in requests(world) if r[0] == "GET"]
    for _, route, path, _ in reads:
        response = await client.get(path, headers=world.owner.headers)
        assert response.status_code == 200, (route, response.text)
    verified = await client.post(
        f"/v1/organizations/{world.member['id']}/verify", headers=world.chamber.headers
    )
    assert verified.status_code == 200


async def test_lists_hold_only_the_callers_own_objects(
    client: httpx.AsyncClient, make_org, world: World
) -> None:
    other = await make_org(kind="importer", country="KZ", city="Almaty")
    for path in ("/v1/alerts", "/v1/webhooks", "/v1/matches", "/v1/organizations/me", "/v1/introductions"):
        response = await client.get(path, headers=other.headers)
        assert response.status_code == 200, (path, response.text)
        for secret in (*world.secret_words, world.alert_id, world.webhook_id, world.introduction_id):
            assert secret not in response.text, (path, secret)


async def test_on_behalf_of_reaches_only_members(client: httpx.AsyncClient, make_org, world: World) -> None:
    outsider = await make_org(kind="chamber", country="KZ", city="Almaty")
    posted = await client.put(
        f"/v1/listings/by-ref/{world.listing['external_ref']}",
        json=offer_body(on_behalf_of=world.owner.id),
        headers=outsider.headers,
    )
    assert posted.status_code == 422 and posted.json()["errors"][0]["field"] == "on_behalf_of"


def test_every_route_with_an_object_id_is_in_the_matrix(app: Litestar) -> None:
    sample = World(
        owner=Org(id="o", key="k", data={}),
        member={"id": "m"},
        chamber=Org(id="c", key="k", data={}),
        listing={"id": "l"},
        draft={"id": "d"},
        key_id="k",
        alert_id="a",
        webhook_id="w",
        delivery_id=1,
        introduction_id="i",
        secret_words=(),
    )
    in_matrix = {f"{method} {route}" for method, route, _, _ in requests(sample)}
    with_ids = {
        f"{method} {route.path}"
        for route in app.routes
        # /schema and /docs serve public files (the OpenAPI document, the docs UI): no object ids.
        if "{" in route.path and not route.path.startswith(("/schema", "/docs"))
        for method in getattr(route, "methods", ())
        if method not in ("HEAD", "OPTIONS")
    }
    missing = with_ids - in_matrix - COVERED_ELSEWHERE
    assert not missing, f"add these to the authorization matrix: {sorted(missing)}"
