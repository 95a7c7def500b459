"""Scopes: every route that changes something names the scope it needs, and a key without it gets
403 and changes nothing, while the same request with the scope goes through.

The table below holds one request per mutating route; the first test fails when the app has a
mutating route the table lacks (or the table names one the app no longer has).
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler

from market.access import REQUIRES, uses_sessions
from market.organizations.service import default_scopes
from schemas.organizations import ALL_SCOPES
from tests.helpers import Org, demand_body, offer_body
from tests.integration.events_log import delivery_of_an_update

MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CROSSING = "kz-uz-zhibek-zholy"  # on Uzbekistan's border, so the Uzbek chamber may set it


AUTHENTICATION = {
    # Signing in is how a caller gets a credential, so it cannot ask for one: it checks the pasted
    # key as the gate checks a header (tests/integration/test_web_sessions.py). Signing out ends
    # only the session whose cookie it is sent with. Both are behind the web pages' CSRF check.
    "POST /sign-in",
    "POST /sign-out",
}


def mutating_routes(app: Litestar) -> dict[str, str]:
    """``"METHOD path"`` -> the scope its handler names, for every mutating route of the app."""
    found: dict[str, str] = {}
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            if isinstance(handler, HTTPRouteHandler):
                for method in handler.http_methods & MUTATING:
                    found[f"{method} {route.path}"] = handler.opt.get(REQUIRES, "")
    return found


@dataclass
class World:
    chamber: Org
    owner: Org
    member_id: str
    listing_id: str
    spare_key_id: str
    alert_id: str
    webhook_id: str
    delivery_id: int
    partner_listing_id: str
    """A listing of another organization, nobody has asked about yet."""
    asked_of_owner: str
    """A request about the owner's listing, waiting for the owner's answer."""
    asked_by_owner: str
    """A request the owner sent, still waiting."""
    talking: str
    """An introduction the owner asked for and its partner accepted."""


async def introductions_of(
    client: httpx.AsyncClient, owner: Org, partner: Org, listing_id: str
) -> dict[str, str]:
    """Two requests waiting (one each way) and one accepted, between the owner and a partner."""
    ids: dict[str, str] = {}
    demands = []
    for _ in range(3):
        posted = await client.post("/v1/listings", json=demand_body(), headers=partner.headers)
        assert posted.status_code == 201, posted.text
        demands.append(posted.json()["id"])
    ids["partner_listing_id"] = demands[0]
    for name, asker, about in (
        ("asked_of_owner", partner, listing_id),
        ("asked_by_owner", owner, demands[1]),
        ("talking", owner, demands[2]),
    ):
        asked = await client.post(
            "/v1/introductions", json={"listing_id": about, "message": "hello"}, headers=asker.headers
        )
        assert asked.status_code == 201, asked.text
        ids[name] = asked.json()["id"]
    accepted = await client.post(f"/v1/introductions/{ids['talking']}/accept", headers=partner.headers)
    assert accepted.status_code == 200, accepted.text
    return ids


@pytest.fixture
async def world(client: httpx.AsyncClient, make_org: Any, app: Litestar, admin: dict[str, str]) -> World:
    word = secrets.token_hex(4)
    chamber = await make_org(kind="chamber", country="UZ", city="Tashkent")
    owner = await make_org(country="UZ", city="Samarkand")
    member = await client.post(
        "/v1/organizations",
        json={"name": f"Member {word}", "kind": "exporter", "country": "UZ", "city": "Fergana"},
        headers=chamber.headers,
    )
    listing = await client.post(
        "/v1/listings", json=offer_body(title=f"Plates {word}"), headers=owner.headers
    )
    spare = await client.post(f"/v1/organizations/{owner.id}/api-keys", json={"name": "spare"}, headers=admin)
    alert = await client.post(
        "/v1/alerts", json={"name": f"Alert {word}", "filters": {"q": "flour"}}, headers=owner.headers
    )
    webhook = await client.post(
        "/v1/webhooks",
        json={"url": f"http://127.0.0.1:9/{word}", "events": ["listing.updated"]},
        headers=owner.headers,
    )
    for response in (member, listing, spare, alert, webhook):
        assert response.status_code == 201, response.text
    delivery_id = await delivery_of_an_update(app, owner.id, listing.json()["id"], webhook.json()["id"])
    deadline = asyncio.get_running_loop().time() + 30
    while await app.state.pool.fetchval(
        "SELECT first_attempt_at IS NULL FROM webhook_deliveries WHERE id = $1", delivery_id
    ):
        assert asyncio.get_running_loop().time() < deadline, "the dispatcher never tried the delivery"
        await asyncio.sleep(0.05)
    partner = await make_org(kind="importer", country="KZ", city="Almaty")
    introductions = await introductions_of(client, owner, partner, listing.json()["id"])
    return World(
        chamber=chamber,
        owner=owner,
        member_id=member.json()["id"],
        listing_id=listing.json()["id"],
        spare_key_id=spare.json()["id"],
        alert_id=alert.json()["id"],
        webhook_id=webhook.json()["id"],
        delivery_id=delivery_id,
        **introductions,
    )


@dataclass(frozen=True)
class Call:
    actor: str  # "owner" or "chamber": who may make this request when its key has the scope
    path: str
    body: Any = None
    headers: dict[str, str] | None = None


def _new_member(w: World, word: str, crossing_status: str) -> Call:
    body = {"name": f"New member {word}", "kind": "importer", "country": "UZ", "city": "Bukhara"}
    return Call("chamber", "/v1/organizations", body)


def _webhook(w: World, word: str, crossing_status: str) -> Call:
    return Call("owner", "/v1/webhooks", {"url": f"http://127.0.0.1:9/{word}", "events": ["match.created"]})


# One request per mutating route, built from the world and a fresh word.
CALLS: dict[str, Callable[[World, str, str], Call]] = {
    "POST /v1/organizations": _new_member,
    "PATCH /v1/organizations/{organization_id:uuid}": lambda w, word, _: Call(
        "owner", f"/v1/organizations/{w.owner.id}", {"city": f"Samarkand {word}", "preferred_language": "ru"}
    ),
    "POST /v1/organizations/{organization_id:uuid}/api-keys": lambda w, word, _: Call(
        "owner", f"/v1/organizations/{w.owner.id}/api-keys", {"scopes": ["read"]}
    ),
    "DELETE /v1/organizations/{organization_id:uuid}/api-keys/{key_id:uuid}": lambda w, word, _: Call(
        "owner", f"/v1/organizations/{w.owner.id}/api-keys/{w.spare_key_id}"
    ),
    "POST /v1/organizations/{organization_id:uuid}/verify": lambda w, word, _: Call(
        "chamber", f"/v1/organizations/{w.member_id}/verify"
    ),
    "POST /v1/listings": lambda w, word, _: Call("owner", "/v1/listings", offer_body(title=f"New {word}")),
    "POST /v1/listings/batch": lambda w, word, _: Call(
        "owner", "/v1/listings/batch", [offer_body(external_ref=f"B-{word}")]
    ),
    "PUT /v1/listings/by-ref/{external_ref:str}": lambda w, word, _: Call(
        "owner", f"/v1/listings/by-ref/R-{word}", offer_body()
    ),
    "PATCH /v1/listings/{listing_id:uuid}": lambda w, word, _: Call(
        "owner", f"/v1/listings/{w.listing_id}", {"title": "Changed"}, {"If-Match": '"1"'}
    ),
    "DELETE /v1/listings/{listing_id:uuid}": lambda w, word, _: Call("owner", f"/v1/listings/{w.listing_id}"),
    "POST /v1/listings/{listing_id:uuid}/renew": lambda w, word, _: Call(
        "owner", f"/v1/listings/{w.listing_id}/renew", {"days": 30}
    ),
    "POST /v1/alerts": lambda w, word, _: Call(
        "owner", "/v1/alerts", {"name": f"A {word}", "filters": {"q": "wheat"}}
    ),
    "DELETE /v1/alerts/{alert_id:uuid}": lambda w, word, _: Call("owner", f"/v1/alerts/{w.alert_id}"),
    "PATCH /v1/border-crossings/{crossing_id:str}": lambda w, word, status: Call(
        "chamber", f"/v1/border-crossings/{CROSSING}", {"status": status}
    ),
    "POST /v1/webhooks": _webhook,
    "DELETE /v1/webhooks/{webhook_id:uuid}": lambda w, word, _: Call("owner", f"/v1/webhooks/{w.webhook_id}"),
    "POST /v1/webhooks/{webhook_id:uuid}/deliveries/{delivery_id:int}/redeliver": lambda w, word, _: Call(
        "owner", f"/v1/webhooks/{w.webhook_id}/deliveries/{w.delivery_id}/redeliver"
    ),
    "POST /v1/introductions": lambda w, word, _: Call(
        "owner", "/v1/introductions", {"listing_id": w.partner_listing_id, "message": f"Hello {word}"}
    ),
    "POST /v1/introductions/{introduction_id:uuid}/accept": lambda w, word, _: Call(
        "owner", f"/v1/introductions/{w.asked_of_owner}/accept"
    ),
    "POST /v1/introductions/{introduction_id:uuid}/decline": lambda w, word, _: Call(
        "owner", f"/v1/introductions/{w.asked_of_owner}/decline", {"reason": "timing"}
    ),
    "POST /v1/introductions/{introduction_id:uuid}/withdraw": lambda w, word, _: Call(
        "owner", f"/v1/introductions/{w.asked_by_owner}/withdraw"
    ),
    "POST /v1/introductions/{introduction_id:uuid}/messages": lambda w, word, _: Call(
        "owner", f"/v1/introductions/{w.talking}/messages", {"text": f"Terms {word}"}
    ),
    "POST /v1/introductions/{introduction_id:uuid}/outcome": lambda w, word, _: Call(
        "owner", f"/v1/introductions/{w.talking}/outcome", {"outcome": "deal"}
    ),
}


async def snapshot(app: Litestar, w: World) -> tuple[Any, ...]:
    """What any of the calls would change, read back from PostgreSQL."""
    orgs = [w.owner.id, w.chamber.id, w.member_id]
    queries = [
        (
            "SELECT coalesce(string_agg(concat_ws('/', id, version, status, title, expires_at),"
            " ',' ORDER BY id), '') FROM listings WHERE organization_id = ANY($1::uuid[])"
        ),
        (
            "SELECT string_agg(concat_ws('/', id, revoked_at), ',' ORDER BY id)"
            " FROM api_keys WHERE organization_id = ANY($1::uuid[])"
        ),
        (
            "SELECT string_agg(concat_ws('/', id, verified_by, city, contact, preferred_language),"
            " ',' ORDER BY id)"
            " FROM organizations WHERE id = ANY($1::uuid[]) OR member_of = ANY($1::uuid[])"
        ),
        (
            "SELECT coalesce(string_agg(id::text, ',' ORDER BY id), '')"
            " FROM alerts WHERE organization_id = ANY($1::uuid[])"
        ),
        (
            "SELECT coalesce(string_agg(id::text, ',' ORDER BY id), '')"
            " FROM webhook_endpoints WHERE organization_id = ANY($1::uuid[])"
        ),
        (
            "SELECT coalesce(string_agg(concat_ws('/', id, status, outcome,"
            " (SELECT count(*) FROM introduction_messages m WHERE m.introduction_id = i.id)), ','"
            " ORDER BY id), '') FROM introductions i"
            " WHERE requester_id = ANY($1::uuid[]) OR recipient_id = ANY($1::uuid[])"
        ),
    ]
    rows = [await app.state.pool.fetchval(sql, orgs) for sql in queries]
    crossing = await app.state.pool.fetchrow(
        "SELECT status, note, updated_at FROM border_crossing_status WHERE crossing_id = $1", CROSSING
    )
    # The dispatcher has made its first attempt (the fixture waits for it); a redelivery clears it.
    redelivered = await app.state.pool.fetchval(
        "SELECT first_attempt_at IS NULL FROM webhook_deliveries WHERE id = $1", w.delivery_id
    )
    return (*rows, tuple(crossing) if crossing else None, redelivered)


def test_every_mutating_route_names_its_scope_and_is_in_the_table(app: Litestar) -> None:
    routes = {route: scope for route, scope in mutating_routes(app).items() if route not in AUTHENTICATION}
    unnamed = [route for route, scope in routes.items() if scope not in ALL_SCOPES]
    assert unnamed == [], f"mutating routes without a scope: {unnamed}"
    # The web pages' forms are tried with sessions in test_web_forms.py; the API's here.
    api = [route for route in routes if not uses_sessions(route.split(" ", 1)[1])]
    assert sorted(api) == sorted(CALLS), "a mutating route is missing from this test's table (or gone)"


async def key_without(
    client: httpx.AsyncClient, admin: dict[str, str], org: Org, scope: str
) -> dict[str, str]:
    """A key of ``org`` with every scope its kind has, except ``scope``."""
    scopes = [s for s in default_scopes(org.data["kind"]) if s != scope]
    issued = await client.post(f"/v1/organizations/{org.id}/api-keys", json={"scopes": scopes}, headers=admin)
    assert issued.status_code == 201, issued.text
    return {"Authorization": f"Bearer {issued.json()['secret']}"}


@pytest.mark.parametrize("route", sorted(CALLS))
async def test_a_key_without_the_scope_gets_403_and_changes_nothing(
    client: httpx.AsyncClient, app: Litestar, admin: dict[str, str], world: World, route: str
) -> None:
    scope = mutating_routes(app)[route]
    status = await app.state.pool.fetchval(
        "SELECT status FROM border_crossing_status WHERE crossing_id = $1", CROSSING
    )
    call = CALLS[route](world, secrets.token_hex(4), status or "open")
    actor = world.owner if call.actor == "owner" else world.chamber
    method = route.split()[0]
    narrow = await key_without(client, admin, actor, scope)
    before = await snapshot(app, world)

    refused = await client.request(
        method, call.path, json=call.body, headers={**narrow, **(call.headers or {})}
    )
    assert refused.status_code == 403, (route, refused.text)
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert f"'{scope}'" in refused.json()["detail"]
    assert await snapshot(app, world) == before, route

    # The same request with the scope is allowed: the 403 above was the scope's doing.
    allowed = await client.request(
        method, call.path, json=call.body, headers={**actor.headers, **(call.headers or {})}
    )
    assert 200 <= allowed.status_code < 300 or (route.endswith("redeliver") and allowed.status_code == 409), (
        route,
        allowed.text,
    )
