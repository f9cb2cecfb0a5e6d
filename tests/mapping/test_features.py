"""Each mapping feature, exercised through Mapper.compile + map on small documents."""

from __future__ import annotations

from typing import Any

import pytest
from mapping_helpers import invoice_document, raw_invoice

from hub.mapping import DictLookup, Mapper


def mapped(document: dict[str, Any], raw: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    result = Mapper.compile(document, **kwargs).map(raw)
    assert result.errors == [] and result.record is not None
    return result.record


def test_copy_and_output_shape() -> None:
    record = mapped(invoice_document(), raw_invoice(custbody_po="PO-7"))
    assert record == {
        "external_id": "5012",
        "number": "INV10045",
        "customer_external_id": "1843",
        "issue_date": "2024-05-01",
        "due_date": "2024-05-31",
        "currency": "USD",
        "exchange_rate": "1",
        "total": "1250.00",
        "amount_due": "250.00",
        "status": "open",
        "lines": [{"amount": "1000.00"}, {"amount": "250.00"}],
        "custom_fields": {"custbody_po": "PO-7"},
    }


def test_nested_paths_and_list_positions() -> None:
    document = invoice_document(
        customer_external_id={"source": "customer.ids[1]"},
        memo={"source": "notes[0].text"},
        payment_terms={"source": "customer.terms.name"},
    )
    raw = raw_invoice(
        customer={"ids": ["x", "C-9"], "terms": "not an object"},
        notes=[{"text": "first"}, {"text": "second"}],
    )
    record = mapped(document, raw)
    assert record["customer_external_id"] == "C-9"
    assert record["memo"] == "first"
    assert record["payment_terms"] is None  # path through a non-object is missing


def test_array_items_with_their_own_fields_and_where() -> None:
    document = invoice_document(
        lines={
            "source": "rows",
            "items": {
                "where": {"source": "mainline", "not_equals": "T"},
                "fields": {
                    "line_number": {"source": "seq"},
                    "description": {"concat": {"parts": ["item", "memo"], "separator": " - "}},
                    "quantity": {"source": "qty"},
                    "amount": {"source": "amt"},
                    "custom_fields": {"collect": {"prefixes": ["custcol_"], "strip_prefix": True}},
                },
            },
        }
    )
    rows = [
        {"mainline": "T", "amt": "1250"},
        {
            "seq": "1",
            "item": "Widget",
            "memo": "blue",
            "qty": "2.50",
            "amt": "1000",
            "custcol_colour": "blue",
        },
        {"seq": "2", "item": "Freight", "amt": "250", "mainline": "F"},
    ]
    record = mapped(document, raw_invoice(rows=rows))
    assert record["lines"] == [
        {
            "line_number": 1,
            "description": "Widget - blue",
            "quantity": "2.50",
            "amount": "1000.00",
            "custom_fields": {"colour": "blue"},
        },
        {
            "line_number": 2,
            "description": "Freight",
            "quantity": None,
            "amount": "250.00",
            "custom_fields": {},
        },
    ]


def test_missing_array_source_is_empty_list() -> None:
    assert mapped(invoice_document(), raw_invoice(lines=None))["lines"] == []


def test_const_default_and_empty_string_counts_as_missing() -> None:
    document = invoice_document(
        memo={"source": "memo", "default": "n/a"}, payment_terms={"const": "Net 30"}
    )
    record = mapped(document, raw_invoice(memo="", foreignamountunpaid=""))
    assert record["memo"] == "n/a"
    assert record["payment_terms"] == "Net 30"
    assert record["amount_due"] == "0.00"  # default, written canonically, quantised


def test_coalesce_takes_first_non_empty_and_parts_can_look_up() -> None:
    document = invoice_document(
        currency={
            "coalesce": [
                "currency_code",
                {"source": "currency", "lookup": {"table": "currency", "field": "code"}},
            ]
        },
        due_date={"coalesce": ["duedate", "trandate"]},
    )
    lookups = DictLookup({"currency": {"4": {"code": "JPY"}}})
    record = mapped(
        document, raw_invoice(currency_code="", currency="4", duedate=None), lookups=lookups
    )
    assert record["currency"] == "JPY"
    assert record["due_date"] == "2024-05-01"
    assert record["total"] == "1250"  # JPY has no minor unit


def test_concat_skips_missing_parts_and_converts_numbers() -> None:
    document = invoice_document(
        memo={"concat": {"parts": ["a", "b", {"const": 7}, "c"], "separator": "/"}},
        payment_terms={"concat": {"parts": ["x", "y"]}},
    )
    record = mapped(document, raw_invoice(a="one", b="", c="three"))
    assert record["memo"] == "one/7/three"
    assert record["payment_terms"] is None  # nothing present → missing


def test_value_map_with_and_without_default() -> None:
    status = {"source": "status", "map": {"values": {"A": "open", "B": "paid"}, "default": "open"}}
    mapper = Mapper.compile(invoice_document(status=status))
    assert mapper.map(raw_invoice(status="B")).record["status"] == "paid"  # type: ignore[index]
    assert mapper.map(raw_invoice(status="Q")).record["status"] == "open"  # type: ignore[index]
    strict = Mapper.compile(
        invoice_document(status={"source": "status", "map": {"values": {"A": "open"}}})
    )
    result = strict.map(raw_invoice(status="Q"))
    assert result.record is None
    assert [(e.field, e.rule, e.value) for e in result.errors] == [("status", "map", "Q")]


def test_cases_win_over_the_source() -> None:
    document = invoice_document(
        status={
            "cases": [
                {"when": {"source": "voided", "equals": "T"}, "value": "void"},
                {"when": {"source": "approval", "in": ["1", "3"]}, "value": "pending_approval"},
            ],
            "const": "open",
        },
        amount_due={
            "cases": [{"when": {"source": "voided", "present": True}, "value": "0"}],
            "source": "foreignamountunpaid",
        },
    )
    mapper = Mapper.compile(document)
    voided = mapper.map(raw_invoice(voided="T")).record
    assert voided is not None and voided["status"] == "void" and voided["amount_due"] == "0.00"
    pending = mapper.map(raw_invoice(approval="3")).record
    assert pending is not None and pending["status"] == "pending_approval"
    plain = mapper.map(raw_invoice()).record
    assert plain is not None and plain["status"] == "open" and plain["amount_due"] == "250.00"


def test_lookup_miss_is_error_or_null() -> None:
    lookup = {"table": "customer", "field": "external_id"}
    strict = Mapper.compile(
        invoice_document(customer_external_id={"source": "entity", "lookup": lookup}),
        lookups=DictLookup({"customer": {"1843": {"external_id": "CUST-1843"}}}),
    )
    assert strict.map(raw_invoice()).record["customer_external_id"] == "CUST-1843"  # type: ignore[index]
    missing = strict.map(raw_invoice(entity="999"))
    assert [(e.field, e.rule, e.value) for e in missing.errors] == [
        ("customer_external_id", "lookup", "999")
    ]
    lenient = Mapper.compile(
        invoice_document(
            payment_terms={
                "source": "terms",
                "lookup": {"table": "term", "field": "name", "on_missing": "null"},
            }
        )
    )
    assert lenient.map(raw_invoice(terms="5")).record["payment_terms"] is None  # type: ignore[index]


def test_custom_field_passthrough_prefixes_keys_and_explicit_fields() -> None:
    document = invoice_document(
        custom_fields={
            "collect": {"prefixes": ["custbody_", "custentity_"], "keys": ["otherrefnum"]},
            "fields": {
                "po_total": {"source": "po_total", "type": "money"},
                "rush": {"source": "rush", "type": "boolean"},
            },
        }
    )
    raw = raw_invoice(
        custbody_region="EMEA",
        custentity_tier="gold",
        custbody_empty="",
        otherrefnum="PO-1",
        other="ignored",
        po_total="12.5",
        rush="T",
    )
    assert mapped(document, raw)["custom_fields"] == {
        "custbody_region": "EMEA",
        "custentity_tier": "gold",
        "otherrefnum": "PO-1",
        "po_total": "12.50",
        "rush": True,
    }


def test_object_from_a_source_sub_object() -> None:
    document = invoice_document(custom_fields={"source": "extra"})
    assert mapped(document, raw_invoice(extra={"a": 1}))["custom_fields"] == {"a": 1}
    assert mapped(document, raw_invoice())["custom_fields"] == {}


def test_transforms_chain_and_field_references() -> None:
    document = invoice_document(
        number={"source": "tranid", "transform": ["strip", "lower"]},
        status={
            "const": "open",
            "transform": [
                {
                    "name": "partially_paid",
                    "params": {
                        "total": {"$field": "total"},
                        "amount_due": {"$field": "amount_due"},
                    },
                }
            ],
        },
        memo={"source": "memo", "transform": [{"name": "truncate", "params": {"length": 4}}]},
    )
    mapper = Mapper.compile(document)
    record = mapper.map(raw_invoice(tranid="  INV-1 ", memo="abcdefgh")).record
    assert record is not None
    assert (record["number"], record["memo"], record["status"]) == (
        "inv-1",
        "abcd",
        "partially_paid",
    )
    paid_off = mapper.map(raw_invoice(foreignamountunpaid="0")).record
    assert paid_off is not None and paid_off["status"] == "open"
    unpaid = mapper.map(raw_invoice(foreignamountunpaid="1250")).record
    assert unpaid is not None and unpaid["status"] == "open"


def test_source_references_in_params() -> None:
    def suffix(value: Any, *, text: Any) -> str:
        return f"{value}-{text}"

    document = invoice_document(
        number={
            "source": "tranid",
            "transform": [{"name": "suffix", "params": {"text": {"$source": "entity"}}}],
        }
    )
    record = mapped(document, raw_invoice(), transforms={"suffix": suffix})
    assert record["number"] == "INV10045-1843"


@pytest.mark.parametrize(
    ("spec", "raw_value", "expected"),
    [
        ({"source": "v", "type": "boolean"}, "T", True),
        ({"source": "v", "type": "boolean"}, "F", False),
        ({"source": "v", "type": "boolean"}, "yes", True),
        ({"source": "v", "type": "integer"}, "42", 42),
        ({"source": "v", "type": "integer"}, "42.0", 42),
        ({"source": "v", "type": "decimal"}, "0012.50", "12.50"),
        ({"source": "v", "type": "decimal"}, "1E+2", "100"),
        ({"source": "v", "type": "string"}, 17, "17"),
        ({"source": "v", "type": "date", "format": "%m/%d/%Y"}, "6/2/2023", "2023-06-02"),
        ({"source": "v", "type": "date", "format": "%d/%m/%Y"}, "31/3/2026", "2026-03-31"),
        ({"source": "v", "type": "datetime"}, "2024-05-14T10:31:07+02:00", "2024-05-14T08:31:07Z"),
    ],
)
def test_type_conversions_in_free_fields(
    spec: dict[str, Any], raw_value: Any, expected: Any
) -> None:
    document = invoice_document(custom_fields={"fields": {"v": spec}})
    assert mapped(document, raw_invoice(v=raw_value))["custom_fields"] == {"v": expected}


def test_untyped_free_field_passes_value_through() -> None:
    document = invoice_document(custom_fields={"fields": {"v": {"source": "v"}}})
    assert mapped(document, raw_invoice(v=[1, 2]))["custom_fields"] == {"v": [1, 2]}


def test_map_many_keeps_going_after_bad_records() -> None:
    mapper = Mapper.compile(invoice_document())
    results = mapper.map_many(
        [raw_invoice(), raw_invoice(foreigntotal="abc"), "junk", raw_invoice(id="7")]
    )  # type: ignore[list-item]
    assert [r.ok for r in results] == [True, False, False, True]
    assert results[1].external_id == "5012"
    assert results[2].errors[0].rule == "object"
    assert results[3].external_id == "7"


def test_mapper_is_reusable_and_does_not_leak_state_between_records() -> None:
    mapper = Mapper.compile(invoice_document())
    first = mapper.map(raw_invoice(currency_code="JPY"))
    second = mapper.map(raw_invoice())
    assert first.record is not None and first.record["total"] == "1250"
    assert second.record is not None and second.record["total"] == "1250.00"
