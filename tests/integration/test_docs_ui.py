"""/docs works offline: every file it loads comes from this origin, pinned and served locally."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
import msgspec
import pytest

from market.app import create_app
from market.assets import AssetError, NpmFiles, ensure_npm_files, is_installed
from market.docs_ui import DOCS_CSP, SWAGGER_UI_FILES, swagger_ui_dir
from market.settings import Settings
from market.testing import TEST_SECRET_KEY
from tests.conftest import asgi_client, running

URL_IN_CSS = re.compile(r"url\(\s*['\"]?([^'\")]*)", re.IGNORECASE)
ATTRIBUTES_WITH_URLS = {"src", "href", "action", "formaction", "poster", "data", "data-openapi-url"}


class References(HTMLParser):
    """Every URL a page names: in attributes, in inline styles, and inline scripts found."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts = 0
        self.inline_styles = 0
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.urls += [value for name, value in attrs if name in ATTRIBUTES_WITH_URLS and value]
        self.urls += URL_IN_CSS.findall(values.get("style") or "")
        self.urls += [part.split()[0] for part in (values.get("srcset") or "").split(",") if part.strip()]
        self.inline_styles += "style" in values or tag == "style"
        self._in = tag if tag in ("script", "style") else None
        if tag == "script" and "src" not in values:
            self.inline_scripts += 1

    def handle_data(self, data: str) -> None:
        if self._in == "style":
            self.urls += URL_IN_CSS.findall(data)
        if self._in == "script" and data.strip():
            self.inline_scripts += 1

    def handle_endtag(self, tag: str) -> None:
        self._in = None


def references(page: str) -> References:
    parser = References()
    parser.feed(page)
    return parser


def same_origin(url: str, page_url: str) -> bool:
    """Relative, or absolute on the page's own scheme and host (data: URLs carry no host)."""
    parts = urlsplit(urljoin(page_url, url))
    page = urlsplit(page_url)
    return parts.scheme == "data" or (parts.scheme, parts.netloc) == (page.scheme, page.netloc)


def test_the_origin_check_itself_tells_hosts_apart() -> None:
    page = "http://market.test/docs"
    assert same_origin("/docs/a.js", page) and same_origin("a.js", page)
    assert same_origin("http://market.test/x", page)
    assert not same_origin("https://cdn.jsdelivr.net/npm/swagger-ui-dist/swagger-ui.css", page)
    assert not same_origin("//cdn.jsdelivr.net/x.js", page)
    assert not same_origin("https://market.test/x", page)  # another scheme is another origin
    found = references(
        "<link href='//cdn.example/a.css'><div style=\"background: url('https://x.example/i.png')\">"
    )
    assert found.urls == ["//cdn.example/a.css", "https://x.example/i.png"] and found.inline_styles == 1


async def test_the_docs_page_references_no_other_host(client: httpx.AsyncClient) -> None:
    page = await client.get("/docs")
    assert page.status_code == 200, page.text
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    found = references(page.text)
    assert len(found.urls) >= 4, found.urls  # stylesheet, bundle, starter script, schema, icon
    assert [url for url in found.urls if not same_origin(url, str(page.url))] == []
    assert not re.search(r"https?://|//[a-z]", page.text, re.IGNORECASE), "an absolute URL in the page"


async def test_the_page_passes_its_own_strict_policy(client: httpx.AsyncClient) -> None:
    page = await client.get("/docs")
    assert page.headers["content-security-policy"] == DOCS_CSP
    policy = dict(part.strip().split(" ", 1) for part in DOCS_CSP.split(";"))
    assert policy["default-src"] == "'none'" and policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert "unsafe-inline" not in DOCS_CSP and "unsafe-eval" not in DOCS_CSP
    found = references(page.text)
    assert (found.inline_scripts, found.inline_styles) == (0, 0)


CONTENT_TYPES = {
    ".css": ("text/css",),
    ".js": ("text/javascript", "application/javascript"),
    ".png": ("image/png",),
    ".json": ("application/json", "application/vnd.oai.openapi+json"),
}


async def test_every_referenced_file_is_served_with_its_type(client: httpx.AsyncClient) -> None:
    page = await client.get("/docs")
    urls = references(page.text).urls
    assert {Path(urlsplit(url).path).suffix for url in urls} == set(CONTENT_TYPES)
    assert "/schema/openapi.json" in urls
    for url in urls:
        answer = await client.get(url)
        assert answer.status_code == 200, url
        assert answer.headers["content-type"].count("charset") <= 1, answer.headers["content-type"]
        media_type = answer.headers["content-type"].split(";")[0].strip()
        assert media_type in CONTENT_TYPES[Path(urlsplit(url).path).suffix], (url, media_type)
        if "/swagger-ui-" in url:  # pinned and versioned: the browser may keep them for a year
            assert "immutable" in answer.headers["cache-control"], url
            assert "max-age=31536000" in answer.headers["cache-control"], url


