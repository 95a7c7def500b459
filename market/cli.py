"""The ``market`` command: Litestar's CLI plus db, search, worker, demo and dev commands."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import asyncpg
import click
import msgspec
import structlog
from meilisearch_python_sdk import AsyncClient
from rich.console import Console

from market.db import apply_migrations, connect, create_pool
from market.devstack import dev_admin_token, provide_services
from market.loops import LoopResources, loops_help, start_loops
from market.runtime import prepare_indexes
from market.settings import Settings, get_settings
from search.client import meili_client

if TYPE_CHECKING:
    from market.listings.lifecycle import LifecyclePass

__all__ = ["MARKET_COMMANDS", "clients", "main", "migrate", "register_commands"]

log = structlog.get_logger(name=__name__)
console = Console(stderr=True)


@contextlib.contextmanager
def backends(settings: Settings, *, search: bool = True) -> Iterator[Settings]:
    """Settings with service URLs filled in, starting embedded services in dev when unset.

    ``search=False`` is for commands that only touch PostgreSQL.
    """
    with provide_services(settings, search=search) as services:
        admin_token = settings.admin_token
        if admin_token is None and settings.env == "dev":
            admin_token = dev_admin_token(settings)
        yield msgspec.structs.replace(
            settings,
            database_url=services.database_url,
            meili_url=services.meili_url or None,
            meili_api_key=services.meili_api_key,
            admin_token=admin_token,
        )


@contextlib.asynccontextmanager
async def clients(settings: Settings) -> AsyncIterator[tuple[asyncpg.Pool, AsyncClient]]:
    assert settings.database_url and settings.meili_url
    # Each background loop keeps one connection to LISTEN on and takes another to work.
    pool = await create_pool(settings.database_url, min_size=1, max_size=10)
    meili = meili_client(settings.meili_url, settings.meili_api_key, timeout=60)
    try:
        yield pool, meili
    finally:
        await meili.aclose()
        await pool.close()


async def migrate(settings: Settings) -> list[str]:
    assert settings.database_url
    conn = await connect(settings.database_url)
    try:
        return await apply_migrations(conn)
    finally:
        await conn.close()


async def load_demo_data(settings: Settings) -> tuple[int, int]:
    from market.demo import load_demo

    assert settings.database_url
    conn = await connect(settings.database_url)
    try:
        return await load_demo(conn)
    finally:
        await conn.close()


async def expire_listings(settings: Settings) -> LifecyclePass:
    from market.listings.lifecycle import ListingLifecycle

    assert settings.database_url
    pool = await create_pool(settings.database_url, min_size=1, max_size=2)
    try:
        return await ListingLifecycle(pool).run_once()
    finally:
        await pool.close()


async def run_worker(settings: Settings) -> None:
    from search.client import SearchReader

    async with clients(settings) as (pool, meili):
        await prepare_indexes(settings, meili)
        reader = SearchReader(settings.meili_url or "", settings.meili_api_key)
        resources = LoopResources(pool, meili, reader, settings, failpoint=settings.failpoint)
        task = asyncio.gather(*start_loops(resources))
        # SIGTERM (docker stop, systemd) and SIGINT stop the loop between batches: a batch in
        # flight rolls back and its outbox rows stay for the next worker.
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, task.cancel)
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await reader.close()
        log.info("worker stopped")


def register_commands(cli: click.Group) -> None:
    """Add market's own command groups to the Litestar CLI."""

    @cli.group(name="db")
    def db_group() -> None:
        """PostgreSQL schema: `db migrate`."""

    @db_group.command(name="migrate")
    def db_migrate() -> None:
        """Apply pending SQL migrations."""
        with backends(get_settings(), search=False) as settings:
            applied = asyncio.run(migrate(settings))
        console.print(f"applied {len(applied)} migration(s): {', '.join(applied) or 'none pending'}")

    @cli.group(name="search")
    def search_group() -> None:
        """Meilisearch indexes: `search reindex`."""

    @search_group.command(name="reindex")
    @click.option("--batch-size", default=5000, show_default=True, help="Listings per indexing task.")
    def search_reindex(batch_size: int) -> None:
        """Rebuild the listings index from PostgreSQL into a new index, then swap it in."""
        from market.reindex import reindex

        with backends(get_settings()) as settings:
            count = asyncio.run(reindex(settings, batch_size=batch_size, console=console))
        console.print(f"reindexed {count} listing(s) into {settings.listings_index}")

    @cli.command(
        name="worker",
        short_help="Run the background loops in a process of their own.",
        help="Run the background loops in a process of their own (set MARKET_RUN_INDEXER=false on "
        "the API, which runs them otherwise). SIGTERM or Ctrl-C stops them between batches.\n\n"
        + loops_help(),
    )
    def worker() -> None:
        with backends(get_settings()) as settings, contextlib.suppress(KeyboardInterrupt):
            asyncio.run(run_worker(settings))

    @cli.group(name="listings")
    def listings_group() -> None:
        """Listing housekeeping: `listings expire`."""

    @listings_group.command(name="expire")
    def listings_expire() -> None:
        """Run one expiry pass: expire listings past their end date, warn those ending within 7 days."""
        with backends(get_settings(), search=False) as settings:
            done = asyncio.run(expire_listings(settings))
        console.print(f"expired {done.expired} listing(s); warned about {done.warned} ending within 7 days")

    @cli.group(name="demo")
    def demo_group() -> None:
        """Demo data: `demo load`."""

    @demo_group.command(name="load")
    def demo_load() -> None:
        """Load the Central Asian demo organizations and listings (skips what exists)."""
        with backends(get_settings(), search=False) as settings:
            orgs, listings = asyncio.run(load_demo_data(settings))
        console.print(f"demo data: {orgs} organization(s) and {listings} listing(s) created")

    @cli.group(name="docs")
    def docs_group() -> None:
        """The interactive API docs at /docs."""

    @docs_group.command(name="fetch")
    def docs_fetch() -> None:
        """Fetch the pinned Swagger UI files with npm and check them (once; /docs then works offline)."""
        from market.assets import AssetError
        from market.docs_ui import ensure_swagger_ui

        try:
            directory = ensure_swagger_ui(get_settings())
        except AssetError as exc:
            raise click.ClickException(str(exc)) from None
        console.print(f"Swagger UI files in {directory}")

    @cli.command(name="import")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--organization", metavar="ORG", help="Whose listings these are: an id or exact name.")
    @click.option("--chamber", metavar="ORG", help="A chamber importing for its members (on_behalf_of).")
    @click.option("--format", "file_format", type=click.Choice(["csv", "ndjson"]), help="Default: by suffix")
    @click.option(
        "--rejects",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Where rejected rows go, written only if any (default: FILE.rejects.csv).",
    )
    @click.option("--batch-size", default=1000, show_default=True, type=click.IntRange(1, 1000))
    @click.option("--strict", is_flag=True, help="Exit with status 1 if any row was rejected.")
    def import_listings(
        file: Path,
        organization: str | None,
        chamber: str | None,
        file_format: str | None,
        rejects: Path | None,
        batch_size: int,
        strict: bool,
    ) -> None:
        """Import listings from a CSV or NDJSON file through the batch path (docs/import.md)."""
        from market.listings.importer import ImportFileError, ImportRequest, run_import

        if (organization is None) == (chamber is None):
            raise click.UsageError("name exactly one of --organization ORG or --chamber ORG")
        request = ImportRequest(
            file, organization or chamber or "", chamber is not None, file_format, rejects, batch_size
        )
        with backends(get_settings(), search=False) as settings:
            assert settings.database_url
            try:
                summary, rejects_path = run_import(settings.database_url, request, console)
            except ImportFileError as exc:
                raise click.UsageError(str(exc)) from None
        console.print(summary.report(rejects_path))
        if strict and summary.failed:
            raise click.exceptions.Exit(1)

    @cli.command(name="dev")
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
    @click.option("--no-demo", is_flag=True, help="Do not load the demo data.")
    @click.option(
        "--no-loopback-webhooks", is_flag=True, help="Refuse webhooks to 127.0.0.1 as production does."
    )
    def dev(host: str, port: int, no_demo: bool, no_loopback_webhooks: bool) -> None:
        """Start services, migrate, load demo data and serve: what `make run` does."""
        from market.app import create_app
        from market.server import listen, serve

        sock = listen(host, port)  # before anything starts: a taken port is the first thing said
        with contextlib.closing(sock), backends(get_settings()) as settings:
            if not no_loopback_webhooks:
                # Webhooks are tried out with a receiver on the same machine (README, docs/webhooks.md).
                settings = msgspec.structs.replace(settings, webhook_allow_loopback=True)
            asyncio.run(migrate(settings))
            fetch_docs_ui(settings)
            if not no_demo:
                orgs, listings = asyncio.run(load_demo_data(settings))
                console.print(f"demo data: {orgs} organization(s) and {listings} listing(s) created")
            console.print(
                f"\n[bold]market[/bold] on http://{host}:{port}  (docs: http://{host}:{port}/docs)\n"
                f"admin token: {settings.admin_token}\n"
                f"PostgreSQL:  {settings.database_url}\nMeilisearch: {settings.meili_url}\n"
                "Ctrl-C stops the server and the services it started.\n"
            )
            with contextlib.suppress(KeyboardInterrupt):  # a second Ctrl-C while shutting down
                serve(create_app(settings), settings, sock)
            console.print("stopped; the services started for this run are stopping too")

    @cli.command(name="run")
    @click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
    @click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
    def run(host: str, port: int) -> None:
        """Serve the API with uvicorn, one process (production: docs/deployment.md)."""
        from market.app import create_app
        from market.server import listen, serve

        sock = listen(host, port)
        # In dev without URLs, the services are found or started here, not in the app's lifespan
        # (whose event loop the embedded services' set-up cannot run in).
        with backends(get_settings()) as settings:
            serve(create_app(settings), settings, sock)


