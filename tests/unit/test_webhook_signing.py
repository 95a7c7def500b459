"""Our Standard Webhooks signatures, checked by an independent implementation
(``standardwebhooks``) and by the verifier example the docs tell receivers to paste."""

from __future__ import annotations

import base64
import importlib.util
import time
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import msgspec
import pytest
from standardwebhooks import Webhook as Verifier
from standardwebhooks import WebhookVerificationError

from market.webhooks.signing import SECRET_PREFIX, generate_secret, sign, signed_headers

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "verify_webhook.py"
BODY = msgspec.json.encode({"type": "match.created", "timestamp": "2026-05-01T08:00:00Z", "data": {"a": 1}})


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("verify_webhook_example", EXAMPLE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_secrets_are_256_random_bits_in_the_whsec_form() -> None:
    first, second = generate_secret(), generate_secret()
    assert first.startswith(SECRET_PREFIX) and first != second
    assert len(base64.b64decode(first.removeprefix(SECRET_PREFIX))) == 32


def test_the_standard_webhooks_test_vector() -> None:
    signature = sign(
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "msg_p5jXN8AQM9LWM0D4loKWxJek",
        1614265330,
        b'{"test": 2432232314}',
    )
    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_signatures_match_the_reference_library() -> None:
    secret = generate_secret()
    ours = sign(secret, "msg_42", 1_800_000_000, BODY)
    theirs = Verifier(secret).sign("msg_42", datetime.fromtimestamp(1_800_000_000, tz=UTC), BODY.decode())
    assert ours == theirs


def test_signed_headers_verify_with_the_reference_library() -> None:
    secret = generate_secret()
    headers = signed_headers(secret, "msg_7", BODY)
    assert set(headers) == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    assert Verifier(secret).verify(BODY, headers) == msgspec.json.decode(BODY)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda secret, headers, body: (generate_secret(), headers, body),
        lambda secret, headers, body: (secret, headers, body.replace(b'"a":1', b'"a":2')),
        lambda secret, headers, body: (secret, {**headers, "webhook-id": "msg_8"}, body),
        lambda secret, headers, body: (
            secret,
            signed_headers(secret, "msg_7", body, now=time.time() - 600),
            body,
        ),
    ],
    ids=["other secret", "changed body", "changed id", "ten minutes old"],
)
def test_forgeries_and_replays_fail_verification(tamper) -> None:
    secret = generate_secret()
    headers = signed_headers(secret, "msg_7", BODY)
    used_secret, used_headers, used_body = tamper(secret, headers, BODY)
    with pytest.raises(WebhookVerificationError):
        Verifier(used_secret).verify(used_body, used_headers)
    with pytest.raises(WebhookVerificationError):
        load_example().verify_with_hmac(used_secret, used_body, used_headers)


def test_the_documented_verifier_accepts_our_deliveries_and_drops_repeats() -> None:
    example = load_example()
    secret = generate_secret()
    headers = {name.title(): value for name, value in signed_headers(secret, "msg_9", BODY).items()}
    assert example.verify(secret, BODY, headers) == msgspec.json.decode(BODY)
    assert example.verify_with_hmac(secret, BODY, headers) == msgspec.json.decode(BODY)
    assert example.handle(secret, BODY, headers) == msgspec.json.decode(BODY)
    assert example.handle(secret, BODY, headers) is None  # a retry of the same message
    with pytest.raises(WebhookVerificationError):
        example.verify_with_hmac(secret, BODY, {"Webhook-Id": "msg_9"})
