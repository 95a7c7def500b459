"""A chamber of commerce's whole integration, end to end: create the chamber, add members, verify
one, batch-import 1,000 listings for them (some bad), read the per-item results, and receive
signed match.created webhooks for the members on a real receiver."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.helpers import Org, demand_body, offer_body
from tests.integration.events_log import wait_recorded
from tests.integration.webhook_receiver import Receiver

REBAR = "721420"  # a chapter the other matching tests leave alone


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    started = await Receiver().start()
    yield started
    await started.stop()


async def _member(client: httpx.AsyncClient, chamber: Org, name: str, kind: str, city: str) -> str:
    body = {"name": name, "kind": kind, "country": chamber.data["country"], "city": city}
    created = await client.post("/v1/organizations", json=body, headers=chamber.headers)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def _offer(word: str, member: str, n: int) -> dict[str, Any]:
    return offer_body(
        title=f"Steel rebar A500C {word} lot {n}",
        hs_code=REBAR,
        # Every lot covers the demand below in full, so nothing but trust sets the members apart.
        quantity={"amount": 3000 + n, "unit": "TNE"},
        min_order={"amount": 20, "unit": "TNE"},
        price={"amount": "58.00", "currency": "USD", "per": "TNE"},
        incoterm="DAP",
        incoterm_place="Shymkent",
        target_countries=["KZ"],
        transport_modes=["road", "rail"],
        external_ref=f"{word}-{n:04d}",
        on_behalf_of=member,
    )


async def test_a_chamber_imports_its_members_listings_and_hears_of_their_matches(
    client: httpx.AsyncClient, make_org, app, receiver: Receiver
) -> None:
    word = "cf" + secrets.token_hex(3)
    chamber = await make_org(kind="chamber", country="UZ", city="Tashkent")
    makers = [
        await _member(client, chamber, f"Rebar mill {i} {word}", "exporter", "Angren") for i in range(3)
    ]
    verified = await client.post(f"/v1/organizations/{makers[0]}/verify", headers=chamber.headers)
    assert verified.status_code == 200 and verified.json()["verified"] is True

    hook = await client.post(
        "/v1/webhooks",
        json={
            "url": receiver.url,
            "events": ["match.created"],
            "include_members": True,
            "description": "members' matches",
        },
        headers=chamber.headers,
    )
    assert hook.status_code == 201, hook.text
    receiver.secret = hook.json()["secret"]

    # 1,000 rows from the chamber's system: 980 good offers across the members, 20 bad ones.
    items: list[dict[str, Any]] = [_offer(word, makers[n % 3], n) for n in range(1000)]
    bad: dict[int, dict[str, Any]] = {
        7: {"hs_code": "999999"},  # not a real code
        99: {"quantity": {"amount": -5, "unit": "TNE"}},
        250: {"on_behalf_of": (await make_org()).id},  # not a member of this chamber
        500: {"incoterm": "XYZ"},
        998: {"price": {"amount": "58.00", "currency": "EURO", "per": "TNE"}},
    }
    for index, change in bad.items():
        items[index] = {**items[index], **change}
    for index in range(980, 995):  # and fifteen duplicates of one reference
        items[index] = {**items[index], "external_ref": f"{word}-dup"}
    response = await client.post(
        "/v1/listings/batch", json=items, headers={**chamber.headers, "Idempotency-Key": word}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    results = body["results"]
    assert len(results) == 1000 and [r["index"] for r in results] == list(range(1000))
    failed = {r["index"] for r in results if r["status"] == "error"}
    assert failed == set(bad) | set(range(980, 995))
    assert (body["created"], body["updated"], body["failed"]) == (980, 0, 20)
    fields = {r["index"]: r["errors"][0]["field"] for r in results if r["status"] == "error"}
    assert (fields[7], fields[250], fields[500], fields[980]) == (
        "hs_code",
        "on_behalf_of",
        "incoterm",
        "external_ref",
    )
    assert fields[99].startswith("quantity") and fields[998].startswith("price")
    owners = await app.state.pool.fetch(
        "SELECT organization_id::text AS org, posted_by::text AS poster, count(*) AS n FROM listings"
        " WHERE external_ref LIKE $1 GROUP BY 1, 2",
        f"{word}-%",
    )
    assert {r["org"] for r in owners} == set(makers) and {r["poster"] for r in owners} == {chamber.id}
    assert sum(r["n"] for r in owners) == 980

    # A Kazakh builder wants rebar: every member's offers match it, and the chamber hears of it.
    builder = await make_org(kind="importer", country="KZ", city="Shymkent")
    wanted = await client.post(
        "/v1/listings",
        json=demand_body(
            title=f"Steel rebar A500C {word} wanted",
            hs_code=REBAR,
            quantity={"amount": 3000, "unit": "TNE"},
            price={"amount": "60.00", "currency": "USD", "per": "TNE"},
            destination={"country": "KZ", "city": "Shymkent"},
            incoterm="DAP",
            incoterm_place="Shymkent",
            target_countries=["UZ"],
            transport_modes=["road"],
        ),
        headers=builder.headers,
    )
    assert wanted.status_code == 201, wanted.text
    demand_id = wanted.json()["id"]

    def about_the_demand(received: list) -> list:
        return [
            r
            for r in received
            if r.payload["type"] == "match.created" and r.payload["data"]["counterpart"]["id"] == demand_id
        ]

    # (Another test's rebar demand may match the members' offers too: wait for this demand's.)
    await receiver.wait_for(
        lambda got: set(makers) <= {r.payload["data"]["organization_id"] for r in about_the_demand(got)},
        within=180,
    )
    events = about_the_demand(receiver.received)
    assert all(e.payload["data"]["listing"]["external_ref"].startswith(word) for e in events)
    assert len({e.message_id for e in events}) == len(events)  # one message per match
    # 980 look-alike lots of three members make one match.created per member, not one per lot.
    offers = await app.state.pool.fetch(
        "SELECT id::text FROM listings WHERE external_ref LIKE $1", f"{word}-%"
    )
    await wait_recorded(app, [demand_id, *(r["id"] for r in offers)])
    heard = await app.state.pool.fetch(
        "SELECT organization_id::text AS org FROM events WHERE type = 'match.created'"
        " AND organization_id = any($1::uuid[]) AND data->'counterpart'->>'id' = $2",
        makers,
        demand_id,
    )
    assert sorted(r["org"] for r in heard) == sorted(makers)
    assert len(events) <= len(makers)
    # The verified member's offers rank with its chamber's word behind them.
    top = await client.get(f"/v1/listings/{demand_id}/matches", params={"limit": 5}, headers=builder.headers)
    assert top.status_code == 200
    ranked = [
        (m["listing"]["organization"]["id"], m["listing"]["title"], m["score"], m["parts"])
        for m in top.json()["matches"]
    ]
    assert ranked and ranked[0][0] == makers[0], f"verified: {makers[0]}, members: {makers}, top: {ranked}"
