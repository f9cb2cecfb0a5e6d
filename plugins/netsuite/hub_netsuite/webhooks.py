"""Verifying and reading the real-time callouts of the NetSuite user-event script.

Signing scheme (the SuiteScript in ``plugins/netsuite/suitescript/`` and the sandbox emulator use
it): ``X-Hub-Timestamp: <unix seconds>`` and ``X-Hub-Signature: sha256=<hex>``, the hex being
HMAC-SHA256 with the shared secret over ``"<timestamp>.<raw body>"``. A callout is accepted only
when the signature matches, the timestamp is within :data:`TOLERANCE_SECONDS` of ``now``, and the
same signature was not accepted before (replay protection).

The web route (added by the web admin) calls :func:`verify_webhook` then :func:`parse_webhook`
and refreshes each ``(object_type, external_id)`` through ``Connector.fetch``. For a payment whose
callout lists no invoices, also refresh the invoices in the fetched payment's ``applications``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Mapping
from typing import Any, Protocol

TOLERANCE_SECONDS = 300
TIMESTAMP_HEADER = "X-Hub-Timestamp"
SIGNATURE_HEADER = "X-Hub-Signature"

#: SuiteScript ``record.type`` → canonical object type (credit memos only touch invoices).
OBJECT_TYPES = {
    "customer": "customer",
    "contact": "contact",
    "invoice": "invoice",
    "customerpayment": "payment",
}
INVOICE_APPLIERS = frozenset({"customerpayment", "creditmemo"})


class WebhookRejected(Exception):
    """The callout is not accepted; ``reason`` is safe to log (it never contains the secret).

    :param status: the HTTP status to answer (401 bad signature/stale/replay, 400 bad body).
    """

    def __init__(self, reason: str, status: int = 401) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


class ReplayCache(Protocol):
    """Remembers accepted signatures until they expire."""

    def add(self, key: str, ttl_seconds: int) -> bool:
        """Record ``key``; return False when it was already recorded (a replay)."""
        ...


class MemoryReplayCache:
    """A :class:`ReplayCache` for one process (tests, a single web worker)."""

    def __init__(self, clock: Any = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._seen: dict[str, float] = {}

    def add(self, key: str, ttl_seconds: int) -> bool:
        now = self._clock()
        with self._lock:
            if len(self._seen) > 10_000:
                self._seen = {k: t for k, t in self._seen.items() if t > now}
            expires = self._seen.get(key)
            if expires is not None and expires > now:
                return False
            self._seen[key] = now + ttl_seconds
            return True


class RedisReplayCache:
    """A :class:`ReplayCache` shared by every web process, on a redis-py client."""

    def __init__(self, redis: Any, prefix: str = "hub:netsuite:webhook:") -> None:
        self._redis = redis
        self._prefix = prefix

    def add(self, key: str, ttl_seconds: int) -> bool:
        return bool(self._redis.set(self._prefix + key, b"1", nx=True, ex=ttl_seconds))


DEFAULT_REPLAY_CACHE = MemoryReplayCache()


def sign(secret: str, body: bytes, timestamp: int) -> dict[str, str]:
    """The headers a sender attaches (what the SuiteScript computes)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: f"sha256={mac}"}


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return str(value)
    return None


def verify_webhook(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    now: float | None = None,
    replay_cache: ReplayCache | None = DEFAULT_REPLAY_CACHE,
) -> None:
    """Accept a signed, fresh, first-seen callout or raise :class:`WebhookRejected`."""
    if not secret:
        raise WebhookRejected("no webhook secret is configured for this connection", 503)
    stamp = _header(headers, TIMESTAMP_HEADER)
    signature = _header(headers, SIGNATURE_HEADER)
    if not stamp or not signature:
        raise WebhookRejected("missing X-Hub-Timestamp or X-Hub-Signature header")
    if not stamp.isdigit():
        raise WebhookRejected("X-Hub-Timestamp is not a unix time")
    current = time.time() if now is None else now
    if abs(current - int(stamp)) > TOLERANCE_SECONDS:
        raise WebhookRejected("stale timestamp (more than 5 minutes off): replayed or clock skew")
    scheme, _, given = signature.partition("=")
    expected = sign(secret, body, int(stamp))[SIGNATURE_HEADER].partition("=")[2]
    if scheme != "sha256" or not hmac.compare_digest(given.lower(), expected):
        raise WebhookRejected("bad signature: check the secret in the script deployment")
    if replay_cache is not None and not replay_cache.add(expected, 2 * TOLERANCE_SECONDS):
        raise WebhookRejected("replayed callout (this signature was already accepted)")


def parse_webhook(body: bytes) -> list[tuple[str, str]]:
    """``(object_type, external_id)`` pairs to refresh, in order, without duplicates.

    Accepts one event ``{"type", "id", "event", "invoices"?}`` or ``{"events": [...]}``.
    Payments and credit memos also name the invoices they are applied to (``invoices``).
    """
    try:
        payload = json.loads(body)
    except ValueError:
        raise WebhookRejected("body is not JSON", 400) from None
    events = payload.get("events") if isinstance(payload, dict) else None
    if events is None:
        events = [payload]
    if not isinstance(events, list):
        raise WebhookRejected("'events' must be a list", 400)
    targets: list[tuple[str, str]] = []
    for event in events:
        if not isinstance(event, dict):
            raise WebhookRejected("each event must be an object", 400)
        record_type = str(event.get("type", "")).lower()
        record_id = str(event.get("id", ""))
        if not record_id.isdigit():
            raise WebhookRejected(f"event id {record_id!r} is not a NetSuite internal id", 400)
        if record_type in OBJECT_TYPES:
            targets.append((OBJECT_TYPES[record_type], record_id))
        elif record_type not in INVOICE_APPLIERS:
            continue
        if record_type in INVOICE_APPLIERS:
            for invoice in event.get("invoices") or []:
                if str(invoice).isdigit():
                    targets.append(("invoice", str(invoice)))
    return list(dict.fromkeys(targets))
