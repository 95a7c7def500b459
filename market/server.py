"""Serving the app with uvicorn, for ``market dev`` and ``market run``: the port is taken first
(a taken one is a clear error before anything starts), and uvicorn is configured from settings.

uvicorn trusts ``X-Forwarded-For`` from loopback unless told otherwise; here no proxy is trusted
unless ``forwarded_allow_ips`` names it, so a local process cannot pick the address the rate
limits see. uvicorn bounds connections (``limit_concurrency``) and idle keep-alive, but has no
timeout for a request's headers: a reverse proxy in front holds slow clients
(docs/deployment.md).
"""

from __future__ import annotations

import errno
import socket

import click
import uvicorn
from litestar import Litestar

from market.settings import Settings

__all__ = ["listen", "serve", "uvicorn_config"]


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` (uvicorn listens on it), or a ClickException that names
    the port and ``--port`` when it is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise click.ClickException(
                f"port {port} on {host} is already in use (another `market dev` or server?). "
                f"Stop that one, or choose another port with --port, e.g. --port {port + 1} "
                f"(`make run PORT={port + 1}`)."
            ) from None
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    return sock


def uvicorn_config(app: Litestar, settings: Settings) -> uvicorn.Config:
    """uvicorn's settings for the app: proxies, connection bounds, no access log of its own."""
    trusted = settings.forwarded_allow_ips.strip()
    return uvicorn.Config(
        app,
        proxy_headers=bool(trusted),
        forwarded_allow_ips=trusted,
        limit_concurrency=settings.limit_concurrency,
        timeout_keep_alive=settings.keep_alive_seconds,
        access_log=False,  # market.app's access_log middleware logs requests
        log_config=None,  # structlog stays in charge
    )


def serve(app: Litestar, settings: Settings, sock: socket.socket) -> None:
    """Serve until SIGINT or SIGTERM, then drain in-flight requests and run the lifespan's end."""
    server = uvicorn.Server(uvicorn_config(app, settings))
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
