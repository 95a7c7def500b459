"""A real webhook receiver for tests: an aiohttp server on 127.0.0.1 that checks every
signature with the independent ``standardwebhooks`` library and answers from a script."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from standardwebhooks import Webhook, WebhookVerificationError

__all__ = ["Received", "Receiver"]


@dataclass
class Received:
    """One verified request, and the status the receiver answered it with."""

    path: str
    message_id: str
    timestamp: str
    body: bytes
    payload: dict[str, Any]
    answered: int

    @property
    def marker(self) -> Any:
        return self.payload["data"].get("marker")


@dataclass
class Receiver:
    """Answers ``answer(payload, nth attempt at this message)``: 204 unless told otherwise.

    ``hold`` keeps a request open (no answer) until ``release()``. Requests whose signature does
    not verify (a stray delivery from another test's endpoint that once used this port) are
    answered 401 and not recorded.
    """

    answer: Callable[[dict[str, Any], int], int] = lambda _payload, _nth: 204
    hold: Callable[[dict[str, Any], int], bool] = lambda _payload, _nth: False
    error_body: bytes = b"receiver says no"
    secret: str | None = None
    received: list[Received] = field(default_factory=list)
    _runner: web.AppRunner | None = None
    _port: int = 0
    _released: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}/hooks/market"

    async def start(self) -> Receiver:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, shutdown_timeout=1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        self._released.set()
        if self._runner is not None:
            await self._runner.cleanup()

    def release(self) -> None:
        self._released.set()

    def for_message(self, message_id: str) -> list[Received]:
        return [r for r in self.received if r.message_id == message_id]

    def with_marker(self, marker: Any) -> list[Received]:
        return [r for r in self.received if r.marker == marker]

    async def wait_for(
        self, predicate: Callable[[list[Received]], bool], *, within: float = 20
    ) -> list[Received]:
        deadline = asyncio.get_running_loop().time() + within
        while not predicate(self.received):
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"the receiver never got what was expected; got {self.received}")
            await asyncio.sleep(0.05)
        return self.received

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        if request.method != "POST" or self.secret is None:
            return web.Response(status=405)
        try:
            payload = Webhook(self.secret).verify(body, dict(request.headers))
        except WebhookVerificationError:
            return web.Response(status=401)
        message_id = request.headers["webhook-id"]
        nth = len(self.for_message(message_id)) + 1
        held = self.hold(payload, nth)
        status = 0 if held else self.answer(payload, nth)
        self.received.append(
            Received(request.path, message_id, request.headers["webhook-timestamp"], body, payload, status)
        )
        if held:
            await self._released.wait()
            return web.Response(status=204)
        if 300 <= status < 400:
            return web.Response(status=status, headers={"Location": "/elsewhere"})
        return web.Response(status=status, body=None if status < 300 else self.error_body)
