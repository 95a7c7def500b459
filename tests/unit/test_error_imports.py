"""The domain errors import no web framework: services raise them without loading Litestar."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys, market.errors
print(sorted(m for m in sys.modules if m.split(".")[0] in ("litestar", "starlette")))
"""


def test_the_domain_errors_import_no_web_framework() -> None:
    loaded = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]", loaded.stdout
