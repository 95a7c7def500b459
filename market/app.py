"""The composition root: ``create_app()`` and the plugin that wires lifespan and CLI."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

import structlog
from litestar import Litestar
from litestar.config.app import AppConfig
from litestar.datastructures import State
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins import InitPluginProtocol, ReceiveRoutePlugin
from litestar.plugins.htmx import HTMXConfig, HTMXPlugin
from litestar.routes import BaseRoute
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from market.access import declare_security, scope_guard
from market.alerts.controller import AlertController
from market.allow import allow_every_method
from market.commodities.controller import CommodityController
from market.contract import ContractConfig, complete_route
from market.deps import dependencies
from market.docs_ui import SwaggerUI
from market.gate import gate
from market.geography.controller import PlaceController
from market.health import health, ready
from market.idempotency import idempotency
from market.introductions.controller import IntroductionController
from market.listings.controller import ListingController
from market.listings.lifecycle_controller import LifecycleController
from market.logging import configure_logging
from market.matching.controller import MatchController, match_inbox
from market.organizations.controller import OrganizationController
from market.params import refuse_null_for_absent
from market.problems import exception_handlers, status_of
from market.ratelimit import Budgets
from market.routes.controller import RouteController
from market.routes.network import load_network
from market.runtime import open_resources, prepare_indexes, resolved_settings, running_loops
from market.settings import Settings, get_settings
from market.strict_body import StrictBodyRequest
from market.web.errors import page_exception_handlers
from market.web.rendering import template_config
from market.web.secret import web_secret
from market.web.wiring import web_routers
from market.webhooks.controller import WebhookController

__all__ = ["MarketPlugin", "create_app"]

log = structlog.get_logger(name="market.access")

OPENAPI_PATH = "/schema"
"""Where Litestar serves the OpenAPI document (``/schema/openapi.json``); the docs UI is /docs."""


def access_log(app: ASGIApp) -> ASGIApp:
    """One structured line per request: method, path, status, duration. Never headers or bodies."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        started = time.perf_counter()
        status: int | None = None

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await app(scope, receive, send_wrapper)
        except BaseException as exc:  # raised in a middleware: the app answers it after this line
            status = status_of(exc) if status is None else status
            raise
        finally:
            log.info(
                "request",
                method=scope.get("method"),
                path=scope["path"],
                status=500 if status is None else status,
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
            )

    return middleware


@contextlib.asynccontextmanager
async def lifespan(app: Litestar) -> AsyncIterator[None]:
    state: State = app.state
    services = contextlib.ExitStack()
    # In a thread: starting the embedded services (dev without URLs) runs an event loop of its own.
    settings = await asyncio.to_thread(services.enter_context, resolved_settings(state.settings))
    try:
        state.settings = settings
        async with open_resources(settings) as resources, contextlib.AsyncExitStack() as loops:
            state.pool, state.meili, state.search_reader = resources.pool, resources.meili, resources.reader
            await prepare_indexes(settings, resources.meili)
            # The gazetteer and the route network, read now rather than in the first request
            # that needs them (a few hundred milliseconds that would block the event loop).
            await asyncio.to_thread(load_network)
            if settings.run_indexer:
                await loops.enter_async_context(running_loops(resources))
            yield
    finally:
        # Not awaited: a shutdown that is being cancelled must still stop the services it started.
        services.close()


class MarketPlugin(InitPluginProtocol, ReceiveRoutePlugin):
    """Wires routes, dependencies, error mapping, OpenAPI and the lifespan (the CLI is ``market.cli``)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config.route_handlers.extend(
            [
                OrganizationController,
                IntroductionController,
                PlaceController,
                ListingController,
                LifecycleController,
                AlertController,
                CommodityController,
                RouteController,
                MatchController,
                WebhookController,
                match_inbox,
                health,
                ready,
                *SwaggerUI(self.settings, openapi_url=f"{OPENAPI_PATH}/openapi.json").route_handlers(),
                *web_routers(self.settings, web_secret(self.settings)),
            ]
        )
        budgets = Budgets.from_settings(self.settings)
        app_config.dependencies.update(dependencies)
        # One mapping of errors to statuses (market.problems); on a web page's path, shown as a page.
        app_config.exception_handlers.update(page_exception_handlers(exception_handlers))
        app_config.template_config = template_config()
        app_config.lifespan.append(lifespan)
        app_config.middleware.extend([access_log, allow_every_method, gate(budgets), idempotency])
        app_config.guards.append(scope_guard)
        app_config.state.update({"settings": self.settings, "budgets": budgets})
        app_config.request_class = StrictBodyRequest
        app_config.before_request = refuse_null_for_absent
        app_config.openapi_config = ContractConfig(
            title="market",
            version="1.0.0",
            description=(
                "Cross-border trade matchmaking for Central Asia: export offers, import demands, "
                "HS-coded search. Errors are RFC 9457 application/problem+json."
            ),
            path=OPENAPI_PATH,
            use_handler_docstrings=True,
            # The docs UI is /docs (market.docs_ui), served from pinned local files; /schema
            # itself serves the document only.
            render_plugins=[JsonRenderPlugin()],
            components=Components(
                security_schemes={
                    "ApiKey": SecurityScheme(
                        type="http",
                        scheme="bearer",
                        description="An organization API key (mk_...) or the admin token",
                    )
                }
            ),
        )
        return app_config

    def receive_route(self, route: BaseRoute) -> None:
        declare_security(route)
        complete_route(route)


def create_app(settings: Settings | None = None) -> Litestar:
    """Build the app. No I/O happens here: services are reached in the lifespan."""
    settings = settings or get_settings()
    configure_logging(settings.log_level, settings.log_format)
    # logging_config=None: our structlog setup stays in charge (Litestar's default would replace it).
    return Litestar(
        plugins=[HTMXPlugin(HTMXConfig(set_request_class_globally=False)), MarketPlugin(settings)],
        debug=False,
        logging_config=None,
        request_max_body_size=settings.max_body_bytes,
    )
