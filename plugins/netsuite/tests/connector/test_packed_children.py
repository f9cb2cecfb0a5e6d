"""Invoice lines and payment applications packed into their parent's row (LISTAGG), the
fallback to separate rows when NetSuite refuses the packed query, and the packing format."""

from __future__ import annotations

import logging
import math
import sqlite3
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from hub import LocalContext
from hub_netsuite.connector import NetSuiteConnector
from hub_netsuite.connector.packed import PackError, pack_expression, unpack
from hub_netsuite.sandbox.api import Sandbox

from .conftest import SIZES, read_all

Connect = Callable[..., NetSuiteConnector]
NUMERIC = ("quantity", "rate", "amount", "applied")


def _normalised(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Records by id, numbers as Decimals (Oracle writes 0.5 as '.5' inside text)."""

    def child(values: dict[str, str]) -> dict[str, Any]:
        return {k: Decimal(v) if k in NUMERIC else v for k, v in values.items()}

    out: dict[str, Any] = {}
    for record in records:
        copy = dict(record)
        for key in ("lines", "applications"):
            if key in copy:
                copy[key] = [child(c) for c in copy[key]]
        out[record["id"]] = copy
    return out


def _line_counts(sb: Sandbox) -> dict[str, int]:
    """Item lines per invoice, in invoice id order."""
    conn = sqlite3.connect(sb.path)
    try:
        rows = conn.execute(
            'SELECT t.id, COUNT(tl.id) FROM "transaction" t LEFT JOIN transactionline tl '
            "ON tl.\"transaction\" = t.id AND tl.mainline = 'F' AND tl.taxline = 'F' "
            "WHERE t.type = 'CustInvc' GROUP BY t.id ORDER BY t.id"
        )
        return {str(i): int(n) for i, n in rows}
    finally:
        conn.close()


def _invoice_ids(sb: Sandbox) -> list[str]:
    return list(_line_counts(sb))


def _big(counts: dict[str, int], first: int, last: int) -> str:
    """An invoice with 2+ lines among positions ``first..last`` (a 2,100-character memo on
    each of its lines takes its packed lines past 4,000 bytes)."""
    ids = list(counts)
    return next(i for i in ids[first : last + 1] if counts[i] >= 2)


def _set_memo(sb: Sandbox, invoice: str, memo: str) -> None:
    conn = sqlite3.connect(sb.path)
    try:
        conn.execute(
            "UPDATE transactionline SET memo = ? WHERE \"transaction\" = ? AND mainline = 'F'",
            (memo, invoice),
        )
        conn.commit()
    finally:
        conn.close()


@pytest.mark.parametrize("stream", ["invoices", "payments"])
def test_packed_children_equal_children_read_as_rows(
    sb: Sandbox, connect: Connect, stream: str
) -> None:
    packed, _, _ = read_all(connect(sb), stream)
    as_rows, _, _ = read_all(connect(sb, aggregate_children=False), stream)
    key = "lines" if stream == "invoices" else "applications"
    assert sum(len(r[key]) for r in packed) > len(packed)  # children really came back
    assert _normalised(packed) == _normalised(as_rows)


@pytest.mark.parametrize(("stream", "count"), [("invoices", "invoices"), ("payments", "payments")])
def test_one_request_per_page_of_parents_however_many_children(
    sb: Sandbox, connect: Connect, stream: str, count: str
) -> None:
    connector = connect(sb, page_size=10)
    records, _, _ = read_all(connector, stream)
    assert len(records) == SIZES[count]
    assert connector.context.requests_made == math.ceil(SIZES[count] / 10)


def test_text_with_separators_newlines_and_accents_survives_packing(
    sb: Sandbox, connect: Connect
) -> None:
    invoice = _invoice_ids(sb)[3]
    awkward = "12:5, net,\n:30 — déjà vu 🙂,"
    _set_memo(sb, invoice, awkward)
    records, _, _ = read_all(connect(sb), "invoices")
    [record] = [r for r in records if r["id"] == invoice]
    assert record["lines"] and all(line["memo"] == awkward for line in record["lines"])


def test_an_invoice_too_big_to_pack_is_read_as_rows_and_the_rest_stays_packed(
    sb: Sandbox, connect: Connect, caplog: pytest.LogCaptureFixture
) -> None:
    counts = _line_counts(sb)
    big_id = _big(counts, 0, 39)
    _set_memo(sb, big_id, "x" * 2100)
    context = LocalContext()
    caplog.set_level(logging.WARNING)
    records, _, state = read_all(connect(sb, context=context, page_size=40), "invoices")
    expected, _, _ = read_all(connect(sb, aggregate_children=False), "invoices")
    assert _normalised(records) == _normalised(expected)
    big = next(r for r in records if r["id"] == big_id)
    assert len(big["lines"]) >= 2 and all(len(line["memo"]) == 2100 for line in big["lines"])
    # Page 1 (40 invoices): refused + plain page + its lines as rows; page 2: one packed request.
    lines_as_rows = math.ceil(sum(list(counts.values())[:40]) / 40)
    assert context.requests_made == 2 + lines_as_rows + 1
    assert "refused the packed invoice query" in caplog.text
    assert "unpacked" not in state


def test_repeated_refusals_switch_packing_off_until_a_full_sync(
    sb: Sandbox, connect: Connect
) -> None:
    counts = _line_counts(sb)
    for first in (0, 20, 40):  # one oversized invoice in each of the first three pages
        _set_memo(sb, _big(counts, first, first + 19), "y" * 2100)
    context = LocalContext()
    records, _, state = read_all(connect(sb, context=context, page_size=20), "invoices")
    assert _normalised(records) == _normalised(
        read_all(connect(sb, aggregate_children=False), "invoices")[0]
    )
    lines = list(counts.values())
    as_rows = [1 + math.ceil(sum(lines[p : p + 20]) / 20) for p in range(0, 80, 20)]
    # Pages 1-3: refused + plain page + lines; page 4: plain + lines, no packed attempt.
    assert context.requests_made == sum(as_rows[:3]) + 3 + as_rows[3]
    assert state.get("unpacked") is True
    # Later runs of a stream marked unpacked read the joined query (one row per line) and
    # never try packing again (any attempt would change the count).
    again = LocalContext()
    joined, _, _ = read_all(
        connect(sb, context=again, page_size=20), "invoices", {"unpacked": True}
    )
    assert again.requests_made == math.ceil(sum(max(1, n) for n in lines) / 20)
    assert _normalised(joined) == _normalised(records)


@pytest.mark.parametrize("object_type", ["invoice", "payment"])
def test_fetch_reads_one_record_with_its_children_in_one_request(
    sb: Sandbox, connect: Connect, object_type: str
) -> None:
    stream = f"{object_type}s"
    everything = _normalised(read_all(connect(sb, aggregate_children=False), stream)[0])
    key = "lines" if object_type == "invoice" else "applications"
    wanted = next(i for i, r in everything.items() if len(r[key]) >= 2)
    connector = connect(sb)
    record = connector.fetch(object_type, wanted)
    assert record is not None
    assert connector.context.requests_made == 1
    assert _normalised([record])[wanted] == everything[wanted]


def test_pack_expression_prefixes_every_field_with_its_length() -> None:
    assert pack_expression(["t.a", "-t.b"]) == (
        "LENGTH(t.a) || ':' || (t.a) || LENGTH(-t.b) || ':' || (-t.b)"
    )


def test_unpack_reads_lengths_not_separators() -> None:
    text = "1:7" + "3:a,b" + "" + ":" + "," + "2:12" + "1:," + "4:\n:x:"
    assert unpack(text, ["id", "memo", "note"]) == [
        {"id": "7", "memo": "a,b"},
        {"id": "12", "memo": ",", "note": "\n:x:"},
    ]


@pytest.mark.parametrize(
    "text",
    ["3:ab", "x:ab", "1:a", "1:a1:b:,", "1:a1:b1:cX1:d1:e1:f", "1:a1:b1:c,"],
    ids=["short", "bad-length", "missing-fields", "trailing", "no-separator", "ends-with-sep"],
)
def test_unpack_refuses_what_does_not_add_up(text: str) -> None:
    with pytest.raises(PackError):
        unpack(text, ["a", "b", "c"])


def test_custom_line_fields_use_the_joined_query_without_marking_the_stream_unpacked(
    sb: Sandbox, connect: Connect
) -> None:
    # Packed text would lose a custom line field's date format, so these read one row per line;
    # that is a choice of this configuration, not a refusal to remember after it changes.
    connector = connect(sb, custom_fields={"invoice": ["custcol_project"]}, page_size=40)
    records, _, state = read_all(connector, "invoices")
    assert len(records) == SIZES["invoices"]
    assert "unpacked" not in state
    lines = sum(max(1, n) for n in _line_counts(sb).values())
    assert connector.context.requests_made == math.ceil(lines / 40)
