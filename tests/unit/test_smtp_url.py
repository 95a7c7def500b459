"""``MARKET_SMTP_URL`` is read strictly: a URL that means anything else stops the start, naming
the setting and never repeating the password."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any, cast

import pytest

from market.loops import LoopResources, start_loops
from market.mail import EmlDirectory, MailSender, SmtpServer, SmtpTransport, mail_transport, parse_smtp_url
from market.settings import Settings, settings_from_env


@pytest.mark.parametrize(
    ("url", "server"),
    [
        ("smtp://mail.example.com:587", SmtpServer("mail.example.com", 587, implicit_tls=False)),
        ("SMTP://Mail.Example.com:25/", SmtpServer("mail.example.com", 25, implicit_tls=False)),
        (
            "smtps://market%40example.com:p%40ss%3Aw%2Frd@smtp.example.com:465",
            SmtpServer("smtp.example.com", 465, True, "market@example.com", "p@ss:w/rd"),
        ),
        ("smtp://user:secret@10.0.0.5:2525", SmtpServer("10.0.0.5", 2525, False, "user", "secret")),
        ("smtp://[::1]:25", SmtpServer("::1", 25, implicit_tls=False)),
    ],
)
def test_good_urls(url: str, server: SmtpServer) -> None:
    assert parse_smtp_url(url) == server


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("mail.example.com:587", "scheme"),
        ("http://mail.example.com:587", "scheme must be smtp or smtps"),
        ("smtp+tls://mail.example.com:587", "scheme"),
        ("smtp://mail.example.com", "no port"),
        ("smtp://mail.example.com:0", "no port"),
        ("smtp://mail.example.com:70000", "numeric port"),
        ("smtp://mail.example.com:smtp", "numeric port"),
        ("smtp://:587", "no host"),
        ("smtp://mail.example.com:587/inbox", "path"),
        ("smtp://mail.example.com:587?tls=yes", "query"),
        ("smtp://user@mail.example.com:587", "both a user and a password"),
        ("smtp://:hunter2@mail.example.com:587", "both a user and a password"),
        ("", "scheme"),
    ],
)
def test_bad_urls_name_the_setting(url: str, reason: str) -> None:
    with pytest.raises(ValueError, match="MARKET_SMTP_URL") as raised:
        parse_smtp_url(url)
    assert reason in str(raised.value)
    assert "hunter2" not in str(raised.value)


def test_the_password_is_not_shown() -> None:
    server = parse_smtp_url("smtps://user:hunter2@mail.example.com:465")
    assert "hunter2" not in repr(server) and "hunter2" not in str(server)
    assert str(server) == "smtps://mail.example.com:465"


def test_the_setting_chooses_the_transport(tmp_path: Path) -> None:
    files = mail_transport(Settings(state_dir=str(tmp_path)))
    assert isinstance(files, EmlDirectory) and files.directory == tmp_path.resolve() / "mail"
    smtp = mail_transport(settings_from_env({"MARKET_SMTP_URL": "smtp://127.0.0.1:2525"}))
    assert isinstance(smtp, SmtpTransport) and smtp.server.port == 2525


def test_a_bad_url_or_from_stops_the_sender_from_being_built() -> None:
    pool = cast(Any, None)  # never used: building fails first
    with pytest.raises(ValueError, match="MARKET_SMTP_URL"):
        MailSender.from_settings(pool, Settings(smtp_url="smtp://mail.example.com"))
    with pytest.raises(ValueError, match="MARKET_MAIL_FROM"):
        MailSender.from_settings(pool, Settings(mail_from="no-reply"))


def test_a_bad_url_stops_the_loops_from_starting_and_leaves_no_loop_half_built() -> None:
    """The loops built before the mail sender are closed, not left as never-awaited coroutines
    (warnings are errors here: one would fail the test)."""
    settings = Settings(database_url="postgresql://nowhere/market", smtp_url="smtps://mail.example.com")
    resources = LoopResources(cast(Any, None), cast(Any, None), cast(Any, None), settings)
    with pytest.raises(ValueError, match="MARKET_SMTP_URL"):
        start_loops(resources)
    gc.collect()
