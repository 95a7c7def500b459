"""The published OpenAPI document, completed with what Litestar cannot see on its own.

Litestar documents what each handler's signature says. The rest of the contract lives elsewhere:
middleware (``Idempotency-Key`` on every POST, the rate-limit headers on every answer, ``Retry-After``),
headers a handler sets on its ``Response`` (``ETag``), and the msgspec Structs themselves, which
refuse unknown fields and constrain list items in ways Litestar's schema generator drops. This
module writes those into the document, once for every operation and component:

- every POST declares the optional ``Idempotency-Key`` header (the middleware's own pattern),
  and the answers it may give because of it (``Idempotent-Replayed``, 409 with ``Retry-After``);
- every response declares the headers the server sends with it;
- every input component whose Struct sets ``forbid_unknown_fields`` says
  ``additionalProperties: false``, and list items carry the constraints msgspec checks.
"""

from __future__ import annotations

import copy
import dataclasses
import inspect
import re
from typing import Any

import msgspec
from litestar.handlers import HTTPRouteHandler
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import OpenAPI
from litestar.routes import BaseRoute, HTTPRoute

from market.idempotency import IDEMPOTENCY_KEY, KEY_MAX_LENGTH, KEY_PATTERN, REPLAYED_HEADER
from market.listings.fallback import DEGRADED_HEADER
from market.problems import problem_responses

__all__ = [
    "PLACE_CACHE_CONTROL",
    "ContractConfig",
    "complete_document",
    "complete_route",
    "document_structs",
    "summary_of",
]

METHODS = ("get", "put", "post", "delete", "patch")

