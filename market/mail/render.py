"""An event's email as words: the subject and plain-text body, in the reader's language.

What is rendered comes from the event's data alone (written by the introductions service, see
``IntroductionMail``), so a retry renders the same email. Dates and country names are the
reader's locale's (babel, CLDR).
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import msgspec
from babel import Locale
from babel.dates import format_date, format_time

from market.mail.texts import LANGUAGES, MAIL_EVENT_TYPES, TEXTS, Language

__all__ = ["Counterpart", "IntroductionMail", "MailDataError", "RenderedMail", "format_when", "render_mail"]


class MailDataError(ValueError):
    """The event cannot be written as an email (an unknown type, or data missing a field)."""


class Counterpart(msgspec.Struct, frozen=True):
    id: UUID
    name: str
    country: str
    """ISO 3166 alpha-2."""


class IntroductionMail(msgspec.Struct, frozen=True):
    """The fields of an ``introduction.*`` event's data that an email uses (others are ignored)."""

    introduction_id: UUID
    listing_title: str
    counterpart: Counterpart
    message: str = ""
    """``introduction.requested``: the start of the request's message."""
    text: str = ""
    """``introduction.message``: the start of the message."""


class RenderedMail(msgspec.Struct, frozen=True, kw_only=True):
    language: Language
    subject: str
    body: str


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _quoted(text: str) -> str:
    lines = text.strip().splitlines()
    return "\n".join(f"> {line.rstrip()}".rstrip() for line in lines)


def format_when(moment: datetime, language: Language) -> str:
    """A date and time as the locale writes them, in UTC (the reader's time zone is not known)."""
    locale = Locale.parse(language)
    date = format_date(moment, "long", locale=locale)
    time = format_time(moment, "short", tzinfo=UTC, locale=locale)
    # CLDR's way of joining the two ("{1}, {0}", "{1} 'at' {0}"...), as babel's format_datetime does.
    joined = str(locale.datetime_formats["medium"]).replace("'", "").format(time, date)
    return f"{joined} UTC"


def render_mail(
    event_type: str, data: dict[str, object], language: str, created_at: datetime
) -> RenderedMail:
    """The email telling an organization of an event; an unknown language falls back to English."""
    if event_type not in MAIL_EVENT_TYPES:
        raise MailDataError(f"{event_type!r} events are not emailed")
    try:
        fields = msgspec.convert(data, IntroductionMail)
    except msgspec.ValidationError as exc:
        raise MailDataError(f"{event_type} data: {exc}") from None
    lang: Language = next((known for known in LANGUAGES if known == language), "en")
    texts = TEXTS[lang]
    wording = texts.types[event_type]  # type: ignore[index]  # checked against MAIL_EVENT_TYPES above
    values = {
        "counterpart": _one_line(fields.counterpart.name),
        "country": Locale.parse(lang).territories.get(fields.counterpart.country, fields.counterpart.country),
        "listing": _one_line(fields.listing_title),
        "when": format_when(created_at, lang),
    }
    excerpt = fields.text if event_type == "introduction.message" else fields.message
    parts = [wording.lead.format(**values)]
    if event_type != "introduction.accepted" and excerpt.strip():
        parts.append(f"{texts.message_label}:\n{_quoted(excerpt)}")
    parts.append(f"{wording.action}:\nGET /v1/introductions/{fields.introduction_id}")
    parts.append(f"-- \n{texts.footer}")
    body = "\n\n".join(parts) + "\n"
    return RenderedMail(language=lang, subject=wording.subject.format(**values), body=body)
