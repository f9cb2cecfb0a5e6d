"""The plugin registers its notifier through the ``hub`` entry point; small API helpers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from hub import Notifier
from hub.plugins import PluginHost
from hub_sms_reminders import SmsNotifier
from hub_sms_reminders.plugin import register_notifiers
from hub_sms_reminders.twilio_api import idempotency_token, retry_after


def test_hook_registers_the_sms_notifier() -> None:
    registered: list[type[Notifier]] = []
    register_notifiers(registered.append)
    assert registered == [SmsNotifier]
    assert SmsNotifier.name == "sms_reminders" and SmsNotifier.channel == "sms"


def test_entry_point_makes_it_available_to_the_hub() -> None:
    host = PluginHost(env={"HUB_LOAD_PLUGINS": "sms_reminders"}).load()
    assert not host.errors
    assert host.notifier("sms_reminders") is SmsNotifier


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    assert retry_after({"Retry-After": "30"}) == 30.0
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=120), usegmt=True)
    value = retry_after({"Retry-After": later})
    assert value is not None and 100 < value <= 120
    past = format_datetime(datetime.now(UTC) - timedelta(hours=1), usegmt=True)
    assert retry_after({"Retry-After": past}) == 0.0
    assert retry_after({"Retry-After": "soon"}) is None
    assert retry_after({}) is None


def test_idempotency_token_is_the_key_or_a_stable_digest() -> None:
    assert idempotency_token("rem-7:step-1:sms") == "rem-7:step-1:sms"
    odd = idempotency_token("rappel-é 7")
    assert odd == idempotency_token("rappel-é 7") and len(odd) == 64 and odd.isascii()
    assert len(idempotency_token("k" * 200)) == 64
