"""Rate limits per API key and per anonymous client address, with the IETF RateLimit headers.

Each credential (a digest of the ``Authorization`` header) has its own budget; requests without
one share their client address's budget. Failed authentications also count against the address,
so guessing keys from one address stops quickly. Every answer carries ``RateLimit-Policy`` and
``RateLimit`` (draft-ietf-httpapi-ratelimit-headers); a refusal is 429 problem+json with
``Retry-After``.

Counters are sliding windows held in memory by ``limits`` (per process: with N API processes
a client gets up to N times the budget; ``limits`` also has Redis storage for a shared count).
Health probes are not limited.
"""

from __future__ import annotations

import hashlib
import math
import time

import msgspec
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from litestar.datastructures import Headers, MutableScopeHeaders
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from market.settings import Settings
from schemas.common import Problem

__all__ = ["rate_limits"]

_UNLIMITED = frozenset({"/health", "/ready"})


def _window(item: RateLimitItem) -> int:
    return int(item.get_expiry())


def rate_limits(settings: Settings) -> type:
    """Middleware factory bound to the configured limits (checked when settings are read)."""
    per_key, anonymous = parse(settings.rate_limit_key), parse(settings.rate_limit_anonymous)
    auth_failures = parse(settings.rate_limit_auth_failures)
    limiter = SlidingWindowCounterRateLimiter(MemoryStorage())

    class RateLimit:
        def __init__(self, app: ASGIApp) -> None:
            self.app = app

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http" or scope["path"] in _UNLIMITED or not settings.rate_limit_enabled:
                await self.app(scope, receive, send)
                return
            client = scope.get("client")
            address = client[0] if client else "unknown"
            credential = Headers.from_scope(scope).get("authorization")
            if credential:
                if not await limiter.test(auth_failures, "auth-failures", address):
                    stats = await limiter.get_window_stats(auth_failures, "auth-failures", address)
                    await _refuse(send, stats.reset_time, "too many failed authentications from your address")
                    return
                item, bucket = per_key, ("key", hashlib.sha256(credential.encode()).hexdigest())
            else:
                item, bucket = anonymous, ("address", address)
            allowed = await limiter.hit(item, *bucket)
            stats = await limiter.get_window_stats(item, *bucket)
            name = bucket[0]
            headers = {
                "RateLimit-Policy": f'"{name}";q={item.amount};w={_window(item)}',
                "RateLimit": f'"{name}";r={stats.remaining};t={_seconds_until(stats.reset_time)}',
            }
            if not allowed:
                await _refuse(send, stats.reset_time, f"this {name}'s budget is spent", headers)
                return

            async def send_with_headers(message: Message) -> None:
                if message["type"] == "http.response.start":
                    response_headers = MutableScopeHeaders(message)
                    for header, value in headers.items():
                        response_headers[header] = value
                    if message["status"] == 401 and credential:
                        await limiter.hit(auth_failures, "auth-failures", address)
                await send(message)

            await self.app(scope, receive, send_with_headers)

    return RateLimit


def _seconds_until(reset_time: float) -> int:
    return max(1, math.ceil(reset_time - time.time()))


async def _refuse(send: Send, reset_time: float, reason: str, headers: dict[str, str] | None = None) -> None:
    wait = _seconds_until(reset_time)
    problem = Problem(
        title="Too many requests",
        status=429,
        detail=f"{reason}; retry in {wait} s (the RateLimit headers show the budget)",
    )
    body = msgspec.json.encode(problem)
    raw = [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(body)).encode()),
        (b"retry-after", str(wait).encode()),
    ]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": 429, "headers": raw})
    await send({"type": "http.response.body", "body": body, "more_body": False})
