"""The probes of a trailing newline and of other scripts' digits: each is a 4xx naming the field,
and nothing is written (the listing-body probes are in test_bad_input's body cases)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hypothesis import find
from hypothesis import strategies as st
from litestar import Litestar

from market.app import create_app
from schemas.common import TEXT_PATTERN
from tests.helpers import FIELD_ERROR_STATUSES, assert_problem, offer_body, snapshot


@pytest.mark.parametrize(
    ("params", "field"),
    [
        pytest.param({"hs_code": "69\n"}, "hs_code", id="hs-newline"),
        pytest.param({"hs_code": "\u0666\u0669"}, "hs_code", id="hs-arabic-indic"),
        pytest.param({"origin_country": "UZ\n"}, "origin_country", id="country-newline"),
        pytest.param({"incoterm": "DAP\n"}, "incoterm", id="incoterm-newline"),
        pytest.param({"near": "41.31,69.28,\u0663\u0660\u0660"}, "near", id="near-arabic-indic"),
        pytest.param({"near": "41.31,69.28,300\n"}, "near", id="near-newline"),
    ],
)
async def test_search_refuses_newline_and_foreign_digits(
    client: httpx.AsyncClient, params: dict[str, str], field: str
) -> None:
    assert_problem(await client.get("/v1/listings", params=params), FIELD_ERROR_STATUSES, field)


async def test_put_by_ref_with_a_trailing_newline_makes_no_twin(
    client: httpx.AsyncClient, app: Litestar, make_org: Any
) -> None:
    org = await make_org()
    first = await client.put("/v1/listings/by-ref/NL-x", json=offer_body(), headers=org.headers)
    assert first.status_code in {200, 201}, first.text
    before = await snapshot(app, org.id)
    twin = await client.put("/v1/listings/by-ref/NL-x%0A", json=offer_body(), headers=org.headers)
    assert_problem(twin, FIELD_ERROR_STATUSES, "external_ref")
    assert await snapshot(app, org.id) == before


@pytest.mark.parametrize(
    "contact",
    [
        pytest.param({"email": "trade@example.uz\n"}, id="email-newline"),
        pytest.param({"phone": "+998 71 000 00 00\n"}, id="phone-newline"),
    ],
)
async def test_organization_contact_refuses_a_trailing_newline(
    client: httpx.AsyncClient, admin: dict[str, str], contact: dict[str, str]
) -> None:
    body = {
        "name": "Newline probe",
        "kind": "exporter",
        "country": "UZ",
        "city": "Tashkent",
        "contact": contact,
    }
    before = await client.get("/v1/organizations", headers=admin)
    response = await client.post("/v1/organizations", json=body, headers=admin)
    assert_problem(response, FIELD_ERROR_STATUSES, f"contact.{next(iter(contact))}")
    after = await client.get("/v1/organizations", headers=admin)
    assert before.status_code != 200 or after.json() == before.json()


@pytest.mark.parametrize("cursor", ["\u00b2", "\u0661", "12\n", "\uff11"])
async def test_inbox_cursor_takes_ascii_digits_only(
    client: httpx.AsyncClient, make_org: Any, cursor: str
) -> None:
    org = await make_org()
    response = await client.get("/v1/matches", params={"cursor": cursor}, headers=org.headers)
    assert_problem(response, FIELD_ERROR_STATUSES, "cursor")


async def test_openapi_states_the_near_form(client: httpx.AsyncClient) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    [near] = [p for p in document["paths"]["/v1/listings"]["get"]["parameters"] if p["name"] == "near"]
    assert "pattern" in near["schema"] and "5000" in near["description"], near


def _patterned_query_parameters() -> list[Any]:
    document = create_app().openapi_schema.to_schema()
    found = []
    for path, operations in document["paths"].items():
        operation = operations.get("get")
        if not isinstance(operation, dict) or "{" in path:
            continue
        # The other required parameters get a plain value, so the one under test is what fails.
        required = {
            p["name"]: "Osh"
            for p in operation.get("parameters", [])
            if p["in"] == "query" and p.get("required")
        }
        for param in operation.get("parameters", []):
            pattern = param["schema"].get("pattern")
            # free text keeps its newlines by design; every other pattern must refuse a final one
            if param["in"] == "query" and pattern and pattern != TEXT_PATTERN:
                # hypothesis.find gives the simplest value the pattern accepts, deterministically
                value = find(st.from_regex(pattern, fullmatch=True), lambda v: True)
                others = {k: v for k, v in required.items() if k != param["name"]}
                found.append(pytest.param(path, param["name"], value, others, id=f"{path}?{param['name']}"))
    return found


@pytest.mark.parametrize(("path", "name", "value", "others"), _patterned_query_parameters())
async def test_every_patterned_query_parameter_refuses_a_trailing_newline(
    client: httpx.AsyncClient, make_org: Any, path: str, name: str, value: str, others: dict[str, str]
) -> None:
    org = await make_org()
    response = await client.get(path, params={**others, name: value + "\n"}, headers=org.headers)
    assert_problem(response, FIELD_ERROR_STATUSES, name)
