"""The ``market`` command: market's own commands (``market.cli.commands``) and a few of Litestar's.

The root group is a plain click group, so a command loads nothing it does not use: ``market
worker`` never imports the app or a controller; Litestar's ``info``, ``routes`` and ``schema``
load the app (``market.app:create_app``) when they run.
"""

from __future__ import annotations

import signal
import sys

import rich_click as click
from litestar.cli._utils import LitestarEnv
from litestar.cli.commands.core import info_command, routes_command, version_command
from litestar.cli.commands.schema import schema_group

from market.cli.commands import COMMANDS
from market.logging import configure_logging
from market.settings import get_settings

__all__ = ["LITESTAR_COMMANDS", "MARKET_COMMANDS", "main", "market"]

APP_PATH = "market.app:create_app"

MARKET_COMMANDS = [command.name or "" for command in COMMANDS]
"""market's own commands, in the order its help lists them."""
LITESTAR_COMMANDS = ["info", "routes", "schema", "version"]
"""The Litestar commands worth keeping (this app keeps no server-side sessions, and `run` is
market's own)."""

click.rich_click.COMMANDS_BEFORE_OPTIONS = True
click.rich_click.COMMAND_GROUPS["market"] = [
    {"name": "Commands", "commands": MARKET_COMMANDS},
    {"name": "Litestar", "commands": LITESTAR_COMMANDS},
]


@click.group(name="market", context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def market(ctx: click.Context) -> None:
    """Cross-border trade matchmaking for Central Asia: the API, its services and its jobs.

    `market dev` (what `make run` runs) starts PostgreSQL and Meilisearch under .market/, migrates,
    loads the demo data and serves http://127.0.0.1:8000 (--port to change it). The other commands
    use the services of a running `market dev`, or start their own; with DATABASE_URL and MEILI_URL
    set (production: docs/deployment.md) they use those.
    """
    # Litestar's commands ask for the app through ctx.obj; it is built only if one of them runs.
    ctx.obj = lambda: LitestarEnv.from_env(APP_PATH)


for command in [*COMMANDS, info_command, routes_command, schema_group, version_command]:
    market.add_command(command)


def _stop_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(0)


def main() -> None:
    """Entry point of the ``market`` console script."""
    # SIGTERM asks for a stop, and a requested stop is a success. uvicorn (`market run`) drains
    # in-flight requests and runs the lifespan shutdown, then raises the signal again: landing here,
    # that exits 0 through the `finally` blocks (embedded services stop) instead of dying by signal.
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    sys.exit(market(prog_name="market"))
