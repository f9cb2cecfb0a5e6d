"""Applying money to invoices: customer payments and credit memos, with their link rows.

Each application raises the invoice's paid amount, lowers what is due, closes it when nothing is
left (status B, Paid In Full) and writes a ``NextTransactionLineLink`` row from the invoice to the
payment or credit memo.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from hub_netsuite.sandbox.mutations import (
    CENT,
    Mutation,
    customer_row,
    insert,
    main_line,
    money,
    money_text,
    next_id,
    next_number,
    user_error,
)
from hub_netsuite.sandbox.records import invalid_value, not_found


def record_payment(
    m: Mutation,
    customer_id: str,
    amount: Decimal,
    applications: Mapping[str, Decimal] | None = None,
    *,
    trandate: date | None = None,
) -> str:
    """Insert a customer payment and apply it (oldest due first when ``applications`` is None)."""
    amount = Decimal(amount).quantize(CENT)
    if amount <= 0:
        raise invalid_value("payment", amount)
    conn = m.conn
    customer = customer_row(conn, customer_id)
    currency = int(customer["currency"] or 1)
    open_invoices = _open_invoices(conn, int(customer_id))
    plan = _plan(applications, open_invoices, amount, currency, "payment")
    now = m.now()
    day = trandate or m.today()
    payment_id = next_id(conn, "transaction")
    used = sum(plan.values(), Decimal(0))
    rate = conn.execute(
        'SELECT "exchangerate" FROM "currency" WHERE "id" = ?', (currency,)
    ).fetchone()[0]
    insert(
        conn,
        "transaction",
        {
            "id": payment_id,
            "tranid": next_number(conn, "CustPymt", "PYMT"),
            "type": "CustPymt",
            "recordtype": "customerpayment",
            "trandate": day.isoformat(),
            "entity": int(customer_id),
            "currency": currency,
            "exchangerate": rate,
            "foreigntotal": money_text(amount),
            "foreignpaymentamountused": money_text(used),
            "foreignpaymentamountunused": money_text(amount - used),
            "status": "B",
            "approvalstatus": 2,
            "posting": "T",
            "voided": "F",
            "createddate": now,
            "lastmodifieddate": now,
        },
    )
    main = main_line(payment_id, int(customer_id), amount, now)
    main.update(
        foreignamountpaid=None,
        foreignamountunpaid=None,
        foreignpaymentamountused=money_text(used),
        foreignpaymentamountunused=money_text(amount - used),
    )
    insert(conn, "transactionline", main)
    for line, (invoice_id, applied) in enumerate(plan.items(), start=1):
        _apply(m, invoice_id, payment_id, "CustPymt", line, applied, day, now)
    m.refresh_balances(int(customer_id))
    m.emit("customerPayment", payment_id, "create")
    return str(payment_id)


def apply_credit_memo(
    m: Mutation, credit_memo_id: str, applications: Mapping[str, Decimal] | None = None
) -> None:
    """Apply a credit memo's unapplied amount to open invoices of its customer (oldest due
    first when ``applications`` is None). The memo becomes Fully Applied (B) when used up."""
    conn = m.conn
    memo = conn.execute(
        'SELECT "entity", "currency", "voided", "foreignpaymentamountused", '
        '"foreignpaymentamountunused" FROM "transaction" WHERE "id" = ? AND "type" = \'CustCred\'',
        (int(credit_memo_id) if str(credit_memo_id).isdigit() else -1,),
    ).fetchone()
    if memo is None:
        raise not_found()
    if memo["voided"] == "T":
        raise user_error("You cannot apply a voided credit memo.")
    unused = money(memo["foreignpaymentamountunused"])
    if unused <= 0:
        raise user_error("This credit memo has no amount left to apply.")
    entity = int(memo["entity"])
    plan = _plan(applications, _open_invoices(conn, entity), unused, int(memo["currency"]), "apply")
    if not plan:
        raise user_error("There are no open invoices to apply this credit memo to.")
    now = m.now()
    day = m.today()
    last_line = conn.execute(
        'SELECT COALESCE(MAX("nextline"), 0) FROM "nexttransactionlinelink" WHERE "nextdoc" = ?',
        (int(credit_memo_id),),
    ).fetchone()[0]
    for line, (invoice_id, applied) in enumerate(plan.items(), start=int(last_line) + 1):
        _apply(m, invoice_id, int(credit_memo_id), "CustCred", line, applied, day, now)
    applied_total = sum(plan.values(), Decimal(0))
    used = money_text(money(memo["foreignpaymentamountused"]) + applied_total)
    left = money_text(unused - applied_total)
    status = "B" if unused == applied_total else "A"
    conn.execute(
        'UPDATE "transaction" SET "foreignpaymentamountused" = ?, '
        '"foreignpaymentamountunused" = ?, "status" = ?, "lastmodifieddate" = ? WHERE "id" = ?',
        (used, left, status, now, int(credit_memo_id)),
    )
    conn.execute(
        'UPDATE "transactionline" SET "foreignpaymentamountused" = ?, '
        '"foreignpaymentamountunused" = ?, "linelastmodifieddate" = ? '
        'WHERE "transaction" = ? AND "mainline" = \'T\'',
        (used, left, now, int(credit_memo_id)),
    )
    m.refresh_balances(entity)
    m.emit("creditMemo", credit_memo_id, "edit")


def _open_invoices(conn: sqlite3.Connection, entity: int) -> dict[str, sqlite3.Row]:
    rows = conn.execute(
        'SELECT "id", "foreignamountunpaid", "currency", "exchangerate" FROM "transaction" '
        'WHERE "type" = \'CustInvc\' AND "entity" = ? AND "status" = \'A\' '
        'AND "foreignamountunpaid" > 0 ORDER BY "duedate", "id"',
        (entity,),
    ).fetchall()
    return {str(row["id"]): row for row in rows}


def _plan(
    applications: Mapping[str, Decimal] | None,
    open_invoices: Mapping[str, sqlite3.Row],
    amount: Decimal,
    currency: int,
    total_field: str,
) -> dict[str, Decimal]:
    """Invoice id → amount to apply; explicit applications are validated, else oldest first."""
    plan: dict[str, Decimal] = {}
    if applications is None:
        left = amount
        for invoice_id, row in open_invoices.items():
            if left <= 0:
                break
            if int(row["currency"]) != currency:
                continue
            applied = min(left, money(row["foreignamountunpaid"]))
            plan[invoice_id] = applied
            left -= applied
        return plan
    for invoice_id, value in applications.items():
        applied = Decimal(value).quantize(CENT)
        found = open_invoices.get(str(invoice_id))
        if found is None or int(found["currency"]) != currency:
            raise invalid_value("apply.doc", invoice_id)
        if applied <= 0 or applied > money(found["foreignamountunpaid"]):
            raise invalid_value("apply.amount", applied)
        plan[str(invoice_id)] = applied
    if sum(plan.values(), Decimal(0)) > amount:
        raise invalid_value(total_field, amount)
    return plan


def _apply(
    m: Mutation,
    invoice_id: str,
    payer_id: int,
    payer_type: str,
    line: int,
    applied: Decimal,
    day: date,
    now: str,
) -> None:
    conn = m.conn
    row = conn.execute(
        'SELECT "foreignamountpaid", "foreignamountunpaid", "exchangerate" '
        'FROM "transaction" WHERE "id" = ?',
        (int(invoice_id),),
    ).fetchone()
    paid = money(row["foreignamountpaid"]) + applied
    unpaid = money(row["foreignamountunpaid"]) - applied
    status = "B" if unpaid == 0 else "A"
    touch = ', "lastmodifieddate" = ?' if m.settings.payment_touches_invoice else ""
    params: list[Any] = [money_text(paid), money_text(unpaid), status]
    if touch:
        params.append(now)
    conn.execute(
        f'UPDATE "transaction" SET "foreignamountpaid" = ?, "foreignamountunpaid" = ?, '
        f'"status" = ?{touch} WHERE "id" = ?',
        [*params, int(invoice_id)],
    )
    conn.execute(
        'UPDATE "transactionline" SET "foreignamountpaid" = ?, "foreignamountunpaid" = ?, '
        '"linelastmodifieddate" = ? WHERE "transaction" = ? AND "mainline" = \'T\'',
        (money_text(paid), money_text(unpaid), now, int(invoice_id)),
    )
    base = (applied * money(row["exchangerate"] or 1)).quantize(CENT)
    insert(
        conn,
        "nexttransactionlinelink",
        {
            "previousdoc": int(invoice_id),
            "previousline": 0,
            "previoustype": "CustInvc",
            "nextdoc": payer_id,
            "nextline": line,
            "nexttype": payer_type,
            "linktype": "Payment",
            "foreignamount": money_text(applied),
            "amount": money_text(base),
            "linkdate": day.isoformat(),
            "lastmodifieddate": now,
        },
    )


def unapply(conn: sqlite3.Connection, invoice_id: int, amount: Decimal, now: str) -> None:
    """Take ``amount`` of a deleted payment or credit memo back off an invoice (reopens it)."""
    row = conn.execute(
        'SELECT "foreignamountpaid", "foreignamountunpaid" FROM "transaction" WHERE "id" = ?',
        (invoice_id,),
    ).fetchone()
    paid = money(row["foreignamountpaid"]) - amount
    unpaid = money(row["foreignamountunpaid"]) + amount
    conn.execute(
        'UPDATE "transaction" SET "foreignamountpaid" = ?, "foreignamountunpaid" = ?, '
        '"status" = \'A\', "lastmodifieddate" = ? WHERE "id" = ?',
        (money_text(paid), money_text(unpaid), now, invoice_id),
    )
    conn.execute(
        'UPDATE "transactionline" SET "foreignamountpaid" = ?, "foreignamountunpaid" = ?, '
        '"linelastmodifieddate" = ? WHERE "transaction" = ? AND "mainline" = \'T\'',
        (money_text(paid), money_text(unpaid), now, invoice_id),
    )
