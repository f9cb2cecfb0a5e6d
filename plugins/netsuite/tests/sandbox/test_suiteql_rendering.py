"""Golden tests of how SuiteQL values come back: strings, 'T'/'F', NULLs omitted, formats, TZ."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from hub_netsuite.sandbox.store import SandboxSettings, SandboxStore


class Clock:
    """A clock tests can move."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def build(
    path: Path, settings: SandboxSettings | None = None
) -> tuple[SandboxStore, dict[str, str]]:
    clock = Clock(datetime(2024, 5, 14, 17, 31, 7, tzinfo=UTC))  # 10:31:07 in Los Angeles (PDT)
    store = SandboxStore.generate(
        path, customers=0, invoices=0, payments=0, settings=settings, clock=clock
    )
    acme = store.create_customer(
        companyname="Acme Corp", email="ap@acme.example", terms=2, creditlimit=Decimal("5000")
    )
    globex = store.create_customer(companyname="Globex GmbH", currency="EUR", isinactive=True)
    invoice = store.create_invoice(
        acme,
        [{"amount": Decimal("1000.00")}, {"quantity": 2, "rate": Decimal("125.25")}],
        trandate=date(2024, 5, 1),
    )
    ids = {"acme": acme, "globex": globex, "invoice": invoice}
    return store, ids


@pytest.fixture()
def data(tmp_path: Path) -> tuple[SandboxStore, dict[str, str]]:
    store, ids = build(tmp_path / "render.db")
    yield store, ids
    store.close()


def test_every_value_is_a_string_with_lower_case_keys_and_no_nulls(data) -> None:
    store, ids = data
    items = store.suiteql(
        "SELECT ID, CompanyName AS CustomerName, email, isinactive, creditlimit, phone "
        "FROM customer ORDER BY id"
    ).items
    assert items == [
        {
            "id": ids["acme"],
            "customername": "Acme Corp",
            "email": "ap@acme.example",
            "isinactive": "F",
            "creditlimit": "5000",
        },
        {"id": ids["globex"], "customername": "Globex GmbH", "isinactive": "T"},
    ]


def test_numbers_render_without_trailing_zero_and_decimals_as_they_are(data) -> None:
    store, ids = data
    item = store.suiteql(
        "SELECT foreigntotal, foreignamountunpaid, foreignamountpaid, exchangerate, "
        "foreigntotal / 4 AS quarter FROM transaction WHERE id = ?",
        [ids["invoice"]],
    ).items[0]
    assert item == {
        "foreigntotal": "1250.5",
        "foreignamountunpaid": "1250.5",
        "foreignamountpaid": "0",
        "exchangerate": "1",
        "quarter": "312.625",
    }


def test_unwrapped_dates_use_the_user_preference_and_account_time_zone(data) -> None:
    store, ids = data
    item = store.suiteql(
        "SELECT trandate, duedate, lastmodifieddate, createddate FROM transaction WHERE id = ?",
        [ids["invoice"]],
    ).items[0]
    assert item == {
        "trandate": "5/1/2024",
        "duedate": "5/31/2024",
        "lastmodifieddate": "5/14/2024 10:31 am",
        "createddate": "5/14/2024 10:31 am",
    }


def test_to_char_renders_in_account_time_zone_not_utc(data) -> None:
    store, ids = data
    item = store.suiteql(
        "SELECT TO_CHAR(lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS lm, "
        'TO_CHAR(lastmodifieddate, \'YYYY-MM-DD"T"HH24:MI:SS"Z"\') AS iso, '
        "TO_CHAR(trandate, 'YYYY-MM-DD') AS td, TO_CHAR(trandate, 'DD-MON-YYYY') AS mon, "
        "TO_CHAR(trandate, 'Day, Month DD') AS words, TO_CHAR(lastmodifieddate, 'HH:MI AM') AS t12 "
        "FROM transaction WHERE id = ?",
        [ids["invoice"]],
    ).items[0]
    assert item == {
        "lm": "2024-05-14 10:31:07",
        "iso": "2024-05-14T10:31:07Z",
        "td": "2024-05-01",
        "mon": "01-MAY-2024",
        "words": "Wednesday, May       01",
        "t12": "10:31 AM",
    }


def test_other_preferences_and_time_zones(tmp_path: Path) -> None:
    settings = SandboxSettings(
        timezone="Europe/Berlin", date_format="DD.MM.YYYY", datetime_format="DD.MM.YYYY HH:mm"
    )
    store, ids = build(tmp_path / "berlin.db", settings)
    item = store.suiteql(
        "SELECT trandate, lastmodifieddate, TO_CHAR(lastmodifieddate, 'HH24:MI') AS hm "
        "FROM transaction WHERE id = ?",
        [ids["invoice"]],
    ).items[0]
    assert item == {"trandate": "01.05.2024", "lastmodifieddate": "14.05.2024 19:31", "hm": "19:31"}
    store.close()


def test_unaliased_expressions_are_named_expr_n(data) -> None:
    store, _ = data
    item = store.suiteql("SELECT COUNT(*), MAX(id) - MAX(id), 'x' AS x FROM customer").items[0]
    assert item == {"expr1": "2", "expr2": "0", "x": "x"}


def test_builtin_df_and_cf(data) -> None:
    store, ids = data
    item = store.suiteql(
        "SELECT BUILTIN.DF(t.entity) AS customer, BUILTIN.DF(t.currency) AS currency, "
        "BUILTIN.DF(t.status) AS statustext, BUILTIN.CF(t.status) AS statuscode, t.status, "
        "BUILTIN.DF(t.terms) AS terms, BUILTIN.DF(t.type) AS typename, "
        "BUILTIN.DF(t.approvalstatus) AS approval, BUILTIN.DF(t.tranid) AS tranid "
        "FROM transaction t WHERE t.id = ?",
        [ids["invoice"]],
    ).items[0]
    assert item == {
        "customer": "Acme Corp",
        "currency": "US Dollar",
        "statustext": "Invoice : Open",
        "statuscode": "CustInvc:A",
        "status": "A",
        "terms": "Net 30",
        "typename": "Invoice",
        "approval": "Approved",
        "tranid": "INV10001",
    }


def test_empty_string_is_null_like_oracle(data) -> None:
    store, ids = data
    item = store.suiteql(
        "SELECT '' AS empty, NVL(fax, '') AS fax, 'a' || NULL AS joined FROM customer WHERE id = ?",
        [ids["acme"]],
    ).items[0]
    assert item == {"joined": "a"}
