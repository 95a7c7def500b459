"""The files the web pages load: our stylesheet and script (in the package) and htmx.

htmx comes from the npm package ``htmx.org``, pinned by version and by the integrity npm
publishes, and fetched once like the Swagger UI files (``market.assets``) into
``MARKET_WEB_ASSETS_DIR`` (default: under the state directory). ``make run`` and the test suite
fetch it before they start; a production image at build time (``market docs fetch``). The pages
work without it (plain links and forms): htmx only makes them quicker.
"""

from __future__ import annotations

from pathlib import Path

from litestar.datastructures import CacheControlHeader
from litestar.router import Router
from litestar.static_files import create_static_files_router

from market.access import STATIC_PREFIX
from market.assets import NpmFiles, ensure_npm_files, files_dir
from market.settings import Settings

__all__ = [
    "HTMX_FILES",
    "HTMX_PATH",
    "HTMX_VERSION",
    "SCRIPT_PATH",
    "STYLE_PATH",
    "ensure_htmx",
    "htmx_dir",
    "static_routers",
]

HTMX_VERSION = "2.0.11"
HTMX_FILES = NpmFiles(
    spec=f"htmx.org@{HTMX_VERSION}",
    integrity="sha512-Thx/WtpeOQqSrqBCw/A1cwGJGg4UrVa3+sW0GmrM3p4gJgO89ecH4qtbnyzDDWFvBTqjnIMCgELTNt636dtamA==",
    members={"package/dist/htmx.min.js": "htmx.min.js", "package/LICENSE": "LICENSE"},
    why="htmx for the web pages",
    otherwise="the pages work without it, only slower",
)
"""htmx (BSD Zero Clause License: its LICENSE goes along)."""

_HTMX_PREFIX = f"{STATIC_PREFIX}htmx-{HTMX_VERSION}"
HTMX_PATH = f"{_HTMX_PREFIX}/htmx.min.js"
"""The version is in the path, so the file can be cached for a year."""
_APP_PREFIX = f"{STATIC_PREFIX}app"
STYLE_PATH = f"{_APP_PREFIX}/market.css"
SCRIPT_PATH = f"{_APP_PREFIX}/market.js"


def htmx_dir(settings: Settings) -> Path:
    """``MARKET_WEB_ASSETS_DIR``, else a directory named after the version under the state directory."""
    return files_dir(settings.web_assets_dir, settings.state_path, f"htmx-{HTMX_VERSION}")


def ensure_htmx(settings: Settings) -> Path:
    """The directory of htmx, fetched with npm if it is not there yet."""
    return ensure_npm_files(HTMX_FILES, htmx_dir(settings))


def static_routers(settings: Settings) -> list[Router]:
    """``/static/``: htmx (immutable: versioned path) and our own files (revalidated)."""
    package_dir = Path(__file__).parent / "static"
    return [
        create_static_files_router(
            path=_HTMX_PREFIX,
            directories=[htmx_dir(settings)],
            name="htmx",
            include_in_schema=False,
            cache_control=CacheControlHeader(max_age=365 * 24 * 3600, public=True, immutable=True),
        ),
        create_static_files_router(
            path=_APP_PREFIX,
            directories=[package_dir],
            name="web-static",
            include_in_schema=False,
            cache_control=CacheControlHeader(no_cache=True, public=True),
        ),
    ]
