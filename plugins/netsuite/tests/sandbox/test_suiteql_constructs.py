"""Every SuiteQL construct the translator supports, on a generated account."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from hub_netsuite.sandbox.store import SandboxStore

TODAY = date(2024, 6, 1)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxStore]:
    path = tmp_path_factory.mktemp("constructs") / "account.db"
    clock_now = datetime(2024, 6, 2, 0, 0, tzinfo=UTC)  # 5 pm on June 1st in Los Angeles
    built = SandboxStore.generate(
        path, customers=30, invoices=150, payments=60, seed=7, today=TODAY, clock=lambda: clock_now
    )
    yield built
    built.close()


def rows(store: SandboxStore, q: str, params: list[object] | None = None) -> list[dict[str, str]]:
    return store.suiteql(q, params).items


def test_join_with_aliases_and_case_insensitive_identifiers(store: SandboxStore) -> None:
    items = rows(
        store,
        "SELECT T.TranID, C.CompanyName FROM Transaction T JOIN Customer C ON C.ID = T.Entity "
        "WHERE T.Type = 'CustInvc' ORDER BY T.id",
    )
    assert len(items) == 150
    expected = rows(
        store, "SELECT BUILTIN.DF(entity) AS n FROM transaction WHERE type = 'CustInvc' ORDER BY id"
    )
    assert [i["companyname"] for i in items] == [e["n"] for e in expected]


def test_left_join_keeps_customers_without_invoices(store: SandboxStore) -> None:
    items = rows(
        store,
        "SELECT c.id, COUNT(t.id) AS n FROM customer c LEFT JOIN transaction t "
        "ON t.entity = c.id AND t.type = 'CustInvc' GROUP BY c.id",
    )
    assert len(items) == 30
    assert sum(int(i["n"]) for i in items) == 150


def test_subquery_in_and_between(store: SandboxStore) -> None:
    items = rows(
        store,
        "SELECT id FROM transaction WHERE type = 'CustInvc' AND entity IN "
        "(SELECT id FROM customer WHERE currency = 1) AND foreigntotal BETWEEN ? AND ?",
        ["100", "5000"],
    )
    for item in items:
        check = rows(
            store,
            "SELECT c.currency, t.foreigntotal FROM transaction t JOIN customer c "
            "ON c.id = t.entity WHERE t.id = ?",
            [item["id"]],
        )[0]
        assert check["currency"] == "1"
        assert Decimal(100) <= Decimal(check["foreigntotal"]) <= Decimal(5000)
    assert items


def test_not_in_list_and_like(store: SandboxStore) -> None:
    statuses = {
        i["status"]
        for i in rows(
            store,
            "SELECT status FROM transaction WHERE type = 'CustInvc' AND status NOT IN ('A', 'B')",
        )
    }
    assert statuses <= {"D", "V"} and statuses
    names = rows(store, "SELECT tranid FROM transaction WHERE tranid LIKE 'INV1000%'")
    assert {n["tranid"] for n in names} == {f"INV1000{i}" for i in range(1, 10)}


def test_aggregates_group_by_having_order_by(store: SandboxStore) -> None:
    items = rows(
        store,
        "SELECT entity, COUNT(*) AS n, SUM(foreignamountunpaid) AS open, MIN(trandate) AS first "
        "FROM transaction WHERE type = 'CustInvc' GROUP BY entity "
        "HAVING SUM(foreignamountunpaid) > 0 ORDER BY open DESC",
    )
    opens = [Decimal(i["open"]) for i in items]
    assert opens == sorted(opens, reverse=True) and all(o > 0 for o in opens)
    assert all("/" in i["first"] for i in items)  # MIN(date) keeps the date rendering


def test_sum_is_exact(store: SandboxStore) -> None:
    total = rows(store, "SELECT SUM(foreigntotal) AS s FROM transaction WHERE type = 'CustInvc'")[
        0
    ]["s"]
    lines = rows(store, "SELECT foreigntotal FROM transaction WHERE type = 'CustInvc'")
    assert Decimal(total) == sum(Decimal(r["foreigntotal"]) for r in lines)


def test_to_date_and_to_timestamp_filters(store: SandboxStore) -> None:
    on_or_after = rows(
        store,
        "SELECT TO_CHAR(trandate, 'YYYY-MM-DD') AS d FROM transaction "
        "WHERE trandate >= TO_DATE(?, 'YYYY-MM-DD') AND type = 'CustInvc'",
        ["2024-05-01"],
    )
    assert on_or_after and all(r["d"] >= "2024-05-01" for r in on_or_after)
    modified = rows(
        store,
        "SELECT TO_CHAR(lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS m FROM transaction "
        "WHERE lastmodifieddate >= TO_TIMESTAMP('2024-05-01 00:00:00', 'YYYY-MM-DD HH24:MI:SS')",
    )
    assert modified and all(r["m"] >= "2024-05-01 00:00:00" for r in modified)
    everything = rows(store, "SELECT COUNT(*) AS n FROM transaction")[0]["n"]
    before = rows(
        store,
        "SELECT COUNT(*) AS n FROM transaction WHERE lastmodifieddate < "
        "TO_TIMESTAMP('2024-05-01 00:00:00', 'YYYY-MM-DD HH24:MI:SS')",
    )[0]["n"]
    assert int(before) + len(modified) == int(everything)


def test_preference_formatted_string_compares_as_date(store: SandboxStore) -> None:
    by_string = rows(store, "SELECT id FROM transaction WHERE trandate >= '5/1/2024'")
    by_function = rows(
        store, "SELECT id FROM transaction WHERE trandate >= TO_DATE('2024-05-01', 'YYYY-MM-DD')"
    )
    assert by_string == by_function and by_string


def test_date_arithmetic_and_sysdate(store: SandboxStore) -> None:
    item = rows(
        store,
        "SELECT TO_CHAR(SYSDATE, 'YYYY-MM-DD HH24:MI') AS now, "
        "TO_CHAR(TRUNC(SYSDATE), 'YYYY-MM-DD HH24:MI') AS today, "
        "TRUNC(SYSDATE) - TO_DATE('2024-05-22', 'YYYY-MM-DD') AS days, "
        "TO_CHAR(TO_DATE('2024-05-22', 'YYYY-MM-DD') + 10, 'YYYY-MM-DD') AS later "
        "FROM customer WHERE ROWNUM <= 1",
    )[0]
    assert item == {
        "now": "2024-06-01 17:00",
        "today": "2024-06-01 00:00",
        "days": "10",
        "later": "2024-06-01",
    }
    overdue = rows(
        store,
        "SELECT id, TRUNC(SYSDATE) - duedate AS late FROM transaction WHERE type = 'CustInvc' "
        "AND status = 'A' AND duedate < TRUNC(SYSDATE)",
    )
    assert overdue and all(int(r["late"]) > 0 for r in overdue)


def test_nvl_nvl2_coalesce_case_and_concat(store: SandboxStore) -> None:
    item = rows(
        store,
        "SELECT NVL(memo, 'none') AS a, NVL2(memo, 'has', 'empty') AS b, "
        "COALESCE(memo, otherrefnum, tranid) AS c, "
        "CASE WHEN status = 'A' THEN 'open' WHEN status = 'B' THEN 'paid' ELSE 'other' END AS d, "
        "tranid || ' / ' || type AS e FROM transaction WHERE tranid = 'INV10001' AND type = 'CustInvc'",
    )[0]
    assert item["e"] == "INV10001 / CustInvc"
    assert item["d"] in {"open", "paid", "other"}
    assert item["c"] in {"INV10001", "VOID"}


def test_rownum_and_fetch_first(store: SandboxStore) -> None:
    assert len(rows(store, "SELECT * FROM transaction WHERE ROWNUM <= 3")) == 3
    assert (
        len(rows(store, "SELECT id FROM transaction WHERE ROWNUM < 3 AND type = 'CustPymt'")) == 2
    )
    numbered = rows(store, "SELECT ROWNUM AS rn, id FROM customer WHERE ROWNUM <= 4")
    assert [r["rn"] for r in numbered] == ["1", "2", "3", "4"]
    fetched = store.suiteql("SELECT id FROM transaction ORDER BY id DESC FETCH FIRST 5 ROWS ONLY")
    ids = [int(r["id"]) for r in fetched.items]
    assert ids == sorted(ids, reverse=True) and len(ids) == 5 and fetched.total_results == 5
    paged = rows(
        store, "SELECT id FROM transaction ORDER BY id OFFSET 2 ROWS FETCH NEXT 2 ROWS ONLY"
    )
    first = rows(store, "SELECT id FROM transaction ORDER BY id FETCH FIRST 4 ROWS ONLY")
    assert paged == first[2:]


def test_select_star_returns_catalog_columns(store: SandboxStore) -> None:
    item = rows(store, "SELECT * FROM currency WHERE symbol = 'EUR'")[0]
    assert item["name"] == "Euro" and item["isbasecurrency"] == "F" and "exchangerate" in item


def test_paging_and_total_results(store: SandboxStore) -> None:
    q = "SELECT id FROM transaction WHERE type = 'CustInvc' ORDER BY id"
    first = store.suiteql(q, limit=40, offset=0)
    third = store.suiteql(q, limit=40, offset=80)
    whole = store.suiteql(q)
    assert first.total_results == third.total_results == 150
    assert first.items == whole.items[:40] and third.items == whole.items[80:120]


def test_keyset_paging_with_parameters(store: SandboxStore) -> None:
    q = (
        "SELECT t.id, TO_CHAR(t.trandate, 'YYYY-MM-DD') AS trandate FROM transaction t "
        "WHERE t.type = 'CustInvc' AND t.id > ? ORDER BY t.id FETCH FIRST 50 ROWS ONLY"
    )
    seen: list[str] = []
    last = "0"
    while True:
        page = store.suiteql(q, [last])
        if not page.items:
            break
        assert page.total_results == len(page.items)
        seen.extend(item["id"] for item in page.items)
        last = page.items[-1]["id"]
    assert len(seen) == 150 == len(set(seen))


def test_count_cache_is_invalidated_by_mutations(store: SandboxStore) -> None:
    q = "SELECT id FROM customer WHERE companyname LIKE ?"
    assert store.suiteql(q, ["Zz Cached%"]).total_results == 0
    store.create_customer(companyname="Zz Cached Ltd")
    assert store.suiteql(q, ["Zz Cached%"]).total_results == 1


def test_link_tables_and_views(store: SandboxStore) -> None:
    links = rows(
        store,
        "SELECT l.nextdoc AS paymentid, l.previousdoc AS invoiceid, l.foreignamount AS applied, "
        "l.linktype FROM NextTransactionLineLink l WHERE l.previoustype = 'CustInvc' "
        "AND l.nexttype = 'CustPymt'",
    )
    assert links and all(link["linktype"] == "Payment" for link in links)
    previous = rows(store, "SELECT COUNT(*) AS n FROM PreviousTransactionLineLink")[0]["n"]
    assert int(previous) >= len(links)
    docs = rows(
        store, "SELECT nextdoc, SUM(foreignamount) AS s FROM NextTransactionLink GROUP BY nextdoc"
    )
    assert docs


def test_parameters_are_bound_not_interpolated(store: SandboxStore) -> None:
    assert rows(store, "SELECT id FROM customer WHERE companyname = ?", ["x' OR '1'='1"]) == []
    assert rows(
        store, "SELECT id FROM customer WHERE isinactive = ? AND id > ?", [True, 0]
    ) == rows(store, "SELECT id FROM customer WHERE isinactive = 'T'")
