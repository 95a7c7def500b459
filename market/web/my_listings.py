"""My listings (signed in): the list with drafts, and posting an offer or a demand through a form.

Posting runs ``POST /v1/listings``'s own decoding and service (``create_listing``); a refusal is
shown at each field it names, in the reader's language (``market.web.field_messages``).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, get_args
from uuid import UUID

import asyncpg
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.plugins.htmx import HTMXTemplate
from litestar.response import Redirect

from market.access import requires
from market.commodities.service import suggest_codes
from market.errors import Conflict, InvalidInput
from market.listings.own import own_listings
from market.listings.service import create_listing
from market.web.field_messages import for_people
from market.web.listing_form import decode_form, form_body, form_values, given_values
from market.web.rendering import page, request_language
from schemas.code_tables import UNITS
from schemas.commodities import Commodity
from schemas.listings import ListingCreate, ListingStatus

__all__ = ["create_from_form", "hs_suggestions", "my_listings_page", "new_listing_page", "render_form"]


def render_form(
    request: Request[Any, Any, Any],
    values: dict[str, str],
    errors: dict[str, str],
    *,
    action: str,
    status_code: int = 200,
    **context: Any,
) -> HTMXTemplate:
    """The listing form, with each error in the reader's words at its field."""
    language = request_language(request)
    for name, default in (("editing", False), ("stale", None), ("version", ""), ("suggestions", [])):
        context.setdefault(name, default)
    shown = {
        field.split(".")[0] if field.startswith("target_countries.") else field: message
        for field, message in errors.items()
    }
    return page(
        request,
        "listing_form.html",
        status_code=status_code,
        values=values,
        errors=defaultdict(str, {field: for_people(message, language) for field, message in shown.items()}),
        action=action,
        units=list(UNITS),
        **context,
    )


STATUSES = get_args(ListingStatus)


@get("/my/listings", name="my-listings", include_in_schema=False, **requires("", organization=True))
async def my_listings_page(
    request: Request[Any, Any, Any],
    caller_organization: NamedDependency[UUID],
    connection: NamedDependency[asyncpg.Connection],
) -> HTMXTemplate:
    """Every listing of the organization, drafts included."""
    status = request.query_params.get("status") or None
    listings = await own_listings(connection, caller_organization, status if status in STATUSES else None)
    return page(request, "my_listings.html", listings=listings, status=status)


@get(
    "/my/listings/new",
    name="new-listing",
    include_in_schema=False,
    **requires("listings:write", organization=True),
)
async def new_listing_page(request: Request[Any, Any, Any]) -> HTMXTemplate:
    """An empty form for an offer (or, with ``?side=demand``, a demand)."""
    side = "demand" if request.query_params.get("side") == "demand" else "offer"
    values = {
        **form_values(),
        "side": side,
        "quantity.unit": "TNE",
        "price.currency": "USD",
        "status": "active",
    }
    return render_form(request, values, {}, action="/my/listings", suggestions=[])


@post(
    "/my/listings",
    name="create-listing-form",
    include_in_schema=False,
    **requires("listings:write", organization=True),
)
async def create_from_form(
    request: Request[Any, Any, Any],
    caller_organization: NamedDependency[UUID],
    connection: NamedDependency[asyncpg.Connection],
) -> Response[Any]:
    """Post the offer or demand the form describes."""
    form = await request.form()
    values = form_values(given=given_values(form))
    values["hs_words"] = str(form.get("hs_words") or "")
    if form.get("action") == "suggest":  # "Suggest codes" without JavaScript: the same form, with codes
        return render_form(
            request, values, {}, action="/my/listings", suggestions=await _suggestions(request, form)
        )
    body = form_body(form)
    data, errors = decode_form(body, ListingCreate)
    if data is not None:
        try:
            listing = await create_listing(connection, caller_organization, data)
        except (InvalidInput, Conflict) as exc:
            errors = {e.field: e.message for e in exc.errors or []} or {"title": exc.detail}
        else:
            return Redirect(f"/listings/{listing.id}", status_code=303)
    suggestions = await _suggestions(request, form)
    return render_form(
        request, values, errors, action="/my/listings", status_code=422, suggestions=suggestions
    )


@get("/commodities/suggest", name="hs-suggestions", include_in_schema=False)
async def hs_suggestions(request: Request[Any, Any, Any]) -> HTMXTemplate:
    """HS codes for goods described in words, as ``<option>``s for the form's code field."""
    return page(request, "hs_options.html", suggestions=await _suggestions(request, request.query_params))


async def _suggestions(request: Request[Any, Any, Any], given: Any) -> list[Commodity]:
    words = str(given.get("hs_words") or "").strip()[:200]
    if not words:
        return []
    state = request.app.state
    found = await suggest_codes(state.meili, state.settings.commodities_index, words, 8)
    return found.suggestions
