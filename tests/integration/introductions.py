"""What the introduction tests share: two organizations with a listing each, and asking."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from tests.helpers import Org, demand_body, offer_body

SELLER_CONTACT = {"email": "sales@plates.example.uz", "phone": "+998 73 244 00 00"}
BUYER_CONTACT = {"email": "buying@almaty.example.kz", "phone": "+7 727 000 00 00"}


@dataclass
class Pair:
    """A seller with an offer asking a buyer about the buyer's demand."""

    seller: Org
    buyer: Org
    offer: dict[str, Any]
    demand: dict[str, Any]


async def post_listing(client: httpx.AsyncClient, org: Org, body: dict[str, Any]) -> dict[str, Any]:
    created = await client.post("/v1/listings", json=body, headers=org.headers)
    assert created.status_code == 201, created.text
    return dict(created.json())


def plates_demand(**overrides: Any) -> dict[str, Any]:
    """Plates wanted in Almaty: what the example offer (plates from Tashkent) fits."""
    fields: dict[str, Any] = dict(
        title="Ceramic plates for a restaurant chain",
        hs_code="691200",
        quantity={"amount": 5000, "unit": "H87"},
        price={"amount": "1.90", "currency": "USD", "per": "H87"},
        incoterm="DAP",
        incoterm_place="Almaty",
        destination={"country": "KZ", "city": "Almaty"},
        target_countries=["UZ"],
        transport_modes=["road"],
    )
    return demand_body(**{**fields, **overrides})


async def make_pair(client: httpx.AsyncClient, make_org: Any) -> Pair:
    seller = await make_org(contact=SELLER_CONTACT)
    buyer = await make_org(kind="importer", country="KZ", city="Almaty", contact=BUYER_CONTACT)
    offer = await post_listing(client, seller, offer_body())
    demand = await post_listing(client, buyer, plates_demand())
    return Pair(seller, buyer, offer, demand)


async def ask(client: httpx.AsyncClient, pair: Pair, *, expect: int = 201, **fields: Any) -> dict[str, Any]:
    """The seller asks to be introduced to the buyer about the buyer's demand."""
    body = {"listing_id": pair.demand["id"], "message": "We make these plates in Rishtan.", **fields}
    response = await client.post("/v1/introductions", json=body, headers=pair.seller.headers)
    assert response.status_code == expect, response.text
    return dict(response.json())


async def act(
    client: httpx.AsyncClient, introduction_id: str, action: str, org: Org, *, expect: int = 200, **body: Any
) -> dict[str, Any]:
    """POST /v1/introductions/{id}/{action} as ``org``."""
    response = await client.post(
        f"/v1/introductions/{introduction_id}/{action}", json=body or None, headers=org.headers
    )
    assert response.status_code == expect, response.text
    return dict(response.json())
