"""LISTAGG ... WITHIN GROUP (ORDER BY ...) and Oracle's number-to-text rules inside ``||``."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub_netsuite.sandbox.store import SandboxSettings, SandboxStore, SuiteQLError


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxStore]:
    path = tmp_path_factory.mktemp("listagg") / "account.db"
    built = SandboxStore.generate(path, customers=20, invoices=60, payments=20, seed=3)
    yield built
    built.close()


def _lines_of(store: SandboxStore, invoice: str) -> list[tuple[int, int, str]]:
    conn = sqlite3.connect(store.path)
    try:
        rows = conn.execute(
            'SELECT id, linesequencenumber, item FROM transactionline WHERE "transaction" = ? '
            "AND mainline = 'F'",
            (invoice,),
        ).fetchall()
    finally:
        conn.close()
    return [(int(i), int(seq), str(item)) for i, seq, item in rows]


def _invoice_with_lines(store: SandboxStore, count: int) -> str:
    [item] = store.suiteql(
        "SELECT t.id FROM transaction t WHERE t.type = 'CustInvc' AND "
        f"(SELECT COUNT(*) FROM transactionline tl WHERE tl.transaction = t.id "
        f"AND tl.mainline = 'F') = {count} AND ROWNUM <= 1"
    ).items
    return item["id"]


def test_correlated_listagg_orders_and_separates(store: SandboxStore) -> None:
    invoice = _invoice_with_lines(store, 4)
    query = (
        "SELECT t.id, (SELECT LISTAGG(tl.id, ';') WITHIN GROUP (ORDER BY tl.id DESC) "
        "FROM transactionline tl WHERE tl.transaction = t.id AND tl.mainline = 'F') AS ids "
        "FROM transaction t WHERE t.id = ?"
    )
    [row] = store.suiteql(query, params=[invoice]).items
    expected = sorted((line for line, _, _ in _lines_of(store, invoice)), reverse=True)
    assert row["ids"] == ";".join(str(i) for i in expected)


def test_listagg_with_group_by_and_mixed_directions(store: SandboxStore) -> None:
    invoice = _invoice_with_lines(store, 5)
    query = (
        "SELECT tl.transaction AS inv, LISTAGG(tl.item || '@' || tl.linesequencenumber, ',') "
        "WITHIN GROUP (ORDER BY tl.item ASC, tl.linesequencenumber DESC) AS items "
        "FROM transactionline tl WHERE tl.transaction = ? AND tl.mainline = 'F' "
        "GROUP BY tl.transaction"
    )
    [row] = store.suiteql(query, params=[invoice]).items
    lines = _lines_of(store, invoice)
    ordered = sorted(lines, key=lambda line: (int(line[2]), -line[1]))
    assert row["items"] == ",".join(f"{item}@{seq}" for _, seq, item in ordered)


def test_listagg_skips_nulls_and_is_null_without_rows(store: SandboxStore) -> None:
    invoice = _invoice_with_lines(store, 3)
    query = (
        "SELECT (SELECT LISTAGG(tl.memo, ',') WITHIN GROUP (ORDER BY tl.id) "
        "FROM transactionline tl WHERE tl.transaction = t.id AND tl.mainline = 'F') AS memos, "
        "(SELECT LISTAGG(tl.id, ',') WITHIN GROUP (ORDER BY tl.id) FROM transactionline tl "
        "WHERE tl.transaction = t.id AND tl.id < 0) AS none FROM transaction t WHERE t.id = ?"
    )
    [row] = store.suiteql(query, params=[invoice]).items
    assert "memos" not in row and "none" not in row  # NULL columns are omitted


def test_listagg_distinct(store: SandboxStore) -> None:
    invoice = _invoice_with_lines(store, 5)
    query = (
        "SELECT LISTAGG(DISTINCT tl.mainline, '') WITHIN GROUP (ORDER BY tl.mainline) AS flags "
        "FROM transactionline tl WHERE tl.transaction = ?"
    )
    [row] = store.suiteql(query, params=[invoice]).items
    assert row["flags"] == "FT"


def test_a_result_over_4000_bytes_fails_the_query_as_in_oracle(store: SandboxStore) -> None:
    invoice = _invoice_with_lines(store, 5)
    # 5 lines x 900 two-byte characters = 9,000 bytes.
    query = (
        "SELECT (SELECT LISTAGG(RPAD('é', 900, 'é'), ',') WITHIN GROUP (ORDER BY tl.id) "
        "FROM transactionline tl WHERE tl.transaction = t.id AND tl.mainline = 'F') AS big "
        "FROM transaction t WHERE t.id = ?"
    )
    with pytest.raises(SuiteQLError, match="ORA-01489"):
        store.suiteql(query, params=[invoice])
    fits = query.replace("900", "390")  # 5 x 780 bytes + separators < 4,000
    [row] = store.suiteql(fits, params=[invoice]).items
    assert len(row["big"]) == 5 * 390 + 4


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("0.5 || ''", ".5"),
        ("-0.25 || 'x'", "-.25x"),
        ("(1 + 2) || ':'", "3:"),
        ("LENGTH(0.5)", "2"),
        ("LENGTH(-0.5) || ':' || -0.5", "3:-.5"),
        ("NULL || 'a'", "a"),
    ],
)
def test_numbers_become_text_the_oracle_way(
    store: SandboxStore, expression: str, expected: str
) -> None:
    [item] = store.suiteql(f"SELECT {expression} AS v FROM customer WHERE ROWNUM <= 1").items
    assert item["v"] == expected


def test_an_account_can_refuse_listagg_and_link_subqueries(tmp_path: Path) -> None:
    settings = SandboxSettings(refused_constructs=frozenset({"listagg", "link_subquery"}))
    store = SandboxStore.generate(
        tmp_path / "refusing.db", customers=5, invoices=10, payments=5, seed=1, settings=settings
    )
    try:
        with pytest.raises(SuiteQLError, match="Invalid or unsupported search"):
            store.suiteql("SELECT LISTAGG(c.id, ',') WITHIN GROUP (ORDER BY c.id) FROM customer c")
        with pytest.raises(SuiteQLError, match="Invalid or unsupported search"):
            store.suiteql(
                "SELECT t.id FROM transaction t WHERE t.id IN "
                "(SELECT l.previousdoc FROM NextTransactionLineLink l)"
            )
        # The link table itself, queried flat, still answers.
        assert store.suiteql("SELECT l.nextdoc FROM NextTransactionLineLink l").items
    finally:
        store.close()
    with pytest.raises(ValueError, match="unknown refused_constructs"):
        SandboxStore.generate(
            tmp_path / "typo.db",
            customers=1,
            invoices=1,
            payments=0,
            settings=SandboxSettings(refused_constructs=frozenset({"listag"})),
        )
