"""Browser tests: Debian's Chromium, driven by Playwright, against the app served for real.

Each test gets a fresh browser context (no cookies) and, when it ends, the page's screenshot in
``.market/screenshots/`` (git-ignored), a check that the page loaded nothing from another host
and broke no rule of its Content Security Policy, and whatever it asked of axe-core.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from litestar import Litestar
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from market.assets import NpmFiles, ensure_npm_files
from market.settings import Settings
from market.testing import Server
from tests.browser.chromium import ADVICE, chromium_path
from tests.live import serve

AXE_VERSION = "4.11.0"
AXE_FILES = NpmFiles(
    spec=f"axe-core@{AXE_VERSION}",
    integrity="sha512-ilYanEU8vxxBexpJd8cWM4ElSQq4QctCLKih0TSfjIfCQTeyH/6zVrmIJfLPrKTKJRbiG+cfnZbQIjAlJmF1jQ==",
    members={"package/axe.min.js": "axe.min.js", "package/LICENSE": "LICENSE"},
    why="the accessibility checks of the browser tests",
)
SCREENSHOTS = Path(__file__).resolve().parents[2] / ".market" / "screenshots"


class Visit:
    """A browser tab on the live app, and everything it asked for and was told."""

    def __init__(self, page: Page, base_url: str, axe_source: str) -> None:
        self.page = page
        self.base_url = base_url
        self.axe_source = axe_source
        self.requests: list[str] = []
        self.console_errors: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on(
            "console",
            lambda message: self.console_errors.append(message.text) if message.type == "error" else None,
        )

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    async def accessibility_violations(self) -> list[dict[str, Any]]:
        """axe-core's serious and critical violations on the page as it is now."""
        if not await self.page.evaluate("typeof window.axe !== 'undefined'"):
            await self.page.evaluate(self.axe_source)  # not a <script>: the page's CSP stays as it is
        result = await self.page.evaluate("async () => (await axe.run(document)).violations")
        return [
            {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result
            if v["impact"] in ("serious", "critical")
        ]

    async def assert_accessible(self) -> None:
        violations = await self.accessibility_violations()
        assert not violations, f"{self.page.url}: {violations}"

    async def assert_fits(self, width: int) -> None:
        """Readable at ``width`` px: nothing wider than the viewport."""
        await self.page.set_viewport_size({"width": width, "height": 900})
        overflow = await self.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{self.page.url} is {overflow} px wider than a {width} px screen"


@pytest.fixture(scope="session")
def axe_source(settings: Settings) -> str:
    directory = ensure_npm_files(AXE_FILES, settings.state_path / f"axe-core-{AXE_VERSION}")
    return (directory / "axe.min.js").read_text()


@pytest.fixture(scope="session")
async def live(
    app: Litestar, settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Server]:
    """The app served over HTTP on the suite's services (``app`` has migrated them)."""
    async with serve(settings, tmp_path_factory.mktemp("web"), "web") as server:
        yield server


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    executable = chromium_path()
    if executable is None:
        pytest.fail(ADVICE)
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest.fixture
async def visit(
    browser: Browser, live: Server, axe_source: str, request: pytest.FixtureRequest
) -> AsyncIterator[Visit]:
    context: BrowserContext = await browser.new_context(
        viewport={"width": 1400, "height": 900}, locale="en-GB"
    )
    page = await context.new_page()
    tab = Visit(page, live.base_url, axe_source)
    try:
        yield tab
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SCREENSHOTS / f"{request.node.name}.png"), full_page=True)
        own = urlsplit(live.base_url).netloc
        foreign = [url for url in tab.requests if not url.startswith("data:") and urlsplit(url).netloc != own]
        assert not foreign, f"requests to other hosts: {foreign}"
        refused = [text for text in tab.console_errors if "Content Security Policy" in text]
        assert not refused, f"the page broke its CSP: {refused}"
    finally:
        await context.close()
