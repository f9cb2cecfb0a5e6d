"""The built-in transforms, called directly."""

from __future__ import annotations

from decimal import Decimal

import pytest

from hub.default_plugins import transforms as t
from hub.default_plugins.transforms import strip


def test_text_transforms() -> None:
    assert strip("  a b ") == "a b"
    assert strip("   ") is None
    assert (t.upper("usd"), t.lower("A@B.EXAMPLE"), t.title("ACME CORP")) == (
        "USD",
        "a@b.example",
        "Acme Corp",
    )
    assert t.truncate("abcdef", 3) == "abc"
    assert t.replace("a-b-c", "-", "") == "abc"
    with pytest.raises(ValueError):
        t.upper(5)
    with pytest.raises(ValueError):
        t.truncate("abc", -1)


def test_negate_and_abs() -> None:
    assert t.negate(True) is False
    assert t.negate("F") is True
    assert t.negate(Decimal("2.5")) == Decimal("-2.5")
    assert t.negate("-3") == Decimal("3")
    assert t.absolute("-12.50") == Decimal("12.50")
    with pytest.raises(ValueError):
        t.negate("maybe")


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("+1 (555) 010-2000", None, "+15550102000"),
        ("0044 20 7946 0000", None, "+442079460000"),
        ("(555) 010-2000 ext. 12", "1", "+15550102000"),
        ("1-555-010-2000", "1", "+15550102000"),
        ("030 1234567", "49", "+49301234567"),
        ("555-0100", None, "555-0100"),  # no country known: unchanged
        ("call reception", "1", "call reception"),
        ("+12", None, "+12"),  # too short for E.164: unchanged
    ],
)
def test_phone(raw: str, country: str | None, expected: str) -> None:
    assert t.phone(raw, country_code=country) == expected


def test_partially_paid() -> None:
    assert t.partially_paid("open", total="100.00", amount_due="40.00") == "partially_paid"
    assert t.partially_paid("open", total="100.00", amount_due="100.00") == "open"
    assert t.partially_paid("open", total="100.00", amount_due="0.00") == "open"
    assert t.partially_paid("paid", total="100.00", amount_due="40.00") == "paid"
    assert t.partially_paid("open", total=None, amount_due="40.00") == "open"
