"""Matches must not flood: look-alike lots of one seller make one event per organization pair,
and no listing gathers more than MAX_EVENTS_PER_LISTING events."""

from __future__ import annotations

import secrets
from typing import Any

import httpx

from market.matching.recorder import MAX_EVENTS_PER_LISTING
from tests.helpers import demand_body, offer_body
from tests.integration.events_log import wait_recorded

CODE = "691200"  # ceramic plates
# Ceramic ornaments: a code no other test posts, so no outside seller can take the cap first.
QUIET_CODE = "691390"


def plates(word: str, n: int, code: str = CODE) -> dict[str, Any]:
    return offer_body(title=f"Glazed plates {word} lot {n}", hs_code=code, external_ref=f"{word}-{n:03d}")


def plates_wanted(word: str, code: str = CODE) -> dict[str, Any]:
    return demand_body(
        title=f"Glazed plates {word} wanted",
        hs_code=code,
        quantity={"amount": 5000, "unit": "H87"},
        price={"amount": "2.00", "currency": "USD", "per": "H87"},
        destination={"country": "KZ", "city": "Almaty"},
        target_countries=["UZ"],
        transport_modes=["road"],
        incoterm="DAP",
        incoterm_place="Almaty",
    )


async def test_look_alike_lots_of_one_seller_make_one_event_per_organization_pair(
    client: httpx.AsyncClient, make_org, app
) -> None:
    word = "fl" + secrets.token_hex(3)
    importer = await make_org(kind="importer", country="KZ", city="Almaty")
    wanted = await client.post("/v1/listings", json=plates_wanted(word, QUIET_CODE), headers=importer.headers)
    assert wanted.status_code == 201, wanted.text
    demand_id = wanted.json()["id"]
    exporter = await make_org()
    batch = await client.post(
        "/v1/listings/batch",
        json=[plates(word, n, QUIET_CODE) for n in range(40)],
        headers=exporter.headers,
    )
    assert batch.status_code == 200 and batch.json()["created"] == 40, batch.text
    offers = [r["id"] for r in batch.json()["results"]]
    await wait_recorded(app, [demand_id, *offers])

    rows = await app.state.pool.fetch(
        "SELECT organization_id::text AS org, listing_id::text AS listing, counterpart_id::text AS other"
        " FROM match_events WHERE (listing_id = $1 AND counterpart_id = any($2::uuid[]))"
        " OR (counterpart_id = $1 AND listing_id = any($2::uuid[]))",
        demand_id,
        offers,
    )
    # One event in each inbox: the demand names the seller once, the seller hears of it once.
    assert sorted(r["org"] for r in rows) == sorted([importer.id, exporter.id]), rows
    # The demand's title may also find other tests' plates: count what passed between these two.
    created = await app.state.pool.fetch(
        "SELECT organization_id::text AS org FROM events WHERE type = 'match.created' AND ("
        " (listing_id = $1 AND data->'counterpart'->>'organization_id' = $3)"
        " OR (listing_id = any($2::uuid[]) AND data->'counterpart'->>'id' = $1::text))",
        demand_id,
        offers,
        exporter.id,
    )
    assert sorted(r["org"] for r in created) == sorted([importer.id, exporter.id])


async def test_a_listing_gathers_at_most_the_capped_number_of_events(
    client: httpx.AsyncClient, make_org, app
) -> None:
    word = "cap" + secrets.token_hex(3)
    importer = await make_org(kind="importer", country="KZ", city="Almaty")
    wanted = await client.post("/v1/listings", json=plates_wanted(word), headers=importer.headers)
    assert wanted.status_code == 201, wanted.text
    demand_id = wanted.json()["id"]
    offers = []
    for n in range(MAX_EVENTS_PER_LISTING + 5):  # more sellers than the cap
        seller = await make_org()
        offered = await client.post("/v1/listings", json=plates(word, n), headers=seller.headers)
        assert offered.status_code == 201, offered.text
        offers.append(offered.json()["id"])
    await wait_recorded(app, [demand_id, *offers])

    inbox = await app.state.pool.fetchval(
        "SELECT count(*) FROM match_events WHERE listing_id = $1", demand_id
    )
    events = await app.state.pool.fetchval(
        "SELECT count(*) FROM events WHERE type = 'match.created' AND listing_id = $1", demand_id
    )
    assert inbox == events == MAX_EVENTS_PER_LISTING
