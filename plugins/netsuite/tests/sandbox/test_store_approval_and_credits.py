"""Approving pending invoices and applying credit memos, on a generated account."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from hub_netsuite.sandbox.store import RecordError, SandboxStore

START = datetime(2024, 6, 1, 18, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture()
def clock() -> Clock:
    return Clock()


@pytest.fixture()
def store(tmp_path: Path, clock: Clock) -> Iterator[SandboxStore]:
    built = SandboxStore.generate(
        tmp_path / "a.db", customers=25, invoices=120, payments=40, seed=3, clock=clock
    )
    yield built
    built.close()


@pytest.fixture()
def events(store: SandboxStore) -> list[tuple[str, str, str]]:
    seen: list[tuple[str, str, str]] = []
    store.add_change_listener(lambda *event: seen.append(event))
    return seen


def one(store: SandboxStore, q: str, *params: object) -> dict[str, str]:
    [row] = store.suiteql(q, list(params)).items
    return row


def modified(store: SandboxStore, record_id: str) -> str:
    q = "SELECT TO_CHAR(lastmodifieddate, 'YYYY-MM-DD HH24:MI') AS m FROM transaction WHERE id = ?"
    return one(store, q, record_id)["m"]


def balance(store: SandboxStore, customer_id: str) -> Decimal:
    row = one(store, "SELECT balancesearch AS b FROM customer WHERE id = ?", customer_id)
    return Decimal(row.get("b", "0"))


def open_credit_memo(store: SandboxStore) -> dict[str, str]:
    return store.suiteql(
        "SELECT id, entity, currency, foreignpaymentamountunused AS unused FROM transaction "
        "WHERE type = 'CustCred' AND status = 'A' AND foreignpaymentamountunused > 0 "
        "ORDER BY id FETCH FIRST 1 ROWS ONLY"
    ).items[0]


def open_invoices(store: SandboxStore, memo: dict[str, str]) -> list[dict[str, str]]:
    return store.suiteql(
        "SELECT id, foreignamountpaid AS paid, foreignamountunpaid AS unpaid FROM transaction "
        "WHERE type = 'CustInvc' AND status = 'A' AND entity = ? AND currency = ? "
        "ORDER BY duedate, id",
        [memo["entity"], memo["currency"]],
    ).items


# -- approve_invoice --------------------------------------------------------------------------


def test_approving_a_pending_invoice_opens_and_posts_it(
    store: SandboxStore, clock: Clock, events: list[tuple[str, str, str]]
) -> None:
    customer = one(store, "SELECT MIN(id) AS id FROM customer")["id"]
    invoice = store.create_invoice(customer, [{"amount": "250.00"}], approved=False)
    before = balance(store, customer)
    pending = one(
        store,
        "SELECT status, approvalstatus, posting, BUILTIN.DF(status) AS s FROM transaction "
        "WHERE id = ?",
        invoice,
    )
    assert pending == {
        "status": "D",
        "approvalstatus": "1",
        "posting": "F",
        "s": "Invoice : Pending Approval",
    }
    clock.advance(hours=2)

    store.approve_invoice(invoice)

    approved = one(
        store,
        "SELECT status, approvalstatus, posting, BUILTIN.DF(status) AS s FROM transaction "
        "WHERE id = ?",
        invoice,
    )
    assert approved == {"status": "A", "approvalstatus": "2", "posting": "T", "s": "Invoice : Open"}
    assert modified(store, invoice) == "2024-06-01 13:00"  # 20:00 UTC in Los Angeles
    assert balance(store, customer) == before + Decimal("250.00")
    assert events[-1] == ("invoice", invoice, "edit")
    payment = store.record_payment(customer, Decimal("250.00"), {invoice: Decimal("250.00")})
    assert one(store, "SELECT status FROM transaction WHERE id = ?", invoice)["status"] == "B"
    assert payment


def test_approve_refusals(store: SandboxStore, events: list[tuple[str, str, str]]) -> None:
    customer = one(store, "SELECT MIN(id) AS id FROM customer")["id"]
    approved = store.create_invoice(customer, [{"amount": "10.00"}])
    voided = store.create_invoice(customer, [{"amount": "10.00"}], approved=False)
    store.void_invoice(voided)
    seen = len(events)
    for invoice_id in (approved, voided):
        with pytest.raises(RecordError) as refused:
            store.approve_invoice(invoice_id)
        assert (refused.value.code, refused.value.status) == ("USER_ERROR", 400)
    payment = one(store, "SELECT MIN(id) AS id FROM transaction WHERE type = 'CustPymt'")["id"]
    for missing in (payment, "999999", "abc"):
        with pytest.raises(RecordError) as absent:
            store.approve_invoice(missing)
        assert absent.value.code == "NONEXISTENT_ID"
    assert len(events) == seen


# -- apply_credit_memo ------------------------------------------------------------------------


def test_partial_then_automatic_credit_application(
    store: SandboxStore, clock: Clock, events: list[tuple[str, str, str]]
) -> None:
    memo = open_credit_memo(store)
    unused = Decimal(memo["unused"])
    first, *rest = open_invoices(store, memo)
    part = (min(unused, Decimal(first["unpaid"])) / 2).quantize(Decimal("0.01"))
    lines_before = store.suiteql(
        "SELECT MAX(nextline) AS n FROM NextTransactionLineLink WHERE nextdoc = ?", [memo["id"]]
    ).items[0]
    clock.advance(days=1)

    store.apply_credit_memo(memo["id"], {first["id"]: part})

    state = one(
        store,
        "SELECT status, foreignpaymentamountunused AS u, foreignpaymentamountused AS used "
        "FROM transaction WHERE id = ?",
        memo["id"],
    )
    assert state["status"] == "A" and Decimal(state["u"]) == unused - part
    invoice = one(
        store,
        "SELECT status, foreignamountpaid AS p, foreignamountunpaid AS u FROM transaction "
        "WHERE id = ?",
        first["id"],
    )
    assert Decimal(invoice["u"]) == Decimal(first["unpaid"]) - part
    assert Decimal(invoice["p"]) == Decimal(first.get("paid", "0")) + part
    link = one(
        store,
        "SELECT previoustype, nexttype, linktype, foreignamount, nextline, "
        "TO_CHAR(linkdate, 'YYYY-MM-DD') AS d FROM NextTransactionLineLink "
        "WHERE previousdoc = ? AND nextdoc = ? AND foreignamount = ?",
        first["id"],
        memo["id"],
        str(part),
    )
    assert link["previoustype"] == "CustInvc" and link["nexttype"] == "CustCred"
    assert Decimal(link["foreignamount"]) == part
    assert int(link["nextline"]) == int(lines_before.get("n", "0")) + 1
    assert link["d"] == "2024-06-02"
    assert modified(store, memo["id"]) == "2024-06-02 11:00"
    assert events[-1] == ("creditMemo", memo["id"], "edit")

    store.apply_credit_memo(memo["id"])  # the rest, oldest due first

    done = one(
        store,
        "SELECT status, BUILTIN.DF(status) AS s, foreignpaymentamountunused AS u, "
        "foreignpaymentamountused AS used, foreigntotal AS t FROM transaction WHERE id = ?",
        memo["id"],
    )
    assert done["status"] == "B" and done["s"] == "Credit Memo : Fully Applied"
    assert "u" not in done or Decimal(done["u"]) == 0
    assert Decimal(done["used"]) == Decimal(done["t"])
    main = one(
        store,
        "SELECT foreignpaymentamountunused AS u FROM transactionline "
        "WHERE transaction = ? AND mainline = 'T'",
        memo["id"],
    )
    assert "u" not in main or Decimal(main["u"]) == 0
    applied = store.suiteql(
        "SELECT SUM(foreignamount) AS s FROM NextTransactionLineLink WHERE nextdoc = ?",
        [memo["id"]],
    ).items[0]
    assert Decimal(applied["s"]) == Decimal(done["t"])
    assert rest or Decimal(first["unpaid"]) >= unused
    with pytest.raises(RecordError) as used_up:
        store.apply_credit_memo(memo["id"])
    assert used_up.value.code == "USER_ERROR"


def test_credit_application_refusals(
    store: SandboxStore, events: list[tuple[str, str, str]]
) -> None:
    memo = open_credit_memo(store)
    invoice = open_invoices(store, memo)[0]
    unused = Decimal(memo["unused"])
    seen = len(events)
    other = one(
        store,
        "SELECT MIN(id) AS id FROM transaction WHERE type = 'CustInvc' AND status = 'A' "
        "AND entity <> ?",
        memo["entity"],
    )["id"]
    bad: list[dict[str, Decimal]] = [
        {other: Decimal("1.00")},  # another customer's invoice
        {invoice["id"]: Decimal(invoice["unpaid"]) + 1},  # more than is due
        {invoice["id"]: Decimal("-5")},
    ]
    for applications in bad:
        with pytest.raises(RecordError) as refused:
            store.apply_credit_memo(memo["id"], applications)
        assert refused.value.code == "INVALID_CONTENT"
    if Decimal(invoice["unpaid"]) > unused:
        with pytest.raises(RecordError):
            store.apply_credit_memo(memo["id"], {invoice["id"]: unused + 1})
    for missing in (invoice["id"], "999999"):
        with pytest.raises(RecordError) as absent:
            store.apply_credit_memo(missing, None)
        assert absent.value.code == "NONEXISTENT_ID"
    assert len(events) == seen
    state = one(
        store, "SELECT foreignpaymentamountunused AS u FROM transaction WHERE id = ?", memo["id"]
    )
    assert Decimal(state["u"]) == unused  # nothing half-applied
