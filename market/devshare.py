"""Embedded services shared by every process that runs on one state dir.

``market dev`` and the commands run next to it (``market search reindex``, ``market db migrate``,
``market import`` ...) need the same PostgreSQL and Meilisearch. Whoever comes first starts a
service and writes its record (``<name>.json`` in the state dir: the service's process and
port, and the processes using it); the others find it there and join. Each user leaves when it
is done, and the last one stops the service. A service whose users are all gone (their run was
killed) is stale: only then may a newcomer stop it. Processes are named by pid *and* start time,
so a pid the kernel handed to someone else since is not taken for a live user.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

import msgspec

__all__ = ["DevStackError", "ProcessId", "ServiceRecord", "SharedService", "process_alive"]


class DevStackError(RuntimeError):
    """An embedded service could not be provided; the message says what to do."""


class ProcessId(msgspec.Struct, frozen=True, array_like=True):
    """A process: its pid and when it started (clock ticks since boot), which a reused pid lacks."""

    pid: int
    started: int

    @classmethod
    def of(cls, pid: int) -> ProcessId | None:
        """The process running as ``pid`` now, or None if there is none (or only a zombie)."""
        fields = _stat_fields(pid)
        if fields is None or fields[0] == "Z":
            return None
        return cls(pid, int(fields[19]))

    @classmethod
    def current(cls) -> ProcessId:
        found = cls.of(os.getpid())
        assert found is not None
        return found

    def alive(self) -> bool:
        return ProcessId.of(self.pid) == self


def _stat_fields(pid: int) -> list[str] | None:
    """/proc/PID/stat after the command name (which may hold spaces): state, ppid, ... starttime."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[-1].split()


def process_alive(pid: int) -> bool:
    """Running, as opposed to gone or a zombie waiting for its parent to reap it."""
    return ProcessId.of(pid) is not None


class ServiceRecord(msgspec.Struct, kw_only=True):
    """What the state dir says about one service: its process (if it has one of ours), its port,
    and who uses it."""

    process: ProcessId | None = None
    port: int | None = None
    users: list[ProcessId] = msgspec.field(default_factory=list)

    def live_users(self, *, besides: ProcessId | None = None) -> list[ProcessId]:
        return [user for user in self.users if user != besides and user.alive()]


class SharedService:
    """The record of one service under ``path`` (JSON), read and changed under an exclusive lock.

    ``held()`` takes the lock (``flock`` on ``<path>.lock``: the kernel drops it when its holder
    dies, so a killed run never leaves it taken) and yields the record with dead users dropped;
    ``save`` and ``clear`` write it back before the lock is let go.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextlib.contextmanager
    def held(self) -> Iterator[ServiceRecord]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_suffix(".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                record = self._read()
                record.users = record.live_users()
                yield record
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _read(self) -> ServiceRecord:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return ServiceRecord()
        try:
            return msgspec.json.decode(raw, type=ServiceRecord)
        except msgspec.DecodeError:
            return ServiceRecord()  # a half-written or foreign file says nothing anyone relies on

    def save(self, record: ServiceRecord) -> None:
        partial = self.path.with_suffix(".partial")
        partial.write_bytes(msgspec.json.encode(record))
        partial.replace(self.path)

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)
