"""Optional outbound webhook mimicking a SuiteScript user-event ``afterSubmit`` https callout.

On each committed change the store reports ``(record_type, id, event)``; the emitter POSTs
``{"type", "id", "event", "account", "occurredAt"}`` as JSON, synchronously like ``N/https`` in
``afterSubmit`` (5 s connect / 45 s request timeouts by default), once: failures are counted and
dropped (at-most-once, no retry). NetSuite signs nothing; the deployed script signs with a secret,
which ``secret`` reproduces (``X-Hub-Timestamp`` + ``X-Hub-Signature: sha256=<hex>`` over
``"<timestamp>.<body>"``) unless a custom ``signer`` is given.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests

log = logging.getLogger(__name__)

Signer = Callable[[bytes], Mapping[str, str]]

#: Store record types → SuiteScript ``newRecord.type`` values.
SCRIPT_TYPES = {
    "customer": "customer",
    "contact": "contact",
    "invoice": "invoice",
    "customerPayment": "customerpayment",
    "creditMemo": "creditmemo",
}


def hmac_signer(secret: str) -> Signer:
    """The default signing scheme: timestamp header + HMAC-SHA256 of ``"<timestamp>.<body>"``."""

    def sign(body: bytes) -> Mapping[str, str]:
        stamp = str(int(time.time()))
        mac = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        return {"X-Hub-Timestamp": stamp, "X-Hub-Signature": f"sha256={mac}"}

    return sign


@dataclass(frozen=True)
class WebhookConfig:
    """Where and how to call out."""

    url: str
    secret: str | None = None
    connect_timeout: float = 5.0
    read_timeout: float = 45.0


class WebhookEmitter:
    """Store change listener that POSTs one callout per change."""

    def __init__(self, account_id: str, signer: Signer | None = None) -> None:
        self._account_id = account_id
        self._custom_signer = signer
        self._config: WebhookConfig | None = None
        self._lock = threading.Lock()
        self._session = requests.Session()
        self.delivered = 0
        self.failed = 0
        self.last_error: str | None = None

    def configure(self, config: WebhookConfig | None) -> None:
        """Set (or clear, with ``None``) the target."""
        with self._lock:
            self._config = config

    @property
    def config(self) -> WebhookConfig | None:
        """The current target, if any."""
        with self._lock:
            return self._config

    def __call__(self, record_type: str, record_id: str, event: str) -> None:
        """Deliver one change (called by the store after commit)."""
        config = self.config
        if config is None:
            return
        payload = {
            "type": SCRIPT_TYPES.get(record_type, record_type.lower()),
            "id": str(record_id),
            "event": event,
            "account": self._account_id,
            "occurredAt": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        }
        body = json.dumps(payload, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json", "User-Agent": "Mozilla/5.0 (NetSuite)"}
        signer = self._custom_signer or (hmac_signer(config.secret) if config.secret else None)
        if signer is not None:
            headers.update(signer(body))
        try:
            response = self._session.post(
                config.url,
                data=body,
                headers=headers,
                timeout=(config.connect_timeout, config.read_timeout),
            )
            ok = response.status_code < 400
            error = None if ok else f"HTTP {response.status_code}"
        except requests.RequestException as exc:
            ok, error = False, type(exc).__name__
        with self._lock:
            if ok:
                self.delivered += 1
            else:
                self.failed += 1
                self.last_error = error
        if not ok:
            log.warning("webhook callout for %s %s failed: %s", record_type, record_id, error)

    def stats(self) -> dict[str, Any]:
        """Delivery counters and the configured URL."""
        with self._lock:
            return {
                "url": self._config.url if self._config else None,
                "delivered": self.delivered,
                "failed": self.failed,
                "last_error": self.last_error,
            }

    def close(self) -> None:
        """Release pooled connections."""
        self._session.close()
