"""Many listings in one call: ``POST /v1/listings/batch`` and ``market import``.

Each item stands alone: a bad item is reported and the others are written. Items are checked in
Python first; the good ones then go to PostgreSQL in one transaction (a few statements for the
whole batch, not a few per item). Should that transaction fail (say a concurrent request took
one of the references), the good items are written again one transaction each, so one item
never takes another down with it.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import msgspec
import structlog

from market.auth import Caller
from market.errors import NESTING_MESSAGE, InvalidInput, MarketError, decode_error, too_deep
from market.events import emit_many
from market.listings import service
from market.listings.batch_body import MAX_BATCH, parse_batch_body, too_many
from market.listings.columns import (
    INSERT_STAGED_SQL,
    STAGE_COLUMNS,
    STAGE_SQL,
    STAGE_TABLE,
    UPDATE_SQL,
    row_values,
    staged_record,
    update_args,
)
from market.listings.validation import check_listing
from schemas.common import FieldError
from schemas.listings import BatchItemResult, BatchResults, ListingCreate

__all__ = [
    "MAX_BATCH",
    "Unparsable",
    "parse_batch_body",
    "summarize",
    "write_batch",
]

log = structlog.get_logger(name=__name__)

YIELD_EVERY = 50
"""Items checked (or turned into rows) between two yields to the event loop: 1,000 of the longest
items take about 0.25 s of Python, which would otherwise hold every other request that long;
50 of them take about 10 ms."""


class Unparsable(msgspec.Struct):
    """An input line or row that could not even be read as an object."""

    message: str


def summarize(results: list[BatchItemResult]) -> BatchResults:
    counts = {"created": 0, "updated": 0, "error": 0}
    for result in results:
        counts[result.status] += 1
    return BatchResults(
        results=results, created=counts["created"], updated=counts["updated"], failed=counts["error"]
    )


@dataclass
class _Item:
    index: int
    data: ListingCreate
    owner: UUID | None = None
    listing_id: UUID | None = None
    version: int | None = None  # set when the item replaces the listing with its reference


def _decode(index: int, raw: Any) -> _Item | BatchItemResult:
    """One input value as a checked ListingCreate, or the errors that name what is wrong."""
    try:
        if isinstance(raw, Unparsable):
            raise InvalidInput.field("body", raw.message)
        if isinstance(raw, bytes | msgspec.Raw):
            data = msgspec.json.decode(raw, type=ListingCreate)
        else:
            data = msgspec.convert(raw, ListingCreate)
        check_listing(data)
    except msgspec.ValidationError as exc:
        return _failed(index, raw, [decode_error(exc)])
    except msgspec.DecodeError as exc:
        return _failed(
            index, raw, [FieldError(field="body", message=f"item {index} is not valid JSON ({exc})")]
        )
    except RecursionError as exc:
        if not too_deep(exc):
            raise
        return _failed(index, raw, [FieldError(field="body", message=f"item {index}: {NESTING_MESSAGE}")])
    except MarketError as exc:
        return _failed(index, raw, exc.errors or [FieldError(field="body", message=exc.detail)])
    return _Item(index, data)


def _failed(index: int, raw: Any, errors: list[FieldError]) -> BatchItemResult:
    ref = raw.get("external_ref") if isinstance(raw, dict) else None
    return BatchItemResult(
        index=index, status="error", external_ref=ref if isinstance(ref, str) else None, errors=errors
    )


def _error(item: _Item, field: str, message: str) -> BatchItemResult:
    return BatchItemResult(
        index=item.index,
        status="error",
        external_ref=item.data.external_ref,
        errors=[FieldError(field=field, message=message)],
    )


MEMBERS_SQL = "SELECT id FROM organizations WHERE id = any($1::uuid[]) AND member_of = $2"
EXISTING_SQL = """
SELECT l.id, l.organization_id, l.external_ref, l.side, l.status, l.version
FROM listings l
JOIN unnest($1::uuid[], $2::text[]) AS wanted (organization_id, external_ref)
  ON l.organization_id = wanted.organization_id AND l.external_ref = wanted.external_ref
ORDER BY l.id
FOR UPDATE OF l
"""


async def _owners(conn: asyncpg.Connection, caller_org: UUID, items: list[_Item]) -> list[BatchItemResult]:
    """Set each item's owner (the caller, or the member it names); errors for other names."""
    named = {i.data.on_behalf_of for i in items} - {None, caller_org}
    members = {r["id"] for r in await conn.fetch(MEMBERS_SQL, list(named), caller_org)} if named else set()
    errors = []
    for item in items:
        wanted = item.data.on_behalf_of
        if wanted in (None, caller_org) or wanted in members:
            item.owner = wanted or caller_org
        else:
            message = f"{wanted} is not a member of your chamber; name one of your members"
            errors.append(_error(item, "on_behalf_of", message))
    return errors


