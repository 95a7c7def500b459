"""Service records: a process is named by pid and start time, and dead users drop out."""

from __future__ import annotations

import subprocess
from pathlib import Path

import msgspec

from market.devshare import ProcessId, ServiceRecord, SharedService, process_alive


def _dead_process() -> ProcessId:
    child = subprocess.Popen(["sleep", "30"])
    named = ProcessId.of(child.pid)
    child.kill()
    child.wait()
    assert named is not None
    return named


def test_a_pid_given_to_another_process_is_not_the_same_process() -> None:
    me = ProcessId.current()
    assert me.alive() and process_alive(me.pid)
    assert not ProcessId(me.pid, me.started + 1).alive(), "same pid, other start: someone else"
    dead = _dead_process()
    assert not dead.alive() and ProcessId.of(dead.pid) is None


def test_the_record_keeps_only_live_users(tmp_path: Path) -> None:
    shared = SharedService(tmp_path / "service.json")
    me, dead = ProcessId.current(), _dead_process()
    with shared.held() as record:
        assert record == ServiceRecord()
        shared.save(ServiceRecord(process=me, port=7700, users=[dead, me]))
    with shared.held() as record:
        assert (record.process, record.port, record.users) == (me, 7700, [me])
        assert record.live_users(besides=me) == []
    assert msgspec.json.decode(shared.path.read_bytes())["users"] == [
        [dead.pid, dead.started],
        [me.pid, me.started],
    ]


def test_an_unreadable_record_says_nothing(tmp_path: Path) -> None:
    shared = SharedService(tmp_path / "service.json")
    shared.path.write_text('{"users": [[1, ')
    with shared.held() as record:
        assert record == ServiceRecord()
    shared.clear()
    assert not shared.path.exists()
