"""API keys and the caller behind each request.

Keys are 256 bits from ``secrets`` with a visible ``mk_`` prefix, shown once, stored only as
SHA-256. Looking a key up by its digest means no secret is ever compared byte by byte; the
admin token is compared with ``hmac.compare_digest``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from uuid import UUID

import asyncpg

from market.errors import Forbidden, Unauthorized

__all__ = [
    "ADMIN",
    "ANONYMOUS",
    "KEY_PREFIX",
    "Caller",
    "authenticate",
    "caller_of_key",
    "caller_of_row",
    "generate_api_key",
    "hash_api_key",
    "is_admin_token",
]

KEY_PREFIX = "mk_"
ADMIN_CREDENTIAL = "admin"
_LOOKUP_SQL = """
SELECT k.id, k.organization_id, k.scopes, o.kind
FROM api_keys k JOIN organizations o ON o.id = k.organization_id
WHERE k.key_hash = $1 AND k.revoked_at IS NULL
"""


def generate_api_key() -> tuple[str, str, bytes]:
    """A new key: (secret, visible prefix, digest to store)."""
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    return secret, secret[:11], hash_api_key(secret)


def hash_api_key(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is asking: anonymous, the platform admin, or an organization's key.

    ``credential`` names the resolved credential (the key's id, or ``admin``), however the header
    was spelled: rate limits and idempotency records are kept per credential."""

    organization_id: UUID | None = None
    organization_kind: str | None = None
    scopes: frozenset[str] = frozenset()
    is_admin: bool = False
    credential: str | None = None

    @property
    def is_anonymous(self) -> bool:
        return not self.is_admin and self.organization_id is None

    def require_scope(self, scope: str) -> None:
        """401 without a credential; 403 for an organization's key without ``scope`` (an empty
        scope asks for any credential). The admin holds every scope."""
        if self.is_anonymous:
            raise Unauthorized("send an API key as 'Authorization: Bearer mk_...'")
        if scope and not self.is_admin and scope not in self.scopes:
            raise Forbidden(f"this API key lacks the '{scope}' scope; issue a key that has it")

    def require_organization(self) -> UUID:
        """The caller's organization id; 401 without a key, 403 for the admin token."""
        if self.organization_id is None:
            if self.is_admin:
                raise Forbidden("this endpoint acts as an organization: use an organization's API key")
            raise Unauthorized("send an organization API key as 'Authorization: Bearer mk_...'")
        return self.organization_id


ANONYMOUS = Caller()
ADMIN = Caller(is_admin=True, scopes=frozenset({"admin"}), credential=ADMIN_CREDENTIAL)


def is_admin_token(token: str, admin_token: str | None) -> bool:
    """Whether ``token`` is the platform admin token (compared in constant time)."""
    return bool(admin_token) and hmac.compare_digest(token.encode(), str(admin_token).encode())


def caller_of_row(row: asyncpg.Record) -> Caller:
    """The caller of a live key's row: its ``id``, ``organization_id``, ``scopes`` and the
    organization's ``kind``."""
    return Caller(
        organization_id=row["organization_id"],
        organization_kind=row["kind"],
        scopes=frozenset(row["scopes"]),
        credential=str(row["id"]),
    )


async def caller_of_key(pool: asyncpg.Pool | asyncpg.Connection, secret: str) -> Caller | None:
    """The caller an organization's API key names, or None for a wrong or revoked key."""
    row = await pool.fetchrow(_LOOKUP_SQL, hash_api_key(secret))
    return None if row is None else caller_of_row(row)


def parse_bearer(header: str) -> str:
    """The token of ``Authorization: Bearer <token>``; the scheme is case-insensitive (RFC 9110)
    and extra spaces are allowed, so every spelling names the same credential."""
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("use 'Authorization: Bearer <api key>'")
    return token


async def authenticate(header: str, pool: asyncpg.Pool, admin_token: str | None) -> Caller:
    """The caller a presented ``Authorization`` header names; a wrong one is 401, never ignored."""
    token = parse_bearer(header)
    if token.startswith(KEY_PREFIX):
        caller = await caller_of_key(pool, token)
        if caller is None:
            raise Unauthorized("this API key is not valid (wrong, or revoked)")
        return caller
    if is_admin_token(token, admin_token):
        return ADMIN
    raise Unauthorized("this token is not valid")
