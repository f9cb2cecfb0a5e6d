"""The hub's connector test kit, run against the NetSuite emulator."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from hub.testing import ConnectorContractTests
from hub_netsuite.sandbox.api import Sandbox


class TestNetSuiteContract(ConnectorContractTests):
    connector_name = "netsuite"

    @pytest.fixture
    def sandbox(self, make_sandbox: Callable[..., Sandbox]) -> Iterator[Sandbox]:
        yield make_sandbox()

    @pytest.fixture
    def good_config(self, sandbox: Sandbox) -> dict[str, Any]:
        return {
            **sandbox.connection_config(),
            "page_size": 20,
            "retry_base_seconds": 0.001,
            "objects": ["customers", "invoices", "payments", "contacts"],
            "frequency": "15m",
        }

    @pytest.fixture
    def bad_config(self, good_config: dict[str, Any]) -> dict[str, Any]:
        return {**good_config, "token_secret": "f" * 64}
