"""Demo data from the region's real trade lines (``data/demo.json``), loaded once."""

from __future__ import annotations

from importlib import resources
from typing import Any

import asyncpg
import msgspec

from market.auth import Caller
from market.listings.service import create_listing
from market.organizations.service import create_organization
from schemas.listings import ListingCreate
from schemas.organizations import OrganizationCreate

__all__ = ["DemoData", "demo_data", "load_demo"]


class DemoOrganization(OrganizationCreate, kw_only=True, forbid_unknown_fields=True):
    ref: str
    member_of: str | None = None


class DemoListing(ListingCreate, kw_only=True, forbid_unknown_fields=True):
    org: str


class DemoData(msgspec.Struct, kw_only=True):
    organizations: list[DemoOrganization]
    listings: list[DemoListing]


def demo_data() -> DemoData:
    raw = (resources.files("market") / "data" / "demo.json").read_bytes()
    return msgspec.json.decode(raw, type=DemoData)


def _strip(obj: msgspec.Struct, target: type[Any], drop: set[str]) -> Any:
    fields = {k: v for k, v in msgspec.structs.asdict(obj).items() if k not in drop}
    return msgspec.convert(msgspec.to_builtins(fields), target)


async def load_demo(conn: asyncpg.Connection) -> tuple[int, int]:
    """Create the demo organizations and listings that do not exist yet; return (orgs, listings) created."""
    data = demo_data()
    admin = Caller(is_admin=True)
    ids: dict[str, Any] = {}
    new_orgs = new_listings = 0
    for org in data.organizations:
        existing = await conn.fetchval("SELECT id FROM organizations WHERE name = $1", org.name)
        if existing is None:
            created = await create_organization(
                conn, admin, _strip(org, OrganizationCreate, {"ref", "member_of"})
            )
            existing = created.id
            new_orgs += 1
        ids[org.ref] = existing
    for org in data.organizations:
        if org.member_of:
            await conn.execute(
                "UPDATE organizations SET member_of = $2 WHERE id = $1 AND member_of IS NULL",
                ids[org.ref],
                ids[org.member_of],
            )
    for item in data.listings:
        organization_id = ids[item.org]
        exists = await conn.fetchval(
            "SELECT 1 FROM listings WHERE organization_id = $1 AND external_ref = $2",
            organization_id,
            item.external_ref,
        )
        if not exists:
            await create_listing(conn, organization_id, _strip(item, ListingCreate, {"org"}))
            new_listings += 1
    return new_orgs, new_listings
