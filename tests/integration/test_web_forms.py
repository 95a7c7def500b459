"""The listing form over HTTP: the same rules as the API, errors at their fields, nothing half-written."""

from __future__ import annotations

import re
import secrets
from typing import Any

import httpx
from litestar import Litestar

from tests.conftest import asgi_client
from tests.helpers import offer_body
from tests.integration.test_web_sessions import csrf_of


async def sign_in(browser: httpx.AsyncClient, key: str) -> None:
    form = await browser.get("/sign-in")
    signed = await browser.post("/sign-in", data={"api_key": key, "_csrf_token": csrf_of(form.text)})
    assert signed.status_code == 303, signed.text


async def test_a_wrong_form_shows_each_error_at_its_field_and_saves_nothing(
    app: Litestar, make_org: Any
) -> None:
    org = await make_org()
    pool = app.state.pool
    before = await pool.fetchval("SELECT count(*) FROM listings WHERE organization_id = $1::uuid", org.id)
    async with asgi_client(app) as browser:
        await sign_in(browser, org.key)
        form = await browser.get("/my/listings/new", params={"lang": "ru"})
        assert form.status_code == 200, form.text[:300]
        posted = await browser.post(
            "/my/listings",
            data={
                "_csrf_token": csrf_of(form.text),
                "side": "offer",
                "title": "",
                "hs_code": "12",
                "quantity.amount": "много",
                "quantity.unit": "TNE",
            },
        )
        assert posted.status_code == 422, posted.text[:3000]
        for field in ("title", "hs_code", "quantity-amount"):
            assert re.search(rf'id="{field}-error"', posted.text), field
        assert "Введите положительное число" in posted.text
    after = await pool.fetchval("SELECT count(*) FROM listings WHERE organization_id = $1::uuid", org.id)
    assert after == before


async def test_another_organizations_listing_cannot_be_changed_from_the_forms(
    app: Litestar, client: httpx.AsyncClient, make_org: Any
) -> None:
    owner, stranger = await make_org(), await make_org(kind="importer", country="KZ", city="Almaty")
    created = await client.post("/v1/listings", json=offer_body(), headers=owner.headers)
    listing = created.json()
    async with asgi_client(app) as browser:
        await sign_in(browser, stranger.key)
        token = csrf_of((await browser.get("/")).text)
        base = f"/my/listings/{listing['id']}"
        assert (await browser.get(f"{base}/edit")).status_code == 404
        changed = await browser.post(base, data={"_csrf_token": token, "title": "taken over", "version": "1"})
        assert changed.status_code == 404
        for action in ("pause", "close", "renew"):
            acted = await browser.post(f"{base}/{action}", data={"_csrf_token": token, "version": "1"})
            assert acted.status_code == 404, action
    after = (await client.get(f"/v1/listings/{listing['id']}")).json()
    assert (after["title"], after["status"], after["version"]) == (
        listing["title"],
        "active",
        listing["version"],
    )


async def test_a_session_of_a_key_without_the_scope_cannot_post(
    app: Litestar, client: httpx.AsyncClient, make_org: Any, admin: dict[str, str]
) -> None:
    org = await make_org()
    issued = await client.post(
        f"/v1/organizations/{org.id}/api-keys", json={"scopes": ["profile:write"]}, headers=admin
    )
    assert issued.status_code == 201, issued.text
    async with asgi_client(app) as browser:
        await sign_in(browser, issued.json()["secret"])
        token = csrf_of((await browser.get("/")).text)
        posted = await browser.post("/my/listings", data={"_csrf_token": token, **FORM_OFFER})
        assert posted.status_code == 403 and "text/html" in posted.headers["content-type"]
    count = await app.state.pool.fetchval(
        "SELECT count(*) FROM listings WHERE organization_id = $1::uuid", org.id
    )
    assert count == 0


FORM_OFFER = {
    "side": "offer",
    "title": "Glazed plates",
    "hs_code": "691200",
    "quantity.amount": "20000",
    "quantity.unit": "H87",
    "origin.country": "UZ",
    "origin.city": "Tashkent",
    "status": "active",
}


