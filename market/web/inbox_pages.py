"""Inboxes (signed in): matches found for one's listings, introductions sent and received; one
introduction with its messages; asking to be introduced from a listing's page.

The same services as ``/v1/matches`` and ``/v1/introductions``: their rules (daily budgets,
who may answer, which state allows what) give the answers, shown as pages.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode
from uuid import UUID

import asyncpg
import msgspec
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.plugins.htmx import HTMXTemplate
from litestar.response import Redirect

from market.access import caller_of, requires
from market.alerts.service import create_alert, delete_alert, list_alerts
from market.errors import NotFound
from market.introductions import conversation, service
from market.introductions.inbox import read_introductions
from market.matching.inbox import read_inbox
from market.settings import Settings
from market.web.listing_form import decode_or_refuse, number_of
from market.web.rendering import page
from schemas.alerts import AlertCreate
from schemas.filters import FILTER_NAMES
from schemas.introductions import Decline, IntroductionCreate, IntroductionMessageCreate, IntroductionOutcome

__all__ = [
    "ask_introduction",
    "delete_search",
    "inbox_page",
    "introduction_action",
    "introduction_page",
    "post_message_form",
    "save_search",
]

TABS = ("received", "sent", "matches", "alerts")
_ACTIONS = ("accept", "decline", "withdraw", "deal", "no_deal")
WRITER = requires("listings:write", organization=True)


@get("/inbox", name="inbox", include_in_schema=False, **requires("read", organization=True))
async def inbox_page(
    request: Request[Any, Any, Any],
    caller_organization: NamedDependency[UUID],
    connection: NamedDependency[asyncpg.Connection],
) -> HTMXTemplate:
    """Introductions received or sent, or the matches found for one's listings, newest first."""
    tab = request.query_params.get("tab", "received")
    tab = tab if tab in TABS else "received"
    cursor = request.query_params.get("cursor") or None
    if tab == "alerts":
        saved = await list_alerts(connection, caller_organization)
        searches = [(a, "/?" + urlencode(msgspec.to_builtins(a.filters))) for a in saved.alerts]
        return page(request, "inbox.html", tab=tab, tabs=TABS, alerts=searches, next_cursor=None)
    if tab == "matches":
        found = await read_inbox(connection, caller_organization, cursor=cursor, listing_id=None, limit=20)
        return page(
            request, "inbox.html", tab=tab, tabs=TABS, events=found.events, next_cursor=found.next_cursor
        )
    introductions = await read_introductions(
        connection, caller_organization, role=tab, status=None, cursor=cursor, limit=20
    )
    return page(
        request,
        "inbox.html",
        tab=tab,
        tabs=TABS,
        introductions=introductions.introductions,
        next_cursor=introductions.next_cursor,
    )


@get(
    "/introductions/{introduction_id:uuid}",
    name="introduction-page",
    include_in_schema=False,
    **requires("read"),
)
async def introduction_page(
    request: Request[Any, Any, Any],
    introduction_id: FromPath[UUID],
    connection: NamedDependency[asyncpg.Connection],
) -> HTMXTemplate:
    """One introduction: both sides (contacts once accepted), what can be done now, the messages."""
    caller = caller_of(request.scope)
    introduction = await service.get_introduction(connection, caller, introduction_id)
    messages = await conversation.list_messages(connection, caller, introduction_id, cursor=None, limit=100)
    return page(request, "introduction.html", introduction=introduction, messages=messages.messages)


@post("/alerts", name="save-search", include_in_schema=False, **requires("read", organization=True))
async def save_search(
    request: Request[Any, Any, Any],
    caller_organization: NamedDependency[UUID],
    connection: NamedDependency[asyncpg.Connection],
) -> Redirect:
    """Save the search a search page shows: new listings that fit it are reported (``alert.matched``)."""
    form = await request.form()
    filters = {name: str(form.get(name)) for name in FILTER_NAMES if str(form.get(name) or "").strip()}
    name = str(form.get("name") or "").strip() or str(filters.get("q") or "") or "search"
    await create_alert(
        connection,
        caller_organization,
        decode_or_refuse({"name": name[:100], "filters": filters}, AlertCreate),
    )
    return Redirect("/inbox?tab=alerts", status_code=303)


