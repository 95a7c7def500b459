"""Organizations and their API keys: SQL and the rules around it."""

from __future__ import annotations

from typing import TypeVar
from uuid import UUID

import asyncpg
import msgspec

from market.auth import Caller, generate_api_key
from market.code_lookups import is_country
from market.errors import Forbidden, InvalidInput, NotFound, Unauthorized
from market.introductions.responsiveness import NO_HISTORY, responsiveness_of
from schemas.organizations import (
    ALL_SCOPES,
    CHAMBER_SCOPES,
    ApiKeyCreate,
    ApiKeyCreated,
    OrganizationCreate,
    OrganizationPatch,
    OrganizationPrivate,
    OrganizationPublic,
)
from search.indexer import notify_outbox

__all__ = [
    "create_api_key",
    "create_organization",
    "default_language",
    "default_scopes",
    "get_organization",
    "revoke_api_key",
    "sees_contact",
    "update_organization",
    "verify_member",
]

_COLUMNS = """id, name, kind, country, city, contact, member_of, preferred_language,
              (verified_by IS NOT NULL) AS verified, created_at"""
INSERT_SQL = f"""
INSERT INTO organizations (name, kind, country, city, contact, member_of, preferred_language)
VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING {_COLUMNS}
"""
SELECT_SQL = f"SELECT {_COLUMNS} FROM organizations WHERE id = $1"
# Contact details are for the organization itself, its chamber, and organizations it has an
# accepted introduction with (the admin sees every one without asking).
VISIBLE_CONTACT_SQL = """
SELECT $2::uuid = o.id OR $2::uuid = o.member_of OR EXISTS (
    SELECT 1 FROM introductions i
    WHERE i.status = 'accepted'
      AND ((i.requester_id = o.id AND i.recipient_id = $2)
           OR (i.recipient_id = o.id AND i.requester_id = $2)))
FROM organizations o WHERE o.id = $1
"""
INSERT_KEY_SQL = """
INSERT INTO api_keys (organization_id, name, prefix, key_hash, scopes)
VALUES ($1, $2, $3, $4, $5)
RETURNING id, organization_id, name, prefix, scopes, created_at
"""


async def create_organization(
    conn: asyncpg.Connection, caller: Caller, data: OrganizationCreate
) -> OrganizationPrivate:
    """Admins create any organization; a chamber creates members (never another chamber)."""
    if not is_country(data.country):
        raise InvalidInput.field("country", f"'{data.country}' is not an ISO 3166-1 alpha-2 code")
    if caller.is_admin:
        member_of = None
    elif caller.organization_kind == "chamber":
        caller.require_scope("members:write")
        if data.kind == "chamber":
            raise Forbidden("a chamber cannot create another chamber")
        await _require_own_country(conn, caller, data.country)
        member_of = caller.organization_id
    elif caller.is_anonymous:
        raise Unauthorized("creating organizations needs the admin token or a chamber's API key")
    else:
        raise Forbidden("only the platform admin or a chamber of commerce can create organizations")
    language = data.preferred_language or default_language(data.country)
    row = await conn.fetchrow(
        INSERT_SQL, data.name, data.kind, data.country, data.city, data.contact, member_of, language
    )
    return await _view(conn, row, OrganizationPrivate, fresh=True)


async def get_organization(
    conn: asyncpg.Connection, organization_id: UUID, caller: Caller
) -> OrganizationPublic | OrganizationPrivate:
    """One organization, with its contact details when ``caller`` may see them."""
    row = await conn.fetchrow(SELECT_SQL, organization_id)
    if row is None:
        raise NotFound(f"no organization with id {organization_id}")
    if await sees_contact(conn, caller, organization_id):
        return await _view(conn, row, OrganizationPrivate)
    return await _view(conn, row, OrganizationPublic)


async def sees_contact(conn: asyncpg.Connection, caller: Caller, organization_id: UUID) -> bool:
    """Whether ``caller`` may see the organization's contact details: the admin, the organization
    itself, its chamber, and an organization with an accepted introduction between the two."""
    if caller.is_admin:
        return True
    if caller.organization_id is None:
        return False
    return bool(await conn.fetchval(VISIBLE_CONTACT_SQL, organization_id, caller.organization_id))


View = TypeVar("View", bound=OrganizationPublic)


async def _view(
    conn: asyncpg.Connection, row: asyncpg.Record, view: type[View], *, fresh: bool = False
) -> View:
    """The organization's row as ``view``, with its responsiveness (a ``fresh`` one, just created,
    has no history to look up)."""
    figures = NO_HISTORY if fresh else (await responsiveness_of(conn, [row["id"]]))[row["id"]]
    return msgspec.convert({**row, "responsiveness": figures}, view)


async def _require_own_country(conn: asyncpg.Connection, caller: Caller, country: str) -> None:
    """A chamber speaks for the firms of its own country only."""
    own = await conn.fetchval("SELECT country FROM organizations WHERE id = $1", caller.organization_id)
    if country != own:
        raise Forbidden(
            f"a chamber registers and verifies organizations of its own country ({own}), not {country}"
        )


