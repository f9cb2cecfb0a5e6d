"""Engine-wide collections settings, read from the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from hub.errors import ConfigError


@dataclass(frozen=True)
class CollectionsSettings:
    """Knobs of the sender.

    :param freshness_seconds: an invoice synced longer ago than this is refreshed from the ERP
        just before a reminder about it goes out (``HUB_REMINDER_FRESHNESS``, default 900).
    :param stale_after_seconds: if that refresh fails and the data is older than this, the
        reminder is suppressed as ``stale_data`` (``HUB_REMINDER_STALE_AFTER``, default 86400).
    :param lease_seconds: how long a sending job owns a message before another worker may take it
        over after a crash (``HUB_REMINDER_LEASE``, default 300).
    :param safe_mode_email / safe_mode_sms: when set, every message goes to this address instead
        of the real recipient (``HUB_REMINDER_SAFE_MODE_EMAIL`` / ``..._SMS``).
    :param queue: RQ queue of the send jobs (``HUB_REMINDER_QUEUE``, default ``reminders``).
    :param public_url: the web app's external base URL; reminder emails get a
        ``List-Unsubscribe: <{public_url}/unsubscribe/<token>>`` header (``HUB_PUBLIC_URL``; without
        it the header is left out).
    :param max_attempts: sending attempts of one message (transient failures and crashed jobs
        included) before it is ``failed`` with reason ``retries_exhausted``
        (``HUB_REMINDER_MAX_ATTEMPTS``, default 5).
    :param retry_backoff_seconds: delay before the first retry after a transient failure; each
        further retry waits four times longer (``HUB_REMINDER_RETRY_BACKOFF``, default 60).
    :param session_idle_seconds: a worker keeps each channel's connection (SMTP session, HTTP
        keep-alive) open between send jobs and closes it after this many idle seconds; 0 closes
        it after every job (``HUB_REMINDER_SESSION_IDLE``, default 30).
    """

    freshness_seconds: int = 900
    stale_after_seconds: int = 86400
    lease_seconds: int = 300
    safe_mode_email: str | None = None
    safe_mode_sms: str | None = None
    queue: str = "reminders"
    public_url: str | None = None
    max_attempts: int = 5
    retry_backoff_seconds: int = 60
    session_idle_seconds: int = 30

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> CollectionsSettings:
        env = os.environ if env is None else env
        return cls(
            freshness_seconds=_int(env, "HUB_REMINDER_FRESHNESS", 900),
            stale_after_seconds=_int(env, "HUB_REMINDER_STALE_AFTER", 86400),
            lease_seconds=_int(env, "HUB_REMINDER_LEASE", 300),
            safe_mode_email=env.get("HUB_REMINDER_SAFE_MODE_EMAIL") or None,
            safe_mode_sms=env.get("HUB_REMINDER_SAFE_MODE_SMS") or None,
            queue=env.get("HUB_REMINDER_QUEUE") or "reminders",
            public_url=(env.get("HUB_PUBLIC_URL") or "").rstrip("/") or None,
            max_attempts=max(1, _int(env, "HUB_REMINDER_MAX_ATTEMPTS", 5)),
            retry_backoff_seconds=_int(env, "HUB_REMINDER_RETRY_BACKOFF", 60),
            session_idle_seconds=max(0, _int(env, "HUB_REMINDER_SESSION_IDLE", 30)),
        )

    def retry_delay(self, attempts: int) -> timedelta:
        """How long to wait before attempt ``attempts + 1`` (exponential back-off, factor 4)."""
        return timedelta(seconds=self.retry_backoff_seconds * 4 ** max(attempts - 1, 0))

    def safe_mode_address(self, channel: str) -> str | None:
        """The address every message of ``channel`` is redirected to, if safe mode is on."""
        return self.safe_mode_email if channel == "email" else self.safe_mode_sms


def _int(env: Mapping[str, str], key: str, default: int) -> int:
    raw = env.get(key)
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{key} must be a whole number of seconds, not {raw!r}") from None


__all__ = ["CollectionsSettings"]
