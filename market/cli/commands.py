"""market's own commands, each at module level; ``COMMANDS`` lists them in the order help shows.

Each resolves its settings with ``market.runtime`` (embedded services in dev when URLs are unset)
and runs its work there; nothing here imports the app or a controller until ``dev`` or ``run``
serves it.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec
import rich_click as click
import structlog
from rich.console import Console

from market.db import connect
from market.glossary import search_terms
from market.loops import loops_help
from market.runtime import (
    WORKER_MEILI_TIMEOUT,
    migrate,
    open_pool,
    open_resources,
    prepare_indexes,
    resolved_settings,
    running_loops,
)
from market.settings import Settings, get_settings
from search.rebuild import rebuild_listings

if TYPE_CHECKING:
    from market.listings.lifecycle import LifecyclePass

__all__ = ["COMMANDS", "console"]

log = structlog.get_logger(name=__name__)
console = Console(stderr=True)


async def load_demo_data(settings: Settings) -> str:
    """Load the demo data; say what was created."""
    from market.demo import load_demo

    assert settings.database_url
    conn = await connect(settings.database_url)
    try:
        made = await load_demo(conn)
    finally:
        await conn.close()
    return (
        f"demo data: {made.organizations} organization(s), {made.listings} listing(s) and "
        f"{made.introductions} introduction(s) created"
    )


async def expire_listings(settings: Settings) -> LifecyclePass:
    from market.listings.lifecycle import ListingLifecycle

    async with open_pool(settings) as pool:
        return await ListingLifecycle(pool).run_once()


async def reindex(settings: Settings, batch_size: int) -> int:
    async with open_resources(settings, meili_timeout=WORKER_MEILI_TIMEOUT) as resources:
        return await rebuild_listings(
            resources.pool,
            resources.meili,
            settings.listings_index,
            terms_for=search_terms,
            batch_size=batch_size,
            console=console,
        )


async def run_worker(settings: Settings) -> None:
    async with open_resources(settings, meili_timeout=WORKER_MEILI_TIMEOUT) as resources:
        await prepare_indexes(settings, resources.meili)
        async with running_loops(resources) as loops:
            # SIGTERM (docker stop, systemd) and SIGINT stop the loops between batches: a batch in
            # flight rolls back and its outbox rows stay for the next worker.
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, loops.cancel)
            with contextlib.suppress(asyncio.CancelledError):
                await loops
    log.info("worker stopped")


@click.group(name="db")
def db_group() -> None:
    """PostgreSQL schema: `db migrate`."""


@db_group.command(name="migrate")
def db_migrate() -> None:
    """Apply pending SQL migrations."""
    with resolved_settings(get_settings(), search=False) as settings:
        applied = asyncio.run(migrate(settings))
    console.print(f"applied {len(applied)} migration(s): {', '.join(applied) or 'none pending'}")


@click.group(name="search")
def search_group() -> None:
    """Meilisearch indexes: `search reindex`."""


@search_group.command(name="reindex")
@click.option("--batch-size", default=5000, show_default=True, help="Listings per indexing task.")
def search_reindex(batch_size: int) -> None:
    """Rebuild the listings index from PostgreSQL into a new index, then swap it in."""
    with resolved_settings(get_settings()) as settings:
        count = asyncio.run(reindex(settings, batch_size))
    console.print(f"reindexed {count} listing(s) into {settings.listings_index}")


@click.command(
    name="worker",
    short_help="Run the background loops in a process of their own.",
    help="Run the background loops in a process of their own (set MARKET_RUN_INDEXER=false on "
    "the API, which runs them otherwise). SIGTERM or Ctrl-C stops them between batches.\n\n" + loops_help(),
)
def worker() -> None:
    with resolved_settings(get_settings()) as settings, contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_worker(settings))


@click.group(name="listings")
def listings_group() -> None:
    """Listing housekeeping: `listings expire`."""


@listings_group.command(name="expire")
def listings_expire() -> None:
    """Run one expiry pass: expire listings past their end date, warn those ending within 7 days."""
    with resolved_settings(get_settings(), search=False) as settings:
        done = asyncio.run(expire_listings(settings))
    console.print(f"expired {done.expired} listing(s); warned about {done.warned} ending within 7 days")


@click.group(name="demo")
def demo_group() -> None:
    """Demo data: `demo load`."""


@demo_group.command(name="load")
def demo_load() -> None:
    """Load the Central Asian demo organizations, listings and introductions (skips what exists)."""
    with resolved_settings(get_settings(), search=False) as settings:
        console.print(asyncio.run(load_demo_data(settings)))


@click.group(name="docs")
def docs_group() -> None:
    """The interactive API docs at /docs, and the files of the web pages."""


@docs_group.command(name="fetch")
def docs_fetch() -> None:
    """Fetch the pinned Swagger UI and htmx files with npm and check them (once; then offline)."""
    from market.assets import AssetError
    from market.docs_ui import ensure_swagger_ui
    from market.web.assets import ensure_htmx

    try:
        console.print(f"Swagger UI files in {ensure_swagger_ui(get_settings())}")
        console.print(f"htmx in {ensure_htmx(get_settings())}")
    except AssetError as exc:
        raise click.ClickException(str(exc)) from None


@click.command(name="import")
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
    with resolved_settings(get_settings(), search=False) as settings:
        assert settings.database_url
        try:
            summary, rejects_path = run_import(settings.database_url, request, console)
        except ImportFileError as exc:
            raise click.UsageError(str(exc)) from None
    console.print(summary.report(rejects_path))
    if strict and summary.failed:
        raise SystemExit(1)


@click.command(name="dev")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--no-demo", is_flag=True, help="Do not load the demo data.")
@click.option("--no-loopback-webhooks", is_flag=True, help="Refuse webhooks to 127.0.0.1 as production does.")
def dev(host: str, port: int, no_demo: bool, no_loopback_webhooks: bool) -> None:
    """Start services, migrate, load demo data and serve: what `make run` does."""
    from market.app import create_app
    from market.server import listen, serve

    sock = listen(host, port)  # before anything starts: a taken port is the first thing said
    with contextlib.closing(sock), resolved_settings(get_settings()) as settings:
        if not no_loopback_webhooks:
            # Webhooks are tried out with a receiver on the same machine (README, docs/webhooks.md).
            settings = msgspec.structs.replace(settings, webhook_allow_loopback=True)
        asyncio.run(migrate(settings))
        fetch_docs_ui(settings)
        if not no_demo:
            console.print(asyncio.run(load_demo_data(settings)))
        console.print(
            f"\n[bold]market[/bold] on http://{host}:{port}  (API docs: http://{host}:{port}/docs)\n"
            f"admin token: {settings.admin_token}\n"
            f"PostgreSQL:  {settings.database_url}\nMeilisearch: {settings.meili_url}\n"
            "Ctrl-C stops the server and the services it started.\n"
        )
        with contextlib.suppress(KeyboardInterrupt):  # a second Ctrl-C while shutting down
            serve(create_app(settings), settings, sock)
        console.print("stopped; the services started for this run are stopping too")


@click.command(name="run")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
def run(host: str, port: int) -> None:
    """Serve the API with uvicorn, one process (production: docs/deployment.md)."""
    from market.app import create_app
    from market.server import listen, serve

    sock = listen(host, port)
    # In dev without URLs, the services are found or started here, not in the app's lifespan
    # (whose event loop the embedded services' set-up cannot run in).
    with resolved_settings(get_settings()) as settings:
        serve(create_app(settings), settings, sock)


def fetch_docs_ui(settings: Settings) -> None:
    """Fetch the pinned Swagger UI and htmx once, before serving; without them only /docs is
    missing, and the pages work without htmx, so go on."""
    from market.assets import AssetError
    from market.docs_ui import ensure_swagger_ui
    from market.web.assets import ensure_htmx

    try:
        ensure_swagger_ui(settings)
    except AssetError as exc:
        console.print(f"[yellow]/docs will answer 503:[/yellow] {exc}")
    try:
        ensure_htmx(settings)
    except AssetError as exc:
        console.print(f"[yellow]the pages will work without htmx:[/yellow] {exc}")


COMMANDS: list[click.Command] = [
    dev,
    run,
    db_group,
    demo_group,
    docs_group,
    import_listings,
    listings_group,
    search_group,
    worker,
]
"""market's own commands, in the order its help lists them."""
