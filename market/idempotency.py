"""``Idempotency-Key`` on POST: a retried request gets the first answer instead of a second write.

The first response to a (credential, key) pair is stored in PostgreSQL and replayed for 24 hours
with ``Idempotent-Replayed: true``. The same key with a different method, path, query or body is
a 422; while the first request is still running, a retry gets 409 with ``Retry-After``. Server
errors are not stored, so the client may retry them. Responses that show a secret once (new API
keys, webhook secrets) are not stored either: a replay of one gets 409, since the secret is gone.

Keys are scoped by the resolved credential (the API key's id, however the header is spelled), so
one client can never receive another's stored response; a revoked key is refused by the gate
before any replay. Requests without credentials pass through untouched.
"""

from __future__ import annotations

import hashlib
import re
import time

import asyncpg
import structlog
from litestar.datastructures import Headers
from litestar.types import ASGIApp, HTTPReceiveMessage, Message, Receive, Scope, Send

from market.access import caller_of
from market.problems import problem, send_problem
from schemas.common import FieldError, full_match

__all__ = [
    "IDEMPOTENCY_KEY",
    "KEY_MAX_LENGTH",
    "KEY_PATTERN",
    "REPLAYED_HEADER",
    "SECRET_RESPONSE",
    "idempotency",
]

log = structlog.get_logger(name=__name__)

SECRET_RESPONSE = "secret_response"
"""Route handler ``opt`` flag: the response shows a secret once and must not be stored."""

IDEMPOTENCY_KEY = "Idempotency-Key"
"""The request header, honoured on every POST that sends ``Authorization``."""
KEY_MAX_LENGTH = 255
KEY_PATTERN = full_match(rf"[\x21-\x7e]{{1,{KEY_MAX_LENGTH}}}")
"""1-255 visible ASCII characters (a UUID fits); anything else is a 400 naming the header."""
REPLAYED_HEADER = "Idempotent-Replayed"
"""Set to ``true`` on an answer replayed from storage."""

MAX_BODY_BYTES = 8 * 1024 * 1024
_KEY = re.compile(KEY_PATTERN)
_CLEANUP_EVERY = 600.0

# A row that is older than 24 h, or still "in progress" after 5 minutes (its process died), is
# taken over by the next request with the key.
CLAIM_SQL = """
INSERT INTO idempotency_keys (scope, key, fingerprint) VALUES ($1, $2, $3)
ON CONFLICT (scope, key) DO UPDATE
SET fingerprint = excluded.fingerprint, status = NULL, headers = NULL, body = NULL, created_at = now()
WHERE idempotency_keys.created_at < now() - interval '24 hours'
   OR (idempotency_keys.status IS NULL AND idempotency_keys.created_at < now() - interval '5 minutes')
RETURNING true
"""
STORED_SQL = "SELECT fingerprint, status, headers, body FROM idempotency_keys WHERE scope = $1 AND key = $2"
SAVE_SQL = "UPDATE idempotency_keys SET status = $3, headers = $4, body = $5 WHERE scope = $1 AND key = $2"
RELEASE_SQL = "DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2"
CLEANUP_SQL = "DELETE FROM idempotency_keys WHERE created_at < now() - interval '24 hours'"


