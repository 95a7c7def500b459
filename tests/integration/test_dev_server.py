"""``market dev`` (``make run``) takes webhooks to receivers on the same machine, which is how
they are tried out; ``--no-loopback-webhooks`` refuses them as production does."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from litestar import Litestar

from market.settings import Settings
from tests.helpers import create_organization
from tests.live import serve_dev

LOOPBACK_HOOK = {"url": "http://127.0.0.1:9/market-hooks", "events": ["match.created"]}


@pytest.mark.parametrize(("options", "status"), [((), 201), (("--no-loopback-webhooks",), 422)])
async def test_dev_server_takes_loopback_webhooks_unless_told_not_to(
    app: Litestar, settings: Settings, tmp_path: Path, options: tuple[str, ...], status: int
) -> None:
    async with serve_dev(settings, tmp_path, "--no-demo", *options) as server:
        admin_token = (tmp_path / ".market" / "admin_token").read_text().strip()
        async with httpx.AsyncClient(base_url=server.base_url, timeout=15) as http:
            chamber = await create_organization(http, admin_token, kind="chamber", country="UZ")
            created = await http.post("/v1/webhooks", json=LOOPBACK_HOOK, headers=chamber.headers)
    assert created.status_code == status, created.text
    if status == 422:
        assert created.headers["content-type"].startswith("application/problem+json")
        assert [e["field"] for e in created.json()["errors"]] == ["url"]
