"""Shared helpers of the web admin tests (CSV exports, login, CSRF tokens)."""

from __future__ import annotations

import csv
import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient

PASSWORD = "correct-horse-battery"
#: Config schema of the test connectors: an account id and a write-only token.
ACCOUNT_TOKEN_SCHEMA = {
    "type": "object",
    "required": ["account", "token"],
    "properties": {
        "account": {"type": "string", "title": "Account ID"},
        "token": {"type": "string", "title": "Token secret", "x-secret": True},
    },
}


def write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def make_exports(folder: Path, invoices: int = 12) -> Path:
    """CSV exports for the example connector: overdue invoices in every aging bucket, 2 currencies."""
    folder.mkdir(parents=True, exist_ok=True)
    today = date.today()
    write(
        folder / "customers.csv",
        [
            {
                "id": f"C{i}",
                "name": f"Customer {i}",
                "email": f"ap{i}@example.test",
                "currency": "EUR" if i % 2 else "USD",
                "credit_limit": "5000.00",
                "active": "true",
                "updated_at": f"2026-01-0{i}T10:00:00Z",
            }
            for i in range(1, 5)
        ],
    )
    write(
        folder / "contacts.csv",
        [
            {
                "id": "K1",
                "customer_id": "C1",
                "first_name": "Ann",
                "last_name": "Lee",
                "email": "ann@example.test",
                "primary": "true",
                "updated_at": "2026-01-01T00:00:00Z",
            }
        ],
    )
    ages = [-10, 5, 20, 45, 75, 120]
    write(
        folder / "invoices.csv",
        [
            {
                "id": f"I{i}",
                "number": f"INV-{i}",
                "customer_id": f"C{1 + i % 2}",
                "issue_date": (today - timedelta(days=40)).isoformat(),
                "due_date": (today - timedelta(days=ages[i % len(ages)])).isoformat(),
                "currency": "EUR" if i % 2 else "USD",
                "total": "100.00",
                "amount_due": "100.00",
                "status": "open",
                "updated_at": f"2026-02-{1 + i:02d}T00:00:00Z",
            }
            for i in range(1, invoices + 1)
        ],
    )
    write(
        folder / "invoice_lines.csv",
        [
            {
                "invoice_id": "I1",
                "description": "Consulting",
                "quantity": "1",
                "unit_price": "100.00",
                "amount": "100.00",
            }
        ],
    )
    write(
        folder / "payments.csv",
        [
            {
                "id": "P1",
                "number": "PAY-1",
                "customer_id": "C1",
                "date": "2026-02-10",
                "amount": "50.00",
                "currency": "EUR",
                "method": "wire",
                "updated_at": "2026-02-10T00:00:00Z",
            }
        ],
    )
    write(
        folder / "payment_applications.csv",
        [{"payment_id": "P1", "invoice_id": "I1", "amount": "50.00"}],
    )
    return folder


_TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def csrf_token(client: FlaskClient, url: str = "/login") -> str:
    page = client.get(url).get_data(as_text=True)
    match = _TOKEN.search(page) or re.search(r'id="csrf_token"[^>]*value="([^"]+)"', page)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def login(client: FlaskClient, email: str, password: str = PASSWORD) -> Any:
    token = csrf_token(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def seed_receivables(engine: Any) -> dict[str, Any]:
    """Rows as a sync leaves them: a connection, 2 customers (one with a contact), open invoices
    1, 20, 45, 75 and 120 days overdue plus one due in 5 days (USD) and one in EUR, a payment."""
    from sqlmodel import Session

    from hub.models import Connection, Contact, Customer, Invoice, Payment, PaymentApplication

    today = date.today()
    with Session(engine) as session:
        connection = Connection(name="erp", plugin="example_csv", config={}, objects=["invoice"])
        session.add(connection)
        session.flush()
        cid = connection.id
        assert cid is not None

        def rec(model: Any, external_id: str, **fields: Any) -> Any:
            row = model(
                connection_id=cid, external_id=external_id, data={}, content_hash="x", **fields
            )
            session.add(row)
            return row

        rec(Customer, "C1", name="Blue Chemicals", email="ap@blue.example", currency="USD")
        rec(Customer, "C2", name="Oak Plastics", email="ap@oak.example", currency="EUR")
        rec(
            Contact,
            "K1",
            customer_external_id="C1",
            first_name="Ann",
            last_name="Lee",
            email="ann@blue.example",
            is_primary=True,
        )
        for n, age in enumerate([1, 20, 45, 75, 120, -5], start=1):
            rec(
                Invoice,
                f"I{n}",
                number=f"INV-{n}",
                customer_external_id="C1",
                issue_date=today - timedelta(days=age + 30),
                due_date=today - timedelta(days=age),
                currency="USD",
                total=Decimal("100.00"),
                amount_due=Decimal("100.00"),
                status="open",
            )
        rec(
            Invoice,
            "E1",
            number="INV-E1",
            customer_external_id="C2",
            issue_date=today - timedelta(days=40),
            due_date=today - timedelta(days=10),
            currency="EUR",
            total=Decimal("250.50"),
            amount_due=Decimal("250.50"),
            status="open",
        )
        payment = rec(
            Payment,
            "P1",
            number="PAY-1",
            customer_external_id="C1",
            date=today - timedelta(days=3),
            amount=Decimal("50.00"),
            currency="USD",
        )
        session.flush()
        session.add(
            PaymentApplication(
                payment_id=payment.id,
                connection_id=cid,
                invoice_external_id="I1",
                amount=Decimal("50.00"),
            )
        )
        session.commit()
    return {"connection_id": cid}
