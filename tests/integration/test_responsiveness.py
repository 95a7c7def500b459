"""Responsiveness from introduction rows written straight into the table (in every state, at
chosen times), against real PostgreSQL: its figures, and the organization view that shows them."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import httpx
import msgspec

from market.introductions.responsiveness import NO_HISTORY, responsiveness_of
from schemas.organizations import Responsiveness
from tests.helpers import Org, insert_introduction, offer_body

# (status, days ago, answered after so many hours, outcome) of requests one organization received
RECEIVED: list[tuple[str, float, float | None, str | None]] = [
    ("accepted", 10, 2, None),
    ("declined", 30, 30, None),  # a clear no is an answer
    ("accepted", 60, 6, "deal"),
    ("expired", 40, None, None),
    ("requested", 20, None, None),  # past its 14 days, not yet swept by the expiry job: counted
    ("requested", 2, None, None),  # still waiting: not counted
    ("withdrawn", 5, None, None),  # withdrawn before any answer: not counted
    ("withdrawn", 15, 1, None),  # withdrawn after an answer: counted, answered
    ("accepted", 200, 1, "deal"),  # outside the window
]
RECEIVED_VIEW = {
    "requests_received": 8,
    "requests_counted": 6,
    "answered_share": 0.667,  # 4 of 6
    "median_hours_to_answer": 4.0,  # of 1, 2, 6 and 30 hours
    "deals_reported": 2,  # the one received, and the one it sent (below)
    "window_days": 180,
}


async def _listing(client: httpx.AsyncClient, owner: Org) -> str:
    created = await client.post("/v1/listings", json=offer_body(), headers=owner.headers)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def _history(client: httpx.AsyncClient, app: Any, make_org: Any) -> tuple[Org, Org]:
    """An organization that received the requests of RECEIVED (each from another organization, as
    only one open request per requester and listing is allowed) and sent two, to ``other``: one
    ending in a deal 50 days ago, one 300 days ago."""
    recipient, other = await make_org(), await make_org(kind="importer")
    listing, others_listing = await _listing(client, recipient), await _listing(client, other)
    for status, days_ago, answered_after, outcome in RECEIVED:
        requester = await make_org(kind="importer")
        await insert_introduction(
            app,
            listing,
            requester.id,
            recipient.id,
            status,
            days_ago=days_ago,
            answered_after_hours=answered_after,
            outcome=outcome,
        )
    for days_ago in (50, 300):
        await insert_introduction(
            app,
            others_listing,
            recipient.id,
            other.id,
            "accepted" if days_ago < 100 else "declined",
            days_ago=days_ago,
            answered_after_hours=12.25,
            outcome="deal" if days_ago < 100 else None,
        )
    return recipient, other


async def test_figures_of_many_organizations_in_one_query(
    client: httpx.AsyncClient, app: Any, make_org: Any
) -> None:
    recipient, other = await _history(client, app, make_org)
    newcomer = await make_org()
    ids = [UUID(recipient.id), UUID(other.id), UUID(newcomer.id)]
    figures = await responsiveness_of(app.state.pool, ids)
    assert set(figures) == set(ids)
    assert msgspec.to_builtins(figures[UUID(recipient.id)]) == RECEIVED_VIEW
    assert figures[UUID(other.id)] == Responsiveness(
        requests_received=1,  # the declined one is 300 days old
        requests_counted=1,
        answered_share=1.0,
        median_hours_to_answer=12.3,  # 12.25 h, to one decimal
        deals_reported=1,
    )
    assert figures[UUID(newcomer.id)] == NO_HISTORY
    assert NO_HISTORY.answered_share is None and NO_HISTORY.median_hours_to_answer is None
    assert await responsiveness_of(app.state.pool, []) == {}


async def test_the_organization_shows_its_responsiveness_to_anyone(
    client: httpx.AsyncClient, app: Any, make_org: Any, admin: dict[str, str]
) -> None:
    recipient, _ = await _history(client, app, make_org)
    stranger = await make_org()
    for headers in ({}, stranger.headers, recipient.headers, admin):
        seen = await client.get(f"/v1/organizations/{recipient.id}", headers=headers)
        assert seen.status_code == 200, seen.text
        assert seen.json()["responsiveness"] == RECEIVED_VIEW
    me = await client.get("/v1/organizations/me", headers=recipient.headers)
    assert me.json()["responsiveness"] == RECEIVED_VIEW and "contact" in me.json()


async def test_a_new_organization_has_no_history(client: httpx.AsyncClient, make_org: Any) -> None:
    empty = msgspec.to_builtins(NO_HISTORY)
    assert empty == {
        "requests_received": 0,
        "requests_counted": 0,
        "answered_share": None,
        "median_hours_to_answer": None,
        "deals_reported": 0,
        "window_days": 180,
    }
    org = await make_org()
    assert org.data["responsiveness"] == empty  # the answer to its creation
    assert (await client.get(f"/v1/organizations/{org.id}")).json()["responsiveness"] == empty
