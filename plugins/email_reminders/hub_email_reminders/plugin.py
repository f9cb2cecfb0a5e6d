"""Hook implementations of the email reminders plugin (loaded through the ``hub`` entry point)."""

from __future__ import annotations

from collections.abc import Callable

from hub import Notifier, hookimpl
from hub_email_reminders.notifier import EmailNotifier


@hookimpl
def register_notifiers(register: Callable[[type[Notifier]], None]) -> None:
    """Register the SMTP reminder channel."""
    register(EmailNotifier)
