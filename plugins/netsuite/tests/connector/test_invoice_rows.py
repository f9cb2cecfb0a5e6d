"""Invoices with lines from one joined query (``aggregate_children`` off): regrouping, page
boundaries, resuming, cost."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from hub_netsuite.connector import NetSuiteConnector
from hub_netsuite.connector.invoicerows import InvoiceGrouper
from hub_netsuite.sandbox.api import Sandbox

from .conftest import read_all

Connect = Callable[..., NetSuiteConnector]


def _emulator_lines(sb: Sandbox) -> dict[str, list[tuple[str, str]]]:
    conn = sqlite3.connect(sb.path)
    try:
        rows = conn.execute(
            'SELECT tl."transaction", tl.id, tl.item FROM transactionline tl '
            'JOIN "transaction" t ON t.id = tl."transaction" '
            "WHERE t.type = 'CustInvc' AND tl.mainline = 'F' AND tl.taxline = 'F' "
            'ORDER BY tl."transaction", tl.linesequencenumber, tl.id'
        ).fetchall()
        invoices = conn.execute("SELECT id FROM \"transaction\" WHERE type = 'CustInvc'")
        lines: dict[str, list[tuple[str, str]]] = {str(i): [] for (i,) in invoices}
    finally:
        conn.close()
    for invoice, line, item in rows:
        lines[str(invoice)].append((str(line), str(item)))
    return lines


def _lines(record: dict[str, Any]) -> list[tuple[str, str]]:
    return [(line["id"], line["item"]) for line in record["lines"]]


def test_lines_straddling_pages_are_regrouped_into_whole_invoices(
    sb: Sandbox, connect: Connect
) -> None:
    # 3 rows a page: invoices of 4-5 lines always cross a page boundary.
    pages = list(connect(sb, page_size=3, aggregate_children=False).read("invoices", None))
    seen: dict[str, list[tuple[str, str]]] = {}
    for page in pages:
        for record in page.records:
            assert record["id"] not in seen, "an invoice was split across pages"
            seen[record["id"]] = _lines(record)
    assert seen == _emulator_lines(sb)
    assert any(len(lines) >= 4 for lines in seen.values())


def test_one_request_per_page_of_rows(sb: Sandbox, connect: Connect) -> None:
    connector = connect(sb, page_size=50, aggregate_children=False)
    records, _, _ = read_all(connector, "invoices")
    rows = sum(max(1, len(r["lines"])) for r in records)
    # Pages of 50 joined rows, plus the final (short) page; no per-page line queries.
    assert connector.context.requests_made == rows // 50 + 1


def test_a_resumed_run_restarts_after_the_last_whole_invoice(sb: Sandbox, connect: Connect) -> None:
    connector = connect(sb, page_size=4, aggregate_children=False)
    pages = connector.read("invoices", None)
    first = next(pages)
    second = next(pages)
    pages.close()
    resumed, _, _ = read_all(
        connect(sb, page_size=4, aggregate_children=False), "invoices", first.state
    )
    assert resumed[0]["id"] == second.records[0]["id"]
    everything = {r["id"]: _lines(r) for r in [*first.records, *resumed]}
    assert everything == _emulator_lines(sb)


def test_fetch_returns_an_invoice_with_all_its_lines(sb: Sandbox, connect: Connect) -> None:
    expected = _emulator_lines(sb)
    invoice_id = next(i for i, lines in expected.items() if len(lines) == 5)
    record = connect(sb, page_size=2, aggregate_children=False).fetch("invoice", invoice_id)
    assert record is not None and _lines(record) == expected[invoice_id]


def test_grouper_keeps_the_trailing_invoice_open_until_it_is_complete() -> None:
    grouper = InvoiceGrouper()
    row = {"id": "7", "tranid": "INV7", "line_id": "1", "line_linesequencenumber": "1"}
    assert grouper.add([row, {**row, "line_id": "2", "line_linesequencenumber": "2"}]) == []
    assert grouper.position == ("7", "2")
    done = grouper.add([{"id": "8"}])  # invoice 8 has no lines
    assert [d["id"] for d in done] == ["7"] and len(done[0]["lines"]) == 2
    assert grouper.position == ("8", None)
    last = grouper.flush()
    assert last == [{"id": "8", "lines": []}] and grouper.flush() == []