COUNTRY_LANGUAGES = {"UZ": "uz", "KZ": "kk", "TJ": "tg", "KG": "ky", "RU": "ru", "BY": "ru", "TM": "ru"}
"""An organization's language when it names none (migration 0012 backfilled the same)."""


def default_language(country: str) -> str:
    return COUNTRY_LANGUAGES.get(country, "en")


def default_scopes(kind: str) -> list[str]:
    """Every scope that fits an organization of this kind (members:write and crossings:write are
    for chambers)."""
    return [s for s in ALL_SCOPES if s not in CHAMBER_SCOPES or kind == "chamber"]


async def create_api_key(
    conn: asyncpg.Connection, caller: Caller, organization_id: UUID, data: ApiKeyCreate
) -> ApiKeyCreated:
    """The admin, the organization itself, or its chamber may issue a key."""
    row = await _managed_row(conn, caller, organization_id, own_ok=True)
    scopes = data.scopes or default_scopes(row["kind"])
    missing = set() if caller.is_admin else set(scopes) - set(caller.scopes)
    if missing:  # the organization's own key and its chamber's alike: never wider than the minter
        raise Forbidden(
            f"a key cannot grant scopes it lacks: {', '.join(sorted(missing))}; "
            "name narrower scopes or use a key that has them"
        )
    secret, prefix, digest = generate_api_key()
    key = await conn.fetchrow(INSERT_KEY_SQL, organization_id, data.name, prefix, digest, sorted(set(scopes)))
    return msgspec.convert({**dict(key), "secret": secret}, ApiKeyCreated)


VERIFY_SQL = f"UPDATE organizations SET verified_by = $2 WHERE id = $1 RETURNING {_COLUMNS}"
REVOKE_SQL = """
UPDATE api_keys SET revoked_at = coalesce(revoked_at, now())
WHERE id = $1 AND organization_id = $2
RETURNING id
"""
# Verification shows in search documents and matches: re-index the organization's listings.
REINDEX_ORG_SQL = """
INSERT INTO search_outbox (listing_id) SELECT id FROM listings WHERE organization_id = $1
"""


async def _managed_row(
    conn: asyncpg.Connection, caller: Caller, organization_id: UUID, *, own_ok: bool = False
) -> asyncpg.Record:
    """The organization, if the caller may manage it: the admin, its chamber (with
    ``members:write``) or, with ``own_ok``, itself. Anyone else gets 404, so existence never leaks."""
    row = await conn.fetchrow(
        "SELECT member_of, kind, country FROM organizations WHERE id = $1", organization_id
    )
    if row is None:
        raise NotFound(f"no organization with id {organization_id}")
    if caller.is_admin:
        return row
    caller.require_organization()
    if own_ok and caller.organization_id == organization_id:
        return row
    if row["member_of"] != caller.organization_id:
        raise NotFound(f"no organization with id {organization_id}")
    caller.require_scope("members:write")
    return row


async def verify_member(
    conn: asyncpg.Connection, caller: Caller, organization_id: UUID
) -> OrganizationPrivate:
    """A chamber vouches for one of its members. Trust comes from chambers, so not even the
    platform admin can verify in a chamber's place."""
    if caller.is_admin:
        raise Forbidden("verification is a chamber's word: use the member's chamber key")
    member = await _managed_row(conn, caller, organization_id)
    await _require_own_country(conn, caller, member["country"])
    async with conn.transaction():
        row = await conn.fetchrow(VERIFY_SQL, organization_id, caller.organization_id)
        await conn.execute(REINDEX_ORG_SQL, organization_id)
        await notify_outbox(conn)
    return await _view(conn, row, OrganizationPrivate)


async def revoke_api_key(
    conn: asyncpg.Connection, caller: Caller, organization_id: UUID, key_id: UUID
) -> None:
    """The organization itself, its chamber or the admin revoke a key; it stops working at once."""
    await _managed_row(conn, caller, organization_id, own_ok=True)
    if await conn.fetchval(REVOKE_SQL, key_id, organization_id) is None:
        raise NotFound(f"no API key with id {key_id} for this organization")


UPDATE_SQL = f"""
UPDATE organizations
SET city = coalesce($2, city), contact = coalesce($3, contact),
    preferred_language = coalesce($4, preferred_language)
WHERE id = $1
RETURNING {_COLUMNS}
"""


async def update_organization(
    conn: asyncpg.Connection, caller: Caller, organization_id: UUID, patch: OrganizationPatch
) -> OrganizationPrivate:
    """The organization itself, its chamber or the admin change its city, contact details or
    language (anyone else: 404)."""
    await _managed_row(conn, caller, organization_id, own_ok=True)
    city, contact, language = (
        None if value is msgspec.UNSET else value
        for value in (patch.city, patch.contact, patch.preferred_language)
    )
    row = await conn.fetchrow(UPDATE_SQL, organization_id, city, contact, language)
    return await _view(conn, row, OrganizationPrivate)
