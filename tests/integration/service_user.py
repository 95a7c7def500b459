"""Another process using an embedded service, for the sharing tests: ``python -m
tests.integration.service_user meilisearch BINARY DATA_DIR KEY`` or ``... postgres DATA_DIR``.

It starts (or joins) the service, prints ``ready <url>`` and waits; when its stdin closes it
leaves the service the way ``provide_services`` does and exits. Killing it instead is a run that
died without cleaning up.
"""

from __future__ import annotations

import sys
from pathlib import Path

from market.devstack import EmbeddedMeilisearch, EmbeddedPostgres


def main(kind: str, *args: str) -> None:
    service: EmbeddedMeilisearch | EmbeddedPostgres
    if kind == "meilisearch":
        binary, data_dir, key = args
        service = EmbeddedMeilisearch(Path(binary), Path(data_dir), key)
        service.start()
        url = service.url
    else:
        service = EmbeddedPostgres(Path(args[0]))
        url = service.start()
    print(f"ready {url}", flush=True)
    sys.stdin.read()
    service.release()


if __name__ == "__main__":
    main(*sys.argv[1:])
