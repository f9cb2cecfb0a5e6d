"""The email reminder channel: :class:`EmailNotifier`."""

from __future__ import annotations

import email.policy
import threading
from collections.abc import Mapping
from types import TracebackType
from typing import Any

from hub import CheckResult, DeliveryResult, Notifier, OutgoingMessage, TransientError
from hub_email_reminders.addresses import normalize_email_address
from hub_email_reminders.compose import build_message
from hub_email_reminders.diagnosis import diagnose
from hub_email_reminders.settings import CONFIG_SCHEMA, SmtpSettings, parse_settings
from hub_email_reminders.smtp_session import SmtpSession


class EmailNotifier(Notifier):
    """Sends reminders by SMTP (``none``, ``starttls`` or implicit ``tls``; optional AUTH).

    Each :meth:`send` opens its own connection, unless the notifier is used as a context
    manager, in which case one connection is reused for every message until the block ends::

        with EmailNotifier(config) as notifier:
            for message in batch:
                notifier.send(message)

    Retried sends of the same :attr:`hub.OutgoingMessage.idempotency_key` carry the same
    ``Message-ID``. Safe to share between threads (sends are serialised).

    :raises hub.ConfigError: from the constructor when ``config`` is invalid.
    """

    name = "email_reminders"
    channel = "email"
    title = "Email (SMTP)"
    config_schema = CONFIG_SCHEMA

    def __init__(self, config: Mapping[str, Any]) -> None:
        super().__init__(config)
        self.settings: SmtpSettings = parse_settings(config)
        self._session: SmtpSession | None = None
        self._keep_open = False
        self._lock = threading.Lock()

    def send(self, message: OutgoingMessage) -> DeliveryResult:
        """Deliver one message; returns its ``Message-ID`` as ``provider_id``.

        :raises hub.TransientError: network trouble or a 4xx reply; retry later.
        :raises RecipientRejected: the address is malformed or refused with a 5xx reply.
        :raises hub.ConfigError: settings, sender or TLS problems, with ``causes``.
        """
        mime = build_message(message, self.settings)
        data = mime.as_bytes(policy=email.policy.SMTP)
        recipient = str(mime["To"])
        with self._lock:
            reply = self._deliver(recipient, data)
        return DeliveryResult(
            provider_id=str(mime["Message-ID"]),
            status="sent",
            detail=f"accepted by {self.settings.endpoint}: {reply}",
        )

    def check(self) -> CheckResult:
        """Connect, EHLO, TLS, AUTH, MAIL FROM (then RSET), NOOP and QUIT; report each step."""
        return diagnose(self.settings)

    def normalize_address(self, address: str) -> str:
        """Return the bare, validated address; raise ``ValueError`` when it is unusable."""
        return normalize_email_address(address)

    def open(self) -> None:
        """Keep one connection open for the following sends (also done by ``with``)."""
        with self._lock:
            self._keep_open = True

    def close(self) -> None:
        """Close the kept connection, if any (QUIT)."""
        with self._lock:
            self._keep_open = False
            if self._session is not None:
                self._session.close()
                self._session = None

    def __enter__(self) -> EmailNotifier:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _deliver(self, recipient: str, data: bytes) -> str:
        reused = self._session is not None and self._session.is_open
        session = self._session if reused and self._session is not None else self._connect()
        try:
            return session.send(recipient, data)
        except TransientError:
            # A kept connection the server dropped while idle fails at MAIL FROM, before any of
            # the message was sent: reconnecting once cannot deliver twice.
            if not (reused and session.failed_step == "mail_from" and not session.is_open):
                raise
            session = self._connect()
            return session.send(recipient, data)
        finally:
            if self._keep_open:
                self._session = session if session.is_open else None
            else:
                session.close()

    def _connect(self) -> SmtpSession:
        session = SmtpSession(self.settings)
        try:
            session.open()
        except BaseException:
            session.close(polite=False)
            raise
        return session
