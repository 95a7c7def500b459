"""``market import FILE``: listings from a CSV or NDJSON file, in chunks through ``write_batch``.

Rows that cannot be read (``market.listings.import_files``) are rejected at once and never reach
the database; every other row goes through the same batch path as ``POST /v1/listings/batch``,
each one atomic on its own. Rejects are written as they happen, one record per field error,
keyed by the input's line number.
"""

from __future__ import annotations

import asyncio
import csv
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

import asyncpg
import msgspec
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn

from market.auth import Caller
from market.db import create_pool
from market.listings.batch import MAX_BATCH, write_batch
from market.listings.import_files import (
    FORMAT_BY_SUFFIX,
    ImportFileError,
    Row,
    column_for,
    format_of,
    read_csv,
    read_ndjson,
)
from schemas.common import FieldError

__all__ = [
    "ImportFileError",
    "ImportRequest",
    "ImportSummary",
    "RejectsWriter",
    "acting_caller",
    "import_rows",
    "rejects_path_for",
    "run_import",
]


def rejects_path_for(source: Path) -> Path:
    """``listings.csv`` -> ``listings.rejects.csv``, next to the input."""
    return source.with_name(f"{source.stem if source.suffix else source.name}.rejects.csv")


class RejectsWriter:
    """Rejected rows as CSV (or NDJSON for a ``.ndjson``/``.jsonl`` path): line, external_ref,
    field, message; one record per field error, written as they come."""

    FIELDS = ("line", "external_ref", "field", "message")

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self._file = path.open("w", encoding="utf-8", newline="")
        self._ndjson = FORMAT_BY_SUFFIX.get(path.suffix.lower()) == "ndjson"
        self._csv = csv.writer(self._file)
        if not self._ndjson:
            self._csv.writerow(self.FIELDS)

    def add(self, line: int, external_ref: str | None, field: str, message: str) -> None:
        self.count += 1
        if self._ndjson:
            record = dict(zip(self.FIELDS, (line, external_ref, field, message), strict=True))
            self._file.write(msgspec.json.encode(record).decode() + "\n")
        else:
            self._csv.writerow((line, external_ref or "", field, message))

    def close(self) -> None:
        self._file.close()


@dataclass
class ImportSummary:
    """What an import did, row by row."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    failed: int = 0
    seconds: float = 0.0

    def report(self, rejects: Path) -> str:
        rate = f", {self.rows / self.seconds:,.0f} rows/s" if self.seconds else ""
        text = (
            f"{self.rows:,} row(s) in {self.seconds:.1f} s{rate}: {self.created:,} created, "
            f"{self.updated:,} updated, {self.failed:,} rejected"
        )
        return text + (f" (see {rejects})" if self.failed else "")


async def import_rows(
    pool: asyncpg.Pool,
    caller: Caller,
    rows: Iterable[Row],
    rejects: RejectsWriter,
    *,
    csv_fields: bool,
    batch_size: int = MAX_BATCH,
    on_rows: Callable[[int], None] = lambda _n: None,
) -> ImportSummary:
    """Write the rows in chunks of ``batch_size``; ``csv_fields`` names errors by CSV column."""
    summary = ImportSummary()
    started = time.perf_counter()
    name: Callable[[str], str] = column_for if csv_fields else (lambda f: "" if f == "body" else f)
    chunk: list[Row] = []

    async def flush() -> None:
        results = await write_batch(pool, caller, [row.item for row in chunk])
        for result in results:
            row = chunk[result.index]
            if result.status == "error":
                summary.failed += 1
                ref = result.external_ref or row.external_ref
                for error in result.errors or [FieldError(field="", message="rejected")]:
                    rejects.add(row.line, ref, name(error.field), error.message)
            elif result.status == "created":
                summary.created += 1
            else:
                summary.updated += 1
        summary.rows += len(chunk)
        on_rows(summary.rows)
        chunk.clear()

    for row in rows:
        if row.item is None:
            summary.rows += 1
            summary.failed += 1
            for field, message in row.errors:
                rejects.add(row.line, row.external_ref, field, message)
            continue
        chunk.append(row)
        if len(chunk) >= batch_size:
            await flush()
    if chunk:
        await flush()
    on_rows(summary.rows)
    summary.seconds = time.perf_counter() - started
    return summary


ORG_SQL = "SELECT id, kind FROM organizations WHERE id = $1"
ORG_BY_NAME_SQL = "SELECT id, kind FROM organizations WHERE name = $1 LIMIT 2"


async def acting_caller(conn: asyncpg.Connection, organization: str, *, chamber: bool) -> Caller:
    """The caller an import runs as: the named organization (id or exact name) with
    ``listings:write``; a chamber, which may also write for its members (``on_behalf_of``)."""
    try:
        rows = [await conn.fetchrow(ORG_SQL, UUID(organization))]
    except ValueError:
        rows = await conn.fetch(ORG_BY_NAME_SQL, organization)
    rows = [r for r in rows if r is not None]
    if not rows:
        raise ImportFileError(f"no organization with id or name '{organization}'")
    if len(rows) > 1:
        raise ImportFileError(f"more than one organization is named '{organization}'; give its id")
    row = rows[0]
    if chamber and row["kind"] != "chamber":
        raise ImportFileError(f"'{organization}' is not a chamber (kind: {row['kind']}); use --organization")
    return Caller(
        organization_id=row["id"], organization_kind=row["kind"], scopes=frozenset({"listings:write"})
    )


@dataclass(frozen=True)
class ImportRequest:
    """What ``market import`` was asked to do."""

    source: Path
    organization: str
    chamber: bool = False
    format: str | None = None
    rejects: Path | None = None
    batch_size: int = MAX_BATCH


def run_import(database_url: str, request: ImportRequest, console: Console) -> tuple[ImportSummary, Path]:
    """Import the file with a progress bar (bytes read, rows written); (summary, rejects path)."""
    return asyncio.run(_run_import(database_url, request, console))


async def _run_import(
    database_url: str, request: ImportRequest, console: Console
) -> tuple[ImportSummary, Path]:
    fmt = format_of(request.source, request.format)
    rejects_path = request.rejects or rejects_path_for(request.source)
    if rejects_path.resolve() == request.source.resolve():
        raise ImportFileError("the rejects file would overwrite the input: pass another --rejects PATH")
    pool = await create_pool(database_url, min_size=1, max_size=2)
    try:
        async with pool.acquire() as conn:
            caller = await acting_caller(conn, request.organization, chamber=request.chamber)
        with request.source.open("rb") as raw:
            read = 0

            def on_bytes(n: int) -> int:
                nonlocal read
                read += n
                return n

            if fmt == "csv":
                rows = read_csv(raw, chamber=request.chamber, on_bytes=on_bytes)
            else:
                rows = read_ndjson(raw, on_bytes=on_bytes)
            progress = Progress(
                TextColumn(f"importing {request.source.name}"),
                BarColumn(),
                DownloadColumn(),
                TextColumn("{task.fields[rows]:,} rows"),
                TimeElapsedColumn(),
                console=console,
            )
            rejects = RejectsWriter(rejects_path)
            try:
                with progress:
                    task = progress.add_task("import", total=os.fstat(raw.fileno()).st_size, rows=0)
                    summary = await import_rows(
                        pool,
                        caller,
                        rows,
                        rejects,
                        csv_fields=fmt == "csv",
                        batch_size=request.batch_size,
                        on_rows=lambda n: progress.update(task, completed=read, rows=n),
                    )
            finally:
                rejects.close()
    finally:
        await pool.close()
    return summary, rejects_path
