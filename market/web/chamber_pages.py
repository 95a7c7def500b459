"""The chamber's page (a chamber signed in): its members (add, verify) and importing a CSV or
NDJSON file of listings, with the rejected rows shown as a table.

Members go through ``create_organization`` and ``verify_member``, the file through the same
readers and batch writes as ``market import`` and ``POST /v1/listings/batch``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import asyncpg
from litestar import Request, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.plugins.htmx import HTMXTemplate
from litestar.response import Redirect

from market.access import caller_of, requires
from market.errors import Forbidden, InvalidInput
from market.listings.import_files import ImportFileError, read_csv, read_ndjson
from market.listings.importer import import_rows
from market.organizations.members import chamber_members
from market.organizations.service import create_organization, verify_member
from market.web.field_messages import for_people
from market.web.listing_form import organization_from_form
from market.web.rendering import page, request_language

__all__ = ["IMPORT_MAX_BYTES", "add_member_form", "chamber_page", "import_file_form", "verify_member_form"]

IMPORT_MAX_BYTES = 5 * 1024 * 1024
"""A file of about 10,000 rows; larger imports go through ``market import`` or the batch API."""
MEMBERS = requires("members:write", organization=True)


@dataclass
class RejectsTable:
    """Rejected rows kept for the page (at most ``shown``), and how many there were."""

    shown: int = 500
    rows: list[tuple[int, str, str, str]] = field(default_factory=list)
    count: int = 0

    def add(self, line: int, external_ref: str | None, field: str, message: str) -> None:
        self.count += 1
        if len(self.rows) < self.shown:
            self.rows.append((line, external_ref or "", field, message))


async def _chamber_country(conn: asyncpg.Connection, request: Request[Any, Any, Any]) -> str:
    caller = caller_of(request.scope)
    if caller.organization_kind != "chamber":
        raise Forbidden("this page is for chambers of commerce")
    return str(await conn.fetchval("SELECT country FROM organizations WHERE id = $1", caller.organization_id))


async def _render(
    request: Request[Any, Any, Any], conn: asyncpg.Connection, status_code: int = 200, **context: Any
) -> HTMXTemplate:
    country = await _chamber_country(conn, request)
    members = await chamber_members(conn, caller_of(request.scope).organization_id)  # type: ignore[arg-type]
    context.setdefault("summary", None)
    context.setdefault("rejects", None)
    context.setdefault("file_error", None)
    return page(request, "chamber.html", status_code=status_code, members=members, country=country, **context)


@get("/chamber", name="chamber-page", include_in_schema=False, **MEMBERS)
async def chamber_page(
    request: Request[Any, Any, Any], connection: NamedDependency[asyncpg.Connection]
) -> HTMXTemplate:
    """Members, and importing listings from a file."""
    return await _render(request, connection)


@post("/chamber/members", name="add-member-form", include_in_schema=False, **MEMBERS)
async def add_member_form(
    request: Request[Any, Any, Any], connection: NamedDependency[asyncpg.Connection]
) -> Redirect:
    """Register a member of the chamber's own country."""
    form = await request.form()
    country = await _chamber_country(connection, request)
    await create_organization(connection, caller_of(request.scope), organization_from_form(form, country))
    return Redirect("/chamber", status_code=303)


@post(
    "/chamber/members/{member_id:uuid}/verify", name="verify-member-form", include_in_schema=False, **MEMBERS
)
async def verify_member_form(
    request: Request[Any, Any, Any],
    member_id: FromPath[UUID],
    connection: NamedDependency[asyncpg.Connection],
) -> Redirect:
    """Vouch for a member."""
    await verify_member(connection, caller_of(request.scope), member_id)
    return Redirect("/chamber", status_code=303)


@post(
    "/chamber/import",
    name="import-file-form",
    include_in_schema=False,
    request_max_body_size=IMPORT_MAX_BYTES + 64 * 1024,
    **requires("listings:write", organization=True),
)
async def import_file_form(
    request: Request[Any, Any, Any],
    connection: NamedDependency[asyncpg.Connection],
    pool: NamedDependency[asyncpg.Pool],
) -> HTMXTemplate:
    """Import the listings of a CSV or NDJSON file, for the chamber's members (``on_behalf_of``)."""
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise InvalidInput.field("file", "choose a CSV or NDJSON file to import")
    raw = await upload.read()
    name = (upload.filename or "").lower()
    caller = caller_of(request.scope)
    rejects = RejectsTable()
    try:
        if name.endswith((".ndjson", ".jsonl")):
            rows = read_ndjson(io.BytesIO(raw))
        else:
            rows = read_csv(io.BytesIO(raw), chamber=caller.organization_kind == "chamber")
        summary = await import_rows(
            pool, caller, rows, rejects, csv_fields=not name.endswith((".ndjson", ".jsonl"))
        )
    except ImportFileError as exc:
        return await _render(request, connection, status_code=422, file_error=str(exc))
    language = request_language(request)
    rejects.rows = [
        (line, ref, column, for_people(message, language)) for line, ref, column, message in rejects.rows
    ]
    return await _render(request, connection, summary=summary, rejects=rejects)
