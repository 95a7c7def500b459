"""HTTP: /v1/introductions."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import asyncpg
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from market.access import requires
from market.auth import Caller
from market.cursors import CURSOR_PATTERN
from market.examples import DeclineBody, IntroductionBody, MessageBody, OutcomeBody
from market.introductions import conversation, service
from market.introductions.inbox import read_introductions
from market.listings.service import acting_organization
from market.params import not_null
from market.problems import problem_responses
from market.settings import Settings
from schemas.introductions import (
    Decline,
    Introduction,
    IntroductionCreate,
    IntroductionMessage,
    IntroductionMessageCreate,
    IntroductionMessages,
    IntroductionOutcome,
    IntroductionPage,
    IntroductionRole,
    IntroductionStatus,
)

__all__ = ["IntroductionController"]

Cursor = Annotated[
    str | None,
    QueryParameter(
        max_length=18,
        pattern=CURSOR_PATTERN,
        description="next_cursor of the previous page",
        schema_extra=not_null(str),
    ),
]
ROLES = ("sent", "received")
STATUSES = ("requested", "accepted", "declined", "withdrawn", "expired")


class IntroductionController(Controller):
    path = "/v1/introductions"
    tags = ["introductions"]

    @post(
        "/",
        operation_id="requestIntroduction",
        status_code=201,
        responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
        **requires("listings:write", organization=True),
    )
    async def create(
        self,
        data: IntroductionBody[IntroductionCreate],
        caller_organization: NamedDependency[UUID],
        connection: NamedDependency[asyncpg.Connection],
        settings: NamedDependency[Settings],
    ) -> Introduction:
        """Ask to be introduced to the owner of an active listing. Contact details are exchanged
        only if the owner accepts. At most 10 new requests a day (50 once your chamber has
        verified you): 429 with Retry-After beyond that."""
        return await service.create_introduction(connection, caller_organization, data, settings)

    @get(
        "/",
        operation_id="listIntroductions",
        responses=problem_responses(400, 401, 403, 422),
        **requires("read", organization=True),
    )
    async def inbox(
        self,
        caller_organization: NamedDependency[UUID],
        connection: NamedDependency[asyncpg.Connection],
        role: Annotated[
            IntroductionRole | None,
            QueryParameter(
                description="sent or received; both when left out", schema_extra=not_null(str, enum=ROLES)
            ),
        ] = None,
        status: Annotated[
            IntroductionStatus | None, QueryParameter(schema_extra=not_null(str, enum=STATUSES))
        ] = None,
        on_behalf_of: Annotated[
            UUID | None,
            QueryParameter(
                description="For a chamber: a member's introductions", schema_extra=not_null(UUID)
            ),
        ] = None,
        cursor: Cursor = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
    ) -> IntroductionPage:
        """Your introductions, newest first: those you sent, those you received, or both."""
        organization = await acting_organization(connection, caller_organization, on_behalf_of)
        return await read_introductions(
            connection, organization, role=role, status=status, cursor=cursor, limit=limit
        )

    @get(
        "/{introduction_id:uuid}",
        operation_id="getIntroduction",
        responses=problem_responses(400, 401, 403, 404),
        **requires("read"),
    )
    async def get_one(
        self,
        introduction_id: FromPath[UUID],
        caller: NamedDependency[Caller],
        connection: NamedDependency[asyncpg.Connection],
    ) -> Introduction:
        """One introduction, for its two sides, their chambers and the platform admin (404 for
        everyone else). Once accepted it carries both sides' contact details."""
        return await service.get_introduction(connection, caller, introduction_id)

    @post(
        "/{introduction_id:uuid}/accept",
        operation_id="acceptIntroduction",
        status_code=200,
        responses=problem_responses(400, 401, 403, 404, 409),
        **requires("listings:write", organization=True),
    )
    async def accept(
        self,
        introduction_id: FromPath[UUID],
        caller: NamedDependency[Caller],
        connection: NamedDependency[asyncpg.Connection],
    ) -> Introduction:
        """Accept a request about your listing: both sides see each other's contact details and
        can exchange messages. 409 names the current state if it is no longer waiting."""
        return await service.answer(connection, caller, introduction_id, "accept")

    @post(
        "/{introduction_id:uuid}/decline",
        operation_id="declineIntroduction",
        status_code=200,
        responses=problem_responses(400, 401, 403, 404, 409, 413),
        **requires("listings:write", organization=True),
    )
    async def decline(
        self,
        introduction_id: FromPath[UUID],
        data: DeclineBody[Decline],
        caller: NamedDependency[Caller],
        connection: NamedDependency[asyncpg.Connection],
    ) -> Introduction:
        """Decline a request about your listing, with a reason; the requester may not ask about
        the same listing again for 30 days."""
        return await service.answer(connection, caller, introduction_id, "decline", data)

    @post(
        "/{introduction_id:uuid}/withdraw",
        operation_id="withdrawIntroduction",
        status_code=200,
        responses=problem_responses(400, 401, 403, 404, 409),
        **requires("listings:write", organization=True),
    )
    async def withdraw(
        self,
        introduction_id: FromPath[UUID],
        caller: NamedDependency[Caller],
        connection: NamedDependency[asyncpg.Connection],
    ) -> Introduction:
        """Withdraw a request you sent that is still waiting for an answer."""
        return await service.answer(connection, caller, introduction_id, "withdraw")

    @post(
        "/{introduction_id:uuid}/messages",
        operation_id="postIntroductionMessage",
        status_code=201,
        responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
        **requires("listings:write", organization=True),
    )
    async def post_message(
        self,
        introduction_id: FromPath[UUID],
        data: MessageBody[IntroductionMessageCreate],
        caller: NamedDependency[Caller],
        connection: NamedDependency[asyncpg.Connection],
        settings: NamedDependency[Settings],
    ) -> IntroductionMessage:
        """Write to the other side of an accepted introduction, optionally with a quote."""
        return await conversation.post_message(connection, caller, introduction_id, data, settings)

    @get(
        "/{introduction_id:uuid}/messages",
        operation_id="listIntroductionMessages",
        responses=problem_responses(400, 401, 403, 404, 422),
        **requires("read"),
    )
    async def messages(
        self,
        introduction_id: FromPath[UUID],
        caller: NamedDependency[Caller],
        connection: NamedDependency[asyncpg.Connection],
        cursor: Cursor = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 50,
    ) -> IntroductionMessages:
        """An introduction's messages, oldest first."""
        return await conversation.list_messages(
            connection, caller, introduction_id, cursor=cursor, limit=limit
        )

    @post(
        "/{introduction_id:uuid}/outcome",
        operation_id="recordIntroductionOutcome",
        status_code=200,
        responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
        **requires("listings:write", organization=True),
    )
    async def outcome(
        self,
        introduction_id: FromPath[UUID],
        data: OutcomeBody[IntroductionOutcome],
        caller: NamedDependency[Caller],
        connection: NamedDependency[asyncpg.Connection],
    ) -> Introduction:
        """Say what came of an accepted introduction: ``deal`` or ``no_deal`` (once)."""
        return await conversation.record_outcome(connection, caller, introduction_id, data)
