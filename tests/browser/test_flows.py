"""What a person does in the browser: search, open a listing, its matches and route; switch the
language; sign in and out; a forged form refused; the search used from the keyboard alone."""

from __future__ import annotations

import re
from typing import Any

import httpx
from playwright.async_api import expect

from market.settings import Settings
from tests.browser.conftest import Visit
from tests.helpers import demand_body, letters, offer_body, wait_searchable


async def post_pair(client: httpx.AsyncClient, make_org: Any) -> tuple[str, str, str]:
    """An offer of plates from Tashkent and a demand for them in Almaty, both searchable by a word."""
    word = letters()
    seller, buyer = await make_org(), await make_org(kind="importer", country="KZ", city="Almaty")
    offer = await client.post("/v1/listings", json=offer_body(title=f"Plates {word}"), headers=seller.headers)
    demand_fields = {
        "title": f"Plates wanted {word}",
        "hs_code": offer_body()["hs_code"],
        "quantity": {"amount": 5000, "unit": "H87"},
        "price": {"amount": "2.00", "currency": "USD", "per": "H87"},
        "destination": {"country": "KZ", "city": "Almaty"},
        "target_countries": ["UZ"],
        "transport_modes": ["road"],
    }
    demand = await client.post("/v1/listings", json=demand_body(**demand_fields), headers=buyer.headers)
    assert offer.status_code == demand.status_code == 201, (offer.text, demand.text)
    await wait_searchable(client, {"q": word}, offer.json()["id"])
    await wait_searchable(client, {"q": word}, demand.json()["id"])
    return word, offer.json()["id"], demand.json()["id"]


async def test_search_then_listing_then_matches_then_route(
    visit: Visit, client: httpx.AsyncClient, make_org: Any
) -> None:
    word, offer_id, demand_id = await post_pair(client, make_org)
    page = visit.page
    await page.goto(visit.url("/"))
    await visit.assert_accessible()
    await page.get_by_label("What are you looking for?").fill(word)
    await page.get_by_role("button", name="Search").click()
    await expect(page.locator(f'a[href="/listings/{offer_id}"]')).to_be_visible()
    await expect(page).to_have_url(re.compile(f"[?&]q={word}"))  # the URL holds the search: it can be shared
    await page.locator(f'a[href="/listings/{offer_id}"]').click()
    await expect(page.get_by_role("heading", name=f"Plates {word}")).to_be_visible()
    await expect(page.get_by_role("heading", name="Suggested counterparts")).to_be_visible()
    match = page.locator(f'.match a[href="/listings/{demand_id}"]')
    await expect(match).to_be_visible()
    assert await page.locator(".match meter").count() >= 8  # every score part drawn
    await visit.assert_accessible()
    the_match = page.locator(".match", has=page.locator(f'a[href="/listings/{demand_id}"]'))
    await the_match.get_by_role("link", name="See the route").click()
    await expect(page.locator(".route-map svg").first).to_be_visible()
    await expect(page.locator("table.crossings").first).to_be_visible()
    await visit.assert_accessible()


async def test_the_language_switch_is_kept(visit: Visit) -> None:
    page = visit.page
    await page.goto(visit.url("/border-crossings"))
    await page.get_by_role("link", name="Русский").click()
    await expect(page.locator("html")).to_have_attribute("lang", "ru")
    await expect(page.get_by_role("heading", name="Пункты пропуска")).to_be_visible()
    await page.get_by_role("link", name="Поиск").click()
    await expect(
        page.get_by_role("heading", name="Предложения и запросы по всей Центральной Азии")
    ).to_be_visible()
    await page.get_by_role("link", name="Oʻzbekcha").click()
    await expect(page.locator("html")).to_have_attribute("lang", "uz")
    await visit.assert_accessible()


