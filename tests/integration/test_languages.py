"""The region's languages: one English flour offer found by its name in six of them."""

from __future__ import annotations

import secrets

import httpx
import pytest

from tests.helpers import offer_body, wait_searchable


@pytest.mark.parametrize("word", ["flour", "мука", "un", "ун", "ұн", "орд"])
async def test_an_english_flour_offer_is_found_in_every_language(
    client: httpx.AsyncClient, make_org, word: str
) -> None:
    org = await make_org(country="KZ", city="Kostanai")
    marker = "fl" + secrets.token_hex(3)
    body = offer_body(
        title=f"Premium milled wheat product {marker}",
        description="Bagged, 50 kg.",
        hs_code="110100",
        quantity={"amount": 500, "unit": "TNE"},
        min_order={"amount": 20, "unit": "TNE"},
        price={"amount": "290.00", "currency": "USD", "per": "TNE"},
        origin={"country": "KZ", "city": "Kostanai"},
    )
    created = await client.post("/v1/listings", json=body, headers=org.headers)
    assert created.status_code == 201, created.text
    listing_id = created.json()["id"]
    # Only the glossary can connect these words to a title that names none of them.
    await wait_searchable(
        client, {"q": word, "hs_code": "1101", "origin_country": "KZ", "limit": 100}, listing_id
    )


@pytest.mark.parametrize("word", ["мука", "un", "ұн", "flour", "bugʻdoy uni", "bug'doy uni"])
async def test_commodity_suggestions_understand_the_region(client: httpx.AsyncClient, word: str) -> None:
    response = await client.get("/v1/commodities", params={"q": word})
    assert response.status_code == 200
    assert response.json()["suggestions"][0]["code"] == "1101"
