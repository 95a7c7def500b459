"""Counterparty suggestions on the demo data, against real PostgreSQL and Meilisearch."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from market.demo import demo_data, load_demo
from tests.helpers import demand_body, insert_introduction, letters, offer_body, wait_matched, wait_searchable


async def _outbox_drained(app) -> None:
    deadline = asyncio.get_running_loop().time() + 30
    pending = "SELECT count(*) FROM search_outbox WHERE failed_at IS NULL"  # set-aside rows wait for no one
    while await app.state.pool.fetchval(pending):
        assert asyncio.get_running_loop().time() < deadline, "the outbox never drained"
        await asyncio.sleep(0.1)


@pytest.fixture
async def demo(app) -> dict[str, str]:
    async with app.state.pool.acquire() as conn:
        await load_demo(conn)
    await _outbox_drained(app)
    names = [org.name for org in demo_data().organizations]
    rows = await app.state.pool.fetch(
        "SELECT l.id::text, l.external_ref FROM listings l JOIN organizations o ON o.id = l.organization_id"
        " WHERE o.name = any($1::text[]) AND l.external_ref IS NOT NULL",
        names,
    )
    return {r["external_ref"]: r["id"] for r in rows}


async def _listing_id(app, demo: dict[str, str], where: str) -> str:
    """The demo listing that fits ``where`` (other tests post look-alikes of the demo's goods)."""
    value = await app.state.pool.fetchval(
        f"SELECT id::text FROM listings WHERE {where} AND id = any($1::uuid[]) ORDER BY created_at LIMIT 1",
        list(demo.values()),
    )
    assert value, where
    return str(value)


async def test_kostanai_cars_match_the_dushanbe_demand_over_two_borders(
    client: httpx.AsyncClient, app, demo
) -> None:
    cars = await _listing_id(
        app,
        demo,
        "side = 'offer' AND hs_code LIKE '8703%' AND origin->>'city' = 'Kostanai'"
        " AND destination->>'country' = 'TJ'",
    )
    wanted = await _listing_id(
        app, demo, "side = 'demand' AND hs_code LIKE '8703%' AND destination->>'country' = 'TJ'"
    )
    match, body = await wait_matched(client, cars, wanted)
    assert len(match["route"]["crossing_ids"]) == 2
    assert match["route"]["countries"][0] == "KZ" and match["route"]["countries"][-1] == "TJ"
    assert match["parts"]["commodity"] >= 0.8 and 0 < match["score"] <= 1
    assert "via" in match["explanation"] and "days" in match["explanation"]
    scores = [m["score"] for m in body["matches"]]
    assert scores == sorted(scores, reverse=True)
    assert all(m["listing"]["side"] == "demand" for m in body["matches"])


async def test_plates_match_a_kazakh_demand_and_closing_the_crossing_reroutes(
    client: httpx.AsyncClient, app, demo, admin: dict[str, str]
) -> None:
    plates = await _listing_id(
        app, demo, "side = 'offer' AND hs_code = '691200' AND title ILIKE '%ceramic plates%'"
    )
    wanted = await _listing_id(
        app, demo, "side = 'demand' AND hs_code LIKE '6912%' AND destination->>'country' = 'KZ'"
    )
    match, _ = await wait_matched(client, plates, wanted)
    crossing = match["route"]["crossing_ids"][0]
    assert crossing.startswith("kz-uz") or crossing.startswith("uz-kz") or "KZ" in match["route"]["countries"]
    assert match["parts"]["commodity"] == 1.0
    assert "same HS 6912" in match["explanation"]
    try:
        closed = await client.patch(
            f"/v1/border-crossings/{crossing}", json={"status": "closed"}, headers=admin
        )
        assert closed.status_code == 200
        after = (await client.get(f"/v1/listings/{plates}/matches")).json()
        again = [m for m in after["matches"] if m["listing"]["id"] == wanted]
        # Re-routed through another crossing, or dropped: never through the closed one.
        assert not again or crossing not in again[0]["route"]["crossing_ids"]
        via_closed = await client.get(f"/v1/listings/{plates}/matches", params={"via": crossing})
        assert all(m["listing"]["id"] != wanted for m in via_closed.json()["matches"])
    finally:
        await app.state.pool.execute("DELETE FROM border_crossing_status WHERE crossing_id = $1", crossing)


async def test_russian_flour_demand_matches_an_english_flour_offer(
    client: httpx.AsyncClient, app, demo, make_org
) -> None:
    demand = await _listing_id(
        app, demo, "side = 'demand' AND hs_code = '110100' AND destination->>'city' = 'Samarkand'"
    )
    miller = await make_org(country="KZ", city="Kostanai")
    offer = offer_body(
        title="Wheat flour, first grade, 50 kg bags",
        description="Milled in Kostanai from class 3 wheat.",
        hs_code="110100",
        quantity={"amount": 3000, "unit": "TNE"},
        min_order={"amount": 60, "unit": "TNE"},
        price={"amount": "290.00", "currency": "USD", "per": "TNE"},
        incoterm="CPT",
        incoterm_place="Samarkand",
        origin={"country": "KZ", "city": "Kostanai"},
        destination=None,
        target_countries=["UZ", "TJ"],
        transport_modes=["rail", "road"],
    )
    created = await client.post("/v1/listings", json=offer, headers=miller.headers)
    assert created.status_code == 201, created.text
    offer_id = created.json()["id"]
    await wait_searchable(client, {"q": "wheat flour first grade"}, offer_id)
    match, _ = await wait_matched(client, demand, offer_id)
    assert match["parts"]["commodity"] == 1.0
    assert match["route"]["countries"][0] == "KZ" and match["route"]["countries"][-1] == "UZ"
    assert match["parts"]["quantity"] > 0


async def test_matches_access_and_filters(client: httpx.AsyncClient, app, demo, make_org) -> None:
    org = await make_org()
    draft = await client.post("/v1/listings", json=offer_body(status="draft"), headers=org.headers)
    draft_id = draft.json()["id"]
    assert (await client.get(f"/v1/listings/{draft_id}/matches")).status_code == 404
    assert (await client.get(f"/v1/listings/{draft_id}/matches", headers=org.headers)).status_code == 200
    plates = await _listing_id(
        app, demo, "side = 'offer' AND hs_code = '691200' AND title ILIKE '%ceramic plates%'"
    )
    unknown = await client.get(f"/v1/listings/{plates}/matches", params={"via": "nowhere"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "via"
    for params in ({"limit": "0"}, {"limit": "51"}, {"min_score": "2"}, {"mode": "sea"}, {"max_days": "-1"}):
        bad = await client.get(f"/v1/listings/{plates}/matches", params=params)
        assert bad.status_code == 400, params
    strict = (await client.get(f"/v1/listings/{plates}/matches", params={"min_score": "0.6"})).json()
    assert all(m["score"] >= 0.6 for m in strict["matches"])
    own_org = await app.state.pool.fetchval(
        "SELECT organization_id::text FROM listings WHERE id = $1::uuid", plates
    )
    everything = (await client.get(f"/v1/listings/{plates}/matches", params={"limit": "50"})).json()
    assert all(m["listing"]["organization"]["id"] != own_org for m in everything["matches"])


async def test_a_responsive_counterpart_outranks_an_unresponsive_one_and_no_history_is_neutral(
    client: httpx.AsyncClient, app: Any, make_org: Any
) -> None:
    """Three sellers post the same offer; one answers its introduction requests within hours, one
    lets them all expire, one has never been asked. Only the responsiveness part tells them apart."""
    word = letters()
    buyer = await make_org(kind="importer", country="KZ", city="Almaty")
    demand = demand_body(
        title=f"Dried fruit and nut mix {word}",
        description="Mixed dried apricots, raisins and almonds, 10 kg cartons.",
        hs_code="081350",
        quantity={"amount": 20, "unit": "TNE"},
        price={"amount": "2500.00", "currency": "USD", "per": "TNE"},
        incoterm_place="Almaty",
        destination={"country": "KZ", "city": "Almaty"},
        target_countries=["UZ"],
        transport_modes=["road"],
    )
    posted = await client.post("/v1/listings", json=demand, headers=buyer.headers)
    assert posted.status_code == 201, posted.text
    demand_id = posted.json()["id"]
    offer = offer_body(
        title=f"Dried fruit and nut mix {word}, Fergana valley",
        description="Apricots, raisins and almonds from the Fergana valley.",
        hs_code="081350",
        quantity={"amount": 40, "unit": "TNE"},
        min_order=None,
        price={"amount": "2400.00", "currency": "USD", "per": "TNE"},
    )
    offers: dict[str, str] = {}
    for seller in ("responsive", "unresponsive", "newcomer"):
        org = await make_org()
        created = await client.post("/v1/listings", json=offer, headers=org.headers)
        assert created.status_code == 201, created.text
        offers[seller] = created.json()["id"]
        for _ in range(4 if seller != "newcomer" else 0):  # one requester each: one open request per pair
            requester = await make_org(kind="importer", country="KZ", city="Almaty")
            answered = seller == "responsive"
            await insert_introduction(
                app,
                offers[seller],
                requester.id,
                org.id,
                "accepted" if answered else "expired",
                days_ago=20,
                answered_after_hours=3 if answered else None,
            )
    for offer_id in offers.values():
        await wait_matched(client, demand_id, offer_id)
    answer = await client.get(f"/v1/listings/{demand_id}/matches")
    ranked = [m["listing"]["id"] for m in answer.json()["matches"]]
    found = {seller: answer.json()["matches"][ranked.index(i)] for seller, i in offers.items()}

    parts = {seller: match["parts"] for seller, match in found.items()}
    assert [parts[s]["responsiveness"] for s in offers] == [1.0, 0.0, 0.5]
    others = [{k: v for k, v in p.items() if k != "responsiveness"} for p in parts.values()]
    assert others[0] == others[1] == others[2]
    assert (
        ranked.index(offers["responsive"])
        < ranked.index(offers["newcomer"])
        < ranked.index(offers["unresponsive"])
    )
    scores = {seller: match["score"] for seller, match in found.items()}
    assert scores["responsive"] - scores["newcomer"] == pytest.approx(0.025, abs=0.0015)
    assert scores["newcomer"] - scores["unresponsive"] == pytest.approx(0.025, abs=0.0015)
    assert found["responsive"]["explanation"].endswith("; answers every request, usually within a day")
    assert found["unresponsive"]["explanation"].endswith("; answers fewer than 1 in 10 requests")
    assert "answers" not in found["newcomer"]["explanation"]
