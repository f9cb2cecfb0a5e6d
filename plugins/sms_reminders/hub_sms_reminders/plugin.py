"""Hook implementations of the SMS reminders plugin (loaded through the ``hub`` entry point)."""

from __future__ import annotations

from collections.abc import Callable

from hub import Notifier, hookimpl
from hub_sms_reminders.notifier import SmsNotifier


@hookimpl
def register_notifiers(register: Callable[[type[Notifier]], None]) -> None:
    """Register the SMS reminder channel."""
    register(SmsNotifier)
