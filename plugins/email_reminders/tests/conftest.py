"""Fixtures for the email channel tests: real aiosmtpd servers on loopback."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

_SUPPORT_NAME = "hub_email_reminders_test_support"


def _load_support() -> ModuleType:
    if _SUPPORT_NAME in sys.modules:
        return sys.modules[_SUPPORT_NAME]
    path = Path(__file__).with_name("smtp_support.py")
    spec = importlib.util.spec_from_file_location(_SUPPORT_NAME, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[_SUPPORT_NAME] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def smtp() -> ModuleType:
    """The test support module (``smtp_support.py``)."""
    return _load_support()


@pytest.fixture(scope="session")
def certs(smtp: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A private CA and a 127.0.0.1/localhost server certificate, made once per session."""
    return smtp.make_certs(tmp_path_factory.mktemp("smtp-certs"))


@pytest.fixture
def start_smtp(smtp: ModuleType) -> Iterator[Callable[..., Any]]:
    """Start SMTP servers (``start_smtp(handler, **options)``); all are stopped afterwards."""
    servers: list[Any] = []

    def start(handler: Any = None, **options: Any) -> Any:
        server = smtp.start_server(handler or smtp.ScriptedHandler(), **options)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
