"""The columns a listing write sets, and every statement that depends on their order.

``LISTING_COLUMNS`` is the one list: the single-listing INSERT and UPDATE, the batch's staging
table and its COPY, and ``row_values()`` are all built from it, once, at import. Adding a column
is one ``Column`` here (plus its migration, and the field in ``schemas/listings.py`` if clients
send it); a column clients send under the same name needs nothing more, a derived one a line in
``row_values()``. What the search index reads is declared in ``search/documents.py``.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, NamedTuple
from uuid import UUID

import msgspec

from market.code_lookups import hs_entry
from market.listings.validation import DEFAULT_LIFETIME
from market.places import location_doc
from schemas.listings import ListingCreate

__all__ = [
    "INSERT_SQL",
    "INSERT_STAGED_SQL",
    "LISTING_COLUMNS",
    "STAGE_COLUMNS",
    "STAGE_SQL",
    "STAGE_TABLE",
    "UPDATE_SQL",
    "Column",
    "insert_args",
    "listing_geo",
    "row_values",
    "staged_record",
    "update_args",
]


class Column(NamedTuple):
    """A column of ``listings`` that a write sets."""

    name: str
    pg_type: str
    """Its type in the table (the staging table declares the same, jsonb as text)."""
    from_input: bool = True
    """Copied from the ``ListingCreate`` field of this name; else the writer sets it (``id``,
    ``organization_id``, ``posted_by``) or ``row_values()`` derives it."""
    replaced: bool = True
    """Set again when the listing is changed or replaced; its id, owner and side never change."""


LISTING_COLUMNS: tuple[Column, ...] = (
    Column("id", "uuid", from_input=False, replaced=False),
    Column("organization_id", "uuid", from_input=False, replaced=False),
    Column("posted_by", "uuid", from_input=False),
    Column("side", "text", replaced=False),
    Column("status", "text"),
    Column("title", "text"),
    Column("description", "text"),
    Column("hs_code", "text"),
    Column("hs_description", "text", from_input=False),
    Column("quantity", "jsonb"),
    Column("min_order", "jsonb"),
    Column("price", "jsonb"),
    Column("incoterm", "text"),
    Column("incoterm_place", "text"),
    Column("origin", "jsonb", from_input=False),
    Column("destination", "jsonb", from_input=False),
    Column("geo_lat", "double precision", from_input=False),
    Column("geo_lon", "double precision", from_input=False),
    Column("target_countries", "text[]"),
    Column("transport_modes", "text[]"),
    Column("available_from", "date"),
    Column("available_until", "date"),
    Column("certifications", "text[]"),
    Column("expires_at", "timestamptz", from_input=False),
    Column("external_ref", "text"),
)
_INPUT_COLUMNS = tuple(c for c in LISTING_COLUMNS if c.from_input)
_REPLACED_COLUMNS = tuple(c for c in LISTING_COLUMNS if c.replaced)


def _listed(items: list[str]) -> str:
    """A comma-separated list wrapped and indented, so the generated SQL reads like written SQL."""
    # Each item kept whole: textwrap would break "price = $10" or "geo_lat double precision".
    glued = [item.replace(" ", "\0") for item in items]
    wrapped = textwrap.fill(", ".join(glued), width=96, initial_indent="    ", subsequent_indent="    ")
    return wrapped.replace("\0", " ")


_NAMES = [c.name for c in LISTING_COLUMNS]

INSERT_SQL = f"""
INSERT INTO listings (
{_listed(_NAMES)})
VALUES (
{_listed([f"${n}" for n in range(1, len(_NAMES) + 1)])})
"""
"""``INSERT INTO listings (id, organization_id, ..., external_ref) VALUES ($1, $2, ...)``,
every column in ``LISTING_COLUMNS`` order; arguments from ``insert_args()``."""

UPDATE_SQL = f"""
UPDATE listings SET
{_listed([f"{c.name} = ${n}" for n, c in enumerate(_REPLACED_COLUMNS, start=2)])},
    version = version + 1, updated_at = now()
