"""The receiver the README starts (``docs/examples/webhook_receiver.py``), as a process: it
prints each delivery signed by market once, and refuses what is not."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import msgspec
import pytest

from market.testing import free_port
from market.webhooks.signing import generate_secret, signed_headers

RECEIVER = Path(__file__).resolve().parents[2] / "docs" / "examples" / "webhook_receiver.py"
EVENT = {"type": "match.created", "timestamp": "2026-12-01T08:00:00Z", "data": {"match_id": 7, "score": 0.7}}
BODY = msgspec.json.encode(EVENT)


def start_receiver(secret: str, port: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(RECEIVER), str(port)],
        env={"WEBHOOK_SECRET": secret, "PATH": ""},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_listening(process: subprocess.Popen[str], port: int) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("the receiver never listened")


@pytest.fixture
def receiver() -> Iterator[tuple[str, str, subprocess.Popen[str]]]:
    """The secret, the receiver's URL and its process (stopped, so its output can be read)."""
    secret, port = generate_secret(), free_port()
    process = start_receiver(secret, port)
    try:
        wait_listening(process, port)
        yield secret, f"http://127.0.0.1:{port}/market-hooks", process
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=10)


def test_a_signed_delivery_is_printed_once_and_forgeries_are_refused(
    receiver: tuple[str, str, subprocess.Popen[str]],
) -> None:
    secret, url, process = receiver
    headers = signed_headers(secret, "msg_7", BODY)
    forged = signed_headers(generate_secret(), "msg_8", BODY)
    with httpx.Client(timeout=5) as http:
        assert http.post(url, content=BODY, headers=headers).status_code == 204
        assert http.post(url, content=BODY, headers=headers).status_code == 204  # a retry: 2xx again
        assert http.post(url, content=BODY, headers=forged).status_code == 401
        assert http.post(url, content=BODY).status_code == 401
        assert http.post(url, content=b"").status_code == 400
    process.terminate()
    out, err = process.communicate(timeout=10)
    assert out.splitlines() == ['match.created {"match_id": 7, "score": 0.7}']
    assert err.count("refused a request (401)") == 2 and "refused a request (400)" in err


def test_without_a_secret_it_says_what_to_set() -> None:
    process = start_receiver("", free_port())
    _, err = process.communicate(timeout=15)
    assert process.returncode == 1 and "set WEBHOOK_SECRET" in err
