"""Sign-in sessions of the web pages: opened by pasting an API key, ended by signing out, by
expiry, or by revoking the key.

The browser's cookie holds a random token (``secrets``, 256 bits); the table holds its SHA-256
and the id of the key it was opened with, never the key's secret. Every request with the
cookie looks the session up joined to the live key, so a revoked key ends its sessions at the
next request, in every process. The platform admin's session names no key but the admin
token's digest, checked against today's ``MARKET_ADMIN_TOKEN`` on each request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from uuid import UUID

import asyncpg

from market.auth import ADMIN, Caller, caller_of_row

__all__ = ["SESSION_COOKIE", "SESSION_HOURS", "end_session", "open_session", "session_caller"]

SESSION_COOKIE = "market_session"
SESSION_HOURS = 12
"""A session lasts a working day from sign-in, then the key is pasted again."""

_OPEN_SQL = """
INSERT INTO web_sessions (token_hash, key_id, admin_token_hash, expires_at)
VALUES ($1, $2, $3, now() + $4::interval)
"""
_LOOKUP_SQL = """
SELECT s.admin_token_hash, k.id, k.organization_id, k.scopes, o.kind
FROM web_sessions s
LEFT JOIN api_keys k ON k.id = s.key_id AND k.revoked_at IS NULL
LEFT JOIN organizations o ON o.id = k.organization_id
WHERE s.token_hash = $1 AND s.expires_at > now()
"""
# Each sign-in also clears the sessions that have expired (an index on expires_at keeps it cheap).
_PRUNE_SQL = "DELETE FROM web_sessions WHERE expires_at <= now()"
_END_SQL = "DELETE FROM web_sessions WHERE token_hash = $1"


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


async def open_session(pool: asyncpg.Pool, key_id: UUID | None, *, admin_token: str | None = None) -> str:
    """A new session for a key (or the admin token) that has just proved valid; returns the
    cookie's token."""
    token = secrets.token_urlsafe(32)
    admin_digest = _digest(admin_token) if admin_token else None
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(_PRUNE_SQL)
        await conn.execute(_OPEN_SQL, _digest(token), key_id, admin_digest, timedelta(hours=SESSION_HOURS))
    return token


async def session_caller(pool: asyncpg.Pool, token: str, admin_token: str | None) -> Caller | None:
    """The caller of a live session, or None (unknown, expired, its key revoked, or opened with
    an admin token that is no longer the one set)."""
    if len(token) > 100:  # never a token of ours: no lookup
        return None
    row = await pool.fetchrow(_LOOKUP_SQL, _digest(token))
    if row is None:
        return None
    if row["admin_token_hash"] is not None:
        current = _digest(admin_token) if admin_token else b""
        return ADMIN if hmac.compare_digest(bytes(row["admin_token_hash"]), current) else None
    return None if row["id"] is None else caller_of_row(row)


async def end_session(pool: asyncpg.Pool, token: str) -> None:
    await pool.execute(_END_SQL, _digest(token))
