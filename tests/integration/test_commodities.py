"""HS commodity lookup and suggestions."""

from __future__ import annotations

import httpx


async def test_suggest_from_free_text(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/commodities", params={"q": "ceramic tableware"})
    assert response.status_code == 200
    codes = [s["code"] for s in response.json()["suggestions"]]
    assert "6912" in codes or "691200" in codes
    first = response.json()["suggestions"][0]
    assert set(first) == {"code", "description", "level", "section"}


async def test_suggest_plates_finds_plate_headings(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/commodities", params={"q": "plates", "limit": 50})
    assert response.status_code == 200
    suggestions = response.json()["suggestions"]
    assert suggestions and all("plate" in s["description"].lower() for s in suggestions[:5])


async def test_suggest_tolerates_typos(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/commodities", params={"q": "wheat flur"})
    codes = [s["code"] for s in response.json()["suggestions"]]
    assert "1101" in codes or "110100" in codes


async def test_lookup_with_parents(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/commodities/691200")
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == "691200" and body["level"] == 6
    assert [p["code"] for p in body["parents"]] == ["69", "6912"]
    chapter = (await client.get("/v1/commodities/10")).json()
    assert chapter["level"] == 2 and chapter["parents"] == []
