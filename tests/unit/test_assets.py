"""Pinned npm files: nothing is extracted from a tarball that does not match its integrity."""

from __future__ import annotations

import io
import tarfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from market.assets import AssetError, NpmFiles, install_npm_files, integrity_of, is_installed, npm_failure


def make_tarball(path: Path, files: dict[str, bytes], *, symlink: str | None = None) -> Path:
    """A tarball laid out like an npm package: every member under ``package/``."""
    with tarfile.open(path, "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        if symlink is not None:
            link = tarfile.TarInfo(f"package/{symlink}")
            link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
            tar.addfile(link)
    return path


def pinned(tarball: Path, *names: str, executables: frozenset[str] = frozenset()) -> NpmFiles:
    return NpmFiles(
        spec="example@1.0.0",
        integrity=integrity_of(tarball),
        members={f"package/{name}": name for name in names},
        executables=executables,
    )


def test_integrity_is_npm_s_sha512_in_base64(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    # `printf '' | openssl dgst -sha512 -binary | base64`
    assert integrity_of(empty) == (
        "sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg=="
    )


def test_a_tampered_tarball_is_refused_and_nothing_is_extracted(tmp_path: Path) -> None:
    good = make_tarball(tmp_path / "good.tgz", {"ui.js": b"console.log('pinned')"})
    files = pinned(good, "ui.js")
    tampered = make_tarball(tmp_path / "tampered.tgz", {"ui.js": b"fetch('https://evil.example')"})
    target = tmp_path / "ui"
    with pytest.raises(AssetError, match="does not match its pinned checksum"):
        install_npm_files(files, tampered, target)
    assert not target.exists()
    assert not is_installed(files, target)


def test_one_flipped_byte_is_enough_to_refuse(tmp_path: Path) -> None:
    tarball = make_tarball(tmp_path / "p.tgz", {"ui.css": b"body { margin: 0 }"})
    files = pinned(tarball, "ui.css")
    data = bytearray(tarball.read_bytes())
    data[-1] ^= 0x01
    tarball.write_bytes(bytes(data))
    with pytest.raises(AssetError, match="pinned checksum"):
        install_npm_files(files, tarball, tmp_path / "ui")


def test_a_matching_tarball_gives_the_chosen_members_only(tmp_path: Path) -> None:
    tarball = make_tarball(tmp_path / "p.tgz", {"ui.js": b"js", "ui.css": b"css", "index.html": b"<script>"})
    files = pinned(tarball, "ui.js", "ui.css", executables=frozenset({"ui.js"}))
    target = tmp_path / "ui"
    install_npm_files(files, tarball, target)
    assert sorted(p.name for p in target.iterdir()) == [".integrity", "ui.css", "ui.js"]
    assert (target / "ui.css").read_bytes() == b"css"
    assert (target / "ui.js").stat().st_mode & 0o777 == 0o755
    assert (target / "ui.css").stat().st_mode & 0o777 == 0o644
    assert is_installed(files, target)


def test_a_missing_file_or_another_pin_means_not_installed(tmp_path: Path) -> None:
    tarball = make_tarball(tmp_path / "p.tgz", {"a": b"1", "b": b"2"})
    files = pinned(tarball, "a", "b")
    target = tmp_path / "ui"
    install_npm_files(files, tarball, target)
    (target / "b").unlink()
    assert not is_installed(files, target)
    install_npm_files(files, tarball, target)
    other = NpmFiles(spec="example@1.0.1", integrity="sha512-other", members=files.members)
    assert not is_installed(other, target)


def test_a_member_the_package_lacks_is_named(tmp_path: Path) -> None:
    tarball = make_tarball(tmp_path / "p.tgz", {"a": b"1"})
    with pytest.raises(AssetError, match=r"has no package/missing\.js"):
        install_npm_files(pinned(tarball, "missing.js"), tarball, tmp_path / "ui")


def test_a_link_member_is_not_followed(tmp_path: Path) -> None:
    tarball = make_tarball(tmp_path / "p.tgz", {"a": b"1"}, symlink="ui.js")
    target = tmp_path / "ui"
    with pytest.raises(AssetError, match="not a regular file"):
        install_npm_files(pinned(tarball, "ui.js"), tarball, target)
    assert not (target / "ui.js").exists()
    assert not is_installed(pinned(tarball, "ui.js"), target)


NPM_OFFLINE = """npm error code ECONNREFUSED
npm error syscall connect
npm error FetchError: request to http://127.0.0.1:9/swagger-ui-dist failed, reason: connect ECONNREFUSED
npm error     at ClientRequest.<anonymous> (/usr/lib/node_modules/npm/lib/index.js:130:14)
npm error   code: 'ECONNREFUSED',
npm error If you are behind a proxy, please make sure that the 'proxy' config is set properly.
"""


def test_npm_s_failure_is_told_without_its_stack_trace() -> None:
    assert npm_failure(NPM_OFFLINE) == (
        "code ECONNREFUSED; FetchError: request to http://127.0.0.1:9/swagger-ui-dist failed, "
        "reason: connect ECONNREFUSED"
    )
    assert npm_failure("npm ERR! code E404\nnpm ERR! 404 Not Found") == "code E404"
    assert npm_failure("something odd\n") == "something odd"
    assert npm_failure("") == "no output"


def test_installs_running_at_once_leave_whole_files(tmp_path: Path) -> None:
    # Two servers starting together on a fresh machine both install into the same directory.
    content = bytes(range(256)) * 16384  # 4 MiB: long enough for the writers to overlap
    tarball = make_tarball(tmp_path / "p.tgz", {"ui.js": content, "ui.css": content[::-1]})
    files = pinned(tarball, "ui.js", "ui.css")
    target = tmp_path / "ui"
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda _: install_npm_files(files, tarball, target), range(16)))
    assert (target / "ui.js").read_bytes() == content
    assert (target / "ui.css").read_bytes() == content[::-1]
    assert sorted(p.name for p in target.iterdir()) == [".integrity", "ui.css", "ui.js"]
