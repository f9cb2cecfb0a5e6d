"""Email reminders for Collections Hub: an SMTP notifier (``email_reminders``).

Public API: :class:`EmailNotifier`, :class:`RecipientRejected`, :func:`normalize_email_address`,
:func:`build_message`, :func:`message_id_for`, :data:`CONFIG_SCHEMA`.
"""

from __future__ import annotations

from hub_email_reminders.addresses import normalize_email_address
from hub_email_reminders.compose import build_message, message_id_for
from hub_email_reminders.errors import RecipientRejected
from hub_email_reminders.notifier import EmailNotifier
from hub_email_reminders.settings import CONFIG_SCHEMA, SmtpSettings, parse_settings

__all__ = [
    "CONFIG_SCHEMA",
    "EmailNotifier",
    "RecipientRejected",
    "SmtpSettings",
    "build_message",
    "message_id_for",
    "normalize_email_address",
    "parse_settings",
]
