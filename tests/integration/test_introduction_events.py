"""Every change of an introduction tells the side that should hear of it: an event in the same
transaction, and from it a signed webhook (to a chamber too, when it asked for its members')."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from litestar import Litestar

from market.introductions.expiry import IntroductionExpiry
from market.jobs import drain
from tests.helpers import add_member
from tests.integration.introductions import act, ask, make_pair, plates_demand, post_listing
from tests.integration.webhook_receiver import Receiver

EVENTS_SQL = """
SELECT type, data FROM events
WHERE organization_id = $1::uuid AND type LIKE 'introduction.%' AND data->>'introduction_id' = $2
ORDER BY id
"""


async def events_of(
    app: Litestar, organization_id: str, introduction_id: str
) -> list[tuple[str, dict[str, Any]]]:
    rows = await app.state.pool.fetch(EVENTS_SQL, organization_id, introduction_id)
    return [(r["type"], r["data"]) for r in rows]


async def test_each_step_tells_the_other_side(
    client: httpx.AsyncClient, app: Litestar, make_org: Any
) -> None:
    pair = await make_pair(client, make_org)
    intro = await ask(client, pair, message="Samples next week?")
    await act(client, intro["id"], "accept", pair.buyer)
    said = await client.post(
        f"/v1/introductions/{intro['id']}/messages",
        json={"text": "Yes please", "quote": {"incoterm": "DAP", "valid_until": "2099-01-01"}},
        headers=pair.buyer.headers,
    )
    assert said.status_code == 422  # a quote valid for more than a year is refused, and tells nobody
    said = await client.post(
        f"/v1/introductions/{intro['id']}/messages", json={"text": "Yes please"}, headers=pair.buyer.headers
    )
    assert said.status_code == 201, said.text

    to_buyer = await events_of(app, pair.buyer.id, intro["id"])
    to_seller = await events_of(app, pair.seller.id, intro["id"])
    assert [t for t, _ in to_buyer] == ["introduction.requested"]
    assert [t for t, _ in to_seller] == ["introduction.accepted", "introduction.message"]
    requested = to_buyer[0][1]
    assert requested == {
        "introduction_id": intro["id"],
        "listing_id": pair.demand["id"],
        "listing_title": pair.demand["title"],
        "status": "requested",
        "counterpart": {"id": pair.seller.id, "name": pair.seller.data["name"], "country": "UZ"},
        "message": "Samples next week?",
    }
    message = to_seller[1][1]
    assert message["counterpart"]["id"] == pair.buyer.id
    assert (message["message_id"], message["text"], message["has_quote"]) == (
        said.json()["id"],
        "Yes please",
        False,
    )
    for _, data in [*to_buyer, *to_seller]:
        assert "contact" not in str(data) and "@" not in str(data)


async def test_declines_withdrawals_and_expiry_are_told(
    client: httpx.AsyncClient, app: Litestar, make_org: Any
) -> None:
    pair = await make_pair(client, make_org)
    declined = await ask(client, pair)
    await act(client, declined["id"], "decline", pair.buyer, reason="quantity")
    assert [(t, d["reason"]) for t, d in await events_of(app, pair.seller.id, declined["id"])] == [
        ("introduction.declined", "quantity")
    ]

    other = await make_pair(client, make_org)
    withdrawn = await ask(client, other)
    await act(client, withdrawn["id"], "withdraw", other.seller)
    assert [t for t, _ in await events_of(app, other.buyer.id, withdrawn["id"])] == [
        "introduction.requested",
        "introduction.withdrawn",
    ]

    third = await make_pair(client, make_org)
    expiring = await ask(client, third)
    await app.state.pool.execute(
        "UPDATE introductions SET expires_at = now() - interval '1 second' WHERE id = $1::uuid",
        expiring["id"],
    )
    await drain(IntroductionExpiry(app.state.pool))
    for org in (third.seller, third.buyer):
        assert "introduction.expired" in [t for t, _ in await events_of(app, org.id, expiring["id"])]
    await drain(IntroductionExpiry(app.state.pool))  # once expired, never again
    told = [t for t, _ in await events_of(app, third.seller.id, expiring["id"])]
    assert told.count("introduction.expired") == 1
    stored = await app.state.pool.fetchrow(
        "SELECT status, closed_at FROM introductions WHERE id = $1::uuid", expiring["id"]
    )
    assert stored["status"] == "expired" and stored["closed_at"] is not None


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    started = await Receiver().start()
    yield started
    await started.stop()


async def test_a_chamber_hears_of_its_members_introductions_by_webhook(
    client: httpx.AsyncClient, make_org: Any, receiver: Receiver
) -> None:
    chamber = await make_org(kind="chamber", country="KZ", city="Almaty")
    member = (await add_member(client, chamber))["id"]
    demand = await post_listing(client, chamber, plates_demand(on_behalf_of=member))
    hook = await client.post(
        "/v1/webhooks",
        json={"url": receiver.url, "events": ["introduction.requested"], "include_members": True},
        headers=chamber.headers,
    )
    assert hook.status_code == 201, hook.text
    receiver.secret = hook.json()["secret"]
    seller = await make_org()
    asked = await client.post(
        "/v1/introductions", json={"listing_id": demand["id"], "message": "Hello"}, headers=seller.headers
    )
    assert asked.status_code == 201, asked.text
    await receiver.wait_for(lambda got: any(r.payload["type"] == "introduction.requested" for r in got))
    [received] = [r for r in receiver.received if r.payload["type"] == "introduction.requested"]
    assert received.payload["data"]["introduction_id"] == asked.json()["id"]
    assert received.payload["data"]["organization_id"] == member
