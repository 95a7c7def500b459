"""`market --help` and `market worker --help`, as a newcomer sees them (the console script run as a
process): market's description and commands come first, and the worker names what it runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from market.cli import MARKET_COMMANDS
from market.loops import BACKGROUND_LOOPS

MARKET = str(Path(sys.executable).with_name("market"))


def _help(*command: str) -> list[str]:
    env = {**os.environ, "COLUMNS": "100"}
    done = subprocess.run(
        [MARKET, *command, "--help"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "XDG_RUNTIME_DIR" not in done.stderr and "Warning" not in done.stderr, done.stderr
    return [line.strip(" │") for line in done.stdout.splitlines() if line.strip(" │")]


def test_market_help_opens_with_market_and_its_commands() -> None:
    lines = _help()
    assert lines[0].startswith("Usage: market ")
    assert lines[1].startswith("Cross-border trade matchmaking for Central Asia")
    text = "\n".join(lines)
    assert "Litestar CLI" not in text and "sessions" not in text
    # The first panel is market's commands, dev first, before Litestar's and before the options.
    panels = [line for line in lines if line.startswith("╭─")]
    assert [p.strip("╭─╮ ") for p in panels] == ["Commands", "Litestar", "Options"]
    first = lines.index(panels[0]) + 1
    names = [line.split()[0] for line in lines[first:] if not line.startswith(("╰", "╭"))]
    listed = [name for name in names if name in MARKET_COMMANDS]
    assert names[0] == "dev" and listed[: len(MARKET_COMMANDS)] == MARKET_COMMANDS


def test_worker_help_lists_every_loop_it_runs() -> None:
    lines = _help("worker")
    assert lines[0].startswith("Usage: market worker")
    text = "\n".join(lines)
    assert "outbox indexer on its own" not in text
    for loop in BACKGROUND_LOOPS:
        assert f"- {loop.name}: {loop.does}" in text
