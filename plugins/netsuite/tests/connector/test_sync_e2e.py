"""End to end: a NetSuite connection synced by the hub's engine equals the emulator's data."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from decimal import Decimal

from sqlalchemy import Engine

from hub.connections import ConnectionService
from hub.crypto import SecretBox
from hub.export import iter_canonical
from hub.plugins import PluginHost
from hub.sync import run_sync
from hub_netsuite.sandbox.api import Sandbox

from .conftest import FAST


def _emulator_invoices(sb: Sandbox) -> dict[str, tuple[Decimal, str, str]]:
    conn = sqlite3.connect(sb.path)
    try:
        rows = conn.execute(
            'SELECT t.id, t.foreignamountunpaid, t.status, c.symbol FROM "transaction" t '
            "JOIN currency c ON c.id = t.currency WHERE t.type = 'CustInvc'"
        ).fetchall()
    finally:
        conn.close()
    return {str(i): (Decimal(str(due)), status, code) for i, due, status, code in rows}


def _hub_invoices(engine: Engine) -> dict[str, tuple[Decimal, str, str]]:
    letters = {
        "open": "A",
        "partially_paid": "A",
        "paid": "B",
        "void": "V",
        "pending_approval": "D",
    }
    return {
        r["external_id"]: (Decimal(r["amount_due"]), letters[r["status"]], r["currency"])
        for r in iter_canonical(engine, "invoice", connection="ns")
    }


def test_sync_then_incremental_matches_the_emulator(
    engine: Engine, make_sandbox: Callable[..., Sandbox]
) -> None:
    sb = make_sandbox()
    service = ConnectionService(engine, PluginHost().load(), SecretBox("e2e-test-key"))
    connection = service.add("ns", "netsuite", {**sb.connection_config(), **FAST})
    assert connection.id is not None
    assert service.test("ns").ok

    run = run_sync(engine, connection.id, connections=service)
    assert run.status == "succeeded", run.status
    assert _hub_invoices(engine) == _emulator_invoices(sb)

    open_invoice = next(i for i, (due, s, _) in _emulator_invoices(sb).items() if s == "A" and due)
    customer = (
        sqlite3.connect(sb.path)
        .execute('SELECT entity FROM "transaction" WHERE id = ?', (open_invoice,))
        .fetchone()[0]
    )
    sb.store.record_payment(str(customer), Decimal("1.00"), {open_invoice: Decimal("1.00")})
    assert run_sync(engine, connection.id, connections=service).status == "succeeded"
    hub = _hub_invoices(engine)
    assert hub == _emulator_invoices(sb)
    assert hub[open_invoice][0] == _emulator_invoices(sb)[open_invoice][0]
