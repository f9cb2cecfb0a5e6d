"""Reading: keyset paging, values equal to the emulator's, incremental changes, deletions, fetch."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from hub.mapping import Mapper
from hub.plugins import PluginHost
from hub_netsuite.connector import NetSuiteConnector
from hub_netsuite.mappings import load_default_mappings
from hub_netsuite.sandbox.api import Sandbox
from hub_netsuite.sandbox.store import SandboxSettings

from .conftest import read_all

Connect = Callable[..., NetSuiteConnector]


@pytest.fixture(scope="module")
def mappers() -> dict[str, Mapper]:
    host = PluginHost().load()
    transforms = {name: r.value for name, r in host.transforms().items()}
    return {
        object_type: Mapper.compile(document, transforms=transforms)
        for object_type, document in load_default_mappings().items()
    }


def _rows(sb: Sandbox, sql: str) -> list[sqlite3.Row]:
    conn = sqlite3.connect(sb.path)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_keyset_paging_reads_every_row_once(sb: Sandbox, connect: Connect) -> None:
    pages = list(connect(sb, page_size=7).read("invoices", None))
    ids = [int(r["id"]) for p in pages for r in p.records]
    assert len(pages) >= 12
    assert ids == sorted(set(ids))
    stored = {
        int(r["id"]) for r in _rows(sb, "SELECT id FROM \"transaction\" WHERE type='CustInvc'")
    }
    assert set(ids) == stored
    assert all("run" in p.state for p in pages[:-1]) and "run" not in pages[-1].state
    assert sb.counters()["statuses"].get("400", 0) == 0


def test_paging_never_hits_the_offset_ceiling(
    make_sandbox: Callable[..., Sandbox], connect: Connect
) -> None:
    # 1000 pages is NetSuite's cap per query; keyset paging restarts at offset 0 every page.
    sb = make_sandbox()
    conn = sqlite3.connect(sb.path)
    with conn:
        conn.executemany(
            "INSERT INTO customer (id, entityid, companyname, isinactive, currency, "
            "lastmodifieddate) VALUES (?, ?, ?, 'F', 1, '2026-01-01 00:00:00')",
            [(5000 + n, f"Bulk {n}", f"Bulk {n}") for n in range(1010 - 15)],
        )
    conn.close()
    records, _, _ = read_all(connect(sb, page_size=1), "customers")
    assert len(records) == 1010


def test_records_map_cleanly_and_equal_the_emulator(
    sb: Sandbox, connect: Connect, mappers: dict[str, Mapper]
) -> None:
    connector = connect(sb)
    invoices = {}
    for spec in connector.streams():
        records, _, _ = read_all(connector, spec.name)
        for raw in records:
            result = mappers[spec.object_type].map(raw)
            assert not result.errors, (spec.name, raw["id"], result.errors)
            if spec.object_type == "invoice":
                invoices[raw["id"]] = result.record
    stored = _rows(
        sb,
        'SELECT t.id, t.foreignamountunpaid, t.foreigntotal, t.status, c.symbol FROM "transaction" t '
        "JOIN currency c ON c.id = t.currency WHERE t.type = 'CustInvc'",
    )
    assert len(stored) == len(invoices)
    statuses = set()
    for row in stored:
        mapped = invoices[str(row["id"])]
        assert Decimal(mapped["amount_due"]) == Decimal(str(row["foreignamountunpaid"]))
        assert Decimal(mapped["total"]) == Decimal(str(row["foreigntotal"]))
        assert mapped["currency"] == row["symbol"]
        expected = {"A": "open", "B": "paid", "D": "pending_approval", "V": "void"}[row["status"]]
        if expected == "open" and 0 < Decimal(mapped["amount_due"]) < Decimal(mapped["total"]):
            expected = "partially_paid"
        assert mapped["status"] == expected
        statuses.add(mapped["status"])
        assert mapped["lines"] and all(Decimal(line["amount"]) > 0 for line in mapped["lines"])
    assert {"open", "paid"} <= statuses


def _open_invoice(sb: Sandbox, applied: bool) -> tuple[str, str, Decimal]:
    link = "EXISTS" if applied else "NOT EXISTS"
    row = _rows(
        sb,
        'SELECT t.id, t.entity, t.foreignamountunpaid FROM "transaction" t '
        "JOIN customer c ON c.id = t.entity "
        "WHERE t.type='CustInvc' AND t.status='A' AND t.currency = c.currency "
        f"AND {link} (SELECT 1 FROM nexttransactionlinelink l WHERE l.previousdoc = t.id) "
        "ORDER BY t.id LIMIT 1",
    )[0]
    return str(row["id"]), str(row["entity"]), Decimal(str(row["foreignamountunpaid"]))


@pytest.mark.parametrize(
    "refused",
    [set(), {"link_subquery"}, {"listagg"}, {"listagg", "link_subquery"}],
    ids=["all-accepted", "no-link-subquery", "no-listagg", "neither"],
)
def test_incremental_reads_exactly_the_changes(
    make_sandbox: Callable[..., Sandbox],
    connect: Connect,
    mappers: dict[str, Mapper],
    refused: set[str],
) -> None:
    # Applying a payment does not touch the invoice header here: only the link table shows it.
    # Accounts refusing LISTAGG or link-table subqueries must give the same answers (fallbacks).
    settings = SandboxSettings(payment_touches_invoice=False, refused_constructs=frozenset(refused))
    sb = make_sandbox(settings=settings)
    # Pages of 10: three refused pages in the first read mark a stream unpacked.
    connector = connect(sb, overlap_minutes=0, page_size=10)
    first = {s.name: read_all(connector, s.name) for s in connector.streams()}
    later = datetime.now(UTC) + timedelta(days=2)
    sb.store.clock = lambda: later

    paid_id, customer_id, due = _open_invoice(sb, applied=False)
    payment_id = sb.store.record_payment(customer_id, due, {paid_id: due})
    void_id = _open_invoice(sb, applied=False)[0]
    sb.store.void_invoice(void_id)
    new_id = sb.store.create_invoice(customer_id, [{"amount": "120.50"}], currency=None)
    sb.store.update_customer(customer_id, email="new-ap@example.com")

    def again(stream: str, changed: set[str]) -> list[dict[str, Any]]:
        records, deleted, state = read_all(connector, stream, first[stream][2])
        old_cursor = first[stream][2]["cursor"]
        still_in_window = {r["id"] for r in first[stream][0] if r["lastmodified"] >= old_cursor}
        ids = [r["id"] for r in records]
        assert len(ids) == len(set(ids)), "a read must not repeat a record"
        assert set(ids) == changed | still_in_window
        assert deleted == []
        assert state["cursor"] >= old_cursor
        transactions = stream in ("invoices", "payments")
        assert state.get("flat_links", False) is (transactions and "link_subquery" in refused)
        # Packed applications are a LISTAGG over a link-table subquery: either refusal counts.
        packing_refused = "listagg" in refused or (stream == "payments" and bool(refused))
        assert state.get("unpacked", False) is (transactions and packing_refused)
        return records

    invoices = {r["id"]: r for r in again("invoices", {paid_id, void_id, new_id})}
    assert mappers["invoice"].map(invoices[paid_id]).record["status"] == "paid"
    assert mappers["invoice"].map(invoices[paid_id]).record["amount_due"] == "0.00"
    assert mappers["invoice"].map(invoices[void_id]).record["status"] == "void"
    assert [line["amount"] for line in invoices[new_id]["lines"]] == ["120.5"]
    payments = {r["id"]: r for r in again("payments", {payment_id})}
    assert payments[payment_id]["applications"] == [{"invoiceid": paid_id, "applied": str(due)}]
    customers = {r["id"]: r for r in again("customers", {customer_id})}
    assert customers[customer_id]["email"] == "new-ap@example.com"
    again("contacts", set())


def test_deleted_payments_are_reported_and_their_invoices_reread(
    sb: Sandbox, connect: Connect
) -> None:
    connector = connect(sb, overlap_minutes=0)
    _, _, invoice_state = read_all(connector, "invoices")
    _, _, payment_state = read_all(connector, "payments")
    link = _rows(sb, "SELECT nextdoc, previousdoc FROM nexttransactionlinelink LIMIT 1")[0]
    later = datetime.now(UTC) + timedelta(days=2)
    sb.store.clock = lambda: later
    sb.store.delete_record("customerPayment", str(link["nextdoc"]))
    records, deleted, _ = read_all(connector, "payments", payment_state)
    assert deleted == [str(link["nextdoc"])]
    assert str(link["nextdoc"]) not in {r["id"] for r in records}
    invoices, _, _ = read_all(connector, "invoices", invoice_state)
    assert str(link["previousdoc"]) in {r["id"] for r in invoices}


def test_fetch_returns_the_current_row_with_children(sb: Sandbox, connect: Connect) -> None:
    connector = connect(sb)
    records, _, _ = read_all(connector, "invoices")
    assert connector.fetch("invoice", records[3]["id"]) == records[3]
    payments, _, _ = read_all(connector, "payments")
    fetched = connector.fetch("payment", payments[0]["id"])
    assert fetched is not None and fetched["applications"] == payments[0]["applications"]
    assert connector.fetch("invoice", "999999") is None
    assert connector.fetch("customer", "x'; DROP") is None


def test_custom_fields_are_selected_from_config(sb: Sandbox, connect: Connect) -> None:
    connector = connect(
        sb, custom_fields={"customer": ["custentity_region"], "invoice": ["custbody_disputed"]}
    )
    customers, _, _ = read_all(connector, "customers")
    assert any("custentity_region" in r for r in customers)
    invoices, _, _ = read_all(connector, "invoices")
    assert all(r.get("custbody_disputed") in ("T", "F") for r in invoices)
