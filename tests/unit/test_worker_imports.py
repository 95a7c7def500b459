"""The worker's side of the code (the CLI, the loops, start-up) imports no HTTP controller."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys, market.cli, market.loops, market.runtime
ours = [m for m in sys.modules if m.startswith("market.")]
print(sorted(m for m in ours if m.endswith("controller") or m == "market.app"))
"""


def test_the_cli_and_the_loops_import_no_controller_and_no_app() -> None:
    loaded = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]", loaded.stdout


COMMAND_PROBE = """
import sys
from click.testing import CliRunner
from market.cli import market
result = CliRunner().invoke(market, ["worker", "--help"])
assert result.exit_code == 0, result.output
ours = [m for m in sys.modules if m.startswith("market.")]
print(sorted(m for m in ours if m.endswith("controller") or m == "market.app"))
"""


def test_running_a_market_command_does_not_build_the_app() -> None:
    """Litestar's own root group loads the app for every command; market's loads it only for
    Litestar's commands (info, routes, schema)."""
    loaded = subprocess.run([sys.executable, "-c", COMMAND_PROBE], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]", loaded.stdout
