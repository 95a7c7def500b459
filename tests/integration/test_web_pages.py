"""The web pages over HTTP: search, a listing, routes, languages, headers, errors."""

from __future__ import annotations

import re
from typing import Any

import httpx
from litestar import Litestar

from market.web.rendering import CSP
from tests.conftest import asgi_client
from tests.helpers import letters, offer_body, wait_searchable


def assert_page(response: httpx.Response, status: int = 200) -> str:
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("text/html"), response.headers
    assert response.headers["content-security-policy"] == CSP
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in CSP and "script-src 'self'" in CSP
    return response.text


async def test_the_home_page_finds_a_listing_in_any_language(
    app: Litestar, client: httpx.AsyncClient, make_org: Any
) -> None:
    org = await make_org()
    word = letters()
    body = offer_body(title=f"Глазурованные тарелки {word}")
    created = await client.post("/v1/listings", json=body, headers=org.headers)
    assert created.status_code == 201, created.text
    listing_id = created.json()["id"]
    await wait_searchable(client, {"q": word}, listing_id)
    async with asgi_client(app) as browser:
        html = assert_page(await browser.get("/", params={"q": word}))
        assert f'href="/listings/{listing_id}"' in html
        assert f"Глазурованные тарелки {word}" in html
        assert '<html lang="en">' in html
        # A filter given wrongly is named at its field; the search runs without it.
        html = assert_page(await browser.get("/", params={"q": word, "hs_code": "6x", "side": "bogus"}))
        assert 'id="hs_code-error"' in html and f'href="/listings/{listing_id}"' in html
        # htmx asks for the results only.
        fragment = await browser.get(
            "/", params={"q": word}, headers={"HX-Request": "true", "HX-Target": "results"}
        )
        assert fragment.status_code == 200 and "<html" not in fragment.text and listing_id in fragment.text


async def test_language_from_the_url_then_the_cookie_then_the_browser(app: Litestar) -> None:
    async with asgi_client(app) as browser:
        html = assert_page(await browser.get("/", headers={"Accept-Language": "uz-UZ,uz;q=0.9,ru;q=0.5"}))
        assert '<html lang="uz">' in html and "Qidiruv" in html
        chosen = await browser.get("/", params={"lang": "ru"})
        assert '<html lang="ru">' in assert_page(chosen) and "Поиск" in chosen.text
        cookie = chosen.headers["set-cookie"]
        assert (
            "market_lang=ru" in cookie
            and "HttpOnly" in cookie
            and "SameSite=lax" in cookie.replace("Lax", "lax")
        )
        # The choice is kept over the browser's preference.
        again = await browser.get("/border-crossings", headers={"Accept-Language": "en"})
        assert '<html lang="ru">' in assert_page(again) and "Пункты пропуска" in again.text


async def test_a_listing_page_shows_the_listing_its_organization_and_matches(
    app: Litestar, client: httpx.AsyncClient, make_org: Any
) -> None:
    org = await make_org()
    created = await client.post("/v1/listings", json=offer_body(), headers=org.headers)
    listing = created.json()
    async with asgi_client(app) as browser:
        html = assert_page(await browser.get(f"/listings/{listing['id']}", params={"lang": "ru"}))
    assert listing["title"] in html
    assert org.data["name"] in html
    assert "Подходящие партнёры" in html  # the matches section, in Russian
    assert "<meter" in html or "Партнёров пока нет" in html


async def test_routes_page_draws_the_alternatives(app: Litestar) -> None:
    async with asgi_client(app) as browser:
        html = assert_page(await browser.get("/routes", params={"from": "Костанай", "to": "Dushanbe"}))
        assert html.count("<svg") >= 2  # through Uzbekistan and through Kyrgyzstan
        assert re.search(r'class="crossing (open|restricted)"', html)
        assert "Karamyk" in html or "Қарамиқ" in html or "karamyk" in html.lower()
        unknown = assert_page(await browser.get("/routes", params={"from": "Atlantis", "to": "Dushanbe"}))
        assert 'id="route-from-error"' in unknown


async def test_errors_are_pages_in_the_readers_language(app: Litestar) -> None:
    async with asgi_client(app) as browser:
        missing = await browser.get("/listings/00000000-0000-0000-0000-000000000000", params={"lang": "ru"})
        html = assert_page(missing, 404)
        assert "Не найдено" in html and '<html lang="ru">' in html
    async with asgi_client(app) as browser:
        nowhere = await browser.get("/no-such-page", headers={"Accept-Language": "uz"})
        assert "Topilmadi" in assert_page(nowhere, 404)
        # The API keeps answering problem+json.
        api = await browser.get("/v1/listings/00000000-0000-0000-0000-000000000000")
        assert api.status_code == 404 and api.headers["content-type"].startswith("application/problem+json")


async def test_static_files_are_served_from_the_app(app: Litestar) -> None:
    async with asgi_client(app) as browser:
        html = (await browser.get("/")).text
        for path in re.findall(r'(?:href|src)="(/static/[^"]+)"', html):
            found = await browser.get(path)
            assert found.status_code == 200, path
        assert re.search(r'src="/static/htmx-2\.0\.\d+/htmx\.min\.js"', html)
        assert not re.search(r'(?:href|src)="(?:https?:)?//', html)  # nothing from another host


async def test_a_draft_page_is_for_its_owner_only(
    app: Litestar, client: httpx.AsyncClient, make_org: Any
) -> None:
    owner, stranger = await make_org(), await make_org(kind="importer", country="KZ", city="Almaty")
    secret_title = f"Draft {letters()}"
    draft = await client.post(
        "/v1/listings", json=offer_body(title=secret_title, status="draft"), headers=owner.headers
    )
    assert draft.status_code == 201, draft.text
    path = f"/listings/{draft.json()['id']}"
    async with asgi_client(app) as browser:
        anonymous: dict[str, str] = {}
        for headers in (anonymous, stranger.headers):
            hidden = await browser.get(path, headers=headers)
            assert secret_title not in assert_page(hidden, 404)
        shown = await browser.get(path, headers=owner.headers)
        assert secret_title in assert_page(shown)


async def test_parameters_no_page_reads_are_not_copied_into_its_links(app: Litestar) -> None:
    junk = {f"junk{i}": "x" * 100 for i in range(300)}  # a 33 KB query string
    async with asgi_client(app) as browser:
        answer = await browser.get("/", params={**junk, "q": "cement", "side": "offer"})
    html = assert_page(answer)
    assert "junk0" not in html and len(answer.content) < 200_000
    assert "side=offer" in html  # what the page reads is kept
