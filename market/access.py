"""Who may call each route, declared once where the route is declared.

``@post(..., **requires("listings:write"))`` names the scope a route needs (``requires()`` asks
for any valid credential), and ``requires(..., organization=True)`` says the route acts as the
caller's organization, so the admin token is refused too. One app-wide guard enforces both before
the handler runs, and
``declare_security`` writes the same fact into each OpenAPI operation: required where a route
requires a key (with the scope), optional where a key only changes what the caller sees, none for
the probes. The gate middleware (``market.gate``) has already authenticated the caller.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler, HTTPRouteHandler
from litestar.routes import BaseRoute
from litestar.types import Scope

from market.auth import ANONYMOUS, Caller

__all__ = [
    "AS_ORGANIZATION",
    "OPEN_PATHS",
    "REQUIRES",
    "STATIC_PREFIX",
    "caller_of",
    "declare_security",
    "keep_caller",
    "requires",
    "scope_guard",
    "uses_sessions",
]

REQUIRES = "requires"
"""Route handler ``opt`` key: the scope the route needs ("" for any valid credential)."""

AS_ORGANIZATION = "as_organization"
"""Route handler ``opt`` key: true when the route acts as the caller's organization."""

OPEN_PATHS = frozenset({"/health", "/ready"})
"""Probes: no credential is read, no budget is spent."""

STATIC_PREFIX = "/static/"
"""The web pages' files (CSS, htmx): public, and cheaper to serve than to count."""

API_PREFIXES = ("/v1/", "/schema", "/docs")
"""The API answers keys only. A web page's session cookie is honoured everywhere else, and never
here: a cookie reaching the API would make every API write forgeable from another site."""

_CALLER = "market.caller"
_SCHEME = "ApiKey"


def requires(scope: str = "", *, organization: bool = False) -> dict[str, Any]:
    """Route decorator keywords (they land in the handler's ``opt``) naming what a route needs:
    a credential with ``scope`` and, with ``organization``, an organization's key (the handler
    then asks for ``caller_organization``)."""
    return {REQUIRES: scope, AS_ORGANIZATION: True} if organization else {REQUIRES: scope}


def uses_sessions(path: str) -> bool:
    """Whether ``path`` is a web page's: authenticated by a session cookie when it sends no key,
    and answering errors as pages. The API and the probes are not."""
    return not path.startswith(API_PREFIXES) and path not in OPEN_PATHS


def keep_caller(scope: Scope, caller: Caller) -> None:
    scope.setdefault("state", {})[_CALLER] = caller


def caller_of(scope: Scope) -> Caller:
    """The caller the gate resolved for this request (anonymous when none was presented)."""
    caller: Caller = scope.get("state", {}).get(_CALLER, ANONYMOUS)
    return caller


async def scope_guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """App-wide guard: 401 without a credential, 403 without the scope the route names, and for
    a route that acts as an organization, 403 for the admin token.

    ``async`` although it never awaits: Litestar runs a plain function guard in a worker thread,
    and that hop on every request was about 30 % of the API's CPU for GET /v1/listings/{id}
    (docs/benchmarks.md)."""
    needed = handler.opt.get(REQUIRES)
    if needed is not None:
        caller = caller_of(connection.scope)
        caller.require_scope(needed)
        if handler.opt.get(AS_ORGANIZATION):
            caller.require_organization()


def security_of(handler: HTTPRouteHandler, path: str) -> list[dict[str, list[str]]]:
    """The OpenAPI security requirement for one operation."""
    needed = handler.opt.get(REQUIRES)
    if needed is not None:
        return [{_SCHEME: [needed] if needed else []}]
    if path in OPEN_PATHS:
        return [{}]
    return [{}, {_SCHEME: []}]  # anonymous, or a key that must be valid (a wrong one is 401)


def declare_security(route: BaseRoute) -> None:
    """Give a route's operations their own security requirement, from the ``opt`` the guard reads
    (called for every route as it is registered, before the document is generated)."""
    for handler in getattr(route, "route_handlers", ()):
        if isinstance(handler, HTTPRouteHandler) and handler.include_in_schema:
            handler.security = security_of(handler, route.path)
