"""Email to organizations about their introductions, sent through a durable outbox.

A trigger on ``events`` queues one ``mail_outbox`` row per emailed event (``MAIL_EVENT_TYPES``)
in the event's own transaction; ``MailSender`` renders each in the organization's language and
sends it over SMTP, or writes it as an ``.eml`` file when no server is configured (docs/mail.md).
"""

from __future__ import annotations

from market.mail.message import build_message, mail_domain, message_id
from market.mail.render import IntroductionMail, MailDataError, RenderedMail, format_when, render_mail
from market.mail.sender import MailSender, mail_transport
from market.mail.texts import LANGUAGES, MAIL_EVENT_TYPES, Language
from market.mail.transport import (
    EmlDirectory,
    MailTransport,
    SmtpServer,
    SmtpTransport,
    Undeliverable,
    parse_smtp_url,
)

__all__ = [
    "LANGUAGES",
    "MAIL_EVENT_TYPES",
    "EmlDirectory",
    "IntroductionMail",
    "Language",
    "MailDataError",
    "MailSender",
    "MailTransport",
    "RenderedMail",
    "SmtpServer",
    "SmtpTransport",
    "Undeliverable",
    "build_message",
    "format_when",
    "mail_domain",
    "mail_transport",
    "message_id",
    "parse_smtp_url",
    "render_mail",
]
