"""An outbox row's email as a stdlib ``EmailMessage``: the same bytes, headers and Message-ID on
every attempt, so a receiver can drop a copy sent again after a crash."""

from __future__ import annotations

from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from market.mail.render import RenderedMail

__all__ = ["build_message", "mail_domain", "message_id"]


def mail_domain(mail_from: str) -> str:
    """The domain of the From address (``MARKET_MAIL_FROM``), which Message-IDs are made under."""
    _name, address = parseaddr(mail_from)
    local, at, domain = address.rpartition("@")
    if not (local and at and domain) or any(c.isspace() for c in address):
        raise ValueError(f"MARKET_MAIL_FROM: {mail_from!r} has no address like name@example.com")
    return domain.lower()


def message_id(outbox_id: int, event_id: int, domain: str) -> str:
    """``<mail-{row}.{event}@{domain}>``: one per outbox row, kept across retries."""
    return f"<mail-{outbox_id}.{event_id}@{domain}>"


def build_message(
    *,
    outbox_id: int,
    event_id: int,
    to_address: str,
    mail_from: str,
    rendered: RenderedMail,
    created_at: datetime,
) -> EmailMessage:
    """The email of outbox row ``outbox_id``; a ``ValueError`` if ``to_address`` is not an address."""
    to = Address(addr_spec=to_address)  # raises on anything but one plain address (no header tricks)
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = to
    message["Subject"] = rendered.subject
    message["Date"] = format_datetime(created_at)  # the event's time: the same on every attempt
    message["Message-ID"] = message_id(outbox_id, event_id, mail_domain(mail_from))
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office answers, please
    message.set_content(rendered.body, charset="utf-8")
    message["Content-Language"] = rendered.language  # after set_content, which drops Content-*
    return message
