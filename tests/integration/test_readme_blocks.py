"""Every shell block of README.md runs as pasted, in order, in one bash session, against a fresh
``market dev`` (what ``make run`` starts). Only what a test must change is rewritten: the
server's address and the port of the example webhook receiver. A block that cannot run here
(``make run`` itself) is marked ``<!-- not-run: why -->`` on the line before it."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from litestar import Litestar

from market.settings import Settings
from market.testing import free_port
from tests.live import dev_environment, serve_dev, start_process

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
FENCE = re.compile(r"^```(?P<lang>[^\n`]*)\n(?P<body>.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
NOT_RUN = re.compile(r"^<!--\s*not-run:(?P<reason>.*?)-->\s*$")
SHELL = frozenset({"sh", "bash"})
NOT_COMMANDS = frozenset({"", "json"})  # the layout drawing, an error body
MAX_NOT_RUN = 2
SERVER = "http://127.0.0.1:8000"  # where `make run` serves
RECEIVER_PORT = re.compile(r"\b8001\b")  # where the README's webhook receiver listens
BLOCKS_TIMEOUT = 240.0
# Every curl of the README must succeed: an HTTP error fails the block, showing the problem body.
PRELUDE = 'set -euo pipefail\ncurl() { command curl --fail-with-body --show-error "$@"; }\n'


@dataclass(frozen=True)
class Block:
    """A fenced block: the line its fence opens on, its language, its text, and the reason it is
    not run (None when it is run)."""

    line: int
    lang: str
    body: str
    not_run: str | None


def readme_blocks(text: str) -> list[Block]:
    blocks = []
    for fence in FENCE.finditer(text):
        before = text[: fence.start()].rstrip("\n").rpartition("\n")[2]
        marker = NOT_RUN.match(before)
        blocks.append(
            Block(
                line=text.count("\n", 0, fence.start()) + 1,
                lang=fence["lang"].strip(),
                body=fence["body"],
                not_run=marker["reason"].strip() if marker else None,
            )
        )
    return blocks


def test_every_block_is_run_or_says_why_not() -> None:
    blocks = readme_blocks(README.read_text())
    unknown = [(b.line, b.lang) for b in blocks if b.lang not in SHELL | NOT_COMMANDS]
    assert not unknown, f"label shell blocks sh or bash (others are not run): {unknown}"
    marked_others = [b.line for b in blocks if b.not_run is not None and b.lang not in SHELL]
    assert not marked_others, f"not-run marks a block that is never run anyway: lines {marked_others}"
    not_run = [b for b in blocks if b.lang in SHELL and b.not_run is not None]
    assert all(b.not_run for b in not_run), [b.line for b in not_run if not b.not_run]
    assert len(not_run) <= MAX_NOT_RUN, [(b.line, b.not_run) for b in not_run]
    assert len([b for b in blocks if b.lang in SHELL and b.not_run is None]) >= 5


def test_the_parser_sees_marks_and_languages() -> None:
    """The checks above rest on the parser: it must see a mark, and only on the line before."""
    text = (
        "intro\n<!-- not-run: starts a server -->\n```sh\nmake run\n```\n\n"
        "```bash\nls\n```\n```json\n{}\n```\n"
    )
    blocks = readme_blocks(text)
    assert [(b.line, b.lang, b.body, b.not_run) for b in blocks] == [
        (3, "sh", "make run\n", "starts a server"),
        (7, "bash", "ls\n", None),
        (10, "json", "{}\n", None),
    ]


def script_of(blocks: list[Block], server_url: str, receiver_port: int) -> str:
    """One bash script: the blocks to run, each announced on a line of its own (JSON answers end
    without a newline) by its README line."""
    parts = [PRELUDE]
    for block in blocks:
        body = RECEIVER_PORT.sub(str(receiver_port), block.body.replace(SERVER, server_url))
        parts.append(f"printf '\\n>>> README.md line {block.line}\\n' >&2\n{body}")
    parts.append("printf '\\n>>> README.md done\\n' >&2\n")
    return "\n".join(parts)


def stop_session(session: subprocess.Popen[bytes]) -> None:
    """Stop the session's group: bash if it still runs, and the webhook receiver it left running
    (``stop_process_groups`` leaves a group alone once its leader has exited)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(session.pid, signal.SIGTERM)
    session.wait()


async def test_readme_blocks_run_as_pasted_on_a_fresh_dev_server(
    app: Litestar, settings: Settings, tmp_path: Path
) -> None:
    """``app`` is asked for so the session's teardown drops the indexes ``market dev`` fills."""
    runnable = [b for b in readme_blocks(README.read_text()) if b.lang in SHELL and b.not_run is None]
    joined = "".join(b.body for b in runnable)
    assert SERVER in joined and RECEIVER_PORT.search(joined), "the addresses this test rewrites moved"
    # The repository's directory as a user has it, with the state `make run` leaves: its own
    # .market/ (admin token) and the .venv the suite runs from.
    (tmp_path / ".venv").symlink_to(Path(sys.executable).parents[1])
    (tmp_path / "docs").symlink_to(ROOT / "docs")
    async with serve_dev(settings, tmp_path) as server:
        script = tmp_path / "readme.sh"
        script.write_text(script_of(runnable, server.base_url, free_port()))
        output = tmp_path / "readme.out"
        session = start_process(["bash", str(script)], tmp_path, dev_environment(settings), output)
        try:
            returncode = await asyncio.to_thread(session.wait, BLOCKS_TIMEOUT)
        except subprocess.TimeoutExpired:
            returncode = None
        finally:
            stop_session(session)
    text = output.read_text(errors="replace")
    reached = re.findall(r"^>>> README.md (.+)$", text, re.MULTILINE)
    where = reached[-1] if reached else "before the first block"
    assert returncode == 0, (
        f"the README's blocks stopped at {where} (exit {returncode}):\n{text[-4000:]}\n"
        f"--- market dev:\n{server.log_tail(40)}"
    )
    assert reached == [f"line {b.line}" for b in runnable] + ["done"]
    assert "match.created" in text and "3 created, 0 updated, 0 rejected" in text, text[-3000:]
