"""Two organizations meet in the browser: a request from a listing's page, answered in the inbox."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
from playwright.async_api import expect

from tests.browser.conftest import Visit
from tests.browser.test_listing_forms import sign_in
from tests.helpers import offer_body


async def test_ask_accept_and_write(visit: Visit, client: httpx.AsyncClient, make_org: Any) -> None:
    seller = await make_org()
    buyer = await make_org(kind="importer", country="KZ", city="Almaty")
    offer = await client.post("/v1/listings", json=offer_body(), headers=seller.headers)
    assert offer.status_code == 201, offer.text
    listing_id = offer.json()["id"]
    page = visit.page
    await sign_in(visit, buyer.key)
    await page.goto(visit.url(f"/listings/{listing_id}"))
    await page.get_by_label(f"Your message to {seller.data['name']}").fill("We buy 5,000 plates a month.")
    await page.get_by_role("button", name="Send the request").click()
    await expect(page.get_by_text("Waiting for an answer")).to_be_visible()
    await visit.assert_accessible()
    await page.get_by_role("button", name="Sign out").click()
    await sign_in(visit, seller.key)
    await page.get_by_role("link", name="Inbox").click()
    await page.get_by_role("link", name=buyer.data["name"]).click()
    await expect(page.locator("blockquote.message")).to_contain_text("5,000 plates")
    await page.get_by_role("button", name="Accept").click()
    await expect(
        page.get_by_text("Accepted: both sides now see each other's contact details.")
    ).to_be_visible()
    await expect(page.locator(".party").first).to_contain_text("trade@example.uz")  # the buyer's contact
    await page.get_by_label("Your message").fill("Samples ship on Monday.")
    await page.get_by_role("button", name="Send", exact=True).click()
    await expect(page.locator(".messages")).to_contain_text("Samples ship on Monday.")
    await visit.assert_accessible()
    # A quote goes with a message: the same rules as the API's (a price, until a date).
    await page.get_by_label("Your message").fill("Our offer for 5,000 plates.")
    await page.locator("details.quote-form summary").click()
    await page.locator("#q-price").fill("1.75")
    await page.locator("#q-per").select_option("H87")
    await page.locator("#q-qty").fill("5000")
    await page.locator("#q-unit").select_option("H87")
    valid_until = (date.today() + timedelta(days=20)).isoformat()
    await page.locator("#q-valid").fill(valid_until)
    await page.get_by_role("button", name="Send", exact=True).click()
    await expect(page.locator("dl.quote")).to_contain_text("$1.75")
    messages = await client.get(
        f"/v1/introductions/{page.url.split('/')[-1].split('#')[0]}/messages", headers=buyer.headers
    )
    sent = messages.json()["messages"]
    assert [m["text"] for m in sent] == ["Samples ship on Monday.", "Our offer for 5,000 plates."]
    assert sent[1]["quote"] == {
        "price": {"amount": "1.75", "currency": "USD", "per": "H87"},
        "quantity": {"amount": 5000.0, "unit": "H87"},
        "valid_until": valid_until,
    }
