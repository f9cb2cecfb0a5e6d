"""Record-service bodies (camelCase, refs, ISO datetimes, sublists) and the collection ``q`` filter."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from hub_netsuite.sandbox.store import RecordError, SandboxStore

ROOT = "/services/rest/record/v1"


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture()
def store(tmp_path: Path) -> Iterator[SandboxStore]:
    clock = Clock(datetime(2024, 1, 15, 7, 30, tzinfo=UTC))  # Jan 14th, 11:30 pm in Los Angeles
    built = SandboxStore.generate(
        tmp_path / "r.db", customers=0, invoices=0, payments=0, clock=clock
    )
    yield built
    built.close()


def seed(store: SandboxStore) -> dict[str, str]:
    clock = store.clock
    assert isinstance(clock, Clock)
    acme = store.create_customer(
        companyname="Acme Corp", email="ap@acme.example", terms=2, creditlimit="2500.5",
        custentity_collections_pause=True, custentity_region="EMEA",
    )  # fmt: skip
    clock.now = datetime(2024, 1, 15, 9, 0, tzinfo=UTC)  # Jan 15th, 1 am local
    beta = store.create_customer(companyname="Beta Barbara", email="barbara@beta.example")
    clock.now = datetime(2024, 1, 17, 20, 0, tzinfo=UTC)
    gamma = store.create_customer(companyname="Gamma Co", isinactive=True, creditlimit=50)
    invoice = store.create_invoice(
        acme,
        [{"amount": Decimal("100.00"), "item": 11, "description": "Hours"},
         {"quantity": 3, "rate": Decimal("50.10")}],
        trandate=date(2024, 1, 10),
    )  # fmt: skip
    payment = store.record_payment(acme, Decimal("120.00"), {invoice: Decimal("80.00")})
    return {"acme": acme, "beta": beta, "gamma": gamma, "invoice": invoice, "payment": payment}


def test_customer_body(store: SandboxStore) -> None:
    ids = seed(store)
    body = store.get_record("customer", ids["acme"])
    assert body["id"] == ids["acme"]
    assert body["companyName"] == "Acme Corp" and body["entityId"] == "Acme Corp"
    assert body["isInactive"] is False and body["custentity_collections_pause"] is True
    assert body["creditLimit"] == 2500.5 and body["custentity_region"] == "EMEA"
    assert body["terms"] == {
        "links": [{"rel": "self", "href": f"{ROOT}/term/2"}],
        "id": "2",
        "refName": "Net 30",
    }
    assert body["currency"]["refName"] == "US Dollar"
    assert body["dateCreated"] == "2024-01-15T07:30:00Z"
    assert body["lastModifiedDate"].endswith("Z")
    assert "fax" not in body and "links" not in body
    assert body["contactRoles"] == {
        "links": [{"rel": "self", "href": f"{ROOT}/customer/{ids['acme']}/contactRoles"}]
    }
    assert body["balance"] == 130.3  # 250.30 invoiced - 80 paid - 40 unapplied


def test_fields_projection(store: SandboxStore) -> None:
    ids = seed(store)
    body = store.get_record("customer", ids["acme"], fields=["companyName", "email"])
    assert body == {"companyName": "Acme Corp", "email": "ap@acme.example"}


def test_invoice_body_and_item_sublist(store: SandboxStore) -> None:
    ids = seed(store)
    body = store.get_record("invoice", ids["invoice"])
    assert body["tranId"] == "INV10001" and body["tranDate"] == "2024-01-10"
    assert body["dueDate"] == "2024-02-09"
    assert body["total"] == 250.3 and body["amountRemaining"] == 170.3 and body["amountPaid"] == 80
    assert body["status"] == {"id": "Open", "refName": "Open"}
    assert body["entity"]["id"] == ids["acme"] and body["entity"]["refName"] == "Acme Corp"
    assert body["approvalStatus"] == {"id": "2", "refName": "Approved"}
    assert body["item"] == {
        "links": [{"rel": "self", "href": f"{ROOT}/invoice/{ids['invoice']}/item"}]
    }
    expanded = store.get_record("invoice", ids["invoice"], expand_sub_resources=True)
    items = expanded["item"]["items"]
    assert expanded["item"]["totalResults"] == 2
    assert items[0]["amount"] == 100 and items[0]["item"]["refName"] == "SVC-CONSULT"
    assert items[0]["description"] == "Hours"
    assert items[1]["quantity"] == 3 and items[1]["rate"] == 50.1 and items[1]["amount"] == 150.3


def test_payment_apply_sublist(store: SandboxStore) -> None:
    ids = seed(store)
    body = store.get_record("customerPayment", ids["payment"], expand_sub_resources=True)
    assert body["payment"] == 120 and body["applied"] == 80 and body["unapplied"] == 40
    assert body["customer"]["id"] == ids["acme"]
    assert body["status"]["refName"] == "Not Deposited"
    [line] = body["apply"]["items"]
    assert line["doc"]["id"] == ids["invoice"] and line["doc"]["links"][0]["href"].endswith(
        f"/invoice/{ids['invoice']}"
    )
    assert line["amount"] == 80 and line["due"] == 170.3 and line["refNum"] == "INV10001"


def test_missing_records_are_404(store: SandboxStore) -> None:
    ids = seed(store)
    for record_type, record_id in (
        ("customer", "99999"),
        ("invoice", ids["payment"]),
        ("contact", "abc"),
    ):
        with pytest.raises(RecordError) as caught:
            store.get_record(record_type, record_id)
        assert (caught.value.status, caught.value.code) == (404, "NONEXISTENT_ID")
        assert caught.value.detail == "Record does not exist."


def ids_for(store: SandboxStore, record_type: str, q: str) -> list[str]:
    return store.list_ids(record_type, q=q)[0]


def test_list_ids_paging_and_total(store: SandboxStore) -> None:
    ids = seed(store)
    assert store.list_ids("customer") == ([ids["acme"], ids["beta"], ids["gamma"]], 3)
    assert store.list_ids("customer", limit=2, offset=2) == ([ids["gamma"]], 3)
    assert store.list_ids("invoice") == ([ids["invoice"]], 1)


def test_q_text_number_boolean_and_list_operators(store: SandboxStore) -> None:
    ids = seed(store)
    assert ids_for(store, "customer", "email START_WITH barbara") == [ids["beta"]]
    assert ids_for(store, "customer", 'companyname START_WITH "Acme Co"') == [ids["acme"]]
    assert ids_for(store, "customer", "companyName CONTAIN arbar") == [ids["beta"]]
    assert ids_for(store, "customer", 'companyName IS "beta barbara"') == [ids["beta"]]
    assert ids_for(store, "customer", "isinactive IS true") == [ids["gamma"]]
    assert ids_for(
        store, "customer", "creditlimit GREATER_OR_EQUAL 1000 OR creditlimit LESS_OR_EQUAL 10"
    ) == [ids["acme"]]
    assert ids_for(store, "customer", "creditLimit LESS 100") == [ids["gamma"]]
    assert ids_for(store, "customer", f"id ANY_OF [{ids['acme']}, {ids['gamma']}]") == [
        ids["acme"],
        ids["gamma"],
    ]
    assert ids_for(store, "customer", f"id EQUAL {ids['beta']}") == [ids["beta"]]
    assert ids_for(store, "customer", f"id BETWEEN_NOT [{ids['acme']}, {ids['beta']}]") == [
        ids["gamma"]
    ]
    assert ids_for(store, "customer", "fax EMPTY AND creditLimit EMPTY_NOT") == [
        ids["acme"],
        ids["gamma"],
    ]


def test_q_precedence_and_parentheses(store: SandboxStore) -> None:
    ids = seed(store)
    q = "isInactive IS true OR email CONTAIN acme AND creditLimit GREATER 5000"
    assert ids_for(store, "customer", q) == [ids["gamma"]]
    q = "(isInactive IS true OR email CONTAIN acme) AND creditLimit GREATER 5"
    assert ids_for(store, "customer", q) == [ids["acme"], ids["gamma"]]


def test_q_dates_are_day_granular_in_account_time_zone(store: SandboxStore) -> None:
    ids = seed(store)
    # acme created 2024-01-14 23:30 local, beta 2024-01-15 01:00 local, gamma 2024-01-17 local.
    assert ids_for(store, "customer", 'dateCreated ON "1/14/2024"') == [ids["acme"]]
    assert ids_for(store, "customer", 'dateCreated AFTER "1/14/2024"') == [
        ids["beta"],
        ids["gamma"],
    ]
    assert ids_for(store, "customer", 'dateCreated BEFORE "1/15/2024"') == [ids["acme"]]
    assert ids_for(
        store,
        "customer",
        'dateCreated ON_OR_AFTER "1/15/2024" AND dateCreated ON_OR_BEFORE "1/16/2024"',
    ) == [ids["beta"]]
    assert ids_for(store, "customer", 'dateCreated WITHIN ["1/15/2024", "1/17/2024"]') == [
        ids["beta"],
        ids["gamma"],
    ]
    assert ids_for(store, "invoice", 'tranDate ON_OR_BEFORE "1/10/2024"') == [ids["invoice"]]
    assert ids_for(store, "invoice", 'tranDate AFTER "1/10/2024"') == []
    assert ids_for(store, "customer", 'lastModifiedDate ON_OR_AFTER "1/17/2024"') == [ids["gamma"]]


@pytest.mark.parametrize(
    "value", ['"2024-01-15"', '"15/1/2024"', '"1/15/2024 10:00 am"', "yesterday"]
)
def test_q_other_date_formats_are_unparseable(store: SandboxStore, value: str) -> None:
    with pytest.raises(RecordError) as caught:
        store.list_ids("customer", q=f"lastModifiedDate AFTER {value}")
    assert caught.value.code == "INVALID_PARAMETER" and caught.value.query_param == "q"
    assert caught.value.detail == f'Unparseable date: "{value.strip(chr(34))}"'


@pytest.mark.parametrize(
    ("q", "fragment"),
    [
        ("nosuchfield IS 1", "Field 'nosuchfield' for record 'customer' was not found."),
        ("companyName FROBNICATE x", "Invalid query expression near 'FROBNICATE'"),
        ("companyName IS", "Invalid query expression near 'end'"),
        ("(companyName IS x", "Invalid query expression near 'end'"),
        ("creditLimit GREATER lots", "Invalid number: lots"),
        ("isInactive IS maybe", "Invalid boolean: maybe"),
        ("id BETWEEN [1]", "Operator BETWEEN requires 2 value(s)."),
        ("dateCreated GREATER 5", "Invalid search operator GREATER"),
    ],
)
def test_q_errors(store: SandboxStore, q: str, fragment: str) -> None:
    with pytest.raises(RecordError) as caught:
        store.list_ids("customer", q=q)
    assert caught.value.status == 400 and caught.value.query_param == "q"
    assert fragment in caught.value.detail


def test_connections_of_finished_threads_are_closed(store: SandboxStore) -> None:
    """Regression: one connection (with its page cache) per request thread piled up until OOM."""
    import threading

    def query() -> None:
        store.suiteql("SELECT id FROM customer")

    for _ in range(40):
        worker = threading.Thread(target=query)
        worker.start()
        worker.join()
    store.suiteql("SELECT id FROM customer")  # a new owner prunes the finished ones
    assert len(store._connections) <= 3