async def test_a_right_form_posts_the_listing_the_api_would(
    app: Litestar, client: httpx.AsyncClient, make_org: Any
) -> None:
    org = await make_org()
    async with asgi_client(app) as browser:
        await sign_in(browser, org.key)
        token = csrf_of((await browser.get("/my/listings/new")).text)
        posted = await browser.post(
            "/my/listings",
            data={
                "_csrf_token": token,
                **FORM_OFFER,
                "price.amount": "1.80",
                "price.currency": "USD",
                "price.per": "H87",
            },
        )
        assert posted.status_code == 303, posted.text[:2000]
        listing_id = posted.headers["location"].rsplit("/", 1)[-1]
    listing = (await client.get(f"/v1/listings/{listing_id}")).json()
    assert listing["hs_code"] == "691200" and listing["quantity"] == {"amount": 20000.0, "unit": "H87"}
    assert listing["price"] == {"amount": "1.80", "currency": "USD", "per": "H87"}
    assert listing["origin"]["place_id"] == "UZTAS"


async def test_a_chamber_sets_the_status_of_its_own_borders_only(
    app: Litestar, client: httpx.AsyncClient, make_org: Any
) -> None:
    chamber = await make_org(kind="chamber", country="KG", city="Bishkek")
    async with asgi_client(app) as browser:
        await sign_in(browser, chamber.key)
        page = await browser.get("/border-crossings")
        assert 'action="/border-crossings/kg-tj-karamyk"' in page.text  # a border of Kyrgyzstan
        assert 'action="/border-crossings/kz-uz-zhibek-zholy"' not in page.text
        token = csrf_of(page.text)
        elsewhere = await browser.post(
            "/border-crossings/kz-uz-zhibek-zholy", data={"_csrf_token": token, "status": "closed"}
        )
        assert elsewhere.status_code == 403
        own = await browser.post(
            "/border-crossings/kg-tj-karamyk",
            data={"_csrf_token": token, "status": "restricted", "note": "queues after snowfall"},
        )
        assert own.status_code == 303
    crossings = {c["id"]: c for c in (await client.get("/v1/border-crossings")).json()}
    assert crossings["kz-uz-zhibek-zholy"]["status"] == "open"
    assert crossings["kg-tj-karamyk"]["note"] == "queues after snowfall"


async def test_strangers_cannot_see_or_answer_an_introduction(
    app: Litestar, client: httpx.AsyncClient, make_org: Any
) -> None:
    seller, buyer = await make_org(), await make_org(kind="importer", country="KZ", city="Almaty")
    stranger = await make_org(kind="importer", country="TJ", city="Dushanbe")
    offer = (await client.post("/v1/listings", json=offer_body(), headers=seller.headers)).json()
    asked = await client.post(
        "/v1/introductions",
        json={"listing_id": offer["id"], "message": "Secret terms 42"},
        headers=buyer.headers,
    )
    assert asked.status_code == 201, asked.text
    path = f"/introductions/{asked.json()['id']}"
    async with asgi_client(app) as browser:
        await sign_in(browser, stranger.key)
        token = csrf_of((await browser.get("/")).text)
        seen = await browser.get(path)
        assert seen.status_code == 404 and "Secret terms 42" not in seen.text
        for action in ("accept", "decline", "withdraw", "messages"):
            answered = await browser.post(f"{path}/{action}", data={"_csrf_token": token, "text": "hi"})
            assert answered.status_code == 404, action
    assert (
        await client.get(path.replace("/introductions", "/v1/introductions"), headers=seller.headers)
    ).json()["status"] == "requested"


async def test_a_search_saved_from_the_page_is_an_alert(
    app: Litestar, client: httpx.AsyncClient, make_org: Any
) -> None:
    org = await make_org(kind="importer", country="KZ", city="Almaty")
    async with asgi_client(app) as browser:
        await sign_in(browser, org.key)
        found = await browser.get("/", params={"q": "мука", "destination_country": "UZ"})
        assert 'action="/alerts"' in found.text
        saved = await browser.post(
            "/alerts", data={"_csrf_token": csrf_of(found.text), "q": "мука", "destination_country": "UZ"}
        )
        assert saved.status_code == 303
        alerts = (await client.get("/v1/alerts", headers=org.headers)).json()["alerts"]
        assert [a["filters"] for a in alerts] == [{"q": "мука", "destination_country": "UZ"}]
        listed = await browser.get("/inbox", params={"tab": "alerts"})
        assert "/?q=%D0%BC%D1%83%D0%BA%D0%B0&amp;destination_country=UZ" in listed.text
        stopped = await browser.post(
            f"/alerts/{alerts[0]['id']}/delete", data={"_csrf_token": csrf_of(listed.text)}
        )
        assert stopped.status_code == 303
    assert (await client.get("/v1/alerts", headers=org.headers)).json()["alerts"] == []


