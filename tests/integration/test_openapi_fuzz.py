"""Fuzzing from the published OpenAPI schema: every operation, against a real server.

The app runs under uvicorn in a subprocess on a free loopback port, on the suite's PostgreSQL
and Meilisearch (the way the benchmarks start it). Schemathesis generates requests from the
schema, valid and invalid (examples, boundary values, then random data), and each operation is
fuzzed twice: with a chamber of commerce's API key and anonymously. Every answer must not be a
server error, must have a status code and content type the schema documents for the operation,
and must match the documented body.

Schemathesis's negative_data_rejection check is left out: Litestar converts request data in lax
mode (a JSON number is taken for a date-time as a Unix time, "5" for the number 5), so requests
that break the schema on paper are accepted now and then, and the check would fail at random.

Ids in paths are replaced by real ones (the chamber's own organization, a listing of its own)
whenever the generated value is a well-formed UUID, so that the handlers behind the 404 are
reached too.

Run it alone with ``pytest -m fuzz``; it also runs in the plain ``pytest``.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import schemathesis
from litestar import Litestar
from schemathesis import Case, SerializationContext
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from market.app import MarketPlugin
from market.settings import Settings
from tests.conftest import offer_body
from tests.live import organization_with_key, serve

__all__: list[str] = []

pytestmark = pytest.mark.fuzz

MAX_EXAMPLES = 20
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def ndjson(_: SerializationContext, value: Any) -> bytes:
    """Batch bodies sent as NDJSON: a generated string as it is, anything else one JSON per line."""
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass")
    items = value if isinstance(value, list) else [value]
    return b"".join(json.dumps(item).encode() + b"\n" for item in items)


schemathesis.serializer("application/x-ndjson")(ndjson)


@dataclass(frozen=True)
class LiveServer:
    base_url: str
    key: str
    """The API key of a chamber of commerce: it may also act for members, so more paths are reached."""
    organization_id: str
    listing_id: str
    """The chamber's own listing, for every operation on a listing but closing it."""
    listing_to_close: str

    def use_real_ids(self, case: Case) -> None:
        """Put real ids where the generated ones are well-formed UUIDs (malformed ones stay)."""
        operation_id = case.operation.definition.raw.get("operationId")
        listing = self.listing_to_close if operation_id == "closeListing" else self.listing_id
        for name, real in (("organization_id", self.organization_id), ("listing_id", listing)):
            value = (case.path_parameters or {}).get(name)
            if isinstance(value, str) and _is_uuid(value):
                case.path_parameters[name] = real


def _is_uuid(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False


@pytest.fixture(scope="module")
async def live_server(
    app: Litestar, settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[LiveServer]:
    """The app under uvicorn, with a fresh chamber, its key and two listings of its own.

    ``app`` is asked for first: it migrates the database and prepares the indexes."""
    assert settings.admin_token
    async with serve(settings, tmp_path_factory.mktemp("fuzz"), "fuzz") as server:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as http:
            org, key = await organization_with_key(http, settings.admin_token, kind="chamber")
            own = {"Authorization": f"Bearer {key}"}
            listings = [await http.post("/v1/listings", json=offer_body(), headers=own) for _ in range(2)]
            assert all(listing.status_code == 201 for listing in listings), [x.text for x in listings]
        yield LiveServer(
            base_url=server.base_url,
            key=key,
            organization_id=org["id"],
            listing_id=listings[0].json()["id"],
            listing_to_close=listings[1].json()["id"],
        )


def published_schema() -> dict[str, Any]:
    """The schema the app serves, built in process (no services needed) so that pytest can make
    one test per operation at collection time."""
    app = Litestar(plugins=[MarketPlugin(Settings())], logging_config=None)
    return app.openapi_schema.to_schema()


PUBLISHED = published_schema()
schema = schemathesis.openapi.from_dict(
    PUBLISHED,
    config=schemathesis.Config.from_dict(
        {
            # Authorization is ours to send (a key, or none): generated credentials are only 401s.
            # Deterministic in CI, so that a red run can be replayed; fresh examples on every
            # local run, so that the fuzzing keeps looking.
            "generation": {
                "max-examples": MAX_EXAMPLES,
                "database": "none",
                "with-security-parameters": False,
                "deterministic": bool(os.environ.get("CI")),
            },
        }
    ),
)


async def test_the_server_publishes_the_schema_being_fuzzed(live_server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=live_server.base_url) as http:
        served = await http.get("/schema/openapi.json")
    assert served.status_code == 200, served.text
    assert served.json() == PUBLISHED


@schema.parametrize()
def test_operation_with_an_organization_key(case: Case, live_server: LiveServer) -> None:
    live_server.use_real_ids(case)
    case.call_and_validate(
        base_url=live_server.base_url,
        headers={"Authorization": f"Bearer {live_server.key}"},
        checks=CHECKS,
        timeout=30,
    )


@schema.parametrize()
def test_operation_anonymously(case: Case, live_server: LiveServer) -> None:
    live_server.use_real_ids(case)
    case.call_and_validate(base_url=live_server.base_url, checks=CHECKS, timeout=30)
