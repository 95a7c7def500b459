"""Changing one's listing in the browser: the form, and pause, resume, renew and close.

Saving runs ``PATCH /v1/listings/{id}`` with the version the form was opened on as its If-Match:
a listing changed meanwhile (by a colleague, or the chamber) is never overwritten. The form
comes back with both versions side by side, the reader's changes still in it.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg
import msgspec
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.plugins.htmx import HTMXTemplate
from litestar.response import Redirect

from market.access import requires
from market.errors import Conflict, InvalidInput, NotFound, PreconditionFailed
from market.listings.lifecycle import renew_listing
from market.listings.service import close_listing, etag, get_listing, patch_listing
from market.web.listing_form import FORM_FIELDS, decode_form, form_body, form_values, given_values
from market.web.my_listings import render_form
from schemas.listings import ListingOwner, ListingPatch, ListingRenew

__all__ = ["edit_listing_page", "listing_action", "update_from_form"]

_CLEARABLE = (
    "description", "hs_code", "min_order", "price", "incoterm", "incoterm_place", "origin", "destination",
    "available_from", "available_until",
)  # fmt: skip
_ACTIONS = ("pause", "resume", "renew", "close")


async def _owned(conn: asyncpg.Connection, listing_id: UUID, organization_id: UUID) -> ListingOwner:
    listing = await get_listing(conn, listing_id, organization_id)
    if not isinstance(listing, ListingOwner):  # someone else's: as if it did not exist
        raise NotFound(f"no listing with id {listing_id}")
    return listing


@get(
    "/my/listings/{listing_id:uuid}/edit",
    name="edit-listing",
    include_in_schema=False,
    **requires("listings:write", organization=True),
)
async def edit_listing_page(
    request: Request[Any, Any, Any],
    listing_id: FromPath[UUID],
    caller_organization: NamedDependency[UUID],
    connection: NamedDependency[asyncpg.Connection],
) -> HTMXTemplate:
    """The form, filled in with the listing as it is now."""
    listing = await _owned(connection, listing_id, caller_organization)
    return render_form(
        request,
        form_values(listing),
        {},
        action=f"/my/listings/{listing_id}",
        editing=True,
        version=listing.version,
        suggestions=[],
    )


def _patch(body: dict[str, Any]) -> dict[str, Any]:
    """The form's body as a PATCH: every field it shows is sent, and an emptied one is cleared."""
    patch = {k: v for k, v in body.items() if k != "side"}
    for name in _CLEARABLE:
        patch.setdefault(name, None)
    patch.setdefault("description", "")
    if patch["description"] is None:
        patch["description"] = ""
    return patch


@post(
    "/my/listings/{listing_id:uuid}",
    name="update-listing-form",
    include_in_schema=False,
    **requires("listings:write", organization=True),
)
async def update_from_form(
    request: Request[Any, Any, Any],
    listing_id: FromPath[UUID],
    caller_organization: NamedDependency[UUID],
    connection: NamedDependency[asyncpg.Connection],
) -> Response[Any]:
    """Save the form's changes unless the listing changed since the form was opened."""
    form = await request.form()
    current = await _owned(connection, listing_id, caller_organization)
    given = {**given_values(form), "side": current.side}
    values = form_values(current, given)
    version = str(form.get("version") or "")
    action = f"/my/listings/{listing_id}"
    patch, errors = decode_form(_patch(form_body(form)), ListingPatch)
    if patch is not None:
        try:
            await patch_listing(connection, listing_id, caller_organization, patch, etag(int(version or 0)))
        except PreconditionFailed:
            stale = _differences(current, values)
            return render_form(
                request,
                values,
                {},
                action=action,
                status_code=409,
                editing=True,
                version=current.version,
                stale=stale,
                suggestions=[],
            )
        except (InvalidInput, Conflict) as exc:
            errors = {e.field: e.message for e in exc.errors or []} or {"title": exc.detail}
        else:
            return Redirect(f"/listings/{listing_id}", status_code=303)
    return render_form(
        request, values, errors, action=action, status_code=422, editing=True, version=version, suggestions=[]
    )


def _differences(current: ListingOwner, yours: dict[str, str]) -> list[tuple[str, str, str]]:
    """(field, its value now, the reader's value) for each field the two versions disagree on."""
    now = form_values(current)
    return [
        (name, now[name], yours[name]) for name in FORM_FIELDS if now[name].strip() != yours[name].strip()
    ]


@post(
    "/my/listings/{listing_id:uuid}/{action:str}",
    name="listing-action",
    include_in_schema=False,
    **requires("listings:write", organization=True),
)
async def listing_action(
    request: Request[Any, Any, Any],
    listing_id: FromPath[UUID],
    action: FromPath[str],
    caller_organization: NamedDependency[UUID],
    connection: NamedDependency[asyncpg.Connection],
) -> Redirect:
    """Pause, resume, renew (90 days) or close a listing, then back to the list."""
    if action not in _ACTIONS:
        raise NotFound(f"no such action: {action}")
    form = await request.form()
    if_match = etag(int(str(form.get("version") or 0))) if str(form.get("version") or "").isdigit() else "*"
    try:
        if action in ("pause", "resume"):
            change = msgspec.convert({"status": "paused" if action == "pause" else "active"}, ListingPatch)
            await patch_listing(connection, listing_id, caller_organization, change, if_match)
        elif action == "renew":
            await renew_listing(connection, listing_id, caller_organization, ListingRenew(days=90), if_match)
        else:
            await close_listing(connection, listing_id, caller_organization)
    except PreconditionFailed:
        return Redirect("/my/listings?changed=1", status_code=303)
    return Redirect("/my/listings", status_code=303)
