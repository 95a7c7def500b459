"""Where email goes: an SMTP server (``MARKET_SMTP_URL``), or ``.eml`` files in a directory.

A transport's ``send`` returns where the message went (for the log) or raises: ``Undeliverable``
when trying again cannot help (the server refused the recipient with a 5xx), anything else when
a later attempt may succeed (the server away, a 4xx, a timeout).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

import aiosmtplib
import structlog

__all__ = [
    "EmlDirectory",
    "MailTransport",
    "SmtpServer",
    "SmtpTransport",
    "Undeliverable",
    "parse_smtp_url",
]

log = structlog.get_logger(name=__name__)

SCHEMES = ("smtp", "smtps")


class Undeliverable(Exception):
    """The message can never be delivered as it is: it is given up at once, not retried."""


class MailTransport(Protocol):
    async def send(self, message: EmailMessage, *, outbox_id: int) -> str:
        """Hand the message on; return where it went."""
        ...


@dataclass(frozen=True)
class SmtpServer:
    """A parsed ``MARKET_SMTP_URL``."""

    host: str
    port: int
    implicit_tls: bool
    """``smtps://``: TLS from the first byte; ``smtp://``: STARTTLS when the server offers it."""
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    def __str__(self) -> str:
        return f"{'smtps' if self.implicit_tls else 'smtp'}://{self.host}:{self.port}"


def _bad(reason: str) -> ValueError:
    example = "smtp://mail.example.com:587 or smtps://user:password@mail.example.com:465"
    return ValueError(f"MARKET_SMTP_URL: {reason} (write it like {example})")


def parse_smtp_url(url: str) -> SmtpServer:
    """``smtp://[user:password@]host:port`` or ``smtps://...``; anything else is a ``ValueError``
    naming ``MARKET_SMTP_URL`` (its message never repeats the password)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise _bad("not a URL with a host and a numeric port") from None
    if parts.scheme.lower() not in SCHEMES:
        raise _bad(f"the scheme must be smtp or smtps, not {parts.scheme or 'missing'!r}")
    if not parts.hostname:
        raise _bad("no host")
    if port is None or port == 0:
        raise _bad("no port")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise _bad("a path, query or fragment means nothing to an SMTP server")
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    if (username is None) != (password is None):
        raise _bad("give both a user and a password, or neither")
    return SmtpServer(
        host=parts.hostname,
        port=port,
        implicit_tls=parts.scheme.lower() == "smtps",
        username=username,
        password=password,
    )


def _refused_recipient(exc: aiosmtplib.SMTPRecipientsRefused) -> str | None:
    """The server's words when it refused every recipient for good (5xx), else None."""
    permanent = [r for r in exc.recipients if 500 <= r.code < 600]
    if permanent and len(permanent) == len(exc.recipients):
        return "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in permanent)
    return None


class SmtpTransport:
    """One SMTP connection per message: STARTTLS when offered (``smtp://``) or TLS at once
    (``smtps://``); a password is never sent over a connection without TLS."""

    def __init__(
        self, server: SmtpServer, *, timeout: float, tls_context: ssl.SSLContext | None = None
    ) -> None:
        self.server = server
        self.timeout = timeout
        self.tls_context = tls_context or ssl.create_default_context()

    async def send(self, message: EmailMessage, *, outbox_id: int) -> str:
        server = self.server
        client = aiosmtplib.SMTP(
            hostname=server.host,
            port=server.port,
            use_tls=server.implicit_tls,
            start_tls=False if server.implicit_tls else None,  # None: upgrade when offered
            tls_context=self.tls_context,
            timeout=self.timeout,
        )
        async with asyncio.timeout(self.timeout):
            await client.connect()
            try:
                if server.username is not None and server.password is not None:
                    if client.get_transport_info("sslcontext") is None:
                        raise aiosmtplib.SMTPException(
                            f"{server} offers no STARTTLS: the password is not sent in the clear"
                        )
                    await client.login(server.username, server.password)
                try:
                    await client.send_message(message)
                except aiosmtplib.SMTPRecipientsRefused as exc:
                    if (refused := _refused_recipient(exc)) is not None:
                        raise Undeliverable(f"recipient refused: {refused}") from None
                    raise
            finally:
                with contextlib.suppress(aiosmtplib.SMTPException, OSError):
                    await client.quit()
        return str(server)


def _write_atomically(path: Path, message: EmailMessage) -> None:
    """``message`` into ``path`` through a temporary file of its own name (only the sender that
    holds the row's lease writes it, so no other writer shares that name)."""
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        with open(temporary, "wb") as file:
            file.write(bytes(message))
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


class EmlDirectory:
    """Without ``MARKET_SMTP_URL``: each message becomes ``<directory>/<outbox id>.eml``, written
    to a temporary file and renamed, so a replay replaces the file instead of adding one."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._made = False

    async def send(self, message: EmailMessage, *, outbox_id: int) -> str:
        path = self.directory / f"{outbox_id}.eml"
        if not self._made:
            await asyncio.to_thread(self.directory.mkdir, parents=True, exist_ok=True)
            self._made = True
        # Serialising and writing happen off the event loop: a burst of emails never holds it.
        await asyncio.to_thread(_write_atomically, path, message)
        log.info("mail written to a file", path=str(path))
        return str(path)
