"""``null`` is not a value of an optional parameter that is not free text: it was taken as "not
given" (``?side=null`` searched every side). Every such parameter in the document is sent
``null`` and must answer 400 naming it; a string parameter keeps the word."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest

from market.app import create_app
from tests.helpers import assert_problem

DOCUMENT = create_app().openapi_schema.to_schema()


REQUIRED_VALUES = {"q": "flour", "from": "Tashkent", "to": "Almaty"}
"""Values for the required query parameters of the operations probed."""


def typed_optional_parameters() -> list[Any]:
    found = []
    for path, item in DOCUMENT["paths"].items():
        parameters = item.get("get", {}).get("parameters", [])
        required = {
            p["name"]: REQUIRED_VALUES[p["name"]]
            for p in parameters
            if p["in"] == "query" and p.get("required")
        }
        url = re.sub(r"\{[^}]+\}", lambda _: str(uuid.uuid4()), path)
        for param in parameters:
            schema = param["schema"]
            typed = "enum" in schema or "format" in schema or schema.get("type") != "string"
            if param["in"] == "query" and not param.get("required") and typed:
                query = {**required, param["name"]: "null"}
                found.append(pytest.param(url, query, param["name"], id=f"{path} {param['name']}"))
    return found


PARAMETERS = typed_optional_parameters()


def test_the_enumeration_finds_typed_parameters_of_several_operations() -> None:
    names = {p.values[2] for p in PARAMETERS}
    assert {"side", "sort", "listing_id", "max_days", "status"} <= names, names


@pytest.mark.parametrize(("url", "query", "name"), PARAMETERS)
async def test_null_is_refused_naming_the_parameter(
    client: httpx.AsyncClient, make_org: Any, url: str, query: dict[str, str], name: str
) -> None:
    org = await make_org(kind="chamber")
    assert_problem(await client.get(url, params=query, headers=org.headers), 400, name)


async def test_free_text_keeps_the_word_null(client: httpx.AsyncClient) -> None:
    found = await client.get("/v1/listings", params={"q": "null"})
    assert found.status_code == 200, found.text