async def test_a_webhook_added_on_its_page_shows_its_secret_once(app: Litestar, make_org: Any) -> None:
    org, stranger = await make_org(), await make_org(kind="importer", country="KZ", city="Almaty")
    async with asgi_client(app) as browser:
        await sign_in(browser, org.key)
        listed = await browser.get("/webhooks")
        added = await browser.post(
            "/webhooks",
            data={
                "_csrf_token": csrf_of(listed.text),
                "url": "http://127.0.0.1:9/hook",
                "events": ["match.created"],
            },
        )
        assert added.status_code == 200 and added.headers["cache-control"] == "no-store"
        secret = re.search(r"<code>(whsec_[^<]+)</code>", added.text)
        assert secret, added.text[:2000]
        webhook_id = await app.state.pool.fetchval(
            "SELECT id FROM webhook_endpoints WHERE organization_id = $1::uuid", org.id
        )
        again = await browser.get("/webhooks")
        assert secret.group(1) not in again.text  # shown that once
        assert (await browser.get(f"/webhooks/{webhook_id}")).status_code == 200
    async with asgi_client(app) as other:
        await sign_in(other, stranger.key)
        assert (await other.get(f"/webhooks/{webhook_id}")).status_code == 404


async def test_the_admin_registers_an_organization_and_issues_its_key(
    app: Litestar, client: httpx.AsyncClient, make_org: Any
) -> None:
    async with asgi_client(app) as browser:
        form = await browser.get("/sign-in")
        wrong = await browser.post(
            "/sign-in", data={"api_key": "not-the-admin-token", "_csrf_token": csrf_of(form.text)}
        )
        assert wrong.status_code == 422
        await sign_in(browser, app.state.settings.admin_token)
        admin = await browser.get("/admin")
        assert admin.status_code == 200
        name = f"Khujand Flour Mill {secrets.token_hex(3)}"
        registered = await browser.post(
            "/admin/organizations",
            data={
                "_csrf_token": csrf_of(admin.text),
                "name": name,
                "kind": "exporter",
                "country": "TJ",
                "city": "Khujand",
            },
        )
        assert registered.status_code == 200 and name in registered.text
        organization_id = re.search(r"/admin/organizations/([0-9a-f-]{36})/api-keys", registered.text)
        assert organization_id
        issued = await browser.post(
            f"/admin/organizations/{organization_id.group(1)}/api-keys",
            data={"_csrf_token": csrf_of(registered.text)},
        )
        key = re.search(r"<code>(mk_[^<]+)</code>", issued.text)
        assert key and issued.headers["cache-control"] == "no-store"
    me = await client.get("/v1/organizations/me", headers={"Authorization": f"Bearer {key.group(1)}"})
    assert me.status_code == 200 and me.json()["name"] == name
    org = await make_org()
    async with asgi_client(app) as browser:  # an organization's session is no admin
        await sign_in(browser, org.key)
        assert (await browser.get("/admin")).status_code == 403


async def test_a_chamber_cannot_use_the_admin_forms(app: Litestar, make_org: Any) -> None:
    chamber = await make_org(kind="chamber", country="KZ", city="Astana")
    async with asgi_client(app) as browser:
        await sign_in(browser, chamber.key)
        token = csrf_of((await browser.get("/")).text)
        refused = await browser.post(
            "/admin/organizations",
            data={
                "_csrf_token": token,
                "name": "Not via admin",
                "kind": "exporter",
                "country": "KZ",
                "city": "Astana",
            },
        )
        assert refused.status_code == 403
    assert (
        await app.state.pool.fetchval("SELECT count(*) FROM organizations WHERE name = 'Not via admin'") == 0
    )
