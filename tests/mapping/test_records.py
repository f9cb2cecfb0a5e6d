"""Bad records yield structured FieldErrors (field, rule, message, value), never exceptions."""

from __future__ import annotations

import json
from typing import Any

import pytest
from mapping_helpers import invoice_document, raw_invoice

from hub.mapping import Mapper, builtin_transforms, canonical_validator


def test_all_mapping_failures_of_a_record_are_reported_with_nested_names() -> None:
    mapper = Mapper.compile(invoice_document())
    result = mapper.map(
        raw_invoice(
            foreigntotal="12,0",
            trandate="yesterday",
            lines=[{"amount": "1"}, {"amount": "x"}, "junk"],
        )
    )
    assert result.record is None
    assert result.external_id == "5012"
    found = [(e.field, e.rule, e.value) for e in result.errors]
    assert found == [
        ("issue_date", "date", "yesterday"),
        ("total", "money", "12,0"),
        ("lines[1].amount", "money", "x"),
        ("lines[2]", "object", "junk"),
    ]
    assert all(e.message for e in result.errors)
    json.dumps([e.as_dict() for e in result.errors])  # quarantine rows are JSON


def test_missing_required_value_is_a_required_error() -> None:
    result = Mapper.compile(invoice_document()).map(raw_invoice(id=None, entity=""))
    assert [(e.field, e.rule) for e in result.errors] == [
        ("external_id", "required"),
        ("customer_external_id", "required"),
    ]
    assert result.external_id is None


def test_schema_violations_after_mapping_are_field_errors() -> None:
    document = invoice_document(status={"source": "st"}, currency={"source": "cur"})
    result = Mapper.compile(document).map(raw_invoice(st="overdue", cur="usd"))
    assert result.record is None
    rules = {(e.field, e.rule) for e in result.errors}
    assert rules == {("status", "enum"), ("currency", "pattern")}
    assert {e.value for e in result.errors} == {"overdue", "usd"}


def test_a_raising_transform_rejects_the_record_not_the_batch() -> None:
    def explode(value: Any) -> Any:
        raise RuntimeError("plugin bug")

    def refuse(value: Any) -> Any:
        raise ValueError("not a real PO number")

    transforms = {**builtin_transforms(), "explode": explode, "refuse": refuse}
    mapper = Mapper.compile(
        invoice_document(
            number={"source": "tranid", "transform": "explode"},
            memo={"source": "memo", "transform": "refuse"},
        ),
        transforms=transforms,
    )
    results = mapper.map_many([raw_invoice(memo="x"), raw_invoice(memo="y")])
    for result in results:
        assert result.record is None
        assert [(e.field, e.rule) for e in result.errors] == [
            ("number", "transform"),
            ("memo", "transform"),
        ]
        assert "RuntimeError: plugin bug" in result.errors[0].message
        assert result.errors[1].message == "refuse: not a real PO number"


def test_builtin_transform_type_errors_are_record_errors() -> None:
    mapper = Mapper.compile(invoice_document(number={"source": "tranid", "transform": "negate"}))
    result = mapper.map(raw_invoice(tranid="INV-1"))
    assert [(e.field, e.rule) for e in result.errors] == [("number", "transform")]


@pytest.mark.parametrize("object_type", ["customer", "contact", "invoice", "payment"])
def test_canonical_validator_is_cached_and_checks_formats(object_type: str) -> None:
    check = canonical_validator(object_type)
    assert canonical_validator(object_type) is check
    errors = check({"external_id": ""})
    assert any(e.rule == "required" for e in errors)
    assert any(e.field == "external_id" and e.rule == "minLength" for e in errors)


def test_canonical_validator_rejects_bad_dates_and_money() -> None:
    check = canonical_validator("payment")
    record = {
        "external_id": "1",
        "number": None,
        "customer_external_id": "9",
        "date": "2024-02-30",
        "amount": "10.5.0",
        "currency": "USD",
        "method": None,
        "applications": [{"invoice_external_id": "5", "amount": "1.00"}, {"amount": "2"}],
        "unapplied_amount": "0.00",
        "updated_at": "2024-05-14 10:00:00",
    }
    found = {(e.field, e.rule) for e in check(record)}
    assert found == {
        ("date", "format"),
        ("amount", "pattern"),
        ("applications[1].invoice_external_id", "required"),
        ("updated_at", "format"),
    }
