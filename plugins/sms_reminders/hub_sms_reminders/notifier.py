"""The SMS reminder channel: :class:`SmsNotifier`."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from types import TracebackType
from typing import Any

import requests

from hub import CheckResult, ConfigError, DeliveryResult, Notifier, OutgoingMessage
from hub_sms_reminders.diagnosis import diagnose
from hub_sms_reminders.errors import MessageTooLong, RecipientRejected
from hub_sms_reminders.phone import normalize_phone_number
from hub_sms_reminders.segments import MAX_SEGMENTS, segments
from hub_sms_reminders.settings import CONFIG_SCHEMA, SmsSettings, parse_settings
from hub_sms_reminders.twilio_api import TwilioClient

#: Provider statuses meaning the message already left the provider.
_HANDED_OVER = frozenset({"sent", "delivered"})


class SmsNotifier(Notifier):
    """Sends reminders as SMS through a Twilio-compatible REST API.

    The idempotency key travels in the ``I-Twilio-Idempotency-Token`` header. Numbers are
    validated and normalised to E.164 before any request; texts over
    :data:`~hub_sms_reminders.segments.MAX_SEGMENTS` segments are refused. Use as a context
    manager to reuse one HTTP connection pool for many sends.

    :raises hub.ConfigError: from the constructor when ``config`` is invalid.
    """

    name = "sms_reminders"
    channel = "sms"
    title = "SMS (Twilio-compatible)"
    config_schema = CONFIG_SCHEMA

    def __init__(self, config: Mapping[str, Any]) -> None:
        super().__init__(config)
        self.settings: SmsSettings = parse_settings(config)
        self._session: requests.Session | None = None
        self._lock = threading.Lock()

    def send(self, message: OutgoingMessage) -> DeliveryResult:
        """Send ``message.text`` to ``message.to``; returns the provider's message SID.

        :raises RecipientRejected: the number is invalid (checked before any request) or the
            provider refused it.
        :raises RecipientOptedOut: the recipient replied STOP; record the opt-out.
        :raises MessageTooLong: more than ten segments.
        :raises hub.TransientError: retry later (``retry_after`` may be set).
        :raises hub.ConfigError: credentials, sender or account problems, with ``causes``.
        """
        to = self._recipient(message.to)
        if not message.text.strip():
            raise ConfigError("the SMS text is empty; check the SMS template")
        if not message.idempotency_key:
            raise ConfigError("the message has no idempotency key; refusing to send it")
        encoding, count = segments(message.text)
        if count > MAX_SEGMENTS:
            raise MessageTooLong(encoding, count, MAX_SEGMENTS)
        with self._client() as client:
            data = client.create_message(to, message.text, message.idempotency_key)
        status = str(data.get("status") or "queued")
        return DeliveryResult(
            provider_id=str(data["sid"]),
            status="sent" if status in _HANDED_OVER else "queued",
            detail=f"provider status {status}; {encoding}, {count} segment(s)",
        )

    def check(self) -> CheckResult:
        """Fetch the account from the provider; diagnose connection, credentials and status."""
        with self._client() as client:
            return diagnose(client)

    def normalize_address(self, address: str, default_region: str | None = None) -> str:
        """Return ``address`` in E.164 form; raise ``ValueError`` when it is unusable.

        :param default_region: country for numbers without ``+`` (default: the channel's
            ``default_region`` setting).
        """
        return normalize_phone_number(address, default_region or self.settings.default_region)

    def open(self) -> None:
        """Keep one HTTP session (connection pool) for the following sends."""
        with self._lock:
            if self._session is None:
                self._session = requests.Session()

    def close(self) -> None:
        """Close the kept HTTP session, if any."""
        with self._lock:
            session, self._session = self._session, None
        if session is not None:
            session.close()

    def __enter__(self) -> SmsNotifier:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _recipient(self, address: str) -> str:
        try:
            return self.normalize_address(address)
        except ValueError as exc:
            raise RecipientRejected(address, f"the recipient number is unusable: {exc}") from None

    @contextmanager
    def _client(self) -> Iterator[TwilioClient]:
        kept = self._session
        if kept is not None:
            yield TwilioClient(self.settings, kept)
            return
        with requests.Session() as session:
            yield TwilioClient(self.settings, session)
