"""A JSON body's values must have the types the document gives them: Litestar's lax conversion
took ``0`` for a date-time and ``"5"`` for a number. Each probe is a 400 naming the field, and
nothing is written; the well-typed body next to it is accepted."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from litestar import Litestar

from tests.helpers import assert_problem, offer_body, snapshot

LAX_LISTING_VALUES = [
    pytest.param({"expires_at": 0}, "expires_at", id="datetime-as-unix-time"),
    pytest.param({"available_from": 0}, "available_from", id="date-as-number"),
    pytest.param({"quantity": {"amount": "20000", "unit": "H87"}}, "quantity.amount", id="number-as-string"),
    pytest.param({"target_countries": "KZ"}, "target_countries", id="string-for-a-list"),
    pytest.param({"title": 5}, "title", id="number-for-a-string"),
]


@pytest.mark.parametrize(("change", "field"), LAX_LISTING_VALUES)
async def test_listing_bodies_are_read_strictly(
    client: httpx.AsyncClient, app: Litestar, make_org: Any, change: dict[str, Any], field: str
) -> None:
    org = await make_org()
    before = await snapshot(app, org.id)
    refused = await client.post("/v1/listings", json=offer_body(**change), headers=org.headers)
    assert_problem(refused, 400, field)
    assert await snapshot(app, org.id) == before
    created = await client.post("/v1/listings", json=offer_body(), headers=org.headers)
    assert created.status_code == 201, created.text
    patched = await client.patch(
        f"/v1/listings/{created.json()['id']}",
        json=change,
        headers={**org.headers, "If-Match": created.headers["ETag"]},
    )
    assert_problem(patched, 400, field)


async def test_renewal_days_are_a_number_not_a_string(client: httpx.AsyncClient, make_org: Any) -> None:
    org = await make_org()
    created = await client.post("/v1/listings", json=offer_body(), headers=org.headers)
    renew = f"/v1/listings/{created.json()['id']}/renew"
    assert_problem(await client.post(renew, json={"days": "30"}, headers=org.headers), 400, "days")
    assert (await client.post(renew, json={"days": 30}, headers=org.headers)).status_code == 200
    # 30.0 is an integer in JSON Schema, as the document's readers take it
    assert (await client.post(renew, json={"days": 30.0}, headers=org.headers)).status_code == 200
