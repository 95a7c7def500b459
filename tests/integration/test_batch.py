"""POST /v1/listings/batch: JSON or NDJSON, one result per item, one bad item never loses others."""

from __future__ import annotations

import asyncio
import itertools
import secrets
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import httpx
import msgspec
import pytest

from market.auth import Caller
from market.listings.batch import write_batch
from market.listings.batch_body import MAX_BATCH
from tests.helpers import Org, demand_body, offer_body, wait_searchable


async def _count(app, org: Org) -> int:
    return int(
        await app.state.pool.fetchval(
            "SELECT count(*) FROM listings WHERE organization_id = $1::uuid", org.id
        )
    )


async def test_json_batch_creates_updates_and_reports_bad_items(
    client: httpx.AsyncClient, make_org, app
) -> None:
    org = await make_org()
    word = secrets.token_hex(4)
    first = await client.post(
        "/v1/listings/batch",
        json=[
            offer_body(title=f"Plates {word} A", external_ref=f"B-{word}-1"),
            demand_body(title=f"Flour {word}"),
        ],
        headers=org.headers,
    )
    assert first.status_code == 200, first.text
    assert [r["status"] for r in first.json()["results"]] == ["created", "created"]
    items = [
        offer_body(title=f"Plates {word} A2", external_ref=f"B-{word}-1"),  # replaces item 0 above
        offer_body(hs_code="999999"),  # not a real code
        offer_body(quantity={"amount": "lots", "unit": "TNE"}),  # wrong type
        offer_body(title=f"Plates {word} C", colour="blue"),  # unknown field
        offer_body(title=f"Plates {word} D"),
    ]
    second = await client.post("/v1/listings/batch", json=items, headers=org.headers)
    assert second.status_code == 200, second.text
    body = second.json()
    results = body["results"]
    assert [r["index"] for r in results] == [0, 1, 2, 3, 4]
    assert [r["status"] for r in results] == ["updated", "error", "error", "error", "created"]
    assert results[0]["id"] == first.json()["results"][0]["id"]
    assert results[1]["errors"][0]["field"] == "hs_code"
    assert results[2]["errors"][0]["field"] == "quantity.amount"
    assert results[3]["errors"][0]["field"] == "colour"
    assert (body["created"], body["updated"], body["failed"]) == (1, 1, 3)
    assert await _count(app, org) == 3
    updated = await client.get(f"/v1/listings/{results[0]['id']}", headers=org.headers)
    assert updated.json()["title"] == f"Plates {word} A2" and updated.json()["version"] == 2
    await wait_searchable(client, {"q": f"Plates {word} D"}, results[4]["id"])


async def test_ndjson_batch_reports_a_broken_line_and_writes_the_rest(
    client: httpx.AsyncClient, make_org, app
) -> None:
    org = await make_org()
    word = secrets.token_hex(4)
    lines = [
        msgspec.json.encode(offer_body(title=f"Tiles {word} 1")),
        b'{"side": "offer", "title": "broken',
        b"",
        msgspec.json.encode(offer_body(title=f"Tiles {word} 2")),
    ]
    response = await client.post(
        "/v1/listings/batch",
        content=b"\n".join(lines) + b"\n",
        headers={**org.headers, "Content-Type": "application/x-ndjson"},
    )
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["created", "error", "created"]
    assert (
        results[1]["errors"][0]["field"] == "body" and "not valid JSON" in results[1]["errors"][0]["message"]
    )
    assert await _count(app, org) == 2


async def test_duplicate_references_in_one_batch_write_none_of_them(
    client: httpx.AsyncClient, make_org, app
) -> None:
    org = await make_org()
    items = [
        offer_body(external_ref="DUP-1"),
        offer_body(external_ref="DUP-1"),
        offer_body(external_ref="OK-1"),
    ]
    response = await client.post("/v1/listings/batch", json=items, headers=org.headers)
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["error", "error", "created"]
    assert "appears 2 times" in results[0]["errors"][0]["message"]
    assert results[0]["errors"][0]["field"] == "external_ref"
    assert await _count(app, org) == 1


