"""OpenAPI for the batch endpoint, whose body Litestar cannot describe on its own.

The handler reads the raw body (a JSON array or NDJSON) so that one bad item is reported at its
position instead of failing the whole request; the schema still says what to send.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar.openapi.spec import (
    Example,
    OpenAPIMediaType,
    OpenAPIType,
    Operation,
    Reference,
    RequestBody,
    Schema,
)

from market.examples import FLOUR_DEMAND, UZ_PLATES_OFFER

__all__ = ["BATCH_MAX_BYTES", "BatchOperation"]

BATCH_MAX_BYTES = 8 * 1024 * 1024
"""1,000 listings of about 1 KiB each fit with room to spare."""

_ITEMS: list[dict[str, Any]] = [
    {**UZ_PLATES_OFFER, "external_ref": "RISHTAN-2026-0042"},
    {**FLOUR_DEMAND, "external_ref": "SAM-FLOUR-7"},
]


@dataclass
class BatchOperation(Operation):
    """``createListingsBatch``: a JSON array of listing bodies, or the same as NDJSON."""

    def __post_init__(self) -> None:
        item = Reference(ref="#/components/schemas/ListingCreate")
        self.request_body = RequestBody(
            required=True,
            description=(
                "Up to 1,000 listings, each shaped like the body of POST /v1/listings. An item with "
                "`external_ref` creates or replaces your listing with that reference; chambers name a "
                "member in `on_behalf_of`. Send a JSON array, or NDJSON (one listing per line) with "
                "Content-Type application/x-ndjson."
            ),
            content={
                "application/json": OpenAPIMediaType(
                    schema=Schema(type=OpenAPIType.ARRAY, items=item, max_items=1000, min_items=1),
                    examples={"two": Example(summary="An offer and a demand", value=_ITEMS)},
                ),
                "application/x-ndjson": OpenAPIMediaType(
                    schema=Schema(type=OpenAPIType.STRING, description="One JSON listing per line"),
                ),
            },
        )
