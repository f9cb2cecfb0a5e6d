"""The example CSV plugin passes the connector test kit (as any third-party connector would)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from hub.testing import ConnectorContractTests


def write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def make_exports(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write(
        folder / "customers.csv",
        [
            {
                "id": f"C{i}",
                "name": f"Customer {i}",
                "email": f"ap{i}@example.test",
                "currency": "EUR",
                "credit_limit": "5000.00",
                "active": "true",
                "custom_segment": "smb",
                "updated_at": f"2026-01-0{i}T10:00:00Z",
            }
            for i in range(1, 6)
        ],
    )
    write(
        folder / "contacts.csv",
        [
            {
                "id": f"K{i}",
                "customer_id": f"C{i}",
                "first_name": "Ann",
                "last_name": f"Lee{i}",
                "email": f"ann{i}@example.test",
                "primary": "true",
                "updated_at": "2026-01-01T00:00:00Z",
            }
            for i in range(1, 4)
        ],
    )
    write(
        folder / "invoices.csv",
        [
            {
                "id": f"I{i}",
                "number": f"INV-{i}",
                "customer_id": "C1",
                "issue_date": "2026-01-01",
                "due_date": "2026-01-31",
                "currency": "EUR",
                "total": "120.00",
                "amount_due": "120.00",
                "status": "open",
                "updated_at": f"2026-02-0{i}T00:00:00Z",
            }
            for i in range(1, 5)
        ],
    )
    write(
        folder / "invoice_lines.csv",
        [
            {
                "invoice_id": "I1",
                "description": "Consulting",
                "quantity": "2",
                "unit_price": "60.00",
                "amount": "120.00",
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


class TestExampleCsvConnector(ConnectorContractTests):
    connector_name = "example_csv"

    @pytest.fixture
    def good_config(self, tmp_path: Path) -> dict[str, Any]:
        return {"folder": str(make_exports(tmp_path / "exports")), "page_size": 2}

    @pytest.fixture
    def bad_config(self, tmp_path: Path) -> dict[str, Any]:
        return {"folder": str(tmp_path / "does-not-exist")}


def test_invoice_lines_and_applications_are_attached(tmp_path: Path) -> None:
    from hub_example_csv.connector import CsvConnector

    connector = CsvConnector({"folder": str(make_exports(tmp_path))})
    [page] = list(connector.read("invoices", None))
    assert page.records[0]["lines"] == [
        {
            "invoice_id": "I1",
            "description": "Consulting",
            "quantity": "2",
            "unit_price": "60.00",
            "amount": "120.00",
        }
    ]
    payment = connector.fetch("payment", "P1")
    assert payment is not None and payment["applications"][0]["amount"] == "50.00"
    assert connector.fetch("payment", "nope") is None
