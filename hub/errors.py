"""The hub's small error taxonomy.

Every error a user can meet belongs to one of three families, and each family has one handling rule:

* :class:`ConfigError` — the admin must change something (credentials, a mapping, a setting). Never
  retried; shown to the admin with the fix.
* :class:`TransientError` — the outside world hiccuped (timeout, 429, 5xx). Retried with backoff.
* :class:`RecordError` — one record is bad. It is quarantined with its reasons and the rest carries on.

:class:`PluginError` reports a plugin that could not be loaded or registered something invalid.
Messages are written for the person who has to act on them: what went wrong and what to do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


class HubError(Exception):
    """Base class of every error the hub raises on purpose."""


class ConfigError(HubError):
    """Something the admin must fix; retrying will not help.

    :param message: what is wrong, in the admin's words.
    :param causes: the likely causes to check, most likely first.
    :param path: where in a document or config the problem sits (a JSON path such as ``$.fields.total``).
    """

    def __init__(
        self, message: str, *, causes: Sequence[str] = (), path: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.causes = list(causes)
        self.path = path

    def __str__(self) -> str:
        text = self.message if self.path is None else f"{self.path}: {self.message}"
        if self.causes:
            text += "\nLikely causes:\n" + "\n".join(f"  - {c}" for c in self.causes)
        return text


class AuthenticationError(ConfigError):
    """The source refused our credentials; :attr:`causes` lists what to check."""


class TransientError(HubError):
    """A temporary failure (network, throttling, server error) worth retrying later.

    :param retry_after: seconds the source asked us to wait, when it said so.
    """

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RecipientOptedOut(HubError):
    """A notifier's provider refused to send because the recipient unsubscribed (e.g. SMS STOP).

    Neither retryable nor an admin mistake: the collections engine records an opt-out for the
    recipient on the channel in the consent ledger and suppresses the reminder. Notifier plugins
    subclass it for their provider-specific error.
    """


class RecipientRejected(ConfigError):
    """The recipient address or number is unusable (malformed, refused permanently).

    What must change is the contact, not the channel: the engine fails this reminder for this
    recipient and keeps the channel running. Notifier plugins subclass it.
    """


class PluginError(HubError):
    """A plugin failed to import, or registered something invalid or already taken.

    :param plugin: the entry-point name of the plugin at fault.
    """

    def __init__(self, plugin: str, message: str) -> None:
        super().__init__(f"plugin {plugin!r}: {message}")
        self.plugin = plugin
        self.message = message


@dataclass(frozen=True)
class FieldError:
    """One reason a record was rejected: which field, what value, which rule it broke."""

    field: str
    rule: str
    message: str
    value: Any = None

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable form (used in quarantine rows and CLI output)."""
        return {
            "field": self.field,
            "rule": self.rule,
            "message": self.message,
            "value": self.value,
        }


@dataclass
class RecordError(HubError):
    """A record that cannot be mapped or does not validate; it is quarantined, never dropped."""

    errors: list[FieldError] = field(default_factory=list)

    def __str__(self) -> str:
        return "; ".join(f"{e.field}: {e.message}" for e in self.errors) or "invalid record"


__all__ = [
    "AuthenticationError",
    "ConfigError",
    "FieldError",
    "HubError",
    "PluginError",
    "RecordError",
    "TransientError",
]