def fetch_docs_ui(settings: Settings) -> None:
    """Fetch the pinned Swagger UI once, before serving; without it only /docs is missing, so go on."""
    from market.assets import AssetError
    from market.docs_ui import ensure_swagger_ui

    try:
        ensure_swagger_ui(settings)
    except AssetError as exc:
        console.print(f"[yellow]/docs will answer 503:[/yellow] {exc}")


def _stop_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(0)


MARKET_HELP = """Cross-border trade matchmaking for Central Asia: the API, its services and its jobs.

`market dev` (what `make run` runs) starts PostgreSQL and Meilisearch under .market/, migrates,
loads the demo data and serves http://127.0.0.1:8000 (--port to change it). The other commands
use the services of a running `market dev`, or start their own; with DATABASE_URL and MEILI_URL
set (production: docs/deployment.md) they use those.
"""

MARKET_COMMANDS = ["dev", "run", "db", "demo", "import", "listings", "search", "worker"]
"""market's own commands, in the order its help lists them (`run` replaces Litestar's)."""
LITESTAR_COMMANDS = ["info", "routes", "schema", "version"]
"""The Litestar commands worth keeping."""


def market_cli() -> click.Group:
    """Litestar's CLI group, presented as `market`: market's help and commands first, then the
    Litestar commands that apply (this app keeps no server-side sessions: `sessions` goes)."""
    import rich_click
    from litestar.cli.main import litestar_group

    litestar_group.name = "market"
    litestar_group.help = MARKET_HELP
    litestar_group.commands.pop("sessions", None)
    rich_click.rich_click.COMMANDS_BEFORE_OPTIONS = True
    rich_click.rich_click.COMMAND_GROUPS["market"] = [
        {"name": "Commands", "commands": MARKET_COMMANDS},
        {"name": "Litestar", "commands": LITESTAR_COMMANDS},
    ]
    return litestar_group


def main() -> None:
    """Entry point of the ``market`` console script."""
    os.environ.setdefault("LITESTAR_APP", "market.app:create_app")
    # SIGTERM asks for a stop, and a requested stop is a success. uvicorn (`market run`) drains
    # in-flight requests and runs the lifespan shutdown, then raises the signal again: landing here,
    # that exits 0 through the `finally` blocks (embedded services stop) instead of dying by signal.
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    from market.logging import configure_logging

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)

    sys.exit(market_cli()(prog_name="market"))
