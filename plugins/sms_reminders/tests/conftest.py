"""Fixtures for the SMS channel tests: a Twilio-compatible provider over real HTTP."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

_SUPPORT_NAME = "hub_sms_reminders_test_support"


def _load_support() -> ModuleType:
    if _SUPPORT_NAME in sys.modules:
        return sys.modules[_SUPPORT_NAME]
    path = Path(__file__).with_name("twilio_fake.py")
    spec = importlib.util.spec_from_file_location(_SUPPORT_NAME, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[_SUPPORT_NAME] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def twilio() -> ModuleType:
    """The test support module (``twilio_fake.py``)."""
    return _load_support()


@pytest.fixture
def provider(twilio: ModuleType) -> Iterator[Any]:
    """A running fake provider on 127.0.0.1, stopped after the test."""
    fake = twilio.FakeTwilio().start()
    yield fake
    fake.stop()


@pytest.fixture
def sms_config(provider: Any, twilio: ModuleType) -> dict[str, Any]:
    """A channel config pointing at ``provider`` with a sender number."""
    return {
        "provider": "twilio",
        "account_sid": twilio.ACCOUNT_SID,
        "auth_token": twilio.AUTH_TOKEN,
        "from_number": "+14155550100",
        "base_url": provider.base_url,
        "timeout": 5,
    }
