"""Bidirectional customers: PATCH write-back and last-modified conflict handling."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from hub import ConfigError
from hub_netsuite.connector import NetSuiteConnector
from hub_netsuite.sandbox.api import Sandbox

Connect = Callable[..., NetSuiteConnector]


def _email(sb: Sandbox, customer_id: str) -> str:
    conn = sqlite3.connect(sb.path)
    try:
        return str(
            conn.execute("SELECT email FROM customer WHERE id = ?", (customer_id,)).fetchone()[0]
        )
    finally:
        conn.close()


def test_write_patches_the_customer_and_returns_the_new_row(sb: Sandbox, connect: Connect) -> None:
    connector = connect(sb)
    assert connector.writable_objects == frozenset({"customer"})
    row = connector.write(
        "customer", "101", {"email": "billing@acme.example", "phone": "+1 555 0100"}
    )
    assert row["email"] == "billing@acme.example" and row["phone"] == "+1 555 0100"
    assert _email(sb, "101") == "billing@acme.example"
    assert sb.counters()["statuses"].get("204") == 1


def test_newer_netsuite_edit_wins_a_conflict(
    sb: Sandbox, connect: Connect, caplog: pytest.LogCaptureFixture
) -> None:
    edited_at = datetime.now(UTC) - timedelta(minutes=5)  # the hub edit happened first
    sb.store.update_customer("101", email="netsuite-side@acme.example")
    row = connect(sb).write(
        "customer", "101", {"email": "hub-side@acme.example", "edited_at": edited_at.isoformat()}
    )
    assert row["email"] == "netsuite-side@acme.example"
    assert _email(sb, "101") == "netsuite-side@acme.example"
    assert "conflict" in caplog.text
    assert sb.counters()["statuses"].get("204") is None


def test_later_hub_edit_is_written(sb: Sandbox, connect: Connect) -> None:
    edited_at = datetime.now(UTC) + timedelta(minutes=5)
    row = connect(sb).write(
        "customer", "101", {"email": "hub@acme.example", "edited_at": edited_at}
    )
    assert row["email"] == "hub@acme.example"


def test_unwritable_fields_and_objects_are_refused(sb: Sandbox, connect: Connect) -> None:
    connector = connect(sb)
    with pytest.raises(ConfigError, match="credit_limit"):
        connector.write("customer", "101", {"credit_limit": "10"})
    with pytest.raises(ConfigError, match="customers only"):
        connector.write("invoice", "1001", {"memo": "x"})
    with pytest.raises(ConfigError, match="no longer exists"):
        connector.write("customer", "99999", {"email": "a@b.example"})
