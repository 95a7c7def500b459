"""``market import FILE``: listings from a CSV or NDJSON file, in chunks through ``write_batch``.

Rows that cannot be read (``market.listings.import_files``) are rejected and never reach the
database; every other row goes through the same batch path as ``POST /v1/listings/batch``, each
one atomic on its own. Rejects are written chunk by chunk in the input's line order, whichever
stage refused a row (reading, checking, the database), one record per field error.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from uuid import UUID

import asyncpg
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn

from market.auth import Caller
from market.db import create_pool
from market.listings.batch import MAX_BATCH, write_batch
from market.listings.import_files import ImportFileError, Row, column_for, format_of, read_csv, read_ndjson
from market.listings.rejects import RejectsWriter, check_rejects_path, rejects_path_for
from schemas.common import FieldError

__all__ = [
    "ImportFileError",
    "ImportRequest",
    "ImportSummary",
    "Rejects",
    "acting_caller",
    "import_rows",
    "run_import",
]


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


class Rejects(Protocol):
    """Where rejected rows go: a rejects file (``RejectsWriter``), or a table a page shows."""

    def add(self, line: int, external_ref: str | None, field: str, message: str) -> None: ...


async def import_rows(
    pool: asyncpg.Pool,
    caller: Caller,
    rows: Iterable[Row],
    rejects: Rejects,
    *,
    csv_fields: bool,
    batch_size: int = MAX_BATCH,
    on_rows: Callable[[int], None] = lambda _n: None,
) -> ImportSummary:
    """Write the rows in chunks of ``batch_size`` (unreadable rows count towards a chunk but are
    not sent); ``csv_fields`` names errors by CSV column. Rejects come out in the rows' order."""
    summary = ImportSummary()
    started = time.perf_counter()
    name: Callable[[str], str] = column_for if csv_fields else (lambda f: "" if f == "body" else f)
    chunk: list[Row] = []

    async def flush() -> None:
        readable = [row.item for row in chunk if row.item is not None]
        results = iter(await write_batch(pool, caller, readable) if readable else [])
        for row in chunk:  # write_batch answers in input order: zip it back with the readable rows
            if row.item is None:
                summary.failed += 1
                for field, message in row.errors:
                    rejects.add(row.line, row.external_ref, field, message)
                continue
            result = next(results)
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
    check_rejects_path(rejects_path, request.source)
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