WHERE id = $1 AND version = ${len(_REPLACED_COLUMNS) + 2}
RETURNING id
"""
"""``UPDATE listings SET posted_by = $2, status = $3, ... WHERE id = $1 AND version = $N``: the
replaced columns, if the listing is still at the version read; arguments from ``update_args()``."""

# New listings of a batch are COPYed into a per-connection staging table, then inserted in one
# statement: about 3x less PostgreSQL time per listing than one INSERT each. The staging table
# keeps jsonb columns as text (the pool's jsonb codec is text-only; COPY is binary).
STAGE_TABLE = "listing_batch"
STAGE_COLUMNS = tuple(_NAMES)
_JSON_POSITIONS = tuple(n for n, c in enumerate(LISTING_COLUMNS) if c.pg_type == "jsonb")
_STAGED_TYPES = [f"{c.name} {'text' if c.pg_type == 'jsonb' else c.pg_type}" for c in LISTING_COLUMNS]
STAGE_SQL = f"""
CREATE TEMP TABLE IF NOT EXISTS {STAGE_TABLE} (
{_listed(_STAGED_TYPES)}
) ON COMMIT DELETE ROWS
"""
INSERT_STAGED_SQL = f"""
INSERT INTO listings (
{_listed(_NAMES)})
SELECT
{_listed([f"{c.name}::jsonb" if c.pg_type == "jsonb" else c.name for c in LISTING_COLUMNS])}
FROM {STAGE_TABLE}
"""
_encode = msgspec.json.Encoder()


def _written(
    values: Mapping[str, Any], listing_id: UUID, organization_id: UUID, posted_by: UUID
) -> list[Any]:
    """Every column's value in ``LISTING_COLUMNS`` order: ``row_values()`` and the writer's three."""
    row = {**values, "id": listing_id, "organization_id": organization_id, "posted_by": posted_by}
    return [row[name] for name in _NAMES]


def insert_args(
    values: Mapping[str, Any], *, listing_id: UUID, organization_id: UUID, posted_by: UUID
) -> tuple[Any, ...]:
    """The arguments of ``INSERT_SQL`` for a new listing with ``row_values()``."""
    return tuple(_written(values, listing_id, organization_id, posted_by))


def staged_record(
    values: Mapping[str, Any], *, listing_id: UUID, organization_id: UUID, posted_by: UUID
) -> tuple[Any, ...]:
    """One record to COPY into the staging table (``STAGE_COLUMNS``), jsonb values as JSON text."""
    record = _written(values, listing_id, organization_id, posted_by)
    for n in _JSON_POSITIONS:
        if record[n] is not None:
            record[n] = _encode.encode(record[n]).decode()
    return tuple(record)


def update_args(
    values: Mapping[str, Any], *, listing_id: UUID, posted_by: UUID, version: int
) -> tuple[Any, ...]:
    """The arguments of ``UPDATE_SQL``: the listing's new ``row_values()``, who wrote them, and
    the version the listing must still have."""
    row = {**values, "posted_by": posted_by}
    return (listing_id, *(row[c.name] for c in _REPLACED_COLUMNS), version)


def listing_geo(
    side: str, origin: dict[str, Any] | None, destination: dict[str, Any] | None
) -> tuple[float | None, float | None]:
    """Where the goods are (offers) or are wanted (demands), else the other end, if placed."""
    for end in (origin, destination) if side == "offer" else (destination, origin):
        if end and end.get("place"):
            return end["place"]["lat"], end["place"]["lon"]
    return None, None


def row_values(data: ListingCreate) -> dict[str, Any]:
    """The values of a listing's row that its body decides, keyed by column name: every column
    but the three its writer sets (``id``, ``organization_id``, ``posted_by``)."""
    values = {
        c.name: msgspec.to_builtins(value) if c.pg_type == "jsonb" else value
        for c in _INPUT_COLUMNS
        for value in (getattr(data, c.name),)
    }
    entry = hs_entry(data.hs_code) if data.hs_code else None
    origin, destination = location_doc("origin", data.origin), location_doc("destination", data.destination)
    values["geo_lat"], values["geo_lon"] = listing_geo(data.side, origin, destination)
    values["hs_description"] = entry.description if entry else ""
    values["origin"], values["destination"] = origin, destination
    values["expires_at"] = data.expires_at or datetime.now(UTC) + DEFAULT_LIFETIME
    return values
