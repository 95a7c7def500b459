"""A listing's places in search: any name of its town finds it, and so do `near=` and the
`origin_place` / `destination_place` filters; saved searches keep today's place ids."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from market.listings.fallback import search_postgres
from search.queries import ListingQuery
from tests.helpers import demand_body, offer_body, wait_matched, wait_searchable

NEWEST = {"sort": "-created_at", "limit": 50}


@pytest.fixture
async def from_kokand(client: httpx.AsyncClient, make_org) -> str:
    org = await make_org(country="UZ")
    body = offer_body(title="Glazed bowls", origin={"country": "UZ", "city": "Qo'qon"})
    created = await client.post("/v1/listings", json=body, headers=org.headers)
    assert created.status_code == 201, created.text
    origin = created.json()["origin"]
    assert origin["place_id"] == "UZKOK" and origin["resolved_by"] == "name"
    assert origin["place"]["names"]["ru"] == "Коканд"
    return str(created.json()["id"])


@pytest.mark.parametrize("name", ["Коканд", "Kokand", "Qo‘qon", "Қўқон"])
async def test_any_name_of_the_town_finds_the_listing(
    client: httpx.AsyncClient, from_kokand: str, name: str
) -> None:
    await wait_searchable(client, {"q": name, **NEWEST}, from_kokand)


async def test_near_and_the_place_filters_find_it(client: httpx.AsyncClient, from_kokand: str) -> None:
    await wait_searchable(client, {"near": "40.53,70.94,25", **NEWEST}, from_kokand)
    await wait_searchable(client, {"origin_place": "UZKOK", **NEWEST}, from_kokand)
    elsewhere = await wait_searchable(client, {"origin_place": "UZTAS", **NEWEST}, from_kokand, present=False)
    assert all(hit["origin"]["place_id"] == "UZTAS" for hit in elsewhere["hits"])
    far = await wait_searchable(client, {"near": "41.31,69.28,50", **NEWEST}, from_kokand, present=False)
    assert from_kokand not in {hit["id"] for hit in far["hits"]}
    assert all("known_as" not in hit["origin"] for hit in far["hits"])  # search names stay inside


async def test_postgres_fallback_finds_it_by_a_name_too(app, from_kokand: str) -> None:
    async with app.state.pool.acquire() as conn:
        found = await search_postgres(conn, ListingQuery(q="Коканд", limit=100))
        by_place = await search_postgres(conn, ListingQuery(origin_place="UZKOK", limit=100))
    assert from_kokand in {str(hit.id) for hit in found.hits}
    assert from_kokand in {str(hit.id) for hit in by_place.hits}


async def test_a_place_filter_takes_an_old_id_and_refuses_an_unknown_one(
    client: httpx.AsyncClient, make_org
) -> None:
    org = await make_org(kind="importer", country="TJ")
    body = demand_body(destination={"country": "TJ", "city": "Ленинабад"})  # Khujand's Soviet name
    created = await client.post("/v1/listings", json=body, headers=org.headers)
    assert created.status_code == 201, created.text
    destination = created.json()["destination"]
    assert destination["resolved_by"] == "former_name" and destination["place"]["names"]["en"] == "Khujand"
    await wait_searchable(client, {"destination_place": "X-TJ-KHUJAND", **NEWEST}, str(created.json()["id"]))
    refused = await client.get("/v1/listings", params={"destination_place": "TJZZZ"})
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "destination_place"


async def test_an_alert_keeps_the_place_id_of_today(client: httpx.AsyncClient, make_org) -> None:
    org = await make_org(kind="importer", country="KZ")
    alert = await client.post(
        "/v1/alerts",
        json={"name": "From Dushanbe", "filters": {"origin_place": "X-TJ-DUSHANBE"}},
        headers=org.headers,
    )
    assert alert.status_code == 201, alert.text
    assert alert.json()["filters"] == {"origin_place": "TJDYU"}
    refused = await client.post(
        "/v1/alerts", json={"name": "Nowhere", "filters": {"origin_place": "ZZ-1"}}, headers=org.headers
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "filters.origin_place"


def ceramics_wanted(hs_code: str, **overrides: Any) -> dict[str, Any]:
    """A demand for ceramics by the piece, by road, from Uzbekistan. Each test takes an HS code
    no other test posts, so the pair meets among the candidates whatever else is in the index."""
    return demand_body(
        hs_code=hs_code,
        quantity={"amount": 5000, "unit": "H87"},
        price={"amount": "1.50", "currency": "USD", "per": "H87"},
        target_countries=["UZ"],
        transport_modes=["road"],
        **overrides,
    )


async def post_pair(client: httpx.AsyncClient, make_org, offer: dict[str, Any], demand: dict[str, Any]):
    """Post an offer (by an Uzbek exporter) and a demand (by an importer of its destination)."""
    exporter = await make_org(country="UZ")
    importer = await make_org(kind="importer", country=demand["destination"]["country"])
    posted = [
        await client.post("/v1/listings", json=body, headers=org.headers)
        for body, org in ((offer, exporter), (demand, importer))
    ]
    assert all(r.status_code == 201 for r in posted), [r.text for r in posted]
    return posted[0].json(), posted[1].json()


async def test_an_offer_from_namangan_matches_a_demand_in_karaganda_over_real_crossings(
    client: httpx.AsyncClient, make_org
) -> None:
    offer = offer_body(
        title="Porcelain wash basins",
        hs_code="691010",
        origin={"country": "UZ", "city": "Namangan"},
        destination=None,
    )
    demand = ceramics_wanted(
        "691010",
        title="Раковины фарфоровые",
        incoterm_place="Karaganda",
        destination={"country": "KZ", "city": "Караганда"},
    )
    posted_offer, posted_demand = await post_pair(client, make_org, offer, demand)
    match, _ = await wait_matched(client, str(posted_offer["id"]), str(posted_demand["id"]))
    route = match["route"]
    assert (route["origin"], route["destination"]) == ("UZNMA", "KZKGF")
    assert route["countries"] == ["UZ", "KZ"]
    crossings = {c["id"]: c for c in (await client.get("/v1/border-crossings")).json()}
    assert route["crossing_ids"] and all(
        set(crossings[x]["countries"]) == {"UZ", "KZ"} for x in route["crossing_ids"]
    )
    assert "route_unknown" not in match["flags"]


async def test_a_town_no_route_reaches_still_matches_and_says_route_unknown(
    client: httpx.AsyncClient, make_org
) -> None:
    offer = offer_body(
        title="Stoneware garden pots", hs_code="691490", destination=None, target_countries=["RU"]
    )
    demand = ceramics_wanted(
        "691490",
        title="Stoneware garden pots wanted",
        incoterm_place="Omsk",
        destination={"country": "RU", "city": "Omsk"},  # about 700 km from the nearest Russian hub
    )
    posted_offer, posted_demand = await post_pair(client, make_org, offer, demand)
    assert posted_demand["destination"]["resolved_by"] == "name"
    match, _ = await wait_matched(client, str(posted_offer["id"]), str(posted_demand["id"]))
    assert "route_unknown" in match["flags"] and match["route"] is None
