"""The fast build (specialised closures, generated runners) gives exactly the generic pipeline's
results: the same records (same key order), the same errors and messages, on many generated
records, valid and broken (bad money, DST edges, missing and empty fields, odd types)."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

import pytest
from mapping_helpers import invoice_document

from hub.mapping import DictLookup, Mapper
from hub_netsuite.mappings import load_default_mappings

LOOKUPS = DictLookup(
    {"currency": {"1": {"code": "USD"}, "2": {"code": "jpy"}, "3": {"code": "KWD"}}}
)
GONE = object()  # remove the key

MONEY = [
    "1250", "1250.5", "0.005", "0.015", "2.675", "-12.345", "-0.001", "-0.00", "0", "007", ".5",
    "5.", " 5 ", "1_000", "1e3", "1E+400", "9" * 19, "9" * 30, "12,0", "abc", "NaN", "sNaN",
    "Infinity", 12, 12.5, 0.1, Decimal("1.005"), True, ["1"], {"a": 1}, "", None, GONE,
]  # fmt: skip
DECIMALS = [*MONEY, "1.0843", "1e-7", "-0", "0.000", "0.00010"]
DATES = [
    "2024-02-29", "2023-02-29", "2024-13-01", "2024-5-1", "20240501", "2024-W18-3", "2024-05-01",
    "2024-05-01T00:00:00", "2024-05-01 ", "05/01/2024", 20240501, "", None, GONE,
]  # fmt: skip
DATETIMES = [
    "2024-03-10 02:30:00",  # skipped by DST in Los Angeles
    "2024-11-03 01:30:00",  # happens twice
    "2024-11-03 02:00:00", "2024-03-10 01:59:59", "2024-03-31 01:30:00", "2024-10-27 01:30:00",
    "2024-12-31 23:59:59", "2024-02-30 10:00:00", "2024-05-14T10:31:07", "2024-05-14T10:31+02",
    "2024-05-14 10:31:07.5", "2024-05-14 10:31", "2024-05-14T10:31:07Z", "2024/05/14 10:31:07",
    "2024-05-14", " 2024-05-14 10:31:07", 1715682667, "", None, GONE,
]  # fmt: skip
TEXTS = ["x", "INV1", " ", "²", "٣", "12", 12, 1.5, True, ["x"], {"k": "v"}, "", None, GONE]
INTEGERS = ["1", "²", "٣", "007", "1.0", "1.5", "-3", " 4 ", "1e2", 3, 3.0, True, "", None, GONE]
BOOLEANS = ["T", "F", "t", "true", "Yes", "no", "1", "0", "maybe", 1, 2, True, "", None, GONE]
FLAGS = ["T", "F", "", None, GONE, 1]

INVOICE_VALUES: dict[str, list[Any]] = {
    "id": TEXTS,
    "tranid": TEXTS,
    "entity": TEXTS,
    "trandate": DATES,
    "duedate": DATES,
    "currency": ["1", "2", "3", "99", 1, "", None, GONE],
    "currency_code": ["USD", "usd", "JPY", "KWD", "EURO", 5, "", None, GONE],
    "exchangerate": DECIMALS,
    "foreigntotal": MONEY,
    "foreignamountunpaid": MONEY,
    "status": ["A", "B", "D", "E", "V", "X", 1, "", None, GONE],
    "voided": FLAGS,
    "memo": TEXTS,
    "termsname": TEXTS,
    "lastmodified": DATETIMES,
    "custbody_po": TEXTS,
    "otherrefnum": TEXTS,
}
LINE_VALUES: dict[str, list[Any]] = {
    "id": TEXTS,
    "linesequencenumber": INTEGERS,
    "itemname": TEXTS,
    "item": TEXTS,
    "memo": TEXTS,
    "quantity": DECIMALS,
    "rate": MONEY,
    "amount": MONEY,
    "mainline": FLAGS,
    "custcol_x": TEXTS,
}


def _mutate(record: dict[str, Any], pools: dict[str, list[Any]], rng: random.Random) -> None:
    for key in rng.sample(sorted(pools), rng.randint(0, 3)):
        value = rng.choice(pools[key])
        if value is GONE:
            record.pop(key, None)
        else:
            record[key] = value


def raw_invoices(count: int, seed: int) -> list[Any]:
    """Realistic SuiteQL-like invoices, most with a few fields broken or removed."""
    rng = random.Random(seed)
    records: list[Any] = []
    for n in range(count):
        lines: list[Any] = []
        for i in range(rng.randint(0, 3)):
            line = {
                "id": str(i + 1),
                "linesequencenumber": str(i + 1),
                "item": str(100 + i),
                "itemname": "Widget",
                "quantity": str(rng.randint(1, 9)),
                "rate": f"{rng.randint(1, 99999) / 100}",
                "amount": f"{rng.randint(1, 999999) / 100}",
                "mainline": "F",
            }
            if rng.random() < 0.3:
                line["custcol_x"] = "c"
            if rng.random() < 0.6:
                _mutate(line, LINE_VALUES, rng)
            lines.append(line if rng.random() > 0.03 else "junk")
        record: dict[str, Any] = {
            "id": str(1000 + n),
            "tranid": f"INV{n}",
            "entity": "77",
            "trandate": "2024-05-01",
            "duedate": "2024-05-31",
            "currency": str(1 + n % 3),
            "exchangerate": "1.0843",
            "foreigntotal": f"{rng.randint(0, 10**7) / 100}",
            "foreignamountunpaid": f"{rng.randint(0, 10**5) / 100}",
            "status": rng.choice("ABDEV"),
            "voided": "F",
            "termsname": "Net 30",
            "lastmodified": rng.choice(DATETIMES[:12]),
            "lines": lines,
        }
        if n % 2:
            record["currency_code"] = rng.choice(["USD", "JPY", "KWD"])
        if rng.random() < 0.8:
            _mutate(record, INVOICE_VALUES, rng)
        if rng.random() < 0.03:
            record["lines"] = rng.choice(["x", {"a": 1}, None, ""])
        records.append(record if rng.random() > 0.01 else ["not", "a", "record"])
    return records


KINDS_FIELDS: dict[str, Any] = {
    "s": {"source": "s", "type": "string"},
    "s2": {"coalesce": ["a", "b"], "type": "string", "default": "none"},
    "i": {"source": "i", "type": "integer"},
    "i2": {"source": "i", "type": "integer", "default": 7},
    "d": {"source": "d", "type": "decimal", "default": "0"},
    "m": {"source": "m", "type": "money"},
    "m2": {"coalesce": ["m", "m_alt"], "type": "money", "default": "1.5"},
    "b": {"source": "b", "type": "boolean"},
    "b2": {"source": "b", "type": "boolean", "default": True},
    "dt": {"source": "dt", "type": "date"},
    "dtf": {"source": "dt", "type": "date", "format": "%m/%d/%Y"},
    "ts": {"source": "ts", "type": "datetime"},
    "ts2": {
        "source": "ts",
        "type": "datetime",
        "format": "%Y-%m-%d %H:%M:%S",
        "timezone": "Europe/London",
    },
    "ts3": {"source": "ts", "type": "datetime", "format": "%Y-%m-%dT%H:%M", "default": None},
    "c": {
        "cases": [{"when": {"source": "flag", "equals": "T"}, "value": "5"}],
        "source": "m",
        "type": "money",
    },
    "c2": {
        "cases": [
            {"when": {"source": "flag", "not_equals": "T"}, "value": "2024-01-01"},
            {"when": {"source": "b", "in": ["T", "F"]}, "value": "2024-01-02"},
        ],
        "coalesce": ["dt", "a"],
        "type": "date",
    },
    "c3": {
        "cases": [{"when": {"source": "flag", "present": True}, "value": True}],
        "source": "b",
        "type": "boolean",
    },
    "c4": {
        "cases": [{"when": {"source": "flag", "equals": ""}, "value": "empty"}],
        "source": "s",
        "type": "string",
    },
    "mp": {"source": "st", "map": {"values": {"A": "x", "1": "one"}}},
    "mp2": {"source": "st", "map": {"values": {"A": "x"}, "default": "other"}, "type": "string"},
    "o": {
        "fields": {"z": {"source": "m", "type": "money"}, "w": {"source": "i", "type": "integer"}},
        "collect": {"prefixes": ["p_"], "strip_prefix": True},
    },
    "o3": {
        "source": "nested",
        "fields": {"z": {"source": "z", "type": "money"}, "w": {"source": "w", "type": "integer"}},
    },
    "o2": {"collect": {"prefixes": ["p_", "q_"], "keys": ["a", "b"]}},
}
KINDS_VALUES: dict[str, list[Any]] = {
    "s": TEXTS,
    "a": TEXTS,
    "b": BOOLEANS,
    "i": INTEGERS,
    "d": DECIMALS,
    "m": MONEY,
    "m_alt": MONEY,
    "dt": DATES,
    "ts": DATETIMES,
    "flag": FLAGS,
    "st": ["A", "1", 1, "B", "", None, GONE],
    "nested": [{"z": "1.005", "w": "2", "p_k": "v"}, {"z": "x", "w": "²"}, {}, "n", None, GONE],
    "p_one": TEXTS,
    "q_two": TEXTS,
}


def raw_kinds(count: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    records = []
    for n in range(count):
        record: dict[str, Any] = {
            "id": str(n),
            "tranid": "INV1",
            "entity": "9",
            "trandate": "2024-05-01",
            "duedate": "2024-05-31",
            "currency_code": rng.choice(["USD", "JPY", "KWD", "BHD", "XYZ", ""]),
            "exchangerate": "1",
            "foreigntotal": "10",
            "foreignamountunpaid": "5",
            "lines": [{"amount": "1"}],
        }
        for key in rng.sample(sorted(KINDS_VALUES), rng.randint(3, len(KINDS_VALUES))):
            value = rng.choice(KINDS_VALUES[key])
            if value is not GONE:
                record[key] = value
        records.append(record)
    return records


def both(document: dict[str, Any]) -> tuple[Mapper, Mapper]:
    fast = Mapper.compile(document, lookups=LOOKUPS)
    generic = Mapper.compile(document, lookups=LOOKUPS, fast=False)
    return fast, generic


def assert_same(fast: Mapper, generic: Mapper, raws: list[Any]) -> tuple[int, int]:
    ok = failed = 0
    for n, raw in enumerate(raws):
        expected = generic.map(raw)
        # repr also compares key order and the types of error values
        assert repr(fast.map(raw)) == repr(expected), (n, raw)
        ok += expected.ok
        failed += not expected.ok
    return ok, failed


def test_generic_build_really_is_the_plain_pipeline() -> None:
    fast, generic = both(load_default_mappings()["invoice"])
    assert fast._run is not generic._run  # noqa: SLF001
    assert "generated" in fast._run.__code__.co_filename  # noqa: SLF001
    assert "generated" not in generic._run.__code__.co_filename  # noqa: SLF001


@pytest.mark.parametrize("seed", [1, 2])
def test_netsuite_invoices_map_identically(seed: int) -> None:
    fast, generic = both(load_default_mappings()["invoice"])
    ok, failed = assert_same(fast, generic, raw_invoices(2500, seed))
    assert ok > 300 and failed > 300  # both paths were really exercised


@pytest.mark.parametrize("zone", ["America/Los_Angeles", "Europe/Berlin", None])
def test_every_kind_and_shape_maps_identically(zone: str | None) -> None:
    document = invoice_document(
        timezone=zone,
        due_date={"coalesce": ["duedate", "trandate"]},
        amount_due={
            "cases": [{"when": {"source": "flag", "equals": "T"}, "value": "0"}],
            "source": "foreignamountunpaid",
            "default": "0",
        },
        custom_fields={"fields": KINDS_FIELDS, "collect": {"prefixes": ["p_"], "keys": ["st"]}},
    )
    fast, generic = both(document)
    ok, failed = assert_same(fast, generic, raw_kinds(2500, 7))
    assert ok > 100 and failed > 100


def test_the_netsuite_invoices_of_the_benchmark_shape_map_identically() -> None:
    fast, generic = both(load_default_mappings()["invoice"])
    clean = [r for r in raw_invoices(400, 3) if isinstance(r, dict)]
    for record in clean:  # undo the breakage: realistic rows only
        record.update(voided="F", status="A", currency="1", foreigntotal="10.5")
        record["lines"] = [{"id": "1", "amount": "10.5", "quantity": "1", "rate": "10.5"}]
    ok, failed = assert_same(fast, generic, clean)
    assert failed < ok


@pytest.mark.parametrize("fast", [True, False])
def test_datetime_pushed_out_of_range_is_a_field_error(fast: bool) -> None:
    """Regression: 0001-01-01 00:00 in Tokyo is before year 1 in UTC; it must not stop the batch."""
    from hub.mapping import Mapper, required_fields

    document: dict[str, Any] = {
        "format_version": 1,
        "object": "customer",
        "settings": {"timezone": "Asia/Tokyo"},
        "fields": {
            "external_id": {"source": "id", "type": "string"},
            "name": {"source": "name", "type": "string"},
            "is_active": {"const": True},
            "updated_at": {"source": "when", "type": "datetime", "format": "%Y-%m-%d %H:%M:%S"},
        },
    }
    for name in required_fields("customer"):
        document["fields"].setdefault(
            name,
            {"const": None}
            if name != "custom_fields"
            else {"collect": {"prefixes": ["custentity_"]}},
        )
    mapper = Mapper.compile(document, fast=fast)
    [bad, good] = mapper.map_many(
        [
            {"id": "1", "name": "A", "when": "0001-01-01 00:00:00"},
            {"id": "2", "name": "B", "when": "2026-03-01 09:00:00"},
        ]
    )
    assert bad.record is None and [e.field for e in bad.errors] == ["updated_at"]
    assert "outside the years 1 to 9999" in bad.errors[0].message
    assert good.record is not None and good.record["updated_at"] == "2026-03-01T00:00:00Z"
