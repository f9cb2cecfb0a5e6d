"""The NetSuite plugin's default mappings on realistic SuiteQL rows (strings, NULLs omitted)."""

from __future__ import annotations

from typing import Any

import pytest

from hub.mapping import DictLookup, Mapper, mapping_document_errors, registered_transforms
from hub.plugins import PluginHost
from hub_netsuite.mappings import OBJECT_TYPES, load_default_mappings

LOOKUPS = DictLookup(
    {"currency": {"1": {"code": "USD"}, "4": {"code": "EUR"}, "7": {"code": "JPY"}}}
)


def mapper(object_type: str) -> Mapper:
    return Mapper.compile(load_default_mappings()[object_type], lookups=LOOKUPS)


def test_every_object_has_a_valid_default() -> None:
    documents = load_default_mappings()
    assert sorted(documents) == sorted(OBJECT_TYPES)
    host = PluginHost(load_entrypoints=False).load()
    transforms = {name: entry.value for name, entry in host.transforms().items()}
    for object_type, document in documents.items():
        assert document["object"] == object_type
        assert mapping_document_errors(document, transforms=transforms) == []
        assert document["settings"]["timezone"]  # editable by the admin


INVOICE: dict[str, Any] = {
    "links": [],
    "id": "5012",
    "tranid": "INV10045",
    "entity": "1843",
    "trandate": "2024-05-01",
    "duedate": "2024-05-31",
    "currency": "1",
    "currency_code": "USD",
    "exchangerate": "1",
    "foreigntotal": "1250",
    "foreignamountunpaid": "250",
    "status": "A",
    "voided": "F",
    "termsname": "Net 30",
    "memo": "Spring order",
    "lastmodified": "2024-05-14 10:31:07",
    "otherrefnum": "PO-88",
    "custbody_region": "EMEA",
    "lines": [
        {
            "links": [],
            "id": "1",
            "linesequencenumber": "1",
            "item": "17",
            "itemname": "Widget",
            "memo": "Blue widgets",
            "quantity": "2",
            "rate": "500",
            "amount": "1000",
            "mainline": "F",
            "custcol_colour": "blue",
        },
        {
            "links": [],
            "id": "2",
            "linesequencenumber": "2",
            "item": "18",
            "quantity": "1",
            "rate": "250",
            "amount": "250",
        },
    ],
}


def test_invoice_default_on_a_realistic_row() -> None:
    result = mapper("invoice").map(INVOICE)
    assert result.errors == []
    assert result.record == {
        "external_id": "5012",
        "number": "INV10045",
        "customer_external_id": "1843",
        "issue_date": "2024-05-01",
        "due_date": "2024-05-31",
        "currency": "USD",
        "exchange_rate": "1",
        "total": "1250.00",
        "amount_due": "250.00",
        "status": "partially_paid",
        "lines": [
            {
                "external_id": "1",
                "line_number": 1,
                "item": "Widget",
                "description": "Blue widgets",
                "quantity": "2",
                "unit_price": "500",
                "amount": "1000.00",
                "custom_fields": {"custcol_colour": "blue"},
            },
            {
                "external_id": "2",
                "line_number": 2,
                "item": "18",
                "description": None,
                "quantity": "1",
                "unit_price": "250",
                "amount": "250.00",
                "custom_fields": {},
            },
        ],
        "memo": "Spring order",
        "payment_terms": "Net 30",
        "custom_fields": {"custbody_region": "EMEA", "otherrefnum": "PO-88"},
        "updated_at": "2024-05-14T17:31:07Z",
    }


@pytest.mark.parametrize(
    ("changes", "status", "amount_due"),
    [
        ({"foreignamountunpaid": "1250"}, "open", "1250.00"),
        ({"foreignamountunpaid": "250"}, "partially_paid", "250.00"),
        ({"status": "B", "foreignamountunpaid": "0"}, "paid", "0.00"),
        ({"status": "B", "foreignamountunpaid": None}, "paid", "0.00"),
        ({"status": "D", "foreignamountunpaid": "1250"}, "pending_approval", "1250.00"),
        ({"status": "E"}, "void", "250.00"),
        ({"status": "V", "foreignamountunpaid": "0"}, "void", "0.00"),
        ({"voided": "T", "status": "A", "foreignamountunpaid": "1250"}, "void", "0.00"),
        ({"status": "Z", "foreignamountunpaid": "1250"}, "open", "1250.00"),  # unknown letter
    ],
)
def test_invoice_status_rules(changes: dict[str, Any], status: str, amount_due: str) -> None:
    raw = {**INVOICE, **changes}
    raw = {k: v for k, v in raw.items() if v is not None}
    record = mapper("invoice").map(raw).record
    assert record is not None
    assert (record["status"], record["amount_due"]) == (status, amount_due)


