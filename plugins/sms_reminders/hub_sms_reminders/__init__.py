"""SMS reminders for Collections Hub: a Twilio-compatible notifier (``sms_reminders``).

Public API: :class:`SmsNotifier`, :class:`RecipientOptedOut`, :class:`RecipientRejected`,
:class:`MessageTooLong`, :func:`normalize_phone_number`, :func:`segments`, :data:`MAX_SEGMENTS`,
:data:`CONFIG_SCHEMA`.
"""

from __future__ import annotations

from hub_sms_reminders.errors import MessageTooLong, RecipientOptedOut, RecipientRejected
from hub_sms_reminders.notifier import SmsNotifier
from hub_sms_reminders.phone import normalize_phone_number
from hub_sms_reminders.segments import MAX_SEGMENTS, segments
from hub_sms_reminders.settings import CONFIG_SCHEMA, SmsSettings, parse_settings
from hub_sms_reminders.twilio_api import IDEMPOTENCY_HEADER

__all__ = [
    "CONFIG_SCHEMA",
    "IDEMPOTENCY_HEADER",
    "MAX_SEGMENTS",
    "MessageTooLong",
    "RecipientOptedOut",
    "RecipientRejected",
    "SmsNotifier",
    "SmsSettings",
    "normalize_phone_number",
    "parse_settings",
    "segments",
]
