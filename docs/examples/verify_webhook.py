"""Check that a webhook really comes from market, and handle each message once.

Paste into your receiver. ``pip install standardwebhooks`` for ``verify``; ``verify_with_hmac``
does the same with the standard library only. Pass the raw body bytes, exactly as received.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

from standardwebhooks import Webhook, WebhookVerificationError

__all__ = ["WebhookVerificationError", "handle", "verify", "verify_with_hmac"]

TOLERANCE_SECONDS = 5 * 60


def verify(secret: str, body: bytes, headers: dict[str, str]) -> Any:
    """The event (type, timestamp, data) if the signature and the timestamp are good; else raise."""
    return Webhook(secret).verify(body, headers)


def verify_with_hmac(secret: str, body: bytes, headers: dict[str, str]) -> Any:
    """The same check without the package."""
    headers = {name.lower(): value for name, value in headers.items()}
    message_id = headers.get("webhook-id", "")
    timestamp = headers.get("webhook-timestamp", "")
    if not (message_id and timestamp.isdigit() and headers.get("webhook-signature")):
        raise WebhookVerificationError("missing or malformed webhook headers")
    if abs(time.time() - int(timestamp)) > TOLERANCE_SECONDS:
        raise WebhookVerificationError("timestamp outside the 5-minute window")
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{message_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    for candidate in headers["webhook-signature"].split():
        version, _, signature = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(signature, expected):
            return json.loads(body)
    raise WebhookVerificationError("no valid signature")


seen_message_ids: set[str] = set()  # in production: a table with a unique key on the id


def handle(secret: str, body: bytes, headers: dict[str, str]) -> Any:
    """Verify, then drop repeats: delivery is at least once, and retries keep the webhook-id."""
    event = verify(secret, body, headers)
    message_id = {name.lower(): value for name, value in headers.items()}["webhook-id"]
    if message_id in seen_message_ids:
        return None  # answer 2xx anyway, or it will be sent again
    seen_message_ids.add(message_id)
    return event
