"""The gate every request passes before its handler: who is asking, and whether they may ask now.

A presented ``Authorization`` header is always checked, on every route but the probes: a wrong,
malformed or revoked credential is 401 even where no key is needed, and counts as a failed
authentication of the client's address. A credential not seen valid before takes a slot of that
failed-authentication budget *before* it is looked up and gives it back once it proves valid, so
a burst of concurrent guesses cannot outrun the limit. Budgets are then kept per resolved
credential (the key's id, however the header is spelled) or, without one, per address.

Without a key, a web page (any path outside the API, ``market.access.uses_sessions``) is
authenticated by its session cookie (``market.sessions``); an unknown, expired or revoked session
is anonymous. The API never reads the cookie.

The resolved caller is kept in the request scope for the handlers (``market.access.caller_of``)
and the idempotency middleware. Authentication runs whether or not rate limits are enabled.
"""

from __future__ import annotations

from litestar.datastructures import Headers
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from market.access import OPEN_PATHS, STATIC_PREFIX, keep_caller, uses_sessions
from market.auth import ANONYMOUS, Caller, authenticate, hash_api_key
from market.errors import Unauthorized
from market.problems import problem, send_problem
from market.ratelimit import Budgets
from market.sessions import SESSION_COOKIE, session_caller
from market.web.errors import send_page

__all__ = ["gate"]

_KNOWN_VALID_MAX = 10_000


async def _refuse(
    scope: Scope, send: Send, wait: int, reason: str, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    """429 with ``Retry-After``, before the request reaches the app: a page on a page's path."""
    body = problem(429, f"{reason}; retry in {wait} s (the RateLimit headers show the budget)")
    extra = [(b"retry-after", str(wait).encode()), *(headers or ())]
    if uses_sessions(scope["path"]):
        await send_page(scope, send, 429, body.detail, extra)
    else:
        await send_problem(send, body, extra)


def _cookie(header: str | None, name: str) -> str | None:
    """One cookie's value from a ``Cookie`` header (RFC 6265: ``name=value; name=value``)."""
    for part in (header or "").split(";")[:50]:
        key, _, value = part.strip().partition("=")
        if key == name and value:
            return value
    return None


def gate(budgets: Budgets) -> type:
    """Middleware class bound to the process's budgets."""
    per_key, anonymous, auth_failures = budgets.per_key, budgets.anonymous, budgets.auth_failures
    limited = budgets.enabled
    policies = {
        name: f'"{name}";q={limiter.amount};w={limiter.window}'.encode()
        for name, limiter in (("key", per_key), ("address", anonymous))
    }
    # Digests of credentials that proved valid: looking them up again takes no reservation, so
    # many concurrent requests with a good key never look like guessing. Bounded; a revoked key
    # in it still gets 401 and is counted after the answer.
    known_valid: dict[bytes, None] = {}

    class Gate:
        def __init__(self, app: ASGIApp) -> None:
            self.app = app

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            path = scope["path"]
            if scope["type"] != "http" or path in OPEN_PATHS or path.startswith(STATIC_PREFIX):
                await self.app(scope, receive, send)
                return
            client = scope.get("client")
            address = client[0] if client else "unknown"
            headers = Headers.from_scope(scope)
            header = headers.get("authorization")
            if header is not None:
                caller = await self.authenticate(scope, send, header, address)
                if caller is None:  # refused with 429
                    return
            elif uses_sessions(path) and (token := _cookie(headers.get("cookie"), SESSION_COOKIE)):
                state = scope["app"].state
                caller = await session_caller(state.pool, token, state.settings.admin_token) or ANONYMOUS
            else:
                caller = ANONYMOUS
            keep_caller(scope, caller)
            if not limited:
                await self.app(scope, receive, send)
                return
            if caller.credential is not None:
                name, budget = "key", per_key.hit(caller.credential)
            else:
                name, budget = "address", anonymous.hit(address)
            budget_headers = [
                (b"ratelimit-policy", policies[name]),
                (b"ratelimit", f'"{name}";r={budget.remaining};t={budget.reset}'.encode()),
            ]
            if not budget.allowed:
                await _refuse(
                    scope, send, budget.retry_after, f"this {name}'s budget is spent", budget_headers
                )
                return

            async def send_with_headers(message: Message) -> None:
                if message["type"] == "http.response.start":
                    message["headers"] = [*message.get("headers", ()), *budget_headers]
                await send(message)

            await self.app(scope, receive, send_with_headers)

        async def authenticate(self, scope: Scope, send: Send, header: str, address: str) -> Caller | None:
            """The caller, or None once a 429 has been sent; a bad credential raises 401."""
            digest = hash_api_key(header.strip())
            reserved = False
            if limited:
                if digest in known_valid:
                    guessing = auth_failures.peek(address)
                else:
                    guessing, reserved = auth_failures.hit(address), True
                if not guessing.allowed:
                    await _refuse(
                        scope, send, guessing.retry_after, "too many failed authentications from your address"
                    )
                    return None
            state = scope["app"].state
            try:
                caller = await authenticate(header, state.pool, state.settings.admin_token)
            except Unauthorized:
                known_valid.pop(digest, None)
                if limited and not reserved:
                    auth_failures.hit(address)
                raise
            except BaseException:  # PostgreSQL away (503): not the client's failure
                if reserved:
                    auth_failures.refund(address)
                raise
            if reserved:
                auth_failures.refund(address)
            if len(known_valid) >= _KNOWN_VALID_MAX:
                known_valid.clear()
            known_valid[digest] = None
            return caller

    return Gate
