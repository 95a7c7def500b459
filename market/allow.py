"""``Allow`` on OPTIONS answers lists every method of the path.

Litestar 2 (litestar-org/litestar#4169, fixed in 3) builds the OPTIONS handler of a path when
the first handler for that path is registered, and its ``Allow`` reads that first route's
methods: a second handler on the path (``GET /v1/listings`` after ``POST``) joins the route but
not the header. The routes the app ends up with know every method, so the answer is rewritten
from them, for every path at once.
"""

from __future__ import annotations

from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["allow_every_method", "allowed_methods"]


def allowed_methods(app: Litestar) -> dict[str, str]:
    """Each path template (``/v1/listings/{listing_id}``) and the ``Allow`` value it deserves."""
    methods: dict[str, set[str]] = {}
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            methods.setdefault(route.path_format or "/", set()).update(route.methods)
    return {path: ", ".join(sorted(found)) for path, found in methods.items()}


def allow_every_method(app: ASGIApp) -> ASGIApp:
    """ASGI middleware: OPTIONS answers carry the path's full ``Allow``."""
    allowed: dict[str, str] = {}

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "OPTIONS":
            await app(scope, receive, send)
            return
        if not allowed:  # routes are final once the app serves
            allowed.update(allowed_methods(scope["litestar_app"]))
        value = allowed.get(scope.get("path_template", ""))

        async def send_allow(message: Message) -> None:
            if message["type"] == "http.response.start" and value is not None:
                headers = [(k, v) for k, v in message.get("headers", ()) if k.lower() != b"allow"]
                message["headers"] = [*headers, (b"allow", value.encode())]
            await send(message)

        await app(scope, receive, send_allow)

    return middleware
