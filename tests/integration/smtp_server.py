"""A real SMTP server for tests: aiosmtpd on 127.0.0.1, collecting what it accepts.

It can offer STARTTLS (or demand it), speak TLS from the first byte, ask for a password, refuse
chosen recipients, and be stopped and started again on its port. Its certificate is made for the
test run (``make_certificate``), and ``client_context`` is what a client trusts it with.
"""

from __future__ import annotations

import asyncio
import ipaddress
import ssl
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from functools import cache
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from market.testing import free_port

__all__ = ["Accepted", "SmtpSink", "client_context", "make_certificate", "server_context"]

HOST = "127.0.0.1"


@cache
def make_certificate() -> tuple[bytes, bytes]:
    """A self-signed certificate for 127.0.0.1 and localhost, and its key (PEM), made once."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "market test SMTP")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address(HOST)), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return certificate.public_bytes(serialization.Encoding.PEM), key_pem


def server_context() -> ssl.SSLContext:
    certificate, key = make_certificate()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    with tempfile.TemporaryDirectory() as directory:  # load_cert_chain reads files only
        cert_file, key_file = Path(directory, "cert.pem"), Path(directory, "key.pem")
        cert_file.write_bytes(certificate)
        key_file.write_bytes(key)
        context.load_cert_chain(cert_file, key_file)
    return context


def client_context() -> ssl.SSLContext:
    """Verifies the server's certificate and name, trusting the test certificate only."""
    return ssl.create_default_context(cadata=make_certificate()[0].decode())


@dataclass(frozen=True)
class Accepted:
    """One message the server took: its envelope, whether it came over TLS, who logged in."""

    recipients: tuple[str, ...]
    message: EmailMessage
    tls: bool
    login: str | None

    @property
    def to(self) -> str:
        return str(self.message["To"])


@dataclass
class SmtpSink:
    """An SMTP server that keeps what it accepts in ``accepted``.

    ``refuse`` maps recipient addresses to the reply given to their RCPT (``"550 5.1.1 no such
    user"``); ``data_delay`` holds each DATA that long before answering.
    """

    port: int = field(default_factory=free_port)
    starttls: bool = False
    require_starttls: bool = False
    implicit_tls: bool = False
    password: tuple[str, str] | None = None
    """(user, password) the server asks for; None: no AUTH."""
    refuse: dict[str, str] = field(default_factory=dict)
    data_delay: float = 0.0
    accepted: list[Accepted] = field(default_factory=list)
    _controller: Controller | None = None

    @property
    def url(self) -> str:
        scheme = "smtps" if self.implicit_tls else "smtp"
        auth = ":".join(quote(part, safe="") for part in self.password) + "@" if self.password else ""
        return f"{scheme}://{auth}{HOST}:{self.port}"

    def start(self) -> SmtpSink:
        options: dict[str, Any] = {"hostname": HOST, "port": self.port, "server_hostname": "localhost"}
        if self.starttls or self.require_starttls:
            options.update(tls_context=server_context(), require_starttls=self.require_starttls)
        if self.implicit_tls:
            options["ssl_context"] = server_context()
        if self.password:
            # aiosmtpd sees TLS it negotiated (STARTTLS), not TLS from the first byte (smtps).
            options.update(authenticator=self._authenticate, auth_require_tls=not self.implicit_tls)
        self._controller = Controller(self, **options)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def _authenticate(
        self, _server: Any, _session: Any, _envelope: Any, _mechanism: str, data: Any
    ) -> AuthResult:
        login = cast(LoginPassword, data)
        given = (login.login.decode(), login.password.decode())
        return AuthResult(success=given == self.password, auth_data=given[0])

    async def handle_RCPT(
        self, _server: Any, _session: Any, envelope: Any, address: str, _options: Any
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        message = cast(EmailMessage, message_from_bytes(envelope.content, policy=policy.default))
        login = session.auth_data if session.authenticated else None
        tls = session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None
        self.accepted.append(Accepted(tuple(envelope.rcpt_tos), message, tls, login))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Accepted]:
        """What was accepted for ``address``."""
        return [a for a in self.accepted if address in a.recipients]

    async def wait_for(self, address: str, count: int = 1, within: float = 10.0) -> list[Accepted]:
        deadline = time.monotonic() + within
        while len(found := self.to(address)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(found)} message(s) to {address}, wanted {count}")
            await asyncio.sleep(0.05)
        return found
