"""Every emailed event type renders in all six languages, from the event's data alone."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from market.mail import (
    LANGUAGES,
    MAIL_EVENT_TYPES,
    MailDataError,
    RenderedMail,
    build_message,
    format_when,
    render_mail,
)
from market.mail.message import mail_domain

WHEN = datetime(2026, 12, 4, 9, 5, tzinfo=UTC)
MIGRATION = Path(__file__).resolve().parents[2] / "market" / "db" / "migrations" / "0013_mail.sql"


def event_data(**extra: Any) -> dict[str, Any]:
    return {
        "introduction_id": str(uuid4()),
        "listing_id": str(uuid4()),
        "listing_title": "Portland cement M400",
        "status": "requested",
        "counterpart": {"id": str(uuid4()), "name": "Angren Cement LLC", "country": "UZ"},
        "message": "We need 500 t a month.\nDAP Almaty?",
        "message_id": 3,
        "text": "Price per tonne, please.",
        "has_quote": True,
        **extra,
    }


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("event_type", MAIL_EVENT_TYPES)
def test_every_type_renders_in_every_language(event_type: str, language: str) -> None:
    data = event_data()
    mail = render_mail(event_type, data, language, WHEN)
    assert mail.language == language
    assert "Portland cement M400" in mail.subject and "\n" not in mail.subject
    assert "Angren Cement LLC" in mail.body and "Portland cement M400" in mail.body
    assert format_when(WHEN, language) in mail.body
    assert f"GET /v1/introductions/{data['introduction_id']}" in mail.body
    if event_type == "introduction.requested":
        assert "> We need 500 t a month.\n> DAP Almaty?" in mail.body
    elif event_type == "introduction.message":
        assert "> Price per tonne, please." in mail.body
    else:
        assert ">" not in mail.body
    assert "{" not in mail.body and "}" not in mail.subject  # every placeholder filled


@pytest.mark.parametrize("event_type", MAIL_EVENT_TYPES)
def test_the_six_languages_say_it_six_ways(event_type: str) -> None:
    mails = [render_mail(event_type, event_data(), language, WHEN) for language in LANGUAGES]
    assert len({m.subject for m in mails}) == len(LANGUAGES)
    assert len({m.body.splitlines()[-1] for m in mails}) == len(LANGUAGES)  # the footers


def test_dates_and_countries_are_the_readers_locales() -> None:
    assert format_when(WHEN, "en") == "December 4, 2026, 9:05\u202fAM UTC"  # CLDR: a narrow no-break space
    assert format_when(WHEN, "ru") == "4 декабря 2026\u202fг., 09:05 UTC"
    assert format_when(WHEN, "uz") == "4-dekabr, 2026, 09:05 UTC"
    ru = render_mail("introduction.requested", event_data(), "ru", WHEN)
    assert ru.subject == "Запрос на знакомство: Portland cement M400"
    assert "Angren Cement LLC (Узбекистан)" in ru.body
    uz = render_mail("introduction.accepted", event_data(), "uz", WHEN)
    assert uz.subject == "Tanishuv qabul qilindi: Portland cement M400"
    assert "Angren Cement LLC (Oʻzbekiston)" in uz.body


def test_no_contact_detail_and_no_stray_field_reaches_the_email() -> None:
    counterpart = {
        "id": str(uuid4()),
        "name": "Angren\nCement   LLC",
        "country": "UZ",
        "email": "boss@angren.example",
        "phone": "+998 70 123 45 67",
    }
    data = event_data(
        counterpart=counterpart, contact={"email": "x@y.example"}, listing_title="Cement\r\nM400"
    )
    mail = render_mail("introduction.requested", data, "en", WHEN)
    for secret in ("boss@angren.example", "+998 70 123 45 67", "x@y.example"):
        assert secret not in mail.body and secret not in mail.subject
    assert mail.subject == "Introduction request: Cement M400"
    assert "Angren Cement LLC (Uzbekistan)" in mail.body


def test_an_unknown_language_is_written_in_english_and_bad_data_is_refused() -> None:
    assert render_mail("introduction.accepted", event_data(), "fr", WHEN).language == "en"
    data = event_data()
    del data["listing_title"]
    with pytest.raises(MailDataError, match="listing_title"):
        render_mail("introduction.requested", data, "en", WHEN)
    with pytest.raises(MailDataError, match="not emailed"):
        render_mail("introduction.declined", event_data(), "en", WHEN)


def message_of_row_41(mail: RenderedMail) -> EmailMessage:
    return build_message(
        outbox_id=41,
        event_id=977,
        to_address="trade@example.kz",
        mail_from="Market <no-reply@Mail.Example.com>",
        rendered=mail,
        created_at=WHEN,
    )


def test_the_message_is_utf8_with_a_message_id_made_from_the_row() -> None:
    mail = render_mail("introduction.message", event_data(), "kk", WHEN)
    message = message_of_row_41(mail)
    assert message["Message-ID"] == "<mail-41.977@mail.example.com>"
    assert message["From"] == "Market <no-reply@Mail.Example.com>"
    assert message["To"] == "trade@example.kz"
    assert message["Subject"] == mail.subject
    assert message["Content-Language"] == "kk"
    assert message.get_content_charset() == "utf-8"
    assert message.get_content() == mail.body
    assert bytes(message) == bytes(message_of_row_41(mail))  # every attempt sends the same bytes


@pytest.mark.parametrize(
    "to_address", ["trade@example.kz\r\nBcc: all@example.kz", "a@example.kz, b@example.kz", "no address"]
)
def test_a_to_that_is_not_one_address_is_refused(to_address: str) -> None:
    mail = render_mail("introduction.accepted", event_data(), "en", WHEN)
    with pytest.raises(ValueError):
        build_message(
            outbox_id=1, event_id=1, to_address=to_address, mail_from="a@b.kz", rendered=mail, created_at=WHEN
        )


@pytest.mark.parametrize("mail_from", ["market", "market <>", "<@example.com>", ""])
def test_a_from_without_an_address_names_the_setting(mail_from: str) -> None:
    with pytest.raises(ValueError, match="MARKET_MAIL_FROM"):
        mail_domain(mail_from)


def test_the_trigger_mails_the_types_the_renderer_writes() -> None:
    sql = MIGRATION.read_text()
    when = re.search(r"WHEN \(NEW\.type IN \(([^)]*)\)\)", sql)
    assert when is not None
    assert tuple(re.findall(r"'([^']+)'", when.group(1))) == MAIL_EVENT_TYPES
