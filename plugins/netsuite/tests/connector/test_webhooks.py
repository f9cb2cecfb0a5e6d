"""Real-time callouts: signature, freshness, replay protection, parsing; the emulator's callout."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from hub_netsuite.connector import NetSuiteConnector
from hub_netsuite.sandbox.api import Sandbox
from hub_netsuite.webhooks import (
    MemoryReplayCache,
    WebhookRejected,
    parse_webhook,
    sign,
    verify_webhook,
)

SECRET = "whsec-test-1234"
BODY = b'{"type":"customerpayment","id":"1042","event":"create","invoices":["1001","1007"]}'


def test_good_signature_is_accepted_once() -> None:
    now = time.time()
    headers = sign(SECRET, BODY, int(now))
    cache = MemoryReplayCache()
    verify_webhook(SECRET, headers, BODY, now=now, replay_cache=cache)
    with pytest.raises(WebhookRejected, match="replayed"):
        verify_webhook(SECRET, headers, BODY, now=now + 1, replay_cache=cache)


def test_header_names_are_case_insensitive() -> None:
    now = time.time()
    headers = {k.lower(): v for k, v in sign(SECRET, BODY, int(now)).items()}
    verify_webhook(SECRET, headers, BODY, now=now, replay_cache=MemoryReplayCache())


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        (lambda h, b: (h, b + b" "), "bad signature"),
        (
            lambda h, b: ({**h, "X-Hub-Signature": "sha1=" + h["X-Hub-Signature"][7:]}, b),
            "bad signature",
        ),
        (lambda h, b: ({"X-Hub-Timestamp": h["X-Hub-Timestamp"]}, b), "missing"),
        (lambda h, b: ({**h, "X-Hub-Timestamp": "soon"}, b), "unix time"),
    ],
)
def test_bad_callouts_are_rejected(tamper: Callable[..., Any], reason: str) -> None:
    now = time.time()
    headers, body = tamper(sign(SECRET, BODY, int(now)), BODY)
    with pytest.raises(WebhookRejected, match=reason) as caught:
        verify_webhook(SECRET, headers, body, now=now, replay_cache=MemoryReplayCache())
    assert caught.value.status == 401 and SECRET not in caught.value.reason


def test_wrong_secret_and_stale_timestamp_are_rejected() -> None:
    now = time.time()
    with pytest.raises(WebhookRejected, match="bad signature"):
        verify_webhook("other", sign(SECRET, BODY, int(now)), BODY, now=now, replay_cache=None)
    old = sign(SECRET, BODY, int(now) - 301)
    with pytest.raises(WebhookRejected, match="stale"):
        verify_webhook(SECRET, old, BODY, now=now, replay_cache=None)


def test_parse_lists_records_to_refresh() -> None:
    assert parse_webhook(BODY) == [("payment", "1042"), ("invoice", "1001"), ("invoice", "1007")]
    batch = {
        "events": [
            {"type": "customer", "id": "5"},
            {"type": "creditmemo", "id": "9", "invoices": ["3"]},
            {"type": "salesorder", "id": "2"},
            {"type": "customer", "id": "5"},
        ]
    }
    assert parse_webhook(json.dumps(batch).encode()) == [("customer", "5"), ("invoice", "3")]
    with pytest.raises(WebhookRejected) as caught:
        parse_webhook(b'{"type":"invoice","id":"1 OR 1"}')
    assert caught.value.status == 400


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    received: list[tuple[dict[str, str], bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server API)
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers.items()), body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/webhooks/netsuite", received
    server.shutdown()
    server.server_close()


def test_emulator_callout_verifies_and_refreshes_the_payment(
    sb: Sandbox,
    connect: Callable[..., NetSuiteConnector],
    receiver: tuple[str, list[tuple[dict[str, str], bytes]]],
) -> None:
    url, received = receiver
    sb.set_webhook(url, secret=SECRET)
    payment_id = sb.store.record_payment("101", __import__("decimal").Decimal("10.00"))
    headers, body = received[-1]
    verify_webhook(SECRET, headers, body, replay_cache=MemoryReplayCache())
    targets = parse_webhook(body)
    assert targets == [("payment", payment_id)]
    fetched = connect(sb).fetch(*targets[0])
    assert fetched is not None and fetched["foreigntotal"] == "10"