async def _refuse(send: Send, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
    """A problem about the key itself (400, 422 name the header as the field at fault)."""
    errors = [FieldError(field=IDEMPOTENCY_KEY, message=detail)] if status in (400, 422) else None
    raw = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send_problem(send, problem(status, detail, errors=errors), raw)


async def _send_all(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def _read_body(receive: Receive) -> bytes | None:
    """The whole request body, or None when it is larger than any endpoint accepts."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk: bytes = message.get("body", b"")  # type: ignore[assignment]
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def idempotency(app: ASGIApp) -> ASGIApp:
    """ASGI middleware giving every POST ``Idempotency-Key`` support."""
    last_cleanup = 0.0

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        nonlocal last_cleanup
        if scope["type"] != "http" or scope.get("method") != "POST":
            await app(scope, receive, send)
            return
        key = Headers.from_scope(scope).get(IDEMPOTENCY_KEY)
        credential = caller_of(scope).credential
        if key is None or credential is None:
            await app(scope, receive, send)
            return
        if not _KEY.match(key):
            await _refuse(send, 400, "use 1-255 visible ASCII characters, e.g. a UUID")
            return
        body = await _read_body(receive)
        if body is None:
            await _refuse(send, 413, f"the body is larger than {MAX_BODY_BYTES} bytes")
            return
        pool: asyncpg.Pool = scope["app"].state.pool
        owner = hashlib.sha256(credential.encode()).digest()
        request = b"\0".join([b"POST", scope["path"].encode(), scope["query_string"], body])
        fingerprint = hashlib.sha256(request).digest()
        if time.monotonic() - last_cleanup > _CLEANUP_EVERY:
            last_cleanup = time.monotonic()
            await pool.execute(CLEANUP_SQL)
        if await pool.fetchval(CLAIM_SQL, owner, key, fingerprint) is None:
            await _replay(pool, owner, key, fingerprint, send)
            return
        handler = scope.get("route_handler")
        secret = bool(handler is not None and handler.opt.get(SECRET_RESPONSE))
        await _run_and_store(app, scope, body, send, pool, owner, key, secret=secret)

    return middleware


async def _replay(pool: asyncpg.Pool, owner: bytes, key: str, fingerprint: bytes, send: Send) -> None:
    stored = await pool.fetchrow(STORED_SQL, owner, key)
    if stored is None:  # released a moment ago (the first attempt failed): say so, the client retries
        await _refuse(
            send, 409, "the first request with this key did not complete; retry it", {"Retry-After": "1"}
        )
    elif stored["fingerprint"] != fingerprint:
        await _refuse(
            send, 422, "this key was used for a different request in the last 24 hours; use a new key"
        )
    elif stored["status"] is None:
        await _refuse(
            send, 409, "the first request with this key is still running; retry shortly", {"Retry-After": "1"}
        )
    elif stored["body"] is None:
        await _refuse(
            send, 409, "this request already succeeded; its secret was shown once and is not stored"
        )
    else:
        raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in stored["headers"]]
        raw.append((REPLAYED_HEADER.lower().encode(), b"true"))
        await _send_all(send, stored["status"], raw, stored["body"])


async def _run_and_store(
    app: ASGIApp,
    scope: Scope,
    body: bytes,
    send: Send,
    pool: asyncpg.Pool,
    owner: bytes,
    key: str,
    *,
    secret: bool,
) -> None:
    sent_body = False

    async def replay_receive() -> HTTPReceiveMessage:
        nonlocal sent_body
        if sent_body:
            return {"type": "http.disconnect"}
        sent_body = True
        return {"type": "http.request", "body": body, "more_body": False}

    status, finished = 500, False
    headers: list[tuple[str, str]] = []
    chunks: list[bytes] = []

    async def finish() -> None:
        """Store the answer (or free the key after a server error) before the client has it all,
        so a retry sent the moment the answer arrives finds it stored, not "still running"."""
        nonlocal finished
        finished = True
        if status >= 500:
            await pool.execute(RELEASE_SQL, owner, key)
        else:
            shown_once = secret and status < 300
            await pool.execute(
                SAVE_SQL, owner, key, status, headers, None if shown_once else b"".join(chunks)
            )

    async def capture(message: Message) -> None:
        nonlocal status, headers
        if message["type"] == "http.response.start":
            status = message["status"]
            headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in message.get("headers", [])]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                await finish()
        await send(message)

    try:
        await app(scope, replay_receive, capture)
    except BaseException:
        if not finished:
            await pool.execute(RELEASE_SQL, owner, key)
        raise
    if not finished:
        await finish()
