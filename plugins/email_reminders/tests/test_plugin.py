"""The plugin registers its notifier through the ``hub`` entry point."""

from __future__ import annotations

from hub import Notifier
from hub.plugins import PluginHost
from hub_email_reminders import EmailNotifier
from hub_email_reminders.plugin import register_notifiers


def test_hook_registers_the_email_notifier() -> None:
    registered: list[type[Notifier]] = []
    register_notifiers(registered.append)
    assert registered == [EmailNotifier]
    assert EmailNotifier.name == "email_reminders" and EmailNotifier.channel == "email"


def test_entry_point_makes_it_available_to_the_hub() -> None:
    host = PluginHost(env={"HUB_LOAD_PLUGINS": "email_reminders"}).load()
    assert not host.errors
    assert host.notifier("email_reminders") is EmailNotifier
