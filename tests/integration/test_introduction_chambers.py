"""Chambers act for their members: asking on a member's behalf, answering for the member that owns
the listing, speaking in their conversations, reading their inboxes; and nobody else's."""

from __future__ import annotations

from typing import Any

import httpx

from tests.helpers import Org, add_member, assert_problem, offer_body
from tests.integration.introductions import act, plates_demand, post_listing


async def member_listing(client: httpx.AsyncClient, chamber: Org, body: dict[str, Any]) -> tuple[str, str]:
    """A member of ``chamber`` and a listing the chamber posts for it: (member id, listing id)."""
    member = (await add_member(client, chamber))["id"]
    listing = await post_listing(client, chamber, {**body, "on_behalf_of": member})
    return member, listing["id"]


async def test_chambers_ask_answer_and_speak_for_their_members(
    client: httpx.AsyncClient, make_org: Any
) -> None:
    uz = await make_org(kind="chamber", country="UZ", city="Tashkent")
    kz = await make_org(kind="chamber", country="KZ", city="Almaty")
    seller, offer = await member_listing(client, uz, offer_body())
    buyer, demand = await member_listing(client, kz, plates_demand())

    asked = await client.post(
        "/v1/introductions",
        json={
            "listing_id": demand,
            "from_listing_id": offer,
            "message": "For our member",
            "on_behalf_of": seller,
        },
        headers=uz.headers,
    )
    assert asked.status_code == 201, asked.text
    intro = asked.json()
    assert intro["requester"]["organization"]["id"] == seller and intro["requested_by"] == uz.id
    assert intro["recipient"]["organization"]["id"] == buyer

    inbox = await client.get(
        "/v1/introductions", params={"role": "received", "on_behalf_of": buyer}, headers=kz.headers
    )
    assert [i["id"] for i in inbox.json()["introductions"]] == [intro["id"]]
    assert inbox.json()["introductions"][0]["role"] == "received"
    accepted = await act(client, intro["id"], "accept", kz)
    assert accepted["status"] == "accepted" and accepted["recipient"]["contact"] is not None

    said = await client.post(
        f"/v1/introductions/{intro['id']}/messages", json={"text": "Terms attached."}, headers=uz.headers
    )
    assert said.status_code == 201, said.text
    assert (said.json()["author_id"], said.json()["posted_by"]) == (seller, uz.id)
    outcome = await act(client, intro["id"], "outcome", kz, outcome="deal")
    assert outcome["outcome_by"] == buyer


async def test_a_chamber_with_members_on_both_sides_names_the_one_speaking(
    client: httpx.AsyncClient, make_org: Any
) -> None:
    chamber = await make_org(kind="chamber", country="KZ", city="Kostanai")
    seller, _offer = await member_listing(
        client, chamber, offer_body(origin={"country": "KZ", "city": "Kostanai"})
    )
    buyer, demand = await member_listing(client, chamber, plates_demand(target_countries=[]))
    asked = await client.post(
        "/v1/introductions",
        json={"listing_id": demand, "message": "Both ours", "on_behalf_of": seller},
        headers=chamber.headers,
    )
    assert asked.status_code == 201, asked.text
    intro = asked.json()["id"]
    await act(client, intro, "accept", chamber)
    url = f"/v1/introductions/{intro}/messages"
    unclear = await client.post(url, json={"text": "who am I?"}, headers=chamber.headers)
    assert_problem(unclear, 422, "on_behalf_of")
    clear = await client.post(url, json={"text": "the buyer", "on_behalf_of": buyer}, headers=chamber.headers)
    assert clear.status_code == 201 and clear.json()["author_id"] == buyer


async def test_nobody_acts_for_an_organization_that_is_not_its_member(
    client: httpx.AsyncClient, make_org: Any
) -> None:
    kz = await make_org(kind="chamber", country="KZ", city="Almaty")
    outsider_chamber = await make_org(kind="chamber", country="TJ", city="Dushanbe")
    buyer, demand = await member_listing(client, kz, plates_demand())
    seller = await make_org()
    asked = await client.post(
        "/v1/introductions",
        json={"listing_id": demand, "message": "not yours", "on_behalf_of": seller.id},
        headers=outsider_chamber.headers,
    )
    assert_problem(asked, 422, "on_behalf_of")
    read = await client.get(
        "/v1/introductions", params={"on_behalf_of": buyer}, headers=outsider_chamber.headers
    )
    assert_problem(read, 422, "on_behalf_of")
    mine = await client.post(
        "/v1/introductions", json={"listing_id": demand, "message": "hello"}, headers=seller.headers
    )
    assert mine.status_code == 201
    answered = await client.post(
        f"/v1/introductions/{mine.json()['id']}/accept", headers=outsider_chamber.headers
    )
    assert_problem(answered, 404)
