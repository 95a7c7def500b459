"""Email through the outbox, end to end: an event emitted in a transaction, the trigger's row, a
sender over a real SMTP server (aiosmtpd) or a directory of ``.eml`` files.

The suite's app runs no sender (``send_mail=False``), so each test's senders are the only ones.
Rows other tests left pending may be sent by them too: every check is about this test's own
recipients and rows.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import secrets
from collections.abc import AsyncIterator, Iterator
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest
from litestar import Litestar

from market.events import EVENTS_CHANNEL, emit
from market.jobs import Listener
from market.mail import EmlDirectory, MailSender, MailTransport, SmtpTransport, parse_smtp_url
from market.settings import Settings
from tests.helpers import Org
from tests.integration.smtp_server import SmtpSink, client_context

MAIL_FROM = "market <no-reply@market.test>"


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    server = SmtpSink().start()
    try:
        yield server
    finally:
        server.stop()


def smtp_transport(server: SmtpSink, *, timeout: float = 5.0) -> SmtpTransport:
    return SmtpTransport(parse_smtp_url(server.url), timeout=timeout, tls_context=client_context())


def sender(pool: asyncpg.Pool, transport: MailTransport, **options: Any) -> MailSender:
    return MailSender(pool, transport, mail_from=MAIL_FROM, timeout=5.0, retry_scale=0.0001, **options)


def address() -> str:
    return f"trade-{secrets.token_hex(4)}@example.kz"


async def org_with_mail(make_org: Any, language: str, email: str | None = None, **fields: Any) -> Org:
    contact = {"email": email} if email else {}
    org: Org = await make_org(contact=contact, preferred_language=language, **fields)
    return org


def introduction_data(counterpart: Org, **extra: Any) -> dict[str, Any]:
    return {
        "introduction_id": str(uuid4()),
        "listing_id": str(uuid4()),
        "listing_title": "Glazed ceramic plates, 27 cm",
        "status": "requested",
        "counterpart": {"id": counterpart.id, "name": "Kostanai Motors", "country": "KZ"},
        **extra,
    }


async def tell(pool: asyncpg.Pool, org: Org, event_type: Any, data: dict[str, Any]) -> int:
    """Emit one event for ``org`` the way the introductions service does: inside a transaction."""
    async with pool.acquire() as conn, conn.transaction():
        return await emit(conn, UUID(org.id), event_type, data)


async def outbox_row(pool: asyncpg.Pool, event_id: int) -> dict[str, Any] | None:
    row = await pool.fetchrow("SELECT * FROM mail_outbox WHERE event_id = $1", event_id)
    return None if row is None else dict(row)


@pytest.fixture
async def pool(app: Litestar) -> asyncpg.Pool:
    return app.state.pool


@pytest.fixture
async def counterpart(make_org: Any) -> Org:
    org: Org = await make_org(country="KZ", city="Kostanai")
    return org


async def test_a_request_is_mailed_once_in_the_organizations_language(
    pool: asyncpg.Pool, make_org: Any, smtp: SmtpSink, counterpart: Org
) -> None:
    ru, uz = address(), address()
    ru_org = await org_with_mail(make_org, "ru", ru, country="KZ", city="Almaty")
    uz_org = await org_with_mail(make_org, "uz", uz)
    data = introduction_data(counterpart, message="Здравствуйте!\nКупим 5000 тарелок.")
    ru_event = await tell(pool, ru_org, "introduction.requested", data)
    await tell(pool, uz_org, "introduction.requested", data)

    row = await outbox_row(pool, ru_event)
    assert row is not None and row["to_address"] == ru and row["language"] == "ru"
    await sender(pool, smtp_transport(smtp)).drain()
    await sender(pool, smtp_transport(smtp)).drain()  # nothing left: no second copy

    [to_ru] = smtp.to(ru)
    assert to_ru.to == ru
    assert to_ru.message["Subject"] == "Запрос на знакомство: Glazed ceramic plates, 27 cm"
    assert to_ru.message["From"] == MAIL_FROM
    assert to_ru.message["Message-ID"] == f"<mail-{row['id']}.{ru_event}@market.test>"
    assert to_ru.message["Content-Language"] == "ru"
    body = to_ru.message.get_content()
    assert "Kostanai Motors (Казахстан)" in body
    assert "> Здравствуйте!\n> Купим 5000 тарелок." in body
    assert f"GET /v1/introductions/{data['introduction_id']}" in body
    [to_uz] = smtp.to(uz)
    assert to_uz.message["Subject"] == "Tanishuv soʻrovi: Glazed ceramic plates, 27 cm"
    assert "Kostanai Motors (Qozogʻiston)" in to_uz.message.get_content()

    sent = await outbox_row(pool, ru_event)
    assert sent is not None and sent["status"] == "sent" and sent["attempts"] == 1
    assert sent["sent_at"] is not None and sent["attempt_started_at"] is None


async def test_acceptance_and_messages_are_mailed_too(
    pool: asyncpg.Pool, make_org: Any, smtp: SmtpSink, counterpart: Org
) -> None:
    to = address()
    org = await org_with_mail(make_org, "en", to)
    await tell(pool, org, "introduction.accepted", introduction_data(counterpart, status="accepted"))
    message = introduction_data(counterpart, status="accepted", message_id=7, text="Can you ship in May?")
    await tell(pool, org, "introduction.message", {**message, "has_quote": False})
    await sender(pool, smtp_transport(smtp)).drain()

    subjects = sorted(str(a.message["Subject"]) for a in smtp.to(to))
    assert subjects == [
        "Introduction accepted: Glazed ceramic plates, 27 cm",
        "New message about Glazed ceramic plates, 27 cm",
    ]
    [reply] = [a for a in smtp.to(to) if a.message["Subject"].startswith("New message")]
    assert "> Can you ship in May?" in reply.message.get_content()


async def test_no_address_or_a_type_that_is_not_mailed_makes_no_email(
    pool: asyncpg.Pool, make_org: Any, smtp: SmtpSink, counterpart: Org
) -> None:
    silent = await org_with_mail(make_org, "ru", None)
    no_mail = await tell(pool, silent, "introduction.requested", introduction_data(counterpart, message="Hi"))
    assert await outbox_row(pool, no_mail) is None

    to = address()
    org = await org_with_mail(make_org, "kk", to)
    for event_type in ("introduction.declined", "introduction.withdrawn", "introduction.expired"):
        event_id = await tell(pool, org, event_type, introduction_data(counterpart, status="declined"))
        assert await outbox_row(pool, event_id) is None, event_type
    await sender(pool, smtp_transport(smtp)).drain()
    assert smtp.to(to) == []


async def test_a_server_that_is_down_leaves_the_row_pending_until_it_is_back(
    pool: asyncpg.Pool, make_org: Any, counterpart: Org
) -> None:
    to = address()
    org = await org_with_mail(make_org, "uz", to)
    event_id = await tell(
        pool, org, "introduction.requested", introduction_data(counterpart, message="Salom")
    )
    down = SmtpSink()  # not started: its port refuses connections
    mail = sender(pool, smtp_transport(down))

    for attempt in (1, 2):
        await mail.drain()
        row = await outbox_row(pool, event_id)
        assert row is not None and row["status"] == "pending" and row["attempts"] == attempt
        assert row["last_error"] and "Connect call failed" in row["last_error"], row["last_error"]
        assert row["attempt_started_at"] is None and row["sent_at"] is None
        await asyncio.sleep(0.01)  # the retry (scaled down) is due

    down.start()
    try:
        await mail.drain()
        await mail.drain()
        [accepted] = down.to(to)
        assert accepted.message["Subject"] == "Tanishuv soʻrovi: Glazed ceramic plates, 27 cm"
    finally:
        down.stop()
    row = await outbox_row(pool, event_id)
    assert row is not None and row["status"] == "sent" and row["attempts"] == 3


async def test_a_recipient_refused_for_good_is_failed_at_once_and_a_4xx_is_retried(
    pool: asyncpg.Pool, make_org: Any, smtp: SmtpSink, counterpart: Org
) -> None:
    gone, busy = address(), address()
    smtp.refuse = {gone: "550 5.1.1 no such mailbox", busy: "452 4.2.2 mailbox full"}
    events = {}
    for to in (gone, busy):
        org = await org_with_mail(make_org, "en", to)
        events[to] = await tell(
            pool, org, "introduction.requested", introduction_data(counterpart, message="Hi")
        )
    await sender(pool, smtp_transport(smtp)).drain()

    failed = await outbox_row(pool, events[gone])
    assert failed is not None and failed["status"] == "failed" and failed["attempts"] == 1
    assert "550" in failed["last_error"] and "no such mailbox" in failed["last_error"]
    retried = await outbox_row(pool, events[busy])
    assert retried is not None and retried["status"] == "pending" and "452" in retried["last_error"]


async def test_two_senders_at_once_send_each_message_once(
    pool: asyncpg.Pool, settings: Settings, make_org: Any, smtp: SmtpSink, counterpart: Org
) -> None:
    smtp.data_delay = 0.05  # attempts overlap
    recipients = [address() for _ in range(12)]
    for to in recipients:
        org = await org_with_mail(make_org, "tg", to)
        await tell(pool, org, "introduction.requested", introduction_data(counterpart, message="Салом"))
    assert settings.database_url
    other_pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=4)
    assert other_pool is not None
    try:
        first = sender(pool, smtp_transport(smtp), batch_size=3)
        second = sender(other_pool, smtp_transport(smtp), batch_size=3)
        await asyncio.gather(first.drain(), second.drain(), first.drain(), second.drain())
    finally:
        await other_pool.close()
    for to in recipients:
        assert len(smtp.to(to)) == 1, to


async def test_a_new_sender_never_resends_and_waits_out_a_crashed_senders_lease(
    pool: asyncpg.Pool, make_org: Any, smtp: SmtpSink, counterpart: Org
) -> None:
    sent_to, leased_to = address(), address()
    sent_org = await org_with_mail(make_org, "ky", sent_to)
    await tell(pool, sent_org, "introduction.requested", introduction_data(counterpart, message="Салам"))
    await sender(pool, smtp_transport(smtp)).drain()
    assert len(smtp.to(sent_to)) == 1

    # A sender claims a row and dies before recording anything: its lease stands.
    leased_org = await org_with_mail(make_org, "ky", leased_to)
    event_id = await tell(pool, leased_org, "introduction.requested", introduction_data(counterpart))
    await pool.execute(
        """UPDATE mail_outbox SET attempts = 1, attempt_started_at = now(), first_attempt_at = now(),
           next_attempt_at = now() + interval '1 hour' WHERE event_id = $1""",
        event_id,
    )
    restarted = sender(pool, smtp_transport(smtp))
    await restarted.drain()
    assert len(smtp.to(sent_to)) == 1 and smtp.to(leased_to) == []

    await pool.execute("UPDATE mail_outbox SET next_attempt_at = now() WHERE event_id = $1", event_id)
    await restarted.drain()  # the lease ran out: taken over, under the same Message-ID as before
    [accepted] = smtp.to(leased_to)
    row = await outbox_row(pool, event_id)
    assert row is not None and row["status"] == "sent" and row["attempts"] == 2
    assert accepted.message["Message-ID"] == f"<mail-{row['id']}.{event_id}@market.test>"


async def test_without_a_server_each_message_is_one_eml_file_even_when_replayed(
    pool: asyncpg.Pool, make_org: Any, counterpart: Org, tmp_path: Path
) -> None:
    to = address()
    org = await org_with_mail(make_org, "ru", to)
    event_id = await tell(
        pool, org, "introduction.requested", introduction_data(counterpart, message="Привет")
    )
    mail = sender(pool, EmlDirectory(tmp_path / "mail"))
    await mail.drain()
    row = await outbox_row(pool, event_id)
    assert row is not None and row["status"] == "sent"
    path = tmp_path / "mail" / f"{row['id']}.eml"
    first = path.read_bytes()

    # A replay (the record lost, the lease run out) writes the same file again, not a second one.
    await pool.execute(
        "UPDATE mail_outbox SET status = 'pending', next_attempt_at = now() WHERE id = $1", row["id"]
    )
    await mail.drain()
    assert path.read_bytes() == first
    assert sorted(p.name for p in path.parent.iterdir() if p.name.startswith(f"{row['id']}.")) == [path.name]
    assert not [p for p in path.parent.iterdir() if p.suffix == ".tmp"]
    message = message_from_bytes(first, policy=policy.default)
    assert message["To"] == to and message["Subject"] == "Запрос на знакомство: Glazed ceramic plates, 27 cm"


@pytest.mark.parametrize("require", [False, True], ids=["offered", "required"])
async def test_starttls_is_used_when_the_server_offers_it(
    pool: asyncpg.Pool, make_org: Any, counterpart: Org, require: bool
) -> None:
    server = SmtpSink(starttls=True, require_starttls=require).start()
    try:
        to = address()
        org = await org_with_mail(make_org, "en", to)
        await tell(pool, org, "introduction.requested", introduction_data(counterpart, message="Hello"))
        await sender(pool, smtp_transport(server)).drain()
        [accepted] = server.to(to)
        assert accepted.tls
    finally:
        server.stop()


async def test_a_password_goes_over_starttls_or_implicit_tls_and_never_in_the_clear(
    pool: asyncpg.Pool, make_org: Any, counterpart: Org
) -> None:
    servers = {
        "starttls": SmtpSink(starttls=True, password=("market", "s3cret:/@")),
        "smtps": SmtpSink(implicit_tls=True, password=("market", "other")),
        "plain": SmtpSink(password=("market", "never-sent")),
    }
    for server in servers.values():
        server.start()
    try:
        events = {}
        for name, server in servers.items():
            to = address()
            org = await org_with_mail(make_org, "en", to)
            events[name] = to, await tell(pool, org, "introduction.requested", introduction_data(counterpart))
            await sender(pool, smtp_transport(server)).drain()  # the URL percent-encodes the password
        for name in ("starttls", "smtps"):
            to, event_id = events[name]
            [accepted] = servers[name].to(to)
            assert accepted.tls and accepted.login == "market", name
        to, event_id = events["plain"]
        assert servers["plain"].to(to) == []
        row = await outbox_row(pool, event_id)
        assert row is not None and row["status"] == "pending" and "in the clear" in row["last_error"]
    finally:
        for server in servers.values():
            server.stop()


@contextlib.asynccontextmanager
async def running(*coroutines: Any) -> AsyncIterator[None]:
    tasks = [asyncio.create_task(c) for c in coroutines]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def test_the_loop_sends_on_the_events_notify(
    pool: asyncpg.Pool, settings: Settings, make_org: Any, smtp: SmtpSink, counterpart: Org
) -> None:
    assert settings.database_url
    listener = Listener(functools.partial(asyncpg.connect, settings.database_url))
    mail = sender(pool, smtp_transport(smtp))
    # A poll far away: only the NOTIFY of the event can make it send within the test's wait.
    async with running(mail.run_forever(wake=listener.wake_on(EVENTS_CHANNEL), poll_seconds=3600)):
        async with running(listener.run_forever()):
            await asyncio.wait_for(listener.connected.wait(), 10)
            await asyncio.sleep(0.2)  # the first pass (woken by the connection) is over
            to = address()
            org = await org_with_mail(make_org, "kk", to)
            await tell(pool, org, "introduction.requested", introduction_data(counterpart, message="Сәлем"))
            [accepted] = await smtp.wait_for(to, within=10)
    assert accepted.message["Subject"] == "Танысу сұрауы: Glazed ceramic plates, 27 cm"
