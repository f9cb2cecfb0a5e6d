"""Bulk upsert of canonical records: created / updated / unchanged, children, deletions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Engine, select
from sqlmodel import Session

from hub.models import Connection, Invoice, InvoiceLine, Payment, PaymentApplication
from hub.recordstore import mark_deleted, upsert_records


def _connection(engine: Engine) -> int:
    with Session(engine) as session:
        conn = Connection(name="acme", plugin="netsuite")
        session.add(conn)
        session.commit()
        assert conn.id is not None
        return conn.id


def _invoice(ext: str, amount_due: str = "100.00", lines: int = 2) -> dict[str, object]:
    return {
        "external_id": ext,
        "number": f"INV-{ext}",
        "customer_external_id": "C1",
        "issue_date": "2026-01-01",
        "due_date": "2026-01-31",
        "currency": "EUR",
        "exchange_rate": "1.084500000000",
        "total": "100.00",
        "amount_due": amount_due,
        "status": "open" if amount_due == "100.00" else "partially_paid",
        "lines": [
            {"description": f"line {i}", "quantity": "1", "unit_price": "50.00", "amount": "50.00"}
            for i in range(lines)
        ],
        "custom_fields": {"custbody_region": "EU"},
    }


def test_upsert_classifies_and_stores_decimals_and_children(engine: Engine) -> None:
    cid = _connection(engine)
    with engine.begin() as conn:
        first = upsert_records(conn, cid, "invoice", [_invoice("1"), _invoice("2")])
    assert (first.created, first.updated, first.unchanged) == (2, 0, 0)
    assert [c.action for c in first.changes or []] == ["created", "created"]

    with engine.begin() as conn:
        again = upsert_records(conn, cid, "invoice", [_invoice("1"), _invoice("2", "40.00", 3)])
    assert (again.created, again.updated, again.unchanged) == (0, 1, 1)
    assert [(c.external_id, c.action) for c in again.changes or []] == [("2", "updated")]

    with Session(engine) as session:
        inv = session.exec(select(Invoice).where(Invoice.external_id == "2")).scalar_one()
        assert inv.amount_due == Decimal("40.0000") and isinstance(inv.amount_due, Decimal)
        assert inv.exchange_rate == Decimal("1.084500000000")
        assert inv.due_date == dt.date(2026, 1, 31)
        assert inv.status == "partially_paid"
        assert inv.custom_fields == {"custbody_region": "EU"}
        lines = session.exec(select(InvoiceLine).where(InvoiceLine.invoice_id == inv.id)).all()
        assert len(lines) == 3
        total_lines = session.exec(select(InvoiceLine)).all()
        assert len(total_lines) == 5  # 2 for invoice 1, 3 (replaced) for invoice 2


def test_payment_applications_replaced(engine: Engine) -> None:
    cid = _connection(engine)
    payment = {
        "external_id": "P1",
        "number": "PAY1",
        "customer_external_id": "C1",
        "date": "2026-02-01",
        "amount": "150.00",
        "currency": "EUR",
        "method": "wire",
        "unapplied_amount": "0.00",
        "applications": [
            {"invoice_external_id": "1", "amount": "100.00"},
            {"invoice_external_id": "2", "amount": "50.00"},
        ],
    }
    with engine.begin() as conn:
        upsert_records(conn, cid, "payment", [payment])
    payment["applications"] = [{"invoice_external_id": "1", "amount": "150.00"}]
    with engine.begin() as conn:
        result = upsert_records(conn, cid, "payment", [payment])
    assert result.updated == 1
    with Session(engine) as session:
        apps = session.exec(select(PaymentApplication)).scalars().all()
        assert [(a.invoice_external_id, a.amount) for a in apps] == [("1", Decimal("150.0000"))]
        assert session.exec(select(Payment)).scalar_one().amount == Decimal("150.0000")


def test_duplicate_ids_in_one_batch_last_wins(engine: Engine) -> None:
    cid = _connection(engine)
    with engine.begin() as conn:
        result = upsert_records(conn, cid, "invoice", [_invoice("1"), _invoice("1", "10.00")])
    assert result.created == 1
    with Session(engine) as session:
        assert session.exec(select(Invoice)).scalar_one().amount_due == Decimal("10.0000")


def test_mark_deleted_then_reappear(engine: Engine) -> None:
    cid = _connection(engine)
    with engine.begin() as conn:
        upsert_records(conn, cid, "invoice", [_invoice("1")])
        changes = mark_deleted(conn, cid, "invoice", ["1", "1", "missing"])
    assert [(c.external_id, c.action) for c in changes] == [("1", "deleted")]
    with Session(engine) as session:
        inv = session.exec(select(Invoice)).scalar_one()
        assert inv.is_deleted and inv.amount_due == 0 and inv.deleted_at is not None
    with engine.begin() as conn:
        assert mark_deleted(conn, cid, "invoice", ["1"]) == []
        back = upsert_records(conn, cid, "invoice", [_invoice("1")])
    assert back.updated == 1
    with Session(engine) as session:
        assert not session.exec(select(Invoice)).scalar_one().is_deleted


def test_records_are_isolated_per_connection(engine: Engine) -> None:
    a, b = _connection(engine), None
    with Session(engine) as session:
        other = Connection(name="other", plugin="netsuite")
        session.add(other)
        session.commit()
        b = other.id
    assert b is not None
    with engine.begin() as conn:
        assert upsert_records(conn, a, "invoice", [_invoice("1")]).created == 1
        assert upsert_records(conn, b, "invoice", [_invoice("1")]).created == 1
