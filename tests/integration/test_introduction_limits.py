"""Spam and abuse: a daily budget of requests, one open request per listing, a pause after a
decline, and a bounded rate of messages."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

import httpx
import pytest
from litestar import Litestar

from market.errors import TooManyRequests
from market.introductions.service import create_introduction
from market.settings import Settings
from schemas.introductions import IntroductionCreate
from tests.helpers import assert_problem
from tests.integration.introductions import act, ask, make_pair, plates_demand, post_listing


async def buyer_listings(client: httpx.AsyncClient, make_org: Any, n: int) -> list[str]:
    buyer = await make_org(kind="importer", country="KZ", city="Almaty")
    return [(await post_listing(client, buyer, plates_demand()))["id"] for _ in range(n)]


async def test_the_daily_budget_is_429_with_retry_after(client: httpx.AsyncClient, make_org: Any) -> None:
    seller = await make_org()
    listings = await buyer_listings(client, make_org, 11)
    for listing_id in listings[:10]:
        sent = await client.post(
            "/v1/introductions", json={"listing_id": listing_id, "message": "hi"}, headers=seller.headers
        )
        assert sent.status_code == 201, sent.text
    over = await client.post(
        "/v1/introductions", json={"listing_id": listings[10], "message": "hi"}, headers=seller.headers
    )
    problem = assert_problem(over, 429)
    assert "10" in problem["detail"] and "verified" in problem["detail"]
    assert 86_000 < int(over.headers["retry-after"]) <= 86_401


async def test_a_verified_organization_has_the_larger_budget_and_the_budget_holds_under_concurrency(
    client: httpx.AsyncClient, app: Litestar, make_org: Any
) -> None:
    small = Settings(introduction_daily_budget=2, introduction_daily_budget_verified=3)
    seller, verified = await make_org(), await make_org()
    chamber = await make_org(kind="chamber")
    await app.state.pool.execute(
        "UPDATE organizations SET verified_by = $2::uuid WHERE id = $1::uuid", verified.id, chamber.id
    )
    listings = await buyer_listings(client, make_org, 6)

    async def request(org: str, listing_id: str) -> str:
        async with app.state.pool.acquire() as conn:
            body = IntroductionCreate(listing_id=UUID(listing_id), message="hi")
            try:
                await create_introduction(conn, UUID(org), body, small)
            except TooManyRequests:
                return "429"
            return "201"

    at_once = await asyncio.gather(*(request(seller.id, listing_id) for listing_id in listings))
    assert sorted(at_once) == ["201", "201", "429", "429", "429", "429"]
    one_by_one = [await request(verified.id, listing_id) for listing_id in listings[:4]]
    assert one_by_one == ["201", "201", "201", "429"]


async def test_one_open_request_per_listing_and_a_pause_after_a_decline(
    client: httpx.AsyncClient, make_org: Any
) -> None:
    pair = await make_pair(client, make_org)
    first = await ask(client, pair)
    twice = await ask(client, pair, expect=409)
    assert twice["existing_id"] == first["id"] and twice["current_status"] == "requested"
    await act(client, first["id"], "accept", pair.buyer)
    talking = await ask(client, pair, expect=409)
    assert talking["existing_id"] == first["id"] and talking["current_status"] == "accepted"

    other = await make_pair(client, make_org)
    declined = await ask(client, other)
    await act(client, declined["id"], "decline", other.buyer, reason="not_interested")
    blocked = await ask(client, other, expect=409)
    assert blocked["current_status"] == "declined" and blocked["existing_id"] == declined["id"]
    assert "again from" in blocked["detail"]


async def test_the_pause_after_a_decline_ends_after_30_days(
    client: httpx.AsyncClient, app: Litestar, make_org: Any
) -> None:
    pair = await make_pair(client, make_org)
    declined = await ask(client, pair)
    await act(client, declined["id"], "decline", pair.buyer, reason="timing")
    await app.state.pool.execute(
        "UPDATE introductions SET answered_at = now() - interval '31 days' WHERE id = $1::uuid",
        declined["id"],
    )
    again = await ask(client, pair)
    assert again["status"] == "requested"


@pytest.mark.parametrize("text", ["x" * 2001, "ring\u0007", "escape\u001b[31m", "del\u007f", "nul\u0000"])
async def test_messages_are_bounded_and_plain(client: httpx.AsyncClient, make_org: Any, text: str) -> None:
    pair = await make_pair(client, make_org)
    intro = await ask(client, pair)
    await act(client, intro["id"], "accept", pair.buyer)
    url = f"/v1/introductions/{intro['id']}/messages"
    refused = await client.post(url, json={"text": text}, headers=pair.seller.headers)
    assert_problem(refused, {400, 422}, "text")
    fine = await client.post(url, json={"text": "Line one\n\tLine two\r\n"}, headers=pair.seller.headers)
    assert fine.status_code == 201, fine.text


async def test_messages_have_an_hourly_rate(client: httpx.AsyncClient, app: Litestar, make_org: Any) -> None:
    pair = await make_pair(client, make_org)
    intro = await ask(client, pair)
    await act(client, intro["id"], "accept", pair.buyer)
    limit = Settings().introduction_messages_per_hour
    await app.state.pool.execute(
        """INSERT INTO introduction_messages (introduction_id, author_id, posted_by, text)
           SELECT $1::uuid, $2::uuid, $2::uuid, 'earlier' FROM generate_series(1, $3)""",
        intro["id"],
        pair.seller.id,
        limit,
    )
    url = f"/v1/introductions/{intro['id']}/messages"
    over = await client.post(url, json={"text": "one more"}, headers=pair.seller.headers)
    assert_problem(over, 429)
    assert 0 < int(over.headers["retry-after"]) <= 3601
    answer = await client.post(url, json={"text": "my turn"}, headers=pair.buyer.headers)
    assert answer.status_code == 201, answer.text  # the other side has its own budget