def _duplicates(items: list[_Item]) -> list[BatchItemResult]:
    """Items sharing an owner and external_ref: none of them is written (which one is meant?)."""
    groups: dict[tuple[UUID | None, str], list[_Item]] = defaultdict(list)
    for item in items:
        if item.data.external_ref is not None:
            groups[(item.owner, item.data.external_ref)].append(item)
    errors: list[BatchItemResult] = []
    for (_, ref), group in groups.items():
        if len(group) > 1:
            where = ", ".join(str(i.index) for i in group)
            message = f"'{ref}' appears {len(group)} times in this batch (items {where}); send each once"
            errors.extend(_error(i, "external_ref", message) for i in group)
    return errors


async def _write_together(
    conn: asyncpg.Connection, caller_org: UUID, items: list[_Item]
) -> list[BatchItemResult]:
    """Write the checked items in one transaction; errors for references that cannot be replaced."""
    errors: list[BatchItemResult] = []
    async with conn.transaction():
        refs = [i for i in items if i.data.external_ref is not None]
        existing = {
            (r["organization_id"], r["external_ref"]): r
            for r in await conn.fetch(
                EXISTING_SQL, [i.owner for i in refs], [i.data.external_ref for i in refs]
            )
        }
        inserts, updates, updated, written = [], [], [], []
        for n, item in enumerate(items, start=1):
            if n % YIELD_EVERY == 0:
                await asyncio.sleep(0)
            current = existing.get((item.owner, item.data.external_ref))
            values = row_values(item.data)
            if current is None:
                item.listing_id = uuid4()
                assert item.owner is not None  # _owners set it for every item written
                inserts.append(
                    staged_record(
                        values, listing_id=item.listing_id, organization_id=item.owner, posted_by=caller_org
                    )
                )
            else:
                try:
                    service.refuse_replacement(current, item.data)
                except MarketError as exc:
                    errors.append(_error(item, *_first_error(exc)))
                    continue
                item.listing_id, item.version = current["id"], current["version"]
                updates.append(
                    update_args(
                        values, listing_id=item.listing_id, posted_by=caller_org, version=current["version"]
                    )
                )
                updated.append(item.listing_id)
            written.append(item.listing_id)
        if inserts:
            await conn.execute(STAGE_SQL)
            await conn.copy_records_to_table(STAGE_TABLE, records=inserts, columns=STAGE_COLUMNS)
            await conn.execute(INSERT_STAGED_SQL)
        if updates:
            await conn.executemany(UPDATE_SQL, updates)
        if written:
            await service.enqueue(conn, written)
        if updates:
            rows = await conn.fetch(service.VIEWS_SQL, updated)
            await emit_many(conn, [service.listing_event(row, "listing.updated") for row in rows])
    return errors


def _first_error(exc: MarketError) -> tuple[str, str]:
    if exc.errors:
        return exc.errors[0].field, exc.errors[0].message
    return "body", exc.detail


async def _write_one(conn: asyncpg.Connection, caller_org: UUID, item: _Item) -> BatchItemResult:
    """The fallback: one item, one transaction, through the single-listing service."""
    try:
        if item.data.external_ref is None:
            listing = await service.create_listing(conn, caller_org, item.data)
            created = True
        else:
            listing, created = await service.put_by_ref(conn, caller_org, item.data.external_ref, item.data)
    except MarketError as exc:
        return _error(item, *_first_error(exc))
    return BatchItemResult(
        index=item.index,
        status="created" if created else "updated",
        id=listing.id,
        external_ref=item.data.external_ref,
    )


async def write_batch(pool: asyncpg.Pool, caller: Caller, items: Sequence[Any]) -> list[BatchItemResult]:
    """Write up to MAX_BATCH listings; one result per item, in input order.

    ``items`` are decoded JSON values (objects shaped like a POST /v1/listings body), raw JSON
    bytes, or ``Unparsable`` markers for input that could not be read.
    """
    caller_org = caller.require_organization()
    if len(items) > MAX_BATCH:
        raise too_many(len(items))
    results: dict[int, BatchItemResult] = {}
    checked: list[_Item] = []
    for index, raw in enumerate(items):
        if index % YIELD_EVERY == YIELD_EVERY - 1:
            await asyncio.sleep(0)
        decoded = _decode(index, raw)
        if isinstance(decoded, _Item):
            checked.append(decoded)
        else:
            results[index] = decoded
    async with pool.acquire() as conn:
        for error in await _owners(conn, caller_org, checked):
            results[error.index] = error
        for error in _duplicates([i for i in checked if i.index not in results]):
            results[error.index] = error
        good = [i for i in checked if i.index not in results]
        try:
            errors = await _write_together(conn, caller_org, good) if good else []
        except (asyncpg.PostgresError, MarketError) as exc:
            if conn.is_closed() or isinstance(exc, asyncpg.PostgresConnectionError):
                raise  # the database went away: nothing to retry on (503, and the client retries)
            log.warning("batch written item by item", reason=type(exc).__name__, items=len(good))
            for item in good:
                results[item.index] = await _write_one(conn, caller_org, item)
        else:
            for error in errors:
                results[error.index] = error
            for item in good:
                if item.index not in results:
                    results[item.index] = BatchItemResult(
                        index=item.index,
                        status="created" if item.version is None else "updated",
                        id=item.listing_id,
                        external_ref=item.data.external_ref,
                    )
    return [results[i] for i in range(len(items))]
