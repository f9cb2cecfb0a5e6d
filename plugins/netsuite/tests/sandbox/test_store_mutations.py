"""Mutations move the account forward like NetSuite: amounts, statuses, links, audit dates."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from hub_netsuite.sandbox.store import RecordError, SandboxSettings, SandboxStore


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


START = datetime(2024, 3, 1, 18, 0, tzinfo=UTC)


@pytest.fixture()
def clock() -> Clock:
    return Clock(START)


@pytest.fixture()
def store(tmp_path: Path, clock: Clock) -> Iterator[SandboxStore]:
    built = SandboxStore.generate(
        tmp_path / "m.db", customers=0, invoices=0, payments=0, clock=clock
    )
    yield built
    built.close()


def one(store: SandboxStore, q: str, *params: object) -> dict[str, str]:
    return store.suiteql(q, list(params)).items[0]


def lastmod(store: SandboxStore, table: str, record_id: str) -> str:
    row = one(
        store,
        f"SELECT TO_CHAR(lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS m FROM {table} WHERE id = ?",
        record_id,
    )
    return row["m"]


def invoice_state(store: SandboxStore, invoice_id: str) -> tuple[str, str, str]:
    row = one(
        store,
        "SELECT status, foreignamountpaid AS p, foreignamountunpaid AS u FROM transaction WHERE id = ?",
        invoice_id,
    )
    return row["status"], row["p"], row["u"]


def test_create_invoice_defaults(store: SandboxStore) -> None:
    customer = store.create_customer(companyname="Acme", terms=3, currency="EUR")
    invoice = store.create_invoice(customer, [{"amount": Decimal("10.10")}, {"amount": 5}])
    row = one(
        store,
        "SELECT tranid, type, TO_CHAR(trandate, 'YYYY-MM-DD') AS td, TO_CHAR(duedate, 'YYYY-MM-DD') AS dd, "
        "BUILTIN.DF(currency) AS cur, exchangerate, foreigntotal, foreignamountunpaid, status, "
        "BUILTIN.CF(status) AS cf, posting FROM transaction WHERE id = ?",
        invoice,
    )
    assert row == {
        "tranid": "INV10001", "type": "CustInvc", "td": "2024-03-01", "dd": "2024-04-30",
        "cur": "Euro", "exchangerate": "1.0843", "foreigntotal": "15.1",
        "foreignamountunpaid": "15.1", "status": "A", "cf": "CustInvc:A", "posting": "T",
    }  # fmt: skip
    second = store.create_invoice(customer, [{"amount": 1}], approved=False, currency="USD")
    q = "SELECT tranid, status, approvalstatus, posting FROM transaction WHERE id = ?"
    assert one(store, q, second) == {
        "tranid": "INV10002", "status": "D", "approvalstatus": "1", "posting": "F"
    }  # fmt: skip


def test_payment_applied_across_invoices_partially(store: SandboxStore, clock: Clock) -> None:
    customer = store.create_customer(companyname="Acme")
    first = store.create_invoice(customer, [{"amount": 100}], trandate=date(2024, 1, 1))
    second = store.create_invoice(customer, [{"amount": 200}], trandate=date(2024, 2, 1))
    third = store.create_invoice(customer, [{"amount": 300}], trandate=date(2024, 2, 15))
    clock.advance(hours=2)
    payment = store.record_payment(
        customer, Decimal("260.00"), {first: Decimal("100"), second: Decimal("150")},
        trandate=date(2024, 3, 1),
    )  # fmt: skip
    assert invoice_state(store, first) == ("B", "100", "0")
    assert invoice_state(store, second) == ("A", "150", "50")
    assert invoice_state(store, third) == ("A", "0", "300")
    pay = one(
        store,
        "SELECT tranid, foreigntotal, foreignpaymentamountused AS used, "
        "foreignpaymentamountunused AS unused, "
        "BUILTIN.DF(status) AS st FROM transaction WHERE id = ?",
        payment,
    )
    assert pay == {
        "tranid": "PYMT10001",
        "foreigntotal": "260",
        "used": "250",
        "unused": "10",
        "st": "Payment : Not Deposited",
    }
    links = store.suiteql(
        "SELECT previousdoc, previoustype, nexttype, linktype, foreignamount, "
        "TO_CHAR(lastmodifieddate, 'YYYY-MM-DD HH24:MI') AS m FROM NextTransactionLineLink "
        "WHERE nextdoc = ? ORDER BY previousdoc",
        [payment],
    ).items
    assert links == [
        {
            "previousdoc": first,
            "previoustype": "CustInvc",
            "nexttype": "CustPymt",
            "linktype": "Payment",
            "foreignamount": "100",
            "m": "2024-03-01 12:00",
        },
        {
            "previousdoc": second,
            "previoustype": "CustInvc",
            "nexttype": "CustPymt",
            "linktype": "Payment",
            "foreignamount": "150",
            "m": "2024-03-01 12:00",
        },
    ]
    assert lastmod(store, "transaction", first) == "2024-03-01 12:00:00"  # payment touched it
    assert lastmod(store, "transaction", third) == "2024-03-01 10:00:00"


def test_auto_apply_pays_oldest_first(store: SandboxStore) -> None:
    customer = store.create_customer(companyname="Acme")
    old = store.create_invoice(customer, [{"amount": 40}], trandate=date(2023, 12, 1))
    new = store.create_invoice(customer, [{"amount": 80}], trandate=date(2024, 2, 1))
    store.record_payment(customer, Decimal("100"))
    assert invoice_state(store, old) == ("B", "40", "0")
    assert invoice_state(store, new) == ("A", "60", "20")


def test_payment_touching_invoices_is_configurable(tmp_path: Path, clock: Clock) -> None:
    settings = SandboxSettings(payment_touches_invoice=False)
    store = SandboxStore.generate(
        tmp_path / "t.db", customers=0, invoices=0, payments=0, settings=settings, clock=clock
    )
    customer = store.create_customer(companyname="Acme")
    invoice = store.create_invoice(customer, [{"amount": 40}])
    clock.advance(days=1)
    store.record_payment(customer, Decimal("40"))
    assert lastmod(store, "transaction", invoice) == "2024-03-01 10:00:00"
    assert invoice_state(store, invoice) == ("B", "40", "0")
    store.close()


@pytest.mark.parametrize(
    ("applications", "path"),
    [
        ({"999": Decimal("1")}, "apply.doc"),
        ({"FIRST": Decimal("101")}, "apply.amount"),
        ({"FIRST": Decimal("0")}, "apply.amount"),
    ],
)
def test_invalid_applications_are_refused(
    store: SandboxStore, applications: dict[str, Decimal], path: str
) -> None:
    customer = store.create_customer(companyname="Acme")
    first = store.create_invoice(customer, [{"amount": 100}])
    apps = {(first if key == "FIRST" else key): value for key, value in applications.items()}
    with pytest.raises(RecordError) as caught:
        store.record_payment(customer, Decimal("500"), apps)
    assert caught.value.code == "INVALID_CONTENT" and caught.value.error_path == path
    assert invoice_state(store, first) == ("A", "0", "100")
    assert store.counts()["customerPayment"] == 0


def test_void_invoice(store: SandboxStore, clock: Clock) -> None:
    customer = store.create_customer(companyname="Acme")
    invoice = store.create_invoice(customer, [{"amount": 100}])
    clock.advance(minutes=30)
    store.void_invoice(invoice)
    row = one(
        store,
        "SELECT status, voided, foreignamountunpaid AS u, BUILTIN.DF(status) AS st "
        "FROM transaction WHERE id = ?",
        invoice,
    )
    assert row == {"status": "V", "voided": "T", "u": "0", "st": "Invoice : Voided"}
    assert lastmod(store, "transaction", invoice) == "2024-03-01 10:30:00"
    with pytest.raises(RecordError):
        store.void_invoice(invoice)
    paid = store.create_invoice(customer, [{"amount": 10}])
    store.record_payment(customer, Decimal("5"), {paid: Decimal("5")})
    with pytest.raises(RecordError) as caught:
        store.void_invoice(paid)
    assert caught.value.code == "USER_ERROR"


def test_update_and_patch_bump_lastmodifieddate(store: SandboxStore, clock: Clock) -> None:
    customer = store.create_customer(companyname="Acme", email="a@acme.example")
    clock.advance(hours=1)
    store.update_customer(customer, email="new@acme.example", custentity_collections_pause=True)
    q = "SELECT email, custentity_collections_pause AS p FROM customer WHERE id = ?"
    assert one(store, q, customer) == {"email": "new@acme.example", "p": "T"}
    assert lastmod(store, "customer", customer) == "2024-03-01 11:00:00"
    clock.advance(hours=1)
    store.patch_record(
        "customer", customer,
        {"companyName": "Acme Two", "terms": {"id": "1"}, "isInactive": True, "creditLimit": 900,
         "lastModifiedDate": "2000-01-01T00:00:00Z", "unknownThing": 1},
    )  # fmt: skip
    body = store.get_record("customer", customer)
    assert body["companyName"] == "Acme Two" and body["terms"]["refName"] == "Net 15"
    assert body["isInactive"] is True and body["creditLimit"] == 900
    assert body["lastModifiedDate"] == "2024-03-01T20:00:00Z"


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"terms": {"id": "77"}}, "terms"),
        ({"isInactive": "yes"}, "isInactive"),
        ({"email": 5}, "email"),
    ],
)
def test_patch_rejects_invalid_values(
    store: SandboxStore, body: dict[str, object], path: str
) -> None:
    customer = store.create_customer(companyname="Acme")
    with pytest.raises(RecordError) as caught:
        store.patch_record("customer", customer, body)
    assert (caught.value.status, caught.value.code) == (400, "INVALID_CONTENT")
    assert caught.value.error_path == path
    assert "Invalid Field Value" in caught.value.detail


def test_patch_strict_property_names_and_missing_record(store: SandboxStore) -> None:
    customer = store.create_customer(companyname="Acme")
    with pytest.raises(RecordError) as caught:
        store.patch_record("customer", customer, {"bogus": 1}, strict_property_names=True)
    assert caught.value.error_path == "bogus"
    with pytest.raises(RecordError) as missing:
        store.patch_record("customer", "424242", {"email": "x@y.z"})
    assert missing.value.status == 404


def test_contact_edit(store: SandboxStore, clock: Clock) -> None:
    customer = store.create_customer(companyname="Acme")
    conn = store._conn()  # contacts come from the generator; add one row directly for the edit
    with conn:
        conn.execute(
            "INSERT INTO contact (id, entityid, firstname, company, isinactive, datecreated, "
            "lastmodifieddate) "
            "VALUES (900, 'Ann Lee', 'Ann', ?, 'F', '2024-01-01 00:00:00', '2024-01-01 00:00:00')",
            (int(customer),),
        )
    clock.advance(minutes=5)
    store.update_contact("900", email="ann@acme.example", title="Controller")
    store.patch_record("contact", "900", {"phone": "+1 555 0100", "contactRole": {"id": "-10"}})
    body = store.get_record("contact", "900")
    assert body["email"] == "ann@acme.example" and body["phone"] == "+1 555 0100"
    assert body["contactRole"] == {"id": "-10", "refName": "Primary Contact"}
    assert body["company"]["id"] == customer
    assert lastmod(store, "contact", "900") == "2024-03-01 10:05:00"


def test_delete_writes_deletedrecord_and_unapplies_payments(
    store: SandboxStore, clock: Clock
) -> None:
    customer = store.create_customer(companyname="Acme")
    invoice = store.create_invoice(customer, [{"amount": 100}])
    payment = store.record_payment(customer, Decimal("100"))
    with pytest.raises(RecordError):
        store.delete_record("invoice", invoice)  # payments applied
    with pytest.raises(RecordError):
        store.delete_record("customer", customer)  # has transactions
    clock.advance(hours=3)
    store.delete_record("customerPayment", payment)
    assert invoice_state(store, invoice) == ("A", "0", "100")
    assert store.suiteql("SELECT * FROM NextTransactionLineLink").items == []
    store.delete_record("invoice", invoice)
    rows = store.suiteql(
        "SELECT recordid, recordtype, type, name, TO_CHAR(deleteddate, 'HH24:MI') AS at "
        "FROM deletedrecord ORDER BY id"
    ).items
    assert rows == [
        {
            "recordid": payment,
            "recordtype": "customerpayment",
            "type": "CustPymt",
            "name": "PYMT10001",
            "at": "13:00",
        },
        {
            "recordid": invoice,
            "recordtype": "invoice",
            "type": "CustInvc",
            "name": "INV10001",
            "at": "13:00",
        },
    ]
    with pytest.raises(RecordError) as caught:
        store.get_record("invoice", invoice)
    assert caught.value.status == 404
    store.delete_record("customer", customer)
    assert store.counts()["deletedRecord"] == 3


def test_change_listeners_fire_after_commit(store: SandboxStore) -> None:
    seen: list[tuple[str, str, str]] = []
    visible: list[int] = []

    def listener(record_type: str, record_id: str, event: str) -> None:
        seen.append((record_type, record_id, event))
        visible.append(store.counts()["customer"])

    def broken(*_: str) -> None:
        raise RuntimeError("listener bug")

    store.add_change_listener(broken)
    store.add_change_listener(listener)
    customer = store.create_customer(companyname="Acme")
    store.update_customer(customer, phone="1")
    invoice = store.create_invoice(customer, [{"amount": 3}])
    payment = store.record_payment(customer, Decimal("1"))
    store.void_invoice(store.create_invoice(customer, [{"amount": 1}]))
    store.delete_record("customerPayment", payment)
    assert seen[:4] == [
        ("customer", customer, "create"), ("customer", customer, "edit"),
        ("invoice", invoice, "create"), ("customerPayment", payment, "create"),
    ]  # fmt: skip
    assert [event for _, _, event in seen[4:]] == ["create", "void", "delete"]
    assert visible[0] == 1
    with pytest.raises(RecordError):
        store.update_customer("31337", phone="1")
    assert len(seen) == 7


def test_concurrent_readers_and_writers(store: SandboxStore) -> None:
    customer = store.create_customer(companyname="Acme")
    errors: list[BaseException] = []

    def write() -> None:
        try:
            for _ in range(20):
                store.create_invoice(customer, [{"amount": 1}])
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    def read() -> None:
        try:
            for _ in range(20):
                store.suiteql("SELECT COUNT(*) AS n FROM transaction")
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=f) for f in (write, write, read, read)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert one(store, "SELECT COUNT(*) AS n FROM transaction")["n"] == "40"
    tranids = store.suiteql("SELECT DISTINCT tranid FROM transaction").total_results
    assert tranids == 40
