"""Posting and editing listings in the browser: the form, its errors in Russian, a stale edit."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.async_api import expect

from tests.browser.conftest import Visit
from tests.helpers import letters, wait_searchable


async def sign_in(visit: Visit, key: str, lang: str = "en") -> None:
    page = visit.page
    await page.goto(visit.url(f"/sign-in?lang={lang}"))
    await page.locator("#api_key").fill(key)
    await page.locator("form.stacked button[type=submit]").click()
    await expect(page.locator("form[action='/sign-out']")).to_be_visible()


async def test_an_offer_posted_through_the_form_is_found_by_search(
    visit: Visit, client: httpx.AsyncClient, make_org: Any
) -> None:
    org = await make_org()
    await sign_in(visit, org.key)
    page = visit.page
    await page.get_by_role("link", name="My listings").click()
    await page.get_by_role("link", name="Post an export offer").click()
    word = letters()
    await page.get_by_label("Title").fill(f"Glazed plates {word}")
    await page.get_by_label("Or describe the goods, in any language").fill("тарелки")
    await page.get_by_role("button", name="Suggest codes").click()  # works without JavaScript too
    await page.locator("input[name=hs_code_choice]").first.check()
    await page.locator("#f-quantity-amount").fill("20 000")
    await page.locator("#f-quantity-unit").select_option("H87")
    await page.get_by_label("Goods are in (country)").select_option("UZ")
    await page.locator("#f-origin-city").fill("Qoʻqon")
    await page.get_by_label("Road", exact=True).check()
    await visit.assert_accessible()
    await page.get_by_role("button", name="Post", exact=True).click()
    await expect(page.get_by_role("heading", name=f"Glazed plates {word}")).to_be_visible()
    listing_id = page.url.rsplit("/", 1)[-1]
    await wait_searchable(client, {"q": word}, listing_id)
    await page.goto(visit.url(f"/?q={word}"))
    await expect(page.locator(f'a[href="/listings/{listing_id}"]')).to_be_visible()


async def test_form_errors_are_shown_at_their_fields_in_russian(visit: Visit, make_org: Any) -> None:
    org = await make_org()
    await sign_in(visit, org.key, lang="ru")
    page = visit.page
    await page.goto(visit.url("/my/listings/new?side=offer"))
    await page.locator("#f-title").fill("Плитка керамическая")
    await page.locator("#f-hs_code").fill("12")
    await page.locator("#f-quantity-amount").fill("много")
    await page.locator("form.listing-form button[type=submit]:not([name])").click()
    quantity_error = page.locator("#quantity-amount-error")
    await expect(quantity_error).to_contain_text("Введите положительное число")
    await expect(page.locator("#hs_code-error")).to_contain_text("код ТН ВЭД")
    await expect(page.locator("#f-quantity-amount")).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#f-quantity-amount")).to_have_value("много")  # what was typed stays
    await visit.assert_accessible()


async def test_a_stale_edit_shows_both_versions_and_overwrites_nothing(
    visit: Visit, client: httpx.AsyncClient, make_org: Any
) -> None:
    org = await make_org()
    created = await client.post(
        "/v1/listings",
        json={
            "side": "offer",
            "title": "Cement M400, bags of 50 kg",
            "hs_code": "252329",
            "quantity": {"amount": 300, "unit": "TNE"},
            "origin": {"country": "UZ", "city": "Tashkent"},
        },
        headers=org.headers,
    )
    assert created.status_code == 201, created.text
    listing_id = created.json()["id"]
    await sign_in(visit, org.key)
    page = visit.page
    await page.goto(visit.url(f"/my/listings/{listing_id}/edit"))
    await page.get_by_label("Title").fill("Cement M400, my title")
    # Meanwhile a colleague changes the title through the API.
    changed = await client.patch(
        f"/v1/listings/{listing_id}",
        json={"title": "Cement M400, their title"},
        headers={**org.headers, "If-Match": created.headers["etag"]},
    )
    assert changed.status_code == 200, changed.text
    await page.get_by_role("button", name="Save changes").click()
    await expect(page.get_by_role("heading", name="Changed by someone else")).to_be_visible()
    await expect(page.locator(".notice")).to_contain_text("Cement M400, their title")
    await expect(page.get_by_label("Title")).to_have_value("Cement M400, my title")
    now = await client.get(f"/v1/listings/{listing_id}")
    assert now.json()["title"] == "Cement M400, their title"  # nothing was overwritten
    await visit.assert_accessible()
    # Saving again, knowingly, replaces it.
    await page.get_by_role("button", name="Save changes").click()
    await expect(page.get_by_role("heading", name="Cement M400, my title")).to_be_visible()


async def test_pause_renew_and_close_from_my_listings(
    visit: Visit, client: httpx.AsyncClient, make_org: Any
) -> None:
    org = await make_org()
    body = {
        "side": "demand",
        "title": f"Flour wanted {letters()}",
        "hs_code": "110100",
        "quantity": {"amount": 500, "unit": "TNE"},
        "destination": {"country": "TJ", "city": "Dushanbe"},
    }
    created = await client.post("/v1/listings", json=body, headers=org.headers)
    listing_id = created.json()["id"]
    await sign_in(visit, org.key)
    page = visit.page
    await page.goto(visit.url("/my/listings"))
    row = page.locator("tr", has=page.locator(f'a[href="/listings/{listing_id}"]'))
    await row.get_by_role("button", name="Pause").click()
    row = page.locator("tr", has=page.locator(f'a[href="/listings/{listing_id}"]'))
    await expect(row).to_contain_text("Paused")
    assert (await client.get(f"/v1/listings/{listing_id}", headers=org.headers)).json()["status"] == "paused"
    await row.get_by_role("button", name="Resume").click()
    row = page.locator("tr", has=page.locator(f'a[href="/listings/{listing_id}"]'))
    await expect(row).to_contain_text("Active")
    await row.get_by_role("button", name="Close").click()
    row = page.locator("tr", has=page.locator(f'a[href="/listings/{listing_id}"]'))
    await expect(row).to_contain_text("Closed")
    await visit.assert_accessible()
