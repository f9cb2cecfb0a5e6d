"""The fast closures and the generated runner give exactly what the generic pipeline gives."""

from __future__ import annotations

from typing import Any

import pytest
from mapping_helpers import invoice_document, raw_invoice

from hub.mapping import Mapper

NEVER = {"source": "__never__", "present": True}

FIELD_SPECS: dict[str, tuple[dict[str, Any], str | int | bool]] = {
    "string": ({"source": "v", "type": "string"}, "text"),
    "integer": ({"source": "v", "type": "integer"}, 0),
    "decimal": ({"source": "v", "type": "decimal"}, "0"),
    "money": ({"source": "v", "type": "money"}, "0"),
    "boolean": ({"source": "v", "type": "boolean"}, False),
    "date": ({"source": "v", "type": "date"}, "2000-01-01"),
    "datetime": (
        {"source": "v", "type": "datetime", "format": "%Y-%m-%d %H:%M:%S"},
        "2000-01-01T00:00:00Z",
    ),
}
VALUES = [
    "",
    None,
    "T",
    "F",
    "true",
    "0",
    "42",
    "-7",
    "007",
    "1.50",
    "-0.00",
    "1E+2",
    ".5",
    "abc",
    "NaN",
    "2024-05-01",
    "2024-02-30",
    "2024-5-1",
    "2024-W18-3",
    "2024-11-03 01:30:00",
    "2024-03-10 02:30:00",
    "2024-05-14T10:31:07+02:00",
    "2024-05-14 10:31",
    12,
    1.25,
    True,
    ["x"],
    {"a": 1},
]


def outcome(mapper: Mapper, value: Any) -> Any:
    raw = raw_invoice(v=value) if value is not None else raw_invoice()
    result = mapper.map(raw)
    if result.record is None:
        return [(e.field, e.rule) for e in result.errors]
    return result.record["custom_fields"]


@pytest.mark.parametrize("kind", sorted(FIELD_SPECS))
@pytest.mark.parametrize("with_default", [False, True])
def test_fast_path_matches_generic_pipeline(kind: str, with_default: bool) -> None:
    spec, default = FIELD_SPECS[kind]
    spec = dict(spec)
    if with_default:
        spec["default"] = default
    fast = Mapper.compile(
        invoice_document(timezone="America/Los_Angeles", custom_fields={"fields": {"v": spec}})
    )
    generic = Mapper.compile(
        invoice_document(timezone="America/Los_Angeles", custom_fields={"fields": {"v": spec}}),
        fast=False,
    )
    # a case that never matches: the fast closure behind its cases
    cased = Mapper.compile(
        invoice_document(
            timezone="America/Los_Angeles",
            custom_fields={"fields": {"v": {**spec, "cases": [{"when": NEVER, "value": default}]}}},
        )
    )
    for value in VALUES:
        assert outcome(fast, value) == outcome(generic, value), (kind, value)
        assert outcome(cased, value) == outcome(generic, value), (kind, value)


def test_generated_runner_is_not_injectable_through_names() -> None:
    evil = "x'\n    raise SystemExit('injected') #"
    document = invoice_document(custom_fields={"fields": {evil: {"source": evil}}})
    record = Mapper.compile(document).map(raw_invoice(**{evil: "value"})).record
    assert record is not None
    assert record["custom_fields"] == {evil: "value"}


def test_generated_code_binds_every_document_string_as_a_constant() -> None:
    evil = "x'\n    raise SystemExit('injected') #\"\\"
    document = invoice_document(
        number={"coalesce": [evil + "n", "tranid"]},
        amount_due={
            "cases": [{"when": {"source": evil + "c", "equals": evil}, "value": "0"}],
            "source": "foreignamountunpaid",
        },
        lines={
            "source": evil,
            "items": {
                "where": {"source": evil + "w", "not_equals": evil},
                "fields": {"amount": {"source": "amount"}},
            },
        },
        custom_fields={"collect": {"prefixes": [evil + "p"], "keys": [evil + "k"]}},
    )
    mapper = Mapper.compile(document)
    raw = raw_invoice(**{evil + "c": evil, evil + "p1": "one", evil + "k": "kept"})
    raw[evil] = [{"amount": "5"}, {"amount": "6", evil + "w": evil}]
    record = mapper.map(raw).record
    assert record is not None
    assert record["number"] == "INV10045"
    assert record["amount_due"] == "0.00"
    assert record["lines"] == [{"amount": "5.00"}]
    assert record["custom_fields"] == {evil + "p1": "one", evil + "k": "kept"}
