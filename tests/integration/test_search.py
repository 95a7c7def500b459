"""Listing search: filters, facets, geo, sorting and paging against real Meilisearch."""

from __future__ import annotations

import secrets

import httpx

from tests.helpers import demand_body, offer_body, wait_searchable


async def _post(client: httpx.AsyncClient, org, body: dict) -> str:
    response = await client.post("/v1/listings", json=body, headers=org.headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_filters_and_facets(client: httpx.AsyncClient, make_org) -> None:
    word = "zx" + secrets.token_hex(3)
    uz, kz = await make_org(country="UZ"), await make_org(kind="importer", country="KZ", city="Shymkent")
    plates = await _post(client, uz, offer_body(title=f"Plates {word}"))
    cement = await _post(
        client,
        uz,
        offer_body(
            title=f"Portland cement {word}",
            hs_code="252329",
            quantity={"amount": 5000, "unit": "TNE"},
            min_order={"amount": 60, "unit": "TNE"},
            price={"amount": "58.00", "currency": "USD", "per": "TNE"},
            incoterm="CPT",
            incoterm_place="Shymkent",
            transport_modes=["rail"],
        ),
    )
    wanted = await _post(
        client,
        kz,
        demand_body(
            title=f"Cement wanted {word}",
            hs_code="2523",
            quantity={"amount": 2000, "unit": "TNE"},
            price={"amount": "55.00", "currency": "USD", "per": "TNE"},
            destination={"country": "KZ", "city": "Shymkent"},
            incoterm="DAP",
            incoterm_place="Shymkent",
        ),
    )
    everything = await wait_searchable(client, {"q": word}, wanted)
    ids = {hit["id"] for hit in everything["hits"]}
    assert {plates, cement, wanted} <= ids
    assert everything["facets"]["side"] == {"offer": 2, "demand": 1}
    assert everything["facets"]["hs_chapter"] == {"69": 1, "25": 2}
    assert everything["facets"]["origin_country"] == {"UZ": 2}
    assert everything["facets"]["incoterm"] == {"DAP": 2, "CPT": 1}
    modes = everything["facets"]["transport_modes"]
    assert sum(modes.values()) >= 1 and set(modes) <= {"road", "rail", "air", "multimodal"}

    async def ids_for(**params: str) -> set[str]:
        result = await client.get("/v1/listings", params={"q": word, **params})
        assert result.status_code == 200, result.text
        return {hit["id"] for hit in result.json()["hits"]}

    assert await ids_for(side="demand") == {wanted}
    assert await ids_for(hs_code="25") == {cement, wanted}
    assert await ids_for(hs_code="2523") == {cement, wanted}
    assert await ids_for(hs_code="252329") == {cement}
    assert await ids_for(hs_code="6912") == {plates}
    assert await ids_for(origin_country="UZ") == {plates, cement}
    assert await ids_for(destination_country="KZ") == {plates, cement, wanted}
    assert await ids_for(incoterm="CPT") == {cement}
    assert await ids_for(transport_mode="rail") == {cement, wanted}
    assert await ids_for(origin_country="TJ") == set()


async def test_sort_by_price_and_paging(client: httpx.AsyncClient, make_org) -> None:
    word = "pq" + secrets.token_hex(3)
    org = await make_org()
    prices = ["3.10", "1.20", "2.50"]
    ids = [
        await _post(
            client,
            org,
            offer_body(title=f"Plates {word}", price={"amount": p, "currency": "USD", "per": "H87"}),
        )
        for p in prices
    ]
    await wait_searchable(client, {"q": word}, ids[-1])
    cheap_first = (await client.get("/v1/listings", params={"q": word, "sort": "price"})).json()
    assert [h["price"]["amount"] for h in cheap_first["hits"]] == ["1.20", "2.50", "3.10"]
    dear_first = (await client.get("/v1/listings", params={"q": word, "sort": "-price"})).json()
    assert [h["price"]["amount"] for h in dear_first["hits"]] == ["3.10", "2.50", "1.20"]
    newest = (await client.get("/v1/listings", params={"q": word, "sort": "created_at"})).json()
    assert [h["id"] for h in newest["hits"]] == list(reversed(ids))
    page = (
        await client.get("/v1/listings", params={"q": word, "sort": "price", "limit": 1, "offset": 1})
    ).json()
    assert page["limit"] == 1 and page["offset"] == 1
    assert [h["price"]["amount"] for h in page["hits"]] == ["2.50"]
    assert page["estimated_total"] == 3


async def test_near_filters_by_distance(client: httpx.AsyncClient, make_org) -> None:
    word = "gx" + secrets.token_hex(3)
    org = await make_org()
    tashkent = await _post(
        client, org, offer_body(title=f"Tiles {word}", origin={"country": "UZ", "city": "Tashkent"})
    )
    termez = await _post(
        client, org, offer_body(title=f"Tiles {word}", origin={"country": "UZ", "city": "Termez"})
    )
    await wait_searchable(client, {"q": word}, termez)
    await wait_searchable(client, {"q": word}, tashkent)
    near_tashkent = (await client.get("/v1/listings", params={"q": word, "near": "41.31,69.28,100"})).json()
    assert {h["id"] for h in near_tashkent["hits"]} == {tashkent}
    wide = (await client.get("/v1/listings", params={"q": word, "near": "41.31,69.28,1000"})).json()
    assert {h["id"] for h in wide["hits"]} == {tashkent, termez}


async def test_expired_listings_leave_search(client: httpx.AsyncClient, make_org, app) -> None:
    word = "ex" + secrets.token_hex(3)
    org = await make_org()
    listing_id = await _post(client, org, offer_body(title=f"Plates {word}"))
    await wait_searchable(client, {"q": word}, listing_id)
    # Time passes: move its expiry into the past, as the clock would.
    async with app.state.pool.acquire() as conn:
        await conn.execute(
            "UPDATE listings SET expires_at = now() - interval '1 second' WHERE id = $1", listing_id
        )
        await conn.execute("INSERT INTO search_outbox (listing_id) VALUES ($1)", listing_id)
        await conn.execute("SELECT pg_notify('market_search_outbox', '')")
    await wait_searchable(client, {"q": word}, listing_id, present=False)


async def test_limit_defaults_and_shape(client: httpx.AsyncClient) -> None:
    result = await client.get("/v1/listings")
    assert result.status_code == 200
    body = result.json()
    assert body["limit"] == 20 and body["offset"] == 0
    assert set(body) == {"hits", "facets", "estimated_total", "limit", "offset"}
    assert set(body["facets"]) == {
        "side",
        "hs_chapter",
        "origin_country",
        "destination_country",
        "incoterm",
        "transport_modes",
    }