@post(
    "/alerts/{alert_id:uuid}/delete",
    name="delete-search",
    include_in_schema=False,
    **requires("read", organization=True),
)
async def delete_search(
    alert_id: FromPath[UUID],
    caller_organization: NamedDependency[UUID],
    connection: NamedDependency[asyncpg.Connection],
) -> Redirect:
    """Stop a saved search."""
    await delete_alert(connection, caller_organization, alert_id)
    return Redirect("/inbox?tab=alerts", status_code=303)


@post("/introductions", name="ask-introduction", include_in_schema=False, **WRITER)
async def ask_introduction(
    request: Request[Any, Any, Any],
    caller_organization: NamedDependency[UUID],
    connection: NamedDependency[asyncpg.Connection],
    settings: NamedDependency[Settings],
) -> Redirect:
    """Ask to be introduced to a listing's owner, from the listing's page."""
    form = await request.form()
    given = {
        "listing_id": str(form.get("listing_id") or ""),
        "message": str(form.get("message") or "").strip(),
    }
    data = decode_or_refuse(given, IntroductionCreate)
    introduction = await service.create_introduction(connection, caller_organization, data, settings)
    return Redirect(f"/introductions/{introduction.id}", status_code=303)


@post(
    "/introductions/{introduction_id:uuid}/{action:str}",
    name="introduction-action",
    include_in_schema=False,
    **WRITER,
)
async def introduction_action(
    request: Request[Any, Any, Any],
    introduction_id: FromPath[UUID],
    action: FromPath[str],
    connection: NamedDependency[asyncpg.Connection],
) -> Redirect:
    """Accept, decline (with a reason) or withdraw a request; say whether it became a deal."""
    if action not in _ACTIONS:
        raise NotFound(f"no such action: {action}")
    caller = caller_of(request.scope)
    form = await request.form()
    if action in ("deal", "no_deal"):
        outcome = IntroductionOutcome(outcome="deal" if action == "deal" else "no_deal")
        await conversation.record_outcome(connection, caller, introduction_id, outcome)
    elif action == "decline":
        decline = decode_or_refuse({"reason": str(form.get("reason") or "other")}, Decline)
        await service.answer(connection, caller, introduction_id, "decline", decline)
    else:
        await service.answer(connection, caller, introduction_id, action)
    return Redirect(f"/introductions/{introduction_id}", status_code=303)


def quote_of(form: Any) -> dict[str, Any] | None:
    """The quote a message form gives (``quote.price.amount``...), or None when it gives none."""
    given = {
        name.removeprefix("quote."): str(form.get(name) or "").strip()
        for name in QUOTE_FIELDS
        if str(form.get(name) or "").strip()
    }
    if not any(k in given for k in ("price.amount", "quantity.amount", "valid_until")):
        return None
    quote: dict[str, Any] = {}
    for path, value in given.items():
        group, _, leaf = path.partition(".")
        if leaf:
            quote.setdefault(group, {})[leaf] = number_of(value) if path == "quantity.amount" else value
        else:
            quote[group] = value
    for group in ("price", "quantity"):
        if group in quote and "amount" not in quote[group]:
            del quote[group]
    return quote


QUOTE_FIELDS = (
    "quote.price.amount",
    "quote.price.currency",
    "quote.price.per",
    "quote.quantity.amount",
    "quote.quantity.unit",
    "quote.incoterm",
    "quote.valid_until",
)


@post(
    "/introductions/{introduction_id:uuid}/messages",
    name="post-message-form",
    include_in_schema=False,
    **WRITER,
)
async def post_message_form(
    request: Request[Any, Any, Any],
    introduction_id: FromPath[UUID],
    connection: NamedDependency[asyncpg.Connection],
    settings: NamedDependency[Settings],
) -> Redirect:
    """Write to the other side of an accepted introduction."""
    form = await request.form()
    body: dict[str, Any] = {"text": str(form.get("text") or "").strip()}
    quote = quote_of(form)
    if quote:
        body["quote"] = quote
    data = decode_or_refuse(body, IntroductionMessageCreate)
    await conversation.post_message(connection, caller_of(request.scope), introduction_id, data, settings)
    return Redirect(f"/introductions/{introduction_id}#messages", status_code=303)