async def test_the_stylesheet_loads_nothing_from_elsewhere(client: httpx.AsyncClient) -> None:
    page = await client.get("/docs")
    stylesheet = next(url for url in references(page.text).urls if url.endswith(".css"))
    css = (await client.get(stylesheet)).text
    assert "@import" not in css
    targets = URL_IN_CSS.findall(css)
    assert targets, "swagger-ui.css draws its icons with url(data:...)"
    assert [url for url in targets if not same_origin(url, str(page.url))] == []


async def test_the_starter_script_asks_no_outside_validator(client: httpx.AsyncClient) -> None:
    page = await client.get("/docs")
    starter = next(url for url in references(page.text).urls if url.endswith("docs.js"))
    script = (await client.get(starter)).text
    assert "validatorUrl: null" in script
    assert "http" not in script.replace("validator.swagger.io", "")


@contextlib.asynccontextmanager
async def prod_client(settings: Settings, docs_ui_dir: Path) -> AsyncIterator[httpx.AsyncClient]:
    """An app as the image runs it: MARKET_ENV=prod and MARKET_DOCS_UI_DIR set."""
    prod = msgspec.structs.replace(
        settings, env="prod", docs_ui_dir=str(docs_ui_dir), secret_key=TEST_SECRET_KEY
    )
    async with running(create_app(prod), prod, drop_indexes=False) as app, asgi_client(app) as http:
        yield http


async def test_without_the_files_docs_says_how_to_get_them(settings: Settings, tmp_path: Path) -> None:
    # The page says what to run instead of serving a page without its UI (a white page).
    async with prod_client(settings, tmp_path / "none") as http:
        answer = await http.get("/docs")
        assert answer.status_code == 503
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert "market docs fetch" in answer.json()["detail"]
        assert (await http.get("/schema/openapi.json")).status_code == 200
    assert not (tmp_path / "none").exists()


async def test_a_directory_filled_at_build_time_is_served(settings: Settings, tmp_path: Path) -> None:
    shutil.copytree(swagger_ui_dir(settings), tmp_path / "ui")  # what `market docs fetch` leaves
    async with prod_client(settings, tmp_path / "ui") as http:
        assert (await http.get("/docs")).status_code == 200
        bundle = await http.get("/docs/swagger-ui-5.35.0/swagger-ui-bundle.js")
        assert (
            bundle.status_code == 200
            and bundle.content == (tmp_path / "ui/swagger-ui-bundle.js").read_bytes()
        )


def test_npm_s_download_is_refused_when_it_differs_from_the_pin(tmp_path: Path) -> None:
    wrong = NpmFiles(
        spec=SWAGGER_UI_FILES.spec, integrity="sha512-" + "A" * 86 + "==", members=SWAGGER_UI_FILES.members
    )
    with pytest.raises(AssetError, match="does not match its pinned checksum"):
        ensure_npm_files(wrong, tmp_path / "ui")
    assert not (tmp_path / "ui").exists()


def test_an_unreachable_registry_is_named_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A machine with no network and no npm cache: the error says what failed and what to do.
    monkeypatch.setenv("npm_config_registry", "http://127.0.0.1:9/")
    monkeypatch.setenv("npm_config_cache", str(tmp_path / "npm-cache"))
    monkeypatch.setenv("npm_config_fetch_retries", "0")
    with pytest.raises(AssetError, match=r"ECONNREFUSED.*registry is reachable"):
        ensure_npm_files(SWAGGER_UI_FILES, tmp_path / "ui")
    assert not (tmp_path / "ui").exists()


def market_docs_fetch(**env: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", "from market.cli import main; main()", "docs", "fetch"]
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MARKET_")}
    return subprocess.run(
        command, env={**clean, **env}, capture_output=True, text=True, timeout=120, check=False
    )


def test_the_build_step_fills_the_directory_it_is_told(tmp_path: Path) -> None:
    # The image's `RUN market docs fetch` with MARKET_DOCS_UI_DIR set.
    done = market_docs_fetch(MARKET_DOCS_UI_DIR=str(tmp_path / "ui"))
    assert done.returncode == 0, done.stderr
    assert is_installed(SWAGGER_UI_FILES, tmp_path / "ui")
    offline = market_docs_fetch(
        MARKET_DOCS_UI_DIR=str(tmp_path / "ui"), npm_config_registry="http://127.0.0.1:9/"
    )
    assert offline.returncode == 0, "files already there: nothing to fetch"
