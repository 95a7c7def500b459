"""Matching asks Meilisearch only for counterparts whose countries fit, so listings that can never
match do not fill the candidate slots (50 a query) and push out the one that can."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import httpx

from tests.helpers import Org, demand_body, offer_body

PAPER = "480256"  # a heading no other test module posts (the two tests on it see each other's)
CARTONS = "481910"  # another, for the test that ranks
CROWD = 60  # more than one candidate query brings back


async def _batch(client: httpx.AsyncClient, org: Org, bodies: list[dict[str, Any]]) -> list[str]:
    if not bodies:
        return []
    response = await client.post("/v1/listings/batch", json=bodies, headers=org.headers)
    assert response.status_code == 200, response.text
    assert response.json()["failed"] == 0, response.text
    return [r["id"] for r in response.json()["results"]]


async def _all_searchable(client: httpx.AsyncClient, word: str, count: int, hs_code: str) -> None:
    deadline = asyncio.get_running_loop().time() + 60
    while True:
        found = await client.get("/v1/listings", params={"q": word, "hs_code": hs_code, "limit": 1})
        if "x-search-degraded" not in found.headers and found.json()["estimated_total"] >= count:
            return
        assert asyncio.get_running_loop().time() < deadline, f"only {found.json()['estimated_total']} indexed"
        await asyncio.sleep(0.2)


async def _matched_ids(client: httpx.AsyncClient, org: Org, listing_id: str) -> set[str]:
    response = await client.get(
        f"/v1/listings/{listing_id}/matches", params={"limit": 50}, headers=org.headers
    )
    assert response.status_code == 200, response.text
    return {m["listing"]["id"] for m in response.json()["matches"]}


async def _one_among_many(
    client: httpx.AsyncClient,
    word: str,
    older: tuple[Org, list[dict[str, Any]]],
    fits: tuple[Org, dict[str, Any]],
    newer: tuple[Org, list[dict[str, Any]]],
    hs_code: str = PAPER,
) -> tuple[str, set[str]]:
    """Post a crowd, the one listing that fits, and another crowd; wait until all are searchable.
    Returns the fitting listing's id and the crowd's ids."""
    crowd = await _batch(client, *older)
    created = await client.post("/v1/listings", json=fits[1], headers=fits[0].headers)
    assert created.status_code == 201, created.text
    crowd += await _batch(client, *newer)
    await _all_searchable(client, word, len(crowd) + 2, hs_code)  # and the listing they are matched against
    return created.json()["id"], set(crowd)


def _paper(word: str, n: int, **changes: Any) -> dict[str, Any]:
    return {
        "title": f"Kraft paper {word} {n}",
        "hs_code": PAPER,
        "quantity": {"amount": 100, "unit": "TNE"},
        "price": {"amount": "700.00", "currency": "USD", "per": "TNE"},
        "incoterm": "DAP",
        "transport_modes": ["road", "rail"],
        **changes,
    }


async def test_a_demand_finds_the_one_fitting_offer_among_many_that_cannot_fit(
    client: httpx.AsyncClient, make_org
) -> None:
    word = "kp" + secrets.token_hex(3)
    buyer = await make_org(kind="importer", country="KZ", city="Almaty")
    uzbek, kyrgyz = await make_org(), await make_org(country="KG", city="Bishkek")
    demand = await client.post(
        "/v1/listings",
        json=demand_body(
            **_paper(word, 0, incoterm_place="Almaty"),
            destination={"country": "KZ", "city": "Almaty"},
            origin=None,
            target_countries=["UZ"],  # Uzbek paper only
        ),
        headers=buyer.headers,
    )
    assert demand.status_code == 201, demand.text

    def offer(n: int, **changes: Any) -> dict[str, Any]:
        return offer_body(**_paper(word, n, incoterm_place="Almaty"), min_order=None, **changes)

    # Kyrgyz paper the buyer does not take, and Uzbek paper sold to Tajikistan only, on both sides
    # (older and newer) of the one offer that fits.
    kyrgyz_paper = {"origin": {"country": "KG", "city": "Bishkek"}, "target_countries": ["KZ"]}
    for_tajikistan = {"target_countries": ["TJ"]}
    fits, crowd = await _one_among_many(
        client,
        word,
        (kyrgyz, [offer(n, **kyrgyz_paper) for n in range(1, CROWD + 1)]),
        (uzbek, offer(1000, target_countries=["KZ"])),
        (uzbek, [offer(n, **for_tajikistan) for n in range(CROWD + 1, 2 * CROWD + 1)]),
    )

    matched = await _matched_ids(client, buyer, demand.json()["id"])
    assert fits in matched and not matched & crowd


async def test_an_offer_finds_the_one_fitting_demand_among_many_that_cannot_fit(
    client: httpx.AsyncClient, make_org
) -> None:
    word = "kp" + secrets.token_hex(3)
    seller = await make_org()  # Tashkent
    buyers = await make_org(kind="importer", country="KZ", city="Almaty")
    offer = await client.post(
        "/v1/listings",
        json=offer_body(**_paper(word, 0, incoterm_place="Almaty"), min_order=None, target_countries=["KZ"]),
        headers=seller.headers,
    )
    assert offer.status_code == 201, offer.text

    def demand(n: int, **changes: Any) -> dict[str, Any]:
        return demand_body(**_paper(word, n, incoterm_place="Almaty"), origin=None, **changes)

    # Demands in a market the offer does not serve, and Kazakh ones that take no Uzbek goods.
    in_tajikistan = {"destination": {"country": "TJ", "city": "Dushanbe"}, "target_countries": []}
    not_from_uzbekistan = {"destination": {"country": "KZ", "city": "Almaty"}, "target_countries": ["KG"]}
    fits, crowd = await _one_among_many(
        client,
        word,
        (buyers, [demand(n, **in_tajikistan) for n in range(1, CROWD + 1)]),
        (buyers, demand(1000, destination={"country": "KZ", "city": "Almaty"}, target_countries=[])),
        (buyers, [demand(n, **not_from_uzbekistan) for n in range(CROWD + 1, 2 * CROWD + 1)]),
    )

    matched = await _matched_ids(client, seller, offer.json()["id"])
    assert fits in matched and not matched & crowd


async def test_a_seller_with_many_look_alike_lots_does_not_crowd_out_the_others(
    client: httpx.AsyncClient, make_org
) -> None:
    """Candidates are asked for one per organization as well as newest first: a small mill's one
    older, cheaper offer still meets the demand after a big mill posted 60 newer ones."""
    word = "kp" + secrets.token_hex(3)
    buyer = await make_org(kind="importer", country="KZ", city="Almaty")
    small, big = await make_org(), await make_org()
    demand = await client.post(
        "/v1/listings",
        json=demand_body(
            **_paper(word, 0, incoterm_place="Almaty", hs_code=CARTONS), origin=None, target_countries=[]
        ),
        headers=buyer.headers,
    )
    assert demand.status_code == 201, demand.text

    def offer(n: int, price: str) -> dict[str, Any]:
        money = {"amount": price, "currency": "USD", "per": "TNE"}
        lot = _paper(word, n, incoterm_place="Almaty", hs_code=CARTONS, price=money)
        return offer_body(**lot, min_order=None, target_countries=[])

    fits, crowd = await _one_among_many(
        client,
        word,
        (big, []),
        (small, offer(1000, "650.00")),  # under the buyer's 700
        (big, [offer(n, "800.00") for n in range(1, CROWD + 1)]),
        CARTONS,
    )
    response = await client.get(f"/v1/listings/{demand.json()['id']}/matches", headers=buyer.headers)
    assert response.status_code == 200, response.text
    ranked = [m["listing"]["id"] for m in response.json()["matches"]]
    assert ranked[0] == fits, f"the small mill's offer is not first: {ranked[:3]}"
    assert set(ranked[1:]) <= crowd
