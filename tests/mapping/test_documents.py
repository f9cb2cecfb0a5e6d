"""A bad mapping document is refused with the JSON path at fault."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from mapping_helpers import invoice_document

from hub.errors import ConfigError
from hub.mapping import (
    Mapper,
    builtin_transforms,
    mapping_document_errors,
    validate_mapping_document,
)


def test_valid_document_passes() -> None:
    validate_mapping_document(invoice_document())
    assert mapping_document_errors(invoice_document(), transforms=builtin_transforms()) == []


@pytest.mark.parametrize(
    ("document", "path", "words"),
    [
        ("not an object", "$", "is not of type 'object'"),
        ({"object": "invoice", "fields": {}}, "$", "format_version"),
        ({**invoice_document(), "format_version": 2}, "$.format_version", "1 was expected"),
        ({**invoice_document(), "object": "order"}, "$.object", "is not one of"),
        ({**invoice_document(), "colour": "red"}, "$.colour", "unknown key 'colour'"),
        (invoice_document(total={"sorce": "x"}), "$.fields.total.sorce", "unknown key 'sorce'"),
        (invoice_document(total={"source": "a..b"}), "$.fields.total.source", "does not match"),
        (
            invoice_document(total={"source": "x", "type": "date"}),
            "$.fields.total.type",
            "money field",
        ),
        (
            invoice_document(total={"source": "x", "type": "float"}),
            "$.fields.total.type",
            "is not one of",
        ),
        (invoice_document(colour={"source": "x"}), "$.fields.colour", "no canonical field"),
        (invoice_document(days_overdue={"const": 3}), "$.fields.days_overdue", "derived"),
        (invoice_document(due_date=None), "$.fields", "required field 'due_date'"),
        (
            invoice_document(total={"source": "x", "const": "1"}),
            "$.fields.total",
            "only one of source, const",
        ),
        (invoice_document(total={"type": "money"}), "$.fields.total", "no value source"),
        (
            invoice_document(total={"source": "x", "format": "%Y"}),
            "$.fields.total.format",
            "only applies to date",
        ),
        (
            invoice_document(issue_date={"source": "x", "format": "%Q"}),
            "$.fields.issue_date.format",
            "not a usable strptime format",
        ),
        (
            invoice_document(issue_date={"source": "x", "format": "YYYY-MM-DD"}),
            "$.fields.issue_date.format",
            "not a usable strptime format",
        ),
        (
            invoice_document(issue_date={"source": "x", "timezone": "UTC"}),
            "$.fields.issue_date.timezone",
            "only applies to datetime",
        ),
        (
            invoice_document(updated_at={"source": "x", "timezone": "Mars/Olympus"}),
            "$.fields.updated_at.timezone",
            "unknown time zone",
        ),
        (invoice_document(timezone="Nowhere/City"), "$.settings.timezone", "unknown time zone"),
        (
            invoice_document(total={"source": "x", "default": "ten"}),
            "$.fields.total.default",
            "not a decimal number",
        ),
        (
            invoice_document(issue_date={"source": "x", "default": "2024-02-30"}),
            "$.fields.issue_date.default",
            "not a valid date",
        ),
        (
            invoice_document(status={"source": "s", "map": {"values": {"A": "opened"}}}),
            "$.fields.status.map.values.A",
            "'opened' is not an allowed value",
        ),
        (
            invoice_document(status={"source": "s", "map": {"values": {}, "default": "gone"}}),
            "$.fields.status.map.default",
            "not an allowed value",
        ),
        (
            invoice_document(status={"const": "shut"}),
            "$.fields.status.const",
            "not an allowed value",
        ),
        (
            invoice_document(status={"const": "open", "default": "nope"}),
            "$.fields.status.default",
            "not an allowed value",
        ),
        (
            invoice_document(status={"source": "s", "map": {"default": "open"}}),
            "$.fields.status.map",
            "'values' is a required property",
        ),
        (
            invoice_document(
                status={"cases": [{"when": {"source": "v"}, "value": "void"}], "const": "open"}
            ),
            "$.fields.status.cases[0].when",
            "exactly one of equals",
        ),
        (
            invoice_document(
                status={
                    "cases": [{"when": {"source": "v", "equals": "T"}, "value": "voided"}],
                    "const": "open",
                }
            ),
            "$.fields.status.cases[0].value",
            "not an allowed value",
        ),
        (
            invoice_document(currency={"source": "c", "lookup": {"table": "currency"}}),
            "$.fields.currency.lookup",
            "'field' is a required property",
        ),
        (
            invoice_document(
                currency={
                    "source": "c",
                    "lookup": {"table": "currency", "field": "code", "on_missing": "skip"},
                }
            ),
            "$.fields.currency.lookup.on_missing",
            "is not one of",
        ),
        (invoice_document(lines={"source": "lines"}), "$.fields.lines", 'add "items"'),
        (
            invoice_document(lines={"items": {"fields": {"amount": {"source": "a"}}}}),
            "$.fields.lines",
            "needs a source",
        ),
        (
            invoice_document(
                lines={
                    "source": "l",
                    "items": {"fields": {"amount": {"source": "a"}, "qty": {"source": "q"}}},
                }
            ),
            "$.fields.lines.items.fields.qty",
            "no canonical field 'qty'",
        ),
        (
            invoice_document(
                lines={"source": "l", "items": {"fields": {"quantity": {"source": "q"}}}}
            ),
            "$.fields.lines.items.fields",
            "required field 'amount'",
        ),
        (
            invoice_document(
                lines={
                    "source": "l",
                    "items": {
                        "fields": {"amount": {"source": "a"}},
                        "where": {"source": "m", "equals": 1, "in": [2]},
                    },
                }
            ),
            "$.fields.lines.items.where",
            "exactly one of",
        ),
        (
            invoice_document(total={"source": "x", "items": {"fields": {"a": {"source": "a"}}}}),
            "$.fields.total.items",
            "only applies to array",
        ),
        (
            invoice_document(total={"source": "x", "collect": {"prefixes": ["c"]}}),
            "$.fields.total",
            "only one of",
        ),
        (
            invoice_document(number={"collect": {"prefixes": ["c"]}}),
            "$.fields.number.collect",
            "only applies to object",
        ),
        (
            invoice_document(custom_fields={"collect": {}, "lookup": {"table": "t", "field": "f"}}),
            "$.fields.custom_fields.lookup",
            "does not apply to object",
        ),
        (
            invoice_document(custom_fields={"collect": {"prefixes": [""]}}),
            "$.fields.custom_fields.collect.prefixes[0]",
            "should be non-empty",
        ),
        (
            invoice_document(number={"coalesce": []}),
            "$.fields.number.coalesce",
            "should be non-empty",
        ),
        (
            invoice_document(number={"coalesce": [{"lookup": {"table": "t", "field": "f"}}]}),
            "$.fields.number.coalesce[0]",
            "exactly one of source",
        ),
        (
            invoice_document(number={"concat": {"parts": ["a"], "separator": 1}}),
            "$.fields.number.concat.separator",
            "is not of type 'string'",
        ),
        (
            invoice_document(number={"source": "n", "transform": [{"params": {}}]}),
            "$.fields.number.transform[0]",
            "'name' is a required property",
        ),
        (
            invoice_document(
                status={
                    "const": "open",
                    "transform": [
                        {"name": "partially_paid", "params": {"total": {"$field": "grand_total"}}}
                    ],
                }
            ),
            "$.fields.status.transform[0].params.total",
            "'grand_total' is not mapped",
        ),
        (
            invoice_document(
                status={
                    "const": "open",
                    "transform": [
                        {"name": "partially_paid", "params": {"total": {"$field": "total", "x": 1}}}
                    ],
                }
            ),
            "$.fields.status.transform[0].params.total",
            "write a reference",
        ),
        (
            invoice_document(
                memo={
                    "source": "m",
                    "transform": [{"name": "strip", "params": {"x": {"$field": "payment_terms"}}}],
                },
                payment_terms={
                    "source": "p",
                    "transform": [{"name": "strip", "params": {"x": {"$field": "memo"}}}],
                },
            ),
            "$.fields",
            "cycle",
        ),
    ],
)
def test_document_error_names_the_path(document: Any, path: str, words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        validate_mapping_document(document)
    assert caught.value.path == path, str(caught.value)
    assert words in caught.value.message
    with pytest.raises(ConfigError) as compiled:
        Mapper.compile(document) if isinstance(document, dict) else Mapper.compile({})
    assert compiled.value.path is not None


def test_transform_names_are_checked_when_a_registry_is_given() -> None:
    document = invoice_document(number={"source": "n", "transform": ["strip", "shout"]})
    validate_mapping_document(document)  # no registry: names are not checked
    with pytest.raises(ConfigError) as caught:
        validate_mapping_document(document, transforms=builtin_transforms())
    assert caught.value.path == "$.fields.number.transform[1]"
    assert "unknown transform 'shout'" in caught.value.message
    assert "strip" in caught.value.message  # lists what exists
    with pytest.raises(ConfigError):
        Mapper.compile(document)  # compiling always checks (built-ins by default)


def test_object_transform_name_path() -> None:
    document = invoice_document(number={"source": "n", "transform": [{"name": "nope"}]})
    errors = mapping_document_errors(document, transforms=builtin_transforms())
    assert [e.path for e in errors] == ["$.fields.number.transform[0].name"]


def test_all_problems_are_listed() -> None:
    document = invoice_document(
        total={"source": "x", "type": "date"}, colour={"source": "c"}, due_date=None
    )
    paths = {e.path for e in mapping_document_errors(document)}
    assert paths == {"$.fields", "$.fields.total.type", "$.fields.colour"}


def test_schema_errors_are_all_listed_before_semantics() -> None:
    document = copy.deepcopy(invoice_document())
    document["fields"]["total"]["type"] = "float"
    document["fields"]["number"]["sorce"] = "x"
    paths = [e.path for e in mapping_document_errors(document)]
    assert sorted(paths) == ["$.fields.number.sorce", "$.fields.total.type"]


def test_config_error_str_carries_path() -> None:
    with pytest.raises(ConfigError) as caught:
        validate_mapping_document(invoice_document(total={"source": "x", "type": "date"}))
    assert str(caught.value).startswith("$.fields.total.type: ")
