"""How an introduction is read: one select list, who may see it, and its view for each viewer."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from market.auth import Caller
from market.errors import NotFound
from schemas.introductions import (
    Introduction,
    IntroductionListing,
    IntroductionParty,
    IntroductionRole,
    Proposal,
)
from schemas.organizations import Contact, OrganizationSummary

__all__ = [
    "EXPIRED_OR_STATUS",
    "INTRODUCTION_SQL",
    "Side",
    "introduction_event",
    "introduction_sql",
    "introduction_view",
    "visible_row",
]

EXPIRED_OR_STATUS = (
    "CASE WHEN i.status = 'requested' AND i.expires_at <= now() THEN 'expired' ELSE i.status END"
)
"""An unanswered request past its end is expired at once, whether or not the expiry job has run."""


def _party_columns(alias: str) -> str:
    return f"""{alias}.name AS {alias}_name, {alias}.kind AS {alias}_kind, {alias}.country AS {alias}_country,
       ({alias}.verified_by IS NOT NULL) AS {alias}_verified, {alias}.contact AS {alias}_contact,
       {alias}.member_of AS {alias}_chamber"""


_SELECT = f"""
SELECT i.id, i.seq, i.listing_id, i.from_listing_id, i.requester_id, i.recipient_id, i.requested_by,
       {EXPIRED_OR_STATUS} AS status, i.message, i.proposal, i.decline_reason, i.decline_note,
       i.outcome, i.outcome_by, i.created_at, i.expires_at, i.answered_at, i.closed_at, i.updated_at,
       l.side AS listing_side, l.title AS listing_title, l.hs_code AS listing_hs_code,
       {_party_columns("rq")},
       {_party_columns("rc")}
FROM introductions i
JOIN listings l ON l.id = i.listing_id
JOIN organizations rq ON rq.id = i.requester_id
JOIN organizations rc ON rc.id = i.recipient_id
"""


def introduction_sql(where: str, tail: str = "") -> str:
    """The introduction rows ``where`` names (over ``i``, ``l`` its listing, ``rq`` the requester
    and ``rc`` the recipient), then ``tail`` (ORDER BY, LIMIT, a lock)."""
    return f"{_SELECT}WHERE {where}\n{tail}"


INTRODUCTION_SQL = introduction_sql("i.id = $1")


class Side(msgspec.Struct, frozen=True):
    """One side of an introduction: the organization, and the chamber that may act for it."""

    organization_id: UUID
    chamber_id: UUID | None

    def acts_for(self, organization_id: UUID | None) -> bool:
        return organization_id is not None and organization_id in (self.organization_id, self.chamber_id)


def sides(row: asyncpg.Record) -> tuple[Side, Side]:
    """(requester, recipient)."""
    return Side(row["requester_id"], row["rq_chamber"]), Side(row["recipient_id"], row["rc_chamber"])


def visible_row(row: asyncpg.Record | None, caller: Caller, introduction_id: UUID) -> asyncpg.Record:
    """The row, if ``caller`` is one of the two sides, one of their chambers or the admin; 404
    for everyone else, so an introduction's existence never leaks."""
    if row is not None and (caller.is_admin or any(s.acts_for(caller.organization_id) for s in sides(row))):
        return row
    raise NotFound(f"no introduction with id {introduction_id}")


def _party(row: asyncpg.Record, alias: str, organization_id: UUID, shared: bool) -> IntroductionParty:
    summary = OrganizationSummary(
        id=organization_id,
        name=row[f"{alias}_name"],
        kind=row[f"{alias}_kind"],
        country=row[f"{alias}_country"],
        verified=row[f"{alias}_verified"],
    )
    contact = msgspec.convert(row[f"{alias}_contact"], Contact) if shared else None
    return IntroductionParty(organization=summary, contact=contact)


def introduction_view(row: asyncpg.Record, viewer: UUID | None) -> Introduction:
    """The introduction as a viewer allowed to see it sees it: contact details once accepted."""
    shared = row["status"] == "accepted"
    role: IntroductionRole | None = (
        "sent" if viewer == row["requester_id"] else "received" if viewer == row["recipient_id"] else None
    )
    return Introduction(
        id=row["id"],
        status=row["status"],
        role=role,
        listing=IntroductionListing(
            id=row["listing_id"],
            side=row["listing_side"],
            title=row["listing_title"],
            hs_code=row["listing_hs_code"],
        ),
        from_listing_id=row["from_listing_id"],
        requester=_party(row, "rq", row["requester_id"], shared),
        recipient=_party(row, "rc", row["recipient_id"], shared),
        requested_by=row["requested_by"],
        message=row["message"],
        proposal=None if row["proposal"] is None else msgspec.convert(row["proposal"], Proposal),
        decline_reason=row["decline_reason"],
        decline_note=row["decline_note"],
        outcome=row["outcome"],
        outcome_by=row["outcome_by"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        answered_at=row["answered_at"],
        closed_at=row["closed_at"],
        updated_at=row["updated_at"],
    )


EXCERPT = 500
"""Characters of a message an event (and the email made from it) carries."""


def introduction_event(row: asyncpg.Record, told: UUID, **extra: Any) -> dict[str, Any]:
    """The data of an ``introduction.*`` event for ``told``, one of the two sides: what happened,
    about which listing, with whom. Never contact details."""
    other = "rc" if told == row["requester_id"] else "rq"
    other_id = row["recipient_id"] if other == "rc" else row["requester_id"]
    return {
        "introduction_id": row["id"],
        "listing_id": row["listing_id"],
        "listing_title": row["listing_title"],
        "status": row["status"],
        "counterpart": {"id": other_id, "name": row[f"{other}_name"], "country": row[f"{other}_country"]},
        **extra,
    }
