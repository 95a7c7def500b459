"""JSON nested deeper than the decoder goes is the client's 400 on every route that reads a body."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar import Litestar

from market.access import uses_sessions
from tests.helpers import Org

_DEPTH = 5000


def _nested(depth: int, opener: str) -> str:
    closer = {"[": "]", '{"a":': "}"}[opener]
    return opener * depth + "1" + closer * depth


_SHAPES = {
    "arrays": _nested(_DEPTH, "["),
    "objects": _nested(_DEPTH, '{"a":'),
    "in a field": '{"title": ' + _nested(_DEPTH, "[") + "}",
}


def _body_operations(app: Litestar) -> list[tuple[str, str]]:
    """Every (method, path) whose handler takes a body (a ``data`` parameter, or a request body in
    its OpenAPI operation, as the batch route that reads the raw bytes), path parameters filled in."""
    found = set()
    for route in app.routes:
        if uses_sessions(route.path):  # a web page's form: not JSON, and behind its CSRF check first
            continue
        for handler in getattr(route, "route_handlers", []):
            if "data" in handler.parsed_fn_signature.parameters:
                for method in handler.http_methods:
                    found.add((method, route.path_format))
    for path, item in (app.openapi_schema.paths or {}).items():
        for method in ("post", "put", "patch", "delete"):
            operation = getattr(item, method, None)
            if operation is not None and operation.request_body is not None:
                found.add((method.upper(), path))
    return [(method, re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)) for method, path in sorted(found)]


def _assert_refused(response: httpx.Response, where: str) -> None:
    assert response.status_code == 400, (where, response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith("application/problem+json"), where
    assert any(e["field"] == "body" for e in response.json()["errors"]), (where, response.text[:300])


def _as_body_of(path: str, nested: str) -> str:
    """The batch refuses anything but an array before looking deeper: nest inside an item there."""
    return f"[{nested}]" if path.endswith("/batch") else nested


async def _listing_count(app: Litestar) -> int:
    return int(await app.state.pool.fetchval("SELECT count(*) FROM listings"))


@pytest.mark.parametrize("shape", sorted(_SHAPES))
async def test_every_body_route_refuses_deep_nesting(
    client: httpx.AsyncClient, app: Litestar, make_org: Any, admin: dict[str, str], shape: str
) -> None:
    org: Org = await make_org()
    operations = _body_operations(app)
    assert len(operations) >= 10  # the enumeration found the app's body routes
    before = await _listing_count(app)
    for method, path in operations:
        for headers in (admin, org.headers):
            response = await client.request(
                method,
                path,
                content=_as_body_of(path, _SHAPES[shape]),
                headers={**headers, "Content-Type": "application/json"},
            )
            if response.status_code in (401, 403):
                continue  # refused before the body is read; the other caller reaches it
            _assert_refused(response, f"{method} {path} ({shape})")
            break
        else:
            pytest.fail(f"no caller reaches the body of {method} {path}")
    assert await _listing_count(app) == before


async def test_a_deep_ndjson_line_is_that_lines_error(client: httpx.AsyncClient, make_org: Any) -> None:
    org: Org = await make_org()
    body = "\n".join(['{"title": "x"}', _SHAPES["objects"], _SHAPES["arrays"], _SHAPES["in a field"]])
    response = await client.post(
        "/v1/listings/batch",
        content=body,
        headers={**org.headers, "Content-Type": "application/x-ndjson"},
    )
    assert response.status_code in (200, 207, 400), response.text[:300]
    results = response.json()["results"]
    assert [r["status"] for r in results[1:]] == ["error"] * 3
    assert results[1]["errors"], results[1]
    assert response.json()["created"] == 0


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    depth=st.integers(min_value=1, max_value=20_000),
    openers=st.lists(st.sampled_from(["[", '{"a":', '{"title":']), min_size=1, max_size=3),
)
async def test_nesting_of_any_depth_and_shape_is_refused_and_writes_nothing(
    client: httpx.AsyncClient, app: Litestar, make_org: Any, depth: int, openers: list[str]
) -> None:
    closers = {"[": "]", '{"a":': "}", '{"title":': "}"}
    pattern = [openers[i % len(openers)] for i in range(depth)]
    body = "".join(pattern) + "1" + "".join(closers[o] for o in reversed(pattern))
    org: Org = await make_org()
    before = await _listing_count(app)
    for path in ("/v1/listings", "/v1/listings/batch", "/v1/organizations"):
        response = await client.post(
            path, content=_as_body_of(path, body), headers={**org.headers, "Content-Type": "application/json"}
        )
        if response.status_code == 200:  # a batch: each item answers for itself
            assert response.json()["failed"] == 1, response.text[:300]
        else:
            assert response.status_code in (400, 403, 422), (path, response.status_code, response.text[:300])
            assert response.headers["content-type"].startswith("application/problem+json")
    assert await _listing_count(app) == before
