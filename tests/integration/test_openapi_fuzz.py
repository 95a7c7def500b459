"""Fuzzing from the published OpenAPI schema: every operation, against a real server.

The app runs under uvicorn in a subprocess on a free loopback port, on the suite's PostgreSQL
and Meilisearch (the way the benchmarks start it). Schemathesis generates requests from the
schema, valid and invalid (examples, boundary values, then random data), and each operation is
fuzzed twice: with a chamber of commerce's API key and anonymously. Every answer must not be a
server error, and must keep to the document in every way Schemathesis checks: status code,
content type, body and headers; data that breaks the schema refused and data that fits it
accepted; required headers; 405 with Allow for an undocumented method, and Allow on OPTIONS
listing the path's methods; no resource answering after it was deleted or missing right after it
was created; authentication the document asks for enforced.

One check is narrowed where it cannot judge (``checks_for``): negative_data_rejection on the
batch endpoint, which answers 200 with an error per bad item by design.

Ids in paths are replaced by real ones (the chamber's own organization, a listing of its own)
whenever the generated value is a well-formed UUID, so that the handlers behind the 404 are
reached too.

Run it alone with ``pytest -m fuzz``; it also runs in the plain ``pytest``.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import hypothesis
import pytest
import schemathesis
from litestar import Litestar
from schemathesis import Case, SerializationContext
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    allow_header_conformance,
    content_type_conformance,
    ensure_resource_availability,
    ignored_auth,
    missing_required_header,
    negative_data_rejection,
    object_level_authorization,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
    use_after_free,
)

from market.app import MarketPlugin
from market.idempotency import IDEMPOTENCY_KEY, KEY_PATTERN
from market.settings import Settings
from tests.helpers import create_organization, offer_body
from tests.live import serve

__all__: list[str] = []

pytestmark = pytest.mark.fuzz

MAX_EXAMPLES = 20
MAX_WORKFLOWS = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    missing_required_header,
    unsupported_method,
    allow_header_conformance,
    use_after_free,
    ensure_resource_availability,
    ignored_auth,
    object_level_authorization,
]


def checks_for(case: Case) -> list[Any]:
    operation = case.operation.definition.raw
    left_out: list[Any] = []
    if operation.get("operationId") == "createListingsBatch":
        left_out.append(negative_data_rejection)
    return [check for check in CHECKS if check not in left_out]


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
        use_a_fresh_idempotency_key(case)


def use_a_fresh_idempotency_key(case: Case) -> None:
    """A fresh Idempotency-Key where the generated one is well-formed: a client never reuses a key
    for another request, and the server rightly refuses that with 422."""
    headers = case.headers
    key = headers.get(IDEMPOTENCY_KEY) if headers is not None else None
    if headers is not None and isinstance(key, str) and re.search(KEY_PATTERN, key):
        headers[IDEMPOTENCY_KEY] = str(uuid.uuid4())


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
            org = await create_organization(http, settings.admin_token, kind="chamber")
            key, own = org.key, org.headers
            listings = [await http.post("/v1/listings", json=offer_body(), headers=own) for _ in range(2)]
            assert all(listing.status_code == 201 for listing in listings), [x.text for x in listings]
        yield LiveServer(
            base_url=server.base_url,
            key=key,
            organization_id=org.id,
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
            "checks": {
                # What a JSON Schema cannot state: a rule across fields or against stored data
                # (an HS code in the nomenclature, a place the gazetteer knows, on_behalf_of a
                # member) is 422, and an If-Match naming another version is 412. Both name the
                # field and the fix; valid-looking data can meet them.
                "positive_data_acceptance": {
                    "expected-statuses": [
                        "2xx",
                        "3xx",
                        "401",
                        "403",
                        "404",
                        "409",
                        "412",
                        "422",
                        "429",
                        "5xx",
                    ]
                },
                # A change without If-Match is 428 Precondition Required (RFC 6585), not a 400.
                "missing_required_header": {
                    "expected-statuses": ["400", "401", "403", "406", "415", "422", "428"]
                },
            },
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
        checks=checks_for(case),
        timeout=30,
    )


@schema.parametrize()
def test_operation_anonymously(case: Case, live_server: LiveServer) -> None:
    live_server.use_real_ids(case)
    case.call_and_validate(base_url=live_server.base_url, checks=checks_for(case), timeout=30)


def test_workflows_of_linked_operations(live_server: LiveServer) -> None:
    """Sequences of calls that feed one answer's ids into the next request (Schemathesis infers
    the links from the document): only a sequence lets use_after_free and
    ensure_resource_availability judge, and the other checks run on every step too."""

    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        def before_call(self, case: Case) -> None:
            use_a_fresh_idempotency_key(case)  # ids stay: they come from earlier answers

        def get_call_kwargs(self, case: Case) -> dict[str, Any]:
            auth = {"Authorization": f"Bearer {live_server.key}"}
            return {"base_url": live_server.base_url, "headers": auth, "timeout": 30}

        def validate_response(
            self, response: Any, case: Case, additional_checks: Any = None, **kwargs: Any
        ) -> None:
            case.validate_response(
                response, checks=checks_for(case), transport_kwargs=kwargs or None, recorder=self.recorder
            )

    Workflow.run(
        settings=hypothesis.settings(
            max_examples=MAX_WORKFLOWS,
            stateful_step_count=6,
            deadline=None,
            database=None,
            derandomize=bool(os.environ.get("CI")),
            suppress_health_check=list(hypothesis.HealthCheck),
        )
    )
