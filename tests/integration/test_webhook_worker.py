"""No webhook is lost when the process delivering it dies: a `market worker` is SIGKILLed in
the middle of an attempt, and another worker delivers the same message once the lease runs out.

The test is synchronous on purpose: while it runs, the session's event loop (and with it the
test app's own in-process dispatcher) stands still, so only the worker subprocesses deliver.
The scenario runs on its own event loop in a thread.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from typing import IO
from uuid import UUID

import msgspec
from litestar import Litestar

from market.auth import Caller
from market.db import connect
from market.events import emit
from market.settings import Settings, settings_to_env
from market.testing import service_settings
from market.webhooks.service import create_webhook, delete_webhook
from schemas.webhooks import WebhookCreate
from tests.integration.webhook_receiver import Receiver

TIMEOUT_SECONDS = 5  # the worker's attempt timeout; its lease is 5 s longer


async def start_worker(settings: Settings, log: IO[bytes]) -> asyncio.subprocess.Process:
    worker = service_settings(
        settings, webhook_allow_loopback=True, webhook_timeout_seconds=float(TIMEOUT_SECONDS)
    )
    env = {**os.environ, **settings_to_env(worker)}
    command = [sys.executable, "-c", "from market.cli import main; main()", "worker"]
    return await asyncio.create_subprocess_exec(*command, env=env, stdout=log, stderr=log)


async def delivery_row(conn, endpoint_id: UUID) -> dict:
    row = await conn.fetchrow(
        """SELECT status, attempts, attempt_started_at, next_attempt_at > now() AS leased
           FROM webhook_deliveries WHERE endpoint_id = $1""",
        endpoint_id,
    )
    return dict(row)


async def killed_mid_attempt(settings: Settings, log: IO[bytes]) -> None:
    assert settings.database_url
    conn = await connect(settings.database_url)
    receiver = await Receiver(hold=lambda _payload, nth: nth == 1).start()
    workers: list[asyncio.subprocess.Process] = []
    try:
        org_id = await conn.fetchval(
            """INSERT INTO organizations (name, kind, country, city)
               VALUES ($1, 'exporter', 'KZ', 'Almaty') RETURNING id""",
            f"Durable {secrets.token_hex(3)}",
        )
        caller = Caller(
            organization_id=org_id, organization_kind="exporter", scopes=frozenset({"webhooks:write"})
        )
        hook = await create_webhook(
            conn,
            caller,
            WebhookCreate(url=receiver.url, events=["listing.expired"]),
            msgspec.structs.replace(settings, webhook_allow_loopback=True),
        )
        receiver.secret = hook.secret
        async with conn.transaction():
            await emit(conn, org_id, "listing.expired", {"marker": "survivor"})

        workers.append(await start_worker(settings, log))
        await receiver.wait_for(lambda got: len(got) == 1, within=60)
        workers[0].send_signal(signal.SIGKILL)  # mid-attempt: the receiver has not answered
        await workers[0].wait()
        interrupted = await delivery_row(conn, hook.id)
        assert interrupted == {**interrupted, "status": "pending", "attempts": 1, "leased": True}
        assert interrupted["attempt_started_at"] is not None

        workers.append(await start_worker(settings, log))
        await receiver.wait_for(lambda got: len(got) == 2, within=60)
        deadline = asyncio.get_running_loop().time() + 30
        while True:
            done = await delivery_row(conn, hook.id)
            if done["status"] != "pending" or asyncio.get_running_loop().time() > deadline:
                break
            await asyncio.sleep(0.05)
        assert done == {**done, "status": "delivered", "attempts": 2, "attempt_started_at": None}

        first, second = receiver.received
        assert first.message_id == second.message_id
        assert first.body == second.body
        assert second.answered == 204
        await delete_webhook(conn, org_id, hook.id)
    finally:
        for worker in workers:
            if worker.returncode is None:
                worker.terminate()
                await worker.wait()
        await receiver.stop()
        await conn.close()


def test_a_delivery_survives_its_worker_being_killed_mid_attempt(app: Litestar, settings: Settings) -> None:
    with tempfile.TemporaryFile() as log, ThreadPoolExecutor(max_workers=1) as thread:
        try:
            thread.submit(asyncio.run, killed_mid_attempt(settings, log)).result(timeout=180)
        except BaseException:
            log.seek(0)
            sys.stderr.write(log.read()[-6000:].decode(errors="replace"))
            raise
