"""Keeping secrets out of logs, error messages and CLI output.

Every secret the hub decrypts is remembered here; :func:`redact` replaces any remembered secret in a
string with ``[REDACTED]``, and :class:`RedactingFilter` does the same for log records. Secrets
shorter than 4 characters are not remembered (they would mangle ordinary text).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping
from typing import Any

MASK = "[REDACTED]"
_MIN_LENGTH = 4
_secrets: set[str] = set()
_lock = threading.Lock()


def remember_secrets(values: Iterable[Any]) -> None:
    """Remember secret values so :func:`redact` hides them from now on."""
    with _lock:
        for value in values:
            if isinstance(value, str) and len(value) >= _MIN_LENGTH:
                _secrets.add(value)


def redact(text: str) -> str:
    """Return ``text`` with every remembered secret replaced by ``[REDACTED]``."""
    if not _secrets:
        return text
    with _lock:
        known = sorted(_secrets, key=len, reverse=True)
    for secret in known:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def mask_config(config: Mapping[str, Any], secret_names: Iterable[str]) -> dict[str, Any]:
    """A copy of ``config`` where each secret field that is set reads ``"set"`` (for display)."""
    names = set(secret_names)
    return {k: ("set" if k in names and v else v) for k, v in config.items()}


class RedactingFormatter(logging.Formatter):
    """Wraps a handler's formatter and redacts the finished text, tracebacks included."""

    def __init__(self, inner: logging.Formatter | None = None) -> None:
        super().__init__()
        self.inner = inner or logging.Formatter()

    def format(self, record: logging.LogRecord) -> str:
        return redact(self.inner.format(record))


def install_log_redaction(logger: logging.Logger | None = None) -> None:
    """Make every handler of ``logger`` (default: the root logger) redact remembered secrets."""
    target = logger or logging.getLogger()
    for handler in target.handlers:
        if not isinstance(handler.formatter, RedactingFormatter):
            handler.setFormatter(RedactingFormatter(handler.formatter))


__all__ = [
    "MASK",
    "RedactingFormatter",
    "install_log_redaction",
    "mask_config",
    "redact",
    "remember_secrets",
]
