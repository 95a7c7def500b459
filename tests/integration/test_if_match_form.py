"""If-Match takes what RFC 9110 allows (``*`` or entity tags as ETag sends them): a malformed
value is a 400 naming the header, not a 412 "the listing changed", and changes nothing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import offer_body
from tests.integration.test_bad_input import assert_problem


@pytest.mark.parametrize("if_match", ["", "1", "W/1", '"1', '"1" "2"'])
async def test_a_malformed_if_match_is_400_naming_it(
    client: httpx.AsyncClient, make_org: Any, if_match: str
) -> None:
    org = await make_org()
    created = await client.post("/v1/listings", json=offer_body(), headers=org.headers)
    url = f"/v1/listings/{created.json()['id']}"
    changed = await client.patch(
        url, json={"title": "Changed"}, headers={**org.headers, "If-Match": if_match}
    )
    assert_problem(changed, 400, "If-Match")
    renewed = await client.post(f"{url}/renew", json={}, headers={**org.headers, "If-Match": if_match})
    assert_problem(renewed, 400, "If-Match")
    assert (await client.get(url, headers=org.headers)).json()["version"] == created.json()["version"]


@pytest.mark.parametrize("if_match", ['W/"1"', '"7", "1"', "*"])
async def test_the_forms_of_rfc_9110_are_taken(
    client: httpx.AsyncClient, make_org: Any, if_match: str
) -> None:
    org = await make_org()
    created = await client.post("/v1/listings", json=offer_body(), headers=org.headers)
    url = f"/v1/listings/{created.json()['id']}"
    changed = await client.patch(
        url, json={"title": "Changed"}, headers={**org.headers, "If-Match": if_match}
    )
    assert changed.status_code == 200, changed.text
