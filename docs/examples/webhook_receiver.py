"""A webhook receiver for trying market on one machine: it checks every request with
``verify_webhook.handle`` and prints each event on a line of its own (type, then data as JSON).

    WEBHOOK_SECRET=whsec_... .venv/bin/python docs/examples/webhook_receiver.py 8001

It listens on 127.0.0.1 only, so register ``http://127.0.0.1:8001/<any path>``: ``market dev``
(``make run``) accepts loopback receivers; production accepts https URLs on public addresses
only (docs/webhooks.md). Ctrl-C stops it.
"""

from __future__ import annotations

import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from verify_webhook import WebhookVerificationError, handle

HOST = "127.0.0.1"
MAX_BODY_BYTES = 1_048_576


class WebhookHandler(BaseHTTPRequestHandler):
    """Answers 204 to a verified delivery (repeats included: they must not be sent again), 401
    to anything that does not verify."""

    secret = ""

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if not 0 < length <= MAX_BODY_BYTES:
            self.answer(400, "a webhook has a body of at most 1 MiB")
            return
        body = self.rfile.read(length)
        try:
            event = handle(self.secret, body, dict(self.headers.items()))
        except (WebhookVerificationError, ValueError) as exc:
            self.answer(401, f"not from market: {exc}")
            return
        self.answer(204)
        if event is not None:  # None: a repeat of a message already printed
            print(event["type"], json.dumps(event["data"], ensure_ascii=False), flush=True)

    def answer(self, status: int, problem: str = "") -> None:
        if problem:
            print(f"refused a request ({status}): {problem}", file=sys.stderr, flush=True)
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """No access log: each event is printed once, above."""


def main() -> None:
    secret = os.environ.get("WEBHOOK_SECRET", "")
    if not secret.startswith("whsec_"):
        sys.exit("set WEBHOOK_SECRET to the whsec_... secret that POST /v1/webhooks answered with")
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8001
    WebhookHandler.secret = secret
    server = ThreadingHTTPServer((HOST, port), WebhookHandler)
    print(f"listening on http://{HOST}:{port}/", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
