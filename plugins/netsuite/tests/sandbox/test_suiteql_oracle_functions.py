"""Oracle string and number functions ordinary SuiteQL users write, and ROWNUM before ORDER BY."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from hub_netsuite.sandbox.store import SandboxStore, SuiteQLError


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxStore]:
    path = tmp_path_factory.mktemp("oracle") / "account.db"
    built = SandboxStore.generate(path, customers=30, invoices=150, payments=60, seed=7)
    yield built
    built.close()


def value(store: SandboxStore, expression: str) -> str | None:
    """The rendered value of ``expression`` (None when NULL, as SuiteQL omits it)."""
    [item] = store.suiteql(f"SELECT {expression} AS v FROM customer WHERE ROWNUM <= 1").items
    return item.get("v")


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("UPPER('Acme Ltd')", "ACME LTD"),
        ("LOWER('Acme Ltd')", "acme ltd"),
        ("INITCAP('hello wORLD-wide')", "Hello World-Wide"),
        ("SUBSTR('abcdef', 2, 3)", "bcd"),
        ("SUBSTR('abcdef', 3)", "cdef"),
        ("SUBSTR('abcdef', 0, 2)", "ab"),
        ("SUBSTR('abcdef', -2)", "ef"),
        ("SUBSTR('abcdef', -3, 2)", "de"),
        ("SUBSTR('abcdef', 2, 0)", None),
        ("SUBSTR('abc', 9)", None),
        ("INSTR('hello world', 'o')", "5"),
        ("INSTR('hello world', 'o', 6)", "8"),
        ("INSTR('a,b,c', ',', 1, 2)", "4"),
        ("INSTR('hello', 'l', -1)", "4"),
        ("INSTR('hello', 'l', -1, 2)", "3"),
        ("INSTR('hello', 'z')", "0"),
        ("LENGTH('abc')", "3"),
        ("LENGTH(12.5)", "4"),
        ("LENGTH('')", None),
        ("TRIM('  ab  ')", "ab"),
        ("LTRIM('xxab', 'x')", "ab"),
        ("RTRIM('abyy', 'y')", "ab"),
        ("TRIM(BOTH 'x' FROM 'xxabxx')", "ab"),
        ("REPLACE('a-b-c', '-', '+')", "a+b+c"),
        ("REPLACE('a-b-c', '-')", "abc"),
        ("REPLACE('abc', NULL, 'x')", "abc"),
        ("LPAD('7', 3, '0')", "007"),
        ("LPAD('x', 4)", "   x"),
        ("LPAD('abcdef', 3)", "abc"),
        ("LPAD('5', 6, 'ab')", "ababa5"),
        ("RPAD('ab', 5, '*')", "ab***"),
        ("RPAD('abc', 0)", None),
        ("LPAD(NULL, 3, '0')", None),
        ("ROUND(2.456, 2)", "2.46"),
        ("ROUND(1.005, 2)", "1.01"),
        ("ROUND(2.5)", "3"),
        ("ROUND(-2.5)", "-3"),
        ("ROUND(1234.5, -2)", "1200"),
        ("ROUND(7)", "7"),
        ("TRUNC(2.789, 1)", "2.7"),
        ("TRUNC(-2.7)", "-2"),
        ("TRUNC(1299.5, -2)", "1200"),
        ("ABS(-3.5)", "3.5"),
        ("ABS(2)", "2"),
        ("GREATEST(1, 5, 3)", "5"),
        ("LEAST(4, 2, 9)", "2"),
        ("GREATEST('apple', 'cherry', 'banana')", "cherry"),
        ("GREATEST(1, NULL, 3)", None),
        ("LEAST(NULL, 1)", None),
        ("UPPER(NULL)", None),
    ],
)
def test_oracle_function(store: SandboxStore, expression: str, expected: str | None) -> None:
    assert value(store, expression) == expected


def test_functions_on_columns_and_in_where(store: SandboxStore) -> None:
    items = store.suiteql(
        "SELECT id, tranid, LPAD(SUBSTR(tranid, 4), 8, '0') AS padded, "
        "ROUND(foreigntotal / 3, 2) AS third, GREATEST(trandate, duedate) AS latest "
        "FROM transaction WHERE type = 'CustInvc' AND UPPER(SUBSTR(tranid, 1, 3)) = 'INV' "
        "AND INSTR(tranid, '1') = 4 ORDER BY id FETCH FIRST 3 ROWS ONLY"
    ).items
    assert len(items) == 3
    raw = store.suiteql(
        "SELECT id, foreigntotal, TO_CHAR(duedate, 'MM/DD/YYYY') AS due FROM transaction "
        "WHERE type = 'CustInvc' ORDER BY id FETCH FIRST 3 ROWS ONLY"
    ).items
    for item, source in zip(items, raw, strict=True):
        assert item["padded"] == item["tranid"][3:].rjust(8, "0")
        third = (Decimal(source["foreigntotal"]) / 3).quantize(Decimal("0.01"))
        assert Decimal(item["third"]) == third
        month, day, year = source["due"].split("/")
        assert item["latest"] == f"{int(month)}/{int(day)}/{year}"  # a date, user format


def test_bad_numbers_are_search_errors(store: SandboxStore) -> None:
    with pytest.raises(SuiteQLError) as refused:
        store.suiteql("SELECT ROUND(companyname) FROM customer")
    assert "Invalid number" in refused.value.detail
    with pytest.raises(SuiteQLError):
        store.suiteql("SELECT INSTR('abc', 'b', 1, 0) FROM customer")


# -- ROWNUM is assigned before ORDER BY, GROUP BY and aggregates ----------------------------------


def test_rownum_limits_rows_before_sorting(store: SandboxStore) -> None:
    first_found = store.suiteql("SELECT id, foreigntotal FROM transaction WHERE ROWNUM <= 5").items
    sorted_first = store.suiteql(
        "SELECT id, foreigntotal FROM transaction WHERE ROWNUM <= 5 ORDER BY foreigntotal DESC, id"
    )
    expected = sorted(first_found, key=lambda r: (-Decimal(r["foreigntotal"]), int(r["id"])))
    assert sorted_first.items == expected
    assert sorted_first.total_results == 5
    top_five = store.suiteql(
        "SELECT id, foreigntotal FROM transaction ORDER BY foreigntotal DESC, id "
        "FETCH FIRST 5 ROWS ONLY"
    ).items
    assert top_five != sorted_first.items  # ROWNUM is not a top-N after sorting
    classic_top_n = store.suiteql(
        "SELECT * FROM (SELECT id, foreigntotal FROM transaction ORDER BY foreigntotal DESC, id) "
        "WHERE ROWNUM <= 5"
    ).items
    assert classic_top_n == top_five


def test_rownum_before_sorting_with_joins_filters_and_paging(store: SandboxStore) -> None:
    q = (
        "SELECT t.id, c.companyname, t.trandate FROM transaction t "
        "JOIN customer c ON c.id = t.entity WHERE t.type = 'CustInvc' AND ROWNUM <= 6 {order}"
    )
    found = store.suiteql(q.format(order="")).items
    ordered = store.suiteql(q.format(order="ORDER BY c.companyname DESC, 1"), limit=4)
    assert ordered.total_results == 6
    by_id = sorted(found, key=lambda r: int(r["id"]))
    expected = sorted(by_id, key=lambda r: r["companyname"], reverse=True)
    assert ordered.items == expected[:4]
    assert {"trandate"} <= set(ordered.items[0])
    assert "/" in ordered.items[0]["trandate"]  # still rendered as a date


def test_rownum_before_aggregates_and_grouping(store: SandboxStore) -> None:
    assert store.suiteql("SELECT COUNT(*) AS n FROM transaction WHERE ROWNUM <= 7").items == [
        {"n": "7"}
    ]
    grouped = store.suiteql(
        "SELECT entity, COUNT(*) AS n FROM transaction WHERE ROWNUM <= 10 "
        "GROUP BY entity ORDER BY entity"
    ).items
    assert sum(int(row["n"]) for row in grouped) == 10
    numbered = store.suiteql(
        "SELECT ROWNUM AS rn, id, foreigntotal FROM transaction WHERE ROWNUM <= 4 "
        "ORDER BY foreigntotal"
    ).items
    assert sorted(int(row["rn"]) for row in numbered) == [1, 2, 3, 4]
    totals = [Decimal(row["foreigntotal"]) for row in numbered]
    assert totals == sorted(totals)
