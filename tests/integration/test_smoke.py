from __future__ import annotations

import secrets

import httpx

from tests.conftest import offer_body, wait_searchable


async def test_health(client: httpx.AsyncClient) -> None:
    assert (await client.get("/health")).json() == {"status": "ok"}
    ready = await client.get("/ready")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "postgres": "ok", "meilisearch": "ok"}


async def test_post_then_search(client: httpx.AsyncClient, make_org) -> None:
    org = await make_org()
    word = "smk" + secrets.token_hex(3)
    created = await client.post(
        "/v1/listings", json=offer_body(title=f"Ceramic plates {word}"), headers=org.headers
    )
    assert created.status_code == 201, created.text
    listing = created.json()
    assert created.headers["etag"] == '"1"'
    body = await wait_searchable(
        client, {"q": f"ceramic plates {word}", "origin_country": "UZ"}, listing["id"]
    )
    assert body["facets"]["side"]["offer"] >= 1
