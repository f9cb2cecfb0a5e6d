"""The generator: deterministic for a seed, and realistic (invariants a real account holds)."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from hub_netsuite.sandbox.store import SandboxSettings, SandboxStore

TODAY = date(2024, 6, 1)
NOW = datetime(2024, 6, 2, 0, 0, tzinfo=UTC)


def dump(path: Path) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(path)
    out: list[tuple[object, ...]] = []
    for table in (
        "customer",
        "contact",
        "transaction",
        "transactionline",
        "nexttransactionlinelink",
    ):
        out.extend(conn.execute(f'SELECT * FROM "{table}" ORDER BY 1, 2').fetchall())
    conn.close()
    return out


def generate(path: Path, seed: int, **sizes: int) -> SandboxStore:
    options = {"customers": 40, "invoices": 300, "payments": 120, **sizes}
    return SandboxStore.generate(path, seed=seed, today=TODAY, clock=lambda: NOW, **options)


@pytest.fixture(scope="module")
def account(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxStore]:
    store = generate(tmp_path_factory.mktemp("gen") / "a.db", seed=11)
    yield store
    store.close()


def q(store: SandboxStore, query: str) -> list[dict[str, str]]:
    return store.suiteql(query).items


def test_same_seed_same_account_other_seed_other_account(tmp_path: Path) -> None:
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        generate(tmp_path / f"{name}.db", seed).close()
    assert dump(tmp_path / "a.db") == dump(tmp_path / "b.db")
    assert dump(tmp_path / "a.db") != dump(tmp_path / "c.db")


def test_regenerating_replaces_the_data(tmp_path: Path) -> None:
    generate(tmp_path / "r.db", 1).close()
    store = generate(tmp_path / "r.db", 1, invoices=10, payments=3)
    assert store.counts()["invoice"] == 10
    store.close()


def test_sizes(account: SandboxStore) -> None:
    counts = account.counts()
    assert counts["customer"] == 40 and counts["invoice"] == 300
    assert counts["customerPayment"] == 120 and counts["creditMemo"] >= 1
    assert counts["contact"] > 40


def test_payment_applications_add_up(account: SandboxStore) -> None:
    payments = q(
        account,
        "SELECT id, foreigntotal, foreignpaymentamountused AS used, "
        "foreignpaymentamountunused AS unused FROM transaction WHERE type IN ('CustPymt', 'CustCred')",
    )
    applied: dict[str, Decimal] = defaultdict(Decimal)
    for link in q(account, "SELECT nextdoc, foreignamount FROM NextTransactionLineLink"):
        applied[link["nextdoc"]] += Decimal(link["foreignamount"])
    for payment in payments:
        total, used = Decimal(payment["foreigntotal"]), Decimal(payment["used"])
        assert applied[payment["id"]] == used == total - Decimal(payment["unused"])
    assert any(Decimal(p["unused"]) > 0 for p in payments), "some payments keep unapplied amounts"
    per_payment = defaultdict(int)
    for link in q(
        account, "SELECT nextdoc FROM NextTransactionLineLink WHERE nexttype = 'CustPymt'"
    ):
        per_payment[link["nextdoc"]] += 1
    assert max(per_payment.values()) >= 2, "some payments are applied across several invoices"


def test_invoice_amounts_consistent_with_status(account: SandboxStore) -> None:
    invoices = q(
        account,
        "SELECT id, status, voided, foreigntotal AS total, foreignamountpaid AS paid, "
        "foreignamountunpaid AS unpaid, approvalstatus FROM transaction WHERE type = 'CustInvc'",
    )
    applied: dict[str, Decimal] = defaultdict(Decimal)
    for link in q(account, "SELECT previousdoc, foreignamount FROM NextTransactionLineLink"):
        applied[link["previousdoc"]] += Decimal(link["foreignamount"])
    statuses = set()
    partially_paid = 0
    for inv in invoices:
        total, paid, unpaid = (Decimal(inv[k]) for k in ("total", "paid", "unpaid"))
        statuses.add(inv["status"])
        assert paid == applied[inv["id"]]
        if inv["status"] == "B":
            assert unpaid == 0 and paid == total
        elif inv["status"] == "A":
            assert unpaid == total - paid > 0
            partially_paid += paid > 0
        elif inv["status"] == "V":
            assert inv["voided"] == "T" and unpaid == 0 and paid == 0
        else:
            assert inv["status"] == "D" and inv["approvalstatus"] == "1" and paid == 0
    assert statuses == {"A", "B", "D", "V"}
    assert partially_paid > 0


def test_invoice_lines_sum_to_total(account: SandboxStore) -> None:
    totals = {
        r["id"]: Decimal(r["foreigntotal"])
        for r in q(account, "SELECT id, foreigntotal FROM transaction WHERE type = 'CustInvc'")
    }
    lines = q(
        account,
        "SELECT tl.transaction, COUNT(*) AS n, SUM(tl.foreignamount) AS s FROM transactionline tl "
        "JOIN transaction t ON t.id = tl.transaction WHERE t.type = 'CustInvc' "
        "AND tl.mainline = 'F' GROUP BY tl.transaction",
    )
    assert len(lines) == len(totals)
    for line in lines:
        assert 1 <= int(line["n"]) <= 5
        assert -Decimal(line["s"]) == totals[line["transaction"]]  # GL-signed item lines


def test_overdue_spread(account: SandboxStore) -> None:
    aging = q(
        account,
        "SELECT CASE WHEN duedate >= TRUNC(SYSDATE) THEN 'current' "
        "WHEN TRUNC(SYSDATE) - duedate <= 30 THEN '1-30' "
        "WHEN TRUNC(SYSDATE) - duedate <= 60 THEN '31-60' "
        "WHEN TRUNC(SYSDATE) - duedate <= 90 THEN '61-90' ELSE '90+' END AS bucket, "
        "COUNT(*) AS n FROM transaction WHERE type = 'CustInvc' AND status = 'A' "
        "GROUP BY CASE WHEN duedate >= TRUNC(SYSDATE) THEN 'current' "
        "WHEN TRUNC(SYSDATE) - duedate <= 30 THEN '1-30' "
        "WHEN TRUNC(SYSDATE) - duedate <= 60 THEN '31-60' "
        "WHEN TRUNC(SYSDATE) - duedate <= 90 THEN '61-90' ELSE '90+' END",
    )
    assert {row["bucket"] for row in aging} == {"current", "1-30", "31-60", "61-90", "90+"}


def test_currencies_terms_and_custom_fields(account: SandboxStore) -> None:
    currencies = q(account, "SELECT DISTINCT BUILTIN.DF(currency) AS c FROM transaction")
    assert len(currencies) >= 3
    rates = q(account, "SELECT DISTINCT exchangerate FROM transaction WHERE currency = 2")
    assert all(Decimal(r["exchangerate"]) > 1 for r in rates) and rates
    terms = {r["t"] for r in q(account, "SELECT DISTINCT BUILTIN.DF(terms) AS t FROM customer")}
    assert "Net 30" in terms and len(terms) >= 3
    paused = q(
        account, "SELECT COUNT(*) AS n FROM customer WHERE custentity_collections_pause = 'T'"
    )
    assert 0 < int(paused[0]["n"]) < 40
    regions = q(account, "SELECT DISTINCT custentity_region FROM customer")
    assert {} in regions and len(regions) > 2  # some customers without the custom field


def test_contacts_belong_to_customers_with_a_primary(account: SandboxStore) -> None:
    contacts = q(
        account, "SELECT c.company, c.contactrole, BUILTIN.DF(c.contactrole) AS role FROM contact c"
    )
    companies = {r["id"] for r in q(account, "SELECT id FROM customer")}
    assert all(c["company"] in companies for c in contacts)
    assert any(c.get("role") == "Primary Contact" for c in contacts)


def test_audit_dates_spread_over_time_and_ordered(account: SandboxStore) -> None:
    rows = q(
        account,
        "SELECT TO_CHAR(createddate, 'YYYY-MM-DD HH24:MI:SS') AS c, "
        "TO_CHAR(lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS m FROM transaction",
    )
    assert all(r["c"] <= r["m"] <= "2024-06-01 17:00:00" for r in rows)
    months = {r["c"][:7] for r in rows}
    assert len(months) >= 12
    assert any(r["c"] != r["m"] for r in rows)


def test_single_currency_accounts(tmp_path: Path) -> None:
    settings = SandboxSettings(multi_currency=False)
    store = SandboxStore.generate(
        tmp_path / "usd.db", customers=5, invoices=20, payments=5, settings=settings
    )
    assert q(store, "SELECT DISTINCT currency FROM transaction") == [{"currency": "1"}]
    store.close()
