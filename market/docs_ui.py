"""``/docs``: Swagger UI served from a pinned local copy, so the page works with no network.

The files come from the npm package swagger-ui-dist, checked against its published integrity
(``market.assets``) and kept in ``MARKET_DOCS_UI_DIR`` (default: under the state directory).
``market dev`` (``make run``) and the test suite fetch them before they start, if missing; a
production image fetches them at build time with ``market docs fetch``. The app itself never
fetches: without the files ``/docs`` answers 503 saying what to run.

The page references nothing but this origin: its script is a file, not inline, so it runs
under the strict Content-Security-Policy it is sent with.

Litestar's ``SwaggerRenderPlugin`` takes local ``js_url``/``css_url`` values, but its page
embeds the schema in an inline script (refused by ``script-src 'self'``), loads its favicon
from a CDN and cannot set response headers; hence a page of our own.
"""

from __future__ import annotations

import html
from importlib.resources import files as package_files
from pathlib import Path

from litestar import MediaType, Response, get
from litestar.datastructures import CacheControlHeader
from litestar.handlers import HTTPRouteHandler
from litestar.router import Router
from litestar.static_files import create_static_files_router

from market.assets import NpmFiles, ensure_npm_files, files_dir, is_installed
from market.errors import ServiceUnavailable
from market.settings import Settings

__all__ = [
    "ASSETS_PATH",
    "DOCS_CSP",
    "SWAGGER_UI_FILES",
    "SwaggerUI",
    "ensure_swagger_ui",
    "swagger_ui_dir",
]

SWAGGER_UI_VERSION = "5.35.0"
SWAGGER_UI_FILES = NpmFiles(
    spec=f"swagger-ui-dist@{SWAGGER_UI_VERSION}",
    integrity=(
        "sha512-U06rpMtW9V3XPGOBeamTUSr0Z09jMX4IJuANpE/EZbAhw0G8CgwrzU4YmXkn/h0wCDNsXdGarTNNHC3sU8yVUQ=="
    ),
    members={
        f"package/{name}": name
        for name in ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png", "LICENSE", "NOTICE")
    },
    why="the Swagger UI of /docs",
)
"""What ``/docs`` needs of swagger-ui-dist (Apache-2.0: its LICENSE and NOTICE go along)."""

ASSETS_PATH = f"/docs/swagger-ui-{SWAGGER_UI_VERSION}"
"""Where the files are served. The version is in the path, so they can be cached for a year."""
SCRIPT_PATH = "/docs/docs.js"

DOCS_CSP = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",  # swagger-ui.css draws its icons as data: URLs
        "connect-src 'self'",  # the schema, and "Try it out"
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)
"""The page's policy: nothing from another origin, no inline script or style."""

_SCRIPT = package_files("market").joinpath("static/docs.js").read_bytes()


def swagger_ui_dir(settings: Settings) -> Path:
    """``MARKET_DOCS_UI_DIR``, else a directory named after the version under the state directory."""
    return files_dir(settings.docs_ui_dir, settings.state_path, f"swagger-ui-{SWAGGER_UI_VERSION}")


def ensure_swagger_ui(settings: Settings) -> Path:
    """The directory of the Swagger UI files, fetched with npm if they are not there yet."""
    return ensure_npm_files(SWAGGER_UI_FILES, swagger_ui_dir(settings))


class SwaggerUI:
    """The ``/docs`` page, its script and the pinned Swagger UI files, as route handlers."""

    def __init__(self, settings: Settings, *, openapi_url: str) -> None:
        self.directory = swagger_ui_dir(settings)
        self.openapi_url = openapi_url
        self._installed = False

    def installed(self) -> bool:
        """Checked until the files are there, then remembered (they are never removed under us)."""
        self._installed = self._installed or is_installed(SWAGGER_UI_FILES, self.directory)
        return self._installed

    def route_handlers(self) -> list[HTTPRouteHandler | Router]:
        return [self._page(), self._script(), self._assets()]

    def _page(self) -> HTTPRouteHandler:
        @get(
            "/docs",
            include_in_schema=False,
            sync_to_thread=False,
            cache_control=CacheControlHeader(no_cache=True),
        )
        def docs_page() -> Response[bytes]:
            if not self.installed():
                raise ServiceUnavailable(
                    f"the Swagger UI files are not installed in {self.directory.name}: run "
                    f"`market docs fetch` once with npm; the schema is at {self.openapi_url}"
                )
            return Response(
                render_page(self.openapi_url),
                media_type=MediaType.HTML,
                headers={"Content-Security-Policy": DOCS_CSP},
            )

        return docs_page

    @staticmethod
    def _script() -> HTTPRouteHandler:
        @get(
            SCRIPT_PATH,
            include_in_schema=False,
            sync_to_thread=False,
            media_type="text/javascript",
            cache_control=CacheControlHeader(no_cache=True),
        )
        def docs_script() -> bytes:
            return _SCRIPT

        return docs_script

    def _assets(self) -> Router:
        return create_static_files_router(
            path=ASSETS_PATH,
            directories=[self.directory],
            name="swagger-ui",
            cache_control=CacheControlHeader(max_age=365 * 24 * 3600, public=True, immutable=True),
        )


def render_page(openapi_url: str) -> bytes:
    """The page: the pinned stylesheet and bundle, our starter script, the schema's address."""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>market API</title>
<link rel="icon" type="image/png" href="{ASSETS_PATH}/favicon-32x32.png">
<link rel="stylesheet" href="{ASSETS_PATH}/swagger-ui.css">
<script src="{ASSETS_PATH}/swagger-ui-bundle.js" defer></script>
<script src="{SCRIPT_PATH}" defer></script>
</head>
<body>
<div id="swagger-ui" data-openapi-url="{html.escape(openapi_url)}"></div>
</body>
</html>
""".encode()
