"""Introductions: asking, every answer, the conversation after acceptance, and the outcome."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from litestar import Litestar

from tests.helpers import assert_problem
from tests.integration.introductions import act, ask, make_pair

PROPOSAL = {
    "quantity": {"amount": 5000, "unit": "H87"},
    "price": {"amount": "1.75", "currency": "USD", "per": "H87"},
    "incoterm": "DAP",
    "incoterm_place": "Almaty",
    "available_from": "2027-02-01",
    "available_until": "2027-03-01",
}


def quote(days: int = 20) -> dict[str, Any]:
    valid = (datetime.now(UTC) + timedelta(days=days)).date().isoformat()
    return {"price": {"amount": "1.70", "currency": "USD", "per": "H87"}, "valid_until": valid}


async def test_a_request_waits_for_the_listing_owner(client: httpx.AsyncClient, make_org: Any) -> None:
    pair = await make_pair(client, make_org)
    intro = await ask(client, pair, proposal=PROPOSAL, from_listing_id=pair.offer["id"])
    assert intro["status"] == "requested"
    assert intro["role"] == "sent"
    assert intro["listing"] == {
        "id": pair.demand["id"],
        "side": "demand",
        "title": pair.demand["title"],
        "hs_code": "691200",
    }
    assert intro["from_listing_id"] == pair.offer["id"]
    assert intro["requester"]["organization"]["id"] == pair.seller.id
    assert intro["recipient"]["organization"]["id"] == pair.buyer.id
    assert intro["requested_by"] == pair.seller.id
    assert intro["proposal"] == PROPOSAL
    created = datetime.fromisoformat(intro["created_at"])
    assert datetime.fromisoformat(intro["expires_at"]) - created == timedelta(days=14)
    assert intro["requester"]["contact"] is None and intro["recipient"]["contact"] is None

    seen = await client.get(f"/v1/introductions/{intro['id']}", headers=pair.buyer.headers)
    assert seen.status_code == 200, seen.text
    assert seen.json()["role"] == "received" and seen.json()["message"] == intro["message"]


async def test_accepting_shares_contacts_and_opens_the_conversation(
    client: httpx.AsyncClient, make_org: Any
) -> None:
    pair = await make_pair(client, make_org)
    intro = await ask(client, pair)
    accepted = await act(client, intro["id"], "accept", pair.buyer)
    assert accepted["status"] == "accepted" and accepted["answered_at"] is not None
    assert accepted["requester"]["contact"]["email"] == pair.seller.data["contact"]["email"]
    assert accepted["recipient"]["contact"]["email"] == pair.buyer.data["contact"]["email"]

    url = f"/v1/introductions/{intro['id']}/messages"
    first = await client.post(
        url, json={"text": "Thank you.\nWhat is your best price?"}, headers=pair.buyer.headers
    )
    assert first.status_code == 201, first.text
    assert first.json()["author_id"] == pair.buyer.id and first.json()["quote"] is None
    offered = quote()
    second = await client.post(
        url, json={"text": "Our quote:", "quote": offered}, headers=pair.seller.headers
    )
    assert second.status_code == 201, second.text
    assert second.json()["quote"] == offered

    page = await client.get(url, params={"limit": 1}, headers=pair.seller.headers)
    assert page.status_code == 200, page.text
    assert [m["id"] for m in page.json()["messages"]] == [first.json()["id"]]
    rest = await client.get(url, params={"cursor": page.json()["next_cursor"]}, headers=pair.buyer.headers)
    assert [m["text"] for m in rest.json()["messages"]] == ["Our quote:"]
    assert rest.json()["next_cursor"] is None

    deal = await act(client, intro["id"], "outcome", pair.seller, outcome="deal")
    assert deal["outcome"] == "deal" and deal["outcome_by"] == pair.seller.id
    again = await act(client, intro["id"], "outcome", pair.buyer, outcome="deal")
    assert again["outcome_by"] == pair.seller.id  # said once; the same word again changes nothing
    other = await client.post(
        f"/v1/introductions/{intro['id']}/outcome", json={"outcome": "no_deal"}, headers=pair.buyer.headers
    )
    assert assert_problem(other, 409)["current_status"] == "accepted"


async def test_declining_gives_a_reason_and_closes_the_request(
    client: httpx.AsyncClient, make_org: Any
) -> None:
    pair = await make_pair(client, make_org)
    intro = await ask(client, pair)
    declined = await act(client, intro["id"], "decline", pair.buyer, reason="price", note="Too dear for us.")
    assert declined["status"] == "declined"
    assert (declined["decline_reason"], declined["decline_note"]) == ("price", "Too dear for us.")
    assert declined["closed_at"] is not None and declined["requester"]["contact"] is None
    seen = await client.get(f"/v1/introductions/{intro['id']}", headers=pair.seller.headers)
    assert seen.json()["decline_reason"] == "price"


async def test_the_requester_may_withdraw_while_it_waits(client: httpx.AsyncClient, make_org: Any) -> None:
    pair = await make_pair(client, make_org)
    intro = await ask(client, pair)
    withdrawn = await act(client, intro["id"], "withdraw", pair.seller)
    assert withdrawn["status"] == "withdrawn" and withdrawn["answered_at"] is None
    again = await ask(client, pair)  # nothing open any more: asking again is fine
    assert again["id"] != intro["id"]


async def test_invalid_transitions_are_409_naming_the_current_state(
    client: httpx.AsyncClient, make_org: Any
) -> None:
    pair = await make_pair(client, make_org)
    intro = await ask(client, pair)
    url = f"/v1/introductions/{intro['id']}"
    early = await client.post(f"{url}/messages", json={"text": "hello"}, headers=pair.seller.headers)
    assert assert_problem(early, 409)["current_status"] == "requested"
    no_outcome = await client.post(f"{url}/outcome", json={"outcome": "deal"}, headers=pair.buyer.headers)
    assert assert_problem(no_outcome, 409)["current_status"] == "requested"
    await act(client, intro["id"], "accept", pair.buyer)
    for action, org, body in (
        ("accept", pair.buyer, None),
        ("decline", pair.buyer, {"reason": "other"}),
        ("withdraw", pair.seller, None),
    ):
        response = await client.post(f"{url}/{action}", json=body, headers=org.headers)
        problem = assert_problem(response, 409)
        assert problem["current_status"] == "accepted" and "accepted" in problem["detail"]


async def test_only_the_right_side_answers(client: httpx.AsyncClient, make_org: Any) -> None:
    pair = await make_pair(client, make_org)
    intro = await ask(client, pair)
    url = f"/v1/introductions/{intro['id']}"
    assert_problem(await client.post(f"{url}/accept", headers=pair.seller.headers), 403)
    declined = await client.post(f"{url}/decline", json={"reason": "other"}, headers=pair.seller.headers)
    assert_problem(declined, 403)
    assert_problem(await client.post(f"{url}/withdraw", headers=pair.buyer.headers), 403)
    stranger = await make_org()
    for action in ("accept", "withdraw"):
        assert_problem(await client.post(f"{url}/{action}", headers=stranger.headers), 404)
    assert (await client.get(url, headers=pair.buyer.headers)).json()["status"] == "requested"


async def test_a_request_unanswered_for_14_days_expires(
    client: httpx.AsyncClient, app: Litestar, make_org: Any
) -> None:
    pair = await make_pair(client, make_org)
    intro = await ask(client, pair)
    await app.state.pool.execute(
        "UPDATE introductions SET expires_at = now() - interval '1 second' WHERE id = $1::uuid", intro["id"]
    )
    # Shown expired at once, before the job records it; and it can no longer be accepted.
    seen = await client.get(f"/v1/introductions/{intro['id']}", headers=pair.buyer.headers)
    assert seen.json()["status"] == "expired"
    late = await client.post(f"/v1/introductions/{intro['id']}/accept", headers=pair.buyer.headers)
    assert assert_problem(late, 409)["current_status"] == "expired"
    again = await ask(client, pair)  # an expired request leaves room for a new one
    assert again["status"] == "requested"
    stored = await app.state.pool.fetchval(
        "SELECT status FROM introductions WHERE id = $1::uuid", intro["id"]
    )
    assert stored == "expired"


async def test_the_inbox_is_each_sides_newest_first(client: httpx.AsyncClient, make_org: Any) -> None:
    pair = await make_pair(client, make_org)
    first = await ask(client, pair)
    await act(client, first["id"], "withdraw", pair.seller)
    second = await ask(client, pair)

    sent = await client.get("/v1/introductions", params={"role": "sent"}, headers=pair.seller.headers)
    assert sent.status_code == 200, sent.text
    assert [i["id"] for i in sent.json()["introductions"]] == [second["id"], first["id"]]
    received = await client.get("/v1/introductions", params={"role": "received"}, headers=pair.buyer.headers)
    assert [i["id"] for i in received.json()["introductions"]] == [second["id"], first["id"]]
    assert {i["role"] for i in received.json()["introductions"]} == {"received"}
    assert (
        await client.get("/v1/introductions", params={"role": "received"}, headers=pair.seller.headers)
    ).json()["introductions"] == []

    waiting = await client.get(
        "/v1/introductions", params={"status": "requested", "limit": 1}, headers=pair.buyer.headers
    )
    assert [i["id"] for i in waiting.json()["introductions"]] == [second["id"]]
    assert waiting.json()["next_cursor"] is None
    page = await client.get("/v1/introductions", params={"limit": 1}, headers=pair.seller.headers)
    assert page.json()["next_cursor"] is not None
    rest = await client.get(
        "/v1/introductions",
        params={"limit": 1, "cursor": page.json()["next_cursor"]},
        headers=pair.seller.headers,
    )
    assert [i["id"] for i in rest.json()["introductions"]] == [first["id"]]


async def test_bad_requests_are_refused_and_change_nothing(
    client: httpx.AsyncClient, app: Litestar, make_org: Any
) -> None:
    pair = await make_pair(client, make_org)
    count = "SELECT count(*) FROM introductions WHERE requester_id = $1::uuid"
    before = await app.state.pool.fetchval(count, pair.seller.id)
    own = await client.post(
        "/v1/introductions",
        json={"listing_id": pair.offer["id"], "message": "hi"},
        headers=pair.seller.headers,
    )
    assert_problem(own, 422, "listing_id")
    missing = await client.post(
        "/v1/introductions",
        json={"listing_id": "00000000-0000-0000-0000-000000000001", "message": "hi"},
        headers=pair.seller.headers,
    )
    assert_problem(missing, 404)
    not_mine = await client.post(
        "/v1/introductions",
        json={"listing_id": pair.demand["id"], "from_listing_id": pair.demand["id"], "message": "hi"},
        headers=pair.seller.headers,
    )
    assert_problem(not_mine, 422, "from_listing_id")
    for body, field in (
        ({"message": "hi", "proposal": {}}, "proposal"),
        (
            {"message": "hi", "proposal": {"price": {"amount": "1", "currency": "XXQ", "per": "H87"}}},
            "proposal.price.currency",
        ),
        ({"message": "hi", "proposal": {"incoterm_place": "Almaty"}}, "proposal.incoterm_place"),
        (
            {"message": "hi", "proposal": {"available_from": "2027-03-01", "available_until": "2027-02-01"}},
            "proposal.available_until",
        ),
        ({"message": "x" * 2001}, "message"),
        ({"message": "bell\u0007"}, "message"),
        ({"message": "nul\u0000"}, "message"),
        ({"message": ""}, "message"),
    ):
        response = await client.post(
            "/v1/introductions", json={"listing_id": pair.demand["id"], **body}, headers=pair.seller.headers
        )
        assert_problem(response, {400, 422}, field)
    assert await app.state.pool.fetchval(count, pair.seller.id) == before

    intro = await ask(client, pair)
    await act(client, intro["id"], "accept", pair.buyer)
    url = f"/v1/introductions/{intro['id']}/messages"
    stale = await client.post(url, json={"text": "q", "quote": quote(days=-2)}, headers=pair.seller.headers)
    assert_problem(stale, 422, "quote.valid_until")
    far = await client.post(url, json={"text": "q", "quote": quote(days=400)}, headers=pair.seller.headers)
    assert_problem(far, 422, "quote.valid_until")
    reason = await client.post(
        f"/v1/introductions/{intro['id']}/decline", json={"reason": "rude"}, headers=pair.buyer.headers
    )
    assert_problem(reason, 400, "reason")
    messages = await client.get(url, headers=pair.buyer.headers)
    assert messages.json()["messages"] == []


async def test_a_retried_request_with_its_idempotency_key_is_one_request(
    client: httpx.AsyncClient, app: Litestar, make_org: Any
) -> None:
    pair = await make_pair(client, make_org)
    body = {"listing_id": pair.demand["id"], "message": "Once only"}
    headers = {**pair.seller.headers, "Idempotency-Key": "intro-retry-1"}
    first = await client.post("/v1/introductions", json=body, headers=headers)
    again = await client.post("/v1/introductions", json=body, headers=headers)
    assert first.status_code == again.status_code == 201, again.text
    assert again.headers.get("idempotent-replayed") == "true" and again.json()["id"] == first.json()["id"]
    sent = await app.state.pool.fetchval(
        "SELECT count(*) FROM introductions WHERE requester_id = $1::uuid", pair.seller.id
    )
    assert sent == 1  # and one request of the daily budget
