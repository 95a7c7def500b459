"""Each operation declares its own security, and the server does what it declares: a required key
is 401 without one, and a presented key that is not valid is 401 everywhere a key is read."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from litestar import Litestar

from market.access import REQUIRES

METHODS = ("get", "post", "put", "patch", "delete")


def operations(app: Litestar) -> list[tuple[str, str, dict[str, Any]]]:
    document = app.openapi_schema.to_schema()
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def concrete(path: str, operation: dict[str, Any]) -> str:
    """The path with a well-formed value for each path parameter."""
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path":
            schema = parameter.get("schema", {})
            value = (
                str(uuid.uuid4())
                if schema.get("format") == "uuid"
                else "1"
                if schema.get("type") == "integer"
                else "x"
            )
            path = path.replace("{" + parameter["name"] + "}", value)
    return path


def test_security_is_declared_per_operation_from_the_routes(app: Litestar) -> None:
    document = app.openapi_schema.to_schema()
    assert "security" not in document, "a global requirement would apply to public operations"
    declared = {(method, path): op.get("security") for method, path, op in operations(app)}
    handlers = {
        (method, route.path_format): handler
        for route in app.routes
        for handler in getattr(route, "route_handlers", ())
        for method in getattr(handler, "http_methods", ())
        if getattr(handler, "include_in_schema", False)
    }
    for (method, path), security in declared.items():
        needed = handlers[(method, path)].opt.get(REQUIRES)
        if needed is not None:
            assert security == [{"ApiKey": [needed] if needed else []}], (method, path)
        elif path in ("/health", "/ready"):
            assert security == [{}], (method, path)
        else:
            assert security == [{}, {"ApiKey": []}], (method, path)
    assert declared[("GET", "/v1/listings")] == [{}, {"ApiKey": []}]
    assert declared[("POST", "/v1/listings")] == [{"ApiKey": ["listings:write"]}]


@pytest.mark.parametrize("credential", [None, "Bearer mk_not-a-key", "Bearer x1", "Basic dXNlcjpwYXNz"])
async def test_the_server_keeps_what_each_operation_declares(
    client: httpx.AsyncClient, app: Litestar, credential: str | None
) -> None:
    headers = {"Authorization": credential} if credential else {}
    for method, path, operation in operations(app):
        security = operation["security"]
        if security == [{}]:
            continue  # the probes read no credential
        response = await client.request(method, concrete(path, operation), headers=headers)
        if credential is not None or {} not in security:
            assert response.status_code == 401, (method, path, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")
        else:
            assert response.status_code != 401, (method, path, response.text)
