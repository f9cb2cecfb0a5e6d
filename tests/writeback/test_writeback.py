"""Write-back of customer contact details to NetSuite (the emulator, over real HTTP)."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from hub.connections import ConnectionService
from hub.errors import ConfigError
from hub.models import Customer, SyncLogEntry, utcnow
from hub.sync import run_sync
from hub.writeback import validate_customer_changes, write_back_customer
from hub_netsuite.sandbox.api import Sandbox

from .conftest import Synced

CUSTOMER = "101"


def _emulator_customer(sb: Sandbox, customer_id: str = CUSTOMER) -> dict[str, Any]:
    conn = sqlite3.connect(sb.path)
    conn.row_factory = sqlite3.Row
    try:
        row = conn.execute(
            "SELECT companyname, email, phone FROM customer WHERE id = ?", (customer_id,)
        ).fetchone()
    finally:
        conn.close()
    return dict(row)


def _hub_customer(engine: Engine, connection_id: int) -> dict[str, Any]:
    with engine.connect() as conn:
        data = conn.execute(
            select(Customer.data).where(  # type: ignore[call-overload]
                Customer.connection_id == connection_id, Customer.external_id == CUSTOMER
            )
        ).scalar_one()
    return dict(data)


def _log(engine: Engine, connection_id: int) -> list[tuple[str, str, dict[str, Any]]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(SyncLogEntry.level, SyncLogEntry.message, SyncLogEntry.context)  # type: ignore[call-overload]
            .where(SyncLogEntry.connection_id == connection_id)
            .order_by(SyncLogEntry.id)
        ).all()
    return [(r[0], r[1], r[2]) for r in rows if r[2].get("event") == "write_back"]


def _patches(sb: Sandbox) -> int:
    return int(sb.counters()["statuses"].get("204", 0))


def test_write_back_updates_netsuite_and_the_hub(
    engine: Engine, sb: Sandbox, synced: Synced, service: ConnectionService
) -> None:
    cid = synced()
    result = write_back_customer(
        engine,
        cid,
        CUSTOMER,
        {"email": "ar@new-domain.example", "phone": "+1 555 000 1111"},
        author="alice",
        connections=service,
    )
    assert result.status == "written" and result.written and result.kept == {}
    assert result.fields == ("email", "phone")
    emulator = _emulator_customer(sb)
    assert (emulator["email"], emulator["phone"]) == ("ar@new-domain.example", "+1 555 000 1111")
    hub = _hub_customer(engine, cid)
    assert (hub["email"], hub["phone"]) == ("ar@new-domain.example", "+1 555 000 1111")
    assert _patches(sb) == 1
    [(level, message, context)] = _log(engine, cid)
    assert level == "info" and "wrote email, phone" in message
    assert context["author"] == "alice" and context["status"] == "written"


def test_a_write_back_followed_by_an_incremental_sync_does_not_echo(
    engine: Engine, sb: Sandbox, synced: Synced, service: ConnectionService
) -> None:
    cid = synced()
    write_back_customer(
        engine, cid, CUSTOMER, {"name": "Renamed Holdings"}, author="bob", connections=service
    )
    assert _patches(sb) == 1
    run = run_sync(engine, cid, connections=service)
    assert run.status == "succeeded"
    # NetSuite's new lastmodifieddate puts the customer in the incremental window, but the hub
    # already stored that exact state: nothing changes, nothing is written again, no flip back.
    assert run.counts["customer"]["fetched"] >= 1
    assert run.counts["customer"]["updated"] == 0 and run.counts["customer"]["created"] == 0
    assert _patches(sb) == 1
    assert _hub_customer(engine, cid)["name"] == "Renamed Holdings"
    assert _emulator_customer(sb)["companyname"] == "Renamed Holdings"
    assert len(_log(engine, cid)) == 1


def test_a_newer_netsuite_edit_wins_and_is_logged_as_a_warning(
    engine: Engine, sb: Sandbox, synced: Synced, service: ConnectionService
) -> None:
    cid = synced()
    edited_at = utcnow() - timedelta(minutes=10)  # the hub edit, queued a while ago
    sb.store.update_customer(CUSTOMER, email="netsuite-side@acme.example")  # changed since
    result = write_back_customer(
        engine,
        cid,
        CUSTOMER,
        {"email": "hub-side@acme.example"},
        author="carol",
        edited_at=edited_at,
        connections=service,
    )
    assert result.status == "conflict" and not result.written
    assert result.kept == {"email": "netsuite-side@acme.example"}
    assert _patches(sb) == 0
    assert _emulator_customer(sb)["email"] == "netsuite-side@acme.example"
    assert _hub_customer(engine, cid)["email"] == "netsuite-side@acme.example"
    [(level, message, context)] = _log(engine, cid)
    assert level == "warning" and "conflict" in message and "email" in message
    assert context["status"] == "conflict" and context["author"] == "carol"


def test_only_bidirectional_connections_write_back(
    engine: Engine, sb: Sandbox, synced: Synced, service: ConnectionService
) -> None:
    cid = synced(direction="source_to_hub")
    with pytest.raises(ConfigError, match="not bidirectional") as caught:
        write_back_customer(
            engine, cid, CUSTOMER, {"email": "x@y.example"}, author="a", connections=service
        )
    assert any("bidirectional" in cause for cause in caught.value.causes)
    assert _patches(sb) == 0


def test_unknown_customers_and_fields_are_refused(
    engine: Engine, sb: Sandbox, synced: Synced, service: ConnectionService
) -> None:
    cid = synced()
    with pytest.raises(ConfigError, match="no customer '99999'"):
        write_back_customer(
            engine, cid, "99999", {"email": "x@y.example"}, author="a", connections=service
        )
    with pytest.raises(ConfigError, match="credit_limit"):
        write_back_customer(
            engine, cid, CUSTOMER, {"credit_limit": "5"}, author="a", connections=service
        )
    assert _patches(sb) == 0


def test_changes_are_validated() -> None:
    assert validate_customer_changes({"email": " a@b.example ", "phone": ""}) == {
        "email": "a@b.example",
        "phone": None,
    }
    with pytest.raises(ConfigError, match="nothing to write back"):
        validate_customer_changes({})
    with pytest.raises(ConfigError, match="not an email"):
        validate_customer_changes({"email": "nobody"})
    with pytest.raises(ConfigError, match="name cannot be empty"):
        validate_customer_changes({"name": "  "})
