"""The OpenAPI document as clients read it, checked against what the server does.

No services are needed: the app is built in process and driven over ASGI without its lifespan,
which is enough for OPTIONS and for the document itself."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from market.app import create_app
from market.idempotency import IDEMPOTENCY_KEY, KEY_MAX_LENGTH, KEY_PATTERN, REPLAYED_HEADER
from market.listings.fallback import DEGRADED_HEADER
from tests.conftest import asgi_client

APP = create_app()
DOCUMENT: dict[str, Any] = APP.openapi_schema.to_schema()
METHODS = ("get", "put", "post", "delete", "patch", "head", "trace")


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in DOCUMENT["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def concrete(path: str) -> str:
    """The path with a well-formed value for each of its parameters."""
    params = {
        p["name"]: p["schema"]
        for _, _, operation in operations()
        for p in operation.get("parameters", [])
        if p["in"] == "path"
    }

    def value(match: re.Match[str]) -> str:
        schema = params[match.group(1)]
        if schema.get("format") == "uuid":
            return str(uuid.uuid4())
        return "1" if schema.get("type") == "integer" else "691200"

    return re.sub(r"\{([^}]+)\}", value, path)


@pytest.mark.parametrize("path", sorted(DOCUMENT["paths"]))
async def test_options_allows_every_documented_method_of_the_path(path: str) -> None:
    documented = {m.upper() for m in DOCUMENT["paths"][path] if m in METHODS}
    async with asgi_client(APP) as http:
        response = await http.options(concrete(path))
    assert response.status_code == 204, response.text
    allowed = {m.strip() for m in response.headers["allow"].split(",")}
    assert allowed == documented | {"OPTIONS"}, (path, response.headers["allow"])


def test_the_paths_with_several_methods_are_covered() -> None:
    # guards the parametrization: the bug showed only where one path has several handlers
    several = [path for path, item in DOCUMENT["paths"].items() if sum(m in METHODS for m in item) > 1]
    assert "/v1/listings" in several and len(several) >= 4, several


def test_every_operation_has_a_sentence_summary() -> None:
    not_sentences = [
        (method.upper(), path, summary)
        for path, method, operation in operations()
        if not (summary := operation.get("summary", ""))
        or not summary[0].isupper()
        or len(summary.split()) < 3
        or re.search(r"\b[A-Z][a-z]+[A-Z]", summary)
    ]
    assert len(operations()) > 30 and not not_sentences, not_sentences


def test_every_post_declares_the_idempotency_key_the_middleware_reads() -> None:
    posts = [(path, operation) for path, method, operation in operations() if method == "post"]
    assert len(posts) >= 8, posts
    for path, operation in posts:
        found = [p for p in operation.get("parameters", []) if p["name"] == IDEMPOTENCY_KEY]
        assert len(found) == 1, path
        (param,) = found
        assert param["in"] == "header" and param["required"] is False, param
        assert param["schema"]["pattern"] == KEY_PATTERN and param["schema"]["maxLength"] == KEY_MAX_LENGTH
        assert param["description"] and re.search(KEY_PATTERN, param["example"]), param
        for status in ("400", "409", "413", "422"):  # what the middleware itself may answer
            assert status in operation["responses"], (path, status)
    others = [p["name"] for _, m, o in operations() if m != "post" for p in o.get("parameters", [])]
    assert IDEMPOTENCY_KEY not in others


def test_responses_declare_the_headers_the_server_sends() -> None:
    for path, method, operation in operations():
        for status, response in operation["responses"].items():
            headers = response.get("headers", {})
            assert {"RateLimit", "RateLimit-Policy"} <= set(headers), (path, method, status)
            if status == "429":
                assert headers["Retry-After"]["required"] is True, (path, status)
            if method == "post" and status in {"200", "201", "202"}:
                assert REPLAYED_HEADER in headers, (path, status)
    listings = DOCUMENT["paths"]
    for path, method, status in [
        ("/v1/listings", "post", "201"),
        ("/v1/listings/{listing_id}", "get", "200"),
        ("/v1/listings/{listing_id}", "patch", "200"),
        ("/v1/listings/by-ref/{external_ref}", "put", "200"),
        ("/v1/listings/by-ref/{external_ref}", "put", "201"),
        ("/v1/listings/{listing_id}/renew", "post", "200"),
    ]:
        assert listings[path][method]["responses"][status]["headers"]["ETag"]["required"], (path, method)
    search = listings["/v1/listings"]["get"]["responses"]["200"]["headers"]
    assert search[DEGRADED_HEADER]["schema"]["enum"] == ["postgresql"]


def test_if_match_is_required_where_a_change_without_it_is_428() -> None:
    needing = [(path, method, o) for path, method, o in operations() if "428" in o["responses"]]
    assert needing, "no operation documents 428"
    for path, method, operation in needing:
        (if_match,) = [p for p in operation["parameters"] if p["name"] == "If-Match"]
        assert if_match["in"] == "header" and if_match["required"] is True, (method, path, if_match)
