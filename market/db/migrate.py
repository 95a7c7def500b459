"""Apply the numbered migrations in ``migrations/`` once each, in order.

Most are SQL files. A change of data that needs the application's own rules (re-resolving every
stored place against a new gazetteer, say) is a Python module of the same numbering with an
``async def apply(conn)``; it runs in the migration's transaction like the SQL does.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from importlib import resources

import asyncpg
import structlog

__all__ = ["apply_migrations", "migration_files"]

log = structlog.get_logger(name=__name__)

_LOCK_ID = 0x6D61726B6574  # "market": one migrator at a time across processes
_CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    name text PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


Step = Callable[[asyncpg.Connection], Awaitable[None]]


def _python_step(module_name: str) -> Step:
    module = importlib.import_module(f"market.db.migrations.{module_name}")
    step: Step = module.apply
    return step


def migration_files() -> list[tuple[str, str | Step]]:
    """(name, SQL text or a Python step) of every migration, sorted by name."""
    folder = resources.files("market.db") / "migrations"
    found: list[tuple[str, str | Step]] = []
    for f in folder.iterdir():
        if f.name.endswith(".sql"):
            found.append((f.name, f.read_text("utf-8")))
        elif f.name.endswith(".py") and f.name[:4].isdigit():
            found.append((f.name, _python_step(f.name.removesuffix(".py"))))
    return sorted(found, key=lambda pair: pair[0])


async def apply_migrations(conn: asyncpg.Connection) -> list[str]:
    """Apply the migrations not yet applied; return their names."""
    applied: list[str] = []
    await conn.execute("SELECT pg_advisory_lock($1)", _LOCK_ID)
    try:
        await conn.execute(_CREATE_TABLE)
        done = {r["name"] for r in await conn.fetch("SELECT name FROM schema_migrations")}
        for name, sql in migration_files():  # sql: a file's text, or a Python step
            if name in done:
                continue
            async with conn.transaction():
                if isinstance(sql, str):
                    await conn.execute(sql)
                else:
                    await sql(conn)
                await conn.execute("INSERT INTO schema_migrations (name) VALUES ($1)", name)
            log.info("migration applied", migration=name)
            applied.append(name)
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", _LOCK_ID)
    return applied
