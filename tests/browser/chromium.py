"""The browser the browser tests drive: Debian's ``chromium``, installed with apt when missing.

``make test`` runs this first. Playwright's own browser download is not used (it is not always
reachable); Playwright drives the system's Chromium through ``executable_path``.

    python -m tests.browser.chromium     # exit 0 with Chromium found or installed, else 1
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

__all__ = ["chromium_path", "main"]

ADVICE = "the browser tests need Chromium: run `sudo apt-get install chromium` (or set CHROMIUM_PATH)"


def chromium_path() -> str | None:
    """``CHROMIUM_PATH``, else ``chromium`` (Debian) or ``chromium-browser`` on PATH."""
    given = os.environ.get("CHROMIUM_PATH")
    if given:
        return given if os.access(given, os.X_OK) else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


def main() -> int:
    if chromium_path():
        return 0
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        print("installing Chromium for the browser tests (apt-get install chromium) ...", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-q"], check=False, env=env, stdout=subprocess.DEVNULL)
        done = subprocess.run(["apt-get", "install", "-y", "-q", "chromium"], check=False, env=env)
        if done.returncode == 0 and chromium_path():
            return 0
    print(ADVICE, file=sys.stderr)
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
