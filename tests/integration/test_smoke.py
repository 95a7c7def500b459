from __future__ import annotations

import secrets

import httpx

from tests.helpers import offer_body, wait_searchable


async def test_health(client: httpx.AsyncClient) -> None:
    assert (await client.get("/health")).json() == {"status": "ok"}
    ready = await client.get("/ready")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "postgres": "ok", "meilisearch": "ok", "search": "meilisearch"}


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


async def test_docs_and_openapi(client: httpx.AsyncClient) -> None:
    page = await client.get("/docs")
    assert page.status_code == 200 and "swagger" in page.text.lower()
    spec = (await client.get("/schema/openapi.json")).json()
    assert spec["openapi"].startswith("3.1")
    operations = {op["operationId"] for path in spec["paths"].values() for op in path.values()}
    assert {"createListing", "searchListings", "getListing", "updateListing", "closeListing"} <= operations
    examples = spec["paths"]["/v1/listings"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert examples["examples"][0]["hs_code"] == "691200"
