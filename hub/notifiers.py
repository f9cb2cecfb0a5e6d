"""The notifier contract: a reminder channel (email, SMS, ...) provided by a plugin.

The collections engine renders a message and hands it to exactly one notifier in one RQ job, so a
failing channel never blocks another. Notifiers must be idempotent on
:attr:`OutgoingMessage.idempotency_key` where the channel allows it (an email ``Message-ID``, a
provider's idempotency header) so a retried job cannot deliver twice.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from hub.connectors import CheckResult


@dataclass
class OutgoingMessage:
    """One message to one recipient on one channel.

    :param to: email address or E.164 phone number.
    :param subject: email subject (ignored by SMS).
    :param text: plain-text body (the whole SMS).
    :param html: optional HTML body.
    :param idempotency_key: stable key for this (reminder, channel); the same key must never
        deliver twice.
    :param headers: extra channel headers (e.g. ``List-Unsubscribe``).
    """

    to: str
    text: str
    idempotency_key: str
    subject: str = ""
    html: str | None = None
    reply_to: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class DeliveryResult:
    """What the channel said after accepting a message.

    :param provider_id: the channel's id for the message (Message-ID, provider SID).
    :param status: ``"sent"`` (handed over) or ``"queued"`` (accepted for later delivery).
    """

    provider_id: str
    status: str = "sent"
    detail: str = ""


class Notifier(ABC):
    """Base class of reminder channels. Register subclasses with ``register_notifiers``.

    :cvar name: registry name used in ``hubctl channels add --plugin NAME``.
    :cvar channel: the kind of channel, ``"email"`` or ``"sms"``.
    :cvar config_schema: JSON Schema of the configuration; secrets carry ``"x-secret": true``.
    """

    name: ClassVar[str]
    channel: ClassVar[str]
    title: ClassVar[str] = ""
    config_schema: ClassVar[dict[str, Any]] = {"type": "object", "properties": {}}

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config: Mapping[str, Any] = config

    @abstractmethod
    def send(self, message: OutgoingMessage) -> DeliveryResult:
        """Deliver ``message``; raise :class:`hub.errors.TransientError` to be retried later or
        :class:`hub.errors.ConfigError` when the channel's settings are wrong."""

    @abstractmethod
    def check(self) -> CheckResult:
        """Check that the channel's settings work without sending a message."""

    def normalize_address(self, address: str) -> str:
        """Return ``address`` in the channel's canonical form; raise ``ValueError`` if unusable."""
        return address.strip()


__all__ = ["DeliveryResult", "Notifier", "OutgoingMessage"]
