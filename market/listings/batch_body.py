"""Reading the body of ``POST /v1/listings/batch`` into raw items, counting them as it goes.

The 1,000-item cap is enforced while the body is read, not after: a list of 4 million tiny
items fits in the 8 MiB body limit, and decoding all of it before counting took 289 MB and
0.6 s of the event loop. A JSON array is decoded into an array-like Struct of ``MAX_BATCH``
``Raw`` fields, which msgspec refuses at item 1,001 without reading further; NDJSON lines are
counted before they are split.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

from market.errors import InvalidInput, MalformedBody, too_deep

__all__ = ["MAX_BATCH", "NDJSON_TYPES", "parse_batch_body", "too_many"]

MAX_BATCH = 1000
NDJSON_TYPES = frozenset({"application/x-ndjson", "application/jsonl", "application/json-seq"})

_ABSENT = msgspec.Raw(b"")
# Fields the array fills in order; an item is never empty, so an empty Raw is a missing one.
_BatchArray = msgspec.defstruct(
    "BatchArray",
    [(f"item_{n}", msgspec.Raw, _ABSENT) for n in range(MAX_BATCH)],
    array_like=True,
    forbid_unknown_fields=True,
)
_ARRAY_START = re.compile(rb"\s*\[")
_NON_BLANK_LINE = re.compile(rb"\S[^\r\n]*")


def too_many(count: int | None = None) -> InvalidInput:
    """The refusal of a batch over the cap (its size when known, else only that it is over)."""
    size = f"got {count}" if count is not None else "this one has more"
    return InvalidInput.field("body", f"send at most {MAX_BATCH} listings per batch ({size}); split it")


def parse_batch_body(body: bytes, content_type: str) -> list[Any]:
    """A JSON array, or NDJSON (one listing per line), as raw items for ``write_batch``.

    NDJSON lines stay raw: a broken line is reported as an error at its position (blank lines
    are skipped) and the others are still written; a body that is not an array is refused whole.
    """
    items = _ndjson_lines(body) if content_type in NDJSON_TYPES else _array_items(body)
    if not items:
        raise InvalidInput.field("body", "the batch is empty; send at least one listing")
    return items


def _ndjson_lines(body: bytes) -> list[Any]:
    for count, _ in enumerate(_NON_BLANK_LINE.finditer(body), start=1):
        if count > MAX_BATCH:
            raise too_many()
    return [line for line in body.splitlines() if line.strip()]


def _array_items(body: bytes) -> list[Any]:
    try:
        array = msgspec.json.decode(body, type=_BatchArray)
    except RecursionError as exc:
        if not too_deep(exc):
            raise
        raise MalformedBody.nested() from None
    except msgspec.ValidationError as exc:
        # Every field takes any JSON value, so an array fails only by being too long.
        if _ARRAY_START.match(body):
            raise too_many() from None
        raise _not_an_array(exc) from None
    except msgspec.DecodeError as exc:
        raise _not_an_array(exc) from None
    return [item for item in msgspec.structs.astuple(array) if item is not _ABSENT]


def _not_an_array(exc: Exception) -> InvalidInput:
    return InvalidInput.field(
        "body", f"send a JSON array of listings, or NDJSON with Content-Type application/x-ndjson ({exc})"
    )