async def test_a_reference_keeps_its_side_and_a_closed_one_is_not_revived(
    client: httpx.AsyncClient, make_org, app
) -> None:
    org = await make_org()
    created = await client.post(
        "/v1/listings/batch",
        json=[offer_body(external_ref="SIDE-1"), offer_body(external_ref="CLOSED-1")],
        headers=org.headers,
    )
    closed_id = created.json()["results"][1]["id"]
    assert (await client.delete(f"/v1/listings/{closed_id}", headers=org.headers)).status_code == 204
    response = await client.post(
        "/v1/listings/batch",
        json=[
            demand_body(external_ref="SIDE-1"),
            offer_body(external_ref="CLOSED-1"),
            offer_body(external_ref="NEW-1"),
        ],
        headers=org.headers,
    )
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["error", "error", "created"]
    assert results[0]["errors"][0]["field"] == "side"
    assert "closed" in results[1]["errors"][0]["message"]
    assert await _count(app, org) == 3


@pytest.mark.parametrize(
    ("content", "content_type", "fragment"),
    [
        (b"[]", "application/json", "empty"),
        (b'{"side": "offer"}', "application/json", "JSON array"),
        (b"not json", "application/json", "JSON array"),
        (
            b"[" + b",".join([msgspec.json.encode(offer_body())] * 1001) + b"]",
            "application/json",
            "at most 1000",
        ),
        (b"\n".join([b"{}"] * 1001), "application/x-ndjson", "at most 1000"),
        # 4 million tiny items fit in the body limit: refused by counting, not after decoding
        (b"[" + b",".join([b"0"] * 4_000_000) + b"]", "application/json", "at most 1000"),
        (b"\n".join([b"0"] * 4_000_000), "application/x-ndjson", "at most 1000"),
    ],
)
async def test_whole_batch_refusals_write_nothing(
    client: httpx.AsyncClient, make_org, app, content: bytes, content_type: str, fragment: str
) -> None:
    org = await make_org()
    response = await client.post(
        "/v1/listings/batch", content=content, headers={**org.headers, "Content-Type": content_type}
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["field"] == "body" and fragment in response.json()["detail"]
    assert await _count(app, org) == 0


async def test_batch_needs_the_listings_scope(client: httpx.AsyncClient, make_org, admin) -> None:
    org = await make_org()
    key = await client.post(
        f"/v1/organizations/{org.id}/api-keys", json={"name": "reader", "scopes": ["read"]}, headers=admin
    )
    reader = {"Authorization": f"Bearer {key.json()['secret']}"}
    response = await client.post("/v1/listings/batch", json=[offer_body()], headers=reader)
    assert response.status_code == 403 and "listings:write" in response.json()["detail"]
    assert (await client.post("/v1/listings/batch", json=[offer_body()])).status_code == 401


async def test_oversize_batch_body_is_refused(client: httpx.AsyncClient, make_org, app) -> None:
    org = await make_org()
    huge = b"[" + b" " * (9 * 1024 * 1024) + b"]"
    response = await client.post(
        "/v1/listings/batch", content=huge, headers={**org.headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/problem+json")
    assert await _count(app, org) == 0


class _CountedItems(list[Any]):
    """Batch items that count how many the batch has taken so far."""

    taken = 0

    def __iter__(self) -> Iterator[Any]:
        for item in super().__iter__():
            self.taken += 1
            yield item


async def test_checking_a_full_batch_lets_the_event_loop_serve_others(app, make_org) -> None:
    """Other requests run between slices of a batch's items, not only once all 1,000 are checked."""
    org = await make_org()
    body = offer_body(description="Glazed, 27 cm. " * 300, hs_code="999999")  # fails a rule: no writes
    items = _CountedItems(msgspec.json.encode(body) for _ in range(MAX_BATCH))
    seen, finished = [0], asyncio.Event()

    async def other_request() -> None:
        while not finished.is_set():
            seen.append(items.taken)
            await asyncio.sleep(0)

    caller = Caller(
        organization_id=UUID(org.id), organization_kind="exporter", scopes=frozenset({"listings:write"})
    )
    watcher = asyncio.create_task(other_request())
    try:
        results = await write_batch(app.state.pool, caller, items)
    finally:
        finished.set()
        await watcher
    assert [r.status for r in results] == ["error"] * MAX_BATCH
    assert items.taken == MAX_BATCH
    longest = max(after - before for before, after in itertools.pairwise(seen))
    assert longest <= MAX_BATCH // 10, f"{longest} items were checked without a pause"
