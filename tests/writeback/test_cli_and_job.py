"""``hubctl customers update`` and ``write_back_customer_job`` against the emulator."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from redis import Redis

from hub.cli import cli
from hub.errors import ConfigError
from hub.jobs import dispose_engines, write_back_customer_job
from hub.models import utcnow
from hub_netsuite.sandbox.api import Sandbox

from .conftest import Synced

CUSTOMER = "101"


def _email(sb: Sandbox) -> str:
    conn = sqlite3.connect(sb.path)
    try:
        return str(
            conn.execute("SELECT email FROM customer WHERE id = ?", (CUSTOMER,)).fetchone()[0]
        )
    finally:
        conn.close()


@pytest.fixture
def job_engines() -> Iterator[None]:
    """Dispose the engines the job opened in this process."""
    yield
    dispose_engines()


def test_cli_writes_back_and_exits_zero(sb: Sandbox, synced: Synced) -> None:
    synced()
    result = CliRunner().invoke(
        cli, ["customers", "update", "ns", CUSTOMER, "--email", "cli@acme.example"]
    )
    assert result.exit_code == 0, result.output
    assert "Wrote email of customer 101 to ns" in result.output
    assert _email(sb) == "cli@acme.example"


def test_cli_explains_a_read_only_connection(sb: Sandbox, synced: Synced) -> None:
    synced(direction="source_to_hub")
    result = CliRunner().invoke(
        cli, ["customers", "update", "ns", CUSTOMER, "--phone", "+1 555 000 2222"]
    )
    assert result.exit_code == 2
    assert "not bidirectional" in result.output
    assert sb.counters()["statuses"].get("204") is None


def test_cli_needs_a_field_and_a_known_connection(sb: Sandbox, synced: Synced) -> None:
    synced()
    runner = CliRunner()
    missing = runner.invoke(cli, ["customers", "update", "ns", CUSTOMER])
    assert missing.exit_code == 2 and "at least one of --name, --email, --phone" in missing.output
    unknown = runner.invoke(cli, ["customers", "update", "nope", CUSTOMER, "--name", "X"])
    assert unknown.exit_code == 2 and "no connection called 'nope'" in unknown.output


def test_cli_reports_a_conflict_with_exit_code_3(sb: Sandbox, synced: Synced) -> None:
    synced()
    # NetSuite's change is stamped an hour after the moment of the hub edit.
    sb.store.clock = lambda: datetime.now(UTC) + timedelta(hours=1)
    sb.store.update_customer(CUSTOMER, email="netsuite@acme.example")
    result = CliRunner().invoke(
        cli, ["customers", "update", "ns", CUSTOMER, "--email", "hub@acme.example"]
    )
    assert result.exit_code == 3, result.output
    assert "Conflict" in result.output and "netsuite@acme.example" in result.output
    assert _email(sb) == "netsuite@acme.example"


def test_job_writes_back_with_the_shared_budget(
    sb: Sandbox, synced: Synced, redis: Redis, job_engines: None
) -> None:
    cid = synced()
    status = write_back_customer_job(
        cid, CUSTOMER, {"email": "job@acme.example"}, "dave", utcnow().isoformat()
    )
    assert status == "written"
    assert _email(sb) == "job@acme.example"


def test_job_raises_when_write_back_is_not_allowed(
    sb: Sandbox, synced: Synced, redis: Redis, job_engines: None
) -> None:
    cid = synced(direction="source_to_hub")
    with pytest.raises(ConfigError, match="not bidirectional"):
        write_back_customer_job(cid, CUSTOMER, {"email": "job@acme.example"})
