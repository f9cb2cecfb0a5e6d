"""Fixtures of the connector tests: real emulators on 127.0.0.1 over copies of one account."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from hub import LocalContext
from hub_netsuite.connector import NetSuiteConnector
from hub_netsuite.sandbox.api import Sandbox
from hub_netsuite.sandbox.templates import SandboxCopies, generate_template

SIZES = {"customers": 15, "invoices": 80, "payments": 30, "seed": 5}
#: Keep tests fast: tiny backoff delays, small pages so paging is exercised.
FAST = {"retry_base_seconds": 0.001, "page_size": 25}


@pytest.fixture(scope="session")
def account_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One generated account, copied for every sandbox."""
    folder = tmp_path_factory.mktemp("ns-template")
    return generate_template(folder / "account.sqlite3", **SIZES)


@pytest.fixture
def make_sandbox(account_template: Path, tmp_path: Path) -> Iterator[Callable[..., Sandbox]]:
    """Start an emulator over a private copy of the account; stopped after the test."""
    copies = SandboxCopies(account_template, tmp_path, SIZES["seed"])
    yield copies.start
    copies.stop_all()


@pytest.fixture
def sb(make_sandbox: Callable[..., Sandbox]) -> Sandbox:
    """A private emulator (mutations allowed)."""
    return make_sandbox()


@pytest.fixture
def connect() -> Iterator[Callable[..., NetSuiteConnector]]:
    """Build connectors (closed after the test): ``connect(sb, auth="tba", **overrides)``."""
    made: list[NetSuiteConnector] = []

    def build(
        sandbox: Sandbox,
        auth: str = "tba",
        context: LocalContext | None = None,
        **overrides: Any,
    ) -> NetSuiteConnector:
        config = {**sandbox.connection_config(auth=auth), **FAST, **overrides}
        connector = NetSuiteConnector(config, context or LocalContext())
        made.append(connector)
        return connector

    yield build
    for connector in made:
        connector.close()


def read_all(
    connector: NetSuiteConnector, stream: str, state: Any = None
) -> tuple[list[dict[str, Any]], list[str], dict[str, Any]]:
    """Every record, every deleted id and the final state of one read."""
    records: list[dict[str, Any]] = []
    deleted: list[str] = []
    final: dict[str, Any] = {}
    for page in connector.read(stream, state):
        records.extend(page.records)
        deleted.extend(page.deleted)
        final = page.state
    return records, deleted, final