IDEMPOTENCY_PARAMETER: dict[str, Any] = {
    "name": IDEMPOTENCY_KEY,
    "in": "header",
    "required": False,
    "description": (
        "Makes a retry safe: the first answer to this key is stored for 24 hours and replayed "
        f"(with `{REPLAYED_HEADER}: true`) to a retry of the same request. The same key with another "
        "method, path, query or body is a 422; a retry while the first request still runs gets 409 "
        "with Retry-After. Use a new random value (a UUID) per request; honoured when the request "
        "sends an API key."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": KEY_MAX_LENGTH, "pattern": KEY_PATTERN},
    "example": "6f1c2f8e-2b0a-4d5e-9a57-0c1d4a3b9e21",
}

_STRING = {"type": "string"}
RATE_LIMIT_HEADERS: dict[str, dict[str, Any]] = {
    "RateLimit-Policy": {
        "description": (
            'The budget that applies (draft-ietf-httpapi-ratelimit-headers), e.g. `"key";q=1200;w=60`'
        ),
        "required": False,
        "schema": _STRING,
    },
    "RateLimit": {
        "description": 'What is left of it and when it refills, e.g. `"key";r=1187;t=3`',
        "required": False,
        "schema": _STRING,
    },
}
RETRY_AFTER = {
    "description": "Seconds to wait before retrying",
    "schema": {"type": "integer", "minimum": 0},
}
WWW_AUTHENTICATE = {
    "description": 'How to authenticate: `Bearer realm="market"`',
    "required": False,
    "schema": _STRING,
}
REPLAYED = {
    "description": "Present (`true`) when this answer is the stored first answer to the Idempotency-Key",
    "required": False,
    "schema": {"type": "string", "enum": ["true"]},
}
ETAG = {
    "description": "The listing's version; send it back in If-Match to change the listing",
    "required": True,
    "schema": _STRING,
}
DEGRADED = {
    "description": "Present when PostgreSQL answered because the search index was away (simpler ranking)",
    "required": False,
    "schema": {"type": "string", "enum": ["postgresql"]},
}

PLACE_CACHE_CONTROL = "public, max-age=86400"
"""Places change with a release of the gazetteer, not between requests: caches may keep them a day."""
CACHE_CONTROL = {
    "description": f"How long the answer may be kept: `{PLACE_CACHE_CONTROL}`",
    "required": True,
    "schema": _STRING,
}

SUCCESS_HEADERS: dict[str, dict[str, dict[str, Any]]] = {
    "createListing": {"ETag": ETAG},
    "getListing": {"ETag": ETAG},
    "updateListing": {"ETag": ETAG},
    "putListingByRef": {"ETag": ETAG},
    "renewListing": {"ETag": ETAG},
    "searchListings": {DEGRADED_HEADER: DEGRADED},
    "suggestPlaces": {"Cache-Control": CACHE_CONTROL},
    "getPlace": {"Cache-Control": CACHE_CONTROL},
}
"""Headers a handler sets on its own successful answers, by operation."""


def _response_headers(operation_id: str, method: str, status: str) -> dict[str, dict[str, Any]]:
    headers = dict(RATE_LIMIT_HEADERS)
    if status.startswith("2"):
        headers.update(SUCCESS_HEADERS.get(operation_id, {}))
    if status == "401":
        headers["WWW-Authenticate"] = WWW_AUTHENTICATE
    if status == "429":
        headers["Retry-After"] = {**RETRY_AFTER, "required": True}
    if method == "post":
        if status == "409":
            headers["Retry-After"] = {**RETRY_AFTER, "required": False}
        if not status.startswith("5"):
            headers[REPLAYED_HEADER] = REPLAYED
    return headers


def _declare_operation(operation: dict[str, Any], method: str) -> None:
    if "428" in operation["responses"]:  # the change is refused without If-Match: it is required
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "header" and parameter["name"] == "If-Match":
                parameter["required"] = True
    if method == "post":
        parameters = operation.setdefault("parameters", [])
        if all(p["name"] != IDEMPOTENCY_KEY for p in parameters):
            parameters.append(copy.deepcopy(IDEMPOTENCY_PARAMETER))
    for status, response in operation["responses"].items():
        declared = response.setdefault("headers", {})
        for name, header in _response_headers(operation["operationId"], method, status).items():
            declared.setdefault(name, copy.deepcopy(header))


_FIRST_SENTENCE = re.compile(r"^(.+?[.!?])(?:\s|$)", re.DOTALL)
IDEMPOTENCY_STATUSES = (400, 409, 413, 422)
"""What the idempotency middleware may answer to any POST: a bad key, a retry too early or a key
reused for another request, a body too large to fingerprint."""


def summary_of(handler: HTTPRouteHandler) -> str | None:
    """The first sentence of the handler's docstring: Litestar would use its name ("GetOne")."""
    doc = inspect.getdoc(handler.fn)
    if not doc:
        return None
    paragraph = " ".join(doc.split("\n\n", 1)[0].split())
    match = _FIRST_SENTENCE.match(paragraph)
    return (match.group(1) if match else paragraph).rstrip(".")


def complete_route(route: BaseRoute) -> None:
    """Give each documented handler of ``route`` its sentence summary, and every POST the answers
    the idempotency middleware may give. Runs as routes are registered, before the document is built."""
    if not isinstance(route, HTTPRoute):
        return
    for handler in route.route_handlers:
        if not handler.resolve_include_in_schema():
            continue
        if handler.summary is None:
            handler.summary = summary_of(handler)
        if "POST" in handler.http_methods:
            missing = [s for s in IDEMPOTENCY_STATUSES if s not in (handler.responses or {})]
            handler.responses = dict(
                sorted({**problem_responses(*missing), **(handler.responses or {})}.items())
            )


def document_structs() -> dict[str, type[msgspec.Struct]]:
    """The app's Structs by class name, as Litestar names components (schemas/ wins a shared name)."""
    found: dict[str, list[type[msgspec.Struct]]] = {}
    pending = list(msgspec.Struct.__subclasses__())
    while pending:
        struct = pending.pop()
        pending.extend(struct.__subclasses__())
        if struct.__module__.split(".")[0] in {"market", "schemas", "search"}:
            found.setdefault(struct.__name__, []).append(struct)
    # The API's own Structs live in schemas/; a market module may reuse a name for an inner one.
    public = {
        name: [s for s in structs if s.__module__.startswith("schemas.")] for name, structs in found.items()
    }
    return {
        name: (public[name] if len(structs) > 1 else structs)[0]
        for name, structs in found.items()
        if len(structs) == 1 or len(public[name]) == 1
    }


def _array(node: dict[str, Any]) -> dict[str, Any] | None:
    """The array schema in a property (itself, or its non-null alternative)."""
    for candidate in [node, *node.get("anyOf", []), *node.get("oneOf", [])]:
        if candidate.get("type") == "array" and "items" in candidate:
            return dict(candidate)
    return None


def _say_plainly(published: dict[str, Any]) -> None:
    """Rewrite two shapes of Litestar's that generated clients read badly."""
    if len(published.get("oneOf", [])) == 1:  # an UNSET-able field
        published.update(published.pop("oneOf")[0])
    kinds = published.get("type")
    if isinstance(kinds, list) and "null" in kinds and None in published.get("enum", []):
        # `type: [null, string]` with null among the values became three enum classes per field
        values = [v for v in published.pop("enum") if v is not None]
        other = [kind for kind in published.pop("type") if kind != "null"]
        published["oneOf"] = [{"type": other[0], "enum": values}, {"type": "null"}]


def _complete_components(components: dict[str, Any]) -> None:
    structs = {name: s for name, s in document_structs().items() if name in components}
    _, exact = msgspec.json.schema_components(structs.values(), ref_template="#/components/schemas/{name}")
    for name, struct in structs.items():
        component = components[name]
        if struct.__struct_config__.forbid_unknown_fields:
            component["additionalProperties"] = False
        for published in component.get("properties", {}).values():
            _say_plainly(published)
        for field, schema in exact.get(name, {}).get("properties", {}).items():
            checked, published = _array(schema), component.get("properties", {}).get(field)
            if checked is None or published is None:
                continue
            target = next(
                (c for c in [published, *published.get("oneOf", [])] if c.get("type") == "array"), None
            )
            if target is not None and target.get("items") != checked["items"]:
                target["items"] = checked["items"]


def complete_document(document: dict[str, Any]) -> dict[str, Any]:
    """Add what the middleware, the handlers' Responses and the Structs enforce; returns ``document``."""
    for item in document.get("paths", {}).values():
        for method in METHODS:
            if method in item:
                _declare_operation(item[method], method)
    _complete_components(document.get("components", {}).get("schemas", {}))
    return document


@dataclasses.dataclass
class _CompletedOpenAPI(OpenAPI):
    def to_schema(self) -> dict[str, Any]:
        return complete_document(super().to_schema())


@dataclasses.dataclass
class ContractConfig(OpenAPIConfig):
    """``OpenAPIConfig`` whose document is completed by ``complete_document`` when it is rendered."""

    def to_openapi_schema(self) -> OpenAPI:
        base = super().to_openapi_schema()
        return _CompletedOpenAPI(**{f.name: getattr(base, f.name) for f in dataclasses.fields(base)})