def test_invoice_currency_by_lookup_when_join_column_absent() -> None:
    raw = {k: v for k, v in INVOICE.items() if k != "currency_code"}
    raw.update(
        currency="7",
        foreigntotal="125000",
        foreignamountunpaid="125000",
        exchangerate="0.0067",
        duedate="",
    )
    record = mapper("invoice").map(raw).record
    assert record is not None
    assert (record["currency"], record["total"], record["exchange_rate"], record["due_date"]) == (
        "JPY",
        "125000",
        "0.0067",
        "2024-05-01",
    )
    assert record["lines"][0]["amount"] == "1000"


def test_invoice_unknown_currency_is_quarantined() -> None:
    raw = {k: v for k, v in INVOICE.items() if k != "currency_code"}
    result = mapper("invoice").map({**raw, "currency": "99"})
    assert result.record is None and result.external_id == "5012"
    assert [(e.field, e.rule, e.value) for e in result.errors] == [("currency", "lookup", "99")]


def test_customer_default() -> None:
    row = {
        "links": [],
        "id": "1843",
        "entityid": "CUST-1843",
        "companyname": "Acme Corp ",
        "email": "ap@acme.example",
        "phone": "(555) 010-2000",
        "terms": "2",
        "termsname": "Net 30",
        "creditlimit": "50000",
        "currency": "1",
        "isinactive": "F",
        "lastmodified": "2024-11-03 01:30:00",
        "custentity_segment": "SMB",
    }
    record = mapper("customer").map(row).record
    assert record == {
        "external_id": "1843",
        "name": "Acme Corp",
        "email": "ap@acme.example",
        "phone": "(555) 010-2000",
        "currency": "USD",
        "payment_terms": "Net 30",
        "credit_limit": "50000.00",
        "is_active": True,
        "custom_fields": {"custentity_segment": "SMB"},
        "updated_at": "2024-11-03T08:30:00Z",
    }


def test_customer_person_inactive_without_optional_columns() -> None:
    row = {
        "id": "9",
        "entityid": "P-9",
        "firstname": "Ada",
        "lastname": "Lovelace",
        "isperson": "T",
        "isinactive": "T",
        "currency": "55",
    }
    record = mapper("customer").map(row).record
    assert record is not None
    assert (
        record["name"],
        record["is_active"],
        record["email"],
        record["currency"],
        record["credit_limit"],
        record["custom_fields"],
    ) == ("Ada Lovelace", False, None, None, None, {})


def test_contact_default() -> None:
    row = {
        "id": "77",
        "entityid": "Grace Hopper",
        "firstname": "Grace",
        "lastname": "Hopper",
        "email": "grace@acme.example",
        "title": "Controller",
        "company": "1843",
        "isprimary": "T",
        "lastmodified": "2024-05-14 10:31:07",
    }
    record = mapper("contact").map(row).record
    assert record == {
        "external_id": "77",
        "customer_external_id": "1843",
        "first_name": "Grace",
        "last_name": "Hopper",
        "email": "grace@acme.example",
        "phone": None,
        "title": "Controller",
        "is_primary": True,
        "is_active": True,
        "custom_fields": {},
        "updated_at": "2024-05-14T17:31:07Z",
    }
    minimal = mapper("contact").map({"id": "78"}).record
    assert minimal is not None and minimal["is_primary"] is False
    assert minimal["customer_external_id"] is None


def test_payment_default() -> None:
    row = {
        "id": "6001",
        "tranid": "PYMT-17",
        "entity": "1843",
        "trandate": "2024-05-20",
        "currency": "4",
        "foreigntotal": "1300.5",
        "paymentmethodname": "ACH",
        "foreignpaymentamountunused": "50.5",
        "lastmodified": "2024-05-20 16:00:00",
        "applications": [
            {"invoiceid": "5012", "applied": "1000"},
            {"invoiceid": "5019", "applied": "250"},
        ],
    }
    record = mapper("payment").map(row).record
    assert record == {
        "external_id": "6001",
        "number": "PYMT-17",
        "customer_external_id": "1843",
        "date": "2024-05-20",
        "currency": "EUR",
        "amount": "1300.50",
        "method": "ACH",
        "applications": [
            {"invoice_external_id": "5012", "amount": "1000.00"},
            {"invoice_external_id": "5019", "amount": "250.00"},
        ],
        "unapplied_amount": "50.50",
        "memo": None,
        "custom_fields": {},
        "updated_at": "2024-05-20T23:00:00Z",
    }
    unapplied = mapper("payment").map({**row, "applications": []}).record
    assert unapplied is not None and unapplied["applications"] == []


def test_registered_transforms_helper_uses_the_process_host() -> None:
    assert "partially_paid" in registered_transforms()
