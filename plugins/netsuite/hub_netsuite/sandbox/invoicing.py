"""Invoice mutations: create, approve and void invoices; delete records as NetSuite would."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from hub_netsuite.sandbox.applications import unapply
from hub_netsuite.sandbox.mutations import (
    CENT,
    Mutation,
    currency_id,
    customer_row,
    insert,
    main_line,
    money,
    money_text,
    next_id,
    next_number,
    user_error,
)
from hub_netsuite.sandbox.records import (
    RecordError,
    RecordReader,
    invalid_value,
    not_found,
    spec_for,
)


def create_invoice(
    m: Mutation,
    customer_id: str,
    lines: Sequence[Mapping[str, Any]],
    *,
    currency: str | None = None,
    trandate: date | None = None,
    duedate: date | None = None,
    approved: bool = True,
) -> str:
    """Insert an invoice with its main and item lines; returns the new id."""
    conn = m.conn
    customer = customer_row(conn, customer_id)
    currency_key = currency_id(conn, currency) if currency else int(customer["currency"] or 1)
    rate = conn.execute(
        'SELECT "exchangerate" FROM "currency" WHERE "id" = ?', (currency_key,)
    ).fetchone()[0]
    day = trandate or m.today()
    if duedate is None:
        days = 0
        if customer["terms"] is not None:
            days = conn.execute(
                'SELECT "daysuntilnetdue" FROM "term" WHERE "id" = ?', (customer["terms"],)
            ).fetchone()[0]
        duedate = day + timedelta(days=int(days or 0))
    priced = [_priced_line(line) for line in lines]
    total = sum((amount for _, _, amount, _ in priced), Decimal(0))
    now = m.now()
    invoice_id = next_id(conn, "transaction")
    sign = -1 if m.settings.signed_line_amounts else 1
    insert(
        conn,
        "transaction",
        {
            "id": invoice_id,
            "tranid": next_number(conn, "CustInvc", "INV"),
            "type": "CustInvc",
            "recordtype": "invoice",
            "trandate": day.isoformat(),
            "duedate": duedate.isoformat(),
            "entity": int(customer_id),
            "currency": currency_key,
            "exchangerate": rate,
            "foreigntotal": money_text(total),
            "foreignamountpaid": "0",
            "foreignamountunpaid": money_text(total),
            "status": "A" if approved else "D",
            "approvalstatus": 2 if approved else 1,
            "terms": customer["terms"],
            "posting": "T" if approved else "F",
            "voided": "F",
            "createddate": now,
            "lastmodifieddate": now,
        },
    )
    insert(conn, "transactionline", main_line(invoice_id, int(customer_id), total, now))
    for number, (item, quantity, amount, memo) in enumerate(priced, start=1):
        insert(
            conn,
            "transactionline",
            {
                "transaction": invoice_id,
                "id": number,
                "linesequencenumber": number,
                "mainline": "F",
                "taxline": "F",
                "entity": int(customer_id),
                "item": item,
                "memo": memo,
                "quantity": str(sign * quantity),
                "rate": money_text(amount / quantity) if quantity else None,
                "foreignamount": money_text(sign * amount),
                "netamount": money_text(sign * amount),
                "linelastmodifieddate": now,
            },
        )
    m.refresh_balances(int(customer_id))
    m.emit("invoice", invoice_id, "create")
    return str(invoice_id)


def _priced_line(line: Mapping[str, Any]) -> tuple[int | None, Decimal, Decimal, str | None]:
    try:
        quantity = Decimal(str(line.get("quantity", 1)))
        if "amount" in line:
            amount = Decimal(str(line["amount"])).quantize(CENT)
        else:
            amount = (quantity * Decimal(str(line["rate"]))).quantize(CENT)
    except (KeyError, InvalidOperation):
        raise invalid_value("item", dict(line)) from None
    if amount <= 0:
        raise invalid_value("amount", amount)
    item = line.get("item")
    memo = line.get("description") or line.get("memo")
    return (int(item) if item is not None else None), quantity, amount, memo


def _invoice_row(m: Mutation, invoice_id: str) -> Any:
    row = m.conn.execute(
        'SELECT "status", "voided", "entity" FROM "transaction" '
        'WHERE "id" = ? AND "type" = \'CustInvc\'',
        (int(invoice_id) if str(invoice_id).isdigit() else -1,),
    ).fetchone()
    if row is None:
        raise not_found()
    return row


def approve_invoice(m: Mutation, invoice_id: str) -> None:
    """Approve a pending-approval invoice: status Open, approval status Approved, posting."""
    row = _invoice_row(m, invoice_id)
    if row["status"] != "D":
        raise user_error("This transaction is not pending approval.")
    now = m.now()
    m.conn.execute(
        'UPDATE "transaction" SET "status" = \'A\', "approvalstatus" = 2, "posting" = \'T\', '
        '"lastmodifieddate" = ? WHERE "id" = ?',
        (now, int(invoice_id)),
    )
    m.conn.execute(
        'UPDATE "transactionline" SET "linelastmodifieddate" = ? '
        'WHERE "transaction" = ? AND "mainline" = \'T\'',
        (now, int(invoice_id)),
    )
    m.refresh_balances(int(row["entity"]))
    m.emit("invoice", invoice_id, "edit")


def void_invoice(m: Mutation, invoice_id: str) -> None:
    """Void an open or pending invoice (no applications allowed): status V, nothing due."""
    conn = m.conn
    row = _invoice_row(m, invoice_id)
    if row["voided"] == "T":
        raise user_error("This transaction has already been voided.")
    applied = conn.execute(
        'SELECT 1 FROM "nexttransactionlinelink" WHERE "previousdoc" = ?', (int(invoice_id),)
    ).fetchone()
    if applied is not None:
        raise user_error(
            "You cannot void this transaction because payments or credits are applied to it."
        )
    now = m.now()
    conn.execute(
        'UPDATE "transaction" SET "voided" = \'T\', "status" = \'V\', "posting" = \'F\', '
        '"foreignamountunpaid" = 0, "lastmodifieddate" = ? WHERE "id" = ?',
        (now, int(invoice_id)),
    )
    conn.execute(
        'UPDATE "transactionline" SET "foreignamountunpaid" = 0, "linelastmodifieddate" = ? '
        'WHERE "transaction" = ? AND "mainline" = \'T\'',
        (now, int(invoice_id)),
    )
    m.refresh_balances(int(row["entity"]))
    m.emit("invoice", invoice_id, "void")


def delete_record(m: Mutation, record_type: str, record_id: str) -> None:
    """Delete a record as NetSuite would and log it in ``deletedrecord``."""
    conn = m.conn
    spec = spec_for(record_type)
    row = RecordReader(conn).row(spec, str(record_id))
    rid = int(record_id)
    now = m.now()
    if spec.table == "customer":
        has_transactions = conn.execute(
            'SELECT 1 FROM "transaction" WHERE "entity" = ? LIMIT 1', (rid,)
        ).fetchone()
        if has_transactions is not None:
            raise _dependent_records()
        conn.execute(
            'UPDATE "contact" SET "company" = NULL, "lastmodifieddate" = ? WHERE "company" = ?',
            (now, rid),
        )
    elif spec.table == "transaction":
        _delete_transaction(m, spec.name, rid, now)
    conn.execute(f'DELETE FROM "{spec.table}" WHERE "id" = ?', (rid,))
    name = row["tranid"] if spec.table == "transaction" else row["entityid"]
    insert(
        conn,
        "deletedrecord",
        {
            "id": next_id(conn, "deletedrecord"),
            "recordid": rid,
            "recordtype": spec.name.lower(),
            "type": spec.type_code or spec.name,
            "name": name,
            "deleteddate": now,
            "context": "WEBSERVICES",
        },
    )
    if spec.table == "transaction":
        m.refresh_balances(int(row["entity"]))
    m.emit(spec.name, rid, "delete")


def _delete_transaction(m: Mutation, record_type: str, rid: int, now: str) -> None:
    conn = m.conn
    if record_type == "invoice":
        applied = conn.execute(
            'SELECT 1 FROM "nexttransactionlinelink" WHERE "previousdoc" = ?', (rid,)
        ).fetchone()
        if applied is not None:
            raise _dependent_records()
    else:
        links = conn.execute(
            'SELECT "previousdoc", "foreignamount" FROM "nexttransactionlinelink" '
            'WHERE "nextdoc" = ?',
            (rid,),
        ).fetchall()
        for link in links:
            unapply(conn, int(link["previousdoc"]), money(link["foreignamount"]), now)
        conn.execute('DELETE FROM "nexttransactionlinelink" WHERE "nextdoc" = ?', (rid,))
    conn.execute('DELETE FROM "transactionline" WHERE "transaction" = ?', (rid,))


def _dependent_records() -> RecordError:
    return user_error("This record cannot be deleted because it has dependent records.")
