"""Decimal, money, date, datetime and time-zone edge cases."""

from __future__ import annotations

from typing import Any

import pytest
from mapping_helpers import invoice_document, raw_invoice

from hub.mapping import Mapper, minor_units


def record_for(document: dict[str, Any], **raw: Any) -> dict[str, Any]:
    result = Mapper.compile(document).map(raw_invoice(**raw))
    assert result.errors == [], result.errors
    assert result.record is not None
    return result.record


@pytest.mark.parametrize(
    ("currency", "amount", "expected"),
    [
        ("USD", "1250", "1250.00"),
        ("USD", "980.5", "980.50"),
        ("USD", ".5", "0.50"),
        ("USD", "0.005", "0.01"),  # half up
        ("USD", "0.004", "0.00"),
        ("USD", "-0.001", "0.00"),  # no negative zero
        ("USD", "-12.345", "-12.35"),
        ("USD", "1E+3", "1000.00"),
        ("EUR", " 12.10 ", "12.10"),
        ("JPY", "1250.5", "1251"),
        ("KRW", "1000", "1000"),
        ("KWD", "1.2", "1.200"),
        ("BHD", "0.0005", "0.001"),
        ("CLF", "1", "1.0000"),
        ("XYZ", "1", "1.00"),  # unknown code: two decimals
    ],
)
def test_money_is_quantised_to_the_currency(currency: str, amount: str, expected: str) -> None:
    record = record_for(
        invoice_document(), currency_code=currency, foreigntotal=amount, foreignamountunpaid=amount
    )
    assert record["total"] == expected
    assert record["amount_due"] == expected


def test_money_in_lines_uses_the_record_currency_even_if_mapped_later() -> None:
    fields = invoice_document()["fields"]
    currency = fields.pop("currency")
    fields["currency"] = currency  # document order: money fields before currency
    record = record_for(
        {"format_version": 1, "object": "invoice", "fields": fields}, currency_code="KWD"
    )
    assert record["total"] == "1250.000"
    assert record["lines"] == [{"amount": "1000.000"}, {"amount": "250.000"}]


def test_minor_units_table() -> None:
    assert (minor_units("USD"), minor_units("JPY"), minor_units("KWD"), minor_units(None)) == (
        2,
        0,
        3,
        2,
    )


@pytest.mark.parametrize(
    ("rate", "expected"),
    [
        ("1", "1"),
        ("1.0843", "1.0843"),
        ("0.00012345678901", "0.00012345678901"),
        ("1.50", "1.50"),
        ("1E-7", "0.0000001"),
        ("-0", "0"),
    ],
)
def test_exchange_rate_keeps_its_precision(rate: str, expected: str) -> None:
    assert record_for(invoice_document(), exchangerate=rate)["exchange_rate"] == expected


@pytest.mark.parametrize(
    ("zone", "wall_clock", "utc"),
    [
        ("UTC", "2024-05-14 10:31:07", "2024-05-14T10:31:07Z"),
        ("America/Los_Angeles", "2024-05-14 10:31:07", "2024-05-14T17:31:07Z"),  # PDT
        ("America/Los_Angeles", "2024-01-14 10:31:07", "2024-01-14T18:31:07Z"),  # PST
        ("America/Los_Angeles", "2024-12-31 23:30:00", "2025-01-01T07:30:00Z"),  # new year
        ("America/Los_Angeles", "2024-05-14 00:00:00", "2024-05-14T07:00:00Z"),  # midnight
        ("Europe/Berlin", "2024-05-14 00:30:00", "2024-05-13T22:30:00Z"),  # day before in UTC
        # DST starts: 02:30 does not exist in Los Angeles → read with the offset before (PST)
        ("America/Los_Angeles", "2024-03-10 02:30:00", "2024-03-10T10:30:00Z"),
        ("America/Los_Angeles", "2024-03-10 03:30:00", "2024-03-10T10:30:00Z"),
        # DST ends: 01:30 happens twice → the earlier instant (PDT)
        ("America/Los_Angeles", "2024-11-03 01:30:00", "2024-11-03T08:30:00Z"),
        ("America/Los_Angeles", "2024-11-03 02:30:00", "2024-11-03T10:30:00Z"),
        ("Australia/Lord_Howe", "2024-04-07 01:45:00", "2024-04-06T14:45:00Z"),  # 30-min DST
        ("Asia/Kolkata", "2024-05-14 05:29:59", "2024-05-13T23:59:59Z"),
    ],
)
def test_datetime_from_source_zone_to_utc(zone: str, wall_clock: str, utc: str) -> None:
    document = invoice_document(
        timezone=zone, updated_at={"source": "lm", "format": "%Y-%m-%d %H:%M:%S"}
    )
    assert record_for(document, lm=wall_clock)["updated_at"] == utc


def test_field_timezone_overrides_document_setting_and_offsets_are_respected() -> None:
    document = invoice_document(
        timezone="America/New_York",
        updated_at={"source": "lm", "timezone": "Asia/Tokyo"},
        custom_fields={"fields": {"seen": {"source": "seen", "type": "datetime"}}},
    )
    record = record_for(document, lm="2024-05-14 09:00:00", seen="2024-05-14T09:00:00.250-04:00")
    assert record["updated_at"] == "2024-05-14T00:00:00Z"
    assert record["custom_fields"]["seen"] == "2024-05-14T13:00:00.250000Z"


def test_non_iso_datetime_format() -> None:
    document = invoice_document(
        timezone="America/Chicago", updated_at={"source": "lm", "format": "%m/%d/%Y %I:%M %p"}
    )
    assert record_for(document, lm="3/9/2024 11:05 PM")["updated_at"] == "2024-03-10T05:05:00Z"


@pytest.mark.parametrize(
    ("field", "raw", "rule"),
    [
        ("issue_date", {"trandate": "2024-02-30"}, "date"),
        ("issue_date", {"trandate": "05/01/2024"}, "date"),
        ("issue_date", {"trandate": "2024-5-1"}, "date"),
        ("total", {"foreigntotal": "NaN"}, "money"),
        ("total", {"foreigntotal": "Infinity"}, "money"),
        ("total", {"foreigntotal": "1,250.00"}, "money"),
        ("total", {"foreigntotal": True}, "money"),
        ("exchange_rate", {"exchangerate": "abc"}, "decimal"),
        ("updated_at", {"lm": "2024-05-14 25:00:00"}, "datetime"),
        ("updated_at", {"lm": "yesterday"}, "datetime"),
    ],
)
def test_bad_values_become_field_errors(field: str, raw: dict[str, Any], rule: str) -> None:
    document = invoice_document(updated_at={"source": "lm", "format": "%Y-%m-%d %H:%M:%S"})
    result = Mapper.compile(document).map(raw_invoice(**raw))
    assert result.record is None
    assert [(e.field, e.rule) for e in result.errors] == [(field, rule)]
    assert result.errors[0].value == next(iter(raw.values()))
