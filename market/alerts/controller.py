"""HTTP: /v1/alerts (saved searches).

Alerts need the ``read`` scope: a saved search sees no more than search itself and changes no
listing, so a read-only key (a buyer's dashboard, a chamber's monitoring tool) may keep them.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import asyncpg
from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from market.access import requires
from market.alerts import service
from market.examples import example_body
from market.problems import problem_responses
from schemas.alerts import Alert, AlertCreate, AlertList

__all__ = ["AlertController"]

SCOPE = "read"
FLOUR_ALERT: dict[str, Any] = {
    "name": "Flour offered into Uzbekistan",
    "filters": {"side": "offer", "hs_code": "1101", "destination_country": "UZ"},
}
PLATES_NEAR_ALMATY: dict[str, Any] = {
    "name": "Ceramic tableware wanted near Almaty",
    "filters": {"q": "ceramic plates", "side": "demand", "near": "43.24,76.89,300"},
}
AlertBody = Annotated[
    AlertCreate,
    example_body(
        ("Flour offered into Uzbekistan", FLOUR_ALERT),
        ("Plates wanted near Almaty", PLATES_NEAR_ALMATY),
    ),
]


class AlertController(Controller):
    path = "/v1/alerts"
    tags = ["alerts"]

    @post(
        "/",
        operation_id="createAlert",
        responses=problem_responses(400, 401, 403, 409, 413, 422),
        status_code=201,
        **requires(SCOPE, organization=True),
    )
    async def create(
        self,
        data: AlertBody,
        caller_organization: NamedDependency[UUID],
        connection: NamedDependency[asyncpg.Connection],
    ) -> Alert:
        """Save a search: new listings of other organizations that fit it raise alert.matched."""
        return await service.create_alert(connection, caller_organization, data)

    @get(
        "/",
        operation_id="listAlerts",
        responses=problem_responses(401, 403),
        **requires(SCOPE, organization=True),
    )
    async def list_all(
        self, caller_organization: NamedDependency[UUID], connection: NamedDependency[asyncpg.Connection]
    ) -> AlertList:
        """Your saved searches, oldest first."""
        return await service.list_alerts(connection, caller_organization)

    @get(
        "/{alert_id:uuid}",
        operation_id="getAlert",
        responses=problem_responses(400, 401, 403, 404),
        **requires(SCOPE, organization=True),
    )
    async def get_one(
        self,
        alert_id: FromPath[UUID],
        caller_organization: NamedDependency[UUID],
        connection: NamedDependency[asyncpg.Connection],
    ) -> Alert:
        """One of your saved searches."""
        return await service.get_alert(connection, caller_organization, alert_id)

    @delete(
        "/{alert_id:uuid}",
        operation_id="deleteAlert",
        responses=problem_responses(400, 401, 403, 404),
        status_code=204,
        **requires(SCOPE, organization=True),
    )
    async def remove(
        self,
        alert_id: FromPath[UUID],
        caller_organization: NamedDependency[UUID],
        connection: NamedDependency[asyncpg.Connection],
    ) -> None:
        """Delete one of your saved searches: it stops raising alerts at once."""
        await service.delete_alert(connection, caller_organization, alert_id)
