"""Type conversions: parse a source value into a Python value, render it as canonical JSON.

Parsers raise :class:`ValueError` with a message for the admin; the mapper turns that into a
structured :class:`~hub.errors.FieldError` whose rule is the type name.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from hub.mapping.currency import QUANTA

Parser = Callable[[Any], Any]

TRUE_TEXT = frozenset({"t", "true", "y", "yes", "1", "on"})
FALSE_TEXT = frozenset({"f", "false", "n", "no", "0", "off"})
ISO_DATE = "%Y-%m-%d"
ISO_LIKE_DATETIME_FORMATS = {
    "%Y-%m-%d %H:%M:%S": 19,
    "%Y-%m-%dT%H:%M:%S": 19,
    "%Y-%m-%d %H:%M": 16,
    "%Y-%m-%dT%H:%M": 16,
}
"""strptime formats whose exact-length values ``datetime.fromisoformat`` reads identically."""


def parse_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError(f"expected text, got {type(value).__name__}")
    return str(value)


def parse_integer(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("expected a whole number, got a boolean")
    if isinstance(value, int):
        return value
    try:
        number = Decimal(value.strip() if isinstance(value, str) else str(value))
    except (InvalidOperation, TypeError, AttributeError):
        raise ValueError(f"{value!r} is not a whole number") from None
    if not number.is_finite() or number != number.to_integral_value():
        raise ValueError(f"{value!r} is not a whole number")
    return int(number)


def parse_decimal(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, str):
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise ValueError(f"{value!r} is not a decimal number") from None
    elif isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    else:
        raise ValueError(f"expected a decimal number, got {type(value).__name__}")
    if not number.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return number


def parse_boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text in TRUE_TEXT:
            return True
        if text in FALSE_TEXT:
            return False
    elif isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise ValueError(f"{value!r} is not a boolean (expected T/F, true/false, yes/no or 1/0)")


def date_parser(fmt: str | None) -> Parser:
    """Parse dates written as ``fmt`` (strptime syntax; ISO ``YYYY-MM-DD`` when ``None``)."""
    if fmt is None or fmt == ISO_DATE:

        def parse_iso(value: Any) -> date:
            if isinstance(value, datetime):
                return value.date()
            if isinstance(value, date):
                return value
            if not isinstance(value, str) or len(value) != 10:
                raise ValueError(f"{value!r} is not a date in YYYY-MM-DD form")
            try:
                return date.fromisoformat(value)
            except ValueError:
                raise ValueError(f"{value!r} is not a valid date (YYYY-MM-DD)") from None

        return parse_iso

    def parse_formatted(value: Any) -> date:
        if isinstance(value, date):
            return value.date() if isinstance(value, datetime) else value
        if not isinstance(value, str):
            raise ValueError(f"expected a date, got {type(value).__name__}")
        try:
            return datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            raise ValueError(f"{value!r} does not match the date format {fmt!r}") from None

    return parse_formatted


def datetime_parser(fmt: str | None, zone: tzinfo) -> Parser:
    """Parse datetimes written as ``fmt`` (ISO 8601 when ``None``); a value without an offset is
    read as wall-clock time in ``zone``. Returns an aware datetime.

    Wall-clock times that happen twice (DST ends) resolve to the earlier instant; times that never
    happen (DST starts) are read with the offset in force before the change (02:30 → 03:30).
    """

    def attach(moment: datetime) -> datetime:
        return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment

    iso_length = ISO_LIKE_DATETIME_FORMATS.get(fmt or "")

    def parse(value: Any) -> datetime:
        if isinstance(value, datetime):
            return attach(value)
        if not isinstance(value, str):
            raise ValueError(f"expected a date and time, got {type(value).__name__}")
        try:
            if fmt is None:
                return attach(datetime.fromisoformat(value))
            if iso_length is not None and len(value) == iso_length and value[4] == "-":
                # same result as strptime, ~20x faster (strptime re-checks the locale each call)
                return attach(datetime.fromisoformat(value))
            return attach(datetime.strptime(value.strip(), fmt))
        except ValueError:
            expected = "ISO 8601" if fmt is None else repr(fmt)
            raise ValueError(f"{value!r} is not a date and time in the format {expected}") from None

    return parse


PARSERS: dict[str, Parser] = {
    "string": parse_string,
    "integer": parse_integer,
    "decimal": parse_decimal,
    "money": parse_decimal,
    "boolean": parse_boolean,
}


def render_decimal(value: Any) -> str:
    """Decimal text without exponent, keeping the source's precision (``1.0843``, ``100``)."""
    number = parse_decimal(value)
    if not number:
        number = number.copy_abs()
    return format(number, "f")


def render_money(value: Any, exponent: int) -> str:
    """Money text with exactly ``exponent`` decimals, rounded half up (``1250.00``)."""
    number = parse_decimal(value)
    try:
        rounded = number.quantize(QUANTA[exponent], ROUND_HALF_UP)
    except InvalidOperation:
        raise ValueError(f"{value!r} is too large to be an amount") from None
    if not rounded:
        rounded = rounded.copy_abs()
    return str(rounded)


def render_date(value: Any) -> str:
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        raise ValueError(f"expected a date, got {type(value).__name__}")
    return value.isoformat()


def render_datetime(value: Any) -> str:
    """RFC 3339 in UTC with ``Z`` (``2024-05-14T17:31:07Z``; microseconds kept when present)."""
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ValueError(f"expected a date and time with a time zone, got {value!r}")
    offset = value.utcoffset()
    assert offset is not None  # aware
    try:
        return (value.replace(tzinfo=None) - offset).isoformat() + "Z"
    except OverflowError:
        raise ValueError("is outside the years 1 to 9999 once converted to UTC") from None


__all__ = [
    "PARSERS",
    "Parser",
    "date_parser",
    "datetime_parser",
    "parse_boolean",
    "parse_decimal",
    "parse_integer",
    "parse_string",
    "render_date",
    "render_datetime",
    "render_decimal",
    "render_money",
]
