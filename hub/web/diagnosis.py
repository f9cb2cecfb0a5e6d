"""The last Test Connection diagnosis of each connection, kept in Redis so the connection page
shows it as a panel (message, per-object details, likely causes) until the next test."""

from __future__ import annotations

import json
from typing import Any

from flask import current_app

from hub.connectors import CheckResult
from hub.models import utcnow
from hub.redaction import redact
from hub.web.services import redis_bytes

#: A diagnosis older than this is dropped (the status badge stays on the connection).
KEEP_SECONDS = 30 * 86400


def _key(connection_id: int) -> str:
    return f"{current_app.config['HUB_REDIS_PREFIX']}:diagnosis:{connection_id}"


def save_diagnosis(connection_id: int, result: CheckResult) -> None:
    """Remember ``result`` (every text redacted) as the connection's latest diagnosis."""
    data = {
        "ok": result.ok,
        "message": redact(result.message),
        "causes": [redact(c) for c in result.causes],
        "details": {k: redact(str(v)) for k, v in result.details.items()},
        "checked_at": utcnow().strftime("%Y-%m-%d %H:%M:%S UTC"),
    }
    redis_bytes().set(_key(connection_id), json.dumps(data).encode(), ex=KEEP_SECONDS)


def load_diagnosis(connection_id: int) -> dict[str, Any] | None:
    """The latest diagnosis, or None if the connection was never tested here."""
    raw = redis_bytes().get(_key(connection_id))
    if not raw:
        return None
    data: dict[str, Any] = json.loads(raw)
    return data


def forget_diagnosis(connection_id: int) -> None:
    redis_bytes().delete(_key(connection_id))


__all__ = ["forget_diagnosis", "load_diagnosis", "save_diagnosis"]