async def test_sign_in_and_sign_out(visit: Visit, make_org: Any) -> None:
    org = await make_org()
    page = visit.page
    await page.goto(visit.url("/"))
    await page.get_by_role("link", name="Sign in").click()
    await page.get_by_label("API key").fill("mk_not-a-real-key")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.locator("#api_key-error")).to_contain_text("not valid")
    await visit.assert_accessible()
    await page.get_by_label("API key").fill(org.key)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    cookies = {c["name"]: c for c in await page.context.cookies()}
    assert cookies["market_session"]["httpOnly"] and cookies["market_session"]["sameSite"] == "Lax"
    assert org.key not in str(cookies)
    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_role("link", name="Sign in")).to_be_visible()


async def test_a_form_with_a_forged_token_is_refused(visit: Visit, make_org: Any) -> None:
    org = await make_org()
    page = visit.page
    await page.goto(visit.url("/sign-in"))
    await page.locator('input[name="_csrf_token"]').evaluate("field => field.value = 'forged'")
    await page.get_by_label("API key").fill(org.key)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    assert "market_session" not in {c["name"] for c in await page.context.cookies()}


async def test_search_by_keyboard_alone(visit: Visit, client: httpx.AsyncClient, make_org: Any) -> None:
    word, offer_id, _ = await post_pair(client, make_org)
    page = visit.page
    await page.goto(visit.url("/"))
    for _ in range(12):  # the skip link, the menu, the languages, then the search box
        await page.keyboard.press("Tab")
        if await page.evaluate("document.activeElement.id") == "q":
            break
    assert await page.evaluate("document.activeElement.id") == "q"
    await page.keyboard.type(word)
    await page.keyboard.press("Enter")
    result = page.locator(f'a[href="/listings/{offer_id}"]')
    await expect(result).to_be_visible()
    await result.focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", name=f"Plates {word}")).to_be_visible()


async def test_every_page_reads_on_a_phone_and_a_desktop(
    visit: Visit, client: httpx.AsyncClient, make_org: Any
) -> None:
    _, offer_id, _ = await post_pair(client, make_org)
    for path in (
        "/",
        f"/listings/{offer_id}",
        "/routes?from=Kostanai&to=Dushanbe",
        "/border-crossings",
        "/sign-in",
        "/nowhere",
    ):
        await visit.page.goto(visit.url(path))
        for width in (360, 1400):
            await visit.assert_fits(width)
            await visit.assert_accessible()


async def test_every_signed_in_page_reads_on_a_phone_and_a_desktop(
    visit: Visit, client: httpx.AsyncClient, make_org: Any
) -> None:
    _, offer_id, _ = await post_pair(client, make_org)
    chamber = await make_org(kind="chamber", country="KZ", city="Astana")
    page = visit.page
    await page.goto(visit.url("/sign-in"))
    await page.locator("#api_key").fill(chamber.key)
    await page.locator("form.stacked button[type=submit]").click()
    await expect(page.locator("form[action='/sign-out']")).to_be_visible()
    paths = [
        "/my/listings",
        "/my/listings/new?side=demand",
        "/inbox",
        "/inbox?tab=matches",
        "/inbox?tab=alerts",
        "/webhooks",
        "/chamber",
        "/border-crossings",
        f"/listings/{offer_id}",
    ]
    for path in paths:
        await page.goto(visit.url(path))
        for width in (360, 1400):
            await visit.assert_fits(width)
            await visit.assert_accessible()


async def test_the_admin_page_reads_on_a_phone_and_a_desktop(visit: Visit, settings: Settings) -> None:
    page = visit.page
    await page.goto(visit.url("/sign-in"))
    await page.locator("#api_key").fill(str(settings.admin_token))
    await page.locator("form.stacked button[type=submit]").click()
    await page.get_by_role("link", name="Platform admin").click()
    await page.get_by_label("Name", exact=True).fill("Termez Logistics")
    await page.get_by_label("Town").fill("Termez")
    await page.get_by_role("button", name="Register").click()
    await page.get_by_role("button", name="Issue an API key").click()
    await expect(page.locator("section.notice code").last).to_contain_text("mk_")
    for width in (360, 1400):
        await visit.assert_fits(width)
        await visit.assert_accessible()
